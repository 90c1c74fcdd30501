"""From a graph's derivation to the statements of its NumPy module (rendered by
graph_module.py.j2), with the dense module's contract: init_params, predict, forward, backward,
loss_and_grad, hvp and hessian.

Forward prints each equation the objective reads, in order; backward prints the closed form of
each adjoint of the minibatch sweep (`rules.backward(graph, batch=True)`), a shared quantity's
contributions from per-example readers summed over the rows; hvp prints the R{·} of both
(`tangents.hessian_vector`). An inverse or a softmax is computed once, in forward, and kept.
An adjoint that is one number (∂J/∂L = 1/n) is put in where it is read. The data arguments are
the inputs (a batch matrix each, capitalized: x → X), then the constants, then the
hyperparameters, each by its declared name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy as sp

from ..codegen import Statement, format_python, py_tuple
from ..errors import UsageError
from ..exprs import Elementwise, Softmax
from ..render import render
from .batch_printer import untangled
from .parse import LOSSES, SQUARE
from .rules import N, adjoint_symbol, backward, value
from .spec import _reached, _walk, split_objective
from .tangents import hessian_vector, tangent_symbol
from .writer import Writer, _free, last_reads


@dataclass(frozen=True)
class Argument:
    name: str  # in code: X for the input x
    declared: str  # as the graph declares it
    shape: str  # a tuple literal of size names, "n" first for an input
    kind: str  # "input", "constant" or "hyperparameter"


@dataclass(frozen=True)
class GraphModuleSpec:
    """Everything graph_module.py.j2 needs, already printed."""

    name: str
    summary: str
    parameters: tuple  # of (name, code name, its shape as a tuple literal)
    parameter_names: str  # the PARAMETERS tuple literal
    sizes: str  # the SIZES tuple literal
    data: tuple  # of Argument: inputs, constants, then hyperparameters
    args: str  # the data arguments, as the functions take them: "X, Y, lam"
    data_dict: str  # the arrays among them for _sizes: '{"X": X, "Y": Y}'
    hyperparameters: str  # the HYPERPARAMETERS tuple literal
    predict_dict: str
    batch: bool  # whether the graph has inputs (then n is the number of examples)
    forward: tuple  # of Statement
    forward_params: tuple  # code names of the parameters forward reads
    forward_sizes: (
        tuple  # what forward reads of the sizes and the call's dtype: "dims", "n", "dtype"
    )
    predict_sizes: tuple
    objective: Statement
    cache: tuple  # what backward and hvp read, by code name
    backward: tuple  # of Statement
    backward_params: tuple
    backward_cache: tuple
    gradients: tuple  # of (parameter, code)
    hvp: tuple  # of Statement
    hvp_params: tuple
    hvp_directions: tuple  # of (parameter, code) of the V entries hvp reads
    hvp_cache: tuple
    hvp_gradients: tuple  # of (parameter, code or a zeros expression)
    predict: tuple  # of Statement
    predict_params: tuple
    predict_args: tuple  # of Argument
    output: str  # predict's result, in code
    output_expr: object  # the same, as SymPy
    output_words: str  # what predict returns, for its docstring
    helpers: tuple
    equations: tuple  # forward's equations, for its docstring
    backward_equations: tuple
    hvp_equations: tuple
    identity: tuple  # parameters init_params sets to the identity (read by inv, det, logdet)
    workspace: tuple  # of (array name, its shape as a tuple literal of size names)
    dtype_of: str  # the arrays whose result type the computation has: "X, Y, W1, b1"
    entries: dict  # each array's number of entries by its code name (n per example), for memory
    rows: frozenset  # the symbols whose arrays have a row per example


def concrete_or_exit(graph) -> None:
    """Refuse, in one line, a graph that uses the section's generic φ or l: they can be
    typeset and differentiated, not computed."""
    for name, fn in (graph.declared.functions or {}).items():
        if not fn.is_concrete:
            raise UsageError(
                f"graph {graph.name!r}: the function {name} is the section's generic "
                f"{fn.name}, which is symbolic and cannot become code; declare a formula in t"
            )
    for equation in graph.equations:
        if any(n.op == "call" and n.name == "l" for n in _walk(equation.expr)):
            raise UsageError(
                f"graph {graph.name!r}: equation {equation.target} uses the section's generic "
                "loss l, which is symbolic and cannot become code; choose squared, "
                "softmax_cross_entropy or sigmoid_cross_entropy"
            )


def graph_module_spec(graph, array_api: bool = False) -> GraphModuleSpec:
    """Everything graph_module.py.j2 needs; with `array_api`, printed for the Array API
    standard (array_api.py), and nothing in place."""
    concrete_or_exit(graph)
    if array_api:
        from .array_api import ArrayAPIPrinter

        w = Writer(graph, ArrayAPIPrinter, in_place=False)
    else:
        w = Writer(graph)
    declared, symbols = graph.declared, w.symbols
    defined = {e.target: e for e in graph.equations}
    reached = _reached(graph.objective, defined)
    steps = [e for e in graph.equations if e.target in reached]
    goal = defined[graph.objective]
    each, once = split_objective(goal.expr, declared.hyperparameters)
    parts = [None if p is None else value(p, symbols) for p in (each, once)]
    sweep = backward(graph, batch=True, marked=True)
    tangents = list(hessian_vector(graph, batch=True, marked=True))
    split = len(tangents) - len(sweep)  # forward tangents, then the adjoints' in sweep order
    tangents = [(n, t) for n, t in tangents[:split] if n in reached] + tangents[split:]
    values = [value(e.expr, symbols) for e in steps]
    w.from_outputs(steps, values)
    for equation, expr in zip(steps, values):  # z2 = (z1 + z1)/2 is z1: one array, one name
        if isinstance(w.own(expr), (sp.Symbol, sp.MatrixSymbol)):
            w.swap[symbols[equation.target]] = w.own(expr)
    exprs = [*values, *(p for p in parts if p is not None), *(s.total for s in sweep)]
    w.repeated = _repeated(w, exprs)
    w.keep(exprs)
    w.keep(t for _, t in tangents)

    forward = []
    kept_symbols = dict(w.kept)
    written = [(e, v) for e, v in zip(steps, values) if symbols[e.target] not in w.swap]
    exprs = [w.own(expr) for _, expr in written]
    # what backward and hvp read of forward's arrays, and what the objective reads
    read_after = set().union(
        *(w.own(s.total).free_symbols for s in sweep),
        *(w.own(c).free_symbols for s in sweep for _, c in s.terms),
        *(w.own(t).free_symbols for _, t in tangents),
        *(w.own(p).free_symbols for p in parts if p is not None),
    )
    computed = {symbols[e.target] for e, _ in written} | set(w.kept.values())
    last = last_reads(exprs)
    for i, ((equation, _), expr) in enumerate(zip(written, exprs)):
        forward += _kept_before(w, expr, kept_symbols)
        later = set().union(*(sub.free_symbols for sub in kept_symbols))  # kept, still to come
        dead = {
            s
            for s in expr.free_symbols & computed
            if last[s] == i and s not in read_after and s not in later
        }
        math = f"{equation.target} = {w.words(value(equation.expr, symbols))}"
        forward.append(w.statement(symbols[equation.target], expr, math, dead=dead))
    forward += _kept_before(w, None, kept_symbols)
    objective = _objective(w, goal, parts)

    backward_statements, adjoints = _backward(w, sweep)
    hvp = _hvp(w, tangents, sweep, steps, adjoints)
    params = declared.parameters

    def reads(statements) -> set:
        found = set()
        for s in statements:
            found |= s.expr.free_symbols if s.expr is not None else set()
        return found

    def read_params(statements) -> tuple:
        found = reads(statements)
        return tuple((p, w.code[symbols[p]]) for p in params if symbols[p] in found)

    def read_cache(statements) -> tuple:
        found = reads(statements)
        names = [w.code[symbols[n]] for n in (*declared.inputs, *declared.constants)]
        names += [s.target for s in forward]
        names += [w.code[symbols[h]] for h in declared.hyperparameters if h != "lam"]
        wanted = {w.code[s] for s in found if s in w.code}
        sizes = _sizes_read(statements)
        out = ["n"] * ("n" in sizes) + [n for n in names if n in wanted]
        code = " ".join(line for s in statements for line in s.lines)
        made = [k for k in ("dtype", "device") if k in sizes]
        return tuple(dict.fromkeys(out + ["dims"] * ("dims[" in code) + made))

    backward_cache = read_cache(backward_statements)
    hvp_cache = read_cache(hvp)
    hvp_reads = reads(hvp)
    # backward checks the workspace against the sizes and dtype forward saw
    saved = ("dims", "dtype") if w.buffers else ()
    predict, predict_args, output, output_words, output_expr = _predict(w, steps, defined)
    data = _arguments(w)
    return GraphModuleSpec(
        name=graph.name,
        summary=graph_summary(graph),
        parameters=tuple(
            (p, w.code[symbols[p]], py_tuple(_code_shape(s))) for p, s in params.items()
        ),
        parameter_names=py_tuple(params),
        sizes=py_tuple(size_names(graph)),
        data=data,
        args=", ".join(a.name for a in data),
        data_dict=_arrays(data),
        hyperparameters=py_tuple(a.name for a in data if a.kind == "hyperparameter"),
        predict_dict=_arrays(predict_args),
        batch=w.batch,
        forward=tuple(forward),
        forward_params=read_params([*forward, objective]),
        forward_sizes=tuple(
            k
            for k in ("dims", "n", "dtype", "device")
            if k in _sizes_read([*forward, objective])
            or k in backward_cache + hvp_cache
            or (k == "dims" and "n" in backward_cache + hvp_cache)
        ),
        predict_sizes=_sizes_read([*predict, Statement("", output, "")]),
        objective=objective,
        cache=tuple(dict.fromkeys(backward_cache + hvp_cache + saved)),
        backward=tuple(backward_statements),
        backward_params=read_params(backward_statements),
        backward_cache=backward_cache,
        gradients=tuple(
            (p, _gradient(w, p, adjoint_symbol(p, s), backward_statements))
            for p, s in params.items()
        ),
        hvp=tuple(hvp),
        hvp_params=read_params(hvp),
        hvp_directions=tuple(
            (p, w.code[tangent_symbol(p, s)])
            for p, s in params.items()
            if tangent_symbol(p, s) in hvp_reads
        ),
        hvp_cache=hvp_cache,
        hvp_gradients=tuple(
            (p, _gradient(w, p, tangent_symbol("d" + p, s), hvp)) for p, s in params.items()
        ),
        predict=predict,
        predict_params=read_params([*predict, Statement("", output, "", output_expr)]),
        predict_args=predict_args,
        output=output,
        output_expr=output_expr,
        output_words=output_words,
        helpers=tuple(sorted(w.helpers)),
        equations=tuple(s.math for s in forward) + (objective.math,),
        backward_equations=tuple(s.math for s in backward_statements),
        hvp_equations=tuple(s.math for s in hvp),
        identity=_identity_parameters(graph),
        workspace=tuple((k, py_tuple(v) if v else "()") for k, v in w.buffers.items()),
        dtype_of=", ".join(
            [a.name for a in data if a.kind != "hyperparameter"] + ["*params.values()"]
        ),
        entries=_entries(w),
        rows=frozenset(w.rows),
    )


def _repeated(w: Writer, exprs) -> set:
    """The sums of arrays that more than one statement would compute (W2 h − y in forward's
    loss and in two gradients): each is computed once, in forward, and kept. Only those of
    forward's quantities, and with more than names in them (a sum of names is cheap)."""
    forward = set(w.symbols.values())
    seen: dict = {}
    for k, expr in enumerate(exprs):
        for sub in sp.preorder_traversal(untangled(expr).xreplace(w.swap)):
            if sub.free_symbols <= forward and _costly(sub):
                seen.setdefault(sub, set()).add(k)
    return {sub for sub, where in seen.items() if len(where) > 1}


