"""The Dask executor, on a real ``dask scheduler`` and ``dask worker`` processes on 127.0.0.1 (and
on a LocalCluster): the same bytes as the local executor whatever the workers, nothing lost when
a worker dies, a clear exit when the scheduler goes away, and nothing left running after Ctrl-C."""

from __future__ import annotations

import contextlib
import json
import math
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytest.importorskip("distributed")

from tests.fixtures import MINIMAL  # noqa: E402

import flashpoint  # noqa: E402
from flashpoint.analysis.compare import compare_runs  # noqa: E402
from flashpoint.analysis.results import run  # noqa: E402
from flashpoint.analysis.sweep import SweepPlan, run_sweep  # noqa: E402
from flashpoint.engine.dask_executor import DaskExecutor, connect, groups  # noqa: E402
from flashpoint.engine.executor import Block, SerialExecutor, Variant  # noqa: E402
from flashpoint.engine.runner import RunSpec  # noqa: E402
from flashpoint.errors import FlashpointError  # noqa: E402
from flashpoint.scenario import load  # noqa: E402

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(sys.platform == "win32", reason="process groups and signals are POSIX")]

RUNS, DAYS, SEED, BLOCK = 2000, 20, 7, 250
START_TIMEOUT = 60            # seconds for a scheduler and its workers to be up


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A ``dask scheduler`` and ``workers`` ``dask worker --nthreads 1`` processes on 127.0.0.1, each
    in its own process group (no nanny: a killed worker stays dead)."""

    def __init__(self, workers: int = 2):
        from distributed import Client

        self.address = f"tcp://127.0.0.1:{_free_port()}"
        port = self.address.rsplit(":", 1)[1]
        self.scheduler = self._start("scheduler", "--host", "127.0.0.1", "--port", port, "--no-dashboard")
        self.workers = [self._start("worker", self.address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
                                    "--host", "127.0.0.1") for _ in range(workers)]
        self.client = Client(self.address, timeout=START_TIMEOUT, set_as_default=False)
        self.client.wait_for_workers(workers, timeout=START_TIMEOUT)

    @staticmethod
    def _start(*args: str) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "dask", *args], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)

    def busy(self) -> bool:
        """Whether a worker is running a task now."""
        return any(self.client.processing().values())

    def tasks(self) -> int:
        """Tasks the scheduler still holds (of any client)."""
        return self.client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks))

    def stop(self) -> None:
        with contextlib.suppress(Exception):          # the scheduler may be gone already
            self.client.close(timeout=2)
        for proc in [*self.workers, self.scheduler]:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def _started() -> Iterator[Cluster]:
    c = Cluster()
    try:
        yield c
    finally:
        c.stop()


cluster = pytest.fixture(_started)                             # for a test that kills part of it
shared_cluster = pytest.fixture(scope="module")(_started)      # for the tests that leave it as it was


@pytest.fixture(scope="module")
def idlib():
    return flashpoint.load("idlib-2020").apply("coalition-air-support")


@pytest.fixture(scope="module")
def local_summary(idlib):
    return _text(run(idlib, runs=RUNS, seed=SEED, days=DAYS, block_size=BLOCK))


def _text(results) -> str:
    return json.dumps(results.summary(), indent=1)


def _wait(condition, timeout: float, what: str) -> None:
    deadline = time.time() + timeout
    while not condition():
        if time.time() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.05)


# ----------------------------------------------------------------------------- same numbers
def test_two_worker_processes_give_the_local_summary_byte_for_byte(idlib, shared_cluster, local_summary):
    ticks: list[int] = []
    results = run(idlib, runs=RUNS, seed=SEED, days=DAYS, block_size=BLOCK, executor=shared_cluster.client,
                  progress=ticks.append)
    assert _text(results) == local_summary
    assert results.job.workers == 2
    assert ticks == [BLOCK] * (RUNS // BLOCK)         # progress follows the blocks' futures
    ticks.clear()
    run(idlib, runs=BLOCK, seed=SEED, days=DAYS, executor=shared_cluster.client, progress=ticks.append)
    assert ticks == [BLOCK]                            # one block, nothing to merge: counted once


def test_groups_of_blocks_as_tasks_and_kept_runs_give_the_same_numbers(idlib, shared_cluster, local_summary):
    grouped = DaskExecutor(shared_cluster.client, group=3)
    assert _text(run(idlib, runs=RUNS, seed=SEED, days=DAYS, block_size=BLOCK, executor=grouped)) == local_summary
    here = run(idlib, runs=1000, seed=SEED, days=DAYS, block_size=BLOCK, keep_runs=True)
    there = run(idlib, runs=1000, seed=SEED, days=DAYS, block_size=BLOCK, keep_runs=True,
                executor=shared_cluster.client)
    assert _text(there) == _text(here)
    assert there.per_run().equals(here.per_run())       # per-run arrays, when asked, come back whole


def test_a_paired_comparison_on_the_cluster_is_the_local_one(idlib, shared_cluster):
    base = flashpoint.load("idlib-2020")
    options = {"runs": 1000, "seed": SEED, "days": DAYS, "block_size": BLOCK}
    here = compare_runs(base, idlib, **options).to_json()
    there = compare_runs(base, idlib, executor=DaskExecutor(shared_cluster.client), **options).to_json()
    assert json.dumps(there) == json.dumps(here)


def test_one_thread_in_a_local_cluster_gives_the_same_bytes(idlib, local_summary):
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0") as lc, \
            Client(lc, set_as_default=False) as client:
        assert _text(run(idlib, runs=RUNS, seed=SEED, days=DAYS, block_size=BLOCK, executor=client)) == local_summary


def test_a_sweep_on_the_cluster_writes_the_local_bytes(shared_cluster, tmp_path):
    plan = SweepPlan.build(load(MINIMAL), design="lhs", params=["attrition-rate=0.005:0.03"],
                           with_sets="-;blue-reinforced", points=3, runs=300, days=10, seed=4)
    run_sweep(plan, tmp_path / "here.nc", workers=1)
    run_sweep(plan, tmp_path / "there.nc", executor=shared_cluster.client)
    assert (tmp_path / "here.nc").read_bytes() == (tmp_path / "there.nc").read_bytes()


def test_calls_other_than_blocks_run_on_the_cluster_in_order(shared_cluster):
    calls = [(n,) for n in range(12)]
    executor = DaskExecutor(shared_cluster.client)
    assert executor.map_calls(math.factorial, calls) == SerialExecutor().map_calls(math.factorial, calls)
    with pytest.raises(ValueError):
        executor.map_calls(math.factorial, [(3,), (-1,)])    # a task's own error comes back as it is


def test_blocks_are_grouped_by_variant_without_listing_them():
    blocks = (Block(v, 1, s, s + 250, 5) for v in (0, 1) for s in range(0, 1250, 250))
    out = list(groups(blocks, 2))
    assert [len(g) for g in out] == [2, 2, 1, 2, 2, 1]
    assert all(len({b.variant for b in g}) == 1 for g in out)


# ----------------------------------------------------------------------------- faults
def test_killing_a_worker_during_the_job_loses_nothing(idlib, cluster, local_summary):
    victim = cluster.workers[0]

    def kill_at_first_block(_n: int) -> None:
        if victim.poll() is None:
            os.killpg(victim.pid, signal.SIGKILL)

    results = run(idlib, runs=RUNS, seed=SEED, days=DAYS, block_size=BLOCK, executor=cluster.client,
                  progress=kill_at_first_block)
    assert victim.wait(timeout=10) == -signal.SIGKILL
    assert len(cluster.client.nthreads()) == 1          # the job finished on the other worker
    assert _text(results) == local_summary


def _cli(out: Path, scheduler: str, runs: int = 40_000) -> subprocess.Popen:
    cmd = [sys.executable, "-c", "from flashpoint.cli import app; app()", "run", "idlib-2020", "--runs", str(runs),
           "--days", "30", "--block-size", "500", "--executor", "dask", "--out", str(out)]
    env = {**os.environ, "FLASHPOINT_SCHEDULER": scheduler}            # the address from the environment
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def _interrupted(out: Path, cluster, interrupt: Callable[[subprocess.Popen], None], timeout: float,
                 ) -> tuple[int, str]:
    """Start ``flashpoint run`` on the cluster, ``interrupt(proc)`` once the cluster works on its
    blocks, and wait for it to end: (its exit code, its standard error). It is killed if it hangs."""
    proc = _cli(out, cluster.address)
    try:
        _wait(cluster.busy, 60, "the cluster works on the command's blocks")
        interrupt(proc)
        err = proc.communicate(timeout=timeout)[1]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    return proc.returncode, err


def test_a_scheduler_that_goes_away_ends_the_command_clearly_with_nothing_written(tmp_path, cluster):
    out = tmp_path / "runs"
    out.mkdir()
    code, err = _interrupted(out, cluster, lambda _proc: os.killpg(cluster.scheduler.pid, signal.SIGKILL), 60)
    assert code == 2, err
    assert f"the Dask scheduler at {cluster.address} went away" in err and "nothing was written" in err
    assert "Traceback" not in err
    assert list(out.iterdir()) == []


def test_ctrl_c_cancels_the_commands_tasks(tmp_path, shared_cluster):
    out = tmp_path / "runs"
    out.mkdir()
    code, err = _interrupted(out, shared_cluster, lambda proc: os.killpg(proc.pid, signal.SIGINT), 30)
    assert code == 130, err
    assert "interrupted: nothing was written" in err and "Traceback" not in err
    assert list(out.iterdir()) == []
    _wait(lambda: shared_cluster.tasks() == 0, 20, "the scheduler holds none of the command's tasks")


def test_leaving_a_job_cancels_its_futures_while_the_client_stays(idlib, shared_cluster):
    spec = RunSpec.for_scenario(idlib, 40_000, SEED, days=30, block_size=500)
    partials = DaskExecutor(shared_cluster.client).map([Variant(idlib)], spec.blocks())
    first = next(partials)
    assert first.accumulator is None and first.stop - first.start == 500     # progress first, counts later
    partials.close()                       # what the runner does on Ctrl-C or an error
    _wait(lambda: shared_cluster.tasks() == 0, 20, "the job's futures are cancelled")
    assert shared_cluster.client.status == "running"


def test_a_scheduler_that_cannot_be_reached_is_named():
    address = f"tcp://127.0.0.1:{_free_port()}"
    with pytest.raises(FlashpointError, match=f"--scheduler {address}: cannot reach a Dask scheduler"):
        connect(address, timeout=1)


HEAVY = ("run", "compare", "claims", "sensitivity", "discover", "report", "backtest", "calibrate", "sweep")


@pytest.mark.parametrize("name", HEAVY)
def test_every_heavy_command_takes_the_executor_and_the_scheduler(name):
    import typer.main

    from flashpoint.cli import app

    options = {opt for p in typer.main.get_command(app).commands[name].params for opt in p.opts}
    assert {"--executor", "--scheduler"} <= options


def test_dask_without_a_scheduler_says_how_to_give_one(cli, monkeypatch, tmp_path):
    monkeypatch.delenv("FLASHPOINT_SCHEDULER", raising=False)
    result = cli("run", "idlib-2020", "--runs", 250, "--executor", "dask", "--out", tmp_path)
    assert result.exit_code == 2
    assert "--executor dask: give the scheduler's address with --scheduler ADDRESS" in result.output
    assert list(tmp_path.iterdir()) == []
