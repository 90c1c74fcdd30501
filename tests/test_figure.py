"""The computational graph: the section's nodes and edges, and its layout."""

import shutil

from helpers import run

from symderiv import Model, derive
from symderiv.figure import extended_graph_of, graph_of, svg, tikz_layout
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


def test_extended_graph_has_every_equation_of_hvp():
    model = Model(activation="tanh", loss="softmax_cross_entropy", bias="hidden")
    graph = extended_graph_of(derive(model))
    groups = {label: set(members) for _, label, members in graph.groups}
    assert groups == {
        "forward": {"x", "y", "z", "h", "o", "W1", "b1", "W2"},
        "backward": {"do", "dW2", "dh", "dz", "dW1", "db1"},
        "R{·} of forward": {"rW1", "rb1", "rW2", "rz", "rh", "ro"},
        "R{·} of backward": {"rdo", "rdW2", "rdh", "rdz", "rdW1", "rdb1"},
    }
    kinds = {n.id: n.kind for n in graph.nodes}
    assert kinds["rW1"] == "direction" and kinds["rdW1"] == "adjoint_tangent"
    edges = set(graph.edges)
    # R{h} = φ′(z) ⊙ R{z}; R{∂J/∂z} = R{∂J/∂h} ⊙ φ′(z) + ∂J/∂h ⊙ φ″(z) ⊙ R{z}
    assert {(a, b) for a, b in edges if b == "rh"} == {("z", "rh"), ("rz", "rh")}
    assert {(a, b) for a, b in edges if b == "rdz"} == {
        ("rdh", "rdz"),
        ("dh", "rdz"),
        ("z", "rdz"),
        ("rz", "rdz"),
    }
    assert {a for a, b in edges if b == "ro"} == {"rW2", "h", "W2", "rh"}
    assert {a for a, b in edges if b == "rdW1"} == {"rdz", "x", "rW1"}
    assert len(edges) == len(graph.edges)  # no edge twice


def test_extended_graph_command(tmp_path):
    out = tmp_path / "x.svg"
    flags = ["--activation", "relu", "--loss", "squared", "--hidden", "2"]
    assert run("graph", "--hvp", *flags, "-o", out).returncode == 0
    text = out.read_text()
    assert "R{∂J/∂<tspan" in text or "R{∂J/∂" in text
    again = tmp_path / "y.svg"
    run("graph", "--hvp", *flags, "-o", again)
    assert again.read_bytes() == out.read_bytes()
    done = run("graph", "--hvp", "-o", tmp_path / "z.svg")  # the generic loss l
    assert done.returncode == 2 and "loss 'l' is symbolic" in done.stderr
    assert not (tmp_path / "z.svg").exists()
