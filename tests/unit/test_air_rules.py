"""Air rules of docs/model.md on a scenario written for each test: one wing over one battery.

Red flies from its base A (35.0 N 36.0 E) against Blue's infantry at B, 33 km north; Blue's
battery at B covers B. Each check plays one day for 4,000 runs and compares the mean number of
aircraft (or batteries) lost with the model's probability p: the loss count of a wing with S
sorties is Binomial(S, p), so the standard error of the mean over N runs is sqrt(S p (1 - p) / N).
A check allows 4 standard errors: a correct engine fails it with probability below 1e-4 for a
random seed (the seed is fixed, so the test is deterministic), while the mistakes it guards
against (a missing factor e, pk, 1 - s or exposure) move the mean by 10 standard errors or more.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path

import numpy as np
import pytest
import tomli_w

from flashpoint.engine.rng import Streams
from flashpoint.engine.state import State
from flashpoint.engine.stepwise import air_phase, plan_attacks, start
from flashpoint.engine.theatre import CompiledTheatre, compile_theatre
from flashpoint.scenario import load_file

RUNS = 4000
SEED = 3
SRC = {"source": "made-up"}

BASE: dict = {
    "meta": {"id": "air-test", "title": "One wing over one battery", "start": "2020-01-01",
             "horizon_days": 10},
    "sources": {"made-up": {"citation": "Invented numbers for the test suite"}},
    "camps": {"red": {"name": "Red", "hostile_to": ["blue"]}, "blue": {"name": "Blue", "hostile_to": ["red"]}},
    "actors": {"redland": {"name": "Redland", "camp": "red", **SRC},
               "blueland": {"name": "Blueland", "camp": "blue", **SRC}},
    "places": {"a": {"name": "A", "lat": 35.0, "lon": 36.0, "kind": "airbase", **SRC},
               "b": {"name": "B", "lat": 35.3, "lon": 36.0, "kind": "town", **SRC},
               "far": {"name": "Far", "lat": 36.5, "lon": 36.0, "kind": "town", **SRC}},
    "control": {"a": "redland", "b": "blueland", "far": "blueland"},
    "forces": {
        "ground": {"blue-inf": {"name": "Blue infantry", "owner": "blueland", "place": "b",
                                "personnel": 1000, **SRC}},
        "air": {"red-strike": {"name": "Red strike", "owner": "redland", "base": "a", "aircraft_type": "jet",
                               "aircraft": 20, "sortie_rate": 1.0, "missions": {"strike": 1.0},
                               "range_km": 600, **SRC}},
        "air_defence": {"blue-sam": {"name": "Blue SAM", "owner": "blueland", "place": "b", "system": "SAM",
                                     "range_km": 50, "engagement_prob": 0.5, "kill_prob": 0.4,
                                     "missiles": 1000, **SRC}},
    },
}


def wing(**fields) -> dict:
    return {"name": "wing", "owner": "redland", "base": "a", "aircraft_type": "jet", "sortie_rate": 1.0,
            "range_km": 600, **SRC, **fields}


def battery(**fields) -> dict:
    return {"name": "battery", "owner": "blueland", "place": "b", "system": "SAM", "range_km": 50,
            "missiles": 1000, **SRC, **fields}


def drones(**fields) -> dict:
    return {"name": "drones", "owner": "redland", "base": "a", "drone_type": "UCAV", "endurance_h": 24,
            "sorties_per_day": 1.0, "range_km": 300, **SRC, **fields}


@pytest.fixture
def build(tmp_path: Path):
    """Write the scenario, patched by ``change(data)``, to a file, load it and compile it."""

    def make(change=None, **overrides: float) -> CompiledTheatre:
        data = copy.deepcopy(BASE)
        if change:
            change(data)
        path = tmp_path / "air-test.toml"
        path.write_text(tomli_w.dumps(data), encoding="utf-8")
        return compile_theatre(load_file(path), overrides=overrides or None)

    return make


def one_day(th: CompiledTheatre, runs: int = RUNS) -> tuple[State, State]:
    """The state before and after the first day's air phase."""
    block, rng = start(th, SEED, runs), Streams(SEED, 0, runs)
    st = block.st
    before = copy.deepcopy(st)
    st.day = 1
    plan = plan_attacks(block)
    air_phase(block, rng, plan)
    return before, st


def assert_binomial_mean(lost: np.ndarray, trials: float, p: float) -> None:
    """Mean of Binomial(trials, p) counts within 4 standard errors of trials x p."""
    se = math.sqrt(trials * p * (1 - p) / len(lost))
    assert abs(lost.mean() - trials * p) <= 4 * se + 1e-12, (lost.mean(), trials * p, se)


