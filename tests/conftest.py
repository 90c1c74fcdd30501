"""Shared fixtures: the variants every proof runs over, and their generated modules."""

from __future__ import annotations

import itertools
from functools import lru_cache

import pytest

from symderiv import Model, module_source
from symderiv.validation.numeric import load_source

CONCRETE_ACTIVATIONS = ("relu", "sigmoid", "tanh", "identity")
CONCRETE_LOSSES = ("squared", "softmax_cross_entropy")
BIASES = ("none", "hidden", "all")

CONCRETE = [
    Model(activation=a, loss=l, bias=b, weight_decay=wd)
    for a, l, b, wd in itertools.product(
        CONCRETE_ACTIVATIONS, CONCRETE_LOSSES, BIASES, (True, False)
    )
]


def model_id(model: Model) -> str:
    decay = "wd" if model.weight_decay else "nowd"
    return f"{model.activation}-{model.loss}-bias_{model.bias}-{decay}"


@lru_cache(maxsize=None)
def generated_module(model: Model):
    return load_source(module_source(model), model_id(model))


@pytest.fixture(params=CONCRETE, ids=model_id)
def concrete(request):
    return request.param
