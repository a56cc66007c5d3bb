"""Backtest: does the simulated campaign change hands on the days history did, and lose what it lost?

A backtest runs a scenario from its start date with the engine's calibrated constants and scores
what its ``[backtest]`` table says history recorded (docs/scenario-format.md, "Backtest"): dated
changes of control (``[backtest.events.*]``) and loss counts (``[backtest.losses.*]``).

**Days** count from the scenario's start date: the start date is day 0, so an event on date X
has observed day ``(X - start).days``. The engine records control at the end of each simulated
day; its day-d record (d = 1 ... horizon) covers the date ``start + d - 1``, so the simulated
day of an event is (the first record in which it holds) - 1. An event holds when the event's
camp holds every one of its places (or every place of its route); a *retaken* event (a
counter-attack: control changes back) holds from the first record, after the camp first lost one
of the places, in which it holds them all again. A run in which the event never holds within the
horizon is censored: its day is "after the horizon". The horizon is ``backtest.horizon_days``
(default ``meta.horizon_days``).

**Per event**: the simulated 5%, 50% and 95% quantiles of the day (empirical, ``inverted_cdf``:
days that some run actually had; ``None`` when the quantile falls among the censored runs),
whether the observation falls inside the 90% interval (an event reported over several days, e.g.
the M5 fully held 11-14 Feb, is inside when its days and the interval overlap), the CRPS and the
PIT (below).

**Overall**: *coverage*, the share of events inside their interval (0.9 expected of a calibrated
model); *sharpness*, the share of events whose 90% interval closes inside the horizon (its 95%
quantile is a simulated day, not "after the horizon"): a wide-open interval covers the
observation cheaply; the mean *continuous ranked probability score* over events, in days,
``CRPS(F, y) = E|X - y| - E|X - X'| / 2`` with X, X' independent simulated days (lower is
better; for an event reported over several days, the mean over those days; censored runs count
as the first day after the horizon, so the CRPS of an event that many runs never reach is a
lower bound); and the histogram of the *probability integral transform*, ``PIT = P(X < y) +
P(X = y) / 2`` (the mid-PIT of a discrete forecast; mean over the observed days): flat for a
calibrated model, piled at 1 when the model is too fast (most runs got there before history), at
0 when too slow (history got there before most runs).

**Per loss count**: the total of the quantity over the named actors at the end of each run, its
5/50/95% quantiles, whether the observed count (or range) falls inside the 90% interval, the CRPS
(in the count's units; for a range, the mean over 11 points spanning it) and the share of runs at
or above the observed low value (for a documented visual count, a lower bound of the truth).

Every event and loss count cites a row of a shipped file (``cites``: phrases that one row of the
file of one of its sources must all contain), or the backtest refuses to run. Nothing in a
scenario is tuned to its backtest: the constants come from the CDB90 calibration and the forces
from the scenario's sources; changes made after looking at a backtest are listed in
docs/validation.md.
"""

from __future__ import annotations

import csv
import io
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
from flashpoint.scenario.schema import BacktestEvent, BacktestLoss, Scenario

__all__ = ["PIT_BINS", "backtest", "builtin_backtests", "check_backtest", "crps", "event_days", "pit"]

QUANTILES = (0.05, 0.5, 0.95)
PIT_BINS = 5
"""Equal-width bins of the PIT histogram over [0, 1] (5: a handful of events per bin)."""


def builtin_backtests() -> list[str]:
    """Ids of the built-in scenarios that have a ``[backtest]`` table."""

    return [name for name in builtin_names() if load(name).backtest is not None]


def _scenario_label(scenario: str | Path) -> str:
    text = str(scenario)
    return str(builtin_path(text)) if text in builtin_names() else text


def _cited_rows(s: Scenario, item: BacktestEvent | BacktestLoss, what: str, label: str) -> tuple[str, list[dict]]:
    refs = [item.source] if isinstance(item.source, str) else list(item.source)
    files = [s.sources[r].file for r in refs if r in s.sources and s.sources[r].file]
    if not files:
        raise FlashpointError(f"{label}: field {what}.source names no source with a file ({', '.join(refs)}); "
                              "the backtest checks what it scores against a shipped data file")
    name = files[0].split("#")[0]
    ref = resources.files("flashpoint.scenario").joinpath("data", *name.split("/"))
    if not ref.is_file():
        raise FlashpointError(f"{label}: the file of {what}.source is {name!r}, which is not a shipped data file; "
                              "expected a CSV under flashpoint/scenario/data")
    return name, list(csv.DictReader(io.StringIO(ref.read_text("utf-8"))))


