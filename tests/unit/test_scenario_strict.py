"""Numbers in a scenario are finite and of the declared type; each bad one is named with its value.

Every case edits ``tests/fixtures/minimal.toml`` (helpers shared with test_scenario_errors) and
checks the one problem reported: file and line, dotted field path, what is allowed, the value.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_scenario_errors import TEXT, Bad, cases, edit, error_of, line_of, write
from tests.fixtures import MINIMAL

from flashpoint.errors import FlashpointError
from flashpoint.scenario import diagnostics, load_file
from flashpoint.scenario.loader import MAX_FILE_BYTES

FINITE = "must be a finite number, not inf or nan"
PERSONNEL = "personnel = 3000"


def dist(table: str) -> Bad:
    """blue-1's personnel written as the distribution ``table``."""
    return Bad(PERSONNEL, f"personnel = {table}", f"personnel = {table}", "", "")


NOT_FINITE = {
    "place-value": Bad("value = 2.0", "value = inf", "value = inf", "places.b.value", FINITE, float("inf")),
    "rung-severity": Bad("[outcomes.blue-holds-b]",
                         '[[escalation.rungs]]\nid = "war"\nname = "War"\nseverity = inf\nsource = "made-up"\n\n'
                         "[outcomes.blue-holds-b]", "severity = inf", "escalation.rungs[0].severity", FINITE),
    "triangular-high": Bad("mode = 4000, high = 5000", "mode = 4000, high = inf",
                           'personnel = { dist = "triangular", low = 3000, mode = 4000, high = inf }',
                           "forces.ground.red-1.personnel.high", FINITE),
    "personnel": Bad(PERSONNEL, "personnel = inf", "personnel = inf", "forces.ground.blue-1.personnel", FINITE),
    "tanks": Bad("tanks = 40", "tanks = -inf", "tanks = -inf", "forces.ground.red-1.tanks", FINITE),
    "range": Bad("range_km = 600", "range_km = inf", "range_km = inf", "forces.air.red-air.range_km", FINITE),
    "road-length": Bad('places = ["a", "b", "c"]', 'places = ["a", "b", "c"]\nlengths_km = [10, inf]',
                       "lengths_km = [10, inf]", "routes.r1.lengths_km[1]", FINITE),
    "mission-weight": Bad("cas = 0.7", "cas = inf", "missions = { cas = inf, strike = 0.3 }",
                          "forces.air.red-air.missions.cas", FINITE),
    "normal-sd": Bad(PERSONNEL, 'personnel = { dist = "normal", mean = 3000, sd = inf, low = 0 }',
                     'personnel = { dist = "normal", mean = 3000, sd = inf, low = 0 }',
                     "forces.ground.blue-1.personnel.sd", FINITE),
    "lognormal-gsd": Bad(PERSONNEL, 'personnel = { dist = "lognormal", median = 3000, gsd = inf }',
                         'personnel = { dist = "lognormal", median = 3000, gsd = inf }',
                         "forces.ground.blue-1.personnel.gsd", FINITE),
    "beta-a": Bad("kill_prob = 0.3", 'kill_prob = { dist = "beta", a = inf, b = 2 }',
                  'kill_prob = { dist = "beta", a = inf, b = 2 }', "forces.air_defence.blue-sam.kill_prob.a",
                  FINITE),
    "beta-b": Bad("kill_prob = 0.3", 'kill_prob = { dist = "beta", a = 2, b = nan }',
                  'kill_prob = { dist = "beta", a = 2, b = nan }', "forces.air_defence.blue-sam.kill_prob.b",
                  FINITE),
    "outcome-threshold-nan": Bad('when = { route_held = { route = "r1" } }',
                                 'when = { metric = { key = "redland.tanks_lost", at_least = nan } }',
                                 'when = { metric = { key = "redland.tanks_lost", at_least = nan } }',
                                 "outcomes.road-open.when.metric.at_least", FINITE),
    "outcome-threshold-inf": Bad('when = { route_held = { route = "r1" } }',
                                 'when = { metric = { key = "redland.tanks_lost", at_most = inf } }',
                                 'when = { metric = { key = "redland.tanks_lost", at_most = inf } }',
                                 "outcomes.road-open.when.metric.at_most", FINITE),
    "parameter-value": Bad('value = { dist = "uniform", low = 0.005, high = 0.02 }', "value = inf", "value = inf",
                           "parameters.attrition-rate.value", FINITE),
    "parameter-high": Bad("high = 0.1", "high = inf", "high = inf", "parameters.attrition-rate.high", FINITE),
}


