"""The Array API module: one file, run on NumPy, on array-api-strict (which rejects anything the
standard does not define), on PyTorch (CPU) and on Dask, gives the NumPy module's objective,
gradients and Hessian-vector products to 1e-12 (relative, float64), for the catalogue's graphs
and for dense networks through their presets."""

from __future__ import annotations

import ast
import tomllib

import array_api_strict
import dask
import dask.array as da
import numpy as np
import pytest
import torch
from conftest import CONCRETE, model_id
from helpers import ROOT, run

from symderiv import Model
from symderiv.graphs.module import array_api_module_source, graph_module_source
from symderiv.graphs.presets import dense_graph
from symderiv.graphs.spec import graph_from_mapping
from symderiv.validation.numeric import load_file, load_source, relative_error

AGREE = 1e-12  # one computation in float64, by two libraries: rounding apart

CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["symderiv"]
CATALOGUE = {
    m["name"]: graph_from_mapping({k: v for k, v in m.items() if k != "outputs"}, m["name"])
    for m in CONFIG["models"]
    if "equations" in m
}


def _dask(a, rows: bool):
    """A Dask array, chunked by rows (two chunks) where the array has a row per example."""
    chunks = (max(1, (a.shape[0] + 1) // 2), *a.shape[1:]) if rows and a.ndim else a.shape
    return da.from_array(a, chunks=chunks)


# namespace → (numpy array → its array, one for data with a row per example, back to numpy)
NAMESPACES = {
    "numpy": (lambda a, rows: a, np.asarray),
    "array-api-strict": (lambda a, rows: array_api_strict.asarray(a), np.asarray),
    "torch": (lambda a, rows: torch.asarray(a), lambda t: t.numpy()),
    "dask": (_dask, lambda a: np.asarray(dask.compute(a)[0])),
}


def _point(graph, reference, seed=0, n=6):
    rng = np.random.default_rng(seed)
    sizes = tuple(3 + i for i in range(len(reference.SIZES)))
    params = reference.init_params(sizes, rng)
    if "S" in params:  # a covariance: symmetric positive definite
        B = rng.standard_normal(params["S"].shape) / 4
        params["S"] = np.eye(len(B)) + B @ B.T
    dims = {**dict(zip(reference.SIZES, sizes)), "n": n}
    data = [
        rng.uniform(0.1, 1.0, tuple(dims[k] for k in shape)) for shape in reference.DATA.values()
    ]
    data += [0.3 for _ in reference.HYPERPARAMETERS]
    V = {k: rng.standard_normal(np.shape(v)) for k, v in params.items()}
    return params, data, V


def _agree(graph, module, reference, namespace, seed=0):
    """The largest relative error of the Array API module on `namespace` against the NumPy
    module: J, every gradient, every H V."""
    to, back = NAMESPACES[namespace]
    params, data, V = _point(graph, reference, seed)
    J, grads = reference.loss_and_grad(params, *data)
    HV = reference.hvp(params, *data, V)
    rows = bool(graph.declared.inputs)
    arrays = {k: to(v, False) for k, v in params.items()}
    given = [to(a, rows) if isinstance(a, np.ndarray) else a for a in data]
    J_x, grads_x = module.loss_and_grad(arrays, *given)
    HV_x = module.hvp(arrays, *given, {k: to(v, False) for k, v in V.items()})
    errors = [relative_error(float(back(J_x)), J)]
    errors += [relative_error(back(grads_x[k]), grads[k]) for k in grads]
    errors += [relative_error(back(HV_x[k]), HV[k]) for k in HV]
    return max(errors)


# Dask's namespace has no linalg.slogdet, which gaussian_nll needs: see
# test_a_missing_function_is_refused_in_one_line
RUNS = [(n, ns) for n in CATALOGUE for ns in NAMESPACES if (n, ns) != ("gaussian_nll", "dask")]


@pytest.mark.parametrize("name, namespace", RUNS)
def test_catalogue_module_runs_on_every_namespace(name, namespace):
    graph = CATALOGUE[name]
    module = load_source(array_api_module_source(graph), f"{name}_array_api")
    reference = load_file(ROOT / "generated" / f"{name}.py")
    assert _agree(graph, module, reference, namespace) <= AGREE


def test_a_missing_function_is_refused_in_one_line():
    graph = CATALOGUE["gaussian_nll"]
    module = load_source(array_api_module_source(graph), "gaussian_nll_array_api")
    reference = load_file(ROOT / "generated" / "gaussian_nll.py")
    params, data, _ = _point(graph, reference)
    arrays = {k: da.from_array(v) for k, v in params.items()}
    given = [da.from_array(a) if isinstance(a, np.ndarray) else a for a in data]
    with pytest.raises(TypeError, match="has no linalg.slogdet, which this model needs"):
        module.loss_and_grad(arrays, *given)


@pytest.mark.parametrize("model", CONCRETE, ids=model_id)
def test_every_dense_variant_runs_under_array_api_strict(model):
    """Every activation (erf's, the pieces of leaky_relu and elu), loss, bias, depth and
    reduction, written with the standard's functions alone."""
    graph = dense_graph(model)
    module = load_source(array_api_module_source(graph), "preset_array_api")
    reference = load_source(graph_module_source(graph), "preset")
    assert _agree(graph, module, reference, "array-api-strict", seed=1) <= AGREE


@pytest.mark.parametrize("namespace", ["torch", "dask"])
@pytest.mark.parametrize(
    "model",
    [
        Model(activation="gelu", loss="sigmoid_cross_entropy", bias="all"),
        Model(activation="elu(0.5)", loss="softmax_cross_entropy", bias="hidden", hidden=2),
        Model(activation="t*tanh(softplus(t))", loss="squared", reduction="sum"),
    ],
    ids=model_id,
)
def test_dense_variants_run_on_torch_and_dask(model, namespace):
    graph = dense_graph(model)
    module = load_source(array_api_module_source(graph), "preset_array_api")
    reference = load_source(graph_module_source(graph), "preset")
    assert _agree(graph, module, reference, namespace, seed=2) <= AGREE


def test_the_generated_modules_use_the_standard_and_nothing_in_place():
    for name in ("tanh_softmax", "residual"):
        source = (ROOT / "generated" / f"{name}_array_api.py").read_text()
        tree = ast.parse(source)
        imported = {
            alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
            for alias in node.names
        } | {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}  # fmt: skip
        assert imported == {"math", "array_api_compat", "numpy"}
        # NumPy only draws init_params' numbers; the computation is the namespace's
        body = source[source.index("def predict(") :]
        assert "np." not in body and "out=" not in body and "workspace" not in body
        for method in (".sum(", ".max(", ".astype(", "einsum", "vdot"):
            assert method not in body.replace("xp.sum(", "").replace("xp.max(", "").replace(
                "xp.astype(", ""
            ), method


def test_init_params_makes_the_namespace_s_arrays():
    module = load_file(ROOT / "generated" / "tanh_softmax_array_api.py")
    params = module.init_params((3, 4, 2), rng=0, dtype=torch.float32, xp=torch)
    assert all(isinstance(p, torch.Tensor) and p.dtype == torch.float32 for p in params.values())
    numpy_params = module.init_params((3, 4, 2), rng=0)
    assert all(p.dtype == np.float64 for p in numpy_params.values())
    assert np.allclose(params["W1"].numpy(), numpy_params["W1"], rtol=1e-6)


def test_the_command_writes_it_for_flags_and_for_a_spec(tmp_path):
    out = tmp_path / "mlp.py"
    done = run(
        "codegen", "--activation", "tanh", "--loss", "squared", "--target", "array-api",
        "-o", out,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "array_api_compat.array_namespace" in out.read_text()
    refused = run("codegen", "--target", "array-api", "-o", tmp_path / "seed.py")
    assert refused.returncode == 2 and not (tmp_path / "seed.py").exists()
    assert "symbolic and cannot become code" in refused.stderr
    assert refused.stderr.count("\n") == 1
