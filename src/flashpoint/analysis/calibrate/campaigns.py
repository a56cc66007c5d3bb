"""Campaign-level speed of advance, fitted on dated captures of past campaigns.

The data (``analysis/history/data/campaigns/legs.csv``, sources in its ``SOURCE.txt``) are
*legs*: an attacker held place u on ``from_date`` (the campaign's start, or the day it took u)
and took place v on ``to_date``, ``distance_km`` away (straight-line between sourced coordinates,
or as a source states it). A leg's days are ``to_date - from_date`` (at least 1), its speed
distance / days. Every row carries the URL of its date and of its distance.

Models of a leg's days (log scale), each fitted on the legs of the training campaigns, every
campaign weighing the same whatever its number of legs:

* ``pooled_speed``: one speed for all, ``log days = log d - mu``, mu the mean over campaigns of
  their mean log speed; the spread ``s`` of log speed around mu (legs weighted as in mu) gives
  a log-normal speed, median exp(mu), geometric sd exp(s);
* ``days_vs_distance``: ``log days = a + b log d`` by weighted least squares (b = 1 is a constant
  speed; b < 1, longer legs at higher speed);
* ``engine_prior`` (baseline): days = d / the mean of the engine's ``advance-km-per-day`` prior
  (``engine/parameters.toml``), the speed the engine assumes today.

**Leave one campaign out**: each campaign's legs are predicted by the models fitted on the other
campaigns; scores are the mean absolute error of log days over its legs (a factor exp(MAE)), then
averaged over the campaigns, and the share of its legs inside the pooled model's 90% interval.
Force ratio and air support cannot be fitted on these campaigns: in each the attacker had the
numbers and the air, so they do not vary between them (said in docs/validation.md).
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
from scipy.stats import norm

from flashpoint.errors import FlashpointError

__all__ = ["COLUMNS", "Legs", "default_file", "fit_speed", "leave_one_campaign_out", "load_legs"]

COLUMNS = ("campaign", "attacker", "defender", "campaign_start", "from_place", "from_date", "to_place", "to_date",
           "distance_km", "distance_basis", "from_lat", "from_lon", "to_lat", "to_lon", "date_url", "distance_url",
           "note")
"""Columns of ``legs.csv``; coordinates are blank where the source states the distance."""
MAX_LEG_KM = 1000.0
"""Longest leg accepted: a bound on sense (no capture in these campaigns is 100 km from the last)."""
INTERVAL = 0.90


def default_file() -> Path:
    return Path(__file__).parents[1] / "history" / "data" / "campaigns" / "legs.csv"


@dataclass(frozen=True)
class Legs:
    """Legs of advance, as aligned arrays."""

    campaign: np.ndarray     # (n,) str
    distance_km: np.ndarray  # (n,) float > 0
    days: np.ndarray         # (n,) float >= 1

    def __len__(self) -> int:
        return int(self.distance_km.size)

    @property
    def speed(self) -> np.ndarray:
        return self.distance_km / self.days

    def take(self, mask: np.ndarray) -> Legs:
        return Legs(self.campaign[mask], self.distance_km[mask], self.days[mask])


def _fail(path: Path, line: int, field: str, value: object, expected: str) -> FlashpointError:
    return FlashpointError(f"{path}: line {line}, field {field} is {value!r}; expected {expected}")


def _date(path: Path, line: int, row: dict, field: str) -> date:
    try:
        return date.fromisoformat(row[field].strip())
    except ValueError:
        raise _fail(path, line, field, row[field], "a date YYYY-MM-DD") from None


def load_legs(path: Path | None = None) -> Legs:
    """Read and check ``legs.csv`` (or ``path``); a bad row raises naming file, line and field."""
    path = default_file() if path is None else Path(path)
    if not path.is_file():
        raise FlashpointError(f"{path}: file not found; expected a CSV of legs of advance "
                              f"({', '.join(COLUMNS[:10])}, ...)")
    try:
        text = path.read_text("utf-8")
    except UnicodeDecodeError:
        raise FlashpointError(f"{path}: not UTF-8 text; expected a CSV file") from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise FlashpointError(f"{path}: column {missing[0]} is missing; expected the columns {', '.join(COLUMNS)}")
    campaign, dist, days = [], [], []
    for line, row in enumerate(reader, start=2):
        if None in row or any(v is None for v in row.values()):
            raise FlashpointError(f"{path}: line {line} has {len(row)} fields; expected {len(COLUMNS)}")
        start, d0, d1 = (_date(path, line, row, f) for f in ("campaign_start", "from_date", "to_date"))
        if not start <= d0 < d1:
            raise _fail(path, line, "to_date", row["to_date"],
                        f"a date after from_date ({d0}), itself not before campaign_start ({start})")
        try:
            km = float(row["distance_km"])
        except ValueError:
            raise _fail(path, line, "distance_km", row["distance_km"], "a number of km") from None
        if not (math.isfinite(km) and 0 < km <= MAX_LEG_KM):
            raise _fail(path, line, "distance_km", row["distance_km"],
                        f"a distance in km above 0, at most {MAX_LEG_KM:g}")
        for field in ("date_url", "distance_url"):
            if not row[field].strip().startswith(("http://", "https://")):
                raise _fail(path, line, field, row[field], "the URL of the source (http:// or https://)")
        if not row["campaign"].strip():
            raise _fail(path, line, "campaign", row["campaign"], "a campaign id")
        campaign.append(row["campaign"].strip())
        dist.append(km)
        days.append(float((d1 - d0).days))
    if not campaign:
        raise FlashpointError(f"{path}: no legs; expected at least one row")
    return Legs(np.array(campaign), np.array(dist), np.array(days))


def _weights(legs: Legs) -> np.ndarray:
    """Each leg's weight: 1 / (legs of its campaign), so that every campaign counts the same."""
    _, inverse, counts = np.unique(legs.campaign, return_inverse=True, return_counts=True)
    return 1.0 / counts[inverse]


