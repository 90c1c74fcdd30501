"""Long displayed equations broken over lines, so that no row of an align* is wider than the
page: `broken(rows)` takes the rows of one align* ("lhs &= rhs \\in space") and breaks each
one that would not fit at its top-level = signs, then between its terms, then, for a term
that alone is too wide (a long sum in parentheses times a vector), between the terms inside
its parentheses, which become \\Bigl( and \\Bigr) so that they can stand on two lines.
Continuation lines start under the first line's right-hand side: &\\quad {} + term.

Widths are estimated from the LaTeX text, in points of an 11 pt document (a letter about
5.5 pt, a binary operator with its spaces about 10 pt, a script at 70 %), against the
text width of a letter page with 1 in margins; the estimate errs wide, and the documents'
compile tests catch what it would miss.
"""

from __future__ import annotations

import re

TEXT_WIDTH = 469.0  # pt: 8.5 in less two 1 in margins
LIMIT = 0.83 * TEXT_WIDTH  # what a line may fill: the estimate is up to 1.2 times short
QUAD = 11.0

_SYMBOL = 6.5  # a Greek letter, \partial
_BINARY = 13.5  # an operator and the medium spaces around it
_COMMANDS = {
    r"\odot": _BINARY, r"\in": _BINARY, r"\cdot": _BINARY, r"\times": _BINARY,
    r"\otimes": _BINARY, r"\quad": QUAD, r"\qquad": 2 * QUAD, r"\;": 3.0, r"\,": 2.0,
    r"\!": -2.0, r"\|": 3.0, r"\{": 5.5, r"\}": 5.5, r"\top": 7.7, r"\infty": 11.0,
    r"\sum": 16.0, r"\prod": 16.0,
}  # fmt: skip
_BOLD = {r"\mathbf", r"\boldsymbol", r"\mathbb", r"\mathcal"}
_UPRIGHT = {r"\mathrm", r"\textrm", r"\operatorname", r"\text", r"\textit"}
_SIZED = {r"\left", r"\right", r"\bigl", r"\bigr", r"\Bigl", r"\Bigr", r"\big", r"\Big"}
_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|.", re.S)


def width(tex: str) -> float:
    """The estimated width of math-mode LaTeX, in points."""
    tokens = _TOKEN.findall(tex)
    total, _ = _run(tokens, 0, None, "math")
    return total


def _letter(t: str, style: str) -> float:
    if style == "bold":
        return 10.0 if t.isupper() else 7.0
    if style == "upright":
        return 7.5 if t.isupper() else 5.2
    return 8.2 if t.isupper() else 5.8


def _group(tokens, i, style):
    """(width, next index) of the group or the single token at i."""
    if i >= len(tokens):
        return 0.0, i
    if tokens[i] == "{":
        return _run(tokens, i + 1, "}", style)
    return _run(tokens[i : i + 1], 0, None, style)[0], i + 1


def _run(tokens, i, end, style):
    total = 0.0
    while i < len(tokens):
        t = tokens[i]
        if t == end:
            return total, i + 1
        i += 1
        if t == "{":
            w, i = _run(tokens, i, "}", style)
        elif t in ("^", "_"):
            w, i = _group(tokens, i, style)
            w *= 0.72
        elif t == r"\frac":
            top, i = _group(tokens, i, style)
            bottom, i = _group(tokens, i, style)
            w = max(top, bottom) + 2.4
        elif t == r"\sqrt":
            w, i = _group(tokens, i, style)
            w += 9.0
        elif t in _BOLD:
            w, i = _group(tokens, i, "bold")
        elif t in _UPRIGHT:
            w, i = _group(tokens, i, "upright")
        elif t in _SIZED:
            w, i = 4.5, i + 1  # the delimiter that follows
        elif t in _COMMANDS:
            w = _COMMANDS[t]
        elif t.startswith("\\") and len(t) > 2:
            name = t[1:]  # \tanh, \max: upright letters and a thin space; \sigma: a letter
            w = 5.2 * len(name) + 2.0 if name in _NAMED else _SYMBOL
        elif t.isspace():
            w = 0.0
        elif t in "+-=<>":
            w = _BINARY
        elif t in "()[]|":
            w = 4.3
        elif t in ",;":
            w = 6.0
        elif t.isalpha():
            w = _letter(t, style)
        else:
            w = 5.5
        total += w
    return total, i


_NAMED = {
    "tanh", "sinh", "cosh", "log", "exp", "max", "min", "sin", "cos", "det", "tr", "sign",
    "arg", "ln",
}  # fmt: skip


