"""What the three printers share: names from the tape, f(arg) for Elementwise, signed sums.

Each printer says how loosely a text in its language binds (`text_binding`, from
`precedence`), which is how an entrywise function's printed argument is grouped."""

from __future__ import annotations

import sympy as sp

from ..naming import symbol_names
from .precedence import Slot


class DerivationPrinting:
    """Mixin for a SymPy printer of derivation expressions.

    `variables` are the tape's variables (each symbol and its adjoint get their names from
    them); `extra` maps other symbols to their printed form.
    """

    def _use_names(self, variables, extra=None):
        self._vars = symbol_names(variables)
        self._extra = dict(extra or {})

    def _lookup(self, expr):
        """(printed form, None, None) for an extra symbol, (None, Var, role) for a tape symbol
        (role as in `naming.symbol_names`), else None."""
        if expr in self._extra:
            return self._extra[expr], None, None
        found = self._vars.get(expr)
        return (None, *found) if found is not None else None

    def batched(self, expr) -> bool:
        """Whether `expr` has one value per example (a row per example in batch form); the
        extra names stand for per-example arrays (a slot, or predict's current layer)."""
        for s in expr.atoms(sp.Symbol, sp.MatrixSymbol):
            found = self._lookup(s)
            if found is not None and (found[1] is None or found[1].per_example):
                return True
        return False

    def _print_Elementwise(self, expr):
        # f is a Lambda in t: print f's body with t standing for the printed argument, a
        # slot that binds as loosely as that text, so that the body's operators group it.
        text = self._print(expr.arg)
        slot = Slot(self.text_binding(text))
        self._extra[slot] = text
        try:
            return self._print(expr.fn.expr.subs(expr.fn.variables[0], slot))
        finally:
            del self._extra[slot]

    @staticmethod
    def _join_terms(texts):
        """a + b - c from the printed terms ["a", "b", "-c"], in the given order, except that
        a sum does not open with a minus where a term has none: h - y, not -y + h."""
        if not texts:
            return ""
        first = next((k for k, text in enumerate(texts) if not text.startswith("-")), 0)
        texts = [texts[first], *texts[:first], *texts[first + 1 :]]
        out = texts[0]
        for text in texts[1:]:
            out += f" - {text[1:].lstrip()}" if text.startswith("-") else f" + {text}"
        return out

    def _print_MatAdd(self, expr):
        return self._join_terms([self._print(a) for a in expr.args])
