"""What a Jupyter notebook (or VS Code's) shows: the derivation as mathematics, the figure as
SVG, the generated module as highlighted code.

`show(model, lang=..., form=..., hvp=..., memory=...)` takes the options of `symderiv latex`
and displays the three one after the other; each part is also an object of its own
(`.equations`, `.figure`, `.code`) with the repr methods Jupyter calls: Markdown with display
mathematics ($$…$$, rendered by MathJax in Jupyter and KaTeX in VS Code), SVG, and Markdown
holding a fenced Python block. A `Derivation` shows its equations and a `Model` its figure
the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from .derivation import derive
from .errors import UsageError, shown
from .latex_document import equations, intro_text
from .latex_memory import memory_option
from .model import Model
from .printing.prose_text import COLON, pieces
from .prose import LANGUAGES, PROSE

FORMS = ("example", "batch")


@dataclass(frozen=True)
class Markdown:
    text: str

    def _repr_markdown_(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Figure:
    svg: str

    def _repr_svg_(self) -> str:
        return self.svg


@dataclass(frozen=True)
class Shown:
    """The derivation's equations, its figure and (for a concrete network) its module."""

    equations: Markdown
    figure: Figure
    code: Markdown | None
    extended: Figure | None = None  # with hvp: the extended graph that computes H V

    def parts(self) -> tuple:
        return tuple(p for p in (self.equations, self.figure, self.extended, self.code) if p)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(*self.parts())

    def __str__(self) -> str:
        return self.equations.text


def show(
    model: Model | None = None,
    lang: str = "en",
    form: str = "example",
    hvp: bool = False,
    memory=None,
    **fields,
) -> Shown:
    """The derivation of `model` (or of the Model that `fields` describe, as the CLI's flags
    do: activation=…, loss=…, bias=…, hidden=…) for a notebook: `lang` en or fr, `form`
    example or batch, `hvp` for the second derivatives, `memory` True for the memory table
    or (sizes, n[, dtype]) for it in bytes."""
    if model is None:
        model = Model.from_mapping(fields, "show()")
    elif fields:
        raise UsageError(f"show(): give a Model or its fields, not both ({', '.join(fields)})")
    if lang not in LANGUAGES:
        raise UsageError(f"lang {shown(lang)} is not allowed; expected one of en, fr")
    if form not in FORMS:
        raise UsageError(f"form {shown(form)} is not allowed; expected example or batch")
    if hvp and form == "batch":
        raise UsageError("hvp is written for one example; it cannot be used with form='batch'")
    if hasattr(model, "equations"):  # a graph written as equations
        return _show_graph(model, lang, form, hvp, memory)
    memory = memory_option(memory, model)
    derivation = derive(model, form == "batch")
    return Shown(
        Markdown(markdown(derivation, lang, hvp, memory)),
        Figure(_figure(model)),
        _code(model),
        Figure(_extended(derivation)) if hvp else None,
    )


def graph_memory_option(memory, graph):
    """show()'s `memory` for a graph: None, True, or an At from (sizes, n[, dtype]) with the
    graph's sizes in SIZES order."""
    from .graphs.module import size_names
    from .latex_memory import At
    from .memory import BYTES

    if memory is None or memory is False or memory is True:
        return memory or None
    names = size_names(graph)
    try:
        at = memory if isinstance(memory, At) else At(*memory)
        sizes = tuple(int(v) for v in at.sizes)
        good = sizes == tuple(at.sizes) and len(sizes) == len(names) and min(sizes) > 0
        good = good and int(at.n) == at.n and at.n > 0 and at.dtype in BYTES
    except (TypeError, ValueError):
        good = False
    if not good:
        raise UsageError(
            f"memory {shown(memory)} is not allowed; expected True, or (sizes, n) or (sizes, "
            f"n, dtype) with {len(names)} positive whole sizes {', '.join(names)}, a positive "
            "n and float32 or float64"
        )
    return at


def _show_graph(graph, lang, form, hvp, memory) -> Shown:
    from .figure import svg
    from .graphs.document import figure_of, graph_equations, graph_words
    from .graphs.module import graph_module_source

    memory = graph_memory_option(memory, graph)
    words = graph_words(graph, lang)
    batch = form == "batch"
    intro = words["graph_intro"] + (f" {words['graph_batch_intro']}" if batch else "")
    text = _markdown(graph_equations(graph, lang, batch, hvp, memory), words, intro, lang)
    try:
        code = Markdown(f"```python\n{graph_module_source(graph)}```\n")
    except UsageError:  # a matrix per example: no module
        code = None
    return Shown(Markdown(text), Figure(svg(figure_of(graph))), code)