def _top_level(tex: str):
    """The positions in `tex` outside every {…} and \\left…\\right pair, as a predicate."""
    depth, inside = 0, []
    i = 0
    while i < len(tex):
        if tex.startswith(r"\left", i) and not tex[i + 5 : i + 6].isalpha():
            inside.append(depth > 0)  # the \left itself stands where its group does
            depth += 1
            i += 1
            continue
        if tex.startswith(r"\right", i) and not tex[i + 6 : i + 7].isalpha():
            depth -= 1
        elif tex[i] == "\\":  # an escaped brace or a command: not a group
            inside.extend([depth > 0] * 2)
            i += 2
            continue
        elif tex[i] == "{":
            depth += 1
        elif tex[i] == "}":
            depth -= 1
            inside.append(True)
            i += 1
            continue
        inside.append(depth > 0)
        i += 1
    return inside


def _split(tex: str, separators: tuple) -> list:
    """`tex` split before each separator (" + ", " - ", " = ") at its top level; the pieces
    after the first keep their separator in front."""
    inside = _top_level(tex)
    cuts = [0]
    for i in range(1, len(tex)):
        if not inside[i] and any(tex.startswith(s, i) for s in separators):
            cuts.append(i)
    cuts.append(len(tex))
    return [tex[a:b].strip() for a, b in zip(cuts, cuts[1:]) if tex[a:b].strip()]


def _opened(term: str) -> list | None:
    """A term too wide for a line as pieces over several lines: its widest top-level
    \\left( … \\right) group whose inside is a sum, its terms on lines of their own."""
    inside = _top_level(term)
    best = None
    for start in (m.start() for m in re.finditer(r"\\left\(", term)):
        if inside[start]:
            continue
        depth, i = 0, start
        while i < len(term):
            if term.startswith(r"\left", i) and not term[i + 5 : i + 6].isalpha():
                depth += 1
            elif term.startswith(r"\right", i) and not term[i + 6 : i + 7].isalpha():
                depth -= 1
                if depth == 0:
                    break
            i += 1
        body = term[start + len(r"\left(") : i]
        if term[i : i + len(r"\right)")] != r"\right)":
            continue
        terms = _split(body, (" + ", " - "))
        if len(terms) > 1 and (best is None or len(body) > len(best[2])):
            best = (start, i + len(r"\right)"), body, terms)
    if best is None:
        return None
    start, stop, _, terms = best
    terms[0] = term[:start] + r"\Bigl(" + terms[0]
    terms[-1] = terms[-1] + r"\Bigr)" + term[stop:]
    return terms


def _packed(pieces: list, first: float, rest: float) -> list:
    """The pieces joined into lines, greedily: the first line within `first` points, the
    others within `rest`."""
    lines, current, room = [], "", first
    for piece in pieces:
        joined = f"{current} {piece}".strip()
        if current and width(joined) > room:
            lines.append(current)
            current, room = piece, rest
        else:
            current = joined
    lines.append(current)
    return lines


def _terms(piece: str, budget: float) -> list:
    """A piece of a right-hand side as terms small enough for a line where they can be."""
    out = []
    for term in _split(piece, (" + ", " - ")):
        opened = _opened(term) if width(term) > budget else None
        out.extend(opened or [term])
    return out


def broken(rows) -> list:
    """The rows of one align*, each too wide for the page broken over lines."""
    rows = list(rows)
    heads = [row.split("&", 1)[0] for row in rows if "&" in row]
    left = max((width(h) for h in heads), default=0.0)
    out = []
    for row in rows:
        if "&=" not in row or left + width(row.split("&", 1)[1]) <= LIMIT:
            out.append(row)
            continue
        head, rhs = row.split("&=", 1)
        budget = LIMIT - left - _BINARY
        pieces = []
        for k, piece in enumerate(_split(rhs.strip(), (" = ",))):
            if k:
                pieces.append(None)  # a new line for each further = sign
            pieces += _terms(piece.removeprefix("= "), budget - QUAD)
        lines, group = [], []
        for piece in [*pieces, None]:
            if piece is not None:
                group.append(piece)
                continue
            lines.append(_packed(group, budget, budget - QUAD))
            group = []
        text = []
        for k, part in enumerate(lines):
            for j, line in enumerate(part):
                if k == 0 and j == 0:
                    text.append(f"{head}&= {line}")
                elif j == 0:
                    text.append(f"&= {line}")
                else:
                    text.append(f"&\\quad {{}}{line}" if line[:1] in "+-" else f"&\\quad {line}")
        out.append(" \\\\\n".join(text))
    return out
