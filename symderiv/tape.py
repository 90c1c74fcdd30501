"""The forward pass as an ordered list of named steps; each applies an op to earlier names."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import sympy as sp

from .activations import activation
from .graphs.presets import dense_graph
from .graphs.rules import names_read
from .losses import LOSSES
from .model import Model
from .naming import DIMS, Var


@dataclass(frozen=True)
class Step:
    out: Var
    op: str
    args: tuple  # of Var
    fn: object = None  # the activation, the loss, or the objective's factor on L
    node: object = None  # the equation's right side, a graphs.parse.Node


@dataclass(frozen=True)
class Tape:
    model: Model
    batch: bool
    steps: tuple  # of Step
    graph: object = None  # the preset's GraphModel, whose equations the steps are

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

    def producer(self, var: Var) -> Step:
        """The step whose output is `var`."""
        return next(s for s in self.steps if s.out == var)


def build_tape(model: Model, batch: bool = False) -> Tape:
    """The forward pass of `model`, read from the equations of its preset (`dense_graph`):
    z⁽ᵏ⁾ = W⁽ᵏ⁾ h⁽ᵏ⁻¹⁾ (+ b⁽ᵏ⁾), h⁽ᵏ⁾ = φₖ(z⁽ᵏ⁾), o = W⁽ᴷ⁺¹⁾ h⁽ᴷ⁾, then L, s and J
    (Goodfellow et al., Algorithm 6.3). Each step keeps its equation, whose rules
    (graphs/rules.py) the reverse sweep applies. With `batch`, J reduces L over n examples by
    the model's reduction (the mean divides by n)."""
    graph = dense_graph(model, exact=True)
    declared = graph.declared
    loss = next(e for e in graph.equations if e.target == "L")
    target = loss.expr.args[1].name
    variables = {}
    for name, shape in {**declared.inputs, **declared.parameters}.items():
        kind = "target" if name == target else "input" if name in declared.inputs else "param"
        variables[name] = Var(name, kind, _dims(shape))
    steps = []
    for equation in graph.equations:
        node, name = equation.expr, equation.target
        kind = {"L": "loss", "s": "scalar", "J": "scalar"}.get(name, "hidden")
        out = variables[name] = Var(name, kind, _dims(node.shape))
        args = tuple(variables[r] for r in names_read(node) if r in variables)
        op, fn = _role(name, node, declared)
        if op == "objective":
            fn = 1 / DIMS["n"] if batch and model.reduction == "mean" else sp.Integer(1)
        steps.append(Step(out, op, args, fn, node))
    return Tape(model, batch, tuple(steps), graph)


def _dims(shape) -> tuple:
    if shape.is_scalar:
        return (1, 1)
    return tuple(sp.Integer(1) if d == 1 else sp.Symbol(d, integer=True, positive=True)
                 for d in shape.dims)  # fmt: skip


def _role(name: str, node, declared) -> tuple:
    """How the section names the step: its op and, for a function, the function."""
    if name == "J":
        return "objective", None
    if name == "s":
        return "weight_decay", None
    if node.op == "matmul":
        return "matmul", None
    if node.op == "add":
        return "affine", None
    if node.name in LOSSES:
        return "loss", LOSSES[node.name]
    fn = declared.functions.get(node.name) if node.formula is not None else None
    return "activation", fn or activation(node.name)
