"""The engine's closed forms equal entrywise sympy.diff of J over explicit small matrices."""

import pytest

from symderiv import Model, ops
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
]


@pytest.mark.parametrize(
    "model", VARIANTS, ids=lambda m: f"{m.activation}-{m.loss}-{m.bias}-{m.weight_decay}"
)
def test_closed_forms_equal_entrywise_derivatives(model):
    assert symbolic_mismatches(model, sizes=(3, 4, 2)) == []


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
