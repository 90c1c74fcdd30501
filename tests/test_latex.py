"""The documents and fragments compile with pdflatex; a missing engine is a failure."""

import shutil
import subprocess

import pytest
from helpers import ROOT, run

PDFLATEX = shutil.which("pdflatex")


def compile_tex(path):
    assert PDFLATEX, "pdflatex is required (Debian: texlive-latex-recommended, texlive-pictures)"
    done = subprocess.run(
        [PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", path.name],
        cwd=path.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert path.with_suffix(".pdf").stat().st_size > 10_000
    return done.stdout


DOCUMENTS = sorted(p.name for p in (ROOT / "generated").glob("*.tex") if ".fragment" not in p.name)


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
