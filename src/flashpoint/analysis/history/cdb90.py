"""CDB90, the US Army Concepts Analysis Agency's database of land battles (1600-1982).

`load_battles` turns a folder with the CDB90 layout into one tidy row per battle, with the
fields a combat model is fitted on: strengths, casualties, tanks, artillery, close-air-support
sorties, air superiority, posture, terrain, surprise, outcome, duration, advance, front width.

Files read (and hashed by `data_hash`):

* ``CDB90-patched.csv``: CAA's wide table with Helmbold's 1995 consistency patches. Every coded
  field comes from here, because the tidy ``data/battles.csv`` wrote each negative code as a blank
  (``wina`` -1, ``aeroa`` -1, retreats in ``kmda``, ...).
* ``data/battles.csv``: only for the two columns CAA does not have, a standardised war name
  (``war4``) and the pointer from an engagement to a larger battle in CDB90 that already
  contains it (``parent``).

Missing-value codes follow CAA's definitions file (``CDB90DEF.csv``) field by field and become
NaN; `COLUMNS` documents, per output column, the source field and the codes turned into NaN.
A value outside the code book, a count that is not finite or beyond `MAX_COUNT`, a distance beyond
`MAX_KM`, raises `FlashpointError` rather than being passed on.

**Inconsistent timing is not known, not an error.** The active periods (ATPBYRi ... ATPEHRi) allow
combinations that contradict each other; the complete public release holds at least one (a
period with a start hour and an end hour of 9999). Each such period's contradictory part is read
as not known, and the battles are listed in ``frame.attrs["warnings"]`` (one line, see
`TIMING_PROBLEMS`) instead of stopping the load. A field that is not a number at all is still an
error: the file is damaged, not inconsistent.
"""

from __future__ import annotations

import hashlib
import io
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from flashpoint.errors import FlashpointError

__all__ = [
    "BATTLES_FILE",
    "COLUMNS",
    "FILES_READ",
    "PATCHED_FILE",
    "data_hash",
    "default_folder",
    "load_battles",
    "timing_warning",
]

PATCHED_FILE = "CDB90-patched.csv"
BATTLES_FILE = "data/battles.csv"
FILES_READ = (PATCHED_FILE, BATTLES_FILE)
"""Files `load_battles` reads, relative to the data folder."""

MAX_PERIODS = 10
"""CDB90 has room for ten active time periods per battle (ATPBYR1 ... ATPEHR10)."""


def default_folder() -> Path:
    """The copy of CDB90 shipped inside the package (542 of the 660 battles)."""
    return Path(__file__).parent / "data" / "cdb90"


# --------------------------------------------------------------------------------------------
# Field specifications
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Code:
    """An integer code with a closed set of values and its missing-value code(s)."""

    field: str
    description: str
    allowed: tuple[int, ...]
    missing: tuple[int, ...]


_SIDES = {"a": ("A", "attacker"), "d": ("D", "defender")}

_COUNTS_PER_SIDE = {
    "strength": ("STR", "total personnel strength (see strength_code)"),
    "reinforcements": ("RERP", "personnel reinforcements and replacements during the battle"),
    "casualties": ("CAS", "personnel battle casualties"),
    "strength_final": ("FINST", "personnel strength at the battle's end"),
    "tanks": ("TANK", "total number of tanks"),
    "tank_losses": ("CTANK", "armour losses"),
    "artillery": ("ARTY", "number of artillery tubes"),
    "cas_sorties": ("FLY", "number of close-air-support sorties flown"),
}

