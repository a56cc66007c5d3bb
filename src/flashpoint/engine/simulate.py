"""Simulate one block of runs, day by day: strategy, air, ground, escalation, record."""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from flashpoint.engine.air import air_runs
from flashpoint.engine.geometry import geometry
from flashpoint.engine.ground import ground_runs, new_plan, plan_runs
from flashpoint.engine.outcomes import FinalState, compile_outcomes
from flashpoint.engine.rng import Streams
from flashpoint.engine.state import LOSS_KINDS, State, initial_state
from flashpoint.engine.strategy.decisions import Strategy, default_strategy
from flashpoint.engine.strategy.escalation import init_ladder, ladder_rules, update_rungs
from flashpoint.engine.theatre import Draws, Theatre
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


def start_block(th: Theatre, seed: int, start: int, stop: int, quantiles: dict[str, np.ndarray] | None = None,
                strategy: Strategy | None = None) -> tuple[Draws, State, Strategy, dict[str, np.ndarray]]:
    """Day 0 of runs [start, stop): the per-run draws, the state, the strategy, and every uncertain
    input drawn per run by path (the scenario's and the strategy's own)."""
    draws = Draws(th, seed, start, stop, quantiles)
    st = initial_state(th, draws)
    init_ladder(th, st)
    strategy = strategy or default_strategy(th, st, draws)
    parameters = {path: draws.value(path, dist) for path, dist in th.uncertain.items()}
    parameters.update(getattr(strategy, "inputs", {}))   # the strategy's own per-run draws
    return draws, st, strategy, parameters


def simulate_block(th: Theatre, seed: int, start: int, stop: int, days: int,
                   strategy: Strategy | None = None, trajectories: bool = False,
                   quantiles: dict[str, np.ndarray] | None = None) -> BlockResult:
    """Runs [start, stop) of a job; ``quantiles`` fixes uncertain inputs by path (per-run levels in
    (0, 1) for the whole job), as experimental designs for sensitivity analysis do."""
    geo = geometry(th)
    draws, st, strategy, parameters = start_block(th, seed, start, stop, quantiles, strategy)
    rng = Streams(seed, start, stop)
    rules = ladder_rules(th)
    n_c = len(th.camps)

    held = np.zeros((st.n, days + 1, n_c), dtype=np.int16)
    control_days = np.zeros((st.n, days + 1, th.n_places), dtype=np.int8) if trajectories else None
    killed_days = np.zeros((st.n, days + 1, th.n_actors), dtype=np.float32) if trajectories else None

    def record(day: int) -> None:
        _count_held(st.control, th.actor_camp, held, day)
        if trajectories:
            control_days[:, day, :] = st.control
            killed_days[:, day, :] = st.losses["personnel_killed"]

    record(0)
    for day in range(1, days + 1):
        st.day = day
        strategy.decide(th, st, rng)
        # plan, air and ground granule by granule: a granule's state stays in the processor's cache
        # through its day, and its generator draws the air phase's numbers, then the ground's
        plan = new_plan(th, st)
        for gen, lo, hi in rng.granules():
            plan_runs(th, st, plan, lo, hi)
            air_runs(th, geo, st, gen, lo, hi, plan.engaged)
            ground_runs(th, st, gen, lo, hi, plan)
        update_rungs(rules, st)
        record(day)

    unknown = sorted(set(quantiles or {}) - draws.used)
    if unknown:
        raise FlashpointError(f"unknown uncertain input(s) {', '.join(unknown)}: not a value of this scenario "
                              "drawn per run (see the 'input:' columns of --save-trajectories)")
    final = final_state(th, st)
    outcomes = {oid: fn(final) for oid, fn in compile_outcomes(th).items()}
    return BlockResult(start, stop, final, outcomes, held, control_days, killed_days, parameters,
                       chosen=st.chosen, reached_day=st.reached_day, reached_by=st.reached_by,
                       ceasefire_control=st.ceasefire_control,
                       ceasefire_capability=st.ceasefire_capability)


@numba.njit(cache=True, nogil=True)
def _count_held(control, actor_camp, held, day):
    """Places held by each camp in each run on ``day``."""
    for r in range(control.shape[0]):
        for p in range(control.shape[1]):
            held[r, day, actor_camp[control[r, p]]] += 1


def final_state(th: Theatre, st: State) -> FinalState:
    metrics = {f"{actor}.{kind}": st.losses[kind][:, i]
               for kind in LOSS_KINDS for i, actor in enumerate(th.actors)}
    return FinalState(st.control.copy(), th.actor_camp[st.control], st.rung.copy(),
                      st.ceasefire_day.copy(), metrics)
