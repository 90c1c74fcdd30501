"""A statement as NumPy operations that write into one array: the workspace's, if given.

`Z = X @ W1.T + b1` becomes

    Z = np.matmul(X, W1.T, out=workspace.get("Z"))
    Z += b1

The first operation writes into the workspace's array for Z (or a new one, when there is no
workspace: `get` gives None); every later one updates Z in place. So with a workspace a call
allocates nothing the size of a layer, and without one it holds no more temporaries than the
expression would. A scaled weight, λ W1, is added a block of rows at a time (_add_scaled), so
it needs no array of its size. An operand that nothing reads after the statement (`dead`) can
be the result's array instead: tanh(Z) into Z, ∂J/∂h ⊙ 1(h > 0) into ∂J/∂h. A part that has
no in-place form (a helper function, a per-example sum) is computed as it is written, into a
new array; where that is the whole statement, the statement stays as it is.
"""

from __future__ import annotations

import sympy as sp

from .exprs import Elementwise, Softmax, is_step

# Functions of one entry that NumPy computes into a given array.
UFUNCS = {sp.tanh: "np.tanh", sp.exp: "np.exp", sp.log: "np.log", sp.Abs: "np.abs"}


class Chain:
    """Lines that compute one expression into `target`, the first writing into `out`."""

    def __init__(self, printer, target, out, dead=frozenset()):
        self.printer = printer
        self.target = target
        self.out = out
        self.dead = dead  # arrays nothing reads after this statement, free to overwrite
        self.lines = []
        self.reused = None  # the dead array the result went into, if any
        self.written = []  # the parts NumPy computes as written, each into arrays of its own
        self.helpers = set()  # helper functions the lines call

    def first(self, call: str):
        """target = call(…, out=…): the operation that makes the array."""
        self.lines.append(f"{self.target} = {call[:-1]}, out={self.out})")

    def then(self, line: str):
        self.lines.append(line)

    def fits(self, part) -> bool:
        """Whether `part` has the result's shape in code, so that the operations after it can
        update its array in place (a shared log(1 + b²) is no array for a row per example)."""
        return self.printer.batched(part) == self.rows and part.shape == self.shape

    def take(self, operand) -> bool:
        """Write the result into `operand`'s array if nothing reads it after this statement
        and the first operation, about to be written, reads it entry by entry."""
        if operand in self.dead and not self.lines:
            self.reused = operand
            self.out = self.printer.doprint(operand)
            return True
        return False

    def into(self, expr) -> bool:
        """Add the lines computing `expr` into target; False if `expr` has no such form."""
        p = self.printer
        if isinstance(expr, sp.MatMul):
            coeff, factors = expr.as_coeff_matrices()
            if len(factors) == 2:
                a, b = p.product_operands(factors)
                self.first(f"np.matmul({a}, {b})")
            elif len(factors) == 1 and _is_array_op(factors[0]):
                if not self.into(factors[0]):
                    return False
            elif len(factors) == 1:
                num, den = sp.fraction(coeff)
                if num == 1:  # R / n
                    self.first(f"np.divide({p.doprint(factors[0])}, {p.doprint(den)})")
                else:
                    self.first(f"np.multiply({p.doprint(coeff)}, {p.doprint(factors[0])})")
                return True
            else:
                return False
            self.scale(coeff)
            return True
        if isinstance(expr, sp.MatAdd):
            return self.add(expr.args)
        if isinstance(expr, sp.HadamardProduct):
            return self.multiply(expr.args)
        if isinstance(expr, Softmax):
            if ("softmax", expr.arg) in p._stored:
                return False
            lse = p._stored.get(("logsumexp", expr.arg))
            arg = p.doprint(expr.arg)
            t = self.target
            if lse is not None:  # a dense module's o, which _logsumexp left less its max
                self.first(f"np.subtract({arg}, {lse}[:, None])")
                self.then(f"np.exp({t}, out={t})")
                return True
            if not arg.isidentifier():
                return False
            # from o less its row's largest entry: exact near it, where 1 − p is small
            self.first(f"np.subtract({arg}, {arg}.max(axis=-1, keepdims=True))")
            self.then(f"np.exp({t}, out={t})")
            self.then(f"{t} /= {t}.sum(axis=-1, keepdims=True)")
            return True
        if isinstance(expr, Elementwise):
            return self.function(expr.fn.expr, expr.fn.variables[0], expr.arg)
        return False

    def scale(self, coeff):
        num, den = sp.fraction(coeff)
        t = self.target
        if num == -1:
            self.then(f"np.negative({t}, out={t})")
        elif num != 1:
            self.then(f"{t} *= {self.printer.doprint(num)}")
        if den != 1:
            self.then(f"{t} /= {self.printer.doprint(den)}")

    def add(self, terms) -> bool:
        """A sum: its first compound term computed in place, then the others added."""
        spine = next(
            (t for t in terms if _scaled_leaf(t) is None and _is_array_op(t) and self.fits(t)),
            None,
        )
        if spine is None and any(_scaled_leaf(t) is None for t in terms[:2]):
            return False  # no compound term with the result's shape to start from
        if spine is None:  # names only: O - Y
            (ca, a), (cb, b) = _scaled_leaf(terms[0]), _scaled_leaf(terms[1])
            if ca != 1 or cb not in (1, -1):
                return False
            ufunc = "np.add" if cb == 1 else "np.subtract"
            self.first(f"{ufunc}({self.printer.doprint(a)}, {self.printer.doprint(b)})")
            spine = terms[1]
            terms = terms[2:]
        elif not self.into(spine):
            return False
        for term in terms:
            if term is spine:
                continue
            scaled = _scaled_leaf(term)
            if scaled is None:  # computed as written, into an array of its own
                self.written.append(term)
                self.then(f"{self.target} += {self.printer.doprint(term)}")
                continue
            coeff, leaf = scaled
            if coeff in (1, -1):
                sign = "+" if coeff == 1 else "-"
                self.then(f"{self.target} {sign}= {self.printer.doprint(leaf)}")
            else:  # λ W1, a block of rows at a time (see _add_scaled)
                self.helpers.add("add_scaled")
                args = f"{self.printer.doprint(coeff)}, {self.printer.doprint(leaf)}"
                self.then(f"_add_scaled({self.target}, {args})")
        return True

    def multiply(self, factors) -> bool:
        """A ⊙ product: its first compound factor in place (or the first two factors' product),
        then multiplied by the others."""
        p = self.printer
        spine = next(
            (f for f in factors if _is_array_op(f) and not is_step(f) and self.fits(f)), None
        )
        mark = len(self.lines)
        if spine is not None and self.into(spine):
            rest = [f for f in factors if f is not spine]
        else:
            del self.lines[mark:]
            dead = [f for f in factors if f in self.dead]
            if dead and self.take(dead[0]):
                factors = [dead[0], *(f for f in factors if f is not dead[0])]
            a, b, *rest = factors
            self.written += [f for f in (a, b) if _is_array_op(f)]
            self.first(f"np.multiply({_factor(p, a)}, {_factor(p, b)})")
        self.written += [f for f in rest if _is_array_op(f)]
        for factor in rest:
            self.then(f"{self.target} *= {_factor(p, factor)}")
        return True

    def function(self, body, t, arg) -> bool:
        """f(arg) entry by entry, for f a NumPy function of t or a polynomial step on one."""
        p = self.printer
        if body == t:
            return self.into(arg) if _is_array_op(arg) else False
        if isinstance(body, sp.Max) and len(body.args) == 2 and t in body.args:
            (number,) = [a for a in body.args if a != t]
            if number.is_number and not _is_array_op(arg):
                self.take(arg)
                self.first(f"np.maximum({p.doprint(arg)}, {p.doprint(number)})")
                return True
            return False
        if body.func in UFUNCS and body.args == (t,):
            if _is_array_op(arg):
                if not self.into(arg):
                    return False
                self.then(f"{UFUNCS[body.func]}({self.target}, out={self.target})")
            else:
                self.take(arg)
                self.first(f"{UFUNCS[body.func]}({p.doprint(arg)})")
            return True
        if body == t**2 and not _is_array_op(arg):
            self.first(f"np.square({p.doprint(arg)})")
            return True
        if isinstance(body, sp.Add) and len(body.args) == 2:
            number, rest = sorted(body.args, key=lambda a: not a.is_number)
            if number.is_number and not rest.is_number:
                negated = rest.could_extract_minus_sign()
                if not self.function(-rest if negated else rest, t, arg):
                    return False
                if negated:
                    self.then(
                        f"np.subtract({p.doprint(number)}, {self.target}, out={self.target})"
                    )
                else:
                    self.then(f"{self.target} += {p.doprint(number)}")
                return True
        return False