_CODES = [
    _Code(
        "AEROA",
        "theatre air superiority: +1 attacker had it, 0 neither side, -1 defender had it",
        (-1, 0, 1),
        (9,),
    ),
    _Code(
        "SURPA",
        "surprise: +1/+2/+3 minor/substantial/complete by the attacker, 0 none, -1/-2/-3 by the defender",
        (-3, -2, -1, 0, 1, 2, 3),
        (9,),
    ),
    _Code(
        "CEA",
        "attacker's relative combat effectiveness, -4 (strongly favours defender) to +4",
        (-4, -3, -2, -1, 0, 1, 2, 3, 4),
        (-9,),
    ),
    _Code("WINA", "outcome: +1 attacker won, 0 draw, -1 attacker lost", (-1, 0, 1), (-9,)),
    _Code(
        "CRIT",
        "criterion for wina: 1 clear-cut decision, 2 judged on mission accomplishment",
        (1, 2),
        (0,),
    ),
]
_CODE_NAMES = {"AEROA": "aeroa", "SURPA": "surpa", "CEA": "cea", "WINA": "wina", "CRIT": "win_criterion"}

_POSTURES = {
    "HD": "hasty defence",
    "PD": "prepared defence",
    "FD": "fortified defence",
    "DL": "delaying action",
    "WD": "withdrawal",
}
_POSTURE_MISSING = ("OO", "00")  # CDB90DEF: OO = not available; "00" (digits) is a typo seen once

_RELIEF = {"G": "rugged", "R": "rolling", "F": "flat"}
_COVER = {"W": "wooded", "M": "mixed", "B": "bare", "D": "desert"}
_FEATURE = {"U": "urban", "M": "marsh", "D": "dunes"}

_STRENGTH_CODES = (1, 2, 3)
_STRENGTH_CODE_MISSING = (0,)  # outside CDB90DEF's 1/2/3; only where the strength is -1 too

_KMDA_MISSING = -9999.0
_WIDTH_MISSING = -1.0

MAX_COUNT = 1e8
"""Largest count (people, tanks, guns, sorties) a battle may record: a bound on sense, not a
fitted value. The largest in the shipped copy is 1,250,000 (STRA); 10^8 is more than all the
armed forces of the Second World War together. A count above it (e.g. 1e308) is refused."""
MAX_KM = 20_000.0
"""Largest distance (advance, width of front) in km: half the Earth's circumference."""

TIMING_PROBLEMS = (
    "a start hour known and an end hour of 9999, or the reverse (CDB90DEF note 12 codes both or neither)",
    "a start hour of 5000 (duration known, times not) without an end hour of 5000 + HHMM, or an end "
    "hour of 5000 + HHMM without a start hour of 5000",
    "an hour outside 0000-2400 or minutes of 60 or more",
    "a date that is not a calendar date (e.g. 31 June)",
    "a period that ends before it starts",
    "no active period at all (ATPBYR1 blank)",
)
"""The inconsistencies CDB90's period fields allow and `load_battles` reads as not known: the
period's hours (active_hours NaN) for the first three, its dates (start_date, end_date,
duration_days NaN) for the others."""


