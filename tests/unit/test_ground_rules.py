"""Ground rules of docs/model.md, checked on the two-camp fixture with fixed numbers.

The fixture (tests/fixtures/minimal.toml): Red holds A, Blue holds B (urban) and C, on one road
A - B - C. Its air units are grounded (Red's wing at commitment 0, no air defence) so that only the
ground phase acts, and every model constant the checks use is fixed with
``compile_theatre(..., overrides=...)``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from tests.fixtures import minimal_data

from flashpoint.engine.ground import daily_loss_shares
from flashpoint.engine.rng import Streams
from flashpoint.engine.simulate import simulate_block
from flashpoint.engine.state import State
from flashpoint.engine.stepwise import Day0, air_phase, combat_power, ground_phase, plan_attacks
from flashpoint.engine.stepwise import start as start_block
from flashpoint.engine.theatre import CompiledTheatre, compile_theatre
from flashpoint.scenario.loader import validate_data

SEED = 7

# the fixed constants (hand calculations below use these numbers)
FIXED = {
    "tank-weight": 10.0, "ifv-weight": 4.0, "artillery-weight": 10.0, "morale-weight": 2.0,
    "posture-defend": 1.2, "posture-hold": 1.6, "terrain-urban": 1.5, "terrain-mixed": 1.1,
    "broken-power": 0.25, "attack-min-ratio": 0.8, "attrition-rate": 0.02, "helmbold-exponent": 1.0,
    "loss-dispersion": 10.0, "max-daily-loss": 0.3, "capture-ratio": 3.0, "advance-km-per-day": 3.0,
    "pull-out-ratio": 1.2, "road-factor": 1.3,
}
# Red 1st: (4000 + 10 x 40 + 4 x 30 + 10 x 20) x quality 1.5 x (1 + 2 (0.9 - 0.5)) x commitment 0.8
RED_POWER = 4720 * 1.5 * 1.8 * 0.8          # 10,195.2
# Blue 1st: (3000 + 10 x 10) x quality 1 x (1 + 2 (0.7 - 0.5)) x commitment 1
BLUE_POWER = 3100 * 1.4                     # 4,340
# defence of B (urban) by Blue in a hasty defence
BLUE_DEFENCE = 1.5 * 1.2 * BLUE_POWER       # 7,812


def scenario_data() -> dict:
    """The fixture as data, with fixed forces and its air units grounded."""
    data = minimal_data()
    data.pop("interventions")
    data["forces"]["air"]["red-air"]["commitment"] = 0.0
    data["forces"].pop("air_defence")
    red = data["forces"]["ground"]["red-1"]
    red.update(personnel=4000, ifvs=30, quality=1.5, morale=0.9, commitment=0.8)
    return data


@pytest.fixture
def data() -> dict:
    """`scenario_data`, fresh for each test."""
    return scenario_data()


def theatre(data: dict, **overrides: float) -> CompiledTheatre:
    return compile_theatre(validate_data(data, "test-scenario"), overrides={**FIXED, **overrides})


def start(th: CompiledTheatre, runs: int = 250) -> Day0:
    return start_block(th, SEED, runs)


def play(th: CompiledTheatre, runs: int, days: int) -> State:
    """The engine's day loop (no strategy: the fixture has no decisions) returning the state."""
    b, rng = start(th, runs), Streams(SEED, 0, runs)
    st = b.st
    for day in range(1, days + 1):
        st.day = day
        plan = plan_attacks(b)
        air_phase(b, rng, plan)
        ground_phase(b, rng, plan)
    return st


def edge(th: CompiledTheatre, u: str, v: str) -> int:
    iu, iv = th.places.index(u), th.places.index(v)
    return int(np.flatnonzero((th.legs.src == iu) & (th.legs.dst == iv))[0])


# ------------------------------------------------------------------------ loss shares
@pytest.mark.parametrize("ratio, rate, h, cap, attacker, defender", [
    (4.0, 0.02, 1.0, 0.3, 0.005, 0.08),          # square law: rate / r and rate x r
    (0.5, 0.02, 1.0, 0.3, 0.04, 0.01),
    (4.0, 0.02, 0.0, 0.3, 0.02, 0.02),           # linear law: the ratio does not matter
    (4.0, 0.02, 0.5, 0.3, 0.01, 0.04),           # Helmbold: r^(1/2) = 2
    (100.0, 0.02, 1.0, 0.3, 0.0002, 0.3),        # the defender's 2.0 is capped at 0.3
    (0.01, 0.05, 1.0, 0.25, 0.25, 0.0005),       # the attacker's 5.0 is capped at 0.25
    (1.0, 0.03, 1.7, 0.3, 0.03, 0.03),           # even odds: rate, whatever the exponent
])
def test_daily_loss_shares(ratio, rate, h, cap, attacker, defender):
    att, dfn = daily_loss_shares(np.array([ratio]), np.array([rate]), np.array([h]), np.array([cap]))
    assert att[0] == pytest.approx(attacker, rel=1e-12)
    assert dfn[0] == pytest.approx(defender, rel=1e-12)


