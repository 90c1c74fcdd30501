"""The commands: latex, codegen, graph, memory, build, check (see DESIGN.md's CLI contract).

`cli.main` runs them; here a bad input raises UsageError and a command returns its status.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import re
import sys
from pathlib import Path

from .activations import CHOICES
from .config import find_config, load_targets, read_toml
from .drift import same
from .errors import UsageError, shown, shown_path
from .files import locked, write_output
from .losses import LOSSES
from .model import BIASES, Model
from .outputs import content_of, draw_as, figure
from .prose import LANGUAGES

FIX = "symderiv build"
MAX_TIMEOUT = 3600


class Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(_plainer(message))


# argparse's messages for a missing value, a value of the wrong type and an unknown command,
# said as symderiv's own are ('--hidden 'two' is not allowed; expected …')
_ARGPARSE = (
    (re.compile(r"^argument ([-\w/]+): expected one argument$"), r"\1 needs a value"),
    (
        re.compile(r"^argument ([-\w/]+): invalid int value: (.*)$"),
        r"\1 \2 is not allowed; expected a whole number",
    ),
    (
        re.compile(r"^argument ([-\w/]+): invalid float value: (.*)$"),
        r"\1 \2 is not allowed; expected a number",
    ),
    (
        re.compile(r"^argument COMMAND: invalid choice: (.*) \(choose from (.*)\)$"),
        lambda m: f"unknown command {m[1]}; expected one of {m[2].replace(chr(39), '')}",
    ),
)


def _plainer(message: str) -> str:
    for pattern, said in _ARGPARSE:
        if pattern.match(message):
            return pattern.sub(said, message)
    return message


def _model_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("model (a TOML file, or flags)")
    g.add_argument("--spec", metavar="FILE.toml", help="read the model from a TOML file")
    g.add_argument(
        "--activation",
        help=f"{' | '.join(CHOICES)} | FORMULA in t, e.g. 't*tanh(softplus(t))' (default phi)",
    )
    g.add_argument("--loss", help=f"{' | '.join(LOSSES)} (default l)")
    g.add_argument("--bias", help=f"{' | '.join(BIASES)} (default none)")
    g.add_argument("--no-weight-decay", action="store_true", help="drop the ℓ2 term s")
    g.add_argument("--hidden", type=int, metavar="K", help="hidden layers (default 1)")
    g.add_argument("--reduction", help="mean | sum: how J reduces the batch (default mean)")
    g.add_argument("--name", help="the model's name (default mlp)")


MODEL_KEYS = ("activation", "loss", "bias", "hidden", "name", "reduction")


def model_from(args, graphs: bool = False):
    """The Model the flags or --spec describe; with `graphs`, a --spec may also hold a graph
    written as equations (a GraphModel)."""
    given = {k: getattr(args, k) for k in MODEL_KEYS if getattr(args, k) is not None}
    if args.no_weight_decay:
        given["weight_decay"] = False
    if args.spec:
        if given:
            flags = ", ".join("--" + k.replace("_", "-") for k in given)
            raise UsageError(f"--spec {args.spec} cannot be combined with {flags}")
        model = model_from_file(Path(args.spec), args.spec)
        if not isinstance(model, Model):
            if not graphs:
                raise UsageError(
                    f"{args.spec}: a graph written as equations gives its derivation (symderiv "
                    "latex, symderiv html), its figure (symderiv graph) and its module "
                    f"(symderiv codegen, check --validate); symderiv {args.command} does not "
                    "take one yet"
                )
            for warning in model.warnings:
                print(f"symderiv: warning: {warning}", file=sys.stderr)
        return model
    return Model.from_mapping(given, "command line", flags=True)


def model_from_file(path: Path, source: str | None = None):
    """The Model, or the graph written as equations (a GraphModel), that the TOML file at
    `path` describes; errors name `source` (the path as given)."""
    source = source or str(path)
    data = read_toml(path)
    if "equations" in data:
        from .graphs.spec import graph_from_mapping

        return graph_from_mapping(data, source)
    return Model.from_mapping(data, source)


def _formatter(prog):
    return argparse.HelpFormatter(prog, max_help_position=14, width=100)


def parser() -> Parser:
    p = Parser(
        prog="symderiv",
        description="Derive, typeset and generate neural-network gradients.",
        epilog="`symderiv COMMAND --help` gives a command's options.",
        formatter_class=_formatter,
    )
    p.add_argument("--version", action=_Version, nargs=0, help="show the version and exit")
    sub = p.add_subparsers(
        dest="command", title="commands", metavar="COMMAND", parser_class=Parser
    )
    latex = sub.add_parser("latex", help="the derivation as a LaTeX document")
    _model_flags(latex)
    latex.add_argument("--fragment", action="store_true", help="the equations alone")
    latex.add_argument("--lang", default="en", help=f"{' | '.join(LANGUAGES)}")
    latex.add_argument(
        "--form",
        default="example",
        help="example (one example, column vectors, as the section) | batch (a minibatch, "
        "one example per row)",
    )
    latex.add_argument(
        "--hvp",
        action="store_true",
        help="add the second derivatives: Hessian-vector products by forward over reverse, "
        "and their cost (example form; concrete activations and loss)",
    )
    latex.add_argument(
        "--memory",
        action="store_true",
        help="add the memory table: what training keeps, as formulas, and in bytes with "
        "--sizes and --batch",
    )
    latex.add_argument(
        "--parallel",
        action="store_true",
        help="add the section on several devices (exercise 5): data and model parallelism, "
        "as formulas, and in bytes with --sizes and --batch",
    )
    latex.add_argument(
        "--devices", type=int, default=2, metavar="P", help="for --parallel (default 2)"
    )
    _size_flags(latex, required=False)
    latex.add_argument("-o", "--output", metavar="FILE")
    code = sub.add_parser("codegen", help="the NumPy module (or the Array API one)")
    _model_flags(code)
    code.add_argument(
        "--target",
        choices=("numpy", "array-api"),
        default="numpy",
        help="numpy (the default: needs NumPy alone), or array-api: one module for NumPy, "
        "PyTorch, CuPy, JAX and Dask arrays, through array_api_compat",
    )
    code.add_argument("-o", "--output", metavar="FILE")
    graph = sub.add_parser("graph", help="the computational graph (.svg .pdf .dot .tex)")
    _model_flags(graph)
    graph.add_argument(
        "--hvp",
        action="store_true",
        help="the extended graph that computes Hessian-vector products (forward over reverse)",
    )
    graph.add_argument("-o", "--output", metavar="FILE", help="without it, dot source on stdout")
    html = sub.add_parser(
        "html", help="the derivation as one web page: MathML, inline SVG, the code"
    )
    _model_flags(html)
    html.add_argument("--lang", default="en", help=f"{' | '.join(LANGUAGES)}")
    html.add_argument("-o", "--output", metavar="FILE")
    preset = sub.add_parser("preset", help="a dense network as the equations it stands for (TOML)")
    _model_flags(preset)
    preset.add_argument("-o", "--output", metavar="FILE")
    memory = sub.add_parser("memory", help="what training and prediction keep in memory")
    _model_flags(memory)
    _size_flags(memory, required=True)
    for name, text in (
        ("build", "regenerate every output the config lists"),
        ("check", "exit 1 if an output is stale or a generated module is wrong"),
    ):
        c = sub.add_parser(name, help=text)
        c.add_argument("--config", metavar="FILE", help="pyproject.toml or symderiv.toml")
    check = sub.choices["check"]
    check.add_argument(
        "--validate",
        metavar="FILE",
        help="instead of the config: check FILE's loss_and_grad (any module with PARAMETERS "
        "and loss_and_grad) against the derivation of MODEL",
    )
    check.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="with --validate: how long FILE may take to import and to run loss_and_grad once "
        "(default 60)",
    )
    _model_flags(check)
    return p


class _Version(argparse.Action):
    """--version, looked up only when asked (importlib.metadata is slow to import)."""

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"symderiv {_version()}")
        parser.exit()


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("symderiv")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "(not installed)"


def _size_flags(p, required: bool) -> None:
    p.add_argument("--sizes", required=required, metavar="d,h1,…,q", help="layer widths")
    p.add_argument("--batch", type=int, metavar="n", help="examples in a minibatch")
    p.add_argument("--dtype", default="float64", help="float32 | float64 (default)")


def _emit(content, output: str | None) -> None:
    """`content` to standard output (no -o, or -o -) or to the file -o names."""
    if output is None or output == "-":
        if isinstance(content, bytes):
            sys.stdout.buffer.write(content)
        else:
            sys.stdout.write(content)
        sys.stdout.flush()
        return
    if not output.strip():
        raise UsageError("-o '': expected a file name, or - for standard output")
    path = Path(output)
    if not path.parent.is_dir():
        raise UsageError(f"-o {output}: the folder {path.parent} does not exist")
    write_output(path, content)


def cmd_latex(args) -> int:
    from .latex_document import document, fragment
    from .latex_memory import At

    _check_lang(args.lang)
    model = model_from(args, graphs=True)
    if not isinstance(model, Model):
        return _graph_latex(model, args)
    if args.form not in ("example", "batch"):
        raise UsageError(f"--form {shown(args.form)} is not allowed; expected example or batch")
    if args.hvp and args.form == "batch":
        raise UsageError("--hvp is written for one example; it cannot be used with --form batch")
    memory = args.memory
    at = None
    if args.sizes is not None or args.batch is not None:
        _sized_sections(args)
        at = _sizes(args, model.depth + 2, "d,h…,q")
        memory = At(*at) if args.memory else memory
    make = fragment if args.fragment else document
    content = make(
        model, args.lang, batch=args.form == "batch", hvp=args.hvp, memory=memory,
        parallel=_devices(args, at),
    )  # fmt: skip
    _emit(content, args.output)
    return 0


def _sized_sections(args) -> None:
    """--sizes and --batch go with --memory or --parallel, both or neither."""
    if not (args.memory or args.parallel):
        raise UsageError(
            "--sizes and --batch give the sizes of the memory table or of the section on "
            "several devices; add --memory or --parallel"
        )
    if args.sizes is None or args.batch is None:
        which = "--memory" if args.memory else "--parallel"
        raise UsageError(f"{which}: give both --sizes and --batch, or neither")


def _devices(args, at):
    """The --parallel section's options (graphs.parallel.Devices), or None."""
    if not args.parallel:
        if args.devices != 2:
            raise UsageError("--devices gives the number of devices of --parallel; add it")
        return None
    from .graphs.parallel import Devices

    if not 2 <= args.devices <= 1024:
        raise UsageError(
            f"--devices {args.devices} is not allowed; expected a whole number from 2 to 1024"
        )
    if at is None:
        return Devices(args.devices)
    sizes, n, dtype = at
    return Devices(args.devices, sizes, n, dtype)


