"""The README's Python example runs, and its code excerpt is what codegen writes."""

import re

from helpers import ROOT

README = (ROOT / "README.md").read_text()


def test_python_example_runs():
    (code,) = [c for c in re.findall(r"```python\n(.*?)```", README, re.S) if "import" in c]
    namespace = {}
    exec(code, namespace)
    assert sorted(namespace["grads"]) == ["W1", "W2", "b1"]


def test_code_excerpt_is_current():
    module = (ROOT / "generated" / "relu_squared.py").read_text()
    (excerpt,) = [c for c in re.findall(r"```python\n(.*?)```", README, re.S) if "dW2" in c]
    for line in excerpt.splitlines():
        if line.strip() != "...":
            assert line in module, line