def _is_array_op(expr) -> bool:
    """Whether `expr` is an operation on arrays rather than a name (X, W1) or a number."""
    return (
        isinstance(expr, sp.Basic)
        and not isinstance(expr, (sp.MatrixSymbol, sp.Symbol))
        and not expr.is_number
    )


def _scaled_leaf(term):
    """(c, M) for a term c M with M a matrix symbol (−Y, λ W1); None for other terms."""
    if isinstance(term, sp.MatrixSymbol):
        return sp.S.One, term
    if isinstance(term, sp.MatMul):
        coeff, factors = term.as_coeff_matrices()
        if len(factors) == 1 and isinstance(factors[0], sp.MatrixSymbol):
            return coeff, factors[0]
    return None


def _factor(printer, factor) -> str:
    """A ⊙ factor as a whole argument, so without parentheses: the step 1(z > 0) as the
    comparison Z > 0, which NumPy multiplies as 0 and 1."""
    if is_step(factor):
        return printer._factor_of_product(factor)[1:-1]
    return printer.doprint(factor)


def chained(printer, target, expr, out, dead=frozenset()):
    """The Chain computing `expr` into `target` in place (its lines, the parts computed as
    written, the helpers they call, the dead array it reused), or None if `expr` has no such
    form (a leaf, a helper function's result, a per-example sum)."""
    # an array read twice by the expression cannot take the result: its second reading
    # would see the first operation's output (∂J/∂g ⊙ h − ∂J/∂g ⊙ x into ∂J/∂g)
    # and an array of another shape cannot either: ∂J/∂h = 1/n, one row every example shares,
    # is no place for ∂J/∂h ⊙ 1(h > 0), a row per example
    rows = expr is not None and printer.batched(expr)
    dead = frozenset(
        a
        for a in dead
        if sum(node == a for node in sp.preorder_traversal(expr)) == 1
        and getattr(a, "shape", None) == getattr(expr, "shape", None)
        and printer.batched(a) == rows
    )
    chain = Chain(printer, target, out, dead)
    chain.rows, chain.shape = rows, getattr(expr, "shape", None)
    if expr is None or not _is_array_op(expr) or not chain.into(expr):
        return None
    return chain
