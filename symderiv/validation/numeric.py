"""Generated modules checked against central finite differences, in float64.

Points are random, with the targets a loss expects (rows of Y on the simplex for softmax cross
entropy), and keep every ReLU pre-activation at least `KINK_MARGIN` away from 0, where the
derivative is a convention (ReLU′(0) = 0) and a central difference would give ½.
"""

from __future__ import annotations

import importlib.util
import sys
import types
from dataclasses import dataclass

import numpy as np

TOLERANCE = 1e-6  # relative error allowed against central differences, in float64
STEP = 1e-6  # the central difference's step
KINK_MARGIN = 1e-3


def load_source(source: str, name: str) -> types.ModuleType:
    """A module made from source text, without touching the disk or sys.modules."""
    module = types.ModuleType(name)
    exec(compile(source, f"<symderiv:{name}>", "exec"), module.__dict__)
    return module


def load_file(path, name: str | None = None) -> types.ModuleType:
    name = name or f"_symderiv_checked_{abs(hash(str(path)))}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
    return module


def sample_point(model, module, sizes, n: int, rng: np.random.Generator):
    """(params, X, Y, lam) at random, away from activation kinks."""
    d, h, q = sizes
    for _ in range(1000):
        params = module.init_params(sizes, rng)
        for name in module.PARAMETERS:
            if name.startswith("b"):
                params[name] = rng.standard_normal(params[name].shape)
        X = rng.standard_normal((n, d))
        Z = X @ params["W1"].T + params.get("b1", 0)
        if model.activation != "relu" or np.abs(Z).min() > KINK_MARGIN:
            break
    else:
        raise RuntimeError("could not draw a point away from the ReLU kink")
    if model.loss == "softmax_cross_entropy":
        Y = rng.dirichlet(np.ones(q), size=n)
    else:
        Y = rng.standard_normal((n, q))
    lam = float(rng.uniform(0.1, 1.0))
    return params, X, Y, lam


def central_differences(module, params, X, Y, lam, step=STEP) -> dict:
    """∂J/∂θ for every entry θ of every parameter, by (J(θ + ε) − J(θ − ε)) / 2ε."""
    grads = {}
    for name in module.PARAMETERS:
        grad = np.zeros_like(params[name])
        for index in np.ndindex(params[name].shape):
            values = []
            for sign in (1, -1):
                moved = {k: v.copy() for k, v in params.items()}
                moved[name][index] += sign * step
                values.append(module.forward(moved, X, Y, lam)[0])
            grad[index] = (values[0] - values[1]) / (2 * step)
        grads[name] = grad
    return grads


def relative_error(got, want) -> float:
    scale = max(np.linalg.norm(got), np.linalg.norm(want), 1e-12)
    return float(np.linalg.norm(got - want) / scale)


@dataclass(frozen=True)
class Report:
    errors: dict  # parameter → largest relative error seen over the points

    @property
    def worst(self) -> float:
        return max(self.errors.values())

    @property
    def ok(self) -> bool:
        return self.worst <= TOLERANCE


def check_against_differences(model, module, sizes=(3, 4, 2), batches=(1, 5), seed=0) -> Report:
    """The module's gradients against central differences at one random point per batch size."""
    rng = np.random.default_rng(seed)
    errors = {name: 0.0 for name in module.PARAMETERS}
    for n in batches:
        params, X, Y, lam = sample_point(model, module, sizes, n, rng)
        _, grads = module.loss_and_grad(params, X, Y, lam)
        reference = central_differences(module, params, X, Y, lam)
        for name in module.PARAMETERS:
            errors[name] = max(errors[name], relative_error(grads[name], reference[name]))
    return Report(errors)
