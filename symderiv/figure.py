"""The computational graph of the forward pass: variables in squares, operators in circles.

A dense network is placed by `layout` (the section's drawing, the same on every machine); any
other graph is laid out by Graphviz's dot. The figure is then written three ways: Graphviz's
SVG or PDF, and TikZ at the same coordinates, so that the LaTeX document typesets the labels
in its own fonts and compiles without any file beside it.
"""

from __future__ import annotations

import hashlib
import math
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass, replace

from .errors import UsageError
from .layout import edge_path, layout
from .render import render
from .tape import Tape

# Labels in the SVG follow the LaTeX: scalars and Greek letters italic, vectors and matrices
# bold upright, indices smaller, in a serif font (dot's Times-Roman: "Times, serif").
SMALL = 9  # points: the size of an index, and of an operator's name of five letters or more
OPERATOR_TEXT = {
    r"\times": "×",
    "+": "+",
    r"\phi": "<I>φ</I>",
    "l": "<I>l</I>",
    r"\ell_2": f'ℓ<SUB><FONT POINT-SIZE="{SMALL}">2</FONT></SUB>',
}


@dataclass(frozen=True)
class Node:
    id: str
    kind: str  # "variable", "parameter", "operator"; in the extended graph also "adjoint",
    # "direction" (V_θ), "tangent" (R{v}) and "adjoint_tangent" (R{∂J/∂v})
    latex: str  # the label, LaTeX math
    html: str  # the label, Graphviz HTML-like text
    small: bool = False  # a long name, set smaller to fit its circle


@dataclass(frozen=True)
class Graph:
    name: str
    nodes: tuple
    edges: tuple  # of (tail id, head id)
    groups: tuple = ()  # of (cluster id, label, node ids): boxes drawn around nodes
    positions: tuple = ()  # of (node id, (x, y) in points) when symderiv places the nodes
    paths: tuple = ()  # and then of ((tail, head), the points its edge runs through)


# Graphviz's layout time grows faster than the graph: these depths lay out in a few seconds.
MAX_FIGURE_HIDDEN = 64
DOT_SECONDS = 60  # and no layout runs longer than this


# The operator circles of each step, in LaTeX, in the order data flows through them.
CIRCLES = {
    "matmul": (r"\times",),
    "affine": (r"\times", "+"),
    "activation": (r"\phi",),
    "loss": ("l",),
    "weight_decay": (r"\ell_2",),
    "objective": ("+",),
}


def drawable(model, limit: int, what: str) -> None:
    if model.depth > limit:
        raise UsageError(
            f"{what} of {model.depth} hidden layers is not drawn: a figure has at most {limit} "
            "(Graphviz's layout grows faster than the graph); for the equations alone use "
            "latex --fragment"
        )


def graph_of(tape: Tape) -> Graph:
    drawable(tape.model, MAX_FIGURE_HIDDEN, "the computational graph")
    nodes, edges = [], []

    def add(node):
        if node.id not in [n.id for n in nodes]:
            nodes.append(node)

    def variable(v):
        kind = "parameter" if v.kind == "param" else "variable"
        add(Node(v.name, kind, v.latex_batch if tape.batch else v.latex, html_label(v)))  # X, Z, …
        return v.name

    for i, step in enumerate(tape.steps):
        circles = []
        for j, label in enumerate(CIRCLES[step.op]):
            latex, text, small = label, OPERATOR_TEXT[label], False
            if step.op == "activation":
                text, latex = step.fn.label
                text, small = _operator_name(text), len(text) > 4
            circles.append(Node(f"op{i + 1}_{j + 1}", "operator", latex, text, small))
        for circle in circles:
            add(circle)
        for a, b in zip(circles, circles[1:]):
            edges.append((a.id, b.id))
        for k, arg in enumerate(step.args):
            # the affine op: W and v meet at ×, the bias joins at +
            target = circles[-1] if (step.op == "affine" and k == 2) else circles[0]
            edges.append((variable(arg), target.id))
        edges.append((circles[-1].id, variable(step.out)))
    # dot stacks the nodes of a column in the order it meets them: listing the graph from the
    # objective back to the input puts J's row on top and the input at the lower left.
    graph = Graph(tape.model.name, tuple(reversed(nodes)), tuple(reversed(edges)))
    placed = layout(tape)
    if placed is None or any(n.id not in placed.at for n in nodes):
        return graph  # dot lays it out
    round_ = {n.id: n.kind == "operator" for n in nodes}
    return replace(
        graph,
        positions=tuple((n.id, placed.at[n.id]) for n in graph.nodes),
        paths=tuple(
            (
                (a, b),
                edge_path(
                    placed.at[a], placed.at[b], placed.bends.get((a, b), ()), round_[a], round_[b]
                ),
            )
            for a, b in graph.edges
        ),
    )


