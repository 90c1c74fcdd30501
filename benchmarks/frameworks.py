"""The generated loss_and_grad against hand-written NumPy, JAX, PyTorch, HIPS autograd and the
bare matrix products, on the same inputs, interleaved in one run.

Run from the repository root:

    python benchmarks/frameworks.py [--quick] [--save]

Every case first checks that all peers agree with the generated code (J and every gradient),
then times them in interleaved rounds: each round runs every peer once, for enough calls to
last about 20 ms, so that a change in the machine's state touches all of them alike. It prints
the median time per call, the spread of the rounds (min–max), and each median's ratio to the
generated code and to the matrix products alone, the floor. Peers that are not installed are
reported as such (`pip install -e '.[bench]'` installs them). --save writes the table, with
the date and the BLAS NumPy uses, to benchmarks/results/. Nothing here is a test.
"""

from __future__ import annotations

import argparse
import datetime
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

from symderiv import Model, module_source
from symderiv.memory import training_peak
from symderiv.naming import DIMS, hidden_dims
from symderiv.validation.numeric import load_source, relative_error

SIZES = {  # d, h, q, n
    "tiny": (4, 5, 3, 1),
    "small": (64, 128, 10, 32),
    "medium": (784, 256, 10, 256),
    "large": (1024, 4096, 1024, 1024),
}
LAM = 1e-3
ALONE = (
    "In a process of their own: the NumPy peers alone, without JAX and PyTorch loaded (what\n"
    "a process has allocated and freed before decides whether new large arrays cost page\n"
    "faults, so the calls that allocate are timed here as a NumPy program runs them)"
)
ROUNDS = 7
BATCH_SECONDS = 0.02


def cases(quick: bool):
    """(label, model, widths, n, dtype): the section's network (no bias, weight decay)."""
    sizes = ("tiny", "small", "medium") if quick else tuple(SIZES)
    pairs = [("relu", "squared"), ("tanh", "softmax_cross_entropy")]
    if not quick:
        pairs += [("relu", "softmax_cross_entropy"), ("tanh", "squared")]
    for size in sizes:
        d, h, q, n = SIZES[size]
        for dtype in ("float64", "float32"):
            for act, loss in pairs:
                model = Model(activation=act, loss=loss)
                yield f"{size} {dtype} {act} {loss}", model, (d, h, q), n, dtype
    for size in ("small", "medium"):
        d, h, q, n = SIZES[size]
        model = Model(activation="relu", loss="softmax_cross_entropy", hidden=3)
        yield f"{size} float64 relu×3 softmax", model, (d, h, h, h, q), n, "float64"


# -- the peers: each takes (params, X, Y) and returns (J, {name: gradient as NumPy}) ----------


def hand_written(model):
    """Careful NumPy by hand: the products as the section writes them, nothing else."""
    relu = model.activation == "relu"
    softmax = model.loss == "softmax_cross_entropy"
    K = model.depth

    def loss_and_grad(params, X, Y):
        n = X.shape[0]
        Ws = [params[f"W{k}"] for k in range(1, K + 2)]
        A, As = X, [X]
        for W in Ws[:-1]:
            Z = A @ W.T
            A = np.maximum(Z, 0) if relu else np.tanh(Z)
            As.append(A)
        O = A @ Ws[-1].T
        if softmax:
            m = O.max(axis=1, keepdims=True)
            E = np.exp(O - m)
            S = E.sum(axis=1, keepdims=True)
            L = (np.log(S) + m).ravel() - (Y * O).sum(axis=1)
            G = (E / S - Y) / n
        else:
            R = O - Y
            L = 0.5 * (R * R).sum(axis=1)
            G = R / n
        J = float(L.mean() + LAM / 2 * sum(np.vdot(W, W) for W in Ws))
        grads = {}
        for k in range(K, -1, -1):
            grads[f"W{k + 1}"] = G.T @ As[k] + LAM * Ws[k]
            if k:
                G = G @ Ws[k]
                G *= (As[k] > 0) if relu else (1 - As[k] * As[k])
        return J, grads

    return loss_and_grad


def _objective(model, xp, logsumexp, relu_fn):
    """J written in a framework's NumPy-like module `xp`, with its own relu and logsumexp."""
    relu = model.activation == "relu"
    K = model.depth

    def J(params, X, Y):
        A = X
        for k in range(1, K + 1):
            Z = A @ params[f"W{k}"].T
            A = relu_fn(Z) if relu else xp.tanh(Z)
        O = A @ params[f"W{K + 1}"].T
        if model.loss == "softmax_cross_entropy":
            L = logsumexp(O) - (Y * O).sum(axis=1)
        else:
            L = 0.5 * ((O - Y) ** 2).sum(axis=1)
        return L.mean() + LAM / 2 * sum((params[f"W{k}"] ** 2).sum() for k in range(1, K + 2))

    return J