def _graph_latex(graph, args) -> int:
    """symderiv latex for a graph written as equations: its derivation in the section's form,
    for one example or over a minibatch, with the second derivatives if asked."""
    from .graphs.document import graph_document, graph_fragment

    memory = args.memory or None
    at = None
    if args.sizes is not None or args.batch is not None:
        from .graphs.module import size_names
        from .latex_memory import At

        if args.batch is None and not graph.declared.inputs:
            args.batch = 1  # a graph without inputs has no minibatch
        _sized_sections(args)
        names = size_names(graph)
        at = _sizes(args, len(names), ",".join(names))
        memory = At(*at) if args.memory else memory
    if args.hvp and args.form == "batch":
        raise UsageError(
            "the second-derivative section is written for one example; use it without --form batch"
        )
    make = graph_fragment if args.fragment else graph_document
    _emit(
        make(
            graph, args.lang, batch=args.form == "batch", hvp=args.hvp, memory=memory,
            parallel=_devices(args, at),
        ),
        args.output,
    )  # fmt: skip
    return 0


def _check_lang(lang: str) -> None:
    if lang not in LANGUAGES:
        raise UsageError(
            f"--lang {shown(lang)} is not allowed; expected one of {', '.join(LANGUAGES)}"
        )


def cmd_html(args) -> int:
    from .html_page import page

    _check_lang(args.lang)
    _emit(page(model_from(args, graphs=True), args.lang), args.output)
    return 0


