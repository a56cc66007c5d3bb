"""Ctrl-C during a run with worker processes: the command stops at once, says that nothing was
written, leaves no file and no process behind."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="process groups and SIGINT are POSIX")


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [int(x) for x in out.stdout.split()]


def test_ctrl_c_stops_the_workers_and_writes_nothing(tmp_path):
    out = tmp_path / "runs"
    out.mkdir()
    cmd = [sys.executable, "-c", "from flashpoint.cli import app; app()", "run", "idlib-2020",
           "--runs", "100000", "--workers", "2", "--out", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.time() + 60
        while len(_children(proc.pid)) < 2 and time.time() < deadline:   # the pool is working
            time.sleep(0.1)
        workers = _children(proc.pid)
        assert len(workers) >= 2, "the run never started its worker processes"
        time.sleep(1.0)
        sent = time.time()
        os.killpg(proc.pid, signal.SIGINT)              # what a terminal sends on Ctrl-C
        err = proc.communicate(timeout=30)[1]
        took = time.time() - sent
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err
    assert "interrupted: nothing was written" in err
    assert "Traceback" not in err
    assert took < 3, f"took {took:.1f} s to stop"      # not the seconds a block of runs takes
    assert list(out.iterdir()) == []
    if sys.platform == "linux":
        time.sleep(0.5)
        assert not [w for w in workers if os.path.exists(f"/proc/{w}")], "worker processes left behind"


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc to find the worker processes")
def test_killing_the_main_process_alone_leaves_no_worker_behind(tmp_path):
    """SIGKILL cannot be caught: the workers must notice by themselves that their parent is gone."""
    out = tmp_path / "runs"
    out.mkdir()
    cmd = [sys.executable, "-c", "from flashpoint.cli import app; app()", "run", "idlib-2020",
           "--runs", "100000", "--workers", "2", "--out", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.time() + 60
        while len(_children(proc.pid)) < 2 and time.time() < deadline:
            time.sleep(0.1)
        workers = _children(proc.pid)
        assert len(workers) >= 2, "the run never started its worker processes"
        time.sleep(1.0)
        proc.kill()                                     # the main process only, not its group
        proc.wait(timeout=10)
        deadline = time.time() + 5
        while time.time() < deadline and [w for w in workers if _alive(w)]:
            time.sleep(0.1)
        left = [w for w in workers if _alive(w)]
    finally:
        with contextlib.suppress(ProcessLookupError):   # whatever is left of the group, so nothing lingers
            os.killpg(proc.pid, signal.SIGKILL)
    assert not left, f"worker processes {left} still running 5 s after the main process was killed"


def _alive(pid: int) -> bool:
    """Running, not a zombie waiting for a parent to collect it."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
