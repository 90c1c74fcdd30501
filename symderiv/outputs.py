"""What each kind of output file holds."""

from __future__ import annotations

from .codegen import module_source
from .derivation import derive
from .errors import UsageError
from .extended_figure import extended_graph_of
from .figure import dot_source, graph_of, pdf, svg, tikz_groups, tikz_layout
from .latex_document import document, fragment
from .render import render
from .tape import build_tape


def page(model, lang: str) -> str:
    """The web page (imported when asked: latex2mathml is for pages only)."""
    from .html_page import page as html

    return html(model, lang)


def array_api_source(model) -> str:
    """The module written against the Array API standard: a dense network's through the
    equations of its preset, as any graph's."""
    from .codegen import concrete_or_exit
    from .graphs.module import array_api_module_source
    from .graphs.presets import dense_graph

    if hasattr(model, "equations"):
        return array_api_module_source(model)
    concrete_or_exit(model)
    return array_api_module_source(dense_graph(model))


def _two_devices():
    """The section on several devices, for two devices, as formulas."""
    from .graphs.parallel import Devices

    return Devices(2)


# kind → (file name suffix, how to make it)
KINDS = {
    "tex": (".tex", lambda m: document(m, "en")),
    "tex-fr": (".fr.tex", lambda m: document(m, "fr")),
    "fragment": (".fragment.tex", lambda m: fragment(m, "en")),
    "tex-batch": (".batch.tex", lambda m: document(m, "en", batch=True)),
    "tex-hvp": (".hvp.tex", lambda m: document(m, "en", hvp=True)),
    "tex-memory": (".memory.tex", lambda m: document(m, "en", memory=True)),
    "tex-parallel": (".parallel.tex", lambda m: document(m, "en", parallel=_two_devices())),
    "tex-parallel-fr": (
        ".parallel.fr.tex",
        lambda m: document(m, "fr", parallel=_two_devices()),
    ),
    "py": (".py", module_source),
    "array-api": ("_array_api.py", array_api_source),
    "html": (".html", lambda m: page(m, "en")),
    "html-fr": (".fr.html", lambda m: page(m, "fr")),
    "svg": (".svg", lambda m: figure(m, ".svg")),
    "pdf": (".pdf", lambda m: figure(m, ".pdf")),
    "dot": (".dot", lambda m: figure(m, ".dot")),
    "hvp-svg": (".hvp.svg", lambda m: figure(m, ".svg", extended=True)),
}


def _graph_figure(suffix: str):
    def make(graph):
        from .graphs.document import figure_of

        return draw_as(figure_of(graph), suffix)

    return make


def _graph_document(lang: str, **options):
    def make(graph):
        from .graphs.document import graph_document

        return graph_document(graph, lang, **options)

    return make


def _graph_fragment(graph):
    from .graphs.document import graph_fragment

    return graph_fragment(graph, "en")


def _graph_extended(graph):
    from .extended_figure import joined
    from .graphs.document import extended_parts_of

    return svg(joined(graph.name, extended_parts_of(graph)))


def _graph_module(graph):
    from .graphs.module import graph_module_source

    return graph_module_source(graph)


# What a graph written as equations gives: its derivation (LaTeX, a page), its figure, its
# NumPy module.
GRAPH_KINDS = {
    "py": _graph_module,
    "array-api": array_api_source,
    "html": lambda graph: page(graph, "en"),
    "html-fr": lambda graph: page(graph, "fr"),
    "tex": _graph_document("en"),
    "tex-fr": _graph_document("fr"),
    "fragment": _graph_fragment,
    "tex-batch": _graph_document("en", batch=True),
    "tex-hvp": _graph_document("en", hvp=True),
    "tex-memory": _graph_document("en", memory=True),
    "tex-parallel": lambda graph: _graph_document("en", parallel=_two_devices())(graph),
    "tex-parallel-fr": lambda graph: _graph_document("fr", parallel=_two_devices())(graph),
    "svg": _graph_figure(".svg"),
    "hvp-svg": _graph_extended,
    "pdf": _graph_figure(".pdf"),
    "dot": _graph_figure(".dot"),
}


def content_of(model, kind: str):
    """The output of `kind` for `model`, a dense network or a graph written as equations."""
    if hasattr(model, "equations"):
        return GRAPH_KINDS[kind](model)
    return KINDS[kind][1](model)


def figure(model, suffix: str, extended: bool = False):
    """The figure in the format its file name asks for (.svg .pdf .dot .tex): the
    computational graph, or with `extended` the graph that computes H V."""
    graph = extended_graph_of(derive(model)) if extended else graph_of(build_tape(model))
    return draw_as(graph, suffix)


def draw_as(graph, suffix: str):
    """`graph` drawn in the format of the file name's suffix."""
    if suffix == ".svg":
        return svg(graph)
    if suffix == ".pdf":
        return pdf(graph)
    if suffix == ".dot":
        return dot_source(graph)
    if suffix == ".tex":
        placed, paths = tikz_layout(graph)
        return render("figure.tex.j2", placed=placed, paths=paths, groups=tikz_groups(graph))
    raise UsageError(
        f"graph: cannot write {suffix or 'a file without extension'!s}; "
        "expected a file name ending in .svg, .pdf, .dot or .tex"
    )
