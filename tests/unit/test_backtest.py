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

from flashpoint.analysis.backtest import BACKTESTS, Event, backtest, check_events, crps, event_days
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


def test_every_built_in_event_names_what_its_scenario_has():
    for sid, events in BACKTESTS.items():
        s = load(sid)
        check_events(s, events, sid)
        for ev in events:
            assert s.meta.start <= ev.first <= ev.last
            assert (ev.last - s.meta.start).days < s.meta.horizon_days


def test_an_event_naming_a_missing_place_is_refused():
    s = load(SCENARIO)
    ghost = Event("x", "the regime takes Atlantis", "regime", dt.date(2020, 1, 1), dt.date(2020, 1, 1),
                  "2020-01-28|Maarat al-Numan", places=("atlantis",))
    with pytest.raises(FlashpointError, match=r"scen.toml: field places.atlantis is missing; backtest event x"):
        check_events(s, (ghost,), "scen.toml")
    uncited = Event("y", "a day the timeline does not have", "regime", dt.date(2020, 1, 2), dt.date(2020, 1, 2),
                    "2020-01-02|Saraqib", places=("saraqib",))
    with pytest.raises(FlashpointError, match=r"idlib/timeline.csv: no row dated 2020-01-02 mentions 'Saraqib'"):
        check_events(s, (uncited,), "scen.toml")


def test_a_scenario_without_an_event_place_exits_2(cli, tmp_path):
    data = tomllib.loads(builtin_path(SCENARIO).read_text(encoding="utf-8"))
    del data["places"]["kafr-nabl"], data["control"]["kafr-nabl"], data["routes"]["kafr-nabl-khan-shaykhun"]
    data["routes"]["zawiya"]["places"].remove("kafr-nabl")
    places = data["outcomes"]["sochi-line-restored"]["when"]["holds"]["places"]
    places.remove("kafr-nabl")
    data["meta"]["key_places"].remove("kafr-nabl")
    path = tmp_path / "no-kafr-nabl.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    load(str(path))                                            # a valid scenario otherwise
    result = cli("backtest", path, "--runs", "50")
    assert result.exit_code == 2
    assert f"{path}: field places.kafr-nabl is missing; backtest event kafr-nabl" in result.output


def test_a_scenario_without_a_backtest_is_refused(cli):
    result = cli("backtest", "idlib-2020", "--runs", "50")
    assert result.exit_code == 2 and "has no backtest" in result.output


@pytest.fixture(scope="module")
def small_run() -> dict:
    return backtest(SCENARIO, runs=60, seed=3)


def test_backtest_result(small_run):
    r = small_run
    events = BACKTESTS[SCENARIO]
    assert [e["id"] for e in r["events"]] == [e.id for e in events]
    assert [e["observed_day"] for e in r["events"]] == [40, 49, 54, 59, 68]
    for e in r["events"]:
        qs = [q for q in (e["q05"], e["q50"], e["q95"]) if q is not None]
        assert qs == sorted(qs)
        assert e["crps"] >= 0
    assert r["coverage"] == sum(e["inside"] for e in r["events"]) / 5
    assert r["crps"] == pytest.approx(np.mean([e["crps"] for e in r["events"]]), abs=1e-3)
    assert r["calibration"]["file"].endswith("cdb90.json")


def test_backtest_is_deterministic_given_the_seed(small_run):
    assert backtest(SCENARIO, runs=60, seed=3) == small_run


def test_backtest_json_output(cli):
    result = cli("backtest", SCENARIO, "--runs", "40", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert {"events", "coverage", "crps"} <= set(doc)
    for e in doc["events"]:
        assert {"id", "place", "observed_day", "q05", "q50", "q95", "inside"} <= set(e)
    result = cli("backtest", SCENARIO, "--runs", "40")
    assert result.exit_code == 0 and "coverage of the 90% intervals" in result.output


def test_too_few_runs_are_refused(cli):
    result = cli("backtest", SCENARIO, "--runs", "5")
    assert result.exit_code == 2 and "--runs 5" in result.output


def test_the_observed_days_come_from_the_scenario_start():
    s = load(SCENARIO)
    assert s.meta.start == dt.date(2019, 12, 19)
    assert {e.id: (e.first - s.meta.start).days for e in BACKTESTS[SCENARIO]} == {
        "maarat-al-numan": 40, "saraqib": 49, "m5-held": 54, "western-aleppo": 59, "kafr-nabl": 68}
    assert Path(builtin_path(SCENARIO)).is_file()
