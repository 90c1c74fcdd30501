"""From the extended graph (hvp.py) to the statements of the generated `hvp`, and their cost.

hvp runs forward for the cache, then one statement per R{·} equation: the forward tangents
R{z}, R{h}, …, R{o}, then, in the reverse sweep's order, each adjoint that a later statement
reads, followed by its tangent R{∂J/∂v}. The code differentiates what backward computes (φ′
written with h where backward writes it so); the comments show the derivation's form, with φ′
and φ″ by name.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .exprs import Softmax
from .hvp import named_slopes, tangent_lines
from .naming import DIMS
from .printing.numpy import BatchNumPyPrinter


@dataclass(frozen=True)
class HvpCode:
    statements: tuple  # of codegen.Statement
    reads: frozenset  # every symbol the statements read
    helpers: frozenset


def hvp_code(derivation, rewrite, stored, backward, text, statement, sum_rows) -> HvpCode:
    """The statements of hvp.

    `rewrite` is the substitution backward uses (φ′(z) → 1 − h²), `stored` the arrays forward
    keeps besides the tape's variables, `backward` backward's statements (hvp repeats those it
    reads), `statement(target, code, math, expr)` builds one statement, `sum_rows(var, code,
    math)` sums a bias gradient over the examples.
    """
    tape = derivation.tape
    code_lines = tangent_lines(derivation, rewrite)
    named = named_slopes(tape)
    stored = dict(stored)
    statements = []
    for s in sorted({s for ln in code_lines for s in ln.expr.atoms(Softmax)}, key=_key):
        # p = softmax(o) is read several times, so it is computed once.
        code = BatchNumPyPrinter(tape.variables, stored).doprint(s)
        statements.append(statement("P", code, f"p = {text.doprint(s)}", s))
        stored[("softmax", s.arg)] = "P"
    printer = BatchNumPyPrinter(tape.variables, stored)
    adjoints = {s.target: s for s in backward}
    for shown, line in zip(tangent_lines(derivation, named), code_lines):
        var = line.var
        if line.role == "adjoint_tangent":
            # The adjoint itself, as backward computes it (now reading p where it was kept).
            kept = adjoints["d" + var.code]
            code, _ = sum_rows(var, printer.doprint(kept.expr), "")
            statements.append(statement(kept.target, code, kept.math, kept.expr))
        math = f"{text.doprint(line.symbol)} = {text.doprint(shown.expr)}"
        code = printer.doprint(line.expr)
        if line.role == "adjoint_tangent":
            code, math = sum_rows(var, code, math)
        statements.append(statement(printer.doprint(line.symbol), code, math, line.expr))
    kept, reads = _needed(statements, printer)
    return HvpCode(kept, frozenset(reads), frozenset(printer.helpers))


def _key(expr):
    return sp.default_sort_key(expr)


def _needed(statements, printer):
    """The statements but the adjoints no later statement reads (∂J/∂W is never read), and
    the symbols the kept ones read."""
    read_names, reads, kept = set(), set(), []
    for s in reversed(statements):
        if s.target.startswith("d") and s.target not in read_names:
            continue
        kept.append(s)
        if s.expr is not None:
            symbols = s.expr.atoms(sp.Symbol, sp.MatrixSymbol)
            reads |= symbols
            read_names |= {printer.doprint(x) for x in symbols}
    return tuple(reversed(kept)), reads


@dataclass(frozen=True)
class Products:
    """The matrix products of some statements: how many, and their multiply-adds."""

    count: int
    multiply_adds: sp.Expr  # expanded

    @property
    def factored(self) -> sp.Expr:
        """The multiply-adds with the batch size taken out: n (3 d h + 8 h q)."""
        n = DIMS["n"]
        terms = sp.Add.make_args(self.multiply_adds)
        if not all(t.has(n) for t in terms):
            return self.multiply_adds
        return sp.Mul(n, sp.Add(*(t / n for t in terms)), evaluate=False)

    def ratio_range(self, other) -> tuple:
        """(least, greatest) of self/other over all sizes: the extremes of the ratios of the
        two polynomials' coefficients, monomial by monomial."""
        mine, theirs = _coefficients(self.multiply_adds), _coefficients(other.multiply_adds)
        if set(mine) != set(theirs):
            raise ValueError("the two costs do not have the same terms")
        ratios = [mine[m] / theirs[m] for m in theirs]
        return min(ratios), max(ratios)


def _coefficients(polynomial) -> dict:
    """{monomial: its coefficient} of an expanded polynomial with integer coefficients."""
    found = {}
    for term in sp.Add.make_args(polynomial):
        coeff, monomial = term.as_coeff_Mul()
        found[monomial] = found.get(monomial, 0) + coeff
    return found


def products(statements) -> Products:
    """The matrix products in the statements' code (each @ or np.matmul), with their
    multiply-adds: (a × b)(b × c) over a batch of n examples costs n·a·b·c."""
    found = []
    for s in statements:
        products = _matmuls(s.expr) if s.expr is not None else []
        code = "\n".join(s.lines)
        if len(products) != code.count("@") + code.count("np.matmul("):
            raise AssertionError(f"{s.target}: {len(products)} products, but the code has {code}")
        found += products
    work = sp.Add(*(DIMS["n"] * a * b * c for a, b, c in found))  # one sum: linear in its terms
    return Products(len(found), sp.expand(work))


def _matmuls(expr) -> list:
    """(a, b, c) for each product of two matrices in `expr` (a product of three per-example
    vectors, p pᵀ v, is a row-wise dot product in code, not a matrix product)."""
    found = []
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.MatMul):
            _, factors = node.as_coeff_matrices()
            if len(factors) == 2:
                A, B = factors
                found.append((A.shape[0], A.shape[1], B.shape[1]))
    return found
