"""The CLI as a user meets it: every bad flag or TOML value exits 2 with one line naming it,
and writes nothing (an existing output file is left as it was)."""

import re

import pytest
from helpers import run

BAD_FLAGS = [
    (
        ["latex", "--activation", "swish"],
        "--activation 'swish' is not allowed; expected one of phi, relu",
    ),
    (["latex", "--loss", "hinge"], "--loss 'hinge' is not allowed; expected one of l, squared"),
    (
        ["codegen", "--activation", "relu", "--loss", "squared", "--bias", "some"],
        "--bias 'some' is not allowed; expected one of none, hidden, all",
    ),
    (
        ["latex", "--hidden", "0"],
        "--hidden 0 is not allowed; expected a whole number of hidden layers from 1 to 256",
    ),
    (["latex", "--hidden", "300"], "--hidden 300 is not allowed"),
    (
        ["latex", "--reduction", "median"],
        "--reduction 'median' is not allowed; expected one of mean, sum",
    ),
    (
        ["latex", "--activation", "__import__('os').system('true')"],
        'the character "\'" (a string) at column 12 is not allowed in a formula',
    ),
    (["latex", "--activation", "t.real"], "'t.real' is not allowed"),
    (["latex", "--activation", "(lambda u: u)(t)"], "is not allowed"),
    (["latex", "--activation", "[t for t in ()]"], "is not allowed"),
    (["latex", "--activation", "cosh(t)"], "the function 'cosh' is not allowed"),
    (["latex", "--activation", "t**10**10"], "the exponent '10**10'"),
    (["latex", "--activation", "t +* 2"], "not a valid formula"),
    (["latex", "--activation", "2*x"], "the name 'x' is not allowed"),
    (["latex", "--activation", "3"], "does not depend on t"),
    (
        ["latex", "--activation", "max(t, t)"],
        "max takes an expression in t and a number, as max(t, 0)",
    ),
    # not defined, or not differentiable, somewhere on the real line
    (["latex", "--activation", "t/0"], "the formula is not defined: it divides by zero"),
    (["latex", "--activation", "1/t"], "the formula is not a finite real number at t = 0;"),
    (["latex", "--activation", "log(t)"], "the formula is not a finite real number at t = -6;"),
    (["latex", "--activation", "sqrt(t)"], "the formula is not a finite real number at t = -6"),
    (
        ["latex", "--activation", "sqrt(abs(t))"],
        "its derivative is not a finite real number at t = 0;",
    ),
    (
        ["latex", "--activation", "exp(exp(exp(t)))"],
        "the formula is not a finite real number at t = 2;",
    ),
    # unbounded size: deep nesting, long formulas
    (["latex", "--activation=" + "(" * 300 + "t" + ")" * 300], "is longer than 200 characters"),
    (["latex", "--activation=" + "-" * 150 + "t"], "a formula has at most 100 parts"),
    (["latex", "--activation=" + "exp(" * 30 + "t" + ")" * 30], "is not a finite real number at"),
    (["latex", "--activation", "t**(1/0)"], "the exponent '1/0'"),
    (["latex", "--activation", "t\x07"], "the character '\\x07' at column 2 is not allowed"),
    (
        ["latex", "--activation", "leaky_relu(abc)"],
        "--activation 'leaky_relu(abc)': the parameter of leaky_relu, 'abc', is not a number",
    ),
    (["latex", "--hidden", "two"], "--hidden 'two' is not allowed; expected a whole number"),
    (["latex", "--name", "1st"], "--name '1st' is not allowed; expected a Python identifier"),
    (
        ["latex", "--name", "class"],
        "--name 'class' is not allowed; expected an identifier that is not a Python keyword",
    ),
    (["latex", "--name", "numpy"], "--name 'numpy' is not allowed; expected a name that is not"),
    (["latex", "--name", "math"], "--name 'math' is not allowed; expected a name that is not"),
    (["latex", "--name", "a$b"], "--name 'a$b' is not allowed; expected a Python identifier"),
    (["latex", "--name", "../evil"], "--name '../evil' is not allowed"),
    (["latex", "--lang", "de"], "--lang 'de' is not allowed; expected one of en, fr"),
    (
        ["codegen"],
        "activation 'phi' is symbolic and cannot become code; choose one of relu, sigmoid, tanh, identity",
    ),
    (
        ["codegen", "--activation", "tanh"],
        "loss 'l' is symbolic and cannot become code; choose one of squared, softmax_cross_entropy",
    ),
    (["latex", "--frobnicate"], "unrecognized arguments: --frobnicate"),
    (
        ["graph", "-o", "{out}.png"],
        "graph: cannot write .png; expected a file name ending in .svg, .pdf, .dot or .tex",
    ),
    (["latex", "--spec", "{tmp}/missing.toml"], "missing.toml: no such file"),
    (["latex", "--spec", "{spec}", "--loss", "squared"], "cannot be combined with --loss"),
]


