"""A graph's expressions as NumPy code over a minibatch, one example per row.

The rules are written for one example in column vectors. In code a per-example vector (a
column or a row) is an array with one row per example, (n, size), and a per-example scalar an
array (n,); shared quantities keep their shapes, a vector as a 1-D array. NumPy's broadcasting
then adds a shared term to every row, so sums and ⊙ print as written; products flip as in the
dense module (W v → V @ W.T, uᵀv → a dot product per row), and a shared quantity's gradient,
one example's contribution in the math, is summed over the rows: Σᵢ gᵢ vᵢᵀ → G.T @ V.

`names` maps each symbol to its name in code and `rows` holds the symbols whose arrays have a
row per example. A per-example quantity whose value is the same for every example (∂J/∂L =
1/n) is printed once, as a shared value; `summed` multiplies such a contribution by n.
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.precedence import PRECEDENCE

from ..exprs import Dot, Elementwise, FrobeniusSq, Single
from ..printing.numpy import BatchNumPyPrinter
from ..printing.precedence import grouped, is_compound
from ..printing.text import TextPrinter
from ..scalar import t
from .rules import N, unmarked


class CodeError(NotImplementedError):
    """An expression with no batch form the printer knows."""


def untangled(expr):
    """expr with every transpose pushed down to a symbol ((A B)ᵀ → Bᵀ Aᵀ, (A + B)ᵀ → Aᵀ +
    Bᵀ), products flattened, and the terms of a sum in one order."""
    if isinstance(expr, sp.Transpose):
        a = expr.arg
        if isinstance(a, sp.Transpose):
            return untangled(a.arg)
        if isinstance(a, sp.MatMul):
            coeff, factors = flat(a)
            return sp.MatMul(coeff, *(untangled(f.T) for f in reversed(factors)))
        if isinstance(a, (sp.MatAdd, sp.HadamardProduct)):
            return a.func(*(untangled(t.T) for t in a.args))
        if isinstance(a, Elementwise):
            return Elementwise(a.fn, untangled(a.arg.T))
        if isinstance(a, (sp.OneMatrix, sp.ZeroMatrix)):
            return a.func(a.shape[1], a.shape[0])
        if isinstance(a, sp.Identity):
            return a
        return sp.Transpose(untangled(a))
    if isinstance(expr, Elementwise):
        return Elementwise(expr.fn, untangled(expr.arg))
    if isinstance(expr, sp.HadamardPower) and expr.exp.is_Integer:  # A ⊙ A as SymPy folds it
        return Elementwise(sp.Lambda(t, t**expr.exp), untangled(expr.base))
    if isinstance(expr, sp.MatMul):  # A (−B C) → −A B C: one coefficient in front
        coeff, factors = flat(expr)
        factors = [untangled(f) for f in factors]
        if len(factors) == 1 and coeff == 1:
            return factors[0]
        return sp.MatMul(*factors) if coeff == 1 else sp.MatMul(coeff, *factors)
    if isinstance(expr, sp.Inverse) and isinstance(expr.arg, sp.Transpose):
        return sp.Transpose(sp.Inverse(untangled(expr.arg.arg)))  # (Aᵀ)⁻¹ = (A⁻¹)ᵀ: one inverse
    if expr.is_Atom or isinstance(expr, sp.MatrixSymbol) or not expr.args:
        return expr
    if isinstance(expr, sp.MatAdd):  # one order of terms, so that equal sums compare equal
        return sp.MatAdd(*sorted((untangled(a) for a in expr.args), key=sp.default_sort_key))
    if isinstance(expr, (sp.MatrixExpr, sp.Expr)):
        args = [untangled(a) for a in expr.args]
        return expr if args == list(expr.args) else expr.func(*args)
    return expr


def flat(expr) -> tuple:
    """(scalar coefficient, matrix factors) of a product, nested products flattened."""
    coeff, factors = sp.Integer(1), []
    for arg in expr.args:
        if isinstance(arg, sp.MatMul):
            c, fs = flat(arg)
            coeff, factors = coeff * c, factors + fs
        elif isinstance(arg, sp.MatrixExpr):
            factors.append(arg)
        else:
            coeff = coeff * arg
    return coeff, factors


def _is_vector(m) -> bool:
    return m.shape[0] == 1 or m.shape[1] == 1


class GraphNumPyPrinter(BatchNumPyPrinter):
    def __init__(
        self, names: dict, rows: set, logical=frozenset(), batch: bool = True, stored=None
    ):
        super().__init__((), stored)
        # the writer's names themselves, not a copy: a printer is made for every statement,
        # and copying them each time made printing a graph quadratic in its size
        # (_print_Elementwise puts its slot in and takes it out again)
        self._extra = names
        self.rows = rows
        self.batch = batch  # whether n is the number of examples (else a size of the data)
        self.logical = logical  # symbols of per-example quantities, uniform or not

    def doprint(self, expr, assign_to=None):
        return super().doprint(unmarked(untangled(expr)), assign_to)

    def batched(self, expr) -> bool:
        return any(s in self.rows for s in expr.atoms(sp.Symbol, sp.MatrixSymbol))

    def per_example(self, expr) -> bool:
        """Whether `expr` is one example's in the math (a row per example, or one value for
        every example): it reads a per-example quantity or the weight 1/n of one example."""
        return any(s in self.logical for s in expr.atoms(sp.Symbol, sp.MatrixSymbol))

    def _print_Symbol(self, expr):
        if expr == N and self.batch:
            return "n"
        return self._name(expr)

    _print_MatrixSymbol = _print_Symbol

    def _size(self, d) -> str:
        if d == N and self.batch:
            return "n"
        return str(d) if d.is_Integer else f'dims["{d}"]'

    # -- products ------------------------------------------------------------------------
    def _print_MatMul(self, expr):
        coeff, factors = flat(expr)
        body, _, shape = self._chain(factors)
        return self._scaled(coeff, body, len(factors) > 1 or is_compound(factors[0]), shape)

    def _scaled(self, coeff, body, compound, shape):
        """coeff · body, a per-example coefficient as a column that scales each row."""
        if coeff == 1:
            return body
        if self.batched(coeff) and shape != (1, 1):
            c = self._print(coeff)
            c = c if c.isidentifier() else f"({c})"
            return f"{c}[:, None] * {self._wrap(body, compound)}"
        num, den = sp.fraction(coeff)
        if (
            coeff == -1
            and " @ " in body
            and not any(op in body for op in (" + ", " - ", " * ", " / "))
        ):
            return f"-{body}"  # unary minus binds tighter than @, to the same product
        if num.is_number and den.is_number:
            return self._scale(coeff, body, compound)
        text = self._wrap(body, compound)
        if num != 1:
            factor = self.parenthesize(num, PRECEDENCE["Mul"])
            text = f"-{text}" if num == -1 else f"{factor} * {text}"
        return text if den == 1 else f"{text} / {self.parenthesize(den, PRECEDENCE['Mul'] + 1)}"

    @staticmethod
    def _wrap(text, compound):
        return f"({text})" if compound and not text.isidentifier() else text

    def _chain(self, factors) -> tuple:
        """(code, whether it has a row per example, the math shape) of a product of matrix
        factors, folded from the side of the per-example column when the last factor is
        one (W2 W1 x → (X @ W1.T) @ W2.T)."""
        items = [(self._operand(f), self.batched(f), tuple(f.shape), f) for f in factors]
        last = factors[-1]
        if self.batched(last) and last.shape[1] == 1:
            acc = items[-1]
            for item in reversed(items[:-1]):
                acc = self._pair(item, acc)
        else:
            acc = items[0]
            for item in items[1:]:
                acc = self._pair(acc, item)
        code, rows, shape, _ = acc
        return code, rows, shape

    def _flip(self, item) -> str:
        code, _, shape, f = item
        if shape[0] == 1 or shape[1] == 1:
            return code  # a vector is 1-D in code, either way round
        if f is not None:
            return self._flipped(f)
        return f"({code}).T"

    def _pair(self, a, b) -> tuple:
        """The product of two operands (code, rows, shape, expr)."""
        (ca, ra, (r, k), _), (cb, rb, (_, c), _) = a, b
        shape = (r, c)
        if not ra and not rb:
            if k == 1 and r != 1 and c != 1:
                code = self._outer(ca, cb)
            else:
                code = f"{ca} @ {cb}"
            return (code, False, shape, None)
        if not ra and rb and c == 1:  # shared A, per-example column v: A v → V @ A.T
            return (f"{cb} @ {self._flip(a)}", True, shape, None)
        if ra and not rb and r == 1:  # per-example row vᵀ, shared A: vᵀ A → V @ A
            return (f"{ca} @ {cb}", True, shape, None)
        if ra and rb and r == 1 and c == 1:  # uᵀ v for each example
            return (self._rows_dot(ca, cb), True, shape, None)
        raise CodeError(
            f"no batch form for a product whose result is a matrix per example ({r} × {c})"
        )

    def _print_MatAdd(self, expr):
        spread = [self._spread_scalar(a) for a in expr.args]
        if all(c is not None for c in spread):  # only scalars spread: the array itself
            spread = [None] * len(spread)
        texts = [
            self._print(a) if c is None else self._print(c) for a, c in zip(expr.args, spread)
        ]
        return self._join_terms(positive_first(texts))

    def _spread_scalar(self, term):
        """c for a shared scalar spread over an array (c 1), which NumPy broadcasts beside the
        other terms (1 - T, not np.ones(h) - T); None for any other term, and for a number
        per example, which needs its column of ones."""
        c = _spread(term)
        return None if c is None or self.batched(c) else c

    def _print_Add(self, expr):
        weights = self._weights_squared(expr)
        if weights:
            return super()._print_Add(expr)
        return self._join_terms(positive_first([self._print(t) for t in expr.args]))

    def _print_Transpose(self, expr):
        if _is_vector(expr.arg):
            return self._print(expr.arg)
        return self._flipped(expr.arg)

    def _print_Single(self, expr):
        return self._print(expr.args[0])

    def parenthesize(self, item, level, strict=False):
        # yᵀ X w and uᵀv print as products with @, which bind like * in Python
        if isinstance(item, (Single, Dot)) and level >= PRECEDENCE["Mul"]:
            return self._atom(self._print(item))
        return super().parenthesize(item, level, strict)

    def _operand(self, expr):
        # by the printed text: f(z) with f's body a product can print as a sum once z is in
        return self._atom(self._print(expr))

    _atom = staticmethod(grouped)

    # -- numbers of an array -----------------------------------------------------------
    def _print_Total(self, expr):
        (a,) = expr.args
        if not isinstance(a, sp.MatrixExpr):
            return self._print(a)
        if self.batched(a):
            return self._sum(self._print(a), 1)
        return self._sum_of(self._print(a))

    def _print_FrobeniusSq(self, expr):
        (m,) = expr.args
        if self.batched(m):
            if isinstance(m, sp.MatrixSymbol):
                return self._rows_dot(self._print(m), self._print(m))
            return self._sum(self._pow(m, 2), 1)
        if isinstance(m, sp.MatrixSymbol):
            return self._squares(self._print(m))
        return self._sum_of(self._pow(m, 2))

    def _print_Pow(self, expr, rational=False):
        if isinstance(expr.base, FrobeniusSq) and expr.exp == sp.Rational(1, 2):
            (m,) = expr.base.args
            return self._norm(self._print(m), self.batched(m))
        return super()._print_Pow(expr, rational)

    def _print_Dot(self, expr):
        u, v = expr.args
        bu, bv = self.batched(u), self.batched(v)
        if bu and bv:
            if isinstance(u, sp.MatrixSymbol) and isinstance(v, sp.MatrixSymbol):
                return self._rows_dot(self._print(u), self._print(v))
            return self._sum(f"{self._operand(u)} * {self._operand(v)}", 1)
        if bv:
            u, v = v, u
        return f"{self._operand(u)} @ {self._operand(v)}"

    def _print_LogSumExp(self, expr):
        self.helpers.add("logsumexp")
        return f"_logsumexp({self._print(expr.args[0])})"

    def _print_Softmax(self, expr):
        self.helpers.add("softmax")
        return f"_softmax({self._print(expr.arg)})"

    def _print_Trace(self, expr):
        return f"np.trace({self._print(expr.arg)})"

    def _print_Inverse(self, expr):
        return f"{self.ns}.linalg.inv({self._print(expr.arg)})"

    def _print_Determinant(self, expr):
        return f"np.linalg.det({self._print(expr.arg)})"

    def _print_log(self, expr):
        (a,) = expr.args
        if isinstance(a, sp.Determinant):
            return f"np.linalg.slogdet({self._print(a.arg)})[1]"
        return f"{self.ns}.log({self._print(a)})"

    # an array the module makes has the dtype of the call's arrays (float32 stays float32)
    made = "dtype=dtype"

    def _print_OneMatrix(self, expr):
        return f"{self.ns}.ones({self._shape(expr)}, {self.made})"

    def _print_ZeroMatrix(self, expr):
        return f"{self.ns}.zeros({self._shape(expr)}, {self.made})"

    def _print_Identity(self, expr):
        return f"{self.ns}.eye({self._size(expr.shape[0])}, {self.made})"

    def _shape(self, m) -> str:
        r, c = m.shape
        if r == 1 or c == 1:
            return self._size(c if r == 1 else r)
        return f"({self._size(r)}, {self._size(c)})"

    # -- sums over the batch -------------------------------------------------------------
    def summed(self, expr) -> str:
        """Σᵢ over the examples of one example's `expr` (a shared quantity's contribution),
        or `expr` itself where it is not one example's."""
        expr = untangled(expr)
        if not self.per_example(expr):
            return self._print(expr)
        if isinstance(expr, (sp.MatAdd, sp.Add)) and len(expr.args) > 1:
            return self._join_terms([self.summed(t) for t in expr.args])
        expr = unmarked(expr)  # one example's, every part of it
        if not self.batched(expr):
            return f"n * {self.parenthesize(expr, PRECEDENCE['Mul'])}"
        if not isinstance(expr, sp.MatrixExpr):
            return self._sum(self._print(expr))
        if _is_vector(expr):
            return self._sum(self._print(expr), 0)
        if isinstance(expr, sp.MatMul):
            return self._summed_product(expr)
        raise CodeError(f"no batch form for the sum over the examples of {expr}")

    def _summed_product(self, expr) -> str:
        coeff, factors = flat(expr)
        for k in range(len(factors) - 1):
            if factors[k].shape[1] == 1:  # f0…fk is a column, the rest a row: Σ lᵢ rᵢᵀ
                left = (
                    sp.MatMul(coeff, *factors[: k + 1])
                    if coeff != 1
                    else _product(factors[: k + 1])
                )
                right = _product(factors[k + 1 :])
                lb, rb = self.batched(left), self.batched(right)
                lc, rc = self._print(left), self._print(right)
                if lb and rb:
                    return f"{self._wrap(lc, True)}.T @ {self._wrap(rc, True)}"
                if lb:
                    return self._outer(self._sum(lc, 0), rc)
                return self._outer(lc, self._sum(rc, 0))
        if self.batched(_product(factors)):
            raise CodeError(f"no batch form for the sum over the examples of {expr}")
        c = self._print(coeff)
        return f"{self._sum(c)} * {self._wrap(self._print(_product(factors)), True)}"

    # -- the calls a namespace writes its own way (see array_api.py) -----------------------
    def _sum(self, code: str, axis=None) -> str:
        """Σ of the array `code` (over `axis`, or over everything): code.sum(axis=…), code in
        parentheses unless it is a name or one call."""
        simple = code.replace("_", "").replace(".", "").isalnum() or (
            code.endswith(")") and code.count("(") == 1 and code.startswith("np.")
        )
        operand = code if simple else f"({code})"
        return f"{operand}.sum()" if axis is None else f"{operand}.sum(axis={axis})"

    def _sum_of(self, code: str) -> str:
        """Σ of every entry of a shared array."""
        return f"np.sum({code})"

    def _squares(self, name: str) -> str:
        """‖W‖²: the sum of the squares of a shared array's entries."""
        return f"np.vdot({name}, {name})"

    def _rows_dot(self, u: str, v: str) -> str:
        """uᵀv for each example: one number per row."""
        return f'np.einsum("ij,ij->i", {u}, {v})'

    def _outer(self, u: str, v: str) -> str:
        return f"np.outer({u}, {v})"

    def _norm(self, code: str, rows: bool) -> str:
        """‖·‖ of each row (`rows`), or of the whole array."""
        return f"np.linalg.norm({code}, axis=1)" if rows else f"np.linalg.norm({code})"

    def reduced(self, code: str, mean: bool) -> str:
        """Σᵢ of a number per example (÷ n for the mean)."""
        return self._sum(code) + (" / n" if mean else "")

    def objective(self, code: str) -> str:
        """The objective as the module returns it: a Python float."""
        return f"float({code})"

    def copy(self, code: str) -> str:
        return f"np.copy({code})"

    def zeros_like(self, code: str) -> str:
        return f"np.zeros_like({code})"


