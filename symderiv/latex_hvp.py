"""The document's section on second derivatives (exercise 4): the extended graph's equations,
what φ″ and ∂²L/∂o² are, and the cost of hvp against the gradient, counted from the code."""

from __future__ import annotations

import sympy as sp

from .codegen import module_spec
from .errors import UsageError
from .extended_figure import extended_parts
from .figure import tikz_layout
from .hvp import named_slopes, slope_names, tangent_lines


def hvp_equations(derivation, latex, words, model) -> dict:
    """The rows of the R{·} equations, forward then backward, and the prose around them."""
    if derivation.tape.batch:
        raise UsageError(
            "the second-derivative section is written for one example; use it without --form batch"
        )
    p = latex.doprint
    lines = tangent_lines(derivation, named_slopes(derivation.tape))
    rows = {"tangent": [], "adjoint_tangent": []}
    for line in lines:
        rows[line.role].append(rf"{p(line.symbol)} &= {p(line.expr)} \in {line.var.shape_text}")
    try:
        gradient, hvp = module_spec(model).products
    except UsageError as error:
        raise UsageError(
            f"the second-derivative section counts its cost in the generated code, and {error}"
        ) from None
    low, high = hvp.ratio_range(gradient)
    cost = (
        words["hvp_cost"]
        .replace("{hvp_count}", f"{hvp.count}")
        .replace("{hvp_work}", p(hvp.multiply_adds))
        .replace("{gradient_count}", f"{gradient.count}")
        .replace("{gradient_work}", p(gradient.multiply_adds))
        .replace("{range}", _range(low, high, words))
    )
    params = derivation.tape.parameters
    return dict(
        intro=words["hvp_text"].replace("{V}", ", ".join(p(v.tangent) for v in params)),
        forward=tuple(rows["tangent"]),
        backward=tuple(rows["adjoint_tangent"]),
        definitions=_second_derivatives(derivation.tape, latex),
        cost=cost,
        figure=_figure(derivation, words["hvp_parts"]),
    )


def _figure(derivation, titles: tuple) -> tuple:
    """The extended graph's parts, placed by dot, for figure.tex.j2, each with its title in
    the document's language."""
    return tuple(
        dict(zip(("placed", "paths"), tikz_layout(part)), title=title)
        for part, title in zip(extended_parts(derivation), titles)
    )


def _range(low, high, words) -> str:
    def number(r):
        return str(r) if r.q == 1 else rf"\frac{{{r.p}}}{{{r.q}}}"

    if low == high:
        return f"${number(low)}$"
    return words["between"].replace("{low}", number(low)).replace("{high}", number(high))


def _second_derivatives(tape, latex) -> tuple:
    """φ″(t) = … for each activation, as `slope_names` names them."""
    p = latex.doprint
    shown = {}
    for (_, order), (name, formula) in slope_names(tape).items():
        if order == 2 and not formula.expr.atoms(sp.Derivative):
            written = p(name.expr).replace(r"\left(t\right)", "(t)")  # as φ′(t) is written
            shown.setdefault(rf"${written} = {p(formula.expr)}$", None)
    return tuple(shown)
