"""The documented air and drone wars as observations of rates: what was lost or destroyed, under
which air defence, over how many sorties, and counted how.

The sourced rows (``data/air``: drone wars 2018-2020, manned air campaigns 1991-2019, Karabakh 2020)
are read through ``data/air/coding.toml``, which says, for each count the calibration uses, which
rows it comes from, what it counts, its counting (a complete record, an independent count, a lower
bound, a side's claim about its enemy, a side's statement about its own losses) and its exposure:
a product of log-normal factors, each either a sourced row (its value_low..value_high read as a 90%
range) or an analyst's prior that says so. Pairs of counts of the same losses (a claim and a
reference) measure the bias of claims and of own-side statements.

`load_record` returns them as `Observation`s and `Pair`s, every number traced to its row, and
`data_hash` the SHA-256 of the files read. The model fitted on them is
:mod:`flashpoint.analysis.calibrate.air`; its equations are in ``docs/model.md`` ("The air and
drone war").
"""

from __future__ import annotations

import csv
import hashlib
import math
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from flashpoint.errors import FlashpointError

__all__ = [
    "AIR_DEFENCE_KINDS",
    "COUNTINGS",
    "FILES_READ",
    "KILL_TARGETS",
    "Count",
    "Exposure",
    "Observation",
    "Pair",
    "Record",
    "SortieRate",
    "data_hash",
    "default_folder",
    "load_record",
]

FILES_READ = ("air-campaigns.csv", "drone-wars.csv", "karabakh-losses.csv", "karabakh-forces.csv", "coding.toml")
"""Files of the data folder that the calibration reads (and hashes), in this order."""

AIR_DEFENCE_KINDS = ("light", "shorad", "layered")
"""Kinds of air defence a loss rate depends on: ``light`` (none, or MANPADS and guns only),
``shorad`` (short-range missile systems such as Pantsir-S1), ``layered`` (an integrated system of
long-, medium- and short-range missiles)."""

KILL_TARGETS = ("air-defence", "armour", "aircraft-on-ground", "personnel")
COUNTINGS = ("record", "independent", "lower-bound", "claim", "own")
PLATFORMS = ("manned", "drone")
RATES = ("loss", "kill")
Z90 = 1.6448536269514722
"""The 95% point of the standard normal: a 90% range [lo, hi] is median sqrt(lo hi), log-sd ln(hi/lo)/(2 Z90)."""


def default_folder() -> Path:
    """The air-war data shipped in the package."""
    return Path(__file__).parent / "data" / "air"


def data_hash(folder: Path | None = None) -> str:
    """SHA-256 over the files the calibration reads (name, length and bytes of each, in order)."""
    root = default_folder() if folder is None else Path(folder)
    h = hashlib.sha256()
    for name in FILES_READ:
        path = root / name
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise FlashpointError(f"{path}: cannot read it ({exc.strerror or exc}); expected the air-war data "
                                  f"files {', '.join(FILES_READ)}") from None
        h.update(name.encode() + b"\0" + str(len(data)).encode() + b"\0" + data)
    return h.hexdigest()


@dataclass(frozen=True)
class Count:
    """An observed count: ``low`` <= value <= ``high`` (equal when one number), with the rows it
    comes from (file, line) and their URLs."""

    low: float
    high: float
    rows: tuple[str, ...]
    urls: tuple[str, ...]
    countings: tuple[str, ...]


@dataclass(frozen=True)
class Exposure:
    """Sorties flown, log-normal: ``log E ~ N(log median, log_sd^2)``; ``factors`` says what each
    factor is and where it comes from."""

    median: float
    log_sd: float
    factors: tuple[dict[str, Any], ...]

    @property
    def gsd(self) -> float:
        return math.exp(self.log_sd)


@dataclass(frozen=True)
class Observation:
    """One count of losses (per sortie, by kind of air defence) or of kills (per drone sortie or per
    manned strike sortie, by target class) of one campaign."""

    id: str
    campaign: str
    platform: str
    rate: str
    air_defence: str | None
    target: str | None
    counting: str
    fit: bool
    start: date
    end: date
    count: Count
    exposure: Exposure
    note: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def rate_key(self) -> str:
        """``loss:drone:shorad``, ``kill:air-defence`` (a drone's), ``kill:manned:armour``: the rate the
        observation informs."""
        if self.rate == "loss":
            return f"loss:{self.platform}:{self.air_defence}"
        return f"kill:{self.target}" if self.platform == "drone" else f"kill:manned:{self.target}"


@dataclass(frozen=True)
class Pair:
    """A claim (``bias = "claim"``) or own-side statement (``"own"``) and a reference count of the
    same losses."""

    id: str
    campaign: str
    bias: str
    stated: Count
    reference: Count
    reference_counting: str
    note: str


