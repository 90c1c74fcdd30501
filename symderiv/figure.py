"""The computational graph of the forward pass: variables in squares, operators in circles.

Graphviz's dot lays the graph out (left to right, the input at the lower left); the figure is
then written three ways: dot's own SVG or PDF, and TikZ at dot's coordinates, so that the LaTeX
document typesets the labels in its own fonts and compiles without any file beside it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass

import sympy as sp

from .errors import UsageError
from .hvp import tangent_lines
from .layout import positions
from .naming import symbol_names
from .ops import OPS, apply
from .render import render
from .tape import Tape

OPERATOR_TEXT = {r"\times": "×", "+": "+", r"\phi": "φ", "l": "l", r"\ell_2": "ℓ<SUB>2</SUB>"}


@dataclass(frozen=True)
class Node:
    id: str
    kind: str  # "variable", "parameter", "operator"; in the extended graph also "adjoint",
    # "direction" (V_θ), "tangent" (R{v}) and "adjoint_tangent" (R{∂J/∂v})
    latex: str  # the label, LaTeX math
    html: str  # the label, Graphviz HTML-like text


@dataclass(frozen=True)
class Graph:
    name: str
    nodes: tuple
    edges: tuple  # of (tail id, head id)
    loose: tuple = ()  # the edges that must not pull their ends into line (parameter → ℓ2)
    groups: tuple = ()  # of (cluster id, label, node ids): boxes drawn around nodes
    positions: tuple = ()  # of (node id, "x,y" in points) when symderiv places the nodes


# Graphviz's layout time grows faster than the graph: these depths lay out in a few seconds.
MAX_FIGURE_HIDDEN = 64
MAX_EXTENDED_FIGURE_HIDDEN = 8
DOT_SECONDS = 60  # and no layout runs longer than this


def _drawable(model, limit: int, what: str) -> None:
    if model.depth > limit:
        raise UsageError(
            f"{what} of {model.depth} hidden layers is not drawn: a figure has at most {limit} "
            "(Graphviz's layout grows faster than the graph); for the equations alone use "
            "latex --fragment"
        )


def graph_of(tape: Tape) -> Graph:
    _drawable(tape.model, MAX_FIGURE_HIDDEN, "the computational graph")
    nodes, edges, loose = [], [], []

    def add(node):
        if node.id not in [n.id for n in nodes]:
            nodes.append(node)

    def variable(v):
        kind = "parameter" if v.kind == "param" else "variable"
        add(Node(v.name, kind, v.latex_batch if tape.batch else v.latex, _html(v)))  # X, Z, …
        return v.name

    for i, step in enumerate(tape.steps):
        circles = []
        for j, label in enumerate(OPS[step.op].figure):
            latex, text = label, OPERATOR_TEXT[label]
            if step.op == "activation":
                text, latex = step.fn.label
            circles.append(Node(f"op{i + 1}_{j + 1}", "operator", latex, text))
        for circle in circles:
            add(circle)
        for a, b in zip(circles, circles[1:]):
            edges.append((a.id, b.id))
        for k, arg in enumerate(step.args):
            # the affine op: W and v meet at ×, the bias joins at +
            target = circles[-1] if (step.op == "affine" and k == 2) else circles[0]
            edges.append((variable(arg), target.id))
            if step.op == "weight_decay" and tape.model.depth > 1:
                # With one hidden layer these edges are short and give the section's layout;
                # deeper, they would pull every W to the middle of the figure.
                loose.append(edges[-1])
        edges.append((circles[-1].id, variable(step.out)))
    placed = positions(tape)
    if placed is None or any(n.id not in placed for n in nodes):
        placed = {}  # dot lays it out
    # dot stacks the nodes of a column in the order it meets them: listing the graph from the
    # objective back to the input puts J's row on top and the input at the lower left.
    return Graph(
        tape.model.name,
        tuple(reversed(nodes)),
        tuple(reversed(edges)),
        tuple(loose),
        positions=tuple(
            (n.id, f"{placed[n.id][0]:g},{placed[n.id][1]:g}") for n in (nodes if placed else ())
        ),
    )


# The extended graph's four groups, by the role of their quantities, and their captions.
ROLES = {
    "value": "forward",
    "adjoint": "backward",
    "tangent": "R{·} of forward",
    "adjoint_tangent": "R{·} of backward",
}


def extended_graph_of(derivation) -> Graph:
    """The extended graph that computes H V: the forward variables, the adjoints, and R{·} of
    both, each an equation's result, with an edge from every quantity the equation reads (the
    loss, ℓ2 and J, which H V does not read, are left out). Four groups, one per role."""
    tape = derivation.tape
    _drawable(tape.model, MAX_EXTENDED_FIGURE_HIDDEN, "the extended graph")
    names = symbol_names(tape.variables)
    equations = [
        (step.out.symbol, apply(step, [a.symbol for a in step.args]))
        for step in tape.steps
        if step.out.kind == "hidden"
    ]
    equations += [(a.var.adjoint, a.closed) for a in derivation.adjoints if not a.is_constant]
    equations += [(line.symbol, line.expr) for line in tangent_lines(derivation)]
    order, edges = {}, []
    for target, expr in equations:
        reads = sorted((s for s in expr.atoms(sp.Symbol, sp.MatrixSymbol) if s in names), key=str)
        for s in reads:
            order.setdefault(s, len(order))
            edges.append((_node_id(*names[s]), _node_id(*names[target])))
        order.setdefault(target, len(order))
    nodes = [_extended_node(*names[s]) for s in order]
    groups = tuple(
        (f"cluster_{role}", label, tuple(n.id for n in nodes if GROUP[n.kind] == role))
        for role, label in ROLES.items()
    )
    name = f"{tape.model.name} (extended)"
    return Graph(name, tuple(reversed(nodes)), tuple(reversed(edges)), (), groups)


_PREFIX = {"value": "", "adjoint": "d", "tangent": "r", "adjoint_tangent": "rd"}


def _node_id(var, role) -> str:
    return _PREFIX[role] + var.name


# Which group each kind of node of the extended graph belongs to.
GROUP = {
    "variable": "value",
    "parameter": "value",
    "adjoint": "adjoint",
    "direction": "tangent",
    "tangent": "tangent",
    "adjoint_tangent": "adjoint_tangent",
}


def _extended_node(var, role) -> Node:
    html, latex = _html(var), var.latex
    if role == "value":
        return Node(
            _node_id(var, role), "parameter" if var.kind == "param" else "variable", latex, html
        )
    if role == "adjoint":
        return Node(
            _node_id(var, role), "adjoint", rf"\partial J / \partial {latex}", f"∂J/∂{html}"
        )
    if role == "tangent" and var.kind == "param":
        return Node(
            _node_id(var, role),
            "direction",
            rf"\mathbf{{V}}_{{{latex}}}",
            f"V<SUB>{_html(var, nested=True)}</SUB>",
        )
    if role == "tangent":
        return Node(_node_id(var, role), "tangent", rf"\mathcal{{R}}\{{{latex}\}}", f"R{{{html}}}")
    return Node(
        _node_id(var, role),
        "adjoint_tangent",
        rf"\mathcal{{R}}\{{\partial J / \partial {latex}\}}",
        f"R{{∂J/∂{html}}}",
    )


_SUPERSCRIPT = str.maketrans("0123456789()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾")


def _html(v, nested: bool = False) -> str:
    """The label of v in Graphviz's HTML-like labels: W<SUP>(1)</SUP>, or inside a subscript
    (`nested`) W⁽¹⁾, since Graphviz writes a superscript within a subscript as an SVG element
    with two baseline-shift attributes, which is not XML."""
    base, layer = v.base_and_layer
    text = base if v.is_scalar else f"<B>{base}</B>"
    if not layer:
        return text
    return text + (f"({layer})".translate(_SUPERSCRIPT) if nested else f"<SUP>({layer})</SUP>")


# How dot draws each kind of node (the TikZ styles in figure.tex.j2 match these fills).
STYLES = {
    "operator": 'shape=circle, style=filled, fillcolor="#cfe2f3"',
    "parameter": 'shape=square, style=filled, fillcolor="#6fa8dc"',
    "variable": "shape=square",
    "adjoint": 'shape=box, style=filled, fillcolor="#f9cb9c"',
    "direction": 'shape=box, style=filled, fillcolor="#d9ead3"',
    "tangent": 'shape=box, style=filled, fillcolor="#b6d7a8"',
    "adjoint_tangent": 'shape=box, style=filled, fillcolor="#93c47d"',
}


def dot_source(graph: Graph) -> str:
    return render("graph.dot.j2", graph=graph, styles=STYLES, pos=dict(graph.positions))


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
    """dot's PDF, with its creation date and producer blanked (same lengths, so the
    cross-reference offsets stay right): the same graph always gives the same bytes."""
    data = draw(graph, "pdf")
    data = re.sub(rb"/CreationDate \(D:\d{14}", b"/CreationDate (D:19700101000000", data)
    return re.sub(
        rb"/Producer \(((?:[^()]|\([^()]*\))*)\)",
        lambda m: b"/Producer (" + b" " * len(m[1]) + b")",
        data,
    )


@dataclass(frozen=True)
class Placed:
    node: Node
    name: str  # TikZ node name, with its parentheses: (W1)
    position: str  # TikZ coordinate: (0.275in, 1.250in)


def tikz_layout(graph: Graph):
    """Node positions and edge paths (TikZ syntax, in inches; each path with its head and the
    edge it draws, tail -> head) from dot's plain output."""
    by_id = {n.id: n for n in graph.nodes}
    placed, paths = [], []
    for line in draw(graph, "plain").decode().splitlines():
        fields = line.split()
        if fields[0] == "node":
            placed.append(Placed(by_id[fields[1]], f"({fields[1]})", _point(fields[2], fields[3])))
        elif fields[0] == "edge":
            tail, head, count = fields[1], fields[2], int(fields[3])
            points = [_point(fields[4 + 2 * k], fields[5 + 2 * k]) for k in range(count)]
            path = points[0]
            for k in range(1, count - 1, 3):
                path += f" .. controls {points[k]} and {points[k + 1]} .. {points[k + 2]}"
            paths.append((path, f"({head})", f"{tail} -> {head}"))
    order = {n.id: i for i, n in enumerate(graph.nodes)}
    placed.sort(key=lambda p: order[p.node.id])
    return placed, paths


def tikz_groups(graph: Graph, labels: dict | None = None) -> tuple:
    """(label, the TikZ names of its nodes) for each group, for a box fitted around them; the
    labels are `labels[role]` (LaTeX) when given, else the graph's own, in English."""
    return tuple(
        (
            labels[group.removeprefix("cluster_")]
            if labels
            else label.replace("R{·}", r"$\mathcal{R}\{\cdot\}$"),
            " ".join(f"({m})" for m in members),
        )
        for group, label, members in graph.groups
    )


def _point(x: str, y: str) -> str:
    return f"({float(x):.3f}in, {float(y):.3f}in)"
