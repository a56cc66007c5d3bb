"""The CDB90 loader: known counts of the shipped copy, missing-value codes, bad input."""

from __future__ import annotations

import csv
import math
import shutil
from pathlib import Path

import pandas as pd
import pytest

from flashpoint.analysis.history.cdb90 import (
    BATTLES_FILE,
    COLUMNS,
    FILES_READ,
    PATCHED_FILE,
    data_hash,
    default_folder,
    load_battles,
)
from flashpoint.errors import FlashpointError


@pytest.fixture(scope="module")
def battles() -> pd.DataFrame:
    return load_battles()


@pytest.fixture(scope="module")
def raw_rows() -> dict[int, dict[str, str]]:
    """The shipped CDB90-patched.csv read independently of the loader, keyed by ISQNO."""
    with (default_folder() / PATCHED_FILE).open(encoding="utf-8", newline="") as fh:
        return {int(row["ISQNO"]): row for row in csv.DictReader(fh)}


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "cdb90"
    for rel in FILES_READ:
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(default_folder() / rel, folder / rel)
    return folder


def _edit_patched(folder: Path, isqno: int, field: str, value: str) -> None:
    path = folder / PATCHED_FILE
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    col = rows[0].index(field)
    (row,) = [r for r in rows[1:] if r[0] == str(isqno)]
    row[col] = value
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)


# ---- the shipped copy -------------------------------------------------------------------------


def test_one_row_per_battle_of_this_copy(battles: pd.DataFrame) -> None:
    assert len(battles) == 542
    assert battles.index.name == "isqno"
    assert battles.index.is_unique
    assert list(battles.columns) == list(COLUMNS)
    assert battles.index.min() == 1 and battles.index.max() == 660


def test_wina_counts_keep_attacker_losses(battles: pd.DataFrame) -> None:
    counts = battles["wina"].value_counts(dropna=False)
    assert counts[1.0] == 324
    assert counts[-1.0] == 181  # blank in data/battles.csv: the negative-code bug
    assert counts[0.0] == 35
    assert battles["wina"].isna().sum() == 2  # WINA -9, unknown


def test_aeroa_counts_keep_defender_air_superiority(battles: pd.DataFrame) -> None:
    counts = battles["aeroa"].value_counts(dropna=False)
    assert counts[1.0] == 192
    assert counts[0.0] == 273
    assert counts[-1.0] == 43  # blank in data/battles.csv
    assert battles["aeroa"].isna().sum() == 34  # AEROA 9, unknown


@pytest.mark.parametrize(
    ("column", "field", "code"),
    [
        ("aeroa", "AEROA", "9"),
        ("wina", "WINA", "-9"),
        ("cea", "CEA", "-9"),
        ("win_criterion", "CRIT", "0"),
        ("kmda", "KMDA", "-9999"),
        ("strength_a", "STRA", "-1"),
        ("casualties_a", "CASA", "-1"),
        ("casualties_d", "CASD", "-1"),
        ("strength_final_d", "FINSTD", "-1"),
        ("reinforcements_a", "RERPA", "-1"),
        ("tanks_d", "TANKD", "-1"),
        ("artillery_a", "ARTYA", "-1"),
        ("cas_sorties_a", "FLYA", "-1"),
        ("cas_sorties_d", "FLYD", "-1"),
        ("front_width_d_km", "WOFD1", "-1"),
        ("post1", "POST1", "OO"),
    ],
)
def test_missing_value_code_becomes_nan_and_nothing_else_does(
    battles: pd.DataFrame, raw_rows: dict[int, dict[str, str]], column: str, field: str, code: str
) -> None:
    coded = {q for q, row in raw_rows.items() if float_or_text(row[field]) == float_or_text(code)}
    assert coded, f"{field} = {code} does not occur in this copy"
    nan = set(battles.index[battles[column].isna()])
    assert nan == coded


def float_or_text(value: str) -> float | str:
    try:
        return float(value)
    except ValueError:
        return value.strip()


