"""The reverse sweep: from the tape to named adjoint steps, in the order the section derives them.

Steps are visited from J back to the input. Each op's rule sends one contribution to each of its
inputs; contributions accumulate, so a variable that feeds several ops (W feeds × and ℓ2) gets a
sum. A variable's adjoint is written down as soon as every op that reads it has been visited.
The local partials of the regularizer (∂s/∂W = λW) are written just before the first adjoint
that uses them, which is where the section states them.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .exprs import total
from .graphs.rules import vjp
from .naming import DIMS, LAMBDA
from .tape import Tape, build_tape

# Ops whose local partials the document states on a line of their own.
EXPLAINED_LOCALLY = ("weight_decay",)


@dataclass(frozen=True)
class Term:
    """prod(∂J/∂via, ∂via/∂var): one path from J to a variable, and its closed form."""

    via: object  # Var: the output of the op through which this contribution comes
    expr: sp.Basic


@dataclass(frozen=True)
class Adjoint:
    """∂J/∂var: its chain-rule terms and their sum, the closed form."""

    var: object  # Var
    terms: tuple

    @property
    def closed(self):
        exprs = [t.expr for t in self.terms]
        return sp.Add(*exprs) if self.var.is_scalar else total(exprs)

    @property
    def is_constant(self) -> bool:
        return self.var.is_scalar and not self.closed.free_symbols - {DIMS["n"]}


@dataclass(frozen=True)
class Local:
    """∂out/∂var of one op, stated on its own (∂s/∂W1 = λW1)."""

    out: object  # Var
    var: object  # Var
    expr: sp.Basic


@dataclass(frozen=True)
class Line:
    """One displayed equation: adjoints or local partials, joined by "and" when several."""

    kind: str  # "adjoint" or "local"
    items: tuple


@dataclass(frozen=True)
class Derivation:
    tape: Tape
    lines: tuple

    @property
    def adjoints(self) -> tuple:
        return tuple(a for line in self.lines if line.kind == "adjoint" for a in line.items)

    def __str__(self) -> str:
        """The backward steps in order, one equation a line: ∂J/∂W2 = ∂J/∂o hᵀ + λ W2."""
        from .printing.text import TextPrinter

        p = TextPrinter(self.tape.variables).doprint
        lines = []
        for line in self.lines:
            if line.kind == "local":
                lines.append(
                    " and ".join(f"∂{i.out.name}/∂{i.var.name} = {p(i.expr)}" for i in line.items)
                )
            else:
                lines.append(" and ".join(f"∂J/∂{a.var.name} = {p(a.closed)}" for a in line.items))
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        """In a notebook: the derivation's equations, typeset (see notebook.py)."""
        from .notebook import markdown

        return markdown(self)

    @property
    def gradients(self) -> tuple:
        """∂J/∂θ for every parameter θ, in the order of `tape.parameters`."""
        by_var = {a.var: a for a in self.adjoints}
        return tuple(by_var[p] for p in self.tape.parameters)


def derive(model, batch: bool = False) -> Derivation:
    """Differentiate J with respect to every parameter by one reverse sweep over the tape."""
    tape = build_tape(model, batch)
    steps = tape.steps
    position = {step.out: i for i, step in enumerate(steps)}
    remaining = {v: len(tape.consumers(v)) for v in tape.variables}
    terms: dict = {v: [] for v in tape.variables}
    upstream = {steps[-1].out: sp.Integer(1)}  # what stands for ∂J/∂v in later steps
    pending: dict = {}
    lines = []
    symbols = {"lam": LAMBDA, **{v.name: v.symbol for v in tape.variables}}
    for step in reversed(steps):
        contributions = _contributions(step, upstream[step.out], symbols)
        if step.op in EXPLAINED_LOCALLY:
            locals_ = _contributions(step, sp.Integer(1), symbols)
            pending[step.out] = Line(
                "local",
                tuple(Local(step.out, v, e) for v, e in zip(step.args, locals_) if e is not None),
            )
        done = []
        for var, contribution in zip(step.args, contributions):
            remaining[var] -= 1
            if contribution is not None and var.needs_gradient:
                terms[var].append(Term(step.out, contribution))
                if remaining[var] == 0:
                    done.append(var)
        adjoints = []
        for var in done:
            ordered = tuple(sorted(terms[var], key=lambda t: position[t.via]))
            for t in ordered:
                if t.via in pending:
                    lines.append(pending.pop(t.via))
            adjoint = Adjoint(var, ordered)
            upstream[var] = adjoint.closed if adjoint.is_constant else var.adjoint
            adjoints.append(adjoint)
        if adjoints and all(a.is_constant for a in adjoints):
            lines.append(Line("adjoint", tuple(adjoints)))
        else:
            lines.extend(Line("adjoint", (a,)) for a in adjoints)
    return Derivation(tape, tuple(lines))


def _contributions(step, g, symbols) -> list:
    """prod(g, ∂out/∂arg) for each of the step's arguments (None where there is none), by the
    rules of its equation; the objective's factor on L (1/n for a minibatch's mean) applied."""
    found: dict = {}
    for name, part in vjp(step.node, g, symbols):
        found[name] = found[name] + part if name in found else part
    parts = [found.get(v.name) for v in step.args]
    if step.op == "objective":
        parts[0] = parts[0] * step.fn
    return parts
