"""The Python API as a new user meets it: a graph is taken wherever a Model is, a Model checks
its fields as the CLI does, and `load` hands back the generated module, imported."""

from __future__ import annotations

import re
from importlib import metadata

import numpy as np
import pytest

import symderiv
from symderiv import Model
from symderiv.errors import UsageError

MLP = {
    "inputs": {"x": "d", "y": "q"},
    "parameters": {"W1": "h d", "W2": "q h"},
    "equations": [
        "z = W1 @ x",
        "h = relu(z)",
        "o = W2 @ h",
        "L = squared(o, y)",
        "J = L + lam / 2 * (norm(W1)**2 + norm(W2)**2)",
    ],
}


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"loss": "squred"}, "Model: loss = 'squred' is not allowed; expected one of l, squared"),
        ({"hidden": 0}, "Model: hidden = 0 is not allowed; expected a whole number"),
        ({"activation": "rleu"}, "Model: activation = 'rleu' is not allowed; expected one of"),
        ({"bias": "some"}, "Model: bias = 'some' is not allowed; expected one of none, hidden"),
        ({"name": "my model"}, "Model: name = 'my model' is not allowed; expected a Python"),
        ({"weight_decay": "no"}, "Model: weight_decay = 'no' is not allowed; expected true"),
        ({"layers": [1]}, "Model: layers = [1] is not allowed; expected a tuple of Layer"),
    ],
)
def test_a_model_refuses_a_bad_field_naming_it(fields, message):
    with pytest.raises(UsageError) as caught:
        Model(**fields)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_a_model_from_a_file_still_names_the_file():
    with pytest.raises(UsageError, match=r"^net\.toml: loss = 'squred' is not allowed"):
        Model.from_mapping({"loss": "squred"}, "net.toml")


def test_the_version_is_the_installed_distribution_s():
    assert symderiv.__version__ == metadata.version("symderiv")
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*", symderiv.__version__)


def test_derive_takes_a_graph_and_writes_the_sweep_in_order():
    derivation = symderiv.derive(symderiv.graph(MLP))
    assert [name for name, _ in derivation.adjoints] == ["L", "o", "W2", "h", "z", "W1"]
    assert list(derivation.gradients) == ["W1", "W2"]
    assert str(derivation).splitlines()[:3] == [
        "∂J/∂L = 1",
        "∂J/∂o = o - y",
        "∂J/∂W2 = ∂J/∂o hᵀ + λ W2",
    ]


def test_document_and_fragment_take_a_graph():
    graph = symderiv.graph(MLP)
    document = symderiv.document(graph, hvp=True)
    assert document.startswith(r"\documentclass") and r"\end{document}" in document
    assert r"\begin{document}" not in symderiv.fragment(graph, batch=True)


@pytest.mark.parametrize("target", ["numpy", "array-api"])
def test_load_imports_a_graph_s_module_that_computes_its_objective(target):
    module = symderiv.load(symderiv.graph(MLP), target=target)
    rng = np.random.default_rng(0)
    params = {"W1": rng.standard_normal((4, 3)), "W2": rng.standard_normal((2, 4))}
    X, Y = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    J, grads = module.loss_and_grad(params, X, Y, 0.1)
    O = np.maximum(X @ params["W1"].T, 0) @ params["W2"].T
    decay = 0.05 * sum(np.sum(W**2) for W in params.values())
    assert abs(float(J) - (np.sum((O - Y) ** 2) / 2 / 5 + decay)) < 1e-12
    assert set(grads) == {"W1", "W2"}


def test_load_reads_a_toml_file_or_a_generated_file(tmp_path):
    spec = tmp_path / "net.toml"
    spec.write_text('activation = "tanh"\nloss = "squared"\n')
    assert symderiv.load(spec).PARAMETERS == ("W1", "W2")
    code = tmp_path / "net.py"
    code.write_text(symderiv.module_source(symderiv.graph(MLP)))
    assert symderiv.load(str(code)).PARAMETERS == ("W1", "W2")


def test_load_refuses_what_is_not_a_model():
    with pytest.raises(TypeError, match="expected a Model or a graph"):
        symderiv.load(3)
    with pytest.raises(UsageError, match="target 'jax' is not allowed"):
        symderiv.module_source(Model(activation="tanh", loss="squared"), target="jax")
