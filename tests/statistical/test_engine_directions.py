"""Interventions move idlib-2020's answers in the direction they must.

Comparisons use common random numbers: both variants run with the same seed, so every uncertain
input they share gets the same draw in each run (values are keyed by their path in the
scenario), and the paired differences run by run are much less noisy than two independent
samples would be.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import pytest

import flashpoint
from flashpoint.engine.simulate import BlockResult, simulate_block
from flashpoint.engine.theatre import compile_theatre
from flashpoint.scenario import Scenario
from flashpoint.scenario.loader import scenario_data, validate_data

pytestmark = pytest.mark.slow

RUNS, DAYS, SEED = 2000, 30, 17
REGIME = ("syria", "russia", "iran", "hezbollah")


@cache
def scenario(*applied: str) -> Scenario:
    s = flashpoint.load("idlib-2020")
    return s.apply(*applied) if applied else s


@cache
def run(*applied: str, doubled: bool = False) -> BlockResult:
    s = doubled_us_wing() if doubled else scenario(*applied)
    return simulate_block(compile_theatre(s), SEED, 0, RUNS, DAYS)


def doubled_us_wing() -> Scenario:
    """coalition-air-support with the USAF package at Incirlik twice as large (every point of its
    aircraft distribution doubled, so each run draws exactly twice the aircraft, before rounding)."""
    data = scenario_data(scenario("coalition-air-support"))
    wing = data["forces"]["air"]["usaf-incirlik"]
    dist = dict(wing["aircraft"])
    assert dist["dist"] == "triangular"
    wing["aircraft"] = {**dist, **{k: 2 * dist[k] for k in ("low", "mode", "high")}}
    return validate_data(data, "idlib-2020 (USAF package doubled)")


def regime_killed(block: BlockResult) -> np.ndarray:
    return sum(block.final.metrics[f"{a}.personnel_killed"] for a in REGIME)


def test_more_us_aircraft_do_not_kill_fewer_regime_troops():
    """Paired difference of regime personnel killed (doubled wing minus as given), run by run.

    The test fails if the mean difference is below -2 standard errors of the paired mean: a
    one-sided check that more coalition strike sorties do not, on average, spare the regime. The
    2-SE margin allows for Monte Carlo noise (a true zero effect would fail 2.3% of seeds; the seed
    is fixed), and the doubling must also reach the regime at all: the mean difference is positive.
    """
    base, more = scenario("coalition-air-support"), doubled_us_wing()
    th_base, th_more = compile_theatre(base), compile_theatre(more)
    i = th_base.wing_ids.index("usaf-incirlik")
    assert th_more.wing_ids.index("usaf-incirlik") == i
    b, m = run("coalition-air-support"), run(doubled=True)
    drawn_b = b.parameters["forces.air.usaf-incirlik.aircraft"]
    drawn_m = m.parameters["forces.air.usaf-incirlik.aircraft"]
    np.testing.assert_allclose(drawn_m, 2 * drawn_b, rtol=1e-9)        # common random numbers
    diff = regime_killed(m) - regime_killed(b)
    se = diff.std(ddof=1) / math.sqrt(RUNS)
    assert diff.mean() >= -2 * se, (diff.mean(), se)
    assert diff.mean() > 0, (diff.mean(), se)


def test_no_drones_means_no_turkish_drone_losses():
    base = run()
    assert base.final.metrics["turkey.uav_lost"].mean() > 0        # the check is not empty
    without = run("no-drones")
    assert not compile_theatre(scenario("no-drones")).drone_ids
    assert np.all(without.final.metrics["turkey.uav_lost"] == 0)


def test_russia_standing_aside_loses_no_aircraft():
    base = run()
    assert base.final.metrics["russia.aircraft_lost"].mean() > 0
    aside = run("russia-stands-aside")
    assert np.all(aside.final.metrics["russia.aircraft_lost"] == 0)


def test_russia_standing_aside_fires_on_nobody():
    th = compile_theatre(scenario("russia-stands-aside"))
    seen = {}

    def record(st):
        seen["fired"] = st.fired.copy()

    simulate_block(th, SEED, 0, 250, 5, on_day_end=record)
    russia = th.actor_index("russia")
    assert not seen["fired"][:, russia, :].any()
