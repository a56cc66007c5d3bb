"""Simulate one block of runs, day by day: strategy, then plan, air, ground, escalation and record
in one compiled call per granule (all the days in one call when there is nothing to decide)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numba
import numpy as np

from flashpoint.engine.air import air_kernel
from flashpoint.engine.draws import Draws, RunDraws, draw_run
from flashpoint.engine.ground import ground_kernel
from flashpoint.engine.outcomes import FinalState, compile_outcomes
from flashpoint.engine.plan import new_plan, plan_kernel, power_kernel, reset_plan
from flashpoint.engine.rng import Streams
from flashpoint.engine.state import LOSS_KINDS, TALLY_KINDS, State, initial_state
from flashpoint.engine.strategy.decisions import Continue, Strategy, default_strategy
from flashpoint.engine.strategy.escalation import Rungs, init_ladder, ladder_rules, reached, triggers_kernel
from flashpoint.engine.theatre import CompiledTheatre
from flashpoint.errors import FlashpointError


@dataclass
class BlockResult:
    """Everything the summaries need from a block of runs."""

    start: int
    stop: int
    final: FinalState
    outcomes: dict[str, np.ndarray]      # id -> (R,) bool
    held: np.ndarray                      # (R, days + 1, C) places held by each camp, day 0 first
    control_days: np.ndarray | None       # (R, days + 1, P) actor holding each place (trajectories)
    killed_days: np.ndarray | None        # (R, days + 1, A) personnel killed so far (trajectories)
    parameters: dict[str, np.ndarray]     # uncertain inputs drawn per run, by path
    # strategy layer: options chosen at least once (R, deciding actors, options; None without
    # decisions), first day each escalation rung was reached (R, K; -1 never) and how (see
    # strategy/escalation.py), and the line and battlefield capability multipliers recorded on the
    # day of the ceasefire
    chosen: np.ndarray | None = None
    reached_day: np.ndarray | None = None
    reached_by: np.ndarray | None = None
    ceasefire_control: np.ndarray | None = None
    ceasefire_capability: np.ndarray | None = None


class BlockStart(NamedTuple):
    """Day 0 of a block of runs."""

    draws: Draws                        # per-run values of the scenario's numbers, by path
    run: RunDraws                       # the per-run constants the kernels read
    state: State
    strategy: Strategy
    parameters: dict[str, np.ndarray]   # every uncertain input drawn per run, by path


def start_block(th: CompiledTheatre, seed: int, start: int, stop: int,
                quantiles: dict[str, np.ndarray] | None = None, strategy: Strategy | None = None) -> BlockStart:
    """Day 0 of runs [start, stop): the per-run draws, the state, the strategy, and every uncertain
    input drawn per run by path (the theatre's and the strategy's, :func:`.inputs.uncertain_inputs`)."""
    draws = Draws(th, seed, start, stop, quantiles)
    run = draw_run(th, draws)
    st = initial_state(th, run, draws)
    init_ladder(th, st)
    strategy = strategy or default_strategy(th, st, draws, run)
    parameters = {path: draws.value(path, dist) for path, dist in th.uncertain.items()}
    parameters.update({path: draws.value(path, dist) for path, dist in strategy.inputs(th).items()})
    return BlockStart(draws, run, st, strategy, parameters)


class Record(NamedTuple):
    """What :func:`record_day` reads and writes."""

    control: np.ndarray        # (R, P) the state's holders
    actor_camp: np.ndarray     # (A,)
    held: np.ndarray           # (R, days + 1, C) places held by each camp
    trajectories: bool
    control_days: np.ndarray   # (R, days + 1, P), or (0, 0, 0) without trajectories
    killed_days: np.ndarray    # (R, days + 1, A), or (0, 0, 0)
    killed: np.ndarray         # (R, A) the state's personnel killed


def simulate_block(th: CompiledTheatre, seed: int, start: int, stop: int, days: int,
                   strategy: Strategy | None = None, trajectories: bool = False,
                   quantiles: dict[str, np.ndarray] | None = None,
                   on_day_end: Callable[[State], None] | None = None) -> BlockResult:
    """Runs [start, stop) of a job; ``quantiles`` fixes uncertain inputs by path (per-run levels in
    (0, 1) for the whole job), as experimental designs for sensitivity analysis do; ``on_day_end``
    is shown the state at the end of every day (the days are then stepped one at a time, which
    gives the same runs)."""
    draws, run, st, strategy, parameters = start_block(th, seed, start, stop, quantiles, strategy)
    rng = Streams(seed, start, stop)
    ladder = ladder_rules(th)
    tables = th.tables
    n = st.n

    held = np.zeros((n, days + 1, len(th.camps)), dtype=np.int16)
    # without trajectories, empty arrays of the same types (one compiled kernel serves both)
    shape = (n, days + 1) if trajectories else (0, 0)
    control_days = np.zeros(shape + (th.n_places if trajectories else 0,), dtype=np.int8)
    killed_days = np.zeros(shape + (th.n_actors if trajectories else 0,), dtype=np.float32)
    plan = new_plan(n, th.n_places, len(th.formation_ids), th.n_actors, th.map.nbr_edge.shape[1])
    record = Record(st.control, th.actor_camp, held, trajectories, control_days, killed_days,
                    st.losses.personnel_killed)
    record_day(0, n, 0, record)
    days_kernel = TypedKernel(_days_kernel)

    def step(first: int, last: int) -> None:
        """Days [first, last) of every granule (the state's tuples are taken after the day's decisions)."""
        fs, board, rungs = st.forces(), st.board(), reached(st)
        kernel = None
        for gen, lo, hi in rng.granules():
            args = (gen, lo, hi, first, last, tables, run, fs, board, plan, Rungs(ladder.arrays, rungs), record)
            kernel = kernel or days_kernel.compiled(args)
            kernel(*args)

    if isinstance(strategy, Continue) and on_day_end is None:
        step(1, days + 1)       # nothing to decide: each granule steps through all its days in one call
    else:
        for day in range(1, days + 1):
            st.day = day
            strategy.decide(th, st, rng)
            step(day, day + 1)
            if on_day_end is not None:
                on_day_end(st)
    st.day = days

    unknown = sorted(set(quantiles or {}) - draws.used)
    if unknown:
        raise FlashpointError(f"unknown uncertain input(s) {', '.join(unknown)}: not a value of this scenario "
                              "drawn per run (see the 'input:' columns of --save-trajectories)")
    final = final_state(th, st)
    outcomes = {oid: fn(final) for oid, fn in compile_outcomes(th).items()}
    return BlockResult(start, stop, final, outcomes, held, control_days if trajectories else None,
                       killed_days if trajectories else None, parameters,
                       chosen=st.chosen, reached_day=st.reached_day, reached_by=st.reached_by,
                       ceasefire_control=st.ceasefire_control,
                       ceasefire_capability=st.ceasefire_capability)


def compiled_for(kernel: numba.core.registry.CPUDispatcher, args: tuple) -> Callable:
    """``kernel`` compiled for the types of ``args``, to be called with arguments of the same types.
    Numba's dispatcher finds the types of every argument on every call: for the day kernel's tuples
    of arrays that is about 35 of the 50 µs a call costs (idlib-2020), paid by each granule of
    each day; the granules of one call of ``step`` pass the same tuples, so their types are found once."""
    return kernel.compile(tuple(kernel.typeof_pyval(a) for a in args))


def type_key(x: object) -> object:
    """What Numba's types of ``x`` (an argument of a kernel) depend on, found in plain Python: for an
    array its class, dtype, dimensions, layout, writability and alignment; for a tuple its class and the
    keys of its items; for an integer whether it fits 64 bits; for a random generator the class of
    its bit generator. Any other object gets a key equal to no other (its types are looked up anew)."""
    if isinstance(x, np.ndarray):
        f = x.flags
        return type(x), x.dtype, x.ndim, f.c_contiguous, f.f_contiguous, f.writeable, f.aligned
    if isinstance(x, tuple):
        return type(x), tuple(type_key(y) for y in x)
    if isinstance(x, bool | float):
        return type(x)
    if isinstance(x, int):
        return int, -(2**63) <= x < 2**63
    if isinstance(x, np.random.Generator):
        return type(x), type(x.bit_generator)
    return object()


class TypedKernel:
    """``kernel`` compiled for the types of its arguments, kept from call to call while they have
    the same :func:`type_key`: finding the types of the day kernel's arguments with Numba
    (:func:`compiled_for`) took 2.4-3.4 ms a day for idlib-2020 with coalition-air-support (172 arrays;
    load 3.5-5.5, benchmarks/RESULTS.md), comparing their keys 60-100 µs. A strategy that replaces
    a state array by one of other types gets the kernel compiled for the new types."""

    def __init__(self, kernel: numba.core.registry.CPUDispatcher):
        self.kernel = kernel
        self.key: object = None
        self.fn: Callable | None = None

    def compiled(self, args: tuple) -> Callable:
        key = type_key(args)
        if self.fn is None or key != self.key:
            self.fn, self.key = compiled_for(self.kernel, args), key
        return self.fn


@numba.njit(cache=True, nogil=True)
def _days_kernel(gen, lo, hi, first, last, tb, rd, fs, board, plan, rungs, record):
    """Days [first, last) of runs [lo, hi), one granule drawing from its generator ``gen``: each day
    its plan, air war, ground war, escalation triggers and record, run after run in each phase.
    ``tb`` the theatre's tables, ``rd`` the run draws, ``fs`` and ``board`` the state, ``rungs``
    the ladder's triggers and the state they read and write."""
    for day in range(first, last):
        reset_plan(lo, hi, plan)
        power_kernel(lo, hi, day, tb, rd, fs, board, plan)
        plan_kernel(lo, hi, day, tb, rd, fs, board, plan)
        air_kernel(gen, lo, hi, day, tb, rd, fs, board, plan)
        ground_kernel(gen, lo, hi, day, tb, rd, fs, board, plan)
        triggers_kernel(lo, hi, day, rungs.rules, rungs.reached)
        record_day(lo, hi, day, record)