@pytest.mark.parametrize(
    "args, message", BAD_FLAGS, ids=lambda a: " ".join(a) if isinstance(a, list) else None
)
def test_bad_flags_exit_2_and_write_nothing(tmp_path, args, message):
    out = tmp_path / "out.tex"
    out.write_text("precious\n")
    spec = tmp_path / "model.toml"
    spec.write_text('activation = "relu"\n')
    args = [a.format(tmp=tmp_path, spec=spec, out=tmp_path / "out") for a in args]
    if "-o" not in args:
        args += ["-o", out]
    done = run(*args)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("symderiv: error: ")
    assert message in lines[0]
    assert "Traceback" not in done.stderr
    assert out.read_text() == "precious\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.toml", "out.tex"]


BAD_TOML = [
    ('activation = "relu\n', "invalid TOML: "),
    (
        'activation = "relu"\nactivaton = "tanh"\n',
        "unknown key 'activaton'; did you mean 'activation'?",
    ),
    ('weight_decay = "yes"\n', "weight_decay = 'yes' is not allowed; expected true or false"),
    ("hidden = 0\n", "hidden = 0 is not allowed; expected a whole number"),
    ("hidden = 2.5\n", "hidden = 2.5 is not allowed; expected a whole number"),
    (
        'layers = [{activation = "relu", bias = 1}]\n',
        "layers[0]: bias = 1 is not allowed; expected true or false",
    ),
    (
        'layers = [{activation = "relu", baias = true}]\n',
        "layers[0]: unknown key 'baias'; did you mean 'bias'?",
    ),
    ("layers = []\n", "layers = [] is not allowed"),
    ('hidden = 2\nlayers = [{activation = "relu"}]\n', "layers cannot be combined with hidden"),
    ("output-bias = true\n", "output-bias goes with layers"),
    (
        'layers = [{activation = "t*swish(t)"}]\n',
        "layers[0]: activation = 't*swish(t)': the function 'swish' is not allowed",
    ),
    (
        'layers = [{activation = "relu"}, {activation = "swish"}]\n',
        "layers[1]: activation = 'swish' is not allowed; expected one of phi, relu",
    ),
    ("bias = 3\n", "bias = 3 is not allowed; expected one of none, hidden, all"),
    ('name = "my model"\n', "name = 'my model' is not allowed; expected a Python identifier"),
]


@pytest.mark.parametrize("text, message", BAD_TOML)
def test_bad_toml_values_exit_2_naming_file_key_and_value(tmp_path, text, message):
    spec = tmp_path / "model.toml"
    spec.write_text(text)
    out = tmp_path / "mlp.py"
    done = run("codegen", "--spec", spec, "-o", out)
    assert done.returncode == 2 and not out.exists()
    (line,) = done.stderr.splitlines()
    assert str(spec) in line and message in line


