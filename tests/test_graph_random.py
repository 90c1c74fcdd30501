"""Graphs drawn at random from a small grammar (entrywise functions, ⊙, products with a
shared matrix, a scalar parameter, spread scalars, sums, dot products, softmax, the three
losses, shared terms in the objective), each module proven against central differences and
against autograd. Graphs that no one would write find what the catalogue does not: arrays
with two names, an array read twice in one statement, terms that cancel to a zero gradient."""

from __future__ import annotations

import random

import pytest
from test_graph_module import AUTOGRAD_TOLERANCE, _against_autograd

from symderiv.graphs.module import graph_module_source
from symderiv.graphs.spec import graph_from_mapping
from symderiv.validation.graph_numeric import check_graph_module
from symderiv.validation.numeric import load_source

FUNCTIONS = ("relu", "sigmoid", "tanh", "softplus", "silu", "gelu", "exp", "identity", "elu")
SEEDS = range(100)


def random_graph(seed: int) -> dict:
    r = random.Random(seed)
    names = ["z1"]
    equations = ["z1 = W1 @ x + b"]
    for k in range(2, r.randint(3, 6) + 1):
        u, v = r.choice(names), r.choice(names)
        right = r.choice(
            (
                f"{r.choice(FUNCTIONS)}({u})",
                f"{u} * {v}",
                f"W2 @ {u} + {v}",
                f"a * {u} - {v}",
                f"1 - {r.choice(('sigmoid', 'tanh'))}({u})",
                f"({u} + {v}) / 2",
                f"{u} * sum({v}) / 4",
                f"softmax({u}) + {v}",
                f"{u}**2 / 3 + dot({u}, {v}) * {v} / 5",
            )
        )
        equations.append(f"z{k} = {right}")
        names.append(f"z{k}")
    loss = r.choice(("squared", "softmax_cross_entropy", "sigmoid_cross_entropy"))
    shared = r.choice(("", " + lam / 2 * norm(W2)**2", " + a**2 / 2", " + logsumexp(o) / 3"))
    equations += [f"o = U @ {names[-1]}", f"J = {loss}(o, y){shared}"]
    return {
        "name": f"random{seed}",
        "inputs": {"x": "d", "y": "q"},
        "parameters": {"W1": "h d", "W2": "h h", "b": "h", "a": "", "U": "q h"},
        "equations": equations,
    }


@pytest.mark.parametrize("seed", SEEDS)
def test_a_random_graph_s_module_is_right(seed):
    table = random_graph(seed)
    graph = graph_from_mapping(table, table["name"])
    module = load_source(graph_module_source(graph), table["name"])
    report = check_graph_module(graph, module, batches=(3,), seed=seed)
    assert report.ok, (table["equations"], report.errors)
    errors = _against_autograd(graph, module, table, 4, seed=seed)
    assert max(errors.values()) <= AUTOGRAD_TOLERANCE, (table["equations"], errors)
