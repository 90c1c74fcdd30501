"""Graphs evaluated with explicit matrices of symbols at small sizes, for the proofs of the
graph rules: each declared name is a matrix of entry symbols, each defined one its explicit
value, each adjoint and tangent its explicit value in turn."""

from __future__ import annotations

import random

import sympy as sp

from symderiv.graphs.rules import symbols_of

SIZES = {"d": 2, "h": 3, "q": 2, "n": 3, "k": 2}  # small: explicit expressions grow fast


def entries(shape, name):
    """The explicit matrix (or scalar) of entry symbols standing for `name`."""
    if shape.is_scalar:
        return sp.Symbol(f"{name}_", real=True)
    rows, cols = (SIZES.get(d, d) for d in shape.dims)
    return sp.ImmutableMatrix(rows, cols, lambda i, j: sp.Symbol(f"{name}_{i}_{j}", real=True))


def cells(shape, name) -> list:
    value = entries(shape, name)
    return [value] if shape.is_scalar else list(value)


class Explicit:
    """The graph's symbols mapped to explicit values, filled as `put` is called."""

    def __init__(self, graph):
        self.graph = graph
        self.shapes = {
            **graph.declared.shapes(),
            **{e.target: e.expr.shape for e in graph.equations},
        }
        self.symbols = symbols_of(self.shapes)
        self.sizes = {sp.Symbol(k, integer=True, positive=True): v for k, v in SIZES.items()}
        self.known = {self.symbols[n]: entries(s, n) for n, s in graph.declared.shapes().items()}

    def of(self, expr):
        done = expr.xreplace(self.known).xreplace(self.sizes).doit()
        if isinstance(done, sp.MatrixExpr) and not isinstance(done, sp.MatrixBase):
            done = done.as_explicit()  # a scalar symbol times explicit matrices
        return sp.ImmutableMatrix(done) if isinstance(done, sp.MatrixBase) else done

    def put(self, symbol, expr):
        self.known[symbol] = self.of(expr)
        return self.known[symbol]

    def forward(self):
        from symderiv.graphs.rules import value

        for e in self.graph.equations:
            self.put(self.symbols[e.target], value(e.expr, self.symbols))
        J = self.known[self.symbols[self.graph.objective]]
        return J[0, 0] if isinstance(J, sp.MatrixBase) else J

    def point(self, seed: int = 7) -> dict:
        """Random values for every entry symbol; square matrices well away from singular."""
        found = set()
        for value in self.known.values():
            found |= getattr(value, "free_symbols", set())
        rng = random.Random(seed)
        point = {s: sp.Float(rng.uniform(0.2, 1.2)) for s in sorted(found, key=str)}
        for name, shape in self.graph.declared.shapes().items():
            if shape.is_square:
                for i in range(SIZES[shape.dims[0]]):
                    point[sp.Symbol(f"{name}_{i}_{i}", real=True)] += 2
        return point


def number(expr, point) -> float:
    """`expr` at `point`: numbers put in by xreplace evaluate as they go (evalf's adaptive
    precision is far slower on the exponentials)."""
    return float(sp.sympify(expr).xreplace(point).doit())
