"""Interventions: named patches that set, add and remove scenario entries, composed in order."""

from __future__ import annotations

from pathlib import Path

import pytest

from flashpoint.errors import FlashpointError
from flashpoint.scenario import Scenario, builtin_names, load, load_file

# Interventions added to the fixture for these tests; each one alone leaves a valid scenario.
EXTRA = """
[interventions.more-tanks]
description = "Red's first formation has 80 tanks"
set = { "forces.ground.red-1.tanks" = 80 }

[interventions.fewer-tanks]
description = "Red's first formation has 20 tanks"
set = { "forces.ground.red-1.tanks" = 20 }

[interventions.better-sam]
description = "Blue's SAM battery kills more often"
set = { "forces.air_defence.blue-sam.kill_prob" = 0.6, "forces.air_defence.blue-sam.missiles" = 40 }

[interventions.blue-withdraws]
description = "Blue sends nobody more"
set = { "forces.ground.blue-1.commitment" = 0.5 }
conflicts = ["blue-reinforced"]

[interventions.blue-drones]
description = "Blue gets armed drones (the file has no drones table)"

[interventions.blue-drones.set."forces.drones.blue-uav"]
name = "Blue UAV"
owner = "blueland"
base = "c"
drone_type = "TB2"
count = 6
endurance_h = 24
range_km = 150
source = "made-up"

[interventions.blue-2-in-the-air]
description = "An air wing that takes the id of the brigade blue-reinforced adds"

[interventions.blue-2-in-the-air.set."forces.air.blue-2"]
name = "Blue air"
owner = "blueland"
base = "c"
aircraft_type = "F-5"
aircraft = 4
sortie_rate = 1
missions = { cas = 1 }
range_km = 300
source = "made-up"

[interventions.blue-1-replaced]
description = "Blue's first formation is replaced by a smaller one"

[interventions.blue-1-replaced.set."forces.ground.blue-1"]
name = "Blue 1st (remnant)"
owner = "blueland"
place = "b"
personnel = 500
source = "made-up"
"""


@pytest.fixture
def scenario(scenario_builder) -> Scenario:
    return scenario_builder(EXTRA, name="extended.toml")


def test_fixture_loads_with_the_extra_interventions(scenario):
    assert set(scenario.interventions) >= {"no-sam", "blue-reinforced", "more-tanks", "blue-drones"}
    assert scenario.applied == []


# --------------------------------------------------------------------------- set and remove
def test_set_changes_values(scenario):
    patched = scenario.apply("better-sam")
    sam = patched.forces.air_defence["blue-sam"]
    assert sam.kill_prob == 0.6
    assert sam.missiles == 40
    assert sam.engagement_prob == scenario.forces.air_defence["blue-sam"].engagement_prob
    assert scenario.forces.air_defence["blue-sam"].kill_prob == 0.3  # the original is not changed


def test_set_adds_an_entry_with_defaults_filled_in(scenario):
    patched = scenario.apply("blue-reinforced")
    assert set(patched.forces.ground) == set(scenario.forces.ground) | {"blue-2"}
    added = patched.forces.ground["blue-2"]
    assert (added.owner, added.place, added.personnel) == ("blueland", "c", 2000)
    assert added.posture == "defend"  # the schema's default
    assert "blue-2" not in scenario.forces.ground


def test_set_adds_an_entry_to_a_table_the_file_left_out(scenario):
    assert scenario.forces.drones == {}
    patched = scenario.apply("blue-drones")
    assert list(patched.forces.drones) == ["blue-uav"]
    assert patched.forces.drones["blue-uav"].count == 6


def test_set_of_a_whole_entry_replaces_it(scenario):
    patched = scenario.apply("blue-1-replaced")
    replaced = patched.forces.ground["blue-1"]
    assert replaced.personnel == 500
    assert scenario.forces.ground["blue-1"].tanks == 10
    assert replaced.tanks == 0  # not merged with the old entry: back to the default


