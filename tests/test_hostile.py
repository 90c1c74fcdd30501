"""Hostile input, case by case: every refusal is exit 2, one line naming the flag or key and
the value, in under a second, with nothing written and no existing file touched; no text a
user writes can reach a generated file as code or markup.

Most cases run the CLI in this process (symderiv.cli.main) so that a hundred of them stay
cheap; what needs a process of its own (signals, a child that hangs) uses `run`.
"""

from __future__ import annotations

import itertools
import os
import stat
import time

import pytest
from helpers import run

from symderiv.cli import main

SECONDS = 1.0  # the longest a refusal may take, in process
MODEL = ["--activation", "relu", "--loss", "squared"]


def refused(capsys, tmp_path, argv, says, *, cwd=None):
    """Run argv in process: status 2, one line containing `says`, fast, nothing written."""
    precious = tmp_path / "precious.txt"
    precious.write_text("precious\n")
    before = sorted(p.name for p in tmp_path.iterdir())
    here = os.getcwd()
    os.chdir(cwd or tmp_path)
    try:
        start = time.perf_counter()
        status = main([str(a) for a in argv])
        took = time.perf_counter() - start
    finally:
        os.chdir(here)
    out, err = capsys.readouterr()
    assert status == 2, (out, err)
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("symderiv: error: "), err
    assert says in lines[0], lines[0]
    assert len(lines[0]) < 400, "a refusal quotes the value shortened"
    assert out == ""
    assert took < SECONDS, f"{took:.2f} s"
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert precious.read_text() == "precious\n"
    return lines[0]


# -- formulas: characters that could end a docstring, comment, string or markup -------------
PAYLOADS = [
    '#""";open("PWNED","w").write("x");"""',
    "# \\N",
    '"""',
    "'''",
    "'x'",
    '"x"',
    "\\",
    "\\N{BULLET}",
    "\n import os",
    "\r",
    "\x00",
    "\x1b[31m",
    "\u2028",
    "\x0c",
    "}}{{",
    "$",
    "%",
    "&amp;",
    "<b>",
    "</svg>",
    "; import os",
    "@t",
    "[0]",
    "{0}",
    "=1",
    "!",
    "`id`",
    "^2",
    "|t",
    "~t",
    "\u0074",  # 't' itself is fine: the next entries are look-alikes
    "ｔ",
    "т",
]
KINDS = [
    ["latex"],
    ["latex", "--fragment"],
    ["latex", "--lang", "fr"],
    ["codegen"],
    ["graph", "-o", "{tmp}/g.svg"],
    ["graph", "-o", "{tmp}/g.dot"],
    ["graph", "-o", "{tmp}/g.tex"],
    ["graph", "-o", "{tmp}/g.pdf"],
    ["graph", "--hvp", "-o", "{tmp}/g.svg"],
    ["latex", "--hvp"],
    ["latex", "--form", "batch"],
    ["memory", "--sizes", "2,3,4", "--batch", "5"],
]
INJECTIONS = [
    (kind, f"t*{payload}" if payload.isidentifier() else f"t{payload}")
    for kind, payload in itertools.product(KINDS, PAYLOADS)
    if payload != "t"
]


@pytest.mark.parametrize("kind, formula", INJECTIONS, ids=lambda v: repr(v)[:40])
def test_no_formula_carries_code_or_markup_into_an_output(capsys, tmp_path, kind, formula):
    argv = [a.format(tmp=tmp_path) for a in kind] + ["--activation", formula, "--loss", "squared"]
    if "-o" not in argv and kind[0] != "memory":  # memory prints its table, no file
        argv += ["-o", tmp_path / "out"]
    refused(capsys, tmp_path, argv, "--activation")


def test_an_injection_in_a_project_config_runs_nothing_in_build_or_check(capsys, tmp_path):
    (tmp_path / "symderiv.toml").write_text(
        '[[models]]\nname = "net"\nloss = "squared"\n'
        'activation = \'t#""";open("PWNED","w").write("x");"""\'\n'
    )
    for command in ("build", "check"):
        refused(capsys, tmp_path, [command], "activation")
    assert not (tmp_path / "PWNED").exists()


