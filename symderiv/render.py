"""Jinja environments and the path to the templates, in a source checkout or an installed wheel."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import jinja2


def templates_dir() -> Path:
    """templates/ beside the package in a checkout (or an editable install); inside it in a wheel."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "templates", here.parent / "templates"):
        if (candidate / "module.py.j2").is_file():
            return candidate
    raise FileNotFoundError(f"symderiv's templates are missing (looked in {here} and beside it)")


@lru_cache(maxsize=None)
def environment(kind: str) -> jinja2.Environment:
    """The Jinja environment for templates of `kind` ("tex", "html" or any other): LaTeX
    templates use ((* *)), ((( ))) and ((# #)) as delimiters; HTML templates escape everything
    they interpolate that is not already markup."""
    options = dict(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=kind == "html",
    )
    if kind == "tex":
        options.update(
            block_start_string="((*",
            block_end_string="*))",
            variable_start_string="(((",
            variable_end_string=")))",
            comment_start_string="((#",
            comment_end_string="#))",
        )
    env = jinja2.Environment(**options)
    env.filters.update(quoted=in_quotes, comment=in_comment)
    if kind == "tex":
        from .printing.latex_lines import broken

        env.filters.update(broken=broken)
    return env


# Escapes for the places a printed string lands. What reaches them is printed by symderiv, not
# pasted from the user, but no text may end the docstring, comment or string it stands in.
_LINE_ENDS = str.maketrans({"\n": " ", "\r": " ", "\x0b": " ", "\x0c": " "})


def in_quotes(text) -> str:
    """`text` inside a double-quoted string (a Python docstring, a Graphviz string), on one line:
    no backslash or quote can end or change it."""
    return str(text).translate(_LINE_ENDS).replace("\\", "\\\\").replace('"', '\\"')


def in_comment(text) -> str:
    """`text` in a Python comment: on one line, so that nothing after it becomes code."""
    return str(text).translate(_LINE_ENDS)


def render(template: str, **context) -> str:
    kind = template.removesuffix(".j2").rpartition(".")[2]
    return environment(kind).get_template(template).render(**context)
