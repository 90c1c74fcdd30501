"""A graph's derivation as the LaTeX document of a dense network is written: its equations, its
computational graph, each backward step (the prod form, one term per reader, then the closed
form) and the summary, through the same templates.

Names are set as the section sets them: an array bold (W1 → 𝐖₁), a scalar italic, a Greek name
by its letter (lam → λ); the adjoint of a name is ∂J/∂name, and ∂J/∂J = 1 is put in at once.
"""

from __future__ import annotations

import re

import sympy as sp

from ..errors import UsageError
from ..figure import SMALL
from ..figure import Graph as Figure
from ..figure import Node as Box
from ..latex_document import Block
from ..printing.latex import SectionLatexPrinter, partial
from ..printing.precedence import is_compound
from ..prose import PROSE
from ..render import render
from .batch_printer import untangled
from .parse import Node
from .rules import (
    N,
    adjoint_symbol,
    backward,
    spread,
    symbols_of,
    unit_factors_dropped,
    value,
)  # fmt: skip
from .shapes import SCALAR
from .spec import _walk
from .tangents import hessian_vector, tangent_symbol

GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "eta": "η",
    "theta": "θ", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π",
    "rho": "ρ", "sigma": "σ", "tau": "τ", "phi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω",
}  # fmt: skip
_INDEXED = re.compile(r"([A-Za-z])([a-z]*[0-9]*|[0-9]+)$")


def _parts(name: str) -> tuple[str, str, bool]:
    """(base, index, whether the base is a word): W1 → (W, 1), Wg → (W, g), w_out → (w, out),
    loss → (loss, "", True), mu → (mu, "", False)."""
    greek = re.fullmatch(r"([a-z]+)(\d*)", name)
    if greek and greek[1] in GREEK:
        return greek[1], greek[2], False
    if "_" in name:
        base, index = name.split("_", 1)
        return base, index, len(base) > 1
    found = _INDEXED.match(name)
    if found and (name[0].isupper() or found[2].isdigit() or len(name) <= 2):
        return found[1], found[2], False
    return name, "", len(name) > 1


def latex_name(name: str, shape) -> str:
    """W1 → \\mathbf{W}_{1}, Wg → \\mathbf{W}_{g}, lam → \\lambda, loss → \\mathrm{loss},
    xhat → \\hat{\\mathbf{x}}."""
    if name.endswith("hat") and len(name) > 3:
        return rf"\hat{{{latex_name(name[:-3], shape)}}}"
    base, index, word = _parts("lambda" if name == "lam" else name)
    if base in GREEK:
        text = rf"\boldsymbol{{\{base}}}" if not shape.is_scalar else rf"\{base}"
    elif word:
        text = rf"\mathbf{{{base}}}" if not shape.is_scalar else rf"\mathrm{{{base}}}"
    else:
        text = base if shape.is_scalar else rf"\mathbf{{{base}}}"
    return (
        text
        + (rf"_{{\mathrm{{{index}}}}}" if index and not index.isdigit() else "")
        + (rf"_{{{index}}}" if index.isdigit() else "")
    )


class GraphLatexPrinter(SectionLatexPrinter):
    """The section's printer, with a graph's declared functions written by their names:
    mish(z) and mish′(z), not their formulas, which the document states once."""

    def __init__(self, names, functions=None):
        super().__init__((), names)
        self._functions = functions or {}

    def _print_Single(self, expr):
        return self._print(expr.args[0])

    def _factor(self, arg, grouped=is_compound):
        if getattr(arg, "fn", None) in self._functions:  # mish′(z): no parentheses needed
            return self._print(arg)
        return super()._factor(arg, grouped)

    def _print_Elementwise(self, expr):
        name = self._functions.get(expr.fn)
        if name is None:
            return super()._print_Elementwise(expr)
        return rf"{name}\left({self._print(expr.arg)}\right)"


def _functions(graph) -> dict:
    """{Lambda: how it is written} for each declared function and its derivative."""
    from .rules import slope

    written = {}
    for name, fn in (graph.declared.functions or {}).items():
        text = _function_name(name)
        written[fn.fn] = text
        written[slope(name, fn.fn)] = f"{text}'"
    return written