def cmd_codegen(args) -> int:
    from .codegen import module_source

    model = model_from(args, graphs=True)
    if args.target == "array-api":
        from .outputs import array_api_source

        _emit(array_api_source(model), args.output)
        return 0
    if not isinstance(model, Model):
        from .graphs.module import graph_module_source

        _emit(graph_module_source(model), args.output)
        return 0
    _emit(module_source(model), args.output)
    return 0


def cmd_graph(args) -> int:
    model = model_from(args, graphs=True)
    suffix = Path(args.output).suffix if args.output else ".dot"
    if not isinstance(model, Model):
        from .extended_figure import joined
        from .graphs.document import extended_parts_of, figure_of

        drawing = joined(model.name, extended_parts_of(model)) if args.hvp else figure_of(model)
        _emit(draw_as(drawing, suffix), args.output)
        return 0
    _emit(figure(model, suffix, extended=args.hvp), args.output)
    return 0


def cmd_memory(args) -> int:
    from .memory import table

    model = model_from(args, graphs=True)
    if not isinstance(model, Model):
        from .graphs.memory import graph_table
        from .graphs.module import size_names

        if args.batch is None and not model.declared.inputs:
            args.batch = 1  # a graph without inputs has no minibatch
        _batch_given(args)
        count = len(size_names(model))
        sys.stdout.write(graph_table(model, *_sizes(args, count, ",".join(size_names(model)))))
        return 0
    _batch_given(args)
    sys.stdout.write(table(model, *_sizes(args, model.depth + 2, "d,h…,q")))
    return 0


