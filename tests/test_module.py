"""The generated-module contract (DESIGN.md), and how the code reads."""

import ast
import subprocess
import tracemalloc

import numpy as np
import pytest
from conftest import CONCRETE, generated_module
from ruff.__main__ import find_ruff_bin

from symderiv import Model, module_source
from symderiv.activations import activation
from symderiv.validation.numeric import sample_point


def test_contract(concrete):
    module = generated_module(concrete)
    K = concrete.depth
    names = [n for k in range(1, K + 2) for n in (f"W{k}", f"b{k}")]
    expected = tuple(n for n in names if n[0] == "W" or concrete.has_bias(int(n[1:])))
    assert module.PARAMETERS == expected
    widths = ("h",) if K == 1 else tuple(f"h{k}" for k in range(1, K + 1))
    assert module.SIZES == ("d", *widths, "q")
    sizes = (3, *range(4, 4 + K), 2)
    params = module.init_params(sizes, rng=0)
    assert list(params) == list(expected)
    for name, value in params.items():
        k = int(name[1:])
        assert value.shape == ((sizes[k], sizes[k - 1]) if name[0] == "W" else (sizes[k],))
    assert all(v.dtype == np.float64 for v in params.values())
    assert module.init_params(sizes, rng=0, dtype=np.float32)["W1"].dtype == np.float32

    params, X, Y, lam = sample_point(concrete, module, sizes, 5, np.random.default_rng(0))
    copies = [{k: v.copy() for k, v in params.items()}, X.copy(), Y.copy()]
    J, cache = module.forward(params, X, Y, lam)
    grads = module.backward(params, cache, lam)
    J2, grads2 = module.loss_and_grad(params, X, Y, lam)
    assert type(J) is float and J == J2
    assert all(np.array_equal(grads[k], grads2[k]) for k in expected)
    assert all(np.array_equal(params[k], copies[0][k]) for k in expected)  # inputs untouched
    assert np.array_equal(X, copies[1]) and np.array_equal(Y, copies[2])
    assert module.predict(params, X).shape == (5, 2)
    with pytest.raises(ValueError, match="sizes: expected d, "):
        module.init_params((3, 2))


def test_predict_agrees_with_forward():
    model = Model(activation="tanh", loss="squared", bias="all", weight_decay=False)
    module = generated_module(model)
    params, X, Y, lam = sample_point(model, module, (3, 4, 2), 5, np.random.default_rng(1))
    # With the squared loss and no decay, J = mean ½‖O − Y‖²: Y = O gives J = 0.
    O = module.predict(params, X)
    assert module.forward(params, X, O, lam)[0] == 0.0
    assert module.forward(params, X, Y, lam)[0] == pytest.approx(
        0.5 * ((O - Y) ** 2).sum(1).mean()
    )


@pytest.mark.parametrize(
    "array, shape, message",
    [
        ("X", (5, 4), r"W1: expected shape \(h, d\) = \(4, 4\), got \(4, 3\)"),
        ("Y", (5, 3), r"Y: expected shape \(n, q\) = \(5, 2\), got \(5, 3\)"),
        ("b1", (4, 1), r"b1: expected shape \(h\) = \(4,\), got \(4, 1\)"),
        ("W2", (2, 5), r"W2: expected shape \(q, h\) = \(2, 4\), got \(2, 5\)"),
    ],
)
def test_wrong_shapes_raise_naming_the_array(array, shape, message):
    module = generated_module(Model(activation="relu", loss="squared", bias="all"))
    params = module.init_params((3, 4, 2), rng=0)
    arrays = {"X": np.ones((5, 3)), "Y": np.ones((5, 2)), **params}
    arrays[array] = np.ones(shape)
    args = {k: arrays[k] for k in params}
    with pytest.raises(ValueError, match=message):
        module.loss_and_grad(args, arrays["X"], arrays["Y"], 0.1)


def test_imports_nothing_but_numpy(concrete):
    tree = ast.parse(module_source(concrete))
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported == {"numpy"}


def test_backward_recomputes_no_forward_product_or_activation(concrete):
    body = module_source(concrete).split("def _backward(", 1)[1].split("\ndef ", 1)[0]
    code = "\n".join(line.split("#")[0] for line in body.splitlines() if '"""' not in line)
    for product in ("X @", "H @ W", "@ W1.T", "np.matmul(X,", "np.matmul(H, W", "W1.T, out"):
        assert product not in code, product
    for k, layer in enumerate(concrete.stack[0], start=1):
        # Where φ′ can be written with the output h alone, backward reads h and calls nothing
        # that forward called to compute it (tanh′ = 1 − h², σ′ = h (1 − h), ReLU′ = 1(h > 0)).
        z = "Z" if concrete.depth == 1 else f"Z{k}"
        if activation(layer.activation).derivative_from_output is not None:
            for call in (f"np.tanh({z})", f"_sigmoid({z})", f"{z} > 0"):
                assert call not in code, call
    if all(layer.activation in ("relu", "identity") for layer in concrete.stack[0]):
        assert "np.maximum(" not in code