def _costly(sub) -> bool:
    """Whether an array expression is worth keeping rather than computing again: a sum with
    more than names in it, or a function of an array the user did not name (σ(Wg x) in the
    gated unit's forward and both its gradients). A product alone is computed where it is
    read: naming it, as the section does, keeps it."""
    if isinstance(sub, sp.MatAdd):
        return any(not isinstance(a, (sp.MatrixSymbol, sp.Transpose)) for a in sub.args)
    if isinstance(sub, Elementwise):
        return not isinstance(sub.arg, (sp.MatrixSymbol, sp.Transpose))
    return False


def _entries(w: Writer) -> dict:
    """{code name: how many numbers its array holds}, n of them per example for an array with
    a row per example."""
    out = {}
    for symbol, code in w.code.items():
        if isinstance(symbol, sp.MatrixSymbol):
            rows, cols = symbol.shape
            numbers = rows * cols
        else:
            numbers = sp.Integer(1)
        out[code] = numbers * (N if symbol in w.rows else 1)
    return out


def _kept_before(w: Writer, expr, pending: dict) -> list:
    """Statements computing the kept quantities `expr` reads (every one left, for None),
    taken out of `pending`; a kept quantity that reads another (softmax(z) in softmax(z) + z)
    comes after it."""
    out = []
    for sub, symbol in list(pending.items()):
        if sub in pending and (expr is None or symbol in expr.free_symbols):
            del pending[sub]
            inner = sub.func(*(w.own(a) for a in sub.args))  # by the names forward has
            out += _kept_before(w, inner, pending)
            out.append(w.statement(symbol, inner, f"{w.text[symbol]}, kept"))
    return out


