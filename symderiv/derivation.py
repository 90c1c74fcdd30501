"""The reverse sweep written as the section writes it: named adjoint steps in its order.

The sweep itself is the one every graph uses (`graphs.rules.backward`, over the equations of
the model's preset): each equation's rules send one contribution to each name it reads, and
contributions accumulate, so a variable that feeds several operations (W feeds × and ℓ2) gets a
sum; a variable's adjoint is written down as soon as every equation that reads it has been
swept. Here those adjoints become the section's lines: the adjoints that are numbers on one
line and put in where they are read, and the local partials of the regularizer (∂s/∂W = λW)
just before the first adjoint that uses them, which is where the section states them.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .exprs import total
from .graphs.rules import N, adjoint_symbol, backward, symbols_of, unit_factors_dropped, vjp
from .graphs.shapes import SCALAR
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


@dataclass(frozen=True)
class GraphDerivation:
    """A graph's reverse sweep: ∂J/∂name for every name J depends on, in the order the chain
    rule runs backward through its equations, the adjoints that are numbers put in."""

    graph: object  # GraphModel
    adjoints: tuple  # of (name, its adjoint's closed form)
    names: dict  # {symbol: how the text writes it}

    @property
    def gradients(self) -> dict:
        """{parameter: ∂J/∂parameter}, in the order the graph declares its parameters."""
        found = dict(self.adjoints)
        return {name: found[name] for name in self.graph.declared.parameters}

    def __str__(self) -> str:
        """One equation a line: ∂J/∂o = o - y."""
        from .graphs.batch_printer import GraphTextPrinter

        p = GraphTextPrinter(self.names).doprint
        J = self.graph.objective
        return "\n".join(f"∂{J}/∂{name} = {p(expr)}" for name, expr in self.adjoints)


def _derive_graph(graph, batch: bool) -> GraphDerivation:
    shapes = {**graph.declared.shapes(), **{e.target: e.expr.shape for e in graph.equations}}
    symbols = symbols_of(shapes)
    names = {symbols[name]: "λ" if name == "lam" else name for name in shapes}
    names |= {adjoint_symbol(n, s): f"∂{graph.objective}/∂{n}" for n, s in shapes.items()}
    known, adjoints = {}, []
    for swept in backward(graph, batch, symbols):
        closed = unit_factors_dropped(sp.sympify(swept.total).xreplace(known))
        if swept.name != graph.objective:
            adjoints.append((swept.name, closed))
        if not isinstance(closed, sp.MatrixExpr) and not closed.free_symbols - {N}:
            known[adjoint_symbol(swept.name, SCALAR)] = closed  # ∂J/∂L = 1, put in
    return GraphDerivation(graph, tuple(adjoints), names)


def derive(model, batch: bool = False) -> Derivation | GraphDerivation:
    """Differentiate J with respect to every parameter: for a graph written as equations, its
    reverse sweep (GraphDerivation); for a Model, the reverse sweep over the equations
    of the model's preset (`graphs.rules.backward`, the one every graph uses), written as the
    section writes it. An adjoint that is a number (∂J/∂L = 1, or 1/n over a minibatch) is put
    in where it is read; adjoints that are numbers in a row share a line; ∂s/∂W = λW is stated
    just before the first adjoint that uses it."""
    if hasattr(model, "equations"):
        return _derive_graph(model, batch)
    tape = build_tape(model, batch)
    var = {v.name: v for v in tape.variables}
    symbols = {"lam": LAMBDA, **{v.name: v.symbol for v in tape.variables}}
    # {adjoint symbol: its value} for the adjoints that are numbers, from ∂J/∂J = 1
    known = {adjoint_symbol(tape.graph.objective, SCALAR): sp.Integer(1)}
    pending = {
        step.out: Line("local", _locals(step, symbols))
        for step in tape.steps
        if step.op in EXPLAINED_LOCALLY
    }
    lines, numbers = [], []
    for swept in backward(tape.graph, batch, symbols):
        if swept.name == tape.graph.objective:
            continue
        terms = tuple(
            Term(var[reader], unit_factors_dropped(part.xreplace(known)))
            for reader, part in swept.terms
        )
        adjoint = Adjoint(var[swept.name], terms)
        if adjoint.is_constant:
            known[adjoint_symbol(swept.name, SCALAR)] = adjoint.closed
            numbers.append(adjoint)
            continue
        if numbers:
            lines.append(Line("adjoint", tuple(numbers)))
            numbers = []
        for term in terms:
            if term.via in pending:
                lines.append(pending.pop(term.via))
        lines.append(Line("adjoint", (adjoint,)))
    return Derivation(tape, tuple(lines))


def _locals(step, symbols) -> tuple:
    """∂out/∂arg of the step alone (∂s/∂W1 = λW1), by the rules of its equation."""
    found: dict = {}
    for name, part in vjp(step.node, sp.Integer(1), symbols):
        found[name] = found[name] + part if name in found else part
    return tuple(Local(step.out, v, found[v.name]) for v in step.args if v.name in found)
