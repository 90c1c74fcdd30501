"""How the section writes each step of a dense network's forward pass, as a SymPy expression.

The steps' rules are not here: a dense network is a preset of equations (graphs/presets.py),
and the reverse sweep applies the rules of those equations (graphs/rules.py), as for any
graph. What stays is the section's way of writing a step in the document: the loss by its
definition (−yᵀ log softmax(o), not the stable logsumexp form the code computes), the
regularizer as the sum of the squared norms in layer order, and J = c·L + s with the minibatch's
factor c.
"""

from __future__ import annotations

import sympy as sp

from .exprs import Elementwise, FrobeniusSq
from .naming import LAMBDA

FORWARD = {
    "matmul": lambda step, W, v: W * v,  # z = W v
    "affine": lambda step, W, v, b: sp.MatAdd(W * v, b),  # z = W v + b
    "activation": lambda step, z: Elementwise(step.fn.fn, z),  # h = φ(z)
    "loss": lambda step, o, y: step.fn.definition(o, y),  # L = l(o, y)
    # s = λ/2 (‖W1‖²_F + ‖W2‖²_F + …)
    "weight_decay": lambda step, *Ws: LAMBDA / 2 * sp.Add(*map(FrobeniusSq, Ws), evaluate=False),
    # J = c·L + s, where c = 1 for one example and 1/n for the mean over a batch
    "objective": lambda step, L, *s: sp.Add(step.fn * L, *s, evaluate=False),
}


def apply(step, symbols):
    """The step's right side as the section writes it, over `symbols` (one per argument)."""
    return FORWARD[step.op](step, *symbols)