def _build_columns() -> dict[str, str]:
    cols: dict[str, str] = {
        "name": "NAME: battle or engagement name.",
        "war": "WAR: CAA's name of the war (e.g. 'WORLD WAR II (EUROPE 1944)').",
        "war_std": (
            "data/battles.csv war4: standardised war name (Correlates of War names after 1816); blank -> NaN."
        ),
        "campaign": "CAMPGN: campaign.",
        "parent_isqno": (
            "data/battles.csv parent: isqno of a larger CDB90 battle that already contains this "
            "engagement (e.g. SOMME-OVILLERS inside FIRST SOMME), so its men and losses are counted "
            "twice; NaN otherwise. Drop rows with a parent to count each action once. The parent "
            "may be one of the battles held back from this copy."
        ),
        "start_date": (
            "First day of the first active period (ATPBYRi/ATPBMNi/ATPBDAi); year 9999, month "
            "or day 99 -> NaT. Periods are read while ATPBYRi is present (NOATP is not trusted: "
            "isqno 304 has NOATP 1 and two periods)."
        ),
        "end_date": "Last day of the last active period (ATPEYRi/ATPEMNi/ATPEDAi); unknown -> NaT.",
        "year": "Year of start_date (float, NaN when unknown).",
        "duration_days": (
            "Calendar days from start_date to end_date inclusive (a battle fought within one day "
            "has 1); NaN when either date is unknown."
        ),
        "active_hours": (
            "Hours of active combat summed over the active periods. Hours come as HHMM "
            "(2400 = end of the day); 9999 (unknown) in any period -> NaN; a start coded 5000 "
            "with an end coded 5000+HHMM means only the duration HHMM is known (CDB90DEF note 12)."
        ),
    }
    for suffix, (letter, side) in _SIDES.items():
        cols[f"strength_{suffix}"] = (
            f"STR{letter}: {side}'s total personnel strength, whose meaning strength_code_"
            f"{suffix} gives; -1 -> NaN."
        )
        cols[f"strength_code_{suffix}"] = (
            f"CODE{letter}: 1 total is the initial strength, 2 an average daily strength, 3 the "
            f"total engaged; 0 (not in the code book, only with strength -1) -> NaN."
        )
        cols[f"strength_init_{suffix}"] = (
            f"INTST{letter}: {side}'s initial personnel strength; -1 -> NaN, then filled from "
            f"STR{letter} where CODE{letter} is 1 (total strength is also initial strength)."
        )
        for name, (stem, text) in _COUNTS_PER_SIDE.items():
            if name == "strength":
                continue
            cols[f"{name}_{suffix}"] = f"{stem}{letter}: {side}'s {text}; -1 -> NaN."
        cols[f"front_width_{suffix}_km"] = (
            f"WOF{letter}1: {side}'s width of front at the start of the battle, km; -1 -> NaN."
        )
    for code in _CODES:
        missing = ", ".join(f"{m:+d}" if m else "0" for m in code.missing)
        cols[_CODE_NAMES[code.field]] = f"{code.field}: {code.description}; {missing} -> NaN."
    cols["kmda"] = "KMDA: distance the attacker advanced (negative: retreated), km; -9999 -> NaN."
    postures = ", ".join(f"{k} {v}" for k, v in _POSTURES.items())
    cols["post1"] = f"POST1: defender's primary posture ({postures}); OO -> NaN."
    cols["post2"] = "POST2: defender's secondary posture, same codes; OO (and a stray '00') -> NaN."
    cols["terrain1"] = (
        "TERRA1: primary terrain code, three characters (relief, cover, feature; 0 = other or "
        "not available); a letter O is read as 0; '000' -> NaN."
    )
    cols["terrain2"] = "TERRA2: secondary terrain code, as terrain1; '000' -> NaN."
    cols["terrain_relief"] = "First character of TERRA1: rugged, rolling or flat; 0 -> NaN."
    cols["terrain_cover"] = "Second character of TERRA1: wooded, mixed, bare or desert; 0 -> NaN."
    cols["terrain_feature"] = (
        "Third character of TERRA1: urban, marsh or dunes; 0 -> NaN (other, none or not "
        "available: CDB90 does not tell these apart)."
    )
    return cols


COLUMNS: dict[str, str] = _build_columns()
"""Output columns of `load_battles`, in order, with their source and missing-value handling.
The index is ``isqno`` (CDB90's battle sequence number, unique)."""


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def _read_text(path: Path) -> str:
    if not path.is_file():
        raise FlashpointError(f"{path}: file not found; expected the CDB90 layout ({_layout()})")
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FlashpointError(
            f"{path}: byte {exc.start} is not UTF-8 (0x{raw[exc.start]:02x}); expected a UTF-8 text CSV file"
        ) from None


def _layout() -> str:
    return " and ".join(FILES_READ)


def _read_csv(path: Path, required: list[str]) -> pd.DataFrame:
    text = _read_text(path)
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise FlashpointError(f"{path}: not a readable CSV table ({exc}); expected a CSV file") from None
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise FlashpointError(
            f"{path}: column {missing[0]} is missing"
            + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else "")
            + "; expected a CDB90 table with that column"
        )
    return frame


def _number(path: Path, frame: pd.DataFrame, field: str) -> pd.Series:
    """Column ``field`` as floats; a blank or non-number raises with file, field and battle."""
    text = frame[field].str.strip()
    values = pd.to_numeric(text, errors="coerce").astype(float)
    _require(path, frame, field, values.notna(), "a number")
    _require(path, frame, field, pd.Series(np.isfinite(values.to_numpy()), index=values.index), "a finite number")
    return values


