"""The computational graph: the section's nodes and edges, and its layout."""

import shutil
import struct
import subprocess
import xml.dom.minidom
from xml.etree import ElementTree

import pytest
from geometry import closest_heads, crossings, drawn, through_nodes
from helpers import ROOT, run

from symderiv import Model, derive
from symderiv.extended_figure import extended_graph_of, extended_parts
from symderiv.figure import graph_of, svg, tikz_layout
from symderiv.naming import layer_name
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


LAYOUT_CASES = [
    Model(),
    Model(bias="hidden"),
    Model(bias="all"),
    Model(weight_decay=False),
    Model(activation="relu", loss="softmax_cross_entropy", hidden=3, bias="all"),
    Model(activation="softplus", loss="squared", hidden=2, bias="hidden"),
    Model(activation="tanh", hidden=4, weight_decay=False),
]


@pytest.mark.parametrize(
    "model", LAYOUT_CASES, ids=["seed", "hidden bias", "all biases", "no decay", "3", "2", "4"]
)
def test_the_figure_is_laid_out_as_the_section_draws_it(model):
    """Input lowest and leftmost, J highest and rightmost, each parameter above the operator it
    feeds, y below l, ℓ2 above the parameters, edges that cross neither each other nor pass
    within 8 points of a node, one arrowhead per edge; deeper networks folded one layer to a
    row, rising; from the figure as Graphviz draws it (plain output)."""
    graph = graph_of(build_tape(model))
    nodes, edges = drawn(graph)
    at = {name: (x, y) for name, (x, y, *_) in nodes.items()}
    xs, ys = [x for x, _ in at.values()], [y for _, y in at.values()]
    assert at["x"][0] == min(xs) and at["x"][1] == min(ys)
    assert at["J"][0] == max(xs) and at["J"][1] == max(ys)
    ops = {n.html: n.id for n in graph.nodes if n.kind == "operator"}
    for tail, head in graph.edges:
        if tail[0] in "Wb" and head.startswith("op") and head != ops.get(DECAY):
            assert at[head][0] == at[tail][0] and at[head][1] < at[tail][1]  # right above
    assert at["y"][0] == at[ops["<I>l</I>"]][0] and at["y"][1] < at[ops["<I>l</I>"]][1]
    if model.weight_decay:
        assert at[ops[DECAY]][1] > max(y for n, (_, y) in at.items() if n[0] in "Wb")
    assert crossings(edges) == 0
    assert through_nodes(nodes, edges, margin=-8 / 72) == []
    rows = [at[layer_name("z", k, model.depth)][1] for k in range(1, model.depth + 1)]
    rows.append(at["o"][1])
    for k, row in enumerate(rows, start=1):  # each layer's chain on one row
        assert at[layer_name("h", k, model.depth) if k <= model.depth else "o"][1] == row
    if model.depth == 1:
        assert rows[0] == rows[1]  # the section's single row
    else:
        assert rows == sorted(rows) and len(set(rows)) == len(rows)  # one row each, rising
    ns = {"svg": "http://www.w3.org/2000/svg"}
    drawn_edges = ElementTree.fromstring(svg(graph)).findall(".//svg:g[@class='edge']", ns)
    assert len(drawn_edges) == len(graph.edges)
    assert all(len(edge.findall("svg:polygon", ns)) == 1 for edge in drawn_edges)


DECAY = 'ℓ<SUB><FONT POINT-SIZE="9">2</FONT></SUB>'


@pytest.mark.parametrize("model", LAYOUT_CASES[:6], ids=lambda m: f"{m.hidden}-{m.bias}")
def test_the_figure_fits_the_page_at_footnote_size(model):
    """The TikZ picture of a network of up to three hidden layers is at most 468/(9/11) points
    wide and 0.8 × 650 × 11/9 points high: shrunk to the page (6.5 × 9 in of text at 11 pt),
    its 11 pt labels stay at least footnote size (9 pt)."""
    placed, _ = tikz_layout(graph_of(build_tape(model)))
    points = [
        tuple(float(v.strip(" in")) * 72 for v in p.position.strip("()").split(","))
        for p in placed
    ]
    width = max(x for x, _ in points) - min(x for x, _ in points) + 36
    height = max(y for _, y in points) - min(y for _, y in points) + 36
    assert width <= 468 * 11 / 9 and height <= 0.8 * 650 * 11 / 9, (width, height)


def test_the_same_figure_on_every_machine():
    """A dense network's TikZ picture is placed by symderiv, without Graphviz: its bytes do not
    depend on the machine."""
    model = Model(activation="relu", loss="softmax_cross_entropy", hidden=3, bias="all")
    graph = graph_of(build_tape(model))
    assert graph.positions and len(graph.paths) == len(graph.edges)
    with_graphviz = tikz_layout(graph)
    saved = shutil.which
    try:
        shutil.which = lambda name: None  # dot is not even looked for
        assert tikz_layout(graph) == with_graphviz
    finally:
        shutil.which = saved


def test_svg_has_every_node():
    text = svg(graph_of(build_tape(Model())))
    assert text.startswith("<?xml") and text.count('class="node"') == 16


