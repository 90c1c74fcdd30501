"""What `symderiv check` calls drift: a committed output that no longer says what symderiv
would write now.

Figures are laid out by the Graphviz on the machine, and another Graphviz (Debian's 2.42
against a 12.x) places every node and bends every edge a little differently. So an SVG is
compared as its XML with the layout's geometry left out (positions, sizes, paths, transforms),
and a LaTeX document with the numbers of its TikZ picture left out (where each node sits, the
curve of each edge): a node, an edge, a label or a style that changed is still drift, a moved
coordinate is not. Every other output is compared byte for byte.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

# The attributes of Graphviz's SVG that hold the layout's geometry, and nothing else.
GEOMETRY = frozenset(
    {"x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "rx", "ry", "width", "height"}
    | {"viewBox", "points", "d", "transform"}
)
_NODE_AT = re.compile(r"^(\\node\[[^\]]*\] \([^)]*\)) at \([^)]*\)")
_DRAW = re.compile(r"^\\draw\[->\] .* -- (\([^)]*\);.*)$")


def same(kind: str, have: bytes, want: bytes) -> bool:
    """Whether the committed bytes `have` say what `want` says, for an output of `kind`."""
    if have == want:
        return True
    if kind in ("svg", "hvp-svg"):
        return _svg_structure(have) == _svg_structure(want)
    if kind.startswith("tex"):
        return _tex_structure(have) == _tex_structure(want)
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
    return [_DRAW.sub(r"\\draw[->] · -- \1", _NODE_AT.sub(r"\1 at ·", line)) for line in lines]
