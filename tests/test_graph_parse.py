"""Graphs written as equations: the catalogue's models parse with the shapes the math gives
them, and every mistake is refused with one message naming the equation, the column and what
is allowed."""

from __future__ import annotations

import pytest

from symderiv.errors import UsageError
from symderiv.graphs.spec import graph_from_mapping

RESIDUAL = {
    "name": "residual",
    "inputs": {"x": "d", "y": "q"},
    "parameters": {"W1": "h d", "b1": "h", "W2": "q h", "W3": "q d"},
    "hyperparameters": ["lam"],
    "equations": [
        "z = W1 @ x + b1",
        "h = relu(z)",
        "o = W2 @ h + W3 @ x",
        "L = softmax_cross_entropy(o, y)",
        "s = lam / 2 * (norm(W1)**2 + norm(W2)**2 + norm(W3)**2)",
        "J = L + s",
    ],
}
CATALOGUE = {
    "residual": RESIDUAL,
    "tied autoencoder": {
        "inputs": {"x": "d"},
        "parameters": {"W": "h d", "b": "h", "c": "d"},
        "equations": ["h = relu(W @ x + b)", "r = W.T @ h + c", "L = squared(r, x)"],
    },
    "dropout": {
        "inputs": {"x": "d", "m": "h", "y": "q"},
        "parameters": {"W1": "h d", "W2": "q h"},
        "hyperparameters": ["p"],
        "equations": ["z = W1 @ x", "h = m * relu(z) / (1 - p)", "L = squared(W2 @ h, y)"],
    },
    "ridge": {
        "constants": {"X": "n d", "y": "n"},
        "parameters": {"w": "d"},
        "hyperparameters": ["lam"],
        "equations": ["f = norm(X @ w - y)**2 / 2 + lam / 2 * norm(w)**2"],
    },
    "logistic": {
        "constants": {"X": "n d", "y": "n"},
        "parameters": {"w": "d"},
        "equations": ["f = sum(softplus(X @ w)) - y.T @ X @ w"],
    },
    "gaussian": {
        "constants": {"C": "k k"},
        "parameters": {"S": "k k"},
        "equations": ["f = logdet(S) + trace(inv(S) @ C)"],
    },
    "gated": {
        "inputs": {"x": "d", "y": "h"},
        "parameters": {"Wg": "h d", "Wh": "h d"},
        "equations": ["h = sigmoid(Wg @ x) * tanh(Wh @ x)", "L = squared(h, y)"],
    },
}


@pytest.mark.parametrize("name", CATALOGUE)
def test_the_catalogue_parses(name):
    graph = graph_from_mapping(CATALOGUE[name], "graph.toml")
    assert graph.warnings == ()
    final = {e.target: e.expr.shape for e in graph.equations}[graph.objective]
    assert final.is_scalar


def test_shapes_and_batch_semantics_of_the_residual_network():
    graph = graph_from_mapping(RESIDUAL, "residual.toml")
    shapes = {e.target: e.expr.shape for e in graph.equations}
    assert shapes["z"].dims == ("h", 1) and shapes["z"].per_example
    assert shapes["o"].dims == ("q", 1)
    assert shapes["L"].is_scalar and shapes["L"].per_example
    assert shapes["s"].is_scalar and not shapes["s"].per_example
    assert graph.objective == "J" and graph.reduction == "mean"
    z = graph.equations[0].expr
    assert z.op == "add" and z.args[0].op == "matmul" and z.args[1].name == "b1"


def test_a_row_vector_product_is_a_scalar_and_transposes_swap():
    graph = graph_from_mapping(CATALOGUE["logistic"], "g")
    (f,) = graph.equations
    _, linear = f.expr.args
    assert linear.op == "matmul" and linear.shape.dims == ()
    assert linear.args[0].args[0].op == "transpose"  # (yᵀ X) w


def test_lam_is_a_hyperparameter_without_being_declared():
    """As DESIGN.md writes the residual network: λ is the weight decay every module takes."""
    data = {k: v for k, v in RESIDUAL.items() if k != "hyperparameters"}
    graph = graph_from_mapping(data, "g.toml")
    assert graph.declared.hyperparameters == ("lam",)
    dropout = graph_from_mapping(CATALOGUE["dropout"], "g.toml")
    assert dropout.declared.hyperparameters == ("p", "lam")


def test_an_unused_parameter_is_a_warning():
    data = dict(RESIDUAL, parameters={**RESIDUAL["parameters"], "V": "h h"})
    graph = graph_from_mapping(data, "g.toml")
    assert graph.warnings == (
        "g.toml: the objective J does not depend on the parameter V; its gradient is zero",
    )


def _with(equations, **more):
    return {**RESIDUAL, "equations": equations, **more}


