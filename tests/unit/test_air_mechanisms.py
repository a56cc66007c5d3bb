# ruff: noqa: F811 - the tests take the fixture imported as "make" by name
"""The air mechanisms of docs/model.md, "Air", 8-10 (stand-off, jammers, loitering munitions with a
stock, defenders that learn, losses by cause), each on the made-up theatre of test_air_rules.py:
Red flies from A against Blue's infantry (1,000) at B, 33 km north, covered by Blue's battery
(range 50 km, e = 0.5, pk = 0.4). Each test checks that a mechanism changes what its rule says it
changes (against the closed form, within 4 standard errors, as test_air_rules.py does) and that
outside its reach, its days or its conditions it changes nothing.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from test_air_rules import SEED, SRC, assert_binomial_mean, drones, wing
from test_air_rules import build as make  # noqa: F401 - its fixture, taken by the tests below as "make"

from flashpoint.engine.rng import Streams
from flashpoint.engine.state import State
from flashpoint.engine.stepwise import air_phase, plan_attacks, start
from flashpoint.engine.theatre import CompiledTheatre
from flashpoint.errors import FlashpointError

RUNS = 4000



def days(th: CompiledTheatre, first: int, last: int, runs: int = RUNS) -> tuple[State, State]:
    """The state before day ``first`` and after the air phases of days [first, last] (no ground war)."""
    block, rng = start(th, SEED, runs), Streams(SEED, 0, runs)
    st = block.st
    before = copy.deepcopy(st)
    for day in range(first, last + 1):
        st.day = day
        air_phase(block, rng, plan_attacks(block))
    return before, st


def on_day(th: CompiledTheatre, day: int = 1) -> tuple[State, State]:
    return days(th, day, day)


def red_drones(**fields):
    """Red's air force is one drone unit of 20 that kills 1 Blue soldier per sortie that survives."""

    def change(d):
        d["forces"]["air"] = {}
        d["forces"]["drones"] = {"red-uav": drones(count=20, strike_kills=1.0, **fields)}
    return change


def both(*changes):
    def change(d):
        for c in changes:
            c(d)
    return change


def learning(**fields):
    """Blue learns (``forces.adaptation``); with no fields, an entry that changes nothing."""

    def change(d):
        d["forces"]["adaptation"] = {"blue-learns": {"owner": "blueland", **SRC, **fields}}
    return change


def jammer(**fields):
    def change(d):
        d["forces"]["jammers"] = {"red-jam": {"name": "jammer", "owner": "redland", "place": "a", "system": "EW",
                                              "reach_km": 60, **SRC, **fields}}
    return change


def no_battery(d):
    d["forces"]["air_defence"] = {}


def killed(st: State, th: CompiledTheatre) -> np.ndarray:
    return st.losses.personnel_killed[:, th.actor_index("blueland")]


def assert_poisson_mean(k: np.ndarray, mean: float) -> None:
    assert abs(k.mean() - mean) <= 4 * math.sqrt(mean / len(k)) + 1e-12, (k.mean(), mean)


def red(st: State, th: CompiledTheatre, kind: str) -> np.ndarray:
    return getattr(st.tally, kind)[:, th.actor_index("redland")]


# ------------------------------------------------------------------------- loitering munitions
def test_a_stock_of_zero_launches_nothing(make):
    th = make(red_drones(stock=0))
    _, after = on_day(th)
    assert np.all(red(after, th, "munitions_used") == 0)
    assert np.all(after.losses.uav_lost == 0) and np.all(killed(after, th) == 0)
    _, free = on_day(make(red_drones()))                 # the same unit without a stock strikes
    assert killed(free, th).mean() > 10


def test_launches_stop_when_the_stock_runs_out_and_the_launchers_remain(make):
    """20 launchers, a stock of 30: 20 launched on day 1, the last 10 on day 2, none on day 3;
    every munition launched leaves the stock, shot down or not; the launchers are not lost."""
    th = make(red_drones(stock=30))
    _, after1 = on_day(th, 1)
    assert np.all(red(after1, th, "munitions_used") == 20)
    assert np.all(after1.drone_units.stock[:, 0] == 10)
    _, after3 = days(th, 1, 3)
    assert np.all(red(after3, th, "munitions_used") == 30)
    assert np.all(after3.drone_units.stock[:, 0] == 0)
    assert np.all(after3.drone_units.drones[:, 0] == 20)
    assert np.all(after3.losses.uav_lost[:, th.actor_index("redland")] <= 30)
    assert after3.losses.uav_lost.sum() > 0


def test_a_drone_without_a_stock_is_not_used_up(make):
    th = make(both(red_drones(), learning()))
    _, after = days(th, 1, 3)
    assert np.all(red(after, th, "munitions_used") == 0)
    assert np.all(np.isinf(after.drone_units.stock))


