"""The README's Python example runs, and its code excerpt is what codegen writes."""

import re

import pytest
from helpers import ROOT, run

README = (ROOT / "README.md").read_text()


def _blocks() -> list:
    return re.findall(r"```python\n(.*?)```", README, re.S)


def test_python_example_runs():
    (code,) = [c for c in _blocks() if "import numpy" in c and "import ridge" not in c]
    namespace = {}
    exec(code, namespace)
    assert sorted(namespace["grads"]) == ["W1", "W2", "b1"]
    assert all(namespace["HV"][k].shape == namespace["params"][k].shape for k in namespace["HV"])
    assert namespace["H"].shape == (40, 40)
    assert r"\mathcal{R}" in namespace["tex"] and r"\begin{tabular}" in namespace["tex"]


def test_workspace_example_runs_and_trains():
    blocks = _blocks()
    (setup,) = [c for c in blocks if "import numpy" in c and "import ridge" not in c]
    (loop,) = [c for c in blocks if "make_workspace" in c]
    namespace = {}
    exec(setup, namespace)
    before = namespace["J"]
    exec(loop, namespace)
    net, params = namespace["net"], namespace["params"]
    after = net.loss_and_grad(params, namespace["X"], namespace["Y"], 1e-3)[0]
    assert after < before / 2  # 100 steps of gradient descent on 8 examples


def test_notebook_example_runs():
    (code,) = [c for c in re.findall(r"```python\n(.*?)```", README, re.S) if "show(" in c]
    namespace = {}
    exec(code, namespace)  # show() returns what a notebook displays; here it must not fail
    shown = namespace["show"](namespace["Model"]())
    assert shown.code is None and "$$" in shown.equations.text


@pytest.mark.parametrize(
    "marker, module", [("dW2 = np.matmul", "relu_squared.py"), ("rdZ = ", "tanh_softmax.py")]
)
def test_code_excerpts_are_current(marker, module):
    source = (ROOT / "generated" / module).read_text()
    (excerpt,) = [c for c in re.findall(r"```python\n(.*?)```", README, re.S) if marker in c]
    for line in excerpt.splitlines():
        if line.strip() != "...":
            assert line in source, line


def test_the_graph_example_derives(tmp_path):
    (spec,) = [c for c in re.findall(r"```toml\n(.*?)```", README, re.S) if "equations" in c]
    (tmp_path / "ridge.toml").write_text(spec)
    done = run("latex", "--spec", "ridge.toml", "-o", "ridge.tex", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "ridge.tex").read_text()
    assert (
        r"&= \mathbf{X}^\top \left(\mathbf{X} \mathbf{w} - \mathbf{y}\right) + \lambda \mathbf{w}"
        in text
    )


def test_the_graph_example_from_equation_to_pdf_and_code(tmp_path, monkeypatch):
    """The README's ridge regression as a newcomer runs it: each command it gives, the PDF,
    the module proven by check --validate, and the training loop, which finds w."""
    from helpers import compile_tex

    (spec,) = [c for c in re.findall(r"```toml\n(.*?)```", README, re.S) if "equations" in c]
    (tmp_path / "ridge.toml").write_text(spec)
    commands = re.findall(
        r"^    symderiv (\S+ [^#\n]*?--spec ridge\.toml.*?)(?:  +#|$)", README, re.M
    )
    assert len(commands) == 4, commands
    for command in commands:
        words = command.split(" && ")[0].split()
        done = run(*words, cwd=tmp_path)
        assert done.returncode == 0, (command, done.stdout, done.stderr)
    assert "check: ok" in done.stdout  # the last one: check --validate
    compile_tex(tmp_path / "ridge.tex")
    assert (tmp_path / "ridge.pdf").stat().st_size > 10_000
    code = (tmp_path / "ridge.py").read_text()
    assert "r = X @ w - y" in code and "dw = lam * w + X.T @ r" in code
    (loop,) = [c for c in _blocks() if "import ridge" in c]
    monkeypatch.syspath_prepend(str(tmp_path))
    namespace = {}
    exec(loop, namespace)
    assert abs(namespace["params"]["w"] - range(5)).max() < 0.05


def test_the_array_api_example_runs_on_torch(monkeypatch):
    (code,) = [c for c in _blocks() if "import torch" in c]
    monkeypatch.syspath_prepend(str(ROOT / "generated"))
    namespace = {}
    exec(code, namespace)
    torch = namespace["torch"]
    assert isinstance(namespace["J"], torch.Tensor) and namespace["J"].ndim == 0
    grads, params = namespace["grads"], namespace["params"]
    assert all(grads[k].shape == params[k].shape for k in params)
    assert all(isinstance(g, torch.Tensor) for g in grads.values())
