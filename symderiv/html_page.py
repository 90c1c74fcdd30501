"""The derivation as one web page: MathML equations, the figure as inline SVG, the generated
code; no JavaScript, nothing fetched from the network.

The equations are the LaTeX document's, converted to MathML by latex2mathml, which Chromium and
Firefox render natively; aligned rows become a MathML table. The prose is the document's too:
its inline and displayed mathematics go through the same converter, and its text is escaped
for HTML, with the few text commands the prose uses turned into their HTML (see
printing/prose_text.py): any other command is an error, never pasted into the page.
"""

from __future__ import annotations

from latex2mathml.converter import convert
from markupsafe import Markup, escape

from .codegen import module_source
from .derivation import derive
from .errors import UsageError
from .figure import graph_of, svg
from .latex_document import equations, graph_text, intro_text
from .printing.prose_text import COLON, pieces
from .prose import PROSE
from .render import render
from .tape import build_tape


def page(model, lang: str = "en") -> str:
    """The page for `model` in `lang` (a dense network or a graph written as equations): the
    derivation, its figure and, for a dense network with concrete activation and loss, the
    generated NumPy module."""
    if hasattr(model, "equations"):
        from .graphs.document import figure_of, graph_caption, graph_equations, graph_words
        from .graphs.module import graph_module_source

        words = graph_words(model, lang)
        try:
            code = graph_module_source(model)
        except UsageError:  # a matrix per example: no module
            code = None
        return _page(
            lang,
            words,
            words["graph_intro"],
            graph_equations(model, lang),
            figure_of(model),
            graph_caption(words),
            code,
            words["code_graph"],
        )
    words = PROSE[lang]
    try:
        code = module_source(model)
    except UsageError:  # the generic φ or l: there is no code to show
        code = None
    return _page(
        lang,
        words,
        intro_text(model, words),
        equations(derive(model), lang),
        graph_of(build_tape(model)),
        graph_text(model, words),
        code,
        words["code_generic"],
    )


def _page(lang, words, intro, eq, drawing, caption, code, no_code) -> str:
    return render(
        "page.html.j2",
        lang=lang,
        words=words,
        title=prose(words["title"]),
        intro=prose(intro),
        forward_text=prose(words["forward_text"]),
        forward=table(eq["forward"]),
        definitions=prose(f"{words['where']}{COLON[lang]} {'; '.join(eq['definitions'])}.")
        if eq["definitions"]
        else None,
        figure=Markup(_inline(svg(drawing))),
        caption=prose(caption),
        backward_text=prose(words["backward_text"]),
        backward=[(prose(b.intro), table(b.rows)) for b in eq["backward"]],
        notes=[(prose(n["text"]), table(n["rows"])) for n in eq["notes"]],
        summary_text=prose(words["summary_text"]),
        summary=table(eq["summary"]),
        training=prose(words["training"]),
        code=code,
        no_code=no_code,
    )


def table(rows) -> Markup:
    """Rows of an align* (`lhs &= rhs`, `&= rhs`) as one displayed MathML table, right-aligned
    left sides, left-aligned right sides."""
    cells = [row.replace(r"\\[1ex]", "").replace("&=", "& =", 1) for row in rows]
    return mathml(r"\begin{array}{rl}" + r" \\ ".join(cells) + r"\end{array}", display=True)


def mathml(tex: str, display: bool = False) -> Markup:
    return Markup(convert(tex, display="block" if display else "inline"))


def prose(text: str) -> Markup:
    """The document's prose (LaTeX text with $…$ and \\[…\\] mathematics) as HTML."""
    html = {
        "text": escape,
        "code": lambda s: Markup("<code>{}</code>").format(s),
        "inline": mathml,
        "display": lambda tex: mathml(tex, display=True),
    }
    return Markup("").join(html[kind](content) for kind, content in pieces(text))


def _inline(drawing: str) -> str:
    """An SVG file's text as an element of the page: without its XML prolog and doctype."""
    return drawing[drawing.index("<svg") :]