def _function_name(name: str) -> str:
    """A declared function's name in LaTeX: φ for phi, as the section writes it, else
    upright (mish)."""
    return rf"\{name}" if name in GREEK else rf"\operatorname{{{name}}}"


def _definitions(graph) -> tuple:
    """mish(t) = …, mish′(t) = … for each declared function, as the document states φ."""
    from .rules import slope

    p = SectionLatexPrinter(()).doprint
    out = []
    for name, fn in (graph.declared.functions or {}).items():
        if not fn.is_concrete:  # the section's generic φ: nothing to state
            continue
        text = _function_name(name)
        derived = slope(name, fn.fn)
        out.append(rf"${text}(t) = {p(fn.formula)}$")
        out.append(rf"${text}'(t) = {p(derived.expr)}$")
    return tuple(out)


def graph_equations(
    graph, lang: str = "en", batch: bool = False, hvp: bool = False, memory=None
) -> dict:
    """The `eq` of equations.tex.j2 for a graph: for one example, or with `batch` over a
    minibatch (each example's quantities marked ⁽ⁱ⁾, the objective reducing their per-example
    terms, a shared quantity's gradient summing the examples' contributions); with `hvp`, the
    R{·} of every equation (for one example); with `memory` (True, or an At of the graph's
    sizes), the memory table of its generated module."""
    words = graph_words(graph, lang)
    if hvp and any(
        n.op == "call" and n.name == "l" for e in graph.equations for n in _walk(e.expr)
    ):
        raise UsageError(
            f"graph {graph.name!r}: the loss l is symbolic: second derivatives need a concrete "
            "loss (squared, softmax_cross_entropy or sigmoid_cross_entropy)"
        )
    shapes = {**graph.declared.shapes(), **{e.target: e.expr.shape for e in graph.equations}}
    symbols = symbols_of(shapes)

    def name(n, s) -> str:  # over a minibatch, example i's z is z⁽ⁱ⁾ (braced: z⁽ⁱ⁾ᵀ)
        own = latex_name(n, s)
        return f"{{{own}^{{(i)}}}}" if batch and s.per_example and n != graph.objective else own

    names = {symbols[n]: name(n, s) for n, s in shapes.items()}
    goal = latex_name(graph.objective, SCALAR)  # J, or f for ridge regression
    names |= {adjoint_symbol(n, s): partial(goal, names[symbols[n]]) for n, s in shapes.items()}
    names |= _loss_slopes(graph, symbols, names)
    printer = GraphLatexPrinter(names, _functions(graph))
    p = printer.doprint
    each_example = {s for n, s in symbols.items() if shapes[n].per_example} | {
        adjoint_symbol(n, s) for n, s in shapes.items() if s.per_example
    }
    # ∂J/∂J = 1, and an adjoint that is a number (∂J/∂L = 1 for J = L + s; 1/n over a
    # minibatch) is put in as one
    known = {adjoint_symbol(graph.objective, shapes[graph.objective]): sp.Integer(1)}
    forward = [
        f"{names[symbols[e.target]]} &= {_as_written(e.expr, symbols, printer)}"
        for e in graph.equations
        if not (batch and e.target == graph.objective)
    ]
    if batch:
        forward.append(_objective_row(graph, symbols, names, p))
    blocks, summary = [], []
    hidden_said = False
    for line in backward(graph, batch):
        if line.name == graph.objective:
            continue
        mine = names[symbols[line.name]]
        shared = batch and not shapes[line.name].per_example

        def prod(reader, term) -> str:
            summed = r"\sum_{i} " if shared and _one_example(term, each_example) else ""
            if reader == graph.objective:  # J's own equation reads the name: its partial
                return summed + p(unit_factors_dropped(term.xreplace(known)))
            return (
                summed + rf"\textrm{{prod}}\left({partial(goal, names[symbols[reader]])}, "
                rf"{partial(names[symbols[reader]], mine)}\right)"
            )

        prods = printer._join_terms([prod(r, term) for r, term in line.terms])
        total = unit_factors_dropped(line.total.xreplace(known))
        if not total.free_symbols - {N} and not isinstance(total, sp.MatrixExpr):
            known[adjoint_symbol(line.name, shapes[line.name])] = total
        closed = _summed(total, each_example, p) if shared else p(total)
        where = _space(shapes[line.name], names)
        kind = "parameter" if line.name in graph.declared.parameters else "hidden"
        if kind == "hidden":  # "going backward towards the input" said once
            kind, hidden_said = ("next_hidden" if hidden_said else "hidden"), True
        intro = words["step"][kind].replace("{var}", mine)
        if all(r == graph.objective for r, _ in line.terms):  # ∂J/∂L = 1, as the section
            rows = (rf"{partial(goal, mine)} &= {closed} {where}",)
        else:
            rows = (rf"{partial(goal, mine)} &= {prods}", rf"&= {closed} {where}")
        blocks.append(dict(intro=intro, rows=rows))
        if line.name in graph.declared.parameters:
            summary.append(rf"{partial(goal, mine)} &= {closed} {where}")
    return dict(
        forward=tuple(forward),
        definitions=_definitions(graph),
        backward=tuple(Block(b["intro"], b["rows"]) for b in blocks),
        summary=tuple(summary),
        notes=(),
        hvp=_hvp(graph, names, symbols, shapes, known, printer, words, goal) if hvp else None,
        memory=_memory(graph, words, memory),
    )


