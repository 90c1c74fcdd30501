"""User activations: a formula in t, parsed by a whitelist over Python's `ast`.

Nothing the user writes is evaluated: the tree is walked node by node and only numbers, t,
+ − * / **, parentheses and the functions of `FUNCTIONS` become SymPy expressions. Anything
else (names, attributes, calls to other functions, lambdas, comprehensions, …) is refused with a
message naming it. Before `ast` sees the text, every character must be one a formula can hold:
a comment, a string, a backslash or a control character never gets that far, and the text
itself never reaches an output file (the printed expression does). Sizes, literals and
exponents are bounded so that no formula can take unbounded time or memory.
"""

from __future__ import annotations

import ast
import math
import re

import sympy as sp

from .domain import check_defined, kinks
from .errors import UsageError, shown
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
MAX_LITERAL = 10**6  # the largest magnitude of a number written in a formula
# What a formula may hold: letters, digits, spaces, . , _ + - * / ( ). Anything else (#, quotes,
# backslashes, control characters, non-ASCII look-alikes of t) is refused before parsing.
_ALLOWED = re.compile(r"[A-Za-z0-9_ .,+\-*/()]*")
_WHY = {"#": " (a comment)", "'": " (a string)", '"': " (a string)", "\\": " (a backslash)"}


def parse_formula(text: str) -> sp.Expr:
    """The SymPy expression for `text`, a formula in t such as 't*tanh(softplus(t))'."""
    if len(text) > MAX_LENGTH:
        raise UsageError(f"formula is longer than {MAX_LENGTH} characters")
    bad = _ALLOWED.match(text).end()
    if bad < len(text):
        char = text[bad]
        raise UsageError(
            f"the character {char!r}{_WHY.get(char, '')} at column {bad + 1} is not allowed in "
            "a formula; use letters, digits, spaces and . , + - * / ( )"
        )
    source = text.strip()
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as e:
        raise UsageError(f"not a valid formula: {e.msg} at column {e.offset}") from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise UsageError(f"a formula has at most {MAX_NODES} parts")
    expr = _convert(tree.body, source)
    if not expr.has(t):
        raise UsageError("the formula does not depend on t")
    check_defined(expr)
    kinks(expr)  # refused here if its kinks cannot be found
    return expr


def number(text: str, what: str) -> sp.Rational:
    """A written number, finite and at most MAX_LITERAL in magnitude, as an exact rational."""
    try:
        value = float(text) if len(text) <= 40 else math.nan
    except (TypeError, ValueError):
        raise UsageError(f"{what}, {shown_number(text)}, is not a number") from None
    if not math.isfinite(value) or abs(value) > MAX_LITERAL:
        raise UsageError(
            f"{what}, {shown_number(text)}, is not allowed; expected a number from "
            f"-{MAX_LITERAL:,} to {MAX_LITERAL:,}"
        )
    return sp.Rational(repr(value))


_BINARY = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}


def _constant(node, source: str) -> sp.Rational:
    """A number written in the formula, exactly: 2, 0.5, 1e-3. Refused when it is not finite or
    larger than MAX_LITERAL in magnitude (1e999 is inf to Python; 10**30 digits are not a size
    anyone needs)."""
    value = node.value
    if not math.isfinite(value) or abs(value) > MAX_LITERAL:
        written = ast.get_source_segment(source, node)
        raise UsageError(
            f"the number {shown_number(written)} is not allowed in a formula; a number is "
            f"finite and at most {MAX_LITERAL:,} in magnitude"
        )
    return sp.Rational(str(value)) if isinstance(value, float) else sp.Integer(value)


def _literal(node, source: str):
    """The value of a written number such as 2, -1, 0.5 or (1/3); None for anything else."""
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return _constant(node, source)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = _literal(node.operand, source)
        return None if value is None else -value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        top, bottom = _literal(node.left, source), _literal(node.right, source)
        return None if top is None or not bottom else top / bottom
    return None


def _refuse(what: str) -> UsageError:
    return UsageError(
        f"{what} is not allowed in a formula; use numbers, t, + - * / **, parentheses and "
        f"{', '.join(FUNCTIONS)}"
    )


def _convert(node, source: str):
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return _constant(node, source)
    if isinstance(node, ast.Name):
        if node.id == "t":
            return t
        raise _refuse(f"the name {node.id!r}")
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _convert(node.operand, source)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return _BINARY[type(node.op)](_convert(node.left, source), _convert(node.right, source))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        # The exponent must be a written number, checked before anything is computed:
        # t**9**9**9 would otherwise build a number with hundreds of millions of digits.
        exponent = _literal(node.right, source)
        if exponent is None or abs(exponent) > MAX_EXPONENT:
            written = ast.get_source_segment(source, node.right)
            raise UsageError(
                f"the exponent {shown_number(written)} is not allowed in a "
                f"formula; an exponent is a written number from -{MAX_EXPONENT} to {MAX_EXPONENT}"
            )
        return _convert(node.left, source) ** exponent
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        name = node.func.id
        if name not in FUNCTIONS:
            raise _refuse(f"the function {name!r}")
        args = [_convert(a, source) for a in node.args]
        if name in ("max", "min"):
            if len(args) != 2 or sum(a.is_number for a in args) != 1:
                raise UsageError(
                    f"{name} of {len(args)} arguments is not allowed in a formula; {name} takes "
                    f"an expression in t and a number, as {name}(t, 0)"
                )
        elif len(args) != 1:
            raise _refuse(f"{name} of {len(args)} arguments")
        return FUNCTIONS[name](*args)
    raise _refuse(shown(ast.unparse(node)))


def shown_number(text: str) -> str:
    return shown(text, 40)
