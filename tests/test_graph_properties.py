"""Every graph a user writes gives the right numbers: graphs drawn by hypothesis from the
grammar of `graph_grammar`, each proven by `graph_grammar.prove` (J, gradients, H V, the
Hessian, predict, float32 and the Array API module, against autograd on the equations' text).

CI draws SYMDERIV_GRAPHS graphs (200 by default); `SYMDERIV_GRAPHS=10000 python -m pytest
tests/test_graph_properties.py` is the long run (with SYMDERIV_GRAPHS_LOG=FILE, each graph's
errors are appended to FILE, a JSON line each). The draws are derandomized: the same graphs
every run, so a failure is reproduced by running again. Each graph that ever failed is kept
as a named case in test_graph_regressions.py."""

from __future__ import annotations

import json
import os

import pytest
from graph_grammar import TOLERANCE, graphs, prove
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

GRAPHS = int(os.environ.get("SYMDERIV_GRAPHS", "200"))
LOG = os.environ.get("SYMDERIV_GRAPHS_LOG")  # a file: each graph's errors, appended


@pytest.mark.filterwarnings("ignore:Output seems independent of input")  # a zero Hessian
@settings(
    max_examples=GRAPHS,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(graphs(), st.sampled_from((1, 2, 5)))
def test_a_drawn_graph_gives_the_right_numbers(table, n):
    errors = prove(table, n)
    if LOG:  # one JSON line a graph: what the long run's report is made from
        with open(LOG, "a") as f:
            f.write(json.dumps({"equations": table["equations"], "n": n, **errors}) + "\n")
    assert max(errors.values()) <= TOLERANCE, (table["equations"], errors)
