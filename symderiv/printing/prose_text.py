"""The documents' prose, read for the outputs that are not LaTeX (a web page, a notebook).

The prose is LaTeX text: mathematics in $…$ and \\[…\\], and in its text only the commands
\\texttt{…}, \\_, ~ and \\, (in numbers of bytes). `pieces` splits it into those parts; any
other command in the text is an error, so that no LaTeX is ever pasted raw into another
language.
"""

from __future__ import annotations

import re

# babel's French puts a space before a colon in the LaTeX; a page or Markdown needs it written
COLON = {"en": ":", "fr": "\u00a0:"}
_MATH = re.compile(r"\\\[(.+?)\\\]|\$(.+?)\$", re.DOTALL)
_TEXTTT = re.compile(r"\\texttt\{((?:[^{}\\]|\\_)*)\}")
_TEXT_COMMANDS = ((r"\_", "_"), ("~", "\u00a0"), (r"\,", "\u2009"))


def pieces(text: str) -> list[tuple[str, str]]:
    """(kind, content) for each part of `text` in order; kind is "text", "code" (what
    \\texttt set), "inline" or "display" (LaTeX mathematics, as written)."""
    out, at = [], 0
    for found in _MATH.finditer(text):
        out += _text(text[at : found.start()])
        display, inline = found.groups()
        out.append(("display", display) if display else ("inline", inline))
        at = found.end()
    return out + _text(text[at:])


def _text(text: str) -> list[tuple[str, str]]:
    out, at = [], 0
    for found in _TEXTTT.finditer(text):
        out.append(("text", _plain(text[at : found.start()])))
        out.append(("code", _plain(found[1])))
        at = found.end()
    out.append(("text", _plain(text[at:])))
    return [(kind, content) for kind, content in out if content]


def _plain(text: str) -> str:
    for command, character in _TEXT_COMMANDS:
        text = text.replace(command, character)
    if "\\" in text or "{" in text or "}" in text:
        raise ValueError(f"a LaTeX command only LaTeX can show: {text!r}")
    return text
