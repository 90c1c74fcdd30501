"""The memory footprint of a graph's generated module, counted as memory.py counts a dense
network's: what forward keeps in its cache, every adjoint and gradient of backward, and each
statement's temporaries (their Ershov number), as formulas in the sizes and n. Prediction keeps
every quantity the output reads until it returns."""

from __future__ import annotations

import sympy as sp

from ..errors import UsageError
from ..exprs import Elementwise
from ..memory import HELPER_ARRAYS, IN_PLACE, Item, Row, table_text
from .module import graph_module_spec, size_names
from .rules import N


def graph_items(spec) -> list[Item]:
    """Every array loss_and_grad makes, statement by statement (`temporaries` unused: a
    graph's statements hold temporaries of other sizes than their result, see `held`); an
    adjoint written into an array nothing reads again (dZ into dH) makes none."""
    found = []
    for s in spec.forward:
        kept = s.target in spec.cache
        found.append(Item("forward", s.target, spec.entries[s.target], kept, 0, s.reuses))
    for s in spec.backward:
        found.append(Item("backward", s.target, spec.entries[s.target], True, 0, s.reuses))
    return found


def entries(expr, rows) -> sp.Expr:
    """The numbers in the array `expr` evaluates to: its shape's, n times for a vector or a
    scalar with a row per example."""
    if isinstance(expr, sp.MatrixExpr):
        r, c = expr.shape
        if r != 1 and c != 1:  # a matrix is shared in code (the examples' are summed)
            return r * c
        count = r * c
    else:
        count = sp.Integer(1)
    return count * (N if any(a in rows for a in expr.free_symbols) else 1)


def held(expr, rows) -> sp.Expr:
    """The most numbers evaluating `expr` holds at once besides the arrays it reads: the
    results of its operands that wait for the others, then its own result beside them, unless
    NumPy writes it into a temporary operand of its size (+, *, ** and the like)."""
    if _read(expr):
        return sp.Integer(0)
    children = [expr.arg] if isinstance(expr, Elementwise) else list(expr.args)
    need, waiting = sp.Integer(0), sp.Integer(0)
    for child in children:
        if isinstance(child, sp.Lambda) or _read(child):
            continue
        need = sp.Max(need, waiting + held(child, rows))
        waiting += entries(child, rows)
    own = entries(expr, rows)
    operands = [c for c in children if not isinstance(c, sp.Lambda)]
    # NumPy writes into a temporary operand only when no other operand is broadcast to it
    # (H @ W + c, c a vector, makes a new array)
    reusable = (
        isinstance(expr, IN_PLACE)
        and any(not _read(c) and entries(c, rows) == own for c in operands)
        and all(entries(c, rows) == own for c in operands if isinstance(c, sp.MatrixExpr))
    )
    if isinstance(expr, (sp.Inverse, sp.Determinant)):  # LAPACK factors a copy of the matrix
        own *= 2
    if isinstance(expr, sp.MatMul):  # A @ B @ C holds A @ B while it computes the rest
        factors = [f for f in expr.args if isinstance(f, sp.MatrixExpr)]
        if len(factors) > 2:
            own += entries(sp.MatMul(*factors[:-1]), rows)
    if isinstance(expr, Elementwise):  # the helpers' own arrays (_sigmoid's σ(−|a|), …)
        functions = expr.fn.expr.atoms(sp.Function)
        own *= 1 + sum(HELPER_ARRAYS.get(type(f).__name__, 0) for f in functions)
    return sp.Max(need, waiting + (0 if reusable else own))


def _read(expr) -> bool:
    """Whether `expr` is an array the statement only reads: a name, or a name's transpose
    (a view)."""
    if isinstance(expr, sp.Transpose):
        expr = expr.arg
    return expr.is_Atom or isinstance(expr, sp.MatrixSymbol)


