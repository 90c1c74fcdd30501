"""The generated helpers at the extremes, in float32 and float64, against float64 (or mpmath)
references computed from the same inputs: σ for |t| up to 1e3, softmax and logsumexp for
logits up to 1e4. Each must be as accurate as its dtype allows: a few units in the last place.
"""

import mpmath
import numpy as np
import pytest

from symderiv import Model, module_source
from symderiv.validation.numeric import load_source

ULPS = 8  # allowed error, in units of the dtype's machine epsilon, relative to the reference


@pytest.fixture(scope="module")
def helpers():
    model = Model(activation="sigmoid", loss="softmax_cross_entropy", bias="hidden")
    return load_source(module_source(model), "helpers")


def _sigmoid_reference(a):
    return np.array([float(1 / (1 + mpmath.exp(-mpmath.mpf(float(x))))) for x in a.ravel()])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_keeps_its_relative_precision_far_below_zero(helpers, dtype):
    a = np.concatenate([-np.logspace(-8, 3, 200), [0.0], np.logspace(-8, 3, 200)]).astype(dtype)
    got = helpers._sigmoid(a)
    want = _sigmoid_reference(a)
    assert got.dtype == dtype
    tiny = np.finfo(dtype).tiny  # below it the dtype has no relative precision to keep
    meaningful = want > tiny * 2**24
    error = np.abs(got.astype(np.float64) - want)[meaningful] / want[meaningful]
    assert error.max() <= ULPS * np.finfo(dtype).eps, error.max()
    assert (got[want <= tiny] >= 0).all() and np.isfinite(got).all()
    # σ(−40) is 4.2e−18 in float64, not 0
    if dtype is np.float64:
        assert helpers._sigmoid(np.array([-40.0]))[0] == pytest.approx(4.248354255291589e-18)


def test_sigmoid_propagates_nan(helpers):
    assert np.isnan(helpers._sigmoid(np.array([np.nan]))).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("level", [0.0, 1e2, 1e3, 1e4, -1e4])
def test_softmax_and_logsumexp_are_accurate_at_large_logits(helpers, dtype, level):
    rng = np.random.default_rng(int(abs(level)))
    O = (level + 3 * rng.standard_normal((40, 10))).astype(dtype)
    exact = O.astype(np.float64)
    shifted = exact - exact.max(axis=1, keepdims=True)
    p_want = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    Y = np.eye(10)[rng.integers(0, 10, 40)]
    L_want = np.log(np.exp(shifted).sum(axis=1)) - (Y * shifted).sum(axis=1)

    A = O.copy()
    lse = helpers._logsumexp(A)  # A now holds O less each row's max
    p = np.exp(A - lse[:, None])
    L = lse - np.einsum("ij,ij->i", Y.astype(dtype), A)
    assert p.dtype == dtype and L.dtype == dtype
    eps = np.finfo(dtype).eps
    big = p_want > 1e-30
    assert (np.abs(p - p_want)[big] / p_want[big]).max() <= ULPS * 4 * eps
    assert (np.abs(L - L_want) / np.maximum(L_want, 1.0)).max() <= ULPS * 4 * eps


@pytest.fixture(scope="module")
def gelu():
    return load_source(module_source(Model(activation="gelu", loss="squared")), "gelu")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_erf_is_within_a_few_ulps_everywhere(gelu, dtype):
    a = np.concatenate(
        [np.logspace(-300, 3, 600), np.linspace(0, 7, 7001), [0.4999999, 0.5, 5.9999, 6.0]]
    )
    a = np.concatenate([-a, a]).astype(dtype)
    got = gelu._erf(a)
    want = np.array([float(mpmath.erf(mpmath.mpf(float(x)))) for x in a])
    assert got.dtype == dtype
    meaningful = np.abs(want) > np.finfo(dtype).tiny
    error = np.abs(got.astype(np.float64) - want)[meaningful] / np.abs(want[meaningful])
    assert error.max() <= 4 * np.finfo(dtype).eps, error.max() / np.finfo(dtype).eps
    assert np.array_equal(np.signbit(got), np.signbit(a))


