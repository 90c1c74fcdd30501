"""generated/ is up to date, outputs are deterministic, and check catches drift."""

import shutil
import tomllib

from helpers import ROOT, run


def test_generated_is_up_to_date():
    done = run("check")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "check: ok" in done.stdout


def test_build_is_byte_identical_across_runs_and_hash_seeds(tmp_path):
    outputs = []
    for seed in ("0", "1", "12345"):
        project = tmp_path / seed
        project.mkdir()
        shutil.copy(ROOT / "pyproject.toml", project)
        done = run("build", cwd=project, env={"PYTHONHASHSEED": seed})
        assert done.returncode == 0, done.stderr
        outputs.append({p.name: p.read_bytes() for p in sorted((project / "generated").iterdir())})
    assert outputs[0] == outputs[1] == outputs[2]
    assert outputs[0] == {p.name: p.read_bytes() for p in sorted((ROOT / "generated").iterdir())}


def test_the_order_of_models_in_the_config_changes_no_output(tmp_path):
    """Each model's files depend on that model alone: the repository's config, and the same
    models listed backwards, give the same bytes."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["symderiv"]
    backwards = tmp_path / "symderiv.toml"
    lines = ['output-dir = "generated"']
    for model in reversed(config["models"]):
        lines.append("[[models]]")
        lines += [f"{key} = {_toml(value)}" for key, value in model.items()]
    backwards.write_text("\n".join(lines) + "\n")
    done = run("build", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    built = {p.name: p.read_bytes() for p in sorted((tmp_path / "generated").iterdir())}
    assert built == {p.name: p.read_bytes() for p in sorted((ROOT / "generated").iterdir())}
    last = config["models"][-1]["name"]
    assert done.stdout.splitlines()[0].startswith(f"wrote generated/{last}.")


def _toml(value) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return f'"{value}"' if isinstance(value, str) else str(value)


def test_outputs_hold_no_paths_dates_or_versions():
    for path in (ROOT / "generated").iterdir():
        text = path.read_text()
        for leak in (str(ROOT), "/tmp", "2026", "graphviz version", "symderiv 0."):
            assert leak not in text, (path.name, leak)


def test_check_reports_drift_with_a_diff_and_the_fix(tmp_path):
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    shutil.copytree(ROOT / "generated", tmp_path / "generated")
    module = tmp_path / "generated" / "relu_squared.py"
    decay = "    _add_scaled(dW2, lam, W2)\n"
    module.write_text(module.read_text().replace(decay, ""))
    (tmp_path / "generated" / "seed.svg").unlink()
    done = run("check", cwd=tmp_path)
    assert done.returncode == 1
    assert "\n+" + decay in done.stdout
    assert "run `symderiv build`" in done.stdout
    assert "generated/seed.svg: missing" in done.stdout
    # the edited module is also validated, and fails
    row = next(
        line for line in done.stdout.splitlines() if line.startswith("generated/relu_squared.py ")
    )
    assert row.endswith("FAILED (> 1e-06)")
    assert run("build", cwd=tmp_path).returncode == 0
    assert run("check", cwd=tmp_path).returncode == 0


def test_check_validates_hvp_on_its_own_column(tmp_path):
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    shutil.copytree(ROOT / "generated", tmp_path / "generated")
    module = tmp_path / "generated" / "tanh_softmax.py"
    right = "rdZ = rdH * (1 - H**2) - 2 * (dH * H * rH)"
    assert right in module.read_text()
    module.write_text(module.read_text().replace(right, "rdZ = rdH * (1 - H**2)"))
    done = run("check", cwd=tmp_path)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert "gradient error  H·V error  verdict" in next(
        li for li in lines if li.startswith("module")
    )
    row = next(li for li in lines if li.startswith("generated/tanh_softmax.py "))
    gradient, hvp = (float(x) for x in row.split()[2:4])
    assert gradient <= 1e-6 < hvp and row.endswith("FAILED (> 1e-06)")
