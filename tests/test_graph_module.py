"""The NumPy modules of graphs written as equations, proven: every catalogue module in
generated/ and one per operation the catalogue does not use, against central differences
(relative error ≤ 1e-6, float64) and against autograd on an evaluation of the same equations
that shares no code with the module (relative error ≤ 1e-9); and the module contract: shapes
refused by name, inputs left alone, the Hessian, predict."""

from __future__ import annotations

import tomllib

import numpy as np
import pytest
from graph_autograd import AutogradGraph
from helpers import ROOT
from test_graph_rules import GRAPHS

from symderiv.graphs.module import graph_module_source
from symderiv.graphs.spec import graph_from_mapping
from symderiv.validation.graph_numeric import check_graph_module, graph_point
from symderiv.validation.numeric import load_file, load_source, relative_error

AUTOGRAD_TOLERANCE = 1e-9  # two exact derivatives of one float64 function: rounding apart
FLOOR = 1e-6  # relative to J (to the gradient, for H V): below it an error is absolute

CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["symderiv"]
CATALOGUE = {
    m["name"]: {k: v for k, v in m.items() if k != "outputs"}
    for m in CONFIG["models"]
    if "equations" in m
}


def _generated(name):
    table = CATALOGUE[name]
    return graph_from_mapping(table, name), load_file(ROOT / "generated" / f"{name}.py"), table


def _built(name):
    table = GRAPHS[name]
    graph = graph_from_mapping(dict(table), name)
    return graph, load_source(graph_module_source(graph), "graph"), table


def test_the_catalogue_has_a_module_each():
    assert set(CATALOGUE) == {
        "residual", "tied_autoencoder", "dropout", "ridge", "logistic", "gaussian_nll", "gated",
    }  # fmt: skip
    for name in CATALOGUE:
        assert "py" in next(m for m in CONFIG["models"] if m["name"] == name)["outputs"]


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_catalogue_module_matches_central_differences(name):
    graph, module, _ = _generated(name)
    report = check_graph_module(graph, module, batches=(1, 4, 9))
    assert report.ok, report.errors
    assert set(report.errors) == {*module.PARAMETERS, *(f"HV {p}" for p in module.PARAMETERS)}


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_each_operation_matches_central_differences(name):
    graph, module, _ = _built(name)
    report = check_graph_module(graph, module)
    assert report.ok, report.errors


def _against_autograd(graph, module, table, n, seed):
    rng = np.random.default_rng(seed)
    params, data = graph_point(graph, module, n, rng)
    reference = AutogradGraph(table)
    J, grads = module.loss_and_grad(params, *data)
    errors = {"J": relative_error(J, reference.J(params, *data))}
    want = reference.gradient(params, *data)
    # a gradient that is 0 (terms that cancel) is rounding noise in both: absolute below
    floor = FLOOR * max(1.0, abs(J))
    errors |= {p: relative_error(grads[p], want[p], floor) for p in module.PARAMETERS}
    V = {p: rng.standard_normal(np.shape(params[p])) for p in module.PARAMETERS}
    HV = module.hvp(params, *data, V)
    want = reference.hvp(params, *data, V=V)
    floor = FLOOR * max(1.0, float(np.sqrt(sum(np.vdot(g, g) for g in grads.values()))))
    errors |= {f"HV {p}": relative_error(HV[p], want[p], floor) for p in module.PARAMETERS}
    return errors


@pytest.mark.parametrize("name", sorted(CATALOGUE))
@pytest.mark.parametrize("n", [1, 6])
def test_catalogue_module_matches_autograd(name, n):
    graph, module, table = _generated(name)
    errors = _against_autograd(graph, module, table, n, seed=n)
    assert max(errors.values()) <= AUTOGRAD_TOLERANCE, errors


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_each_operation_matches_autograd(name):
    graph, module, table = _built(name)
    errors = _against_autograd(graph, module, table, 5, seed=3)
    assert max(errors.values()) <= AUTOGRAD_TOLERANCE, errors