def _fail_value(path: Path, isqno: object, field: str, value: object, expected: str) -> FlashpointError:
    return FlashpointError(f"{path}: field {field} of battle isqno {isqno} is {value!r}; expected {expected}")


def _require(path: Path, frame: pd.DataFrame, field: str, ok: pd.Series, expected: str) -> None:
    """Raise for the first battle whose ``field`` fails ``ok``, naming file, field, battle, value."""
    if not ok.all():
        i = int(np.flatnonzero(~ok.to_numpy())[0])
        raise _fail_value(path, frame["ISQNO"].iloc[i], field, frame[field].iloc[i], expected)


def _count(path: Path, frame: pd.DataFrame, field: str) -> pd.Series:
    values = _number(path, frame, field)
    ok = ((values >= 0) & (values <= MAX_COUNT)) | (values == -1)
    _require(path, frame, field, ok, f"a number from 0 to {MAX_COUNT:.0e}, or -1 (not available)")
    return values.mask(values == -1)


def _code(
    path: Path, frame: pd.DataFrame, field: str, allowed: tuple[int, ...], missing: tuple[int, ...]
) -> pd.Series:
    values = _number(path, frame, field)
    shown = ", ".join(str(v) for v in allowed)
    gone = ", ".join(str(v) for v in missing)
    _require(
        path, frame, field, values.isin(allowed + missing), f"one of {shown} (or {gone} for not available)"
    )
    return values.mask(values.isin(missing))


def _postures(path: Path, frame: pd.DataFrame, field: str) -> pd.Series:
    text = frame[field].str.strip()
    ok = text.isin(list(_POSTURES) + list(_POSTURE_MISSING))
    _require(path, frame, field, ok, f"one of {', '.join(_POSTURES)} (or OO for not available)")
    return text.mask(text.isin(_POSTURE_MISSING))


def _terrain(path: Path, frame: pd.DataFrame, field: str) -> pd.Series:
    text = frame[field].str.strip().str.upper().str.replace("O", "0")
    pattern = r"^[GRF0][WMBD0][UMD0]$"
    ok = text.str.match(pattern).astype(bool)
    _require(path, frame, field, ok, "three characters: G/R/F/0, then W/M/B/D/0, then U/M/D/0")
    return text.mask(text == "000")


def _hhmm_minutes(value: float) -> float:
    hours, minutes = divmod(int(value), 100)
    return hours * 60.0 + minutes


@dataclass
class _Period:
    start: date | None
    end: date | None
    minutes: float  # active minutes, NaN when the hours are unknown
    problem: str = ""  # what was inconsistent (read as not known), "" if nothing


def _clock_ok(v: float) -> bool:
    return 0 <= v <= 2400 and int(v) % 100 < 60


