"""A dense network as the equations it stands for: the preset a Model's flags and keys name,
written as a graph (the section's names: z, h, o, L, s, J; z1, h1, … for deeper networks).

    symderiv preset --activation relu --loss squared --bias hidden

prints the graph's TOML, to start one's own graph from; `dense_graph` gives it as a
GraphModel, which the tests prove has the dense module's objective and gradients.
"""

from __future__ import annotations

import json

from ..activations import NAMED, PARAMETERIZED, activation
from ..errors import UsageError
from .parse import ENTRYWISE
from .spec import graph_from_mapping


def dense_table(model, exact: bool = False) -> dict:
    """The graph (as its TOML mapping) of a dense network; the section's generic φ and l stay
    generic (phi = "phi", l(o, y)): they derive, and refuse to become code. With `exact`,
    each activation is the one the model names (leaky_relu(0.2) as its pieces), as the
    derivation states it; without, a parameterized activation is written as a formula in t
    with the same values and derivative."""
    hidden, output_bias = model.stack
    depth = len(hidden)
    size = ["d", *(("h",) if depth == 1 else (f"h{k}" for k in range(1, depth + 1))), "q"]
    params, functions, equations = {}, {}, []
    a = "x"
    for k, layer in enumerate(hidden, start=1):
        z, h = ("z", "h") if depth == 1 else (f"z{k}", f"h{k}")
        params[f"W{k}"] = f"{size[k]} {size[k - 1]}"
        bias = f" + b{k}" if layer.bias else ""
        if layer.bias:
            params[f"b{k}"] = size[k]
        equations.append(f"{z} = W{k} @ {a}{bias}")
        equations.append(f"{h} = {_function(layer.activation, functions, exact)}({z})")
        a = h
    out = depth + 1
    params[f"W{out}"] = f"q {size[depth]}"
    bias = ""
    if output_bias:
        params[f"b{out}"] = "q"
        bias = f" + b{out}"
    equations += [f"o = W{out} @ {a}{bias}", f"L = {model.loss}(o, y)"]
    if model.weight_decay:
        weights = " + ".join(f"norm(W{k})**2" for k in range(1, out + 1))
        equations += [f"s = lam / 2 * ({weights})", "J = L + s"]
    else:
        equations.append("J = L")
    table = {"name": model.name, "inputs": {"x": "d", "y": "q"}, "parameters": params}
    if functions:
        table["functions"] = functions
    table["equations"] = equations
    if model.reduction != "mean":
        table["reduction"] = model.reduction
    return table


# The parameterized activations as formulas in t: the same function, and the same derivative
# away from 0 (at 0 each side's convention is tangent.py's).
PIECES = {
    "leaky_relu": "max(t, 0) + {a}*min(t, 0)",
    "elu": "max(t, 0) + {a}*(exp(min(t, 0)) - 1)",
}


def _function(spec: str, functions: dict, exact: bool = False) -> str:
    """The name an equation calls for an activation: its own where the equations know it, a
    declared function for a formula in t."""
    if spec in ENTRYWISE:
        return spec
    fn = activation(spec)
    if exact or not fn.is_concrete:  # the section's generic φ is declared as itself
        return _declare(spec, functions)
    base, _, rest = spec.partition("(")
    if base in PARAMETERIZED:  # leaky_relu(0.2), elu(0.5): the formula in t they stand for
        a = rest.rstrip(")").strip()
        spec = PIECES[base].format(a=a)
    elif spec in NAMED:
        raise UsageError(f"activation {spec!r} has no equation form yet")
    return _declare(spec, functions)


def _declare(spec: str, functions: dict) -> str:
    for name, formula in functions.items():  # one name for one formula
        if formula == spec:
            return name
    name = "phi" if not functions else f"phi{len(functions) + 1}"
    functions[name] = spec
    return name


def dense_graph(model, exact: bool = False):
    """The GraphModel of a dense network's equations (see `dense_table` for `exact`)."""
    return graph_from_mapping(dense_table(model, exact), f"the preset {model.name}")


def _quoted(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text, ensure_ascii=False)


def toml_text(table: dict) -> str:
    """The mapping as TOML, one key a line, the equations one a line."""
    lines = []
    for key, value in table.items():
        if isinstance(value, dict):
            items = ", ".join(f"{k} = {_quoted(v)}" for k, v in value.items())
            lines.append(f"{key} = {{ {items} }}")
        elif isinstance(value, list):
            lines.append(f"{key} = [")
            lines += [f"  {_quoted(v)}," for v in value]
            lines.append("]")
        else:
            lines.append(f"{key} = {_quoted(value)}")
    return "\n".join(lines) + "\n"
