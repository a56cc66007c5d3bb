"""Settlement: the line on the battlefield, the battlefield's update of capability, the bargaining
model on the scenario's issue table, and the checks of that table."""

from __future__ import annotations

import numpy as np
import pytest

import flashpoint
from flashpoint.api import run
from flashpoint.engine.stepwise import start as start_block
from flashpoint.engine.strategy.bargaining import example_path, read_issue_table, run_smp
from flashpoint.engine.strategy.settlement import (
    SettlementAccumulator,
    bargain,
    battlefield_lines,
    capability_multipliers,
    strength_snapshot,
    table_samples,
)
from flashpoint.engine.theatre import compile_theatre
from flashpoint.errors import FlashpointError

SOCHI = ["morek", "khan-shaykhun", "maarat-al-numan", "kafr-nabl", "saraqib", "al-eis", "tell-touqan",
         "khan-al-assal", "urum-al-kubra"]


def _idlib():
    return compile_theatre(flashpoint.load("idlib-2020"))


# --------------------------------------------------------------------------- the battlefield
def test_the_line_is_the_value_weighted_share_the_camp_holds():
    th = _idlib()
    ctrl = np.tile(th.map.control0, (3, 1))
    sochi = [th.places.index(p) for p in SOCHI]
    ctrl[0, sochi] = th.actor_index("turkey")
    ctrl[1, sochi] = th.actor_index("syria")
    saraqib = th.places.index("saraqib")
    line = battlefield_lines(th, ctrl)["the-line"]
    value = th.map.value[sochi]
    assert line[0] == 100.0 and line[1] == 0.0
    assert line[2] == pytest.approx(100 * th.map.value[saraqib] / value.sum())   # the start: Saraqib only


def test_capability_is_unchanged_before_any_fighting_and_falls_with_losses():
    th = _idlib()
    b = start_block(th, 1, 250)
    st, params = b.st, b.draws.params
    start = strength_snapshot(th, st, params)
    idx = np.arange(250)
    assert capability_multipliers(th, st, params, idx, start, st.control.copy()) \
        == pytest.approx(np.ones((250, th.n_actors)))
    st.formations.personnel[:, th.formations.owner == th.actor_index("turkey")] *= 0.5
    st.formations.tanks[:] = st.formations.tanks * 0.5
    st.formations.ifvs[:] = st.formations.ifvs * 0.5
    st.formations.artillery[:] = st.formations.artillery * 0.5
    st.drone_units.drones[:, :] = 0
    m = capability_multipliers(th, st, params, idx, start, st.control.copy())
    turkey = th.actor_index("turkey")
    # Turkey: half its ground power, all its drones, all its aircraft: (0.5 + 0 + 1) / 3
    assert m[:, turkey] == pytest.approx(np.full(250, 0.5), abs=0.01)
    assert m[:, th.actor_index("usa")] == pytest.approx(np.ones(250))


def test_loitering_launchers_count_only_while_their_stock_lasts():
    """karabakh-2020's loitering munitions (a stock) and TB2s (none): with the stock spent, the
    launchers leave Azerbaijan's drone strength; with fewer munitions than launchers, only as many
    launchers count; a reusable drone counts whatever happens to the munitions."""
    th = compile_theatre(flashpoint.load("karabakh-2020"))
    b = start_block(th, 1, 250)
    st, params = b.st, b.draws.params
    az, tb2, lm = th.actor_index("azerbaijan"), th.drone_ids.index("az-tb2"), th.drone_ids.index("az-loitering")
    launchers, drones = st.drone_units.drones[:, lm].copy(), st.drone_units.drones[:, tb2].copy()
    assert strength_snapshot(th, st, params)["drones"][:, az] == pytest.approx(drones + launchers)
    st.drone_units.stock[:, lm] = 1.0
    assert strength_snapshot(th, st, params)["drones"][:, az] == pytest.approx(drones + 1.0)
    st.drone_units.stock[:, lm] = 0.0
    assert strength_snapshot(th, st, params)["drones"][:, az] == pytest.approx(drones)


