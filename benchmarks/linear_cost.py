"""How derivation and emission grow with depth: K = 1, 4, 16, 64 hidden layers.

Run from the repository root:  python benchmarks/linear_cost.py

For each K it times whole processes (`symderiv codegen`, `symderiv latex --fragment`, and
`symderiv latex`, which also lays the figure out with Graphviz's dot), the median of REPEATS
runs, and, in this process, the derivation, the code, the equations and dot alone. It prints
the sizes of what was emitted and every figure's ratio to K = 1. Nothing here is a test: the
numbers depend on the machine.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

from symderiv import Model, derive, fragment, module_source
from symderiv.figure import dot_source, graph_of, run_dot

DEPTHS = (1, 4, 16, 64)
REPEATS = 3


def model(K: int) -> Model:
    return Model(hidden=K, activation="relu", loss="softmax_cross_entropy", bias="all")


def flags(K: int) -> list[str]:
    return [
        "--hidden",
        str(K),
        "--activation",
        "relu",
        "--loss",
        "softmax_cross_entropy",
        "--bias",
        "all",
    ]


def process_seconds(args: list[str]) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "symderiv", *args],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def in_process_seconds(function) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    rows = []
    for K in DEPTHS:
        m = model(K)
        code, equations = module_source(m), fragment(m)
        rows.append(
            {
                "K": K,
                "codegen": process_seconds(["codegen", *flags(K)]),
                "fragment": process_seconds(["latex", "--fragment", *flags(K)]),
                "latex": process_seconds(["latex", *flags(K)]),
                "derive": in_process_seconds(lambda: derive(m)),
                "code": in_process_seconds(lambda: module_source(m)),
                "equations": in_process_seconds(lambda: fragment(m)),
                "dot": in_process_seconds(
                    lambda: run_dot(dot_source(graph_of(derive(m).tape)), "plain")
                ),
                "code lines": code.count("\n"),
                "tex lines": equations.count("\n"),
            }
        )
    columns = list(rows[0])[1:]
    print("K    " + "".join(f"{c:>12}" for c in columns))
    for row in rows:
        cells = "".join(
            f"{row[c]:>11.3f}s" if isinstance(row[c], float) else f"{row[c]:>12}" for c in columns
        )
        print(f"{row['K']:<5}{cells}")
    print("\nratio to K = 1 (K itself grows 4, 16, 64 times)")
    for row in rows[1:]:
        print(f"{row['K']:<5}" + "".join(f"{row[c] / rows[0][c]:>11.2f}x" for c in columns))
    print("\nper added layer, between consecutive depths")
    for a, b in zip(rows, rows[1:]):
        step = b["K"] - a["K"]
        print(
            f"{a['K']:>2}→{b['K']:<3}"
            + "".join(
                f"{(b[c] - a[c]) / step * (1000 if isinstance(b[c], float) else 1):>10.1f}"
                + ("ms" if isinstance(b[c], float) else "  ")
                for c in columns
            )
        )


if __name__ == "__main__":
    main()
