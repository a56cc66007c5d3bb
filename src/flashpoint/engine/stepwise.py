"""The engine's phases one at a time, for tests and for reading the model step by step.

The engine itself steps a block in :func:`.simulate.simulate_block`, which composes the same
kernels in one compiled call per granule (``tests/unit/test_day_loop.py`` checks that both give
identical runs). These drivers run one phase of one day over a whole block, from Python:

- :func:`start` makes day 0 of a block (the compiled theatre's tables, the run draws, the state);
- :func:`plan_attacks` plans the day's attacks (combat power, air superiority, targets);
- :func:`air_phase` and :func:`ground_phase` fight the day's air and ground war against a plan;
- :func:`update_rungs` applies the escalation ladder's triggers;
- :func:`combat_power` and :func:`air_superiority` read the state without changing it.

Each phase draws from the block's :class:`.rng.Streams` granule by granule, as the engine does.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from flashpoint.engine.air import air_kernel
from flashpoint.engine.draws import Draws, RunDraws
from flashpoint.engine.ground import ground_kernel
from flashpoint.engine.plan import Plan, new_plan, plan_kernel, power_kernel
from flashpoint.engine.rng import Streams
from flashpoint.engine.simulate import start_block
from flashpoint.engine.state import State
from flashpoint.engine.strategy.escalation import Ladder, reached, triggers_kernel
from flashpoint.engine.tables import Tables
from flashpoint.engine.theatre import CompiledTheatre


class Day0(NamedTuple):
    """A block at day 0, for stepping by hand."""

    th: CompiledTheatre
    tables: Tables
    draws: Draws
    run: RunDraws
    st: State


def start(th: CompiledTheatre, seed: int, runs: int) -> Day0:
    """Day 0 of runs [0, runs) of a job seeded ``seed``."""
    block = start_block(th, seed, 0, runs)
    return Day0(th, th.tables, block.draws, block.run, block.state)


def empty_plan(th: CompiledTheatre, st: State) -> Plan:
    """A plan with nothing planned, for every run of the block."""
    return new_plan(st.n, th.n_places, len(th.formation_ids), th.n_actors, th.map.nbr_edge.shape[1])


def plan_attacks(b: Day0) -> Plan:
    """Today's (``b.st.day``) combat power, air superiority and attacks of every run of the block."""
    plan = empty_plan(b.th, b.st)
    fs, board = b.st.forces(), b.st.board()
    power_kernel(0, b.st.n, b.st.day, b.tables, b.run, fs, board, plan)
    plan_kernel(0, b.st.n, b.st.day, b.tables, b.run, fs, board, plan)
    return plan


def combat_power(b: Day0) -> np.ndarray:
    """(R, F) combat power of every formation today (docs/model.md, "Combat power")."""
    return plan_attacks(b).power


def air_superiority(b: Day0) -> np.ndarray:
    """(R, A, P) each actor's degree of air superiority over each place today, 0 (the enemy owns
    the air) to 1 (its camp does) (docs/model.md, "Air superiority")."""
    return plan_attacks(b).degree


def air_phase(b: Day0, rng: Streams, plan: Plan) -> None:
    """One day of air operations against ``plan`` (its engaged formations; the runs that lose
    aircraft or drones are marked in it)."""
    fs, board = b.st.forces(), b.st.board()
    for gen, lo, hi in rng.granules():
        air_kernel(gen, lo, hi, b.st.day, b.tables, b.run, fs, board, plan)


def ground_phase(b: Day0, rng: Streams, plan: Plan) -> None:
    """Pull-outs, attrition, advance, capture, retreat and breakpoints for one day."""
    fs, board = b.st.forces(), b.st.board()
    for gen, lo, hi in rng.granules():
        ground_kernel(gen, lo, hi, b.st.day, b.tables, b.run, fs, board, plan)


def update_rungs(ladder: Ladder, st: State) -> None:
    """Rungs whose declared trigger happened by the end of today."""
    if ladder.rules:
        triggers_kernel(0, st.n, st.day, ladder.arrays, reached(st))
