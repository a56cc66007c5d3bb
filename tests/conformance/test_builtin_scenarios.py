"""Every built-in scenario passes the same checks: it loads, every intervention applies, every
number is traceable to a source, and its places agree with the shipped data tables."""

from __future__ import annotations

import csv
from importlib import resources

import pytest

import flashpoint
from flashpoint.scenario.distributions import is_uncertain

NAMES = flashpoint.builtin_names()
DATA = resources.files("flashpoint.scenario") / "data"


def test_there_are_builtin_scenarios():
    assert {"idlib-2020", "idlib-2019-offensive"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_loads_with_its_own_id(name):
    assert flashpoint.load(name).meta.id == name


@pytest.mark.parametrize("name", NAMES)
def test_every_intervention_applies_alone(name):
    s = flashpoint.load(name)
    assert s.interventions, "a built-in scenario offers at least one intervention"
    for iid in s.interventions:
        patched = s.apply(iid)
        assert patched.applied == [iid]
        assert patched != s


@pytest.mark.parametrize("name", NAMES)
def test_sources_name_shipped_files(name):
    s = flashpoint.load(name)
    for sid, src in s.sources.items():
        if src.file:
            path = src.file.split("#")[0]
            assert (DATA / path).is_file(), f"{name}: source {sid} names {path}, not shipped"


@pytest.mark.parametrize("name", NAMES)
def test_places_match_the_shipped_table(name):
    """Coordinates of places citing the places table are those of the row the note names."""
    s = flashpoint.load(name)
    rows = {r["name"]: r for r in csv.DictReader((DATA / "idlib/places.csv").open(encoding="utf-8"))}
    checked = 0
    for pid, place in s.places.items():
        if place.source != "places":
            continue
        row = rows[place.note.removeprefix("row: ")]
        assert float(row["lat"]) == pytest.approx(place.lat), pid
        assert float(row["lon"]) == pytest.approx(place.lon), pid
        checked += 1
    assert checked >= 30, "at least 30 places with real coordinates"


@pytest.mark.parametrize("name", NAMES)
def test_rows_cited_from_the_forces_table_exist(name):
    s = flashpoint.load(name)
    rows = {r["quantity"] for r in csv.DictReader((DATA / "idlib/forces_and_facts.csv").open(encoding="utf-8"))}
    for sid, src in s.sources.items():
        if src.file and src.file.startswith("idlib/forces_and_facts.csv#"):
            assert src.file.split("#")[1] in rows, sid


@pytest.mark.parametrize("name", NAMES)
def test_uncertain_strengths_are_distributions_with_a_source(name):
    """Unknown strengths are ranges, and the 'analyst' source marks what no source gives."""
    s = flashpoint.load(name)
    for fid, f in s.forces.ground.items():
        refs = [f.source] if isinstance(f.source, str) else f.source
        if "analyst" in refs:
            assert is_uncertain(f.personnel), f"{fid}: an assumed strength must be a distribution"


def test_idlib_2020_has_the_promised_content():
    s = flashpoint.load("idlib-2020")
    assert {"turkey", "syria", "russia", "iran", "hezbollah", "hts", "sna", "tip", "usa", "uk",
            "france", "germany"} <= set(s.actors)
    assert {"coalition-air-support", "patriots-deployed", "russia-stands-aside", "hts-resists",
            "no-drones"} <= set(s.interventions)
    assert {"sochi-line-restored", "m4-open", "m5-held-by-regime", "saraqib-held-by-regime",
            "russia-nato-clash"} <= set(s.outcomes)
    assert {"m4", "m5"} <= set(s.routes)
    assert len(s.posts) == 12
    with_coalition = s.apply("coalition-air-support")
    assert with_coalition.actors["usa"].camp == with_coalition.actors["turkey"].camp
    assert with_coalition.actors["france"].camp == "bystanders"
    assert any(w.owner == "usa" for w in with_coalition.forces.air.values())
    assert not any(w.owner == "usa" for w in s.forces.air.values())
