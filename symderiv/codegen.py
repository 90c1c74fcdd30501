"""From the derivation to the statements of the NumPy module (rendered by module.py.j2).

Forward statements come from the tape, backward statements from the batch-form derivation, one
statement per equation, each with its equation as a comment. Backward reads only what forward
kept in the cache, and forward keeps only what backward reads.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field

import sympy as sp

from . import erf_coefficients
from .activations import CHOICES, activation
from .codegen_hvp import hvp_code, products
from .codegen_inplace import chained
from .derivation import derive
from .errors import UsageError
from .exprs import Elementwise, LogSumExp
from .hvp import slope_names
from .losses import LOSSES
from .naming import DIMS, hidden_dims
from .ops import apply
from .printing.numpy import BatchNumPyPrinter
from .printing.text import TextPrinter
from .render import render
from .shared import backward_forms, shared


@dataclass(frozen=True)
class Statement:
    target: str
    code: str
    math: str  # the equation, for the comment
    expr: object = field(default=None, compare=False)  # what `code` computes, as SymPy
    chain: tuple = ()  # the same as in-place lines, the first writing into the workspace
    reuses: str = ""  # the array the chain writes into instead, which nothing reads again
    written: tuple = ()  # parts of the chain computed as written, into arrays of their own

    @property
    def lines(self) -> tuple:
        """The code lines: the in-place chain, or the statement as it is written."""
        return self.chain or (f"{self.target} = {self.code}",)

    @property
    def comment_above(self) -> bool:
        """Whether the equation goes on its own line: beside the code it would not fit."""
        return len(self.chain) > 1 or len(f"    {self.lines[0]}  # {self.math}") > LINE_LENGTH


@dataclass(frozen=True)
class ModuleSpec:
    """Everything module.py.j2 needs, already printed."""

    name: str
    summary: str
    parameters: tuple  # of (name, its shape in dimension names as a tuple literal)
    parameter_names: str  # the PARAMETERS tuple literal
    sizes: str  # the SIZES tuple literal: ("d", "h", "q")
    forward: tuple  # of Statement
    predict: tuple  # of Statement
    objective: Statement
    cache: tuple  # names backward reads
    backward: tuple  # of Statement
    backward_params: tuple  # the parameters backward reads
    gradients: tuple  # of (parameter, statement target)
    helpers: tuple  # helper functions the statements call ("logsumexp")
    equations: tuple  # the forward and backward equations for the docstrings
    uses_lam: bool
    hvp: tuple  # of Statement
    hvp_params: tuple  # the parameters hvp reads
    hvp_cache: tuple  # the cached arrays hvp reads
    hvp_slopes: tuple  # φ′(t) = …, φ″(t) = …, for its docstring
    cost: tuple  # lines comparing hvp's matrix products with the gradient's
    products: tuple  # (the gradient's, hvp's) codegen_hvp.Products, forward included in both
    stored: dict  # ("logsumexp", o) → the name of the array forward keeps for it
    workspace: tuple  # of (key, its shape in dimension names as a tuple literal)
    shape_check: tuple  # (sizes taken from the arrays, the shapes they must have), for _batch_size


def concrete_or_exit(model) -> None:
    for layer in model.stack[0]:
        if not activation(layer.activation).is_concrete:
            choices = ", ".join(c for c in CHOICES if c != "phi")
            raise UsageError(
                f"activation {layer.activation!r} is symbolic and cannot become code; "
                f"choose one of {choices}, or a formula in t"
            )
    if not LOSSES[model.loss].is_concrete:
        choices = ", ".join(n for n, f in LOSSES.items() if f.is_concrete)
        raise UsageError(
            f"loss {model.loss!r} is symbolic and cannot become code; choose one of {choices}"
        )


def module_spec(model) -> ModuleSpec:
    concrete_or_exit(model)
    derivation = derive(model, batch=True)
    tape = derivation.tape
    text = TextPrinter(tape.variables)
    helpers = set()
    buffers = {}  # the workspace: key → shape in dimension names
    rewrite = _derivatives_from_outputs(tape)  # φ′ read from φ's output where it can be
    forms = backward_forms(derivation, rewrite)
    names = shared(loss_formula(tape), [form for _, form in forms])
    kept = set().union(*(form.xreplace(names).atoms(sp.MatrixSymbol) for _, form in forms))
    forward, stored = _forward(tape, text, helpers, buffers, names, kept)
    backward, used = _backward(forms, tape, stored, text, helpers, buffers, names)
    reduce, written = {"mean": (".sum() / n", "(1/n) Σᵢ"), "sum": (".sum()", "Σᵢ")}[
        model.reduction
    ]
    terms = [f"{v.code}{reduce}" if v.per_example else v.code for v in tape.steps[-1].args]
    objective = Statement(
        "J", f"float({' + '.join(terms)})", f"J = {written} L_i" + " + s" * (len(terms) > 1)
    )
    params = tape.parameters
    cache = tuple(v.code for v in tape.variables if v.kind != "param" and v.symbol in used)
    cache += tuple(dict.fromkeys(stored.values()))
    hvp = hvp_code(derivation, rewrite, stored, backward, text, Statement, sum_rows)
    helpers |= hvp.helpers
    costs = (products((*forward, *backward)), products((*forward, *hvp.statements)))
    return ModuleSpec(
        name=model.name,
        summary=summary(model),
        parameters=tuple((p.name, py_tuple(str(d) for d in p.code_shape)) for p in params),
        parameter_names=py_tuple(p.name for p in params),
        sizes=py_tuple(str(d) for d in (DIMS["d"], *hidden_dims(model.depth), DIMS["q"])),
        forward=forward,
        predict=_predict(tape, text, helpers),
        objective=objective,
        cache=cache,
        backward=backward,
        backward_params=tuple(p.code for p in params if p.symbol in used),
        gradients=tuple((p.name, "d" + p.code) for p in params),
        helpers=tuple(sorted(helpers)),
        equations=tuple(s.math for s in forward if s.target not in stored.values())
        + (objective.math,),
        uses_lam=model.weight_decay,
        hvp=hvp.statements,
        hvp_params=tuple(p.code for p in params if p.symbol in hvp.reads),
        hvp_cache=_cached_reads(tape, hvp.reads, cache, stored),
        hvp_slopes=slope_formulas(tape, text),
        cost=cost_lines(*costs, text),
        products=costs,
        stored=stored,
        workspace=tuple((key, py_tuple(shape)) for key, shape in buffers.items()),
        shape_check=shape_check(params),
    )


def shape_check(params) -> tuple:
    """The quick test of shapes _batch_size makes: each size read off the first array that has
    it (n, d from X), then every parameter's and Y's shape as a tuple of those sizes."""
    where = {"n": "X.shape[0]", "d": "X.shape[1]"}
    for p in params:
        for i, dim in enumerate(p.code_shape):
            where.setdefault(str(dim), f'params["{p.name}"].shape[{i}]')
    sizes = tuple((dim, code) for dim, code in where.items() if dim not in ("n", "d"))
    shapes = tuple(
        (f'params["{p.name}"].shape', _tuple_code(str(d) for d in p.code_shape)) for p in params
    )
    return sizes, shapes


def _tuple_code(names) -> str:
    names = list(names)
    return f"({names[0]},)" if len(names) == 1 else f"({', '.join(names)})"


def _cached_reads(tape, reads, cache, stored) -> tuple:
    """The cached arrays hvp reads, in cache order; every one must be in the cache."""
    wanted = {v.code for v in tape.variables if v.kind != "param" and v.symbol in reads}
    wanted |= set(stored.values())  # logsumexp, for softmax
    missing = wanted - set(cache)
    if missing:
        raise AssertionError(f"hvp reads {sorted(missing)}, which forward does not keep")
    return tuple(name for name in cache if name in wanted)


def slope_formulas(tape, text) -> tuple:
    """φ′(t) = … and φ″(t) = … for each activation, as the hvp docstring states them."""
    lines = (
        f"{text.doprint(shown.expr)} = {text.doprint(formula.expr)}"
        for shown, formula in slope_names(tape).values()
    )
    return tuple(dict.fromkeys(lines))


def cost_lines(gradient, hvp, text) -> tuple:
    """What hvp costs against the gradient, counted from the statements of both."""
    low, high = hvp.ratio_range(gradient)
    return (
        f"hvp: {hvp.count} matrix products, {text.doprint(hvp.factored)} multiply-adds "
        "(forward included);",
        f"loss_and_grad: {gradient.count} matrix products, "
        f"{text.doprint(gradient.factored)} multiply-adds;",
        f"so hvp costs {_ratio(low)} to {_ratio(high)} times the gradient, depending on sizes."
        if low != high
        else f"so hvp costs {_ratio(low)} times the gradient.",
    )


def _ratio(r) -> str:
    return str(r) if r.q == 1 else f"{r} ≈ {float(r):.2f}"


def _array_shape(var) -> tuple:
    """The shape of var's array in code, in dimension names: ("n", "h"), ("h", "d"), ("h",)."""
    shape = var.code_shape if var.kind == "param" else (DIMS["n"], var.shape[0])
    return tuple(str(d) for d in shape)