def graph_training_peak(spec, values) -> int:
    """The most numbers loss_and_grad holds at once, at `values`: what earlier statements
    keep, and what the running statement holds: its result and, for an in-place chain, the
    largest part computed as written, else all its expression needs (`held`). Backward starts
    from the cache."""
    count = lambda e: int(sp.sympify(e).xreplace(values))  # noqa: E731
    peaks = []
    for phase in (spec.forward, spec.backward):
        kept = spec.forward if phase is spec.backward else ()
        base = sum(count(spec.entries[s.target]) for s in kept if s.target in spec.cache)
        for s in phase:
            result = 0 if s.reuses else count(spec.entries[s.target])
            if s.chain:
                parts = [count(held(part, spec.rows)) for part in s.written]
                peaks.append(base + result + max(parts, default=0))
            else:
                peaks.append(base + count(held(s.expr, spec.rows)))
            base += result
    return max(peaks, default=0)


def graph_prediction_peak(spec, values) -> int:
    """The most numbers predict holds at once: each statement's array until it returns, and
    what each statement and the output hold while they are computed."""
    count = lambda e: int(sp.sympify(e).xreplace(values))  # noqa: E731
    peaks, base = [], 0
    for s in spec.predict:
        peaks.append(base + count(held(s.expr, spec.rows)))
        base += count(entries(s.expr, spec.rows))  # predict's arrays, whatever forward keeps
    peaks.append(base + count(held(spec.output_expr, spec.rows)))
    return max(peaks)


def graph_rows(spec, arrays) -> list[Row]:
    """What training keeps, one row per array, the parameters first."""
    params = sp.Add(*(spec.entries[code] for _, code, _ in spec.parameters))
    found = [Row("parameters", "parameters", params)]
    found += [Row("forward", i.name, i.numbers) for i in arrays if i.phase == "forward" and i.kept]
    gradients = {code for _, code in spec.gradients}
    found += [
        Row("backward", i.name, i.numbers, "gradient" if i.name in gradients else "adjoint")
        if not i.reuses
        else Row("backward", i.name, sp.Integer(0), "reused", i.reuses)  # dZ in dH's array
        for i in arrays
        if i.phase == "backward"
    ]
    return found


def graph_size_values(graph, spec, sizes, n) -> dict:
    """{size symbol: value} for `sizes` in SIZES order, and n for a graph with inputs."""
    names = size_names(graph)
    if len(sizes) != len(names) or min(sizes, default=1) <= 0:
        raise UsageError(
            f"--sizes {','.join(map(str, sizes)) or '(none)'} is not allowed; graph "
            f"{graph.name!r} has the sizes {', '.join(names)}: give {len(names)} positive whole "
            "numbers in that order"
        )
    values = {sp.Symbol(k, integer=True, positive=True): v for k, v in zip(names, sizes)}
    if graph.declared.inputs:
        values[N] = n
    return values


def graph_table(graph, sizes, n: int, dtype: str) -> str:
    """`symderiv memory` for a graph: every array's formula and its bytes at the sizes."""
    spec = graph_module_spec(graph)
    values = graph_size_values(graph, spec, sizes, n)
    arrays = graph_items(spec)
    peak = sp.Integer(graph_training_peak(spec, values))
    prediction = sp.Integer(graph_prediction_peak(spec, values))
    return table_text(graph.name, dtype, values, graph_rows(spec, arrays), peak, prediction)


def graph_memory_section(graph, words, at=None) -> dict:
    """The document's memory table for a graph: each array of the generated code by its name
    there, its entries as a formula and, with `at` (an At of the graph's sizes), its bytes."""
    from ..latex_memory import section

    spec = graph_module_spec(graph)
    arrays = graph_items(spec)
    found = graph_rows(spec, arrays)
    names = {"parameters": words["memory_parameters"]}
    names |= {r.name: rf"\texttt{{{r.name}}}".replace("_", r"\_") for r in found[1:]}
    values = None if at is None else graph_size_values(graph, spec, at.sizes, at.n)
    peaks = None
    if at is not None:
        peaks = (
            sp.Integer(graph_training_peak(spec, values)),
            sp.Integer(graph_prediction_peak(spec, values)),
        )
    return section(found, names, sp.latex, words, at, values, peaks)
