"""Each operation a graph's equation may use: its value as a SymPy expression and, right below,
its vector-Jacobian product, and the backward sweep through a graph's equations.

`value(node, symbols)` builds the right side of an equation from the SymPy symbols of the
names it reads. `vjp(node, g, symbols)` gives, for g = ∂J/∂(the node's value), each name's
contribution prod(g, ∂value/∂name), summed over the places the node reads it. The rules are
written for one example, as the section writes them (column vectors); `backward` runs them in
reverse order of the equations, each adjoint the sum of the contributions of its readers.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from ..activations import activation, slope_of
from ..calculus import loss_gradient
from ..exprs import Dot, Elementwise, FrobeniusSq, LogSumExp, Single, Softmax, Total, scaled
from ..losses import LOSSES
from ..scalar import t
from .parse import ENTRYWISE, Node

_ELEMENTARY = {
    "exp": sp.exp(t),
    "log": sp.log(t),
    "sqrt": sp.sqrt(t),
    "abs": sp.Abs(t),
}


def scalar_function(name: str) -> sp.Lambda:
    """The entrywise function `name` as a Lambda in t."""
    formula = _ELEMENTARY.get(name)
    return sp.Lambda(t, formula) if formula is not None else activation(name).fn


def slope(name: str, formula=None) -> sp.Lambda:
    """f′ of the entrywise function `name` (or of a declared `formula`), as an activation's
    φ′ is written (`activations.slope_of`: ReLU′(0) = 0)."""
    return slope_of(formula or scalar_function(name))


def symbols_of(shapes: dict) -> dict:
    """{name: a SymPy symbol}: a real Symbol for a scalar, a MatrixSymbol of symbolic sizes
    for an array."""
    out = {}
    for name, shape in shapes.items():
        if shape.is_scalar:
            out[name] = sp.Symbol(name, real=True)
        else:
            out[name] = sp.MatrixSymbol(name, *(_size(d) for d in shape.dims))
    return out


def _size(d):
    return sp.Integer(1) if d == 1 else sp.Symbol(d, integer=True, positive=True)


def _apply(f: sp.Lambda, x):
    if not isinstance(x, sp.MatrixExpr):
        return f(x)
    (v,) = f.variables
    if f.expr == v:  # identity(x) is x
        return x
    if f.expr.is_number:  # identity′(x) is 1: ones, which ⊙ drops
        return _scaled(f.expr, sp.OneMatrix(*x.shape))
    return Elementwise(f, x)


def _times(a, b):
    """a ⊙ b for arrays (a itself for 1 ⊙ a), a·b for scalars."""
    if isinstance(a, sp.MatrixExpr):
        if isinstance(b, sp.OneMatrix) or isinstance(a, sp.OneMatrix):
            return a if isinstance(b, sp.OneMatrix) else b
        return sp.HadamardProduct(a, b)
    return a * b


def _entry_sum(a, b):
    """Σ a ⊙ b: the scalar ⟨a, b⟩ (a·b for scalars)."""
    if isinstance(a, sp.MatrixExpr):
        return Total(_times(a, b))
    return a * b


def value(node: Node, symbols: dict, memo: dict | None = None):
    """The node's value as a SymPy expression. `memo` ({id(node): value}) keeps the values
    of the parts already built, so that a sweep builds each part once."""
    if memo is None:
        memo = {}
    found = memo.get(id(node))
    if found is None:
        if node.op == "add" and node.shape.is_scalar:  # a + b + c at once: no partial sums
            found = sp.Add(*(value(a, symbols, memo) for a in _scalar_terms(node)))
        else:
            found = _value(node, [value(a, symbols, memo) for a in node.args], symbols)
        memo[id(node)] = found
    return found


def _scalar_terms(node: Node) -> list:
    if node.op == "add" and node.shape.is_scalar:
        return [t for a in node.args for t in _scalar_terms(a)]
    return [node]


def _value(node: Node, args: list, symbols: dict):
    op = node.op
    if op == "ref":
        return symbols[node.name]
    if op == "number":
        return sp.nsimplify(node.name)
    if op == "neg":
        return -args[0]
    if op in ("add", "sub"):
        a, b = (spread(x, node.shape) for x in args)
        return a + b if op == "add" else a - b
    if op == "scale":
        c, a = args
        return c * a
    if op == "hadamard":
        return _times(*args)
    if op == "div":
        a, c = args
        return a / c if not isinstance(a, sp.MatrixExpr) else sp.MatMul(1 / c, a)
    if op == "matmul":
        product = sp.MatMul(*args)
        return Single(product) if node.shape.is_scalar else product
    if op == "transpose":
        return args[0].T
    if op == "pow":
        k = int(node.name)
        return _apply(sp.Lambda(t, t**k), args[0])
    return _call(node.name, args, node.formula)


def _call(name: str, args, formula=None):
    (a, *rest) = args
    if formula is not None:  # a function the graph declares
        return _apply(formula, a)
    if name in ENTRYWISE:
        return _apply(scalar_function(name), a)
    if name == "sum":
        return Total(a)
    if name == "norm":
        return sp.sqrt(FrobeniusSq(a))
    if name == "dot":
        return Dot(a, rest[0])
    if name == "trace":
        return sp.Trace(a)
    if name == "softmax":
        return Softmax(a)
    if name == "log_softmax":
        return Elementwise(sp.Lambda(t, sp.log(t)), Softmax(a))
    if name == "logsumexp":
        return LogSumExp(a)
    if name in LOSSES:
        return LOSSES[name].formula(a, rest[0])
    if name == "inv":
        return sp.Inverse(a)
    if name == "det":
        return sp.Determinant(a)
    return sp.log(sp.Determinant(a))  # logdet


def vjp(node: Node, g, symbols: dict, memo: dict | None = None) -> list:
    """[(name, contribution)] of ∂J/∂name through `node`, given g = ∂J/∂node."""
    if node.op == "ref":
        return [(node.name, g)]
    if node.op == "number":
        return []
    memo = {} if memo is None else memo
    # a sum's rule needs only its terms' shapes: their values are not built
    args = (
        node.args
        if node.op in ("add", "sub", "neg")
        else [value(a, symbols, memo) for a in node.args]
    )
    return [
        found
        for child, part in zip(node.args, _local(node, g, args))
        if part is not None
        for found in vjp(child, part, symbols, memo)
    ]


def _local(node: Node, g, args) -> tuple:
    """prod(g, ∂node/∂arg) for each argument (None where none is needed)."""
    op = node.op
    if op == "neg":
        return (-g,)
    if op in ("add", "sub"):  # a scalar spread over an array gets the sum of g's entries
        a, b = (g if not _spread_over(x, node) else _entry_sum(g, _ones(node)) for x in node.args)
        return (a, b) if op == "add" else (a, -b)
    if op == "scale":  # c a, c a scalar
        c, a = args
        return (_entry_sum(g, a), c * g)
    if op == "hadamard":
        a, b = args
        return (_times(g, b), _times(g, a))
    if op == "div":
        a, c = args
        return (_scaled(1 / c, g), -_entry_sum(g, a) / c**2)
    if op == "matmul":
        a, b = args
        if node.shape.is_scalar:  # g is a number: yᵀXw
            return (g * b.T, g * a.T)
        return (g * b.T, a.T * g)
    if op == "transpose":
        return (g.T,)
    if op == "pow":
        k = int(node.name)
        return (_times(g, _apply(sp.Lambda(t, k * t ** (k - 1)), args[0])),)
    return _call_vjp(node.name, g, args, node.formula)


def spread(x, shape):
    """x as a term of an array of `shape`: a scalar is c 1 (c in every entry)."""
    if shape.is_scalar or isinstance(x, sp.MatrixExpr):
        return x
    return sp.MatMul(x, sp.OneMatrix(*(_size(d) for d in shape.dims)))


def _spread_over(term: Node, node: Node) -> bool:
    return not node.shape.is_scalar and term.shape.is_scalar


def _ones(node):
    return sp.OneMatrix(*(_size(d) for d in node.shape.dims))


def _scaled(c, m):
    return c * m if not isinstance(m, sp.MatrixExpr) else scaled(c, m)


def _call_vjp(name: str, g, args, formula=None) -> tuple:
    (a, *rest) = args
    if formula is not None or name in ENTRYWISE:
        return (_times(g, _apply(slope(name, formula), a)),)
    if name == "sum":
        return (g * sp.OneMatrix(*a.shape),)
    if name == "norm":
        return (_scaled(g / sp.sqrt(FrobeniusSq(a)), a),)
    if name == "dot":
        b = rest[0]
        return (g * b, g * a)
    if name == "trace":
        return (g * sp.Identity(a.shape[0]),)
    if name == "softmax":
        s = Softmax(a)
        return (sp.HadamardProduct(s, g) - s * Dot(s, g),)
    if name == "log_softmax":
        return (g - Softmax(a) * Total(g),)
    if name == "logsumexp":
        return (g * Softmax(a),)
    if name in LOSSES and not LOSSES[name].is_concrete:  # the section's l: ∂L/∂o stays a symbol
        return (_scaled(g, loss_slope(a)), None)
    if name in LOSSES:
        o, y = sp.MatrixSymbol("_o", *a.shape), sp.MatrixSymbol("_y", *a.shape)
        grad = loss_gradient(LOSSES[name].formula(o, y), o, y).xreplace({o: a, y: rest[0]})
        return (_scaled(g, grad), None)  # the target is data: no gradient through it
    if name == "inv":
        inverse_t = sp.Inverse(a).T
        return (-(inverse_t * g * inverse_t),)
    if name == "det":
        return (g * sp.Determinant(a) * sp.Inverse(a).T,)
    return (g * sp.Inverse(a).T,)  # logdet


def loss_slope(o) -> sp.MatrixSymbol:
    """∂L/∂o of the section's generic loss l, kept as a symbol (it has no formula)."""
    return sp.MatrixSymbol("dL_do", *o.shape)