def test_a_wrong_module_fails_both_proofs():
    """The proofs can fail: residual's module with ∂J/∂o off by a factor 2, and with the
    weight decay of W3 dropped."""
    graph, _, table = _generated("residual")
    source = (ROOT / "generated" / "residual.py").read_text()
    for wrong, right in (
        ("    dO /= n\n", "    dO /= n / 2\n"),
        ("    _add_scaled(dW3, lam, W3)\n", ""),
    ):
        assert wrong in source
        module = load_source(source.replace(wrong, right), "broken")
        assert not check_graph_module(graph, module, batches=(3,)).ok
        assert max(_against_autograd(graph, module, table, 3, seed=0).values()) > 1e-3


def test_the_sum_reduction_adds_the_shared_terms_once():
    table = {**CATALOGUE["residual"], "reduction": "sum"}
    graph = graph_from_mapping(table, "residual")
    module = load_source(graph_module_source(graph), "summed")
    assert check_graph_module(graph, module, batches=(1, 4)).ok
    params, data = graph_point(graph, module, 4, np.random.default_rng(0))
    J_sum = module.forward(params, *data)[0]
    mean = load_file(ROOT / "generated" / "residual.py")
    J_mean = mean.forward(params, *data)[0]
    lam = data[-1]
    s = lam / 2 * sum(np.vdot(params[k], params[k]) for k in ("W1", "W2", "W3"))
    assert J_sum == pytest.approx(4 * (J_mean - s) + s, rel=1e-12)


def test_data_arguments_are_the_declared_names_in_order():
    _, dropout, _ = _generated("dropout")
    assert list(dropout.DATA) == ["X", "M", "Y"]
    assert dropout.HYPERPARAMETERS == ("p", "lam")
    _, ridge, _ = _generated("ridge")
    assert list(ridge.DATA) == ["X", "y"] and ridge.DATA["X"] == ("n", "d")
    assert ridge.SIZES == ("d", "n")


def test_wrong_shapes_are_refused_by_name():
    graph, module, _ = _generated("residual")
    params, (X, Y, lam) = graph_point(graph, module, 3, np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"^Y: expected shape \(n, q\) = \(3, 2\), got \(3, 5\)$"):
        module.loss_and_grad(params, X, np.zeros((3, 5)), lam)
    bad = {**params, "W2": params["W2"].T}
    with pytest.raises(ValueError, match=r"^W2: expected shape \(q, h\)"):
        module.forward(bad, X, Y, lam)
    with pytest.raises(ValueError, match=r"^params: missing b1"):
        module.loss_and_grad({k: v for k, v in params.items() if k != "b1"}, X, Y, lam)
    with pytest.raises(ValueError, match=r"^X: expected shape \(n, d\), got \(3,\)"):
        module.predict(params, X[:, 0])


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_inputs_are_not_modified(name):
    graph, module, _ = _generated(name)
    params, data = graph_point(graph, module, 4, np.random.default_rng(1))
    before = ({k: v.copy() for k, v in params.items()}, [np.copy(d) for d in data])
    V = {k: np.ones_like(v) for k, v in params.items()}
    module.loss_and_grad(params, *data)
    module.hvp(params, *data, V)
    given = dict(zip([*module.DATA, *module.HYPERPARAMETERS], data))
    module.predict(params, *(given[a] for a in _predict_args(module)))
    assert all(np.array_equal(params[k], before[0][k]) for k in params)
    assert all(np.array_equal(d, b) for d, b in zip(data, before[1]))


def _predict_args(module):
    import inspect

    return list(inspect.signature(module.predict).parameters)[1:]


@pytest.mark.parametrize("name", ["residual", "gaussian_nll", "tied_autoencoder"])
def test_hessian_is_hvp_column_by_column_and_symmetric(name):
    graph, module, _ = _generated(name)
    params, data = graph_point(graph, module, 3, np.random.default_rng(2))
    H = module.hessian(params, *data)
    P = sum(np.size(params[p]) for p in module.PARAMETERS)
    assert H.shape == (P, P)
    assert relative_error(H, H.T) <= 1e-10
    rng = np.random.default_rng(5)
    V = {p: rng.standard_normal(np.shape(params[p])) for p in module.PARAMETERS}
    flat = np.concatenate([np.ravel(V[p]) for p in module.PARAMETERS])
    HV = module.hvp(params, *data, V)
    assert (
        relative_error(H @ flat, np.concatenate([np.ravel(HV[p]) for p in module.PARAMETERS]))
        <= 1e-12
    )


