"""A graph model from its TOML table (or a Python dict): what it declares, its equations, its
objective, and the batch semantics of that objective.

    name = "residual"
    inputs = { x = "d", y = "q" }            # per example
    parameters = { W1 = "h d", b1 = "h", W2 = "q h", W3 = "q d" }
    constants = {}                           # shared data of fixed shape, e.g. X = "n d"
    hyperparameters = ["p"]                  # shared scalars; lam (λ) is always one
    equations = ["z = W1 @ x + b1", "h = relu(z)", "o = W2 @ h + W3 @ x",
                 "L = softmax_cross_entropy(o, y)",
                 "s = lam / 2 * (norm(W1)**2 + norm(W2)**2 + norm(W3)**2)", "J = L + s"]
    objective = "J"                          # the last equation's name unless given

Over a minibatch the objective is the model's reduction (mean or sum) of its per-example terms
plus its shared terms, once: J = (1/n) Σᵢ Lᵢ + s. Its equation is read as a sum of terms
(through +, - and scaling by numbers and hyperparameters); a term that holds both a
per-example quantity and a shared scalar defined by an equation (L * s) has no such reading
and is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..activations import activation
from ..errors import UsageError, shown
from .parse import _NAME, FUNCTIONS, Declared, Node, parse_equations
from .shapes import Shape, declared

KEYS = (
    "name", "inputs", "parameters", "constants", "hyperparameters", "functions", "equations",
    "objective", "reduction",
)  # fmt: skip
REDUCTIONS = ("mean", "sum")


@dataclass(frozen=True)
class GraphModel:
    name: str
    declared: Declared
    equations: tuple
    objective: str
    reduction: str = "mean"
    warnings: tuple = ()  # what the model asks that may be a mistake, said but not refused

    def _repr_svg_(self) -> str | None:
        """In a notebook: the computational graph (none where Graphviz is missing)."""
        from ..figure import svg
        from .document import figure_of

        try:
            return svg(figure_of(self))
        except UsageError:
            return None


def graph_from_mapping(data: dict, source: str) -> GraphModel:
    """The GraphModel `data` describes; every refusal starts with `source` and names the key."""
    unknown = [k for k in data if k not in KEYS]
    if unknown:
        raise UsageError(
            f"{source}: unknown key {shown(unknown[0])}; a graph has {', '.join(KEYS)}"
        )
    name = data.get("name", "graph")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise UsageError(f"{source}: name {shown(name)} is not allowed; expected an identifier")
    seen: dict = {}
    tables = {}
    for kind in ("inputs", "parameters", "constants"):
        table = data.get(kind, {})
        if not isinstance(table, dict):
            raise UsageError(f'{source}: {kind} must be a table such as {{ x = "d" }}')
        for key in table:
            _new_name(key, kind, seen, source)
        per_example = kind == "inputs"
        tables[kind] = {
            k: declared(v, f"{source}: {kind}.{k}", per_example) for k, v in table.items()
        }
    hyper = data.get("hyperparameters", [])
    if not isinstance(hyper, list) or not all(isinstance(h, str) for h in hyper):
        raise UsageError(f'{source}: hyperparameters must be a list of names such as ["lam"]')
    for key in hyper:
        _new_name(key, "hyperparameters", seen, source)
    if "lam" not in seen:  # λ, the weight decay every module takes (loss_and_grad(…, lam))
        hyper = [*hyper, "lam"]
    functions = data.get("functions", {})
    if not isinstance(functions, dict):
        raise UsageError(f'{source}: functions must be a table such as {{ mish = "t*tanh(…)" }}')
    for key in functions:
        _new_name(key, "functions", seen, source)
    formulas = {}
    for key, text in functions.items():
        try:
            formulas[key] = activation(text)
        except UsageError as e:
            raise UsageError(f"{source}: functions.{key}: {e}") from None
    if not tables["parameters"]:
        raise UsageError(f"{source}: parameters: a graph needs at least one parameter")
    if tables["inputs"]:
        for kind, table in tables.items():
            for key, shape in table.items():
                if "n" in shape.dims:
                    raise UsageError(
                        f"{source}: {kind}.{key}: the size n is the number of examples in a "
                        "minibatch of a graph with inputs; name this size otherwise"
                    )
    what = Declared(
        tables["inputs"], tables["parameters"], tables["constants"], tuple(hyper), formulas
    )
    equations = parse_equations(data.get("equations"), what, f"{source}")
    defined = {e.target: e for e in equations}
    objective = data.get("objective", equations[-1].target)
    if objective not in defined:
        raise UsageError(f"{source}: objective {shown(objective)} is not the name of an equation")
    goal = defined[objective]
    if not goal.expr.shape.is_scalar:
        raise UsageError(
            f"{source}: the objective {objective} is {goal.expr.shape}; it must be a scalar"
        )
    reduction = data.get("reduction", "mean")
    if reduction not in REDUCTIONS:
        raise UsageError(
            f"{source}: reduction {shown(reduction)} is not allowed; expected mean or sum"
        )
    _check_terms(goal, defined, set(hyper), source)
    read = _reached(objective, defined)
    unused = [p for p in what.parameters if p not in read]
    warnings = tuple(
        f"{source}: the objective {objective} does not depend on the parameter {p}; its "
        "gradient is zero"
        for p in unused
    )
    return GraphModel(name, what, equations, objective, reduction, warnings)


def _new_name(key, kind: str, seen: dict, source: str) -> None:
    if not isinstance(key, str) or not _NAME.fullmatch(key) or key in FUNCTIONS or key == "T":
        raise UsageError(
            f"{source}: {kind}: {shown(key)} is not allowed; expected a name such as x, W1 or "
            "lam that is not a function's"
        )
    if key in seen:
        raise UsageError(f"{source}: {key!r} is declared twice ({seen[key]} and {kind})")
    seen[key] = kind


def _check_terms(goal, defined: dict, hyper: set, source: str) -> None:
    """Each additive term of the objective is per example (reduced over the batch) or shared
    (added once); one that reads a shared scalar defined by an equation beside per-example
    quantities is neither."""
    for term in _terms(goal.expr, hyper):
        if not term.shape.per_example:
            continue
        shared = sorted(
            n.name
            for n in _walk(term)
            if n.op == "ref"
            and n.name in defined
            and defined[n.name].expr.shape.is_scalar
            and not defined[n.name].expr.shape.per_example
        )
        if shared:
            raise UsageError(
                f"{source}: the objective {goal.target} has the shared term {shared[0]!r} "
                "inside a per-example term; over a minibatch the objective reduces its "
                "per-example terms and adds its shared terms once, so a shared term such as "
                f"{shared[0]} may only be added to the objective"
            )


def _terms(node: Node, hyper: set) -> list:
    """The additive terms of `node`: through +, - and scaling by a number or a
    hyperparameter, on either side."""

    def coefficient(n: Node) -> bool:
        return n.op == "number" or (n.op == "ref" and n.name in hyper)

    if node.op in ("add", "sub"):
        return _terms(node.args[0], hyper) + _terms(node.args[1], hyper)
    if node.op == "neg":
        return _terms(node.args[0], hyper)
    if node.op == "scale":
        factor, other = node.args
        if coefficient(factor):
            return _terms(other, hyper)
        if coefficient(other):
            return _terms(factor, hyper)
    if node.op == "div" and coefficient(node.args[1]):
        return _terms(node.args[0], hyper)
    return [node]


def split_objective(node: Node, hyper) -> tuple:
    """(its per-example part, its shared part) of the objective's expression, either None
    where it has no such terms: J = L + s → (L, s). The objective is a sum of terms (see
    `_terms`), each per example or shared, which `graph_from_mapping` has checked."""
    coefficient = {"number", "ref"}

    def is_coefficient(n: Node) -> bool:
        return n.op in coefficient and (n.op == "number" or n.name in hyper)

    def join(op, a, b):
        if a is None or b is None:
            if op == "sub" and a is None and b is not None:
                return Node("neg", (b,), b.shape)
            return a if b is None else b
        return Node(op, (a, b), Shape((), a.shape.per_example or b.shape.per_example))

    def split(n: Node) -> tuple:
        if n.op in ("add", "sub"):
            (p1, s1), (p2, s2) = split(n.args[0]), split(n.args[1])
            return join(n.op, p1, p2), join(n.op, s1, s2)
        if n.op == "neg":
            return tuple(
                None if x is None else Node("neg", (x,), x.shape) for x in split(n.args[0])
            )
        if n.op == "scale":
            factor, other = n.args
            if not is_coefficient(factor) and is_coefficient(other):
                factor, other = other, factor
            if is_coefficient(factor):
                return tuple(
                    None if x is None else Node("scale", (factor, x), x.shape)
                    for x in split(other)
                )
        if n.op == "div" and is_coefficient(n.args[1]):
            return tuple(
                None if x is None else Node("div", (x, n.args[1]), x.shape)
                for x in split(n.args[0])
            )
        return (n, None) if n.shape.per_example else (None, n)

    return split(node)


def _walk(node: Node):
    yield node
    for arg in node.args:
        yield from _walk(arg)


def _reached(objective: str, defined: dict) -> set:
    """Every name the objective's equation reads, through the equations it reads."""
    seen, todo = set(), [objective]
    while todo:
        name = todo.pop()
        for node in _walk(defined[name].expr):
            if node.op == "ref" and node.name not in seen:
                seen.add(node.name)
                if node.name in defined:
                    todo.append(node.name)
    return seen