def test_extended_graph_has_every_equation_of_hvp():
    model = Model(activation="tanh", loss="softmax_cross_entropy", bias="hidden")
    forward, backward, second = extended_parts(derive(model))
    made = {
        "forward": {"z", "h", "o", "rz", "rh", "ro"},
        "backward": {"do", "dW2", "dh", "dz", "dW1", "db1"},
        "second": {"rdo", "rdW2", "rdh", "rdz", "rdW1", "rdb1"},
    }
    for part, name in ((forward, "forward"), (backward, "backward"), (second, "second")):
        assert {b for _, b in part.edges} == made[name]
    # each part repeats, as inputs, what it reads from the parts before
    assert {n.id for n in backward.nodes} - made["backward"] == {
        "o",
        "y",
        "h",
        "W2",
        "z",
        "x",
        "W1",
    }
    assert {n.id for n in forward.nodes} - made["forward"] == {
        "x",
        "W1",
        "b1",
        "W2",
        "rW1",
        "rb1",
        "rW2",
    }
    kinds = {n.id: n.kind for n in forward.nodes + second.nodes}
    assert kinds["rW1"] == "direction" and kinds["rdW1"] == "adjoint_tangent"
    edges = set(forward.edges + backward.edges + second.edges)
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
    assert len(edges) == sum(len(p.edges) for p in (forward, backward, second))  # none twice
    whole = extended_graph_of(derive(model))
    assert sorted(label for _, label, _ in whole.groups) == [
        "1. forward and its tangents ℛ{·}",
        "2. backward",
        "3. ℛ{·} of backward",
    ]
    assert len(whole.edges) == len(edges)
    nodes, _ = drawn(whole)  # the parts from the top down, in the order they run
    tops = [max(y for n, (_, y, *_) in nodes.items() if n.startswith(f"p{k}_")) for k in (1, 2, 3)]
    assert tops == sorted(tops, reverse=True)


# Crossings of the extended graph of --hvp as dot drew it in one picture, before it was split in
# three (measured with these tests' geometry on that code), and the most each part may have now.
EXTENDED_CASES = [
    (Model(activation="tanh", loss="softmax_cross_entropy", bias="hidden"), 39, (1, 1, 3)),
    (Model(activation="relu", loss="squared", hidden=2, bias="all"), 174, (2, 2, 6)),
]


@pytest.mark.parametrize("model, before, most", EXTENDED_CASES, ids=["1 hidden", "2 hidden"])
def test_the_extended_graph_reads_in_the_order_data_flows(model, before, most, capsys):
    """Each part of the extended graph has a handful of crossings at most, no edge through a
    node, and its arrowheads at least 10 points apart on every box (so its in-edges can be
    counted); printed, with the crossings of the single picture it replaced."""
    parts = extended_parts(derive(model))
    found = []
    for part, bound in zip(parts, most):
        nodes, edges = drawn(part)
        found.append(crossings(edges))
        assert found[-1] <= bound
        assert through_nodes(nodes, edges) == []
        assert closest_heads(edges) >= 10
    with capsys.disabled():
        print(
            f"\n  extended graph, {model.hidden} hidden: {before} crossings in one picture, "
            f"{' + '.join(map(str, found))} in three"
        )


def test_extended_graph_command(tmp_path):
    out = tmp_path / "x.svg"
    flags = ["--activation", "relu", "--loss", "squared", "--hidden", "2"]
    assert run("graph", "--hvp", *flags, "-o", out).returncode == 0
    text = out.read_text()
    assert "ℛ{∂" in text
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


def test_svg_labels_are_set_as_the_latex_sets_them():
    """In a serif font: scalars and the loss operator l italic (l would read as | upright),
    vectors and matrices bold upright, indices smaller and raised or lowered."""
    ns = {"svg": "http://www.w3.org/2000/svg"}
    root = ElementTree.fromstring(svg(graph_of(build_tape(Model()))))
    texts = {
        node.find("svg:title", ns).text: node.findall("svg:text", ns)
        for node in root.iter("{http://www.w3.org/2000/svg}g")
        if node.get("class") == "node"
    }
    assert all("serif" in t.get("font-family") for ts in texts.values() for t in ts)
    for name in ("J", "L", "s", "op4_1"):  # op4_1 is l
        assert [t.get("font-style") for t in texts[name]] == ["italic"], name
    for name in ("x", "z", "h", "o", "y"):
        assert [t.get("font-weight") for t in texts[name]] == ["bold"], name
    weight, layer = texts["W1"]
    assert (weight.text, weight.get("font-weight")) == ("W", "bold")
    assert (layer.text, layer.get("baseline-shift")) == ("(1)", "super")
    ell, two = texts["op5_1"]
    assert (ell.text, two.text, two.get("baseline-shift")) == ("ℓ", "2", "sub")
    assert float(layer.get("font-size")) < float(weight.get("font-size"))
    assert float(two.get("font-size")) < float(ell.get("font-size"))


@pytest.mark.parametrize("flags", [[], ["--hidden", "3", "--bias", "all"]], ids=["seed", "deep"])
def test_a_pdf_figure_opens_in_poppler(tmp_path, flags):
    out = tmp_path / "figure.pdf"
    assert run("graph", *flags, "-o", out).returncode == 0
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "pdftoppm is required (Debian: poppler-utils)"
    done = subprocess.run(
        [pdftoppm, "-png", "-r", "36", out, tmp_path / "page"], capture_output=True, text=True
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr
    (page,) = tmp_path.glob("page*.png")
    width, height = struct.unpack(">II", page.read_bytes()[16:24])  # the PNG's IHDR
    assert width > 100 and height > 50