def _as_written(node, symbols, printer) -> str:
    """An equation's right side with its terms in the order they are written (J = ‖c‖² +
    λ/2 ‖W‖², not as SymPy orders a sum); each term printed on its own, a scalar added to
    an array spread over it (c 1)."""
    terms = _written_terms(node)
    if len(terms) == 1:
        return printer.doprint(value(node, symbols))
    texts = []
    for sign, term in terms:
        part = spread(value(term, symbols), node.shape)
        texts.append(printer.doprint(part if sign > 0 else -part))
    return printer._join_terms(texts)


def _written_terms(node) -> list:
    """(sign, term) for each top-level term of a sum as written: a + b - c."""
    if node.op == "add":
        return _written_terms(node.args[0]) + _written_terms(node.args[1])
    if node.op == "sub":
        return _written_terms(node.args[0]) + [
            (-sign, term) for sign, term in _written_terms(node.args[1])
        ]
    return [(1, node)]


def _loss_slopes(graph, symbols, names) -> dict:
    """∂L/∂o for each use L = l(o, y) of the section's generic loss, whose gradient stays a
    symbol (`rules.loss_slope`)."""
    from .rules import loss_slope

    out = {}
    for equation in graph.equations:
        for node in _walk(equation.expr):
            if node.op == "call" and node.name == "l":
                o = node.args[0]
                loss = names[symbols[equation.target]] if node is equation.expr else "l"
                arg = names[symbols[o.name]] if o.op == "ref" else None
                shown = SectionLatexPrinter(()).doprint(value(o, symbols))
                below = arg or rf"\left({shown}\right)"
                out[loss_slope(value(o, symbols))] = partial(loss, below)
    return out


def _memory(graph, words, memory):
    from .memory import graph_memory_section

    if not memory:
        return None
    return graph_memory_section(graph, words, None if memory is True else memory)


def _objective_row(graph, symbols, names, p) -> str:
    """J = (1/n) Σᵢ Lⁱ + s: the objective's per-example part reduced, its shared part once."""
    from .spec import split_objective

    (goal,) = [e for e in graph.equations if e.target == graph.objective]
    each, once = split_objective(goal.expr, graph.declared.hyperparameters)
    parts = []
    if each is not None:
        inner = value(each, symbols)
        text = p(inner)
        if isinstance(inner, (sp.Add, sp.MatAdd)):
            text = rf"\left({text}\right)"
        mean = r"\frac{1}{n} " if graph.reduction == "mean" else ""
        parts.append(rf"{mean}\sum_{{i=1}}^{{n}} {text}")
    if once is not None:
        parts.append(p(value(once, symbols)))
    return f"{names[symbols[graph.objective]]} &= {' + '.join(parts)}"