# -- formulas: values, sizes, exponents, poles, kinks -----------------------------------
FORMULAS = [
    ("t*1e999", "the number '1e999' is not allowed"),
    ("1e309-t", "the number '1e309' is not allowed"),
    ("99999999999999999999999*t", "at most 1,000,000 in magnitude"),
    ("t*1e7", "at most 1,000,000 in magnitude"),
    ("t**2**2**2", "an exponent is a written number from -16 to 16"),
    ("t**7**7**7**7**7", "an exponent is a written number from -16 to 16"),
    ("t**17", "the exponent '17'"),
    ("t**-17", "the exponent '-17'"),
    ("t**(1/0)", "the exponent '1/0'"),
    ("t**t", "the exponent 't'"),
    ("1/(t-0.1)", "the formula divides by zero at t = 0.1"),
    ("abs(t-0.1)**(1/3)", "its derivative divides by zero at t = 0.1"),
    ("sqrt(abs(t-0.37))", "its derivative divides by zero at t = 0.37"),
    ("log(abs(t-0.3))", "divides by zero at t = 0.3"),
    ("exp(t)/(exp(t)-t-2)", "the formula divides by zero at t = -1.84"),
    ("t/(t**2-2)", "divides by zero at t = -1.41421"),
    ("tanh(t)/t", "the formula is not a finite real number at t = 0"),
    ("abs(exp(t)-t-2)", "the formula's kinks cannot be found"),
    ("max(exp(t)-t, 2)", "the formula's kinks cannot be found"),
    ("t # comment", "the character '#' (a comment) at column 3"),
    ("t " * 120, "formula is longer than 200 characters"),
    ("(" * 100 + "t" + ")" * 100, "formula is longer than 200 characters"),
    ("+" * 120 + "t", "a formula has at most 100 parts"),
    ("t.real", "'t.real' is not allowed"),
    ("max(t)", "max of 1 arguments is not allowed"),
    ("min(t, 1, 2)", "min of 3 arguments is not allowed"),
    ("exp()", "exp of 0 arguments"),
    ("exp(t, base=2)", "the character '=' at column 12"),
    ("lambda: t", "the character ':'"),
    ("t if t else t", "'t if t else t' is not allowed"),
    ("[t][0]", "the character '['"),
    ("leaky_relu(1e400)", "the parameter of leaky_relu, '1e400', is not allowed"),
    ("leaky_relu(1e99999999)", "the parameter of leaky_relu, '1e99999999', is not allowed"),
    ("leaky_relu(" + "9" * 300 + ")", "is not allowed; expected a number from -1,000,000"),
    ("elu(nan)", "the parameter of elu, 'nan', is not allowed"),
    ("elu(inf)", "the parameter of elu, 'inf', is not allowed"),
    ("leaky_relu(abc)", "the parameter of leaky_relu, 'abc', is not a number"),
    ("swish", "--activation 'swish' is not allowed; expected one of phi, relu"),
    ("t" * 1_000_000, "(1,000,002 characters) is not allowed; expected one of phi"),
    ("t+" * 500_000 + "t", "formula is longer than 200 characters"),
]


@pytest.mark.parametrize("formula, says", FORMULAS, ids=lambda v: repr(v)[:40])
def test_formulas_are_refused_by_name(capsys, tmp_path, formula, says):
    line = refused(
        capsys,
        tmp_path,
        ["codegen", "--activation", formula, "--loss", "squared", "-o", "x.py"],
        says,
    )
    assert line.startswith("symderiv: error: --activation ")


# -- flags and TOML ---------------------------------------------------------------------
FLAGS = [
    (["--hidden", "1000000000"], "--hidden 1000000000 is not allowed"),
    (["--hidden", str(10**30)], "from 1 to 256"),
    (["--hidden", "-1"], "--hidden -1 is not allowed"),
    (["--hidden", "1e9"], "--hidden '1e9' is not allowed; expected a whole number"),
    (["--name", "__init__"], "--name '__init__' is not allowed; expected a name that is not"),
    (["--name", "conftest"], "--name 'conftest' is not allowed"),
    (["--name", "pytest"], "--name 'pytest' is not allowed"),
    (["--name", "setup"], "--name 'setup' is not allowed"),
    (["--name", "n" * 65], "an identifier of at most 64 characters"),
    (["--name", "n" * 100_000], "characters)"),
    (["--name", 'a"b'], "expected a Python identifier"),
    (["--name", ""], "expected a Python identifier"),
    (["--loss", "x" * 100_000], "expected one of l, squared"),
    (["--bias", "hidden\n"], "--bias 'hidden\\n' is not allowed"),
]


@pytest.mark.parametrize("flags, says", FLAGS, ids=lambda v: repr(v)[:40])
def test_flags_are_refused_by_name(capsys, tmp_path, flags, says):
    argv = ["codegen", "--activation", "relu", "--loss", "squared", *flags, "-o", "x.py"]
    if "--loss" in flags:
        argv = ["codegen", "--activation", "relu", *flags, "-o", "x.py"]
    refused(capsys, tmp_path, argv, says)


