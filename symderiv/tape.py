"""The forward pass as an ordered list of named steps; each applies an op to earlier names."""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .functions import ACTIVATIONS, LOSSES
from .model import Model
from .naming import DIMS, Var


@dataclass(frozen=True)
class Step:
    out: Var
    op: str
    args: tuple  # of Var
    fn: object = None  # the activation, the loss, or the objective's factor on L


@dataclass(frozen=True)
class Tape:
    model: Model
    batch: bool
    steps: tuple  # of Step

    @property
    def variables(self) -> tuple:
        seen = []
        for step in self.steps:
            for v in (*step.args, step.out):
                if v not in seen:
                    seen.append(v)
        return tuple(seen)

    @property
    def parameters(self) -> tuple:
        """Parameters in layer order: W1, b1, W2, b2, …"""
        params = [v for v in self.variables if v.kind == "param"]
        return tuple(sorted(params, key=lambda v: (int(v.name[1:]), v.name[0] != "W")))

    def consumers(self, var: Var) -> tuple:
        return tuple(s for s in self.steps if var in s.args)


def build_tape(model: Model, batch: bool = False) -> Tape:
    """The forward pass of `model`. With `batch`, J averages L over n examples."""
    d, h, q = DIMS["d"], DIMS["h"], DIMS["q"]
    x = Var("x", "input", (d, 1))
    widths = [d, h, q]
    steps = []
    prev = x
    weights = []
    for layer in (1, 2):
        W = Var(f"W{layer}", "param", (widths[layer], widths[layer - 1]))
        weights.append(W)
        pre = Var("z" if layer == 1 else "o", "hidden", (widths[layer], 1))
        if model.has_bias(layer):
            b = Var(f"b{layer}", "param", (widths[layer], 1))
            steps.append(Step(pre, "affine", (W, prev, b)))
        else:
            steps.append(Step(pre, "matmul", (W, prev)))
        prev = pre
        if layer == 1:
            prev = Var("h", "hidden", (h, 1))
            steps.append(Step(prev, "activation", (pre,), ACTIVATIONS[model.activation]))
    y = Var("y", "target", (q, 1))
    L = Var("L", "loss")
    steps.append(Step(L, "loss", (prev, y), LOSSES[model.loss]))
    terms = [L]
    if model.weight_decay:
        s = Var("s", "scalar")
        steps.append(Step(s, "weight_decay", tuple(weights)))
        terms.append(s)
    factor = 1 / DIMS["n"] if batch else sp.Integer(1)
    steps.append(Step(Var("J", "scalar"), "objective", tuple(terms), factor))
    return Tape(model, batch, tuple(steps))
