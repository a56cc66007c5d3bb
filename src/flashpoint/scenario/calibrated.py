"""Fitted rates as scenario values: ``kill_prob = { calibrated = "air:drone-loss-per-sortie:shorad" }``.

A value written as a table with the single key ``calibrated`` names a rate fitted by ``flashpoint
calibrate-air`` (``engine/calibration/air.json``, docs/model.md "The air and drone war"). The loader
replaces it, before the scenario is validated, by that rate's distribution for a new campaign: a
log-normal with the fitted median and geometric sd (the fit's standard error and the spread between
campaigns together), truncated to the values the field allows (a probability at most 1, a sortie
rate at most 10, a model constant within its limits in ``engine/parameters.toml``), so that the
mean the engine and the reports use is that of the values actually drawn.

Names (``NAME``; the cells are those air.json holds, listed in an error):

    [1/]air:drone-loss-per-sortie:KIND          drone lost per sortie, KIND light | shorad | layered
    [1/]air:manned-loss-per-sortie:KIND         aircraft lost per sortie, same kinds
    [1/]air:drone-kills-per-sortie:TARGET       TARGET air-defence | aircraft-on-ground | armour
    [1/]air:manned-kills-per-sortie:TARGET      TARGET armour (per manned strike sortie)
    [1/]air:drone-exposure                      a drone's loss rate over an aircraft's, same defence
    [1/]air:sorties-per-aircraft-per-day:CAMPAIGN   russia-syria | desert-storm | allied-force | syaaf-2017

``1/`` asks for the reciprocal: a log-normal with the reciprocal median and the same geometric sd
(``engagement_prob = { calibrated = "1/air:drone-exposure" }``). A name that is not known is an
error naming the file, the field, the value and the names allowed.
"""

from __future__ import annotations

import functools
import json
import math
import typing
from functools import partial
from pathlib import Path
from typing import Any

from pydantic import AfterValidator

from flashpoint.errors import FlashpointError
from flashpoint.scenario.diagnostics import _model_at, _unwrap, raise_problems
from flashpoint.scenario.schema import Scenario
from flashpoint.scenario.schema.base import _in_range

AIR_FILE = Path(__file__).resolve().parents[1] / "engine" / "calibration" / "air.json"
"""The fit the names refer to (read as a file, so that loading a scenario does not load the engine)."""
AIR_LABEL = "flashpoint/engine/calibration/air.json"
KEY = "calibrated"
RECIPROCAL = "1/"

_TABLES = {
    "drone-loss-per-sortie": ("loss_per_sortie", "drone"),
    "manned-loss-per-sortie": ("loss_per_sortie", "manned"),
    "drone-kills-per-sortie": ("kills_per_drone_sortie",),
    "manned-kills-per-sortie": ("kills_per_manned_strike_sortie",),
    "sorties-per-aircraft-per-day": ("sorties_per_aircraft_per_day",),
}
"""Name of a rate -> the keys of its table of cells under ``rates`` in air.json."""


def _lognormal(where: str, entry: Any) -> tuple[float, float]:
    """The (median, gsd) of a cell: its ``new_campaign`` distribution, or the cell itself."""
    dist = entry.get("new_campaign", entry) if isinstance(entry, dict) else None
    if not isinstance(dist, dict) or dist.get("dist") != "lognormal":
        raise FlashpointError(f"{AIR_LABEL}: {where}: expected a log-normal (dist, median, gsd); "
                              "regenerate the file with 'flashpoint calibrate-air' (docs/validation.md)")
    median, gsd = dist.get("median"), dist.get("gsd")
    ok = all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in (median, gsd))
    if not ok or median <= 0 or gsd <= 1:
        raise FlashpointError(f"{AIR_LABEL}: {where}: median {median!r} and gsd {gsd!r}; expected a median "
                              "above 0 and a gsd above 1")
    return float(median), float(gsd)


def parse_air(doc: Any) -> dict[str, tuple[float, float]]:
    """Every name the fit ``doc`` (air.json's content) defines -> (median, gsd), reciprocals left out."""
    rates = doc.get("rates") if isinstance(doc, dict) else None
    if not isinstance(rates, dict):
        raise FlashpointError(f"{AIR_LABEL}: field rates is missing; regenerate the file with "
                              "'flashpoint calibrate-air' (docs/validation.md)")
    names: dict[str, tuple[float, float]] = {}
    for name, keys in _TABLES.items():
        table: Any = rates
        for key in keys:
            table = table.get(key) if isinstance(table, dict) else None
        if not isinstance(table, dict):
            raise FlashpointError(f"{AIR_LABEL}: field rates.{'.'.join(keys)} is missing or not a table")
        for cell, entry in table.items():
            names[f"air:{name}:{cell}"] = _lognormal(f"rates.{'.'.join(keys)}.{cell}", entry)
    names["air:drone-exposure"] = _lognormal("rates.drone_exposure", rates.get("drone_exposure"))
    return names


