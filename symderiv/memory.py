"""Memory footprint of the generated module (the section's exercise 3), as formulas in the sizes.

Training (loss_and_grad) keeps, until backward returns: what forward cached for backward, every
adjoint backward computes (each stays bound to its name until the function returns), and the
gradients. On top of that, a statement briefly holds temporaries: NumPy writes an operation's
result into a temporary operand when it can, so a statement needs as many arrays at once as its
expression tree needs registers (the Ershov number), one of which becomes the result. Inputs
X, Y and the parameters belong to the caller and are not counted. Prediction keeps only the
current layer: at most the previous layer and the new one at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .codegen import module_spec
from .derivation import derive
from .exprs import Elementwise
from .naming import DIMS, hidden_dims
from .ops import apply

BYTES = {"float32": 4, "float64": 8}


@dataclass(frozen=True)
class Item:
    """One array: what it is, and how many numbers it holds (a formula in d, h…, q, n)."""

    phase: str  # "forward" or "backward"
    name: str
    numbers: sp.Expr
    kept: bool  # whether it outlives forward (it is in the cache, or it is a gradient)
    temporaries: int  # arrays of this size the statement holds besides its result
    reuses: str = ""  # the array the result is written into (dZ into dH), so none is made


def numbers_of(var) -> sp.Expr:
    """How many numbers the code's array for `var` holds, one row per example."""
    if var.kind == "param":
        return sp.Mul(*var.code_shape)
    if var.is_scalar:
        return DIMS["n"] if var.per_example else sp.Integer(1)
    return DIMS["n"] * var.shape[0]


# Arrays the module's helper functions hold inside besides their result (see module.py.j2):
# _erf keeps |a|, min(|a|, 6) and the small branch besides its result; _sigmoid keeps σ(−|a|)
# besides σ(|a|), which it returns.
HELPER_ARRAYS = {"erf": 3, "sigmoid": 1}
# Operators NumPy evaluates in place of a temporary operand; everything else (matmul, and
# every function such as np.tanh) writes a new array while its operands are still held.
IN_PLACE = (sp.Add, sp.Mul, sp.Pow, sp.MatAdd, sp.HadamardProduct)


def registers(expr) -> int:
    """How many arrays evaluating `expr` holds at once, its result included (the Ershov number,
    with NumPy's in-place reuse of temporaries)."""
    if isinstance(expr, (sp.MatrixSymbol, sp.Symbol, sp.Lambda)) or expr.is_number:
        return 0
    if isinstance(expr, Elementwise):  # the body, over its (named) argument
        return max(registers(expr.fn.expr), registers(expr.arg))
    children = sorted((registers(a) for a in expr.args), reverse=True) or [0]
    need = max(1, *(c + i for i, c in enumerate(children)))
    if isinstance(expr, sp.MatMul) and not all(a.is_number or a.is_Symbol for a in expr.args[:-1]):
        need = max(need, children[0] + 1)  # @ writes a new array
    elif not isinstance(expr, IN_PLACE):
        need = max(need, children[0] + 1 + HELPER_ARRAYS.get(type(expr).__name__, 0))
    return need


def items(model) -> list[Item]:
    """Every array loss_and_grad makes, statement by statement, as the generated code has
    them: what forward keeps is its cache."""
    spec = module_spec(model)
    variables = {v.code: v for v in derive(model, batch=True).tape.variables}
    found = []
    for s in spec.forward:
        if s.target == "LSE":  # one number per example; the helper's scratch besides
            found.append(Item("forward", "LSE", DIMS["n"], True, 1))
            continue
        var = variables.get(s.target)
        numbers = numbers_of(var) if var is not None else DIMS["n"] * s.expr.shape[0]  # R
        kept = s.target in spec.cache
        found.append(Item("forward", s.target, numbers, kept, _temporaries(s), s.reuses))
    for s in spec.backward:
        var = variables[s.target[1:]]
        found.append(Item("backward", s.target, numbers_of(var), True, _temporaries(s), s.reuses))
    return found


def _temporaries(statement) -> int:
    """Arrays of the result's size the statement holds besides it: for in-place lines, what
    their largest part computed as written needs (the parts come one after another); else
    what NumPy needs for the expression it is written as, less its result."""
    if statement.chain:
        return max((registers(part) for part in statement.written), default=0)
    return max(0, registers(statement.expr) - 1)


