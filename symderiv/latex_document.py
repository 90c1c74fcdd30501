"""From the derivation to the LaTeX document (derivation.tex.j2) and fragment (equations.tex.j2)."""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .calculus import loss_gradient
from .derivation import derive
from .errors import UsageError
from .exprs import Elementwise
from .figure import graph_of, tikz_layout
from .graphs.rules import loss_slope
from .hvp import slope_names
from .latex_hvp import hvp_equations
from .latex_memory import memory_option, memory_section
from .naming import batch_shape_text
from .ops import apply
from .printing.latex import SectionLatexPrinter, partial
from .printing.latex_rows import RowLatexPrinter, transposed
from .prose import PROSE
from .render import render
from .scalar import t


@dataclass(frozen=True)
class Block:
    """Prose (possibly empty) followed by an align* of rows."""

    intro: str
    rows: tuple


def _role(line, tape) -> str:
    """Which sentence introduces a backward line: it depends on what the variable is and on
    the op that consumes it (the loss for o, the activation for z)."""
    if line.kind == "local":
        return "local"
    adjoint = line.items[0]
    var = adjoint.var
    if var.is_scalar:
        return "objective"
    if var.kind == "param":
        return "bias" if var.is_vector else "parameter"
    consumer = tape.producer(adjoint.terms[0].via)
    return {"loss": "output", "activation": "preactivation"}.get(consumer.op, "hidden")


def equations(derivation, lang: str = "en", hvp: bool = False, memory=None) -> dict:
    """The forward equations, backward blocks, summary and notes of a derivation, printed: for
    one example with column vectors (the section's form), or over a minibatch with one example
    per row when the derivation is the batch one. With `hvp`, also the second derivatives; with
    `memory` (True, or an `At` for bytes at given sizes), the memory table."""
    words = PROSE[lang]
    tape = derivation.tape
    batch = tape.batch
    o = next(s for s in tape.steps if s.op == "loss").args[0]
    name = (lambda v: v.latex_batch) if batch else (lambda v: v.latex)
    extra = {loss_slope(o.symbol): partial("L", name(o))}
    latex = (RowLatexPrinter if batch else SectionLatexPrinter)(tape.variables, extra)
    named = activation_names(tape)

    def p(expr) -> str:
        return latex.doprint(expr.xreplace(named))

    forward = []
    for step in tape.steps:
        expr = apply(step, [a.symbol for a in step.args])
        if batch and step.op == "loss":
            # One loss per example, written for the example's row: l(o_i, y_i).
            rows = {v.symbol: rf"{v.latex}_i" for v in step.args}
            expr = SectionLatexPrinter(tape.variables, rows).doprint(expr)
        elif batch and step.op == "objective":
            mean = r"\frac{1}{n} " if tape.model.reduction == "mean" else ""
            expr = mean + r"\sum_{i=1}^{n} L_i" + "".join(f" + {v.latex}" for v in step.args[1:])
        else:
            expr = p(expr)
        forward.append(f"{name(step.out)} &= {expr}")
    summary = tuple(
        rf"{partial('J', name(g.var))} &= {_closed(g, p, batch)} \in {g.var.shape_text}"
        for g in derivation.gradients
    )
    # said once, however many biases share the fact
    sums = [
        rf"{partial('J', g.var.latex)} &= \sum_i \left({p(g.terms[0].expr)}\right)_i"
        for g in derivation.gradients
        if g.var.is_vector and not batch
    ]
    notes = (dict(text=words["batch_bias"], rows=tuple(sums)),) if sums else ()
    return dict(
        forward=tuple(forward),
        definitions=_definitions(tape, SectionLatexPrinter(tape.variables, extra), words),
        backward=_backward(derivation, p, words, name),
        summary=summary,
        notes=notes,
        hvp=hvp_equations(derivation, latex, words, tape.model) if hvp else None,
        memory=_memory(tape, words, memory),
    )