def test_erf_of_nan_and_inf(gelu):
    got = gelu._erf(np.array([np.nan, np.inf, -np.inf]))
    assert np.isnan(got[0]) and got[1] == 1 and got[2] == -1


def test_the_erf_coefficients_are_found_again():
    from symderiv import erf_coefficients as erf

    found = erf.refit()
    assert (found["P"], found["Q"], found["R"], found["S"]) == (erf.P, erf.Q, erf.R, erf.S)
    assert max(found["errors"]) < 5e-17


# Points where the helpers, not the matrix products, decide the accuracy: integer inputs and
# weights make every product exact in float32, so that pre-activations reach ±1e3 and logits
# ±1e4 without rounding. The reference is the same module in extended precision (longdouble).
EXTREMES = [
    (Model(activation="identity", loss="softmax_cross_entropy", bias="all"), 1e4),
    (Model(activation="identity", loss="sigmoid_cross_entropy", bias="all"), 40),
    (Model(activation="sigmoid", loss="softmax_cross_entropy", bias="hidden"), 1e3),
    (Model(activation="silu", loss="sigmoid_cross_entropy", bias="hidden"), 1e3),
    (Model(activation="gelu", loss="softmax_cross_entropy", bias="hidden"), 30),
    (Model(activation="t*tanh(softplus(t))", loss="squared", bias="hidden"), 1e3),
]
GRADIENT = {np.float32: 1e-5, np.float64: 1e-12}


def _integer_point(model, module, scale, rng):
    d, h, q, n = 3, 4, 3, 6
    params = module.init_params((d, h, q), rng)
    params["W1"] = rng.integers(-3, 4, (h, d)).astype(float)
    params["W2"] = rng.integers(-3, 4, (q, h)).astype(float)
    if "b1" in params:
        params["b1"] = rng.integers(-2, 3, h).astype(float)
    if "b2" in params:  # logits near ±scale and near one another: softmax is not one-hot
        params["b2"] = np.full(q, scale) * (1 if model.loss == "softmax_cross_entropy" else -1)
    X = np.round(rng.uniform(-1, 1, (n, d)) * scale / 12)
    if "b2" in params:
        X = np.round(rng.uniform(-1, 1, (n, d)))
    Y = np.eye(q)[rng.integers(0, q, n)]
    V = {k: rng.integers(-2, 3, v.shape).astype(float) for k, v in params.items()}
    return params, X, Y, V


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("model, scale", EXTREMES, ids=lambda v: getattr(v, "activation", v))
def test_gradients_and_hvp_at_the_extremes_are_as_accurate_as_the_dtype(model, scale, dtype):
    module = load_source(module_source(model), "extreme")
    rng = np.random.default_rng(7)
    params, X, Y, V = _integer_point(model, module, scale, rng)

    def at(t):
        cast = {k: v.astype(t) for k, v in params.items()}
        direction = {k: v.astype(t) for k, v in V.items()}
        J, grads = module.loss_and_grad(cast, X.astype(t), Y.astype(t), t(0.5))
        return J, grads, module.hvp(cast, X.astype(t), Y.astype(t), t(0.5), direction)

    J, grads, HV = at(dtype)
    J_ref, grads_ref, HV_ref = at(np.longdouble)
    reach = max(np.abs(X).max() * 3, np.abs(params.get("b2", 0.0)).max())
    assert reach >= scale / 10  # the point does reach the extremes
    for name in grads:
        assert grads[name].dtype == dtype
        for got, want in ((grads[name], grads_ref[name]), (HV[name], HV_ref[name])):
            # relative to the reference where it is not tiny: below √tiny, the dtype has
            # flushed what the longdouble still holds (a H·V entry of 3e-178, say)
            scale_of = max(float(np.abs(want).max()), float(np.sqrt(np.finfo(dtype).tiny)))
            error = float(np.abs(got.astype(np.longdouble) - want).max()) / scale_of
            assert error <= GRADIENT[dtype], (name, error)