def _out(key, shape, buffers) -> str:
    """The workspace's array `key` as an out= argument, recorded in `buffers`."""
    buffers[key] = shape
    return f'workspace.get("{key}")'


def _chain(printer, target, expr, shape, buffers, dead=frozenset()) -> dict:
    """The Statement fields of the in-place form (see codegen_inplace): its lines, writing
    into the workspace or into `reuses`, an array in `dead` that nothing reads afterwards, and
    the parts it computes as written; {} if the statement has no such form."""
    chain = chained(printer, target, expr, f'workspace.get("{target}")', dead)
    if chain is None:
        return {}
    if chain.reused is None:
        buffers[target] = shape
    printer.helpers |= chain.helpers
    reuses = chain.out if chain.reused is not None else ""
    return {"chain": tuple(chain.lines), "reuses": reuses, "written": tuple(chain.written)}


def _dead_after(forms) -> list:
    """For each backward form, the adjoints it reads for the last time: arrays of backward's
    own (not gradients) that its statement may overwrite."""
    reads = [form.atoms(sp.MatrixSymbol) for _, form in forms]
    own = {adjoint.var.adjoint for adjoint, _ in forms if adjoint.var.kind != "param"}
    return [
        frozenset(s for s in reads[i] & own if not any(s in later for later in reads[i + 1 :]))
        for i in range(len(forms))
    ]


