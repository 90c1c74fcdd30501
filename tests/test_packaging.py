"""The templates are found in an editable install (this one) and in an installed wheel."""

import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

from helpers import ROOT

from symderiv.render import templates_dir


def test_editable_install_uses_the_checkouts_templates():
    assert templates_dir() == ROOT / "templates"


def test_wheel_carries_the_templates(tmp_path):
    wheels = tmp_path / "wheels"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", wheels, ROOT],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = wheels.glob("symderiv-*.whl")
    env = tmp_path / "venv"
    venv.create(env, with_pip=True)
    python = env / "bin" / "python"
    # symderiv's dependencies from the environment running the tests (a venv or not), by a
    # .pth file: its own .pth files, the editable install of this checkout among them, are
    # not read, so `import symderiv` can only find the wheel
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    ours = {sysconfig.get_paths()[k] for k in ("purelib", "platlib")}
    (Path(site) / "dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")
    installed = subprocess.run(
        [python, "-m", "pip", "install", "--no-deps", "-q", wheel], capture_output=True, text=True
    )
    assert installed.returncode == 0, installed.stderr
    probe = (
        "import symderiv.render as r, symderiv; print(symderiv.__file__); print(r.templates_dir())"
    )
    where = subprocess.run([python, "-c", probe], cwd=tmp_path, capture_output=True, text=True)
    package, templates = where.stdout.split()
    assert package.startswith(str(env)) and templates.startswith(str(env)), where.stdout
    done = subprocess.run(
        [env / "bin" / "symderiv", "codegen", "--activation", "tanh", "--loss", "squared"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and "def loss_and_grad(" in done.stdout, done.stderr