@dataclass(frozen=True)
class SortieRate:
    """Sorties per aircraft per day in one campaign: a count of sorties per day over a count of
    aircraft in theatre, and the scenario values it bears on."""

    id: str
    campaign: str
    sorties_per_day: Count
    aircraft: Count
    maps_to: str
    note: str


@dataclass(frozen=True)
class Record:
    observations: tuple[Observation, ...]
    pairs: tuple[Pair, ...]
    sortie_rates: tuple[SortieRate, ...]
    priors: dict[str, dict[str, Any]]
    folder: Path
    files: dict[str, list[dict[str, str]]] = field(repr=False)

    @property
    def campaigns(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for o in self.observations:
            seen.setdefault(o.campaign, None)
        return tuple(seen)

    def urls(self) -> list[str]:
        """Every source URL of the rows used, in order of first use, without repeats."""
        out: dict[str, None] = {}
        for c in [o.count for o in self.observations] + [p.stated for p in self.pairs] + \
                 [p.reference for p in self.pairs] + [r.sorties_per_day for r in self.sortie_rates] + \
                 [r.aircraft for r in self.sortie_rates]:
            for u in c.urls:
                out.setdefault(u, None)
        for o in self.observations:
            for f in o.exposure.factors:
                for u in f.get("urls", ()):
                    out.setdefault(u, None)
        return list(out)


# ------------------------------------------------------------------------------ reading
def _read_csv(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as exc:
        raise FlashpointError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise FlashpointError(f"{path}: not a UTF-8 CSV file ({exc})") from None
    for i, row in enumerate(rows):
        row["__line__"] = str(i + 2)
    return rows


def _number(text: str, where: str) -> float | None:
    if text is None or text.strip() == "":
        return None
    try:
        x = float(text)
    except ValueError:
        raise FlashpointError(f"{where}: {text!r} is not a number") from None
    if not math.isfinite(x) or x < 0:
        raise FlashpointError(f"{where}: {text!r}; expected a finite number >= 0")
    return x


class _Reader:
    def __init__(self, folder: Path, coding_path: Path):
        self.folder = folder
        self.coding = coding_path
        self.files = {name: _read_csv(folder / name) for name in FILES_READ if name.endswith(".csv")}

    def row(self, ref: Any, where: str) -> tuple[str, dict[str, str]]:
        if not isinstance(ref, dict) or "file" not in ref:
            raise FlashpointError(f"{self.coding}: {where} is {ref!r}; expected a row reference "
                                  "{ file = ..., column = value, ... }")
        name = ref["file"]
        if name not in self.files:
            raise FlashpointError(f"{self.coding}: {where}.file is {name!r}; expected one of "
                                  f"{', '.join(sorted(self.files))}")
        rows = self.files[name]
        keys = {k: str(v) for k, v in ref.items() if k != "file"}
        for k in keys:
            if rows and k not in rows[0]:
                raise FlashpointError(f"{self.coding}: {where} names column {k!r}, which {name} does not have")
        hits = [r for r in rows if all(r[k] == v for k, v in keys.items())]
        if len(hits) != 1:
            raise FlashpointError(f"{self.coding}: {where} matches {len(hits)} rows of {name}; expected exactly one "
                                  f"({', '.join(f'{k} = {v!r}' for k, v in keys.items())})")
        return f"{name}:{hits[0]['__line__']}", hits[0]

    def count(self, spec: Any, where: str) -> Count:
        if not isinstance(spec, dict) or not spec.get("rows"):
            raise FlashpointError(f"{self.coding}: {where} is {spec!r}; expected {{ rows = [...], use = ... }}")
        use = spec.get("use", "range")
        if use not in ("range", "low", "high"):
            raise FlashpointError(f"{self.coding}: {where}.use is {use!r}; expected range, low or high")
        lows, highs, labels, urls, countings = [], [], [], [], []
        for i, ref in enumerate(spec["rows"]):
            label, row = self.row(ref, f"{where}.rows[{i}]")
            lo = _number(row.get("value_low", ""), f"{self.folder / label.split(':')[0]} line {row['__line__']} "
                                                   "value_low")
            hi = _number(row.get("value_high", ""), f"{self.folder / label.split(':')[0]} line {row['__line__']} "
                                                    "value_high")
            if lo is None or hi is None or hi < lo:
                raise FlashpointError(f"{self.folder / label.split(':')[0]} line {row['__line__']}: value_low "
                                      f"{lo} and value_high {hi}; {where} needs two numbers, low <= high")
            lows.append(lo if use != "high" else hi)
            highs.append(hi if use != "low" else lo)
            labels.append(label)
            urls.extend(u.strip() for u in row["source_url"].replace(" | ", " ; ").split(" ; ") if u.strip())
            countings.append(row.get("counting", ""))
        low, high = sum(lows), sum(highs)
        if "value" in spec:
            # a number the row states in words (its note or unit) rather than in value_low/value_high,
            # or, over several rows, the part of their sum that the observation counts
            value = spec["value"]
            values = value if isinstance(value, list) and len(value) == 2 else [value, value]
            words = " ".join(r["note"] + " " + r.get("unit", "")
                             for r in (self.row(ref, where)[1] for ref in spec["rows"]))
            if not all(isinstance(v, int | float) and not isinstance(v, bool) and v >= 0 for v in values) \
                    or values[1] < values[0]:
                raise FlashpointError(f"{self.coding}: {where}.value is {value!r}; expected a number >= 0 or "
                                      "[low, high]")
            if len(spec["rows"]) == 1 and not all(f"{v:g}" in words for v in values):
                raise FlashpointError(f"{self.coding}: {where}.value is {value!r}, which the note of "
                                      f"{labels[0]} does not state")
            if len(spec["rows"]) > 1 and values[1] > high:
                raise FlashpointError(f"{self.coding}: {where}.value is {value!r}, more than the rows give "
                                      f"({high:g})")
            low, high = float(values[0]), float(values[1])
        return Count(low=low, high=high, rows=tuple(labels), urls=tuple(dict.fromkeys(urls)),
                     countings=tuple(countings))

    def exposure(self, factors: Any, days: int, priors: dict[str, dict[str, Any]], where: str) -> Exposure:
        if not isinstance(factors, list) or not factors:
            raise FlashpointError(f"{self.coding}: {where} is {factors!r}; expected a list of factors")
        log_median, var, described = 0.0, 0.0, []
        for i, f in enumerate(factors):
            at = f"{where}[{i}]"
            if not isinstance(f, dict) or "what" not in f:
                raise FlashpointError(f"{self.coding}: {at} is {f!r}; expected a factor with 'what'")
            if "row" in f:
                label, row = self.row(f["row"], f"{at}.row")
                c = self.count({"rows": [f["row"]]}, at)
                if c.low <= 0:
                    raise FlashpointError(f"{self.coding}: {at}: row {label} gives {c.low:g}; an exposure must be > 0")
                med, sd = math.sqrt(c.low * c.high), math.log(c.high / c.low) / (2 * Z90)
                info = {"what": f["what"], "row": label, "low": c.low, "high": c.high, "urls": list(c.urls)}
            elif "prior" in f:
                name = f["prior"]
                if name not in priors:
                    raise FlashpointError(f"{self.coding}: {at}.prior is {name!r}; expected one of "
                                          f"{', '.join(sorted(priors))}")
                med, sd = float(priors[name]["median"]), math.log(float(priors[name]["gsd"]))
                info = {"what": f["what"], "prior": name, "median": med, "gsd": math.exp(sd)}
            elif "median" in f:
                med, gsd = f["median"], f.get("gsd")
                if not (isinstance(med, int | float) and med > 0 and isinstance(gsd, int | float) and gsd >= 1):
                    raise FlashpointError(f"{self.coding}: {at}: median {med!r}, gsd {gsd!r}; expected median > 0 "
                                          "and gsd >= 1")
                if not f.get("source"):
                    raise FlashpointError(f"{self.coding}: {at}: an analyst's factor needs a 'source' saying why")
                med, sd = float(med), math.log(float(gsd))
                info = {"what": f["what"], "median": med, "gsd": float(gsd), "source": f["source"]}
            elif f.get("days") is True:
                med, sd = float(days), 0.0
                info = {"what": f["what"], "value": days}
            elif "value" in f:
                med, sd = float(f["value"]), 0.0
                if med <= 0:
                    raise FlashpointError(f"{self.coding}: {at}.value is {f['value']!r}; expected a number > 0")
                info = {"what": f["what"], "value": med}
            else:
                raise FlashpointError(f"{self.coding}: {at} has none of row, prior, median, days, value")
            log_median += math.log(med)
            var += sd * sd
            described.append(info)
        return Exposure(median=math.exp(log_median), log_sd=math.sqrt(var), factors=tuple(described))


def _choice(value: Any, allowed: tuple[str, ...], where: str) -> str:
    if value not in allowed:
        raise FlashpointError(f"{where} is {value!r}; expected one of {', '.join(allowed)}")
    return value


def _date(value: Any, where: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise FlashpointError(f"{where} is {value!r}; expected a date YYYY-MM-DD") from None


def load_record(folder: Path | None = None) -> Record:
    """The observations and pairs of ``folder`` (None: the data shipped in the package), every
    count and exposure resolved from its rows; `FlashpointError` naming the file and the entry for
    anything that does not resolve."""
    root = default_folder() if folder is None else Path(folder)
    coding_path = root / "coding.toml"
    try:
        coding = tomllib.loads(coding_path.read_text("utf-8"))
    except OSError as exc:
        raise FlashpointError(f"{coding_path}: cannot read it ({exc.strerror or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise FlashpointError(f"{coding_path}: not valid TOML ({exc})") from None
    reader = _Reader(root, coding_path)
    priors = coding.get("priors", {})
    for name, p in priors.items():
        if not (isinstance(p, dict) and isinstance(p.get("median"), int | float) and p["median"] > 0
                and isinstance(p.get("gsd"), int | float) and p["gsd"] >= 1 and p.get("source")):
            raise FlashpointError(f"{coding_path}: priors.{name} is {p!r}; expected median > 0, gsd >= 1 and a source")
    observations, seen = [], set()
    for i, o in enumerate(coding.get("observation", [])):
        where = f"{coding_path}: observation[{i}]"
        oid = o.get("id")
        if not isinstance(oid, str) or oid in seen:
            raise FlashpointError(f"{where}.id is {oid!r}; expected a unique name")
        seen.add(oid)
        where = f"{coding_path}: observation {oid}"
        rate = _choice(o.get("rate"), RATES, f"{where}: rate")
        platform = _choice(o.get("platform"), PLATFORMS, f"{where}: platform")
        ad = _choice(o.get("air_defence"), AIR_DEFENCE_KINDS, f"{where}: air_defence") if rate == "loss" else None
        target = _choice(o.get("target"), KILL_TARGETS, f"{where}: target") if rate == "kill" else None
        window = o.get("window")
        if not isinstance(window, list) or len(window) != 2:
            raise FlashpointError(f"{where}: window is {window!r}; expected [start, end]")
        start, end = _date(window[0], f"{where}: window[0]"), _date(window[1], f"{where}: window[1]")
        if end < start:
            raise FlashpointError(f"{where}: window ends {end} before it starts {start}")
        days = (end - start).days + 1
        observations.append(Observation(
            id=oid, campaign=str(o.get("campaign", "")), platform=platform, rate=rate, air_defence=ad, target=target,
            counting=_choice(o.get("counting"), COUNTINGS, f"{where}: counting"), fit=bool(o.get("fit", True)),
            start=start, end=end, count=reader.count(o.get("count"), f"observation {oid}: count"),
            exposure=reader.exposure(o.get("exposure"), days, priors, f"observation {oid}: exposure"),
            note=str(o.get("note", ""))))
    pairs = []
    for i, p in enumerate(coding.get("pair", [])):
        pid = p.get("id", f"pair[{i}]")
        where = f"{coding_path}: pair {pid}"
        pairs.append(Pair(
            id=pid, campaign=str(p.get("campaign", "")),
            bias=_choice(p.get("bias"), ("claim", "own"), f"{where}: bias"),
            stated=reader.count(p.get("stated"), f"pair {pid}: stated"),
            reference=reader.count(p.get("reference"), f"pair {pid}: reference"),
            reference_counting=_choice(p.get("reference_counting"), ("record", "independent"),
                                       f"{where}: reference_counting"),
            note=str(p.get("note", ""))))
        if pairs[-1].reference.low <= 0 or pairs[-1].stated.low <= 0:
            raise FlashpointError(f"{where}: a bias needs counts above 0 on both sides")
    rates = []
    for i, r in enumerate(coding.get("sortie_rate", [])):
        rid = r.get("id", f"sortie_rate[{i}]")
        rates.append(SortieRate(
            id=rid, campaign=str(r.get("campaign", "")),
            sorties_per_day=reader.count(r.get("sorties_per_day"), f"sortie_rate {rid}: sorties_per_day"),
            aircraft=reader.count(r.get("aircraft"), f"sortie_rate {rid}: aircraft"),
            maps_to=str(r.get("maps_to", "")), note=str(r.get("note", ""))))
        if rates[-1].aircraft.low <= 0 or rates[-1].sorties_per_day.low <= 0:
            raise FlashpointError(f"{coding_path}: sortie_rate {rid}: sorties and aircraft must be above 0")
    if not observations:
        raise FlashpointError(f"{coding_path}: no [[observation]]; expected the counts to fit")
    return Record(observations=tuple(observations), pairs=tuple(pairs), sortie_rates=tuple(rates), priors=priors,
                  folder=root, files=reader.files)
