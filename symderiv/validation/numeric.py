"""Generated modules checked against central finite differences, in float64.

Points are random, with the targets a loss expects (rows of Y on the simplex for softmax cross
entropy, in [0, 1] for sigmoid cross entropy), and keep every pre-activation at least
`KINK_MARGIN` away from its activation's kinks (0 for ReLU), where the derivative is a
convention (ReLU′(0) = 0) and a central difference would give ½.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import math
import sys
import types
from dataclasses import dataclass

import numpy as np

from ..activations import activation
from ..domain import numpy_function

TOLERANCE = 1e-6  # relative error allowed against central differences, in float64
STEP = 1e-4  # the step of the fourth-order central difference
# A steep activation (t⁴ of a layer of t⁴) needs a smaller step before truncation error falls
# below the tolerance, and a flat one (t³ of a layer of t³, gradients near 1e-5) a larger step
# before rounding does; each check takes the best of these estimates. A wrong gradient is off
# by far more than any step's error, so no step can make it pass.
STEPS = (STEP, STEP * 10, STEP / 10)
KINK_MARGIN = 1e-2  # ≫ the largest move of a pre-activation, 2 · STEP · |input|


def load_source(source: str, name: str) -> types.ModuleType:
    """A module made from source text, without touching the disk or sys.modules."""
    module = types.ModuleType(name)
    exec(compile(source, f"<symderiv:{name}>", "exec"), module.__dict__)
    return module


def load_file(path, name: str | None = None) -> types.ModuleType:
    """The module in the file at `path` (any extension), imported without writing __pycache__:
    `symderiv check` must work in a read-only checkout and leave nothing behind."""
    name = name or f"_symderiv_checked_{abs(hash(str(path)))}"
    loader = importlib.machinery.SourceFileLoader(name, str(path))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(name, loader))
    sys.modules[name] = module
    writes, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:
        loader.exec_module(module)
    finally:
        del sys.modules[name]
        sys.dont_write_bytecode = writes
    return module


def sample_point(model, module, sizes, n: int, rng: np.random.Generator):
    """(params, X, Y, lam) at random, with every pre-activation away from its layer's kinks."""
    kinks = [np.array(activation(layer.activation).kinks) for layer in model.stack[0]]
    for _ in range(1000):
        params = module.init_params(sizes, rng)
        for name in module.PARAMETERS:
            if name.startswith("b"):
                params[name] = rng.standard_normal(params[name].shape)
        X = rng.standard_normal((n, sizes[0]))
        if model.loss == "softmax_cross_entropy":
            Y = rng.dirichlet(np.ones(sizes[-1]), size=n)
        elif model.loss == "sigmoid_cross_entropy":
            Y = rng.uniform(0, 1, size=(n, sizes[-1]))
        else:
            Y = rng.standard_normal((n, sizes[-1]))
        if not any(k.size for k in kinks):
            break
        if all(
            np.abs(Z[..., None] - points).min() > KINK_MARGIN
            for Z, points in zip(pre_activations(model, params, X), kinks)
            if points.size
        ):
            break
    else:
        raise RuntimeError("could not draw a point away from the activations' kinks")
    return params, X, Y, float(rng.uniform(0.1, 1.0))


def pre_activations(model, params, X) -> list:
    """Each hidden layer's pre-activations Z, computed here from the model's formulas (the
    generated module need not keep them: ReLU's backward reads H)."""
    found, A = [], X
    for k, layer in enumerate(model.stack[0], start=1):
        Z = A @ params[f"W{k}"].T + params.get(f"b{k}", 0.0)
        found.append(Z)
        A = np.broadcast_to(numpy_function(activation(layer.activation).formula)(Z), Z.shape)
    return found


def central_differences(module, params, data, step=STEP) -> dict:
    """∂J/∂θ for every entry θ of every parameter, by the fourth-order central difference
    (8 (J(θ + ε) − J(θ − ε)) − (J(θ + 2ε) − J(θ − 2ε))) / 12ε: its truncation error is
    O(ε⁴), so ε can be large enough that rounding stays far below the tolerance. `data` are
    the arguments after params: (X, Y, lam) for a dense network."""
    grads = {}
    for name in module.PARAMETERS:
        grad = np.zeros_like(params[name])
        for index in np.ndindex(params[name].shape):
            J = {}
            for k in (-2, -1, 1, 2):
                moved = {key: value.copy() for key, value in params.items()}
                moved[name][index] += k * step
                J[k] = module.forward(moved, *data)[0]
            grad[index] = (8 * (J[1] - J[-1]) - (J[2] - J[-2])) / (12 * step)
        grads[name] = grad
    return grads


