"""symderiv: derive the gradients of a small neural network symbolically, typeset the derivation
in LaTeX, generate NumPy code for it, and prove both right.

    >>> from symderiv import Model, derive, document, module_source
    >>> model = Model(activation="tanh", loss="softmax_cross_entropy", bias="hidden")
    >>> [line.kind for line in derive(model).lines][:3]
    ['adjoint', 'adjoint', 'local']
"""

__all__ = [
    "Model", "__version__", "derive", "document", "fragment", "graph", "load", "module_source",
    "show",
]  # fmt: skip


def __getattr__(name):
    """Model and derive load on first use: `symderiv.cli` starts without SymPy, so that its
    signal handlers are in place before anything slow runs."""
    if name == "Model":
        from .model import Model

        return Model
    if name == "derive":
        from .derivation import derive

        return derive
    if name == "__version__":
        from .commands import _version

        return _version()
    raise AttributeError(f"module 'symderiv' has no attribute {name!r}")


def document(model, lang="en", batch=False, hvp=False, memory=None):
    """The standalone LaTeX document of `model`'s derivation (a Model or a graph): with
    `batch`, in minibatch form; with `hvp`, the second derivatives; with `memory`, the memory
    table, as formulas (True) or, for a Model, also in bytes at given sizes ((sizes, n) or
    (sizes, n, dtype), e.g. ((784, 256, 10), 128))."""
    if _is_graph(model):
        from .graphs.document import graph_document as make
    else:
        from .latex_document import document as make
    return make(model, lang, batch, hvp, memory)


def fragment(model, lang="en", batch=False, hvp=False, memory=None):
    """The derivation's equations alone, for a paper or a notebook (options as `document`)."""
    if _is_graph(model):
        from .graphs.document import graph_fragment as make
    else:
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


def module_source(model, target="numpy"):
    """The generated module's source text, for a Model or a graph: `target` numpy (NumPy
    alone) or array-api (NumPy, PyTorch, CuPy, JAX and Dask arrays, through
    array_api_compat)."""
    from .errors import UsageError
    from .model import Model

    if not isinstance(model, Model) and not _is_graph(model):
        raise TypeError(
            f"expected a Model or a graph (symderiv.graph(...)), not {type(model).__name__}"
        )
    if target == "array-api":
        from .outputs import array_api_source

        return array_api_source(model)
    if target != "numpy":
        raise UsageError(f"target {target!r} is not allowed; expected numpy or array-api")
    if _is_graph(model):
        from .graphs.module import graph_module_source

        return graph_module_source(model)
    from .codegen import concrete_or_exit
    from .codegen import module_source as make

    concrete_or_exit(model)
    return make(model)


def load(model, target="numpy"):
    """The generated module, imported (nothing is written to disk): of a Model or a graph, of
    the model in a TOML file (a path, as `symderiv codegen --spec` reads it), or the module
    in a .py file that symderiv wrote. `target` as in `module_source`.

        >>> mlp = load(Model(activation="tanh", loss="squared"))
        >>> mlp.PARAMETERS
        ('W1', 'W2')
    """
    from pathlib import Path

    from .validation.numeric import load_file, load_source

    if isinstance(model, (str, Path)):
        path = Path(model)
        if path.suffix == ".py":
            return load_file(path, path.stem)
        from .commands import model_from_file

        model = model_from_file(path)
    return load_source(module_source(model, target), model.name)


def _is_graph(model) -> bool:
    return hasattr(model, "equations")  # a GraphModel, a model written as equations
