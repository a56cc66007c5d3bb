"""Run many futures of a scenario: a job's specification, its blocks, an executor, and the merge.

A job (:class:`RunSpec`, made and checked by :meth:`RunSpec.for_scenario`) is cut into blocks
of runs (a whole number of random-stream granules, see :mod:`.rng`); an executor
(:mod:`.executor`) simulates each block and reduces it into an
:class:`~flashpoint.engine.reduce.Accumulator` where it ran; the partial summaries are merged
here as they come. Memory does not grow with the number of runs unless runs are kept.
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from flashpoint.engine.dask_executor import as_executor
from flashpoint.engine.executor import (
    Block,
    Executor,
    Variant,
    block_bounds,
    block_size_used,
    local_executor,
    n_blocks,
)
from flashpoint.engine.reduce import Accumulator
from flashpoint.engine.rng import GRANULE
from flashpoint.engine.simulate import BlockResult
from flashpoint.engine.theatre import CompiledTheatre
from flashpoint.errors import FlashpointError, FlashpointWarning
from flashpoint.scenario.schema import Scenario

MAX_BLOCK = 5000
"""The largest block chosen by default: bigger blocks spread each day's fixed work over more runs,
and 5,000 runs x 60 days stay within a few hundred MiB per worker."""
LARGEST_BLOCK = 50_000
"""The largest ``--block-size`` taken: a block's arrays are all in memory at once (ten times the
default's few hundred MiB per worker at most), and results do not depend on the block size."""


