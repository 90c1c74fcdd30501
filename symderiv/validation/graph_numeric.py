"""A graph's generated module checked against central finite differences, in float64, as a
dense network's is (numeric.py): the gradients of J, and H V along a random direction.

Points are random: inputs and constants standard normal, with the targets a loss expects
(on the simplex for softmax cross entropy, in [0, 1] for sigmoid cross entropy); a parameter
an inverse or a determinant reads is the identity plus a small symmetric positive part, so
that it is well conditioned and its log-determinant defined; hyperparameters in [0.1, 0.5].
A ReLU's kink is met with probability about 1e-4 per entry at these points; the fixed seeds
keep every point the tests use away from it.
"""

from __future__ import annotations

import numpy as np

from ..graphs.spec import _walk
from .numeric import Report, best_errors, central_differences, hvp_differences, random_direction

SIZES = (3, 4, 2, 5, 6, 7, 8)  # distinct, so that a transposed shape cannot pass
FLOOR = 1e-6  # times |J| (the gradient's norm, for H V): below it an error is absolute


def graph_sizes(module) -> dict:
    return dict(zip(module.SIZES, SIZES))


def _targets(graph) -> dict:
    """{declared name: the loss that reads it as its target}; softmax cross entropy's where
    both read it, a distribution being in [0, 1] too."""
    found = {}
    for e in graph.equations:
        for node in _walk(e.expr):
            if node.op == "call" and node.name.endswith("cross_entropy"):
                target = node.args[1]
                if target.op == "ref" and found.get(target.name) != "softmax_cross_entropy":
                    found[target.name] = node.name
    return found


def graph_point(graph, module, n: int, rng: np.random.Generator) -> tuple:
    """(params, data): data are the arguments after params, in the module's order."""
    dims = {**graph_sizes(module), "n": n} if graph.declared.inputs else graph_sizes(module)
    params = module.init_params(tuple(dims[k] for k in module.SIZES), rng)
    identity = _identity_read(graph)
    for name in module.PARAMETERS:
        shape = np.shape(params[name])
        if name in identity:
            B = rng.standard_normal(shape) / np.sqrt(shape[0])
            params[name] = np.eye(shape[0]) + 0.3 * B @ B.T
        elif len(shape) < 2:
            params[name] = np.asarray(0.5 * rng.standard_normal(shape))
    targets = _targets(graph)
    declared = {**graph.declared.inputs, **graph.declared.constants}
    codes = list(module.DATA)
    data = []
    for code, name in zip(codes, declared):
        shape = tuple(dims[k] for k in module.DATA[code])
        loss = targets.get(name)
        if loss == "softmax_cross_entropy":
            data.append(rng.dirichlet(np.ones(shape[-1]), size=shape[:-1]))
        elif loss == "sigmoid_cross_entropy":
            data.append(rng.uniform(0, 1, size=shape))
        else:
            data.append(rng.standard_normal(shape))
    data += [float(rng.uniform(0.1, 0.5)) for _ in module.HYPERPARAMETERS]
    return params, tuple(data)


def workspace_errors(graph, module, n, rng, point, J, grads, floor=1e-12) -> dict:
    """How far loss_and_grad with a workspace is from (J, grads), computed without one, per
    parameter (J's error counts for all). The workspace starts full of NaN and is first used
    at another point, so that an array read before it is written, or a value left from the
    call before, shows."""
    from .numeric import relative_error

    params, data = point
    sizes = tuple(graph_sizes(module)[k] for k in module.SIZES)
    batch = (n,) if graph.declared.inputs else ()
    workspace = module.make_workspace(sizes, *batch)
    for array in workspace.values():
        array.fill(np.nan)
    other_params, other_data = graph_point(graph, module, n, rng)
    module.loss_and_grad(other_params, *other_data, workspace)
    J_ws, grads_ws = module.loss_and_grad(params, *data, workspace)
    J_error = relative_error(J_ws, J)
    return {
        name: max(J_error, relative_error(grads_ws[name], grads[name], floor)) for name in grads
    }


def _identity_read(graph) -> set:
    return {
        node.args[0].name
        for e in graph.equations
        for node in _walk(e.expr)
        if node.op == "call" and node.name in ("inv", "det", "logdet") and node.args[0].op == "ref"
    }