@dataclass(frozen=True)
class SpeedFit:
    """Pooled log-normal speed and the days-vs-distance line, fitted on some campaigns."""

    mu: float          # mean log speed (km/day), campaigns weighing the same
    sigma: float       # spread of log speed around mu
    a: float           # log days = a + b log distance
    b: float
    campaigns: tuple[str, ...]
    legs: int

    @property
    def median_km_per_day(self) -> float:
        return math.exp(self.mu)

    @property
    def gsd(self) -> float:
        return math.exp(self.sigma)

    def log_days(self, legs: Legs, model: str) -> np.ndarray:
        x = np.log(legs.distance_km)
        if model == "pooled_speed":
            return x - self.mu
        return self.a + self.b * x


def fit_speed(legs: Legs) -> SpeedFit:
    """Fit both models (module doc) on ``legs``; needs two campaigns or more for a spread."""
    names = tuple(sorted(set(legs.campaign)))
    if len(names) < 2:
        raise FlashpointError(f"campaign legs: {len(names)} campaign; expected at least 2 to fit a spread between them")
    w = _weights(legs)
    w = w / w.sum()
    log_v = np.log(legs.speed)
    mu = float(np.sum(w * log_v))
    sigma = float(math.sqrt(np.sum(w * (log_v - mu) ** 2) * len(names) / (len(names) - 1)))
    x, y = np.log(legs.distance_km), np.log(legs.days)
    design = np.column_stack([np.ones_like(x), x]) * np.sqrt(w)[:, None]
    (a, b), *_ = np.linalg.lstsq(design, y * np.sqrt(w), rcond=None)
    return SpeedFit(mu, sigma, float(a), float(b), names, len(legs))


MODELS = ("pooled_speed", "days_vs_distance", "engine_prior")


def leave_one_campaign_out(legs: Legs, prior_km_per_day: float) -> dict:
    """Scores of each model on each campaign held out (module doc)."""
    names = sorted(set(legs.campaign))
    if len(names) < 3:
        raise FlashpointError(f"campaign legs: {len(names)} campaigns; expected at least 3 to leave one out")
    z = norm.ppf(0.5 + INTERVAL / 2)
    per: dict[str, dict] = {}
    for name in names:
        test = legs.campaign == name
        fitted = fit_speed(legs.take(~test))
        held = legs.take(test)
        y = np.log(held.days)
        row = {"legs": len(held), "observed_km_per_day": float(np.exp(np.mean(np.log(held.speed)))),
               "predicted_km_per_day": fitted.median_km_per_day}
        for model in MODELS:
            pred = (np.log(held.distance_km / prior_km_per_day) if model == "engine_prior"
                    else fitted.log_days(held, model))
            row[model] = float(np.mean(np.abs(pred - y)))
        row["coverage_90"] = float(np.mean(np.abs(fitted.log_days(held, "pooled_speed") - y) <= z * fitted.sigma))
        per[name] = row
    summary = {m: float(np.mean([per[n][m] for n in names])) for m in MODELS}
    summary["coverage_90"] = float(np.mean([per[n]["coverage_90"] for n in names]))
    return {"campaigns": per, "mean_abs_log_error": summary, "prior_km_per_day": prior_km_per_day}
