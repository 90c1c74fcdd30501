"""The child process of `check --validate`: it imports the user's module and runs its
loss_and_grad on the points the parent sends, so that nothing the module does (exit, hang,
crash, print) can stop or fool the parent.

Run as a script (`python child.py FILE READ_FD WRITE_FD`), it imports nothing of symderiv. Each
message is a pickled tuple behind its length; the module's own prints go to its stdout, never
into the channel. Every answer is plain data: floats, NumPy arrays and strings, so the parent
never unpickles one of the module's objects.
"""

import importlib.machinery
import importlib.util
import os
import pickle
import struct
import sys


def send(fd, message) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    data = struct.pack("<Q", len(data)) + data
    while data:
        data = data[os.write(fd, data) :]


def receive(fd):
    head = _read(fd, 8)
    return None if head is None else pickle.loads(_read(fd, struct.unpack("<Q", head)[0]))


def _read(fd, size):
    parts, left = [], size
    while left:
        part = os.read(fd, left)
        if not part:
            return None
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def _failure(error: BaseException) -> str:
    if isinstance(error, SystemExit):
        return f"called sys.exit({error.code!r})"
    text = f"{type(error).__name__}: {error}".splitlines()
    return f"raised {text[0] if text else type(error).__name__}"[:300]


def _load(path: str):
    loader = importlib.machinery.SourceFileLoader("_symderiv_checked", path)
    spec = importlib.util.spec_from_loader("_symderiv_checked", loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules["_symderiv_checked"] = module
    loader.exec_module(module)
    return module


def _plain(result):
    """(J, {name: array}) from what loss_and_grad returned, or a string saying what is wrong."""
    import numpy as np

    if not isinstance(result, tuple) or len(result) != 2:
        return f"returned {type(result).__name__}; expected a pair (J, gradients)"
    J, grads = result
    if not isinstance(grads, dict):
        return f"returned {type(grads).__name__} for the gradients; expected a dict"
    try:
        J = float(J)
    except (TypeError, ValueError, OverflowError):
        return f"returned {type(J).__name__} for J; expected a number"
    plain = {}
    for name, value in grads.items():
        try:
            array = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError, OverflowError):
            return f"returned {type(value).__name__} for the gradient {str(name)[:40]}"
        plain[str(name)] = np.array(array)
    return J, plain


def main(path: str, inbox: int, outbox: int) -> None:
    sys.dont_write_bytecode = True  # a read-only checkout stays as it was
    # FILE imports its neighbours, as when it is run, not this folder's modules
    sys.path[0] = os.path.dirname(os.path.abspath(path))
    try:
        module = _load(path)
        missing = [n for n in ("PARAMETERS", "loss_and_grad") if not hasattr(module, n)]
        parameters = None if missing else tuple(map(str, module.PARAMETERS))
        send(outbox, ("loaded", parameters, missing))
    except BaseException as error:  # someone else's module: everything is reported
        send(outbox, ("import failed", _failure(error)))
        return
    while (request := receive(inbox)) is not None:
        params, *data = request
        try:
            answer = _plain(module.loss_and_grad(params, *data))
        except BaseException as error:
            answer = _failure(error)
        send(outbox, answer)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