def _operator_name(text: str) -> str:
    """An activation's name in its circle: a Greek letter italic (as TeX sets it), a long name
    smaller."""
    if len(text) == 1:
        return f"<I>{text}</I>"
    return f'<FONT POINT-SIZE="{SMALL}">{text}</FONT>' if len(text) > 4 else text


_SUPERSCRIPT = str.maketrans("0123456789()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾")


def html_label(v, nested: bool = False) -> str:
    """The label of v in Graphviz's HTML-like labels: W<SUP>(1)</SUP>, or inside a subscript
    (`nested`) W⁽¹⁾, since Graphviz writes a superscript within a subscript as an SVG element
    with two baseline-shift attributes, which is not XML."""
    base, layer = v.base_and_layer
    text = f"<I>{base}</I>" if v.is_scalar else f"<B>{base}</B>"
    if not layer:
        return text
    if nested:
        return text + f"({layer})".translate(_SUPERSCRIPT)
    return text + f'<SUP><FONT POINT-SIZE="{SMALL}">({layer})</FONT></SUP>'


# How dot draws each kind of node (the TikZ styles in figure.tex.j2 match these fills).
ROUND = "shape=circle, width=0.5, fixedsize=true"  # 36 points across, as layout.CIRCLE
SQUARE = "shape=square, width=0.444, height=0.444, fixedsize=true"  # 32 points, layout.SQUARE
STYLES = {
    "operator": f'{ROUND}, style=filled, fillcolor="#cfe2f3"',
    "parameter": f'{SQUARE}, style=filled, fillcolor="#6fa8dc"',
    "variable": SQUARE,
    "adjoint": 'shape=box, style=filled, fillcolor="#f9cb9c"',
    "direction": 'shape=box, style=filled, fillcolor="#d9ead3"',
    "tangent": 'shape=box, style=filled, fillcolor="#b6d7a8"',
    "adjoint_tangent": 'shape=box, style=filled, fillcolor="#93c47d"',
}


ARROW = 6.0  # points: the length of dot's arrowhead at arrowsize 0.6


def dot_source(graph: Graph) -> str:
    return render(
        "graph.dot.j2",
        graph=graph,
        styles=STYLES,
        heights=tall_nodes(graph),
        pos={node: f"{x:g},{y:g}" for node, (x, y) in graph.positions},
        splines={edge: _spline(points) for edge, points in graph.paths},
    )


def tall_nodes(graph: Graph) -> dict:
    """{node id: height in inches} for the nodes dot lays out that read three quantities or
    more: 0.2 in taller per edge beyond two, so that the arrowheads land apart on the side."""
    if graph.positions:
        return {}
    count = Counter(head for _, head in graph.edges)
    return {node: round(0.5 + 0.2 * (k - 2), 2) for node, k in sorted(count.items()) if k > 2}


def _spline(points) -> str:
    """An edge's pos for dot: straight Bézier pieces through `points`, the last one ending an
    arrowhead's length short of the tip, which is given apart ("e,x,y")."""
    (x1, y1), (x2, y2) = points[-2], points[-1]
    length = math.hypot(x2 - x1, y2 - y1)
    end = (x2 - (x2 - x1) / length * ARROW, y2 - (y2 - y1) / length * ARROW)
    way = [*points[:-1], end]
    pieces = [way[0]]
    for a, b in zip(way, way[1:]):
        pieces += [a, b, b]
    return f"e,{_pt(points[-1])} " + " ".join(_pt(p) for p in pieces)


def _pt(point) -> str:
    return f"{point[0]:.2f},{point[1]:.2f}"


def draw(graph: Graph, fmt: str) -> bytes:
    """The graph drawn by Graphviz in format `fmt` (svg, pdf, plain): laid out by dot, or, when
    symderiv placed its nodes, by neato keeping those places (-n2)."""
    return run_dot(dot_source(graph), fmt, ["-Kneato", "-n2"] if graph.positions else [])