def _period(path: Path, row: pd.Series, i: int) -> _Period | None:
    """Active period ``i`` of one battle, or None when CDB90 has no period ``i``.

    A field that is not a whole number raises; contradictory fields (`TIMING_PROBLEMS`) are read
    as not known and described in ``problem``."""
    names = {k: f"ATP{k}{i}" for k in ("BYR", "BMN", "BDA", "BHR", "EYR", "EMN", "EDA", "EHR")}
    if row[names["BYR"]].strip() == "":
        return None
    vals: dict[str, float] = {}
    for key, field in names.items():
        text = row[field].strip()
        try:
            vals[key] = float(text)
        except ValueError:
            raise _fail_value(path, row["ISQNO"], field, row[field], "a number") from None
        if not math.isfinite(vals[key]) or vals[key] != int(vals[key]):
            raise _fail_value(path, row["ISQNO"], field, row[field], "a whole number")
    problems: list[str] = []

    def day(y: str, m: str, d: str) -> date | None:
        if vals[y] == 9999 or vals[m] == 99 or vals[d] == 99:
            return None
        try:
            return date(int(vals[y]), int(vals[m]), int(vals[d]))
        except ValueError:
            problems.append(f"{names[y]}/{names[m]}/{names[d]} {int(vals[y])}-{int(vals[m])}-{int(vals[d])} "
                            "is not a calendar date")
            return None

    start = day("BYR", "BMN", "BDA")
    end = day("EYR", "EMN", "EDA")
    if start is not None and end is not None and end < start:
        problems.append(f"the period ends ({end}) before it starts ({start})")
        start = end = None
    bhr, ehr = vals["BHR"], vals["EHR"]
    b_name, e_name = names["BHR"], names["EHR"]
    minutes = math.nan
    if bhr == 5000 or 5000 < ehr < 9999:
        if bhr == 5000 and 5000 <= ehr < 9999 and int(ehr) % 100 < 60:
            minutes = _hhmm_minutes(ehr - 5000)
        else:
            problems.append(f"{b_name} {int(bhr)} and {e_name} {int(ehr)}: 5000 codes a start whose end is "
                            "5000 + the duration")
    elif (bhr == 9999) != (ehr == 9999):
        problems.append(f"{b_name} {int(bhr)} with {e_name} {int(ehr)}: both hours known or both 9999")
    elif bhr != 9999:
        bad = [f"{n} {int(v)}" for n, v in ((b_name, bhr), (e_name, ehr)) if not _clock_ok(v)]
        if bad:
            problems.append(f"{', '.join(bad)} is not a 24-hour clock time")
        elif start is not None and end is not None:
            t0 = datetime.combine(start, datetime.min.time()) + timedelta(minutes=_hhmm_minutes(bhr))
            t1 = datetime.combine(end, datetime.min.time()) + timedelta(minutes=_hhmm_minutes(ehr))
            minutes = (t1 - t0).total_seconds() / 60.0
            if minutes < 0:
                problems.append(f"the period ends ({t1:%Y-%m-%d %H:%M}) before it starts ({t0:%Y-%m-%d %H:%M})")
                minutes = math.nan
    return _Period(start, end, minutes, "; ".join(problems))


_TIMING_COLUMNS = ("start_date", "end_date", "year", "duration_days", "active_hours")


def _timing(path: Path, frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[int, str]]:
    """start_date, end_date, year, duration_days, active_hours for every battle, and the
    battles whose period fields contradict each other (isqno -> what, read as not known)."""
    required = [
        f"ATP{k}{i}"
        for i in range(1, MAX_PERIODS + 1)
        for k in ("BYR", "BMN", "BDA", "BHR", "EYR", "EMN", "EDA", "EHR")
    ]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise FlashpointError(
            f"{path}: column {missing[0]} is missing; expected the active-period fields "
            f"ATPBYR1 ... ATPEHR{MAX_PERIODS}"
        )
    rows = []
    problems: dict[int, str] = {}
    for _, row in frame.iterrows():
        periods = [p for i in range(1, MAX_PERIODS + 1) if (p := _period(path, row, i)) is not None]
        said = [p.problem for p in periods if p.problem]
        if not periods:
            said = ["ATPBYR1 is blank: no active period"]
        if said:
            problems[int(float(row["ISQNO"]))] = "; ".join(said)
        starts = [p.start for p in periods]
        ends = [p.end for p in periods]
        start = None if None in starts or not periods else min(starts)
        end = None if None in ends or not periods else max(ends)
        if start is not None and end is not None and end < start:  # pragma: no cover - each period is checked
            start = end = None
        years = [float(row[f"ATPBYR{i}"]) for i in range(1, MAX_PERIODS + 1) if row[f"ATPBYR{i}"].strip()]
        years = [y for y in years if y != 9999]
        rows.append(
            {
                "start_date": pd.Timestamp(start) if start else pd.NaT,
                "end_date": pd.Timestamp(end) if end else pd.NaT,
                "year": min(years) if years else math.nan,
                "duration_days": (end - start).days + 1.0 if start and end else math.nan,
                "active_hours": sum(p.minutes for p in periods) / 60.0 if periods else math.nan,
            }
        )
    out = pd.DataFrame(rows, index=frame.index, columns=list(_TIMING_COLUMNS))
    out["start_date"] = pd.to_datetime(out["start_date"])
    out["end_date"] = pd.to_datetime(out["end_date"])
    for col in ("year", "duration_days", "active_hours"):
        out[col] = out[col].astype(float)
    return out, problems


