"""Operational plans (docs/model.md, "Plans"): the choice of target, pauses, reserves, the fall-back
of broken defenders, and the errors of a bad [plans] table.

The map is the two-camp fixture of test_ground_rules (Red at A attacks along A - B - C) with two
more places: D, next to A, undefended and held by Blue (the easiest target), and E, next to C.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_ground_rules import BLUE_DEFENCE, RED_POWER, play, scenario_data, start, theatre

from flashpoint.engine.rng import Streams
from flashpoint.engine.stepwise import air_phase, ground_phase, plan_attacks
from flashpoint.errors import FlashpointError
from flashpoint.scenario.loader import validate_data


def star(**plans) -> dict:
    """The fixture with D (next to A, undefended) and E (rough, next to C), and the given plans."""
    data = scenario_data()
    data["places"]["d"] = {"name": "D", "lat": 34.9, "lon": 35.9, "kind": "town", "source": "made-up"}
    data["places"]["e"] = {"name": "E", "lat": 35.3, "lon": 36.3, "kind": "town", "terrain": "rough",
                           "source": "made-up"}
    data["routes"]["r2"] = {"name": "Road 2", "road": "R2", "places": ["a", "d"], "source": "made-up"}
    data["routes"]["r3"] = {"name": "Road 3", "road": "R3", "places": ["c", "e"], "source": "made-up"}
    data["control"].update(d="blueland", e="blueland")
    data["plans"] = {pid: {"source": "made-up", **plan} for pid, plan in plans.items()}
    return data


def red_plan(**extra) -> dict:
    return {"actor": "redland", "axes": {"road": {"places": ["a", "b", "c"], "source": "made-up"}}, **extra}


# ------------------------------------------------------------------------ choice of target
def test_without_a_plan_the_undefended_place_is_the_easiest_target():
    th = theatre(star())
    plan = plan_attacks(start(th))
    assert np.all(plan.target[:, th.places.index("a")] == th.places.index("d"))


def test_the_score_is_weight_to_the_one_minus_o_times_value_ratio_to_the_o():
    """B is an objective of priority 4, D on an axis of priority 1: weights 1 and 1/4. B (value 2,
    ratio r) beats D (value 1, ratio 10) exactly when o ln(2r) > (1 - o) ln(1/4) + o ln 10."""
    plans = {"red": {"actor": "redland", "opportunism": {"dist": "uniform", "low": 0, "high": 1},
                     "axes": {"flank": {"places": ["a", "d"], "source": "made-up"}},
                     "objectives": {"b": {"place": "b", "priority": 4, "source": "made-up"}}}}
    th = theatre(star(**plans))
    b0 = start(th, 2000)
    plan = plan_attacks(b0)
    o = b0.run.plans.opportunism[:, th.actor_index("redland")]
    r = RED_POWER / BLUE_DEFENCE
    threshold = math.log(4) / (math.log(4) + math.log(10) - math.log(2 * r))     # 0.5077
    goes_b = plan.target[:, th.places.index("a")] == th.places.index("b")
    clear = np.abs(o - threshold) > 1e-9
    assert np.array_equal(goes_b[clear], (o < threshold)[clear])
    assert 0.4 < goes_b.mean() < 0.6                   # both choices happen: the draw matters


def test_an_objective_is_pursued_from_its_first_day():
    plans = {"red": {"actor": "redland", "opportunism": 0.0,
                     "axes": {"flank": {"places": ["a", "d"], "priority": 1, "source": "made-up"}},
                     "objectives": {"b": {"place": "b", "priority": 2, "first_day": 3, "source": "made-up"}}}}
    th = theatre(star(**plans))
    b0 = start(th, 50)
    a, b, d = (th.places.index(p) for p in "abd")
    targets = []
    for day in (1, 2, 3):
        b0.st.day = day
        targets.append(plan_attacks(b0).target[:, a])
    assert np.all(targets[0] == d) and np.all(targets[1] == d) and np.all(targets[2] == b)


def test_an_axis_is_followed_from_its_first_day():
    """Before its first day an axis's places carry no weight: the attackers that follow the plan
    go for B (an axis from day 0) and not for D, the easiest target, until the flank axis opens and
    outweighs it."""
    plans = {"red": {"actor": "redland", "opportunism": 0.0,
                     "axes": {"road": {"places": ["a", "b"], "priority": 1, "source": "made-up"},
                              "flank": {"places": ["a", "d"], "priority": 2, "first_day": 3,
                                        "source": "made-up"}}}}
    th = theatre(star(**plans))
    b0 = start(th, 50)
    a, b, d = (th.places.index(p) for p in "abd")
    targets = []
    for day in (0, 2, 3, 10):
        b0.st.day = day
        targets.append(plan_attacks(b0).target[:, a])
    assert np.all(targets[0] == b) and np.all(targets[1] == b)
    assert np.all(targets[2] == d) and np.all(targets[3] == d)
    # the fixture's plan itself is unchanged by the field: first_day 0 is the default
    same = {"red": {**plans["red"], "axes": {**plans["red"]["axes"],
                                              "flank": {**plans["red"]["axes"]["flank"], "first_day": 0}}}}
    b1 = start(theatre(star(**same)), 50)
    assert np.all(plan_attacks(b1).target[:, a] == d)


def test_an_axis_is_not_followed_backwards():
    """An axis is an order: its places carry its weight for attackers at places before them or off
    it, not for attackers at a place after them. Red at A with the axis B - A (priority 2) and the
    axis A - D (priority 1) goes for D; with the axis A - B instead, for B."""
    def target(first: list[str]):
        plans = {"red": {"actor": "redland", "opportunism": 0.0,
                         "axes": {"main": {"places": first, "priority": 2, "source": "made-up"},
                                  "flank": {"places": ["a", "d"], "priority": 1, "source": "made-up"}}}}
        th = theatre(star(**plans))
        return th, plan_attacks(start(th, 50)).target[:, th.places.index("a")]

    th, backwards = target(["b", "a"])
    assert np.all(backwards == th.places.index("d"))
    th, forwards = target(["a", "b"])
    assert np.all(forwards == th.places.index("b"))
    # the same for an axis followed from a later day
    plans = {"red": {"actor": "redland", "opportunism": 0.0,
                     "axes": {"main": {"places": ["b", "a"], "priority": 2, "first_day": 1, "source": "made-up"},
                              "flank": {"places": ["a", "d"], "priority": 1, "source": "made-up"}}}}
    th = theatre(star(**plans))
    b0 = start(th, 50)
    b0.st.day = 5
    assert np.all(plan_attacks(b0).target[:, th.places.index("a")] == th.places.index("d"))


def test_places_off_the_plan_are_not_attacked_by_those_who_follow_it():
    th = theatre(star(red={**red_plan(), "opportunism": 0.99}))
    plan = plan_attacks(start(th))
    assert np.all(plan.target[:, th.places.index("a")] == th.places.index("b"))
    far = {"actor": "redland", "opportunism": 0.99, "axes": {"far": {"places": ["c", "e"], "source": "made-up"}}}
    plan = plan_attacks(start(theatre(star(red=far))))
    assert np.all(plan.target == -1) and not plan.engaged.any()
    # B can be attacked only at a ratio below attack-min-ratio: Red holds rather than go for D
    plan = plan_attacks(start(theatre(star(red=red_plan()), **{"attack-min-ratio": RED_POWER / BLUE_DEFENCE + 0.01})))
    assert np.all(plan.target == -1)



# ----------------------------------------------------------------- attackers that split
def two_red(**plans) -> dict:
    """The star with a second Red formation at A, the same as the first (listed after it)."""
    data = star(**plans)
    data["forces"]["ground"]["red-2"] = dict(data["forces"]["ground"]["red-1"])
    return data


def test_attackers_past_what_the_main_target_needs_go_for_the_next_one():
    """D, undefended, is the main target: one attacker is enough there (capture-ratio x 0); the
    second chooses again with its own power and goes for B (ratio 1.31, above attack-min-ratio)."""
    th = theatre(two_red())
    plan = plan_attacks(start(th))
    a, b, d = (th.places.index(p) for p in "abd")
    red_1, red_2 = th.formation_ids.index("red-1"), th.formation_ids.index("red-2")
    assert np.all(plan.target[:, a] == d)                       # the main target
    assert np.all(plan.ftarget[:, red_1] == d) and np.all(plan.ftarget[:, red_2] == b)
    np.testing.assert_allclose(plan.against[:, d], RED_POWER, rtol=1e-12)
    np.testing.assert_allclose(plan.against[:, b], RED_POWER, rtol=1e-12)
    assert np.all(plan.aimed[:, a].sum(axis=1) == 2) and plan.engaged[:, [red_1, red_2]].all()


def test_attackers_with_nothing_else_to_attack_join_the_main_target():
    """Alone, the second formation is just short of attack-min-ratio against B: it joins D."""
    th = theatre(two_red(), **{"attack-min-ratio": RED_POWER / BLUE_DEFENCE + 0.01})
    plan = plan_attacks(start(th))
    a, d = th.places.index("a"), th.places.index("d")
    assert np.all(plan.ftarget[:, [th.formation_ids.index("red-1"), th.formation_ids.index("red-2")]] == d)
    np.testing.assert_allclose(plan.against[:, d], 2 * RED_POWER, rtol=1e-12)
    assert np.all(plan.aimed[:, a].sum(axis=1) == 1)


def test_a_main_target_short_of_capture_ratio_takes_every_attacker():
    """Following the plan (B only), both go for B: 2 x 10,195 is below 3 x its defence 7,812."""
    th = theatre(two_red(red={**red_plan(), "opportunism": 0.99}))
    plan = plan_attacks(start(th))
    b = th.places.index("b")
    assert np.all(plan.ftarget[:, [th.formation_ids.index("red-1"), th.formation_ids.index("red-2")]] == b)
    np.testing.assert_allclose(plan.against[:, b], 2 * RED_POWER, rtol=1e-12)


def test_both_targets_are_fought_the_same_day():
    """The second formation's attack on B costs Blue men on the first day, while D is taken from
    nobody; with one target per place B would not be attacked at all."""
    th = theatre(two_red())
    st = play(th, 250, days=1)
    blue = th.actor_index("blueland")
    assert np.all(st.losses.personnel_lost[:, blue] > 0)
    assert np.all(st.fired[:, th.actor_index("redland"), blue])


def test_only_the_attackers_sent_along_the_leg_that_takes_a_place_move_in():
    """When D falls, Red 1st (sent there) moves in; Red 2nd, sent to B, does not go to D."""
    th = theatre(two_red())
    st = play(th, 100, days=10)
    d = th.places.index("d")
    red_1, red_2 = th.formation_ids.index("red-1"), th.formation_ids.index("red-2")
    taken = st.control[:, d] == th.actor_index("redland")
    assert taken.mean() > 0.9                                   # D, undefended, falls in nearly every run
    assert np.all(st.formations.place[taken, red_1] == d)
    assert not np.any(st.formations.place[:, red_2] == d)

# ---------------------------------------------------------------------------- pauses
def days_of_attacks(th, days: int):
    b0, rng = start(th, 100), Streams(7, 0, 100)
    attacking = []
    for day in range(1, days + 1):
        b0.st.day = day
        plan = plan_attacks(b0)
        attacking.append(plan.attacker.any(axis=1))
        air_phase(b0, rng, plan)
        ground_phase(b0, rng, plan)
    return b0.st, np.array(attacking)


@pytest.mark.parametrize("pause", [0, 3])
def test_an_actor_pauses_after_taking_an_objective(pause):
    """D (1 km away, undefended, 50 km a day) falls on day 1; Red then makes no attack for
    pause_days days."""
    data = star(red={"actor": "redland", "opportunism": 0.0,
                     "objectives": {"d": {"place": "d", "priority": 2, "pause_days": pause, "source": "made-up"}},
                     "axes": {"road": {"places": ["a", "b", "c"], "source": "made-up"}}})
    data["routes"]["r2"]["lengths_km"] = [1.0]
    th = theatre(data, **{"advance-km-per-day": 50.0})
    st, attacking = days_of_attacks(th, 6)
    assert np.all(st.control[:, th.places.index("d")] == th.actor_index("redland"))
    assert np.all(st.pause_until[:, th.actor_index("redland")] == 2 + pause)
    assert np.all(attacking[0])
    assert not attacking[1:1 + pause].any()
    assert np.all(attacking[1 + pause:])


# --------------------------------------------------------------------------- reserves
@pytest.mark.parametrize("where", [{"place": "b"}, {"axis": "back"}])
def test_a_reserve_is_committed_where_and_when_its_plan_says(where):
    data = star(blue={"actor": "blueland",
                      "axes": {"back": {"places": ["c", "b", "a"], "source": "made-up"}},
                      "reserves": {"blue-2": {**where, "day": 2, "posture": "defend", "source": "made-up"}}})
    data["forces"]["ground"]["blue-2"] = {"name": "Blue 2nd", "owner": "blueland", "place": "e",
                                          "personnel": 1000, "posture": "reserve", "source": "made-up"}
    th = theatre(data, **{"attack-min-ratio": 10.0})           # nobody attacks: the map stays as it is
    st = play(th, 50, days=1)
    f = th.formation_ids.index("blue-2")
    assert np.all(st.formations.place[:, f] == th.places.index("e"))
    assert np.all(st.formations.posture[:, f] == 3)              # still in reserve on day 1
    st = play(th, 50, days=2)
    assert np.all(st.formations.place[:, f] == th.places.index("b"))   # B: the front end of C - B - A
    assert np.all(st.formations.posture[:, f] == 1)              # defend


# --------------------------------------------------------------------------- fall-back
def overrun(axis: list[str] | None, **blue) -> dict:
    """A weak Blue at B, overrun on day 1 (1 km legs, 50 km a day, capture-ratio 1.5); C is open."""
    data = star(**({"red": {"actor": "redland", "opportunism": 0.0,
                            "axes": {"road": {"places": axis, "source": "made-up"}}}} if axis else {}))
    data["forces"]["ground"]["blue-1"].update(personnel=100, tanks=10, **blue)
    data["routes"]["r1"]["lengths_km"] = [1.0, 1.0]
    data["places"]["c"]["terrain"] = "open"
    return data


@pytest.mark.parametrize("axis, to", [(None, "c"), (["a", "b", "c", "e"], "e"), (["a", "b", "c"], "c")])
def test_an_overrun_defender_falls_back_to_the_next_defensible_place_of_the_hostile_axis(axis, to):
    th = theatre(overrun(axis), **{"capture-ratio": 1.5, "advance-km-per-day": 50.0})
    st = play(th, 100, days=1)
    assert np.all(st.control[:, th.places.index("b")] == th.actor_index("redland"))
    assert np.all(st.formations.place[:, th.formation_ids.index("blue-1")] == th.places.index(to))


@pytest.mark.parametrize("axis, to", [(None, "b"), (["a", "b", "c", "e"], "e")])
def test_a_defender_that_breaks_falls_back_along_the_hostile_axis(axis, to):
    data = overrun(axis, breakpoint=0.01)
    data["routes"]["r1"]["lengths_km"] = [100.0, 1.0]              # B does not fall
    th = theatre(data, **{"capture-ratio": 1.5})
    st = play(th, 100, days=1)
    f = th.formation_ids.index("blue-1")
    assert np.all(st.control[:, th.places.index("b")] == th.actor_index("blueland"))
    assert np.all(st.formations.broken[:, f])
    assert np.all(st.formations.place[:, f] == th.places.index(to))


# ----------------------------------------------------------------------------- errors
def problems(data: dict) -> str:
    with pytest.raises(FlashpointError) as err:
        validate_data(data, "plans.toml")
    return str(err.value)


@pytest.mark.parametrize("plan, expected", [
    (red_plan(axes={"x": {"places": ["a", "c"], "source": "made-up"}}),
     "plans.toml: plans.red.axes.x.places[1]: 'a' and 'c' are not next to each other on any route"),
    (red_plan(objectives={"x": {"place": "nowhere", "source": "made-up"}}),
     "plans.red.objectives.x.place: unknown place 'nowhere'"),
    ({**red_plan(), "actor": "greenland"}, "plans.red.actor: unknown actor 'greenland'"),
    (red_plan(reserves={"red-1": {"place": "a", "source": "made-up"}}),
     "plans.red.reserves.red-1: formation in posture 'attack'; a reserve starts in posture 'reserve'"),
    (red_plan(reserves={"blue-1": {"place": "a", "source": "made-up"}}),
     "plans.red.reserves.blue-1: formation of 'blueland', not of the plan's actor 'redland'"),
    (red_plan(reserves={"red-9": {"place": "a", "source": "made-up"}}),
     "plans.red.reserves.red-9: unknown ground formation 'red-9'"),
    (red_plan(reserves={"red-1": {"place": "a", "axis": "road", "source": "made-up"}}),
     "plans.red.reserves.red-1: give exactly one of place or axis"),
    (red_plan(opportunism=1.5), "plans.red.opportunism: must be between 0 and 1"),
    (red_plan(axes={"x": {"places": ["a", "b"], "first_day": -2, "source": "made-up"}}),
     "plans.red.axes.x.first_day"),
    ({"actor": "redland"}, "plans.red: give at least one axis or objective"),
    (red_plan(axes={"x": {"places": ["a", "b"], "source": "nobody"}}),
     "plans.red.axes.x.source: unknown source 'nobody'"),
])
def test_a_bad_plan_is_refused_with_a_clear_message(plan, expected):
    assert expected in problems(star(red=plan))


def test_an_actor_has_one_plan():
    assert "plans.two.actor: actor already has a plan ([plans.one])" in problems(star(one=red_plan(), two=red_plan()))


def test_the_plan_s_opportunism_is_an_input_drawn_per_run():
    th = theatre(star(red={**red_plan(), "opportunism": {"dist": "uniform", "low": 0.2, "high": 0.4}}))
    assert "plans.red.opportunism" in th.uncertain
    o = start(th, 500).run.plans.opportunism
    assert 0.2 <= o[:, th.actor_index("redland")].min() < o[:, th.actor_index("redland")].max() <= 0.4
    assert np.all(o[:, th.actor_index("blueland")] == 1.0)


@pytest.mark.parametrize("overrides, expected", [
    ({}, "dbb"),                            # D needs one; B gets the rest (short of 3 x its defence)
    ({"attack-min-ratio": 1.9}, "ddd"),     # Red 2nd and 3rd together are short of B: all go for D
    ({"capture-ratio": 1.2}, "dbd"),        # Red 2nd is enough for B; Red 3rd has nothing left: D
])
def test_the_engine_splits_its_attackers_as_the_reference_model_does(overrides, expected):
    """The same day-one plan from the engine and from the plainly written reference
    (benchmarks/reference/ground.py), with a third, smaller Red formation at A (power 3,715, so
    Red 2nd and 3rd have a ratio of 1.78 against B): the fixture's numbers are fixed, so both
    plans are certain."""
    from benchmarks.reference.ground import plan_attacks as reference_plan
    from benchmarks.reference.model import TheatreModel

    data = two_red()
    data["forces"]["ground"]["red-3"] = dict(data["forces"]["ground"]["red-1"], personnel=1000)
    th = theatre(data, **overrides)
    engine = plan_attacks(start(th, 5))
    reference = reference_plan(TheatreModel(th, np.random.default_rng(1)))
    sent = {f.fid: v for f, (v, _) in reference.sent.items()}
    for fid, place in zip(("red-1", "red-2", "red-3"), expected, strict=True):
        assert sent[fid] == th.places.index(place), fid
        assert np.all(engine.ftarget[:, th.formation_ids.index(fid)] == th.places.index(place)), fid
