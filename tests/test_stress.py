"""Generated code under stress: float32, huge logits, saturated activations, NaN and inf,
and inputs left as they were."""

import warnings

import numpy as np
import pytest
from conftest import generated_module

from symderiv import Model
from symderiv.validation.numeric import random_direction, relative_error, sample_point

# float32 carries about 7 digits; after a few layers of sums, 1e-4 relative is the bar.
FLOAT32_TOLERANCE = 1e-4


def _point(model, n=5, seed=0):
    module = generated_module(model)
    sizes = (3, *range(4, 4 + model.depth), 2)
    return module, *sample_point(model, module, sizes, n, np.random.default_rng(seed))


def _as32(arrays):
    return {k: v.astype(np.float32) for k, v in arrays.items()}


def test_float32_stays_float32_and_agrees_with_float64(concrete):
    module, params, X, Y, lam = _point(concrete)
    V = random_direction(module, params, np.random.default_rng(1))
    X32, Y32, p32, V32 = X.astype(np.float32), Y.astype(np.float32), _as32(params), _as32(V)
    J, grads = module.loss_and_grad(p32, X32, Y32, lam)
    _, cache = module.forward(p32, X32, Y32, lam)
    HV = module.hvp(p32, X32, Y32, lam, V32)
    arrays = [*grads.values(), *HV.values(), module.predict(p32, X32)]
    arrays += [v for v in cache.values() if isinstance(v, np.ndarray)]
    assert {a.dtype for a in arrays} == {np.dtype(np.float32)}
    J64, grads64 = module.loss_and_grad(params, X, Y, lam)
    HV64 = module.hvp(params, X, Y, lam, V)
    assert type(J) is float and abs(J - J64) <= FLOAT32_TOLERANCE * abs(J64)
    for name in module.PARAMETERS:
        assert relative_error(grads[name], grads64[name]) <= FLOAT32_TOLERANCE, name
        assert relative_error(HV[name], HV64[name]) <= FLOAT32_TOLERANCE, name


@pytest.mark.parametrize("loss", ["softmax_cross_entropy", "sigmoid_cross_entropy"])
def test_logits_of_a_thousand_give_finite_exact_results(loss):
    model = Model(activation="tanh", loss=loss, bias="all")
    module, params, X, Y, lam = _point(model, n=6)
    params["W2"] *= 1000 / np.abs(params["W2"]).sum(axis=1, keepdims=True)
    O = module.predict(params, X)
    assert 300 < np.abs(O).max() <= 1000
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow, not even a warning
        J, grads = module.loss_and_grad(params, X, Y, lam)
        HV = module.hvp(
            params, X, Y, lam, random_direction(module, params, np.random.default_rng(2))
        )
    # The same quantities, written independently with stable formulas in float64.
    if loss == "softmax_cross_entropy":
        m = O.max(axis=1, keepdims=True)
        log_p = O - m - np.log(np.exp(O - m).sum(axis=1, keepdims=True))
        L = -(Y * log_p).sum(axis=1)
        dO = (np.exp(log_p) - Y) / len(X)
    else:
        L = (np.logaddexp(0, O) - Y * O).sum(axis=1)
        dO = (0.5 * np.tanh(0.5 * O) + 0.5 - Y) / len(X)
    s = lam / 2 * (np.vdot(params["W1"], params["W1"]) + np.vdot(params["W2"], params["W2"]))
    assert J == pytest.approx(L.mean() + s, rel=1e-12)
    assert relative_error(grads["b2"], dO.sum(axis=0)) < 1e-12
    assert all(np.isfinite(v).all() for v in (*grads.values(), *HV.values()))


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "softplus", "silu", "gelu", "elu"])
def test_saturated_activations_give_finite_gradients(activation):
    model = Model(activation=activation, loss="squared", bias="hidden")
    module, params, X, Y, lam = _point(model, n=4)
    params["W1"] *= 1000  # pre-activations in the thousands, both signs
    _, cache = module.forward(params, X, Y, lam)
    Z = cache["Z"] if "Z" in cache else X @ params["W1"].T + params["b1"]
    assert np.abs(Z).max() > 500
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _, grads = module.loss_and_grad(params, X, Y, lam)
        HV = module.hvp(
            params, X, Y, lam, random_direction(module, params, np.random.default_rng(3))
        )
    assert all(np.isfinite(v).all() for v in (*grads.values(), *HV.values()))


@pytest.mark.parametrize("where", ["X", "Y", "W1", "lam"])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_and_inf_propagate_as_the_docstring_says(where, bad):
    model = Model(activation="relu", loss="squared", bias="hidden")
    module, params, X, Y, lam = _point(model)
    doc = " ".join(module.__doc__.split())
    assert "NaN or inf in X, Y or the parameters, or in lam, is not checked for" in doc
    if where == "lam":
        lam = bad
    else:
        arrays = {"X": X, "Y": Y, **params}
        arrays[where][0, 0] = bad
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # inf − inf and the like, on purpose
        J, grads = module.loss_and_grad(params, X, Y, lam)
    assert not np.isfinite(J)
    assert not all(np.isfinite(g).all() for g in grads.values())


def test_without_weight_decay_lam_is_not_read_as_the_docstring_says():
    model = Model(activation="relu", loss="squared", bias="hidden", weight_decay=False)
    module, params, X, Y, _ = _point(model)
    assert "(lam is not read)" in " ".join(module.__doc__.split())
    J, grads = module.loss_and_grad(params, X, Y, np.nan)
    assert np.isfinite(J) and all(np.isfinite(g).all() for g in grads.values())


def test_no_function_modifies_its_inputs():
    model = Model(activation="tanh", loss="softmax_cross_entropy", bias="all", hidden=2)
    module, params, X, Y, lam = _point(model)
    V = random_direction(module, params, np.random.default_rng(4))
    before = [{k: v.copy() for k, v in params.items()}, X.copy(), Y.copy()]
    directions = {k: v.copy() for k, v in V.items()}
    module.predict(params, X)
    _, cache = module.forward(params, X, Y, lam)
    module.backward(params, cache, lam)
    module.hvp(params, X, Y, lam, V)
    module.hessian(params, X, Y, lam)
    assert all(np.array_equal(params[k], before[0][k]) for k in params)
    assert np.array_equal(X, before[1]) and np.array_equal(Y, before[2])
    assert all(np.array_equal(V[k], directions[k]) for k in V)