def test_daily_loss_shares_of_a_zero_ratio_are_capped_not_infinite():
    att, dfn = daily_loss_shares(np.array([0.0]), np.array([0.02]), np.array([1.0]), np.array([0.3]))
    assert att[0] == 0.3
    assert 0 <= dfn[0] < 1e-6


# ----------------------------------------------------------------------- combat power
def test_combat_power_is_the_documented_formula(data):
    th = theatre(data)
    b = start(th)
    power = combat_power(b)
    red, blue = th.formation_ids.index("red-1"), th.formation_ids.index("blue-1")
    np.testing.assert_allclose(power[:, red], RED_POWER, rtol=1e-12)
    np.testing.assert_allclose(power[:, blue], BLUE_POWER, rtol=1e-12)


def test_combat_power_of_broken_uncommitted_and_absent_formations(data):
    th = theatre(data)
    b = start(th)
    st = b.st
    red, blue = th.formation_ids.index("red-1"), th.formation_ids.index("blue-1")
    st.formations.broken[:, red] = True
    st.ground_commitment[:, th.actor_index("blueland")] = 0.5
    power = combat_power(b)
    np.testing.assert_allclose(power[:, red], RED_POWER * 0.25, rtol=1e-12)
    np.testing.assert_allclose(power[:, blue], BLUE_POWER * 0.5, rtol=1e-12)
    st.formations.personnel[:, blue] = 0       # a formation with nobody left has no power, whatever its equipment
    assert np.all(combat_power(b)[:, blue] == 0)


def test_a_formation_has_no_power_before_it_arrives(data):
    data["forces"]["ground"]["blue-1"]["arrives_day"] = 3
    th = theatre(data)
    b = start(th)
    st = b.st
    blue = th.formation_ids.index("blue-1")
    for day, expected in ((0, 0.0), (2, 0.0), (3, BLUE_POWER), (10, BLUE_POWER)):
        st.day = day
        np.testing.assert_allclose(combat_power(b)[:, blue], expected, rtol=1e-12)


@pytest.mark.parametrize("posture, factor", [("defend", 1.2), ("hold", 1.6), ("reserve", 1.0)])
def test_defence_and_the_choice_of_attack(posture, factor, data):
    """D_B = terrain x posture x P_Blue; Red at A attacks B at A/D >= attack-min-ratio."""
    data["forces"]["ground"]["blue-1"]["posture"] = posture
    th = theatre(data)
    plan = plan_attacks(start(th))
    a, b = th.places.index("a"), th.places.index("b")
    defence = 1.5 * factor * BLUE_POWER
    np.testing.assert_allclose(plan.defence[:, b], defence, rtol=1e-12)
    np.testing.assert_allclose(plan.attack[:, a], RED_POWER, rtol=1e-12)
    attacks = RED_POWER / defence >= FIXED["attack-min-ratio"]
    assert np.all(plan.target[:, a] == (b if attacks else -1))
    np.testing.assert_allclose(plan.against[:, b], RED_POWER if attacks else 0.0, rtol=1e-12)
    assert np.all(plan.engaged == attacks)


def test_no_attack_below_the_minimum_ratio(data):
    th = theatre(data, **{"attack-min-ratio": RED_POWER / BLUE_DEFENCE + 0.01})
    plan = plan_attacks(start(th))
    assert np.all(plan.target == -1)
    assert not plan.engaged.any()


def test_first_day_losses_follow_the_square_law_on_average(data):
    """Mean first-day losses over 4,000 runs equal strength x daily share, within 5 standard errors.

    r = 10,195.2 / 7,812 = 1.3051: Red loses 4,000 x 0.02 / r = 61.30 a day, Blue 3,000 x 0.02 x r
    = 78.30; losses are gamma-Poisson with shape 10, so the variance of one run's loss is m + m^2/10
    and the standard error of the mean over n runs is sqrt(that / n) (about 0.33 and 0.41). These
    are the personnel put out of action; killed-share of them are killed, binomially, so the killed
    have mean share x m and variance share (1 - share) m + share^2 (m + m^2/10).
    """
    share = 0.25
    th = theatre(data, **{"killed-share": share})
    n = 4000
    block = simulate_block(th, SEED, 0, n, days=1)
    r = RED_POWER / BLUE_DEFENCE
    for actor, mean in (("redland", 4000 * 0.02 / r), ("blueland", 3000 * 0.02 * r)):
        values = block.final.metrics[f"{actor}.personnel_lost"]
        se = math.sqrt((mean + mean * mean / 10) / n)
        assert abs(values.mean() - mean) <= 5 * se, (actor, values.mean(), mean)
        killed = block.final.metrics[f"{actor}.personnel_killed"]
        se = math.sqrt((share * (1 - share) * mean + share**2 * (mean + mean * mean / 10)) / n)
        assert abs(killed.mean() - share * mean) <= 5 * se, (actor, killed.mean(), share * mean)
        assert np.all(killed <= values)


