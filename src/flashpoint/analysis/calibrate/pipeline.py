"""The calibration and prediction commands as functions: fit, score, write; read, check, predict.

`calibrate` fits the kernel's constants to a folder with the CDB90 layout, cross-validates them
against the baselines, checks the air-superiority effect, and returns the calibration document
(``params.json``). `predict_battles` reads such a document and predicts every battle of a
folder. Writing is atomic: a temporary file in the target folder, renamed when complete.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from flashpoint.analysis.calibrate.campaigns import default_file as default_legs_file
from flashpoint.analysis.calibrate.campaigns import fit_speed, leave_one_campaign_out, load_legs
from flashpoint.analysis.calibrate.checks import air_superiority_check
from flashpoint.analysis.calibrate.data import REQUIRED, battles_from_frame
from flashpoint.analysis.calibrate.duration import DurationModel, cross_validate_duration, fit_duration
from flashpoint.analysis.calibrate.fitting import MIN_BATTLES, fit, fixed_values
from flashpoint.analysis.calibrate.kernel import CONSTANTS, ERA_REFERENCE_YEAR, FIXED, SUBSTEPS, predict
from flashpoint.analysis.calibrate.scores import cross_validate, fold_ids, score
from flashpoint.analysis.history.cdb90 import FILES_READ, PATCHED_FILE, data_hash, default_folder, load_battles
from flashpoint.analysis.provenance import formula_digest
from flashpoint.engine.calibration import FORMAT, Calibration, read_calibration
from flashpoint.engine.executor import Executor
from flashpoint.engine.theatre import prior_parameters
from flashpoint.errors import FlashpointError
from flashpoint.outputs import write_text_atomic
from flashpoint.scenario.distributions import quantity_mean
from flashpoint.version import __version__

__all__ = ["PREDICTION_COLUMNS", "at_limit_warning", "calibrate", "calibrate_campaigns", "incomplete_warnings",
           "predict_battles",
           "write_csv", "write_json"]

PREDICTION_COLUMNS = ["isqno", "p_attacker_wins", "p_draw", "attacker_casualty_fraction",
                      "defender_casualty_fraction", "duration_days"]


def _folder_label(folder: Path | None) -> str:
    root = default_folder() if folder is None else Path(folder)
    try:
        if root.resolve() == default_folder().resolve():
            return "flashpoint/analysis/history/data/cdb90 (the copy shipped in the package)"
    except OSError:  # pragma: no cover - resolve() of an existing folder does not fail
        pass
    return str(folder)


def _round(x: Any, digits: int = 6) -> Any:
    """Numbers rounded to ``digits`` significant digits, so that the file is stable and readable."""
    if isinstance(x, dict):
        return {k: _round(v, digits) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_round(v, digits) for v in x]
    if isinstance(x, bool | int | str) or x is None:
        return x
    x = float(x)
    if not math.isfinite(x):
        return None
    return float(f"{x:.{digits}g}")


def calibrate(folder: Path | None = None, *, seed: int = 1, folds: int = 10,
              executor: Executor | None = None) -> dict[str, Any]:
    """Fit, cross-validate and check the kernel on the battles in ``folder`` (None: the shipped
    CDB90 copy); the calibration document, ready to write as JSON. The cross-validation's folds
    are fitted on ``executor`` (default: one after another, here)."""
    if folds < 2:
        raise FlashpointError(f"--folds {folds}: expected at least 2 groups for cross-validation")
    if not 0 <= seed < 2**63:
        raise FlashpointError(f"--seed {seed}: expected a whole number from 0 to 2^63 - 1")
    frame = load_battles(folder)
    digest = data_hash(folder)
    battles = battles_from_frame(frame)
    left_out = {field: int((frame[col].isna() | (frame[col] <= 0)).sum()) for col, field in REQUIRED.items()}
    if len(battles) < folds:
        raise FlashpointError(f"{_folder_label(folder)}: {len(battles)} battles can be run; expected at least "
                              f"--folds ({folds})")
    known = int(np.sum(~np.isnan(battles.wina)))
    if known < MIN_BATTLES:
        where = Path(folder) / PATCHED_FILE if folder is not None else PATCHED_FILE
        raise FlashpointError(f"{where}: field WINA is known for {known} battles that can be run; expected at "
                              f"least {MIN_BATTLES} to fit {len(CONSTANTS)} constants")
    fixed = fixed_values()
    fitted = fit(battles, fixed=fixed)
    warnings = list(frame.attrs.get("warnings", []))
    warnings += incomplete_warnings(frame, where=_patched_label(folder))
    at_limit = [c for c in CONSTANTS if fitted.at_limit[c.name]]
    if at_limit:
        warnings.append(at_limit_warning(at_limit, fitted.values))
    constants = {**fitted.values, **fixed}
    preds = cross_validate(battles, fixed, folds=folds, seed=seed, executor=executor)
    scores = score(battles, preds)
    duration = fit_duration(battles)
    duration_scores = cross_validate_duration(battles, fold_ids(battles, folds, seed))
    try:
        air = air_superiority_check(constants, frame, seed=seed)
    except FlashpointError as exc:
        air = {"error": str(exc)}
    doc = {
        "format": FORMAT,
        "version": __version__,
        "seed": seed,
        "folds": folds,
        "data": {
            "source": _folder_label(folder),
            "hash": digest,
            "files": list(FILES_READ),
            "battles_read": len(frame),
            "battles_used": len(battles),
            "battles_with_outcome": int(np.sum(~np.isnan(battles.wina))),
            "left_out_for_missing_field": left_out,
        },
        "kernel": {"substeps_per_day": SUBSTEPS, "era_reference_year": ERA_REFERENCE_YEAR,
                   "module": "flashpoint.analysis.calibrate.kernel", "digest": formula_digest()},
        "fixed": {name: fixed[name] for name in FIXED},
        "constants": {
            c.name: {"value": fitted.values[c.name], "se": fitted.se[c.name], "low": c.low, "high": c.high,
                     "at_limit": fitted.at_limit[c.name], "engine": c.engine, "description": c.description}
            for c in CONSTANTS
        },
        "fit": {"log_likelihood": fitted.log_likelihood, "battles": fitted.n_battles,
                "iterations": fitted.iterations, "converged": fitted.converged, "message": fitted.message,
                "standard_errors": "sandwich (Huber-White), delta method to the natural scale"},
        "duration": {**duration.to_dict(), "module": "flashpoint.analysis.calibrate.duration",
                     "predicts": "median duration in calendar days, exp of the fitted log duration (at least 1)"},
        "scores": {"cross_validated": scores, "duration_cross_validated": duration_scores},
        "air_superiority": air,
        "warnings": warnings,
    }
    return _round(doc)


def _patched_label(folder: Path | None) -> str:
    return str(Path(folder) / PATCHED_FILE) if folder is not None else f"{PATCHED_FILE} (shipped copy)"


def incomplete_warnings(frame: pd.DataFrame, *, where: str) -> list[str]:
    """One line naming the battles left out because a `REQUIRED` field is not known (none: [])."""
    lacking = {}
    for col, field in REQUIRED.items():
        for isqno in frame.index[(frame[col].isna() | (frame[col] <= 0)).to_numpy()]:
            lacking.setdefault(int(isqno), []).append(field)
    if not lacking:
        return []
    listed = ", ".join(f"isqno {k} ({', '.join(v)})" for k, v in sorted(lacking.items()))
    return [f"{where}: {len(lacking)} battle{'s' if len(lacking) != 1 else ''} left out, a field the battle "
            f"kernel needs not being known: {listed}"]


def at_limit_warning(at_limit: list, values: dict[str, float]) -> str:
    """One line naming the fitted constants that ended at a limit of their range."""
    listed = ", ".join(
        f"{c.name} {values[c.name]:.4g} (range {c.low:g}-{c.high:g})" for c in at_limit)
    return (f"{len(at_limit)} fitted constant{'s' if len(at_limit) != 1 else ''} ended at a limit of "
            f"{'their' if len(at_limit) != 1 else 'its'} range: {listed}; the data push past the range "
            "(no effect at a lower limit of 1), or an input is extreme: check the battles")


def calibrate_campaigns(path: Path | None = None) -> dict[str, Any]:
    """Fit the campaign-level speed of advance on the legs of ``path`` (None: the shipped copy)
    and score it leaving one campaign out (`flashpoint.analysis.calibrate.campaigns`)."""
    legs_file = default_legs_file() if path is None else Path(path)
    legs = load_legs(legs_file)
    prior = prior_parameters()["advance-km-per-day"]
    prior_mean = float(quantity_mean(prior.value))
    fitted = fit_speed(legs)
    loco = leave_one_campaign_out(legs, prior_mean)
    digest = hashlib.sha256(legs_file.read_bytes()).hexdigest()
    doc = {
        "format": "flashpoint-campaign-speed/1",
        "version": __version__,
        "data": {"file": "flashpoint/analysis/history/data/campaigns/legs.csv" if path is None else str(path),
                 "hash": digest},
        "fit": {"campaigns": list(fitted.campaigns), "legs": fitted.legs, "mu": fitted.mu, "sigma": fitted.sigma,
                "median_km_per_day": fitted.median_km_per_day, "gsd": fitted.gsd, "a": fitted.a, "b": fitted.b,
                "models": "pooled_speed: log days = log km - mu; days_vs_distance: log days = a + b log km"},
        "loco": loco,
        "engine_prior": {"parameter": "advance-km-per-day", "value": prior.value.model_dump()
                         if hasattr(prior.value, "model_dump") else prior.value, "mean": prior_mean},
    }
    return _round(doc)


def write_json(path: Path, doc: dict[str, Any]) -> None:
    """Write ``doc`` as indented JSON, atomically."""
    write_text_atomic(path, json.dumps(doc, indent=2) + "\n")


def write_csv(path: Path, frame: pd.DataFrame) -> None:
    """Write ``frame`` as CSV (no index), atomically."""
    write_text_atomic(path, frame.to_csv(index=False, lineterminator="\n"))


def _check_constants(cal: Calibration) -> None:
    needed = [c.name for c in CONSTANTS]
    missing = [n for n in needed if n not in cal.constants]
    if missing:
        raise FlashpointError(f"{cal.path}: field constants.{missing[0]} is missing; expected every constant "
                              "of the battle kernel")
    priors = prior_parameters()
    for c in CONSTANTS:
        entry = cal.constants[c.name]
        lo, hi = c.low, c.high
        where = "the battle kernel's range"
        if c.engine and c.name in priors:
            p_lo, p_hi = priors[c.name].limits()
            lo, hi = max(lo, p_lo), min(hi, p_hi)
            where = "the limits of the battle kernel and of engine/parameters.toml"
        for key, limit in (("low", lo), ("high", hi)):
            got = float(entry[key])
            if not math.isclose(got, limit, rel_tol=1e-6, abs_tol=1e-12):
                raise FlashpointError(f"{cal.path}: field constants.{c.name}.{key} is {got:g}; expected {limit:g} "
                                      f"({where}); a calibration file's limits cannot be changed by hand")
    absent = [n for n in FIXED if n not in cal.fixed]
    if absent:
        raise FlashpointError(f"{cal.path}: field fixed.{absent[0]} is missing; expected the constants the "
                              "fit held fixed")


def predict_battles(params: Path, folder: Path | None, *, other_data: bool = False,
                    strict: bool = False) -> pd.DataFrame:
    """One row per battle of ``folder``: the kernel's prediction with the constants of ``params``.

    ``params`` must come from this Flashpoint version and, unless ``other_data``, from the same
    battle data (same hash); its constants' limits must be those of the kernel and the engine. A
    battle without a field the kernel needs gets a row with empty predictions and is named in
    ``.attrs["warnings"]`` of the result, or, with ``strict``, raises.
    """
    frame = load_battles(folder)
    digest = data_hash(folder)
    cal = read_calibration(params, data_hash=None if other_data else digest)
    _check_constants(cal)
    duration = DurationModel.from_dict(cal.path, cal.raw.get("duration"))
    source = _patched_label(folder)
    battles = battles_from_frame(frame, source=source, strict=strict)
    warnings = list(frame.attrs.get("warnings", [])) + incomplete_warnings(frame, where=source)
    pred = predict(cal.values(), battles)
    out = pd.DataFrame({"isqno": frame.index.to_numpy(dtype=np.int64)})
    rows = pd.DataFrame({
        "isqno": battles.isqno,
        "p_attacker_wins": pred.p_win,
        "p_draw": pred.p_draw,
        "attacker_casualty_fraction": pred.frac_a,
        "defender_casualty_fraction": pred.frac_d,
        "duration_days": duration.days(battles),
    })
    out = out.merge(rows, on="isqno", how="left")
    for col in PREDICTION_COLUMNS[1:]:
        out[col] = out[col].round(6)
    out = out[PREDICTION_COLUMNS]
    out.attrs["warnings"] = warnings
    return out