def timing_warning(path: Path | str, problems: dict[int, str], shown: int = 5) -> str:
    """One line naming every battle whose period fields contradict each other, with what was
    wrong in the first ``shown`` of them."""
    ids = sorted(problems)
    detail = "; ".join(f"isqno {k}: {problems[k]}" for k in ids[:shown])
    more = f"; and {len(ids) - shown} more" if len(ids) > shown else ""
    return (f"{path}: the active-period fields of {len(ids)} battle{'s' if len(ids) != 1 else ''} "
            f"(isqno {', '.join(str(k) for k in ids)}) contradict each other and are read as not known "
            f"({detail}{more})")


def _patched_fields() -> list[str]:
    fields = ["ISQNO", "NAME", "WAR", "CAMPGN", "POST1", "POST2", "TERRA1", "TERRA2", "KMDA"]
    for letter, _ in _SIDES.values():
        fields += [f"{stem}{letter}" for stem, _ in _COUNTS_PER_SIDE.values()]
        fields += [f"CODE{letter}", f"INTST{letter}", f"WOF{letter}1"]
    fields += [c.field for c in _CODES]
    return fields


def _resolve(folder: Path | str | None) -> Path:
    if folder is None:
        return default_folder()
    path = Path(folder)
    if not path.is_dir():
        raise FlashpointError(f"{path}: data folder not found; expected a folder holding {_layout()}")
    return path


def load_battles(folder: Path | None = None) -> pd.DataFrame:
    """One row per CDB90 battle, indexed by ``isqno``, with the columns in `COLUMNS`.

    ``folder`` holds the CDB90 layout (``CDB90-patched.csv`` and ``data/battles.csv``); None
    means the copy shipped in the package. Numbers are floats with NaN for each field's
    missing-value code (CDB90DEF.csv); text columns use NaN for not available. Period fields
    that contradict each other are read as not known, and ``frame.attrs["warnings"]`` holds one
    line naming those battles (empty list if none; see `timing_warning`). Raises
    `FlashpointError` naming the file, the field and what is expected when the folder or a file
    is missing, a file is not UTF-8, a column is missing or a value is outside its code book.
    """
    root = _resolve(folder)
    patched_path = root / PATCHED_FILE
    battles_path = root / BATTLES_FILE
    raw = _read_csv(patched_path, _patched_fields())
    tidy = _read_csv(battles_path, ["isqno", "war4", "parent"])

    isqno = _number(patched_path, raw, "ISQNO")
    ok = ~isqno.duplicated() & (isqno > 0) & (isqno == np.round(isqno))
    _require(patched_path, raw, "ISQNO", ok, "a positive whole number, unique per battle")
    index = pd.Index(isqno.astype(int).to_numpy(), name="isqno")

    out: dict[str, pd.Series | np.ndarray] = {}
    out["name"] = raw["NAME"].str.strip()
    out["war"] = raw["WAR"].str.strip()
    out["campaign"] = raw["CAMPGN"].str.strip()

    for suffix, (letter, _) in _SIDES.items():
        for name, (stem, _) in _COUNTS_PER_SIDE.items():
            out[f"{name}_{suffix}"] = _count(patched_path, raw, f"{stem}{letter}")
        code = _code(patched_path, raw, f"CODE{letter}", _STRENGTH_CODES, _STRENGTH_CODE_MISSING)
        out[f"strength_code_{suffix}"] = code
        init = _count(patched_path, raw, f"INTST{letter}")
        out[f"strength_init_{suffix}"] = init.fillna(out[f"strength_{suffix}"].where(code == 1))
        width = _number(patched_path, raw, f"WOF{letter}1")
        ok = ((width >= 0) & (width <= MAX_KM)) | (width == _WIDTH_MISSING)
        _require(patched_path, raw, f"WOF{letter}1", ok, f"a width in km from 0 to {MAX_KM:.0f}, or -1 (not known)")
        out[f"front_width_{suffix}_km"] = width.mask(width == _WIDTH_MISSING)

    for code in _CODES:
        out[_CODE_NAMES[code.field]] = _code(patched_path, raw, code.field, code.allowed, code.missing)
    kmda = _number(patched_path, raw, "KMDA")
    ok = (kmda.abs() <= MAX_KM) | (kmda == _KMDA_MISSING)
    _require(patched_path, raw, "KMDA", ok, f"a distance in km from -{MAX_KM:.0f} to {MAX_KM:.0f}, or -9999")
    out["kmda"] = kmda.mask(kmda == _KMDA_MISSING)
    out["post1"] = _postures(patched_path, raw, "POST1")
    out["post2"] = _postures(patched_path, raw, "POST2")
    terrain1 = _terrain(patched_path, raw, "TERRA1")
    out["terrain1"] = terrain1
    out["terrain2"] = _terrain(patched_path, raw, "TERRA2")
    for pos, (col, words) in enumerate(
        [("terrain_relief", _RELIEF), ("terrain_cover", _COVER), ("terrain_feature", _FEATURE)]
    ):
        out[col] = terrain1.str[pos].map(words)

    frame = pd.DataFrame({k: pd.Series(v).to_numpy() for k, v in out.items()}, index=index)
    timing, problems = _timing(patched_path, raw)
    for col in timing.columns:
        frame[col] = timing[col].to_numpy()

    frame = frame.join(_tidy_columns(battles_path, tidy, index))
    frame = frame[list(COLUMNS)]
    frame.attrs["warnings"] = [timing_warning(patched_path, problems)] if problems else []
    return frame


