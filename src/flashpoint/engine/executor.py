"""Executors: where blocks of runs are simulated and reduced.

A job is cut into :class:`Block` s, small picklable records (which variant, seed, runs
[start, stop), days). An executor turns an iterable of them into :class:`Partial` s, each the
block's runs already reduced into an :class:`~flashpoint.engine.reduce.Accumulator` (and the
block's per-run arrays when the job keeps them). The caller merges partials in whatever order they
come: every count is a whole number, so the summary's bytes do not depend on the order, the
block size or the executor.

* :class:`SerialExecutor` runs blocks in this process;
* :class:`LocalExecutor` runs them in a pool of local worker processes, at most two per worker in
  flight, so memory stays bounded however many blocks there are. Each worker compiles the job's
  variants once (:class:`Variant`: a scenario, its ``--set`` overrides, fixed quantiles).

Another executor (a cluster's) needs only ``map(variants, blocks)``: ship the variants once,
evaluate :func:`simulate` per block on a worker, and yield the partials back.

Blocks are made lazily (:func:`block_bounds`): no list of them is ever built, so the number of
runs is limited by time, not by memory.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import ctypes
import multiprocessing as mp
import multiprocessing.connection
import os
import signal
import sys
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from flashpoint.engine.reduce import Accumulator
from flashpoint.engine.rng import GRANULE
from flashpoint.engine.simulate import BlockResult, simulate_block
from flashpoint.engine.theatre import CompiledTheatre, compile_theatre
from flashpoint.scenario.schema import Scenario

T = TypeVar("T")


@dataclass(frozen=True)
class Variant:
    """What a worker compiles once for a job: the scenario, its overrides, and the uncertain
    inputs fixed per run (an experimental design; levels for every run of the job)."""

    scenario: Scenario
    overrides: dict[str, float] | None = None
    quantiles: dict[str, np.ndarray] | None = None

    def compile(self) -> CompiledTheatre:
        return compile_theatre(self.scenario, self.overrides)


@dataclass(frozen=True)
class Block:
    """Runs [start, stop) of variant ``variant``: plain data, cheap to send to a worker."""

    variant: int
    seed: int
    start: int
    stop: int
    days: int
    trajectories: bool = False
    keep: bool = False             # send back the block's per-run arrays too


@dataclass
class Partial:
    """A block's runs, reduced where they were simulated.

    An executor that merges partials where they ran (a cluster's) first reports each finished
    block by a partial without counts (``accumulator`` None: progress only), then sends the merged
    counts in partials marked ``reported`` (their runs were counted already)."""

    variant: int
    start: int
    stop: int
    accumulator: Accumulator | None
    result: BlockResult | None     # the per-run arrays, when the block was to be kept
    reported: bool = False


def block_size_used(runs: int, block_size: int) -> int:
    """The runs per block the engine uses: ``block_size`` rounded up to whole granules (the random
    streams' unit, see :mod:`.rng`), and no more than the runs."""
    return min(max(GRANULE, -(-block_size // GRANULE) * GRANULE), runs)


def block_bounds(runs: int, block_size: int) -> Iterator[tuple[int, int]]:
    """[start, stop) of each block, one at a time."""
    size = block_size_used(runs, block_size)
    for start in range(0, runs, size):
        yield start, min(start + size, runs)


def n_blocks(runs: int, block_size: int) -> int:
    return -(-runs // block_size_used(runs, block_size))


def simulate(theatre: CompiledTheatre, variant: Variant, block: Block) -> Partial:
    """Simulate one block and reduce it: the unit of work of every executor."""
    result = simulate_block(theatre, block.seed, block.start, block.stop, block.days,
                            trajectories=block.trajectories, quantiles=variant.quantiles)
    acc = Accumulator(theatre, block.days)
    acc.add(result)
    return Partial(block.variant, block.start, block.stop, acc, result if block.keep else None)


class Executor(ABC):
    """Turns blocks into partials; ``workers`` is how many run at once."""

    workers: int = 1

    @abstractmethod
    def map(self, variants: Sequence[Variant], blocks: Iterable[Block],
            theatres: Sequence[CompiledTheatre] | None = None) -> Iterator[Partial]:
        """The partials of ``blocks``, in any order. ``theatres``, the variants already compiled in
        this process, may be used instead of compiling them again."""


    def map_calls(self, func: Callable[..., T], calls: Sequence[tuple]) -> list[T]:
        """``[func(*args) for args in calls]``, in order: independent pieces of work other than
        blocks of runs (calibrate's cross-validation folds). Here one after another; a cluster's
        executor runs them as tasks. ``func`` must be a module-level function."""
        return [func(*args) for args in calls]


class SerialExecutor(Executor):
    """Every block in this process, one after another."""

    def map(self, variants, blocks, theatres=None):
        theatres = list(theatres) if theatres is not None else [v.compile() for v in variants]
        for block in blocks:
            yield simulate(theatres[block.variant], variants[block.variant], block)


# -------------------------------------------------------------------------- local worker processes
_WORKER: dict = {}
_PR_SET_PDEATHSIG = 1   # from <linux/prctl.h>


def start_method() -> str:
    """How worker processes start: forked on Linux (they inherit the imported modules and loaded
    kernels, and start in milliseconds instead of about 2 s each), else spawned (macOS's system
    libraries are not safe to fork; Windows cannot).

    Forking is safe here because this process runs no other thread of its own when the pool starts
    (the progress bar redraws on each report, without a refresh thread)."""
    return "fork" if sys.platform.startswith("linux") else "spawn"


def ignore_interrupts() -> None:
    """In a worker process: leave Ctrl-C to the main process, which stops the workers itself
    (:func:`stop_workers`); a worker interrupted in the middle of a block would only print a
    traceback and could leave the pool's queues in a state the main process waits on."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextlib.contextmanager
def interrupt_after_fork() -> Iterator[None]:
    """In the main process, around a call that may fork workers (``pool.submit``): a Ctrl-C that
    arrives during the fork is raised after it. Raised inside the fork, it would land in Python's
    after-fork handlers, which swallow exceptions, and the interrupt would be lost."""
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or previous is None:
        yield
        return
    caught: list[int] = []
    signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


def die_with_parent(parent: int) -> None:
    """In a worker process: end when the main process ends, even when it is killed (SIGKILL) and
    cannot stop its workers. On Linux the kernel sends the worker SIGKILL when its parent dies
    (``prctl(PR_SET_PDEATHSIG)``); elsewhere a thread waits on the pipe to the parent, which
    closes when the parent dies."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
            if os.getppid() != parent:      # the parent died before the request was made
                os._exit(1)
            return
    process = mp.parent_process()
    if process is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([process.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="flashpoint-parent-watchdog", daemon=True).start()


def _init_worker(parent: int, variants: Sequence[Variant]) -> None:
    die_with_parent(parent)
    ignore_interrupts()
    _WORKER["variants"] = variants
    _WORKER["theatres"] = [v.compile() for v in variants]


def _work(block: Block) -> Partial:
    return simulate(_WORKER["theatres"][block.variant], _WORKER["variants"][block.variant], block)


class LocalExecutor(Executor):
    """Blocks in a pool of ``workers`` local processes, started for each ``map``."""

    def __init__(self, workers: int):
        self.workers = workers

    def map(self, variants, blocks, theatres=None):
        ctx = mp.get_context(start_method())
        pool = cf.ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx, initializer=_init_worker,
                                      initargs=(os.getpid(), list(variants)))
        pending: set[cf.Future] = set()
        try:
            for block in blocks:
                with interrupt_after_fork():
                    pending.add(pool.submit(_work, block))
                if len(pending) >= 2 * self.workers:
                    done, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                    for fut in done:
                        yield fut.result()
            while pending:
                done, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                for fut in done:
                    yield fut.result()
        except BaseException:
            stop_workers(pool, pending)
            raise
        pool.shutdown(wait=True)


def stop_workers(pool: cf.ProcessPoolExecutor, pending: set[cf.Future]) -> None:
    """After an interrupt or an error: drop the blocks not started and end the worker processes
    at once (their blocks are thrown away), so that leaving the pool does not wait for them."""
    for fut in pending:
        fut.cancel()
    processes = list((getattr(pool, "_processes", None) or {}).values())   # shutdown forgets them
    manager = getattr(pool, "_executor_manager_thread", None)
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        if proc.is_alive():
            proc.terminate()
    # Let the pool's manager thread see its workers end and close its wake-up pipe now: left running,
    # it may close that pipe while the interpreter's exit handler writes to it, which prints an
    # "OSError: Bad file descriptor" traceback after the command's own message (Python 3.11).
    if manager is not None and manager.is_alive():
        manager.join(timeout=2.0)


def local_executor(workers: int) -> Executor:
    """This machine's executor for ``workers`` processes at once (1: this process)."""
    return SerialExecutor() if workers <= 1 else LocalExecutor(workers)
