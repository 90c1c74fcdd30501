"""`symderiv html`: one page a browser shows without TeX, JavaScript or network, with the
equations as MathML, the figure as inline SVG and the generated code."""

from __future__ import annotations

import re
import struct
import xml.dom.minidom

import pytest
from browser import page_report, screenshot
from helpers import ROOT, run

CASES = {
    "seed.html": [],
    "tanh_fr.html": [
        "--activation", "tanh", "--loss", "softmax_cross_entropy", "--bias", "hidden",
        "--lang", "fr",
    ],
    "gelu_deep.html": ["--activation", "gelu", "--hidden", "2", "--loss", "squared"],
}  # fmt: skip


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pages")
    for name, flags in CASES.items():
        done = run("html", *flags, "-o", folder / name)
        assert done.returncode == 0, done.stderr
    return folder


@pytest.mark.parametrize("name", CASES)
def test_the_page_is_whole_and_needs_nothing(pages, name):
    text = (pages / name).read_text()
    assert text.startswith("<!doctype html>")
    assert "<script" not in text.lower() and "<link" not in text.lower()
    assert not re.search(r"\b(src|href)=", text), "the page loads nothing"
    # nothing is fetched: the only addresses are the XML namespaces of MathML and SVG
    assert set(re.findall(r"https?://[^\s\"'<>]+", text)) <= {
        "http://www.w3.org/1998/Math/MathML",
        "http://www.w3.org/2000/svg",
        "http://www.w3.org/1999/xlink",
    }
    svg = text[text.index("<svg") : text.index("</svg>") + len("</svg>")]
    xml.dom.minidom.parseString(svg)  # the figure is well-formed
    assert text.count("<math") >= 15
    assert "\\" not in re.sub(r"<pre>.*?</pre>", "", text, flags=re.DOTALL), "no raw LaTeX"


def test_french_page(pages):
    text = (pages / "tanh_fr.html").read_text()
    assert '<html lang="fr">' in text
    assert "<h2>Rétropropagation</h2>" in text and "<h2>Code généré</h2>" in text


def test_the_code_is_the_generated_module(pages):
    text = (pages / "gelu_deep.html").read_text()
    code = re.search(r"<pre><code>(.*?)</code></pre>", text, re.DOTALL)[1]
    assert "def loss_and_grad(" in code and "import numpy as np" in code
    assert "<pre>" not in (pages / "seed.html").read_text()  # the generic φ and l: no code


@pytest.mark.parametrize("name", CASES)
def test_the_page_renders_in_chromium(pages, name):
    """No error, nothing fetched, and every equation laid out with a size; a screenshot of
    the page is taken beside it."""
    report = page_report(pages / name)
    assert report["errors"] == [] and report["fetched"] == []
    assert len(report["math"]) >= 15
    assert all(width > 0 and height > 0 for width, height in report["math"])
    png = pages / name.replace(".html", ".png")
    screenshot(pages / name, png)
    width, height = struct.unpack(">II", png.read_bytes()[16:24])
    assert (width, height) == (1000, 3000)


def test_the_seed_page_is_committed():
    """The README links the page built for the seed."""
    assert (ROOT / "generated" / "seed.html").is_file()
    assert "generated/seed.html" in (ROOT / "README.md").read_text()


def test_bad_language_is_refused(tmp_path):
    done = run("html", "--lang", "de", "-o", tmp_path / "p.html")
    assert done.returncode == 2
    assert done.stderr == "symderiv: error: --lang 'de' is not allowed; expected one of en, fr\n"
    assert not (tmp_path / "p.html").exists()
