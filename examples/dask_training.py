"""Data-parallel training on a Dask cluster, with the module symderiv writes for the Array API.

X and Y are Dask arrays chunked by rows, made where they are used: each chunk of rows is drawn
on a worker from its own seed, and labelled there by a fixed teacher network, so that the data,
larger than a worker's memory, is never whole anywhere. Each step, the generated loss_and_grad
(generated/tanh_softmax_array_api.py, the section's network with tanh, a hidden bias and a
softmax cross-entropy) builds one task graph: every chunk's forward and backward, then one
tree reduction per gradient (∂J/∂W1 = Σ over the chunks of ∂J/∂Zᵀ X). The parameters enter the
graph once and reach every worker; dask.compute brings J and the gradients back to this
process, and nothing else.

    python examples/dask_training.py                     # a LocalCluster: 2 workers, 256 MiB each
    python examples/dask_training.py --scheduler tcp://10.0.0.5:8786 --examples 8388608
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import dask
import dask.array as da
import numpy as np
from dask.distributed import Client, LocalCluster

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "generated"))
import tanh_softmax_array_api as net  # noqa: E402  (generated/, found through the path above)

MiB = 2**20


def data(n: int, d: int, q: int, rows: int, seed: int = 0):
    """X (n, d) ~ N(0, 1) and one-hot labels Y (n, q) from a fixed linear teacher, as Dask
    arrays of `rows` rows a chunk, computed where they are needed."""
    X = da.random.default_rng(seed).standard_normal((n, d), chunks=(rows, d))
    teacher = np.random.default_rng(seed + 1).standard_normal((d, q))
    scores = X @ teacher
    Y = (scores == scores.max(axis=1, keepdims=True)).astype(np.float64)
    return X, Y


def step(params: dict, X, Y, lam: float):
    """J and the gradients at params: one graph, computed on the cluster; only J and the
    gradients come back."""
    shared = {k: da.from_array(v, chunks=v.shape) for k, v in params.items()}  # broadcast
    J, grads = net.loss_and_grad(shared, X, Y, lam)
    return dask.compute(J, grads)


def peak_rss(dask_worker=None) -> int:
    """The largest resident memory this process has had, in bytes (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scheduler", help="a running scheduler's address; else a LocalCluster")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="256MiB", help="each local worker's")
    parser.add_argument("--examples", type=int, default=2**21)
    parser.add_argument("--features", type=int, default=64)
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--rows", type=int, default=2**14, help="rows a chunk")
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--rate", type=float, default=0.5)
    parser.add_argument("--lam", type=float, default=1e-4)
    args = parser.parse_args(argv)

    if args.scheduler:
        client = Client(args.scheduler)
    else:
        cluster = LocalCluster(
            n_workers=args.workers,
            threads_per_worker=1,
            processes=True,
            memory_limit=args.memory_limit,
            dashboard_address=None,
        )
        client = Client(cluster)
    n, d, h, q = args.examples, args.features, args.hidden, args.classes
    X, Y = data(n, d, q, args.rows)
    size = (X.nbytes + Y.nbytes) / MiB
    limits = [w["memory_limit"] / MiB for w in client.scheduler_info()["workers"].values()]
    print(
        f"data: X ({n} × {d}) and Y ({n} × {q}), {size:,.0f} MiB in {X.numblocks[0]} chunks of "
        f"{args.rows} rows; {len(limits)} workers, memory limit {min(limits):,.0f} MiB each"
    )
    params = net.init_params((d, h, q), rng=0)
    losses = []
    for k in range(args.steps):
        start = time.perf_counter()
        J, grads = step(params, X, Y, args.lam)
        for name in params:
            params[name] = params[name] - args.rate * grads[name]
        losses.append(float(J))
        print(f"step {k}: J = {float(J):.6f}  ({time.perf_counter() - start:.2f} s)")
    peaks = client.run(peak_rss)
    for address, peak in sorted(peaks.items()):
        print(f"worker {address}: peak resident memory {peak / MiB:,.0f} MiB")
    client.close()
    return 0 if losses[-1] < losses[0] else 1


if __name__ == "__main__":
    sys.exit(main())
