"""How long a battle lasts: a log-linear model of CDB90's durations, scored out of sample.

CDB90 records each battle's active periods, hence its duration D in calendar days (1 to 147 in the
shipped copy, median 2). The model predicts log D from what is known when the battle starts:

    log D = b0 + b1 log(N_a / N_d) + b2 log(N_a + N_d) + b3 [hasty defence] + b4 [prepared or
            fortified defence] + b5..b8 [urban, mountain, rough, mixed terrain]
            + b9 (2g - 1) + b10 s + b11 log(W_d) + b12 [W_d not known] + b13 (year - 1982) / 100

N the personnel, g the attacker's degree of air superiority (1, 1/2, 0 for AEROA +1, 0, -1; linear
in the degree, as in the kernel), s the surprise level, W_d the defender's width of front in km
(WOFD1; 0 with the indicator set when not known), the year as in the kernel's era trend. The
terms are those of `flashpoint.analysis.calibrate.data` (same posture and terrain classes).
Least squares (``numpy.linalg.lstsq``); the residuals' standard deviation makes the prediction a
log-normal with median ``exp(log D_hat)``, the value reported (at least 1 day: CDB90's shortest).

**Baseline**: least squares of log D on log(N_a / N_d) alone (log-linear in the force ratio).

**Scores**, out of sample over the same folds as the kernel's cross-validation: mean absolute
error of log D (a mean factor ``exp(MAE)``), root mean square error of log D, and the share of
battles inside the central 90% interval of the log-normal.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from flashpoint.analysis.calibrate.data import Battles
from flashpoint.analysis.calibrate.kernel import ERA_REFERENCE_YEAR
from flashpoint.engine.theatre import TERRAINS
from flashpoint.errors import FlashpointError

__all__ = ["BASELINE_TERMS", "TERMS", "DurationModel", "cross_validate_duration", "fit_duration"]

TERMS = ("intercept", "log_force_ratio", "log_personnel", "posture_hasty", "posture_prepared",
         "terrain_urban", "terrain_mountain", "terrain_rough", "terrain_mixed", "air_superiority",
         "surprise", "log_front_width_km", "front_width_unknown", "era_centuries")
"""The model's terms, in order (module doc)."""
BASELINE_TERMS = ("intercept", "log_force_ratio")
MIN_WIDTH_KM = 0.1
"""Widths are floored here before their logarithm (the shipped copy's smallest is 0.2 km)."""
INTERVAL = 0.90


def design(b: Battles, terms: tuple[str, ...] = TERMS) -> np.ndarray:
    """(n, len(terms)) matrix of the terms for each battle (module doc)."""
    width = b.front_width_d
    known = ~np.isnan(width)
    columns = {
        "intercept": np.ones(len(b)),
        "log_force_ratio": np.log(b.force_ratio),
        "log_personnel": np.log(b.pers_a + b.pers_d),
        "posture_hasty": (b.posture == 1).astype(float),
        "posture_prepared": (b.posture == 2).astype(float),
        "air_superiority": 2.0 * b.air_degree - 1.0,
        "surprise": b.surprise.astype(float),
        "log_front_width_km": np.where(known, np.log(np.maximum(np.nan_to_num(width, nan=1.0), MIN_WIDTH_KM)), 0.0),
        "front_width_unknown": (~known).astype(float),
        "era_centuries": np.nan_to_num((b.year - ERA_REFERENCE_YEAR) / 100.0),
    }
    for t in ("urban", "mountain", "rough", "mixed"):
        columns[f"terrain_{t}"] = (b.terrain == TERRAINS.index(t)).astype(float)
    return np.column_stack([columns[t] for t in terms])


