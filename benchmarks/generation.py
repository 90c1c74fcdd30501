"""How long generation takes, and where the time goes.

Run from the repository root:

    python benchmarks/generation.py

It times, as whole processes (medians of 7, or 3 for build), `symderiv codegen` for the
section's network with ReLU and the squared loss (the seed network has a symbolic φ and ℓ,
which cannot become code) and `symderiv build` of this repository's config in a scratch
folder. Then, in a fresh process, the stages of that codegen one after the other: Python's
start, importing symderiv, the derivation, printing the statements (module_spec), rendering
the template, and formatting with ruff. Nothing here is a test.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CODEGEN = [
    sys.executable,
    "-m",
    "symderiv",
    "codegen",
    "--activation",
    "relu",
    "--loss",
    "squared",
]

STAGES = """
import time
start = time.perf_counter()
from symderiv import Model
from symderiv.cli import main
from symderiv.codegen import format_python, module_spec
from symderiv.derivation import derive
from symderiv.render import render
marks = [("import symderiv", time.perf_counter())]
model = Model(activation="relu", loss="squared")
derive(model, batch=True)
marks.append(("derivation", time.perf_counter()))
spec = module_spec(model)  # derives again: the printing is the rest
marks.append(("printing (module_spec)", time.perf_counter()))
source = render("module.py.j2", spec=spec)
marks.append(("rendering", time.perf_counter()))
format_python(source)
marks.append(("formatting (ruff)", time.perf_counter()))
previous = start
for label, mark in marks:
    print(f"{label}\\t{mark - previous}")
    previous = mark
"""


def whole(command, cwd, runs) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=cwd, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    with tempfile.TemporaryDirectory() as scratch:
        codegen = whole([*CODEGEN, "-o", "module.py"], scratch, 7)
        shutil.copy(ROOT / "pyproject.toml", scratch)
        build = whole([sys.executable, "-m", "symderiv", "build"], scratch, 3)
        python = whole([sys.executable, "-c", "pass"], scratch, 7)
        stages = subprocess.run(
            [sys.executable, "-c", STAGES], cwd=scratch, check=True, capture_output=True, text=True
        ).stdout
    print(f"symderiv codegen (ReLU, squared), whole process  {codegen:6.3f} s")
    print(f"symderiv build (this repository's config)        {build:6.3f} s")
    print("where codegen's time goes:")
    print(f"  Python's start                                 {python:6.3f} s")
    for line in stages.splitlines():
        label, seconds = line.split("\t")
        print(f"  {label:<46} {float(seconds):6.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
