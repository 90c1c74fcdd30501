"""The module the graph engine writes for a dense preset, timed against the dense module.

Run from the repository root:  python benchmarks/preset_speed.py

For a few dense networks at (784, 256[, 256, 256], 10) with n = 256, it writes the dense module
(codegen) and the module of the same network's equations (`symderiv preset`, then the graph
engine), checks that both give the same J and gradients, and times `loss_and_grad` of each,
with and without a workspace, in interleaved rounds (best of REPEATS rounds of NUMBER calls),
printing each time and the ratio graph / dense. It says how far the one engine's code is from
the dense engine's careful code. Nothing here is a test: the numbers depend on the machine.
"""

from __future__ import annotations

import timeit

import numpy as np

from symderiv import Model, module_source
from symderiv.graphs.module import graph_module_source
from symderiv.graphs.presets import dense_graph
from symderiv.validation.numeric import load_source, relative_error

REPEATS, NUMBER = 7, 10
N = 256
MODELS = {
    "tanh_softmax": Model(activation="tanh", loss="softmax_cross_entropy", bias="hidden"),
    "relu_squared": Model(activation="relu", loss="squared"),
    "deep_softmax": Model(activation="relu", loss="softmax_cross_entropy", bias="all", hidden=3),
    "gelu_squared": Model(activation="gelu", loss="squared", bias="all"),
}


def main() -> None:
    print(f"loss_and_grad, float64, n = {N}: best of {REPEATS} rounds of {NUMBER} calls, ms")
    print(f"  {'model':14s} {'workspace':9s} {'dense':>8s} {'graph':>8s} {'graph/dense':>11s}")
    for name, model in MODELS.items():
        dense = load_source(module_source(model), "dense")
        graph = load_source(graph_module_source(dense_graph(model)), "graph")
        sizes = (784, *[256] * model.depth, 10)
        rng = np.random.default_rng(0)
        params = dense.init_params(sizes, rng)
        for key in params:
            if key.startswith("b"):
                params[key] = rng.standard_normal(params[key].shape)
        X = rng.standard_normal((N, sizes[0]))
        Y = rng.dirichlet(np.ones(sizes[-1]), N)
        J, grads = dense.loss_and_grad(params, X, Y, 1e-3)
        J_graph, grads_graph = graph.loss_and_grad(params, X, Y, 1e-3)
        worst = max(relative_error(grads_graph[k], grads[k]) for k in grads)
        assert relative_error(J_graph, J) <= 1e-10 and worst <= 1e-10, (name, worst)
        workspaces = {
            "dense": dense.make_workspace(sizes, N),
            "graph": graph.make_workspace(sizes, N),  # the preset's SIZES are the dense ones
        }
        for use in (False, True):
            best = {"dense": float("inf"), "graph": float("inf")}
            for _ in range(REPEATS):  # interleaved, so that both see the same machine
                for key, module in (("dense", dense), ("graph", graph)):
                    extra = (workspaces[key],) if use else ()
                    seconds = timeit.timeit(
                        lambda: module.loss_and_grad(params, X, Y, 1e-3, *extra), number=NUMBER
                    )
                    best[key] = min(best[key], seconds / NUMBER)
            ratio = best["graph"] / best["dense"]
            print(
                f"  {name:14s} {'yes' if use else 'no':9s} {best['dense'] * 1e3:8.3f} "
                f"{best['graph'] * 1e3:8.3f} {ratio:11.2f}"
            )


if __name__ == "__main__":
    main()
