"""Where each node of a dense network's computational graph sits, as the section draws it.

The chain runs left to right along one row: × (and + for a bias), z, φ, h, ×, o, l, L. Each
parameter sits above the operator it feeds, the input x and the target y below the chain (x
first, y under l), ℓ2 above the parameters, then s → + → J, with J highest and rightmost. All
edges are straight and none crosses another or a node. The positions are computed here, not by
Graphviz's layout, so that the figure is the same on every machine; Graphviz only draws it.
For now this is the one-hidden-layer network of the section, with or without biases.
"""

from __future__ import annotations

from statistics import mean

COLUMN = 50.0  # points between two columns (a node is 36 points wide)
ROW = 50.0  # points between two rows
# rows, from the bottom; a weight sits higher than a bias, so that its edge to ℓ2 clears the
# bias beside it
INPUTS, CHAIN, BIASES, WEIGHTS, DECAY, TOP = -1, 0, 1, 1.5, 2.5, 3.5


def positions(tape) -> dict | None:
    """{node id: (x, y)} in points for the graph `figure.graph_of` draws of `tape`; None for a
    graph this layout does not draw without crossings: more than one hidden layer (every weight
    then feeds one ℓ2 across the others), or steps other than the dense presets'. Graphviz lays
    those out."""
    if tape.model.depth > 1:
        return None
    at: dict = {}
    column = 0.0
    weights = []
    for i, step in enumerate(tape.steps, start=1):
        if step.op in ("matmul", "affine"):
            W, v = step.args[0], step.args[1]
            if v.kind == "input":
                at[v.name] = (column, INPUTS)
                column += 1
            at[f"op{i}_1"], at[W.name] = (column, CHAIN), (column, WEIGHTS)
            weights.append(column)
            column += 1
            if step.op == "affine":
                b = step.args[2]
                at[f"op{i}_2"], at[b.name] = (column, CHAIN), (column, BIASES)
                column += 1
        elif step.op == "activation":
            at[f"op{i}_1"] = (column, CHAIN)
            column += 1
        elif step.op == "loss":
            at[f"op{i}_1"], at[step.args[1].name] = (column, CHAIN), (column, INPUTS)
            column += 1
        elif step.op == "weight_decay":
            at[f"op{i}_1"] = (mean(weights), DECAY)
            continue  # s is placed with the objective, above L
        elif step.op == "objective":
            loss_column = column - 1  # L's
            if len(step.args) > 1:  # J = L + s
                at[step.args[1].name] = (loss_column, DECAY)
            at[f"op{i}_1"] = (loss_column + 1, DECAY)
            at[step.out.name] = (loss_column + 2, TOP)
            break
        else:
            return None
        at[step.out.name] = (column, CHAIN)
        column += 1
    return {node: (x * COLUMN, y * ROW) for node, (x, y) in at.items()}
