"""R{·}: the derivative of an expression along a direction V of the parameters.

Pearlmutter's R-operator, R{f} = d/dr f(θ + r V) at r = 0. Applied to every forward step and
then to every adjoint of the reverse sweep (forward over reverse), it gives R{∂J/∂θ} = H V, the
Hessian of J times V. The rules below are the product rule over the matrix expressions the
derivation writes (sums, products, ⊙, transposes), the chain rule through elementwise functions,
R{f(a)} = f′(a) ⊙ R{a}, and the Jacobian of softmax, R{p} = p ⊙ R{o} − p pᵀ R{o}.
"""

from __future__ import annotations

import sympy as sp

from .exprs import (
    Dot,
    Elementwise,
    FrobeniusSq,
    LogSumExp,
    Single,
    Softmax,
    Total,
    scaled,
    total,
)


def tangent(expr, known: dict, slopes=None):
    """R{expr}, where `known` maps symbols to the symbols of their R{·}; every other symbol
    (inputs, targets, λ, n) is a constant. None stands for a tangent that is zero. `slopes`
    maps a function to the form of its derivative to use (an activation's φ′ and φ″ as the
    derivation states them); other derivatives come from `derivative`."""
    slopes = slopes if slopes is not None else {}
    if expr in known:
        return known[expr]
    if expr.is_Atom or isinstance(
        expr, (sp.MatrixSymbol, sp.OneMatrix, sp.ZeroMatrix, sp.Identity)
    ):
        return None
    if not isinstance(expr, sp.MatrixExpr):
        return _scalar(expr, known, slopes)
    if isinstance(expr, sp.MatAdd):
        terms = [d for d in (tangent(a, known, slopes) for a in expr.args) if d is not None]
        return total(terms) if terms else None
    if isinstance(expr, sp.MatMul):
        coeff, factors = expr.as_coeff_matrices()
        if not coeff.free_symbols & set(known):
            return _product_rule(factors, known, slopes, lambda fs: scaled(coeff, _matmul(fs)))
        return _product_rule([coeff, *factors], known, slopes, lambda fs: sp.MatMul(*fs))
    if isinstance(expr, sp.HadamardProduct):
        return _product_rule(list(expr.args), known, slopes, _hadamard)
    if isinstance(expr, sp.Transpose):
        d = tangent(expr.arg, known, slopes)
        return None if d is None else sp.Transpose(d)
    if isinstance(expr, sp.Inverse):  # R{A⁻¹} = −A⁻¹ R{A} A⁻¹
        d = tangent(expr.arg, known, slopes)
        return None if d is None else -sp.MatMul(expr, d, expr)
    if isinstance(expr, sp.MatPow) and expr.exp.is_Integer:  # Aᵏ and A⁻ᵏ = (A⁻¹)ᵏ: a product
        k = int(expr.exp)
        factor = expr.base if k > 0 else sp.Inverse(expr.base)
        return _product_rule([factor] * abs(k), known, slopes, _matmul)
    if isinstance(expr, sp.HadamardPower) and expr.exp.is_Integer:  # A ⊙ A, as SymPy folds it
        return tangent(_hadamard([expr.base] * int(expr.exp)), known, slopes)
    if isinstance(expr, Elementwise):
        d = tangent(expr.arg, known, slopes)
        slope = slopes.get(expr.fn) or derivative(expr.fn)
        if d is None or slope.expr == 0:
            return None
        return d if slope.expr == 1 else _hadamard([Elementwise(slope, expr.arg), d])
    if isinstance(expr, Softmax):
        d = tangent(expr.arg, known, slopes)
        if d is None:
            return None
        return sp.MatAdd(sp.HadamardProduct(expr, d), -expr * Dot(expr, d))  # p ⊙ R{o} − p pᵀR{o}
    raise NotImplementedError(f"no R{{·}} rule for {type(expr).__name__}: {expr}")


# Scalars made from arrays: the leaves of a scalar's algebra, each with its own rule.
_LEAVES = (Total, Dot, FrobeniusSq, LogSumExp, Single, sp.Trace, sp.Determinant)


def _scalar(expr, known, slopes):
    """R of a scalar: Σ over its outermost leaves ℓ (known symbols, scalars made from arrays)
    of ∂expr/∂ℓ · R{ℓ}, the partials by sympy.diff of the scalar algebra around them."""
    if isinstance(expr, _LEAVES):
        return _leaf(expr, known, slopes)
    if isinstance(expr, sp.Add):  # term by term, as the sum was written: a term shared by
        # the batch and one summed over its examples stay apart (the gradient's rule)
        terms = [d for d in (tangent(a, known, slopes) for a in expr.args) if d is not None]
        return sp.Add(*terms) if terms else None
    stand_ins = {leaf: sp.Dummy() for leaf in _outer_leaves(expr, known)}
    body = expr.xreplace(stand_ins)
    back = {x: leaf for leaf, x in stand_ins.items()}
    terms = []
    for leaf, x in stand_ins.items():
        d = tangent(leaf, known, slopes)
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


