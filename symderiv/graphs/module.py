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

import keyword
import re
from dataclasses import dataclass

import sympy as sp

from ..codegen import Statement, format_python, py_tuple
from ..codegen_inplace import chained
from ..errors import UsageError
from ..exprs import Softmax
from ..render import render
from .batch_printer import CodeError, GraphNumPyPrinter, GraphTextPrinter, flat, untangled
from .parse import LOSSES, SQUARE
from .rules import N, adjoint_symbol, backward, symbols_of, value
from .spec import _reached, _walk, split_objective
from .tangents import hessian_vector, tangent_symbol

# Names the module's functions use for themselves; a quantity's code name avoids them.
RESERVED = {
    "np", "n", "dims", "params", "cache", "V", "float", "sum", "init_params", "predict",
    "forward", "backward", "loss_and_grad", "hvp", "hessian", "max_bytes", "PARAMETERS",
    "SHAPES", "DATA", "HYPERPARAMETERS", "SIZES", "HESSIAN_MAX_BYTES",
}  # fmt: skip


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
    forward_sizes: tuple  # what forward reads of the sizes: "dims", "n"
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


def _shapes(graph) -> dict:
    return {**graph.declared.shapes(), **{e.target: e.expr.shape for e in graph.equations}}


def _code_names(graph, shapes) -> dict:
    """{name: its name in code}: inputs and per-example vectors capitalized (x → X), the rest
    kept; a name that would clash with another or with Python gets a trailing underscore."""
    taken = set(RESERVED)
    out = {}
    for name in (*graph.declared.shapes(), *(e.target for e in graph.equations)):
        shape = shapes[name]
        wanted = name
        if name in graph.declared.inputs or (shape.per_example and not shape.is_scalar):
            wanted = name[0].upper() + name[1:]
        out[name] = _free(wanted, taken)
    return out


def _free(wanted: str, taken: set) -> str:
    while wanted in taken or keyword.iskeyword(wanted) or keyword.issoftkeyword(wanted):
        wanted += "_"
    taken.add(wanted)
    return wanted