# -------------------------------------------------------------------------- air defence
def test_sorties_over_one_battery_are_lost_at_e_times_pk(build):
    th = build()
    before, after = one_day(th)
    lost = (before.wings.aircraft - after.wings.aircraft)[:, 0]
    assert_binomial_mean(lost, 20, 0.5 * 0.4)
    assert np.array_equal(after.losses.aircraft_lost[:, th.actor_index("redland")], lost)


def test_two_batteries_combine_as_one_minus_the_product_of_survivals(build):
    def change(d):
        d["forces"]["air_defence"]["blue-sam-2"] = battery(engagement_prob=0.3, kill_prob=0.5)

    before, after = one_day(build(change))
    assert_binomial_mean((before.wings.aircraft - after.wings.aircraft)[:, 0], 20, 1 - (1 - 0.2) * (1 - 0.15))


def test_a_battery_out_of_range_does_not_engage(build):
    def change(d):
        d["forces"]["air_defence"]["blue-sam-far"] = battery(place="far", engagement_prob=1.0, kill_prob=1.0,
                                                             range_km=20)

    before, after = one_day(build(change))
    assert_binomial_mean((before.wings.aircraft - after.wings.aircraft)[:, 0], 20, 0.2)
    assert np.all(after.batteries.missiles[:, 1] == 1000)


def test_every_engagement_spends_a_missile(build):
    """20 sorties over B, each engaged with probability 0.5: 10 missiles a day on average (Poisson)."""
    before, after = one_day(build())
    used = before.batteries.missiles[:, 0] - after.batteries.missiles[:, 0]
    assert abs(used.mean() - 10) <= 4 * math.sqrt(10 / RUNS)


def test_drones_are_engaged_drone_exposure_times_more_often(build):
    """A drone sortie is lost with probability min(e x exposure, 1) x pk; ``drone-air-exposure``
    (counter-air only) set to 50 changes nothing."""

    def change(d):
        d["forces"]["air"] = {}
        d["forces"]["drones"] = {"red-uav": drones(count=20, strike_kills=0.0)}
        d["forces"]["air_defence"]["blue-sam"].update(engagement_prob=0.2, kill_prob=0.5)

    for exposure, p in ((1.0, 0.1), (2.0, 0.2), (3.0, 0.3), (10.0, 0.5)):   # the last is capped
        th = build(change, **{"drone-exposure": exposure, "drone-air-exposure": 50.0})
        before, after = one_day(th)
        lost = (before.drone_units.drones - after.drone_units.drones)[:, 0]
        assert_binomial_mean(lost, 20, p)
        assert np.array_equal(after.losses.uav_lost[:, th.actor_index("redland")], lost)


# --------------------------------------------------------------------------------- SEAD
@pytest.mark.parametrize("sorties, k", [(1, 0.3), (5, 0.1), (10, 0.05), (4, 0.25)])
def test_sead_destroys_a_battery_with_probability_one_minus_survival_of_every_sortie(build, sorties, k):
    def change(d):
        d["forces"]["air"] = {"red-sead": wing(aircraft=sorties, missions={"sead": 1.0}, sead_kills=k)}

    th = build(change)
    _, after = one_day(th)
    destroyed = after.losses.air_defence_lost[:, th.actor_index("blueland")]
    assert np.array_equal(destroyed, (~after.batteries.alive[:, 0]).astype(float))
    assert_binomial_mean(destroyed, 1, 1 - (1 - k) ** sorties)


def test_sead_sorties_are_spread_evenly_over_the_batteries_in_reach(build):
    """10 SEAD sorties, two batteries in reach: 5 each, so each falls with probability 1 - 0.9^5."""

    def change(d):
        d["forces"]["air"] = {"red-sead": wing(aircraft=10, missions={"sead": 1.0}, sead_kills=0.1)}
        d["forces"]["air_defence"]["blue-sam-2"] = battery(engagement_prob=0.5, kill_prob=0.4)

    _, after = one_day(build(change))
    for b in range(2):
        assert_binomial_mean((~after.batteries.alive[:, b]).astype(float), 1, 1 - 0.9**5)


def test_sead_suppression_cuts_the_engagement_probability_for_every_sortie(build):
    """With SEAD over it (no kills), the battery engages at e (1 - s): every sortie over B, SEAD
    or strike, is lost with probability e (1 - s) pk = 0.6 x 0.5 x 0.5 = 0.15 instead of 0.3."""

    def change(d):
        d["forces"]["air"]["red-sead"] = wing(aircraft=10, missions={"sead": 1.0}, sead_kills=0.0)
        d["forces"]["air_defence"]["blue-sam"].update(engagement_prob=0.6, kill_prob=0.5)

    th = build(change, **{"sead-suppression": 0.5})
    before, after = one_day(th)
    lost = before.wings.aircraft - after.wings.aircraft
    assert np.all(after.batteries.alive)
    assert_binomial_mean(lost[:, th.wing_ids.index("red-strike")], 20, 0.15)
    assert_binomial_mean(lost[:, th.wing_ids.index("red-sead")], 10, 0.15)