TOML = [
    ("a = " + "[" * 5000 + "]" * 5000, "nested too deeply"),
    ("[" + "a." * 3000 + "b]", "unknown key 'a'"),
    ('loss = ["squared"]', "loss = ['squared'] is not allowed; expected one of"),
    ('loss = {name = "squared"}', "loss = {'name': 'squared'} is not allowed"),
    ("hidden = 1e9", "hidden = 1000000000.0 is not allowed"),
    ("hidden = 100000000000000000000", "hidden = 100000000000000000000 is not allowed"),
    ("hidden = true", "hidden = True is not allowed"),
    ('activation = "relu', "invalid TOML"),
    ("x = [" + "1," * 600_000 + "]", "larger than 1,048,576 bytes"),
    ('activation = "' + "t+" * 300 + 't"', "formula is longer than 200 characters"),
    ('name = "' + "n" * 200 + '"', "an identifier of at most 64 characters"),
    ("layers = [" + "{}, " * 300 + "]", "a list of 1 to 256 tables"),
    ("layers = [1]", "layers[0] = 1 is not allowed; expected a table"),
    ('layers = [{activation = "relu", bias = "yes"}]', "bias = 'yes' is not allowed"),
    ("weight_decay = 1", "weight_decay = 1 is not allowed; expected true or false"),
]


@pytest.mark.parametrize("text, says", TOML, ids=lambda v: repr(v)[:40])
def test_model_files_are_refused_by_key(capsys, tmp_path, text, says):
    spec = tmp_path / "model.toml"
    spec.write_text(text)
    refused(capsys, tmp_path, ["latex", "--spec", spec, "-o", "x.tex"], says)


@pytest.mark.parametrize(
    "path, says",
    [
        ("/dev/zero", "/dev/zero: larger than 1,048,576 bytes"),
        ("{tmp}", "is a directory"),
        ("{tmp}/missing.toml", "missing.toml: no such file"),
        ("{tmp}/binary.toml", "not UTF-8 text"),
    ],
)
def test_model_files_that_are_not_text_are_refused(capsys, tmp_path, path, says):
    (tmp_path / "binary.toml").write_bytes(b"\xff\xfe\x00name")
    refused(capsys, tmp_path, ["latex", "--spec", path.format(tmp=tmp_path)], says)


# -- where outputs go -------------------------------------------------------------------
def test_output_paths_that_cannot_be_written(capsys, tmp_path):
    folder = tmp_path / "folder"
    folder.mkdir()
    readonly = tmp_path / "readonly.py"
    readonly.write_text("keep\n")
    readonly.chmod(0o444)
    cases = [
        (folder, "is a folder; expected a file name"),
        ("", "-o '': expected a file name"),
        (tmp_path / "missing" / "x.py", "does not exist"),
        (readonly, "the file is read-only"),
        (tmp_path / ("n" * 300 + ".py"), "the name is too long for the filesystem"),
        ("/dev/full", "/dev/full: cannot write: No space left on device"),
    ]
    for target, says in cases:
        refused(capsys, tmp_path, ["codegen", *MODEL, "-o", target], says)
    assert readonly.read_text() == "keep\n"


@pytest.mark.parametrize("target", ["/dev/null", "/dev/stdout", "-"])
def test_special_files_are_written_into_not_replaced(tmp_path, target):
    before = os.stat("/dev/null")
    done = run("codegen", *MODEL, "-o", target)
    assert done.returncode == 0, done.stderr
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert os.stat("/dev/null").st_ino == before.st_ino
    if target != "/dev/null":
        assert done.stdout.startswith('"""mlp: the objective J')


CONFIG = '[[models]]\nname = "net"\nactivation = "relu"\nloss = "squared"\noutputs = ["py"]\n'


@pytest.mark.parametrize(
    "prepare, says",
    [
        (lambda p: (p / "out").write_text("a file"), "output-dir"),
        (lambda p: (p / "file").write_text("a file"), "output-dir"),
        (lambda p: (p / "out").symlink_to(p.parent), "outside the project"),
    ],
    ids=["a file", "under a file", "a symlink out"],
)
def test_output_folders_that_cannot_hold_outputs(capsys, tmp_path, prepare, says):
    project = tmp_path / "project"
    project.mkdir()
    prepare(project)
    where = "file/sub" if (project / "file").exists() else "out"
    (project / "symderiv.toml").write_text(f'output-dir = "{where}"\n' + CONFIG)
    refused(capsys, project, ["build"], says, cwd=project)
    assert not (tmp_path / "net.py").exists()


def test_check_works_in_a_read_only_checkout(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "symderiv.toml").write_text(CONFIG.replace('outputs = ["py"]', 'outputs = ["py"]'))
    assert run("build", cwd=project).returncode == 0
    for path in (project, project / "generated"):
        path.chmod(0o555)
    try:
        done = run("check", cwd=project)
    finally:
        for path in (project, project / "generated"):
            path.chmod(0o755)
    assert done.returncode == 0, done.stdout + done.stderr
    assert sorted(p.name for p in (project / "generated").iterdir()) == ["net.py"]


@pytest.mark.parametrize("folder", ["a" * 300, "/".join(["a" * 200] * 30)], ids=["name", "path"])
def test_an_output_folder_too_long_for_the_filesystem(capsys, tmp_path, folder):
    (tmp_path / "symderiv.toml").write_text(f'output-dir = "{folder}"\n' + CONFIG)
    refused(capsys, tmp_path, ["build"], "cannot be made: File name too long")
