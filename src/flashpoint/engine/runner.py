"""Run many futures of a scenario: blocks of runs, an executor, and streaming reduction.

Runs are cut into blocks (a whole number of random-stream granules, see :mod:`.rng`); each block
is simulated independently, in this process or in a pool of local worker processes, and folded
into an :class:`~flashpoint.analysis.summary.Accumulator` as it completes. Memory does not grow
with the number of runs unless trajectories are kept.
"""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import multiprocessing as mp
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from flashpoint.analysis.summary import Accumulator
from flashpoint.engine.rng import GRANULE, block_bounds
from flashpoint.engine.simulate import BlockResult, simulate_block
from flashpoint.engine.theatre import CompiledTheatre, compile_theatre
from flashpoint.errors import FlashpointError
from flashpoint.scenario.schema import Scenario

MAX_BLOCK = 5000
"""The largest block chosen by default: bigger blocks spread each day's fixed work over more runs,
and 5,000 runs x 60 days stay within a few hundred MiB per worker."""


def default_block(runs: int, workers: int) -> int:
    """Runs per block when the user does not say: an equal share of the runs for each worker, in
    whole granules, at most :data:`MAX_BLOCK`. Results do not depend on it."""
    share = -(-runs // max(workers, 1))
    return min(MAX_BLOCK, max(GRANULE, -(-share // GRANULE) * GRANULE))


@dataclass
class RunSpec:
    runs: int
    days: int
    seed: int
    block_size: int | None = None    # None: default_block(runs, workers)
    workers: int = 1
    overrides: dict[str, float] | None = None
    trajectories: bool = False
    keep_runs: bool = False          # keep every run's final state (outcomes, losses, inputs) for paired analyses
    quantiles: dict[str, np.ndarray] | None = None   # uncertain inputs fixed per run (an experimental design)


def check_spec(scenario: Scenario, spec: RunSpec) -> None:
    """Validate the numbers of a run at the edge, with messages a user can act on."""
    if spec.runs <= 0:
        raise FlashpointError(f"--runs {spec.runs}: must be a whole number of at least 1")
    if not 1 <= spec.days <= scenario.meta.horizon_days:
        raise FlashpointError(f"--days {spec.days}: must be between 1 and the scenario's horizon, "
                              f"{scenario.meta.horizon_days} days")
    if spec.block_size is not None and spec.block_size <= 0:
        raise FlashpointError(f"--block-size {spec.block_size}: must be at least 1")
    if spec.workers <= 0:
        raise FlashpointError(f"--workers {spec.workers}: must be at least 1")
    if not 0 <= spec.seed < 2**63:
        raise FlashpointError(f"--seed {spec.seed}: must be a whole number from 0 to 2^63 - 1")


_WORKER: dict = {}


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


def run_pool(jobs: list[tuple], workers: int, initializer: Callable, initargs: tuple, work: Callable,
             take: Callable) -> None:
    """``work(*job)`` for every job in a pool of ``workers`` local processes (each set up by
    ``initializer(*initargs)``), and ``take(result)`` as each finishes. At most two jobs per worker
    are in flight, so memory stays bounded however many there are; Ctrl-C or an error stops the
    workers at once."""
    ctx = mp.get_context(start_method())
    with cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=initializer,
                                initargs=initargs) as pool:
        pending: set[cf.Future] = set()
        try:
            for job in jobs:
                pending.add(pool.submit(work, *job))
                if len(pending) >= 2 * workers:
                    done, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                    for fut in done:
                        take(fut.result())
            for fut in cf.as_completed(pending):
                take(fut.result())
        except BaseException:
            stop_workers(pool, pending)
            raise


def stop_workers(pool: cf.ProcessPoolExecutor, pending: set[cf.Future]) -> None:
    """After an interrupt or an error: drop the blocks not started and end the worker processes
    at once (their blocks are thrown away), so that leaving the pool does not wait for them."""
    for fut in pending:
        fut.cancel()
    processes = list((getattr(pool, "_processes", None) or {}).values())   # shutdown forgets them
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        if proc.is_alive():
            proc.terminate()


def _init_worker(scenario: Scenario, overrides: dict | None) -> None:
    ignore_interrupts()
    _WORKER["theatre"] = compile_theatre(scenario, overrides)


def _work(seed: int, start: int, stop: int, days: int, trajectories: bool,
          quantiles: dict[str, np.ndarray] | None) -> BlockResult:
    return simulate_block(_WORKER["theatre"], seed, start, stop, days, trajectories=trajectories,
                          quantiles=quantiles)


@dataclass
class Outcome:
    """What a job leaves: the accumulated summaries, the theatre, trajectories, timings."""

    theatre: CompiledTheatre
    accumulator: Accumulator
    spec: RunSpec
    seconds: float
    blocks: list[BlockResult] | None


def run_scenario(scenario: Scenario, spec: RunSpec,
                 progress: Callable[[int], None] | None = None) -> Outcome:
    """Simulate ``spec.runs`` futures; ``progress(n)`` is told after each block of n runs."""
    check_spec(scenario, spec)
    if spec.block_size is None:
        spec = dataclasses.replace(spec, block_size=default_block(spec.runs, spec.workers))
    t0 = time.perf_counter()
    theatre = compile_theatre(scenario, spec.overrides)
    acc = Accumulator(theatre, spec.days)
    kept: list[BlockResult] | None = [] if spec.trajectories or spec.keep_runs else None
    if spec.quantiles is not None:
        for path, levels in spec.quantiles.items():
            if np.shape(levels) != (spec.runs,):
                raise FlashpointError(f"quantiles for {path}: need one level per run ({spec.runs}), got shape "
                                      f"{np.shape(levels)}")
    bounds = block_bounds(spec.runs, spec.block_size)

    def take(block: BlockResult) -> None:
        acc.add(block)
        if kept is not None:
            kept.append(block)
        if progress:
            progress(block.stop - block.start)

    if spec.workers == 1 or len(bounds) == 1:
        for start, stop in bounds:
            take(simulate_block(theatre, spec.seed, start, stop, spec.days, trajectories=spec.trajectories,
                                quantiles=spec.quantiles))
    else:
        run_pool([(spec.seed, start, stop, spec.days, spec.trajectories, spec.quantiles) for start, stop in bounds],
                 spec.workers, _init_worker, (scenario, spec.overrides), _work, take)
    if kept is not None:
        kept.sort(key=lambda b: b.start)
    return Outcome(theatre, acc, spec, time.perf_counter() - t0, kept)


def stack_blocks(blocks: list[BlockResult], attr: str) -> np.ndarray:
    return np.concatenate([getattr(b, attr) for b in blocks], axis=0)
