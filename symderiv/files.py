"""Writing output files so that no reader ever sees half of one.

A regular file is replaced whole: the content goes to a temporary file in the same folder,
is flushed to disk (fsync), and renamed over the target, with SIGINT and SIGTERM held back
from the creation of the temporary file to its rename, so that an interrupted write leaves the
old file and no temporary one. A special file (a device such as /dev/null, a FIFO,
/dev/stdout) is written into, never replaced. A temporary file left by a killed process
(SIGKILL cannot be held back) carries that process's id and is removed by the next write
beside it once that process is gone.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import secrets
import signal
import stat
from pathlib import Path

from .errors import UsageError, shown_path

_HELD = {signal.SIGINT, signal.SIGTERM}
_TEMPORARY = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[0-9a-f]{8}\.tmp$")


def write_output(path: Path, content, flag: str = "-o") -> None:
    """Write `content` (str or bytes) to `path`; any failure is a UsageError naming the path."""
    path = Path(path)
    data = content.encode() if isinstance(content, str) else content
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as e:
        raise _refusal(flag, path, e) from None
    try:
        if mode is None or (stat.S_ISREG(mode) and mode & 0o222):
            _replace(path, data)
        elif stat.S_ISDIR(mode):
            raise UsageError(f"{flag} {shown_path(path)}: is a folder; expected a file name")
        elif stat.S_ISREG(mode):
            raise UsageError(
                f"{flag} {shown_path(path)}: the file is read-only; make it writable first"
            )
        else:
            with open(path, "wb") as f:  # a device or a FIFO: written into, never replaced
                f.write(data)
    except OSError as e:
        raise _refusal(flag, path, e) from None


def _replace(path: Path, data: bytes) -> None:
    folder = path.parent
    _remove_abandoned(folder, path.name)
    tmp = folder / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    held = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
    try:
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        _sync_folder(folder)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _sync_folder(folder: Path) -> None:
    """fsync the folder, so that the rename itself survives a crash."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems cannot sync a folder; the file itself is synced
    finally:
        os.close(fd)


def _remove_abandoned(folder: Path, name: str) -> None:
    """Remove temporary files for `name` whose writing process no longer runs."""
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            found = _TEMPORARY.match(entry.name)
            if found and found["name"] == name and not _alive(int(found["pid"])):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _refusal(flag: str, path: Path, error: OSError) -> UsageError:
    reason = error.strerror or str(error)
    if error.errno == errno.ENAMETOOLONG:
        reason = "the name is too long for the filesystem"
    return UsageError(f"{flag} {shown_path(path)}: cannot write: {reason}")


@contextlib.contextmanager
def locked(config: Path):
    """Hold an exclusive lock on the project config while a build writes its outputs: two
    builds in one tree take turns instead of interleaving."""
    try:
        fd = os.open(config, os.O_RDONLY)
    except OSError:
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
