"""LaTeX in the section's notation: bold vectors and matrices, W^{(1)}, ^\\top, \\odot, ∂J/∂v."""

from __future__ import annotations

import sympy as sp
from sympy.printing.latex import LatexPrinter

from ..exprs import FrobeniusSq, _ScalarOf
from .common import DerivationPrinting
from .precedence import is_compound, is_sum, latex_binding


def partial(num: str, den: str) -> str:
    return rf"\frac{{\partial {num}}}{{\partial {den}}}"


class SectionLatexPrinter(DerivationPrinting, LatexPrinter):
    """Prints derivation expressions; `variables` gives every symbol its name."""

    def __init__(self, variables, extra=None):
        super().__init__({"order": "none"})
        self._use_names(variables, extra)

    text_binding = staticmethod(latex_binding)

    def _name(self, expr):
        found = self._lookup(expr)
        if found is None:
            return None
        text, var, role = found
        if var is None:
            return text
        name = self.variable_name(var)
        if role == "tangent" and var.kind == "param":
            return rf"\mathbf{{V}}_{{{name}}}"  # R{θ} is the direction's entry for θ
        return {
            "value": name,
            "adjoint": partial("J", name),
            "tangent": rf"\mathcal{{R}}\{{{name}\}}",
            "adjoint_tangent": rf"\mathcal{{R}}\left\{{{partial('J', name)}\right\}}",
        }[role]

    def variable_name(self, var) -> str:
        """How a variable is written: \\mathbf{z} for one example."""
        return var.latex

    def _print_Symbol(self, expr, style="plain"):
        name = self._name(expr)
        return name if name is not None else super()._print_Symbol(expr, style)

    def _print_MatrixSymbol(self, expr):
        name = self._name(expr)
        return name if name is not None else super()._print_MatrixSymbol(expr)

    def _print_Transpose(self, expr):
        arg = self._print(expr.arg)
        return rf"{{{arg}}}^\top" if "^" in arg else rf"{arg}^\top"

    def _factor(self, arg, grouped=is_compound):
        """arg as a factor of a matrix product, or of ⊙ with `grouped` = `is_sum`."""
        text = self._print(arg)
        return rf"\left({text}\right)" if grouped(arg) else text

    def _scaled(self, coeff, factors):
        """coeff · factors, with the coefficient as the section writes it: λ W, \\frac{λ}{2} (…)."""
        body = " ".join(self._factor(f) for f in factors)
        if coeff in (1, -1):
            return body if coeff == 1 else "-" + body
        num, den = sp.fraction(coeff)
        if den == 1 and coeff.atoms(_ScalarOf):
            # a coefficient that reduces arrays, grouped: (k 1ᵀh) 1, not k 1ᵀh 1
            sign, coeff = ("-", -coeff) if coeff.could_extract_minus_sign() else ("", coeff)
            return rf"{sign}\left({self._print(coeff)}\right) {body}"
        lead = (
            self._print(coeff)
            if den == 1
            else rf"\frac{{{self._print(num)}}}{{{self._print(den)}}}"
        )
        return f"{lead} {body}"

    def _print_MatMul(self, expr):
        return self._scaled(*expr.as_coeff_matrices())

    def _print_Mul(self, expr):
        # A scalar coefficient (numbers such as 4/π, symbols such as λ) in front of the rest.
        if not isinstance(expr, sp.Mul):  # SymPy's _print_Pow sends 1/π here
            return super()._print_Mul(expr)
        coeff, rest = expr.as_coeff_mul()

        def scalar(f):
            return (
                f.is_Symbol or f.is_number or (f.is_Pow and f.base.is_Symbol and f.exp.is_number)
            )

        others = [f for f in rest if not scalar(f)]
        if not others:
            return super()._print_Mul(expr)
        return self._scaled(coeff * sp.Mul(*[f for f in rest if scalar(f)]), others)

    def _print_HadamardProduct(self, expr):
        return r" \odot ".join(self._factor(a, is_sum) for a in expr.args)

    def _print_Derivative(self, expr):
        # φ′(z), φ″(z): the derivatives of a function of one variable, by primes.
        f = expr.expr
        if len(f.args) == 1 and set(expr.variables) == {f.args[0]}:
            primes = "'" * len(expr.variables)
            return rf"{self._print(f.func)}{primes}\left({self._print(f.args[0])}\right)"
        return super()._print_Derivative(expr)

    def _print_Subs(self, expr):
        # φ′ applied to an expression: SymPy's Subs(Derivative(φ(t), t), t, a) is φ′(a).
        deriv, (var,), (value,) = expr.args
        if isinstance(deriv, sp.Derivative) and set(deriv.variables) == {var}:
            primes = "'" * len(deriv.variables)
            return rf"{self._print(deriv.expr.func)}{primes}\left({self._print(value)}\right)"
        return super()._print_Subs(expr)

    def _print_Function(self, expr, exp=None):
        if isinstance(expr, sp.core.function.AppliedUndef) or type(expr).__name__ == "sigmoid":
            name = self._print(expr.func)
            return rf"{name}\left({', '.join(map(self._print, expr.args))}\right)"
        return super()._print_Function(expr, exp)

    def _print_UndefinedFunction(self, expr):
        return self._deal_with_super_sub(expr.__name__) if expr.__name__ != "phi" else r"\phi"

    def _print_sigmoid(self, expr, exp=None):
        return rf"\sigma\left({self._print(expr.args[0])}\right)"

    def _print_Heaviside(self, expr, exp=None):
        return rf"\mathbf{{1}}\left({self._print(expr.args[0])} > 0\right)"

    def _print_exp(self, expr, exp=None):
        """e^{…} with any fraction of the exponent on the line (e^{-t^2/2}): a fraction set in
        an exponent is too small to read."""
        folded = self._settings["fold_short_frac"]
        self._settings["fold_short_frac"] = True
        try:
            power = self._print(expr.args[0])
        finally:
            self._settings["fold_short_frac"] = folded
        return rf"e^{{{power}}}" if exp is None else rf"\left(e^{{{power}}}\right)^{{{exp}}}"

    def _print_Max(self, expr, exp=None):
        return rf"\max\left({', '.join(map(self._print, expr.args))}\right)"

    def _print_log(self, expr, exp=None):
        return rf"\log {self._print(expr.args[0])}"

    def _print_Softmax(self, expr):
        return rf"\operatorname{{softmax}}\left({self._print(expr.arg)}\right)"

    def _print_FrobeniusSq(self, expr, power: int = 2):
        (m,) = expr.args
        sub = "" if m.shape[1] == 1 else r"_\textrm{F}"
        exponent = "2" if power == 2 else f"{{{power}}}"
        return rf"\|{self._print(m)}\|{sub}^{exponent}"

    def _print_Pow(self, expr):
        if isinstance(expr.base, FrobeniusSq) and expr.exp.is_Integer and expr.exp > 0:
            return self._print_FrobeniusSq(expr.base, 2 * int(expr.exp))  # ‖A‖⁴, not (‖A‖²)²
        return super()._print_Pow(expr)

    def _print_Dot(self, expr):
        u, v = expr.args
        return rf"{self._print(u)}^\top {self._factor(v)}"

    def _print_Total(self, expr):
        (a,) = expr.args
        pair = isinstance(a, sp.HadamardProduct) and len(a.args) == 2
        if a.shape[1] == 1 and pair:  # Σ u ⊙ v = uᵀv
            left, right = (self._factor(m) for m in a.args)
            return rf"{left}^\top {right}" if "^" not in left else rf"{{{left}}}^\top {right}"
        if a.shape[1] == 1:
            return rf"\mathbf{{1}}^\top {self._factor(a)}"
        if pair:  # Σ A ⊙ B = ⟨A, B⟩_F
            left, right = (self._print(m) for m in a.args)
            return rf"\langle {left}, {right} \rangle_\textrm{{F}}"
        return rf"\mathbf{{1}}^\top {self._factor(a)} \mathbf{{1}}"  # all of a matrix's entries

    def _print_OneMatrix(self, expr):
        return r"\mathbf{1}"  # a vector of ones, as in 1ᵀ v: the sum of v's entries

    def _print_softplus(self, expr, exp=None):
        return rf"\operatorname{{softplus}}\left({self._print(expr.args[0])}\right)"

    def _print_LogSumExp(self, expr):
        return rf"\operatorname{{logsumexp}}\left({self._print(expr.args[0])}\right)"

    def _print_GenericLoss(self, expr):
        o, y = expr.args
        return rf"l\left({self._print(o)}, {self._print(y)}\right)"
