"""The writer of a graph's module: each symbol of the graph (a quantity, its adjoint ∂J/∂·,
its tangent R{·}, its adjoint's tangent) with its name in code and in comments, and the state
of printing (which arrays have a row per example, what forward keeps, which adjoints are one
number, the workspace's arrays); and when a statement may run in place.

Inputs and per-example vectors are capitalized in code (x → X, z → Z), everything else keeps
its name; a name that would clash with another, with the module's own or with Python gets a
trailing underscore.
"""

from __future__ import annotations

import keyword

import sympy as sp

from ..activations import CHOICES, Activation, activation, slope_of
from ..codegen import Statement
from ..codegen_inplace import chained
from ..errors import UsageError
from ..exprs import Elementwise, LogSumExp, Softmax
from ..tangent import derivative
from .batch_printer import CodeError, GraphNumPyPrinter, GraphTextPrinter, flat, untangled
from .parse import ENTRYWISE
from .rules import EACH, N, adjoint_symbol, symbols_of, unit_factors_dropped, unmarked
from .tangents import tangent_symbol

# Names the module's functions use for themselves; a quantity's code name avoids them.
RESERVED = {
    "np", "n", "dims", "params", "cache", "V", "float", "sum", "init_params", "predict",
    "forward", "backward", "loss_and_grad", "hvp", "hessian", "max_bytes", "PARAMETERS",
    "SHAPES", "DATA", "HYPERPARAMETERS", "SIZES", "HESSIAN_MAX_BYTES",
}  # fmt: skip


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


