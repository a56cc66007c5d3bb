"""What a run leaves: the same summary.json however it was split, labelled results, the run
directory, and the ``run`` command's output and its messages for bad input."""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import flashpoint
from flashpoint import outputs as outputs_module
from flashpoint.analysis import results as results_module
from flashpoint.api import run

SEED, DAYS = 5, 6
SUMMARY_KEYS = {"schema_version", "scenario", "interventions", "seed", "version", "parameters_set", "runs",
                "days", "outcomes", "metrics", "control", "control_by_actor", "territory", "decisions",
                "escalation", "ceasefire_day"}
METRIC_STATS = {"mean", "q05", "q25", "q50", "q75", "q95"}


@cache
def idlib():
    return flashpoint.load("idlib-2020")


@cache
def summary_text(block_size: int, workers: int = 1) -> str:
    res = run(idlib(), runs=1000, seed=SEED, days=DAYS, block_size=block_size, workers=workers)
    return json.dumps(res.summary(), sort_keys=True)


# ------------------------------------------------------------------- reproducibility
@pytest.mark.parametrize("block_size", [500, 1000])
def test_summary_does_not_depend_on_the_block_size(block_size):
    assert summary_text(block_size) == summary_text(250)


def test_summary_does_not_depend_on_the_number_of_workers():
    assert summary_text(250, workers=2) == summary_text(250)


def test_a_different_seed_gives_a_different_summary():
    other = run(idlib(), runs=1000, seed=SEED + 1, days=DAYS, block_size=250)
    assert json.dumps(other.summary(), sort_keys=True) != summary_text(250)


# ------------------------------------------------------------------------ labels
def test_results_dataset_is_labelled():
    res = run(idlib(), runs=500, seed=SEED, days=DAYS)
    s, ds = res.summary(), res.dataset
    saraqib = ds.sel(place="saraqib")
    assert set(saraqib["control"].dims) == {"camp"}
    for camp in ds["camp"].values:
        assert float(saraqib["control"].sel(camp=camp)) == s["control"]["saraqib"].get(str(camp), 0.0)
    assert float(saraqib["control"].sum()) == pytest.approx(1.0)
    assert float(ds["metrics"].sel(metric="syria.personnel_killed", stat="mean")) == \
        s["metrics"]["syria.personnel_killed"]["mean"]
    for oid, row in s["outcomes"].items():
        assert float(ds["outcome_p"].sel(outcome=oid)) == row["p"]
        assert list(ds["outcome_ci"].sel(outcome=oid).values) == row["ci95"]
    assert ds.sizes["day"] == DAYS + 1
    assert list(ds["territory"].sel(camp="regime", quantile=0.5).values) == s["territory"]["regime"]["q50"]


# ------------------------------------------------------------------------- the CLI
@pytest.fixture
def cli(cli):
    """``flashpoint run`` with the given arguments."""
    return lambda *args: cli("run", *args)


def run_dirs(out: Path) -> list[Path]:
    return sorted(p for p in out.iterdir() if p.is_dir())


