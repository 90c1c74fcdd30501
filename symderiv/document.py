"""From the derivation to the LaTeX document (derivation.tex.j2) and fragment (equations.tex.j2)."""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

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


def _role(line) -> str:
    if line.kind == "local":
        return "local"
    var = line.items[0].var
    if var.kind == "scalar":
        return "objective"
    if var.kind == "param":
        return "bias" if var.is_vector else "parameter"
    if var.name == "o":
        return "output"
    consumers = [a.via for a in line.items[0].terms]
    return "preactivation" if consumers and consumers[0].name == "h" else "hidden"


def equations(model, lang: str = "en") -> dict:
    """The prepared forward equations, backward blocks and summary of `model`."""
    words = PROSE[lang]
    derivation = derive(model)
    tape = derivation.tape
    o = next(v for v in tape.variables if v.name == "o")
    latex = SectionLatexPrinter(tape.variables, {dloss_symbol(o.symbol): partial("L", o.latex)})
    p = latex.doprint
    joiner = rf" \; \textrm{{{words['and']}}} \; "

    forward = tuple(
        f"{p(step.out.symbol)} &= {p(apply(step, [a.symbol for a in step.args]))}"
        for step in tape.steps
    )

    backward = []
    for line in derivation.lines:
        intro = words["step"][_role(line)]
        if line.kind == "local":
            rows = (
                joiner.join(
                    f"{partial(i.out.latex, i.var.latex)} = {p(i.expr)}" for i in line.items
                ),
            )
        elif line.items[0].is_constant:
            rows = (
                joiner.join(f"{partial('J', a.var.latex)} = {p(a.closed)}" for a in line.items),
            )
        else:
            (a,) = line.items
            intro = intro.replace("{var}", a.var.latex)
            prods = " + ".join(
                rf"\textrm{{prod}}\left({partial('J', t.via.latex)}, {partial(t.via.latex, a.var.latex)}\right)"
                for t in a.terms
            )
            rows = (
                f"{partial('J', a.var.latex)} &= {prods}",
                rf"&= {p(a.closed)} \in {a.var.shape_text}",
            )
        backward.append(Block(intro, rows))

    summary = tuple(
        rf"{partial('J', g.var.latex)} &= {p(g.closed)} \in {g.var.shape_text}"
        for g in derivation.gradients
    )
    notes = []
    for g in derivation.gradients:
        if g.var.is_vector:
            (term,) = g.terms
            notes.append(
                words["batch_bias"]
                .replace("{lhs}", partial("J", g.var.latex))
                .replace("{rhs}", p(term.expr))
            )

    definitions = []
    step_act = next(s for s in tape.steps if s.op == "activation")
    act = step_act.fn
    if act.is_concrete:
        fn = latex.doprint(act.formula)
        dfn = latex.doprint(act.derivative.expr)
        definitions.append(rf"$\phi(t) = {fn}$, $\phi'(t) = {dfn}$, {words['elementwise']}")
    step_loss = next(s for s in tape.steps if s.op == "loss")
    if step_loss.fn.is_concrete:
        o_sym, y_sym = (a.symbol for a in step_loss.args)
        grad = loss_gradient(step_loss.fn.formula(o_sym, y_sym), o_sym, y_sym)
        text = rf"$L = {p(step_loss.fn.definition(o_sym, y_sym))}$, ${partial('L', o.latex)} = {p(grad)}$"
        if step_loss.fn.name == "softmax_cross_entropy":
            text += f" ({words['loss_assumption']})"
        definitions.append(text)
    return dict(
        forward=forward,
        definitions=tuple(definitions),
        backward=tuple(backward),
        summary=summary,
        notes=tuple(notes),
    )


def fragment(model, lang: str = "en") -> str:
    return render("equations.tex.j2", eq=equations(model, lang), words=PROSE[lang], prose=False)


def document(model, lang: str = "en") -> str:
    placed, paths = tikz_layout(graph_of(derive(model).tape))
    return render(
        "derivation.tex.j2",
        eq=equations(model, lang),
        words=PROSE[lang],
        lang=lang,
        model=model,
        placed=placed,
        paths=paths,
        prose=True,
    )


__all__ = ["document", "fragment", "equations", "sp"]
