"""The day loop: each granule stepping through all its days in one compiled call (no decisions),
day by day with a strategy, and the phases called one by one all give the same runs."""

from __future__ import annotations

import numpy as np

import flashpoint
from flashpoint.engine.rng import Streams
from flashpoint.engine.simulate import Record, record_day, simulate_block
from flashpoint.engine.stepwise import air_phase, ground_phase, plan_attacks, start, update_rungs
from flashpoint.engine.strategy.escalation import ladder_rules
from flashpoint.engine.theatre import compile_theatre

SEED, RUNS, DAYS = 11, 600, 20      # three granules, the last one short


class DoNothing:
    """A strategy that decides nothing, but is not the built-in one: the day-by-day loop."""

    name = "nothing"

    def inputs(self, th) -> dict:
        return {}

    def decide(self, th, st, rng) -> None:
        return None


def theatre():
    s = flashpoint.load("idlib-2020").apply("coalition-air-support")
    return compile_theatre(s.model_copy(update={"decisions": {}}))


def phase_by_phase(th):
    """The day as the phases' own functions play it, over the whole block."""
    block = start(th, SEED, RUNS)
    st, rng, ladder = block.st, Streams(SEED, 0, RUNS), ladder_rules(th)
    held = np.zeros((RUNS, DAYS + 1, len(th.camps)), dtype=np.int16)
    none8, none32 = np.zeros((0, 0, 0), dtype=np.int8), np.zeros((0, 0, 0), dtype=np.float32)
    record = Record(st.control, th.actor_camp, held, False, none8, none32, st.losses.personnel_killed)
    record_day(0, RUNS, 0, record)
    for day in range(1, DAYS + 1):
        st.day = day
        plan = plan_attacks(block)
        air_phase(block, rng, plan)
        ground_phase(block, rng, plan)
        update_rungs(ladder, st)
        record_day(0, RUNS, day, record)
    return st, held


def test_all_days_at_once_day_by_day_and_phase_by_phase_agree():
    th = theatre()
    at_once = simulate_block(th, SEED, 0, RUNS, DAYS, trajectories=True)
    by_day = simulate_block(th, SEED, 0, RUNS, DAYS, strategy=DoNothing(), trajectories=True)
    st, held = phase_by_phase(th)
    # the phases draw granule after granule each day, the loop granule after granule for all days:
    # a granule's generator sees the same sequence either way
    np.testing.assert_array_equal(at_once.held, by_day.held)
    np.testing.assert_array_equal(at_once.control_days, by_day.control_days)
    np.testing.assert_array_equal(at_once.killed_days, by_day.killed_days)
    np.testing.assert_array_equal(at_once.reached_day, by_day.reached_day)
    np.testing.assert_array_equal(at_once.held, held)
    np.testing.assert_array_equal(at_once.final.control, st.control)
    np.testing.assert_array_equal(at_once.reached_day, st.reached_day)
    for key, value in at_once.final.metrics.items():
        actor, kind = key.split(".")
        np.testing.assert_array_equal(value, st.losses.of(kind)[:, th.actor_index(actor)], err_msg=key)
    # and something happened: places changed hands, people died, rungs were climbed
    assert (at_once.held[:, -1] != at_once.held[:, 0]).any()
    assert at_once.killed_days[:, -1].sum() > 0
    assert (at_once.reached_day[:, 1:] > 0).any()


def test_trajectories_do_not_change_the_runs():
    th = theatre()
    a = simulate_block(th, SEED, 0, RUNS, DAYS, trajectories=True)
    b = simulate_block(th, SEED, 0, RUNS, DAYS)
    assert b.control_days is None and b.killed_days is None
    np.testing.assert_array_equal(a.held, b.held)
    np.testing.assert_array_equal(a.final.control, b.final.control)
    np.testing.assert_array_equal(a.control_days[:, -1], a.final.control)

