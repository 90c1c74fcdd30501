"""One training step on a two-worker Dask cluster, timed against the NumPy module on the same
data, where the data fits in one process; and each worker's peak memory.

Run from the repository root:  python benchmarks/dask_step.py [--examples N]

The data is examples/dask_training.py's (X ~ N(0, 1), labels from a teacher), at sizes that fit
here. Both sides compute loss_and_grad of the section's network (tanh, a hidden bias, softmax
cross-entropy; generated/tanh_softmax.py and tanh_softmax_array_api.py):

- numpy: the NumPy module on the arrays in this process;
- dask, data kept: the Array API module on X and Y persisted on the workers (each holds its
  chunks), the parameters sent with each step, J and the gradients brought back;
- dask, data made: the same with X and Y drawn again on the workers at every step, as the
  example does for data larger than the cluster's memory.

Each time is the best of REPEATS steps; the ratio is dask / numpy. Nothing here is a test: the
numbers depend on the machine, and a local cluster shares its two cores with this process.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from dask.distributed import Client, LocalCluster, wait

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "examples"))
import dask_training  # noqa: E402  (examples/, found through the path above)

from symderiv.validation.numeric import load_file, relative_error  # noqa: E402

REPEATS = 3
MiB = 2**20


def best(f) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=2**18)
    parser.add_argument("--rows", type=int, default=2**14)
    args = parser.parse_args()
    n, d, h, q = args.examples, 64, 32, 10
    numpy_module = load_file(ROOT / "generated" / "tanh_softmax.py")
    params = dask_training.net.init_params((d, h, q), rng=0)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, memory_limit="256MiB",
        dashboard_address=None,
    ) as cluster, Client(cluster) as client:  # fmt: skip
        X, Y = dask_training.data(n, d, q, args.rows)
        X_np, Y_np = X.compute(scheduler="sync"), Y.compute(scheduler="sync")  # here
        print(
            f"n = {n}, d = {d}, h = {h}, q = {q}: X and Y {(X.nbytes + Y.nbytes) / MiB:,.0f} MiB "
            f"in {X.numblocks[0]} chunks; 2 workers, 1 thread and 256 MiB each"
        )
        J_np, grads_np = numpy_module.loss_and_grad(params, X_np, Y_np, 1e-4)
        J, grads = dask_training.step(params, X, Y, 1e-4)
        worst = max(relative_error(grads[k], grads_np[k]) for k in grads_np)
        print(f"same J and gradients: J error {relative_error(float(J), J_np):.1e}, "
              f"gradients {worst:.1e}")  # fmt: skip
        t_np = best(lambda: numpy_module.loss_and_grad(params, X_np, Y_np, 1e-4))
        t_made = best(lambda: dask_training.step(params, X, Y, 1e-4))
        kept_X, kept_Y = client.persist([X, Y])
        wait([kept_X, kept_Y])
        t_kept = best(lambda: dask_training.step(params, kept_X, kept_Y, 1e-4))
        print(f"numpy                {t_np:7.3f} s a step")
        print(f"dask, data kept      {t_kept:7.3f} s a step  ({t_kept / t_np:.1f}× numpy)")
        print(f"dask, data made      {t_made:7.3f} s a step  ({t_made / t_np:.1f}× numpy)")
        for address, peak in sorted(client.run(dask_training.peak_rss).items()):
            print(f"worker {address}: peak resident memory {peak / MiB:,.0f} MiB")


if __name__ == "__main__":
    main()
