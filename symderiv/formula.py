"""User activations: a formula in t, parsed by a whitelist over Python's `ast`.

Nothing the user writes is evaluated: the tree is walked node by node and only numbers, t,
+ − * / **, parentheses and the functions of `FUNCTIONS` become SymPy expressions. Anything
else (names, attributes, calls to other functions, lambdas, comprehensions, …) is refused with a
message naming it. Sizes are bounded so that no formula can take unbounded time or memory.
"""

from __future__ import annotations

import ast
import math

import sympy as sp

from .errors import UsageError
from .scalar import sigmoid, softplus, t

FUNCTIONS = {
    "exp": sp.exp,
    "log": sp.log,
    "sqrt": sp.sqrt,
    "tanh": sp.tanh,
    "sigmoid": sigmoid,
    "softplus": softplus,
    "erf": sp.erf,
    "abs": sp.Abs,
    "max": sp.Max,
    "min": sp.Min,
}
MAX_LENGTH = 200
MAX_NODES = 100
MAX_EXPONENT = 16


def parse_formula(text: str) -> sp.Expr:
    """The SymPy expression for `text`, a formula in t such as 't*tanh(softplus(t))'."""
    if len(text) > MAX_LENGTH:
        raise UsageError(f"formula is longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as e:
        raise UsageError(f"not a valid formula: {e.msg} at column {e.offset}") from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise UsageError(f"a formula has at most {MAX_NODES} parts")
    expr = _convert(tree.body, text)
    if not expr.has(t):
        raise UsageError("the formula does not depend on t")
    _check_defined(expr)
    return expr


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


def _check_defined(expr) -> None:
    """Refuse a formula that, or whose derivative, is not a finite real number at some probe:
    1/t and log(t) at 0, sqrt(t) below 0, exp(exp(exp(t))) where it overflows."""
    import numpy as np  # here, not above: only a formula needs it, and it takes 0.1 s to load

    probes = np.array(PROBES)
    for what, f in (("the formula", expr), ("its derivative", sp.diff(expr, t))):
        if f.has(sp.Derivative, sp.Subs):
            raise UsageError(f"{what} cannot be written in closed form: {f}")
        if f.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
            raise UsageError(f"{what} is not defined: it divides by zero")
        with np.errstate(all="ignore"):
            values = np.broadcast_to(np.asarray(numpy_function(f)(probes)), probes.shape)
        bad = ~np.isfinite(values) | (np.imag(values) != 0)
        if bad.any():
            at = probes[bad.argmax()]
            raise UsageError(
                f"{what} is not a finite real number at t = {at:g}; an activation must be "
                "defined, with its derivative, for every real input"
            )


_BINARY = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}


def _literal(node):
    """The value of a written number such as 2, -1, 0.5 or (1/3); None for anything else."""
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return sp.Rational(str(node.value))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = _literal(node.operand)
        return None if value is None else -value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        top, bottom = _literal(node.left), _literal(node.right)
        return None if top is None or not bottom else top / bottom
    return None


def _convert(node, text):
    def refuse(what):
        allowed = ", ".join(FUNCTIONS)
        return UsageError(
            f"{what} is not allowed in a formula; use numbers, t, + - * / **, parentheses "
            f"and {allowed}"
        )

    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return (
            sp.Rational(str(node.value))
            if isinstance(node.value, float)
            else sp.Integer(node.value)
        )
    if isinstance(node, ast.Name):
        if node.id == "t":
            return t
        raise refuse(f"the name {node.id!r}")
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _convert(node.operand, text)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return _BINARY[type(node.op)](_convert(node.left, text), _convert(node.right, text))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        # The exponent must be a written number, checked before anything is computed:
        # t**9**9**9 would otherwise build a number with hundreds of millions of digits.
        exponent = _literal(node.right)
        if exponent is None or abs(exponent) > MAX_EXPONENT:
            raise refuse(
                f"the exponent {ast.unparse(node.right)!r} (a number from "
                f"-{MAX_EXPONENT} to {MAX_EXPONENT} is)"
            )
        return _convert(node.left, text) ** exponent
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        name = node.func.id
        if name not in FUNCTIONS:
            raise refuse(f"the function {name!r}")
        args = [_convert(a, text) for a in node.args]
        if name in ("max", "min"):
            if len(args) != 2 or sum(a.is_number for a in args) != 1:
                raise refuse(f"{name} of {len(args)} arguments ({name}(t, c) with a number c is)")
        elif len(args) != 1:
            raise refuse(f"{name} of {len(args)} arguments")
        return FUNCTIONS[name](*args)
    raise refuse(f"{ast.unparse(node)!r}")
