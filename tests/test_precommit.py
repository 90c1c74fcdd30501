"""The pre-commit hook other repositories use runs `symderiv check` on their project."""

import shlex
import subprocess
import sys

import yaml
from helpers import ROOT

HOOKS = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())


def test_hook_definition():
    (hook,) = HOOKS
    assert hook["id"] == "symderiv-check"
    assert hook["entry"] == "symderiv check" and hook["language"] == "python"
    # The check reads the whole project, not the files pre-commit would pass.
    assert hook["pass_filenames"] is False and hook["always_run"] is True


def _hook(cwd):
    """The hook's entry, as pre-commit runs it (the console script), in `cwd`."""
    (hook,) = HOOKS
    command, *args = shlex.split(hook["entry"])
    script = [sys.executable, "-c", "import sys; from symderiv.cli import main; sys.exit(main())"]
    assert command == "symderiv"
    return subprocess.run([*script, *args], cwd=cwd, capture_output=True, text=True)


def test_hook_passes_a_fresh_project_and_fails_a_stale_one(tmp_path):
    (tmp_path / "symderiv.toml").write_text(
        'output-dir = "grad"\n[[models]]\nname = "net"\nactivation = "tanh"\n'
        'loss = "squared"\noutputs = ["py"]\n'
    )
    assert _hook(tmp_path).returncode == 1  # nothing generated yet
    build = subprocess.run(
        [sys.executable, "-m", "symderiv", "build"], cwd=tmp_path, capture_output=True, text=True
    )
    assert build.returncode == 0, build.stderr
    done = _hook(tmp_path)
    assert done.returncode == 0 and "grad/net.py" in done.stdout, done.stdout
    module = tmp_path / "grad" / "net.py"
    decay = "    _add_scaled(dW1, lam, W1)\n"
    assert decay in module.read_text()
    module.write_text(module.read_text().replace(decay, ""))
    done = _hook(tmp_path)
    assert done.returncode == 1 and "grad/net.py: out of date" in done.stdout
