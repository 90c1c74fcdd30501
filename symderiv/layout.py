"""Where each node of a dense network's computational graph sits, and where each edge runs, as
the section draws it.

One hidden layer: the chain runs left to right along one row: × (and + for a bias), z, φ, h,
×, o, l, L. Each parameter sits above the operator it feeds, the input x and the target y below
the chain (x first, y under l), ℓ2 above the parameters, then s → + → J, with J highest and
rightmost. Every edge is straight, as in the section's figure.

Deeper networks are folded, one layer to a row, the rows rising from the input: the chain of a
row runs left to right, and its last variable h⁽ᵏ⁾ turns up, back left above the row's
parameters, and up into the × that starts the next row, as a line of text returns. Each
weight's edge to ℓ2 leaves to the left and climbs its own lane at the left margin to ℓ2, which
sits at the top left, above the lanes; the lanes are ordered so that none crosses another. The
output row starts one column left of the last h, so that y, under l, stands clear of the turn
into the output row.

No edge crosses another or passes through a node. The places are computed here, not by a
layout program, so the figure is the same on every machine; Graphviz only draws it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import mean

COLUMN = 46.0  # points between two columns
ROW = 50.0  # points between two rows
SQUARE = 32.0  # the side of a variable's square, in points
CIRCLE = 36.0  # the diameter of an operator's circle, which may hold a name such as ReLU
# the one-row layout's rows, from the bottom; a weight sits higher than a bias, so that its edge
# to ℓ2 clears the bias beside it
INPUTS, CHAIN, BIASES, WEIGHTS, DECAY, TOP = -1, 0, 1, 1.5, 2.5, 3.5
# the folded layout: rows between two layers' chains, and the height, above a chain, of the
# turn that takes its last h to the next row (between the parameters and the next chain)
LAYER_ROWS, RETURN = 2.2, 1.58
LANE_GAP = 6.0  # points between two weights' lanes to ℓ2, at most


@dataclass(frozen=True)
class Layout:
    at: dict  # {node id: (x, y)} in points, y upwards
    bends: dict  # {(tail, head): ((x, y), ...)}: the corners of an edge that is not straight


def layout(tape) -> Layout | None:
    """The places of the nodes `figure.graph_of` draws of `tape`, and the bends of its edges;
    None for steps other than the dense presets' (a layout program then places them)."""
    if not all(s.op in _DENSE for s in tape.steps):
        return None
    at, bends = (_folded if tape.model.depth > 1 else _one_row)(tape)
    return Layout(
        {node: (x * COLUMN, y * ROW) for node, (x, y) in at.items()},
        {edge: tuple((x * COLUMN, y * ROW) for x, y in points) for edge, points in bends.items()},
    )


_DENSE = {"matmul", "affine", "activation", "loss", "weight_decay", "objective"}


def _one_row(tape):
    at: dict = {}
    column = 0.0
    weights = []
    for i, step in enumerate(tape.steps, start=1):
        if step.op in ("matmul", "affine"):
            column = _layer(at, i, step, column, CHAIN, WEIGHTS, BIASES)
            weights.append(at[step.args[0].name][0])
        elif step.op in ("activation", "loss"):
            at[f"op{i}_1"] = (column, CHAIN)
            if step.op == "loss":
                at[step.args[1].name] = (column, INPUTS)
        elif step.op == "weight_decay":
            at[f"op{i}_1"] = (mean(weights), DECAY)
            continue  # s is placed with the objective, above L
        elif step.op == "objective":
            _objective(at, i, step, column - 1, DECAY, TOP)
            break
        column += 1
        at[step.out.name] = (column, CHAIN)
        column += 1
    return at, {}