def training_peak(model, arrays=None, values=None):
    """The most numbers loss_and_grad holds at once: a formula (a Max over statements), or with
    `values` (sizes as size_values gives them) a whole number, counted without the formula.
    Backward starts from what forward kept; everything else forward made is gone."""
    arrays = items(model) if arrays is None else arrays
    count = (lambda e: e) if values is None else (lambda e: int(e.xreplace(values)))
    forward = [i for i in arrays if i.phase == "forward"]
    backward = [i for i in arrays if i.phase == "backward"]
    kept = sum((count(i.numbers) for i in forward if i.kept), sp.Integer(0))
    peaks = [*_peaks(forward, sp.Integer(0), count), *_peaks(backward, kept, count)]
    if values is not None:
        return max(peaks)
    # unevaluated: comparing every pair of symbolic peaks costs minutes at depth 16
    return sp.Max(*dict.fromkeys(peaks), evaluate=False)


def _peaks(arrays, held, count):
    """The numbers held while each statement runs: all before it, its result, its temporaries."""
    for item in arrays:
        numbers = count(item.numbers)
        held += 0 if item.reuses else numbers
        yield held + item.temporaries * numbers


def prediction_peak(model) -> sp.Expr:
    """The most numbers predict holds at once: the layer it reads, the one it writes, and the
    statement's temporaries."""
    tape = derive(model, batch=True).tape
    peaks = []
    for step in tape.steps:
        if step.op in ("matmul", "affine", "activation"):
            (source,) = [a for a in step.args if a.kind in ("input", "hidden")]
            expr = apply(step, [a.symbol for a in step.args])
            extra = max(0, registers(expr) - 1)
            held = 0 if source.kind == "input" else numbers_of(source)  # X is the caller's
            peaks.append(held + (1 + extra) * numbers_of(step.out))
    return sp.Max(*dict.fromkeys(peaks), evaluate=False)


@dataclass(frozen=True)
class Row:
    """One line of the footprint: the caller's parameters, an array forward keeps, or an
    adjoint or gradient of backward (`name` is the array's name in the code)."""

    kind: str  # "parameters", "forward" or "backward"
    name: str
    numbers: sp.Expr
    note: str = ""
    reuses: str = ""  # the array this one is written into, so that it takes no memory


def rows(model, arrays=None) -> list[Row]:
    """What training keeps, one row per array, parameters first."""
    arrays = items(model) if arrays is None else arrays
    params = derive(model, batch=True).tape.parameters
    found = [Row("parameters", "parameters", sp.Add(*(numbers_of(p) for p in params)))]
    found += [Row("forward", i.name, i.numbers) for i in arrays if i.phase == "forward" and i.kept]
    gradients = {"d" + p.code for p in params}
    found += [
        Row("backward", i.name, i.numbers, "gradient" if i.name in gradients else "adjoint")
        if not i.reuses
        else Row("backward", i.name, sp.Integer(0), "reused", i.reuses)  # dZ in dH's array
        for i in arrays
        if i.phase == "backward"
    ]
    return found


def size_values(model, sizes, n: int) -> dict:
    """{d: …, h: … (or h1, h2, …), q: …, n: …} for the widths `sizes` and the batch n."""
    dims = [DIMS["d"], *hidden_dims(model.depth), DIMS["q"]]
    return dict(zip(dims, sizes)) | {DIMS["n"]: n}


def table(model, sizes, n: int, dtype: str) -> str:
    """The footprint of `model` as text: every array's formula and bytes at `sizes`, batch n."""
    values = size_values(model, sizes, n)
    arrays = items(model)
    peak = sp.Integer(training_peak(model, arrays, values))
    return table_text(model.name, dtype, values, rows(model, arrays), peak, prediction_peak(model))


def table_text(name, dtype, values, found, training, prediction) -> str:
    """The footprint as text: each row's formula and its bytes at `values`, then the peaks of
    training and prediction."""
    bytes_per = BYTES[dtype]
    at = ", ".join(f"{d}={v}" for d, v in values.items())

    def row(label, numbers, note="", formula=None):
        count = int(numbers.xreplace(values))
        formula = str(numbers) if formula is None else formula
        return f"  {label:<24} {formula:<28} {count * bytes_per:>14,} B  {note}".rstrip()

    labels = {
        "parameters": "parameters (caller's)",
        "forward": "kept by forward: ",
        "backward": "backward: ",
    }
    lines = [f"{name}: {dtype}, {bytes_per} bytes a number, at {at}", "training (loss_and_grad):"]
    for r in found:
        label = labels[r.kind] + ("" if r.kind == "parameters" else r.name)
        note = f"adjoint, written into {r.reuses}" if r.reuses else r.note
        lines.append(row(label, r.numbers, note))
    over = "max over the statements"
    lines.append(row("peak, with temporaries", training, formula=over))
    lines.append("prediction (predict):")
    lines.append(row("peak", prediction, formula=over))
    return "\n".join(lines) + "\n"
