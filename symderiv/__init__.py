"""symderiv: derive the gradients of a small neural network symbolically, typeset the derivation
in LaTeX, generate NumPy code for it, and prove both right.

    >>> from symderiv import Model, derive, document, module_source
    >>> model = Model(activation="tanh", loss="softmax_cross_entropy", bias="hidden")
    >>> [line.kind for line in derive(model).lines][:3]
    ['adjoint', 'adjoint', 'local']
"""

__all__ = ["Model", "derive", "document", "fragment", "graph", "module_source", "show"]


def __getattr__(name):
    """Model and derive load on first use: `symderiv.cli` starts without SymPy, so that its
    signal handlers are in place before anything slow runs."""
    if name == "Model":
        from .model import Model

        return Model
    if name == "derive":
        from .derivation import derive

        return derive
    raise AttributeError(f"module 'symderiv' has no attribute {name!r}")


def document(model, lang="en", batch=False, hvp=False, memory=None):
    """The standalone LaTeX document of `model`'s derivation: with `batch`, in minibatch form;
    with `hvp`, the second derivatives; with `memory`, the memory table, as formulas (True) or
    also in bytes at given sizes ((sizes, n) or (sizes, n, dtype), e.g. ((784, 256, 10), 128))."""
    from .latex_document import document as make

    return make(model, lang, batch, hvp, memory)


def fragment(model, lang="en", batch=False, hvp=False, memory=None):
    """The derivation's equations alone, for a paper or a notebook (options as `document`)."""
    from .latex_document import fragment as make

    return make(model, lang, batch, hvp, memory)


def graph(data=None, **fields):
    """A model written as equations, from a dict as its TOML table holds it or from keywords:
    graph(parameters={"w": "d"}, constants={"X": "n d", "y": "n"},
    equations=["f = norm(X @ w - y)**2 / 2"]). Pass it to show(); symderiv latex --spec and
    symderiv graph --spec take the same table from a file."""
    from .graphs.spec import graph_from_mapping

    return graph_from_mapping({**(data or {}), **fields}, "graph()")


def show(model=None, lang="en", form="example", hvp=False, memory=None, **fields):
    """For a notebook: the derivation's equations as mathematics, its figure as SVG and, for a
    concrete network, its module as code (options as `document`; `form` example or batch;
    the model, or its fields as keywords: show(activation="tanh", loss="squared"))."""
    from .notebook import show as make

    return make(model, lang, form, hvp, memory, **fields)


def module_source(model):
    """The NumPy module's source text."""
    from .codegen import module_source as make

    return make(model)
