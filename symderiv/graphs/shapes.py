"""Shapes of the quantities of a graph, and whether a quantity is per example.

A shape is () for a scalar or (rows, columns) for an array, each a size named by a letter
("h", "d") or the number 1: a declared "d" is the column vector (d, 1), "h d" the matrix
(h, d). A quantity is per example when it depends on an input; over a minibatch it has one
value per example (a row per example in the generated code), while parameters, constants and
hyperparameters are shared by every example.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import UsageError, shown

_SIZE = re.compile(r"[a-z][a-z0-9_]{0,15}")
MAX_SIZES = 2


@dataclass(frozen=True)
class Shape:
    dims: tuple  # () for a scalar, else (rows, columns), each a size name or 1
    per_example: bool = False

    @property
    def is_scalar(self) -> bool:
        return self.dims == ()

    @property
    def is_square(self) -> bool:
        return len(self.dims) == 2 and self.dims[0] == self.dims[1]

    def __str__(self) -> str:
        text = "scalar" if self.is_scalar else " × ".join(map(str, self.dims))
        return text + (" per example" if self.per_example else "")


SCALAR = Shape(())


def declared(text, where: str, per_example: bool = False) -> Shape:
    """The shape a declaration writes: "" or "1" a scalar, "d" a column vector, "h d" a
    matrix. `where` names the key in messages."""
    if not isinstance(text, str):
        raise UsageError(f'{where}: the shape {shown(text)} is not a string such as "h d"')
    words = text.split()
    if words in ([], ["1"]):
        return Shape((), per_example)
    if len(words) > MAX_SIZES or not all(_SIZE.fullmatch(w) or w == "1" for w in words):
        raise UsageError(
            f"{where}: the shape {shown(text)} is not allowed; expected one or two sizes "
            'named by lower-case letters, such as "d" (a column vector) or "h d" (a matrix)'
        )
    sizes = tuple(1 if w == "1" else w for w in words)
    return Shape(sizes if len(sizes) == 2 else (sizes[0], 1), per_example)
