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
    assert {"idlib-2020", "idlib-2019-offensive", "karabakh-2020"} <= set(NAMES)


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


def _rows(path: str, *keys: str) -> dict[str, dict]:
    """The rows of a shipped table, keyed by each of the given columns it has."""
    rows = list(csv.DictReader((DATA / path).open(encoding="utf-8")))
    return {r[k]: r for r in rows for k in keys if r.get(k)}


@pytest.mark.parametrize("name", NAMES)
def test_places_match_the_shipped_table(name):
    """Coordinates of places citing the places table are those of the row the note names."""
    s = flashpoint.load(name)
    rows = _rows(s.sources["places"].file.split("#")[0], "name", "id")
    checked = 0
    for pid, place in s.places.items():
        if place.source != "places":
            continue
        row = rows[place.note.removeprefix("row: ").split(" (kind ")[0]]
        assert float(row["lat"]) == pytest.approx(place.lat), pid
        assert float(row["lon"]) == pytest.approx(place.lon), pid
        checked += 1
    assert checked >= 20, "at least 20 places with real coordinates"


@pytest.mark.parametrize("name", NAMES)
def test_rows_cited_from_the_forces_table_exist(name):
    s = flashpoint.load(name)
    for sid, src in s.sources.items():
        if src.file and "/forces_and_facts.csv#" in src.file:
            path, row = src.file.split("#")
            assert row in _rows(path, "quantity", "id"), sid


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


def test_karabakh_2020_has_the_promised_content():
    s = flashpoint.load("karabakh-2020")
    assert {"azerbaijan", "armenia", "artsakh", "turkey", "russia"} <= set(s.actors)
    assert {"az-tb2", "az-loitering"} <= set(s.forces.drones)
    systems = {b.system for b in s.forces.air_defence.values()}
    assert {"9K33 Osa", "9K35 Strela-10", "Tor-M2KM", "S-300PS", "Buk"} <= systems
    assert {"turkey", "russia"} <= set(s.decisions)
    assert {"shusha-taken", "lachin-corridor-cut", "aras-valley-towns-taken"} <= set(s.outcomes)
    assert {"madagiz", "jabrayil", "hadrut", "fuzuli", "zangilan", "shusha"} <= set(s.backtest.events)
    no_air = s.apply("no-air")
    assert not no_air.forces.drones
    assert all(w.commitment == 0 for w in no_air.forces.air.values())
