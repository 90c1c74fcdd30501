"""symderiv check --validate FILE: a hand-written backprop against the derivation."""

import pytest
from helpers import run

# The section's network with a hidden bias, written by hand, right.
HAND = """
import numpy as np

PARAMETERS = ("W1", "b1", "W2")


def loss_and_grad(params, X, Y, lam):
    W1, b1, W2 = params["W1"], params["b1"], params["W2"]
    n = X.shape[0]
    Z = X @ W1.T + b1
    H = np.tanh(Z)
    O = H @ W2.T
    J = 0.5 * np.sum((O - Y) ** 2) / n + lam / 2 * (np.sum(W1**2) + np.sum(W2**2))
    dO = (O - Y) / n
    dW2 = dO.T @ H + lam * W2
    dH = dO @ W2
    dZ = dH * (1 - H**2)
    dW1 = dZ.T @ X + lam * W1
    db1 = dZ.sum(axis=0)
    return J, {"W1": dW1, "b1": db1, "W2": dW2}
"""
MODEL = ["--activation", "tanh", "--loss", "squared", "--bias", "hidden"]


def check(tmp_path, source, *model):
    path = tmp_path / "backprop.py"
    path.write_text(source)
    return run("check", "--validate", path, *(model or MODEL))


def test_a_right_backprop_passes(tmp_path):
    done = check(tmp_path, HAND)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].endswith(
        "against one hidden layer (tanh with a bias), no output bias, "
        "squared loss (mean over the batch), ℓ2 weight decay λ"
    )
    assert [line.split()[:2] for line in lines[1:5]] == [
        ["J", "ok"],
        ["W1", "ok"],
        ["b1", "ok"],
        ["W2", "ok"],
    ]
    assert lines[-1] == "check: ok"


def test_generated_module_passes_its_own_model(tmp_path):
    model = ["--activation", "gelu", "--loss", "softmax_cross_entropy", "--hidden", "2"]
    source = run("codegen", *model).stdout
    assert check(tmp_path, source, *model).returncode == 0


@pytest.mark.parametrize(
    "change, wrong, says",
    [
        (
            ("dW1 = dZ.T @ X + lam * W1", "dW1 = dZ.T @ X"),
            "W1",
            [
                "∂J/∂W1 differs by −λ W1: the term λ W1 (through the weight decay s) is missing",
                "expected ∂J/∂W1 = ∂J/∂z xᵀ + λ W1",
            ],
        ),
        (
            ("dW2 = dO.T @ H + lam * W2", "dW2 = dO.T @ H + 2 * lam * W2"),
            "W2",
            ["∂J/∂W2 differs by λ W2: the term λ W2 (through the weight decay s) is counted"],
        ),
        (
            ("dO = (O - Y) / n", "dO = O - Y"),
            "b1",
            ["∂J/∂b1 is n = 17 times too large: the 1/n of the mean is missing"],
        ),
        (("dW2 = dO.T @ H + lam * W2", "dW2 = -(dO.T @ H + lam * W2)"), "W2", ["wrong sign"]),
        (
            ("dW2 = dO.T @ H + lam * W2", "dW2 = 0.5 * dO.T @ H + lam * W2"),
            "W2",
            ["the term ∂J/∂o hᵀ (through o) is 0.5 times what it should be"],
        ),
        (
            (" + lam / 2 * (np.sum(W1**2) + np.sum(W2**2))", ""),
            "J",
            ["J lacks the weight decay s = λ/2 Σₖ ‖Wₖ‖²", "expected J = (1/n) Σᵢ L_i + λ/2"],
        ),
        (
            ("dZ = dH * (1 - H**2)", "dZ = dH"),
            "W1",
            ["expected ∂J/∂W1 = ∂J/∂z xᵀ + λ W1"],
        ),
    ],
)
def test_a_wrong_gradient_is_named_and_explained(tmp_path, change, wrong, says):
    old, new = change
    assert old in HAND
    done = check(tmp_path, HAND.replace(old, new))
    assert done.returncode == 1, done.stdout + done.stderr
    row = next(line for line in done.stdout.splitlines() if line.split()[:1] == [wrong])
    assert row.split()[1] == "WRONG"
    for text in says:
        assert text in done.stdout, done.stdout
    assert done.stdout.splitlines()[-1] == "check: failed"


