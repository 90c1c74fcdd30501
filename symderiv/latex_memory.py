"""The document's memory table (exercise 3): what training keeps, as formulas in the sizes,
and, at given sizes, in bytes with the peaks of training and prediction (memory.py)."""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .errors import UsageError, shown
from .memory import BYTES, items, prediction_peak, rows, size_values, training_peak
from .naming import DIMS


@dataclass(frozen=True)
class At:
    """Sizes to evaluate the table at: the widths d, h…, q, the batch n, and the dtype."""

    sizes: tuple
    n: int
    dtype: str = "float64"


def memory_option(memory, model):
    """The `memory` argument of document(), fragment() and show(), checked against `model`:
    None (no table), True (formulas), or an At from (sizes, n) or (sizes, n, dtype)."""
    if memory is None or memory is False or memory is True:
        return memory or None
    try:
        at = memory if isinstance(memory, At) else At(*memory)
        sizes = tuple(int(v) for v in at.sizes)
        good = sizes == tuple(at.sizes) and len(sizes) == model.depth + 2 and min(sizes) > 0
        good = good and int(at.n) == at.n and at.n > 0 and at.dtype in BYTES
    except (TypeError, ValueError):
        good = False
    if not good:
        raise UsageError(
            f"memory {shown(memory)} is not allowed; expected True, or (sizes, n) or (sizes, "
            f"n, dtype) with {model.depth + 2} positive whole sizes d, h…, q, a positive n and "
            "float32 or float64, e.g. ((784, 256, 10), 128)"
        )
    return at


ROWS_ON_A_PAGE = 36  # a longer table may break across pages, after its lead-in


def memory_section(tape, latex, words, at: At | None = None) -> dict:
    """The table's rows (array, entries, [bytes,] role) and, with `at`, the peaks in bytes."""
    model = tape.model
    names = {"parameters": words["memory_parameters"]}
    for v in tape.variables:
        names[v.code] = f"${v.latex_batch}$"
        names["d" + v.code] = rf"$\partial J / \partial {v.latex_batch}$"
        if v.name == "o":
            names["LSE"] = rf"$\operatorname{{logsumexp}}\left({v.latex_batch}\right)$"
            names["R"] = rf"${v.latex_batch} - \mathbf{{Y}}$"  # kept for the squared loss
    values = None if at is None else size_values(model, at.sizes, at.n)
    try:
        arrays = items(model)
    except UsageError as error:
        raise UsageError(f"the memory table follows the generated code, and {error}") from None
    peaks = None
    if at is not None:
        peaks = (sp.Integer(training_peak(model, arrays, values)), prediction_peak(model))
    return section(rows(model, arrays), names, latex.doprint, words, at, values, peaks)


def section(found, names, p, words, at, values, peaks) -> dict:
    """memory.tex.j2's fields from the footprint's rows: each row's cells (its name in
    `names`, its entries printed by `p`, [its bytes at `values`,] its role), the total and,
    with `at`, the peaks of training and prediction in bytes."""

    def size(numbers):
        return f"{int(numbers.xreplace(values)) * BYTES[at.dtype]:,}".replace(",", r"\,")

    table = []
    for row in found:
        cells = (names[row.name], f"${p(row.numbers)}$")
        if at is not None:
            cells += (size(row.numbers),)
        role = words["memory_roles"][row.note or row.kind]
        table.append(cells + (role.replace("{array}", names.get(row.reuses, "")),))
    # In all: the arrays with a row per example, n (…), and the rest, a sum that can break.
    kept = sp.expand(sp.Add(*(row.numbers for row in found if row.kind != "parameters")))
    n = DIMS["n"]
    per_example = kept.coeff(n)
    if per_example != 0:
        total = f"{p(n * per_example)} + {p(sp.expand(kept - n * per_example))}"
        total = total.removesuffix(" + 0")
    else:
        total = p(kept)
    total = words["memory_total"].replace("{total}", total)
    if at is not None:
        total += " " + words["memory_total_bytes"].replace("{bytes}", size(kept))
    where = ""
    if at is not None:
        training, prediction = peaks
        peaks = (
            (words["memory_training_peak"], size(training)),
            (words["memory_prediction_peak"], size(prediction)),
        )
        where = ", ".join(f"${sp.latex(d)} = {v}$" for d, v in values.items())
        where += f" ({at.dtype}, {BYTES[at.dtype]} " + words["memory_bytes_each"] + ")"
    return dict(
        rows=tuple(table),
        together=len(table) <= ROWS_ON_A_PAGE,  # the lead-in and the table on one page
        total=total,
        peaks=peaks or (),
        bytes=at is not None,
        at=where,
    )
