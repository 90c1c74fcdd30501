"""Matrix-level expression nodes SymPy lacks, in a form its printers can walk.

`Elementwise(f, A)` is f applied to every entry of A (SymPy's own `applyfunc` breaks `cse`,
`diff` and the NumPy printer). The scalar nodes (`FrobeniusSq`, `Dot`, `LogSumExp`,
`GenericLoss`) turn vectors and matrices into one number per example. Each node can expand
itself over explicit matrices (`doit`), which is what the symbolic verification uses.
"""

from __future__ import annotations

import sympy as sp
from sympy.matrices.expressions import MatrixExpr
from sympy.printing.precedence import PRECEDENCE


def _explicit(m):
    m = m.doit()
    return m if isinstance(m, sp.MatrixBase) else None


class Elementwise(MatrixExpr):
    """f(A): the scalar function f (a Lambda) applied to each entry of A."""

    def __new__(cls, fn: sp.Lambda, arg):
        return sp.Basic.__new__(cls, fn, arg)

    fn = property(lambda self: self.args[0])
    arg = property(lambda self: self.args[1])
    shape = property(lambda self: self.arg.shape)

    def apply(self, value):
        """f(value); `subs` rather than a call, so that φ′ of an expression becomes Subs(…)."""
        return self.fn.expr.subs(self.fn.variables[0], value)

    def _entry(self, i, j, **kwargs):
        return self.apply(self.arg._entry(i, j, **kwargs))

    def doit(self, **hints):
        arg = self.arg.doit(**hints)
        if isinstance(arg, sp.MatrixBase):
            return arg.applyfunc(self.apply)
        return Elementwise(self.fn, arg)

    def _eval_transpose(self):
        return Elementwise(self.fn, self.arg.T)


class Softmax(MatrixExpr):
    """softmax(v) for a column vector v: e^{v_i} / Σ_k e^{v_k}."""

    def __new__(cls, arg):
        return sp.Basic.__new__(cls, arg)

    arg = property(lambda self: self.args[0])
    shape = property(lambda self: self.arg.shape)

    def doit(self, **hints):
        v = _explicit(self.arg)
        if v is None:
            return Softmax(self.arg.doit(**hints))
        e = v.applyfunc(sp.exp)
        return e / sum(e)


class _ScalarOf(sp.Expr):
    """A number computed from matrices (one per example in batch form)."""

    is_commutative = True

    def __new__(cls, *args):
        return sp.Basic.__new__(cls, *args)


class FrobeniusSq(_ScalarOf):
    """‖A‖²_F, the sum of the squares of A's entries (‖v‖² for a vector)."""

    # printed as a power, ‖A‖², so a power of it is grouped: (‖A‖²)², not ‖A‖²²
    precedence = PRECEDENCE["Pow"]

    def doit(self, **hints):
        a = _explicit(self.args[0])
        return FrobeniusSq(self.args[0].doit(**hints)) if a is None else sum(e**2 for e in a)


class Dot(_ScalarOf):
    """uᵀv for two column vectors."""

    def doit(self, **hints):
        u, v = (_explicit(a) for a in self.args)
        if u is None or v is None:
            return Dot(*(a.doit(**hints) for a in self.args))
        return sum(a * b for a, b in zip(u, v))


class Total(_ScalarOf):
    """1ᵀv, the sum of a column vector's entries."""

    def doit(self, **hints):
        v = _explicit(self.args[0])
        return Total(self.args[0].doit(**hints)) if v is None else sum(v)


class LogSumExp(_ScalarOf):
    """log Σ_k e^{v_k} for a column vector v."""

    def doit(self, **hints):
        v = _explicit(self.args[0])
        return LogSumExp(self.args[0].doit(**hints)) if v is None else sp.log(sum(map(sp.exp, v)))


class Single(_ScalarOf):
    """The one entry of a 1 × 1 product such as yᵀXw, as a scalar."""

    def doit(self, **hints):
        m = self.args[0].doit(**hints)
        return m[0, 0] if isinstance(m, sp.MatrixBase) else Single(m)


class GenericLoss(_ScalarOf):
    """l(o, y) for an unspecified loss l, kept symbolic as in the section."""

    def doit(self, **hints):
        o, y = (_explicit(a) for a in self.args)
        if o is None or y is None:
            return GenericLoss(*(a.doit(**hints) for a in self.args))
        return sp.Function("l")(*o, *y)


def scaled(c, m):
    """c·m without the noise of a factor 1."""
    return m if c == 1 else sp.MatMul(c, m)


def total(terms):
    """The sum of matrix terms in the given order (the derivation's order is meaningful)."""
    return terms[0] if len(terms) == 1 else sp.MatAdd(*terms)


def is_step(factor) -> bool:
    """Whether a ⊙ factor is the step 1(z > 0) of an array z (ReLU′ of its argument), which
    the code multiplies as a boolean."""
    return (
        isinstance(factor, Elementwise)
        and isinstance(factor.fn.expr, sp.Heaviside)
        and factor.fn.expr.args[0] == factor.fn.variables[0]
    )