def markdown(derivation, lang: str = "en", hvp: bool = False, memory=None) -> str:
    """The derivation as Markdown: the document's headings and prose, and its equations as
    display mathematics."""
    model = derivation.tape.model
    eq = equations(derivation, lang, hvp, memory)
    intro = intro_text(model, PROSE[lang], derivation.tape.batch)
    return _markdown(eq, PROSE[lang], intro, lang)


def _markdown(eq, words, intro, lang) -> str:
    out = [f"### {prose(words['title'])}", prose(intro)]
    out += [f"#### {words['forward']}", prose(words["forward_text"]), _aligned(eq["forward"])]
    if eq["definitions"]:
        out.append(prose(f"{words['where']}{COLON[lang]} {'; '.join(eq['definitions'])}."))
    out += [f"#### {words['backward']}", prose(words["backward_text"])]
    for block in eq["backward"]:
        out += [prose(block.intro), _aligned(block.rows)]
    for note in eq["notes"]:
        out += [prose(note["text"]), _aligned(note["rows"])]
    summary = _aligned(eq["summary"], gap=r"[1ex]")  # stacked fractions apart, as in the LaTeX
    out += [f"#### {words['summary']}", prose(words["summary_text"]), summary]
    out.append(prose(words["training"]))
    if eq["hvp"]:
        second = eq["hvp"]
        out += [f"#### {words['hvp']}", prose(second["intro"]), _aligned(second["forward"])]
        out += [prose(words["hvp_backward"]), _aligned(second["backward"])]
        if second["definitions"]:
            where = f"{words['where']}{COLON[lang]} {'; '.join(second['definitions'])}."
            out.append(prose(where))
        out.append(prose(second["cost"]))
    if eq["memory"]:
        out += _memory(eq["memory"], words, lang)
    return "\n\n".join(part for part in out if part) + "\n"


def _memory(memory: dict, words: dict, lang: str) -> list[str]:
    lead = words["memory_text"] + (
        f" {words['memory_at']} {memory['at']}" if memory["bytes"] else ""
    )
    header = list(words["memory_header"])
    if not memory["bytes"]:
        header = [header[0], header[1], header[3]]
    rows = ["| " + " | ".join(prose(cell) for cell in header) + " |"]
    rows.append("|" + "|".join(" --- " for _ in header) + "|")
    rows += ["| " + " | ".join(prose(cell) for cell in row) + " |" for row in memory["rows"]]
    peaks = [prose(text.replace("{bytes}", size)) for text, size in memory["peaks"]]
    return [f"#### {words['memory']}", prose(lead + COLON[lang]), "\n".join(rows)] + [
        prose(memory["total"] + "."),
        *peaks,
    ]


def _aligned(rows, gap: str = "") -> str:
    """Rows of an align* as one display: $$\\begin{aligned} … \\end{aligned}$$."""
    if not rows:
        return ""
    body = f" \\\\{gap}\n".join(rows)
    return f"$$\n\\begin{{aligned}}\n{body}\n\\end{{aligned}}\n$$"


def prose(text: str) -> str:
    """The document's prose as Markdown: its mathematics as $…$ and $$…$$, \\texttt as code."""
    markdown = {
        "text": _escape,
        "code": lambda s: f"`{s}`",
        "inline": lambda tex: f"${tex}$",
        "display": lambda tex: f"\n$$\n{tex}\n$$\n",
    }
    return "".join(markdown[kind](content) for kind, content in pieces(text)).strip()


def _escape(text: str) -> str:
    """Text that Markdown shows as written: its emphasis and code marks escaped."""
    for mark in ("\\", "`", "*", "_", "[", "]", "<", ">", "#", "|"):
        text = text.replace(mark, "\\" + mark)
    return text


def _figure(model) -> str:
    from .figure import graph_of, svg
    from .tape import build_tape

    return svg(graph_of(build_tape(model)))


def _extended(derivation) -> str:
    from .extended_figure import extended_graph_of
    from .figure import svg

    return svg(extended_graph_of(derivation))


def _code(model) -> Markdown | None:
    from .codegen import module_source

    try:
        source = module_source(model)
    except UsageError:  # the section's generic φ or l: there is no code
        return None
    return Markdown(f"```python\n{source}```\n")


def model_svg(model) -> str | None:
    """A Model's figure in a notebook; None (plain text) where Graphviz is missing."""
    try:
        return _figure(model)
    except UsageError:
        return None
