"""The engine's closed forms equal entrywise sympy.diff of J over explicit small matrices."""

import pytest

from symderiv import Model, ops
from symderiv.model import Layer
from symderiv.validation.symbolic import symbolic_mismatches

VARIANTS = [
    Model(),  # the section as printed
    Model(bias="hidden"),  # exercise 2
    Model(bias="all", weight_decay=False),
    Model(activation="relu", loss="squared"),
    Model(activation="sigmoid", loss="squared", bias="all", weight_decay=False),
    Model(activation="tanh", loss="softmax_cross_entropy", bias="hidden"),
    Model(activation="identity", loss="softmax_cross_entropy", bias="all"),
    Model(activation="relu", loss="l", bias="hidden"),
    Model(activation="gelu", loss="sigmoid_cross_entropy", bias="all", reduction="sum"),
    Model(activation="elu(0.5)", loss="squared", bias="hidden"),
    Model(activation="t*tanh(softplus(t))", loss="softmax_cross_entropy"),
    Model(activation="max(t, 1)*erf(t)", loss="squared", bias="all"),
]
# Deeper networks, at the smallest sizes (2 everywhere) to keep the explicit formulas small.
DEEP = [
    Model(hidden=3, activation="tanh", loss="squared", bias="all"),
    Model(hidden=4),
    Model(
        layers=(Layer("relu", True), Layer("t*tanh(softplus(t))"), Layer("leaky_relu(0.2)", True)),
        loss="sigmoid_cross_entropy",
        output_bias=True,
    ),
]


@pytest.mark.parametrize("model", VARIANTS, ids=lambda m: f"{m.activation}-{m.loss}-{m.bias}")
def test_closed_forms_equal_entrywise_derivatives(model):
    assert symbolic_mismatches(model, sizes=(3, 4, 2)) == []


@pytest.mark.parametrize("model", DEEP, ids=lambda m: "+".join(x.activation for x in m.stack[0]))
def test_deep_closed_forms_equal_entrywise_derivatives(model):
    assert symbolic_mismatches(model, sizes=(2,) * (model.depth + 2)) == []


def test_a_wrong_rule_is_caught(monkeypatch):
    # Drop the weight-decay contribution: ∂J/∂W must then differ from sympy.diff.
    broken = ops.Op(
        "weight_decay",
        ops.OPS["weight_decay"].figure,
        ops.OPS["weight_decay"].forward,
        lambda step, g, *Ws: tuple(0 * W for W in Ws),
    )
    monkeypatch.setitem(ops.OPS, "weight_decay", broken)
    wrong = symbolic_mismatches(Model(activation="tanh", loss="squared"), sizes=(2, 2, 2))
    assert "∂J/∂W1[0,0]" in wrong and "∂J/∂W2[1,1]" in wrong
