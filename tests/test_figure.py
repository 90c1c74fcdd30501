"""The computational graph: the section's nodes and edges, and its layout."""

import shutil
import xml.dom.minidom
from xml.etree import ElementTree

import pytest
from helpers import ROOT, run

from symderiv import Model, derive
from symderiv.figure import draw, extended_graph_of, graph_of, svg, tikz_layout
from symderiv.outputs import figure
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


def _segments_cross(p, q, r, s) -> bool:
    """Whether the segments pq and rs cross at a point inside both (sharing an end is not)."""

    def side(a, b, c):
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])

    if {p, q} & {r, s}:
        return False
    return side(p, q, r) * side(p, q, s) < 0 and side(r, s, p) * side(r, s, q) < 0


@pytest.mark.parametrize(
    "model",
    [Model(), Model(bias="hidden"), Model(bias="all"), Model(weight_decay=False)],
    ids=["seed", "hidden bias", "all biases", "no decay"],
)
def test_the_figure_is_laid_out_as_the_section_draws_it(model):
    """Input lowest and leftmost, J highest and rightmost, each parameter above the operator it
    feeds, y below l, ℓ2 above the chain, straight edges that cross neither each other nor a
    node, one arrowhead per edge; from the layout Graphviz returns (plain output)."""
    graph = graph_of(build_tape(model))
    at = {}
    for line in draw(graph, "plain").decode().splitlines():
        fields = line.split()
        if fields[0] == "node":
            at[fields[1]] = (float(fields[2]), float(fields[3]))
    xs, ys = [x for x, _ in at.values()], [y for _, y in at.values()]
    assert at["x"][0] == min(xs) and at["x"][1] == min(ys)
    assert at["J"][0] == max(xs) and at["J"][1] == max(ys)
    ops = {n.html: n.id for n in graph.nodes if n.kind == "operator"}
    for tail, head in graph.edges:
        if tail[0] in "Wb" and head.startswith("op") and at[head][1] < at[tail][1]:
            assert at[head][0] == at[tail][0]  # a parameter directly above what it feeds
    loss_op = ops["l"]
    assert at["y"][0] == at[loss_op][0] and at["y"][1] < at[loss_op][1]
    chain = [at[v] for v in ("z", "h", "o")]
    if model.weight_decay:
        assert at[ops["ℓ<SUB>2</SUB>"]][1] > max(y for n, (_, y) in at.items() if n[0] in "Wb")
    segments = [(at[a], at[b]) for a, b in graph.edges]
    for i, (p, q) in enumerate(segments):
        for r, s in segments[i + 1 :]:
            assert not _segments_cross(p, q, r, s), (p, q, r, s)
        for node, c in at.items():  # no edge passes within a node's half-width of another
            if c in (p, q):
                continue
            (x1, y1), (x2, y2) = p, q
            t = ((c[0] - x1) * (x2 - x1) + (c[1] - y1) * (y2 - y1)) / (
                (x2 - x1) ** 2 + (y2 - y1) ** 2
            )
            if 0 < t < 1:
                near = (x1 + t * (x2 - x1) - c[0]) ** 2 + (y1 + t * (y2 - y1) - c[1]) ** 2
                assert near > 0.25**2, (node, p, q)
    assert all(y == chain[0][1] for _, y in chain)  # the chain is one row
    ns = {"svg": "http://www.w3.org/2000/svg"}
    edges = ElementTree.fromstring(svg(graph)).findall(".//svg:g[@class='edge']", ns)
    assert len(edges) == len(graph.edges)
    assert all(len(edge.findall("svg:polygon", ns)) == 1 for edge in edges)  # one arrowhead


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


SVG_CASES = [  # (model, extended graph)
    (Model(), False),
    (Model(activation="tanh", loss="softmax_cross_entropy", bias="all", hidden=2), False),
    (Model(activation="tanh", loss="softmax_cross_entropy", bias="all", hidden=2), True),
    (Model(activation="t*tanh(softplus(t))", loss="sigmoid_cross_entropy", bias="hidden"), True),
]


@pytest.mark.parametrize("model, extended", SVG_CASES, ids=lambda v: str(getattr(v, "hidden", v)))
def test_every_svg_is_xml(model, extended):
    text = figure(model, ".svg", extended=extended)
    xml.dom.minidom.parseString(text.encode())  # no stray comment end, no duplicate attribute
    assert "Generated by" not in text


@pytest.mark.parametrize("path", sorted((ROOT / "generated").glob("*.svg")), ids=lambda p: p.name)
def test_every_committed_svg_is_xml(path):
    xml.dom.minidom.parse(str(path))