def check_backtest(s: Scenario, label: str) -> None:
    """Every cited row is in its file, and every event falls inside the backtest's horizon;
    otherwise `FlashpointError` naming the file and the field. (Places, routes, camps and actors
    are checked when the scenario is loaded.)"""
    bt = s.backtest
    horizon = bt.horizon_days or s.meta.horizon_days
    items = [(f"backtest.events.{k}", v) for k, v in bt.events.items()] + \
            [(f"backtest.losses.{k}", v) for k, v in bt.losses.items()]
    for what, item in items:
        name, rows = _cited_rows(s, item, what, label)
        phrases = [p.strip().lower() for p in item.cites.split("|")]
        if not any(all(any(p in (v or "").lower() for v in row.values()) for p in phrases) for row in rows):
            raise FlashpointError(f"{name}: no row contains {' and '.join(map(repr, phrases))}; "
                                  f"{what} cites it ({label})")
    for eid, ev in bt.events.items():
        last = ((ev.last or ev.first) - s.meta.start).days
        if last >= horizon:
            raise FlashpointError(f"{label}: field backtest.events.{eid}.first is {(ev.last or ev.first)}, day {last}, "
                                  f"after the backtest's horizon ({horizon} days: days 0-{horizon - 1}); "
                                  "raise backtest.horizon_days")


def event_days(control: np.ndarray, actor_camp: np.ndarray, camp: int, places: np.ndarray,
               retaken: bool = False) -> np.ndarray:
    """Simulated day of the event in each run (module doc); ``inf`` where it never holds.

    ``control`` is (runs, records, places) of actor indices, record 0 being the start."""
    holds = (actor_camp[control[:, :, places]] == camp).all(axis=2)          # (runs, records)
    if retaken:
        lost = ~holds
        first_loss = np.where(lost.any(axis=1), np.argmax(lost, axis=1), holds.shape[1])
        holds = holds & (np.arange(holds.shape[1])[None, :] > first_loss[:, None])
    first = np.argmax(holds, axis=1).astype(float)
    first[~holds.any(axis=1)] = np.inf
    return first - 1.0


def crps(samples: np.ndarray, observed: float) -> float:
    """``E|X - y| - E|X - X'| / 2`` of the empirical distribution of ``samples`` (sorted formula)."""
    x = np.sort(np.asarray(samples, dtype=float))
    n = x.size
    spread = 2.0 * np.sum(x * (2.0 * np.arange(1, n + 1) - n - 1)) / (n * n)
    return float(np.mean(np.abs(x - observed)) - 0.5 * spread)


def pit(samples: np.ndarray, observed: float) -> float:
    """Mid-PIT of a discrete forecast: ``P(X < y) + P(X = y) / 2``."""
    x = np.asarray(samples, dtype=float)
    return float(np.mean(x < observed) + 0.5 * np.mean(x == observed))


def _quantile(values: np.ndarray, q: float) -> float | None:
    value = float(np.quantile(values, q, method="inverted_cdf"))
    return None if not np.isfinite(value) else value


def _score_event(ev_id: str, ev: BacktestEvent, s: Scenario, th, control: np.ndarray, horizon: int) -> dict[str, Any]:
    names = [str(p) for p in s.routes[ev.route].places] if ev.route else list(ev.places)
    idx = np.array([th.places.index(p) for p in names])
    days = event_days(control, th.actor_camp, th.camps.index(ev.camp), idx, ev.retaken)
    last_date = ev.last or ev.first
    first, last = (ev.first - s.meta.start).days, (last_date - s.meta.start).days
    q05, q50, q95 = (_quantile(days, q) for q in QUANTILES)
    inside = q05 is not None and q05 <= last and (q95 is None or q95 >= first)
    censored = np.where(np.isfinite(days), days, float(horizon))
    observed = range(first, last + 1)
    label = f"route {ev.route}" if ev.route else "+".join(ev.places)
    return {
        "id": ev_id, "place": label, "description": ev.description, "camp": ev.camp, "retaken": ev.retaken,
        "observed_day": first, "observed_last_day": last,
        "observed_date": ev.first.isoformat() if first == last else f"{ev.first.isoformat()}/{last_date.isoformat()}",
        "q05": q05, "q50": q50, "q95": q95, "inside": bool(inside), "closes": q95 is not None,
        "share_of_runs_by_horizon": round(float(np.isfinite(days).mean()), 6),
        "crps": round(float(np.mean([crps(censored, y) for y in observed])), 3),
        "pit": round(float(np.mean([pit(censored, y) for y in observed])), 6),
    }