def test_without_sead_the_same_battery_engages_at_full_rate(build):
    def change(d):
        d["forces"]["air_defence"]["blue-sam"].update(engagement_prob=0.6, kill_prob=0.5)

    before, after = one_day(build(change, **{"sead-suppression": 0.5}))
    assert_binomial_mean((before.wings.aircraft - after.wings.aircraft)[:, 0], 20, 0.3)


# ---------------------------------------------------------------------------- counter-air
def counter_air(d):
    """Red fighters (10 sorties, air_to_air 0.3: K = 3) against Blue's 20 strike sorties and
    10 drone sorties; no air defence anywhere."""
    d["forces"]["air"] = {"red-fighters": wing(aircraft=10, missions={"counter-air": 1.0}, air_to_air=0.3)}
    d["forces"]["air"]["blue-strike"] = wing(owner="blueland", base="b", aircraft=20, missions={"strike": 1.0})
    d["forces"]["drones"] = {"blue-uav": drones(owner="blueland", base="b", count=10)}
    d["forces"]["air_defence"] = {}


def searched(k: float, targets: float, search: float) -> float:
    """The hazard of air combat on one sortie: the share ``1 - exp(-T / S)`` of the kill potential K
    spent, spread over the T sorties (docs/model.md, "Air", 4)."""
    return k * -math.expm1(-targets / search) / targets


def test_counter_air_loss_probability_is_one_minus_exp_of_the_searched_potential_over_targets(build):
    """T = 20 aircraft sorties + 10 drone sorties x drone-air-exposure 2 = 40; with counter-air-search
    40 the fighters spend 1 - 1/e of K = 3, a hazard of 3 (1 - 1/e) / 40 = 0.047 per sortie (the
    old rule, K / T = 0.075, would put the losses some 25 standard errors away). An aircraft sortie
    is lost with probability 1 - exp(-0.047), a drone sortie with 1 - exp(-0.047 x 2).
    ``drone-exposure`` (air defence only) is set far from 2: were it to weight air combat, T would
    be 20 + 10 x 300 and the losses ten standard errors away."""
    th = build(counter_air, **{"drone-air-exposure": 2.0, "drone-exposure": 300.0, "counter-air-search": 40.0})
    before, after = one_day(th)
    blue_w, red_w = th.wing_ids.index("blue-strike"), th.wing_ids.index("red-fighters")
    h = searched(3.0, 40.0, 40.0)
    assert_binomial_mean((before.wings.aircraft - after.wings.aircraft)[:, blue_w], 20, 1 - math.exp(-h))
    assert_binomial_mean((before.drone_units.drones - after.drone_units.drones)[:, 0], 10, 1 - math.exp(-h * 2))
    assert np.all(after.wings.aircraft[:, red_w] == 10)          # Blue flies no counter-air


def test_counter_air_against_aircraft_alone(build):
    def change(d):
        counter_air(d)
        d["forces"]["drones"] = {}

    before, after = one_day(build(change, **{"counter-air-search": 40.0}))
    lost = (before.wings.aircraft - after.wings.aircraft)[:, 1]
    assert_binomial_mean(lost, 20, 1 - math.exp(-searched(3.0, 20.0, 40.0)))


def test_few_targets_draw_little_of_the_fighters_potential(build):
    """10 Blue sorties in a sky where a fighter sortie meets one with probability 1 - 1/e only when
    200 are up: the fighters (K = 3) spend 1 - exp(-10 / 200) = 4.9% of their potential, a hazard of
    0.0146 on each Blue sortie, near the engagement rate K / S = 0.015 that few targets each meet
    whatever their number. Each is lost with probability 1.45%; sharing the whole potential over the
    10 (K / T) would lose 26% of them, some 100 standard errors away."""
    def change(d):
        counter_air(d)
        d["forces"]["drones"] = {}
        d["forces"]["air"]["blue-strike"]["aircraft"] = 10

    before, after = one_day(build(change, **{"counter-air-search": 200.0}))
    lost = (before.wings.aircraft - after.wings.aircraft)[:, 1]
    assert_binomial_mean(lost, 10, 1 - math.exp(-searched(3.0, 10.0, 200.0)))


def test_fighters_do_not_engage_an_actor_they_do_not_fire_on(build):
    def change(d):
        counter_air(d)
        d["actors"]["redland"]["fires_on"] = []

    th = build(change)
    before, after = one_day(th)
    assert np.array_equal(before.wings.aircraft, after.wings.aircraft)
    assert np.array_equal(before.drone_units.drones, after.drone_units.drones)
    assert not after.fired[:, th.actor_index("redland")].any()