def test_toml_syntax_error_gives_line_and_column(tmp_path):
    spec = tmp_path / "model.toml"
    spec.write_text('name = "ok"\nloss = squared\n')
    done = run("latex", "--spec", spec)
    assert done.returncode == 2 and "(at line 2, column 8)" in done.stderr


BAD_CONFIG = [
    ("[tool.symderiv]\nmodels = []\n", "expected at least one [[models]] table"),
    (
        '[tool.symderiv]\noutput_dir = "x"\n[[tool.symderiv.models]]\nname = "a"\n',
        "unknown key 'output_dir'; did you mean 'output-dir'?",
    ),
    (
        '[[tool.symderiv.models]]\nname = "a"\noutputs = ["py"]\n',
        "models[0]: outputs: 'py': activation 'phi' is symbolic",
    ),
    (
        '[[tool.symderiv.models]]\nname = "a"\noutputs = ["web"]\n',
        "models[0]: outputs: 'web' is not allowed; expected one of tex, tex-fr, fragment, tex-batch, tex-hvp, tex-memory, tex-parallel, tex-parallel-fr, py, array-api, html, html-fr, svg, pdf, dot, hvp-svg",
    ),
    (
        '[[tool.symderiv.models]]\nname = "a"\n[[tool.symderiv.models]]\nname = "a"\n',
        "models[1]: name = 'a' is used by an earlier model",
    ),
    (
        '[[tool.symderiv.models]]\nname = "a"\nloss = "hinge"\n',
        "models[0]: loss = 'hinge' is not allowed",
    ),
    # outputs stay inside the project
    *(
        (
            f'[tool.symderiv]\noutput-dir = "{folder}"\n[[tool.symderiv.models]]\nname = "a"\n',
            f"output-dir = '{folder}' is not allowed; expected a folder inside the project",
        )
        for folder in ("/tmp", "../outside", "a/../../b", "", "C:/x")
    ),
    (
        '[tool.symderiv]\noutput-dir = 5\n[[tool.symderiv.models]]\nname = "a"\n',
        "output-dir = 5 is not allowed",
    ),
    (
        '[[tool.symderiv.models]]\nname = "random"\n',
        "models[0]: name = 'random' is not allowed; expected a name that is not a module's",
    ),
]


