"""Backtest: does the simulated campaign change hands on the days history did?

A backtest runs a scenario from its start date with the engine's calibrated constants and, for
each dated change of control of the scenario's timeline, compares the observed day with the
simulated distribution of the day it happens.

**Days** count from the scenario's start date: the start date is day 0, so an event on date X
has observed day ``(X - start).days``. The engine records control at the end of each simulated
day; its day-d record (d = 1 ... horizon) covers the date ``start + d - 1``, so the simulated
day of an event is (the first record in which it holds) - 1. An event holds when the event's
camp holds every one of its places (or every place of its route). A run in which it never holds
within the horizon is censored: its day is "after the horizon".

**Per event**: the simulated 5%, 50% and 95% quantiles of the day (empirical, ``inverted_cdf``:
days that some run actually had; ``None`` when the quantile falls among the censored runs) and
whether the observation falls inside the 90% interval. An event reported over several days
(e.g. the M5 fully held 11-14 Feb) is inside when its days and the interval overlap.

**Overall**: coverage, the share of events inside their interval (0.9 expected of a calibrated
model), and the mean continuous ranked probability score over events, in days,
``CRPS(F, y) = E|X - y| - E|X - X'| / 2`` with X, X' independent simulated days (lower is
better); for an event reported over several days it is the mean over those days. Censored runs
count as the first day after the horizon, so the CRPS of an event that many runs never reach
is a lower bound.

The events and the timeline rows they cite are in `BACKTESTS`, keyed by scenario id; each cited
row must be in the scenario's timeline file (``[sources.timeline]``), or the backtest refuses to
run. Nothing in the scenario is tuned to the backtest: the constants come from the CDB90
calibration and the forces from the scenario's sources.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from flashpoint.analysis.results import run
from flashpoint.engine.calibration import shipped_calibration
from flashpoint.engine.executor import Executor
from flashpoint.errors import FlashpointError
from flashpoint.scenario import load
from flashpoint.scenario.loader import builtin_names, builtin_path
from flashpoint.scenario.schema import Scenario

__all__ = ["BACKTESTS", "Event", "backtest", "crps", "event_days"]

QUANTILES = (0.05, 0.5, 0.95)


@dataclass(frozen=True)
class Event:
    """A dated change of control: ``camp`` comes to hold all ``places`` (or the whole ``route``)."""

    id: str
    description: str
    camp: str
    first: dt.date
    last: dt.date
    cites: str                       # the timeline row: its date and a phrase it contains
    places: tuple[str, ...] = ()
    route: str | None = None

    @property
    def label(self) -> str:
        return f"route {self.route}" if self.route else "+".join(self.places)


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


BACKTESTS: dict[str, tuple[Event, ...]] = {
    "idlib-2019-offensive": (
        Event("maarat-al-numan", "the regime takes Maarat al-Numan", "regime", _d("2020-01-28"), _d("2020-01-28"),
              "2020-01-28|Maarat al-Numan", places=("maarat-al-numan",)),
        Event("saraqib", "the regime takes Saraqib", "regime", _d("2020-02-06"), _d("2020-02-06"),
              "2020-02-06|Saraqib", places=("saraqib",)),
        Event("m5-held", "the regime holds the whole M5 (SOHR 11 Feb; reopened 14 Feb)", "regime",
              _d("2020-02-11"), _d("2020-02-14"), "2020-02-11|entire M5", route="m5"),
        Event("western-aleppo", "the regime holds the western Aleppo countryside (state TV 16 Feb, Reuters 17 Feb)",
              "regime", _d("2020-02-16"), _d("2020-02-17"), "2020-02-16|west of Aleppo",
              places=("khan-al-assal", "anadan")),
        Event("kafr-nabl", "the regime takes Kafr Nabl", "regime", _d("2020-02-25"), _d("2020-02-25"),
              "2020-02-25|Kafr Nabl", places=("kafr-nabl",)),
    ),
}
"""Backtest events by scenario id. idlib-2019-offensive: the changes of control of its timeline
(``scenario/data/idlib/timeline.csv``) between the start (19 Dec 2019) and the end of the
horizon; the western Aleppo countryside is the scenario's places marked as taken 16-17 Feb."""


def _scenario_label(scenario: str | Path) -> str:
    text = str(scenario)
    return str(builtin_path(text)) if text in builtin_names() else text


def _timeline_rows(s: Scenario, label: str) -> list[dict[str, str]]:
    source = s.sources.get("timeline")
    if source is None or not source.file:
        raise FlashpointError(f"{label}: field sources.timeline is missing (or has no file); the backtest "
                              "checks its events against the scenario's timeline file")
    ref = resources.files("flashpoint.scenario").joinpath("data", *source.file.split("/"))
    if not ref.is_file():
        raise FlashpointError(f"{label}: field sources.timeline.file is {source.file!r}, which is not a shipped "
                              "data file; expected a timeline CSV under flashpoint/scenario/data")
    rows = list(csv.DictReader(io.StringIO(ref.read_text("utf-8"))))
    if rows and not {"date", "event"} <= set(rows[0]):
        raise FlashpointError(f"{source.file}: columns date and event are expected")
    return rows