def _summed(total, each_example, p) -> str:
    """A shared quantity's gradient over a minibatch: each term that is one example's gets
    Σᵢ in front of it."""
    terms = list(total.args) if isinstance(total, (sp.Add, sp.MatAdd)) else [total]
    texts = []
    for term in terms:
        text = p(term)
        if _one_example(term, each_example):
            compound = isinstance(term, (sp.Add, sp.MatAdd)) or text.startswith("-")
            text = r"\sum_{i} " + (rf"\left({text}\right)" if compound else text)
        texts.append(text)
    out = texts[0]
    for text in texts[1:]:
        out += f" {text}" if text.startswith("-") else f" + {text}"
    return out


def _extended_figure(graph, titles) -> tuple:
    """The extended graph's parts, placed by dot, for figure.tex.j2, each with its title."""
    from ..figure import tikz_layout

    return tuple(
        dict(zip(("placed", "paths"), tikz_layout(part)), title=title)
        for part, title in zip(extended_parts_of(graph), titles)
        if part.nodes  # f = logdet(S) + …: no forward equation besides the objective
    )


def extended_parts_of(graph) -> tuple:
    """The three parts of a graph's extended graph (forward and its tangents R{·}, backward,
    R{·} of backward), each box an equation's result with an edge from what it reads; the
    adjoints that are one number (∂J/∂J, ∂J/∂s) are not drawn."""
    from ..extended_figure import parts_of

    shapes = {**graph.declared.shapes(), **{e.target: e.expr.shape for e in graph.equations}}
    symbols = symbols_of(shapes)
    goal = latex_name(graph.objective, SCALAR)
    nodes = {}
    for n, shape in shapes.items():
        if n == graph.objective:
            continue
        parameter = n in graph.declared.parameters
        nodes.update(_extended_nodes(n, shape, parameter, symbols, goal, graph.objective))
    known = {adjoint_symbol(graph.objective, shapes[graph.objective]): sp.Integer(1)}
    equations = [
        (symbols[e.target], value(e.expr, symbols))
        for e in graph.equations
        if e.target != graph.objective
    ]
    for line in backward(graph):
        total = unit_factors_dropped(line.total.xreplace(known))
        adjoint = adjoint_symbol(line.name, shapes[line.name])
        if not total.atoms(sp.MatrixSymbol) and not isinstance(total, sp.MatrixExpr):
            known[adjoint] = total  # a number: not drawn
            nodes.pop(adjoint, None)
            continue
        equations.append((adjoint, total))
    for name, expr in hessian_vector(graph):
        adjoint = name.startswith("d") and name[1:] in shapes and name not in shapes
        key = name[1:] if adjoint else name
        expr = untangled(expr.xreplace(known))
        if key == graph.objective or expr == 0 or isinstance(expr, sp.ZeroMatrix):
            continue
        equations.append((tangent_symbol(name, shapes[key]), expr))
    # what H V needs: the equations the parameters' gradients and their R{·} read
    needed = set()
    for p, shape in graph.declared.parameters.items():
        needed |= {adjoint_symbol(p, shape), tangent_symbol("d" + p, shape)}
    kept = []
    for target, expr in reversed(equations):
        if target in needed:
            needed |= expr.free_symbols
            kept.append((target, expr))
    equations = kept[::-1]
    drawn = {t for t, _ in equations} | {
        s for _, e in equations for s in e.free_symbols if s in nodes
    }
    return parts_of(graph.name, equations, {s: n for s, n in nodes.items() if s in drawn})


def _extended_nodes(name, shape, parameter, symbols, goal, objective) -> dict:
    """{symbol: its box} for a name, its adjoint, its tangent and its adjoint's tangent."""
    latex, html = latex_name(name, shape), _html(name, shape)
    adjoint = rf"\partial {goal} / \partial {latex}"
    adjoint_html = f"∂<I>{objective}</I>/∂{html}"
    out = {
        symbols[name]: Box(f"v_{name}", "parameter" if parameter else "variable", latex, html),
        adjoint_symbol(name, shape): Box(f"d_{name}", "adjoint", adjoint, adjoint_html),
        tangent_symbol("d" + name, shape): Box(
            f"rd_{name}",
            "adjoint_tangent",
            rf"\mathcal{{R}}\{{{adjoint}\}}",
            f"ℛ{{{adjoint_html}}}",
        ),
    }
    if parameter:
        out[tangent_symbol(name, shape)] = Box(
            f"r_{name}",
            "direction",
            rf"\mathbf{{V}}_{{{latex}}}",
            f'<B>V</B><SUB><FONT POINT-SIZE="{SMALL}">{name}</FONT></SUB>',
        )
    else:
        out[tangent_symbol(name, shape)] = Box(
            f"r_{name}", "tangent", rf"\mathcal{{R}}\{{{latex}\}}", f"ℛ{{{html}}}"
        )
    return out