def _objective(w: Writer, goal, parts) -> Statement:
    """J = (1/n) Σᵢ Lᵢ + s: the per-example part reduced over the rows, the shared part once."""
    each, once = parts
    terms, words = [], []
    if each is not None:
        code, _ = w.print(w.own(each))
        terms.append(w.printer().reduced(code, w.graph.reduction == "mean"))
        shown = w.words(each)
        shown = shown if shown.isidentifier() else f"({shown})"
        words.append(("(1/n) Σᵢ " if w.graph.reduction == "mean" else "Σᵢ ") + f"{shown}_i")
    if once is not None:
        code, _ = w.print(w.own(once))
        terms.append(code)
        words.append(w.words(once))
    math = f"{goal.target} = {' + '.join(words)}"
    name = w.code[w.symbols[goal.target]]
    expr = sp.Add(*(w.own(p) for p in parts if p is not None))
    return Statement(name, w.printer().objective(" + ".join(terms)), math, expr)


def _constant(w: Writer, name: str, total) -> bool:
    """Whether an adjoint is one number to put in where it is read (∂J/∂L = 1/n): a scalar of
    numbers, n and hyperparameters only; a per-example one only if it shows its 1/n."""
    if isinstance(total, sp.MatrixExpr) or total.atoms(sp.MatrixSymbol):
        return False
    allowed = {N} | {w.symbols[h] for h in w.graph.declared.hyperparameters}
    if not total.free_symbols <= allowed:
        return False
    return name == w.graph.objective or not w.shapes[name].per_example or N in total.free_symbols