@pytest.mark.parametrize(
    "change, says",
    [
        (
            ("db1 = dZ.sum(axis=0)", "db1 = dZ"),
            "the gradient b1 is shape (1, 4); expected shape (4,)",
        ),
        (("db1 = dZ.sum(axis=0)", "db1 = 1 / 0"), "loss_and_grad raised ZeroDivisionError"),
        (
            ('PARAMETERS = ("W1", "b1", "W2")', 'PARAMETERS = ("W1", "W2")'),
            "PARAMETERS = ('W1', 'W2'), but the model has ('W1', 'b1', 'W2')",
        ),
        (("return J, {", 'return "J", {'), "loss_and_grad returned str for J; expected a number"),
        (
            ("return J, {", "return {"),
            "loss_and_grad returned dict; expected a pair (J, gradients)",
        ),
    ],
)
def test_a_module_that_breaks_the_contract_fails(tmp_path, change, says):
    done = check(tmp_path, HAND.replace(*change))
    assert done.returncode == 1 and says in done.stdout, done.stdout + done.stderr


@pytest.mark.parametrize(
    "source, args, says",
    [
        (None, ["--validate", "{tmp}/missing.py", *MODEL], "missing.py: no such file"),
        ("import nothing_here\n", MODEL, "cannot be imported: raised ModuleNotFoundError"),
        ("def f(:\n", MODEL, "cannot be imported: raised SyntaxError"),
        ("X = 1\n", MODEL, "has no PARAMETERS and no loss_and_grad"),
        (HAND, ["--activation", "tanh"], "loss 'l' is symbolic and cannot become code"),
        (HAND, [*MODEL, "--config", "pyproject.toml"], "drop --config"),
    ],
)
def test_bad_input_is_a_usage_error(tmp_path, source, args, says):
    path = tmp_path / "backprop.py"
    if source is not None:
        path.write_text(source)
        args = ["--validate", path, *args]
    args = [str(a).format(tmp=tmp_path) for a in args]
    done = run("check", *args)
    assert done.returncode == 2 and says in done.stderr, done.stderr
    assert len(done.stderr.splitlines()) == 1 and done.stdout == ""


def test_model_flags_without_validate_are_refused():
    done = run("check", "--activation", "tanh")
    assert done.returncode == 2 and "model flags go with --validate FILE" in done.stderr


@pytest.mark.parametrize(
    "change, says",
    [
        (
            ("    n = X.shape[0]", "    import sys; sys.exit(0)"),
            "loss_and_grad called sys.exit(0)",
        ),
        (("    n = X.shape[0]", "    import os; os._exit(3)"), "the process ended with status 3"),
        (("    n = X.shape[0]", "    while True: pass"), "did not finish within 2 s (--timeout)"),
        (
            ("return J, {", "return None\n    {"),
            "returned NoneType; expected a pair (J, gradients)",
        ),
        (("return J, {", "return J, object()\n    {"), "returned object for the gradients"),
        (('"W1": dW1', '"W1": object()'), "returned object for the gradient W1"),
        (('"W1": dW1', '"W1": dW1 * np.nan'), "W1  WRONG  inf  has NaN or inf where"),
        (('"W1": dW1', '"W1": dW1 + np.inf'), "W1  WRONG  inf  has NaN or inf where"),
        (("return J, {", "return np.nan, {"), "J   WRONG  inf  has NaN or inf where"),
    ],
)
def test_every_way_a_module_misbehaves_gets_a_verdict(tmp_path, change, says):
    assert change[0] in HAND
    path = tmp_path / "backprop.py"
    path.write_text(HAND.replace(*change))
    done = run("check", "--validate", path, *MODEL, "--timeout", "2")
    assert done.returncode == 1 and says in done.stdout, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1] == "check: failed"


@pytest.mark.parametrize(
    "source, says",
    [
        ("import sys\nsys.exit(0)\n", "cannot be imported: called sys.exit(0)"),
        ("while True:\n    pass\n", "importing it did not finish within 2 s"),
        ("import os\nos._exit(0)\n", "the process ended with status 0 during importing it"),
    ],
)
def test_a_module_that_will_not_import_is_a_usage_error(tmp_path, source, says):
    path = tmp_path / "backprop.txt"  # any extension: the file is read as Python source
    path.write_text(source)
    done = run("check", "--validate", path, *MODEL, "--timeout", "2")
    assert done.returncode == 2 and says in done.stderr, done.stderr


def test_a_module_imports_its_neighbours_not_symderivs(tmp_path):
    """FILE runs in a child process as it would run alone: `numeric` is its neighbour, not a
    module of symderiv's validation folder, where the child's script lives."""
    (tmp_path / "numeric.py").write_text("def scaled(a):\n    return a\n")
    source = HAND.replace("import numpy as np", "import numpy as np\nfrom numeric import scaled")
    done = check(tmp_path, source.replace("dW2 = dO.T @ H", "dW2 = scaled(dO.T) @ H"))
    assert done.returncode == 0, done.stdout + done.stderr
