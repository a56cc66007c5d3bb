"""Every calibrated value of the built-in scenarios resolves, and to the numbers air.json holds.

The expected numbers are read here from air.json by the documented grammar (docs/scenario-format.md,
"Calibrated values"), not through the loader's own table, so that a wrong path in either shows."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from typing import Any

import pytest

from flashpoint.scenario import builtin_names, load
from flashpoint.scenario.calibrated import AIR_FILE
from flashpoint.scenario.loader import builtin_path, scenario_data

RATES = json.loads(AIR_FILE.read_text(encoding="utf-8"))["rates"]
TABLES = {"drone-loss-per-sortie": ("loss_per_sortie", "drone"),
          "manned-loss-per-sortie": ("loss_per_sortie", "manned"),
          "drone-kills-per-sortie": ("kills_per_drone_sortie",),
          "manned-kills-per-sortie": ("kills_per_manned_strike_sortie",),
          "sorties-per-aircraft-per-day": ("sorties_per_aircraft_per_day",)}


LIMITS = {"kill_prob": (None, 1.0), "engagement_prob": (None, 1.0), "sead_kills": (None, 1.0),
          "sortie_rate": (None, 10.0), "armour_kills": (None, None), "value": (1.0, 10000.0)}
"""Truncation of each calibrated field: the schema's limits (a [parameters] value: the engine's)."""


def expected(name: str) -> tuple[float, float]:
    """(median, gsd) of a calibrated name, straight from air.json."""
    reciprocal = name.startswith("1/")
    parts = name.removeprefix("1/").split(":")
    assert parts[0] == "air", name
    if parts[1] == "drone-exposure":
        entry = RATES["drone_exposure"]
    else:
        entry = RATES
        for key in TABLES[parts[1]] + (parts[2],):
            entry = entry[key]
    dist = entry.get("new_campaign", entry)
    assert dist["dist"] == "lognormal"
    return (1 / dist["median"] if reciprocal else dist["median"]), dist["gsd"]


def references(node: Any, loc: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """(path, name) of every calibrated value in parsed TOML."""
    if isinstance(node, dict):
        if "calibrated" in node:
            yield loc, node["calibrated"]
            return
        for k, v in node.items():
            yield from references(v, loc + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from references(v, loc + (i,))


def at(data: Any, loc: tuple) -> Any:
    for key in loc:
        data = data[key]
    return data


def raw(name: str) -> dict[str, Any]:
    return tomllib.loads(builtin_path(name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", builtin_names())
def test_every_calibrated_value_resolves_to_the_fitted_distribution(name):
    refs = list(references(raw(name)))
    data = scenario_data(load(name))
    for loc, ref in refs:
        value = at(data, loc)
        median, gsd = expected(ref)
        assert value["dist"] == "lognormal", (loc, value)
        assert value["median"] == pytest.approx(median, rel=1e-12), loc
        assert value["gsd"] == gsd, loc
        assert (value.get("low"), value.get("high")) == LIMITS[loc[-1]], loc


@pytest.mark.parametrize("name", builtin_names())
def test_every_entry_with_a_calibrated_value_cites_the_calibration(name):
    data = raw(name)
    refs = list(references(data))
    if refs:
        assert "air-calibration" in data["sources"]
    for loc, _ in refs:
        entry = at(data, loc[:-1])
        source = entry.get("source", [])
        assert "air-calibration" in ([source] if isinstance(source, str) else source), loc


IDLIB_FITTED = {
    ("forces", "air_defence", "ru-s400-hmeimim", "kill_prob"): "air:drone-loss-per-sortie:layered",
    ("forces", "air_defence", "ru-pantsir-hmeimim", "kill_prob"): "air:drone-loss-per-sortie:shorad",
    ("forces", "air_defence", "sy-pantsir-south", "kill_prob"): "air:drone-loss-per-sortie:shorad",
    ("forces", "air_defence", "sy-pantsir-aleppo", "kill_prob"): "air:drone-loss-per-sortie:shorad",
    ("forces", "air_defence", "sy-buk-hama", "kill_prob"): "air:drone-loss-per-sortie:shorad",
    ("forces", "air_defence", "sy-buk-hama", "engagement_prob"): "1/air:drone-exposure",
    ("forces", "air", "ru-strike", "sortie_rate"): "air:sorties-per-aircraft-per-day:russia-syria",
    ("forces", "air", "syaaf", "sortie_rate"): "air:sorties-per-aircraft-per-day:syaaf-2017",
    ("parameters", "drone-exposure", "value"): "air:drone-exposure",
}
IDLIB_2020_ONLY = {
    ("forces", "air_defence", "sna-manpads", "kill_prob"): "air:drone-loss-per-sortie:light",
    ("forces", "drones", "tb2", "armour_kills"): "air:drone-kills-per-sortie:armour",
    ("forces", "drones", "tb2", "sead_kills"): "air:drone-kills-per-sortie:air-defence",
    ("forces", "drones", "anka-s", "armour_kills"): "air:drone-kills-per-sortie:armour",
    ("interventions", "coalition-air-support", "set", "forces.air.usn-cvw", "sortie_rate"):
        "air:sorties-per-aircraft-per-day:allied-force",
}


@pytest.mark.parametrize("name, wanted", [("idlib-2019-offensive", IDLIB_FITTED),
                                          ("idlib-2020", {**IDLIB_FITTED, **IDLIB_2020_ONLY})])
def test_the_idlib_scenarios_use_the_fitted_rates(name, wanted):
    refs = dict(references(raw(name)))
    for loc, ref in wanted.items():
        assert refs.get(loc) == ref, loc

