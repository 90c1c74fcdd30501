"""The documents as a reader sees them: compiled, and read back from the PDF. No overfull or
underfull box, no float moved by LaTeX, each figure on the page of its heading, and no sentence
said twice."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from helpers import ROOT, compile_tex, run

GENERATED = sorted(p.name for p in (ROOT / "generated").glob("*.tex") if ".fragment" not in p.name)
VARIANTS = {  # documents the issue reports showed defects in, beside those in generated/
    "gelu_batch.tex": "--activation gelu --hidden 2 --loss squared --bias all --form batch",
    "hvp_fr.tex": "--activation tanh --loss softmax_cross_entropy --bias hidden --hvp --lang fr",
    "memory_sizes.tex": "--activation relu --hidden 3 --loss squared --bias all --memory "
    "--sizes 8,6,6,6,4 --batch 5",
}
HEADING = {
    "en": ("Computational graph", "Squares are variables"),
    "fr": ("Graphe de calcul", "Les carrés sont des variables"),
}
PDFTOTEXT = shutil.which("pdftotext")


def compiled(tmp_path, name) -> tuple[str, list[str]]:
    """The LaTeX log and the text of each page of document `name`."""
    path = tmp_path / name
    if name in VARIANTS:
        done = run("latex", *VARIANTS[name].split(), "-o", path)
        assert done.returncode == 0, done.stderr
    else:
        shutil.copy(ROOT / "generated" / name, path)
    log = compile_tex(path)
    assert PDFTOTEXT, "pdftotext is required (Debian: poppler-utils)"
    text = subprocess.run(
        [PDFTOTEXT, path.with_suffix(".pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    return log, text.split("\f")


@pytest.mark.parametrize("name", GENERATED + list(VARIANTS))
def test_a_document_reads_as_typeset(tmp_path, name):
    log, pages = compiled(tmp_path, name)
    for warning in (
        "Overfull \\hbox",
        "Underfull \\hbox",
        "Overfull \\vbox",
        "Underfull \\vbox",
        "float specifier changed",
    ):
        assert warning not in log, warning
    lang = "fr" if "fr" in name else "en"
    heading, caption = HEADING[lang]
    with_heading = [page for page in pages if re.search(rf"^{heading}$", page, re.M)]
    assert len(with_heading) == 1, "the document has one computational-graph heading"
    assert caption in " ".join(with_heading[0].split()), "the figure sits under its heading"
    # a sentence of some length said twice is a repetition, not a refrain
    words = " ".join(" ".join(pages).split())
    sentences = [s for s in re.split(r"(?<=[.:])\s+", words) if len(s) >= 40]
    repeated = {s for s in sentences if sentences.count(s) > 1}
    assert not repeated, repeated
