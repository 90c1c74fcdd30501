"""The computational graph: the section's nodes and edges, and its layout."""

import shutil

from symderiv import Model
from symderiv.figure import graph_of, svg, tikz_layout
from symderiv.tape import build_tape

LABELS = {"op1_1": "×1", "op2_1": "φ", "op3_1": "×2", "op4_1": "l", "op5_1": "ℓ2", "op6_1": "+"}
SECTION_EDGES = {
    ("x", "×1"),
    ("W1", "×1"),
    ("×1", "z"),
    ("z", "φ"),
    ("φ", "h"),
    ("h", "×2"),
    ("W2", "×2"),
    ("×2", "o"),
    ("o", "l"),
    ("y", "l"),
    ("l", "L"),
    ("L", "+"),
    ("W1", "ℓ2"),
    ("W2", "ℓ2"),
    ("ℓ2", "s"),
    ("s", "+"),
    ("+", "J"),
}


def test_seed_graph_is_the_sections():
    graph = graph_of(build_tape(Model()))
    variables = {n.id for n in graph.nodes if n.kind != "operator"}
    assert variables == {"x", "z", "h", "o", "y", "L", "s", "J", "W1", "W2"}
    assert {n.id for n in graph.nodes if n.kind == "parameter"} == {"W1", "W2"}
    assert sum(n.kind == "operator" for n in graph.nodes) == 6
    assert len(graph.edges) == 17
    assert {(LABELS.get(a, a), LABELS.get(b, b)) for a, b in graph.edges} == SECTION_EDGES


def test_bias_joins_through_an_addition_before_z():
    graph = graph_of(build_tape(Model(bias="hidden")))
    assert ("b1", "op1_2") in graph.edges and ("op1_1", "op1_2") in graph.edges
    assert ("op1_2", "z") in graph.edges
    assert not any(a == "b1" and b.startswith("op5") for a, b in graph.edges)  # not regularized


def test_input_lower_left_objective_upper_right():
    assert shutil.which("dot"), "Graphviz's dot is required"
    placed, paths = tikz_layout(graph_of(build_tape(Model())))
    where = {
        p.node.id: tuple(float(v.strip(" in")) for v in p.position.strip("()").split(","))
        for p in placed
    }
    (x_x, x_y), (j_x, j_y) = where["x"], where["J"]
    assert x_x == min(x for x, _ in where.values())  # leftmost
    assert j_x == max(x for x, _ in where.values())  # rightmost
    assert x_y < j_y
    assert len(paths) == 17


def test_svg_has_every_node():
    text = svg(graph_of(build_tape(Model())))
    assert text.startswith("<?xml") and text.count('class="node"') == 16
