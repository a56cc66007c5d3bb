"""CDB90's code book: what each field of ``CDB90-patched.csv`` may hold, its missing-value codes
(after CAA's definitions file, ``CDB90DEF.csv``), the output columns `COLUMNS` of
`flashpoint.analysis.history.cdb90.load_battles`, and the readers that check a field against them.

Each reader takes the file's path and the raw table (every field as text) and returns the column as
floats or text with NaN for the missing-value codes; a value outside the code book raises
`FlashpointError` naming the file, the field, the battle and what is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from flashpoint.errors import FlashpointError


@dataclass(frozen=True)
class Code:
    """An integer code with a closed set of values and its missing-value code(s)."""

    field: str
    description: str
    allowed: tuple[int, ...]
    missing: tuple[int, ...]


SIDES = {"a": ("A", "attacker"), "d": ("D", "defender")}

COUNTS_PER_SIDE = {
    "strength": ("STR", "total personnel strength (see strength_code)"),
    "reinforcements": ("RERP", "personnel reinforcements and replacements during the battle"),
    "casualties": ("CAS", "personnel battle casualties"),
    "strength_final": ("FINST", "personnel strength at the battle's end"),
    "tanks": ("TANK", "total number of tanks"),
    "tank_losses": ("CTANK", "armour losses"),
    "artillery": ("ARTY", "number of artillery tubes"),
    "cas_sorties": ("FLY", "number of close-air-support sorties flown"),
}

CODES = [
    Code(
        "AEROA",
        "theatre air superiority: +1 attacker had it, 0 neither side, -1 defender had it",
        (-1, 0, 1),
        (9,),
    ),
    Code(
        "SURPA",
        "surprise: +1/+2/+3 minor/substantial/complete by the attacker, 0 none, -1/-2/-3 by the defender",
        (-3, -2, -1, 0, 1, 2, 3),
        (9,),
    ),
    Code(
        "CEA",
        "attacker's relative combat effectiveness, -4 (strongly favours defender) to +4",
        (-4, -3, -2, -1, 0, 1, 2, 3, 4),
        (-9,),
    ),
    Code("WINA", "outcome: +1 attacker won, 0 draw, -1 attacker lost", (-1, 0, 1), (-9,)),
    Code(
        "CRIT",
        "criterion for wina: 1 clear-cut decision, 2 judged on mission accomplishment",
        (1, 2),
        (0,),
    ),
]
CODE_NAMES = {"AEROA": "aeroa", "SURPA": "surpa", "CEA": "cea", "WINA": "wina", "CRIT": "win_criterion"}

POSTURES = {
    "HD": "hasty defence",
    "PD": "prepared defence",
    "FD": "fortified defence",
    "DL": "delaying action",
    "WD": "withdrawal",
}
POSTURE_MISSING = ("OO", "00")  # CDB90DEF: OO = not available; "00" (digits) is a typo seen once

RELIEF = {"G": "rugged", "R": "rolling", "F": "flat"}
COVER = {"W": "wooded", "M": "mixed", "B": "bare", "D": "desert"}
FEATURE = {"U": "urban", "M": "marsh", "D": "dunes"}

STRENGTH_CODES = (1, 2, 3)
STRENGTH_CODE_MISSING = (0,)  # outside CDB90DEF's 1/2/3; only where the strength is -1 too

KMDA_MISSING = -9999.0
WIDTH_MISSING = -1.0

MAX_COUNT = 1e8
"""Largest count (people, tanks, guns, sorties) a battle may record: a bound on sense, not a
fitted value. The largest in the shipped copy is 1,250,000 (STRA); 10^8 is more than all the
armed forces of the Second World War together. A count above it (e.g. 1e308) is refused."""
MAX_KM = 20_000.0
"""Largest distance (advance, width of front) in km: half the Earth's circumference."""


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
    for suffix, (letter, side) in SIDES.items():
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
        for name, (stem, text) in COUNTS_PER_SIDE.items():
            if name == "strength":
                continue
            cols[f"{name}_{suffix}"] = f"{stem}{letter}: {side}'s {text}; -1 -> NaN."
        cols[f"front_width_{suffix}_km"] = (
            f"WOF{letter}1: {side}'s width of front at the start of the battle, km; -1 -> NaN."
        )
    for code in CODES:
        missing = ", ".join(f"{m:+d}" if m else "0" for m in code.missing)
        cols[CODE_NAMES[code.field]] = f"{code.field}: {code.description}; {missing} -> NaN."
    cols["kmda"] = "KMDA: distance the attacker advanced (negative: retreated), km; -9999 -> NaN."
    postures = ", ".join(f"{k} {v}" for k, v in POSTURES.items())
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


def number(path: Path, frame: pd.DataFrame, field: str) -> pd.Series:
    """Column ``field`` as floats; a blank or non-number raises with file, field and battle."""
    text = frame[field].str.strip()
    values = pd.to_numeric(text, errors="coerce").astype(float)
    require(path, frame, field, values.notna(), "a number")
    require(path, frame, field, pd.Series(np.isfinite(values.to_numpy()), index=values.index), "a finite number")
    return values


def fail_value(path: Path, isqno: object, field: str, value: object, expected: str) -> FlashpointError:
    return FlashpointError(f"{path}: field {field} of battle isqno {isqno} is {value!r}; expected {expected}")


def require(path: Path, frame: pd.DataFrame, field: str, ok: pd.Series, expected: str) -> None:
    """Raise for the first battle whose ``field`` fails ``ok``, naming file, field, battle, value."""
    if not ok.all():
        i = int(np.flatnonzero(~ok.to_numpy())[0])
        raise fail_value(path, frame["ISQNO"].iloc[i], field, frame[field].iloc[i], expected)


def count(path: Path, frame: pd.DataFrame, field: str) -> pd.Series:
    values = number(path, frame, field)
    ok = ((values >= 0) & (values <= MAX_COUNT)) | (values == -1)
    require(path, frame, field, ok, f"a number from 0 to {MAX_COUNT:.0e}, or -1 (not available)")
    return values.mask(values == -1)


def code(
    path: Path, frame: pd.DataFrame, field: str, allowed: tuple[int, ...], missing: tuple[int, ...]
) -> pd.Series:
    values = number(path, frame, field)
    shown = ", ".join(str(v) for v in allowed)
    gone = ", ".join(str(v) for v in missing)
    require(
        path, frame, field, values.isin(allowed + missing), f"one of {shown} (or {gone} for not available)"
    )
    return values.mask(values.isin(missing))


def postures(path: Path, frame: pd.DataFrame, field: str) -> pd.Series:
    text = frame[field].str.strip()
    ok = text.isin(list(POSTURES) + list(POSTURE_MISSING))
    require(path, frame, field, ok, f"one of {', '.join(POSTURES)} (or OO for not available)")
    return text.mask(text.isin(POSTURE_MISSING))


def terrain(path: Path, frame: pd.DataFrame, field: str) -> pd.Series:
    text = frame[field].str.strip().str.upper().str.replace("O", "0")
    pattern = r"^[GRF0][WMBD0][UMD0]$"
    ok = text.str.match(pattern).astype(bool)
    require(path, frame, field, ok, "three characters: G/R/F/0, then W/M/B/D/0, then U/M/D/0")
    return text.mask(text == "000")