def test_every_statement_carries_its_equation(concrete):
    body = module_source(concrete).split("def _backward(", 1)[1].split("\ndef ", 1)[0]
    lines = body.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("    d") and " = " in line]
    assert starts
    for i in starts:  # beside the statement, or on the line above when it would not fit
        assert "  # ∂J/∂" in lines[i] or lines[i - 1].startswith("    # ∂J/∂"), lines[i]


def test_generated_code_is_formatted(tmp_path):
    ruff = find_ruff_bin()  # the pinned ruff symderiv formats with, wherever it is installed
    for i, model in enumerate(CONCRETE):
        (tmp_path / f"module_{i}.py").write_text(module_source(model))
    done = subprocess.run(
        [ruff, "format", "--check", "--line-length", "99", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


WORKSPACE_MODELS = [
    Model(activation="relu", loss="squared"),
    Model(activation="tanh", loss="softmax_cross_entropy", bias="all"),
    Model(activation="relu", loss="softmax_cross_entropy", hidden=3, bias="hidden"),
]


@pytest.mark.parametrize("model", WORKSPACE_MODELS, ids=lambda m: f"{m.activation}-{m.loss}")
def test_a_workspace_spares_every_layer_sized_allocation(model):
    module = generated_module(model)
    sizes, n = (300, *[400] * model.depth, 50), 500
    rng = np.random.default_rng(0)
    params = module.init_params(sizes, rng)
    X, Y = rng.standard_normal((n, sizes[0])), rng.dirichlet(np.ones(sizes[-1]), n)
    J, grads = module.loss_and_grad(params, X, Y, 0.1)
    workspace = module.make_workspace(sizes, n)
    module.loss_and_grad(params, X, Y, 0.1, workspace)
    tracemalloc.start()
    try:
        J_ws, grads_ws = module.loss_and_grad(params, X, Y, 0.1, workspace)
        allocated = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    layer = 8 * n * 400  # one hidden layer's array, 1.6 MB; a weight is 0.96 MB or more
    assert allocated < layer / 4, allocated
    assert J_ws == J
    for name in module.PARAMETERS:
        assert grads_ws[name] is workspace["d" + name]  # the workspace's arrays, as documented
        np.testing.assert_allclose(grads_ws[name], grads[name], rtol=1e-13, atol=0)


def test_a_workspace_keeps_the_dtype_of_float32_inputs():
    module = generated_module(WORKSPACE_MODELS[1])
    params = module.init_params((3, 4, 2), rng=0, dtype=np.float32)
    X, Y = np.ones((5, 3), np.float32), np.full((5, 2), 0.5, np.float32)
    workspace = module.make_workspace((3, 4, 2), 5, np.float32)
    _, grads = module.loss_and_grad(params, X, Y, 0.1, workspace)
    assert all(g.dtype == np.float32 for g in grads.values())


@pytest.mark.parametrize(
    "change, message",
    [
        (
            lambda ws: ws.update(Z=np.empty((6, 4))),
            r'workspace\["Z"\]: expected a float64 array '
            r"of shape \(n, h\) = \(5, 4\), got float64 \(6, 4\); make it with make_workspace",
        ),
        (
            lambda ws: ws.update(dW1=np.empty((4, 3), np.float32)),
            r'workspace\["dW1"\]: expected a '
            r"float64 array of shape \(h, d\) = \(4, 3\), got float32 \(4, 3\)",
        ),
        (lambda ws: ws.pop("dW2"), r'workspace\["dW2"\]: expected a float64 array .* got none'),
    ],
)
def test_a_workspace_that_does_not_fit_is_named(change, message):
    module = generated_module(WORKSPACE_MODELS[1])
    params = module.init_params((3, 4, 2), rng=0)
    workspace = dict(module.make_workspace((3, 4, 2), 5))  # a dict of one's own is checked
    change(workspace)
    with pytest.raises(ValueError, match=message):
        module.loss_and_grad(params, np.ones((5, 3)), np.full((5, 2), 0.5), 0.1, workspace)


def test_a_workspace_made_for_other_sizes_is_named_and_its_arrays_stay_fixed():
    module = generated_module(WORKSPACE_MODELS[1])
    params = module.init_params((3, 4, 2), rng=0)
    X, Y = np.ones((5, 3)), np.full((5, 2), 0.5)
    for workspace in (
        module.make_workspace((3, 4, 2), 6),
        module.make_workspace((3, 4, 2), 5, np.float32),
    ):
        with pytest.raises(ValueError, match=r'workspace\["Z"\]: expected a float64 array'):
            module.loss_and_grad(params, X, Y, 0.1, workspace)
    workspace = module.make_workspace((3, 4, 2), 5)
    module.loss_and_grad(params, X, Y, 0.1, workspace)
    with pytest.raises(
        TypeError, match="a workspace's arrays are fixed; make another with make_workspace"
    ):
        workspace["Z"] = np.empty((6, 4))
    with pytest.raises(TypeError, match="fixed"):
        workspace.update(H=None)