def _backward(w: Writer, sweep) -> tuple:
    """The backward statements (the adjoints the gradients read, in place where it is safe),
    and every adjoint's statement by its symbol, as written, for hvp."""
    params = w.graph.declared.parameters
    totals = {}  # adjoint → (swept, its expression)
    for swept in sweep:
        adjoint = adjoint_symbol(swept.name, w.shapes[swept.name])
        total = w.own(swept.total)
        # an alias only of one kind of array: a shared quantity's adjoint is the sum over the
        # examples of a per-example one's, not that adjoint itself (∂J/∂z2 = Σᵢ ∂J/∂z3)
        alias = (
            isinstance(total, (sp.Symbol, sp.MatrixSymbol))
            and swept.name not in params
            and (w.shapes[swept.name].per_example or not w.printer().per_example(total))
        )
        if alias or _constant(w, swept.name, total):
            # a number, or another array (∂J/∂z4 = ∂J/∂z6): read in its place, so that no
            # array has two names, one of which an in-place statement could overwrite
            w.inline[adjoint] = total
            continue
        totals[adjoint] = (swept, _total_of(w, swept))
    needed = {adjoint_symbol(p, s) for p, s in params.items()}
    for adjoint, (_, expr) in reversed(totals.items()):
        if adjoint in needed:
            needed |= expr.free_symbols
    adjoints = {a: _adjoint_statement(w, swept, a, expr) for a, (swept, expr) in totals.items()}
    order = [a for a in totals if a in needed]
    gradients = {adjoint_symbol(p, s) for p, s in params.items()}
    own = {a for a in order if a not in gradients}
    statements = []
    last = last_reads([totals[a][1] for a in order])
    for i, adjoint in enumerate(order):
        swept, expr = totals[adjoint]
        dead = {a for a in expr.free_symbols & own if last[a] == i}
        statements.append(_adjoint_statement(w, swept, adjoint, expr, dead))
    return statements, adjoints


