"""∂l/∂o from `sympy.diff`: a loss over vectors, written for one component o_m, differentiated.

A loss built from the nodes of `exprs` is rewritten as a scalar formula in o_m and y_m, where
everything that does not involve component m is a symbol of its own (R, S). `sympy.diff` with
respect to o_m gives the m-th component of the gradient, which is then read back as a vector
expression in o and y (softmax(o)_m where e^{o_m} / (e^{o_m} + S) appears).
"""

from __future__ import annotations

import sympy as sp

from .exprs import Dot, Elementwise, FrobeniusSq, LogSumExp, Softmax, Total, scaled, total

_o, _y, _p = sp.symbols("o_m y_m p_m", real=True)
_t = sp.Symbol("t", real=True)


def loss_gradient(formula: sp.Expr, o, y):
    """∂l/∂o as a vector expression, for a concrete loss `formula` in the vectors o and y."""
    rests = iter(sp.symbols("R:9", real=True))
    softmaxes = []

    def component(v):
        if v == o:
            return _o
        if v == y:
            return _y
        if isinstance(v, sp.MatAdd):
            return sp.Add(*map(component, v.args))
        if isinstance(v, sp.MatMul) and len(v.args) == 2 and v.args[0].is_number:
            return v.args[0] * component(v.args[1])
        if isinstance(v, Elementwise):
            return v.fn(component(v.arg))
        raise TypeError(f"cannot take component m of {v}")

    def scalar(e):
        if isinstance(e, sp.Add):
            return sp.Add(*map(scalar, e.args))
        if isinstance(e, sp.Mul):
            return sp.Mul(*map(scalar, e.args))
        if e.is_number:
            return e
        if isinstance(e, FrobeniusSq):
            return component(e.args[0]) ** 2 + next(rests)
        if isinstance(e, Total):
            return component(e.args[0]) + next(rests)
        if isinstance(e, Dot):
            return component(e.args[0]) * component(e.args[1]) + next(rests)
        if isinstance(e, LogSumExp):
            rest = next(rests)
            softmaxes.append(
                (sp.exp(component(e.args[0])) / (sp.exp(component(e.args[0])) + rest))
            )
            return sp.log(sp.exp(component(e.args[0])) + rest)
        raise TypeError(f"cannot differentiate the loss term {e}")

    grad = sp.diff(scalar(formula), _o)
    for ratio in softmaxes:
        grad = grad.subs(ratio, _p)
    if grad.free_symbols - {_o, _y, _p}:
        raise TypeError(f"∂l/∂o_m = {grad} still depends on other components")
    return vectorize(sp.expand(grad), {_o: o, _y: y, _p: Softmax(o)}, y)


def vectorize(expr: sp.Expr, vectors: dict, last):
    """A scalar formula in component symbols, as the same formula over whole vectors.

    Sums become matrix sums (terms that involve `last` are written last: o − y, not −y + o),
    products of components become ⊙, functions of one component become `Elementwise`.
    """
    if expr in vectors:
        return vectors[expr]
    if isinstance(expr, sp.Add):
        ordered = sorted(
            expr.args, key=lambda a: (a.has(*_keys(vectors, last)), sp.default_sort_key(a))
        )
        return total([vectorize(a, vectors, last) for a in ordered])
    if isinstance(expr, sp.Mul):
        coeff, factors = expr.as_coeff_mul()
        parts = [vectorize(f, vectors, last) for f in factors]
        body = parts[0] if len(parts) == 1 else sp.HadamardProduct(*parts)
        return scaled(coeff, body)
    if isinstance(expr, sp.Function) and len(expr.args) == 1 and expr.args[0] in vectors:
        return Elementwise(sp.Lambda(_t, expr.func(_t)), vectors[expr.args[0]])
    raise TypeError(f"cannot write {expr} over whole vectors")


def _keys(vectors, last):
    return [k for k, v in vectors.items() if v == last]
