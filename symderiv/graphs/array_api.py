"""A graph's expressions as code for any array library of the Python Array API standard.

The printer is the NumPy one (graphs/batch_printer.py) with every call written through the
namespace `xp` the module takes from its inputs (`array_api_compat.array_namespace`), and with
what the standard lacks written in what it has:

- methods such as A.sum(axis=1) are functions: xp.sum(A, axis=1);
- np.einsum("ij,ij->i", U, V) is xp.vecdot(U, V), np.outer is xp.linalg.outer, np.vdot(W, W)
  is xp.sum(W * W), np.trace and the norms are in xp.linalg;
- a boolean times a float (the step 1(z > 0) of ReLU′) is not defined: xp.astype(Z > 0, dtype);
- erf, σ, softmax and logsumexp are the module's own functions (`_erf`, …), written with the
  standard's functions only; det and log det are the linalg extension's, through `_det` and
  `_logdet`, which say so in one line where a library lacks them (Dask).

Nothing is written in place: the standard has no out= arguments, and some of its libraries
(JAX) have no in-place operations at all.
"""

from __future__ import annotations

import sympy as sp

from ..exprs import is_step
from .batch_printer import GraphNumPyPrinter


class ArrayAPIPrinter(GraphNumPyPrinter):
    ns = "xp"  # exp, log, sqrt, abs, sign, maximum, where, linalg.inv, ones, … as NumPy's
    made = "dtype=dtype, device=device"  # on the device of the call's arrays

    def _norm(self, code: str, rows: bool) -> str:
        return (
            f"xp.linalg.vector_norm({code}, axis=1)" if rows else f"xp.linalg.vector_norm({code})"
        )

    def _print_Trace(self, expr):
        return f"xp.linalg.trace({self._print(expr.arg)})"

    def _print_Determinant(self, expr):
        self.helpers.add("det")
        return f"_det({self._print(expr.arg)})"

    def _print_log(self, expr):
        (a,) = expr.args
        if isinstance(a, sp.Determinant):
            self.helpers.add("logdet")
            return f"_logdet({self._print(a.arg)})"
        return super()._print_log(expr)

    # -- what the standard does not define: booleans as numbers, where's dtype ------------
    def _step(self, inside: str) -> str:
        """1(a > 0) in a's dtype."""
        operand = inside if inside.replace(".", "").isidentifier() else f"({inside})"
        return f"xp.astype({inside} > 0, {operand}.dtype)"

    def _print_Heaviside(self, expr):
        return self._step(self._print(expr.args[0]))

    def _factor_of_product(self, arg):
        if is_step(arg):
            return self._step(self._print(arg.arg))
        return super()._factor_of_product(arg)

    def _print_Piecewise(self, expr):
        (then, cond), (otherwise, _) = expr.args
        if then.is_number and otherwise.is_number:
            # two numbers: the first as an array of the argument's dtype, shape and device
            x = self._print(cond.lhs)
            return (
                f"xp.where({self._print(cond)}, xp.full_like({x}, {self._print(then)}), "
                f"{self._print(otherwise)})"
            )
        return super()._print_Piecewise(expr)

    # -- reductions, as functions ---------------------------------------------------------
    def _sum(self, code: str, axis=None) -> str:
        return f"xp.sum({code})" if axis is None else f"xp.sum({code}, axis={axis})"

    def _sum_of(self, code: str) -> str:
        return f"xp.sum({code})"

    def _squares(self, name: str) -> str:
        return f"xp.sum({name} * {name})"

    def _rows_dot(self, u: str, v: str) -> str:
        return f"xp.vecdot({u}, {v})"

    def _outer(self, u: str, v: str) -> str:
        return f"xp.linalg.outer({u}, {v})"

    def _print_Add(self, expr):
        weights = self._weights_squared(expr)
        if weights:
            names = ", ".join(self._print(w) for w in weights)
            return f"sum(xp.sum(W * W) for W in ({names}))"
        return super()._print_Add(expr)

    # -- what the module writer asks of a printer ------------------------------------------
    def objective(self, code: str) -> str:
        """The objective as the module returns it: a 0-d array of the inputs' namespace
        (float(J) gives the number), so that a lazy or a device array stays where it is."""
        return code

    def copy(self, code: str) -> str:
        return f"xp.asarray({code}, copy=True)"

    def zeros_like(self, code: str) -> str:
        return f"xp.zeros_like({code})"