def test_json_output_has_the_documented_keys(cli, tmp_path):
    result = cli("idlib-2020", "--runs", "250", "--days", "3", "--seed", "9", "--with", "coalition-air-support",
                 "--set", "attrition-rate=0.02", "--json", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert set(doc) >= SUMMARY_KEYS
    assert doc["scenario"] == "idlib-2020"
    assert doc["interventions"] == ["coalition-air-support"]
    assert (doc["runs"], doc["days"], doc["seed"]) == (250, 3, 9)
    assert doc["parameters_set"] == {"attrition-rate": 0.02}
    assert doc["version"] == flashpoint.__version__
    for row in doc["metrics"].values():
        assert set(row) >= METRIC_STATS
    assert "usa.aircraft_lost" in doc["metrics"]
    for row in doc["outcomes"].values():
        assert {"p", "ci95", "count"} <= set(row)
        assert row["ci95"][0] <= row["p"] <= row["ci95"][1]
        assert row["p"] == row["count"] / 250
    for shares in doc["control"].values():
        assert sum(shares.values()) == pytest.approx(1.0)
    assert sum(doc["escalation"]["highest"].values()) == pytest.approx(1.0)
    for camp in doc["territory"].values():
        assert len(camp["q50"]) == 4            # day 0 to day 3
    # the run directory holds the same document
    (folder,) = run_dirs(tmp_path)
    assert json.loads((folder / "summary.json").read_text(encoding="utf-8")) == doc


def test_run_directory_contents(cli, tmp_path):
    result = cli("idlib-2020", "--runs", "250", "--days", "4", "--with", "no-drones", "--save-trajectories",
                 "--block-size", "250", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    (folder,) = run_dirs(tmp_path)
    assert str(folder.name) in result.stdout
    assert {p.name for p in folder.iterdir()} == {"summary.json", "scenario.toml", "manifest.json",
                                                  "trajectories.nc"}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]     # no partial folder left

    resolved = flashpoint.load(str(folder / "scenario.toml"))
    assert resolved.meta.id == "idlib-2020"
    assert not resolved.forces.drones                                          # no-drones applied
    assert set(resolved.forces.ground) == set(idlib().forces.ground)

    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert {"version", "seed", "command", "runs", "days", "block_size", "workers"} <= set(manifest)
    assert (manifest["runs"], manifest["days"], manifest["seed"]) == (250, 4, 1)
    assert manifest["interventions"] == ["no-drones"]

    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    with xr.open_dataset(folder / "trajectories.nc") as ds:
        assert ds["control"].dims == ("run", "day", "place")
        assert (ds.sizes["run"], ds.sizes["day"]) == (250, 5)
        assert list(ds["place"].values) == list(idlib().places)
        assert ds["personnel_killed"].dims == ("run", "day", "actor")
        # the trajectories and the summary describe the same runs
        actors = list(ds["actor"].values)
        last = ds["control"].sel(place="saraqib").isel(day=-1).values
        for actor, share in summary["control_by_actor"]["saraqib"].items():
            assert np.mean(last == actors.index(actor)) == pytest.approx(share)
        killed = ds["personnel_killed"].sel(actor="syria").isel(day=-1).values
        assert killed.mean() == pytest.approx(summary["metrics"]["syria.personnel_killed"]["mean"], rel=1e-6)


# ------------------------------------------------------------------------ bad input
BAD = [
    (["--runs", "0"], ["--runs", "0"]),
    (["--days", "91"], ["--days", "91", "90"]),
    (["--set", "unknown=1"], ["--set", "unknown"]),
    (["--set", "attrition-rate=5"], ["--set", "attrition-rate=5", "[0, 0.2]"]),
    (["--set", "x"], ["--set", "'x'", "NAME=VALUE"]),
    (["--set", "attrition-rate=lots"], ["--set", "lots"]),
    (["--with", "nonexistent"], ["intervention", "nonexistent"]),
    (["--block-size", "0"], ["--block-size", "0"]),
    (["--workers", "0"], ["--workers", "0"]),
]


@pytest.mark.parametrize("args, words", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_input_exits_2_with_one_line_naming_it(cli, tmp_path, args, words):
    out = tmp_path / "runs"
    result = cli("idlib-2020", "--runs", "250", "--days", "2", *args, "--out", str(out))
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    for word in words:
        assert word in lines[0], (word, lines[0])
    assert "Traceback" not in result.output
    assert result.stdout.strip() == ""
    assert not out.exists() or not any(out.iterdir())


def test_unwritable_out_exits_2_before_simulating(cli, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    target = blocker / "runs"
    result = cli("idlib-2020", "--runs", "250", "--days", "2", "--out", str(target))
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: --out ") and str(target) in lines[0]
    assert blocker.read_text(encoding="utf-8") == "not a folder"


# ---------------------------------------------------------------- interrupted writes
class _OsRenameInterrupted:
    """``os`` for the outputs module, whose final rename is interrupted (Ctrl-C)."""

    def __getattr__(self, name):
        return getattr(os, name)

    @staticmethod
    def rename(*args, **kwargs):
        raise KeyboardInterrupt


def _interrupt_trajectories(self, block):
    self.path.write_bytes(b"half a file")
    raise KeyboardInterrupt


@pytest.mark.parametrize("where", ["rename", "trajectories"])
def test_an_interrupted_write_leaves_nothing(cli, tmp_path, monkeypatch, where):
    (tmp_path / "keep.txt").write_text("was here before", encoding="utf-8")
    if where == "rename":
        monkeypatch.setattr(outputs_module, "os", _OsRenameInterrupted())
    else:
        monkeypatch.setattr(results_module.TrajectoryWriter, "append", _interrupt_trajectories)
    result = cli("idlib-2020", "--runs", "250", "--days", "2", "--save-trajectories", "--json",
                 "--out", str(tmp_path))
    assert result.exit_code == 130, result.output
    assert "nothing was written" in result.stderr
    assert result.stdout.strip() == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]
    assert not list(tmp_path.rglob("summary.json"))
