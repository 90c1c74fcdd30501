"""Random graphs, drawn by hypothesis from a grammar that composes every operation with every
other, and the proofs each one's modules must pass.

The grammar: a graph has 1 to 4 named vector equations and an objective. A vector expression
is, at each level (depth 3 to 4), one of: a name (an input, a shared vector, an earlier
equation's); an entrywise function (the activations, exp, log, sqrt, abs, a declared formula)
of a compound argument; a whole power of one, (1 + v²)⁻¹ among them; a sum, difference or ⊙
of two; a scalar (a scalar expression, a number, the scalar parameter a) times or plus one;
one divided by a positive scalar; W v and Wᵀ v; softmax and log_softmax. A scalar expression is
a reduction (sum, norm², dot, logsumexp, a loss) of a vector expression, a function or power
of a scalar one, a product or sum of two, or a. The objective is a loss of the last vector or
a scalar expression of it, plus shared terms: λ‖W‖²/2, a² / 2, 1 / (2 + a²) (a read in a
per-example term and a shared one), ‖b‖², log det S, tr(S⁻¹ C), tr(S⁻¹ S⁻¹) and det S; the
reduction is the mean or the sum; the batch has 1 or more examples.

`prove` checks one graph's NumPy module against `graph_autograd.AutogradGraph`, which reads the
same equations with Python's `ast` and autograd and shares no code with symderiv: J, every
gradient, H V, the Hessian (the models are small), predict, the dtypes of a float32 call,
and the Array API module (under array_api_strict) against the NumPy one.
"""

from __future__ import annotations

import ast
import inspect

import array_api_strict
import numpy as np
from graph_autograd import AutogradGraph
from hypothesis import strategies as st

from symderiv.graphs.module import array_api_module_source, graph_module_source
from symderiv.graphs.spec import graph_from_mapping
from symderiv.validation.graph_numeric import graph_point
from symderiv.validation.numeric import load_source, relative_error

TOLERANCE = 1e-8  # two exact derivatives of one float64 function: rounding apart (at a
# softmax saturated by logits of 10³, H V is 1e-7 of the gradient and rounding reaches 1e-9)
FLOOR = 1e-6  # relative to J (to the gradient, for H V): below it an error is absolute

ENTRYWISE = (
    "relu sigmoid tanh softplus silu gelu gelu_tanh identity leaky_relu elu abs f g"
).split()
FUNCTIONS = {"f": "t*tanh(t)", "g": "t / (1 + t**2)"}  # declared, applied like the others
SHAPES = {
    "x": ("inputs", "d"),
    "y": ("inputs", "d"),
    "W": ("parameters", "d d"),
    "b": ("parameters", "d"),
    "a": ("parameters", ""),
    "S": ("parameters", "k k"),
    "c": ("constants", "d"),
    "C": ("constants", "k k"),
}
SHARED_TERMS = (
    "lam / 2 * norm(W)**2",
    "a**2 / 2",
    "1 / (2 + a**2)",
    "norm(b)**2",
    "logdet(S)",
    "trace(inv(S) @ C)",
    "trace(inv(S) @ inv(S))",
    "det(S) / 4",
)
LOSSES = ("squared", "softmax_cross_entropy", "sigmoid_cross_entropy")


def vector(names: list, depth: int):
    """A vector expression over `names`, `depth` levels deep (an atom at 0)."""
    atom = st.sampled_from(names)
    if depth == 0:
        return atom
    v = vector(names, depth - 1)
    s = scalar(names, depth - 1)
    number = st.sampled_from(("0.5", "2", "3"))
    return st.one_of(
        atom,
        st.builds(lambda f, u: f"{f}({u})", st.sampled_from(ENTRYWISE), v),
        st.builds(lambda u: f"exp(tanh({u}))", v),
        st.builds(lambda u: f"log(1 + ({u})**2)", v),
        st.builds(lambda u: f"sqrt(2 + ({u})**2)", v),
        st.builds(lambda u, k: f"({u})**{k}", v, st.sampled_from((2, 3))),
        st.builds(lambda u: f"(1 + ({u})**2)**-1", v),
        st.builds(_pair, st.sampled_from(("+", "-", "*")), v, v),
        st.builds(lambda c, u: f"({c}) * ({u})", s, v),
        st.builds(lambda c, u: f"{c} * ({u})", number, v),
        st.builds(lambda c, u: f"{c} - ({u})", number, v),
        st.builds(lambda u, c: f"({u}) + ({c})", v, s),
        st.builds(lambda u, c: f"({u}) / (1 + ({c})**2)", v, s),
        st.builds(lambda u: f"a * ({u})", v),
        st.builds(lambda u: f"({u}) / (1 + a**2)", v),
        st.builds(lambda m, u: f"{m} @ ({u})", st.sampled_from(("W", "W.T")), v),
        st.builds(lambda f, u: f"{f}({u})", st.sampled_from(("softmax", "log_softmax")), v),
    )


