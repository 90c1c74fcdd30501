"""Shared fixtures: the variants every proof runs over, and their generated modules."""

from __future__ import annotations

import itertools
from functools import lru_cache

import pytest

from symderiv import Model, module_source
from symderiv.model import Layer
from symderiv.validation.numeric import load_source

CONCRETE_ACTIVATIONS = ("relu", "sigmoid", "tanh", "identity")
CONCRETE_LOSSES = ("squared", "softmax_cross_entropy")
BIASES = ("none", "hidden", "all")

# The section's network with every combination of the first activations and losses …
CONCRETE = [
    Model(activation=a, loss=l, bias=b, weight_decay=wd)
    for a, l, b, wd in itertools.product(
        CONCRETE_ACTIVATIONS, CONCRETE_LOSSES, BIASES, (True, False)
    )
]


# … every activation (named, parameterized, user formulas) and loss, one and three hidden
# layers, both reductions …
ACTIVATIONS = (
    "softplus",
    "silu",
    "gelu",
    "gelu_tanh",
    "leaky_relu",
    "leaky_relu(0.2)",
    "elu",
    "elu(0.5)",
    "t*tanh(softplus(t))",
    "max(t, 1)*erf(t)",
    "t/(1 + abs(t))",
    "sqrt(t**2 + 1) - exp(-t**2/2)",
)
LOSSES = (*CONCRETE_LOSSES, "sigmoid_cross_entropy")
CONCRETE += [
    Model(
        activation=a,
        loss=l,
        bias="all",
        hidden=1 + 2 * (i % 2),
        reduction=("mean", "sum")[i % 3 == 0],
    )
    for i, (a, l) in enumerate(itertools.product(ACTIVATIONS, LOSSES))
]
CONCRETE += [
    Model(activation=a, loss="sigmoid_cross_entropy", bias="hidden") for a in CONCRETE_ACTIVATIONS
]
# … and layers that differ from each other.
CONCRETE += [
    Model(
        layers=(Layer("relu", True), Layer("t*tanh(softplus(t))"), Layer("elu", True)),
        loss="softmax_cross_entropy",
        output_bias=True,
    ),
    Model(
        layers=(Layer("tanh"), Layer("gelu", True), Layer("identity"), Layer("sigmoid", True)),
        loss="squared",
        reduction="sum",
        weight_decay=False,
    ),
]


def model_id(model: Model) -> str:
    decay = "wd" if model.weight_decay else "nowd"
    acts = "+".join(layer.activation for layer in model.stack[0])
    bias = "".join("b" if model.has_bias(k) else "-" for k in range(1, model.depth + 2))
    return f"{acts}-{model.loss}-{bias}-{model.reduction}-{decay}"


@lru_cache(maxsize=None)
def generated_module(model: Model):
    return load_source(module_source(model), model_id(model))


@pytest.fixture(params=CONCRETE, ids=model_id)
def concrete(request):
    return request.param