def test_negative_values_that_are_data_survive(battles: pd.DataFrame) -> None:
    # KMDA < 0 is a retreat, not a missing code (only -9999 is)
    assert (battles["kmda"] < 0).sum() == 34
    assert battles["kmda"].min() == -65.0
    assert (battles["surpa"] < 0).sum() == 12


def test_initial_strength_falls_back_on_total_when_code_says_it_is_initial(
    battles: pd.DataFrame, raw_rows: dict[int, dict[str, str]]
) -> None:
    filled = [q for q, r in raw_rows.items() if r["INTSTA"] == "-1" and r["CODEA"] == "1"]
    assert filled
    for q in filled:
        assert battles.at[q, "strength_init_a"] == battles.at[q, "strength_a"]
    not_filled = [q for q, r in raw_rows.items() if r["INTSTA"] == "-1" and r["CODEA"] == "3"]
    assert battles.loc[not_filled, "strength_init_a"].isna().all()
    # where INTSTA is given it wins, even when it disagrees with a code-1 total (isqno 338)
    assert battles.at[338, "strength_init_a"] == 1748 and battles.at[338, "strength_a"] == 1940


def test_strength_code_zero_is_missing(battles: pd.DataFrame) -> None:
    assert set(battles["strength_code_a"].dropna().unique()) <= {1.0, 2.0, 3.0}
    assert math.isnan(battles.at[657, "strength_code_a"])  # ARDENNES: CODEA 0, STRA -1


def test_terrain_codes(battles: pd.DataFrame) -> None:
    assert battles["terrain1"].isna().sum() == 10  # '000'
    assert battles.at[1, "terrain1"] == "RBD"
    assert (battles.at[1, "terrain_relief"], battles.at[1, "terrain_cover"]) == ("rolling", "bare")
    assert battles.at[1, "terrain_feature"] == "dunes"
    assert battles.at[280, "terrain2"] == "RW0"  # written with a letter O in the source
    assert set(battles["terrain_relief"].dropna()) == {"rugged", "rolling", "flat"}


def test_durations_from_active_periods(battles: pd.DataFrame) -> None:
    # Nieuport, 2 July 1600, 14:30-19:30
    assert battles.at[1, "duration_days"] == 1
    assert battles.at[1, "active_hours"] == pytest.approx(5.0)
    # Spotsylvania, 8-18 May 1864, hours unknown
    assert battles.at[203, "duration_days"] == 11
    assert math.isnan(battles.at[203, "active_hours"])
    # Freiburg 1644: 6 + 1.5 + 2 hours, plus a period coded 5000/5200 (two hours, times unknown)
    assert battles.at[15, "active_hours"] == pytest.approx(11.5)
    assert battles.at[15, "duration_days"] == 7
    # San Martino 1944: a period starting at 2400 (end of 11 May) until 20:00 on 12 May, then 3.5 h
    assert battles.at[435, "active_hours"] == pytest.approx(23.5)
    # First Somme: NOATP says 1 period but CDB90 holds two (1 Jul - 30 Sep, 1 - 24 Nov 1916)
    assert battles.at[304, "end_date"] == pd.Timestamp("1916-11-24")
    assert battles.at[304, "duration_days"] == 147
    assert battles["year"].between(1600, 1982).all()
    assert (battles["year"] == battles["start_date"].dt.year).all()


def test_engagements_inside_larger_battles(battles: pd.DataFrame) -> None:
    parents = battles["parent_isqno"].dropna().astype(int)
    assert len(parents) == 29
    assert parents[306] == 304  # SOMME-OVILLERS inside FIRST SOMME
    assert set(parents) - set(battles.index) == {387, 461, 498}  # held back from this copy


def test_war_columns(battles: pd.DataFrame) -> None:
    assert battles["war"].notna().all() and battles["war_std"].notna().all()
    assert battles.loc[battles["year"] >= 1940, "war"].str.contains("WORLD WAR II").sum() > 100


def test_columns_are_documented() -> None:
    for name, text in COLUMNS.items():
        assert text.strip(), name
    assert all("-> NaN" in COLUMNS[c] for c in ("aeroa", "wina", "kmda", "casualties_a", "post1"))


# ---- data hash --------------------------------------------------------------------------------


