"""The derivation checked entry by entry: explicit matrices of scalar symbols, `sympy.diff`.

Every matrix symbol is replaced by a small explicit matrix (d=3, h=4, q=2 by default), J is
written out as one scalar formula, and `sympy.diff` differentiates it by each parameter entry.
The derivation's closed forms, evaluated on the same explicit matrices, must equal those
derivatives (see `_equal` for how equality is shown); for the softmax loss the label is put on
the simplex (its entries sum to one), the assumption under which ∂L/∂o = softmax(o) − y.
"""

from __future__ import annotations

import random

import mpmath
import sympy as sp

from ..derivation import derive
from ..graphs.rules import loss_slope
from ..hvp import tangent_lines
from ..naming import DIMS, hidden_dims
from ..ops import apply


def explicit_matrix(name: str, rows: int, cols: int) -> sp.ImmutableMatrix:
    return sp.ImmutableMatrix(
        rows, cols, lambda i, j: sp.Symbol(f"{name}_{i + 1}{j + 1}", real=True)
    )


def symbolic_mismatches(model, sizes=None) -> list[str]:
    """Parameter entries where the closed form differs from `sympy.diff` (empty when right)."""
    derivation, values, J = _explicit_derivation(model, sizes)
    mismatches = []
    for adjoint in derivation.gradients:
        theta = values[adjoint.var.symbol]
        got = values[adjoint.var.adjoint]
        for i in range(theta.rows):
            for j in range(theta.cols):
                if not _equal(got[i, j], _conventions(sp.diff(J, theta[i, j]))):
                    mismatches.append(f"∂J/∂{adjoint.var.name}[{i},{j}]")
    return mismatches


def hvp_mismatches(model, sizes=None) -> list[str]:
    """Parameter entries where R{∂J/∂θ}, the extended graph's H V, differs from the
    derivative of `sympy.diff`'s gradient along V, d/dr ∂J/∂θ(θ + r V) at r = 0, with V a
    matrix of symbols of its own (empty when right)."""
    derivation, values, J = _explicit_derivation(model, sizes)
    params = derivation.tape.parameters
    direction = {}
    for p in params:
        theta = values[p.symbol]
        values[p.tangent] = explicit_matrix("v" + p.name, theta.rows, theta.cols)
        for a, v in zip(theta, values[p.tangent]):
            direction[a] = v
    for line in tangent_lines(derivation):
        values[line.symbol] = _evaluate(line.expr, values)
    # (H V)ᵢ = ∂/∂θᵢ (d/dr J(θ + rV) at r = 0): one derivative along V, then the gradient.
    r = sp.Symbol("r")
    slope = _conventions(
        sp.diff(J.xreplace({a: a + r * v for a, v in direction.items()}), r).subs(r, 0)
    )
    mismatches = []
    for p in params:
        theta = values[p.symbol]
        got = values[p.adjoint_tangent]
        for i in range(theta.rows):
            for j in range(theta.cols):
                want = _conventions(sp.diff(slope, theta[i, j]))
                if not _equal(got[i, j], want):
                    mismatches.append(f"R{{∂J/∂{p.name}}}[{i},{j}]")
    return mismatches


def _conventions(derivative):
    """A derivative of `sympy.diff` with the engine's conventions at kinks: ReLU′(0) = 0, and
    Dirac deltas (derivatives of steps) 0, as they are away from the kinks."""
    derivative = derivative.replace(sp.DiracDelta, lambda *a: sp.Integer(0))
    return derivative.replace(sp.Heaviside, lambda a, *_: sp.Heaviside(a, 0))


def _explicit_derivation(model, sizes):
    """The derivation, every variable and adjoint over explicit matrices, and J."""
    derivation = derive(model)
    tape = derivation.tape
    sizes = sizes or (3, *[4] * model.depth, 2)
    dims = dict(zip((DIMS["d"], *hidden_dims(model.depth), DIMS["q"]), sizes))
    values = {}
    for var in tape.variables:
        if var.kind in ("input", "target", "param"):
            rows, cols = (int(sp.sympify(s).subs(dims)) for s in var.shape)
            values[var.symbol] = explicit_matrix(var.name, rows, cols)
    if model.loss == "softmax_cross_entropy":
        y = next(v.symbol for v in tape.variables if v.kind == "target")
        label = values[y]
        values[y] = label[:-1, :].col_join(sp.ImmutableMatrix([[1 - sum(label[:-1, :])]]))
    for step in tape.steps:
        values[step.out.symbol] = _evaluate(apply(step, [a.symbol for a in step.args]), values)
        if step.op == "loss" and not step.fn.is_concrete:
            o = values[step.args[0].symbol]
            L = values[step.out.symbol]
            values[loss_slope(step.args[0].symbol)] = sp.ImmutableMatrix(
                [_partial(L, k, ok) for k, ok in enumerate(o)]
            )
    J = values[tape.steps[-1].out.symbol]
    for adjoint in derivation.adjoints:
        if not adjoint.var.is_scalar:
            values[adjoint.var.adjoint] = _evaluate(adjoint.closed, values)
    return derivation, values, J


