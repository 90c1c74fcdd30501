"""The documents and fragments compile with pdflatex; a missing engine is a failure."""

import shutil

import pytest
from helpers import ROOT, compile_tex, run

DOCUMENTS = sorted(p.name for p in (ROOT / "generated").glob("*.tex") if ".fragment" not in p.name)

FUNCTIONS = ("forward", "_backward", "_hvp")  # whose matrix products the cost counts


@pytest.mark.parametrize("name", DOCUMENTS)
def test_generated_document_compiles(tmp_path, name):
    shutil.copy(ROOT / "generated" / name, tmp_path)
    log = compile_tex(tmp_path / name)
    assert "Overfull \\hbox" not in log


def test_fragment_compiles_in_a_paper(tmp_path):
    fragment = (ROOT / "generated" / "seed.fragment.tex").read_text()
    assert "\\documentclass" not in fragment and "\\begin{align*}" in fragment
    paper = tmp_path / "paper.tex"
    paper.write_text(
        "\\documentclass{article}\n\\usepackage{amsmath,amssymb}\n\\begin{document}\n"
        + fragment
        + "\\end{document}\n"
    )
    compile_tex(paper)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_latex_command_output_compiles_alone(tmp_path, lang):
    doc = tmp_path / "doc.tex"
    done = run(
        "latex",
        "--activation",
        "sigmoid",
        "--loss",
        "softmax_cross_entropy",
        "--bias",
        "all",
        "--lang",
        lang,
        "-o",
        doc,
    )
    assert done.returncode == 0 and done.stdout == "", done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["doc.tex"]  # the figure is inside
    compile_tex(doc)


def test_figure_tex_compiles_when_input(tmp_path):
    assert run("graph", "--bias", "hidden", "-o", tmp_path / "fig.tex").returncode == 0
    doc = tmp_path / "doc.tex"
    doc.write_text(
        "\\documentclass{article}\n\\usepackage{tikz,graphicx}\n\\begin{document}\n"
        "\\input{fig}\n\\end{document}\n"
    )
    compile_tex(doc)


def test_batch_form_shows_rows_sums_and_the_mean(tmp_path):
    doc = tmp_path / "batch.tex"
    done = run(
        "latex",
        "--form",
        "batch",
        "--activation",
        "relu",
        "--loss",
        "squared",
        "--bias",
        "hidden",
        "--hidden",
        "2",
        "-o",
        doc,
    )
    assert done.returncode == 0, done.stderr
    text = doc.read_text()
    for expected in (
        r"\mathbf{Z}^{(1)} &= \mathbf{X} {\mathbf{W}^{(1)}}^\top + \mathbf{1}_n {\mathbf{b}^{(1)}}^\top",
        r"J &= \frac{1}{n} \sum_{i=1}^{n} L_i + s",
        r"&= \frac{1}{n} \left(\mathbf{O} - \mathbf{Y}\right) \in \mathbb{R}^{n \times q}",
        r"&= \left(\frac{\partial J}{\partial \mathbf{O}}\right)^\top \mathbf{H}^{(2)} + \lambda \mathbf{W}^{(3)}",
        r"&= \left(\frac{\partial J}{\partial \mathbf{Z}^{(1)}}\right)^\top \mathbf{1}_n \in \mathbb{R}^{h_{1}}",
    ):
        assert expected in text, expected
    compile_tex(doc)
    done = run("latex", "--form", "rows")
    assert done.returncode == 2 and "--form 'rows' is not allowed" in done.stderr


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_second_derivative_section(tmp_path, lang):
    doc = tmp_path / "hvp.tex"
    model = ["--activation", "tanh", "--loss", "sigmoid_cross_entropy", "--hidden", "2"]
    done = run("latex", "--hvp", "--lang", lang, *model, "-o", doc)
    assert done.returncode == 0, done.stderr
    text = doc.read_text()
    R = r"\mathcal{R}"
    for expected in (
        rf"{R}\{{\mathbf{{z}}^{{(1)}}\}} &= \mathbf{{V}}_{{\mathbf{{W}}^{{(1)}}}} \mathbf{{x}}",
        rf"{R}\{{\mathbf{{h}}^{{(2)}}\}} &= \phi'\left(\mathbf{{z}}^{{(2)}}\right) \odot "
        rf"{R}\{{\mathbf{{z}}^{{(2)}}\}}",
        r"\left(1 - \sigma\left(\mathbf{o}\right)\right) \sigma\left(\mathbf{o}\right) \odot "
        rf"{R}\{{\mathbf{{o}}\}} \in \mathbb{{R}}^{{q}}",
        rf"\odot \phi''\left(\mathbf{{z}}^{{(1)}}\right) \odot {R}\{{\mathbf{{z}}^{{(1)}}\}}",
        r"$\phi''(t) = -2 \left(1 - \tanh^{2}{\left(t \right)}\right) \tanh{\left(t \right)}$",
    ):
        assert expected in text, expected
    # The cost is counted in the code the same model generates.
    code = run("codegen", *model).stdout
    bodies = (code.split(f"def {a}(")[1].split("\ndef ")[0].split('"""')[-1] for a in FUNCTIONS)
    forward, backward, hvp = (body.count("@") + body.count("np.matmul(") for body in bodies)
    assert f"{forward + hvp} " in text and f"{forward + backward}, $" in text
    log = compile_tex(doc)
    assert "Overfull \\hbox" not in log


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--form", "batch"], "--hvp is written for one example; it cannot be used with --form"),
        (["--activation", "tanh"], "loss 'l' is symbolic: second derivatives need a concrete"),
        (
            ["--loss", "squared"],
            "the second-derivative section counts its cost in the generated code, and "
            "activation 'phi' is symbolic",
        ),
    ],
)
def test_second_derivative_section_refuses_what_it_cannot_write(tmp_path, flags, message):
    out = tmp_path / "doc.tex"
    done = run("latex", "--hvp", *flags, "-o", out)
    assert done.returncode == 2 and done.stderr.startswith(f"symderiv: error: {message}")
    assert len(done.stderr.splitlines()) == 1 and not out.exists()


def test_a_name_with_underscores_compiles(tmp_path):
    """A name is an identifier, so the only LaTeX-special character it can hold is _; the name
    never reaches the LaTeX, and the document compiles."""
    doc = tmp_path / "my_net_2.tex"
    done = run(
        "latex", "--name", "my_net_2", "--activation", "relu", "--loss", "squared", "-o", doc
    )
    assert done.returncode == 0, done.stderr
    assert "my_net" not in doc.read_text()
    compile_tex(doc)