@dataclass(frozen=True)
class DurationModel:
    """Fitted coefficients of log duration, and the residuals' standard deviation."""

    terms: tuple[str, ...]
    coefficients: dict[str, float]
    residual_sd: float
    n_battles: int

    def log_days(self, b: Battles) -> np.ndarray:
        """Predicted log duration (median of the log-normal), at least log 1 = 0."""
        beta = np.array([self.coefficients[t] for t in self.terms])
        return np.maximum(design(b, self.terms) @ beta, 0.0)

    def days(self, b: Battles) -> np.ndarray:
        """Predicted median duration in calendar days (at least 1)."""
        return np.exp(self.log_days(b))

    def to_dict(self) -> dict:
        return {"terms": list(self.terms), "coefficients": dict(self.coefficients),
                "residual_sd": self.residual_sd, "n_battles": self.n_battles}

    @classmethod
    def from_dict(cls, where: str, data: object) -> DurationModel:
        """Read the calibration file's ``duration`` block; a clear error naming ``where``."""
        if not isinstance(data, dict) or not isinstance(data.get("coefficients"), dict):
            raise FlashpointError(f"{where}: field duration is missing or not an object with coefficients; "
                                  "expected the duration model of 'flashpoint calibrate' (run it again)")
        coef = data["coefficients"]
        missing = [t for t in TERMS if t not in coef]
        if missing:
            raise FlashpointError(f"{where}: field duration.coefficients.{missing[0]} is missing; expected "
                                  f"every term of the duration model ({', '.join(TERMS)})")
        values = {}
        for t in TERMS:
            v = coef[t]
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise FlashpointError(f"{where}: field duration.coefficients.{t} is {v!r}; expected a finite number")
            values[t] = float(v)
        sd = data.get("residual_sd")
        if isinstance(sd, bool) or not isinstance(sd, int | float) or not math.isfinite(sd) or sd <= 0:
            raise FlashpointError(f"{where}: field duration.residual_sd is {sd!r}; expected a number > 0")
        return cls(TERMS, values, float(sd), int(data.get("n_battles", 0)))


def fit_duration(b: Battles, terms: tuple[str, ...] = TERMS) -> DurationModel:
    """Least squares of log duration on ``terms`` over the battles ``b``."""
    x = design(b, terms)
    y = np.log(b.days)
    if len(b) <= len(terms):
        raise FlashpointError(f"battles: {len(b)} battles with a duration; expected more than {len(terms)} "
                              "to fit the duration model")
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    resid = y - x @ beta
    sd = float(np.sqrt(resid @ resid / max(len(b) - len(terms), 1)))
    return DurationModel(terms, {t: float(v) for t, v in zip(terms, beta, strict=True)}, sd, len(b))


def _scores(log_pred: np.ndarray, sd: np.ndarray, b: Battles) -> dict[str, float]:
    y = np.log(b.days)
    err = log_pred - y
    z = norm.ppf(0.5 + INTERVAL / 2)
    inside = np.abs(err) <= z * sd
    return {"mae_log": float(np.mean(np.abs(err))), "rmse_log": float(np.sqrt(np.mean(err * err))),
            "median_abs_log_error": float(np.median(np.abs(err))), "coverage_90": float(np.mean(inside))}


def cross_validate_duration(b: Battles, folds: np.ndarray) -> dict:
    """Out-of-sample scores of the model and the force-ratio baseline over the given folds
    (one fold id per battle, as `flashpoint.analysis.calibrate.scores.fold_ids` deals them)."""
    out = {}
    for name, terms in (("model", TERMS), ("force_ratio", BASELINE_TERMS)):
        pred, sd = np.zeros(len(b)), np.zeros(len(b))
        for k in np.unique(folds):
            test = folds == k
            m = fit_duration(b.take(~test), terms)
            pred[test] = np.maximum(design(b.take(test), terms) @ np.array([m.coefficients[t] for t in terms]), 0.0)
            sd[test] = m.residual_sd
        out[name] = _scores(pred, sd, b)
    out["n_battles"] = len(b)
    out["mae_log_skill_vs_force_ratio"] = 1.0 - out["model"]["mae_log"] / out["force_ratio"]["mae_log"]
    return out