@numba.njit(cache=True, nogil=True)
def record_day(lo, hi, day, rec):
    """Places held by each camp in runs [lo, hi) on ``day``, and with trajectories the holder of
    every place and the personnel killed so far (``rec`` a :class:`Record`)."""
    for r in range(lo, hi):
        for p in range(rec.control.shape[1]):
            rec.held[r, day, rec.actor_camp[rec.control[r, p]]] += 1
        if rec.trajectories:
            for p in range(rec.control.shape[1]):
                rec.control_days[r, day, p] = rec.control[r, p]
            for a in range(rec.killed.shape[1]):
                rec.killed_days[r, day, a] = rec.killed[r, a]


def final_state(th: CompiledTheatre, st: State) -> FinalState:
    metrics = {f"{actor}.{kind}": st.losses.of(kind)[:, i]
               for kind in LOSS_KINDS for i, actor in enumerate(th.actors)}
    if th.tally:        # only a scenario that uses an air mechanism reports what it counts
        metrics.update({f"{actor}.{kind}": getattr(st.tally, kind)[:, i]
                        for kind in TALLY_KINDS for i, actor in enumerate(th.actors)})
    return FinalState(st.control.copy(), th.actor_camp[st.control], st.rung.copy(),
                      st.ceasefire_day.copy(), metrics)