def _one_example(term, each_example) -> bool:
    """Whether a contribution is one example's: it reads a per-example quantity or 1/n."""
    return bool(term.free_symbols & each_example) or N in term.free_symbols


def _hvp(graph, names, symbols, shapes, known, printer, words, goal) -> dict:
    """The R{·} of every forward and backward equation, for one example (the extended
    graph's equations), as hvp.tex.j2 sets them."""
    params = graph.declared.parameters
    names = dict(names)
    for n, s in shapes.items():
        own = names[symbols[n]]
        names[tangent_symbol(n, s)] = (
            rf"\mathbf{{V}}_{{{own}}}" if n in params else rf"\mathcal{{R}}\{{{own}\}}"
        )
        names[tangent_symbol("d" + n, s)] = rf"\mathcal{{R}}\left\{{{partial(goal, own)}\right\}}"
    p = GraphLatexPrinter(names, printer._functions).doprint
    rows = {"forward": [], "backward": []}
    for name, expr in hessian_vector(graph):
        adjoint = name.startswith("d") and name[1:] in shapes and name not in shapes
        key = name[1:] if adjoint else name
        expr = untangled(unit_factors_dropped(expr.xreplace(known)))
        zero = expr == 0 or isinstance(expr, sp.ZeroMatrix)
        if zero and not (adjoint and key in params):
            continue
        symbol = tangent_symbol(name, shapes[key])
        rows["backward" if adjoint else "forward"].append(
            rf"{names[symbol]} &= {p(expr)} {_space(shapes[key], names)}"
        )
    V = ", ".join(names[tangent_symbol(n, s)] for n, s in params.items())
    return dict(
        intro=words["hvp_text"].replace("{V}", V),
        forward=tuple(rows["forward"]),
        backward=tuple(rows["backward"]),
        definitions=(),
        cost="",
        figure=_extended_figure(graph, words["hvp_parts"]),
    )


def _space(shape, names) -> str:
    if shape.is_scalar:
        return r"\in \mathbb{R}"
    rows, cols = shape.dims
    dims = str(rows) if cols == 1 else rf"{rows} \times {cols}"
    return rf"\in \mathbb{{R}}^{{{dims}}}"


# The operator circle of each operation, in LaTeX and in Graphviz's HTML-like text.
CIRCLES = {
    "add": ("+", "+"), "sub": ("-", "−"), "neg": ("-", "−"), "scale": (r"\times", "×"),
    "hadamard": (r"\odot", "⊙"), "div": ("/", "/"), "matmul": (r"\times", "×"),
    "transpose": (r"\top", "ᵀ"),
}  # fmt: skip


def figure_of(graph) -> Figure:
    """The computational graph of a graph's equations: each declared or defined name a
    square, each operation a circle, numbers folded into their operation's label."""
    boxes: dict = {}
    edges = []
    shapes = {**graph.declared.shapes(), **{e.target: e.expr.shape for e in graph.equations}}

    def square(name):
        if name not in boxes:
            kind = "parameter" if name in graph.declared.parameters else "variable"
            text = latex_name(name, shapes[name])
            boxes[name] = Box(name, kind, text, _html(name, shapes[name]))
        return name

    def walk(node: Node, eq: int, counter: list) -> str | None:
        if node.op == "ref":
            return square(node.name)
        if node.op == "number":
            return None
        counter[0] += 1
        me = f"op{eq + 1}_{counter[0]}"
        latex, text = _circle(node)
        long = len(re.sub("<[^>]*>", "", text)) > 4  # set smaller, to fit the circle
        if long:
            text = f'<FONT POINT-SIZE="{SMALL}">{text}</FONT>'
        boxes[me] = Box(me, "operator", latex, text, long)
        for child in node.args:
            tail = walk(child, eq, counter)
            if tail is not None:
                edges.append((tail, me))
        return me

    for k, equation in enumerate(graph.equations):
        root = walk(equation.expr, k, [0])
        target = square(equation.target)
        if root is not None:
            edges.append((root, target))
    return Figure(graph.name, tuple(reversed(boxes.values())), tuple(reversed(edges)))


