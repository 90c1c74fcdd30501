"""Where a printed operand needs parentheses: one rule for every printer, from precedence.

Each printer prints an entrywise function f(A) as f's body with the printed A standing for
t. That argument is already text when the body is printed, so it stands in the body as a
`Slot`: a symbol that binds as loosely as the argument's printed form does. The printers'
own precedence rules (SymPy's `parenthesize`, and `is_compound` below) then group it like any
other operand, so that (x + b)², 2 (b + x) and (b + x) tanh(b + x) keep their parentheses.

How loosely a text binds is read from the text itself, at its top level (outside every
bracket), by the grammar of the language it is in: `python_binding` for code,
`text_binding` for the one-line math of docstrings, `latex_binding` for LaTeX.
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.precedence import PRECEDENCE, precedence

from ..exprs import Elementwise

RELATIONAL, ADD, MUL, POW, ATOM = (
    PRECEDENCE[k] for k in ("Relational", "Add", "Mul", "Pow", "Atom")
)


class Slot(sp.Dummy):
    """The printed argument of an entrywise function, in the function's body; `precedence`
    (read by SymPy's printers) is how loosely the printed argument binds."""

    def __new__(cls, binding: int = ATOM):
        slot = super().__new__(cls, "_arg", real=True)
        slot.precedence = binding
        return slot


# SymPy orders a product's factors by their classes' names: named as the plain symbol t it
# stands for, a slot leaves f's body in the order it had (σ(z) (1 − σ(z))); the printers
# print it as a Symbol, from the names they were given.
Slot.__name__ = "Symbol"


def binding(expr) -> int:
    """How loosely `expr`'s printed form binds, as SymPy's `precedence` tells it, with the
    matrix operations and the slots of entrywise functions added."""
    if isinstance(expr, Slot):
        return expr.precedence
    if isinstance(expr, Elementwise):
        body, (t,) = expr.fn.expr, expr.fn.variables
        return binding(expr.arg) if body == t else precedence(body)
    if isinstance(expr, (sp.MatAdd, sp.Add)):
        return ADD
    if isinstance(expr, (sp.MatMul, sp.HadamardProduct)):
        return MUL
    return precedence(expr)


def is_compound(expr) -> bool:
    """Whether `expr` needs parentheses as a factor of a product: a sum, a ⊙ (in a matrix
    product), or an entrywise function printed as one. A matrix product is not: the section
    writes ∂J/∂h ⊙ W x, juxtaposition binding before ⊙."""
    return binding(expr) <= MUL and not isinstance(expr, sp.MatMul)


def is_sum(expr) -> bool:
    """Whether `expr` needs parentheses as a factor of ⊙ or of a scalar product, which
    associate with any product of entries: only a sum, or what is printed as one."""
    return binding(expr) < MUL


def grouped(text: str, operators: str = "@*/+-") -> str:
    """Python code as an operand: in parentheses if one of the binary `operators` stands at
    its top level (a @ b, like a * b, binds to its left in Python); with "**" among them,
    a power too (the operand of .dtype: (b**3).dtype)."""
    top = _top(text)
    ops = [op for op in operators.split("**")[0]] + ["**"] * ("**" in operators)
    if any(f" {op} " in top for op in ops) or ("**" in ops and "**" in top):
        return f"({text})"
    return text


def _top(text: str) -> str:
    """`text` with every bracketed part, brackets included, blanked out: what is left is its
    top level, position for position."""
    out, depth = [], 0
    for ch in text:
        depth += ch in "([{"
        out.append(ch if depth == 0 else "\0")
        depth -= ch in ")]}"
    return "".join(out)


def python_binding(text: str) -> int:
    """How loosely a Python expression binds: a comparison, a sum at a binary + or -, a
    product at * / @ or a leading unary minus (Python's -a**2 is -(a**2)), a power at **,
    else an atom (a name, a number, a call, an attribute, a parenthesized group)."""
    top = _top(text)
    if any(op in top for op in (" > ", " < ", " >= ", " <= ", " if ")):
        return RELATIONAL
    if any(op in top[1:] for op in (" + ", " - ")):
        return ADD
    products = top.replace("**", "")
    if top.startswith("-") or any(op in products for op in ("*", "/", "@")):
        return MUL
    return POW if "**" in top else ATOM


def text_binding(text: str) -> int:
    """How loosely the one-line math of a docstring binds: a sum at + or - (or a leading
    minus), a product at a space (juxtaposition, ⊙) or a /, else an atom (a name, a call,
    a postfix ᵀ or ²)."""
    top = _top(text)
    if top.startswith("-") or any(op in top for op in (" + ", " - ", " if ")):
        return ADD
    return MUL if any(op in top for op in (" ", "/")) else ATOM


def latex_binding(text: str) -> int:
    """How loosely LaTeX binds: a sum at + or - (or a leading minus), a product at a space
    (juxtaposition, \\odot) or a fraction, a power at a superscript, else an atom."""
    top = _top(text)
    if top.startswith("-") or any(op in top for op in (" + ", " - ")):
        return ADD
    if text.startswith(r"\frac") or " " in top.strip():
        return MUL
    return POW if "^" in top else ATOM
