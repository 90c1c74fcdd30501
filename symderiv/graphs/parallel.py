"""The section's exercise 5: a graph partitioned over P devices, two ways, from its equations.

- Data parallel: every device holds every parameter and computes the gradient sums of its
  n/P examples; one all-reduce of the gradients a step adds them up. Its payload is every
  parameter's entries, b bytes each; a ring all-reduce sends 2 (P − 1)/P of it from each
  device.
- Model (layer) parallel: the per-example equations are cut into P consecutive stages, each
  on a device with the parameters its equations read; a layer is an equation that multiplies
  by a parameter (z = W1 x + b1), and the cuts fall before layers, as evenly as the layers
  allow. What crosses a cut each step: forward, every per-example quantity computed before it
  and read after it (n × its size); backward, the adjoint of each that has one. The data a
  stage reads (x, y) comes to it from the data, not from another device.

Each device's memory is the memory table's (the parameters, what forward keeps, every adjoint
and gradient of the generated code) for its examples or its stage; a model with no code (the
section's generic φ and l) has it counted from the equations: the parameters and their
gradients, and every per-example quantity. Every count is a formula in the sizes, n, P and b
(the bytes of a number).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .rules import N, _size, names_read
from .spec import _reached, _walk

P = sp.Symbol("P", integer=True, positive=True)  # the number of devices
B = sp.Symbol("b", integer=True, positive=True)  # the bytes of one number (4 or 8)


def entries(shape) -> sp.Expr:
    """The numbers of one value of `shape` (one example's, for a per-example quantity)."""
    if shape.is_scalar:
        return sp.Integer(1)
    rows, cols = (_size(d) for d in shape.dims)
    return rows * cols


@dataclass(frozen=True)
class DataParallel:
    parameters: sp.Expr  # Σ over the parameters of their entries
    kept: (
        sp.Expr
    )  # the numbers of one example's per-example quantities (the count from the equations)
    payload: sp.Expr  # the gradients' bytes: what one all-reduce adds up, each step
    sent: sp.Expr  # what each device sends in a ring all-reduce, each step
    memory: sp.Expr  # each device's bytes, for its n/P examples
    table: sp.Expr | None = None  # T(n): the memory table's numbers, where there is a table


@dataclass(frozen=True)
class Stage:
    equations: tuple  # the targets of its equations, in order
    parameters: tuple  # the parameters it holds
    memory: sp.Expr  # its bytes: its parameters and gradients, its quantities for n examples


@dataclass(frozen=True)
class Cut:
    before: str  # the first equation after the cut
    forward: tuple  # the per-example quantities that cross it forward
    backward: tuple  # the adjoints that cross it backward
    bytes: sp.Expr  # forward and backward, each step


@dataclass(frozen=True)
class ModelParallel:
    stages: tuple  # of Stage
    cuts: tuple  # of Cut


def data_parallel(graph, table=None) -> DataParallel:
    """Data parallelism over P devices. With `table` (the rows of the memory table of the
    model's generated code, each (the name it belongs to, its numbers in n), the caller's
    parameters apart), each device's memory is that table's T(n/P): the parameters and what
    training keeps for its n/P examples. Without (a model with no code: the section's generic
    φ and l), it is counted from the equations: the parameters and their gradients, and every
    per-example quantity of each of its examples."""
    params = sum((entries(s) for s in graph.declared.parameters.values()), sp.Integer(0))
    kept = _kept(graph, [e.target for e in _per_example(graph)])
    payload = params * B
    total = None
    if table is None:
        memory = (2 * params + N / P * kept) * B
    else:
        total = params + sum((numbers for _, numbers in table), sp.Integer(0))
        memory = total.subs(N, N / P) * B
    return DataParallel(params, kept, payload, 2 * (P - 1) / P * payload, memory, total)


def model_parallel(graph, devices: int, table=None) -> ModelParallel:
    """The per-example equations cut into `devices` stages (fewer if there are fewer layers).
    With `table` (see `data_parallel`), a stage's memory is its parameters and the table's
    rows of its quantities, parameters and adjoints; a row of none of them (what the code
    keeps besides the equations: logsumexp(o), R = O − Y) goes with the last stage. A stage
    also keeps what it receives across a cut, which its backward reads."""
    chain = _per_example(graph)
    layers = [i for i, e in enumerate(chain) if _is_layer(e, graph)]
    count = min(devices, len(layers))
    starts = [0] + [layers[(k * len(layers)) // count] for k in range(1, count)]
    ends = starts[1:] + [len(chain)]
    parts = [chain[a:b] for a, b in zip(starts, ends)]
    owner: dict = {}
    for k, part in enumerate(parts):
        for equation in part:
            for node in _walk(equation.expr):
                if node.op == "ref" and node.name in graph.declared.parameters:
                    owner.setdefault(node.name, k)
    for k, part in enumerate(parts):
        for equation in part:
            owner[equation.target] = k
    last = len(parts) - 1
    shapes = {e.target: e.expr.shape for e in graph.equations}
    stages = []
    for k, part in enumerate(parts):
        mine = tuple(p for p in graph.declared.parameters if owner.get(p) == k)
        params = sum((entries(graph.declared.parameters[p]) for p in mine), sp.Integer(0))
        # what it receives across a cut, kept for its own backward (h for ∂J/∂W2 = ∂J/∂o hᵀ)
        received = dict.fromkeys(
            r for e in part for r in names_read(e.expr) if r in shapes and owner[r] < k
        )
        held = N * sum((entries(shapes[r]) for r in received), sp.Integer(0))
        if table is None:
            kept = _kept(graph, [e.target for e in part])
            memory = (2 * params + N * kept + held) * B
        else:
            rows = [numbers for name, numbers in table if owner.get(name, last) == k]
            memory = (params + sum(rows, sp.Integer(0)) + held) * B
        stages.append(Stage(tuple(e.target for e in part), mine, memory))
    cuts = []
    for k in range(1, len(parts)):
        before = {e.target for part in parts[:k] for e in part}
        after = [e for part in parts[k:] for e in part]
        read = [n.name for e in after for n in _walk(e.expr) if n.op == "ref"]
        crossing = tuple(dict.fromkeys(r for r in read if r in before))
        numbers = sum((entries(shapes[c]) for c in crossing), sp.Integer(0))
        cuts.append(Cut(parts[k][0].target, crossing, crossing, 2 * N * numbers * B))
    return ModelParallel(tuple(stages), tuple(cuts))


def _per_example(graph) -> list:
    """The equations the objective reads that have one value per example, in order."""
    defined = {e.target: e for e in graph.equations}
    reached = _reached(graph.objective, defined)
    return [e for e in graph.equations if e.target in reached and e.expr.shape.per_example]


def _is_layer(equation, graph) -> bool:
    """Whether the equation multiplies by a parameter (z = W1 x + b1): a layer."""
    params = graph.declared.parameters
    return any(
        n.op == "matmul" and any(a.op == "ref" and a.name in params for a in n.args)
        for n in _walk(equation.expr)
    )


def _kept(graph, targets) -> sp.Expr:
    """The numbers of one example's values of `targets` (arrays; a per-example scalar such as
    L counts one)."""
    shapes = {e.target: e.expr.shape for e in graph.equations}
    return sum((entries(shapes[t]) for t in targets), sp.Integer(0))


MiB, KiB = 2**20, 2**10


def _amount(count: int) -> str:
    """Bytes in words: 1,234,567 bytes (1.2 MiB)."""
    if count >= MiB:
        return f"{count:,} (${count / MiB:,.1f}$ MiB)"
    if count >= KiB:
        return f"{count:,} (${count / KiB:,.1f}$ KiB)"
    return f"{count:,}"


BYTES = {"float32": 4, "float64": 8}


@dataclass(frozen=True)
class Devices:
    """The section's options: how many devices, and the sizes to count bytes at (the graph's
    SIZES in order, the minibatch n and the dtype), or None for formulas alone."""

    count: int = 2
    sizes: tuple | None = None
    n: int | None = None
    dtype: str = "float64"


def parallel_section(graph, words, options: Devices, latex_of, table=None) -> dict:
    """What parallel.tex.j2 shows: both partitions over `options.count` devices as formulas,
    and at `options.sizes` in bytes. `latex_of(name)` writes a quantity's name; `table` is the
    memory table's rows (see `data_parallel`), None for a model with no code."""
    from .module import size_names

    values = None
    if options.sizes is not None:
        values = {_size(k): v for k, v in zip(size_names(graph), options.sizes)}
        values[N] = options.n
        values[B] = BYTES[options.dtype]
    devices = options.count
    data = data_parallel(graph, table)
    model = model_parallel(graph, devices, table)
    p = sp.latex

    def at(expr) -> str:
        if values is None:
            return ""
        count = expr.subs({P: devices, **values})
        return rf" = {_amount(int(count))}" if count.is_number else ""

    def names(found) -> str:
        return ", ".join(f"${latex_of(n)}$" for n in found)

    if table is None:
        kept = rf"k &= {p(data.kept)}"
        memory = r"b \left(2 |\theta| + \frac{n}{P}\, k\right)"
    else:
        kept = rf"T(n) &= {p(data.table)}"
        memory = r"b\, T\!\left(\frac{n}{P}\right)"
    data_rows = (
        rf"|\theta| &= {p(data.parameters)}",
        kept,
        rf"\textrm{{{words['parallel_payload']}}} &= b\,|\theta|",
        rf"\textrm{{{words['parallel_sent']}}} &= \frac{{2 (P - 1)}}{{P}}\, b\,|\theta|",
        rf"\textrm{{{words['parallel_memory']}}} &= {memory}",
    )
    data_numbers = ()
    if values is not None:
        data_numbers = (
            (words["parallel_payload"], at(data.payload)),
            (words["parallel_sent"], at(data.sent)),
            (words["parallel_memory"], at(data.memory)),
        )
    stages = tuple(
        (
            str(i + 1),
            names(s.equations),
            names(s.parameters) or "--",
            f"${p(s.memory)}$" + (at(s.memory) if values is not None else ""),
        )
        for i, s in enumerate(model.stages)
    )
    cuts = tuple(
        (
            f"${latex_of(c.before)}$",
            names(c.forward),
            ", ".join(rf"$\partial J / \partial {latex_of(n)}$" for n in c.backward),
            f"${p(c.bytes)}$" + (at(c.bytes) if values is not None else ""),
        )
        for c in model.cuts
    )
    first_reader: dict = {}
    for k, stage in enumerate(model.stages):
        for target in stage.equations:
            for node in _walk(next(e for e in graph.equations if e.target == target).expr):
                if node.op == "ref" and node.name in graph.declared.inputs:
                    first_reader.setdefault(node.name, k)
    members = tuple(
        (*s.equations, *s.parameters, *(x for x, k in first_reader.items() if k == i))
        for i, s in enumerate(model.stages)
    )
    return dict(
        members=members,
        intro=words["parallel_intro"].format(devices=devices),
        data=words["parallel_data" if table is None else "parallel_data_table"].format(),
        model=words["parallel_model"].format(count=len(model.stages))
        + ("" if table is None else " " + words["parallel_model_table"]),
        tradeoff=words["parallel_tradeoff"].format(),
        at=None
        if values is None
        else ", ".join(f"${p(k)} = {v}$" for k, v in values.items() if k != B)
        + f", $P = {devices}$, $b = {values[B]}$",
        data_rows=data_rows,
        data_numbers=data_numbers,
        stages=stages,
        cuts=cuts,
    )


def stage_groups(section: dict, graph, node_ids, words) -> tuple:
    """One group a device: (its label, the ids of its figure's nodes), the quantities,
    parameters and data of its stage and the operator circles of its equations."""
    index = {e.target: i + 1 for i, e in enumerate(graph.equations)}
    ids = list(node_ids)
    groups = []
    for k, members in enumerate(section["members"], start=1):
        inside = [m for m in members if m in ids]
        for m in members:
            if m in index:
                inside += [n for n in ids if n.startswith(f"op{index[m]}_")]
        groups.append((words["parallel_device"].format(k=k), tuple(inside)))
    return tuple(groups)