def _partial(L, k, ok):
    """∂l/∂o_k of the generic loss L = l(o_1, …, y_1, …), at the explicit o_k."""
    slot = sp.Dummy("o")
    args = L.args
    return sp.Subs(sp.Derivative(L.func(*args[:k], slot, *args[k + 1 :]), slot), slot, ok)


def _evaluate(expr, values):
    """`expr` over the explicit matrices: a matrix (or scalar) of scalar formulas."""
    result = expr.xreplace(values)
    result = result.doit() if hasattr(result, "doit") else result
    if isinstance(result, sp.MatrixBase):
        # φ′ of an expression arrives as Subs(…); doit only there (Piecewise.doit is slow).
        return sp.ImmutableMatrix(result.applyfunc(lambda e: e.doit() if e.has(sp.Subs) else e))
    return result


def _equal(a, b) -> bool:
    """Whether a = b.

    With generic φ or l (undefined functions), the difference must vanish identically: after
    `expand`, or once every function application is replaced by a symbol of its own (innermost
    first, exp(Σ cᵢ mᵢ) as Π exp(mᵢ)^cᵢ) and it cancels as a rational function of those
    symbols; forgetting relations between functions can only hide a true zero, never invent one.
    With concrete functions, the difference of the two exact formulas is evaluated at random
    rational points with 60 significant digits and must be below 1e-40 there: a wrong closed
    form differs by far more at almost every point.
    """
    difference = a - b
    if difference == 0:
        return True
    if not difference.atoms(sp.core.function.AppliedUndef):
        symbols = sorted(difference.free_symbols, key=sp.default_sort_key)
        evaluate = sp.lambdify(symbols, difference, modules=[_MPMATH_EXTRAS, "mpmath"])
        rng = random.Random(0)
        with mpmath.workdps(60):
            for _ in range(3):
                point = [mpmath.mpf(rng.randint(-2000, 2000)) / 1000 for _ in symbols]
                if not abs(evaluate(*point)) < mpmath.mpf("1e-40"):
                    return False
        return True
    difference = sp.expand(difference)
    return difference == 0 or sp.cancel(sp.together(_atomize(difference, {}))) == 0


# Functions of ours (and conventions) that lambdify's mpmath printer does not know.
_MPMATH_EXTRAS = {
    "sigmoid": lambda x: 1 / (1 + mpmath.exp(-x)),
    "softplus": lambda x: (
        mpmath.log1p(mpmath.exp(x)) if x < 0 else x + mpmath.log1p(mpmath.exp(-x))
    ),
    "Heaviside": lambda x, at_zero=0: 1 if x > 0 else (0 if x < 0 else at_zero),
}


def _atomize(expr, table):
    if not expr.args or isinstance(expr, (sp.Subs, sp.Derivative)):
        return expr
    if isinstance(expr, sp.Piecewise):
        pieces = [(_atomize(e, table), _atomize(c, table)) for e, c in expr.args]
        return table.setdefault(sp.Piecewise(*pieces), sp.Symbol(f"_f{len(table)}"))
    if isinstance(expr, sp.core.relational.Relational):
        return expr.func(_atomize(expr.lhs, table), _atomize(expr.rhs, table))
    args = [_atomize(a, table) for a in expr.args]
    if isinstance(expr, (sp.Add, sp.Mul)) or (isinstance(expr, sp.Pow) and expr.exp.is_Integer):
        return expr.func(*args)

    def atom(key):
        return table.setdefault(key, sp.Symbol(f"_f{len(table)}"))

    if expr.func == sp.exp:
        product = sp.Integer(1)
        for term in sp.Add.make_args(sp.expand(args[0])):
            coeff, monomial = term.as_coeff_Mul()
            if coeff.is_Integer:
                product *= atom(sp.exp(monomial, evaluate=False)) ** coeff
            else:
                product *= atom(sp.exp(term, evaluate=False))
        return product
    return atom(expr.func(*args))