# ------------------------------------------------------------------ ground attack
def test_strike_sorties_go_to_the_enemy_formations_each_wing_reaches(build):
    """Two Red wings of 20 strike sorties killing 2 men each: the long-range one reaches B and Far,
    the short-range one only B (Far is 167 km from A). Blue has 1,000 men at each place. The long
    wing splits its sorties by strength, 10 and 10; the short one sends all 20 to B. Over B the
    battery downs a sortie before it strikes with probability e pk = 0.2, so the men killed are
    Poisson with mean 2 x 10 = 20 at Far and 2 x 30 x 0.8 = 48 at B."""
    def change(d):
        d["forces"]["ground"]["blue-far"] = {"name": "Blue at Far", "owner": "blueland", "place": "far",
                                             "personnel": 1000, **SRC}
        d["forces"]["air"] = {"red-long": wing(aircraft=20, missions={"strike": 1.0}, strike_kills=2.0),
                              "red-short": wing(aircraft=20, missions={"strike": 1.0}, strike_kills=2.0,
                                                range_km=100)}

    th = build(change)
    assert len(set(th.wings.group)) == 2          # the two wings reach different places
    before, after = one_day(th)
    killed = before.formations.personnel - after.formations.personnel
    for f, mean in ((th.formation_ids.index("blue-far"), 20.0), (th.formation_ids.index("blue-inf"), 48.0)):
        assert abs(killed[:, f].mean() - mean) <= 4 * math.sqrt(mean / RUNS), (f, killed[:, f].mean(), mean)


def test_wings_of_one_group_keep_their_own_kills_and_share_the_losses_per_sortie(build):
    """Two Red wings of one group (same owner and reach), 20 strike sorties each, killing 2 and 1
    men per sortie. Each sends half its sorties to B and half to Far, as the pool does. Killed: at
    Far 10 x 2 + 10 x 1 = 30; at B the same times 0.8 (the battery downs a sortie before it strikes
    with probability 0.2), 24. Each wing loses its sorties over B at 0.2: Binomial(20, 0.1)."""
    def change(d):
        d["forces"]["ground"]["blue-far"] = {"name": "Blue at Far", "owner": "blueland", "place": "far",
                                             "personnel": 1000, **SRC}
        d["forces"]["air"] = {"red-heavy": wing(aircraft=20, missions={"strike": 1.0}, strike_kills=2.0),
                              "red-light": wing(aircraft=20, missions={"interdiction": 1.0}, strike_kills=1.0)}

    th = build(change)
    assert len(set(th.wings.group)) == 1
    before, after = one_day(th)
    killed = before.formations.personnel - after.formations.personnel
    for f, mean in ((th.formation_ids.index("blue-far"), 30.0), (th.formation_ids.index("blue-inf"), 24.0)):
        assert abs(killed[:, f].mean() - mean) <= 4 * math.sqrt(mean / RUNS), (f, killed[:, f].mean(), mean)
    for w in range(2):
        assert_binomial_mean((before.wings.aircraft - after.wings.aircraft)[:, w], 20, 0.1)


def test_the_air_phase_marks_the_runs_that_lost_aircraft_or_drones(build):
    def change(d):
        d["forces"]["air"]["red-strike"]["aircraft"] = 3
        d["forces"]["drones"] = {"red-uav": drones(count=3, strike_kills=0.0)}
        d["forces"]["air_defence"]["blue-sam"]["kill_prob"] = 0.1

    th = build(change)
    block, rng = start(th, SEED, RUNS), Streams(SEED, 0, RUNS)
    st = block.st
    st.day = 1
    aircraft, uavs = st.wings.aircraft.copy(), st.drone_units.drones.copy()
    plan = plan_attacks(block)
    air_phase(block, rng, plan)
    lost = (aircraft - st.wings.aircraft).sum(axis=1) + (uavs - st.drone_units.drones).sum(axis=1)
    assert 0 < (lost > 0).mean() < 1 and ((uavs - st.drone_units.drones).sum(axis=1) > 0).any()
    np.testing.assert_array_equal(plan.air_lost, lost > 0)


# ------------------------------------------------------------------ who downed whom
def test_a_battery_that_cannot_kill_is_not_credited_with_kills(build):
    def change(d):
        d["actors"]["greenland"] = {"name": "Greenland", "camp": "blue", **SRC}
        d["forces"]["air_defence"]["blue-sam"].update(engagement_prob=1.0, kill_prob=0.0)
        d["forces"]["air_defence"]["green-sam"] = battery(owner="greenland", engagement_prob=1.0, kill_prob=0.5)

    th = build(change)
    _, after = one_day(th)
    red, blue, green = (th.actor_index(a) for a in ("redland", "blueland", "greenland"))
    shot_down = after.losses.aircraft_lost[:, red] > 0
    assert shot_down.mean() > 0.99
    assert np.array_equal(after.downed[:, green, red], shot_down)
    assert not after.downed[:, blue, red].any()
