"""R{·} for the expressions of a graph, and the Hessian-vector product by forward over reverse.

R{f} = d/dr f(θ + r V) at r = 0 (Pearlmutter's operator). The matrix rules are tangent.py's
(sums, products, ⊙, transposes, elementwise functions, softmax), with an inverse's
R{A⁻¹} = −A⁻¹ R{A} A⁻¹ added. A scalar expression is differentiated through its scalar
algebra by `sympy.diff`, down to its matrix-valued leaves, whose rules are:
R{Σ A} = Σ R{A}, R{uᵀv} = R{u}ᵀv + uᵀR{v}, R{‖A‖²} = 2 Σ A ⊙ R{A}, R{logsumexp v} =
softmax(v)ᵀR{v}, R{tr A} = tr R{A}, R{det A} = det A · tr(A⁻¹ R{A}).
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from ..exprs import Dot, Elementwise, FrobeniusSq, LogSumExp, Softmax, Total, total
from ..tangent import derivative
from .rules import Single, adjoint_symbol, backward, symbols_of, value


def tangent_of(expr, known: dict):
    """R{expr}; `known` maps symbols to their R{·} symbols, every other symbol is constant.
    None stands for a tangent that is zero."""
    if expr in known:
        return known[expr]
    if expr.is_Atom or isinstance(
        expr, (sp.MatrixSymbol, sp.OneMatrix, sp.ZeroMatrix, sp.Identity)
    ):
        return None
    if isinstance(expr, sp.MatrixExpr):
        return _matrix(expr, known)
    return _scalar(expr, known)


def _matrix(expr, known):
    if isinstance(expr, sp.MatAdd):
        terms = [d for d in (tangent_of(a, known) for a in expr.args) if d is not None]
        return total(terms) if terms else None
    if isinstance(expr, (sp.MatMul, sp.HadamardProduct)):
        build = (lambda fs: sp.MatMul(*fs)) if isinstance(expr, sp.MatMul) else _hadamard
        return _product(list(expr.args), known, build)
    if isinstance(expr, sp.Transpose):
        d = tangent_of(expr.arg, known)
        return None if d is None else d.T
    if isinstance(expr, sp.Inverse):
        d = tangent_of(expr.arg, known)
        return None if d is None else -sp.MatMul(expr, d, expr)
    if isinstance(expr, Elementwise):
        d = tangent_of(expr.arg, known)
        slope = derivative(expr.fn)
        if d is None or slope.expr == 0:
            return None
        return d if slope.expr == 1 else sp.HadamardProduct(Elementwise(slope, expr.arg), d)
    if isinstance(expr, Softmax):
        d = tangent_of(expr.arg, known)
        return None if d is None else sp.HadamardProduct(expr, d) - expr * Dot(expr, d)
    raise NotImplementedError(f"no R{{·}} rule for {type(expr).__name__}: {expr}")


def _hadamard(factors):
    return factors[0] if len(factors) == 1 else sp.HadamardProduct(*factors)


def _product(factors, known, build):
    """The product rule over a product's factors, scalar coefficients among them."""
    terms = []
    for i, f in enumerate(factors):
        d = tangent_of(f, known)
        if d is not None:
            terms.append(build([*factors[:i], d, *factors[i + 1 :]]))
    return total(terms) if terms else None


_LEAVES = (Total, Dot, FrobeniusSq, LogSumExp, Single, sp.Trace, sp.Determinant)


def _scalar(expr, known):
    """R of a scalar: Σ over its outermost leaves ℓ (known symbols, matrix-valued scalars) of
    ∂expr/∂ℓ · R{ℓ}, the partials by sympy.diff of the scalar algebra around them."""
    if isinstance(expr, _LEAVES):
        return _leaf(expr, known)
    stand_ins = {leaf: sp.Dummy() for leaf in _outer_leaves(expr, known)}
    body = expr.xreplace(stand_ins)
    back = {x: leaf for leaf, x in stand_ins.items()}
    terms = []
    for leaf, x in stand_ins.items():
        d = tangent_of(leaf, known)
        if d is not None:
            terms.append(sp.diff(body, x).xreplace(back) * d)
    return sp.Add(*terms) if terms else None


def _outer_leaves(expr, known) -> dict:
    if expr in known or isinstance(expr, _LEAVES):
        return {expr: None}
    found: dict = {}
    for arg in expr.args:
        found.update(_outer_leaves(arg, known))
    return found


def _leaf(expr, known):
    if isinstance(expr, Total):
        d = tangent_of(expr.args[0], known)
        return None if d is None else Total(d)
    if isinstance(expr, Dot):
        u, v = expr.args
        du, dv = tangent_of(u, known), tangent_of(v, known)
        parts = ([Dot(du, v)] if du is not None else []) + ([Dot(u, dv)] if dv is not None else [])
        return sp.Add(*parts) if parts else None
    if isinstance(expr, FrobeniusSq):
        (a,) = expr.args
        d = tangent_of(a, known)
        return None if d is None else 2 * Total(sp.HadamardProduct(a, d))
    if isinstance(expr, LogSumExp):
        (v,) = expr.args
        d = tangent_of(v, known)
        return None if d is None else Dot(Softmax(v), d)
    if isinstance(expr, Single):
        d = tangent_of(expr.args[0], known)
        return None if d is None else Single(d)
    if isinstance(expr, sp.Trace):
        d = tangent_of(expr.arg, known)
        return None if d is None else sp.Trace(d)
    a = expr.arg  # Determinant
    d = tangent_of(a, known)
    return None if d is None else expr * sp.Trace(sp.Inverse(a) * d)


@lru_cache(maxsize=4096)
def tangent_symbol(name: str, shape):
    """R{name} as a symbol of the name's shape: rz, rW1 (V_W1 for a parameter)."""
    if shape.is_scalar:
        return sp.Symbol(f"r{name}", real=True)
    return sp.MatrixSymbol(f"r{name}", *adjoint_symbol(name, shape).shape)


def hessian_vector(graph, batch: bool = False) -> tuple:
    """[(name, R{·})]: the tangents of the forward equations in order, then of the adjoints
    of the backward sweep in its order (over a minibatch with `batch`, see `backward`); for a
    parameter θ, R{∂J/∂θ} = (H V)_θ with V_θ = rθ."""
    shapes = {**graph.declared.shapes(), **{e.target: e.expr.shape for e in graph.equations}}
    symbols = symbols_of(shapes)
    known = {symbols[p]: tangent_symbol(p, s) for p, s in graph.declared.parameters.items()}
    out = []
    for equation in graph.equations:
        d = tangent_of(value(equation.expr, symbols), known)
        if d is not None:
            known[symbols[equation.target]] = tangent_symbol(equation.target, equation.expr.shape)
            out.append((equation.target, d))
    for swept in backward(graph, batch):
        name, adjoint = swept.name, swept.total
        d = tangent_of(adjoint, known)
        own = adjoint_symbol(name, shapes[name])
        if d is not None:
            known[own] = tangent_symbol("d" + name, shapes[name])
        out.append(("d" + name, d if d is not None else _zero(shapes[name], symbols[name])))
    return tuple(out)


def _zero(shape, symbol):
    return sp.Integer(0) if shape.is_scalar else sp.ZeroMatrix(*symbol.shape)
