"""Calibration files: the combat constants fitted to historical battles, read and checked.

``cdb90.json`` here is written by ``flashpoint calibrate`` (see ``docs/validation.md``)::

    flashpoint calibrate --battles src/flashpoint/analysis/history/data/cdb90 \\
        --out src/flashpoint/engine/calibration/cdb90.json

`read_calibration` checks a file's format and, when asked, the hash of the battle data it was
fitted on. The file also records what its constants are tied to: the hash of that data and a
digest of the source of the formula they were fitted with (``kernel.digest``);
:mod:`flashpoint.analysis.provenance` compares both with the package's own before a run and
warns when they differ. The version that wrote the file is recorded, not enforced: a new version
with the same data and formula keeps its constants. `apply_calibration` turns each fitted engine
constant into a truncated normal distribution (the fitted value, its standard error, the
parameter's limits) in place of its prior from ``parameters.toml``, citing the file and the data
hash, so that every run carries the fit's uncertainty.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from flashpoint.errors import FlashpointError
from flashpoint.scenario.distributions import LogNormal, Normal
from flashpoint.scenario.schema import Parameter

__all__ = [
    "CAMPAIGNS",
    "ENGINE_READS",
    "FORMAT",
    "SHIPPED",
    "SOURCE_ID",
    "Calibration",
    "apply_calibration",
    "apply_campaign_speed",
    "parse_campaign_speed",
    "shipped_campaign_speed",
    "read_calibration",
    "shipped_calibration",
]

FORMAT = "flashpoint-calibration/1"
SHIPPED = "cdb90.json"
SOURCE_ID = "calibration-cdb90"
"""Source id of calibrated constants (``[sources.calibration-cdb90]`` in ``parameters.toml``)."""

ENGINE_READS = ("combat-days-exponent",)
"""Constants the calibration file marks as the kernel's (``engine: false``: the kernel fits them
on its own terms) that the engine also reads, because it applies them in the same form: the
combat-days exponent (a battle of D days costs D^k days of full combat; engine/ground.py)."""


@dataclass(frozen=True)
class Calibration:
    """A calibration file's content that the engine and the predictions need."""

    path: str
    version: str
    seed: int
    data_hash: str
    kernel_digest: str | None              # sha256 of the fitting formula's source; None in older files
    constants: dict[str, dict[str, Any]]   # name -> {value, se, low, high, engine, ...}
    fixed: dict[str, float]
    raw: dict[str, Any]

    def values(self) -> dict[str, float]:
        """Fitted and fixed constants by name."""
        return {**{k: float(v["value"]) for k, v in self.constants.items()}, **self.fixed}


def _field(path: Path | str, data: dict, key: str, kind: type | tuple[type, ...], what: str) -> Any:
    if key not in data:
        raise FlashpointError(f"{path}: field {key} is missing; expected {what}")
    value = data[key]
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise FlashpointError(f"{path}: field {key} is {value!r}; expected {what}")
    return value