@pytest.mark.parametrize("text, message", BAD_CONFIG)
@pytest.mark.parametrize("command", ["build", "check"])
def test_bad_config_exits_2_and_writes_nothing(tmp_path, text, message, command):
    (tmp_path / "pyproject.toml").write_text(text)
    done = run(command, cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    (line,) = done.stderr.splitlines()
    assert "pyproject.toml: [tool.symderiv]" in line and message in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pyproject.toml"]


def test_no_config_is_a_usage_error(tmp_path):
    done = run("build", cwd=tmp_path)
    assert done.returncode == 2 and "no project config" in done.stderr


def test_a_bad_second_model_writes_none_of_the_first_models_outputs(tmp_path):
    (tmp_path / "symderiv.toml").write_text(
        '[[models]]\nname = "a"\n[[models]]\nname = "b"\nloss = "nope"\n'
    )
    done = run("build", cwd=tmp_path)
    assert done.returncode == 2 and not (tmp_path / "generated").exists()


def test_a_failure_while_generating_leaves_old_outputs_intact(tmp_path):
    # Without Graphviz the figure cannot be made: build fails after the module was generated
    # in memory, and nothing on disk changes.
    (tmp_path / "symderiv.toml").write_text(
        '[[models]]\nname = "a"\nactivation = "relu"\nloss = "squared"\noutputs = ["py", "svg"]\n'
    )
    (tmp_path / "generated").mkdir()
    (tmp_path / "generated" / "a.py").write_text("old\n")
    done = run("build", cwd=tmp_path, env={"PATH": str(tmp_path)})
    assert done.returncode == 2 and "need Graphviz's 'dot' on PATH" in done.stderr
    assert sorted(p.name for p in (tmp_path / "generated").iterdir()) == ["a.py"]
    assert (tmp_path / "generated" / "a.py").read_text() == "old\n"


def test_outputs_go_to_stdout_without_o():
    done = run("codegen", "--activation", "relu", "--loss", "squared", "--bias", "all")
    assert done.returncode == 0 and done.stdout.startswith('"""mlp: ')
    assert 'PARAMETERS = ("W1", "b1", "W2", "b2")' in done.stdout
    done = run("graph")
    assert done.returncode == 0 and "digraph" in done.stdout


def test_spec_file_and_flags_give_the_same_module(tmp_path):
    spec = tmp_path / "m.toml"
    spec.write_text(
        'name = "net"\nactivation = "tanh"\nloss = "softmax_cross_entropy"\nbias = "hidden"\n'
    )
    by_spec = run("codegen", "--spec", spec).stdout
    by_flags = run(
        "codegen",
        "--name",
        "net",
        "--activation",
        "tanh",
        "--loss",
        "softmax_cross_entropy",
        "--bias",
        "hidden",
    ).stdout
    assert by_spec == by_flags and by_spec.startswith('"""net: ')


def test_figure_formats(tmp_path):
    for suffix, head in (
        (".svg", b"<?xml"),
        (".pdf", b"%PDF"),
        (".dot", b"// Computational graph"),
        (".tex", b"\\resizebox"),
    ):
        out = tmp_path / f"fig{suffix}"
        assert run("graph", "--bias", "all", "-o", out).returncode == 0
        assert out.read_bytes().startswith(head)


def test_layers_from_toml_give_each_layer_its_activation_and_bias(tmp_path):
    spec = tmp_path / "net.toml"
    spec.write_text(
        'name = "net"\nloss = "sigmoid_cross_entropy"\noutput-bias = true\n'
        '[[layers]]\nactivation = "relu"\nbias = true\n'
        '[[layers]]\nactivation = "t*tanh(softplus(t))"\n'
        '[[layers]]\nactivation = "leaky_relu(0.2)"\nbias = true\n'
    )
    done = run("codegen", "--spec", spec)
    assert done.returncode == 0, done.stderr
    assert 'PARAMETERS = ("W1", "b1", "W2", "W3", "b3", "W4", "b4")' in done.stdout
    assert "H1 = np.maximum(Z1, 0, out=Z1)" in done.stdout
    assert "H2 = Z2 * np.tanh(np.logaddexp(0, Z2))" in done.stdout
    assert "H3 = np.where(Z3 > 0, Z3, Z3 / 5)" in done.stdout


COMMAND_NAMES = ("latex", "codegen", "graph", "html", "preset", "memory", "build", "check")


def test_bare_command_lists_the_commands():
    done = run()
    assert done.returncode == 2 and done.stdout == ""
    listed = [line.split()[0] for line in done.stderr.splitlines() if line.startswith("    ")]
    assert tuple(listed) == COMMAND_NAMES


def test_help_gives_each_command_one_line():
    done = run("--help")
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    for name in COMMAND_NAMES:
        (line,) = [k for k, text in enumerate(lines) if text.startswith(f"    {name} ")]
        assert len(lines[line].split(maxsplit=1)) == 2  # the name and its line of help
        assert not lines[line + 1].startswith("      ")  # not wrapped onto a second line


def test_version():
    done = run("--version")
    assert done.returncode == 0
    assert re.fullmatch(r"symderiv \d+\.\d+\.\d+\n", done.stdout)


@pytest.mark.parametrize(
    "args, message",
    [
        (["latex", "--activation"], "--activation needs a value"),
        (["frobnicate"], "unknown command 'frobnicate'; expected one of latex, codegen, graph"),
        (["check", "--timeout", "soon"], "--timeout 'soon' is not allowed; expected a number"),
    ],
)
def test_argparse_messages_read_as_ours(args, message):
    done = run(*args)
    assert done.returncode == 2 and done.stderr.startswith(f"symderiv: error: {message}")
    assert done.stderr.count("\n") == 1
