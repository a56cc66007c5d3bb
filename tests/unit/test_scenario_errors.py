"""Every bad scenario input gives one FlashpointError that says where, what and what is allowed.

Each test writes a mutated copy of ``tests/fixtures/minimal.toml`` and checks the message: it starts
with the file name and, where the problem has a line, ``:LINE:`` (computed from the text written,
so the tests follow the fixture), then the dotted field path, the bad value and what is allowed.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.fixtures import MINIMAL

from flashpoint.errors import FlashpointError
from flashpoint.scenario import builtin_names, load, load_file

TEXT = MINIMAL.read_text(encoding="utf-8")
NO_VALUE = object()


def edit(old: str, new: str, text: str = TEXT) -> str:
    assert text.count(old) == 1, f"the fixture should contain {old!r} exactly once"
    return text.replace(old, new)


def line_of(text: str, line: str) -> int:
    """The 1-based number of the one line of ``text`` equal to ``line``."""
    lines = text.split("\n")
    assert lines.count(line) == 1, f"{line!r} should be on exactly one line"
    return lines.index(line) + 1


def write(tmp_path: Path, content: str | bytes, name: str = "scenario.toml") -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def error_of(path: Path) -> str:
    with pytest.raises(FlashpointError) as info:
        load_file(path)
    return str(info.value)


@dataclass(frozen=True)
class Bad:
    """An edit of the fixture and the problem report it must give."""

    old: str
    new: str
    line: str | None  # the line of the edited file the report points at (None: no line)
    field: str
    allowed: str
    value: object = NO_VALUE

    def check(self, tmp_path: Path) -> str:
        text = edit(self.old, self.new)
        path = write(tmp_path, text)
        message = error_of(path)
        where = f"{path}:{line_of(text, self.line)}" if self.line else str(path)
        prefix = f"{where}: {self.field}: "
        rows = [row for row in message.splitlines() if row.startswith(prefix)]
        assert len(rows) == 1, f"expected one problem starting {prefix!r} in:\n{message}"
        (row,) = rows
        assert self.allowed in row
        if self.value is not NO_VALUE:
            assert row.endswith(f"(got {self.value!r})")
        return row


def cases(table: dict[str, Bad]):
    return pytest.mark.parametrize("bad", list(table.values()), ids=list(table))


# --------------------------------------------------------------------------- file level
def test_file_not_found(tmp_path):
    path = tmp_path / "absent.toml"
    assert error_of(path) == f"{path}: file not found"


def test_file_not_found_by_path_through_load(tmp_path):
    path = tmp_path / "absent.toml"
    with pytest.raises(FlashpointError, match="file not found") as info:
        load(str(path))
    assert str(info.value).startswith(str(path))


def test_folder_instead_of_a_file(tmp_path):
    assert error_of(tmp_path) == f"{tmp_path}: is a folder, not a scenario file"
    with pytest.raises(FlashpointError, match="is a folder"):
        load(str(tmp_path))


def test_unknown_scenario_name_lists_the_built_in_ones():
    with pytest.raises(FlashpointError) as info:
        load("idlib-2030")
    message = str(info.value)
    assert message.startswith("unknown scenario 'idlib-2030'")
    assert "not a file" in message
    for name in builtin_names():
        assert name in message


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
def test_not_utf8_gives_the_line_and_the_byte(tmp_path, encoding):
    text = edit('name = "Blue SAM"', 'name = "Blue SAM \u00e9"')
    path = write(tmp_path, text.encode(encoding))
    message = error_of(path)
    offset = text.encode(encoding).index(b"\xe9")
    line = line_of(text, 'name = "Blue SAM \u00e9"')
    assert message == f"{path}:{line}: not UTF-8 text (byte 0xe9 at offset {offset}); save the file as UTF-8"


def test_utf16_file_is_reported_as_not_utf8(tmp_path):
    path = write(tmp_path, TEXT.encode("utf-16"))
    message = error_of(path)
    assert message.startswith(f"{path}:1: not UTF-8 text (byte 0xff at offset 0)")


# --------------------------------------------------------------------------- TOML syntax
SYNTAX = {
    "invalid-value": ("horizon_days = 30", "horizon_days = = 30", "Invalid value"),
    "unterminated-string": ('name = "Road 1"', 'name = "Road 1', "Illegal character"),
    "unclosed-header": ("[places.c]", "[places.c", "Expected ']'"),
    "bare-word": ('posture = "attack"', "posture = attack", "Invalid value"),
    "key-twice": ("tanks = 40", "tanks = 40\ntanks = 41", "Cannot overwrite a value"),
}


@pytest.mark.parametrize(("old", "new", "says"), list(SYNTAX.values()), ids=list(SYNTAX))
def test_toml_syntax_error_gives_line_column_and_the_bad_text(tmp_path, old, new, says):
    text = edit(old, new)
    bad_line = new.split("\n")[-1]
    path = write(tmp_path, text)
    message = error_of(path)
    assert message.startswith(f"{path}:{line_of(text, bad_line)}: TOML syntax error: {says}")
    assert message.endswith(f" of {bad_line!r}")
    assert " at column " in message


def test_toml_syntax_error_at_the_end_of_the_file(tmp_path):
    path = write(tmp_path, TEXT + "\nrates = [1,\n")
    assert error_of(path) == f"{path}: TOML syntax error: Invalid value at the end of the file"


def test_integer_too_long_to_read_is_a_flashpoint_error(tmp_path):
    path = write(tmp_path, edit("tanks = 40", "tanks = " + "9" * 5000))
    message = error_of(path)
    line = line_of(TEXT.replace("tanks = 40", "tanks = " + "9" * 5000), "tanks = " + "9" * 5000)
    assert message == f"{path}:{line}: a number with more than 4300 digits; numbers must be finite, " \
                      "at most about 1.8e308"  # not Python's advice to raise its digit limit


def test_nesting_too_deep_is_a_flashpoint_error(tmp_path):
    path = write(tmp_path, edit("tanks = 40", "tanks = " + "[" * 50_000))
    assert error_of(path) == f"{path}: TOML syntax error: arrays or tables nested too deeply"


# --------------------------------------------------------------------------- wrong type / value
WRONG_TYPE = {
    "int-as-text": Bad("horizon_days = 30", 'horizon_days = "thirty"', 'horizon_days = "thirty"',
                       "meta.horizon_days", "must be a whole number, not text", "thirty"),
    "int-out-of-range": Bad("horizon_days = 30", "horizon_days = 0", "horizon_days = 0",
                            "meta.horizon_days", "greater than or equal to 1", 0),
    "quantity-as-text": Bad("tanks = 40", 'tanks = "many"', 'tanks = "many"', "forces.ground.red-1.tanks",
                            "must be a number, not text", "many"),
    "quantity-nan": Bad("tanks = 40", "tanks = nan", "tanks = nan", "forces.ground.red-1.tanks",
                        "must be a finite number, not inf or nan"),
    "negative-count": Bad("missiles = 20", "missiles = -20", "missiles = -20",
                          "forces.air_defence.blue-sam.missiles", "must be at least 0", -20),
    "share-above-one": Bad("tanks = 40", "tanks = 40\nmorale = 1.4", "morale = 1.4",
                           "forces.ground.red-1.morale", "must be between 0 and 1", 1.4),
    "probability-above-one": Bad("kill_prob = 0.3", "kill_prob = 3", "kill_prob = 3",
                                 "forces.air_defence.blue-sam.kill_prob", "must be between 0 and 1", 3),
    "latitude": Bad("lat = 35.0", "lat = 95", "lat = 95", "places.a.lat", "less than or equal to 90", 95),
    "word-not-allowed": Bad('posture = "attack"', 'posture = "charge"', 'posture = "charge"',
                            "forces.ground.red-1.posture", "'attack', 'defend', 'hold' or 'reserve'",
                            "charge"),
    "route-kind": Bad('kind = "motorway"', 'kind = "highway"', 'kind = "highway"', "routes.r1.kind",
                      "'motorway', 'road' or 'track'", "highway"),
    "list-as-text": Bad('places = ["a", "b", "c"]', 'places = "a"', 'places = "a"', "routes.r1.places",
                        "valid list", "a"),
    "date-as-text": Bad("start = 2020-01-01", 'start = "yesterday"', 'start = "yesterday"', "meta.start",
                        "valid date", "yesterday"),
    "id-not-kebab-case": Bad("[places.c]", "[places.C_x]", "[places.C_x]", "places.C_x",
                             "should match pattern '^[a-z0-9]+(-[a-z0-9]+)*$'", "C_x"),
    "unknown-field": Bad("tanks = 40", "tankz = 40", "tankz = 40", "forces.ground.red-1.tankz",
                         "unknown field 'tankz'; allowed: source, note, name, owner, place, personnel, "
                         "tanks, ifvs"),
    "mission-name": Bad("missions = { cas = 0.7, strike = 0.3 }", "missions = { cas = 0.7, bombing = 0.3 }",
                        "missions = { cas = 0.7, bombing = 0.3 }", "forces.air.red-air.missions.bombing",
                        "'counter-air', 'sead', 'cas', 'interdiction' or 'strike'", "bombing"),
    "predicate-two-forms": Bad('when = { route_held = { route = "r1" } }',
                               'when = { route_held = { route = "r1" }, ceasefire = true }',
                               'when = { route_held = { route = "r1" }, ceasefire = true }',
                               "outcomes.road-open.when",
                               "give exactly one of holds, route_held, escalation_at_least, metric"),
    "trigger-kind": Bad("[outcomes.blue-holds-b]",
                        '[decisions.redland]\noptions = { go = { description = "go" } }\n'
                        'triggers = [{ on = "rain" }]\n\n[outcomes.blue-holds-b]',
                        'triggers = [{ on = "rain" }]', "decisions.redland.triggers[0]",
                        "'on' must be one of 'losses', 'place-lost', 'aircraft-shot-down', 'day'",
                        {"on": "rain"}),
}


@cases(WRONG_TYPE)
def test_wrong_type_or_value(tmp_path, bad):
    bad.check(tmp_path)


def test_unknown_field_is_not_reported_with_a_value(tmp_path):
    row = WRONG_TYPE["unknown-field"].check(tmp_path)
    assert "(got" not in row


# --------------------------------------------------------------------------- missing fields
MISSING = {
    "meta-title": Bad('title = "Two camps, one road"\n', "", "[meta]", "meta.title",
                      "required field is missing"),
    "air-wing-range": Bad("range_km = 600\n", "", "[forces.air.red-air]", "forces.air.red-air.range_km",
                          "required field is missing"),
    "place-kind": Bad('kind = "town"\nterrain = "urban"', 'terrain = "urban"', "[places.b]", "places.b.kind",
                      "required field is missing"),
    "whole-sources-table": Bad('[sources.made-up]\ncitation = "Invented numbers for the test suite"\n', "",
                               None, "sources", "required field is missing"),
    "distribution-parameter": Bad("low = 0.005, high = 0.02", "low = 0.005",
                                  'value = { dist = "uniform", low = 0.005 }',
                                  "parameters.attrition-rate.value.high", "required field is missing"),
    "distribution-name": Bad('dist = "uniform", low = 0.005', "low = 0.005",
                             "value = { low = 0.005, high = 0.02 }", "parameters.attrition-rate.value",
                             "a distribution needs a 'dist' key: normal, lognormal, triangular, uniform "
                             "or beta"),
}


@cases(MISSING)
def test_missing_field(tmp_path, bad):
    row = bad.check(tmp_path)
    if "missing" in bad.allowed:
        assert "(got" not in row


def test_every_place_needs_a_holder(tmp_path):
    Bad('c = "blueland"\n', "", "[control]", "control", "every place needs a holder at the start; missing: c",
        ["c"]).check(tmp_path)


# --------------------------------------------------------------------------- bad references
REFERENCES = {
    "force-owner": Bad('owner = "redland"\nplace = "a"\npersonnel',
                       'owner = "greenland"\nplace = "a"\npersonnel',
                       'owner = "greenland"', "forces.ground.red-1.owner",
                       "unknown actor 'greenland'; known: blueland, redland", "greenland"),
    "force-place": Bad('place = "b"\npersonnel = 3000', 'place = "zzz"\npersonnel = 3000', 'place = "zzz"',
                       "forces.ground.blue-1.place", "unknown place 'zzz'; known: a, b, c", "zzz"),
    "actor-camp": Bad('camp = "red"', 'camp = "green"', 'camp = "green"', "actors.redland.camp",
                      "unknown camp 'green'; known: blue, red", "green"),
    "hostile-camp": Bad('hostile_to = ["blue"]', 'hostile_to = ["blu"]', 'hostile_to = ["blu"]',
                        "camps.red.hostile_to[0]", "unknown camp 'blu'; known: blue, red", "blu"),
    "control-holder": Bad('a = "redland"', 'a = "greenland"', 'a = "greenland"', "control.a",
                          "unknown actor 'greenland'", "greenland"),
    "stake-outcome": Bad("stakes = { blue-holds-b = -10 }", "stakes = { blue-holds-x = -10 }",
                         "stakes = { blue-holds-x = -10 }", "actors.redland.stakes.blue-holds-x",
                         "unknown outcome 'blue-holds-x'; known: blue-holds-b, road-open", "blue-holds-x"),
    "source-in-list": Bad('missiles = 20\nsource = "made-up"',
                          'missiles = 20\nsource = ["made-up", "made-down"]',
                          'source = ["made-up", "made-down"]', "forces.air_defence.blue-sam.source[1]",
                          "unknown source 'made-down'; known: made-up", "made-down"),
    "route-place": Bad('places = ["a", "b", "c"]', 'places = ["a", "b", "d"]', 'places = ["a", "b", "d"]',
                       "routes.r1.places[2]", "unknown place 'd'; known: a, b, c", "d"),
    "outcome-route": Bad('route_held = { route = "r1" }', 'route_held = { route = "r2" }',
                         'when = { route_held = { route = "r2" } }',
                         "outcomes.road-open.when.route_held.route",
                         "unknown route 'r2'; known: r1", "r2"),
    "outcome-camp": Bad('holds = { camp = "blue"', 'holds = { camp = "bleu"',
                        'when = { holds = { camp = "bleu", places = ["b"] } }',
                        "outcomes.blue-holds-b.when.holds.camp", "unknown camp 'bleu'; known: blue, red",
                        "bleu"),
    "applied-intervention": Bad("[meta]", 'applied = ["nope"]\n\n[meta]', 'applied = ["nope"]', "applied[0]",
                                "unknown intervention 'nope'; known: blue-reinforced, no-sam", "nope"),
    "conflicting-intervention": Bad('remove = ["forces.air_defence.blue-sam"]',
                                    'remove = ["forces.air_defence.blue-sam"]\nconflicts = ["nope"]',
                                    'conflicts = ["nope"]', "interventions.no-sam.conflicts[0]",
                                    "unknown intervention 'nope'; known: blue-reinforced, no-sam", "nope"),
}


@cases(REFERENCES)
def test_bad_reference(tmp_path, bad):
    bad.check(tmp_path)


# --------------------------------------------------------------------------- distributions
DISTRIBUTIONS = {
    "low-above-high": Bad("low = 3000, mode = 4000, high = 5000", "low = 5000, mode = 4000, high = 3000",
                          'personnel = { dist = "triangular", low = 5000, mode = 4000, high = 3000 }',
                          "forces.ground.red-1.personnel", "low (5000.0) must be below high (3000.0)"),
    "below-the-field-range": Bad("low = 3000, mode = 4000", "low = -3000, mode = 4000",
                                 'personnel = { dist = "triangular", low = -3000, mode = 4000, high = 5000 }',
                                 "forces.ground.red-1.personnel",
                                 "the distribution ranges from -3000 to 5000; values must be at least 0"),
    "unbounded-for-a-count": Bad("personnel = 3000", 'personnel = { dist = "normal", mean = 3000, sd = 500 }',
                                 'personnel = { dist = "normal", mean = 3000, sd = 500 }',
                                 "forces.ground.blue-1.personnel",
                                 "the distribution ranges from -inf to inf; values must be at least 0"),
    "above-a-share": Bad("tanks = 40", 'tanks = 40\nmorale = { dist = "beta", a = 2, b = 2, high = 1.5 }',
                         'morale = { dist = "beta", a = 2, b = 2, high = 1.5 }', "forces.ground.red-1.morale",
                         "the distribution ranges from 0 to 1.5; values must be between 0 and 1"),
    "outside-parameter-limits": Bad("low = 0.005, high = 0.02", "low = 0.005, high = 0.2",
                                    "[parameters.attrition-rate]", "parameters.attrition-rate",
                                    "the distribution ranges from 0.005 to 0.2; "
                                    "values must be between 0 and 0.1"),
    "parameter-limits-reversed": Bad("low = 0.0\nhigh = 0.1", "low = 0.1\nhigh = 0.0",
                                     "[parameters.attrition-rate]", "parameters.attrition-rate",
                                     "low (0.1) must be below high (0)"),
    "unknown-distribution": Bad('dist = "triangular"', 'dist = "gamma"',
                                'personnel = { dist = "gamma", low = 3000, mode = 4000, high = 5000 }',
                                "forces.ground.red-1.personnel",
                                "unknown distribution; 'dist' must be one of normal, lognormal, triangular, "
                                "uniform, beta"),
    "zero-sd": Bad("personnel = 3000", 'personnel = { dist = "normal", mean = 3000, sd = 0, low = 0 }',
                   'personnel = { dist = "normal", mean = 3000, sd = 0, low = 0 }',
                   "forces.ground.blue-1.personnel.sd", "greater than 0", 0),
    "parameter-of-another-distribution": Bad('dist = "uniform", low = 0.005, high = 0.02',
                                             'dist = "uniform", low = 0.005, mode = 0.01, high = 0.02',
                                             'value = { dist = "uniform", low = 0.005, mode = 0.01, '
                                             'high = 0.02 }',
                                             "parameters.attrition-rate.value.mode", "unknown field 'mode'"),
}


@cases(DISTRIBUTIONS)
def test_distribution_with_impossible_bounds(tmp_path, bad):
    bad.check(tmp_path)


# --------------------------------------------------------------------------- interventions
PATCHES = {
    "remove-missing-entry": ('remove = ["forces.air_defence.blue-sam"]',
                             'remove = ["forces.air_defence.blue-samx"]',
                             "[interventions.no-sam]", "interventions.no-sam",
                             "cannot patch 'forces.air_defence.blue-samx': nothing to remove: no such entry; "
                             "known: blue-sam"),
    "set-under-missing-table": ('"forces.ground.blue-2"', '"forcez.ground.blue-2"',
                                "[interventions.blue-reinforced]", "interventions.blue-reinforced",
                                "cannot patch 'forcez.ground.blue-2': 'forcez' does not exist in the "
                                f"scenario; known: {', '.join(sorted(tomllib.loads(TEXT)))}"),
    "set-under-a-value": ('remove = ["forces.air_defence.blue-sam"]', 'set = { "meta.title.text" = "x" }',
                          "[interventions.no-sam]", "interventions.no-sam",
                          "cannot patch 'meta.title.text': 'meta.title' is a value, not a table"),
}


@pytest.mark.parametrize(("old", "new", "line", "field", "says"), list(PATCHES.values()), ids=list(PATCHES))
def test_intervention_that_patches_a_missing_field(tmp_path, old, new, line, field, says):
    text = edit(old, new)
    path = write(tmp_path, text)
    assert error_of(path) == f"{path}:{line_of(text, line)}: {field}: {says}"


def test_intervention_that_leaves_an_invalid_scenario_names_the_intervention(tmp_path):
    text = edit('remove = ["forces.air_defence.blue-sam"]', 'set = { "forces.ground.red-1.morale" = 1.5 }')
    path = write(tmp_path, text)
    first, second = error_of(path).splitlines()
    assert first == (f"{path}:{line_of(text, '[interventions.no-sam]')}: interventions.no-sam: "
                     "scenario 'minimal' with no-sam is not valid:")
    assert second == "minimal + no-sam: forces.ground.red-1.morale: must be between 0 and 1 (got 1.5)"


def test_intervention_that_adds_an_unknown_field_lists_the_allowed_ones(tmp_path):
    text = edit('remove = ["forces.air_defence.blue-sam"]', 'set = { "forces.ground.red-1.tankz" = 1 }')
    message = error_of(write(tmp_path, text))
    assert "interventions.no-sam" in message
    assert "forces.ground.red-1.tankz: unknown field 'tankz'; allowed: " in message


# --------------------------------------------------------------------------- duplicate ids
def test_table_defined_twice_is_a_syntax_error_at_the_second(tmp_path):
    text = TEXT + '\n[places.a]\nname = "A again"\n'
    path = write(tmp_path, text)
    line = len(TEXT.split("\n")) + 1  # the header right after the blank line appended
    assert text.split("\n")[line - 1] == "[places.a]"
    message = error_of(path)
    assert message.startswith(f"{path}:{line}: TOML syntax error: Cannot declare ('places', 'a') twice")


DUPLICATES = {
    "force-id-in-two-kinds": Bad("[forces.air_defence.blue-sam]", "[forces.air_defence.red-1]",
                                 "[forces.air_defence.red-1]", "forces.air_defence.red-1",
                                 "force id already used in forces.ground; force ids must be unique", "red-1"),
    "route-visits-a-place-twice": Bad('places = ["a", "b", "c"]', 'places = ["a", "b", "a"]',
                                      'places = ["a", "b", "a"]', "routes.r1.places",
                                      "a route may not visit a place twice", ["a", "b", "a"]),
}


@cases(DUPLICATES)
def test_duplicate_ids(tmp_path, bad):
    bad.check(tmp_path)


def test_duplicate_rung_id_points_at_the_second(tmp_path):
    rung = '[[escalation.rungs]]\nid = "war"\nname = "{}"\nseverity = 1\nsource = "made-up"\n\n'
    text = edit("[outcomes.blue-holds-b]", rung.format("War") + rung.format("War again")
                + "[outcomes.blue-holds-b]")
    path = write(tmp_path, text)
    second_id = line_of(text, 'name = "War again"') - 1
    assert error_of(path) == f"{path}:{second_id}: escalation.rungs[1].id: duplicate rung id (got 'war')"


def test_same_key_twice_in_an_inline_table(tmp_path):
    text = edit("missions = { cas = 0.7, strike = 0.3 }", "missions = { cas = 0.7, cas = 0.3 }")
    path = write(tmp_path, text)
    message = error_of(path)
    line = line_of(text, "missions = { cas = 0.7, cas = 0.3 }")
    assert message.startswith(f"{path}:{line}: TOML syntax error: Duplicate inline table key 'cas'")


# --------------------------------------------------------------------------- several problems
def test_a_file_with_several_schema_problems_reports_all(tmp_path):
    text = edit("horizon_days = 30", "horizon_days = -1")
    text = edit("tanks = 40", 'tanks = "many"', text)
    text = edit('posture = "attack"', 'posture = "charge"', text)
    path = write(tmp_path, text)
    days, tanks, posture = (line_of(text, line) for line in
                            ("horizon_days = -1", 'tanks = "many"', 'posture = "charge"'))
    rows = error_of(path).splitlines()
    assert rows == [
        f"{path}:{days}: meta.horizon_days: input should be greater than or equal to 1 (got -1)",
        f"{path}:{tanks}: forces.ground.red-1.tanks: must be a number, not text: write it without quotes "
        "(got 'many')",
        f"{path}:{posture}: forces.ground.red-1.posture: "
        "input should be 'attack', 'defend', 'hold' or 'reserve' (got 'charge')",
    ]


def test_a_file_with_several_reference_problems_reports_all(tmp_path):
    text = edit('camp = "red"', 'camp = "green"')
    text = edit('place = "b"\npersonnel = 3000', 'place = "zzz"\npersonnel = 3000', text)
    text = edit('a = "redland"', 'a = "greenland"', text)
    path = write(tmp_path, text)
    rows = error_of(path).splitlines()
    assert len(rows) == 3
    for bad_line, field in [('camp = "green"', "actors.redland.camp"), ('a = "greenland"', "control.a"),
                            ('place = "zzz"', "forces.ground.blue-1.place")]:
        prefix = f"{path}:{line_of(text, bad_line)}: {field}: unknown "
        assert sum(row.startswith(prefix) for row in rows) == 1


def test_many_problems_are_capped_with_a_count(tmp_path):
    n = 25
    extra = "".join(f'\n[places.p{i}]\nname = "P{i}"\nlat = 35\nlon = 36\nkind = "town"\nsource = "nope"\n'
                    for i in range(n))
    path = write(tmp_path, TEXT + extra)
    rows = error_of(path).splitlines()
    total = n + 1  # an unknown source per place, and one list of places without a holder
    assert len(rows) == 21
    assert rows[-1] == f"... and {total - 20} more problems"
    assert all(row.startswith(f"{path}:") for row in rows[:-1])


# --------------------------------------------------------------------------- interventions by name
def test_unknown_intervention_name_lists_the_known_ones():
    scenario = load_file(MINIMAL)
    with pytest.raises(FlashpointError) as info:
        scenario.apply("blue-reinforced", "no-such-thing")
    assert str(info.value) == ("unknown intervention 'no-such-thing' for scenario 'minimal'; "
                               "known: blue-reinforced, no-sam")