# ----------------------------------------------------------------- advance and capture
@pytest.mark.parametrize("length, advance", [(10.0, 3.0), (10.0, 2.5), (7.0, 7.0), (9.0, 1.25), (4.0, 5.0)])
def test_an_undefended_place_falls_after_length_over_advance_days(length, advance, data):
    del data["forces"]["ground"]["blue-1"]
    data["routes"]["r1"]["lengths_km"] = [length, 40.0]
    th = theatre(data, **{"advance-km-per-day": advance})
    days = math.ceil(length / advance)
    block = simulate_block(th, SEED, 0, 250, days=days + 2, trajectories=True)
    b, c = th.places.index("b"), th.places.index("c")
    red, blue = th.actor_index("redland"), th.actor_index("blueland")
    control = block.control_days
    assert np.all(control[:, :days, b] == blue), "B fell too early"
    assert np.all(control[:, days:, b] == red), "B did not fall on the day the advance reached it"
    assert np.all(control[:, :, c] == blue)     # 40 km further: not before day days + 14


def test_a_defended_place_is_approached_at_the_rate_of_the_force_ratio(data):
    """Progress = advance x clip((r - 1) / (capture-ratio - 1), 0, 1) = 3 x 0.3051 / 2 = 0.458 km."""
    th = theatre(data)
    st = play(th, 250, days=1)
    r = RED_POWER / BLUE_DEFENCE
    # Blue's losses on day 1 do not change r: the plan and the attrition use the day's start strengths
    np.testing.assert_allclose(st.progress[:, edge(th, "a", "b")], 3.0 * (r - 1) / 2, rtol=1e-9)
    assert np.all(st.progress[:, edge(th, "b", "a")] == 0)


# ---------------------------------------------------------------------- pull-out
def test_a_formation_that_pulls_out_leaves_before_the_fight(data):
    data["forces"]["ground"]["blue-1"]["pulls_out"] = True
    th = theatre(data)                         # attacked at r = 1.305 >= pull-out-ratio 1.2
    st = play(th, 250, days=1)
    blue, c = th.formation_ids.index("blue-1"), th.places.index("c")
    assert np.all(st.formations.place[:, blue] == c)
    assert np.all(st.formations.personnel[:, blue] == 3000)                                    # no losses
    assert np.all(st.losses.personnel_killed == 0)                          # nobody fought
    np.testing.assert_allclose(st.progress[:, edge(th, "a", "b")], 3.0)       # B empty: full rate


def test_a_formation_that_pulls_out_stays_below_its_ratio(data):
    data["forces"]["ground"]["blue-1"]["pulls_out"] = True
    th = theatre(data, **{"pull-out-ratio": 2.0})
    st = play(th, 250, days=1)
    blue, b = th.formation_ids.index("blue-1"), th.places.index("b")
    assert np.all(st.formations.place[:, blue] == b)
    assert st.losses.personnel_lost[:, th.actor_index("blueland")].mean() > 50


# -------------------------------------------------------------- stranded and retreat
def overrun_data(data: dict, c_holder: str) -> dict:
    """A weak Blue at B, overrun on day 1: capture-ratio 1.5, a 1 km leg, 50 km a day."""
    data["forces"]["ground"]["blue-1"].update(personnel=100, tanks=10)
    data["routes"]["r1"]["lengths_km"] = [1.0, 1.0]
    data["control"]["c"] = c_holder
    return data


