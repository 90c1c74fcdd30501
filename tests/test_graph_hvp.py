"""R{·} on the graphs: forward over reverse gives H V, the Hessian of the objective times a
direction V, equal at random points to the directional derivative of sympy.diff's gradient,
d/dr ∂J/∂θ(θ + rV) at r = 0, entry by entry (relative error ≤ 1e-9)."""

from __future__ import annotations

import pytest
import sympy as sp
from graph_eval import Explicit, cells, entries, number
from test_graph_rules import GRAPHS

from symderiv.graphs.rules import adjoint_symbol, backward
from symderiv.graphs.spec import graph_from_mapping
from symderiv.graphs.tangents import hessian_vector, tangent_symbol


@pytest.mark.parametrize("name", GRAPHS)
def test_hessian_vector_product(name):
    graph = graph_from_mapping(GRAPHS[name], name)
    at = Explicit(graph)
    J = at.forward()
    for line in backward(graph):
        at.put(adjoint_symbol(line.name, at.shapes[line.name]), line.total)
    direction = {}
    for p, shape in graph.declared.parameters.items():
        direction[p] = entries(shape, "V" + p)
        at.known[tangent_symbol(p, shape)] = direction[p]
    found = {}
    for name_, tangent in hessian_vector(graph):
        base = name_[1:] if name_.startswith("d") and name_[1:] in at.shapes else name_
        own = tangent_symbol(name_, at.shapes[base])
        found[name_] = at.put(own, tangent)
    point = at.point()
    r = sp.Symbol("r")
    along = {}  # θ → θ + r V, every entry
    for p, shape in graph.declared.parameters.items():
        for cell, v in zip(cells(shape, p), cells(shape, "V" + p)):
            along[cell] = cell + r * v
    worst = 0.0
    for p, shape in graph.declared.parameters.items():
        hv = found["d" + p]
        mine = [hv] if shape.is_scalar else list(hv)
        for cell, have in zip(cells(shape, p), mine):
            fixed = {k: v for k, v in point.items() if k != cell}
            moved = J.xreplace(along).xreplace(fixed)  # J(θ + rV) in this entry and r
            want = number(sp.diff(moved, cell, r), {cell: point[cell], r: 0})
            worst = max(worst, abs(number(have, point) - want) / max(1.0, abs(want)))
    assert worst <= 1e-9, worst