class _Writer:
    """The graph's symbols (each quantity, its adjoint ∂J/∂·, its tangent R{·} and its
    adjoint's tangent) with their names in code and in comments, and the printing state:
    which arrays have a row per example, what is kept or put in."""

    def __init__(self, graph):
        self.graph = graph
        self.shapes = _shapes(graph)
        self.symbols = symbols_of(self.shapes)
        self.batch = bool(graph.declared.inputs)
        code = _code_names(graph, self.shapes)
        self.code, self.text, self.logical = {}, {}, set()
        taken = set(code.values()) | RESERVED
        params = graph.declared.parameters
        J = graph.objective
        for name, shape in self.shapes.items():
            shown = "λ" if name == "lam" else name
            own = code[name]
            roles = (
                (self.symbols[name], own, shown),
                (adjoint_symbol(name, shape), "d" + own, f"∂{J}/∂{shown}"),
                (tangent_symbol(name, shape), ("v" if name in params else "r") + own,
                 f"V_{shown}" if name in params else f"R{{{shown}}}"),
                (tangent_symbol("d" + name, shape), "rd" + own, f"R{{∂{J}/∂{shown}}}"),
            )  # fmt: skip
            for i, (symbol, c, t) in enumerate(roles):
                self.code[symbol] = c if i == 0 else _free(c, taken)
                self.text[symbol] = t
                if shape.per_example:
                    self.logical.add(symbol)
        if self.batch:
            self.logical.add(N)
            self.text[N] = "n"
        self.rows = {self.symbols[n] for n in graph.declared.inputs}
        self.kept: dict = {}  # an inverse or a softmax → the symbol it is kept under
        self.inline: dict = {}  # an adjoint that is one number → that number
        self.helpers: set = set()
        self.buffers: dict = {}  # the workspace: array name → its shape in size names
        self.taken = taken

    def printer(self) -> GraphNumPyPrinter:
        return GraphNumPyPrinter(self.code, self.rows, self.logical, self.batch)

    def own(self, expr):
        """expr with kept quantities read by name and constant adjoints put in."""
        return untangled(expr).xreplace(self.kept).xreplace(self.inline)

    def print(self, expr, summed=False) -> tuple[str, bool]:
        """(code, whether it has a row per example) of an expression already `own`."""
        printer = self.printer()
        try:
            code = printer.summed(expr) if summed else printer.doprint(expr)
        except CodeError as e:
            raise UsageError(
                f"graph {self.graph.name!r} cannot become NumPy code: {e}; in code a "
                "per-example quantity is a scalar or a vector (a row per example)"
            ) from None
        self.helpers |= printer.helpers
        return code, printer.batched(expr)

    def words(self, expr) -> str:
        return GraphTextPrinter(self.text).doprint(untangled(expr))

    def statement(self, symbol, expr, math, summed=False, dead=None) -> Statement:
        """The statement computing `expr` into `symbol`'s name; with `dead` (the arrays
        nothing reads after it), also its in-place form, writing into the workspace."""
        code, rows = self.print(expr, summed)
        if rows and not summed:
            self.rows.add(symbol)
        target = self.code[symbol]
        fields = {} if dead is None else self.in_place(target, expr, summed, rows, dead)
        return Statement(target, code, math, expr, **fields)

    def in_place(self, target, expr, summed, rows, dead) -> dict:
        """The Statement fields of the in-place form (codegen_inplace's chain), where it is
        safe: every product of two arrays one NumPy's matmul computes as the batch form
        means, and a sum over the examples only as Gᵀ X or a column sum."""
        printer = self.printer()
        shape = _buffer(expr, rows and not summed)
        out = f'workspace.get("{target}")'
        if summed:
            if isinstance(expr, sp.MatrixSymbol) and expr in self.rows and _vector(expr):
                self.buffers[target] = shape
                line = f"{target} = np.sum({printer.doprint(expr)}, axis=0, out={out})"
                return {"chain": (line,)}
            terms = expr.args if isinstance(expr, sp.MatAdd) else (expr,)
            if not all(not printer.per_example(t) or _outer(t, printer) for t in terms) or not any(
                printer.per_example(t) for t in terms
            ):
                return {}
        elif not _products_safe(expr, printer):
            return {}
        try:
            chain = chained(printer, target, untangled(expr), out, frozenset(dead))
        except NotImplementedError:
            return {}
        if chain is None:
            return {}
        if chain.reused is None:
            self.buffers[target] = shape
        self.helpers |= chain.helpers | printer.helpers
        reuses = chain.out if chain.reused is not None else ""
        return {"chain": tuple(chain.lines), "reuses": reuses, "written": tuple(chain.written)}

    def keep(self, exprs) -> None:
        """Name each inverse and softmax of `exprs`, in order of first use."""
        for expr in exprs:
            for sub in sp.preorder_traversal(untangled(expr)):
                if isinstance(sub, (sp.Inverse, Softmax)) and sub not in self.kept:
                    arg = sub.args[0]
                    label = "inv_" if isinstance(sub, sp.Inverse) else "softmax_"
                    base = self.code.get(arg, str(len(self.kept) + 1))
                    symbol = sp.MatrixSymbol(f"_kept{len(self.kept)}", *sub.shape)
                    self.code[symbol] = _free(label + base, self.taken)
                    self.text[symbol] = self.words(sub)
                    if any(a in self.logical for a in sub.free_symbols):
                        self.logical.add(symbol)
                    self.kept[sub] = symbol


