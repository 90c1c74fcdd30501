"""The validated description of a network: what the user asked for, nothing derived yet.

A model is built from CLI flags or from a TOML table; both go through `Model.from_mapping`, so
that every key is checked the same way and every error names the source, the key, the value and
what is allowed. A uniform network is given by `activation`, `hidden` (K) and `bias`; a network
whose layers differ by a `layers` list, one table per hidden layer, and `output-bias`.
"""

from __future__ import annotations

import difflib
import keyword
import sys
from contextvars import ContextVar
from dataclasses import dataclass, fields

from .activations import CHOICES, activation, names_an_activation
from .errors import UsageError, shown
from .losses import LOSSES

BIASES = ("none", "hidden", "all")
REDUCTIONS = ("mean", "sum")
MAX_HIDDEN = 256
MAX_NAME = 64  # a model name; its longest file, NAME.memory.tex, stays far below 255 bytes


@dataclass(frozen=True)
class Layer:
    """A hidden layer: its activation (a name or a formula in t) and whether it adds a bias."""

    activation: str = "phi"
    bias: bool = False


# (the source an error names, whether it was given as CLI flags), for `Model.__post_init__`:
# set by `from_mapping` while it builds a model from a file's or the command line's keys
_GIVEN_AS: ContextVar = ContextVar("given_as", default=("Model", False))


@dataclass(frozen=True)
class Model:
    """A dense network d → h1 → … → hK → q with a loss, biases, weight decay and a reduction."""

    name: str = "mlp"
    activation: str = "phi"
    loss: str = "l"
    bias: str = "none"
    weight_decay: bool = True
    hidden: int = 1
    reduction: str = "mean"
    layers: tuple = ()  # of Layer; when given, it replaces activation, hidden and bias
    output_bias: bool = False  # with layers: whether the output layer adds a bias

    def __post_init__(self):
        """Every field checked, as the CLI checks it: Model(loss="squred") is a UsageError
        that names the field, the value and what is allowed."""
        if not isinstance(self.layers, tuple) or not all(
            isinstance(layer, Layer) and isinstance(layer.bias, bool) for layer in self.layers
        ):
            raise UsageError(
                f"{_GIVEN_AS.get()[0]}: layers = {shown(self.layers)} is not allowed; expected "
                "a tuple of Layer(activation, bias), bias true or false"
            )
        self._validate(*_GIVEN_AS.get())

    @property
    def stack(self) -> tuple:
        """The hidden layers (Layer, …) and whether the output layer has a bias."""
        if self.layers:
            return self.layers, self.output_bias
        layer = Layer(self.activation, self.bias in ("hidden", "all"))
        return (layer,) * self.hidden, self.bias == "all"

    @property
    def depth(self) -> int:
        """K, the number of hidden layers."""
        return len(self.stack[0])

    def _repr_svg_(self) -> str | None:
        """In a notebook: the computational graph (none where Graphviz is missing)."""
        from .notebook import model_svg

        return model_svg(self)

    def has_bias(self, layer: int) -> bool:
        """Whether layer `layer` (1 … K + 1) adds a bias."""
        hidden, output_bias = self.stack
        return output_bias if layer == len(hidden) + 1 else hidden[layer - 1].bias

    @property
    def is_concrete(self) -> bool:
        """Whether every function is concrete, so that the model can become NumPy code."""
        return LOSSES[self.loss].is_concrete and all(
            activation(layer.activation).is_concrete for layer in self.stack[0]
        )

    @classmethod
    def from_mapping(cls, data: dict, source: str, flags: bool = False) -> Model:
        """Validate `data` (keys as in TOML, or CLI flags when `flags`); every error message
        starts with `source` and names the key (or flag), the value and what is allowed."""
        known = [f.name.replace("_", "-") for f in fields(cls)]
        values = {}
        for key, value in data.items():
            if key.replace("_", "-") not in known:
                raise UsageError(f"{source}: unknown key {shown(key)}{_suggest(key, known)}")
            values[key.replace("-", "_")] = value
        if "layers" in values:
            clash = [k for k in ("activation", "hidden", "bias") if k in values]
            if clash:
                raise UsageError(
                    f"{source}: layers cannot be combined with {', '.join(clash)} "
                    "(give each layer its activation and bias)"
                )
            values["layers"] = _layers(values["layers"], source)
        elif "output_bias" in values:
            raise UsageError(
                f'{source}: output-bias goes with layers; without layers use bias = "all"'
            )
        token = _GIVEN_AS.set((source, flags))
        try:
            return cls(**values)
        finally:
            _GIVEN_AS.reset(token)

    def _validate(self, source: str, flags: bool) -> None:
        def bad(key: str, allowed: str, value=None) -> UsageError:
            value = getattr(self, key) if value is None else value
            if flags:
                return UsageError(
                    f"--{key.replace('_', '-')} {shown(value)} is not allowed; expected {allowed}"
                )
            return UsageError(
                f"{source}: {key} = {shown(value)} is not allowed; expected {allowed}"
            )

        def one_of(key: str, choices) -> None:
            value = getattr(self, key)
            if not isinstance(value, str) or value not in choices:
                raise bad(key, "one of " + ", ".join(choices))

        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise bad("name", "a Python identifier such as 'seed' or 'mlp_relu'")
        if len(self.name) > MAX_NAME:
            raise bad("name", f"an identifier of at most {MAX_NAME} characters")
        if keyword.iskeyword(self.name):
            raise bad("name", "an identifier that is not a Python keyword")
        if self.name in SHADOWED or self.name.startswith("__"):
            raise bad(
                "name",
                "a name that is not a module's: the generated file would hide that module "
                "from code beside it",
            )
        # the depth first: a stack of 10⁹ layers must not be built to find it too deep
        if type(self.hidden) is not int or not 1 <= self.hidden <= MAX_HIDDEN:
            raise bad("hidden", f"a whole number of hidden layers from 1 to {MAX_HIDDEN}")
        allowed = f"one of {', '.join(CHOICES)}, or a formula in t such as 't*tanh(softplus(t))'"
        for i, layer in enumerate(self.stack[0]):
            try:
                activation(layer.activation)
            except UsageError as e:
                where = f"{source}: layers[{i}]" if self.layers else source
                if not isinstance(layer.activation, str) or names_an_activation(layer.activation):
                    if flags:
                        raise bad("activation", allowed, layer.activation) from None
                    raise UsageError(
                        f"{where}: activation = {shown(layer.activation)} is not "
                        f"allowed; expected {allowed}"
                    ) from None
                key = "--activation" if flags else f"{where}: activation ="
                raise UsageError(f"{key} {shown(layer.activation)}: {e}") from None
        one_of("loss", LOSSES)
        one_of("bias", BIASES)
        if not isinstance(self.weight_decay, bool):
            raise bad("weight_decay", "true or false")
        if not isinstance(self.output_bias, bool):
            raise bad("output_bias", "true or false")
        one_of("reduction", REDUCTIONS)


