"""Exercise 5: the graph over P devices, from its own equations: the formulas of data and model
parallelism for the section's network and a residual graph, the section in English and French
(compiled), with bytes at given sizes, and its refusals."""

from __future__ import annotations

import sympy as sp
from helpers import compile_tex, run
from test_graph_rules import GRAPHS

from symderiv import Model
from symderiv.graphs.parallel import B, P, data_parallel, model_parallel
from symderiv.graphs.presets import dense_graph, toml_text
from symderiv.graphs.rules import N
from symderiv.graphs.spec import graph_from_mapping
from symderiv.latex_document import _memory_rows
from symderiv.memory import rows
from symderiv.tape import build_tape

d, h, q = (sp.Symbol(s, integer=True, positive=True) for s in "dhq")


def test_the_section_s_network_over_two_devices():
    graph = dense_graph(Model())  # generic φ and l, no bias, weight decay
    data = data_parallel(graph)
    assert sp.expand(data.parameters - (h * d + q * h)) == 0
    assert sp.expand(data.kept - (2 * h + q + 1)) == 0  # z, h, o and L of one example
    assert sp.simplify(data.sent.subs(P, 2) - data.payload) == 0  # a ring over 2: all once
    assert sp.expand(data.memory - B * (2 * (h * d + q * h) + N / P * (2 * h + q + 1))) == 0
    model = model_parallel(graph, 2)
    first, second = model.stages
    assert first.equations == ("z", "h") and first.parameters == ("W1",)
    assert second.equations == ("o", "L") and second.parameters == ("W2",)
    (cut,) = model.cuts
    assert cut.before == "o" and cut.forward == ("h",) and cut.backward == ("h",)
    assert sp.expand(cut.bytes - 2 * N * h * B) == 0


def test_with_generated_code_each_device_s_memory_is_the_memory_table_s():
    """T(n) is the memory table's total; over two devices the first keeps the rows of z, h and
    W1 and b1 (their adjoints and gradients), the second those of o, L and W2, logsumexp, and
    the h it receives, which its ∂J/∂W2 = ∂J/∂o hᵀ reads."""
    model = Model(activation="tanh", loss="softmax_cross_entropy", bias="hidden")
    table = [(name, numbers) for name, numbers in _memory_rows(build_tape(model))]
    total = sum((r.numbers for r in rows(model)), sp.Integer(0))
    data = data_parallel(dense_graph(model), table)
    assert sp.expand(data.table - total) == 0
    assert sp.expand(data.memory - B * total.subs(N, N / P)) == 0
    first, second = model_parallel(dense_graph(model), 2, table).stages
    # W1, b1, H, dH, dZ (an array of its own for tanh), dW1, db1; then W2, O, LSE, dO, dW2
    # and the received h
    assert sp.expand(first.memory - B * (2 * (d * h + h) + 3 * N * h)) == 0
    assert sp.expand(second.memory - B * (2 * h * q + 2 * N * q + N + N * h)) == 0


def test_more_devices_than_layers_give_one_stage_a_layer():
    graph = dense_graph(Model(activation="tanh", loss="squared", hidden=3, bias="all"))
    model = model_parallel(graph, 8)
    assert len(model.stages) == 4 and [c.before for c in model.cuts] == ["z2", "z3", "o"]
    assert [p for s in model.stages for p in s.parameters] == [
        "W1", "b1", "W2", "b2", "W3", "b3", "W4", "b4",
    ]  # fmt: skip


def test_an_input_read_after_a_cut_comes_from_the_data():
    """The residual graph reads x before and after its cut (W3 @ x): x is data, which each
    device reads for itself; only h crosses."""
    graph = graph_from_mapping(dict(GRAPHS["residual"]), "residual")
    (cut,) = model_parallel(graph, 2).cuts
    assert cut.before == "o" and cut.forward == ("h",)


def test_the_section_in_english_and_french_compiles(tmp_path):
    for lang, words in (("en", "Data parallelism"), ("fr", "Parallélisme de données")):
        tex = tmp_path / f"seed_{lang}.tex"
        done = run("latex", "--parallel", "--lang", lang, "-o", tex)
        assert done.returncode == 0, done.stderr
        text = tex.read_text()
        assert words in text and r"|\theta| &= d h + h q" in text
        assert r"\node[group, fit=(z) (h) (W1) (x)" in text  # device 1's box in the figure
        compile_tex(tex)


def test_bytes_at_given_sizes(tmp_path):
    tex = tmp_path / "tanh.tex"
    done = run(
        "latex", "--activation", "tanh", "--loss", "softmax_cross_entropy", "--bias", "hidden",
        "--parallel", "--devices", "4", "--sizes", "784,256,10", "--batch", "256",
        "--dtype", "float32", "-o", tex,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    text = tex.read_text()
    params = 784 * 256 + 256 + 10 * 256
    assert f"all-reduce, bytes a step = {4 * params:,}" in text
    assert f"sent by each device (ring) = {2 * 3 * 4 * params // 4:,}" in text
    assert f"= {2 * 256 * 256 * 4:,}" in text  # h and ∂J/∂h across the cut, n = 256
    compile_tex(tex)


def test_a_graph_gets_the_section_too(tmp_path):
    spec = tmp_path / "residual.toml"
    spec.write_text(toml_text(GRAPHS["residual"]))
    tex = tmp_path / "residual.tex"
    done = run("latex", "--spec", spec, "--parallel", "-o", tex)
    assert done.returncode == 0, done.stderr
    assert r"\mathbf{W}_{3}" in tex.read_text().split("exercise 5")[1]
    compile_tex(tex)


def test_wrong_options_are_refused_in_one_line(tmp_path):
    for flags, message in (
        (["--devices", "3"], "--devices gives the number of devices of --parallel; add it"),
        (["--parallel", "--devices", "1"], "--devices 1 is not allowed"),
        (["--sizes", "3,4,2", "--batch", "5"], "add --memory or --parallel"),
        (["--parallel", "--sizes", "3,4,2"], "--parallel: give both --sizes and --batch"),
    ):
        out = tmp_path / "x.tex"
        done = run("latex", *flags, "-o", out)
        assert done.returncode == 2 and message in done.stderr, done.stderr
        assert done.stderr.count("\n") == 1 and not out.exists()
