"""The Hessian-vector product of a graph by forward over reverse: R{·} of every forward
equation, then of every adjoint of the backward sweep.

R{f} = d/dr f(θ + r V) at r = 0 (Pearlmutter's operator); its rules are tangent.py's, the
ones the dense networks' documents and modules use too.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from ..tangent import tangent
from .rules import adjoint_symbol, backward, symbols_of, value


@lru_cache(maxsize=4096)
def tangent_symbol(name: str, shape):
    """R{name} as a symbol of the name's shape: rz, rW1 (V_W1 for a parameter)."""
    if shape.is_scalar:
        return sp.Symbol(f"r{name}", real=True)
    return sp.MatrixSymbol(f"r{name}", *adjoint_symbol(name, shape).shape)


def hessian_vector(graph, batch: bool = False, marked: bool = False) -> tuple:
    """[(name, R{·})]: the tangents of the forward equations in order, then of the adjoints
    of the backward sweep in its order (over a minibatch with `batch`, see `backward`); for a
    parameter θ, R{∂J/∂θ} = (H V)_θ with V_θ = rθ (`marked`: as `backward`'s)."""
    shapes = {**graph.declared.shapes(), **{e.target: e.expr.shape for e in graph.equations}}
    symbols = symbols_of(shapes)
    known = {symbols[p]: tangent_symbol(p, s) for p, s in graph.declared.parameters.items()}
    out = []
    for equation in graph.equations:
        d = tangent(value(equation.expr, symbols), known)
        if d is not None:
            known[symbols[equation.target]] = tangent_symbol(equation.target, equation.expr.shape)
            out.append((equation.target, d))
    for swept in backward(graph, batch, marked=marked):
        name, adjoint = swept.name, swept.total
        d = tangent(adjoint, known)
        own = adjoint_symbol(name, shapes[name])
        if d is not None:
            known[own] = tangent_symbol("d" + name, shapes[name])
        out.append(("d" + name, d if d is not None else _zero(shapes[name], symbols[name])))
    return tuple(out)


def _zero(shape, symbol):
    return sp.Integer(0) if shape.is_scalar else sp.ZeroMatrix(*symbol.shape)
