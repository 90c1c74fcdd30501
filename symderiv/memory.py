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
# _erf keeps |a|, x, the series' term and sum, the continued fraction and the tail; _sigmoid
# computes tanh of a temporary.
HELPER_ARRAYS = {"erf": 6, "sigmoid": 1}
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


def training_peak(model, arrays=None) -> sp.Expr:
    """The most numbers loss_and_grad holds at once, as a formula (a Max over statements).
    Backward starts from what forward kept; everything else forward made is gone."""
    arrays = items(model) if arrays is None else arrays
    forward = [i for i in arrays if i.phase == "forward"]
    backward = [i for i in arrays if i.phase == "backward"]
    kept = sum((i.numbers for i in forward if i.kept), sp.Integer(0))
    return sp.Max(*_peaks(forward, sp.Integer(0)), *_peaks(backward, kept))


def _peaks(arrays, held):
    """The numbers held while each statement runs: all before it, its result, its temporaries."""
    for item in arrays:
        held += 0 if item.reuses else item.numbers
        yield held + item.temporaries * item.numbers


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
    return sp.Max(*peaks)


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
    bytes_per = BYTES[dtype]
    values = size_values(model, sizes, n)
    at = ", ".join(f"{d}={v}" for d, v in values.items())

    def row(name, numbers, note="", formula=None):
        count = int(numbers.subs(values))
        formula = str(numbers) if formula is None else formula
        return f"  {name:<24} {formula:<28} {count * bytes_per:>14,} B  {note}".rstrip()

    labels = {
        "parameters": "parameters (caller's)",
        "forward": "kept by forward: ",
        "backward": "backward: ",
    }
    lines = [
        f"{model.name}: {dtype}, {bytes_per} bytes a number, at {at}",
        "training (loss_and_grad):",
    ]
    arrays = items(model)
    for r in rows(model, arrays):
        label = labels[r.kind] + ("" if r.kind == "parameters" else r.name)
        note = f"adjoint, written into {r.reuses}" if r.reuses else r.note
        lines.append(row(label, r.numbers, note))
    over = "max over the statements"
    lines.append(row("peak, with temporaries", training_peak(model, arrays), formula=over))
    lines.append("prediction (predict):")
    lines.append(row("peak", prediction_peak(model), formula=over))
    return "\n".join(lines) + "\n"
