"""One-line Unicode math for comments and docstrings of generated code: z = W1 x + b1."""

from __future__ import annotations

import sympy as sp
from sympy.printing.str import StrPrinter

from ..exprs import FrobeniusSq
from ..naming import LAMBDA
from .common import DerivationPrinting
from .precedence import POW, binding, is_compound, is_sum, text_binding

SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


class TextPrinter(DerivationPrinting, StrPrinter):
    def __init__(self, variables, extra=None):
        super().__init__({"order": "none"})
        self._use_names(variables, extra)

    text_binding = staticmethod(text_binding)

    def _name(self, expr):
        if expr == LAMBDA:
            return "λ"
        found = self._lookup(expr)
        if found is None:
            return expr.name
        text, var, role = found
        if var is None:
            return text
        if role == "tangent" and var.kind == "param":
            return f"V_{var.name}"  # R{θ} is the direction's entry for θ
        return {
            "value": var.name,
            "adjoint": f"∂J/∂{var.name}",
            "tangent": f"R{{{var.name}}}",
            "adjoint_tangent": f"R{{∂J/∂{var.name}}}",
        }[role]

    _print_Symbol = _print_MatrixSymbol = _name

    def _operand(self, expr):
        text = self._print(expr)
        return f"({text})" if is_compound(expr) else text

    def _print_MatMul(self, expr):
        coeff, factors = expr.as_coeff_matrices()
        body = " ".join(self._operand(f) for f in factors)
        num, den = sp.fraction(coeff)
        body = self._led(num, body)
        return (
            body
            if den == 1
            else f"{self._operand(sp.Symbol(body)) if ' ' in body else body}/{self._print(den)}"
        )

    def _led(self, coeff, body: str) -> str:
        """coeff body, a negative coefficient as a leading minus: -λ W, not (-λ) W."""
        sign = "-" if coeff.could_extract_minus_sign() else ""
        coeff = -coeff if sign else coeff
        return sign + (body if coeff == 1 else f"{self._operand(coeff)} {body}")

    def _print_Pow(self, expr, rational=False):
        if isinstance(expr.base, FrobeniusSq) and expr.exp.is_Integer and expr.exp > 0:
            power = str(2 * int(expr.exp)).translate(SUPERSCRIPTS)  # (‖A‖²)² = ‖A‖⁴
            return f"‖{self._print(expr.base.args[0])}‖{power}"
        if expr.exp in (2, 3):  # a power of a power grouped: (x³)², not x³²
            base = self._print(expr.base)
            base = f"({base})" if binding(expr.base) <= POW else base
            return f"{base}{'²³'[int(expr.exp) - 2]}"
        return super()._print_Pow(expr, rational)

    def _print_Transpose(self, expr):
        return f"{self._operand(expr.arg)}ᵀ"

    def _print_HadamardProduct(self, expr):
        return " ⊙ ".join(
            f"({self._print(a)})" if is_sum(a) else self._print(a) for a in expr.args
        )

    def _print_Derivative(self, expr):
        primes = _primes(len(expr.variables))
        name = _function_name(expr.expr.func)
        return f"{name}{primes}({', '.join(map(self._print, expr.expr.args))})"

    def _print_Subs(self, expr):
        deriv, _, (value,) = expr.args
        return f"{_function_name(deriv.expr.func)}{_primes(len(deriv.variables))}({self._print(value)})"

    def _print_Heaviside(self, expr):
        return f"1({self._print(expr.args[0])} > 0)"

    def _print_Max(self, expr):
        return f"max({', '.join(map(self._print, expr.args))})"

    def _print_Min(self, expr):
        return f"min({', '.join(map(self._print, expr.args))})"

    def _print_sigmoid(self, expr):
        return f"σ({self._print(expr.args[0])})"

    def _print_Function(self, expr):
        if expr.func.__name__.startswith("phi"):
            return f"{_function_name(expr.func)}({self._print(expr.args[0])})"
        return super()._print_Function(expr)

    def _print_Piecewise(self, expr):
        (then, cond), (otherwise, _) = expr.args
        return f"({self._print(then)} if {self._print(cond)} else {self._print(otherwise)})"

    def _print_softplus(self, expr):
        return f"softplus({self._print(expr.args[0])})"

    def _print_Softmax(self, expr):
        return f"softmax({self._print(expr.arg)})"

    def _print_FrobeniusSq(self, expr):
        return f"‖{self._print(expr.args[0])}‖²"

    def _print_Dot(self, expr):
        return f"{self._operand(expr.args[0])}ᵀ {self._operand(expr.args[1])}"

    def _print_Total(self, expr):
        (a,) = expr.args
        pair = isinstance(a, sp.HadamardProduct) and len(a.args) == 2
        if a.shape[1] == 1 and pair:  # Σ u ⊙ v = uᵀv
            return f"{self._operand(a.args[0])}ᵀ {self._operand(a.args[1])}"
        if a.shape[1] == 1:
            return f"1ᵀ {self._operand(a)}"
        if pair:  # Σ A ⊙ B = ⟨A, B⟩_F
            return f"⟨{self._print(a.args[0])}, {self._print(a.args[1])}⟩_F"
        return f"1ᵀ {self._operand(a)} 1"  # all of a matrix's entries

    def _print_LogSumExp(self, expr):
        return f"logsumexp({self._print(expr.args[0])})"

    def _print_GenericLoss(self, expr):
        return f"l({', '.join(map(self._print, expr.args))})"

    def _print_Mul(self, expr):
        num, den = sp.fraction(expr, exact=True)
        if den != 1:
            bottom = self._print(den)
            top = f"({self._print(num)})" if is_sum(num) else self._print(num)
            return f"{top}/{f'({bottom})' if ' ' in bottom else bottom}"
        coeff, factors = expr.as_coeff_mul()
        body = " ".join(self._operand(f) for f in factors)
        if coeff == -1:
            return "-" + body
        return body if coeff == 1 else f"{self._print(coeff)} {body}"


def _function_name(func) -> str:
    """φ for phi, φ₂ for phi_2 (layer 2's activation), else the function's own name."""
    name = func.__name__
    if name == "phi":
        return "φ"
    if name.startswith("phi_") and name[4:].isdigit():
        return "φ" + name[4:].translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))
    return name


def _primes(order: int) -> str:
    return {1: "′", 2: "″", 3: "‴"}.get(order, "′" * order)