def test_a_stranded_formation_with_no_friendly_neighbour_is_destroyed(data):
    th = theatre(overrun_data(data, "redland"), **{"capture-ratio": 1.5, "advance-km-per-day": 50.0})
    st = play(th, 250, days=1)
    blue_f, red_f = th.formation_ids.index("blue-1"), th.formation_ids.index("red-1")
    blue, b = th.actor_index("blueland"), th.places.index("b")
    assert np.all(st.control[:, b] == th.actor_index("redland"))
    assert np.all(st.formations.place[:, red_f] == b)                              # the attackers moved in
    assert np.all(st.formations.personnel[:, blue_f] == 0) and np.all(st.formations.tanks[:, blue_f] == 0)
    # everything it had is booked as lost: attrition plus what was left when it was cut off
    assert np.all(st.losses.personnel_lost[:, blue] == 100)
    assert np.all(st.losses.personnel_killed[:, blue] <= 100) and st.losses.personnel_killed[:, blue].mean() < 50
    assert np.all(st.losses.tanks_lost[:, blue] == 10)


def test_an_overrun_formation_with_a_friendly_neighbour_retreats(data):
    th = theatre(overrun_data(data, "blueland"), **{"capture-ratio": 1.5, "advance-km-per-day": 50.0})
    st = play(th, 250, days=1)
    blue_f, blue = th.formation_ids.index("blue-1"), th.actor_index("blueland")
    assert np.all(st.control[:, th.places.index("b")] == th.actor_index("redland"))
    assert np.all(st.formations.place[:, blue_f] == th.places.index("c"))
    # only the day's attrition (capped at 30% a day) was lost; the rest got away
    killed = st.losses.personnel_lost[:, blue]
    assert np.all(st.formations.personnel[:, blue_f] + killed == 100)
    assert np.all(st.formations.personnel[:, blue_f] > 0)
    assert 20 < killed.mean() < 40


def test_a_formation_that_retreats_from_a_fallen_place_leaves_its_share_of_heavy_equipment(data):
    """left-behind-share (docs/model.md, "Advance and capture"): the same runs with 0 and 0.4 differ only
    in the retreating formation's equipment, 40% of what it had when it left (in whole pieces)
    booked as lost."""
    kept = {}
    for share in (0.0, 0.4):
        th = theatre(overrun_data(scenario_data(), "blueland"), **{"capture-ratio": 1.5, "advance-km-per-day": 50.0,
                                                                   "left-behind-share": share})
        kept[share] = play(th, 250, days=1)
    blue_f, blue = th.formation_ids.index("blue-1"), th.actor_index("blueland")
    none, some = kept[0.0], kept[0.4]
    assert np.all(some.formations.place[:, blue_f] == th.places.index("c"))
    assert np.array_equal(some.formations.personnel, none.formations.personnel)
    assert np.array_equal(some.losses.personnel_killed, none.losses.personnel_killed)
    had = none.formations.tanks[:, blue_f]
    assert had.sum() > 0
    left = np.floor(0.4 * had + 0.5)                      # whole pieces
    assert left.sum() > 0
    np.testing.assert_array_equal(some.formations.tanks[:, blue_f], had - left)
    np.testing.assert_array_equal(some.losses.tanks_lost[:, blue], none.losses.tanks_lost[:, blue] + left)
    red = th.actor_index("redland")                       # the captor loses nothing more
    assert np.array_equal(some.losses.tanks_lost[:, red], none.losses.tanks_lost[:, red])


# ---------------------------------------------------------------- a war without aircraft
def test_a_scenario_without_air_units_can_be_simulated(data):
    data["forces"].pop("air")
    th = theatre(data)
    block = simulate_block(th, SEED, 0, 250, days=2)
    assert block.final.metrics["blueland.personnel_killed"].mean() > 0


# ------------------------------------------------------------------- rules of engagement
def fire_record(th: CompiledTheatre, days: int) -> np.ndarray:
    st = play(th, 250, days)
    return st.fired


def test_an_attack_is_recorded_as_fire_both_ways_between_hostile_actors(data):
    th = theatre(data)
    fired = fire_record(th, 1)
    red, blue = th.actor_index("redland"), th.actor_index("blueland")
    assert fired[:, red, blue].all() and fired[:, blue, red].all()


def test_an_actor_that_holds_its_fire_is_neither_attacked_on_the_ground_nor_recorded_as_firing(data):
    """Fronts lie only between holders that fire on each other (docs/model.md, "Fronts and
    attacks"): with Blue's fires_on = [], Red's attack-posture brigade has no front to attack."""
    data["actors"]["blueland"]["fires_on"] = []
    th = theatre(data)
    red, blue = th.actor_index("redland"), th.actor_index("blueland")
    assert th.fires_on[red, blue] and not th.fires_on[blue, red]
    fired = fire_record(th, 1)
    assert not fired[:, blue, red].any()
    assert not fired[:, red, blue].any()      # no ground attack on an actor that holds its fire
    data["actors"]["blueland"].pop("fires_on")
    fired = fire_record(theatre(data), 1)
    assert fired[:, red, blue].all()          # with Blue firing back, Red attacks
