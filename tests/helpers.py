"""Running the CLI as a user does: a fresh process, its exit code and its output."""

import os
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