def _memory(tape, words, memory):
    at = memory_option(memory, tape.model)
    if at is None:
        return None
    return memory_section(
        tape, SectionLatexPrinter(tape.variables), words, None if at is True else at
    )


def _closed(adjoint, p, batch) -> str:
    """The closed form; in batch form a bias gradient sums its rows: (∂J/∂Z)^⊤ 1_n."""
    text = p(adjoint.closed)
    if batch and adjoint.var.kind == "param" and adjoint.var.is_vector:
        return rf"{transposed(text)} \mathbf{{1}}_n"
    return text


def _side_by_side(equalities: list, joiner: str) -> tuple:
    """Two equalities on one row, joined by "and"; more, one to a row, aligned at =, as a deep
    network's weights would run past the margin."""
    if len(equalities) <= 2:
        return (joiner.join(equalities),)
    return tuple(e.replace(" = ", " &= ", 1) for e in equalities)


def _backward(derivation, p, words, name) -> tuple:
    """One block per backward line: its sentence, then the prod form and the closed form,
    printed by p."""
    batch = derivation.tape.batch
    shape = batch_shape_text if batch else (lambda v: v.shape_text)
    joiner = rf" \; \textrm{{{words['and']}}} \; "
    blocks = []
    for line in derivation.lines:
        intro = words["step"][_role(line, derivation.tape)]
        if line.kind == "local":
            equalities = [f"{partial(name(i.out), name(i.var))} = {p(i.expr)}" for i in line.items]
            rows = _side_by_side(equalities, joiner)
        elif line.items[0].is_constant:
            equalities = [f"{partial('J', name(a.var))} = {p(a.closed)}" for a in line.items]
            rows = _side_by_side(equalities, joiner)
        else:
            (a,) = line.items
            intro = intro.replace("{var}", name(a.var))
            prods = " + ".join(
                # over a minibatch, each example's loss contributes: a sum over the rows
                (r"\sum_i " if batch and t.via.kind == "loss" else "")
                + rf"\textrm{{prod}}\left({partial('J', name(t.via))}, "
                rf"{partial(name(t.via), name(a.var))}\right)"
                for t in a.terms
            )
            rows = (
                f"{partial('J', name(a.var))} &= {prods}",
                rf"&= {_closed(a, p, batch)} \in {shape(a.var)}",
            )
        blocks.append(Block(intro, rows))
    return tuple(blocks)


def activation_names(tape) -> dict:
    """φ(z) and φ′(z) by name for each compound activation, named as the second derivatives
    name them (φₖ when the layers' activations differ), as a substitution for the expressions."""
    slopes = slope_names(tape)
    named = {}
    for k, step in enumerate((s for s in tape.steps if s.op == "activation"), start=1):
        if step.fn.is_compound:
            (z,) = step.args
            slope = slopes[k, 1][0]  # φ′ as a Lambda: the derivative of φₖ(t)
            phi = sp.Lambda(t, slope.expr.expr)
            named[Elementwise(step.fn.fn, z.symbol)] = Elementwise(phi, z.symbol)
            named[Elementwise(step.fn.derivative, z.symbol)] = Elementwise(slope, z.symbol)
    return named


