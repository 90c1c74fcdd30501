"""The derivation checked entry by entry: explicit matrices of scalar symbols, `sympy.diff`.

Every matrix symbol is replaced by a small explicit matrix (d=3, h=4, q=2 by default), J is
written out as one scalar formula, and `sympy.diff` differentiates it by each parameter entry.
The derivation's closed forms, evaluated on the same explicit matrices, must equal those
derivatives exactly (after `simplify`); for the softmax loss the label is put on the simplex
(its entries sum to one), the assumption under which ∂L/∂o = softmax(o) − y.
"""

from __future__ import annotations

import sympy as sp

from ..derivation import derive
from ..naming import DIMS
from ..ops import apply, dloss_symbol


def explicit_matrix(name: str, rows: int, cols: int) -> sp.ImmutableMatrix:
    return sp.ImmutableMatrix(
        rows, cols, lambda i, j: sp.Symbol(f"{name}_{i + 1}{j + 1}", real=True)
    )


def symbolic_mismatches(model, sizes=(3, 4, 2)) -> list[str]:
    """Parameter entries where the closed form differs from `sympy.diff` (empty when right)."""
    derivation = derive(model)
    tape = derivation.tape
    dims = dict(zip((DIMS["d"], DIMS["h"], DIMS["q"]), sizes))
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
            values[dloss_symbol(step.args[0].symbol)] = sp.ImmutableMatrix(
                [_partial(L, k, ok) for k, ok in enumerate(o)]
            )
    J = values[tape.steps[-1].out.symbol]
    for adjoint in derivation.adjoints:
        if not adjoint.var.is_scalar:
            values[adjoint.var.adjoint] = _evaluate(adjoint.closed, values)
    mismatches = []
    for adjoint in derivation.gradients:
        theta = values[adjoint.var.symbol]
        got = values[adjoint.var.adjoint]
        for i in range(theta.rows):
            for j in range(theta.cols):
                want = sp.diff(J, theta[i, j]).replace(
                    sp.Heaviside, lambda a, *_: sp.Heaviside(a, 0)
                )
                if not _equal(got[i, j], want):
                    mismatches.append(f"∂J/∂{adjoint.var.name}[{i},{j}]")
    return mismatches


def _partial(L, k, ok):
    """∂l/∂o_k of the generic loss L = l(o_1, …, y_1, …), at the explicit o_k."""
    slot = sp.Dummy("o")
    args = L.args
    return sp.Subs(sp.Derivative(L.func(*args[:k], slot, *args[k + 1 :]), slot), slot, ok)


def _evaluate(expr, values):
    result = expr.xreplace(values)
    result = result.doit() if hasattr(result, "doit") else result
    if isinstance(result, sp.MatrixBase):
        return sp.ImmutableMatrix(result.applyfunc(lambda e: e.doit()))
    return result.doit() if isinstance(result, sp.Basic) else result


def _equal(a, b) -> bool:
    """Whether a = b identically.

    Every function application (tanh(…), σ(…), exp of one monomial) is replaced by a symbol of
    its own, innermost first, with exp(Σ cᵢ mᵢ) written as Π exp(mᵢ)^cᵢ; the difference must then
    cancel as a rational function of those symbols. Forgetting the relations between functions
    can only hide a true zero, never invent one, so a cancellation proves the equality.
    """
    difference = sp.expand(a - b)
    if difference == 0:
        return True
    return sp.cancel(sp.together(_atomize(difference, {}))) == 0


def _atomize(expr, table):
    if not expr.args or isinstance(expr, (sp.Subs, sp.Derivative)):
        return expr
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
