"""A user's module, run in a child process with a time limit (the parent side of child.py).

`IsolatedModule(path, seconds)` imports the file in a fresh Python and stands for it: it has
the module's PARAMETERS, and its loss_and_grad sends the point to the child and waits at most
`seconds` for the answer. Whatever the module does (raise, exit, hang, return the wrong thing)
becomes a ModuleFailure with one line saying what; the child is killed when it is done with.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
from pathlib import Path

from . import child

DEFAULT_SECONDS = 60.0


class ModuleFailure(Exception):
    """The module misbehaved; the message says how (one line)."""


class IsolatedModule:
    def __init__(self, path: Path, seconds: float = DEFAULT_SECONDS):
        self.seconds = seconds
        to_child, self._inbox = os.pipe()  # parent writes requests into _inbox
        self._outbox, from_child = os.pipe()  # the child's answers come out of _outbox
        self._process = subprocess.Popen(
            [sys.executable, child.__file__, str(path), str(to_child), str(from_child)],
            pass_fds=(to_child, from_child),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_child)
        os.close(from_child)
        try:
            answer = self._answer("importing it")
            if answer[0] == "import failed":
                raise ModuleFailure(f"cannot be imported: {answer[1]}")
            _, parameters, missing = answer
            if missing:
                raise ModuleFailure(
                    f"has no {' and no '.join(missing)} (a module to validate defines "
                    "PARAMETERS and loss_and_grad(params, X, Y, lam))"
                )
        except BaseException:
            self.close()
            raise
        self.PARAMETERS = parameters

    def loss_and_grad(self, params, *data):
        """loss_and_grad(params, *data) in the child: data are X, Y, lam for a dense network,
        a graph's data arguments in its order."""
        try:
            child.send(self._inbox, (params, *data))
        except BrokenPipeError:
            status = self._process.wait()
            raise ModuleFailure(f"the process ended with status {status}") from None
        answer = self._answer("loss_and_grad")
        if isinstance(answer, str):
            raise ModuleFailure(f"loss_and_grad {answer}")
        return answer

    def _answer(self, doing: str):
        if not select.select([self._outbox], [], [], self.seconds)[0]:
            self.close()
            raise ModuleFailure(
                f"{doing} did not finish within {self.seconds:g} s (--timeout); stopped"
            )
        answer = child.receive(self._outbox)
        if answer is None:
            status = self._process.wait()
            raise ModuleFailure(f"the process ended with status {status} during {doing}")
        return answer

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        for fd in (self._inbox, self._outbox):
            try:
                os.close(fd)
            except OSError:
                pass