@functools.cache
def air_names() -> dict[str, tuple[float, float]]:
    """The names of the shipped fit, each with its (median, gsd)."""
    try:
        text = AIR_FILE.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FlashpointError(f"{AIR_LABEL}: file not found; regenerate it with 'flashpoint calibrate-air --out "
                              f"src/{AIR_LABEL}' (docs/validation.md)") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FlashpointError(f"{AIR_LABEL}: not JSON ({exc})") from None
    return parse_air(doc)


def distribution(name: str, low: float = 0.0, high: float = math.inf) -> dict[str, Any]:
    """The distribution (as scenario data) that ``name`` stands for, truncated to [low, high] where
    they bind (``low`` above 0, ``high`` finite); raises ValueError with the names allowed when
    ``name`` is not one."""
    known = air_names()
    base = name.removeprefix(RECIPROCAL)
    if base not in known:
        raise ValueError(f"unknown calibrated rate '{name}'; known: {', '.join(sorted(known))} "
                         f"(each also as '{RECIPROCAL}NAME', its reciprocal)")
    median, gsd = known[base]
    if name.startswith(RECIPROCAL):
        median = 1.0 / median
    out: dict[str, Any] = {"dist": "lognormal", "median": median, "gsd": gsd}
    if low > 0:
        out["low"] = float(low)
    if math.isfinite(high):
        out["high"] = float(high)
    return out


def _field_limits(loc: tuple[str, ...], data: dict[str, Any]) -> tuple[float, float]:
    """The smallest and largest value the schema allows at ``loc`` (a path of the scenario's keys);
    for a model constant, its own ``low`` and ``high`` or else the engine's limits."""
    if len(loc) == 3 and loc[0] == "parameters" and loc[2] == "value":
        from flashpoint.scenario.references import engine_limits

        table = data.get("parameters")
        entry = table.get(loc[1]) if isinstance(table, dict) else None
        limits = list(engine_limits().get(loc[1], (-math.inf, math.inf)))
        for i, key in enumerate(("low", "high")):
            own = entry.get(key) if isinstance(entry, dict) else None
            if isinstance(own, int | float) and not isinstance(own, bool):
                limits[i] = float(own)
        return limits[0], limits[1]
    model = _model_at(Scenario, loc[:-1])
    fields = {} if model is None else {f.alias or n: f for n, f in model.model_fields.items()}
    field = fields.get(loc[-1])
    for meta in field.metadata if field is not None else ():
        func = meta.func if isinstance(meta, AfterValidator) else None
        if isinstance(func, partial) and func.func is _in_range:
            return float(func.args[0]), float(func.args[1])
    return -math.inf, math.inf


def _target(loc: tuple) -> tuple[str, ...]:
    """The scenario path a value at ``loc`` sets: an intervention's ``set."forces.air.x".sortie_rate``
    sets ``forces.air.x.sortie_rate``."""
    if len(loc) >= 4 and loc[0] == "interventions" and loc[2] == "set":
        return tuple(str(loc[3]).split(".")) + tuple(str(k) for k in loc[4:])
    return tuple(str(k) for k in loc)


def _is_table(loc: tuple[str, ...]) -> bool:
    """Whether ``loc`` is a table of entries by id (``places``, ``control``, an intervention's ``set``)."""
    if not loc:
        return True
    model = _model_at(Scenario, loc[:-1])
    field = None if model is None else {f.alias or n: f for n, f in model.model_fields.items()}.get(loc[-1])
    return field is not None and any(typing.get_origin(t) is dict for t in _unwrap(field.annotation))


def _resolve(node: Any, loc: tuple, root: dict[str, Any], problems: list) -> Any:
    if isinstance(node, list):
        return [_resolve(v, loc + (i,), root, problems) for i, v in enumerate(node)]
    if not isinstance(node, dict):
        return node
    if KEY not in node or isinstance(node[KEY], dict) or _is_table(_target(loc)):
        # a table of entries may have one called "calibrated" ([places.calibrated], control.calibrated)
        return {k: _resolve(v, loc + (k,), root, problems) for k, v in node.items()}
    name = node[KEY]
    if set(node) != {KEY}:
        extra = ", ".join(sorted(k for k in node if k != KEY))
        problems.append((loc, None, f"a calibrated value is a table with the single key '{KEY}'; remove {extra}"))
    elif not isinstance(name, str):
        problems.append((loc + (KEY,), name, "must be the name of a fitted rate, as text (e.g. "
                                             "\"air:drone-loss-per-sortie:shorad\")"))
    else:
        try:
            return distribution(name, *_field_limits(_target(loc), root))
        except ValueError as exc:
            problems.append((loc + (KEY,), None, str(exc)))
    return node


def resolve_calibrated(data: dict[str, Any], file: str, text: str | None = None,
                       heading: str = "") -> dict[str, Any]:
    """``data`` (parsed scenario TOML) with every calibrated value replaced by its distribution; every
    unknown or malformed name is reported at once (file, line, field and the names allowed)."""
    problems: list = []
    out = _resolve(data, (), data, problems)
    if problems:
        raise_problems(file, text, problems, heading)
    return out
