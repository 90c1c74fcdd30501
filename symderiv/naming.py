"""Names: one function of the model gives every variable its math, LaTeX and code names.

Convention (the section's): x input, y label, z pre-activation, h hidden, o output, L loss,
s regularizer, J objective; parameters W1, b1, W2, b2 in layer order; dimensions d, h, q.
With K > 1 hidden layers: z1, h1, …, zK, hK (LaTeX z^{(k)}) and widths h1, …, hK.
In code a batch of column vectors becomes a matrix with one example per row, named in capitals
(x → X, z → Z); parameters keep their names; the adjoint ∂J/∂v is `d` + the code name (dZ, dW1).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

DIMS = {name: sp.Symbol(name, integer=True, positive=True) for name in ("d", "h", "q", "n")}


def layer_name(base: str, k: int, depth: int) -> str:
    """z, h for the section's one hidden layer; z1, h1, z2, … (z⁽¹⁾, …) for a deeper network."""
    return base if depth == 1 else f"{base}{k}"


def hidden_dims(depth: int) -> tuple:
    """The hidden widths: (h,) for one hidden layer, (h1, …, hK) for K."""
    if depth == 1:
        return (DIMS["h"],)
    return tuple(sp.Symbol(f"h{k}", integer=True, positive=True) for k in range(1, depth + 1))


LAMBDA = sp.Symbol("lambda", positive=True)


@dataclass(frozen=True)
class Var:
    """A named quantity of the forward pass."""

    name: str
    kind: str  # "input", "target", "param", "hidden", "loss" (one per example) or "scalar"
    shape: tuple = (1, 1)

    @property
    def is_scalar(self) -> bool:
        return self.kind in ("loss", "scalar")

    @property
    def base_and_layer(self) -> tuple:
        """("W", "1") for W1, ("z", "") for z."""
        base = self.name.rstrip("0123456789")
        return base, self.name[len(base) :]

    @property
    def symbol(self):
        if self.is_scalar:
            return sp.Symbol(self.name)
        return sp.MatrixSymbol(self.name, *self.shape)

    @property
    def adjoint(self):
        """The symbol standing for ∂J/∂(this variable), with the variable's shape."""
        if self.is_scalar:
            return sp.Symbol("d" + self.name)
        return sp.MatrixSymbol("d" + self.name, *self.shape)

    @property
    def tangent(self):
        """R{v}: the derivative of the variable along the direction V of the parameters (for
        a parameter θ, the direction's own entry V_θ)."""
        return sp.MatrixSymbol("r" + self.name, *self.shape)

    @property
    def adjoint_tangent(self):
        """R{∂J/∂v}: the derivative of the adjoint along V (H V for a parameter)."""
        return sp.MatrixSymbol("rd" + self.name, *self.shape)

    @property
    def is_vector(self) -> bool:
        return not self.is_scalar and self.shape[1] == 1

    @property
    def per_example(self) -> bool:
        """Whether the variable has one value per example (a row per example in code)."""
        return self.kind in ("input", "target", "hidden", "loss")

    @property
    def latex(self) -> str:
        base, layer = self.base_and_layer
        if self.is_scalar:
            return base
        body = rf"\mathbf{{{base}}}"
        return rf"{body}^{{({layer})}}" if layer else body

    @property
    def latex_batch(self) -> str:
        """The LaTeX name in minibatch form: a per-example vector becomes a bold capital
        matrix with one example per row (z → Z); the loss L has one value L_i per example."""
        if self.kind == "loss":
            return f"{self.name}_i"
        if not self.per_example:
            return self.latex
        base, layer = self.base_and_layer
        body = rf"\mathbf{{{base.upper()}}}"
        return rf"{body}^{{({layer})}}" if layer else body

    @property
    def code(self) -> str:
        if self.kind == "param" or self.is_scalar:
            return self.name
        return self.name.upper()

    @property
    def code_shape(self) -> tuple:
        """The array's shape in code: a bias (out × 1 in the math) is a 1-D array (out,)."""
        return self.shape[:1] if self.kind == "param" and self.is_vector else self.shape

    @property
    def shape_text(self) -> str:
        """The shape in the math's dimension names: R^{h×d}, R^{q}, R^{h_{2}}, R."""
        if self.is_scalar:
            return r"\mathbb{R}"
        rows, cols = (sp.latex(sp.sympify(n)) for n in self.shape)
        return (
            rf"\mathbb{{R}}^{{{rows}}}"
            if cols == "1"
            else rf"\mathbb{{R}}^{{{rows} \times {cols}}}"
        )


def batch_shape_text(var) -> str:
    """The shape in minibatch form: R^{n×h} for a per-example vector, else as `shape_text`."""
    if var.per_example and not var.is_scalar:
        return rf"\mathbb{{R}}^{{n \times {sp.latex(sp.sympify(var.shape[0]))}}}"
    return var.shape_text


ROLES = ("value", "adjoint", "tangent", "adjoint_tangent")


def symbol_names(variables) -> dict:
    """Map from every symbol to (its variable, its role): the value v, the adjoint ∂J/∂v, and
    their derivatives along a direction, R{v} and R{∂J/∂v}."""
    names = {}
    for v in variables:
        names[v.symbol] = (v, "value")
        names[v.adjoint] = (v, "adjoint")
        if not v.is_scalar:
            names[v.tangent] = (v, "tangent")
            names[v.adjoint_tangent] = (v, "adjoint_tangent")
    return names