def test_data_hash_is_stable_and_sees_edits(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    shipped = data_hash()
    assert len(shipped) == 64 and int(shipped, 16) >= 0
    assert data_hash(folder) == shipped
    _edit_patched(folder, 1, "CASA", "4001")
    assert data_hash(folder) != shipped


def test_data_hash_ignores_files_not_read(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    (folder / "data" / "notes.csv").write_text("x\n1\n", encoding="utf-8")
    assert data_hash(folder) == data_hash()


# ---- bad input --------------------------------------------------------------------------------


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(FlashpointError, match=r"nowhere: data folder not found; expected a folder"):
        load_battles(tmp_path / "nowhere")
    with pytest.raises(FlashpointError, match="data folder not found"):
        data_hash(tmp_path / "nowhere")


@pytest.mark.parametrize("rel", FILES_READ)
def test_missing_file(tmp_path: Path, rel: str) -> None:
    folder = _copy(tmp_path)
    (folder / rel).unlink()
    with pytest.raises(FlashpointError, match=rf"{Path(rel).name}: file not found; expected the CDB90"):
        load_battles(folder)


def test_missing_column(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    path = folder / PATCHED_FILE
    text = path.read_text(encoding="utf-8").replace(",AEROA,", ",AERO_A,", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FlashpointError, match=r"CDB90-patched\.csv: column AEROA is missing"):
        load_battles(folder)


def test_missing_column_in_tidy_table(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    path = folder / BATTLES_FILE
    text = path.read_text(encoding="utf-8").replace(",war4,", ",war_4,", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FlashpointError, match=r"battles\.csv: column war4 is missing"):
        load_battles(folder)


def test_not_utf8(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    path = folder / PATCHED_FILE
    path.write_bytes(path.read_bytes().replace(b"NIEUPORT", b"NIEUP\xd6RT", 1))
    with pytest.raises(FlashpointError, match=r"CDB90-patched\.csv: byte \d+ is not UTF-8 \(0xd6\)"):
        load_battles(folder)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("WINA", "2", r"field WINA of battle isqno 5 is '2'; expected one of -1, 0, 1 \(or -9"),
        ("AEROA", "-9", r"field AEROA of battle isqno 5 is '-9'; expected one of -1, 0, 1 \(or 9 "),
        ("CASA", "-5", r"field CASA of battle isqno 5 is '-5'; expected a number from 0 to 1e\+08, or -1"),
        ("STRA", "inf", r"field STRA of battle isqno 5 is 'inf'; expected a finite number"),
        ("STRA", "1e308", r"field STRA of battle isqno 5 is '1e308'; expected a number from 0 to 1e\+08"),
        ("TANKD", "nan", r"field TANKD of battle isqno 5 is 'nan'; expected a number"),
        ("KMDA", "-inf", r"field KMDA of battle isqno 5 is '-inf'; expected a finite number"),
        ("KMDA", "50000", r"field KMDA of battle isqno 5 is '50000'; expected a distance in km"),
        ("WOFD1", "1e9", r"field WOFD1 of battle isqno 5 is '1e9'; expected a width in km from 0 to 20000"),
        ("ATPEHR1", "soon", r"field ATPEHR1 of battle isqno 5 is 'soon'; expected a number"),
        ("STRD", "many", r"field STRD of battle isqno 5 is 'many'; expected a number"),
        ("POST1", "XX", r"field POST1 of battle isqno 5 is 'XX'; expected one of HD, PD"),
        ("TERRA1", "QQQ", r"field TERRA1 of battle isqno 5 is 'QQQ'; expected three characters"),
    ],
)
def test_value_outside_code_book(tmp_path: Path, field: str, value: str, expected: str) -> None:
    folder = _copy(tmp_path)
    _edit_patched(folder, 5, field, value)
    with pytest.raises(FlashpointError, match=r"CDB90-patched\.csv: " + expected):
        load_battles(folder)


# Inconsistent period fields (each kind CDB90DEF's coding allows, TIMING_PROBLEMS) are read as not
# known, with one warning line naming the battles. Rows made here by editing shipped ones.
# Battle 1 (Nieuport): 2 July 1600, 14:30-19:30; battle 203 (Spotsylvania): 8-18 May 1864, hours 9999.
@pytest.mark.parametrize(
    ("edits", "unknown", "said"),
    [
        ({"ATPEHR1": "9999"}, "hours", "ATPBHR1 1430 with ATPEHR1 9999: both hours known or both 9999"),
        ({"ATPBHR1": "9999"}, "hours", "ATPBHR1 9999 with ATPEHR1 1930: both hours known or both 9999"),
        ({"ATPBHR1": "5000"}, "hours", "ATPBHR1 5000 and ATPEHR1 1930: 5000 codes a start"),
        ({"ATPEHR1": "5200"}, "hours", "ATPBHR1 1430 and ATPEHR1 5200: 5000 codes a start"),
        ({"ATPBHR1": "5000", "ATPEHR1": "9999"}, "hours", "ATPBHR1 5000 and ATPEHR1 9999"),
        ({"ATPBHR1": "1275"}, "hours", "ATPBHR1 1275 is not a 24-hour clock time"),
        ({"ATPEHR1": "2600"}, "hours", "ATPEHR1 2600 is not a 24-hour clock time"),
        ({"ATPEHR1": "1000"}, "hours", "the period ends (1600-07-02 10:00) before it starts (1600-07-02 14:30)"),
        ({"ATPBMN1": "13"}, "dates", "ATPBYR1/ATPBMN1/ATPBDA1 1600-13-2 is not a calendar date"),
        ({"ATPEDA1": "31", "ATPEMN1": "6"}, "dates", "ATPEYR1/ATPEMN1/ATPEDA1 1600-6-31 is not a calendar date"),
        ({"ATPEYR1": "1599"}, "dates", "the period ends (1599-07-02) before it starts (1600-07-02)"),
    ],
)
def test_inconsistent_period_fields_are_read_as_not_known(tmp_path: Path, edits, unknown, said) -> None:
    folder = _copy(tmp_path)
    for field, value in edits.items():
        _edit_patched(folder, 1, field, value)
    frame = load_battles(folder)
    assert len(frame) == 542
    (line,) = frame.attrs["warnings"]
    assert "CDB90-patched.csv: the active-period fields of 1 battle (isqno 1) contradict each other" in line
    assert said in line
    assert math.isnan(frame.at[1, "active_hours"])
    if unknown == "dates":
        assert math.isnan(frame.at[1, "duration_days"])
        assert pd.isna(frame.at[1, "start_date"]) or pd.isna(frame.at[1, "end_date"])
    else:
        assert frame.at[1, "duration_days"] == 1  # the dates are consistent: kept
    assert frame.at[2, "active_hours"] == load_battles().at[2, "active_hours"]  # other battles untouched


def test_one_warning_line_names_every_inconsistent_battle(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    _edit_patched(folder, 1, "ATPEHR1", "9999")
    _edit_patched(folder, 5, "ATPEYR1", "1500")  # battle 5 is of 1626
    _edit_patched(folder, 203, "ATPEHR1", "1200")
    _edit_patched(folder, 2, "ATPBYR1", "")  # no active period at all
    frame = load_battles(folder)
    (line,) = frame.attrs["warnings"]
    assert "of 4 battles (isqno 1, 2, 5, 203)" in line
    assert "isqno 2: ATPBYR1 is blank: no active period" in line
    assert math.isnan(frame.at[2, "duration_days"]) and math.isnan(frame.at[2, "year"])
    assert load_battles().attrs["warnings"] == []  # the shipped copy is consistent


def test_a_table_with_headers_only(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    for rel in FILES_READ:
        path = folder / rel
        path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    frame = load_battles(folder)
    assert len(frame) == 0 and list(frame.columns) == list(COLUMNS)


def test_tidy_table_must_hold_the_same_battles(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    path = folder / BATTLES_FILE
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(line for line in lines if not line.startswith("5,")), encoding="utf-8")
    with pytest.raises(FlashpointError, match=r"battles\.csv: field isqno has isqno \[5\] missing"):
        load_battles(folder)
