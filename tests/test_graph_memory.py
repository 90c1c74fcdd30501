"""The memory footprint of a graph's module (symderiv memory --spec, latex --memory) against
what the generated code really allocates, measured with tracemalloc."""

from __future__ import annotations

import inspect
import tracemalloc

import numpy as np
import pytest
from helpers import ROOT, run
from test_graph_module import CATALOGUE

from symderiv.graphs.memory import graph_prediction_peak, graph_size_values, graph_training_peak
from symderiv.graphs.module import graph_module_spec, size_names
from symderiv.graphs.spec import graph_from_mapping
from symderiv.validation.numeric import load_file

SIZES = {"d": 300, "h": 400, "q": 50, "k": 200, "n": 20000}
N = 500
# NumPy's temporaries depend on its elision of temporaries and on LAPACK's workspaces; the
# count follows the statements, so it may be off by this much (logistic: its _sigmoid's mask).
WITHIN = 0.2


def _measured(name):
    graph = graph_from_mapping(CATALOGUE[name], name)
    module = load_file(ROOT / "generated" / f"{name}.py")
    names = size_names(graph)
    dims = {k: SIZES[k] for k in names}
    rng = np.random.default_rng(0)
    params = module.init_params(tuple(dims.values()), rng)
    if name == "gaussian_nll":
        B = rng.standard_normal((dims["k"], dims["k"])) / 15
        params["S"] = np.eye(dims["k"]) + B @ B.T
    data = []
    for code, shape in module.DATA.items():
        size = tuple(N if k == "n" and graph.declared.inputs else dims[k] for k in shape)
        data.append(rng.uniform(0.1, 1, size))
    data += [0.3] * len(module.HYPERPARAMETERS)
    given = dict(zip([*module.DATA, *module.HYPERPARAMETERS], data))
    wanted = list(inspect.signature(module.predict).parameters)[1:]
    tracemalloc.start()
    try:
        module.loss_and_grad(params, *data)
        training = tracemalloc.get_traced_memory()[1]
        tracemalloc.clear_traces()
        tracemalloc.reset_peak()
        module.predict(params, *(given[a] for a in wanted))
        prediction = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    spec = graph_module_spec(graph)
    values = graph_size_values(graph, spec, tuple(dims.values()), N)
    return (training, 8 * graph_training_peak(spec, values)), (
        prediction,
        8 * graph_prediction_peak(spec, values),
    )


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_peak_memory_is_near_the_count(name):
    (training, counted), (prediction, predicted) = _measured(name)
    assert training == pytest.approx(counted, rel=WITHIN)
    assert prediction == pytest.approx(predicted, rel=WITHIN)


def test_memory_command_for_a_graph(tmp_path):
    spec = tmp_path / "dropout.toml"
    table = CATALOGUE["dropout"]
    spec.write_text("\n".join(f"{k} = {_toml(v)}" for k, v in table.items() if k != "name") + "\n")
    done = run("memory", "--spec", spec, "--sizes", "784,256,10", "--batch", "128")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "graph: float64, 8 bytes a number, at d=784, h=256, q=10, n=128"
    assert any(
        line.split()[:4] == ["backward:", "dW1", "d*h", f"{784 * 256 * 8:,}"] for line in lines
    )
    assert any(line.startswith("  kept by forward: Z ") and "h*n" in line for line in lines)
    done = run("memory", "--spec", spec, "--sizes", "784,256", "--batch", "128")
    assert done.returncode == 2
    assert "expected 3 positive whole numbers d,h,q" in done.stderr


def test_memory_of_a_graph_without_inputs_needs_no_batch(tmp_path):
    spec = tmp_path / "ridge.toml"
    spec.write_text("\n".join(f"{k} = {_toml(v)}" for k, v in CATALOGUE["ridge"].items()) + "\n")
    done = run("memory", "--spec", spec, "--sizes", "5,100")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "ridge: float64, 8 bytes a number, at d=5, n=100"


def _toml(value) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return '"' + value + '"'
