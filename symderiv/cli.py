"""The `symderiv` command: exit statuses and signals around the commands of commands.py.

Bad input is one line on standard error and status 2. SIGINT (Ctrl-C) and SIGTERM end the
command with one line and status 130 or 143; an output being written is finished or left as it
was (see files.py). The commands, and SymPy with them, load inside these handlers, so that an
interrupt even during start-up gives no traceback.
"""

from __future__ import annotations

import os
import signal
import sys


class Terminated(BaseException):
    """SIGTERM, raised where the command is, as KeyboardInterrupt is for SIGINT."""


# The signals that arrived, by their status. A handler's exception raised while Python runs a
# weakref callback or __del__ (an import lock's, say) is printed and ignored there, and the
# command would go on as if nothing came: the record still ends it with its status.
_arrived: list[int] = []


def _terminate(signum, frame):
    _arrived.append(143)
    raise Terminated


def _interrupt(signum, frame):
    _arrived.append(130)
    raise KeyboardInterrupt


def main(argv=None) -> int:
    _arrived.clear()
    previous = signal.signal(signal.SIGTERM, _terminate), signal.signal(signal.SIGINT, _interrupt)
    hook = sys.unraisablehook
    sys.unraisablehook = lambda info: _quiet(info, hook)
    try:
        return _run(argv)
    finally:  # main may be called in process (tests, a notebook): leave the handlers as they were
        signal.signal(signal.SIGTERM, previous[0])
        signal.signal(signal.SIGINT, previous[1])
        sys.unraisablehook = hook


def program() -> None:
    """The `symderiv` program (and `python -m symderiv`): main's status, then the process
    ends at once. By then every output is written and closed and the streams are flushed
    here; what is left is Python's teardown of every object SymPy made, a third of a second
    that no one waits for. main itself returns, for callers in a process of their own."""
    status = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (| head): nothing more can be said
            pass
    os._exit(status)


def _quiet(info, hook) -> None:
    """No traceback for a signal's exception that Python could not raise (the record of it
    ends the command); anything else as before."""
    if not isinstance(info.exc_value, (Terminated, KeyboardInterrupt)):
        hook(info)


def _run(argv) -> int:
    try:
        from .errors import UsageError

        try:
            from .commands import run

            status = run(argv)
        except UsageError as e:
            _say(f"symderiv: error: {e}")
            return 2
        if _arrived:  # the signal's exception was swallowed on its way: end as it would have
            raise Terminated if _arrived[0] == 143 else KeyboardInterrupt
        return status
    except KeyboardInterrupt:
        _say("symderiv: interrupted")
        return 130
    except Terminated:
        _say("symderiv: terminated")
        return 143


def _say(line: str) -> None:
    try:
        print(line, file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass  # standard error is closed: the status says it


if __name__ == "__main__":
    sys.exit(main())