def run_dot(source: str, fmt: str, layout: list = ()) -> bytes:
    """Graphviz's dot on `source`, with the `layout` flags, output in format `fmt`."""
    dot = shutil.which("dot")
    if dot is None:
        raise UsageError(
            "figures need Graphviz's 'dot' on PATH (Debian: apt-get install graphviz)"
        )
    try:
        done = subprocess.run(
            [dot, *layout, f"-T{fmt}"],
            input=source.encode(),
            capture_output=True,
            check=False,
            timeout=DOT_SECONDS,
        )
    except subprocess.TimeoutExpired:
        raise UsageError(
            f"Graphviz's dot took longer than {DOT_SECONDS} s to lay out the figure"
        ) from None
    if done.returncode != 0:
        raise RuntimeError(f"dot failed: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout


def svg(graph: Graph) -> str:
    text = draw(graph, "svg").decode()
    # dot stamps its version into a comment (of one or two lines, by version); outputs must not
    # depend on the machine
    return re.sub(r"<!-- Generated by .*?-->\n", "", text, count=1, flags=re.DOTALL)


def pdf(graph: Graph) -> bytes:
    """dot's PDF, with its creation date blanked and its producer replaced by the graph's
    fingerprint (`pdf_fingerprint`), both at their lengths, so the cross-reference offsets stay
    right: the same graph always gives the same bytes on one machine, and the same fingerprint
    on every machine."""
    data = draw(graph, "pdf")
    data = re.sub(rb"/CreationDate \(D:\d{14}", b"/CreationDate (D:19700101000000", data)
    tag = f"graph {hashlib.sha256(dot_source(graph).encode()).hexdigest()[:32]}".encode()
    return _PRODUCER.sub(
        lambda m: b"/Producer (" + (tag if len(tag) <= len(m[1]) else b"").ljust(len(m[1])) + b")",
        data,
        count=1,
    )


_PRODUCER = re.compile(rb"/Producer \(((?:[^()]|\([^()]*\))*)\)")


def pdf_fingerprint(data: bytes) -> bytes | None:
    """The fingerprint of the graph a PDF of `pdf` draws: a digest of the Graphviz source
    symderiv wrote for it, which holds every node, edge, label and style (and the places
    symderiv gave them) but nothing of how that machine's Graphviz drew it."""
    found = _PRODUCER.search(data)
    tag = found[1].strip() if found else b""
    return tag if tag.startswith(b"graph ") else None


@dataclass(frozen=True)
class Placed:
    node: Node
    name: str  # TikZ node name, with its parentheses: (W1)
    position: str  # TikZ coordinate: (0.275in, 1.250in)
    size: str = ""  # "W,H" in inches: the size dot gave the node, when dot laid it out


def tikz_layout(graph: Graph):
    """Node positions and edge paths (TikZ syntax, in inches; each path with its head and the
    edge it draws, tail -> head): symderiv's when it placed the nodes, else from dot's plain
    output."""
    by_id = {n.id: n for n in graph.nodes}
    if graph.positions:
        placed = [
            Placed(by_id[n], f"({n})", _point(x / 72, y / 72)) for n, (x, y) in graph.positions
        ]
        paths = [
            (
                " -- ".join(_point(x / 72, y / 72) for x, y in points[:-1]),
                _point(points[-1][0] / 72, points[-1][1] / 72),
                f"{tail} -> {head}",
            )
            for (tail, head), points in graph.paths
        ]
        return placed, paths
    placed, paths = [], []
    for line in draw(graph, "plain").decode().splitlines():
        fields = line.split()
        if fields[0] == "node":
            node, x, y, width, height = fields[1:6]
            size = f"{float(width):.3f},{float(height):.3f}"
            placed.append(Placed(by_id[node], f"({node})", _point(x, y), size))
        elif fields[0] == "edge":
            tail, head, count = fields[1], fields[2], int(fields[3])
            points = [_point(fields[4 + 2 * k], fields[5 + 2 * k]) for k in range(count)]
            path = f"({tail})"  # from the tail's border as TikZ draws it
            for k in range(1, count - 1, 3):
                path += f" .. controls {points[k]} and {points[k + 1]} .. {points[k + 2]}"
            paths.append((path, f"({head})", f"{tail} -> {head}"))
    order = {n.id: i for i, n in enumerate(graph.nodes)}
    placed.sort(key=lambda p: order[p.node.id])
    return placed, paths


def tikz_groups(graph: Graph) -> tuple:
    """(label, the TikZ names of its nodes) for each group, for a box fitted around them."""
    return tuple(
        (label.replace("ℛ{·}", r"$\mathcal{R}\{\cdot\}$"), " ".join(f"({m})" for m in members))
        for _, label, members in graph.groups
    )


def _point(x: str, y: str) -> str:
    return f"({float(x):.3f}in, {float(y):.3f}in)"
