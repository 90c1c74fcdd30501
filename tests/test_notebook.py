"""The example notebook runs in a Jupyter kernel (nbclient, ipykernel) and shows what a reader
needs: equations as Markdown mathematics, figures as SVG, code, and a training run whose loss
goes down; and the notebook objects display themselves."""

from __future__ import annotations

import math
import re

import nbformat
import pytest
from helpers import ROOT
from nbclient import NotebookClient

import symderiv
from symderiv import Model, derive
from symderiv.errors import UsageError

NOTEBOOK = ROOT / "examples" / "backprop.ipynb"


@pytest.fixture(scope="module")
def cells():
    """The notebook's code cells, executed, by their first line."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3").execute()
    return {c.source.splitlines()[-1]: c.outputs for c in notebook.cells if c.cell_type == "code"}


def _data(outputs, mime):
    return [o["data"][mime] for o in outputs if mime in o.get("data", {})]


def test_no_cell_fails(cells):
    assert not [o for outputs in cells.values() for o in outputs if o.output_type == "error"]


def test_a_model_shows_its_graph(cells):
    (drawing,) = _data(cells["seed"], "image/svg+xml")
    assert "<svg" in drawing and ">ℓ</text>" in drawing


def test_show_gives_equations_and_figure(cells):
    outputs = cells["show(seed)"]
    assert [list(o["data"]) for o in outputs] == [
        ["text/plain", "text/markdown"],
        ["text/plain", "image/svg+xml"],
    ]  # the generic φ and l: no code
    (text,) = _data(outputs, "text/markdown")
    assert "$$\n\\begin{aligned}" in text
    assert (
        r"\frac{\partial J}{\partial \mathbf{W}^{(1)}} &= \frac{\partial J}{\partial \mathbf{z}} \mathbf{x}^\top + \lambda \mathbf{W}^{(1)}"
        in text
    )  # noqa: E501
    (batch,) = _data(cells['show(Model(bias="hidden"), form="batch")'], "text/markdown")
    assert r"\mathbf{1}_n" in batch and r"\mathbf{X}" in batch


def test_a_concrete_network_shows_its_code(cells):
    outputs = cells["show(model)"]
    equations, code = _data(outputs, "text/markdown")
    assert r"\tanh" in equations
    assert code.startswith("```python\n") and "def loss_and_grad(" in code
    assert len(_data(outputs, "image/svg+xml")) == 1


def test_training_lowers_the_loss(cells):
    (printed,) = [o.text for o in cells[next(k for k in cells if "accuracy" in k)]]
    losses = [float(v) for v in re.search(r"J every 25 steps: (.*)", printed)[1].split()]
    assert len(losses) == 9 and all(math.isfinite(v) for v in losses)
    assert all(a > b for a, b in zip(losses, losses[1:]))  # decreasing
    assert losses[-1] < losses[0] / 5
    assert float(re.search(r"accuracy after 200 steps: ([\d.]+)%", printed)[1]) > 90
    assert _data(cells["plt.show()"], "image/png")  # the loss curve


def test_objects_display_themselves():
    model = Model(activation="relu", loss="squared", bias="all", hidden=2)
    assert model._repr_svg_().startswith("<?xml")
    assert r"\begin{aligned}" in derive(model)._repr_markdown_()
    shown = symderiv.show(model, lang="fr", hvp=True, memory=((3, 4, 4, 2), 5))
    text = shown.equations._repr_markdown_()
    assert "#### Rétropropagation" in text and r"\mathcal{R}" in text
    assert "| tableau | coefficients | octets | rôle |\n| --- | --- | --- | --- |" in text
    assert shown.figure._repr_svg_().startswith("<?xml")
    assert shown.code._repr_markdown_().startswith("```python\n")
    assert "ℛ{·} of backward" in shown.extended._repr_svg_()  # the extended graph, with hvp
    assert [type(p).__name__ for p in shown.parts()] == [
        "Markdown",
        "Figure",
        "Figure",
        "Markdown",
    ]
    assert "\\texttt" not in text and "~" not in text  # only Markdown, no LaTeX text commands


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: symderiv.show(lang="de"), "lang 'de' is not allowed; expected one of en, fr"),
        (lambda: symderiv.show(form="rows"), "form 'rows' is not allowed"),
        (lambda: symderiv.show(Model(), bias="all"), "give a Model or its fields, not both"),
        (lambda: symderiv.show(activation="nope"), "show(): activation = 'nope' is not allowed"),
        (
            lambda: symderiv.show(activation="tanh", loss="squared", memory=((4, 5), 8)),
            "memory ((4, 5), 8) is not allowed; expected True, or (sizes, n)",
        ),
        (lambda: symderiv.show(form="batch", hvp=True), "hvp is written for one example"),
    ],
)
def test_bad_options_name_the_problem(call, message):
    with pytest.raises(UsageError, match=re.escape(message)):
        call()
