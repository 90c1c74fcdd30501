"""The forward pass as an ordered list of named steps; each applies an op to earlier names."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import sympy as sp

from .activations import activation
from .losses import LOSSES
from .model import Model
from .naming import DIMS, Var, hidden_dims, layer_name


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

    @cached_property
    def variables(self) -> tuple:
        """Every variable, in the order the tape first mentions it."""
        seen = {}
        for step in self.steps:
            for v in (*step.args, step.out):
                seen.setdefault(v, None)
        return tuple(seen)

    @cached_property
    def parameters(self) -> tuple:
        """Parameters in layer order: W1, b1, W2, b2, …"""
        params = [v for v in self.variables if v.kind == "param"]
        return tuple(sorted(params, key=lambda v: (int(v.name[1:]), v.name[0] != "W")))

    @cached_property
    def _consumers(self) -> dict:
        found = {v: [] for v in self.variables}
        for step in self.steps:
            for v in dict.fromkeys(step.args):
                found[v].append(step)
        return found

    def consumers(self, var: Var) -> tuple:
        """The steps that read `var`, in tape order."""
        return tuple(self._consumers[var])

    def producer(self, var: Var) -> Step:
        """The step whose output is `var`."""
        return next(s for s in self.steps if s.out == var)


def build_tape(model: Model, batch: bool = False) -> Tape:
    """The forward pass of `model`: z⁽ᵏ⁾ = W⁽ᵏ⁾ h⁽ᵏ⁻¹⁾ (+ b⁽ᵏ⁾), h⁽ᵏ⁾ = φₖ(z⁽ᵏ⁾), o = W⁽ᴷ⁺¹⁾ h⁽ᴷ⁾,
    then L, s and J (Goodfellow et al., Algorithm 6.3). With `batch`, J reduces L over n
    examples by the model's reduction (the mean divides by n)."""
    hidden, _ = model.stack
    K = len(hidden)
    widths = (DIMS["d"], *hidden_dims(K), DIMS["q"])
    prev = Var("x", "input", (widths[0], 1))
    steps, weights = [], []
    for k in range(1, K + 2):
        W = Var(f"W{k}", "param", (widths[k], widths[k - 1]))
        weights.append(W)
        pre = Var(layer_name("z", k, K) if k <= K else "o", "hidden", (widths[k], 1))
        if model.has_bias(k):
            b = Var(f"b{k}", "param", (widths[k], 1))
            steps.append(Step(pre, "affine", (W, prev, b)))
        else:
            steps.append(Step(pre, "matmul", (W, prev)))
        prev = pre
        if k <= K:
            prev = Var(layer_name("h", k, K), "hidden", (widths[k], 1))
            steps.append(Step(prev, "activation", (pre,), activation(hidden[k - 1].activation)))
    y = Var("y", "target", (DIMS["q"], 1))
    L = Var("L", "loss")
    steps.append(Step(L, "loss", (prev, y), LOSSES[model.loss]))
    terms = [L]
    if model.weight_decay:
        s = Var("s", "scalar")
        steps.append(Step(s, "weight_decay", tuple(weights)))
        terms.append(s)
    factor = 1 / DIMS["n"] if batch and model.reduction == "mean" else sp.Integer(1)
    steps.append(Step(Var("J", "scalar"), "objective", tuple(terms), factor))
    return Tape(model, batch, tuple(steps))
