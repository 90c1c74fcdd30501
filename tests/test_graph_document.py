"""A graph written as equations, from a TOML file to its derivation and its figure through the
CLI: every catalogue example compiles with no bad box, its gradients read as the math gives
them, and what graphs do not take yet is refused by name."""

from __future__ import annotations

import xml.dom.minidom

import pytest
from helpers import compile_tex, run
from test_graph_parse import CATALOGUE


def _toml(data: dict) -> str:
    lines = []
    for key, value in data.items():
        if isinstance(value, dict):
            inner = ", ".join(f'{k} = "{v}"' for k, v in value.items())
            lines.append(f"{key} = {{ {inner} }}")
        elif isinstance(value, list):
            lines.append(f"{key} = [" + ", ".join(f'"{v}"' for v in value) + "]")
        else:
            lines.append(f'{key} = "{value}"')
    return "\n".join(lines) + "\n"


@pytest.fixture
def spec(tmp_path):
    def write(name: str):
        path = tmp_path / f"{name.replace(' ', '_')}.toml"
        path.write_text(_toml(CATALOGUE[name]))
        return path

    return write


@pytest.mark.parametrize("form", [(), ("--form", "batch"), ("--hvp",)], ids=" ".join)
@pytest.mark.parametrize("name", CATALOGUE)
def test_the_derivation_compiles(spec, name, form):
    """In every form, with long closed forms (gated's R{∂L/∂Wg} is three pages wide on one
    line) broken over lines."""
    path = spec(name)
    tex = path.with_suffix(".tex")
    done = run("latex", "--spec", path, *form, "-o", tex)
    if done.returncode == 2 and "symbolic" in done.stderr:  # the section's l: no R{·}
        return
    assert done.returncode == 0 and done.stderr == "", done.stderr
    log = compile_tex(tex)
    assert "Overfull" not in log and "Underfull" not in log


def test_a_closed_form_too_wide_for_the_page_is_broken_between_terms(spec):
    tex = spec("gated").with_suffix(".tex")
    assert run("latex", "--spec", spec("gated"), "--hvp", "-o", tex).returncode == 0
    text = tex.read_text()
    row = text[
        text.index(r"\mathcal{R}\left\{\frac{\partial L}{\partial \mathbf{W}_{\mathrm{g}}}") :
    ]
    row = row[: row.index(r"\in \mathbb{R}^{h \times d}")]
    assert row.count(r"&\quad {}+ ") == 2  # three terms of a sum in parentheses, a line each
    assert r"\Bigl(" in row and r"\Bigr) \mathbf{x}^\top" in row


def test_ridge_regression_ends_at_the_normal_equations(spec, tmp_path):
    tex = tmp_path / "ridge.tex"
    assert run("latex", "--spec", spec("ridge"), "-o", tex).returncode == 0
    text = tex.read_text()
    # f reads w itself (twice): no prod(∂f/∂f, ·), its partial at once, Xᵀ(Xw − y) + λw
    steps = text.split(r"\subsection*{Backpropagation}")[1].split(r"\subsection*{Summary}")[0]
    assert r"\textrm{prod}\left(\frac{\partial f}{\partial f}" not in steps
    closed = (
        r"\frac{\partial f}{\partial \mathbf{w}} &= \mathbf{X}^\top \left(\mathbf{X} \mathbf{w}"
        r" - \mathbf{y}\right) + \lambda \mathbf{w} \in \mathbb{R}^{d}"
    )
    assert text.count(closed) == 2  # the step and the summary
    assert "The gradients of $f$ with respect to the parameters" in text


def test_the_residual_input_and_the_weights_sum_their_readers(spec, tmp_path):
    tex = tmp_path / "residual.tex"
    assert run("latex", "--spec", spec("residual"), "--lang", "fr", "-o", tex).returncode == 0
    text = tex.read_text()
    w1 = (  # the readers of W1 in the order of their equations, as the section writes them
        r"\frac{\partial J}{\partial \mathbf{W}_{1}} &= \textrm{prod}\left(\frac{\partial J}"
        r"{\partial \mathbf{z}}, \frac{\partial \mathbf{z}}{\partial \mathbf{W}_{1}}\right) + "
        r"\textrm{prod}\left(\frac{\partial J}{\partial s}, \frac{\partial s}{\partial "
        r"\mathbf{W}_{1}}\right)"
    )
    assert w1 in text and r"\usepackage[french]{babel}" in text
    assert (
        r"&= \frac{\partial J}{\partial \mathbf{z}} \mathbf{x}^\top + \lambda \mathbf{W}_{1}"
        in text
    )
    # ∂J/∂W2 as soon as ∂J/∂o is known, before ∂J/∂h, as the section orders them
    assert text.index(r"\frac{\partial J}{\partial \mathbf{W}_{2}} &=") < text.index(
        r"\frac{\partial J}{\partial \mathbf{h}} &="
    )
    compile_tex(tex)