def test_predict_returns_what_the_loss_reads():
    graph, module, _ = _generated("residual")
    params, (X, Y, lam) = graph_point(graph, module, 4, np.random.default_rng(3))
    O = module.predict(params, X)
    Z = np.maximum(X @ params["W1"].T + params["b1"], 0)
    assert np.allclose(O, Z @ params["W2"].T + X @ params["W3"].T, rtol=1e-13)


def test_names_that_clash_in_code_are_renamed():
    """An input x and a constant X, a parameter named like a function of the module, a
    keyword: each gets a name of its own in code, and the gradients stay right."""
    table = {
        "inputs": {"x": "d", "y": "q"},
        "constants": {"X": "q d"},
        "parameters": {"forward": "q d", "lambda_": "q"},
        "equations": ["o = (forward + X) @ x + lambda_", "L = squared(o, y)"],
    }
    graph = graph_from_mapping(table, "clash")
    module = load_source(graph_module_source(graph), "clash")
    assert list(module.DATA) == ["X", "Y", "X_"]
    assert module.PARAMETERS == ("forward", "lambda_")  # the keys stay the declared names
    assert check_graph_module(graph, module).ok
    errors = _against_autograd(graph, module, table, 3, seed=1)
    assert max(errors.values()) <= AUTOGRAD_TOLERANCE


def test_generated_graph_modules_import_numpy_only():
    for name in CATALOGUE:
        source = (ROOT / "generated" / f"{name}.py").read_text()
        imports = [line for line in source.splitlines() if line.startswith(("import", "from"))]
        assert imports == ["import numpy as np"], (name, imports)


def test_a_workspace_gives_the_same_numbers_into_its_own_arrays():
    graph, module, _ = _generated("residual")
    params, data = graph_point(graph, module, 6, np.random.default_rng(4))
    assert module.SIZES == ("d", "h", "q")  # as data flows, as a dense network's
    sizes = (*np.shape(params["W1"])[::-1], np.shape(params["W2"])[0])
    workspace = module.make_workspace(sizes, 6)
    J, grads = module.loss_and_grad(params, *data)
    J_ws, grads_ws = module.loss_and_grad(params, *data, workspace)
    assert J_ws == pytest.approx(J, rel=1e-14)
    assert all(relative_error(grads_ws[k], grads[k]) <= 1e-14 for k in grads)
    assert grads_ws["W1"] is workspace["dW1"] and grads_ws["b1"] is workspace["db1"]
    with pytest.raises(
        ValueError, match=r'^workspace\["Z"\]: expected a float64 array of shape \(n, h\) = \(5, '
    ):
        module.loss_and_grad(params, *(d[:5] if np.ndim(d) else d for d in data), workspace)
    with pytest.raises(TypeError, match="a workspace's arrays are fixed"):
        workspace["Z"] = None


@pytest.mark.parametrize("name", ["residual", "tied_autoencoder", "dropout", "gated"])
def test_predict_needs_no_target(name):
    """The loss may be the objective's own equation (L = squared(W2 @ h, y)): predict still
    returns what the loss reads, from the inputs it needs, never the target."""
    _, module, _ = _generated(name)
    assert "Y" not in _predict_args(module)
    assert module.predict.__doc__.startswith("The output ")


def test_a_function_of_an_unnamed_array_is_computed_once():
    """σ(Wg x) and tanh(Wh x) of the gated unit are read by forward and by both gradients:
    forward computes each once and keeps it, and backward reads σ′ and tanh′ from the kept
    values ((1 − S) S, 1 − T²) instead of computing the products and the functions again."""
    source = (ROOT / "generated" / "gated.py").read_text()
    backward = source[source.index("def backward(") : source.index("def loss_and_grad(")]
    body = backward[backward.index('"""', backward.index('"""') + 3) :]
    assert "_sigmoid(" not in body and "np.tanh(" not in body and "@ Wg.T" not in body
    forward = source[source.index("def forward(") : source.index("def backward(")]
    assert forward.count("_sigmoid(X @ Wg.T)") == 1 and forward.count("np.tanh(X @ Wh.T)") == 1
