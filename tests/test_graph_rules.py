"""The rules of every operation, proven on the catalogue: at small sizes, with explicit
matrices of symbols, the backward sweep equals sympy.diff of the objective, entry by entry, at
random points (relative error ≤ 1e-10)."""

from __future__ import annotations

import random

import pytest
import sympy as sp
from test_graph_parse import CATALOGUE

from symderiv.graphs.rules import adjoint_symbol, backward, symbols_of, value
from symderiv.graphs.spec import graph_from_mapping

SIZES = {"d": 2, "h": 3, "q": 2, "n": 3, "k": 2}  # small: explicit expressions grow fast
MORE = {  # operations the catalogue does not use, each in a small graph of its own
    "softmax and log_softmax": {
        "inputs": {"x": "d"},
        "parameters": {"W": "q d", "v": "q"},
        "equations": ["p = softmax(W @ x)", "r = log_softmax(W @ x)", "f = dot(p, v) + sum(r)"],
    },
    "logsumexp, exp, sqrt, abs, powers": {
        "inputs": {"x": "d"},
        "parameters": {"W": "q d"},
        "equations": [
            "o = W @ x",
            "f = logsumexp(o) + sum(exp(o) ** 2) + norm(abs(o)) "
            "+ sum(sqrt(exp(o))) + sum(o ** -2)",
        ],
    },  # fmt: skip
    "det and a matrix power of a transpose": {
        "constants": {"C": "k k"},
        "parameters": {"S": "k k", "w": "k"},
        "equations": ["f = det(S) + w.T @ S.T @ C @ w - trace(S @ S) / 3"],
    },
    "sigmoid cross-entropy and a scalar parameter": {
        "inputs": {"x": "d", "y": "q"},
        "parameters": {"W": "q d", "a": ""},
        "equations": ["o = a * (W @ x)", "f = sigmoid_cross_entropy(o, y) + a ** 2 / 2"],
    },
}


def _explicit(shape, name):
    if shape.is_scalar:
        return sp.Symbol(f"{name}_", real=True)
    rows, cols = (SIZES.get(d, d) for d in shape.dims)
    return sp.ImmutableMatrix(rows, cols, lambda i, j: sp.Symbol(f"{name}_{i}_{j}", real=True))


def _point(names, graph) -> dict:
    """Random values for every entry; targets of softmax cross-entropy on the simplex, and
    square matrices well away from singular."""
    rng = random.Random(7)
    point = {s: sp.Float(rng.uniform(0.2, 1.2)) for s in names}
    for name, shape in graph.declared.constants.items():
        if shape.is_square:
            k = SIZES[shape.dims[0]]
            for i in range(k):
                point[sp.Symbol(f"{name}_{i}_{i}", real=True)] += 2
    for name, shape in graph.declared.parameters.items():
        if shape.is_square:
            for i in range(SIZES[shape.dims[0]]):
                point[sp.Symbol(f"{name}_{i}_{i}", real=True)] += 2
    return point


@pytest.mark.parametrize("name", list(CATALOGUE) + list(MORE))
def test_backward_matches_sympy_diff(name):
    graph = graph_from_mapping({**CATALOGUE, **MORE}[name], name)
    shapes = {**graph.declared.shapes(), **{e.target: e.expr.shape for e in graph.equations}}
    symbols = symbols_of(shapes)
    sizes = {sp.Symbol(k, integer=True, positive=True): v for k, v in SIZES.items()}
    known = {symbols[n]: _explicit(s, n) for n, s in graph.declared.shapes().items()}

    def explicit(expr):
        done = expr.xreplace(known).xreplace(sizes).doit()
        if isinstance(done, sp.MatrixExpr) and not isinstance(done, sp.MatrixBase):
            done = done.as_explicit()  # a scalar symbol times explicit matrices
        return sp.ImmutableMatrix(done) if isinstance(done, sp.MatrixBase) else done

    for equation in graph.equations:  # forward, one explicit value after another
        known[symbols[equation.target]] = explicit(value(equation.expr, symbols))
    J = known[symbols[graph.objective]]
    J = J[0, 0] if isinstance(J, sp.MatrixBase) else J
    swept = {}
    for target, adjoint in backward(graph):
        swept[target] = explicit(adjoint)
        known[adjoint_symbol(target, shapes[target])] = swept[target]
    entries = set().union(*(m.free_symbols for m in known.values() if hasattr(m, "free_symbols")))
    point = _point(entries, graph)
    worst = 0.0
    for p, shape in graph.declared.parameters.items():
        got = swept[p]
        matrix = _explicit(shape, p)
        cells = [matrix] if shape.is_scalar else list(matrix)
        gots = [got] if shape.is_scalar else list(got)
        for cell, mine in zip(cells, gots):
            # every other entry at its value first: J in one variable differentiates fast
            others = {k: v for k, v in point.items() if k != cell}
            # numbers put in by xreplace evaluate as they go (evalf's adaptive precision is
            # far slower on the exponentials)
            want = sp.diff(J.xreplace(others), cell).xreplace({cell: point[cell]}).doit()
            have = sp.sympify(mine).xreplace(point).doit()
            assert want.is_number and have.is_number, (cell, want.free_symbols, have.free_symbols)
            want, have = float(want), float(have)
            worst = max(worst, abs(have - want) / max(1.0, abs(want)))
    assert worst <= 1e-10, worst