@lru_cache(maxsize=4096)
def adjoint_symbol(name: str, shape):
    """∂J/∂name as a symbol of the name's shape: dz, dW1, dJ."""
    if shape.is_scalar:
        return sp.Symbol(f"d{name}", real=True)
    return sp.MatrixSymbol(f"d{name}", *(_size(d) for d in shape.dims))


@dataclass(frozen=True)
class Swept:
    """∂J/∂name: the contribution of each equation that reads the name, prod(∂J/∂reader,
    ∂reader/∂name), in the order the sweep meets them, and their sum."""

    name: str
    terms: tuple  # of (reader, contribution)
    total: object


N = sp.Symbol("n", integer=True, positive=True)  # the number of examples in a minibatch
# ∂J/∂Lᵢ = 1 of an objective that sums its examples, as the module's writer takes it: a 1
# that marks what it multiplies as one example's, as 1/n marks it for the mean, so that a
# part of one example's contribution that every example shares (softmax(o) of a shared o,
# beside −yᵢ) is counted n times in the sum over the batch; `unmarked` puts the 1 in.
EACH = sp.Symbol("one_example", positive=True)


def batch_weight(graph, marked: bool = False):
    """∂J/∂Lᵢ for a per-example term Lᵢ of the objective over a minibatch: 1/n for the
    mean, 1 for the sum (`EACH` with `marked`)."""
    if graph.reduction == "mean":
        return 1 / N
    return EACH if marked else sp.Integer(1)


