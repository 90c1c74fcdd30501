"""symderiv's own code passes the pinned formatter and linter, as the generated code does."""

import subprocess

from helpers import ROOT
from ruff.__main__ import find_ruff_bin


def test_ruff_format_and_lint():
    ruff = find_ruff_bin()  # the pinned ruff, in the environment running the tests
    for args in (["format", "--check"], ["check"]):
        done = subprocess.run(
            [ruff, *args, "symderiv", "tests"], cwd=ROOT, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout + done.stderr
