"""flashpoint calibrate and predict-battles: files written, determinism, and one clear message with
exit code 2 (and nothing written) for every kind of bad input.

The fits run on a quarter of the shipped CDB90 copy (isqno = 3 mod 4: every battle with the fields
the kernel needs), written in the CDB90 layout, so that they take seconds.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from flashpoint import __version__
from flashpoint.analysis.calibrate.pipeline import PREDICTION_COLUMNS
from flashpoint.analysis.history.cdb90 import data_hash, default_folder

SHIPPED_PARAMS = Path(__file__).parents[2] / "src" / "flashpoint" / "engine" / "calibration" / "cdb90.json"


def write_layout(folder: Path, patched: pd.DataFrame, tidy: pd.DataFrame) -> Path:
    (folder / "data").mkdir(parents=True, exist_ok=True)
    patched.to_csv(folder / "CDB90-patched.csv", index=False)
    tidy.to_csv(folder / "data" / "battles.csv", index=False)
    return folder


def read_layout() -> tuple[pd.DataFrame, pd.DataFrame]:
    src = default_folder()
    patched = pd.read_csv(src / "CDB90-patched.csv", dtype=str, keep_default_na=False)
    tidy = pd.read_csv(src / "data" / "battles.csv", dtype=str, keep_default_na=False)
    return patched, tidy


INCONSISTENT = 3
"""A battle of the quarter whose first period is given a start hour and an unknown (9999) end hour,
as in one row of the complete public CDB90 release (Nieuport's neighbour, isqno 3, 1 day)."""


@pytest.fixture(scope="module")
def subset(tmp_path_factory) -> Path:
    patched, tidy = read_layout()
    keep = patched["ISQNO"].astype(int) % 4 == 3
    ids = set(patched.loc[keep, "ISQNO"].astype(int))
    patched = patched[keep].copy()
    row = patched.index[patched["ISQNO"].astype(int) == INCONSISTENT][0]
    patched.loc[row, "ATPBHR1"], patched.loc[row, "ATPEHR1"] = "0800", "9999"
    return write_layout(tmp_path_factory.mktemp("cdb90-quarter"), patched,
                        tidy[tidy["isqno"].astype(int).isin(ids)])


@pytest.fixture(scope="module")
def calibration_run(cli, subset, tmp_path_factory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("fit") / "params.json"
    result = cli("calibrate", "--battles", subset, "--out", out, "--folds", "2", "--seed", "5")
    assert result.exit_code == 0, result.output
    return out, result.output


@pytest.fixture(scope="module")
def params(calibration_run) -> Path:
    return calibration_run[0]


def test_calibrate_reads_inconsistent_period_fields_as_not_known(calibration_run):
    out, output = calibration_run
    doc = json.loads(out.read_text("utf-8"))
    lines = [line for line in output.splitlines() if "contradict each other" in line]
    assert len(lines) == 1 and lines[0].startswith("warning: ")
    assert f"(isqno {INCONSISTENT})" in lines[0] and "ATPBHR1 800 with ATPEHR1 9999" in lines[0]
    assert doc["warnings"][0] == lines[0].removeprefix("warning: ")
    assert doc["data"]["battles_used"] == doc["data"]["battles_read"]  # its dates are known: still fitted


def test_calibrate_warns_of_constants_at_a_limit(calibration_run):
    out, output = calibration_run
    doc = json.loads(out.read_text("utf-8"))
    at_limit = [name for name, c in doc["constants"].items() if c["at_limit"]]
    assert at_limit, "the quarter's fit ends with some constants at a limit (no terrain effect)"
    (line,) = [line for line in output.splitlines() if "ended at a limit" in line]
    assert line.startswith(f"warning: {len(at_limit)} fitted constant")
    assert all(f"{name} " in line for name in at_limit)
    assert sum(name in line for name in doc["constants"]) == len(at_limit)


def test_calibrate_writes_a_complete_file(params, subset):
    doc = json.loads(params.read_text("utf-8"))
    assert doc["version"] == __version__ and doc["seed"] == 5 and doc["folds"] == 2
    assert doc["data"]["hash"] == data_hash(subset)
    n = len(pd.read_csv(subset / "CDB90-patched.csv"))
    assert doc["data"]["battles_read"] == doc["data"]["battles_used"] == n > 100
    cv = doc["scores"]["cross_validated"]
    for model in ("model", "force_ratio", "base_rate"):
        assert 0 < cv[model]["brier"] < 0.5 and 0 < cv[model]["log_loss"] < 2
        assert cv[model]["casualties_attacker"]["n"] > 100
    assert sum(b["n"] for b in cv["calibration_curve"]) == cv["n_battles"]
    assert {"odds_ratio", "median_loss_exchange", "inside"} <= set(doc["air_superiority"])
    for c in doc["constants"].values():
        assert c["low"] <= c["value"] <= c["high"]


def test_calibrate_is_deterministic_given_the_seed(cli, params, subset, tmp_path):
    again = tmp_path / "again.json"
    assert cli("calibrate", "--battles", subset, "--out", again, "--folds", "2", "--seed", "5",
                  "--json").exit_code == 0
    assert again.read_bytes() == params.read_bytes()


def test_predict_battles_writes_one_row_per_battle(cli, params, subset, tmp_path):
    out = tmp_path / "predictions.csv"
    result = cli("predict-battles", "--params", params, "--battles", subset, "--out", out)
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    assert list(table.columns) == PREDICTION_COLUMNS
    patched, _ = read_layout()
    assert sorted(table["isqno"]) == sorted(patched["ISQNO"].astype(int)[patched["ISQNO"].astype(int) % 4 == 3])
    assert table.notna().all().all()
    assert ((table["p_attacker_wins"] + table["p_draw"]) <= 1 + 1e-6).all()
    shares = PREDICTION_COLUMNS[1:5]
    assert table[shares].ge(0).all().all() and table[shares].le(1).all().all()
    assert table["duration_days"].ge(1).all() and table["duration_days"].le(150).all()
    # bigger battles last longer in CDB90, and the model says so
    sizes = pd.read_csv(subset / "CDB90-patched.csv").set_index("ISQNO")[["STRA", "STRD"]].sum(axis=1)
    assert table.set_index("isqno")["duration_days"].corr(sizes.reindex(table["isqno"]), method="spearman") > 0.3


def test_predicting_other_battles_needs_to_be_asked_for(cli, params, tmp_path):
    out = tmp_path / "p.csv"
    result = cli("predict-battles", "--params", params, "--out", out)     # the whole shipped copy
    assert result.exit_code == 2
    assert f"{params}: field data.hash is" in result.output and "fitted on other data" in result.output
    assert not out.exists()
    # asked for, strictly: the whole copy holds ARDENNES (isqno 657) without strengths
    result = cli("predict-battles", "--params", params, "--out", out, "--other-data", "--strict")
    assert result.exit_code == 2
    assert "CDB90-patched.csv (shipped copy): field STRA of battle isqno 657 is not available" in result.output
    assert not out.exists()
    result = cli("predict-battles", "--params", params, "--out", out, "--other-data")
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    assert len(table) == 542 and table["p_attacker_wins"].isna().sum() == 1
    assert table.loc[table["isqno"] == 657, "p_attacker_wins"].isna().all()


def test_predict_with_the_shipped_calibration(cli, tmp_path):
    out = tmp_path / "shipped.csv"
    result = cli("predict-battles", "--params", SHIPPED_PARAMS, "--out", out)
    assert result.exit_code == 0, result.output
    assert "542 battles (1 without a prediction" in result.output
    (line,) = [line for line in result.output.splitlines() if line.startswith("warning:")]
    assert "1 battle left out, a field the battle kernel needs not being known: isqno 657 (STRA, STRD)" in line


# ------------------------------------------------------------------------------------ bad inputs
def _no_leftovers(folder: Path) -> None:
    assert [p.name for p in folder.iterdir()] == [], "a failed command left files behind"


@pytest.mark.parametrize("damage", ["no-folder", "no-tidy-file", "no-column", "bad-code", "too-few", "headers-only",
                                    "infinite", "absurd"])
def test_calibrate_refuses_a_bad_battles_folder(cli, damage, tmp_path):
    patched, tidy = read_layout()
    folder = tmp_path / "battles"
    expected = ""
    if damage == "no-folder":
        expected = "data folder not found"
    elif damage == "no-tidy-file":
        write_layout(folder, patched, tidy)
        (folder / "data" / "battles.csv").unlink()
        expected = "battles.csv: file not found"
    elif damage == "no-column":
        write_layout(folder, patched.drop(columns="WINA"), tidy)
        expected = "CDB90-patched.csv: column WINA is missing"
    elif damage == "bad-code":
        patched.loc[patched.index[3], "AEROA"] = "7"
        write_layout(folder, patched, tidy)
        expected = f"CDB90-patched.csv: field AEROA of battle isqno {patched['ISQNO'].iloc[3]} is '7'"
    elif damage == "too-few":       # every outcome a missing-value code: nothing to fit
        patched["WINA"] = "-9"
        write_layout(folder, patched, tidy)
        expected = "CDB90-patched.csv: field WINA is known for 0 battles"
    elif damage == "headers-only":
        write_layout(folder, patched.iloc[:0], tidy.iloc[:0])
        expected = "0 battles can be run; expected at least --folds (2)"
    elif damage in ("infinite", "absurd"):
        patched.loc[patched.index[3], "STRA"] = "inf" if damage == "infinite" else "1e308"
        write_layout(folder, patched, tidy)
        expected = f"CDB90-patched.csv: field STRA of battle isqno {patched['ISQNO'].iloc[3]} is"
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = cli("calibrate", "--battles", folder, "--out", out_dir / "params.json", "--folds", "2")
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert "Traceback" not in result.output
    _no_leftovers(out_dir)


def test_predict_strict_refuses_a_row_with_a_missing_value_code(cli, params, subset, tmp_path):
    patched, tidy = read_layout()
    ids = set(pd.read_csv(subset / "CDB90-patched.csv")["ISQNO"])
    sub = patched[patched["ISQNO"].astype(int).isin(ids)].copy()
    sub.loc[sub.index[0], "STRD"] = "-1"
    folder = write_layout(tmp_path / "battles", sub, tidy[tidy["isqno"].astype(int).isin(ids)])
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = cli("predict-battles", "--params", params, "--battles", folder, "--out", out_dir / "p.csv",
                    "--other-data", "--strict")
    assert result.exit_code == 2
    assert f"CDB90-patched.csv: field STRD of battle isqno {sub['ISQNO'].iloc[0]} is not available" in result.output
    _no_leftovers(out_dir)


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.update(format="something-else"), "field format is 'something-else'"),
    (lambda d: d["constants"].pop("surprise-power"), "field constants.surprise-power is missing"),
    (lambda d: d["fixed"].pop("max-daily-loss"), "field fixed.max-daily-loss is missing"),
])
def test_predict_refuses_a_bad_params_file(cli, params, subset, tmp_path, change, message):
    doc = json.loads(params.read_text("utf-8"))
    change(doc)
    bad = tmp_path / "params.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = cli("predict-battles", "--params", bad, "--battles", subset, "--out", out_dir / "p.csv")
    assert result.exit_code == 2
    assert f"{bad}: {message}" in result.output
    _no_leftovers(out_dir)


