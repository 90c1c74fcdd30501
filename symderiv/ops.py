"""Operations of the forward pass, each with its vector-Jacobian product right below it.

Every rule has one signature: `vjp(step, g, *inputs)` with g = ∂J/∂(output), returning one entry
per input, the contribution prod(∂J/∂out, ∂out/∂input) to that input's adjoint, or None where
there is no gradient. Rules are written for one example (column vectors), as in the section;
the code printer turns them into batch form, and sums over the batch where a parameter is shared
by every example (the only place broadcasting is handled).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sympy as sp

from .calculus import loss_gradient
from .exprs import Elementwise, FrobeniusSq, scaled
from .naming import LAMBDA


@dataclass(frozen=True)
class Op:
    name: str
    figure: tuple  # the operator circles of the figure, in LaTeX, in the order data flows
    forward: Callable
    vjp: Callable


OPS: dict[str, Op] = {}


def op(name: str, figure: tuple, forward: Callable, vjp: Callable) -> None:
    OPS[name] = Op(name, figure, forward, vjp)


# z = W v
op(
    "matmul",
    (r"\times",),
    lambda step, W, v: W * v,
    lambda step, g, W, v: (g * v.T, W.T * g),
)

# z = W v + b
op(
    "affine",
    (r"\times", "+"),
    lambda step, W, v, b: sp.MatAdd(W * v, b),
    lambda step, g, W, v, b: (g * v.T, W.T * g, g),
)


# h = φ(z)
def _activation_vjp(step, g, z):
    d = step.fn.derivative
    return (g if d.expr == 1 else sp.HadamardProduct(g, Elementwise(d, z)),)


op("activation", (r"\phi",), lambda step, z: Elementwise(step.fn.fn, z), _activation_vjp)


# L = l(o, y)
def dloss_symbol(o) -> sp.MatrixSymbol:
    """∂L/∂o of the generic loss l, kept as a symbol as in the section."""
    return sp.MatrixSymbol("dL_do", *o.shape)


def _loss_vjp(step, g, o, y):
    grad = loss_gradient(step.fn.formula(o, y), o, y) if step.fn.is_concrete else dloss_symbol(o)
    return (scaled(g, grad), None)


op("loss", ("l",), lambda step, o, y: step.fn.definition(o, y), _loss_vjp)

# s = λ/2 (‖W1‖²_F + ‖W2‖²_F + …)
op(
    "weight_decay",
    (r"\ell_2",),
    lambda step, *Ws: LAMBDA / 2 * sp.Add(*map(FrobeniusSq, Ws), evaluate=False),
    lambda step, g, *Ws: tuple(scaled(g * LAMBDA, W) for W in Ws),
)

# J = c·L + s, where c = 1 for one example and 1/n for the mean over a batch
op(
    "objective",
    ("+",),
    lambda step, L, *s: sp.Add(step.fn * L, *s, evaluate=False),
    lambda step, g, L, *s: (g * step.fn, *(g for _ in s)),
)


def apply(step, symbols):
    return OPS[step.op].forward(step, *symbols)


def rule(step):
    try:
        return OPS[step.op].vjp
    except KeyError:
        raise NotImplementedError(
            f"no vector-Jacobian rule for the operation {step.op!r}"
        ) from None