def _batch_given(args) -> None:
    if args.batch is None:
        raise UsageError("--batch n is required: the number of examples in a minibatch")


def _sizes(args, count: int, names: str) -> tuple:
    """(sizes, n, dtype) from --sizes, --batch and --dtype: `count` sizes, named `names`."""
    from .memory import BYTES

    try:
        sizes = tuple(int(v) for v in args.sizes.split(","))
    except ValueError:
        sizes = ()
    if len(sizes) != count or min(sizes) <= 0:
        raise UsageError(
            f"--sizes {shown(args.sizes)} is not allowed; expected {count} "
            f"positive whole numbers {names} separated by commas"
        )
    if args.batch <= 0:
        raise UsageError(f"--batch {args.batch} is not allowed; expected a positive number")
    if args.dtype not in BYTES:
        raise UsageError(
            f"--dtype {shown(args.dtype)} is not allowed; expected float32 or float64"
        )
    return sizes, args.batch, args.dtype


def _generate(targets) -> list:
    return [(t, content_of(t.model, t.kind)) for t in targets]


def cmd_build(args) -> int:
    config = find_config(args.config)
    targets = load_targets(config)
    results = _generate(targets)  # everything in memory before anything is written
    with locked(config):
        for folder in dict.fromkeys(t.path.parent for t in targets):
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise UsageError(
                    f"{config}: output-dir {shown_path(folder)}: cannot be made: {e.strerror}"
                ) from None
        for target, content in results:
            write_output(target.path, content, flag=f"{config}: output")
            print(f"wrote {target.path}")
    return 0


def cmd_check(args) -> int:
    from .validation.numeric import TOLERANCE, check_against_differences, load_file

    if args.validate is not None:
        if args.config is not None:
            raise UsageError("--validate checks one file against a model; drop --config")
        return validate_file(args)
    if args.spec or any(getattr(args, k) is not None for k in MODEL_KEYS) or args.no_weight_decay:
        raise UsageError("model flags go with --validate FILE; check alone reads the config")
    config = find_config(args.config)
    fix = FIX if args.config is None else f"{FIX} --config {args.config}"
    failed = False
    for target, content in _generate(load_targets(config)):
        want = content.encode() if isinstance(content, str) else content
        try:
            have = target.path.read_bytes()
        except FileNotFoundError:
            have = None
        except OSError as e:
            raise UsageError(f"{target.path}: cannot be read: {e.strerror}") from None
        if have is not None and same(target.kind, have, want):
            continue
        failed = True
        if have is None:
            print(f"{target.path}: missing; run `{fix}`")
        elif isinstance(content, str):
            diff = difflib.unified_diff(
                have.decode(errors="replace").splitlines(keepends=True),
                content.splitlines(keepends=True),
                f"{target.path} (on disk)",
                f"{target.path} (generated)",
            )
            sys.stdout.writelines(diff)
            print(f"{target.path}: out of date; run `{fix}`")
        else:
            print(f"{target.path}: out of date (binary); run `{fix}`")
    rows = []
    for target in load_targets(config):
        if target.kind not in ("py", "array-api") or not target.path.is_file():
            continue
        module = load_file(target.path)
        if isinstance(target.model, Model) and target.kind == "py":
            report = check_against_differences(target.model, module, batches=(1, 5, 17))
        else:  # a graph's module, or the Array API module of a dense network's preset
            from .graphs.presets import dense_graph
            from .validation.graph_numeric import check_graph_module

            model = target.model
            graph = dense_graph(model) if isinstance(model, Model) else model
            report = check_graph_module(graph, module, batches=(1, 5, 17))
        failed |= not report.ok
        verdict = "ok" if report.ok else f"FAILED (> {TOLERANCE:g})"
        hvp = report.worst_of("HV ")
        rows.append(
            (
                str(target.path),
                ",".join(module.PARAMETERS),
                f"{report.worst_of(''):.2e}",
                "-" if hvp is None else f"{hvp:.2e}",
                verdict,
            )
        )
    if rows:
        header = ("module", "parameters", "gradient error", "H·V error", "verdict")
        widths = [max(len(row[i]) for row in (header, *rows)) for i in range(4)]
        for row in (header, *rows):
            print(
                f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:>{widths[2]}}  "
                f"{row[3]:>{widths[3]}}  {row[4]}"
            )
    print("check: failed" if failed else "check: ok")
    return 1 if failed else 0


