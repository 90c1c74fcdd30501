"""`symderiv check` across machines: another Graphviz moves every coordinate of a figure, which
is not drift; a node, an edge or a label that changed is. symderiv places a dense network's
figure itself, so only Graphviz's drawing of it (SVG, PDF) can move; the extended graph of
--hvp is laid out by dot and moves everywhere."""

from __future__ import annotations

import os
import re
import shutil
import stat

import pytest
from helpers import run

CONFIG = """output-dir = "out"
[[models]]
name = "net"
hidden = 2
activation = "tanh"
loss = "softmax_cross_entropy"
bias = "hidden"
outputs = ["py", "tex", "tex-hvp", "svg", "pdf", "hvp-svg", "dot", "html"]
"""


@pytest.fixture
def another_graphviz(tmp_path):
    """PATH with a `dot` that lays out with other spacing and pads the drawing, as another
    Graphviz version would place and draw it."""
    real = shutil.which("dot")
    assert real, "Graphviz's dot is required (Debian: graphviz)"
    folder = tmp_path / "bin"
    folder.mkdir()
    stand_in = folder / "dot"
    stand_in.write_text(f'#!/bin/sh\nexec {real} -Gnodesep=0.9 -Granksep=0.8 -Gpad=0.3 "$@"\n')
    stand_in.chmod(stand_in.stat().st_mode | stat.S_IEXEC)
    return {"PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}


@pytest.fixture
def project(tmp_path):
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "symderiv.toml").write_text(CONFIG)
    done = run("build", cwd=folder)
    assert done.returncode == 0, done.stderr
    return folder


def test_another_layout_is_not_drift(project, another_graphviz, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(project, elsewhere)
    assert run("build", cwd=elsewhere, env=another_graphviz).returncode == 0
    for name in ("net.svg", "net.pdf", "net.hvp.svg", "net.hvp.tex", "net.html"):  # all moved
        assert (elsewhere / "out" / name).read_bytes() != (project / "out" / name).read_bytes()
    # the dense network's TikZ picture is symderiv's own: the same bytes everywhere
    assert (elsewhere / "out" / "net.tex").read_bytes() == (
        project / "out" / "net.tex"
    ).read_bytes()
    done = run("check", cwd=project, env=another_graphviz)
    assert done.returncode == 0, done.stdout
    assert done.stdout.splitlines()[-1] == "check: ok"


def test_another_graph_in_a_pdf_is_drift(project, another_graphviz, tmp_path):
    other = tmp_path / "other.pdf"
    flags = ["--activation", "tanh", "--loss", "softmax_cross_entropy", "--hidden", "2"]
    assert run("graph", *flags, "--bias", "all", "-o", other).returncode == 0
    shutil.copy(other, project / "out" / "net.pdf")
    done = run("check", cwd=project, env=another_graphviz)
    assert done.returncode == 1, done.stdout
    assert "out/net.pdf: out of date (binary); run `symderiv build`" in done.stdout


def _drop_first(pattern, path):
    text = path.read_text()
    changed, count = re.subn(pattern, "", text, count=1, flags=re.DOTALL)
    assert count == 1
    path.write_text(changed)


@pytest.mark.parametrize(
    "name, pattern",
    [
        ("net.svg", r'<g id="edge\d+" class="edge">.*?</g>\n'),
        ("net.hvp.svg", r'<g id="edge\d+" class="edge">.*?</g>\n'),
        ("net.svg", r"<text [^>]*>o</text>"),
        ("net.tex", r"\\draw\[->\][^\n]*\n"),
        ("net.hvp.tex", r"\\node\[symadjoint[,\]][^\n]*\n"),
        ("net.tex", r"\\ell_2"),
        ("net.html", r"<mi>&#x1D433;</mi>"),  # a z of the equations
        ("net.html", r'<g id="node\d+" class="node">.*?</g>\n'),  # a node of the figure
    ],
)
def test_a_changed_graph_is_drift(project, another_graphviz, name, pattern):
    _drop_first(pattern, project / "out" / name)
    done = run("check", cwd=project, env=another_graphviz)
    assert done.returncode == 1, done.stdout
    assert f"out/{name}: out of date; run `symderiv build`" in done.stdout