def _folded(tape):
    at: dict = {}
    bends: dict = {}
    weights = []  # (weight's name, its height)
    layers = sum(s.op in ("matmul", "affine") for s in tape.steps)
    row, column = 0.0, 0.0
    for i, step in enumerate(tape.steps, start=1):
        if step.op in ("matmul", "affine"):
            if weights:  # a new row, above the last one, reached by a turn like a line's
                last = column - 1  # the last h's column
                column = last - 1 if len(weights) == layers - 1 else 1
                turn = row + RETURN
                bends[(step.args[1].name, f"op{i}_1")] = ((last, turn), (column, turn))
                row += LAYER_ROWS
            column = _layer(at, i, step, column, row, row + 1, row + 1)
            weights.append((step.args[0].name, row + 1))
        elif step.op in ("activation", "loss"):
            at[f"op{i}_1"] = (column, row)
            if step.op == "loss":
                at[step.args[1].name] = (column, row - 1)
        elif step.op == "weight_decay":
            decay = f"op{i}_1"
            continue
        elif step.op == "objective":
            top = row + 1.9
            _objective(at, i, step, column - 1, top, top + 0.8)
            if tape.model.weight_decay:
                at[decay] = (0.0, top)
                bends.update(_lanes(weights, decay, top))
            break
        column += 1
        at[step.out.name] = (column, row)
        column += 1
    return at, bends


def _lanes(weights, decay, top):
    """Each weight's edge to ℓ2: left to its lane, then up. W⁽¹⁾'s lane is the leftmost, so a
    weight's way left never meets the lane of one below it."""
    gap = min(LANE_GAP, CIRCLE * 0.6 / max(len(weights) - 1, 1)) / COLUMN
    first = -gap * (len(weights) - 1) / 2
    return {
        (name, decay): ((first + k * gap, height),) for k, (name, height) in enumerate(weights)
    }


def _layer(at, i, step, column, chain, weight, bias) -> float:
    """Place the × (and +) of a dense layer from `column` on, with its parameters above them
    and its input (if the network's input) below and to the left; the next free column."""
    W, v = step.args[0], step.args[1]
    if v.kind == "input":
        at[v.name] = (column, chain - 1)
        column += 1
    at[f"op{i}_1"], at[W.name] = (column, chain), (column, weight)
    if step.op == "affine":
        column += 1
        at[f"op{i}_2"], at[step.args[2].name] = (column, chain), (column, bias)
    return column


def _objective(at, i, step, loss_column, decay, top) -> None:
    """J = L + s: s above L, the + to the right of s, J above the + and half a column right."""
    if len(step.args) > 1:
        at[step.args[1].name] = (loss_column, decay)
    at[f"op{i}_1"] = (loss_column + 1, decay)
    at[step.out.name] = (loss_column + 1.5, top)


def edge_path(tail, head, bends, tail_round: bool, head_round: bool) -> tuple:
    """The points an edge runs through, in points: from the border of its tail's shape, through
    its bends, to the border of its head's (a circle if `..._round`, else a square)."""
    first = bends[0] if bends else head
    last = bends[-1] if bends else tail
    return (
        _border(tail, first, tail_round, straight=bool(bends)),
        *bends,
        _border(head, last, head_round, straight=bool(bends)),
    )


def _border(center, toward, round_: bool, straight: bool):
    """Where the way from `center` to `toward` leaves the node's shape. With `straight`, an
    edge whose bend lies within the node's width (height) leaves it vertically (horizontally),
    so that several edges into one node keep their own lanes to its border."""
    (cx, cy), (tx, ty) = center, toward
    dx, dy = tx - cx, ty - cy
    half = CIRCLE / 2 if round_ else SQUARE / 2
    if straight and abs(dx) < half and dy:
        rise = math.sqrt(half**2 - dx**2) if round_ else half
        return (tx, cy + math.copysign(rise, dy))
    if straight and abs(dy) < half and dx:
        run = math.sqrt(half**2 - dy**2) if round_ else half
        return (cx + math.copysign(run, dx), ty)
    length = math.hypot(dx, dy)
    reach = half if round_ else half / max(abs(dx), abs(dy)) * length
    return (cx + dx / length * reach, cy + dy / length * reach)