def test_the_figure(spec, tmp_path):
    out = tmp_path / "g.svg"
    assert run("graph", "--spec", spec("gaussian"), "-o", out).returncode == 0
    svg = xml.dom.minidom.parse(str(out))
    nodes = [
        g.getElementsByTagName("title")[0].firstChild.data
        for g in svg.getElementsByTagName("g")
        if g.getAttribute("class") == "node"
    ]
    assert sorted(n for n in nodes if not n.startswith("op")) == ["C", "S", "f"]
    assert sum(n.startswith("op1_") for n in nodes) == 5  # +, logdet, trace, @ and inv


@pytest.mark.parametrize(
    "command, message",
    [
        (
            ["latex", "--hvp", "--form", "batch"],
            "the second-derivative section is written for one",
        ),
    ],
)
def test_what_graphs_do_not_take_yet_is_refused(spec, tmp_path, command, message):
    out = tmp_path / "out.txt"
    done = run(*command, "--spec", spec("residual"), "-o", out)
    assert done.returncode == 2 and message in done.stderr and done.stderr.count("\n") == 1
    assert not out.exists()


def test_the_batch_form_reduces_per_example_terms_and_sums_shared_gradients(spec, tmp_path):
    out = tmp_path / "residual.tex"
    assert run("latex", "--spec", spec("residual"), "--form", "batch", "-o", out).returncode == 0
    text = out.read_text()
    assert r"J &= \frac{1}{n} \sum_{i=1}^{n} {L^{(i)}} + s" in text
    assert r"{\mathbf{z}^{(i)}} &= \mathbf{W}_{1} {\mathbf{x}^{(i)}} + \mathbf{b}_{1}" in text
    # a parameter's gradient: its shared term once, the examples' contributions summed
    assert (
        r"&= \sum_{i} \frac{\partial J}{\partial {\mathbf{z}^{(i)}}} "
        r"{{\mathbf{x}^{(i)}}}^\top + \lambda \mathbf{W}_{1} \in \mathbb{R}^{h \times d}"
    ) in text
    # J's own partial, as the section states ∂J/∂L = 1
    assert r"\frac{\partial J}{\partial {L^{(i)}}} &= \frac{1}{n} \in \mathbb{R}" in text


def test_the_second_derivatives_of_a_graph(spec, tmp_path):
    out = tmp_path / "gaussian.tex"
    assert run("latex", "--spec", spec("gaussian"), "--hvp", "-o", out).returncode == 0
    text = out.read_text()
    assert r"\mathcal{R}\{f\} &= " in text
    assert r"\mathcal{R}\left\{\frac{\partial f}{\partial \mathbf{S}}\right\} &= " in text
    assert "- -" not in text and "Hessian of $f$" in text


def test_the_extended_graph_of_a_graph_in_three_parts(spec, tmp_path):
    """symderiv graph --hvp: forward and its tangents, backward, R{·} of backward, each a box
    of what it computes with what it reads; what H V does not read (L, s) is not drawn."""
    out = tmp_path / "residual.svg"
    assert run("graph", "--spec", spec("residual"), "--hvp", "-o", out).returncode == 0
    svg = xml.dom.minidom.parse(str(out))
    titles = [
        g.getElementsByTagName("title")[0].firstChild.data
        for g in svg.getElementsByTagName("g")
        if g.getAttribute("class") == "node"
    ]
    clusters = [g for g in svg.getElementsByTagName("g") if g.getAttribute("class") == "cluster"]
    assert len(clusters) == 3
    assert "p1_r_z" in titles and "p2_d_W1" in titles and "p3_rd_W1" in titles
    assert not any(t.endswith(("v_L", "v_s", "r_L", "r_s")) for t in titles)
    tex = tmp_path / "residual.tex"
    assert run("latex", "--spec", spec("residual"), "--hvp", "-o", tex).returncode == 0
    assert tex.read_text().count(r"\begin{tikzpicture}") == 4  # the graph, then three parts


def test_the_fragment_of_a_graph_is_its_equations_alone(spec, tmp_path):
    out = tmp_path / "ridge.tex"
    assert run("latex", "--spec", spec("ridge"), "--fragment", "-o", out).returncode == 0
    text = out.read_text()
    assert "\\documentclass" not in text and "\\section" not in text
    assert text.count("\\begin{align*}") >= 3