def _score_loss(loss_id: str, loss: BacktestLoss, traj) -> dict[str, Any]:
    total = sum(traj[f"metric:{a}.{loss.quantity}"].to_numpy().astype(float) for a in loss.actors)
    high = loss.low if loss.high is None else loss.high
    q05, q50, q95 = (float(np.quantile(total, q, method="inverted_cdf")) for q in QUANTILES)
    grid = np.linspace(loss.low, high, 11) if high > loss.low else np.array([loss.low])
    return {
        "id": loss_id, "description": loss.description, "actors": list(loss.actors), "quantity": loss.quantity,
        "counting": loss.counting, "observed_low": loss.low, "observed_high": high,
        "q05": q05, "q50": q50, "q95": q95, "inside": bool(q05 <= high and q95 >= loss.low),
        "crps": round(float(np.mean([crps(total, y) for y in grid])), 3),
        "share_at_least_observed": round(float(np.mean(total >= loss.low)), 6),
    }


def backtest(scenario: str | Path, *, runs: int = 1000, seed: int = 1, workers: int = 1,
             progress=None, executor: Executor | None = None, block_size: int | None = None) -> dict[str, Any]:
    """Run the scenario and score its backtest table (module doc); the result as a JSON-ready dict.
    ``block_size``: runs per block (the engine's default if None; the results do not depend on it)."""
    label = _scenario_label(scenario)
    s = load(str(scenario))
    if s.backtest is None or not (s.backtest.events or s.backtest.losses):
        raise FlashpointError(f"{label}: scenario {s.meta.id!r} has no backtest (no [backtest] events or losses); "
                              f"scenarios with one: {', '.join(builtin_backtests())}")
    check_backtest(s, label)
    if runs < 20:
        raise FlashpointError(f"--runs {runs}: expected at least 20 runs for a 90% interval")
    horizon = s.backtest.horizon_days or s.meta.horizon_days
    if horizon != s.meta.horizon_days:     # the backtest may look further than the scenario's question
        s = s.model_copy(update={"meta": s.meta.model_copy(update={"horizon_days": horizon})})
    results = run(s, runs=runs, seed=seed, days=horizon, workers=workers, trajectories=True, progress=progress,
                  block_size=block_size,
                  executor=executor)
    traj = results.trajectories()
    control = traj["control"].to_numpy()
    events = [_score_event(k, ev, s, results.theatre, control, horizon) for k, ev in s.backtest.events.items()]
    losses = [_score_loss(k, loss, traj) for k, loss in s.backtest.losses.items()]
    counts, edges = np.histogram([e["pit"] for e in events], bins=PIT_BINS, range=(0.0, 1.0))
    cal = shipped_calibration()
    n = len(events)
    return {
        "scenario": s.meta.id, "start": s.meta.start.isoformat(), "horizon_days": horizon,
        "runs": runs, "seed": seed,
        "calibration": {"file": cal.path, "data_hash": cal.data_hash, "version": cal.version},
        "events": events,
        "coverage": sum(e["inside"] for e in events) / n if n else None,
        "sharpness": sum(e["closes"] for e in events) / n if n else None,
        "crps": round(float(np.mean([e["crps"] for e in events])), 3) if n else None,
        "pit_histogram": {"edges": [round(float(x), 6) for x in edges], "counts": [int(c) for c in counts]},
        "losses": losses,
        "losses_coverage": sum(x["inside"] for x in losses) / len(losses) if losses else None,
    }