def unmarked(expr):
    """`expr` with the mark `EACH` replaced by the 1 it stands for."""
    return expr.xreplace({EACH: sp.Integer(1)}) if expr.has(EACH) else expr


def backward(
    graph, batch: bool = False, symbols: dict | None = None, marked: bool = False
) -> tuple:
    """Swept for every name the objective depends on, in the order the chain rule runs
    backward through the equations, each in terms of the forward quantities and the adjoint
    symbols already computed, its terms in the order of the equations that read it
    (∂J/∂z xᵀ + λW1). As in the section, a name's gradient is written as soon as
    every equation that reads it has been swept (∂J/∂W2 right after ∂J/∂o); a parameter the
    objective does not read comes last, with a zero gradient.

    With `batch`, the objective is that of a minibatch: its per-example terms are reduced
    (each gets ∂J/∂Lᵢ = `batch_weight`) and its shared terms are added once (∂J/∂s = 1), so
    that a per-example adjoint is that of one example's row, and a shared quantity's
    contribution from a per-example reader is one example's, to be summed over the batch.
    `symbols` ({name: symbol}) are those the results are written in (`symbols_of` by
    default). With `marked`, a summed objective's ∂J/∂Lᵢ is `EACH`."""
    from .spec import split_objective

    shapes = {**graph.declared.shapes(), **{e.target: e.expr.shape for e in graph.equations}}
    symbols = symbols or symbols_of(shapes)
    defined = {e.target: e for e in graph.equations}
    reached = _reached_equations(graph, defined)
    remaining = {}  # {name: how many equations that read it are still to be swept}
    for equation in reached:
        for name in names_read(equation.expr):
            remaining[name] = remaining.get(name, 0) + 1
    wanted = set(defined) | set(graph.declared.parameters)
    # {name: {reader: [contributions]}}: a reader that reads a name twice (w in ‖Xw − y‖² and
    # ‖w‖²) gives one prod term, the sum of its contributions
    parts: dict = {}
    out = [Swept(graph.objective, ((None, sp.Integer(1)),), sp.Integer(1))]

    def swept(name, by_reader, zero=None):  # its terms in the order of their readers' equations
        readers = sorted(by_reader, key=lambda r: defined[r].index)
        terms = tuple((reader, _sum(by_reader[reader])) for reader in readers)
        total = _sum([c for _, c in terms]) if terms else zero
        return Swept(name, terms, total)

    def add(reader, found):
        for name, part in found:
            parts.setdefault(name, {}).setdefault(reader, []).append(part)

    for equation in reached:
        if batch and equation.target == graph.objective:
            each, once = split_objective(equation.expr, graph.declared.hyperparameters)
            for node, seed in ((each, batch_weight(graph, marked)), (once, sp.Integer(1))):
                if node is not None:
                    add(equation.target, vjp(node, seed, symbols))
        else:
            g = adjoint_symbol(equation.target, equation.expr.shape)
            add(equation.target, vjp(equation.expr, g, symbols))
        for name in names_read(equation.expr):
            remaining[name] -= 1
            if remaining[name] == 0 and name in wanted:
                out.append(swept(name, parts.get(name, {})))
    done = {s.name for s in out}
    for name, shape in graph.declared.parameters.items():
        if name not in done:
            zero = sp.Integer(0) if shape.is_scalar else sp.ZeroMatrix(*symbols[name].shape)
            out.append(swept(name, parts.get(name, {}), zero))
    return tuple(out)