def hvp_differences(module, params, data, V, step=STEP) -> dict:
    """H V, the derivative of the gradient along V, by the same fourth-order central
    difference of loss_and_grad at θ + kεV, k = ±1, ±2."""
    grads = {}
    for k in (-2, -1, 1, 2):
        moved = {name: params[name] + k * step * V[name] for name in module.PARAMETERS}
        grads[k] = module.loss_and_grad(moved, *data)[1]
    return {
        name: (8 * (grads[1][name] - grads[-1][name]) - (grads[2][name] - grads[-2][name]))
        / (12 * step)
        for name in module.PARAMETERS
    }


def random_direction(module, params, rng) -> dict:
    """A direction V shaped like params, with standard normal entries."""
    return {name: rng.standard_normal(np.shape(params[name])) for name in module.PARAMETERS}


def relative_error(got, want, floor: float = 1e-12) -> float:
    """‖got − want‖ / max(‖got‖, ‖want‖, floor); inf where only one of them is NaN or inf
    (a NaN must never vanish into a max), 0 where both are the same non-finite values."""
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    if not (np.isfinite(got).all() and np.isfinite(want).all()):
        return 0.0 if np.array_equal(got, want, equal_nan=True) else math.inf
    scale = max(np.linalg.norm(got), np.linalg.norm(want), floor)
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

    def worst_of(self, prefix: str) -> float | None:
        """The largest error of the gradients (prefix "") or of H V ("HV "); None if none."""
        found = [
            e
            for k, e in self.errors.items()
            if k.startswith(prefix) and " " not in k[len(prefix) :]
        ]
        return max(found) if found else None


def check_against_differences(model, module, sizes=None, batches=(1, 5), seed=0) -> Report:
    """The module's gradients against central differences at one random point per batch size
    (sizes default to 3 inputs, hidden widths 4, 5, …, and 2 outputs), the same through a
    workspace (see workspace_errors) when the module has make_workspace, and, when it has
    hvp, its Hessian-vector products (keys "HV W1", …) along a random direction against
    central differences of the gradient."""
    sizes = sizes or (3, *range(4, 4 + len(module.SIZES) - 2), 2)
    rng = np.random.default_rng(seed)
    errors = {}
    for n in batches:
        params, X, Y, lam = sample_point(model, module, sizes, n, rng)
        J, grads = module.loss_and_grad(params, X, Y, lam)
        found = best_errors(
            grads, lambda h: central_differences(module, params, (X, Y, lam), h), ""
        )
        if hasattr(module, "make_workspace"):
            for name, error in workspace_errors(
                module, sizes, (params, X, Y, lam), J, grads
            ).items():
                found[name] = max(found[name], error)
        if hasattr(module, "hvp"):
            V = random_direction(module, params, rng)
            HV = module.hvp(params, X, Y, lam, V)
            differences = lambda h: hvp_differences(module, params, (X, Y, lam), V, h)  # noqa: E731
            found.update(best_errors(HV, differences, "HV "))
        for key, error in found.items():
            errors[key] = max(errors.get(key, 0.0), error)
    return Report(errors)


def workspace_errors(module, sizes, point, J, grads) -> dict:
    """How far loss_and_grad with a workspace is from (J, grads), computed without one, for each
    parameter (J's error counts for all). The workspace starts full of NaN and is used once at
    another point first, so that an array read before it is written, or a value left over from
    the call before, shows; the same operations run either way, so the errors are rounding at
    most."""
    params, X, Y, lam = point
    workspace = module.make_workspace(sizes, len(X), X.dtype)
    for array in workspace.values():
        array.fill(np.nan)
    module.loss_and_grad(
        {k: v[::-1].copy() for k, v in params.items()}, X[::-1], Y, lam, workspace
    )
    J_ws, grads_ws = module.loss_and_grad(params, X, Y, lam, workspace)
    J_error = relative_error(J_ws, J)
    return {name: max(J_error, relative_error(grads_ws[name], grads[name])) for name in grads}


def best_errors(got, differences, prefix="", floor: float = 1e-12) -> dict:
    """The error of each array against the better of the estimates at the STEPS (relative,
    below `floor` absolute: see relative_error)."""
    best = {}
    for step in STEPS:
        want = differences(step)
        for name in want:
            error = relative_error(got[name], want[name], floor)
            best[prefix + name] = min(best.get(prefix + name, np.inf), error)
        if all(e <= TOLERANCE / 100 for e in best.values()):
            break  # the first step already settles it
    return best
