"""Data-parallel training on a two-worker Dask cluster with the Array API module: one step
gives the NumPy module's objective and gradients, and the example trains on data larger than a
worker's memory limit."""

from __future__ import annotations

import re
import subprocess
import sys

import dask.array as da
import numpy as np
import pytest
import sympy as sp
from dask.distributed import Client, LocalCluster
from helpers import ROOT

from symderiv import Model
from symderiv.graphs.parallel import B, data_parallel
from symderiv.graphs.presets import dense_graph
from symderiv.validation.numeric import load_file, relative_error

AGREE = 1e-12
EXAMPLE = ROOT / "examples" / "dask_training.py"


@pytest.fixture(scope="module")
def client():
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, memory_limit="256MiB",
        dashboard_address=None,
    ) as cluster, Client(cluster) as c:  # fmt: skip
        yield c


def test_a_step_on_the_cluster_is_the_numpy_module_s(client):
    sys.path.insert(0, str(ROOT / "examples"))
    try:
        import dask_training
    finally:
        sys.path.remove(str(ROOT / "examples"))
    rng = np.random.default_rng(0)
    n, d, h, q = 4096, 16, 8, 5
    X = rng.standard_normal((n, d))
    Y = np.eye(q)[rng.integers(q, size=n)]
    params = dask_training.net.init_params((d, h, q), rng=1)
    J, grads = dask_training.step(
        params, da.from_array(X, chunks=(1024, d)), da.from_array(Y, chunks=(1024, q)), 0.01
    )
    numpy_module = load_file(ROOT / "generated" / "tanh_softmax.py")
    J_np, grads_np = numpy_module.loss_and_grad(params, X, Y, 0.01)
    assert relative_error(float(J), J_np) <= AGREE
    for name in grads_np:
        assert isinstance(grads[name], np.ndarray)  # what comes back: the gradients, computed
        assert relative_error(grads[name], grads_np[name]) <= AGREE, name
    assert len(client.scheduler_info()["workers"]) == 2
    # what came back is the all-reduce payload exercise 5's section counts, b |θ| bytes
    graph = dense_graph(Model(activation="tanh", loss="softmax_cross_entropy", bias="hidden"))
    sizes = {sp.Symbol(k, integer=True, positive=True): v for k, v in zip("dhq", (d, h, q))}
    payload = data_parallel(graph).payload.subs({**sizes, B: 8})
    assert sum(g.nbytes for g in grads.values()) == payload


def test_the_example_trains_on_more_data_than_a_worker_holds():
    done = subprocess.run(
        [sys.executable, str(EXAMPLE), "--examples", str(2**20), "--steps", "2"],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr  # 0: the loss went down
    size, limit = map(
        lambda s: float(s.replace(",", "")),
        re.search(r", ([\d,]+) MiB in .* memory limit ([\d,]+) MiB each", done.stdout).groups(),
    )
    assert size > 2 * limit
    losses = [float(j) for j in re.findall(r"J = ([\d.]+)", done.stdout)]
    assert len(losses) == 2 and losses[1] < losses[0]
    peaks = [
        float(p.replace(",", ""))
        for p in re.findall(r"peak resident memory ([\d,]+)", done.stdout)
    ]
    assert len(peaks) == 2 and max(peaks) < limit
