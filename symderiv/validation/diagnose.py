"""Someone else's loss_and_grad against the derivation: which gradient is wrong, and why.

The module under test (any module with PARAMETERS and loss_and_grad, per DESIGN.md) and the
module symderiv generates for the same model run on the same random points. Where a gradient
differs, the difference D = theirs − ours is compared with each term of the closed form, as
evaluated at the point: D = −T means the term T is missing, D = T that it is counted twice;
theirs = c · ours means a missing or extra factor (c = n: the 1/n of the mean; c = −1: the
sign). Otherwise the report gives the error and the closed form to compare with.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..codegen import module_source, module_spec, sum_rows
from ..derivation import derive
from ..printing.numpy import BatchNumPyPrinter
from ..printing.text import TextPrinter
from .isolated import ModuleFailure
from .numeric import TOLERANCE, load_source, relative_error, sample_point

NOT_FINITE = "has NaN or inf where the derivation's values are finite"
MATCH = 1e-6  # how closely D must match a term (relative) to be explained by it


@dataclass(frozen=True)
class Finding:
    name: str  # "J" or a parameter
    error: float  # the largest relative error over the points
    explanation: str = ""  # why, when it is wrong and symderiv can tell
    expected: str = ""  # the closed form it should equal

    @property
    def ok(self) -> bool:
        return self.error <= TOLERANCE


def validate(model, module, sizes=None, batches=(1, 5, 17), seed=0) -> list[Finding]:
    """One finding for J and one per parameter, over one random point per batch size."""
    reference = load_source(module_source(model), f"{model.name}_reference")
    if tuple(module.PARAMETERS) != tuple(reference.PARAMETERS):
        raise MismatchError(
            f"PARAMETERS = {tuple(module.PARAMETERS)}, but the model has "
            f"{tuple(reference.PARAMETERS)}"
        )
    sizes = sizes or (3, *range(4, 4 + model.depth), 2)
    rng = np.random.default_rng(seed)
    names = ("J", *reference.PARAMETERS)
    errors = dict.fromkeys(names, 0.0)
    worst_point = {}
    for n in batches:
        params, X, Y, lam = sample_point(model, reference, sizes, n, rng)
        J, grads = _call(module, params, X, Y, lam)
        J_ref, grads_ref = reference.loss_and_grad(params, X, Y, lam)
        found = {"J": relative_error(np.asarray(J), np.asarray(J_ref))}
        values = {"J": J, **grads}
        for name in reference.PARAMETERS:
            got = np.asarray(grads.get(name)) if name in grads else None
            if got is None or got.shape != grads_ref[name].shape:
                shape = "missing" if got is None else f"shape {got.shape}"
                raise MismatchError(
                    f"the gradient {name} is {shape}; expected shape {grads_ref[name].shape}"
                )
            found[name] = relative_error(got, grads_ref[name])
        for name, error in found.items():
            if error > errors[name]:
                errors[name] = error
                worst_point[name] = (params, X, Y, lam, values[name], n)
    closed = _closed_forms(model)
    findings = []
    for name in names:
        if errors[name] <= TOLERANCE:
            findings.append(Finding(name, errors[name]))
            continue
        if name == "J":
            params, X, Y, lam, got, n = worst_point[name]
            if np.isfinite(got):
                why = _explain_J(model, reference, module, params, X, Y, lam, n)
            else:
                why = NOT_FINITE
            findings.append(Finding(name, errors[name], why, _objective(model)))
            continue
        params, X, Y, lam, got, n = worst_point[name]
        if not np.isfinite(got).all():
            why = NOT_FINITE
        else:
            why = _explain(model, reference, name, params, X, Y, lam, np.asarray(got), n)
        findings.append(Finding(name, errors[name], why, closed[name]))
    return findings


class MismatchError(Exception):
    """The module does not implement the model's contract (parameters, shapes, a crash)."""


def _call(module, params, X, Y, lam):
    """(J, gradients) from the module under test, an IsolatedModule: its failures (an exception,
    an exit, a hang, a result of the wrong kind) become a MismatchError saying which."""
    copies = {k: v.copy() for k, v in params.items()}
    try:
        return module.loss_and_grad(copies, X.copy(), Y.copy(), lam)
    except ModuleFailure as failure:
        raise MismatchError(str(failure)) from None


def _call_plain(module, params, data):
    """_call for any data arguments: (J, gradients) from copies of params and data."""
    copies = {k: np.array(v, copy=True) for k, v in params.items()}
    data = tuple(np.array(d, copy=True) if np.ndim(d) else d for d in data)
    try:
        return module.loss_and_grad(copies, *data)
    except ModuleFailure as failure:
        raise MismatchError(str(failure)) from None


def _objective(model) -> str:
    mean = "(1/n) Σᵢ L_i" if model.reduction == "mean" else "Σᵢ L_i"
    return f"J = {mean}" + (" + λ/2 Σₖ ‖Wₖ‖²" if model.weight_decay else "")