def jax_peer(model, params, X, Y):
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    from jax.scipy.special import logsumexp

    J = _objective(model, jnp, lambda O: logsumexp(O, axis=1), jax.nn.relu)
    step = jax.jit(jax.value_and_grad(J))
    on_device = {k: jnp.asarray(v) for k, v in params.items()}
    Xd, Yd = jnp.asarray(X), jnp.asarray(Y)

    def loss_and_grad(_params, _X, _Y):
        J, grads = step(on_device, Xd, Yd)
        jax.block_until_ready(grads)
        return float(J), grads

    return loss_and_grad


def torch_peer(model, params, X, Y):
    import torch

    tensors = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    Xt, Yt = torch.tensor(X), torch.tensor(Y)
    J_of = _objective(model, torch, lambda O: torch.logsumexp(O, dim=1), torch.relu)

    def loss_and_grad(_params, _X, _Y):
        for t in tensors.values():
            t.grad = None
        J = J_of(tensors, Xt, Yt)
        J.backward()
        return J.item(), {k: t.grad for k, t in tensors.items()}

    return loss_and_grad


def autograd_peer(model, params, X, Y):
    import autograd
    import autograd.numpy as anp
    from autograd.scipy.special import logsumexp

    J = _objective(model, anp, lambda O: logsumexp(O, axis=1), lambda Z: anp.maximum(Z, 0.0))
    step = autograd.value_and_grad(J)

    def loss_and_grad(params, X, Y):
        J, grads = step(params, X, Y)
        return float(J), grads

    return loss_and_grad


def matmuls(model, params, X, Y):
    """The floor: the matrix products of forward and backward alone, on arrays of the same
    shapes (forward W·h per layer; backward ∂J/∂o hᵀ, Wᵀ ∂J/∂o per layer, ∂J/∂z xᵀ)."""
    K = model.depth
    Ws = [params[f"W{k}"] for k in range(1, K + 2)]
    rng = np.random.default_rng(0)
    Gs = [rng.standard_normal((X.shape[0], W.shape[0])).astype(X.dtype) for W in Ws]

    def products(_params, X, _Y):
        A = X
        outs = []
        for W in Ws:
            A = A @ W.T
            outs.append(A)
        for k in range(K, -1, -1):
            G = Gs[k]
            G.T @ (outs[k - 1] if k else X)
            if k:
                G @ Ws[k]
        return None, {}

    return products


PEERS = {
    "hand NumPy": lambda model, params, X, Y: hand_written(model),
    "JAX jit": jax_peer,
    "PyTorch": torch_peer,
    "autograd": autograd_peer,
    "matmul only": matmuls,
}


def data(module, widths, n, dtype):
    rng = np.random.default_rng(1)
    params = module.init_params(widths, rng, dtype=np.dtype(dtype))
    X = rng.standard_normal((n, widths[0])).astype(dtype)
    Y = np.eye(widths[-1], dtype=dtype)[rng.integers(0, widths[-1], n)]
    return params, X, Y


def agree(reference, got, dtype) -> float:
    """The largest relative difference of J and the gradients from the generated code's."""
    J_ref, grads_ref = reference
    J, grads = got
    worst = abs(J - J_ref) / max(abs(J_ref), 1e-300)
    for name, want in grads_ref.items():
        worst = max(worst, relative_error(np.asarray(grads[name], dtype=np.float64), want))
    return worst


def calls_per_round(fn, args) -> int:
    """How many calls make a round of about BATCH_SECONDS, from one call after a warm-up."""
    fn(*args)
    start = time.perf_counter()
    fn(*args)
    once = time.perf_counter() - start
    number = max(1, int(BATCH_SECONDS / max(once, 1e-9)))
    return number


def run_case(label, model, widths, n, dtype, lines, alone=False):
    """Time one case; `alone`: only NumPy's peers (see ALONE)."""
    module = load_source(module_source(model), "bench")
    params, X, Y = data(module, widths, n, dtype)
    generated = lambda p, X, Y: module.loss_and_grad(p, X, Y, LAM)  # noqa: E731
    workspace = module.make_workspace(widths, n, np.dtype(dtype))
    peers = {
        "generated": generated,
        "  workspace": lambda p, X, Y: module.loss_and_grad(p, X, Y, LAM, workspace),
    }
    missing = []
    for name, make in PEERS.items():
        if alone and name not in ("hand NumPy", "matmul only"):
            continue
        try:
            peers[name] = make(model, params, X, Y)
        except ImportError:
            missing.append(name)
    reference = generated(params, X, Y)
    tolerance = 1e-8 if dtype == "float64" else 1e-3
    for name, fn in peers.items():
        if name in ("generated", "matmul only"):
            continue
        error = agree(reference, fn(params, X, Y), dtype)
        if error > tolerance:
            raise SystemExit(f"{label}: {name} disagrees with the generated code by {error:.1e}")
    numbers = {name: calls_per_round(fn, (params, X, Y)) for name, fn in peers.items()}
    rounds = {name: [] for name in peers}
    for _ in range(ROUNDS):
        for name, fn in peers.items():
            start = time.perf_counter()
            for _ in range(numbers[name]):
                fn(params, X, Y)
            rounds[name].append((time.perf_counter() - start) / numbers[name])
    median = {name: statistics.median(times) for name, times in rounds.items()}
    lines.append(f"\n{label} (d, h…, q = {widths}, n = {n})")
    for name, times in rounds.items():
        m = median[name]
        lines.append(
            f"  {name:<12} {_us(m):>11} [{_us(min(times))}–{_us(max(times))}]"
            f"  ×{m / median['generated']:.2f} of generated  ×{m / median['matmul only']:.2f}"
            " of matmul"
        )
    for name in missing:
        lines.append(f"  {name:<12} not installed (pip install -e '.[bench]')")
    print("\n".join(lines[-(len(peers) + len(missing) + 1) :]), flush=True)


