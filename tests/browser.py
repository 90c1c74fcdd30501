"""Headless Chromium, as readers' browsers show our pages and figures."""

from __future__ import annotations

import json
import shutil
import subprocess
from html import unescape
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# After the page has loaded, the title says how each image and each inline SVG came out.
_SIZES = """
  const found = {};
  for (const image of document.images) found[image.id] = [image.naturalWidth, image.naturalHeight];
  for (const svg of document.querySelectorAll("svg[id]")) {
    const box = svg.getBoundingClientRect();
    found[svg.id] = [box.width, box.height];
  }
"""
# ... or which nodes of each inline SVG have a label that reaches out of the node's shape.
_OVERFLOWS = """
  const found = {};
  for (const svg of document.querySelectorAll("svg[id]")) {
    found[svg.id] = [];
    for (const node of svg.querySelectorAll("g.node")) {
      const shape = node.querySelector("polygon, ellipse").getBBox();
      for (const text of node.querySelectorAll("text")) {
        const box = text.getBBox();
        if (box.x < shape.x - 0.5 || box.x + box.width > shape.x + shape.width + 0.5)
          found[svg.id].push(node.querySelector("title").textContent);
      }
    }
  }
"""


# ... or, for a web page: each <math> element's rendered size, what the page fetched, and the
# errors it raised.
_PAGE = """
  const found = {math: [], fetched: performance.getEntriesByType("resource").map(r => r.name),
                 errors: window.__errors || []};
  for (const math of document.querySelectorAll("math")) {
    const box = math.getBoundingClientRect();
    found.math.push([box.width, box.height]);
  }
"""
_ERRORS = """<script>
window.__errors = [];
window.addEventListener("error", e => window.__errors.push(String(e.message || e.target.src)), true);
</script>"""


def page_report(page: Path) -> dict:
    """{"math": [[width, height] of every <math>], "fetched": [every resource the page
    loaded], "errors": [every error event]} for the HTML file `page` in Chromium."""
    page.write_text(page.read_text().replace("<head>", "<head>" + _ERRORS, 1))
    return _report(page, _PAGE)


def screenshot(page: Path, png: Path, width: int = 1000, height: int = 3000) -> None:
    """A PNG of `page` as Chromium shows it, `width` pixels wide."""
    assert CHROMIUM, "Chromium is required (Debian: apt-get install chromium)"
    done = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--window-size={width},{height}",
            f"--screenshot={png}",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and png.is_file(), done.stderr[-2000:]


def sizes(page: Path) -> dict:
    """{id: [width, height]} of every <img> (its natural size) and <svg id> (its rendered size)
    in the HTML file `page`, once Chromium has loaded it."""
    return _report(page, _SIZES)


def overflows(page: Path) -> dict:
    """{id: [the names of the nodes whose label is wider than their shape]} for every inline
    <svg id> of the HTML file `page`, as Chromium sets the labels in its fonts."""
    return _report(page, _OVERFLOWS)


def _report(page: Path, script: str) -> dict:
    """What `script` leaves in `found`, run in Chromium once `page` has loaded."""
    assert CHROMIUM, "Chromium is required (Debian: apt-get install chromium)"
    report = (
        '<script>window.addEventListener("load", () => {'
        + script
        + "document.title = JSON.stringify(found);});</script>"
    )
    page.write_text(page.read_text().replace("</body>", report + "</body>"))
    done = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--virtual-time-budget=10000",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    title = done.stdout.split("<title>", 1)[1].split("</title>", 1)[0]
    return json.loads(unescape(title))