@pytest.mark.parametrize(("name", "key", "value"), [
    ("posture-hold", "low", 0.5), ("air-superiority-power", "high", 100.0), ("surprise-power", "high", 50.0)])
def test_predict_refuses_limits_changed_by_hand(cli, params, subset, tmp_path, name, key, value):
    doc = json.loads(params.read_text("utf-8"))
    doc["constants"][name][key] = value
    bad = tmp_path / "params.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = cli("predict-battles", "--params", bad, "--battles", subset, "--out", out_dir / "p.csv")
    assert result.exit_code == 2, result.output
    assert f"{bad}: field constants.{name}.{key} is {value:g}; expected" in result.output
    _no_leftovers(out_dir)


def test_outputs_into_a_missing_folder_are_refused_before_any_work(cli, tmp_path):
    result = cli("calibrate", "--out", tmp_path / "nowhere" / "params.json")
    assert result.exit_code == 2 and "does not exist" in result.output
    result = cli("predict-battles", "--params", SHIPPED_PARAMS, "--out", tmp_path / "nowhere" / "p.csv")
    assert result.exit_code == 2 and "does not exist" in result.output
    result = cli("calibrate", "--out", tmp_path)
    assert result.exit_code == 2 and "is a folder" in result.output


def test_a_params_file_that_is_not_json(cli, tmp_path):
    bad = tmp_path / "params.json"
    shutil.copy(SHIPPED_PARAMS, bad)
    bad.write_text(bad.read_text("utf-8")[:100], encoding="utf-8")
    result = cli("predict-battles", "--params", bad, "--out", tmp_path / "p.csv")
    assert result.exit_code == 2 and f"{bad}: not JSON" in result.output
