"""Activations φ(t): the named ones, parameterized ones such as leaky_relu(0.2), and formulas.

φ′ (and φ″, for second derivatives) come from `sympy.diff` of the formula, with the convention
that the derivative at a kink is that of the right-hand piece's left neighbour: ReLU′(0) = 0.
Where φ′ can be written with the output y = φ(t) alone (tanh′ = 1 − y²), generated code uses
that form and reads h instead of recomputing anything from z.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache

import sympy as sp

from .domain import kinks
from .errors import UsageError, shown
from .formula import number, parse_formula
from .scalar import phi, sigmoid, softplus, t
from .tangent import derivative

out = sp.Symbol("y", real=True)  # the output y = φ(t), when a derivative is written with it


def _at_kinks(expr):
    return expr.replace(sp.Heaviside, lambda a, *_: sp.Heaviside(a, 0))


@dataclass(frozen=True)
class Activation:
    """An elementwise activation: its name as the user gave it, its formula in t, and how the
    figure labels it (plain text for Graphviz, LaTeX for TikZ)."""

    name: str
    formula: sp.Expr
    label: tuple = ("φ", r"\phi")

    @property
    def is_concrete(self) -> bool:
        return not self.formula.atoms(sp.core.function.AppliedUndef)

    @property
    def is_compound(self) -> bool:
        """Whether φ is more than one function of t (gelu, silu, elu, a formula): such a φ is
        written φ(z) in the equations, applied entrywise, and defined once as a function of t;
        tanh(z), σ(z) or max(0, z) are written as they are."""
        f = self.formula
        single = f == t or f == sp.Max(0, t) or (isinstance(f, sp.Function) and f.args == (t,))
        return self.is_concrete and not single

    @property
    def fn(self) -> sp.Lambda:
        return sp.Lambda(t, self.formula)

    @cached_property
    def derivative(self) -> sp.Lambda:
        """φ′ as a function of t."""
        return slope_of(self.fn)

    @cached_property
    def second_derivative(self) -> sp.Lambda:
        """φ″ as a function of t (0 away from the kinks of a piecewise-linear φ)."""
        return derivative(self.derivative)

    @cached_property
    def kinks(self) -> tuple:
        """The points where φ is not differentiable (0 for ReLU, c for max(t, c))."""
        return kinks(self.formula)

    @property
    def derivative_from_output(self) -> sp.Lambda | None:
        """φ′ written with y = φ(t) alone, when it can be; None otherwise."""
        if self.formula == t or not self.is_concrete:
            return None
        if self.formula == sp.Max(0, t):  # ReLU: max(0, t) > 0 exactly where t > 0
            return sp.Lambda(out, self.derivative.expr.subs(t, out))
        d = self.derivative.expr.subs(self.formula, out)
        return None if d.has(t) else sp.Lambda(out, d)


def slope_of(fn: sp.Lambda) -> sp.Lambda:
    """f′ of an entrywise function, as the derivation states it: `sympy.diff`, with the value
    0 at a kink (ReLU′(0) = 0)."""
    (var,) = fn.variables
    return sp.Lambda(var, _at_kinks(sp.diff(fn.expr, var)))


def _piecewise(positive, negative):
    return sp.Piecewise((positive, t > 0), (negative, True))


NAMED = {
    "phi": Activation("phi", phi(t)),
    "relu": Activation("relu", sp.Max(0, t), ("ReLU", r"\mathrm{ReLU}")),
    "sigmoid": Activation("sigmoid", sigmoid(t), ("σ", r"\sigma")),
    "tanh": Activation("tanh", sp.tanh(t), ("tanh", r"\tanh")),
    "identity": Activation("identity", t, ("id", r"\mathrm{id}")),
    "softplus": Activation("softplus", softplus(t), ("softplus", r"\mathrm{softplus}")),
    "silu": Activation("silu", t * sigmoid(t), ("SiLU", r"\mathrm{SiLU}")),
    "gelu": Activation("gelu", t * (1 + sp.erf(t / sp.sqrt(2))) / 2, ("GELU", r"\mathrm{GELU}")),
    "gelu_tanh": Activation(
        "gelu_tanh",
        t * (1 + sp.tanh(sp.sqrt(2 / sp.pi) * (t + sp.Rational(44715, 10**6) * t**3))) / 2,
        ("GELU", r"\mathrm{GELU}"),
    ),
}
# name → (default parameter, formula builder, label)
PARAMETERIZED = {
    "leaky_relu": (
        sp.Rational(1, 100),
        lambda a: _piecewise(t, a * t),
        ("LReLU", r"\mathrm{LReLU}"),
    ),
    "elu": (sp.Integer(1), lambda a: _piecewise(t, a * (sp.exp(t) - 1)), ("ELU", r"\mathrm{ELU}")),
}
CHOICES = (*NAMED, *PARAMETERIZED)
_CALL = re.compile(r"^([a-z_]+)\((.*)\)$", re.DOTALL)


def activation(spec: str) -> Activation:
    """The activation `spec` names: 'tanh', 'leaky_relu', 'leaky_relu(0.2)' or a formula in t."""
    if not isinstance(spec, str):
        raise UsageError(f"{shown(spec)} is not a string")
    return _activation(spec)


@lru_cache(maxsize=256)  # a formula is parsed and its domain checked once, not at every use
def _activation(spec: str) -> Activation:
    if spec in NAMED:
        return NAMED[spec]
    if spec in PARAMETERIZED:
        default, build, label = PARAMETERIZED[spec]
        return Activation(spec, build(default), label)
    call = _CALL.match(spec.strip())
    if call and call[1] in PARAMETERIZED:
        value = number(call[2].strip(), f"the parameter of {call[1]}")
        _, build, label = PARAMETERIZED[call[1]]
        return Activation(f"{call[1]}({float(value)!r})", build(value), label)
    if names_an_activation(spec):
        raise UsageError(f"unknown activation {shown(spec)}")
    formula = parse_formula(spec)
    return Activation(sp.sstr(formula), formula)


def names_an_activation(text: str) -> bool:
    """Whether `text` is meant as an activation's bare name (swish) rather than a formula."""
    return text.isidentifier() and text != "t"


def is_activation(spec) -> bool:
    try:
        activation(spec)
    except UsageError:
        return False
    return True
