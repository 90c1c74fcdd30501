"""The rules of every operation, proven on the catalogue: at small sizes, with explicit
matrices of symbols, the backward sweep equals sympy.diff of the objective, entry by entry, at
random points (relative error ≤ 1e-10)."""

from __future__ import annotations

import pytest
import sympy as sp
from graph_eval import Explicit, cells, number
from test_graph_parse import CATALOGUE

from symderiv.graphs.rules import adjoint_symbol, backward
from symderiv.graphs.spec import graph_from_mapping

MORE = {  # operations the catalogue does not use, each in a small graph of its own
    "softmax and log_softmax": {
        "inputs": {"x": "d"},
        "parameters": {"W": "q d", "v": "q"},
        "equations": ["p = softmax(W @ x)", "r = log_softmax(W @ x)", "f = dot(p, v) + sum(r)"],
    },
    "logsumexp, exp, sqrt, abs, powers": {
        "inputs": {"x": "d"},
        "parameters": {"W": "q d"},
        "equations": [
            "o = W @ x",
            "f = logsumexp(o) + sum(exp(o) ** 2) + norm(abs(o)) "
            "+ sum(sqrt(exp(o))) + sum(o ** -2)",
        ],
    },
    "det and a matrix power of a transpose": {
        "constants": {"C": "k k"},
        "parameters": {"S": "k k", "w": "k"},
        "equations": ["f = det(S) + w.T @ S.T @ C @ w - trace(S @ S) / 3"],
    },
    "a function declared as a formula in t": {
        "functions": {"mish": "t*tanh(softplus(t))"},
        "inputs": {"x": "d", "y": "q"},
        "parameters": {"W1": "h d", "W2": "q h"},
        "equations": ["h = mish(W1 @ x)", "L = squared(W2 @ h, y)"],
    },
    "sigmoid cross-entropy and a scalar parameter": {
        "inputs": {"x": "d", "y": "q"},
        "parameters": {"W": "q d", "a": ""},
        "equations": ["o = a * (W @ x)", "f = sigmoid_cross_entropy(o, y) + a ** 2 / 2"],
    },
}
MORE["a scalar spread over an array, an adjoint read twice in one statement"] = {
    "inputs": {"x": "d", "y": "q"},
    "parameters": {"Wt": "d d", "Wh": "d d", "V": "q d", "c": ""},
    "equations": [
        "t = sigmoid(Wt @ x)",
        "h = tanh(Wh @ x) + c",
        "g = t * h + (1 - t) * x",
        "L = softmax_cross_entropy(V @ g, y)",
    ],
}
MORE["a sum read by two equations, holding a softmax"] = {  # kept once, after its softmax
    "inputs": {"x": "d", "y": "d"},
    "parameters": {"W": "d d", "a": ""},
    "equations": [
        "z = W @ x",
        "u = softmax(z) + z",
        "v = softmax(z) + z",
        "o = a * u - v",
        "J = squared(o, y) + logsumexp(o) / 3",
    ],
}
GRAPHS = {**CATALOGUE, **MORE}


@pytest.mark.parametrize("name", GRAPHS)
def test_backward_matches_sympy_diff(name):
    graph = graph_from_mapping(GRAPHS[name], name)
    at = Explicit(graph)
    J = at.forward()
    swept = {}
    for line in backward(graph):
        swept[line.name] = at.put(adjoint_symbol(line.name, at.shapes[line.name]), line.total)
    point = at.point()
    worst = 0.0
    for p, shape in graph.declared.parameters.items():
        mine = [swept[p]] if shape.is_scalar else list(swept[p])
        for cell, have in zip(cells(shape, p), mine):
            # every other entry at its value first: J in one variable differentiates fast
            others = {k: v for k, v in point.items() if k != cell}
            want = number(sp.diff(J.xreplace(others), cell), {cell: point[cell]})
            worst = max(worst, abs(number(have, point) - want) / max(1.0, abs(want)))
    assert worst <= 1e-10, worst


def test_a_name_read_twice_sums_its_readers():
    """x feeds W1 @ x and W3 @ x in the residual network, W1 feeds z and s: each adjoint lists
    one term per reader, in the order of the readers' equations, and is written as soon as
    every reader has been swept (∂J/∂W2 right after ∂J/∂o), as the section does."""
    graph = graph_from_mapping(GRAPHS["residual"], "residual")
    swept = {line.name: line for line in backward(graph)}
    assert [reader for reader, _ in swept["W1"].terms] == ["z", "s"]
    assert [reader for reader, _ in swept["o"].terms] == ["L"]
    assert [line.name for line in backward(graph)] == [
        "J", "L", "s", "o", "W2", "h", "W3", "z", "W1", "b1",
    ]  # fmt: skip
    ridge = graph_from_mapping(GRAPHS["ridge"], "ridge")
    (_, w) = backward(ridge)
    assert str(w.total) == "df*X.T*(X*w - y) + (df*lam)*w"  # Xᵀ(Xw − y) + λw, with ∂J/∂f = 1
