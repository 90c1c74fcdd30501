"""symderiv's own code passes the pinned formatter and linter, as the generated code does."""

import shutil
import subprocess

from helpers import ROOT


def test_ruff_format_and_lint():
    ruff = shutil.which("ruff")
    assert ruff, "ruff (pinned in the test extra) is required"
    for args in (["format", "--check"], ["check"]):
        done = subprocess.run(
            [ruff, *args, "symderiv", "tests"], cwd=ROOT, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout + done.stderr
