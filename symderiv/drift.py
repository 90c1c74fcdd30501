"""What `symderiv check` calls drift: a committed output that no longer says what symderiv
would write now.

A dense network's figure is placed by symderiv, but Graphviz still draws it (its fonts, its
SVG and PDF writers), and any other graph is laid out by the Graphviz on the machine: another
Graphviz (Debian's 2.42 against a 12.x) places every node and bends every edge a little
differently. So an SVG is compared as its XML with the geometry left out (positions, sizes,
paths, transforms), a LaTeX document with the numbers of its TikZ picture left out (where each
node sits, the size dot gave it, the curve of each edge), and a PDF figure by the fingerprint
of the graph it draws, which symderiv writes in its Producer field; a web page byte for byte
but for the SVG inside it. A node, an edge, a label or a style that changed is still drift; a
moved coordinate is not. Every other output is compared byte for byte.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from .figure import pdf_fingerprint

# The attributes of Graphviz's SVG that hold the layout's geometry, and nothing else.
GEOMETRY = frozenset(
    {"x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "rx", "ry", "width", "height"}
    | {"viewBox", "points", "d", "transform"}
)
_NODE_AT = re.compile(r"^(\\node\[[^\]]*\] \([^)]*\)) at \([^)]*\)")
_NODE_SIZE = re.compile(r", minimum width=[\d.]+in, minimum height=[\d.]+in")
_DRAW = re.compile(r"^\\draw\[->\] .* -- (\([^)]*\);.*)$")


def same(kind: str, have: bytes, want: bytes) -> bool:
    """Whether the committed bytes `have` say what `want` says, for an output of `kind`."""
    if have == want:
        return True
    if kind in ("svg", "hvp-svg"):
        return _svg_structure(have) == _svg_structure(want)
    if kind.startswith("tex"):
        return _tex_structure(have) == _tex_structure(want)
    if kind.startswith("html"):  # the page around its figure byte for byte, the figure as an SVG
        return _split_page(have) == _split_page(want)
    if kind == "pdf":
        return pdf_fingerprint(have) == pdf_fingerprint(want) is not None
    return False


def _svg_structure(data: bytes):
    try:
        root = ET.fromstring(data)
    except ET.ParseError:
        return None  # not XML: never the same as what symderiv writes
    return [
        (
            element.tag,
            sorted((k, v) for k, v in element.attrib.items() if k not in GEOMETRY),
            (element.text or "").strip(),
        )
        for element in root.iter()
    ]


def _tex_structure(data: bytes) -> list[str]:
    lines = data.decode(errors="replace").splitlines()
    return [
        _DRAW.sub(r"\\draw[->] · -- \1", _NODE_AT.sub(r"\1 at ·", _NODE_SIZE.sub("", line)))
        for line in lines
    ]


def _split_page(data: bytes):
    """A web page as (its text before the figure, the figure's structure, its text after)."""
    start, end = data.find(b"<svg"), data.find(b"</svg>")
    if start < 0 or end < 0:
        return data, None, b""
    end += len(b"</svg>")
    return data[:start], _svg_structure(data[start:end]), data[end:]
