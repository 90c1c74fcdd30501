"""From the derivation to the LaTeX document (derivation.tex.j2) and fragment (equations.tex.j2)."""

from __future__ import annotations

from dataclasses import dataclass

from .calculus import loss_gradient
from .derivation import derive
from .figure import graph_of, tikz_layout
from .ops import apply, dloss_symbol
from .printing.latex import SectionLatexPrinter, partial
from .prose import PROSE
from .render import render


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


def equations(derivation, lang: str = "en") -> dict:
    """The forward equations, backward blocks, summary and notes of a derivation, printed."""
    words = PROSE[lang]
    tape = derivation.tape
    o = next(s for s in tape.steps if s.op == "loss").args[0]
    latex = SectionLatexPrinter(tape.variables, {dloss_symbol(o.symbol): partial("L", o.latex)})
    p = latex.doprint
    forward = tuple(
        f"{p(step.out.symbol)} &= {p(apply(step, [a.symbol for a in step.args]))}"
        for step in tape.steps
    )
    summary = tuple(
        rf"{partial('J', g.var.latex)} &= {p(g.closed)} \in {g.var.shape_text}"
        for g in derivation.gradients
    )
    notes = tuple(
        words["batch_bias"]
        .replace("{lhs}", partial("J", g.var.latex))
        .replace("{rhs}", p(g.terms[0].expr))
        for g in derivation.gradients
        if g.var.is_vector
    )
    return dict(
        forward=forward,
        definitions=_definitions(tape, latex, words),
        backward=_backward(derivation, latex, words),
        summary=summary,
        notes=notes,
    )


def _backward(derivation, latex, words) -> tuple:
    """One block per backward line: its sentence, then the prod form and the closed form."""
    p = latex.doprint
    joiner = rf" \; \textrm{{{words['and']}}} \; "
    blocks = []
    for line in derivation.lines:
        intro = words["step"][_role(line, derivation.tape)]
        if line.kind == "local":
            equalities = [f"{partial(i.out.latex, i.var.latex)} = {p(i.expr)}" for i in line.items]
            rows = (joiner.join(equalities),)
        elif line.items[0].is_constant:
            equalities = [f"{partial('J', a.var.latex)} = {p(a.closed)}" for a in line.items]
            rows = (joiner.join(equalities),)
        else:
            (a,) = line.items
            intro = intro.replace("{var}", a.var.latex)
            prods = " + ".join(
                rf"\textrm{{prod}}\left({partial('J', t.via.latex)}, "
                rf"{partial(t.via.latex, a.var.latex)}\right)"
                for t in a.terms
            )
            rows = (
                f"{partial('J', a.var.latex)} &= {prods}",
                rf"&= {p(a.closed)} \in {a.var.shape_text}",
            )
        blocks.append(Block(intro, rows))
    return tuple(blocks)


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
        text = (
            rf"$\phi(t) = {p(act.formula)}$, $\phi'(t) = {p(act.derivative.expr)}$, "
            + words["elementwise"]
        )
        if len(layers_of) > 1:
            where = ", ".join(map(str, layers))
            text += " " + words["activation_of_layer"].replace("{k}", where)
        definitions.append(text)
    loss_step = next(s for s in tape.steps if s.op == "loss")
    loss = loss_step.fn
    if loss.is_concrete:
        o, y = (a.symbol for a in loss_step.args)
        grad = loss_gradient(loss.formula(o, y), o, y)
        text = rf"$L = {p(loss.definition(o, y))}$, ${partial('L', latex.doprint(o))} = {p(grad)}$"
        if loss.labels_on_simplex:
            text += f" ({words['loss_assumption']})"
        definitions.append(text)
    return tuple(definitions)


def fragment(model, lang: str = "en") -> str:
    eq = equations(derive(model), lang)
    return render("equations.tex.j2", eq=eq, words=PROSE[lang], prose=False)


def document(model, lang: str = "en") -> str:
    derivation = derive(model)
    placed, paths = tikz_layout(graph_of(derivation.tape))
    words = PROSE[lang]
    one, many = words["layers"]
    layers = one if model.depth == 1 else many.replace("{k}", str(model.depth))
    return render(
        "derivation.tex.j2",
        eq=equations(derivation, lang),
        intro=words["intro"].replace("{layers}", layers),
        words=words,
        lang=lang,
        placed=placed,
        paths=paths,
        prose=True,
    )