def test_remove_deletes_an_entry(scenario):
    patched = scenario.apply("no-sam")
    assert "blue-sam" in scenario.forces.air_defence
    assert "blue-sam" not in patched.forces.air_defence
    assert patched.forces.ground == scenario.forces.ground


# --------------------------------------------------------------------------- composition
def test_later_interventions_win_on_the_same_field(scenario):
    assert scenario.apply("more-tanks", "fewer-tanks").forces.ground["red-1"].tanks == 20
    assert scenario.apply("fewer-tanks", "more-tanks").forces.ground["red-1"].tanks == 80


def test_order_matters_when_one_removes_what_the_other_patches(scenario):
    patched = scenario.apply("better-sam", "no-sam")
    assert "blue-sam" not in patched.forces.air_defence
    with pytest.raises(FlashpointError) as info:
        scenario.apply("no-sam", "better-sam")
    message = str(info.value)
    assert message.startswith("scenario 'minimal', intervention 'better-sam': cannot patch ")
    assert "'forces.air_defence.blue-sam' does not exist in the scenario" in message


def test_applying_one_by_one_equals_applying_together(scenario):
    together = scenario.apply("blue-reinforced", "no-sam", "more-tanks")
    one_by_one = scenario.apply("blue-reinforced").apply("no-sam").apply("more-tanks")
    assert together == one_by_one
    assert together.applied == ["blue-reinforced", "no-sam", "more-tanks"]


def test_applied_lists_interventions_in_order(scenario):
    first = scenario.apply("no-sam")
    second = first.apply("blue-drones", "fewer-tanks")
    assert scenario.applied == []
    assert first.applied == ["no-sam"]
    assert second.applied == ["no-sam", "blue-drones", "fewer-tanks"]


def test_apply_with_no_names_changes_nothing(scenario):
    assert scenario.apply() == scenario


# --------------------------------------------------------------------------- refusals
@pytest.mark.parametrize("names", [("blue-reinforced", "blue-withdraws"),
                                   ("blue-withdraws", "blue-reinforced")])
def test_conflicting_interventions_are_refused_in_either_order(scenario, names):
    with pytest.raises(FlashpointError) as info:
        scenario.apply(*names)
    assert str(info.value) == (f"interventions '{names[0]}' and '{names[1]}' cannot be combined "
                               "(the scenario declares them in conflict)")


def test_conflict_with_an_intervention_already_applied(scenario):
    with pytest.raises(FlashpointError, match="'blue-reinforced' and 'blue-withdraws' cannot be combined"):
        scenario.apply("blue-reinforced").apply("blue-withdraws")


def test_intervention_given_twice(scenario):
    with pytest.raises(FlashpointError) as info:
        scenario.apply("no-sam", "more-tanks", "no-sam")
    assert str(info.value) == "intervention 'no-sam' is given twice"


def test_intervention_given_again_after_it_was_applied(scenario):
    with pytest.raises(FlashpointError, match="intervention 'more-tanks' is given twice"):
        scenario.apply("more-tanks").apply("more-tanks")


def test_unknown_intervention_lists_the_known_ones(scenario):
    with pytest.raises(FlashpointError) as info:
        scenario.apply("no-sam", "air-lift")
    known = sorted(scenario.interventions)
    assert str(info.value) == ("unknown intervention 'air-lift' for scenario 'minimal'; "
                               f"known: {', '.join(known)}")


def test_names_are_checked_before_anything_is_applied(scenario):
    # "no-sam" then "better-sam" cannot be patched, but the unknown name is what is reported.
    with pytest.raises(FlashpointError, match="^unknown intervention 'air-lift'"):
        scenario.apply("no-sam", "better-sam", "air-lift")


