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
