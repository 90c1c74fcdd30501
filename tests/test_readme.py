"""The README's Python example runs, and its code excerpt is what codegen writes."""

import re

import pytest
from helpers import ROOT, run

README = (ROOT / "README.md").read_text()


def test_python_example_runs():
    (code,) = [c for c in re.findall(r"```python\n(.*?)```", README, re.S) if "import numpy" in c]
    namespace = {}
    exec(code, namespace)
    assert sorted(namespace["grads"]) == ["W1", "W2", "b1"]
    assert all(namespace["HV"][k].shape == namespace["params"][k].shape for k in namespace["HV"])
    assert namespace["H"].shape == (40, 40)
    assert r"\mathcal{R}" in namespace["tex"] and r"\begin{tabular}" in namespace["tex"]


def test_workspace_example_runs_and_trains():
    blocks = re.findall(r"```python\n(.*?)```", README, re.S)
    (setup,) = [c for c in blocks if "import numpy" in c]
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
        r"&= \mathbf{X}^\top \left(-\mathbf{y} + \mathbf{X} \mathbf{w}\right) + \lambda \mathbf{w}"
        in text
    )