def _tidy_columns(path: Path, tidy: pd.DataFrame, index: pd.Index) -> pd.DataFrame:
    tidy_isqno = pd.to_numeric(tidy["isqno"].str.strip(), errors="coerce")
    if tidy_isqno.isna().any():
        i = int(np.flatnonzero(tidy_isqno.isna().to_numpy())[0])
        raise FlashpointError(
            f"{path}: field isqno on line {i + 2} is {tidy['isqno'].iloc[i]!r}; expected a battle number"
        )
    keys = pd.Index(tidy_isqno.astype(int).to_numpy(), name="isqno")
    if keys.has_duplicates or set(keys) != set(index):
        extra = sorted(set(keys) - set(index))[:3]
        absent = sorted(set(index) - set(keys))[:3]
        what = f"isqno {extra} not in {PATCHED_FILE}" if extra else f"isqno {absent} missing"
        if keys.has_duplicates:
            what = f"isqno {sorted(keys[keys.duplicated()])[:3]} repeated"
        raise FlashpointError(
            f"{path}: field isqno has {what}; expected exactly the battles of {PATCHED_FILE}"
        )
    parent = pd.to_numeric(tidy["parent"].str.strip().replace("", None), errors="coerce")
    bad = parent.isna() & (tidy["parent"].str.strip() != "")
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise FlashpointError(
            f"{path}: field parent of battle isqno {keys[i]} is {tidy['parent'].iloc[i]!r}; "
            "expected a battle number or blank"
        )
    war_std = tidy["war4"].str.strip()
    return pd.DataFrame(
        {"war_std": war_std.mask(war_std == "").to_numpy(), "parent_isqno": parent.to_numpy(dtype=float)},
        index=keys,
    )


def data_hash(folder: Path | None = None) -> str:
    """SHA-256 (hex) over the files `load_battles` reads, in sorted order.

    Each file contributes its path relative to ``folder``, its length and its bytes, so renaming
    or editing any of them changes the hash. ``folder=None`` hashes the shipped copy.
    """
    root = _resolve(folder)
    digest = hashlib.sha256()
    for rel in sorted(FILES_READ):
        path = root / rel
        if not path.is_file():
            raise FlashpointError(f"{path}: file not found; expected the CDB90 layout ({_layout()})")
        content = path.read_bytes()
        digest.update(f"{rel}\0{len(content)}\0".encode())
        digest.update(content)
    return digest.hexdigest()