def check_events(s: Scenario, events: tuple[Event, ...], label: str) -> None:
    """Every place, route and camp an event names is in the scenario, and every cited timeline row
    is in its timeline file; otherwise `FlashpointError` naming the file and the field."""
    for ev in events:
        if ev.camp not in s.camps:
            raise FlashpointError(f"{label}: field camps.{ev.camp} is missing; backtest event {ev.id} "
                                  f"({ev.description}) names it")
        if ev.route is not None and ev.route not in s.routes:
            raise FlashpointError(f"{label}: field routes.{ev.route} is missing; backtest event {ev.id} "
                                  f"({ev.description}) names it")
        for place in ev.places:
            if place not in s.places:
                raise FlashpointError(f"{label}: field places.{place} is missing; backtest event {ev.id} "
                                      f"({ev.description}) names it")
    rows = _timeline_rows(s, label)
    for ev in events:
        date, phrase = ev.cites.split("|", 1)
        if not any(r["date"] == date and phrase.lower() in r["event"].lower() for r in rows):
            raise FlashpointError(f"{s.sources['timeline'].file}: no row dated {date} mentions {phrase!r}; "
                                  f"backtest event {ev.id} cites it")


def event_days(control: np.ndarray, actor_camp: np.ndarray, camp: int, places: np.ndarray) -> np.ndarray:
    """Simulated day of the event in each run (module doc); ``inf`` where it never holds.

    ``control`` is (runs, records, places) of actor indices, record 0 being the start."""
    holds = (actor_camp[control[:, :, places]] == camp).all(axis=2)          # (runs, records)
    first = np.argmax(holds, axis=1).astype(float)
    first[~holds.any(axis=1)] = np.inf
    return first - 1.0


def crps(samples: np.ndarray, observed: float) -> float:
    """``E|X - y| - E|X - X'| / 2`` of the empirical distribution of ``samples`` (sorted formula)."""
    x = np.sort(np.asarray(samples, dtype=float))
    n = x.size
    spread = 2.0 * np.sum(x * (2.0 * np.arange(1, n + 1) - n - 1)) / (n * n)
    return float(np.mean(np.abs(x - observed)) - 0.5 * spread)


def _quantile(days: np.ndarray, q: float) -> float | None:
    value = float(np.quantile(days, q, method="inverted_cdf"))
    return None if not np.isfinite(value) else value


def backtest(scenario: str | Path, *, runs: int = 1000, seed: int = 1, workers: int = 1,
             progress=None, executor: Executor | None = None) -> dict[str, Any]:
    """Run the scenario and score its dated events (module doc); the result as a JSON-ready dict."""
    label = _scenario_label(scenario)
    s = load(str(scenario))
    events = BACKTESTS.get(s.meta.id)
    if events is None:
        raise FlashpointError(f"{label}: scenario {s.meta.id!r} has no backtest; scenarios with one: "
                              f"{', '.join(sorted(BACKTESTS))}")
    check_events(s, events, label)
    if runs < 20:
        raise FlashpointError(f"--runs {runs}: expected at least 20 runs for a 90% interval")
    horizon = s.meta.horizon_days
    results = run(s, runs=runs, seed=seed, days=horizon, workers=workers, trajectories=True, progress=progress,
                  executor=executor)
    traj = results.trajectories()
    th = results.theatre
    control = traj["control"].to_numpy()
    out_events, scores = [], []
    for ev in events:
        names = [str(p) for p in s.routes[ev.route].places] if ev.route else list(ev.places)
        idx = np.array([th.places.index(p) for p in names])
        days = event_days(control, th.actor_camp, th.camps.index(ev.camp), idx)
        first, last = (ev.first - s.meta.start).days, (ev.last - s.meta.start).days
        q05, q50, q95 = (_quantile(days, q) for q in QUANTILES)
        inside = q05 is not None and q05 <= last and (q95 is None or q95 >= first)
        censored = np.where(np.isfinite(days), days, float(horizon))
        score = round(float(np.mean([crps(censored, y) for y in range(first, last + 1)])), 3)
        scores.append(score)
        out_events.append({
            "id": ev.id, "place": ev.label, "description": ev.description,
            "observed_day": first, "observed_last_day": last,
            "observed_date": ev.first.isoformat() if first == last else f"{ev.first.isoformat()}/{ev.last.isoformat()}",
            "q05": q05, "q50": q50, "q95": q95, "inside": bool(inside),
            "share_of_runs_by_horizon": round(float(np.isfinite(days).mean()), 6),
            "crps": score,
        })
    cal = shipped_calibration()
    return {
        "scenario": s.meta.id, "start": s.meta.start.isoformat(), "horizon_days": horizon,
        "runs": runs, "seed": seed,
        "calibration": {"file": cal.path, "data_hash": cal.data_hash, "version": cal.version},
        "events": out_events,
        "coverage": sum(e["inside"] for e in out_events) / len(out_events),
        "crps": round(float(np.mean(scores)), 3),
    }
