"""The memory footprint formulas against what the generated code really allocates."""

import re
import tracemalloc

import numpy as np
import pytest
from conftest import generated_module
from helpers import compile_tex, run

from symderiv import Model
from symderiv.memory import prediction_peak, training_peak
from symderiv.naming import DIMS, hidden_dims

MODELS = [
    Model(activation="relu", loss="squared"),
    Model(activation="tanh", loss="softmax_cross_entropy", bias="all"),
    Model(activation="sigmoid", loss="sigmoid_cross_entropy", hidden=2, bias="all"),
    Model(activation="t*tanh(softplus(t))", loss="sigmoid_cross_entropy", hidden=3, bias="hidden"),
]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: f"{m.activation}-{m.depth}")
def test_peak_memory_is_within_ten_percent_of_the_formula(model):
    module = generated_module(model)
    sizes, n = (300, *[400] * model.depth, 50), 500
    values = dict(zip((DIMS["d"], *hidden_dims(model.depth), DIMS["q"]), sizes)) | {DIMS["n"]: n}
    rng = np.random.default_rng(0)
    params = module.init_params(sizes, rng)
    X, Y = rng.standard_normal((n, sizes[0])), rng.dirichlet(np.ones(sizes[-1]), n)
    tracemalloc.start()
    try:
        module.loss_and_grad(params, X, Y, 0.1)
        training = tracemalloc.get_traced_memory()[1]
        tracemalloc.clear_traces()
        tracemalloc.reset_peak()
        module.predict(params, X)
        prediction = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert training == pytest.approx(8 * int(training_peak(model).subs(values)), rel=0.1)
    assert prediction == pytest.approx(8 * int(prediction_peak(model).subs(values)), rel=0.1)


def test_memory_command_prints_formulas_and_bytes():
    done = run(
        "memory",
        "--activation",
        "relu",
        "--loss",
        "squared",
        "--sizes",
        "784,256,10",
        "--batch",
        "256",
        "--dtype",
        "float32",
    )
    assert done.returncode == 0, done.stderr
    assert "4 bytes a number, at d=784, h=256, q=10, n=256" in done.stdout
    assert "kept by forward: H" in done.stdout and "h*n" in done.stdout  # ReLU′ reads h
    assert "kept by forward: Z" not in done.stdout
    assert "backward: dW1" in done.stdout and f"{784 * 256 * 4:,} B" in done.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["--sizes", "784,256", "--batch", "8"], "expected 3 positive whole numbers"),
        (["--sizes", "784,0,10", "--batch", "8"], "expected 3 positive whole numbers"),
        (["--sizes", "a,b,c", "--batch", "8"], "--sizes 'a,b,c' is not allowed"),
        (["--sizes", "4,5,3", "--batch", "0"], "--batch 0 is not allowed"),
        (
            ["--sizes", "4,5,3", "--batch", "8", "--dtype", "float16"],
            "--dtype 'float16' is not allowed",
        ),
    ],
)
def test_memory_command_refuses_bad_sizes(args, message):
    done = run("memory", "--activation", "relu", "--loss", "squared", *args)
    assert done.returncode == 2 and message in done.stderr


def test_latex_memory_table_agrees_with_the_memory_command(tmp_path):
    model = ["--activation", "tanh", "--loss", "softmax_cross_entropy", "--bias", "hidden"]
    at = ["--sizes", "784,256,10", "--batch", "128", "--dtype", "float32"]
    doc = tmp_path / "memory.tex"
    done = run("latex", "--memory", *model, *at, "-o", doc)
    assert done.returncode == 0, done.stderr
    text = doc.read_text()
    printed = run("memory", *model, *at).stdout
    latex = {"H": r"$\mathbf{H}$", "O": r"$\mathbf{O}$", "LSE": r"$\operatorname{logsumexp}"}
    latex |= {
        "dW1": r"$\partial J / \partial \mathbf{W}^{(1)}$",
        "dZ": r"$\partial J / \partial \mathbf{Z}$",
    }
    rows = re.findall(r"(?:kept by forward|backward): (\w+) +\S+ +([\d,]+) B", printed)
    assert len(rows) == 9
    table = text.splitlines()
    for name, size in rows:
        if name in latex:  # the row that names the array carries the same bytes
            row = next(line for line in table if line.startswith(latex[name]))
            assert f"& {size.replace(',', chr(92) + ',')} &" in row, (name, size, row)
    peaks = re.findall(r"max over the statements +([\d,]+) B", printed)
    assert len(peaks) == 2
    for peak in peaks:
        assert f"{peak.replace(',', chr(92) + ',')} bytes" in text
    assert r"$d = 784$, $h = 256$, $q = 10$, $n = 128$ (float32, 4 bytes each)" in text
    log = compile_tex(doc)
    assert "Overfull \\hbox" not in log


@pytest.mark.parametrize(
    "args, message",
    [
        (["--sizes", "4,5,3", "--batch", "8"], "add --memory or --parallel"),
        (["--memory", "--batch", "8"], "--memory: give both --sizes and --batch, or neither"),
        (
            ["--memory", "--loss", "squared"],
            "the memory table follows the generated code, and activation 'phi' is symbolic",
        ),
    ],
)
def test_latex_memory_refusals(tmp_path, args, message):
    out = tmp_path / "doc.tex"
    done = run("latex", *args, "-o", out)
    assert done.returncode == 2 and message in done.stderr and not out.exists()