@cases(NOT_FINITE)
def test_inf_and_nan_are_refused(tmp_path, bad):
    bad.check(tmp_path)


NOT_A_NUMBER = {
    "bool-count": Bad("tanks = 40", "tanks = true", "tanks = true", "forces.ground.red-1.tanks",
                      "must be a number, not a boolean", True),
    "text-integer": Bad("horizon_days = 30", 'horizon_days = "30"', 'horizon_days = "30"', "meta.horizon_days",
                        "must be a whole number, not text", "30"),
    "text-float": Bad("lat = 35.0", 'lat = "35.0"', 'lat = "35.0"', "places.a.lat", "must be a number, not text",
                      "35.0"),
    "bool-integer": Bad("horizon_days = 30", "horizon_days = false", "horizon_days = false", "meta.horizon_days",
                        "must be a whole number, not a boolean", False),
    "float-integer": Bad("horizon_days = 30", "horizon_days = 30.5", "horizon_days = 30.5", "meta.horizon_days",
                         "must be a whole number", 30.5),
    "bool-in-distribution": Bad("mode = 4000", "mode = true", 'personnel = { dist = "triangular", low = 3000, '
                                "mode = true, high = 5000 }", "forces.ground.red-1.personnel.mode",
                                "must be a number, not a boolean", True),
    "huge-integer": Bad(PERSONNEL, "personnel = 1" + "0" * 400, "personnel = 1" + "0" * 400,
                        "forces.ground.blue-1.personnel", "is too large: a number must be finite"),
    "arrival-ground": Bad("tanks = 10\n", "tanks = 10\narrives_day = 99999999999999999999\n",
                          "arrives_day = 99999999999999999999", "forces.ground.blue-1.arrives_day",
                          "less than or equal to 3650", 99999999999999999999),
    "arrival-air": Bad("range_km = 600", "range_km = 600\narrives_day = 99999999999999999999",
                       "arrives_day = 99999999999999999999", "forces.air.red-air.arrives_day",
                       "less than or equal to 3650"),
    "arrival-battery": Bad("missiles = 20", "missiles = 20\narrives_day = 99999999999999999999",
                           "arrives_day = 99999999999999999999", "forces.air_defence.blue-sam.arrives_day",
                           "less than or equal to 3650"),
}


@cases(NOT_A_NUMBER)
def test_numbers_have_their_declared_type(tmp_path, bad):
    bad.check(tmp_path)


DISTRIBUTIONS = {
    # a distribution's problem names the parameter and never says "not a valid number" of the table
    "sd-zero": ('{ dist = "normal", mean = 3000, sd = 0, low = 0 }', "personnel.sd", "greater than 0"),
    "gsd-one": ('{ dist = "lognormal", median = 3000, gsd = 1 }', "personnel.gsd", "greater than 1"),
    "beta-a-zero": ('{ dist = "beta", a = 0, b = 2, low = 0, high = 5000 }', "personnel.a", "greater than 0"),
    "extra-key": ('{ dist = "uniform", low = 1, high = 2, mode = 1.5 }', "personnel.mode",
                  "unknown field 'mode'; a uniform distribution takes: dist, low, high"),
    "overflowing-mean": ('{ dist = "lognormal", median = 3000, gsd = 1e300 }', "personnel",
                         "its values or its mean overflow"),
    "overflowing-width": ('{ dist = "uniform", low = -1e308, high = 1e308 }', "personnel",
                          "its values or its mean overflow"),
}


