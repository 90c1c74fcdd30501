"""Generated J and gradients against HIPS autograd on the same inputs (see reference.py)."""

import numpy as np
import pytest
from conftest import generated_module
from reference import value_and_grad

from symderiv.validation.numeric import relative_error, sample_point


@pytest.mark.parametrize("n", [1, 9])
def test_matches_autograd(concrete, n):
    module = generated_module(concrete)
    sizes = (5, *range(6, 6 + concrete.depth), 3)
    params, X, Y, lam = sample_point(concrete, module, sizes, n, np.random.default_rng(n))
    J, grads = module.loss_and_grad(params, X, Y, lam)
    J_ref, grads_ref = value_and_grad(concrete, params, X, Y, lam)
    assert J == pytest.approx(float(J_ref), rel=1e-12)
    assert sorted(grads) == sorted(grads_ref) == sorted(module.PARAMETERS)
    for name in module.PARAMETERS:
        assert grads[name].shape == params[name].shape
        assert relative_error(grads[name], grads_ref[name]) < 1e-10, name
