"""Running the CLI as a user does (a fresh process, its exit code and its output), and
pdflatex as an author does."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*args, cwd=ROOT, env=None):
    """`python -m symderiv ARGS` in a new process."""
    return subprocess.run(
        [sys.executable, "-m", "symderiv", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )


PDFLATEX = shutil.which("pdflatex")


def compile_tex(path):
    assert PDFLATEX, "pdflatex is required (Debian: texlive-latex-recommended, texlive-pictures)"
    done = subprocess.run(
        [PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", path.name],
        cwd=path.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert path.with_suffix(".pdf").stat().st_size > 10_000
    return done.stdout
