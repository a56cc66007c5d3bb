"""The backtest: event days from trajectories, the CRPS, the checks of a scenario's places and
timeline, and the command's output."""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from pathlib import Path

import numpy as np
import pytest
import tomli_w

from flashpoint.analysis.backtest import backtest, builtin_backtests, check_backtest, crps, event_days, pit
from flashpoint.analysis.results import run
from flashpoint.errors import FlashpointError
from flashpoint.scenario import load
from flashpoint.scenario.loader import builtin_path

SCENARIO = "idlib-2019-offensive"


def test_crps_against_its_definition():
    rng = np.random.default_rng(1)
    x = rng.integers(0, 30, 60).astype(float)
    for y in (-3.0, 10.0, 12.5, 45.0):
        brute = np.mean(np.abs(x - y)) - 0.5 * np.mean(np.abs(x[:, None] - x[None, :]))
        assert crps(x, y) == pytest.approx(brute, rel=1e-12)
    assert crps(np.full(10, 7.0), 4.0) == pytest.approx(3.0)     # a point forecast: the absolute error


def test_event_days_from_control_records():
    actor_camp = np.array([0, 0, 1])       # actors 0 and 1 in camp 0, actor 2 in camp 1
    # 3 runs, 5 records (start + 4 days), 2 places
    control = np.full((3, 5, 2), 2)
    control[0, 2:, 0] = 0                  # run 0: place 0 from record 2, place 1 from record 3
    control[0, 3:, 1] = 1
    control[1, 4:, 0] = 0                  # run 1: place 0 only: never both
    control[2, :, :] = 0                   # run 2: held from the start
    days = event_days(control, actor_camp, 0, np.array([0, 1]))
    assert days[0] == 2.0                  # record 3 covers day 2 (record 1 is day 0)
    assert np.isinf(days[1])
    assert days[2] == -1.0
    assert event_days(control, actor_camp, 0, np.array([0]))[:2].tolist() == [1.0, 3.0]


def test_event_days_of_a_place_retaken():
    actor_camp = np.array([0, 1])
    control = np.zeros((3, 6, 1), dtype=int)          # camp 0 holds the place at the start
    control[0, 2:4, 0] = 1                            # run 0: lost at record 2, back at record 4
    control[1, 2:, 0] = 1                             # run 1: lost and never back
    days = event_days(control, actor_camp, 0, np.array([0]), retaken=True)
    assert days[0] == 3.0 and np.isinf(days[1]) and np.isinf(days[2])   # run 2 never lost it
    assert event_days(control, actor_camp, 1, np.array([0]), retaken=True)[0] == 1.0   # not held at start


def test_mid_pit():
    x = np.array([1.0, 2.0, 2.0, 3.0])
    assert pit(x, 2.0) == pytest.approx(0.25 + 0.25)
    assert pit(x, 0.0) == 0.0 and pit(x, 9.0) == 1.0


def test_every_built_in_backtest_cites_rows_of_its_files():
    names = builtin_backtests()
    assert {"idlib-2019-offensive", "karabakh-2020"} <= set(names)
    for sid in names:
        s = load(sid)
        check_backtest(s, sid)
        for ev in s.backtest.events.values():
            assert s.meta.start <= ev.first <= (ev.last or ev.first)


def test_an_event_naming_a_missing_place_is_refused(tmp_path):
    data = tomllib.loads(builtin_path(SCENARIO).read_text(encoding="utf-8"))
    data["backtest"]["events"]["saraqib"]["places"] = ["atlantis"]
    path = tmp_path / "scen.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    with pytest.raises(FlashpointError, match=r"backtest.events.saraqib.places.*atlantis"):
        load(str(path))


def test_an_uncited_row_or_a_late_event_is_refused():
    s = load(SCENARIO)
    ev = s.backtest.events["saraqib"].model_copy(update={"cites": "2020-01-02|Saraqib"})
    bad = s.model_copy(update={"backtest": s.backtest.model_copy(update={"events": {"x": ev}})})
    with pytest.raises(FlashpointError, match=r"idlib/timeline.csv: no row contains '2020-01-02' and 'saraqib'; "
                                              r"backtest.events.x cites it"):
        check_backtest(bad, "scen.toml")
    late = s.model_copy(update={"backtest": s.backtest.model_copy(update={"horizon_days": 60})})
    with pytest.raises(FlashpointError, match=r"scen.toml: field backtest.events.western-aleppo.first .* "
                                              r"after the backtest's horizon \(60 days"):
        check_backtest(late, "scen.toml")


