"""Every figure as a reader's browser shows it: each committed SVG loads in Chromium as an
<img> (as GitHub and Markdown viewers show it) and inline in a page, with a size that is not
zero, and so does every image the README embeds."""

from __future__ import annotations

import re
import shutil

from browser import overflows, sizes
from helpers import ROOT

SVGS = sorted((ROOT / "generated").glob("*.svg"))


def test_every_committed_svg_loads_as_an_image_and_inline(tmp_path):
    assert SVGS, "generated/ holds SVG figures"
    parts = []
    for k, path in enumerate(SVGS):
        shutil.copy(path, tmp_path / path.name)
        inline = path.read_text().split("<svg", 1)[1]  # without the XML prolog and doctype
        parts.append(f'<img id="img{k}" src="{path.name}"><svg id="svg{k}"{inline}')
    page = tmp_path / "figures.html"
    page.write_text("<!doctype html><html><body>" + "".join(parts) + "</body></html>")
    found = sizes(page)
    for k, path in enumerate(SVGS):
        assert min(found[f"img{k}"]) > 0, f"{path.name} does not load as an image"
        assert min(found[f"svg{k}"]) > 0, f"{path.name} does not show inline"


def test_no_label_overflows_its_node(tmp_path):
    """Every label of every committed figure fits inside its square, circle or box, in the
    fonts Chromium picks for them."""
    parts = [
        f'<svg id="svg{k}"{path.read_text().split("<svg", 1)[1]}' for k, path in enumerate(SVGS)
    ]
    page = tmp_path / "labels.html"
    page.write_text("<!doctype html><html><body>" + "".join(parts) + "</body></html>")
    found = overflows(page)
    assert {SVGS[int(k[3:])].name: v for k, v in found.items() if v} == {}
    assert len(found) == len(SVGS)


def test_every_image_the_readme_embeds_loads(tmp_path):
    embedded = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", (ROOT / "README.md").read_text())
    assert embedded, "the README embeds the seed figure"
    images = "".join(
        f'<img id="i{k}" src="{(ROOT / p).as_uri()}">' for k, p in enumerate(embedded)
    )
    page = tmp_path / "readme.html"
    page.write_text(f"<!doctype html><html><body>{images}</body></html>")
    found = sizes(page)
    for k, path in enumerate(embedded):
        assert min(found[f"i{k}"]) > 0, f"{path} does not load"


def test_a_broken_svg_is_seen(tmp_path):
    """The check itself can fail: an SVG that is not XML has no size."""
    (tmp_path / "broken.svg").write_text(SVGS[0].read_text().replace("<svg", " -->\n<svg", 1))
    page = tmp_path / "broken.html"
    page.write_text('<!doctype html><html><body><img id="b" src="broken.svg"></body></html>')
    assert sizes(page)["b"] == [0, 0]


def test_an_overflowing_label_is_seen(tmp_path):
    """The check itself can fail: a label made wider than its circle is reported."""
    text = (ROOT / "generated" / "seed.svg").read_text()
    wide = text.replace(">×</text>", ">××××××</text>", 1)
    assert wide != text
    page = tmp_path / "wide.html"
    page.write_text(
        f'<!doctype html><html><body><svg id="w"{wide.split("<svg", 1)[1]}</body></html>'
    )
    assert overflows(page)["w"] == ["op3_1"]  # the first × the file lists