def test_combination_that_is_invalid_names_the_interventions(scenario):
    with pytest.raises(FlashpointError) as info:
        scenario.apply("blue-reinforced", "blue-2-in-the-air")
    first, *rest = str(info.value).splitlines()
    assert first == "scenario 'minimal' with blue-reinforced, blue-2-in-the-air is not valid:"
    assert rest == ["minimal + blue-reinforced+blue-2-in-the-air: forces.air.blue-2: force id already used "
                    "in forces.ground; force ids must be unique across all force kinds (got 'blue-2')"]


def test_an_intervention_that_makes_the_file_invalid_is_named_with_its_line(tmp_path, scenario_builder):
    bad = ('\n[interventions.blue-in-the-sea]\ndescription = "Blue moves to a place that does not exist"\n'
           'set = { "forces.ground.blue-1.place" = "sea" }\n')
    text = scenario_builder.text(bad)
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FlashpointError) as info:
        load_file(path)
    line = text.split("\n").index("[interventions.blue-in-the-sea]") + 1
    first, second = str(info.value).splitlines()
    assert first == (f"{path}:{line}: interventions.blue-in-the-sea: scenario 'minimal' with blue-in-the-sea "
                     "is not valid:")
    assert second.startswith("minimal + blue-in-the-sea: forces.ground.blue-1.place: unknown place 'sea'")


# --------------------------------------------------------------------------- round trip
def round_trip(scenario: Scenario, tmp_path: Path) -> Scenario:
    path = tmp_path / "resolved.toml"
    path.write_text(scenario.to_toml(), encoding="utf-8")
    return load_file(path)


def test_fixture_round_trips(tmp_path, minimal_toml):
    original = load_file(minimal_toml)
    again = round_trip(original, tmp_path)
    assert again == original
    assert again.to_toml() == original.to_toml()


@pytest.mark.parametrize("names", [("no-sam",), ("blue-reinforced", "no-sam"),
                                   ("blue-drones", "fewer-tanks"), ("blue-1-replaced",)])
def test_patched_fixture_round_trips(scenario, tmp_path, names):
    patched = scenario.apply(*names)
    again = round_trip(patched, tmp_path)
    assert again == patched
    assert again.applied == list(names)


def compatible(scenario: Scenario) -> list[str]:
    """As many of the scenario's interventions as can be applied together, in file order."""
    chosen: list[str] = []
    for name, intervention in scenario.interventions.items():
        clashes = [c for c in chosen if name in scenario.interventions[c].conflicts
                   or c in intervention.conflicts]
        if not clashes:
            chosen.append(name)
    return chosen


@pytest.mark.parametrize("name", builtin_names())
def test_builtin_scenario_round_trips(name, tmp_path):
    original = load(name)
    assert round_trip(original, tmp_path) == original


@pytest.mark.parametrize("name", builtin_names())
def test_builtin_scenario_with_every_intervention_round_trips(name, tmp_path):
    original = load(name)
    names = compatible(original)
    assert names, f"{name} should declare interventions"
    patched = original.apply(*names)
    assert patched.applied == names
    assert patched != original
    again = round_trip(patched, tmp_path)
    assert again == patched
    assert again.applied == names


@pytest.mark.parametrize(("name", "intervention"),
                         [(n, i) for n in builtin_names() for i in sorted(load(n).interventions)])
def test_builtin_scenario_with_each_intervention_round_trips(name, intervention, tmp_path):
    patched = load(name).apply(intervention)
    assert round_trip(patched, tmp_path) == patched


def test_coalition_air_support_brings_in_the_us_and_uk():
    base = load("idlib-2020")
    patched = base.apply("coalition-air-support")
    intervention = base.interventions["coalition-air-support"]
    assert base.actors["usa"].camp != "opposition"
    assert patched.actors["usa"].camp == patched.actors["uk"].camp == patched.actors["turkey"].camp
    added_wings = {path.split(".")[-1] for path in intervention.set if path.startswith("forces.air.")}
    assert added_wings
    assert added_wings.isdisjoint(base.forces.air)
    assert added_wings <= set(patched.forces.air)
    assert {patched.forces.air[w].owner for w in added_wings} <= {"usa", "uk"}