def _total_of(w: Writer, swept):
    """The adjoint's expression: its closed form, or for a shared quantity the sum of its
    readers' contributions (each summed over the examples where it is one example's)."""
    shape = w.shapes[swept.name]
    if shape.per_example:
        return w.own(swept.total)
    terms = [w.own(c) for _, c in swept.terms]
    if not terms:  # the objective does not read it
        return sp.Integer(0) if shape.is_scalar else sp.ZeroMatrix(*w.symbols[swept.name].shape)
    return terms[0] if len(terms) == 1 else (sp.Add if shape.is_scalar else sp.MatAdd)(*terms)


def _adjoint_statement(w: Writer, swept, adjoint, total, dead=None) -> Statement:
    shape = w.shapes[swept.name]
    words = f"{w.text[adjoint]} = {w.words(total)}"
    parameter = swept.name in w.graph.declared.parameters
    if isinstance(total, sp.MatrixSymbol) and parameter and not w.printer().per_example(total):
        # a gradient that is an array already (∂J/∂W = W): a copy, not the caller's array
        return Statement(w.code[adjoint], w.printer().copy(w.code[total]), words, total)
    if shape.per_example:
        return w.statement(adjoint, total, words, dead=dead)
    if total == 0 or isinstance(total, sp.ZeroMatrix):
        return Statement(w.code[adjoint], _zeros(w, total), f"{w.text[adjoint]} = 0", total)
    terms = total.args if isinstance(total, (sp.Add, sp.MatAdd)) else (total,)
    summed = any(w.printer().per_example(t) for t in terms)
    math = words + (", summed over the examples" * summed)
    return w.statement(adjoint, total, math, summed=True, dead=dead)


def _zeros(w: Writer, zero) -> str:
    return "0.0" if zero == 0 else w.print(zero)[0]


def _gradient(w: Writer, parameter: str, symbol, statements) -> str:
    """The code returned for a parameter: its statement's name, or zeros where nothing is
    computed (R{∂J/∂θ} = 0 where θ enters J linearly and alone)."""
    name = w.code[symbol]
    if any(s.target == name for s in statements):
        return name
    return w.printer().zeros_like(f'params["{parameter}"]')


