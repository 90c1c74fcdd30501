"""Scalar building blocks: activations φ(t) and losses l(o, y), as SymPy formulas.

Derivatives are never typed in: φ′ comes from `sympy.diff` of φ(t), and ∂l/∂o from
`sympy.diff` of the loss written for one component o_m (see `loss_gradient`). Where the
derivative can be written with the activation's output alone (tanh′ = 1 − h²), generated code
uses that form and reads h instead of recomputing φ(z).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .exprs import Dot, Elementwise, FrobeniusSq, GenericLoss, LogSumExp, Softmax

t = sp.Symbol("t", real=True)
# The output of an activation, y = φ(t), when a derivative is rewritten in terms of it.
out = sp.Symbol("y", real=True)


class sigmoid(sp.Function):
    """σ(t) = 1 / (1 + e^{−t}); its derivative is stated once, here, in terms of itself."""

    def fdiff(self, argindex=1):
        s = sigmoid(self.args[0])
        return s * (1 - s)

    def _eval_rewrite_as_exp(self, arg, **kwargs):
        return 1 / (1 + sp.exp(-arg))


phi = sp.Function("phi")


@dataclass(frozen=True)
class Activation:
    """An elementwise activation φ, given by its formula in t."""

    name: str
    formula: sp.Expr

    @property
    def is_concrete(self) -> bool:
        return not self.formula.atoms(sp.core.function.AppliedUndef)

    @property
    def fn(self) -> sp.Lambda:
        return sp.Lambda(t, self.formula)

    @property
    def derivative(self) -> sp.Lambda:
        """φ′ as a function of t, with the convention φ′ = 0 where φ has a kink (ReLU′(0) = 0)."""
        d = sp.diff(self.formula, t).replace(sp.Heaviside, lambda a, *_: sp.Heaviside(a, 0))
        return sp.Lambda(t, d)

    @property
    def derivative_from_output(self) -> sp.Lambda | None:
        """φ′ written with y = φ(t) alone, when it can be; None otherwise."""
        if self.formula == t or not self.is_concrete:
            return None
        d = self.derivative.expr.subs(self.formula, out)
        return None if d.has(t) else sp.Lambda(out, d)


ACTIVATIONS = {
    a.name: a
    for a in (
        Activation("phi", phi(t)),
        Activation("relu", sp.Max(0, t)),
        Activation("sigmoid", sigmoid(t)),
        Activation("tanh", sp.tanh(t)),
        Activation("identity", t),
    )
}


@dataclass(frozen=True)
class Loss:
    """A per-example loss l(o, y); `definition` is how the document states it, `formula` how it
    is computed (stably), both built from the vectors o and y by `build(o, y)`."""

    name: str
    is_concrete: bool
    labels_on_simplex: bool = False  # whether ∂l/∂o assumes the entries of y sum to one

    def definition(self, o, y) -> sp.Expr:
        if self.name == "squared":
            return sp.Rational(1, 2) * FrobeniusSq(sp.MatAdd(o, -y))
        if self.name == "softmax_cross_entropy":
            return -Dot(y, Elementwise(sp.Lambda(t, sp.log(t)), Softmax(o)))
        return GenericLoss(o, y)

    def formula(self, o, y) -> sp.Expr:
        if self.name == "softmax_cross_entropy":
            # −yᵀ log softmax(o) = logsumexp(o) − yᵀo when the entries of y sum to one.
            return sp.Add(LogSumExp(o), -Dot(y, o), evaluate=False)
        return self.definition(o, y)


LOSSES = {
    loss.name: loss
    for loss in (
        Loss("l", is_concrete=False),
        Loss("squared", is_concrete=True),
        Loss("softmax_cross_entropy", is_concrete=True, labels_on_simplex=True),
    )
}