def loss_formula(tape):
    """The loss as forward computes it: its stable formula (logsumexp, not log of softmax)."""
    (step,) = [s for s in tape.steps if s.op == "loss"]
    return step.fn.formula(*(a.symbol for a in step.args))


def _forward(tape, text, helpers, buffers, names, kept):
    """The forward statements, and the arrays kept for backward besides the tape's variables:
    logsumexp(o), from which backward gets softmax(o) without another max and sum, and what
    the loss shares with backward (`names`, see shared.py). A statement may write into an
    array that neither backward (`kept`) nor a later statement reads: tanh(z) into z."""
    stored, statements = {}, []
    printer = BatchNumPyPrinter(tape.variables, stored)  # sees what `stored` gains below
    steps = tape.steps[:-1]  # the objective J is its own statement
    exprs = [
        loss_formula(tape) if s.op == "loss" else apply(s, [a.symbol for a in s.args])
        for s in steps
    ]
    for i, (step, expr) in enumerate(zip(steps, exprs)):
        inputs = [a.symbol for a in step.args]
        later = set().union(*(e.atoms(sp.MatrixSymbol) for e in exprs[i + 1 :]))
        dead = {
            a.symbol
            for a in step.args
            if a.kind not in ("input", "target", "param") and a.symbol not in kept | later
        }
        for lse in sorted(expr.atoms(LogSumExp), key=sp.default_sort_key):
            scratch = _out("exp(O - max)", _array_shape(step.args[0]), buffers)
            code = f"_logsumexp({printer.doprint(lse.args[0])}, {scratch})"
            o = text.doprint(lse.args[0])
            math = f"logsumexp({o}), with the row's max taken from {o} (in place: it cancels)"
            statements.append(Statement("LSE", code, math))
            stored[("logsumexp", lse.args[0])] = "LSE"
        if step.op == "loss":
            for value, symbol in names.items():
                fields = _chain(printer, symbol.name, value, _array_shape(step.args[0]), buffers)
                math = f"{symbol.name.lower()} = {text.doprint(value)}"
                statements.append(
                    Statement(symbol.name, printer.doprint(value), math, value, **fields)
                )
                stored[("shared", symbol)] = symbol.name
            expr = expr.xreplace(names)
        math = f"{step.out.name} = {text.doprint(apply(step, inputs))}"
        fields = _chain(printer, step.out.code, expr, _array_shape(step.out), buffers, dead)
        statements.append(Statement(step.out.code, printer.doprint(expr), math, expr, **fields))
    helpers |= printer.helpers
    return tuple(statements), stored


