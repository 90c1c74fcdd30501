"""A graph's equations ("h = relu(z)"), parsed by a whitelist over Python's `ast` and checked.

Nothing is evaluated: each equation's right side is walked node by node, and only numbers,
declared or defined names, + - * / ** @, .T and the functions of `FUNCTIONS` become `Node`s,
each with its shape and whether it is per example. Every refusal names the equation (its
index and its text), the column, and what is allowed: an unknown name, a name used before its
equation or defined twice, shapes that do not match (both given), an operation symderiv
cannot differentiate, an objective that is not a scalar or that mixes per-example and shared
terms in a way a minibatch cannot reduce.
"""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass

from ..errors import UsageError, shown
from .shapes import SCALAR, Shape

MAX_EQUATIONS = 1024  # a dense preset of 256 hidden layers has 516
MAX_LENGTH = 8192  # characters of one equation (a 256-layer weight decay has 4,019)
MAX_NODES = 4096  # parts of one equation (its weight decay: 8 per layer)
MAX_EXPONENT = 16
MAX_LITERAL = 10**6
# What an equation may hold: letters, digits, spaces, = . , _ + - * / @ ( ). A comment, a
# string, a backslash or a control character is refused before `ast` sees the text.
_ALLOWED = re.compile(r"[A-Za-z0-9_ .,=+\-*/@()]*")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,31}")

# Functions by the shapes they take: entrywise (any array or scalar), reductions to a scalar,
# vector maps, the losses of (o, y), and the square-matrix functions of shared matrices.
ENTRYWISE = (
    "relu sigmoid tanh softplus silu gelu gelu_tanh identity leaky_relu elu exp log sqrt abs"
).split()
REDUCTIONS = ("sum", "norm", "trace", "dot", "logsumexp")
VECTOR_MAPS = ("softmax", "log_softmax")
LOSSES = ("l", "squared", "softmax_cross_entropy", "sigmoid_cross_entropy")  # l: the section's
SQUARE = ("inv", "det", "logdet")
FUNCTIONS = (*ENTRYWISE, *REDUCTIONS, *VECTOR_MAPS, *LOSSES, *SQUARE)
ARITY = {"dot": 2, **{loss: 2 for loss in LOSSES}}


@dataclass(frozen=True)
class Node:
    """One operation of an equation's right side. `op` is "ref" (a quantity, `name`), "number"
    (`name` is its text), "neg", "add", "sub", "scale" (a scalar times anything), "hadamard"
    (⊙ of two arrays of one shape), "div" (by a scalar), "matmul", "transpose", "pow"
    (`name` is the whole exponent) or "call" (`name` is the function)."""

    op: str
    args: tuple
    shape: Shape
    name: str = ""
    column: int = 0
    formula: object = None  # for a function the graph declares: its formula, a Lambda in t


@dataclass(frozen=True)
class Equation:
    target: str
    expr: Node
    index: int  # its place in the list, from 0


@dataclass(frozen=True)
class Declared:
    """What a graph declares, by kind: {name: Shape} for inputs, parameters and constants;
    hyperparameters are shared scalars."""

    inputs: dict
    parameters: dict
    constants: dict
    hyperparameters: tuple
    functions: dict = None  # {name: Activation}: formulas in t the equations apply entrywise

    def shapes(self) -> dict:
        scalars = {name: SCALAR for name in self.hyperparameters}
        return {**self.inputs, **self.parameters, **self.constants, **scalars}


def parse_equations(texts, declared: Declared, source: str) -> tuple:
    """The Equations of `texts` ("name = expression" each), in order, checked against what is
    declared and against each other."""
    if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
        raise UsageError(f"{source}: equations must be a non-empty list of strings")
    if len(texts) > MAX_EQUATIONS:
        raise UsageError(f"{source}: a graph has at most {MAX_EQUATIONS} equations")
    known = declared.shapes()
    later = {}
    for k, text in enumerate(texts):
        target = text.split("=", 1)[0].strip()
        later.setdefault(target, k)
    equations = []
    for k, text in enumerate(texts):
        where = f"{source}: equations[{k}] {shown(text)}"
        target, body, offset = _split(text, where)
        if target in declared.shapes():
            raise UsageError(f"{where}: {target!r} is declared; an equation defines a new name")
        if target in known:
            raise UsageError(f"{where}: {target!r} is defined twice")
        expr = _Reader(body, offset, known, later, k, where, declared.functions or {}).read()
        known[target] = expr.shape
        equations.append(Equation(target, expr, k))
    return tuple(equations)


