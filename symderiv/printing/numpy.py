"""NumPy in batch form: one example per row, as NumPy users expect.

The derivation is written for one example, with column vectors. A column vector v becomes the
matrix V whose rows are the examples' vᵀ, so products flip: W v → V @ W.T, Wᵀ g → G @ W, and
the outer product g vᵀ (summed over the examples, as a parameter is shared by all of them)
→ G.T @ V. Everything is printed with the spacing the formatter would give it.
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.precedence import PRECEDENCE

from ..exprs import Elementwise, FrobeniusSq, _ScalarOf, is_step
from ..naming import LAMBDA
from .common import DerivationPrinting
from .precedence import grouped, is_compound, python_binding


class BatchNumPyPrinter(DerivationPrinting, NumPyPrinter):
    """Prints derivation expressions as NumPy code over a batch (see the module docstring).

    `stored` maps ("logsumexp", v) to the name of the array forward kept for logsumexp(v);
    `extra` maps symbols to names of their own (predict calls every layer A).
    """

    ns = "np"  # the namespace the functions NumPy and the Array API share are called from
    text_binding = staticmethod(python_binding)

    def __init__(self, variables, stored=None, extra=None):
        super().__init__({"fully_qualified_modules": True})
        self._use_names(variables, extra)
        self._stored = stored if stored is not None else {}
        self.helpers = set()  # helper functions the printed code calls (erf, logsumexp)

    def _print(self, expr, **kwargs):
        # An irrational constant (√2, π) as a Python float: NumPy's own scalars, such as
        # np.sqrt(2), would turn float32 arrays into float64 ones.
        if isinstance(expr, sp.Expr) and expr.is_number and expr.is_real and not expr.is_Rational:
            return repr(float(expr))
        return super()._print(expr, **kwargs)

    def _module_format(self, fqn, register=True):
        return super()._module_format(fqn, register).replace("numpy.", f"{self.ns}.", 1)

    # -- names ---------------------------------------------------------------------------
    def _lookup(self, expr):
        # What forward kept of the loss's formula (R = O - Y) has one row per example.
        kept = self._stored.get(("shared", expr))
        return (kept, None, None) if kept is not None else super()._lookup(expr)

    def _name(self, expr):
        if expr == LAMBDA:
            return "lam"
        found = self._lookup(expr)
        if found is None:
            return str(expr)
        text, var, role = found
        if var is None:
            return text
        if role == "tangent" and var.kind == "param":
            return "v" + var.code  # R{θ} is the direction's entry V[θ]
        return {"value": "", "adjoint": "d", "tangent": "r", "adjoint_tangent": "rd"}[
            role
        ] + var.code

    def _print_Symbol(self, expr):
        return self._name(expr)

    _print_MatrixSymbol = _print_Symbol

    # -- matrices ------------------------------------------------------------------------
    def _operand(self, expr):
        text = self._print(expr)
        return f"({text})" if is_compound(expr) else text

    def _flipped(self, factor):
        """The code for factorᵀ, where factor is a parameter or a parameter's transpose."""
        if isinstance(factor, sp.Transpose):
            return self._operand(factor.arg)
        return f"{self._operand(factor)}.T"

    def _print_MatMul(self, expr):
        coeff, factors = expr.as_coeff_matrices()
        last = factors[-1]
        number, each = coeff.as_coeff_Mul()
        if len(factors) == 1 and isinstance(each, _ScalarOf) and self.batched(each):
            # a number per example (pᵀR{o}) times a row per example: a column of numbers
            body = f"{self._operand(last)} * {self._print(each)}[:, None]"
            return self._scale(number, body, False)
        if len(factors) == 1:
            return self._scale(coeff, self._print(last), is_compound(last))
        if (
            len(factors) == 3
            and isinstance(factors[1], sp.Transpose)
            and all(map(self.batched, factors))
        ):
            # u vᵀ w for three vectors of each example: u times the row-wise dot product vᵀ w.
            u, v, w = self._operand(factors[0]), self._operand(factors[1].arg), self._operand(last)
            body = f"{u} * ({v} * {w}).sum(axis=1)[:, None]"
        elif len(factors) == 2:
            body = " @ ".join(self.product_operands(factors))
        elif self.batched(last):
            if any(self.batched(f) for f in factors[:-1]):
                raise NotImplementedError(f"no batch form for the product {expr}")
            flipped = [self._flipped(f) for f in reversed(factors[:-1])]
            body = " @ ".join([self._operand(last)] + flipped)
        else:
            body = " @ ".join(self._operand(f) for f in factors)
        return self._scale(coeff, body, False)

    def product_operands(self, factors):
        """The two operands of the batch form of the product of two factors, a @ b."""
        first, last = factors
        if isinstance(last, sp.Transpose) and self.batched(last):
            return f"{self._operand(first)}.T", self._operand(last.arg)
        if self.batched(last):
            if self.batched(first):
                raise NotImplementedError(f"no batch form for the product {first * last}")
            return self._operand(last), self._flipped(first)
        return self._operand(first), self._operand(last)

    def _scale(self, coeff, body, compound):
        """coeff · body, where `compound` says whether body needs parentheses as a factor."""
        num, den = sp.fraction(coeff)
        if num == 1 and den == 1:
            return body
        if compound:
            body = f"({body})"
        if num == -1:
            body = f"-{body}"
        elif num != 1:
            body = f"{self._print(num)} * {body}"
        return body if den == 1 else f"{body} / {self._print(den)}"

    def _print_Transpose(self, expr):
        return self._flipped(expr.arg)

    def _print_HadamardProduct(self, expr):
        # a step 1(z > 0) last: a boolean array first, times a number, would be an integer
        # array, and an integer array times a float32 one is float64; a factor 1 / X divides
        steps = [a for a in expr.args if is_step(a)]
        texts = [self._factor_of_product(a) for a in expr.args if not is_step(a)]
        texts += [self._factor_of_product(a) for a in steps]
        out = texts[0]
        for text in texts[1:]:
            out += f" / {text[4:]}" if text.startswith("1 / ") else f" * {text}"
        return out

    def _factor_of_product(self, arg):
        """A factor of ⊙ (*): in parentheses if it is a sum or holds an @, not for a product
        (* is associative entry by entry); a step 1(z > 0) is the boolean (Z > 0), which a
        product of arrays takes as 0 and 1 in the other factor's dtype."""
        if is_step(arg):
            return f"({self._print(arg.arg)} > 0)"
        return grouped(self._print(arg), "@+-")

    def _print_Softmax(self, expr):
        if ("softmax", expr.arg) in self._stored:
            return self._stored[("softmax", expr.arg)]
        lse = self._stored.get(("logsumexp", expr.arg))
        if lse is None:
            raise NotImplementedError("softmax needs the logsumexp that forward keeps")
        return f"np.exp({self._print(expr.arg)} - {lse}[:, None])"

    # -- numbers per example -------------------------------------------------------------
    def _print_FrobeniusSq(self, expr):
        (m,) = expr.args
        if self.batched(m) and isinstance(m, sp.MatrixSymbol):
            return f'np.einsum("ij,ij->i", {self._print(m)}, {self._print(m)})'
        if self.batched(m):
            return f"({self._pow(m, 2)}).sum(axis=1)"
        return f"np.vdot({self._print(m)}, {self._print(m)})"

    def _print_Dot(self, expr):
        u, v = expr.args
        if isinstance(u, sp.MatrixSymbol) and isinstance(v, sp.MatrixSymbol):
            return f'np.einsum("ij,ij->i", {self._print(u)}, {self._print(v)})'  # no u * v array
        return f"({self._operand(u)} * {self._operand(v)}).sum(axis=1)"

    def _print_Total(self, expr):
        return f"{self._summand(expr.args[0])}.sum(axis=1)"

    def _summand(self, expr):
        """expr as the object of a method call: parenthesized unless it is a name or one call,
        such as np.logaddexp(0, O)."""
        text = self._print(expr)
        call = isinstance(expr, Elementwise) and isinstance(expr.fn.expr, sp.Function)
        return text if text.isidentifier() or call else f"({text})"

    def _print_softplus(self, expr):
        return f"{self.ns}.logaddexp(0, {self._print(expr.args[0])})"

    def _print_LogSumExp(self, expr):
        self.helpers.add("logsumexp")
        return self._stored[("logsumexp", expr.args[0])]

    # -- scalar formulas, spaced as the formatter wants ------------------------------------
    def _weights_squared(self, expr):
        """The weights of ‖W1‖² + ‖W2‖² + … with more than two terms; None for other sums."""
        squares = [t.args[0] for t in expr.args if isinstance(t, FrobeniusSq)]
        if len(squares) == len(expr.args) > 2 and not any(map(self.batched, squares)):
            return squares
        return None

    def parenthesize(self, item, level, strict=False):
        if isinstance(item, sp.Add) and self._weights_squared(item):
            return self._print(item)  # a call, sum(…), needs no parentheses
        return super().parenthesize(item, level, strict)

    def _print_Add(self, expr):
        weights = self._weights_squared(expr)
        if weights:
            # Many weights: one sum over them, as one would write it by hand.
            names = ", ".join(self._print(w) for w in weights)
            return f"sum(np.vdot(W, W) for W in ({names}))"
        return self._join_terms([self._print(t) for t in expr.args])

    def _print_Mul(self, expr):
        numbers = [a for a in expr.args if a.is_number]
        if any(not a.is_Rational for a in numbers):
            # √2/√π (A + …): the numbers as one Python float in front, 0.797… * (A + …)
            rest = sp.Mul(*(a for a in expr.args if not a.is_number))
            value = float(sp.Mul(*numbers))
            text = self.parenthesize(rest, PRECEDENCE["Mul"])
            return f"-{-value!r} * {text}" if value < 0 else f"{value!r} * {text}"
        num, den = sp.fraction(expr, exact=True)
        if den != 1:
            top = self.parenthesize(num, PRECEDENCE["Mul"], strict=True)
            return f"{top} / {self.parenthesize(den, PRECEDENCE['Mul'])}"
        coeff, factors = expr.as_coeff_mul()
        texts = [self.parenthesize(f, PRECEDENCE["Mul"]) for f in factors]
        if coeff == -1:
            return "-" + " * ".join(texts)
        if coeff != 1:
            texts.insert(0, self._print(coeff))
        return " * ".join(texts)

    def _pow(self, base, exp):
        # a power of a power is grouped: Python's ** is right-associative (X**3**2 is X**9)
        b = self._print(base)
        b = f"({b})" if python_binding(b) <= PRECEDENCE["Pow"] else b
        simple = b.replace("_", "").replace(".", "").isalnum()
        return f"{b}**{exp}" if simple else f"{b} ** {exp}"

    def _print_HadamardPower(self, expr):  # A ⊙ A, as SymPy folds it where a sum is rebuilt
        return self._pow(expr.base, self._print(expr.exp))

    def _print_Pow(self, expr, rational=False):
        if expr.exp == -1:
            return f"1 / {self.parenthesize(expr.base, PRECEDENCE['Mul'] + 1)}"
        if expr.exp == sp.Rational(1, 2):
            return f"{self.ns}.sqrt({self._print(expr.base)})"
        if expr.exp == -sp.Rational(1, 2):
            return f"1 / {self.ns}.sqrt({self._print(expr.base)})"
        if expr.exp.is_Integer:
            return self._pow(expr.base, self._print(expr.exp))
        return self._pow(expr.base, f"({self._print(expr.exp)})")

    def _print_Rational(self, expr):
        return repr(float(expr)) if expr.q in (2, 4, 8) else f"{expr.p} / {expr.q}"

    def _print_Heaviside(self, expr):
        # 0 at 0 (ReLU′(0) = 0), in the argument's dtype; a boolean could not be negated.
        return f"np.heaviside({self._print(expr.args[0])}, 0)"

    def _print_Max(self, expr):
        return self._extremum(f"{self.ns}.maximum", expr)

    def _print_Min(self, expr):
        return self._extremum(f"{self.ns}.minimum", expr)

    def _extremum(self, function, expr):
        numbers = [a for a in expr.args if a.is_number]
        if len(expr.args) != 2 or len(numbers) != 1:
            raise NotImplementedError(f"no NumPy form for {expr}")
        (other,) = [a for a in expr.args if not a.is_number]
        return f"{function}({self._print(other)}, {self._print(numbers[0])})"

    def _print_Piecewise(self, expr):
        # np.where evaluates both branches everywhere; a branch with exp or log is evaluated
        # with its argument clamped to the branch's side of the condition, so that the branch
        # not taken cannot overflow.
        if len(expr.args) != 2 or expr.args[1].cond != True:  # noqa: E712 (a SymPy boolean)
            raise NotImplementedError(f"no NumPy form for {expr}")
        (then, cond), (otherwise, _) = expr.args
        if not isinstance(cond, (sp.StrictGreaterThan, sp.GreaterThan)) or not cond.lhs.is_Symbol:
            raise NotImplementedError(f"no NumPy form for the condition {cond}")
        x, c = cond.lhs, cond.rhs

        def branch(value, clamp):
            return self._print(value.subs(x, clamp(x, c)) if value.has(sp.exp, sp.log) else value)

        where = (
            f"{self.ns}.where({self._print(cond)}, {branch(then, sp.Max)}, "
            f"{branch(otherwise, sp.Min)})"
        )
        if then.is_number and otherwise.is_number:
            # Two numbers make a float64 array; the computation stays in the input's dtype.
            where += f".astype({grouped(self._print(x), '@*/+-**')}.dtype)"
        return where

    def _print_StrictGreaterThan(self, expr):
        return f"{self._print(expr.lhs)} > {self._print(expr.rhs)}"

    def _print_GreaterThan(self, expr):
        return f"{self._print(expr.lhs)} >= {self._print(expr.rhs)}"

    def _print_sign(self, expr):
        return f"{self.ns}.sign({self._print(expr.args[0])})"

    def _print_Abs(self, expr):
        return f"{self.ns}.abs({self._print(expr.args[0])})"

    def _print_erf(self, expr):
        self.helpers.add("erf")
        return f"_erf({self._print(expr.args[0])})"

    def _print_sigmoid(self, expr):
        self.helpers.add("sigmoid")
        return f"_sigmoid({self._print(expr.args[0])})"