def _hvp(w: Writer, tangents, sweep, steps, adjoints) -> list:
    """R{·} of the forward equations, then each adjoint the tangents read and its R{·}: the
    statements the parameters' R{∂J/∂θ} need, in order."""
    reached = {e.target for e in steps}
    split = len(tangents) - len(sweep)
    candidates = []  # (symbol, expression, how to print it)
    for name, tangent in tangents[:split]:
        if name in reached:
            expr = w.own(tangent)
            candidates.append((tangent_symbol(name, w.shapes[name]), expr, ("forward", name)))
    for swept, (key, tangent) in zip(sweep, tangents[split:]):
        adjoint = adjoint_symbol(swept.name, w.shapes[swept.name])
        if adjoint in adjoints:
            candidates.append((adjoint, adjoints[adjoint].expr, ("adjoint", None)))
        expr = w.own(tangent)
        if expr != 0 and not isinstance(expr, sp.ZeroMatrix):
            candidates.append((tangent_symbol(key, w.shapes[swept.name]), expr, ("R", swept)))
    params = w.graph.declared.parameters
    needed = {tangent_symbol("d" + p, s) for p, s in params.items()}
    for symbol, expr, _ in reversed(candidates):
        if symbol in needed:
            needed |= expr.free_symbols
    out = []
    read = [
        expr for symbol, expr, (kind, _) in candidates if symbol in needed and kind != "adjoint"
    ]
    named = _softmaxes_read_twice(w, read)
    pending = dict(named)
    for symbol, expr, (kind, what) in candidates:
        if symbol not in needed:
            continue
        if kind != "adjoint":
            for sub in [sub for sub in pending if expr.has(sub)]:
                # softmax(o), computed once before the first statement that reads it
                out.append(w.statement(pending.pop(sub), sub, f"{w.text[named[sub]]}, once"))
            expr = expr.xreplace(named)
        if kind == "adjoint":
            out.append(adjoints[symbol])
        elif kind == "forward":
            out.append(w.statement(symbol, expr, f"R{{{what}}} = {w.words(expr)}"))
        else:
            shared = not w.shapes[what.name].per_example
            summed = shared and w.printer().per_example(expr)
            math = f"{w.text[symbol]} = {w.words(expr)}" + (", summed over the examples" * summed)
            out.append(w.statement(symbol, expr, math, summed=shared))
    return out


def _softmaxes_read_twice(w: Writer, exprs) -> dict:
    """{softmax(o): the symbol that names it} for each softmax the hvp statements read more
    than once (R{∂J/∂o} reads it three times), so that hvp computes its exp once."""
    counts: dict = {}
    for expr in exprs:
        for sub in sp.preorder_traversal(expr):
            if isinstance(sub, Softmax):
                counts[sub] = counts.get(sub, 0) + 1
    named = {}
    for sub in (sub for sub, count in counts.items() if count > 1):
        symbol = sp.MatrixSymbol(f"_softmax{len(named)}", *sub.shape)
        w.code[symbol] = _free(f"softmax_{w.code.get(sub.arg, len(named) + 1)}", w.taken)
        w.text[symbol] = f"softmax({w.words(sub.arg)})"
        if w.logical & sub.free_symbols:
            w.logical.add(symbol)
        if w.printer().batched(sub):
            w.rows.add(symbol)
        named[sub] = symbol
    return named


def _predict(w: Writer, steps, defined) -> tuple:
    """predict's statements, its data arguments, its result and what it is in words: the
    first argument of the objective's loss (o of squared(o, y)), or without one loss the
    objective's per-example part (its value, for a graph without inputs)."""
    read = [*steps, defined[w.graph.objective]]  # the loss may be in the objective's equation
    losses = [
        node for e in read for node in _walk(e.expr) if node.op == "call" and node.name in LOSSES
    ]
    symbols = w.symbols
    if len(losses) == 1:
        target = value(losses[0].args[0], symbols)
        words = f"The output {w.words(target)} that the loss reads, one row per example"
    else:
        goal = defined[w.graph.objective]
        each, once = split_objective(goal.expr, w.graph.declared.hyperparameters)
        part = each if each is not None else once
        target = value(part, symbols)
        words = (
            f"The objective's per-example part {w.words(target)}, one value per example"
            if each is not None
            else f"The objective's value {w.words(target)}; the graph has no per-example output"
        )
    needed = set(target.free_symbols)
    for e in reversed(steps):
        if symbols[e.target] in needed:
            needed |= value(e.expr, symbols).free_symbols
    statements = []
    for e in steps:
        if symbols[e.target] in needed:
            expr = untangled(value(e.expr, symbols))
            code, rows = w.print(expr)
            if rows:  # z3 = z2, which forward reads as z2, has a row per example here
                w.rows.add(symbols[e.target])
            statements.append(
                Statement(w.code[symbols[e.target]], code, f"{e.target} = {w.words(expr)}", expr)
            )
    output, _ = w.print(untangled(target))
    args = tuple(a for a in _arguments(w) if w.symbols[a.declared] in needed)
    return tuple(statements), args, output, words, untangled(target)