def scalar(names: list, depth: int):
    """A scalar expression over `names` (vectors), `depth` levels deep."""
    if depth == 0:
        return st.sampled_from(("a", "sum(x) / 3", "dot(x, c)"))
    v = vector(names, depth - 1)
    s = scalar(names, depth - 1)
    return st.one_of(
        st.builds(lambda u: f"sum({u})", v),
        st.builds(lambda u: f"norm({u})**2", v),
        st.builds(lambda u: f"sqrt(1 + norm({u})**2)", v),
        st.builds(lambda u, w: f"dot({u}, {w})", v, v),
        st.builds(lambda u: f"logsumexp({u})", v),
        st.builds(lambda loss, u: f"{loss}({u}, y)", st.sampled_from(LOSSES), v),
        st.builds(lambda f, c: f"{f}({c})", st.sampled_from(("tanh", "sigmoid", "softplus")), s),
        st.builds(lambda c: f"({c})**2", s),
        st.builds(_pair, st.sampled_from(("+", "*")), s, s),
        st.just("a"),
    )


def _pair(op: str, u: str, w: str) -> str:
    if u == w and op == "-":  # u − u is 0 everywhere: the kinks of what reads it are hit
        op = "+"
    return f"({u}) {op} ({w})"


@st.composite
def graphs(draw) -> dict:
    """A graph's TOML table: 1 to 4 vector equations, then its objective."""
    names = ["x", "b", "c"]
    equations = []
    for k in range(1, draw(st.integers(1, 4)) + 1):
        depth = draw(st.integers(1, 3))
        equations.append(f"z{k} = {draw(vector(names, depth))}")
        names.append(f"z{k}")
    last = names[-1]
    loss = draw(st.sampled_from(LOSSES))
    each = draw(
        st.sampled_from(
            (
                f"{loss}({last}, y)",
                f"{loss}({last}, y) * (1 + a**2)",
                f"sum({last}) / 3 + {loss}({last}, y)",
            )
        )
    )
    shared = draw(st.lists(st.sampled_from(SHARED_TERMS), max_size=3, unique=True))
    equations.append(" + ".join([f"J = {each}", *shared]))
    table = {"name": "drawn", "equations": equations, "functions": dict(FUNCTIONS)}
    table["reduction"] = draw(st.sampled_from(("mean", "sum")))
    return declared_for(table)


def declared_for(table: dict) -> dict:
    """`table` with the names its equations read declared, by kind, and nothing else (a
    parameter the objective does not read is refused)."""
    read = set()
    for text in table["equations"]:
        tree = ast.parse(text.split("=", 1)[1].strip(), mode="eval")
        read |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    read |= {"x", "y"}  # every graph has its inputs, even where the objective drops one
    if not read & {n for n, (kind, _) in SHAPES.items() if kind == "parameters"}:
        table["equations"][-1] += " + a**2 / 2"  # a graph has a parameter
        read.add("a")
    for kind in ("inputs", "parameters", "constants"):
        table[kind] = {n: s for n, (k, s) in SHAPES.items() if k == kind and n in read}
    if not table["constants"]:
        del table["constants"]
    return table