def peak_memory(model, widths, n, dtype, lines):
    """The peak of one loss_and_grad call (tracemalloc: NumPy reports its arrays to it) against
    the formula `symderiv memory` prints, and with a workspace, made beforehand."""
    module = load_source(module_source(model), "bench")
    params, X, Y = data(module, widths, n, dtype)
    itemsize = np.dtype(dtype).itemsize
    values = dict(zip((DIMS["d"], *hidden_dims(model.depth), DIMS["q"]), widths))
    formula = itemsize * int(training_peak(model).subs(values | {DIMS["n"]: n}))
    workspace = module.make_workspace(widths, n, np.dtype(dtype))
    held = sum(a.nbytes for a in workspace.values())
    peaks = []
    for extra in ({}, {"workspace": workspace}):
        tracemalloc.start()
        try:
            module.loss_and_grad(params, X, Y, LAM, **extra)
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
    label = f"{model.activation} {model.loss} {dtype} (d, h…, q = {widths}, n = {n})"
    lines.append(
        f"\npeak memory of one loss_and_grad call, {label}\n"
        f"  without a workspace  {_mib(peaks[0])}, formula {_mib(formula)}:"
        f" ×{peaks[0] / formula:.3f} of the formula\n"
        f"  with a workspace     {_mib(peaks[1])} allocated in the call, besides the"
        f" workspace's {_mib(held)}"
    )
    print(lines[-1], flush=True)


def _mib(size) -> str:
    return f"{size / 2**20:,.1f} MiB"


def _us(seconds) -> str:
    return f"{seconds * 1e6:,.1f} µs"


def blas() -> str:
    try:
        info = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{info.get('name')} {info.get('version')}"
    except Exception:  # older NumPy: no dict form
        return "unknown"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny to medium, two pairs")
    parser.add_argument("--save", action="store_true", help="write benchmarks/results/")
    parser.add_argument("--alone", nargs=4, metavar=("SIZE", "DTYPE", "ACT", "LOSS"), help=ALONE)
    args = parser.parse_args(argv)
    if args.alone:
        label = " ".join(args.alone)
        size, dtype, act, loss = args.alone
        d, h, q, n = SIZES[size]
        model = Model(activation=act, loss=loss)
        run_case(f"{label}, alone", model, (d, h, q), n, dtype, [], alone=True)
        return 0
    today = datetime.date.today().isoformat()
    kind = "quick (tiny to medium)" if args.quick else "full"
    lines = [
        f"symderiv frameworks benchmark, {kind}, {today}: NumPy {np.__version__} with {blas()}, "
        f"Python {sys.version.split()[0]}, medians of {ROUNDS} interleaved rounds"
    ]
    print(lines[0])
    for case in cases(args.quick):
        run_case(*case, lines)
    lines.append(f"\n{ALONE}")
    print(lines[-1])
    for size in ("medium",) if args.quick else ("medium", "large"):
        for act, loss in (("relu", "squared"), ("tanh", "softmax_cross_entropy")):
            command = [sys.executable, __file__, "--alone", size, "float64", act, loss]
            done = subprocess.run(command, capture_output=True, text=True, check=True)
            lines.append(done.stdout.rstrip())
            print(lines[-1], flush=True)
    d, h, q, n = SIZES["medium" if args.quick else "large"]
    for act, loss in (("relu", "squared"), ("tanh", "softmax_cross_entropy")):
        peak_memory(Model(activation=act, loss=loss), (d, h, q), n, "float64", lines)
    if args.save:
        name = f"frameworks-{'quick-' if args.quick else ''}{today}.txt"
        out = Path(__file__).parent / "results" / name
        out.parent.mkdir(exist_ok=True)
        out.write_text("\n".join(lines) + "\n")
        print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