def _arguments(w: Writer) -> tuple:
    declared = w.graph.declared
    out = []
    for name, shape in declared.inputs.items():
        out.append(
            Argument(w.code[w.symbols[name]], name, py_tuple(("n", *_code_shape(shape))), "input")
        )
    for name, shape in declared.constants.items():
        out.append(
            Argument(
                w.code[w.symbols[name]],
                name,
                py_tuple(_code_shape(shape)) if not shape.is_scalar else "()",
                "constant",
            )
        )
    for name in declared.hyperparameters:
        out.append(Argument(w.code[w.symbols[name]], name, "()", "hyperparameter"))
    return tuple(out)


def _sizes_read(statements) -> tuple:
    """("dims", "n", "dtype", "device") or a part of it: what the statements' code reads of
    the sizes, and of the dtype (and device) of the call, which every array it makes takes."""
    code = " ".join(line for s in statements for line in s.lines)
    n = re.search(r"\bn\b", code) is not None
    made = tuple(k for k in ("dtype", "device") if f"{k}={k}" in code)
    return ("dims",) * ("dims[" in code or n) + ("n",) * n + made


def _arrays(arguments) -> str:
    """The arrays among `arguments` as a dict literal for _sizes: {"X": X, "Y": Y}."""
    return (
        "{"
        + ", ".join(f'"{a.name}": {a.name}' for a in arguments if a.kind != "hyperparameter")
        + "}"
    )


def _code_shape(shape) -> tuple:
    """A shape in code, in size names: (h, d) for a matrix, (h,) for a vector either way
    round, () for a scalar."""
    dims = [str(d) for d in shape.dims if d != 1]
    return tuple(dims) if len(shape.dims) == 2 and 1 not in shape.dims else tuple(dims)


def size_names(graph) -> tuple:
    """The graph's sizes in SIZES order, as data flows: the first input's, the parameters'
    in their order (a dense preset's d, h1, …, q), then the other inputs' and the constants'
    (not n, the examples, for a graph with inputs)."""
    found = []
    declared = graph.declared
    inputs = list(declared.inputs.values())
    shapes = [
        *inputs[:1],
        *declared.parameters.values(),
        *inputs[1:],
        *declared.constants.values(),
    ]
    for shape in shapes:
        for d in shape.dims:
            if d != 1 and str(d) not in found and not (str(d) == "n" and declared.inputs):
                found.append(str(d))
    return tuple(found)


def _identity_parameters(graph) -> tuple:
    """Parameters an inverse, a determinant or a log-determinant reads: they start as the
    identity, where those are defined."""
    found = []
    for e in graph.equations:
        for node in _walk(e.expr):
            if node.op == "call" and node.name in SQUARE:
                arg = node.args[0]
                if arg.op == "ref" and arg.name in graph.declared.parameters:
                    found.append(arg.name)
    return tuple(dict.fromkeys(found))


def graph_summary(graph) -> str:
    declared = graph.declared

    def size(shape) -> str:
        dims = [str(d) for d in shape.dims if d != 1]
        return " × ".join(dims) if dims else "scalar"

    def listed(table) -> str:
        return ", ".join(f"{k} ({size(s)})" for k, s in table.items())

    parts = []
    if declared.inputs:
        parts.append(f"inputs {listed(declared.inputs)} per example")
    if declared.constants:
        parts.append(f"constants {listed(declared.constants)}")
    parts.append(f"parameters {listed(declared.parameters)}")
    reduce = (
        f", the {graph.reduction} over the batch of its per-example terms"
        if declared.inputs
        else ""
    )
    return f"A graph of {len(graph.equations)} equations: {'; '.join(parts)}. Objective {graph.objective}{reduce}."


def graph_module_source(graph) -> str:
    """The NumPy module for `graph`, rendered and formatted."""
    from .. import erf_coefficients

    spec = graph_module_spec(graph)
    return format_python(render("graph_module.py.j2", spec=spec, erf=erf_coefficients))


def array_api_module_source(graph) -> str:
    """The module for `graph` written against the Python Array API standard: one file for
    NumPy, PyTorch, CuPy, JAX and Dask arrays (array_api_module.py.j2)."""
    from .. import erf_coefficients

    spec = graph_module_spec(graph, array_api=True)
    return format_python(render("array_api_module.py.j2", spec=spec, erf=erf_coefficients))