def _spread(term):
    """c for a term c 1 (a scalar spread over an array), else None."""
    if isinstance(term, sp.OneMatrix):
        return sp.Integer(1)
    if isinstance(term, sp.MatMul):
        coeff, factors = flat(term)
        if len(factors) == 1 and isinstance(factors[0], sp.OneMatrix):
            return coeff
    return None


def positive_first(texts: list) -> list:
    """Printed terms with the negated ones last, each group in its order: X @ w - y, as one
    writes it, rather than SymPy's -y + X @ w."""
    return [t for t in texts if not t.startswith("-")] + [t for t in texts if t.startswith("-")]


class GraphTextPrinter(TextPrinter):
    """The comments' one-line math for a graph: products flattened, negated terms last,
    S⁻¹, tr, det and log det as written."""

    def __init__(self, names: dict):
        super().__init__(())
        self._extra = names  # the writer's, not a copy (see GraphNumPyPrinter)

    def _print_MatMul(self, expr):
        coeff, factors = flat(expr)
        body = " ".join(self._operand(f) for f in factors)
        num, den = sp.fraction(coeff)
        body = self._led(num, body)
        if den == 1:
            return body
        bottom = self._print(den)
        return f"{_wrapped(body)}/{_wrapped(bottom)}"

    def _print_MatAdd(self, expr):
        spread = [self._spread_scalar(a) for a in expr.args]
        if all(c is not None for c in spread):  # only scalars spread: the array itself
            spread = [None] * len(spread)
        texts = [
            self._print(a) if c is None else self._print(c) for a, c in zip(expr.args, spread)
        ]
        return self._join_terms(positive_first(texts))

    def _spread_scalar(self, term):
        """c for a shared scalar spread over an array (c 1), which NumPy broadcasts beside the
        other terms (1 - T, not np.ones(h) - T); None for any other term, and for a number
        per example, which needs its column of ones."""
        c = _spread(term)
        return None if c is None or self.batched(c) else c

    def _print_Add(self, expr):
        return self._join_terms(positive_first([self._print(a) for a in expr.args]))

    def _print_Inverse(self, expr):
        return f"{self._operand(expr.arg)}⁻¹"

    def _print_Trace(self, expr):
        return f"tr({self._print(expr.arg)})"

    def _print_Determinant(self, expr):
        return f"det({self._print(expr.arg)})"

    def _print_log(self, expr):
        (a,) = expr.args
        if isinstance(a, sp.Determinant):
            return f"log det({self._print(a.arg)})"
        return f"log({self._print(a)})"

    def _print_Single(self, expr):
        return self._print(expr.args[0])

    def _print_OneMatrix(self, expr):
        return "1"

    def _print_Identity(self, expr):
        return "I"

    def _print_ZeroMatrix(self, expr):
        return "0"


def _wrapped(text: str) -> str:
    """text in parentheses if it has a space outside every bracket."""
    depth = 0
    for ch in text:
        depth += ch in "([{"
        depth -= ch in ")]}"
        if depth == 0 and ch == " ":
            return f"({text})"
    return text


def _product(factors):
    return factors[0] if len(factors) == 1 else sp.MatMul(*factors)
