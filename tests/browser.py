"""Headless Chromium, as readers' browsers show our pages and figures."""

from __future__ import annotations

import json
import shutil
import subprocess
from html import unescape
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# After the page has loaded, the title says how each image and each inline SVG came out.
_REPORT = """<script>
window.addEventListener("load", () => {
  const sizes = {};
  for (const image of document.images) sizes[image.id] = [image.naturalWidth, image.naturalHeight];
  for (const svg of document.querySelectorAll("svg[id]")) {
    const box = svg.getBoundingClientRect();
    sizes[svg.id] = [box.width, box.height];
  }
  document.title = JSON.stringify(sizes);
});
</script>"""


def sizes(page: Path) -> dict:
    """{id: [width, height]} of every <img> (its natural size) and <svg id> (its rendered size)
    in the HTML file `page`, once Chromium has loaded it."""
    assert CHROMIUM, "Chromium is required (Debian: apt-get install chromium)"
    page.write_text(page.read_text().replace("</body>", _REPORT + "</body>"))
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
