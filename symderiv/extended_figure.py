"""The extended graph that computes H V, in three parts, in the order data flows.

Each box is an equation's result, with an edge from every quantity the equation reads. Drawn as
one graph, the forward variables, their tangents ℛ{·}, the adjoints and ℛ{·} of the adjoints
cross each other's edges dozens of times (39 crossings for one hidden layer, 174 for two), since
the backward equations read the forward variables and ℛ{·} of backward reads all three. So the
figure is three pictures: forward with its tangents, backward, ℛ{·} of backward; each later part
repeats, as inputs, the quantities it reads from the parts before.
"""

from __future__ import annotations

import sympy as sp

from .figure import SMALL, Graph, Node, drawable, html_label
from .hvp import tangent_lines
from .naming import symbol_names
from .ops import apply

MAX_EXTENDED_FIGURE_HIDDEN = 8

# The three parts: the roles of the quantities each computes, and its title.
PARTS = (
    (("value", "tangent"), "forward and its tangents ℛ{·}"),
    (("adjoint",), "backward"),
    (("adjoint_tangent",), "ℛ{·} of backward"),
)


def extended_parts(derivation) -> tuple:
    """The three parts of the extended graph (the loss, ℓ2 and J, which H V does not read, are
    left out): each a Graph of the equations it computes and the quantities they read."""
    tape = derivation.tape
    drawable(tape.model, MAX_EXTENDED_FIGURE_HIDDEN, "the extended graph")
    names = symbol_names(tape.variables)
    equations = [
        (step.out.symbol, apply(step, [a.symbol for a in step.args]))
        for step in tape.steps
        if step.out.kind == "hidden"
    ]
    equations += [(a.var.adjoint, a.closed) for a in derivation.adjoints if not a.is_constant]
    equations += [(line.symbol, line.expr) for line in tangent_lines(derivation)]
    nodes = {s: _extended_node(*found) for s, found in names.items()}
    return parts_of(tape.model.name, equations, nodes)


def parts_of(name: str, equations, nodes: dict) -> tuple:
    """The three parts of the extended graph of `equations` ((symbol, expression) in the order
    they run), each box a symbol's Node in `nodes` (a symbol without one is not drawn)."""
    order, edges = {}, []
    for target, expr in equations:
        reads = sorted((s for s in expr.atoms(sp.Symbol, sp.MatrixSymbol) if s in nodes), key=str)
        for s in reads:
            order.setdefault(s, len(order))
            edges.append((nodes[s].id, nodes[target].id))
        order.setdefault(target, len(order))
    listed = [nodes[s] for s in order]
    parts = []
    for k, (roles, title) in enumerate(PARTS, start=1):
        made = {n.id for n in listed if GROUP[n.kind] in roles}
        inward = [(a, b) for a, b in edges if b in made]
        shown = {node for edge in inward for node in edge}
        # listed from the last equation back, as graph_of lists the forward pass
        parts.append(
            Graph(
                f"{name} (extended, part {k}: {title})",
                tuple(n for n in reversed(listed) if n.id in shown),
                tuple(reversed(inward)),
            )
        )
    return tuple(parts)


def extended_graph_of(derivation) -> Graph:
    """The three parts as one graph, one box (cluster) each: node ids prefixed p1_, p2_, p3_."""
    return joined(derivation.tape.model.name, extended_parts(derivation))


def joined(name: str, parts) -> Graph:
    """The parts of an extended graph as one graph, one box (cluster) each."""
    nodes, edges, groups = [], [], []
    # dot stacks the boxes in the reverse of the order it meets them: part 1 on top
    for k, (part, (_, title)) in reversed(list(enumerate(zip(parts, PARTS), start=1))):
        if not part.nodes:  # a graph whose objective is its only forward equation
            continue
        prefix = f"p{k}_"
        nodes += [Node(prefix + n.id, n.kind, n.latex, n.html, n.small) for n in part.nodes]
        edges += [(prefix + a, prefix + b) for a, b in part.edges]
        groups.append((f"cluster_{k}", f"{k}. {title}", tuple(prefix + n.id for n in part.nodes)))
    return Graph(f"{name} (extended)", tuple(nodes), tuple(edges), tuple(groups))


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
    html, latex = html_label(var), var.latex
    if role == "value":
        return Node(
            _node_id(var, role), "parameter" if var.kind == "param" else "variable", latex, html
        )
    if role == "adjoint":
        return Node(
            _node_id(var, role), "adjoint", rf"\partial J / \partial {latex}", f"∂<I>J</I>/∂{html}"
        )
    if role == "tangent" and var.kind == "param":
        return Node(
            _node_id(var, role),
            "direction",
            rf"\mathbf{{V}}_{{{latex}}}",
            f'<B>V</B><SUB><FONT POINT-SIZE="{SMALL}">{html_label(var, nested=True)}</FONT></SUB>',
        )
    if role == "tangent":
        return Node(_node_id(var, role), "tangent", rf"\mathcal{{R}}\{{{latex}\}}", f"ℛ{{{html}}}")
    return Node(
        _node_id(var, role),
        "adjoint_tangent",
        rf"\mathcal{{R}}\{{\partial J / \partial {latex}\}}",
        f"ℛ{{∂<I>J</I>/∂{html}}}",
    )