REFUSED = [
    (
        _with(["z = W1 @ x + bb"]),
        "g.toml: equations[0] 'z = W1 @ x + bb': unknown name 'bb'; the names so far are",
    ),
    (
        _with(["z = W1 @ h", "h = relu(z)", "J = sum(h)"]),
        "equations[0] 'z = W1 @ h': 'h' is used before its equation (equations[1]) (column 10)",
    ),
    (
        _with(["z = W1 @ x", "z = relu(z)", "J = sum(z)"]),
        "equations[1] 'z = relu(z)': 'z' is defined twice",
    ),
    (_with(["x = W1 @ x"]), "'x' is declared; an equation defines a new name"),
    (
        _with(["z = W2 @ x"]),
        "equations[0] 'z = W2 @ x': @ of q × h and d × 1 per example: the inner sizes h and d "
        "differ (column 5)",
    ),
    (
        _with(["z = W1 @ x + y"]),
        "+ needs two terms of one shape, not h × 1 per example and q × 1 per example",
    ),
    (_with(["z = W1 * x"]), "* of two arrays (⊙) needs one shape, not h × d and d × 1"),
    (_with(["z = x / x"]), "/ divides by a scalar, not by d × 1 per example"),
    (_with(["z = x ** 2.5"]), "an exponent is a whole number written in the equation"),
    (_with(["z = x ** 40"]), "the exponent 40 is not allowed; from -16 to 16"),
    (_with(["z = max(x)"]), "'max' is not a function symderiv can differentiate; expected"),
    (_with(["z = x.shape"]), "an attribute other than .T is not allowed in an equation"),
    (_with(["z = x[0]"]), "the character '[' at column 6 is not allowed"),
    (_with(["z = x # y"]), "the character '#' at column 7 is not allowed"),
    (_with(["z = __import__(x)"]), "'__import__' is not a function symderiv can differentiate"),
    (_with(["z = x == x"]), "expected one '=' between a name and an expression"),
    (_with(["relu = x"]), "'relu' cannot be defined"),
    (_with(["z = inv(W1)"]), "inv(…) takes a square matrix, not h × d"),
    (
        _with(["z = x @ x.T", "J = logdet(z)"]),
        "logdet(…) takes a shared matrix (parameters and constants), not one per example",
    ),
    (_with(["z = softmax(W1)"]), "softmax(…) takes a column vector, not h × d"),
    (_with(["J = squared(x, y)"]), "squared(…) takes two column vectors of one size"),
    (_with(["J = dot(x)"]), "dot(…) takes 2 arguments"),
    (_with(["J = W1 @ x"]), "the objective J is h × 1 per example; it must be a scalar"),
    (_with(["z = W1 @ x"], objective="zz"), "objective 'zz' is not the name of an equation"),
    (
        _with(RESIDUAL["equations"][:-1] + ["J = L * s"]),
        "the objective J has the shared term 's' inside a per-example term; over a minibatch",
    ),
    (
        _with(RESIDUAL["equations"][:-1] + ["J = (L + s)**2"]),
        "has the shared term 's' inside a per-example term",
    ),
    ({**RESIDUAL, "inputs": {"x": "d e f"}}, "inputs.x: the shape 'd e f' is not allowed"),
    ({**RESIDUAL, "constants": {"x": "d"}}, "'x' is declared twice (inputs and constants)"),
    ({**RESIDUAL, "layers": 2}, "unknown key 'layers'; a graph has name, inputs"),
    ({**RESIDUAL, "parameters": {}}, "parameters: a graph needs at least one parameter"),
    ({**RESIDUAL, "reduction": "max"}, "reduction 'max' is not allowed; expected mean or sum"),
    ({**RESIDUAL, "equations": "J = 1"}, "equations must be a non-empty list of strings"),
    (_with(["z = W1 @ x +"]), "not an expression: invalid syntax at column"),
    (_with(["z = 1e9 * x"]), "the number 1000000000.0 is not allowed; at most 1e6"),
    ({**RESIDUAL, "functions": {"f": "t/(t-1)"}}, "functions.f: the formula is not a finite"),
    (
        {**RESIDUAL, "functions": {"relu": "t"}},
        "functions: 'relu' is not allowed; expected a name",
    ),
    ({**RESIDUAL, "functions": {"x": "t"}}, "'x' is declared twice (inputs and functions)"),
    (
        {**RESIDUAL, "functions": {"g": "t*t"}, "equations": ["J = sum(g(x, x))"]},
        "g(…) takes 1 argument",
    ),
]


@pytest.mark.parametrize("data, message", REFUSED, ids=lambda v: str(v)[:40])
def test_mistakes_are_refused_by_name(data, message):
    with pytest.raises(UsageError) as caught:
        graph_from_mapping(data, "g.toml")
    text = str(caught.value)
    assert message in text and text.startswith("g.toml: ") and "\n" not in text


def test_shared_terms_and_scaled_terms_are_accepted():
    scaled = RESIDUAL["equations"][:-1] + ["J = 2 * L - lam * L / 3 + s * 0.5"]
    graph = graph_from_mapping(_with(scaled), "g")
    assert graph.objective == "J"