def test_a_parameter_the_objective_ignores_is_a_warning(tmp_path):
    data = dict(CATALOGUE["ridge"], parameters={"w": "d", "v": "d"})
    path = tmp_path / "ridge.toml"
    path.write_text(_toml(data))
    done = run("latex", "--spec", path, "-o", tmp_path / "ridge.tex")
    assert done.returncode == 0
    assert done.stderr == (
        f"symderiv: warning: {path}: the objective f does not depend on the parameter v; "
        "its gradient is zero\n"
    )


def test_a_project_builds_and_checks_a_graph(tmp_path):
    table = _toml(CATALOGUE["ridge"])
    (tmp_path / "symderiv.toml").write_text(
        'output-dir = "out"\n[[models]]\nname = "ridge"\n' + table + 'outputs = ["tex", "svg"]\n'
    )
    assert run("build", cwd=tmp_path).returncode == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["ridge.svg", "ridge.tex"]
    done = run("check", cwd=tmp_path)
    assert done.returncode == 0 and done.stdout.splitlines()[-1] == "check: ok"
    (tmp_path / "out" / "ridge.tex").write_text("stale")
    assert run("check", cwd=tmp_path).returncode == 1


def test_a_project_builds_a_graph_module_and_check_proves_it(tmp_path):
    (tmp_path / "symderiv.toml").write_text(
        '[[models]]\nname = "ridge"\n' + _toml(CATALOGUE["ridge"]) + 'outputs = ["py"]\n'
    )
    assert run("build", cwd=tmp_path).returncode == 0
    done = run("check", cwd=tmp_path)
    assert done.returncode == 0, done.stdout
    assert done.stdout.splitlines()[-2].split()[:2] == ["generated/ridge.py", "w"]
    module = tmp_path / "generated" / "ridge.py"
    module.write_text(module.read_text().replace("dw = lam * w + X.T @ r", "dw = X.T @ r"))
    done = run("check", cwd=tmp_path)
    assert done.returncode == 1 and "FAILED" in done.stdout


def test_the_page_of_a_graph_renders(spec, tmp_path):
    from browser import page_report

    page = tmp_path / "residual.html"
    assert run("html", "--spec", spec("residual"), "-o", page).returncode == 0
    text = page.read_text()
    assert (
        "<script" not in text and "def loss_and_grad(params, X, Y, lam, workspace=None):" in text
    )
    report = page_report(page)
    assert report["errors"] == [] and report["fetched"] == []
    assert len(report["math"]) >= 20 and all(w > 0 and h > 0 for w, h in report["math"])


def test_a_graph_in_a_notebook():
    import symderiv

    model = symderiv.graph(CATALOGUE["ridge"])
    assert model._repr_svg_().startswith("<?xml")
    shown = symderiv.show(model)
    text = shown.equations._repr_markdown_()
    assert r"&= \mathbf{X}^\top \left(\mathbf{X} \mathbf{w} - \mathbf{y}\right)" in text
    assert [type(p).__name__ for p in shown.parts()] == ["Markdown", "Figure", "Markdown"]
    assert "def loss_and_grad(params, X, y, lam, workspace=None):" in shown.code._repr_markdown_()
    second = symderiv.show(model, hvp=True).equations._repr_markdown_()
    assert r"\mathcal{R}\left\{\frac{\partial f}{\partial \mathbf{w}}\right\}" in second
    table = symderiv.show(model, memory=((5, 100), 1)).equations._repr_markdown_()
    assert "Memory footprint" in table and "dw" in table
    with pytest.raises(Exception, match="with 2 positive whole sizes d, n"):
        symderiv.show(model, memory=((5,), 1))


def test_a_declared_function_is_written_by_its_name(tmp_path):
    path = tmp_path / "mish.toml"
    path.write_text(
        'functions = { mish = "t*tanh(softplus(t))" }\n'
        + _toml({k: v for k, v in CATALOGUE["gated"].items()}).replace(
            "sigmoid(Wg @ x) * tanh(Wh @ x)", "mish(Wg @ x) * tanh(Wh @ x)"
        )
    )
    tex = tmp_path / "mish.tex"
    done = run("latex", "--spec", path, "-o", tex)
    assert done.returncode == 0, done.stderr
    text = tex.read_text()
    assert r"\operatorname{mish}\left(\mathbf{W}_{\mathrm{g}} \mathbf{x}\right)" in text
    assert (
        r"$\operatorname{mish}(t) = t \tanh{\left(\operatorname{softplus}\left(t\right) \right)}$"
        in text
    )
    assert r"\operatorname{mish}'\left(" in text
    compile_tex(tex)