def _split(text: str, where: str) -> tuple[str, str, int]:
    """(target, right side, the right side's column offset) of "target = right side"."""
    if len(text) > MAX_LENGTH:
        raise UsageError(f"{where}: an equation has at most {MAX_LENGTH} characters")
    bad = _ALLOWED.match(text).end()
    if bad < len(text):
        raise UsageError(
            f"{where}: the character {text[bad]!r} at column {bad + 1} is not allowed; an "
            "equation holds letters, digits, spaces and = . , _ + - * / @ ( )"
        )
    target, equals, body = text.partition("=")
    target = target.strip()
    if not equals or "=" in body:
        raise UsageError(f"{where}: expected one '=' between a name and an expression")
    if not _NAME.fullmatch(target) or target in FUNCTIONS or target == "T":
        raise UsageError(
            f"{where}: {target!r} cannot be defined; expected a name such as z, h1 or loss "
            "that is not a function's"
        )
    return target, body, len(text) - len(body)


class _Reader:
    """Walks one right side, node by node, into Nodes with shapes."""

    def __init__(self, body, offset, known, later, index, where, functions):
        self.body, self.offset, self.known, self.later = body, offset, known, later
        self.index, self.where, self.functions = index, where, functions

    def read(self) -> Node:
        source = self.body.strip()
        shift = self.offset + len(self.body) - len(self.body.lstrip())
        self.shift = shift
        try:
            tree = ast.parse(source, mode="eval")
        except SyntaxError as e:
            raise UsageError(
                f"{self.where}: not an expression: {e.msg} at column {shift + (e.offset or 1)}"
            ) from None
        if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
            raise UsageError(f"{self.where}: an equation has at most {MAX_NODES} parts")
        return self.node(tree.body)

    def fail(self, node, why: str):
        column = self.shift + getattr(node, "col_offset", 0) + 1
        raise UsageError(f"{self.where}: {why} (column {column})")

    def node(self, node) -> Node:
        column = self.shift + getattr(node, "col_offset", 0) + 1
        if isinstance(node, ast.Name):
            return self.ref(node, column)
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            value = float(node.value)
            if not math.isfinite(value) or abs(value) > MAX_LITERAL:
                self.fail(node, f"the number {node.value!r} is not allowed; at most 1e6")
            return Node("number", (), SCALAR, repr(node.value), column)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            inner = self.node(node.operand)
            return inner if isinstance(node.op, ast.UAdd) else Node("neg", (inner,), inner.shape)
        if isinstance(node, ast.BinOp):
            return self.binary(node, column)
        if isinstance(node, ast.Attribute) and node.attr == "T":
            inner = self.node(node.value)
            if inner.shape.is_scalar:
                self.fail(node, "a scalar has no transpose")
            rows, cols = inner.shape.dims
            return Node("transpose", (inner,), Shape((cols, rows), inner.shape.per_example))
        if isinstance(node, ast.Call):
            return self.call(node, column)
        self.fail(node, f"{_what(node)} is not allowed in an equation")

    def ref(self, node, column) -> Node:
        name = node.id
        if name in self.known:
            return Node("ref", (), self.known[name], name, column)
        if name in self.later and self.later[name] > self.index:
            self.fail(
                node, f"{name!r} is used before its equation (equations[{self.later[name]}])"
            )
        if name in FUNCTIONS:
            self.fail(node, f"{name!r} is a function; call it, as {name}(…)")
        self.fail(node, f"unknown name {name!r}; {_names(self.known)}")

    def binary(self, node, column) -> Node:
        if isinstance(node.op, ast.Pow):
            return self.power(node, column)
        left, right = self.node(node.left), self.node(node.right)
        a, b = left.shape, right.shape
        each = a.per_example or b.per_example
        sign = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.MatMult: "@"}
        symbol = sign.get(type(node.op))
        if symbol is None:
            self.fail(node, f"the operator {_what(node.op)} is not allowed")
        if symbol in "+-":  # a scalar and an array: the scalar in every entry (1 - t)
            if a.dims != b.dims and not (a.is_scalar or b.is_scalar):
                self.fail(node, f"{symbol} needs two terms of one shape, not {a} and {b}")
            dims = b.dims if a.is_scalar else a.dims
            return Node("add" if symbol == "+" else "sub", (left, right), Shape(dims, each))
        if symbol == "*":
            if a.is_scalar or b.is_scalar:
                scalar, other = (left, right) if a.is_scalar else (right, left)
                return Node("scale", (scalar, other), Shape(other.shape.dims, each))
            if a.dims != b.dims:
                self.fail(node, f"* of two arrays (⊙) needs one shape, not {a} and {b}")
            return Node("hadamard", (left, right), Shape(a.dims, each))
        if symbol == "/":
            if not b.is_scalar:
                self.fail(node, f"/ divides by a scalar, not by {b}")
            return Node("div", (left, right), Shape(a.dims, each))
        if a.is_scalar or b.is_scalar:
            self.fail(node, f"@ multiplies arrays, not {a} and {b}; use * for a scalar")
        if a.dims[1] != b.dims[0]:
            self.fail(
                node, f"@ of {a} and {b}: the inner sizes {a.dims[1]} and {b.dims[0]} differ"
            )
        dims = (a.dims[0], b.dims[1])
        return Node("matmul", (left, right), Shape(() if dims == (1, 1) else dims, each))

    def power(self, node, column) -> Node:
        base = self.node(node.left)
        exponent = node.right
        negative = isinstance(exponent, ast.UnaryOp) and isinstance(exponent.op, ast.USub)
        value = exponent.operand if negative else exponent
        if not (isinstance(value, ast.Constant) and type(value.value) is int):
            self.fail(node, "an exponent is a whole number written in the equation, such as 2")
        k = -value.value if negative else value.value
        if abs(k) > MAX_EXPONENT:
            self.fail(node, f"the exponent {k} is not allowed; from -16 to 16")
        return Node("pow", (base,), base.shape, str(k), column)

    def call(self, node, column) -> Node:
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name in self.functions:  # a formula in t the graph declares, applied entrywise
            if len(node.args) != 1 or node.keywords:
                self.fail(node, f"{name}(…) takes 1 argument")
            (arg,) = (self.node(a) for a in node.args)
            formula = self.functions[name].fn
            return Node("call", (arg,), arg.shape, name, column, formula)
        if name not in FUNCTIONS:
            called = name if name else _what(node.func)
            self.fail(node, f"{called!r} is not a function symderiv can differentiate; "
                      f"expected one of {', '.join(FUNCTIONS)}")  # fmt: skip
        if node.keywords:
            self.fail(node, f"{name}(…) takes no keyword arguments")
        arity = ARITY.get(name, 1)
        if len(node.args) != arity:
            self.fail(node, f"{name}(…) takes {arity} argument{'s' if arity > 1 else ''}")
        args = tuple(self.node(a) for a in node.args)
        shapes = [a.shape for a in args]
        each = any(s.per_example for s in shapes)
        (first, *_) = shapes
        if name in ENTRYWISE:
            return Node("call", args, first, name, column)
        if name in ("sum", "norm"):
            return Node("call", args, Shape((), each), name, column)
        if name in ("dot", *LOSSES):
            a, b = shapes
            if a.dims != b.dims or a.is_scalar or a.dims[1] != 1:
                self.fail(node, f"{name}(…) takes two column vectors of one size, not {a} and {b}")
            return Node("call", args, Shape((), each), name, column)
        if name in (*VECTOR_MAPS, "logsumexp"):
            if first.is_scalar or first.dims[1] != 1:
                self.fail(node, f"{name}(…) takes a column vector, not {first}")
            shape = Shape((), each) if name == "logsumexp" else first
            return Node("call", args, shape, name, column)
        if not first.is_square:  # trace and the square-matrix functions
            self.fail(node, f"{name}(…) takes a square matrix, not {first}")
        if name in SQUARE and each:
            self.fail(
                node,
                f"{name}(…) takes a shared matrix (parameters and constants), not one per example",
            )
        shape = first if name == "inv" else Shape((), each)
        return Node("call", args, shape, name, column)


def _what(node) -> str:
    names = {
        ast.Compare: "a comparison", ast.BoolOp: "and/or", ast.Lambda: "a lambda",
        ast.Subscript: "indexing", ast.Attribute: "an attribute other than .T",
        ast.Mod: "%", ast.FloorDiv: "//", ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^",
        ast.LShift: "<<", ast.RShift: ">>", ast.Tuple: "a tuple", ast.List: "a list",
    }  # fmt: skip
    return names.get(type(node), type(node).__name__)


def _names(known: dict) -> str:
    listed = ", ".join(sorted(known, key=str.lower)[:20])
    return f"the names so far are {listed}" if known else "nothing is declared yet"