def _explain_J(model, reference, module, params, X, Y, lam, n) -> str:
    """Why their J differs: the weight decay missing or twice, or a sum for the mean."""
    J = _call(module, params, X, Y, lam)[0]
    J_ref = float(reference.loss_and_grad(params, X, Y, lam)[0])
    s = lam / 2 * sum(float(np.vdot(w, w)) for k, w in params.items() if k.startswith("W"))
    s = s if model.weight_decay else 0.0
    losses = J_ref - s  # (1/n) Σ L_i or Σ L_i
    close = lambda a, b: abs(a - b) <= MATCH * max(abs(J_ref), 1e-300)  # noqa: E731
    if s and close(J, J_ref - s):
        return "J lacks the weight decay s = λ/2 Σₖ ‖Wₖ‖²"
    if s and close(J, J_ref + s):
        return "J counts the weight decay s twice"
    if model.reduction == "mean" and n > 1 and close(J, n * losses + s):
        return "J sums the losses over the batch instead of averaging them"
    if model.reduction == "sum" and n > 1 and close(J, losses / n + s):
        return "J averages the losses over the batch; this model sums them"
    return ""


def _closed_forms(model) -> dict:
    derivation = derive(model)
    text = TextPrinter(derivation.tape.variables).doprint
    return {a.var.name: f"∂J/∂{a.var.name} = {text(a.closed)}" for a in derivation.gradients}


def _explain(model, reference, name, params, X, Y, lam, got, n) -> str:
    """Why `got` differs from the derivation's ∂J/∂name at this point, if a term tells."""
    want = reference.loss_and_grad(params, X, Y, lam)[1][name]
    difference = got - want
    scale = max(float(np.linalg.norm(want)), 1e-300)
    column, batch = derive(model), derive(model, batch=True)
    text = TextPrinter(column.tape.variables).doprint
    shown = next(a for a in column.gradients if a.var.name == name)
    computed = next(a for a in batch.gradients if a.var.name == name)
    spec = module_spec(model)
    namespace = _arrays(spec, reference, params, X, Y, lam)
    printer = BatchNumPyPrinter(batch.tape.variables, spec.stored)
    ratio = float(np.vdot(got, want) / np.vdot(want, want))
    if np.linalg.norm(got - ratio * want) <= MATCH * scale * max(1.0, abs(ratio)):
        if n > 1 and np.isclose(ratio, n) and model.reduction == "mean":
            return f"∂J/∂{name} is n = {n} times too large: the 1/n of the mean is missing"
        if np.isclose(ratio, -1):
            return f"∂J/∂{name} has the wrong sign"
        return f"∂J/∂{name} is {ratio:.6g} times the expected value"
    values = []
    for batch_term in computed.terms:
        code, _ = sum_rows(computed.var, printer.doprint(batch_term.expr), "")
        values.append(eval(code, namespace))  # symderiv's own printed code, over its own arrays
    # theirs = ours + Σ cᵢ Tᵢ? Then each term with cᵢ ≠ 0 is missing, twice, or scaled.
    terms = np.stack([np.ravel(v) for v in values], axis=1)
    c, *_ = np.linalg.lstsq(terms, np.ravel(difference), rcond=None)
    if np.linalg.norm(terms @ c - np.ravel(difference)) > MATCH * scale:
        return ""
    found = [(text(t.expr), t.via, ci) for t, ci in zip(shown.terms, c) if abs(ci) > MATCH]
    if not found:
        return ""
    by = " ".join(
        f"{'−' if ci < 0 else '+'} {'' if np.isclose(abs(ci), 1) else f'{abs(ci):.6g} '}{term}"
        for term, _, ci in found
    )
    said = "; ".join(_term_error(term, via, ci, n, model) for term, via, ci in found)
    by = "−" + by[2:] if by.startswith("− ") else by.removeprefix("+ ")
    return f"∂J/∂{name} differs by {by}: {said}"


def _term_error(term, via, c, n, model) -> str:
    """What theirs = ours + c·T says about the term T (which comes through `via`)."""
    through = "the weight decay s" if via.name == "s" else via.name
    shown = f"the term {term} (through {through})"
    if np.isclose(c, -1):
        return f"{shown} is missing"
    if np.isclose(c, 1):
        return f"{shown} is counted twice"
    if n > 1 and np.isclose(c, n - 1) and model.reduction == "mean":
        return f"{shown} is n = {n} times too large: its 1/n is missing"
    return f"{shown} is {c + 1:.6g} times what it should be"


def _arrays(spec, reference, params, X, Y, lam) -> dict:
    """Every array of forward and backward at the point, by its name in the code, with the
    generated module's helpers (_sigmoid, _logsumexp) and NumPy."""
    _, cache = reference.forward(params, X, Y, lam)
    namespace = {**vars(reference), **params, **cache, "lam": lam}
    for statement in spec.backward:
        namespace[statement.target] = eval(statement.code, namespace)
    return namespace