def graph_module_spec(graph) -> GraphModuleSpec:
    w = _Writer(graph)
    declared, symbols = graph.declared, w.symbols
    defined = {e.target: e for e in graph.equations}
    reached = _reached(graph.objective, defined)
    steps = [e for e in graph.equations if e.target in reached]
    goal = defined[graph.objective]
    each, once = split_objective(goal.expr, declared.hyperparameters)
    parts = [None if p is None else value(p, symbols) for p in (each, once)]
    sweep = backward(graph, batch=True)
    tangents = [(n, t) for n, t in hessian_vector(graph, batch=True)]
    values = [value(e.expr, symbols) for e in steps]
    w.keep([*values, *(p for p in parts if p is not None), *(s.total for s in sweep)])
    w.keep(t for _, t in tangents)

    forward = []
    kept_symbols = dict(w.kept)
    exprs = [w.own(expr) for expr in values]
    # what backward and hvp read of forward's arrays, and what the objective reads
    read_after = set().union(
        *(w.own(s.total).free_symbols for s in sweep),
        *(w.own(c).free_symbols for s in sweep for _, c in s.terms),
        *(w.own(t).free_symbols for _, t in tangents),
        *(p.free_symbols for p in parts if p is not None),
    )
    computed = {symbols[e.target] for e in steps} | set(w.kept.values())
    last = _last_reads(exprs)
    for i, (equation, expr) in enumerate(zip(steps, exprs)):
        forward += _kept_before(w, expr, kept_symbols)
        later = {s for sub, s in kept_symbols.items() if sub.free_symbols & expr.free_symbols}
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
        return tuple(dict.fromkeys(out + ["dims"] * ("dims[" in code)))

    backward_cache = read_cache(backward_statements)
    hvp_cache = read_cache(hvp)
    hvp_reads = reads(hvp)
    # backward checks the workspace against the sizes and dtype forward saw
    saved = ("dims", "dtype") if w.buffers else ()
    predict, predict_args, output, output_words, output_expr = _predict(w, steps, defined)
    data = _arguments(w)
    return GraphModuleSpec(
        name=graph.name,
        summary=_summary(graph),
        parameters=tuple(
            (p, w.code[symbols[p]], py_tuple(_code_shape(s))) for p, s in params.items()
        ),
        parameter_names=py_tuple(params),
        sizes=py_tuple(_sizes(graph)),
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
            for k in ("dims", "n")
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


def _entries(w: _Writer) -> dict:
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


def _last_reads(exprs) -> dict:
    """{symbol: the index of the last expression that reads it}."""
    last = {}
    for i, expr in enumerate(exprs):
        for s in expr.free_symbols:
            last[s] = i
    return last


def _vector(m) -> bool:
    return m.shape[0] == 1 or m.shape[1] == 1


def _outer(term, printer) -> bool:
    """Whether one example's `term` is g xᵀ of two per-example vectors, summed as G.T @ X."""
    if not isinstance(term, sp.MatMul):
        return False
    coeff, factors = flat(term)
    if coeff != 1 or len(factors) != 2:
        return False
    g, x = factors
    return (
        isinstance(g, sp.MatrixSymbol)
        and isinstance(x, sp.Transpose)
        and isinstance(x.arg, sp.MatrixSymbol)
        and printer.batched(g)
        and printer.batched(x)
        and g.shape[1] == 1
    )


def _products_safe(expr, printer) -> bool:
    """Whether every product of two arrays in `expr` is one np.matmul computes in the batch
    form (A v → V @ A.T, vᵀ A → V @ A, A B), not a dot product per row or an outer product."""
    for node in sp.preorder_traversal(expr):
        if not isinstance(node, sp.MatMul):
            continue
        _, factors = flat(node)
        if len(factors) != 2:
            continue
        a, b = factors
        ra, rb = printer.batched(a), printer.batched(b)
        if ra and rb:
            return False
        if not ra and not rb and a.shape[1] == 1 and a.shape[0] != 1:
            return False  # an outer product of shared vectors
        if not ra and rb and (b.shape[1] != 1 or _vector(a)):
            return False
        if ra and not rb and (a.shape[0] != 1 or _vector(b)):
            return False
    return True


def _buffer(expr, batched: bool) -> tuple:
    """The shape of `expr`'s array in code, in size names: ("n", "h") for a per-example
    vector, ("h", "d") for a matrix, ("h",) for a shared vector."""
    dims = tuple(str(d) for d in expr.shape if d != 1) if isinstance(expr, sp.MatrixExpr) else ()
    return (("n",) if batched and len(dims) < 2 else ()) + dims


def _kept_before(w: _Writer, expr, pending: dict) -> list:
    """Statements computing the kept quantities `expr` reads (every one left, for None),
    taken out of `pending`."""
    out = []
    for sub, symbol in list(pending.items()):
        if expr is None or symbol in expr.free_symbols:
            del pending[sub]
            inner = sub.func(*(w.own(a) for a in sub.args))  # by the names forward has
            out.append(w.statement(symbol, inner, f"{w.text[symbol]}, kept"))
    return out


def _objective(w: _Writer, goal, parts) -> Statement:
    """J = (1/n) Σᵢ Lᵢ + s: the per-example part reduced over the rows, the shared part once."""
    each, once = parts
    terms, words = [], []
    if each is not None:
        code, _ = w.print(w.own(each))
        reduce = ".sum() / n" if w.graph.reduction == "mean" else ".sum()"
        code = code if code.isidentifier() else f"({code})"
        terms.append(code + reduce)
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
    return Statement(name, f"float({' + '.join(terms)})", math, expr)


def _constant(w: _Writer, name: str, total) -> bool:
    """Whether an adjoint is one number to put in where it is read (∂J/∂L = 1/n): a scalar of
    numbers, n and hyperparameters only; a per-example one only if it shows its 1/n."""
    if isinstance(total, sp.MatrixExpr) or total.atoms(sp.MatrixSymbol):
        return False
    allowed = {N} | {w.symbols[h] for h in w.graph.declared.hyperparameters}
    if not total.free_symbols <= allowed:
        return False
    return name == w.graph.objective or not w.shapes[name].per_example or N in total.free_symbols


def _backward(w: _Writer, sweep) -> tuple:
    """The backward statements (the adjoints the gradients read, in place where it is safe),
    and every adjoint's statement by its symbol, as written, for hvp."""
    params = w.graph.declared.parameters
    totals = {}  # adjoint → (swept, its expression)
    for swept in sweep:
        adjoint = adjoint_symbol(swept.name, w.shapes[swept.name])
        total = w.own(swept.total)
        if _constant(w, swept.name, total):
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
    last = _last_reads([totals[a][1] for a in order])
    for i, adjoint in enumerate(order):
        swept, expr = totals[adjoint]
        dead = {a for a in expr.free_symbols & own if last[a] == i}
        statements.append(_adjoint_statement(w, swept, adjoint, expr, dead))
    return statements, adjoints


def _total_of(w: _Writer, swept):
    """The adjoint's expression: its closed form, or for a shared quantity the sum of its
    readers' contributions (each summed over the examples where it is one example's)."""
    shape = w.shapes[swept.name]
    if shape.per_example:
        return w.own(swept.total)
    terms = [w.own(c) for _, c in swept.terms]
    if not terms:  # the objective does not read it
        return sp.Integer(0) if shape.is_scalar else sp.ZeroMatrix(*w.symbols[swept.name].shape)
    return terms[0] if len(terms) == 1 else (sp.Add if shape.is_scalar else sp.MatAdd)(*terms)


def _adjoint_statement(w: _Writer, swept, adjoint, total, dead=None) -> Statement:
    shape = w.shapes[swept.name]
    words = f"{w.text[adjoint]} = {w.words(total)}"
    if shape.per_example:
        return w.statement(adjoint, total, words, dead=dead)
    if total == 0 or isinstance(total, sp.ZeroMatrix):
        return Statement(w.code[adjoint], _zeros(w, total), f"{w.text[adjoint]} = 0", total)
    terms = total.args if isinstance(total, (sp.Add, sp.MatAdd)) else (total,)
    summed = any(w.printer().per_example(t) for t in terms)
    math = words + (", summed over the examples" * summed)
    return w.statement(adjoint, total, math, summed=True, dead=dead)


def _zeros(w: _Writer, zero) -> str:
    return "0.0" if zero == 0 else w.print(zero)[0]


def _gradient(w: _Writer, parameter: str, symbol, statements) -> str:
    """The code returned for a parameter: its statement's name, or zeros where nothing is
    computed (R{∂J/∂θ} = 0 where θ enters J linearly and alone)."""
    name = w.code[symbol]
    if any(s.target == name for s in statements):
        return name
    return f'np.zeros_like(params["{parameter}"])'


def _hvp(w: _Writer, tangents, sweep, steps, adjoints) -> list:
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
    for symbol, expr, (kind, what) in candidates:
        if symbol not in needed:
            continue
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


def _predict(w: _Writer, steps, defined) -> tuple:
    """predict's statements, its data arguments, its result and what it is in words: the
    first argument of the objective's loss (o of squared(o, y)), or without one loss the
    objective's per-example part (its value, for a graph without inputs)."""
    losses = [
        node for e in steps for node in _walk(e.expr) if node.op == "call" and node.name in LOSSES
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
    needed = {s for s in target.free_symbols}
    for e in reversed(steps):
        if symbols[e.target] in needed:
            needed |= value(e.expr, symbols).free_symbols
    printer_rows = set(w.rows)
    statements = []
    for e in steps:
        if symbols[e.target] in needed:
            expr = untangled(value(e.expr, symbols))
            code, _ = w.print(expr)
            statements.append(
                Statement(w.code[symbols[e.target]], code, f"{e.target} = {w.words(expr)}", expr)
            )
    output, _ = w.print(untangled(target))
    w.rows = printer_rows
    args = tuple(a for a in _arguments(w) if w.symbols[a.declared] in needed)
    return tuple(statements), args, output, words, untangled(target)


def _arguments(w: _Writer) -> tuple:
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
    """("dims", "n") or a part of it: what the statements' code reads of the sizes."""
    code = " ".join(line for s in statements for line in s.lines)
    n = re.search(r"\bn\b", code) is not None
    return ("dims",) * ("dims[" in code or n) + ("n",) * n


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


def _sizes(graph) -> tuple:
    found = []
    declared = graph.declared
    for table in (declared.inputs, declared.parameters, declared.constants):
        for shape in table.values():
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


def _summary(graph) -> str:
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
