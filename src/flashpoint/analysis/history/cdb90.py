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
A value outside the code book, a count that is not finite or beyond `cdb90_codebook.MAX_COUNT`, a
distance beyond `cdb90_codebook.MAX_KM`, raises `FlashpointError` rather than being passed on.
The code book and its field readers live in `cdb90_codebook`, the active periods in `cdb90_periods`;
this module reads the files and puts the table together.

**Inconsistent timing is not known, not an error.** The active periods (ATPBYRi ... ATPEHRi) allow
combinations that contradict each other; the complete public release holds at least one (a
period with a start hour and an end hour of 9999). Each such period's contradictory part is read
as not known, and the battles are listed in ``frame.attrs["warnings"]`` (one line, see
`cdb90_periods.TIMING_PROBLEMS`) instead of stopping the load. A field that is not a number at all is still an
error: the file is damaged, not inconsistent.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import numpy as np
import pandas as pd

from flashpoint.analysis.history import cdb90_codebook as book
from flashpoint.analysis.history.cdb90_codebook import COLUMNS, MAX_KM
from flashpoint.analysis.history.cdb90_periods import read_timing, timing_warning
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


def default_folder() -> Path:
    """The copy of CDB90 shipped inside the package (542 of the 660 battles)."""
    return Path(__file__).parent / "data" / "cdb90"


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


def _patched_fields() -> list[str]:
    fields = ["ISQNO", "NAME", "WAR", "CAMPGN", "POST1", "POST2", "TERRA1", "TERRA2", "KMDA"]
    for letter, _ in book.SIDES.values():
        fields += [f"{stem}{letter}" for stem, _ in book.COUNTS_PER_SIDE.values()]
        fields += [f"CODE{letter}", f"INTST{letter}", f"WOF{letter}1"]
    fields += [c.field for c in book.CODES]
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

    isqno = book.number(patched_path, raw, "ISQNO")
    ok = ~isqno.duplicated() & (isqno > 0) & (isqno == np.round(isqno))
    book.require(patched_path, raw, "ISQNO", ok, "a positive whole number, unique per battle")
    index = pd.Index(isqno.astype(int).to_numpy(), name="isqno")

    out: dict[str, pd.Series | np.ndarray] = {}
    out["name"] = raw["NAME"].str.strip()
    out["war"] = raw["WAR"].str.strip()
    out["campaign"] = raw["CAMPGN"].str.strip()

    for suffix, (letter, _) in book.SIDES.items():
        for name, (stem, _) in book.COUNTS_PER_SIDE.items():
            out[f"{name}_{suffix}"] = book.count(patched_path, raw, f"{stem}{letter}")
        code = book.code(patched_path, raw, f"CODE{letter}", book.STRENGTH_CODES, book.STRENGTH_CODE_MISSING)
        out[f"strength_code_{suffix}"] = code
        init = book.count(patched_path, raw, f"INTST{letter}")
        out[f"strength_init_{suffix}"] = init.fillna(out[f"strength_{suffix}"].where(code == 1))
        width = book.number(patched_path, raw, f"WOF{letter}1")
        ok = ((width >= 0) & (width <= MAX_KM)) | (width == book.WIDTH_MISSING)
        book.require(patched_path, raw, f"WOF{letter}1", ok, f"a width in km from 0 to {MAX_KM:.0f}, or -1 (not known)")
        out[f"front_width_{suffix}_km"] = width.mask(width == book.WIDTH_MISSING)

    for code in book.CODES:
        out[book.CODE_NAMES[code.field]] = book.code(patched_path, raw, code.field, code.allowed, code.missing)
    kmda = book.number(patched_path, raw, "KMDA")
    ok = (kmda.abs() <= MAX_KM) | (kmda == book.KMDA_MISSING)
    book.require(patched_path, raw, "KMDA", ok, f"a distance in km from -{MAX_KM:.0f} to {MAX_KM:.0f}, or -9999")
    out["kmda"] = kmda.mask(kmda == book.KMDA_MISSING)
    out["post1"] = book.postures(patched_path, raw, "POST1")
    out["post2"] = book.postures(patched_path, raw, "POST2")
    terrain1 = book.terrain(patched_path, raw, "TERRA1")
    out["terrain1"] = terrain1
    out["terrain2"] = book.terrain(patched_path, raw, "TERRA2")
    for pos, (col, words) in enumerate(
        [("terrain_relief", book.RELIEF), ("terrain_cover", book.COVER), ("terrain_feature", book.FEATURE)]
    ):
        out[col] = terrain1.str[pos].map(words)

    frame = pd.DataFrame({k: pd.Series(v).to_numpy() for k, v in out.items()}, index=index)
    timing, problems = read_timing(patched_path, raw)
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