def prove(table: dict, n: int, seed: int = 0) -> dict:
    """{what: relative error} of the graph's modules against autograd and each other, over a
    batch of n examples; every error must be at most TOLERANCE."""
    graph = graph_from_mapping(dict(table), table["name"])
    module = load_source(graph_module_source(graph), "drawn")
    rng = np.random.default_rng(seed)
    params, data = graph_point(graph, module, n, rng)
    reference = AutogradGraph(table)
    J, grads = module.loss_and_grad(params, *data)
    want_J = reference.J(params, *data)
    assert np.isfinite(want_J), "the reference is not finite at this point"
    errors = {"J": relative_error(J, want_J)}
    floor = FLOOR * max(1.0, abs(want_J))
    want = reference.gradient(params, *data)
    errors |= {p: relative_error(grads[p], want[p], floor) for p in module.PARAMETERS}
    V = {p: rng.standard_normal(np.shape(params[p])) for p in module.PARAMETERS}
    HV = module.hvp(params, *data, V)
    want_HV = reference.hvp(params, *data, V=V)
    floor = FLOOR * max(1.0, float(np.sqrt(sum(np.vdot(g, g) for g in grads.values()))))
    errors |= {f"HV {p}": relative_error(HV[p], want_HV[p], floor) for p in module.PARAMETERS}
    errors["hessian"] = relative_error(
        module.hessian(params, *data), reference.hessian(params, *data), floor
    )
    errors["predict"] = _predict_error(table, module, reference, params, data)
    errors["float32"] = _float32_error(module, params, data, V)
    errors |= _array_api_errors(graph, params, data, V, J, grads, HV)
    return errors


def _predict_error(table, module, reference, params, data) -> float:
    """predict against the reference, example by example: with one loss in the equations, the
    loss's first argument (o of squared(o, y)); otherwise the objective's per-example part."""
    equations = [text.split("=", 1) for text in table["equations"]]
    trees = {target.strip(): ast.parse(body.strip(), mode="eval") for target, body in equations}
    read, wanted = set(), [equations[-1][0].strip()]
    while wanted:  # the equations the objective reads, directly or not
        name = wanted.pop()
        read.add(name)
        names = {node.id for node in ast.walk(trees[name]) if isinstance(node, ast.Name)}
        wanted += sorted(names & set(trees) - read)
    losses = [
        node
        for name in read
        for node in ast.walk(trees[name])
        if isinstance(node, ast.Call) and node.func.id in LOSSES
    ]
    got = module.predict(params, *_predict_data(module, data))
    if len(losses) == 1:
        want = reference.value(ast.unparse(losses[0].args[0]), params, *data)
    else:
        want = reference.each(params, *data)
    # a vector that reads no input is one row for every example
    return relative_error(np.broadcast_to(got, np.shape(want)), want)


def _predict_data(module, data) -> list:
    """The arguments of predict among the data (those of its parameters after params)."""
    names = [*module.DATA, *module.HYPERPARAMETERS]
    wanted = list(inspect.signature(module.predict).parameters)[1:]
    return [data[names.index(name)] for name in wanted]


def _float32_error(module, params, data, V) -> float:
    """0 where a float32 call returns a float and float32 arrays only, else inf."""
    p32 = {k: np.asarray(v, dtype=np.float32) for k, v in params.items()}
    d32 = [np.asarray(a, dtype=np.float32) if isinstance(a, np.ndarray) else a for a in data]
    v32 = {k: np.asarray(v, dtype=np.float32) for k, v in V.items()}
    J, grads = module.loss_and_grad(p32, *d32)
    HV = module.hvp(p32, *d32, v32)
    out = [*grads.values(), *HV.values(), module.predict(p32, *_predict_data(module, d32))]
    ok = isinstance(J, float) and all(np.asarray(a).dtype == np.float32 for a in out)
    return 0.0 if ok else float("inf")


def _array_api_errors(graph, params, data, V, J, grads, HV) -> dict:
    """The Array API module under array_api_strict against the NumPy module."""
    module = load_source(array_api_module_source(graph), "drawn_xp")
    strict = array_api_strict.asarray
    arrays = {k: strict(v) for k, v in params.items()}
    given = [strict(a) if isinstance(a, np.ndarray) else a for a in data]
    J_x, grads_x = module.loss_and_grad(arrays, *given)
    HV_x = module.hvp(arrays, *given, {k: strict(v) for k, v in V.items()})
    errors = [relative_error(float(J_x), J)]
    floor = FLOOR * max(1.0, abs(J))  # as against the reference: below it, an absolute error
    errors += [relative_error(np.asarray(grads_x[k]), grads[k], floor) for k in grads]
    floor = FLOOR * max(1.0, float(np.sqrt(sum(np.vdot(g, g) for g in grads.values()))))
    errors += [relative_error(np.asarray(HV_x[k]), HV[k], floor) for k in HV]
    return {"array api": max(errors)}