# --------------------------------------------------------------------------- the models
def test_the_smp_forecast_is_the_most_likely_final_position_of_the_ktab_reference_run():
    t = read_issue_table(example_path("ktab/dummyData_3Dim.csv"))
    r = bargain("smp", list(t.actors), list(t.dimensions), t.capability, t.positions, t.salience)
    # KTAB's reference run (ref-final-dummyData_3Dim.txt): SActor-05 is the most likely at the end,
    # at (79.9, 34.4, 75.2)
    assert r["forecast"] == pytest.approx([79.9, 34.4, 75.2], abs=0.05)
    assert r["positions"] == pytest.approx(run_smp(t).positions[-1])


def test_the_bdm_forecast_is_the_final_weighted_median_of_the_reference_run():
    t = read_issue_table(example_path("bdm/eu_emissions_scholz_jmckib.csv"))
    r = bargain("bdm", list(t.actors), ["emissions"], t.capability, t.positions, t.salience)
    assert r["forecast"] == pytest.approx([7.0])     # jmckib, round 10 (ref-jmckib-eu_emissions-10rounds.txt)


def test_table_samples_keep_each_actor_within_its_attention():
    th = _idlib()
    actors, issues, cap, pos, sal = table_samples(th, samples=8)
    assert actors == list(th.scenario.bargaining.capability) and issues == list(th.scenario.issues)
    assert cap.shape == (8, len(actors)) and pos.shape == sal.shape == (8, len(actors), len(issues))
    assert (sal.sum(axis=2) <= 1 + 1e-12).all() and (sal > 0).all()
    assert ((pos >= 0) & (pos <= 100)).all()
    again = table_samples(th, samples=8)
    assert all(np.array_equal(a, b) for a, b in zip((cap, pos, sal), again[2:], strict=True))


def test_the_settlement_does_not_depend_on_how_runs_are_added():
    th = _idlib()
    rng = np.random.default_rng(0)
    n = 400
    day = np.where(rng.random(n) < 0.7, rng.integers(1, 60, n), -1)
    ctrl = np.tile(th.map.control0, (n, 1))
    flip = rng.random((n, th.n_places)) < 0.1
    ctrl[flip] = th.actor_index("syria")
    cap = rng.uniform(0.3, 1.5, (n, th.n_actors))
    whole, parts = SettlementAccumulator(th), SettlementAccumulator(th)
    whole.add(day, ctrl, cap)
    parts.add(day[:150], ctrl[:150], cap[:150])
    parts.add(day[150:], ctrl[150:], cap[150:])
    assert whole.result() == parts.result()


def test_idlib_reports_a_settlement_next_to_its_baselines():
    doc = run(flashpoint.load("idlib-2020"), runs=250, seed=3, days=30).summary()
    s = doc["settlement"]
    assert s["model"] == "smp" and s["runs"] > 0
    assert set(s["issues"]) == {"the-line", "m4-corridor", "turkish-posts"}
    assert set(s["line"]) == {"the-line", "m4-corridor"}
    for iid, issue in s["issues"].items():
        f = issue["forecast"]
        assert 0 <= f["q05"] <= f["q50"] <= f["q95"] <= 100, iid
        assert 0 <= issue["weighted_mean"] <= 100 and 0 <= issue["weighted_median"] <= 100
    for a, c in s["capability"].items():
        assert c["stated"] > 0 and c["battlefield_multiplier"] >= 0, a


def test_no_ceasefire_no_settlement(tmp_path):
    s = flashpoint.load("idlib-2020")
    doc = run(s, runs=250, seed=3, days=5).summary()         # the first decisions come on day 7
    assert doc["ceasefire_day"]["share_none"] == 1.0 and doc["settlement"] is None


# --------------------------------------------------------------------------- the issue table
ISSUES = """
[bargaining]
capability = { redland = 10, blueland = 5 }
source = "made-up"

[issues.the-line]
name = "The line"
positions = { redland = 0, blueland = 100 }
salience = { redland = 60, blueland = 80 }
battlefield = { camp = "blue", places = ["b", "c"] }
source = "made-up"

[issues.trade]
name = "Trade"
positions = { redland = 30, blueland = 70 }
salience = { redland = 30, blueland = 10 }
source = "made-up"
"""