# Functions by a short label in their circle; a loss is l, as in the section.
FUNCTION_LABELS = {
    "relu": (r"\mathrm{ReLU}", "ReLU"), "sigmoid": (r"\sigma", "<I>σ</I>"),
    "tanh": (r"\tanh", "tanh"), "softplus": (r"\mathrm{softplus}", "softplus"),
    "silu": (r"\mathrm{SiLU}", "SiLU"), "gelu": (r"\mathrm{GELU}", "GELU"),
    "gelu_tanh": (r"\mathrm{GELU}", "GELU"), "identity": (r"\mathrm{id}", "id"),
    "leaky_relu": (r"\mathrm{LReLU}", "LReLU"), "elu": (r"\mathrm{ELU}", "ELU"),
    "exp": (r"\exp", "exp"), "log": (r"\log", "log"), "sqrt": (r"\sqrt{\cdot}", "√"),
    "abs": (r"|\cdot|", "|·|"), "sum": (r"\Sigma", "Σ"), "norm": (r"\|\cdot\|", "‖·‖"),
    "trace": (r"\mathrm{tr}", "tr"), "dot": (r"\cdot", "·"),
    "softmax": (r"\mathrm{softmax}", "softmax"), "log_softmax": (r"\log\mathrm{sm}", "log sm"),
    "logsumexp": (r"\mathrm{LSE}", "LSE"), "inv": (r"(\cdot)^{-1}", "(·)⁻¹"),
    "det": (r"\det", "det"), "logdet": (r"\log\det", "log det"),
    "squared": ("l", "<I>l</I>"), "softmax_cross_entropy": ("l", "<I>l</I>"),
    "sigmoid_cross_entropy": ("l", "<I>l</I>"), "l": ("l", "<I>l</I>"),
}  # fmt: skip


def _circle(node: Node) -> tuple[str, str]:
    numbers = [a.name for a in node.args if a.op == "number"]
    if node.op == "pow":
        return rf"(\cdot)^{{{node.name}}}", f"(·)<SUP>{node.name}</SUP>"
    if node.op == "call" and node.formula is not None:  # a function the graph declares
        return latex_name(node.name, SCALAR), node.name
    if node.op == "call":
        return FUNCTION_LABELS[node.name]
    latex, text = CIRCLES[node.op]
    if numbers:  # the number in the circle, on its side: 1 − (for 1 − p), / 2, 2 ×
        first = node.args[0].op == "number"
        number = numbers[0]
        if first:
            return f"{number}{latex}", f"{number}{text}"
        return f"{latex}{number}", f"{text}{number}"
    return latex, text


def _html(name: str, shape) -> str:
    if name.endswith("hat") and len(name) > 3:
        return _html(name[:-3], shape).replace("</", "\u0302</", 1)  # a combining circumflex
    base, index, word = _parts("lambda" if name == "lam" else name)
    base = GREEK.get(base, base)
    text = f"<I>{base}</I>" if shape.is_scalar and not word else f"<B>{base}</B>"
    if word and shape.is_scalar:
        text = base
    return text + (f'<SUB><FONT POINT-SIZE="9">{index}</FONT></SUB>' if index else "")


# What prediction keeps, said of a graph (its module's predict keeps each quantity its output
# reads), and the minibatch a graph without inputs does not have.
GRAPH_PREDICTION = {
    "en": ("prediction keeps only the current layer", "prediction keeps what its output reads"),
    "fr": (
        "la prédiction ne conserve que la couche courante",
        "la prédiction conserve ce que lit sa sortie",
    ),
}
GRAPH_BATCH = {
    "en": (" Over a minibatch of $n$ examples, in", " In"),
    "fr": (" Sur un minibatch de $n$ exemples, en", " En"),
}