def check_graph_module(graph, module, batches=(1, 5), seed=0) -> Report:
    """The module's gradients and Hessian-vector products (keys "HV W1", …) against central
    differences at one random point per batch size (one point for a graph without inputs)."""
    rng = np.random.default_rng(seed)
    errors = {}
    for n in batches if graph.declared.inputs else batches[:1]:
        params, data = graph_point(graph, module, n, rng)
        J, grads = module.loss_and_grad(params, *data)
        # A gradient that is 0 (a parameter whose terms cancel, W2 z1 − W2 z1) is computed as
        # rounding noise, and so is its difference quotient (about 1e-16 |J| / step): a
        # gradient below FLOOR |J| is held to TOLERANCE · FLOOR |J| = 1e-12 |J|, absolute.
        floor = FLOOR * max(1.0, abs(J))
        found = best_errors(
            grads, lambda h: central_differences(module, params, data, h), floor=floor
        )
        if getattr(module, "WORKSPACE", None):
            for name, error in workspace_errors(
                graph, module, n, rng, (params, data), J, grads, floor
            ).items():
                found[name] = max(found[name], error)
        V = random_direction(module, params, rng)
        HV = module.hvp(params, *data, V)
        scale = max(1.0, float(np.sqrt(sum(np.vdot(g, g) for g in grads.values()))))
        found.update(
            best_errors(
                HV, lambda h: hvp_differences(module, params, data, V, h), "HV ", FLOOR * scale
            )
        )
        for key, error in found.items():
            errors[key] = max(errors.get(key, 0.0), error)
    return Report(errors)


def validate_graph(graph, module, batches=(1, 5, 17), seed=0) -> list:
    """check --validate for a graph: someone's loss_and_grad(params, *data) against the module
    symderiv generates, at one random point per batch size; one Finding for the objective
    and one per parameter, a wrong one with the factor it is off by where there is one (n,
    1/n, −1, 2, ½) and the closed form it should equal."""
    from ..graphs.module import graph_module_source, graph_module_spec
    from .diagnose import Finding, MismatchError, _call_plain
    from .numeric import load_source, relative_error

    reference = load_source(graph_module_source(graph), f"{graph.name}_reference")
    if tuple(module.PARAMETERS) != tuple(reference.PARAMETERS):
        raise MismatchError(
            f"PARAMETERS = {tuple(module.PARAMETERS)}, but the graph has "
            f"{tuple(reference.PARAMETERS)}"
        )
    spec = graph_module_spec(graph)
    closed = {s.target: s.math.split(" = ", 1)[1] for s in spec.backward}
    expected = {p: closed.get(code, "0") for p, code in spec.gradients}
    J = graph.objective
    expected[J] = spec.objective.math.split(" = ", 1)[1]
    rng = np.random.default_rng(seed)
    errors = dict.fromkeys((J, *reference.PARAMETERS), 0.0)
    worst = {}
    for n in batches if graph.declared.inputs else batches[:1]:
        params, data = graph_point(graph, reference, n, rng)
        got_J, got = _call_plain(module, params, data)
        want_J, want = reference.loss_and_grad(params, *data)
        pairs = {J: (np.asarray(got_J), np.asarray(want_J))}
        for name in reference.PARAMETERS:
            mine = np.asarray(got[name]) if name in got else None
            if mine is None or mine.shape != np.shape(want[name]):
                shape = "missing" if mine is None else f"shape {mine.shape}"
                raise MismatchError(
                    f"the gradient {name} is {shape}; expected shape {np.shape(want[name])}"
                )
            pairs[name] = (mine, np.asarray(want[name]))
        for name, (a, b) in pairs.items():
            error = relative_error(a, b)
            if error >= errors[name]:
                errors[name], worst[name] = error, (a, b, n)
    findings = []
    for name, error in errors.items():
        why = "" if name not in worst else _factor(*worst[name])
        findings.append(Finding(name, error, why if error > 1e-6 else "", expected[name]))
    return findings


def _factor(got, want, n) -> str:
    """'off by a factor n' and the like, where got = c · want for one of the usual c."""
    from .numeric import relative_error

    if not np.isfinite(got).all():
        return "has NaN or inf where the derivation's values are finite"
    for c, words in ((n, "n: a sum where the mean is taken"), (1 / n, "1/n: a mean too many"),
                     (-1, "−1: the sign"), (2, "2: counted twice"), (0.5, "½: half missing")):  # fmt: skip
        if c != 1 and relative_error(got, c * want) <= 1e-6:
            return f"off by a factor {words}"
    return ""
