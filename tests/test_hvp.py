"""hvp and hessian: against autograd, by symmetry, and the dense Hessian against hvp.

(Central differences of the gradient check hvp in test_numeric, through the same report
`symderiv check` prints.)
"""

import re

import numpy as np
import pytest
from conftest import generated_module
from reference import hessian_vector_product

from symderiv import Model, module_source
from symderiv.validation.numeric import (
    TOLERANCE,
    check_against_differences,
    load_source,
    random_direction,
    relative_error,
    sample_point,
)


def _point(model, n=6, seed=0):
    module = generated_module(model)
    rng = np.random.default_rng(seed)
    sizes = (4, *range(5, 5 + model.depth), 3)
    params, X, Y, lam = sample_point(model, module, sizes, n, rng)
    return module, params, X, Y, lam, rng


def _dot(A, B):
    return sum(float(np.vdot(A[name], B[name])) for name in A)


def test_hvp_matches_autograd(concrete):
    module, params, X, Y, lam, rng = _point(concrete)
    V = random_direction(module, params, rng)
    HV = module.hvp(params, X, Y, lam, V)
    reference = hessian_vector_product(concrete, params, X, Y, lam, V)
    assert list(HV) == list(module.PARAMETERS)
    for name in module.PARAMETERS:
        assert HV[name].shape == params[name].shape
        assert relative_error(HV[name], reference[name]) < 1e-10, name


def test_hvp_is_symmetric(concrete):
    """<V1, H V2> = <V2, H V1> for random directions: the Hessian is symmetric."""
    module, params, X, Y, lam, rng = _point(concrete, seed=1)
    V1, V2 = (random_direction(module, params, rng) for _ in range(2))
    a = _dot(V1, module.hvp(params, X, Y, lam, V2))
    b = _dot(V2, module.hvp(params, X, Y, lam, V1))
    assert abs(a - b) <= 1e-12 * max(abs(a), abs(b), 1.0)


MODELS = [
    Model(activation="tanh", loss="softmax_cross_entropy", bias="hidden"),
    Model(activation="elu", loss="sigmoid_cross_entropy", bias="all", hidden=2),
]


@pytest.mark.parametrize("model", MODELS, ids=["tanh_softmax", "elu_deep"])
def test_hessian_is_hvp_on_unit_vectors(model):
    module, params, X, Y, lam, rng = _point(model)
    H = module.hessian(params, X, Y, lam)
    P = sum(p.size for p in params.values())
    assert H.shape == (P, P) and H.dtype == np.float64
    assert np.allclose(H, H.T, rtol=0, atol=1e-12 * np.abs(H).max())
    V = random_direction(module, params, rng)
    flat = np.concatenate([V[name].ravel() for name in module.PARAMETERS])
    HV = module.hvp(params, X, Y, lam, V)
    want = np.concatenate([HV[name].ravel() for name in module.PARAMETERS])
    assert relative_error(H @ flat, want) < 1e-12
    # Column 0 is the second derivative along the first entry of the first parameter.
    first = {name: np.zeros_like(p) for name, p in params.items()}
    first[module.PARAMETERS[0]].flat[0] = 1.0
    column = module.hvp(params, X, Y, lam, first)
    assert np.array_equal(H[:, 0], np.concatenate([column[n].ravel() for n in module.PARAMETERS]))


def test_hessian_refuses_what_would_not_fit():
    model = MODELS[0]
    module, params, X, Y, lam, _ = _point(model)
    P = sum(p.size for p in params.values())  # 4·5 + 5 + 5·3 = 40
    needed = P * P * 8
    with pytest.raises(ValueError, match=rf"hessian: {P} parameters need a {P} × {P} float64 "):
        module.hessian(params, X, Y, lam, max_bytes=needed - 1)
    assert module.hessian(params, X, Y, lam, max_bytes=needed).shape == (P, P)
    big = module.init_params((1000, 1000, 10), rng=0)  # P = 10⁶ + 10³ + 10⁴ = 1,011,000
    expected = r"8,176,968,000,000 bytes \(7,615.4 GiB\), over max_bytes = 268,435,456"
    with pytest.raises(ValueError, match=expected):
        module.hessian(big, np.zeros((2, 1000)), np.full((2, 10), 0.1), 0.1)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda V: V.pop("W2"), r"V: missing W2"),
        (lambda V: V.update(W1=V["W1"].T), r'V\["W1"\]: expected shape \(h, d\) = \(5, 4\)'),
        (lambda V: V.update(b1=V["b1"][:-1]), r'V\["b1"\]: expected shape \(h\) = \(5,\)'),
    ],
)
def test_a_wrong_direction_is_named(change, message):
    module, params, X, Y, lam, rng = _point(MODELS[0])
    V = random_direction(module, params, rng)
    change(V)
    with pytest.raises(ValueError, match=message):
        module.hvp(params, X, Y, lam, V)


def test_a_wrong_second_derivative_is_caught():
    """Dropping the φ″ term of R{∂J/∂z} leaves the gradient right and hvp wrong."""
    model = MODELS[0]
    source = module_source(model)
    wrong = "rdZ = rdH * (1 - H**2)\n"
    assert "rdZ = rdH * (1 - H**2) - 2 * (dH * H * rH)\n" in source
    broken = load_source(
        source.replace("rdZ = rdH * (1 - H**2) - 2 * (dH * H * rH)\n", wrong), "b"
    )
    report = check_against_differences(model, broken)
    assert all(report.errors[name] <= TOLERANCE for name in broken.PARAMETERS)
    assert report.errors["HV W1"] > 1e-3 and report.errors["HV W2"] <= TOLERANCE


def _body(source, function):
    match = re.search(rf"^def {function}\(.*?(?=^def |^[A-Z_]+ = |\Z)", source, re.S | re.M)
    return match.group(0)


@pytest.mark.parametrize("model", MODELS, ids=["tanh_softmax", "elu_deep"])
def test_cost_statement_counts_the_emitted_products(model):
    source = module_source(model)
    code = {f: _body(source, f).split('"""')[-1] for f in ("forward", "_backward", "_hvp")}
    count = {f: text.count("@") + text.count("np.matmul(") for f, text in code.items()}
    gradient = count["forward"] + count["_backward"]
    hvp = count["forward"] + count["_hvp"]  # hvp is forward, then _hvp
    docstring = _body(source, "hvp")
    assert f"hvp: {hvp} matrix products" in docstring
    assert f"loss_and_grad: {gradient} matrix products" in docstring
    assert 2 * gradient <= hvp <= 3 * gradient
