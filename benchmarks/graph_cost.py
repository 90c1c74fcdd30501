"""How a graph written as equations grows: chains of residual blocks of 10, 40 and 160
equations, and the catalogue's examples as whole processes.

Run from the repository root:  python benchmarks/graph_cost.py

For each chain it times, in this process, the median of REPEATS runs of: reading and checking
the equations, the backward sweep, the document's equations (LaTeX), the figure's dot source,
and the NumPy module's statements (before formatting); and prints each one's time per
equation, whose ratio to the 10-equation chain says whether generation stays linear. Then, for
every catalogue example, the whole process that derives it and writes its document, figure
and module (`symderiv build` of a config with that one model, outputs tex, svg and py),
start-up included, as a user's Python runs it: with its bytecode cache (an environment's
PYTHONDONTWRITEBYTECODE is dropped, and one run first writes the cache). Nothing here is a
test: the numbers depend on the machine.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

from symderiv.figure import dot_source
from symderiv.graphs.document import figure_of, graph_equations
from symderiv.graphs.module import graph_module_spec
from symderiv.graphs.rules import backward
from symderiv.graphs.spec import graph_from_mapping

SIZES = (10, 40, 160)  # equations
REPEATS = 5


def chain(equations: int) -> dict:
    """Residual blocks a_k = relu(W_k @ a_{k-1}) + a_{k-1}, two equations each, then a loss."""
    blocks = (equations - 1) // 2
    lines, parameters = [], {}
    previous = "x"
    for k in range(1, blocks + 1):
        parameters[f"W{k}"] = "d d"
        lines += [f"h{k} = relu(W{k} @ {previous})", f"a{k} = h{k} + {previous}"]
        previous = f"a{k}"
    lines.append(f"L = squared({previous}, y)")
    return {"inputs": {"x": "d", "y": "d"}, "parameters": parameters, "equations": lines}


def median_seconds(work) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def stages(data: dict) -> dict:
    graph = graph_from_mapping(data, "chain")
    return {
        "parse": median_seconds(lambda: graph_from_mapping(data, "chain")),
        "backward": median_seconds(lambda: backward(graph)),
        "latex": median_seconds(lambda: graph_equations(graph)),
        "dot": median_seconds(lambda: dot_source(figure_of(graph))),
        "module": median_seconds(lambda: graph_module_spec(graph)),
    }


def main() -> None:
    print("chain of residual blocks: seconds (per equation, ratio to the first)")
    first = None
    for n in SIZES:
        found = stages(chain(n))
        per = {k: v / n for k, v in found.items()}
        first = first or per
        cells = "  ".join(f"{k} {v:.3f} s ({per[k] / first[k]:.2f}×)" for k, v in found.items())
        print(f"  {n:4d} equations: {cells}")
    print(f"catalogue, whole process `symderiv build`: tex, svg and py (median of {REPEATS}):")
    config = tomllib.loads(Path("pyproject.toml").read_text())["tool"]["symderiv"]
    with tempfile.TemporaryDirectory() as folder:
        for table in config["models"]:
            if "equations" not in table:
                continue
            project = Path(folder) / table["name"]
            project.mkdir()
            model = {k: v for k, v in table.items() if k != "outputs"}
            (project / "symderiv.toml").write_text(
                'output-dir = "out"\n[[models]]\n'
                + _toml(model)
                + 'outputs = ["tex", "svg", "py"]\n'
            )
            command = [sys.executable, "-m", "symderiv", "build"]
            env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

            def build():
                subprocess.run(command, capture_output=True, check=True, cwd=project, env=env)

            build()  # the bytecode cache, as any second run has it
            seconds = median_seconds(build)
            print(f"  {table['name']:18s} {seconds:.2f} s")


def _toml(data: dict) -> str:
    def value(v):
        if isinstance(v, dict):
            return "{ " + ", ".join(f'{k} = "{x}"' for k, x in v.items()) + " }"
        if isinstance(v, list):
            return "[" + ", ".join(f'"{x}"' for x in v) + "]"
        return f'"{v}"'

    return "".join(f"{k} = {value(v)}\n" for k, v in data.items())


if __name__ == "__main__":
    main()