class Writer:
    """The graph's symbols (each quantity, its adjoint ∂J/∂·, its tangent R{·} and its
    adjoint's tangent) with their names in code and in comments, and the printing state:
    which arrays have a row per example, what is kept or put in."""

    def __init__(self, graph, printer=GraphNumPyPrinter, in_place: bool = True):
        self.graph = graph
        self._printer = printer  # the code's namespace: NumPy's, or the Array API's
        self.in_place_allowed = in_place
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
            self.logical.update((N, EACH))
            self.text[N] = "n"
        self.rows = {self.symbols[n] for n in graph.declared.inputs}
        self.kept: dict = {}  # an inverse or a softmax → the symbol it is kept under
        self.inline: dict = {}  # an adjoint that is one number → that number
        self.repeated: set = set()  # sums of arrays more than one statement computes
        self.swap: dict = {}  # φ′(z), φ″(z) → the same written with h = φ(z), where it can be
        self.helpers: set = set()
        self.buffers: dict = {}  # the workspace: array name → its shape in size names
        self.taken = taken

    def printer(self) -> GraphNumPyPrinter:
        return self._printer(self.code, self.rows, self.logical, self.batch)

    def own(self, expr):
        """expr with φ′ read from φ's output where it can be, kept quantities read by name
        and constant adjoints put in (and the factors 1 and ones they leave, dropped)."""
        expr = untangled(expr).xreplace(self.swap).xreplace(self.kept).xreplace(self.inline)
        if not isinstance(expr, sp.MatrixExpr):
            return expr
        return untangled(unit_factors_dropped(expr))  # rebuilt, A ⊙ A may be folded again

    def from_outputs(self, steps, values) -> None:
        """For each h = φ(z) whose φ′ can be written with h alone (1 − h² for tanh, 1(h > 0)
        for ReLU), φ′(z) and φ″(z) as functions of h: backward then reads h, which it keeps
        anyway, and not z, which forward need not keep."""
        for step, expr in zip(steps, values):
            node = step.expr
            if node.op != "call" or not isinstance(expr, Elementwise):
                continue
            fn = (self.graph.declared.functions or {}).get(node.name)
            if fn is None and node.name in ENTRYWISE and node.name in CHOICES:
                fn = activation(node.name)
            if fn is None or fn.derivative_from_output is None:
                continue
            self._slopes_from(fn, expr, self.symbols[step.target])

    def _slopes_from(self, fn, expr, h) -> None:
        """φ′(z) and φ″(z) of `expr` = φ(z) read from its values h, where they can be."""
        first = fn.derivative_from_output
        if first is None:
            return
        (y,) = first.variables
        second = sp.Lambda(y, derivative(first).expr * first.expr)  # d/dz φ′ = (dφ′/dh) φ′
        slope = slope_of(expr.fn)
        self.swap[Elementwise(slope, expr.arg)] = Elementwise(first, h)
        self.swap[Elementwise(derivative(slope), expr.arg)] = Elementwise(second, h)

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
        return GraphTextPrinter(self.text).doprint(unmarked(untangled(expr)))

    def statement(self, symbol, expr, math, summed=False, dead=None) -> Statement:
        """The statement computing `expr` into `symbol`'s name; with `dead` (the arrays
        nothing reads after it), also its in-place form, writing into the workspace."""
        code, rows = self.print(expr, summed)
        if rows and not summed:
            self.rows.add(symbol)
        target = self.code[symbol]
        in_place = dead is not None and self.in_place_allowed
        fields = self.in_place(target, expr, summed, rows, dead) if in_place else {}
        return Statement(target, code, math, unmarked(expr), **fields)

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
            chain = chained(printer, target, unmarked(untangled(expr)), out, frozenset(dead))
        except NotImplementedError:
            return {}
        if chain is None:
            return {}
        if chain.reused is None:
            self.buffers[target] = shape
        self.helpers |= chain.helpers | printer.helpers
        reuses = chain.out if chain.reused is not None else ""
        return {"chain": tuple(chain.lines), "reuses": reuses, "written": tuple(chain.written)}

    def _keep_as(self, sub, name: str, text: str) -> None:
        """Keep `sub` (computed once in forward) under the code name `name`."""
        kept = f"_kept{len(self.kept)}"
        scalar = not isinstance(sub, sp.MatrixExpr)
        symbol = sp.Symbol(kept, real=True) if scalar else sp.MatrixSymbol(kept, *sub.shape)
        self.code[symbol] = _free(name, self.taken)
        self.text[symbol] = text
        if self.logical & sub.free_symbols:
            self.logical.add(symbol)
        self.kept[sub] = symbol

    def keep(self, exprs) -> None:
        """Name each inverse, softmax and per-example logsumexp of `exprs`, in order of first
        use, to be computed once in forward and kept; a softmax whose logsumexp is kept is
        exp(o − logsumexp(o)), from it, where it is read."""
        for expr in exprs:
            for sub in sp.preorder_traversal(untangled(expr).xreplace(self.swap)):
                if sub in self.kept:
                    continue
                if sub in self.repeated and isinstance(sub, Elementwise):  # σ(Wg x), kept
                    each = self.logical & sub.free_symbols
                    self._keep_as(sub, _label(sub.fn, upper=bool(each)), self.words(sub))
                    # and σ′(Wg x) = (1 − S) S read from it
                    self._slopes_from(Activation("kept", sub.fn.expr), sub, self.kept[sub])
                    continue
                if sub in self.repeated:  # a sum more than one statement computes: R = O - Y
                    name = "R" if self.logical & sub.free_symbols else "r"
                    self._keep_as(sub, name, f"({self.words(sub)})")  # a sum: in parentheses
                    continue
                if not isinstance(sub, (sp.Inverse, Softmax, LogSumExp)):
                    continue
                arg = sub.args[0]
                if isinstance(sub, LogSumExp) and not self.logical & sub.free_symbols:
                    continue  # one number: computed where it is read
                if isinstance(sub, Softmax) and LogSumExp(arg) in self.kept:
                    # computed where it is read, from o less its largest entry: exp(o −
                    # logsumexp(o)) would lose ε |o| in each exponent, all of 1 − p where
                    # p is near one-hot
                    continue
                label = {sp.Inverse: "inv_", Softmax: "softmax_", LogSumExp: "lse_"}[type(sub)]
                base = self.code.get(arg, str(len(self.kept) + 1))
                self._keep_as(sub, label + base, self.words(sub))


def _label(fn: sp.Lambda, upper: bool) -> str:
    """A code name for a kept function's values: S for σ, T for tanh, E for exp, …, F for a
    formula (lower-case for a shared array)."""
    body = fn.expr
    head = (
        type(body).__name__ if isinstance(body, sp.Function) and body.args == fn.variables else ""
    )
    letter = {"sigmoid": "S", "tanh": "T", "exp": "E", "log": "G", "softplus": "P"}.get(head, "F")
    return letter if upper else letter.lower()


def last_reads(exprs) -> dict:
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
    form (A v → V @ A.T, vᵀ A → V @ A, A B), not a dot product per row or an outer product,
    and no array is scaled by a number per example."""
    for node in sp.preorder_traversal(expr):
        if not isinstance(node, sp.MatMul):
            continue
        coeff, factors = flat(node)
        if printer.batched(coeff):
            return False  # a number per example scales rows: not the chain's c · M
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
