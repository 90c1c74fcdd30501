"""LaTeX in minibatch form: X ∈ R^{n×d} holds one example per row, as in the generated code.

The derivation is written for one example with column vectors; a column vector v becomes the
matrix V whose rows are the examples' vᵀ. Products flip as in the NumPy printer: W x → X W^⊤,
W^⊤ g → G W, and the outer product g v^⊤, summed over the examples, becomes G^⊤ V. A bias
added to every example is the outer product 1_n b^⊤.
"""

from __future__ import annotations

import sympy as sp

from .latex import SectionLatexPrinter


def transposed(text: str) -> str:
    """text^⊤, with parentheses around a fraction or a sum."""
    if text.startswith(r"\frac") or " " in text:
        return rf"\left({text}\right)^\top"
    return rf"{{{text}}}^\top" if "^" in text else rf"{text}^\top"


class RowLatexPrinter(SectionLatexPrinter):
    def variable_name(self, var) -> str:
        """A per-example vector as a matrix with one example per row: \\mathbf{Z}."""
        return var.latex_batch

    def _flipped(self, factor):
        if isinstance(factor, sp.Transpose):
            return self._factor(factor.arg)
        return transposed(self._print(factor))

    def _print_MatMul(self, expr):
        coeff, factors = expr.as_coeff_matrices()
        last = factors[-1]
        if len(factors) == 2 and isinstance(last, sp.Transpose) and self.batched(last):
            body = f"{transposed(self._print(factors[0]))} {self._factor(last.arg)}"
            return self._scaled(coeff, [sp.Symbol(body)])
        if len(factors) > 1 and self.batched(last):
            body = " ".join(
                [self._factor(last)] + [self._flipped(f) for f in reversed(factors[:-1])]
            )
            return self._scaled(coeff, [sp.Symbol(body)])
        return super()._print_MatMul(expr)

    def _print_MatAdd(self, expr):
        if expr.shape[1] != 1 or not self.batched(expr):
            return super()._print_MatAdd(expr)
        # A term the examples share (a bias) is added to every row: 1_n b^⊤.
        texts = [
            self._print(a) if self.batched(a) else rf"\mathbf{{1}}_n {transposed(self._print(a))}"
            for a in expr.args
        ]
        return self._join_terms(texts)
