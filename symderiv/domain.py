"""Where a formula in t is defined and differentiable, decided before any code is made.

An activation is applied to any real number, so φ and φ′ must be finite and real on the whole
line: at the probes (−6 to 6 in steps of ¼, 0 and the usual kinks among them), and wherever a
divisor vanishes, found by SymPy's solveset or, when it cannot say, by a sign change on a fine
grid. The kinks of max, min, abs and pieces are found the same way; a formula whose kinks SymPy
cannot find is refused, since the numeric checks must keep away from them.
"""

from __future__ import annotations

import math

import sympy as sp

from .errors import UsageError
from .scalar import t


def kinks(expr) -> tuple:
    """The points where `expr` is not differentiable: where the argument of max, min, abs, a
    step or a piece's condition crosses 0 (0 for ReLU, c for max(t, c))."""
    places = []
    for node in sp.preorder_traversal(expr):
        if isinstance(node, (sp.Max, sp.Min)):
            places.append(node.args[0] - node.args[1])
        elif isinstance(node, (sp.Abs, sp.Heaviside, sp.sign)):
            places.append(node.args[0])
        elif isinstance(node, sp.Piecewise):
            places += [
                c.lhs - c.rhs for _, c in node.args if isinstance(c, sp.core.relational.Relational)
            ]
    points = set()
    for place in places:
        # max and min inside a kink's equation (min(max(t, 1), 2)) become pieces first
        roots = _real_roots(place.rewrite(sp.Piecewise))
        if roots is None:
            raise UsageError(
                f"the formula's kinks cannot be found: no closed form for where {place} = 0; "
                "write max, min and abs of simpler expressions"
            )
        points |= {float(p) for p in roots}
    return tuple(sorted(points))


def _real_roots(expr):
    """The real roots of expr = 0 as SymPy numbers, or None when SymPy cannot find them all."""
    try:
        roots = sp.solveset(expr, t, sp.Reals)
    except (NotImplementedError, ValueError, TypeError):
        return None
    if isinstance(roots, sp.FiniteSet) and all(r.is_real for r in roots):
        return sorted(roots, key=float)
    return [] if roots is sp.EmptySet else None


# A pre-activation can be any real number: φ and φ′ must be finite and real at every probe,
# −6 to 6 in steps of ¼ (0 and the usual kinks among them).
PROBES = tuple(k / 4 for k in range(-24, 25))


def numpy_function(expr):
    """A formula in t as a function of a NumPy array (sigmoid, softplus and erf included)."""
    import numpy as np

    functions = {
        "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
        "softplus": lambda x: np.logaddexp(0, x),
        "erf": np.vectorize(math.erf, otypes=[float]),
    }
    return sp.lambdify(t, expr, modules=[functions, "numpy"])


def check_defined(expr) -> None:
    """Refuse a formula that, or whose derivative, is not a finite real number somewhere:
    1/t and log(t) at 0, sqrt(t) below 0, exp(exp(exp(t))) where it overflows (at a probe), and
    1/(t - 0.1) or |t - 0.1|^(1/3) between the probes (where a divisor is 0)."""
    import numpy as np  # here, not above: only a formula needs it, and it takes 0.1 s to load

    probes = np.array(PROBES)
    for what, f in (("the formula", expr), ("its derivative", sp.diff(expr, t))):
        if f.has(sp.Derivative, sp.Subs):
            raise UsageError(f"{what} cannot be written in closed form")
        if f.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
            raise UsageError(f"{what} is not defined: it divides by zero")
        bad = ~_is_real_number(f, probes)
        if bad.any():
            raise UsageError(
                f"{what} is not a finite real number at t = {probes[bad.argmax()]:g}; an "
                "activation must be defined, with its derivative, for every real input"
            )
        for divisor in _divisors(f):
            at = _zero_of(divisor)
            if at is not None:
                raise UsageError(
                    f"{what} divides by zero at t = {at:.6g}; an activation must be defined, "
                    "with its derivative, for every real input"
                )


def _is_real_number(f, points):
    """Whether f is a finite real number at each point (False where it cannot be computed)."""
    import numpy as np

    with np.errstate(all="ignore"):
        try:
            values = np.asarray(numpy_function(f)(points), dtype=complex)
        except (TypeError, ValueError, OverflowError, ZeroDivisionError):
            return np.zeros(points.shape, dtype=bool)
    values = np.broadcast_to(values, points.shape)
    return np.isfinite(values) & (values.imag == 0)


def _divisors(f) -> list:
    """The bases of f's negative powers: 1/(t - 0.1), and |t|^(-2/3) in the slope of |t|^(1/3)."""
    found = [
        node.base
        for node in sp.preorder_traversal(f)
        if isinstance(node, sp.Pow) and node.exp.is_negative and node.base.has(t)
    ]
    return sorted(set(found), key=sp.default_sort_key)


def _zero_of(divisor) -> float | None:
    """A real t where `divisor` is 0, or None if there is none. When SymPy cannot solve it, a
    sign change on a fine grid over [-1000, 1000] finds the zeros that a bisection could."""
    import numpy as np

    roots = _real_roots(divisor)
    if roots is not None:
        return float(roots[0]) if roots else None
    grid = np.linspace(-1000.0, 1000.0, 400_001)
    with np.errstate(all="ignore"):
        values = np.asarray(numpy_function(divisor)(grid), dtype=complex).real
    values = np.broadcast_to(values, grid.shape)
    crossing = (values[:-1] == 0) | (np.sign(values[:-1]) * np.sign(values[1:]) < 0)
    return float(grid[crossing.argmax()]) if crossing.any() else None
