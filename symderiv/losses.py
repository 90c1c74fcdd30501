"""Losses l(o, y), as SymPy formulas over the vectors o and y.

Their gradients are never typed in: ∂l/∂o comes from `sympy.diff` of the loss written for one
component o_m (see `calculus.loss_gradient`).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .exprs import Dot, Elementwise, FrobeniusSq, GenericLoss, LogSumExp, Softmax, Total
from .scalar import softplus, t


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
        if self.name == "sigmoid_cross_entropy":
            # Σ_j −y_j log σ(o_j) − (1 − y_j) log(1 − σ(o_j)) = Σ_j softplus(o_j) − y_j o_j
            return sp.Add(
                Total(Elementwise(sp.Lambda(t, softplus(t)), o)), -Dot(y, o), evaluate=False
            )
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
        Loss("sigmoid_cross_entropy", is_concrete=True),
    )
}