# ----------------------------------------------------------------------------------- stand-off
def test_a_battery_whose_reach_is_shorter_than_the_standoff_does_not_engage(make):
    """Stand-off 8 km against a 5 km battery: no drone lost, no missile fired; against the 50 km
    battery the usual min(e x exposure, 1) pk = 0.2 per sortie."""
    short = make(both(red_drones(standoff_km=8), lambda d: d["forces"]["air_defence"]["blue-sam"].update(
        range_km=5)))
    before, after = on_day(short)
    assert np.all(after.drone_units.drones == before.drone_units.drones)
    assert np.all(after.batteries.missiles == before.batteries.missiles)
    long = make(red_drones(standoff_km=8), **{"drone-exposure": 1.0})
    before, after = on_day(long)
    assert_binomial_mean((before.drone_units.drones - after.drone_units.drones)[:, 0], 20, 0.2)
    assert (before.batteries.missiles[:, 0] - after.batteries.missiles[:, 0]).mean() > 1


def test_standoff_kills_scale_the_kills_per_sortie(make):
    """Without air defence, 20 sorties kill Poisson(20 x standoff_kills)."""
    for scale in (1.0, 0.5):
        th = make(both(red_drones(standoff_km=8, standoff_kills=scale), no_battery))
        _, after = on_day(th)
        assert_poisson_mean(killed(after, th), 20 * scale)


def test_standoff_kills_apply_only_to_a_unit_striking_from_standoff(make):
    th = make(both(red_drones(standoff_kills=0.5), no_battery, learning()))
    _, after = on_day(th)
    assert_poisson_mean(killed(after, th), 20)


# ------------------------------------------------------------------------------------ jammers
def test_a_jammer_cuts_the_engagement_odds_of_enemy_batteries_in_its_reach(make):
    """Jammer at A (reach 60 km) covers the battery at B (33 km): e (1 - cut) pk = 0.5 x 0.5 x 0.4."""
    th = make(jammer(air_defence_cut=0.5))
    before, after = on_day(th)
    assert_binomial_mean((before.wings.aircraft - after.wings.aircraft)[:, 0], 20, 0.1)


@pytest.mark.parametrize("where", [{"reach_km": 20}, {"from_day": 2}, {"until_day": 0}])
def test_a_jammer_out_of_reach_or_off_duty_changes_nothing(make, where):
    th = make(jammer(air_defence_cut=0.9, drone_cut=0.9, **where))
    before, after = on_day(th)
    assert_binomial_mean((before.wings.aircraft - after.wings.aircraft)[:, 0], 20, 0.2)


def test_a_jammer_cuts_the_kills_of_enemy_drones_over_places_in_its_reach(make):
    """Blue jams at B: Red's drone sorties over B kill (1 - drone_cut) as many."""

    def blue_jammer(d):
        jammer(drone_cut=0.75)(d)
        d["forces"]["jammers"]["red-jam"].update(owner="blueland", place="b", reach_km=10)

    th = make(both(red_drones(), no_battery, blue_jammer))
    _, after = on_day(th)
    assert_poisson_mean(killed(after, th), 20 * 0.25)


def test_a_jammer_does_not_cut_its_own_side(make):
    th = make(both(red_drones(), no_battery, jammer(drone_cut=0.75)))
    _, after = on_day(th)
    assert_poisson_mean(killed(after, th), 20)


# --------------------------------------------------------------------------- defenders that learn
def test_crews_engage_more_often_as_the_war_goes_on(make):
    """crew_gain 0.5 over 10 days: on day 11 the battery engages at 0.5 x 1.5, on day 1 at 0.5."""
    th = make(learning(crew_gain=0.5, crew_days=10))
    before, after = on_day(th, 11)
    assert_binomial_mean((before.wings.aircraft - after.wings.aircraft)[:, 0], 20, 0.75 * 0.4)
    before, after = on_day(th, 1)
    assert_binomial_mean((before.wings.aircraft - after.wings.aircraft)[:, 0], 20, 0.5 * 0.4)


def test_dispersal_lowers_kills_per_sortie_toward_the_floor(make):
    """Half-life 2 days, floor 0.2: on day 5 kills per sortie are 0.2 + 0.8 x 2^-2 = 0.4 of day 1's."""
    th = make(both(red_drones(), no_battery, learning(dispersal_half_life_days=2.0, dispersal_floor=0.2)))
    _, after = on_day(th, 5)
    assert_poisson_mean(killed(after, th), 20 * 0.4)
    _, after = on_day(th, 1)
    assert_poisson_mean(killed(after, th), 20)


def test_an_actor_that_does_not_learn_keeps_its_rates(make):
    """Red learns, not Blue: Blue's formations are hit and its battery engages as on day 1."""

    def red_learns(d):
        learning(dispersal_half_life_days=1.0, dispersal_floor=0.0, crew_gain=1.0, crew_days=1)(d)
        d["forces"]["adaptation"]["blue-learns"]["owner"] = "redland"

    th = make(red_learns)
    before, after = on_day(th, 9)
    assert_binomial_mean((before.wings.aircraft - after.wings.aircraft)[:, 0], 20, 0.2)