def _number(path: Path | str, where: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise FlashpointError(f"{path}: field {where} is {value!r}; expected a finite number")
    return float(value)


def _document(path: Path | str, text: str, fmt: str, what: str) -> dict[str, Any]:
    """A calibration file's text as a JSON object whose ``format`` is ``fmt``; ``what`` names the
    kind of file expected in the error raised otherwise."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FlashpointError(f"{path}: not JSON ({exc.msg} at line {exc.lineno}); expected {what}") from None
    if not isinstance(data, dict):
        raise FlashpointError(f"{path}: expected a JSON object, {what}")
    got = _field(path, data, "format", str, f"{fmt!r}")
    if got != fmt:
        raise FlashpointError(f"{path}: field format is {got!r}; expected {fmt!r} (a file of another layout)")
    return data


def parse_calibration(path: Path | str, text: str, *, data_hash: str | None = None) -> Calibration:
    """Check and read a calibration file's text (see `read_calibration`)."""
    data = _document(path, text, FORMAT, "a calibration file written by 'flashpoint calibrate'")
    version = _field(path, data, "version", str, "the Flashpoint version that wrote it")
    seed = _field(path, data, "seed", int, "a whole number")
    data_block = _field(path, data, "data", dict, "the description of the battle data")
    got_hash = _field(path, data_block, "hash", str, "the SHA-256 of the battle data (hex)")
    if data_hash is not None and got_hash != data_hash:
        raise FlashpointError(
            f"{path}: field data.hash is {got_hash[:16]}..., but the battle data hashes to {data_hash[:16]}...; "
            "the constants were fitted on other data: run 'flashpoint calibrate' on this data"
        )
    constants = _field(path, data, "constants", dict, "the fitted constants by name")
    for name, entry in constants.items():
        if not isinstance(entry, dict):
            raise FlashpointError(f"{path}: field constants.{name} is {entry!r}; expected an object with value and se")
        value = _number(path, f"constants.{name}.value", entry.get("value"))
        low = _number(path, f"constants.{name}.low", entry.get("low"))
        high = _number(path, f"constants.{name}.high", entry.get("high"))
        if not low <= value <= high:
            raise FlashpointError(f"{path}: field constants.{name}.value is {value!r}; expected a number "
                                  f"from {low:g} to {high:g}")
        se = entry.get("se")
        if se is not None and (_number(path, f"constants.{name}.se", se) < 0):
            raise FlashpointError(f"{path}: field constants.{name}.se is {se!r}; expected a number >= 0 or null")
        _field(path, entry, "engine", bool, "true or false")
    fixed = _field(path, data, "fixed", dict, "the engine constants the fit held fixed")
    fixed = {k: _number(path, f"fixed.{k}", v) for k, v in fixed.items()}
    kernel = data.get("kernel")
    digest = kernel.get("digest") if isinstance(kernel, dict) else None
    if digest is not None and not isinstance(digest, str):
        raise FlashpointError(f"{path}: field kernel.digest is {digest!r}; expected the SHA-256 (hex) of the formula")
    return Calibration(path=str(path), version=version, seed=seed, data_hash=got_hash, kernel_digest=digest,
                       constants=constants, fixed=fixed, raw=data)


def read_calibration(path: Path | str, *, data_hash: str | None = None) -> Calibration:
    """Read a calibration file, raising `FlashpointError` naming the file and the field when it is
    missing, not JSON, of another format, or (when ``data_hash`` is given) fitted on data with
    another hash."""
    p = Path(path)
    if not p.is_file():
        raise FlashpointError(f"{p}: file not found; expected a calibration file written by 'flashpoint calibrate'")
    try:
        text = p.read_text("utf-8")
    except UnicodeDecodeError:
        raise FlashpointError(f"{p}: not UTF-8 text; expected a calibration file (JSON)") from None
    return parse_calibration(p, text, data_hash=data_hash)


@lru_cache(maxsize=1)
def shipped_calibration() -> Calibration:
    """The calibration the engine uses (its ties to the data and formula are checked by
    :func:`flashpoint.analysis.provenance.warn_if_stale`)."""
    ref = resources.files("flashpoint.engine.calibration").joinpath(SHIPPED)
    label = f"flashpoint/engine/calibration/{SHIPPED}"
    if not ref.is_file():
        raise FlashpointError(f"{label}: file not found; regenerate it with 'flashpoint calibrate --out' "
                              "(docs/validation.md)")
    return parse_calibration(label, ref.read_text("utf-8"))


def apply_calibration(priors: dict[str, Parameter], calibration: Calibration) -> dict[str, Parameter]:
    """``priors`` with each fitted engine constant replaced by a normal distribution (mean: the
    fitted value, sd: its standard error) truncated to the parameter's limits, whose source is
    the calibration file. A constant without a standard error becomes a fixed value."""
    out = dict(priors)
    short = calibration.data_hash[:12]
    for name, entry in calibration.constants.items():
        if not (entry["engine"] or name in ENGINE_READS) or name not in priors:
            continue
        prior = priors[name]
        lo, hi = prior.limits()
        lo, hi = max(lo, float(entry["low"])), min(hi, float(entry["high"]))
        value = min(max(float(entry["value"]), lo), hi)
        se = entry.get("se")
        if se is not None and se > 0:
            dist: Any = Normal(dist="normal", mean=value, sd=float(se), low=lo, high=hi)
            shown = f"{value:.4g} (standard error {float(se):.2g})"
        else:
            dist, shown = value, f"{value:.4g}"
        note = (f"fitted on CDB90 by flashpoint calibrate: {shown}; {calibration.path}, data sha256 {short}..., "
                f"Flashpoint {calibration.version}, seed {calibration.seed}")
        out[name] = prior.model_copy(update={"value": dist, "source": SOURCE_ID, "note": note})
    return out


CAMPAIGNS = "campaigns.json"
CAMPAIGN_FORMAT = "flashpoint-campaign-speed/1"
CAMPAIGN_SOURCE_ID = "calibration-campaigns"
"""Source id of the campaign-speed fit (``[sources.calibration-campaigns]`` in ``parameters.toml``)."""


def parse_campaign_speed(path: str, text: str) -> tuple[float, float, dict[str, Any]]:
    """The pooled campaign speed of a file written by ``flashpoint calibrate --campaigns``: its
    median (km a day), geometric standard deviation and the whole document; a bad file raises
    naming the field."""
    doc = _document(path, text, CAMPAIGN_FORMAT, "a campaign-speed file written by 'flashpoint calibrate --campaigns'")
    fit = _field(path, doc, "fit", dict, "an object")
    median = _number(path, "fit.median_km_per_day", fit.get("median_km_per_day"))
    gsd = _number(path, "fit.gsd", fit.get("gsd"))
    if median <= 0:
        raise FlashpointError(f"{path}: field fit.median_km_per_day is {median:g}; expected above 0")
    if gsd <= 1:
        raise FlashpointError(f"{path}: field fit.gsd is {gsd:g}; expected above 1")
    return median, gsd, doc


@lru_cache(maxsize=1)
def shipped_campaign_speed() -> tuple[float, float, dict[str, Any]]:
    """The campaign-speed fit the engine uses (``engine/calibration/campaigns.json``)."""
    ref = resources.files("flashpoint.engine.calibration").joinpath(CAMPAIGNS)
    label = f"flashpoint/engine/calibration/{CAMPAIGNS}"
    if not ref.is_file():
        raise FlashpointError(f"{label}: file not found; regenerate it with 'flashpoint calibrate --campaigns "
                              f"--out src/{label}' (docs/validation.md)")
    return parse_campaign_speed(label, ref.read_text("utf-8"))


def apply_campaign_speed(priors: dict[str, Parameter], median: float, gsd: float,
                         doc: dict[str, Any]) -> dict[str, Parameter]:
    """``priors`` with ``advance-km-per-day`` drawn from the campaign-speed fit: log-normal with
    the pooled median speed and the spread of log speed between legs (docs/model.md, "Advance
    and capture")."""
    if "advance-km-per-day" not in priors:
        return dict(priors)
    campaigns = ", ".join(doc.get("fit", {}).get("campaigns", []))
    note = (f"fitted on dated captures ({campaigns}) by flashpoint calibrate --campaigns: median "
            f"{median:.3g} km/day, geometric sd {gsd:.3g}; flashpoint/engine/calibration/{CAMPAIGNS}, data sha256 "
            f"{str(doc.get('data', {}).get('hash', ''))[:12]}...")
    prior = priors["advance-km-per-day"]
    value = LogNormal(dist="lognormal", median=median, gsd=gsd)
    return {**priors, "advance-km-per-day": prior.model_copy(update={"value": value, "source": CAMPAIGN_SOURCE_ID,
                                                                    "note": note})}
