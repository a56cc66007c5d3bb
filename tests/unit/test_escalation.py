"""The escalation ladder: rungs are reached only by their declared trigger or by a decision that
climbs one rung at a time; the highest rung per run is what summary.json reports."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

import flashpoint
from flashpoint.api import run
from flashpoint.engine.simulate import simulate_block
from flashpoint.engine.strategy.escalation import (
    DECISION,
    NOT_REACHED,
    START,
    TRIGGER,
    climb_distribution,
    may_escalate_to,
)
from flashpoint.engine.theatre import compile_theatre

LADDER = """
[[escalation.rungs]]
id = "tension"
name = "Tension"
severity = 4
source = "made-up"

[[escalation.rungs]]
id = "war"
name = "War"
severity = 28
reached_when = { by = ["redland"], on = ["blueland"] }
source = "made-up"

[[escalation.rungs]]
id = "wider-war"
name = "Wider war"
severity = 28
source = "made-up"

[[escalation.rungs]]
id = "total-war"
name = "Total war"
severity = 60
source = "made-up"

[decisions.redland]
every_days = 3

[decisions.redland.options.hold]
description = "carry on"

[decisions.redland.options.all-in]
description = "jump to the top of the ladder"
effects = { escalate_to = "total-war" }
credibility = 1.0
"""

WIDEN = """
[decisions.redland.options.widen]
description = "one rung up"
effects = { escalate_to = "wider-war" }
credibility = 0.9
"""


def _scenario(scenario_builder, widen: bool):
    return scenario_builder(LADDER + (WIDEN if widen else ""), name="ladder.toml", replace={
        'stakes = { blue-holds-b = -10 }': 'stakes = { blue-holds-b = -10 }\nreputation = 1.0'})


def _ladder(s, runs=250, days=20, rationality=200.0):
    th = compile_theatre(s, {"rationality": rationality, "escalation-weight": 0.0})
    b = simulate_block(th, seed=9, start=0, stop=runs, days=days)
    return th, b


# --------------------------------------------------------------------------- pure functions
def test_climb_distribution_is_a_distribution_over_the_rungs_above_the_start():
    rng = np.random.default_rng(1)
    start = rng.integers(0, 5, 500)
    climb = rng.random((500, 5))
    mult = rng.random(500) * 2
    d = climb_distribution(start, climb, mult, 5)
    assert d.sum(axis=1) == pytest.approx(np.ones(500))
    below = np.arange(5)[None, :] < start[:, None]
    assert (d[below] == 0).all()


def test_climb_distribution_stays_or_climbs_all_the_way():
    start = np.array([1, 1, 4])
    climb = np.full((3, 5), 0.5)
    assert climb_distribution(start, climb, np.zeros(3), 5)[[0, 1, 2], [1, 1, 4]] == pytest.approx([1, 1, 1])
    top = climb_distribution(start, climb, np.full(3, 2.0), 5)     # risk 0.5 x 2 = certain
    assert top[:, 4] == pytest.approx([1, 1, 1])
    half = climb_distribution(np.array([2]), climb, np.ones(1), 5)[0]
    assert half == pytest.approx([0, 0, 0.5, 0.25, 0.25])


def test_a_decision_may_only_climb_one_rung():
    assert may_escalate_to(np.array([0, 1, 2, 3]), 2).tolist() == [False, True, True, True]


# --------------------------------------------------------------------------- in the engine
def test_an_option_that_would_skip_rungs_is_never_open(scenario_builder):
    """'all-in' is worth most to redland, but wider-war has no trigger and nobody climbs to it:
    total-war stays out of reach."""
    th, b = _ladder(_scenario(scenario_builder, widen=False))
    _check_no_skip_without_declared_trigger(th, b)
    war, wider, total = (th.rung_ids.index(r) for r in ("war", "wider-war", "total-war"))
    assert (b.final.rung == war).mean() > 0.9              # redland fires on blueland: war by trigger
    assert (b.reached_day[:, wider] < 0).all() and (b.reached_day[:, total] < 0).all()
    assert not b.chosen[:, 0, 1].any()                      # all-in never chosen


def test_climbing_one_rung_opens_the_next(scenario_builder):
    th, b = _ladder(_scenario(scenario_builder, widen=True))
    war, wider, total = (th.rung_ids.index(r) for r in ("war", "wider-war", "total-war"))
    reached = b.reached_day
    got = reached[:, total] >= 0
    assert got.mean() > 0.9
    # total war only ever after wider war, which only ever after war
    assert (reached[got, wider] >= 0).all() and (reached[got, total] > reached[got, wider]).all()
    assert (reached[got, wider] > reached[got, war]).all()
    assert (b.final.rung[got] == total).all()


@cache
def _idlib_coalition_block():
    s = flashpoint.load("idlib-2020").apply("coalition-air-support")
    th = compile_theatre(s)
    return th, simulate_block(th, seed=3, start=0, stop=500, days=45)


def _check_no_skip_without_declared_trigger(th, b):
    rungs = th.scenario.escalation.rungs
    day, by = b.reached_day, b.reached_by
    # the highest rung is the highest one reached; the first is reached by every run on day 0
    top = np.where(day >= 0, np.arange(len(rungs))[None, :], -1).max(axis=1)
    assert (top == b.final.rung).all()
    assert (by[:, 0] == START).all() and (day[:, 0] == 0).all()
    assert ((day >= 0) == (by != NOT_REACHED)).all()
    climbs = {o.effects.escalate_to for spec in th.scenario.decisions.values() for o in spec.options.values()}
    for k, rung in enumerate(rungs[1:], start=1):
        trig, dec = by[:, k] == TRIGGER, by[:, k] == DECISION
        assert not (by[:, k] == START).any()
        assert rung.reached_when is not None or not trig.any(), f"{rung.id}: reached by a trigger it lacks"
        assert rung.id in climbs or not dec.any(), f"{rung.id}: reached by a decision no option declares"
        for r in np.nonzero(dec)[0]:
            before = np.nonzero((day[r] >= 0) & (day[r] < day[r, k]))[0]
            assert before.max() >= k - 1, f"run {r}: a decision put it on {rung.id} from rung {before.max()}"


def test_the_idlib_ladder_never_skips_a_rung_without_a_declared_trigger():
    th, b = _idlib_coalition_block()
    _check_no_skip_without_declared_trigger(th, b)
    by = b.reached_by
    assert (by[:, th.rung_ids.index("russia-engages-coalition")] == DECISION).any()


def test_the_minimal_ladder_records_start_trigger_and_decision(scenario_builder):
    th, b = _ladder(_scenario(scenario_builder, widen=True))
    _check_no_skip_without_declared_trigger(th, b)
    by = b.reached_by
    assert set(np.unique(by[:, th.rung_ids.index("war")])) <= {NOT_REACHED, TRIGGER}
    assert (by[:, th.rung_ids.index("wider-war")] == DECISION).mean() > 0.9
    assert (by[:, th.rung_ids.index("total-war")] == DECISION).mean() > 0.9


def test_the_idlib_coalition_runs_climb_the_ladder():
    th, b = _idlib_coalition_block()
    ids = th.rung_ids
    reached = b.reached_day >= 0
    assert reached[:, ids.index("coalition-air-operations")].all()      # the coalition strikes from day 1
    engaged = reached[:, ids.index("russia-engages-coalition")]
    assert 0.02 < engaged.mean() < 0.98                                  # Russia's choice is uncertain
    spill = reached[:, ids.index("horizontal-spillover")]
    assert not spill[~reached[:, ids.index("russia-nato-clash")]].any()


def test_summary_reports_the_distribution_of_the_highest_rung_and_the_clash_outcome():
    s = flashpoint.load("idlib-2020").apply("coalition-air-support")
    doc = run(s, runs=250, seed=4, days=20).summary()
    esc = doc["escalation"]
    assert esc["rungs"] == [r.id for r in s.escalation.rungs]
    assert sum(esc["highest"].values()) == pytest.approx(1.0)
    at_least = [esc["at_least"][r] for r in esc["rungs"]]
    assert at_least[0] == 1.0 and all(a >= b for a, b in zip(at_least, at_least[1:], strict=False))
    assert doc["outcomes"]["russia-nato-clash"]["p"] == pytest.approx(esc["at_least"]["russia-nato-clash"])