def _leaf(expr, known, slopes):
    """R{Σ A} = Σ R{A}, R{uᵀv} = R{u}ᵀv + uᵀR{v}, R{‖A‖²} = 2 Σ A ⊙ R{A},
    R{logsumexp v} = softmax(v)ᵀR{v}, R{tr A} = tr R{A}, R{det A} = det A · tr(A⁻¹ R{A}),
    and R{·} of the one entry of a 1 × 1 product."""

    def r(a):
        return tangent(a, known, slopes)

    if isinstance(expr, Total):
        d = r(expr.args[0])
        return None if d is None else Total(d)
    if isinstance(expr, Dot):
        u, v = expr.args
        du, dv = r(u), r(v)
        parts = ([Dot(du, v)] if du is not None else []) + ([Dot(u, dv)] if dv is not None else [])
        return sp.Add(*parts) if parts else None
    if isinstance(expr, FrobeniusSq):
        (a,) = expr.args
        d = r(a)
        return None if d is None else 2 * Total(sp.HadamardProduct(a, d))
    if isinstance(expr, LogSumExp):
        (v,) = expr.args
        d = r(v)
        return None if d is None else Dot(Softmax(v), d)
    if isinstance(expr, Single):
        d = r(expr.args[0])
        return None if d is None else Single(d)
    if isinstance(expr, sp.Trace):
        d = r(expr.arg)
        return None if d is None else sp.Trace(d)
    a = expr.arg  # Determinant
    d = r(a)
    return None if d is None else expr * sp.Trace(sp.Inverse(a) * d)


def _matmul(factors):
    return factors[0] if len(factors) == 1 else sp.MatMul(*factors)


def _hadamard(factors):
    """f₁ ⊙ f₂ ⊙ ⋯, flat: a factor that is itself a ⊙ product gives its factors, and the
    numeric coefficients of products come out in front."""
    coeff, flat = sp.Integer(1), []
    pending = list(factors)
    while pending:
        f = pending.pop(0)
        if isinstance(f, sp.HadamardProduct):
            pending[:0] = f.args
        elif isinstance(f, sp.MatMul) and f.args[0].is_number:
            c, rest = f.as_coeff_matrices()
            coeff *= c
            pending.insert(0, _matmul(rest))
        else:
            flat.append(f)
    return scaled(coeff, flat[0] if len(flat) == 1 else sp.HadamardProduct(*flat))


def tidy(expr):
    """`expr` with the numeric coefficient of each elementwise factor of a ⊙ product written
    in front (∂J/∂h ⊙ (−2 h) ⊙ R{h} → −2 (∂J/∂h ⊙ h ⊙ R{h})) and identities dropped. Done
    last, once every substitution that looks for an elementwise function has matched."""

    def pull(product):
        coeff, kept = sp.Integer(1), []
        for f in product.args:
            if isinstance(f, Elementwise):
                c, body = f.fn.expr.as_coeff_Mul()
                coeff *= c
                if body == 1:
                    continue  # a constant factor, now in front
                if body == f.fn.variables[0]:
                    f = f.arg
                elif c != 1:
                    f = Elementwise(sp.Lambda(f.fn.variables, body), f.arg)
            kept.append(f)
        return _hadamard([scaled(coeff, _hadamard(kept))])

    return expr.replace(lambda e: isinstance(e, sp.HadamardProduct), pull)


def _product_rule(factors, known, slopes, build):
    """Σᵢ f₁ ⋯ R{fᵢ} ⋯ fₖ, with `build` making each product."""
    terms = []
    for i, f in enumerate(factors):
        d = tangent(f, known, slopes)
        if d is not None:
            terms.append(build([*factors[:i], d, *factors[i + 1 :]]))
    return total(terms) if terms else None


def derivative(fn: sp.Lambda) -> sp.Lambda:
    """f′ for a function f of one variable, by `sympy.diff`, with the derivative's conventions:
    at a kink the left piece's slope (ReLU′(0) = 0), and the Dirac deltas from differentiating
    a step taken as 0 (they vanish away from the kinks, where values are computed). Common
    factors are taken out: tanh″ = −2 (1 − tanh²) tanh."""
    (var,) = fn.variables
    d = sp.diff(fn.expr, var).replace(sp.DiracDelta, lambda *a: sp.Integer(0))
    d = d.replace(sp.Heaviside, lambda a, *_: sp.Heaviside(a, 0))
    return sp.Lambda(var, sp.simplify(d) if d.has(sp.Piecewise) else sp.factor_terms(d))