def graph_words(graph, lang: str) -> dict:
    """The document's words for a graph: the summary and the second-derivative section name
    its own objective (f, or J)."""
    words = PROSE[lang]
    goal = latex_name(graph.objective, SCALAR)
    return {
        **words,
        "summary_text": words["summary_text"].replace("$J$", f"${goal}$"),
        "memory_text": words["memory_text"]
        .replace(*GRAPH_PREDICTION[lang])
        .replace(*(GRAPH_BATCH[lang] if not graph.declared.inputs else ("", ""))),
        "hvp_text": words["hvp_text"]
        .replace("$J$", f"${goal}$")
        .replace(r"\partial J", rf"\partial {goal}"),
    }


def graph_caption(words) -> str:
    return f"{words['graph_shapes']} {words['graph_left_right']}"


def _parallel(graph, words, devices):
    """The section on several devices (exercise 5), or None."""
    if devices is None:
        return None
    from .parallel import parallel_section

    shapes = {**graph.declared.shapes(), **{e.target: e.expr.shape for e in graph.equations}}
    return parallel_section(
        graph, words, devices, lambda n: latex_name(n, shapes[n]), _memory_rows(graph, shapes)
    )


def _staged_figure(graph, section, words) -> dict:
    """The computational graph laid out with each device's stage as a cluster of its own, so
    that dot keeps the stages apart, for figure.tex.j2 with a dashed box around each."""
    from dataclasses import replace

    from ..figure import tikz_groups, tikz_layout
    from .parallel import stage_groups

    figure = figure_of(graph)
    groups = stage_groups(section, graph, [n.id for n in figure.nodes], words)
    staged = replace(
        figure,
        groups=tuple((f"cluster_{k}", label, ids) for k, (label, ids) in enumerate(groups)),
    )
    placed, paths = tikz_layout(staged)
    return dict(placed=placed, paths=paths, groups=tikz_groups(staged))


def _memory_rows(graph, shapes):
    """The memory table's rows of the graph's module, each with the name it belongs to (Z → z,
    dW1 → W1; None for what the code keeps besides, such as lse_O), the caller's parameters
    apart; None for a graph with no module."""
    from .memory import graph_items, graph_rows
    from .module import graph_module_spec
    from .writer import _code_names

    try:
        spec = graph_module_spec(graph)
    except UsageError:  # the section's generic φ or l, or a matrix per example
        return None
    names = {code: name for name, code in _code_names(graph, shapes).items()}
    found = graph_rows(spec, graph_items(spec))
    return [
        (names.get(r.name[1:] if r.kind == "backward" else r.name), r.numbers) for r in found[1:]
    ]


def graph_document(
    graph, lang: str = "en", batch: bool = False, hvp: bool = False, memory=None,
    parallel=None,
) -> str:  # fmt: skip
    """The whole document for a graph model; see `graph_equations` for `batch` and `hvp`;
    `parallel` (parallel.Devices) adds the section on several devices."""
    from ..figure import tikz_layout

    words = graph_words(graph, lang)
    placed, paths = tikz_layout(figure_of(graph))
    intro = words["graph_intro"] + (f" {words['graph_batch_intro']}" if batch else "")
    eq = graph_equations(graph, lang, batch, hvp, memory)
    eq["parallel"] = _parallel(graph, words, parallel)
    if parallel is not None:
        eq["parallel"]["figure"] = _staged_figure(graph, eq["parallel"], words)
    return render(
        "derivation.tex.j2",
        eq=eq,
        intro=intro,
        words=words,
        graph_text=graph_caption(words),
        lang=lang,
        placed=placed,
        paths=paths,
        groups=(),
        prose=True,
    )


def graph_fragment(
    graph, lang: str = "en", batch: bool = False, hvp: bool = False, memory=None,
    parallel=None,
) -> str:  # fmt: skip
    """The equations alone, to \\input into a paper (equations.tex.j2 without prose)."""
    eq = graph_equations(graph, lang, batch, hvp, memory)
    eq["parallel"] = _parallel(graph, PROSE[lang], parallel)
    return render("equations.tex.j2", eq=eq, words=PROSE[lang], prose=False)
