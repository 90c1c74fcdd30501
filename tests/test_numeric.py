"""Generated gradients, and Hessian-vector products, against central finite differences (float64,
relative error ≤ 1e-6)."""

import numpy as np
import pytest
from conftest import generated_module

from symderiv import Model, module_source
from symderiv.validation.numeric import (
    TOLERANCE,
    central_differences,
    check_against_differences,
    load_source,
    relative_error,
    sample_point,
)


@pytest.mark.parametrize("seed", [0, 1])
def test_gradients_match_central_differences(concrete, seed):
    module = generated_module(concrete)
    report = check_against_differences(concrete, module, batches=(1, 7), seed=seed)
    assert sorted(report.errors) == sorted(
        [*module.PARAMETERS, *(f"HV {name}" for name in module.PARAMETERS)]
    )
    assert report.worst <= TOLERANCE, report.errors


def test_a_wrong_gradient_is_caught():
    model = Model(activation="tanh", loss="squared")
    source = module_source(model)
    decay = "    _add_scaled(dW2, lam, W2)\n"
    assert decay in source
    broken = load_source(source.replace(decay, ""), "broken")
    report = check_against_differences(model, broken)
    assert not report.ok and report.errors["W2"] > 1e-3 and report.errors["W1"] <= TOLERANCE


def test_relu_points_stay_away_from_the_kink():
    model = Model(activation="relu", loss="squared", bias="hidden")
    module = generated_module(model)
    rng = np.random.default_rng(3)
    for n in (1, 50):
        params, X, _, _ = sample_point(model, module, (3, 4, 2), n, rng)
        assert np.abs(X @ params["W1"].T + params["b1"]).min() > 1e-3


def test_softmax_cross_entropy_is_stable_for_huge_logits():
    model = Model(activation="tanh", loss="softmax_cross_entropy", bias="all")
    module = generated_module(model)
    rng = np.random.default_rng(0)
    params, X, Y, lam = sample_point(model, module, (3, 4, 5), 6, rng)
    params["W2"] *= 1000 / np.abs(params["W2"]).sum(axis=1, keepdims=True)  # |o| up to ~1000
    J, grads = module.loss_and_grad(params, X, Y, lam)
    O = module.predict(params, X)
    assert np.abs(O).max() > 500
    assert np.isfinite(J) and all(np.isfinite(g).all() for g in grads.values())
    # The exact ∂J/∂b2 is the mean of softmax(o) − y: compare with a softmax computed in
    # higher precision.
    O_long = O.astype(np.longdouble)
    P = np.exp(O_long - O_long.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    assert relative_error(grads["b2"], np.asarray(((P - Y).mean(axis=0)), dtype=float)) < 1e-12
    fd = central_differences(module, params, (X, Y, lam))
    assert relative_error(grads["W1"], fd["W1"]) <= TOLERANCE
