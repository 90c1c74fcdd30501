"""Forward over reverse: the equations of the extended graph that computes H V.

The direction V gives each parameter θ a tangent R{θ} = V_θ. A forward sweep over the tape
gives R{z}, R{h}, …, R{o}; a sweep over the adjoints, in the order the reverse sweep wrote them,
gives R{∂J/∂o}, …, and for every parameter R{∂J/∂θ} = (H V)_θ. Each equation is the R{·} of an
equation already derived, so the extended graph reuses every named intermediate and costs a
small multiple of the gradient.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .derivation import Derivation
from .errors import UsageError
from .exprs import Elementwise
from .ops import apply
from .scalar import t
from .tangent import tangent, tidy


@dataclass(frozen=True)
class TangentLine:
    """R{v} (role "tangent") or R{∂J/∂v} (role "adjoint_tangent"), and what it differentiates."""

    var: object  # Var
    role: str
    source: object  # the forward step's expression, or the adjoint's closed form
    expr: object  # R{source}

    @property
    def symbol(self):
        return self.var.tangent if self.role == "tangent" else self.var.adjoint_tangent


def tangent_lines(derivation: Derivation, rewrite=None) -> tuple:
    """R{·} of every hidden variable in forward order, then of every adjoint in the reverse
    sweep's order. `rewrite` (a substitution such as φ′(z) → 1 − h²) is applied to the adjoints
    before they are differentiated and to the results, so that the lines read what the code
    reads."""
    rewrite = rewrite or {}
    tape = derivation.tape
    loss = next(s.fn for s in tape.steps if s.op == "loss")
    if not loss.is_concrete:
        raise UsageError(
            f"loss {loss.name!r} is symbolic: second derivatives need a concrete loss, whose "
            "∂²L/∂o² symderiv derives"
        )
    known = {p.symbol: p.tangent for p in tape.parameters}
    slopes = {}
    for step in tape.steps:
        if step.op == "activation":
            slopes[step.fn.fn] = step.fn.derivative
            slopes[step.fn.derivative] = step.fn.second_derivative
    lines = []
    for step in tape.steps:
        if step.out.kind != "hidden":
            continue
        source = apply(step, [a.symbol for a in step.args])
        lines.append(_line(step.out, "tangent", source, known, slopes, rewrite))
        known[step.out.symbol] = step.out.tangent
    for adjoint in derivation.adjoints:
        if adjoint.is_constant:
            continue
        source = adjoint.closed.xreplace(rewrite)
        lines.append(_line(adjoint.var, "adjoint_tangent", source, known, slopes, rewrite))
        known[adjoint.var.adjoint] = adjoint.var.adjoint_tangent
    return tuple(lines)


def _line(var, role, source, known, slopes, rewrite):
    expr = tangent(source, known, slopes)
    if expr is None:
        name = f"R{{{var.name}}}" if role == "tangent" else f"R{{∂J/∂{var.name}}}"
        raise NotImplementedError(f"{name} is zero for every direction")
    return TangentLine(var, role, source, tidy(expr.xreplace(rewrite)))


def slope_names(tape) -> dict:
    """φ′ and φ″ of every layer's activation, named for display: {(layer, order): (the named
    function, its formula)}, both Lambdas in t. With several activations, layer k's is φₖ."""
    acts = [s for s in tape.steps if s.op == "activation"]
    several = len({s.fn for s in acts}) > 1
    names = {}
    for k, step in enumerate(acts, start=1):
        f = sp.Function(f"phi_{k}" if several else "phi")
        for order, slope in ((1, step.fn.derivative), (2, step.fn.second_derivative)):
            shown = sp.Lambda(t, sp.Derivative(f(t), (t, order)))
            names[k, order] = (shown, sp.Lambda(t, slope.expr.subs(slope.variables[0], t)))
    return names


def named_slopes(tape) -> dict:
    """The substitution that writes φ′(z) by name (see `slope_names`); as `rewrite` for
    `tangent_lines`, it makes the lines read φ′(z) and φ″(z)."""
    acts = [s for s in tape.steps if s.op == "activation"]
    named = {}
    for (k, order), (shown, _) in slope_names(tape).items():
        if order == 1:
            (z,) = acts[k - 1].args
            named[Elementwise(acts[k - 1].fn.derivative, z.symbol)] = Elementwise(shown, z.symbol)
    return named
