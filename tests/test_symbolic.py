"""The engine's closed forms equal entrywise sympy.diff of J over explicit small matrices."""

import pytest
from sympy import Lambda

from symderiv import Model
from symderiv.activations import Activation
from symderiv.errors import UsageError
from symderiv.graphs import rules
from symderiv.model import Layer
from symderiv.scalar import t
from symderiv.validation.symbolic import hvp_mismatches, symbolic_mismatches

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
    # Break the rule of norm (the weight decay's ‖W‖): ∂J/∂W must then differ from sympy.diff.
    right = rules._call_vjp

    def wrong_norm(name, g, args, formula=None):
        found = right(name, g, args, formula)
        return tuple(0 * c for c in found) if name == "norm" else found

    monkeypatch.setattr(rules, "_call_vjp", wrong_norm)
    wrong = symbolic_mismatches(Model(activation="tanh", loss="squared"), sizes=(2, 2, 2))
    assert "∂J/∂W1[0,0]" in wrong and "∂J/∂W2[1,1]" in wrong


# R{∂J/∂θ} = H V, at the smallest sizes: its explicit form is a second derivative of J.
HVP = [
    Model(activation="phi", loss="squared", bias="hidden"),  # generic φ: φ″ stays symbolic
    Model(activation="tanh", loss="softmax_cross_entropy", bias="hidden"),
    Model(activation="relu", loss="squared", bias="all"),
    Model(activation="t*tanh(softplus(t))", loss="sigmoid_cross_entropy", reduction="sum"),
    Model(activation="elu(0.5)", loss="squared", bias="hidden", weight_decay=False),
    Model(activation="identity", loss="softmax_cross_entropy", bias="all"),
    Model(activation="gelu", loss="sigmoid_cross_entropy", bias="all"),
]
# Depth 3 at sizes 2: the explicit second derivatives of deeper or costlier stacks take minutes
# here; finite differences and autograd check hvp on every variant.
HVP_DEEP = Model(hidden=3, activation="tanh", loss="squared", bias="all")


@pytest.mark.parametrize("model", HVP, ids=lambda m: f"{m.activation}-{m.loss}-{m.bias}")
def test_hessian_vector_products_equal_second_derivatives(model):
    assert hvp_mismatches(model, sizes=(2, 3, 2)) == []


def test_deep_hessian_vector_products_equal_second_derivatives():
    assert hvp_mismatches(HVP_DEEP, sizes=(2,) * 5) == []


def test_a_wrong_second_derivative_is_caught(monkeypatch):
    # φ″ = 0 for tanh: R{∂J/∂z} loses a term, so H V differs in the first layer only.
    monkeypatch.setattr(Activation, "second_derivative", property(lambda self: Lambda(t, 0)))
    wrong = hvp_mismatches(Model(activation="tanh", loss="squared"), sizes=(2, 2, 2))
    assert "R{∂J/∂W1}[0,0]" in wrong and not any("W2" in w for w in wrong)


def test_second_derivatives_of_a_generic_loss_are_refused():
    with pytest.raises(UsageError, match="loss 'l' is symbolic: second derivatives need"):
        hvp_mismatches(Model(), sizes=(2, 2, 2))