def _backward(forms, tape, stored, text, helpers, buffers, names):
    """The backward statements, and every symbol they read (`names`: what forward kept of the
    loss's formula, read rather than computed again)."""
    printer = BatchNumPyPrinter(tape.variables, stored)
    statements, used = [], set()
    for (adjoint, closed), dead in zip(forms, _dead_after(forms)):
        var = adjoint.var
        closed = closed.xreplace(names)
        code, math = sum_rows(
            var, printer.doprint(closed), f"∂J/∂{var.name} = {text.doprint(adjoint.closed)}"
        )
        target = "d" + var.code
        if var.kind != "param" or not var.is_vector:
            fields = _chain(printer, target, closed, _array_shape(var), buffers, dead)
        elif isinstance(closed, sp.MatrixSymbol):  # a bias: its gradient sums the rows
            out = _out(target, _array_shape(var), buffers)
            fields = {
                "chain": (f"{target} = np.sum({printer.doprint(closed)}, axis=0, out={out})",)
            }
        else:
            fields = {}
        statements.append(Statement(target, code, math, closed, **fields))
        used.update(closed.atoms(sp.Symbol, sp.MatrixSymbol))
    helpers |= printer.helpers
    return tuple(statements), used


def sum_rows(var, code, math):
    """A bias is shared by every example: its gradient (and R{·} of it) sums the examples'
    rows. This is the one place where broadcasting over the batch is undone."""
    if var.kind == "param" and var.is_vector:
        code = f"{code if code.isidentifier() else f'({code})'}.sum(axis=0)"
        math += ", summed over the examples"
    return code, math


def _predict(tape, text, helpers):
    """The layers again, every one named A, so that only the current layer is kept."""
    rename = {v.symbol: "A" for v in tape.variables if v.kind == "hidden"}
    rename.update({v.symbol: "X" for v in tape.variables if v.kind == "input"})
    printer = BatchNumPyPrinter(tape.variables, extra=rename)
    statements = []
    for step in tape.steps:
        if step.op in ("matmul", "affine", "activation"):
            expr = apply(step, [a.symbol for a in step.args])
            statements.append(
                Statement("A", printer.doprint(expr), f"{step.out.name} = {text.doprint(expr)}")
            )
    return tuple(statements)


def py_tuple(items) -> str:
    """A tuple of strings as the formatter writes it: ("W1", "b1") or ("h",)."""
    quoted = [f'"{item}"' for item in items]
    return f"({quoted[0]},)" if len(quoted) == 1 else f"({', '.join(quoted)})"


def _derivatives_from_outputs(tape) -> dict:
    """φ′(z) → the same derivative written with h = φ(z), where that form exists (1 − h²)."""
    swap = {}
    for step in tape.steps:
        if step.op == "activation" and step.fn.derivative_from_output is not None:
            (z,) = step.args
            swap[Elementwise(step.fn.derivative, z.symbol)] = Elementwise(
                step.fn.derivative_from_output, step.out.symbol
            )
    return swap


def summary(model) -> str:
    """One sentence saying what the network is."""
    hidden, output_bias = model.stack
    layers = ", ".join(
        f"{activation(layer.activation).name}{' with a bias' if layer.bias else ''}"
        for layer in hidden
    )
    count = "One hidden layer" if len(hidden) == 1 else f"{len(hidden)} hidden layers"
    decay = "ℓ2 weight decay λ" if model.weight_decay else "no weight decay"
    output = "an output bias" if output_bias else "no output bias"
    return (
        f"{count} ({layers}), {output}, {model.loss.replace('_', ' ')} loss "
        f"({model.reduction} over the batch), {decay}."
    )


LINE_LENGTH = 99


def module_source(model) -> str:
    """The NumPy module for `model`, rendered and formatted."""
    return format_python(render("module.py.j2", spec=module_spec(model), erf=erf_coefficients))


def format_python(source: str) -> str:
    """`source` as the pinned ruff formats it (isolated from any project's configuration)."""
    from ruff.__main__ import find_ruff_bin

    done = subprocess.run(
        [
            find_ruff_bin(),
            "format",
            "--isolated",
            f"--line-length={LINE_LENGTH}",
            "--stdin-filename=module.py",
            "-",
        ],
        input=source,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"ruff could not format the generated module: {done.stderr.strip()}")
    return done.stdout
