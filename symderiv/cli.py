"""The `symderiv` command: exit statuses and signals around the commands of commands.py.

Bad input is one line on standard error and status 2. SIGINT (Ctrl-C) and SIGTERM end the
command with one line and status 130 or 143; an output being written is finished or left as it
was (see files.py). The commands, and SymPy with them, load inside these handlers, so that an
interrupt even during start-up gives no traceback.
"""

from __future__ import annotations

import signal
import sys


class Terminated(BaseException):
    """SIGTERM, raised where the command is, as KeyboardInterrupt is for SIGINT."""


def _terminate(signum, frame):
    raise Terminated


def main(argv=None) -> int:
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        return _run(argv)
    finally:  # main may be called in process (tests, a notebook): leave SIGTERM as it was
        signal.signal(signal.SIGTERM, previous)


def _run(argv) -> int:
    try:
        from .errors import UsageError

        try:
            from .commands import run

            return run(argv)
        except UsageError as e:
            _say(f"symderiv: error: {e}")
            return 2
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
