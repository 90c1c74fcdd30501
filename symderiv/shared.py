"""What forward computes and backward needs again: forward names it and keeps it.

The squared loss ½‖o − y‖² and its derivative (o − y)/n share the residual o − y. The generated
forward computes it once, as R, and backward reads R rather than subtracting again; the memory
table counts R where it would have counted o.
"""

from __future__ import annotations

import sympy as sp

from .derivation import Derivation


def backward_forms(derivation: Derivation, output_form: dict) -> list:
    """(adjoint, its closed form as backward computes it) for each adjoint that is not a
    constant, in the reverse sweep's order."""
    return [
        (adjoint, adjoint.closed.xreplace(output_form))
        for adjoint in derivation.adjoints
        if not adjoint.is_constant
    ]


def shared(loss_expr, closed_forms) -> dict:
    """{o − y: the symbol R}: each sum inside the loss's formula that a backward form contains
    too, with a name of its own (R, R2, … in the order the formula has them)."""
    found = {}
    for node in sp.preorder_traversal(loss_expr):
        if isinstance(node, sp.MatAdd) and node not in found:
            if any(form.has(node) for form in closed_forms):
                name = "R" if not found else f"R{len(found) + 1}"
                found[node] = sp.MatrixSymbol(name, *node.shape)
    return found
