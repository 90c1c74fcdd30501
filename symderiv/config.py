"""The project config: which models to build and where their outputs go.

In pyproject.toml it is the table [tool.symderiv]; in a symderiv.toml it is the whole file:

    output-dir = "generated"
    [[models]]                # [[tool.symderiv.models]] in pyproject.toml
    name = "seed"
    activation = "phi"
    loss = "l"
    outputs = ["tex", "svg"]  # default: tex, svg, and py when the model is concrete
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .codegen import concrete_or_exit
from .errors import UsageError, shown, shown_path
from .graphs.spec import graph_from_mapping
from .model import Model, _suggest
from .outputs import GRAPH_KINDS, KINDS


@dataclass(frozen=True)
class Target:
    model: Model
    kind: str
    path: Path


MAX_TOML = 1 << 20  # a model or config file is a few hundred bytes; 1 MiB is plenty


def read_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_TOML + 1)
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"{path}: is a directory, not a TOML file") from None
    except OSError as e:
        raise UsageError(f"{path}: cannot be read: {e.strerror}") from None
    if len(raw) > MAX_TOML:
        raise UsageError(
            f"{path}: larger than {MAX_TOML:,} bytes; a TOML file here is a few lines"
        )
    try:
        return tomllib.loads(raw.decode())
    except tomllib.TOMLDecodeError as e:
        raise UsageError(f"{path}: invalid TOML: {e}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not UTF-8 text") from None
    except RecursionError:
        raise UsageError(f"{path}: invalid TOML: arrays or tables nested too deeply") from None


def find_config(explicit: str | None) -> Path:
    if explicit:
        return Path(explicit)
    for name in ("pyproject.toml", "symderiv.toml"):
        path = Path(name)
        if path.is_file() and (
            name == "symderiv.toml" or "symderiv" in read_toml(path).get("tool", {})
        ):
            return path
    raise UsageError(
        "no project config: found neither [tool.symderiv] in ./pyproject.toml nor "
        "./symderiv.toml (or name one with --config FILE)"
    )


def load_targets(path: Path) -> list[Target]:
    """Every output file the config asks for, in the config's order."""
    data = read_toml(path)
    where = f"{path}: [tool.symderiv]" if path.name == "pyproject.toml" else str(path)
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("symderiv")
        if data is None:
            raise UsageError(f"{path}: has no [tool.symderiv] table")
    known = ["output-dir", "models"]
    for key in data:
        if key not in known:
            raise UsageError(f"{where}: unknown key {shown(key)}{_suggest(key, known)}")
    out_dir = data.get("output-dir", "generated")
    if not _inside_project(out_dir):
        raise UsageError(
            f"{where}: output-dir = {shown(out_dir)} is not allowed; expected a folder inside the "
            "project, as a relative path such as 'generated' (no '..', not absolute)"
        )
    folder = path.parent / out_dir
    project = path.parent.resolve()
    if not folder.resolve().is_relative_to(project):  # a symlink out of the project
        raise UsageError(
            f"{where}: output-dir = {shown(out_dir)} leads to {shown_path(folder.resolve())}, "
            f"outside the project {shown_path(project)}; expected a folder inside it"
        )
    models = data.get("models")
    if not isinstance(models, list) or not models or not all(isinstance(m, dict) for m in models):
        raise UsageError(f"{where}: expected at least one [[models]] table")
    targets, names = [], set()
    for i, table in enumerate(models):
        table = dict(table)
        source = f"{where}: models[{i}]"
        outputs = table.pop("outputs", None)
        graph = "equations" in table
        model = graph_from_mapping(table, source) if graph else Model.from_mapping(table, source)
        if model.name in names:
            raise UsageError(f"{source}: name = {shown(model.name)} is used by an earlier model")
        names.add(model.name)
        if outputs is None:
            outputs = ["tex", "svg"] + (["py"] if graph or model.is_concrete else [])
        if not isinstance(outputs, list) or not all(isinstance(o, str) for o in outputs):
            raise UsageError(
                f"{source}: outputs = {shown(outputs)} is not allowed; expected a list of "
                f"{', '.join(KINDS)}"
            )
        for kind in outputs:
            if kind not in KINDS:
                raise UsageError(
                    f"{source}: outputs: {shown(kind)} is not allowed; expected one of "
                    f"{', '.join(KINDS)}"
                )
            if graph and kind not in GRAPH_KINDS:
                raise UsageError(
                    f"{source}: outputs: {shown(kind)} is not available for a graph written as "
                    f"equations yet; expected one of {', '.join(GRAPH_KINDS)}"
                )
            if kind in ("py", "array-api") and not graph:
                try:
                    concrete_or_exit(model)
                except UsageError as e:
                    raise UsageError(f"{source}: outputs: {kind!r}: {e}") from None
            targets.append(Target(model, kind, folder / (model.name + KINDS[kind][0])))
    return targets


def _inside_project(folder) -> bool:
    """Whether `folder` names a folder below the config's own: relative, without '..'."""
    if not isinstance(folder, str) or not folder.strip() or "\0" in folder:
        return False
    parts = PurePosixPath(folder.replace("\\", "/")).parts
    return not PurePosixPath(folder).is_absolute() and ".." not in parts and ":" not in folder
