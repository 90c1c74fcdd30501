"""Reading a drawn figure's geometry back: where dot put the nodes and edges (its plain
output), and how often edges cross each other or run through a node."""

from __future__ import annotations

import math
from itertools import combinations

from symderiv.figure import draw


def drawn(graph):
    """({node: (x, y, width, height, round)}, {(tail, head): [(x, y), ...]}) in inches, the
    edges as polylines through their Bézier curves; `round` for an operator's circle."""
    round_ = {n.id: n.kind == "operator" for n in graph.nodes}
    nodes, edges = {}, {}
    for line in draw(graph, "plain").decode().splitlines():
        f = line.split()
        if f[0] == "node":
            nodes[f[1]] = (*(float(v) for v in f[2:6]), round_[f[1]])
        elif f[0] == "edge":
            count = int(f[3])
            points = [(float(f[4 + 2 * k]), float(f[5 + 2 * k])) for k in range(count)]
            edges[(f[1], f[2])] = _polyline(points)
    return nodes, edges


def _polyline(controls, steps: int = 12):
    out = [controls[0]]
    for k in range(0, len(controls) - 3, 3):
        p0, p1, p2, p3 = controls[k : k + 4]
        for i in range(1, steps + 1):
            t = i / steps
            a, b, c, d = (1 - t) ** 3, 3 * t * (1 - t) ** 2, 3 * t * t * (1 - t), t**3
            out.append(tuple(a * p0[j] + b * p1[j] + c * p2[j] + d * p3[j] for j in (0, 1)))
    return out


def _cross(p, q, r, s) -> bool:
    def side(a, b, c):
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])

    return side(p, q, r) * side(p, q, s) < 0 and side(r, s, p) * side(r, s, q) < 0


def crossings(edges) -> int:
    """How many times two edges cross (edges that share a node are not counted: they meet)."""
    count = 0
    for (e, a), (f, b) in combinations(edges.items(), 2):
        if set(e) & set(f):
            continue
        count += sum(_cross(p, q, r, s) for p, q in zip(a, a[1:]) for r, s in zip(b, b[1:]))
    return count


def through_nodes(nodes, edges, margin: float = 0.02) -> list:
    """The (edge, node) pairs where an edge passes inside a node other than its ends."""
    hits = []
    for edge, points in edges.items():
        dense = [
            (a[0] + (b[0] - a[0]) * k / 20, a[1] + (b[1] - a[1]) * k / 20)
            for a, b in zip(points, points[1:])
            for k in range(21)
        ]
        for name, (x, y, w, h, round_) in nodes.items():
            if name in edge:
                continue
            if round_:
                inside = any(math.dist(p, (x, y)) < w / 2 - margin for p in dense)
            else:
                inside = any(
                    abs(px - x) < w / 2 - margin and abs(py - y) < h / 2 - margin
                    for px, py in dense
                )
            if inside:
                hits.append((edge, name))
    return hits


def closest_heads(edges) -> float:
    """The least distance, in points, between the arrowheads of two edges into one node (the
    ends of their curves, where each arrowhead starts)."""
    ends: dict = {}
    for (_, head), points in edges.items():
        ends.setdefault(head, []).append(points[-1])
    return min(
        (math.dist(p, q) * 72 for points in ends.values() for p, q in combinations(points, 2)),
        default=math.inf,
    )