def _definitions(tape, latex, words) -> tuple:
    """What the concrete φ and l are, with the derivatives symderiv found for them."""
    p = latex.doprint
    definitions = []
    layers_of: dict = {}  # activation → the layers that use it, in order
    for k, step in enumerate((s for s in tape.steps if s.op == "activation"), start=1):
        layers_of.setdefault(step.fn, []).append(k)
    for act, layers in layers_of.items():
        if not act.is_concrete:
            continue
        several = len(layers_of) > 1
        phi = " = ".join(rf"\phi_{{{k}}}(t)" for k in layers) if several else r"\phi(t)"
        slope = " = ".join(rf"\phi_{{{k}}}'(t)" for k in layers) if several else r"\phi'(t)"
        text = (
            rf"${phi} = {p(act.formula)}$, ${slope} = {p(act.derivative.expr)}$, "
            + words["elementwise"]
        )
        if several:
            where = ", ".join(map(str, layers))
            text += " " + words["activation_of_layer"].replace("{k}", where)
        definitions.append(text)
    loss_step = next(s for s in tape.steps if s.op == "loss")
    loss = loss_step.fn
    if loss.is_concrete:
        o, y = (a.symbol for a in loss_step.args)
        grad = loss_gradient(loss.formula(o, y), o, y)
        text = rf"$L = {p(loss.definition(o, y))}$, ${partial('L', latex.doprint(o))} = {p(grad)}$"
        notes = [words["loss_rows"]] if tape.batch else []
        if loss.labels_on_simplex:
            notes.append(words["loss_assumption"])
        if notes:
            text += f" ({'; '.join(notes)})"
        definitions.append(text)
    return tuple(definitions)


def fragment(model, lang="en", batch=False, hvp=False, memory=None, parallel=None) -> str:
    derivation = derive(model, batch)
    eq = equations(derivation, lang, hvp, memory)
    eq["parallel"] = _parallel(derivation.tape, PROSE[lang], parallel)
    return render("equations.tex.j2", eq=eq, words=PROSE[lang], prose=False)


def _parallel(tape, words, devices):
    """The section on several devices (exercise 5), from the equations of the model's preset,
    or None."""
    if devices is None:
        return None
    from .graphs.parallel import parallel_section

    names = {v.name: v.latex for v in tape.variables}
    return parallel_section(tape.graph, words, devices, names.get, _memory_rows(tape))


def _memory_rows(tape):
    """The memory table's rows, each with the name it belongs to (H → h, dW1 → W1; None for
    what the code keeps besides, such as LSE), the caller's parameters apart; None for a
    model with no code."""
    from .memory import rows

    try:
        found = rows(tape.model)
    except UsageError:  # the section's generic φ or l
        return None
    names = {v.code: v.name for v in tape.variables}
    return [
        (names.get(r.name[1:] if r.kind == "backward" else r.name), r.numbers) for r in found[1:]
    ]


def document(model, lang="en", batch=False, hvp=False, memory=None, parallel=None) -> str:
    """The whole document; see `equations` for `hvp` and `memory`; `parallel`
    (graphs.parallel.Devices) adds the section on several devices."""
    derivation = derive(model, batch)
    placed, paths = tikz_layout(graph_of(derivation.tape))
    words = PROSE[lang]
    eq = equations(derivation, lang, hvp, memory)
    eq["parallel"] = _parallel(derivation.tape, words, parallel)
    if parallel is not None:
        from .graphs.parallel import stage_groups

        ids = [q.node.id for q in placed]
        groups = stage_groups(eq["parallel"], derivation.tape.graph, ids, words)
        boxes = tuple((label, " ".join(f"({m})" for m in members)) for label, members in groups)
        eq["parallel"]["figure"] = dict(placed=placed, paths=paths, groups=boxes)
    return render(
        "derivation.tex.j2",
        eq=eq,
        intro=intro_text(model, words, batch),
        words=words,
        graph_text=graph_text(model, words),
        lang=lang,
        placed=placed,
        paths=paths,
        groups=(),
        prose=True,
    )


def intro_text(model, words, batch: bool = False) -> str:
    """The introduction: how many hidden layers, the shapes, and the batch form if it is one."""
    one, many = words["layers"]
    layers = one if model.depth == 1 else many.replace("{k}", str(model.depth))
    return words["intro"].replace("{layers}", layers) + (
        f" {words['batch_intro']}" if batch else ""
    )


def graph_text(model, words) -> str:
    """The figure's caption: what the shapes mean, and which way data flows in the drawing."""
    if model.depth == 1:
        return f"{words['graph_shapes']} {words['graph_flow']}"
    lanes = f" {words['graph_lanes']}" if model.weight_decay else ""
    return f"{words['graph_shapes']} {words['graph_folded']}{lanes}"