# Names a generated module must not take: the file name.py would hide the module of that
# name (the standard library's, NumPy, symderiv) from any script in the same folder.
# Test runners and build tools read some names too (conftest.py, setup.py); dunder names
# (__init__, __main__) would change what a package folder is.
SHADOWED = frozenset(sys.stdlib_module_names) | {
    "numpy",
    "np",
    "symderiv",
    "sympy",
    "jinja2",
    "scipy",
    "pytest",
    "conftest",
    "setup",
    "hypothesis",
    "ruff",
    "pip",
    "setuptools",
}


def _layers(value, source) -> tuple:
    if not isinstance(value, list) or not value or len(value) > MAX_HIDDEN:
        raise UsageError(
            f"{source}: layers = {shown(value)} is not allowed; expected a list of 1 to "
            f'{MAX_HIDDEN} tables such as {{activation = "relu", bias = true}}'
        )
    layers = []
    for i, table in enumerate(value):
        where = f"{source}: layers[{i}]"
        if not isinstance(table, dict):
            raise UsageError(f"{where} = {shown(table)} is not allowed; expected a table")
        for key in table:
            if key not in ("activation", "bias"):
                raise UsageError(
                    f"{where}: unknown key {shown(key)}{_suggest(key, ['activation', 'bias'])}"
                )
        layer = Layer(table.get("activation", "phi"), table.get("bias", False))
        if not isinstance(layer.bias, bool):
            raise UsageError(
                f"{where}: bias = {shown(layer.bias)} is not allowed; expected true or false"
            )
        layers.append(layer)
    return tuple(layers)


def _suggest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word.replace("_", "-")[:40], choices, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"{hint} (known keys: {', '.join(choices)})"
