"""The validated description of a network: what the user asked for, nothing derived yet.

A model is built from CLI flags or from a TOML table; both paths go through `Model.from_mapping`
so that every key is checked the same way, and every error names the source, the key, the value
and what is allowed.
"""

from __future__ import annotations

import difflib
import keyword
from dataclasses import dataclass, fields

from .errors import UsageError
from .functions import ACTIVATIONS, LOSSES

BIASES = ("none", "hidden", "all")


@dataclass(frozen=True)
class Model:
    """One network: d → h (activation) → q, a loss, optional biases and weight decay."""

    name: str = "mlp"
    activation: str = "phi"
    loss: str = "l"
    bias: str = "none"
    weight_decay: bool = True
    hidden: int = 1

    @property
    def is_concrete(self) -> bool:
        """Whether every function is concrete, so that the model can become NumPy code."""
        return ACTIVATIONS[self.activation].is_concrete and LOSSES[self.loss].is_concrete

    def has_bias(self, layer: int) -> bool:
        """Whether layer `layer` (1 … hidden + 1) adds a bias."""
        return self.bias == "all" or (self.bias == "hidden" and layer <= self.hidden)

    @classmethod
    def from_mapping(cls, data: dict, source: str, flags: bool = False) -> Model:
        """Validate `data` (keys as in TOML, or CLI flags when `flags`); every error message
        starts with `source` and names the key (or flag), the value and what is allowed."""
        known = [f.name.replace("_", "-") for f in fields(cls)]
        values = {}
        for key, value in data.items():
            if key.replace("_", "-") not in known:
                raise UsageError(f"{source}: unknown key {key!r}{_suggest(key, known)}")
            values[key.replace("-", "_")] = value
        model = cls(**values)
        model._validate(source, flags)
        return model

    def _validate(self, source: str, flags: bool) -> None:
        def bad(key: str, allowed: str) -> UsageError:
            value = getattr(self, key)
            if flags:
                return UsageError(
                    f"--{key.replace('_', '-')} {value!r} is not allowed; expected {allowed}"
                )
            return UsageError(f"{source}: {key} = {value!r} is not allowed; expected {allowed}")

        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise bad("name", "a Python identifier such as 'seed' or 'mlp_relu'")
        if keyword.iskeyword(self.name):
            raise bad("name", "an identifier that is not a Python keyword")
        if self.activation not in ACTIVATIONS:
            raise bad("activation", "one of " + ", ".join(ACTIVATIONS))
        if self.loss not in LOSSES:
            raise bad("loss", "one of " + ", ".join(LOSSES))
        if self.bias not in BIASES:
            raise bad("bias", "one of " + ", ".join(BIASES))
        if not isinstance(self.weight_decay, bool):
            raise bad("weight_decay", "true or false")
        if isinstance(self.hidden, bool) or self.hidden != 1:
            raise bad("hidden", "1 (one hidden layer, as in the section)")


def _suggest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word.replace("_", "-"), choices, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"{hint} (known keys: {', '.join(choices)})"