def test_a_complete_issue_table_loads(scenario_builder):
    s = scenario_builder(name="issues.toml", extra=ISSUES)
    assert list(s.issues) == ["the-line", "trade"] and s.bargaining.model == "smp"


@pytest.mark.parametrize("change, where, what", [
    (("blueland = 100 }", "blueland = 100, greenland = 3 }"), "issues.the-line.positions.greenland",
     "unknown actor 'greenland'"),
    (("salience = { redland = 30, blueland = 10 }", "salience = { redland = 30 }"), "issues.trade.salience",
     "missing: blueland"),
    (("salience = { redland = 30, blueland = 10 }", "salience = { redland = 50, blueland = 10 }"), "issues",
     "actor 'redland': saliences add up to more than 100"),
    (("salience = { redland = 60, blueland = 80 }", "salience = { redland = 60, blueland = 180 }"),
     "issues.the-line.salience.blueland", "must be between 0 and 100"),
    (('places = ["b", "c"]', 'places = ["b", "zz"]'), "issues.the-line.battlefield.places[1]", "unknown place"),
    (('camp = "blue", places', 'camp = "green", places'), "issues.the-line.battlefield.camp", "unknown camp"),
    (("capability = { redland = 10, blueland = 5 }", "capability = { redland = 10 }"),
     "bargaining.capability", "at least 2 items"),
    (("capability = { redland = 10, blueland = 5 }", "capability = { redland = 10, greenland = 5 }"),
     "bargaining.capability.greenland", "unknown actor 'greenland'"),
    (("capability = { redland = 10, blueland = 5 }", "capability = { redland = 10, usa = 5 }"),
     "issues.the-line.positions.blueland", "has no capability in [bargaining]"),
])
def test_a_bad_issue_table_is_refused_with_its_place(change, where, what, scenario_builder):
    text = ISSUES.replace(*change)
    with pytest.raises(FlashpointError) as info:
        scenario_builder(name="issues.toml", extra=text)
    message = str(info.value)
    assert where in message and what in message, message


def test_an_unknown_bargaining_model_is_refused(scenario_builder):
    with pytest.raises(FlashpointError, match="bargaining.model"):
        scenario_builder(name="issues.toml", extra=ISSUES.replace("[bargaining]\n", '[bargaining]\nmodel = "ktab"\n'))


def test_issues_need_the_bargaining_capabilities(scenario_builder):
    start = ISSUES.index("[issues.the-line]")
    with pytest.raises(FlashpointError, match=r"issues: .*needs a \[bargaining\] section"):
        scenario_builder(name="issues.toml", extra=ISSUES[start:])


def test_a_scenario_with_issues_runs_the_bargain_at_the_ceasefire(scenario_builder):
    text = ISSUES + """
[decisions.redland]
every_days = 4
[decisions.redland.options.stop]
effects = { ceasefire = true }
[decisions.blueland]
every_days = 4
[decisions.blueland.options.stop]
effects = { ceasefire = true }
"""
    s = scenario_builder(name="issues.toml", extra=text)
    doc = run(s, runs=250, seed=1, days=10).summary()
    assert doc["ceasefire_day"] == {"share_none": 0.0, "q05": 4.0, "q25": 4.0, "q50": 4.0, "q75": 4.0, "q95": 4.0}
    settled = doc["settlement"]
    assert settled["runs"] == 250 and settled["samples"] == 8
    trade = settled["issues"]["trade"]
    # bargains interpolate between stated positions: the forecast lies between 30 and 70
    assert 30 <= trade["forecast"]["q05"] <= trade["forecast"]["q95"] <= 70
    assert 30 <= trade["weighted_mean"] <= 70 and trade["weighted_median"] in (30.0, 70.0)
    assert set(settled["line"]) == {"the-line"}