def default_block(runs: int, workers: int) -> int:
    """Runs per block when the user does not say: an equal share of the runs for each worker, in
    whole granules, at most :data:`MAX_BLOCK`. Results do not depend on it."""
    share = -(-runs // max(workers, 1))
    return min(MAX_BLOCK, max(GRANULE, -(-share // GRANULE) * GRANULE))


def cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


@dataclass(frozen=True)
class RunSpec:
    """One job: how many runs of how many days, from which seed, cut how. Make it with
    :meth:`for_scenario`, which checks it against the scenario and fills in the defaults."""

    runs: int
    days: int
    seed: int
    block_size: int                  # runs per block, as the engine uses it (whole granules, at most runs)
    workers: int = 1                 # worker processes asked for
    overrides: dict[str, float] | None = None
    trajectories: bool = False
    keep_runs: bool = False          # keep every run's final state (outcomes, losses, inputs) for paired analyses
    quantiles: dict[str, np.ndarray] | None = None   # uncertain inputs fixed per run (an experimental design)

    @classmethod
    def for_scenario(cls, scenario: Scenario, runs: int, seed: int, days: int | None = None,
                     block_size: int | None = None, workers: int = 1, overrides: dict[str, float] | None = None,
                     trajectories: bool = False, keep_runs: bool = False,
                     quantiles: dict[str, np.ndarray] | None = None) -> RunSpec:
        """A job of ``scenario``, checked with messages a user can act on; ``days`` defaults to
        the scenario's horizon and ``block_size`` to :func:`default_block`."""
        days = scenario.meta.horizon_days if days is None else days
        if runs <= 0:
            raise FlashpointError(f"--runs {runs}: must be a whole number of at least 1")
        if not 1 <= days <= scenario.meta.horizon_days:
            raise FlashpointError(f"--days {days}: must be between 1 and the scenario's horizon, "
                                  f"{scenario.meta.horizon_days} days")
        if block_size is not None and block_size <= 0:
            raise FlashpointError(f"--block-size {block_size}: must be at least 1")
        if block_size is not None and block_size_used(runs, block_size) > LARGEST_BLOCK:
            raise FlashpointError(f"--block-size {block_size}: at most {LARGEST_BLOCK:,} runs per block (a block is "
                                  "held in memory at once; the results do not depend on the block size)")
        if workers <= 0:
            raise FlashpointError(f"--workers {workers}: must be at least 1")
        if not 0 <= seed < 2**63:
            raise FlashpointError(f"--seed {seed}: must be a whole number from 0 to 2^63 - 1")
        for path, levels in (quantiles or {}).items():
            if np.shape(levels) != (runs,):
                raise FlashpointError(f"quantiles for {path}: need one level per run ({runs}), got shape "
                                      f"{np.shape(levels)}")
        if workers > cores():
            warnings.warn(f"--workers {workers}: more than the {cores()} cores of this machine; the extra "
                          "workers only share them", FlashpointWarning, stacklevel=2)
        size = block_size_used(runs, default_block(runs, workers) if block_size is None else block_size)
        return cls(runs=runs, days=days, seed=seed, block_size=size, workers=workers, overrides=overrides,
                   trajectories=trajectories, keep_runs=keep_runs, quantiles=quantiles)

    def blocks(self, variant: int = 0) -> Iterator[Block]:
        """This job's blocks, made one at a time."""
        keep = self.trajectories or self.keep_runs
        for start, stop in block_bounds(self.runs, self.block_size):
            yield Block(variant, self.seed, start, stop, self.days, self.trajectories, keep)

    @property
    def n_blocks(self) -> int:
        return n_blocks(self.runs, self.block_size)


@dataclass
class JobResult:
    """What a job leaves: the merged summaries, the theatre, the kept runs, timings."""

    theatre: CompiledTheatre
    accumulator: Accumulator
    spec: RunSpec
    seconds: float
    blocks: list[BlockResult] | None
    workers: int = 1                  # worker processes actually used


def run_jobs(jobs: Sequence[tuple[Scenario, RunSpec]], executor: Executor | None = None,
             progress: Callable[[int], None] | None = None,
             on_block: Callable[[int, BlockResult], None] | None = None) -> list[JobResult]:
    """Simulate several jobs through one executor (so one pool serves them all, and its workers
    take whichever job's blocks are left); ``progress(n)`` is told after each block of n runs, and
    ``on_block(job, block)`` is given each block of a job with trajectories, which it stores (the
    job then keeps no trajectories in memory). The numbers of each job are those of running it alone."""
    executor = as_executor(executor)
    if executor is None:
        total = sum(spec.n_blocks for _, spec in jobs)
        executor = local_executor(min(max(spec.workers for _, spec in jobs), total))
    t0 = time.perf_counter()
    variants = [Variant(s, spec.overrides, spec.quantiles) for s, spec in jobs]
    theatres = [v.compile() for v in variants]
    accs = [Accumulator(th, spec.days) for th, (_, spec) in zip(theatres, jobs, strict=True)]
    kept: list[list[BlockResult] | None] = [[] if (spec.trajectories and on_block is None) or spec.keep_runs
                                            else None for _, spec in jobs]

    def blocks() -> Iterator[Block]:
        for i, (_, spec) in enumerate(jobs):
            yield from spec.blocks(i)

    partials = executor.map(variants, blocks(), theatres)
    try:
        for part in partials:
            if part.accumulator is not None:
                accs[part.variant].merge(part.accumulator)
            if on_block is not None and part.result is not None and jobs[part.variant][1].trajectories:
                on_block(part.variant, part.result)
            if kept[part.variant] is not None and part.result is not None:
                kept[part.variant].append(part.result)
            if progress and not part.reported:
                progress(part.stop - part.start)
    finally:
        close = getattr(partials, "close", None)      # a generator's: stops the executor's work at once
        if close is not None:
            close()
    seconds = time.perf_counter() - t0
    out = []
    for th, acc, keep, (_, spec) in zip(theatres, accs, kept, jobs, strict=True):
        if keep is not None:
            keep.sort(key=lambda b: b.start)
        out.append(JobResult(th, acc, spec, seconds, keep, executor.workers))
    return out


def run_scenario(scenario: Scenario, spec: RunSpec, progress: Callable[[int], None] | None = None,
                 executor: Executor | None = None,
                 on_block: Callable[[BlockResult], None] | None = None) -> JobResult:
    """Simulate ``spec.runs`` futures; ``progress(n)`` is told after each block of n runs, and
    ``on_block(block)`` is given each block (with trajectories: it stores them, the job does not)."""
    store = None if on_block is None else (lambda _job, block: on_block(block))
    return run_jobs([(scenario, spec)], executor, progress, store)[0]


def stack_blocks(blocks: list[BlockResult], attr: str) -> np.ndarray:
    return np.concatenate([getattr(b, attr) for b in blocks], axis=0)
