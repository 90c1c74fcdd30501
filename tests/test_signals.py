"""Real signals sent to a running `symderiv build`: SIGINT and SIGTERM end it with one line and
status 130 or 143, SIGKILL with nothing said; in every case each output is either as it was
or complete, and no temporary file is left behind (after SIGKILL, once the next build ran)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from helpers import ROOT

CONFIG = """output-dir = "out"
[[models]]
name = "a"
activation = "tanh"
loss = "softmax_cross_entropy"
bias = "hidden"
outputs = ["py", "tex", "tex-hvp", "svg", "hvp-svg"]
[[models]]
name = "b"
activation = "relu"
hidden = 3
loss = "squared"
outputs = ["py", "tex", "tex-memory", "svg"]
[[models]]
name = "c"
activation = "t*tanh(softplus(t))"
hidden = 24
loss = "sigmoid_cross_entropy"
outputs = ["py", "tex", "tex-fr", "svg", "pdf"]
"""


def build(project, wait=True):
    process = subprocess.Popen(
        [sys.executable, "-m", "symderiv", "build"],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"},
    )
    if wait:
        process.wait(timeout=300)
    return process


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """What a whole build writes (file name → bytes), and how many seconds it takes here."""
    project = tmp_path_factory.mktemp("reference")
    (project / "symderiv.toml").write_text(CONFIG)
    start = time.perf_counter()
    assert build(project).returncode == 0
    seconds = time.perf_counter() - start
    return {p.name: p.read_bytes() for p in (project / "out").iterdir()}, seconds


@pytest.fixture(scope="module")
def complete(reference):
    return reference[0]


def assert_whole(project, complete, old=b"old\n"):
    out = project / "out"
    names = sorted(p.name for p in out.iterdir())
    assert not [n for n in names if n.startswith(".")], f"left behind: {names}"
    for name, data in complete.items():
        assert (out / name).read_bytes() in (old, data), f"{name} is neither old nor complete"


@pytest.mark.parametrize(
    "signum, status, says",
    [(signal.SIGINT, 130, "symderiv: interrupted"), (signal.SIGTERM, 143, "symderiv: terminated")],
)
# when the signal comes, as a share of a whole build's time on this machine (a faster build
# must not end before it): during start-up, generation, and just after the first file is written
@pytest.mark.parametrize("delay", [0.05, 0.3, 0.6, "after the first file"])
def test_an_interrupted_build_leaves_every_file_old_or_whole(
    tmp_path, reference, signum, status, says, delay
):
    complete, seconds = reference
    (tmp_path / "symderiv.toml").write_text(CONFIG)
    (tmp_path / "out").mkdir()
    for name in complete:
        (tmp_path / "out" / name).write_bytes(b"old\n")
    process = build(tmp_path, wait=False)
    if delay == "after the first file":  # in the middle of writing
        first = process.stdout.readline()
        assert first.startswith("wrote ")
    else:
        time.sleep(delay * seconds)
    process.send_signal(signum)
    out, err = process.communicate(timeout=300)
    if delay == "after the first file":
        assert len(out.splitlines()) < len(complete) - 1, "the signal came too late to test"
    # `python -m` ends an interrupted run by SIGINT itself once main has returned 130; a shell
    # reports both as status 130
    assert process.returncode in (status, -signum), f"the build ended before the signal ({err})"
    assert err.splitlines() == [says]
    assert "Traceback" not in out + err
    assert_whole(tmp_path, complete)


def test_a_killed_build_leaves_files_whole_and_the_next_build_cleans_up(tmp_path, reference):
    complete, seconds = reference
    (tmp_path / "symderiv.toml").write_text(CONFIG)
    (tmp_path / "out").mkdir()
    # a temporary file as a killed writer leaves it: its pid names no running process
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    ).stdout.strip()
    (tmp_path / "out" / f".a.py.{dead}.0123abcd.tmp").write_text("half")
    process = build(tmp_path, wait=False)
    time.sleep(0.5 * seconds)
    process.kill()
    assert process.wait() == -signal.SIGKILL, "the build ended before it was killed"
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    for name in names:
        if not name.startswith("."):
            assert (tmp_path / "out" / name).read_bytes() == complete[name]
    assert build(tmp_path).returncode == 0
    assert_whole(tmp_path, complete, old=None)


def test_concurrent_builds_take_turns(tmp_path, complete):
    (tmp_path / "symderiv.toml").write_text(CONFIG)
    processes = [build(tmp_path, wait=False) for _ in range(3)]
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
    assert_whole(tmp_path, complete, old=None)


def test_a_signal_swallowed_by_a_callback_still_ends_the_command(monkeypatch, capsys):
    """SIGTERM arriving while Python runs a weakref callback (an import lock's, during start-up)
    raises where Python ignores exceptions; the command still ends with 143 and one line."""
    import os
    import signal
    import weakref

    from symderiv import cli, commands

    class Thing:
        pass

    def run(argv):
        thing = Thing()
        ref = weakref.ref(thing, lambda _: os.kill(os.getpid(), signal.SIGTERM))
        del thing  # the callback runs here, and the handler's exception is ignored in it
        assert ref() is None
        return 0

    monkeypatch.setattr(commands, "run", run)
    assert cli.main([]) == 143
    assert capsys.readouterr().err == "symderiv: terminated\n"