def test_a_scenario_without_an_event_place_exits_2(cli, tmp_path):
    data = tomllib.loads(builtin_path(SCENARIO).read_text(encoding="utf-8"))
    del data["places"]["kafr-nabl"], data["control"]["kafr-nabl"], data["routes"]["kafr-nabl-khan-shaykhun"]
    data["routes"]["zawiya"]["places"].remove("kafr-nabl")
    places = data["outcomes"]["sochi-line-restored"]["when"]["holds"]["places"]
    places.remove("kafr-nabl")
    data["meta"]["key_places"].remove("kafr-nabl")
    path = tmp_path / "no-kafr-nabl.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    result = cli("backtest", path, "--runs", "50")
    assert result.exit_code == 2
    assert "backtest.events.kafr-nabl.places" in result.output and "kafr-nabl" in result.output
    del data["backtest"]["events"]["kafr-nabl"]
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    load(str(path))                                            # valid without the event


def test_a_scenario_without_a_backtest_is_refused(cli):
    result = cli("backtest", "idlib-2020", "--runs", "50")
    assert result.exit_code == 2 and "has no backtest" in result.output


@pytest.fixture(scope="module")
def small_run() -> dict:
    return backtest(SCENARIO, runs=60, seed=3)


def test_backtest_result(small_run):
    r = small_run
    s = load(SCENARIO)
    assert [e["id"] for e in r["events"]] == list(s.backtest.events)
    assert len(r["events"]) >= 10
    assert [e["observed_day"] for e in r["events"]] == [40, 47, 49, 51, 54, 57, 59, 67, 68, 70]
    assert r["horizon_days"] == 71
    for e in r["events"]:
        qs = [q for q in (e["q05"], e["q50"], e["q95"]) if q is not None]
        assert qs == sorted(qs)
        assert e["crps"] >= 0 and 0.0 <= e["pit"] <= 1.0
        assert e["closes"] == (e["q95"] is not None)
    assert r["coverage"] == sum(e["inside"] for e in r["events"]) / 10
    assert r["sharpness"] == sum(e["closes"] for e in r["events"]) / 10
    assert r["crps"] == pytest.approx(np.mean([e["crps"] for e in r["events"]]), abs=1e-3)
    assert sum(r["pit_histogram"]["counts"]) == 10
    assert r["calibration"]["file"].endswith("cdb90.json")


def test_the_longer_backtest_horizon_leaves_the_first_days_alone():
    """The backtest simulates one day more than the scenario's horizon; the days before are those
    of a run of the scenario as written (the draws of a day do not depend on the horizon)."""
    s = load(SCENARIO)
    runs = run(s, runs=60, seed=3, days=70, trajectories=True).trajectories()["control"].to_numpy()
    th_s = s.model_copy(update={"meta": s.meta.model_copy(update={"horizon_days": 71})})
    longer = run(th_s, runs=60, seed=3, days=71, trajectories=True).trajectories()["control"].to_numpy()
    assert np.array_equal(runs, longer[:, :71])


def test_losses_are_scored(cli):
    r = backtest("karabakh-2020", runs=40, seed=2)
    ids = [x["id"] for x in r["losses"]]
    assert {"armenia-tanks", "armenia-ifvs", "azerbaijan-tanks", "azerbaijan-ifvs"} <= set(ids)
    for x in r["losses"]:
        assert x["q05"] <= x["q50"] <= x["q95"] and x["crps"] >= 0
        assert x["inside"] == (x["q05"] <= x["observed_high"] and x["q95"] >= x["observed_low"])
    tanks = next(x for x in r["losses"] if x["id"] == "armenia-tanks")
    assert tanks["observed_low"] == 255 and tanks["counting"] == "documented"


def test_backtest_is_deterministic_given_the_seed(small_run):
    assert backtest(SCENARIO, runs=60, seed=3) == small_run


def test_backtest_json_output(cli):
    result = cli("backtest", SCENARIO, "--runs", "40", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert {"events", "coverage", "sharpness", "crps", "pit_histogram", "losses"} <= set(doc)
    for e in doc["events"]:
        assert {"id", "place", "observed_day", "q05", "q50", "q95", "inside", "crps", "pit"} <= set(e)
    result = cli("backtest", SCENARIO, "--runs", "40")
    assert result.exit_code == 0 and "coverage of the 90% intervals" in result.output


def test_too_few_runs_are_refused(cli):
    result = cli("backtest", SCENARIO, "--runs", "5")
    assert result.exit_code == 2 and "--runs 5" in result.output


def test_the_observed_days_come_from_the_scenario_start():
    s = load(SCENARIO)
    assert s.meta.start == dt.date(2019, 12, 19)
    days = {k: (e.first - s.meta.start).days for k, e in s.backtest.events.items()}
    assert days["maarat-al-numan"] == 40 and days["kafr-nabl"] == 68 and days["saraqib-retaken"] == 70
    assert s.backtest.events["saraqib-retaken"].retaken and s.backtest.events["al-nayrab-retaken"].retaken
    assert Path(builtin_path(SCENARIO)).is_file()