def validate_file(args) -> int:
    """check --validate FILE: FILE's J and gradients against the derivation of the model."""
    from .codegen import concrete_or_exit
    from .validation.isolated import IsolatedModule, ModuleFailure

    model = model_from(args, graphs=True)
    if isinstance(model, Model):
        concrete_or_exit(model)
    path = Path(args.validate)
    if not path.is_file():
        raise UsageError(f"--validate {args.validate}: no such file")
    if not 0 < args.timeout <= MAX_TIMEOUT:
        raise UsageError(
            f"--timeout {args.timeout:g} is not allowed; expected seconds from 0 to {MAX_TIMEOUT}"
        )
    try:
        module = IsolatedModule(path, args.timeout)
    except ModuleFailure as failure:  # at import: no module to validate
        raise UsageError(f"--validate {args.validate}: {failure}") from None
    with contextlib.closing(module):
        return _report(path, model, module)


def _report(path, model, module) -> int:
    from .validation.diagnose import MismatchError, validate
    from .validation.graph_numeric import validate_graph

    print(f"{path} against {model_summary(model)}")
    try:
        findings = (
            validate(model, module) if isinstance(model, Model) else validate_graph(model, module)
        )
    except MismatchError as error:
        print(f"{path}: {error}")
        print("check: failed")
        return 1
    width = max(len(f.name) for f in findings)
    for f in findings:
        print(
            f"  {f.name:<{width}}  {'ok' if f.ok else 'WRONG':<5}  {f.error:.2e}  {f.explanation}".rstrip()
        )
        if not f.ok and f.expected:
            print(f"  {'':<{width}}  {'':<5}  {'':<8}  expected {f.expected}")
    failed = not all(f.ok for f in findings)
    print("check: failed" if failed else "check: ok")
    return 1 if failed else 0


def model_summary(model) -> str:
    from .codegen import summary

    if not isinstance(model, Model):
        from .graphs.module import graph_summary

        text = graph_summary(model).rstrip(".")
        return text[0].lower() + text[1:]
    text = summary(model).rstrip(".")
    return text[0].lower() + text[1:]


def cmd_preset(args) -> int:
    """The dense preset the flags name, as a graph's TOML: to start one's own graph from."""
    from .graphs.presets import dense_table, toml_text

    model = model_from(args, graphs=True)
    if not isinstance(model, Model):
        raise UsageError(f"{args.spec}: already a graph written as equations")
    _emit(toml_text(dense_table(model)), args.output)
    return 0


COMMANDS = {
    "latex": cmd_latex,
    "preset": cmd_preset,
    "codegen": cmd_codegen,
    "graph": cmd_graph,
    "html": cmd_html,
    "memory": cmd_memory,
    "build": cmd_build,
    "check": cmd_check,
}


def run(argv=None) -> int:
    """Parse `argv` and run its command; bad input raises UsageError."""
    p = parser()
    args = p.parse_args(argv)
    if args.command is None:  # no command: what there is to do, and a usage error
        p.print_help(sys.stderr)
        return 2
    return COMMANDS[args.command](args)
