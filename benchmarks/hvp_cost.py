"""What a Hessian-vector product costs against a gradient, measured against the cost statement.

Run from the repository root:  python benchmarks/hvp_cost.py

For a few models and sizes it times the generated `loss_and_grad` and `hvp` on the same
inputs in the same process (best of REPEATS rounds of NUMBER calls), prints the measured ratio
hvp / loss_and_grad, and beside it the ratio of multiply-adds that `hvp`'s docstring states,
counted from the emitted statements. Matrix products dominate when layers are wide, so the two
should be close there; elementwise work (φ′, φ″, softmax) weighs more when they are narrow.
Nothing here is a test: the numbers depend on the machine.
"""

from __future__ import annotations

import timeit

import numpy as np
import sympy as sp

from symderiv import Model, module_source
from symderiv.codegen import module_spec
from symderiv.naming import DIMS, hidden_dims
from symderiv.validation.numeric import load_source

REPEATS, NUMBER = 5, 20
MODELS = {
    "tanh_softmax": Model(activation="tanh", loss="softmax_cross_entropy", bias="hidden"),
    "relu_squared": Model(activation="relu", loss="squared"),
    "deep_softmax": Model(activation="relu", loss="softmax_cross_entropy", bias="all", hidden=3),
}
SIZES = ((64, 64, 10, 64), (512, 512, 10, 256), (512, 512, 512, 256))  # d, h, q, n


def best(function) -> float:
    return min(timeit.repeat(function, repeat=REPEATS, number=NUMBER)) / NUMBER


def main() -> None:
    print(f"{'model':<14} {'d, h, q, n':<18} {'grad':>9} {'hvp':>9} {'measured':>9} {'stated':>7}")
    for name, model in MODELS.items():
        module = load_source(module_source(model), name)
        gradient, hvp = module_spec(model).products
        for d, h, q, n in SIZES:
            sizes = (d, *[h] * model.depth, q)
            values = dict(zip((DIMS["d"], *hidden_dims(model.depth), DIMS["q"]), sizes))
            values[DIMS["n"]] = n
            stated = sp.sympify(hvp.multiply_adds / gradient.multiply_adds).subs(values)
            rng = np.random.default_rng(0)
            params = module.init_params(sizes, rng)
            X = rng.standard_normal((n, d))
            Y = rng.dirichlet(np.ones(q), size=n)
            V = {key: rng.standard_normal(value.shape) for key, value in params.items()}
            t_grad = best(lambda: module.loss_and_grad(params, X, Y, 1e-3))
            t_hvp = best(lambda: module.hvp(params, X, Y, 1e-3, V))
            print(
                f"{name:<14} {f'{d}, {h}, {q}, {n}':<18} {t_grad * 1e3:7.2f}ms {t_hvp * 1e3:7.2f}ms"
                f" {t_hvp / t_grad:9.2f} {float(stated):7.2f}"
            )


if __name__ == "__main__":
    main()
