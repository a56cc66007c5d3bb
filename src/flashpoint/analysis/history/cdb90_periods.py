"""CDB90's active periods (ATPBYRi ... ATPEHRi): the dates and hours of each battle, read into
start_date, end_date, year, duration_days and active_hours.

**Inconsistent timing is not known, not an error.** The period fields allow combinations that
contradict each other; the complete public release holds at least one (a period with a start hour
and an end hour of 9999). Each such period's contradictory part is read as not known and the battle
is reported (`TIMING_PROBLEMS`, `timing_warning`). A field that is not a number at all is still an
error: the file is damaged, not inconsistent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd

from flashpoint.analysis.history.cdb90_codebook import fail_value
from flashpoint.errors import FlashpointError

MAX_PERIODS = 10
"""CDB90 has room for ten active time periods per battle (ATPBYR1 ... ATPEHR10)."""

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
            raise fail_value(path, row["ISQNO"], field, row[field], "a number") from None
        if not math.isfinite(vals[key]) or vals[key] != int(vals[key]):
            raise fail_value(path, row["ISQNO"], field, row[field], "a whole number")
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


def read_timing(path: Path, frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[int, str]]:
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