# ------------------------------------------------------------------------------ losses by cause
def test_losses_to_air_defence_and_to_fighters_add_up_to_the_losses(make):
    """Blue's fighters and battery both engage Red's wing; each loss is booked to one cause."""

    def fighters(d):
        d["forces"]["air"]["blue-ca"] = wing(owner="blueland", base="b", aircraft=10, missions={"counter-air": 1.0},
                                             air_to_air=0.3)

    th = make(both(fighters, learning()))
    _, after = on_day(th)
    a = th.actor_index("redland")
    lost = after.losses.aircraft_lost[:, a]
    ad, fi = red(after, th, "aircraft_lost_to_air_defence"), red(after, th, "aircraft_lost_to_fighters")
    assert np.array_equal(ad + fi, lost)
    assert ad.sum() > 0 and fi.sum() > 0


def test_without_fighters_every_loss_is_to_air_defence(make):
    th = make(both(red_drones(), learning()))
    _, after = on_day(th)
    lost = after.losses.uav_lost[:, th.actor_index("redland")]
    assert lost.sum() > 0
    assert np.array_equal(red(after, th, "uav_lost_to_air_defence"), lost)
    assert np.all(red(after, th, "uav_lost_to_fighters") == 0)


def test_batteries_destroyed_by_drones_are_counted_apart_from_those_of_wings(make):
    blue = "blueland"
    th = make(both(red_drones(sead_kills=0.5), learning()))
    _, after = on_day(th)
    lost = after.losses.air_defence_lost[:, th.actor_index(blue)]
    assert lost.sum() > 0
    assert np.array_equal(after.tally.air_defence_lost_to_drones[:, th.actor_index(blue)], lost)

    def sead_wing(d):
        d["forces"]["air"] = {"red-sead": wing(aircraft=10, missions={"sead": 1.0}, sead_kills=0.2)}

    th = make(both(sead_wing, learning()))
    _, after = on_day(th)
    assert after.losses.air_defence_lost.sum() > 0
    assert np.all(after.tally.air_defence_lost_to_drones == 0)


def test_the_tally_is_reported_only_by_a_scenario_that_uses_a_mechanism(make):
    from flashpoint.engine.simulate import simulate_block

    plain = simulate_block(make(red_drones()), SEED, 0, 10, days=2)
    assert not any(k.endswith("munitions_used") for k in plain.final.metrics)
    used = simulate_block(make(red_drones(stock=5)), SEED, 0, 10, days=2)
    assert np.all(used.final.metrics["redland.munitions_used"] == 5)


# ------------------------------------------------------------------------------------ references
@pytest.mark.parametrize("change, says", [
    (jammer(place="nowhere"), "unknown place 'nowhere'"),
    (jammer(from_day=5, until_day=2), "must not come before from_day"),
    (red_drones(standoff_km=400), "shorter than the unit's range_km"),
    (both(learning(), lambda d: d["forces"]["adaptation"].update(
        again={"owner": "blueland", **SRC})), "one entry per actor"),
    (learning(owner="nobody"), "unknown actor 'nobody'"),
])
def test_bad_mechanism_inputs_are_refused_with_where_and_why(make, change, says):
    with pytest.raises(FlashpointError, match=says):
        make(change)


def test_air_superiority_counts_loitering_munitions_only_while_the_stock_lasts(make):
    from flashpoint.engine.stepwise import air_superiority

    def no_air(d):
        d["forces"]["air"] = {}

    def degree(change):
        block = start(make(change), SEED, 10)
        block.st.day = 1
        return air_superiority(block)

    assert np.array_equal(degree(red_drones(stock=0)), degree(no_air))
    assert not np.array_equal(degree(red_drones(stock=100)), degree(no_air))


def test_a_wing_striking_from_standoff_is_engaged_only_by_batteries_reaching_as_far(make):
    """Red's strike wing from 8 km: the 5 km battery neither downs nor fires at it; the 50 km
    battery downs its sorties at e pk = 0.2 as in test_air_rules.py."""

    def short_battery(d):
        d["forces"]["air_defence"]["blue-sam"]["range_km"] = 5

    def standoff_wing(d):
        d["forces"]["air"]["red-strike"].update(standoff_km=8.0)

    before, after = on_day(make(both(standoff_wing, short_battery)))
    assert np.all(after.wings.aircraft == before.wings.aircraft)
    assert np.all(after.batteries.missiles == before.batteries.missiles)
    before, after = on_day(make(standoff_wing))
    assert_binomial_mean((before.wings.aircraft - after.wings.aircraft)[:, 0], 20, 0.2)


def test_a_standoff_wing_kills_standoff_kills_times_as_many(make):
    """Without air defence, 20 strike sorties of 1 kill each: Poisson(20 x standoff_kills)."""
    for scale, standoff in ((0.5, 8.0), (0.5, 0.0)):
        def change(d, scale=scale, standoff=standoff):
            no_battery(d)
            d["forces"]["air"]["red-strike"].update(strike_kills=1.0, standoff_km=standoff, standoff_kills=scale)
            learning()(d)

        th = make(change)
        _, after = on_day(th)
        assert_poisson_mean(killed(after, th), 20 * (scale if standoff else 1.0))