@pytest.mark.parametrize(("table", "field", "says"), list(DISTRIBUTIONS.values()), ids=list(DISTRIBUTIONS))
def test_distribution_problems_name_the_parameter(tmp_path, table, field, says):
    text = edit(PERSONNEL, f"personnel = {table}")
    path = write(tmp_path, text)
    rows = error_of(path).splitlines()
    line = line_of(text, f"personnel = {table}")
    assert rows[0].startswith(f"{path}:{line}: forces.ground.blue-1.{field}: "), rows
    assert says in rows[0]
    assert not any("valid number" in row for row in rows), rows


def test_a_scenario_parameter_keeps_the_engine_limits(tmp_path):
    # attrition-rate may be 0 to 0.2 in the engine; a scenario's own table without limits cannot widen that
    old = 'value = { dist = "uniform", low = 0.005, high = 0.02 }\nunit = "per day"\nsource = "made-up"\n' \
          "low = 0.0\nhigh = 0.1"
    text = edit(old, 'value = -5\nsource = "made-up"')
    path = write(tmp_path, text)
    assert error_of(path) == (f"{path}:{line_of(text, 'value = -5')}: parameters.attrition-rate.value: -5 outside "
                              "the engine's limits: must be between 0 and 0.2")
    text = edit("high = 0.1", "high = 5")
    path = write(tmp_path, text)
    assert error_of(path) == (f"{path}:{line_of(text, 'high = 5')}: parameters.attrition-rate.high: must lie "
                              "within the engine's limits: between 0 and 0.2 (got 5.0)")


def test_an_unknown_parameter_is_reported_by_validate(tmp_path):
    text = edit("[parameters.attrition-rate]", "[parameters.attrition-speed]")
    path = write(tmp_path, text)
    message = error_of(path)
    assert message.startswith(f"{path}:{line_of(text, '[parameters.attrition-speed]')}: "
                              "parameters.attrition-speed: unknown parameter 'attrition-speed'")


@pytest.mark.parametrize("value", ["inf", "-inf", "nan"])
def test_set_refuses_a_value_that_is_not_finite(cli, value):
    result = cli("run", MINIMAL, "--runs", 10, "--set", f"rationality={value}")
    assert result.exit_code == 2
    assert "VALUE must be a finite number" in result.output
    assert "Traceback" not in result.output


def test_a_device_is_refused_without_reading_it(tmp_path):
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero on this system")
    assert error_of(Path("/dev/zero")) == ("/dev/zero: not a regular file (a device, pipe or socket); "
                                           "give the path of a scenario file")


def test_a_huge_file_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "huge.toml"
    with open(path, "wb") as fh:
        fh.truncate(MAX_FILE_BYTES + 1)  # sparse: no disk used
    assert error_of(path) == f"{path}: {MAX_FILE_BYTES + 1:,} bytes; a scenario file may have at most " \
                             f"{MAX_FILE_BYTES:,} bytes"


def test_a_pipe_is_refused_without_waiting_for_a_writer(tmp_path, cli):
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    assert error_of(fifo) == f"{fifo}: not a regular file (a device, pipe or socket); give the path of a " \
                             "scenario file"
    result = cli("bargain", fifo)   # the same for the bargaining tables, and for /dev/zero
    assert result.exit_code == 2 and "not a regular file" in result.stderr
    result = cli("bargain", "/dev/zero")
    assert result.exit_code == 2 and "not a regular file" in result.stderr


def test_many_problems_locate_only_the_lines_listed(tmp_path, monkeypatch):
    """20,000 misspelt keys: lines are looked up for the 20 problems listed, not for all of them
    (each look-up reads the whole file, so doing it for every problem takes minutes)."""
    entries = "".join(f'[places.p{i}]\nnmae = "P"\nlat = 35.0\nlon = 36.0\nkind = "town"\nsource = "made-up"\n'
                      for i in range(10_000))
    path = write(tmp_path, TEXT + entries)
    looked_up = []
    real = diagnostics.locate_line
    monkeypatch.setattr(diagnostics, "locate_line", lambda text, loc: looked_up.append(loc) or real(text, loc))
    with pytest.raises(FlashpointError) as info:
        load_file(path)
    rows = str(info.value).splitlines()
    assert rows[-1] == f"... and {20_000 - diagnostics.MAX_LISTED} more problems"
    assert len(looked_up) == diagnostics.MAX_LISTED
