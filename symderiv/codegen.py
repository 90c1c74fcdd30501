"""From the derivation to the statements of the NumPy module (rendered by module.py.j2).

Forward statements come from the tape, backward statements from the batch-form derivation, one
statement per equation, each with its equation as a comment. Backward reads only what forward
kept in the cache, and forward keeps only what backward reads.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .derivation import derive
from .errors import UsageError
from .exprs import Elementwise, LogSumExp
from .functions import ACTIVATIONS, LOSSES
from .ops import apply
from .printing.numpy import BatchNumPyPrinter
from .printing.text import TextPrinter


@dataclass(frozen=True)
class Statement:
    target: str
    code: str
    math: str  # the equation, for the comment


@dataclass(frozen=True)
class ModuleSpec:
    """Everything module.py.j2 needs, already printed."""

    name: str
    summary: str
    parameters: tuple  # of (name, its shape in dimension names as a tuple literal)
    parameter_names: str  # the PARAMETERS tuple literal
    layers: tuple  # of (W, b or None), for init_params
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


def concrete_or_exit(model) -> None:
    if not ACTIVATIONS[model.activation].is_concrete:
        choices = ", ".join(a for a, f in ACTIVATIONS.items() if f.is_concrete)
        raise UsageError(
            f"activation {model.activation!r} is symbolic and cannot become code; "
            f"choose one of {choices}"
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
    variables = tape.variables
    text = TextPrinter(variables)

    stored, helpers, forward = {}, [], []
    for step in tape.steps:
        if step.op == "objective":
            continue
        inputs = [a.symbol for a in step.args]
        # A loss is computed by its stable formula; the document shows its definition.
        expr = step.fn.formula(*inputs) if step.op == "loss" else apply(step, inputs)
        for lse in sorted(expr.atoms(LogSumExp), key=sp.default_sort_key):
            name = "LSE"
            stored[("logsumexp", lse.args[0])] = name
            helpers.append("logsumexp")
            code = f"_logsumexp({BatchNumPyPrinter(variables).doprint(lse.args[0])})"
            forward.append(Statement(name, code, f"logsumexp({text.doprint(lse.args[0])})"))
        math = f"{step.out.name} = {text.doprint(apply(step, inputs))}"
        forward.append(Statement(step.out.code, BatchNumPyPrinter(variables, stored).doprint(expr), math))

    printer = BatchNumPyPrinter(variables, stored)
    output_form = _derivatives_from_outputs(tape)
    backward, used = [], set()
    for adjoint in derivation.adjoints:
        if adjoint.is_constant:
            continue
        closed = adjoint.closed.xreplace(output_form)
        code = printer.doprint(closed)
        var = adjoint.var
        if var.kind == "param" and var.is_vector:
            # A bias is shared by every example: its gradient sums the examples' rows.
            code = f"{code if code.isidentifier() else f'({code})'}.sum(axis=0)"
        target = "d" + var.code
        math = f"∂J/∂{var.name} = {text.doprint(adjoint.closed)}"
        if var.kind == "param" and var.is_vector:
            math += ", summed over the examples"
        backward.append(Statement(target, code, math))
        used.update(closed.atoms(sp.Symbol, sp.MatrixSymbol))
    reads = [v.code for v in variables if v.kind != "param" and v.symbol in used]
    backward_params = tuple(p.code for p in tape.parameters if p.symbol in used)
    reads += list(dict.fromkeys(stored.values()))

    terms = []
    for L in tape.steps[-1].args:
        terms.append(f"{L.code}.mean()" if L.per_example else L.code)
    objective = Statement("J", f"float({' + '.join(terms)})", "J = (1/n) Σᵢ L_i" + (" + s" if len(terms) > 1 else ""))

    rename = {v.symbol: "A" for v in variables if v.kind == "hidden"}
    rename.update({v.symbol: "X" for v in variables if v.kind == "input"})
    predict = []
    for step in tape.steps:
        if step.op in ("matmul", "affine", "activation"):
            p = BatchNumPyPrinter(variables, extra=rename)
            expr = apply(step, [a.symbol for a in step.args])
            predict.append(Statement("A", p.doprint(expr), f"{step.out.name} = {text.doprint(expr)}"))

    params = tape.parameters
    layers = []
    for W in (p for p in params if p.name.startswith("W")):
        b = next((p for p in params if p.name == "b" + W.name[1:]), None)
        layers.append((W.name, b.name if b else None))
    equations = tuple(s.math for s in forward if s.target != "LSE") + (objective.math,)
    return ModuleSpec(
        name=model.name,
        summary=_summary(model),
        parameters=tuple((p.name, py_tuple(str(d) for d in p.code_shape)) for p in params),
        parameter_names=py_tuple(p.name for p in params),
        layers=tuple(layers),
        forward=tuple(forward),
        predict=tuple(predict),
        objective=objective,
        cache=tuple(reads),
        backward=tuple(backward),
        backward_params=backward_params,
        gradients=tuple((p.name, "d" + p.code) for p in params),
        helpers=tuple(dict.fromkeys(helpers)),
        equations=equations,
        uses_lam=model.weight_decay,
    )


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


def _summary(model) -> str:
    bias = {"none": "no biases", "hidden": "a hidden-layer bias", "all": "biases on every layer"}
    decay = "ℓ2 weight decay λ" if model.weight_decay else "no weight decay"
    return (
        f"One hidden layer ({model.activation}), {model.loss.replace('_', ' ')} loss, "
        f"{bias[model.bias]}, {decay}."
    )