def _reached_equations(graph, defined) -> list:
    """The equations the objective depends on, from the objective back to the first."""
    needed, order = {graph.objective}, []
    for equation in reversed(graph.equations):
        if equation.target in needed:
            order.append(equation)
            needed.update(r for r in names_read(equation.expr) if r in defined)
    return order


def names_read(node) -> list:
    """The names an expression reads, in the order it reads them, each once."""
    if node.op == "ref":
        return [node.name]
    return list(dict.fromkeys(r for a in node.args for r in names_read(a)))


def unit_factors_dropped(expr):
    """1 · (…) → (…) and 1 ⊙ (…) → (…): what putting ∂J/∂L = 1 in leaves in a matrix
    product, and in the entrywise product with the ones of a sum's gradient."""

    def drop(product):
        rest = [f for f in product.args if f != 1]
        return rest[0] if len(rest) == 1 else sp.MatMul(*rest)

    def ones(f):  # c 1 → c, for a factor that is ones (times a scalar), else None
        if isinstance(f, sp.OneMatrix):
            return sp.Integer(1)
        if isinstance(f, sp.MatMul):
            coeff, matrices = f.as_coeff_matrices()
            if len(matrices) == 1 and isinstance(matrices[0], sp.OneMatrix):
                return coeff
        return None

    def ones_dropped(product):  # (μ 1) ⊙ sign(w) → μ sign(w)
        coeff = sp.Mul(*[c for c in map(ones, product.args) if c is not None])
        rest = [f for f in product.args if ones(f) is None]
        body = rest[0] if len(rest) == 1 else sp.HadamardProduct(*rest)
        return body if coeff == 1 else sp.MatMul(coeff, body)

    def has_ones(e) -> bool:
        if not isinstance(e, sp.HadamardProduct):
            return False
        found = [ones(f) is not None for f in e.args]
        return any(found) and not all(found)

    expr = expr.replace(lambda e: isinstance(e, sp.MatMul) and 1 in e.args, drop)
    return expr.replace(has_ones, ones_dropped)


def _sum(terms):
    if len(terms) == 1:
        return terms[0]
    if isinstance(terms[0], sp.MatrixExpr):
        return sp.MatAdd(*terms)
    return sp.Add(*terms)
