"""Sweeps: the designs, one experiment equal to the same job run alone, the same bytes whatever the
workers, an interrupted process resumed to the dataset an uninterrupted one writes, EMA Workbench's
pair, and clear errors for bad options."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from flashpoint.analysis.sweep import SweepPlan, design_levels, parse_sets, parts_folder, run_experiment, run_sweep
from flashpoint.analysis.sweep_read import open_sweep, to_ema
from flashpoint.errors import FlashpointError
from flashpoint.scenario import load


@pytest.fixture(scope="module")
def minimal(minimal_toml):
    return load(minimal_toml)


def small_plan(minimal, **kw):
    options = {"design": "lhs", "params": ["attrition-rate=0.005:0.03"], "with_sets": "-;blue-reinforced",
               "points": 3, "runs": 300, "days": 10, "seed": 4}
    options.update(kw)
    return SweepPlan.build(minimal, **options)


# ------------------------------------------------------------------------------ designs
def test_grid_is_every_combination_of_evenly_spaced_levels():
    x = design_levels("grid", 3, 2, seed=1)
    assert x.shape == (9, 2)
    assert sorted(map(tuple, x)) == sorted((a, b) for a in (0, 0.5, 1) for b in (0, 0.5, 1))


def test_lhs_puts_one_point_in_each_stratum_and_repeats_with_the_seed():
    x = design_levels("lhs", 10, 3, seed=5)
    assert x.shape == (10, 3)
    for j in range(3):
        assert sorted(np.floor(x[:, j] * 10).astype(int)) == list(range(10))
    assert np.array_equal(x, design_levels("lhs", 10, 3, seed=5))
    assert not np.array_equal(x, design_levels("lhs", 10, 3, seed=6))


def test_sobol_is_saltelli_with_a_dummy(minimal):
    x = design_levels("sobol", 8, 2, seed=1)
    assert x.shape == (8 * (3 + 2), 3)        # N (D + 2) with D = 3: two parameters and the dummy
    plan = SweepPlan.build(minimal, design="sobol", params=["attrition-rate=0.005:0.03"], points=8, runs=10,
                           days=5)
    assert len(plan.experiments()) == 8 * (1 + 3)


def test_experiments_cross_sets_with_points_and_map_levels_to_the_range(minimal):
    plan = small_plan(minimal)
    specs = plan.experiments()
    assert [s.index for s in specs] == list(range(6))
    assert [s.interventions for s in specs] == [()] * 3 + [("blue-reinforced",)] * 3
    values = [s.parameters["attrition-rate"] for s in specs]
    assert values[:3] == values[3:]
    assert all(0.005 <= v <= 0.03 for v in values)
    assert parse_sets("a;a,b;-") == [("a",), ("a", "b"), ()]


# ------------------------------------------------------------------------------ one experiment
def test_an_experiment_gives_the_numbers_of_the_same_job_run_alone(minimal):
    from flashpoint.analysis.results import Results
    from flashpoint.engine.runner import RunSpec, run_scenario

    spec = small_plan(minimal).experiments()[4]
    part = run_experiment(spec)
    s = minimal.apply("blue-reinforced")
    job = run_scenario(s, RunSpec.for_scenario(s, runs=300, days=10, seed=4, overrides=spec.parameters))
    alone = Results(job, s.meta.id, list(s.applied)).summary()
    assert part["index"] == 4 and part["runs"] == 300
    assert {k: v["p"] for k, v in part["outcomes"].items()} == {k: v["p"] for k, v in alone["outcomes"].items()}
    assert part["metrics"] == alone["metrics"]


def test_dataset_holds_inputs_and_every_summary_and_repeats_byte_for_byte(minimal, tmp_path):
    plan = small_plan(minimal)
    ds = run_sweep(plan, tmp_path / "one.nc", workers=1)
    run_sweep(plan, tmp_path / "two.nc", workers=2)
    assert (tmp_path / "one.nc").read_bytes() == (tmp_path / "two.nc").read_bytes()
    assert not parts_folder(tmp_path / "one.nc").exists()
    assert ds.sizes["experiment"] == 6
    assert list(ds["outcome"].values) == ["blue-holds-b", "road-open"]
    assert list(ds["stat"].values) == ["mean", "q05", "q25", "q50", "q75", "q95"]
    assert list(ds["interventions"].values) == ["-"] * 3 + ["blue-reinforced"] * 3
    p = ds["outcome_p"].values
    assert ((p >= 0) & (p <= 1)).all()
    lo, hi = ds["outcome_ci"].sel(bound="low").values, ds["outcome_ci"].sel(bound="high").values
    assert (lo <= p).all() and (p <= hi).all()
    read = open_sweep(tmp_path / "one.nc")
    assert read.attrs["design"] == "lhs" and read.attrs["runs"] == 300
    assert np.array_equal(read["parameters"].values, ds["parameters"].values)


def test_to_ema_gives_the_experiments_table_and_outcome_arrays(minimal, tmp_path):
    ds = run_sweep(small_plan(minimal), tmp_path / "s.nc")
    experiments, outcomes = to_ema(ds)
    assert list(experiments.columns) == ["attrition-rate", "interventions"]
    assert experiments["attrition-rate"].dtype == np.float64
    assert isinstance(experiments["interventions"].dtype, __import__("pandas").CategoricalDtype)
    assert len(experiments) == 6
    assert all(v.shape == (6,) and v.dtype == np.float64 for v in outcomes.values())
    assert np.array_equal(outcomes["blue-holds-b"], ds["outcome_p"].sel(outcome="blue-holds-b").values)
    assert any(k.endswith(".q95") for k in outcomes)


def test_ema_workbench_analyses_run_on_the_pair(minimal, tmp_path):
    pytest.importorskip("ema_workbench")
    from ema_workbench.analysis import cart, dimensional_stacking, feature_scoring, prim

    ds = run_sweep(small_plan(minimal, points=10, runs=200), tmp_path / "s.nc")
    experiments, outcomes = to_ema(ds)
    killed = outcomes["redland.personnel_killed.mean"]      # varies from experiment to experiment
    y = killed > np.median(killed)
    assert 0 < y.sum() < len(y)
    scores = feature_scoring.get_feature_scores_all(experiments, outcomes)
    assert set(scores.index) == {"attrition-rate", "interventions"}
    alg = cart.CART(experiments, y, mass_min=0.1)
    alg.build_tree()
    assert len(alg.boxes) >= 1
    p = prim.Prim(experiments, y, threshold=0.5)
    assert p.find_box() is not None
    assert dimensional_stacking.create_pivot_plot(experiments, y, 1, nbins=2) is not None


# ------------------------------------------------------------------------------ resume
def _sweep_cmd(scenario: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-c", "from flashpoint.cli import app; app()", "sweep", str(scenario),
            "--param", "attrition-rate=0.005:0.03", "--with-sets", "-;no-sam", "--design", "lhs",
            "--points", "30", "--runs", "1000", "--days", "20", "--seed", "3", "--workers", "1",
            "--out", str(out), *extra]


def test_a_killed_sweep_resumes_to_the_dataset_of_an_uninterrupted_one(tmp_path, minimal_toml):
    whole, cut = tmp_path / "whole.nc", tmp_path / "cut.nc"
    folder = parts_folder(cut)
    proc = subprocess.Popen(_sweep_cmd(minimal_toml, cut), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        deadline = time.time() + 240
        while time.time() < deadline and proc.poll() is None and len(list(folder.glob("experiment-*.json"))) < 3:
            time.sleep(0.02)
        os.killpg(proc.pid, signal.SIGKILL)         # no chance to tidy up: the worst interruption
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    kept = sorted(p.name for p in folder.glob("experiment-*.json"))
    assert 3 <= len(kept) < 60, f"kill came too late to test a resume ({len(kept)} of 60 finished)"
    assert not cut.exists()
    again = subprocess.run(_sweep_cmd(minimal_toml, cut), capture_output=True, text=True, timeout=300)
    assert again.returncode == 2 and "--resume" in again.stderr
    resumed = subprocess.run(_sweep_cmd(minimal_toml, cut, "--resume"), capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    done = subprocess.run(_sweep_cmd(minimal_toml, whole), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert cut.read_bytes() == whole.read_bytes()
    assert not folder.exists()


def test_resume_refuses_other_options_and_keeps_the_parts(minimal, tmp_path):
    out = tmp_path / "s.nc"
    folder = parts_folder(out)
    folder.mkdir()
    (folder / "plan.json").write_text("{}", encoding="utf-8")
    with pytest.raises(FlashpointError, match="an interrupted sweep is there; add --resume"):
        run_sweep(small_plan(minimal), out)
    with pytest.raises(FlashpointError, match="was started with other options"):
        run_sweep(small_plan(minimal), out, resume=True)
    assert (folder / "plan.json").exists()


# ------------------------------------------------------------------------------ bad options
@pytest.mark.parametrize("kw, message", [
    ({"params": ["nope=0:1"]}, "unknown model parameter 'nope'; known:"),
    ({"params": ["attrition-rate=0.01:0.5"]}, "outside the range allowed for attrition-rate, [0, 0.1]"),
    ({"params": ["attrition-rate=0.03:0.01"]}, "LOW must be below HIGH"),
    ({"params": ["attrition-rate"]}, "write NAME=LOW:HIGH"),
    ({"params": ["attrition-rate=a:b"]}, "LOW and HIGH must be numbers"),
    ({"design": "morris"}, "--design morris: unknown; use one of grid, lhs, sobol"),
    ({"design": "sobol", "points": 6}, "need a power of 2 base samples, e.g. 4 or 8"),
    ({"points": None}, "--points: needed with --param"),
    ({"with_sets": "-;nothing"}, "unknown intervention 'nothing'"),
    ({"with_sets": "-;;no-sam"}, "an empty set"),
    ({"with_sets": "-;-"}, "a set is given twice"),
    ({"runs": 0}, "--runs 0"),
    ({"days": 99}, "--days 99"),
])
def test_bad_options_are_clear_errors(minimal, kw, message):
    with pytest.raises(FlashpointError) as err:
        small_plan(minimal, **kw)
    assert message in str(err.value)


def test_cli_sweep_and_its_errors(cli, tmp_path, minimal_toml):
    out = tmp_path / "s.nc"
    res = cli("sweep", minimal_toml, "--param", "attrition-rate=0.005:0.03", "--points", "2", "--design", "grid",
              "--with-sets", "-;no-sam", "--runs", "100", "--days", "5", "--out", out, "--workers", "1")
    assert res.exit_code == 0, res.output
    assert "4 experiments x 100 runs" in res.output and "blue-holds-b" in res.output and out.exists()
    res = cli("sweep", minimal_toml, "--out", out, "--runs", "100", "--days", "5")
    assert res.exit_code == 2 and "the file exists" in res.output
    res = cli("sweep", minimal_toml, "--out", tmp_path / "s.zarr", "--runs", "100", "--days", "5")
    assert res.exit_code == 2 and "give a file name ending in .nc" in res.output
    res = cli("sweep", minimal_toml, "--param", "attrition-rate=0.01:9", "--points", "2")
    assert res.exit_code == 2 and "outside the range allowed" in res.output and "Traceback" not in res.output
    bad = tmp_path / "not-a-sweep.nc"
    __import__("xarray").Dataset({"a": ("x", [1.0])}).to_netcdf(bad)
    with pytest.raises(FlashpointError, match="not a sweep written by 'flashpoint sweep'"):
        open_sweep(bad)


# ------------------------------------------------------------------------------ analyses reading a sweep
@pytest.fixture(scope="module")
def sweeps(minimal, tmp_path_factory):
    folder = tmp_path_factory.mktemp("sweeps")
    sobol = folder / "sobol.nc"
    run_sweep(SweepPlan.build(minimal, design="sobol", params=["attrition-rate=0.002:0.05",
                                                               "helmbold-exponent=0.3:1.0"],
                              points=8, runs=200, days=15, seed=2), sobol, workers=2)
    lhs = folder / "lhs.nc"
    run_sweep(SweepPlan.build(minimal, design="lhs", params=["attrition-rate=0.002:0.05", "loss-dispersion=2:20"],
                              with_sets="-;no-sam", points=30, runs=200, days=15, seed=2), lhs, workers=2)
    return {"sobol": sobol, "lhs": lhs}


def test_sensitivity_reads_a_sobol_sweep(cli, sweeps, minimal_toml):
    import json

    res = cli("sensitivity", minimal_toml, "--outcome", "blue-holds-b", "--from-sweep", sweeps["sobol"], "--json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert {r["input"] for r in doc["indices"]} == {"parameters.attrition-rate", "parameters.helmbold-exponent"}
    assert doc["runs"] == 8 * 5 * 200 and doc["samples"] == 8 and doc["method"] == "sobol"
    ds = open_sweep(sweeps["sobol"])
    assert doc["mean"] == pytest.approx(float(ds["outcome_p"].sel(outcome="blue-holds-b").mean()))
    res = cli("sensitivity", minimal_toml, "--outcome", "blue-holds-b", "--from-sweep", sweeps["sobol"])
    assert res.exit_code == 0 and "experiment of the sweep" in res.output


@pytest.mark.parametrize("args, message", [
    (("--from-sweep", "LHS"), "this sweep's design is lhs; Sobol indices need Saltelli's design"),
    (("--from-sweep", "SOBOL", "--method", "morris"), "a sweep's design can only give Sobol indices"),
    (("--from-sweep", "SOBOL", "--with", "no-sam"), "--with no-sam: not an intervention set of this sweep"),
    (("--from-sweep", "nowhere.nc"), "--from-sweep nowhere.nc: no such file"),
])
def test_sensitivity_from_an_unfit_sweep_says_why(cli, sweeps, args, message, minimal_toml):
    args = [{"LHS": sweeps["lhs"], "SOBOL": sweeps["sobol"]}.get(a, a) for a in args]
    res = cli("sensitivity", minimal_toml, "--outcome", "blue-holds-b", *args)
    assert res.exit_code == 2, res.output
    assert message in res.output and "Traceback" not in res.output


def test_discover_reads_a_sweep(cli, sweeps, minimal_toml):
    import json

    ds = open_sweep(sweeps["lhs"])
    p = ds["outcome_p"].sel(outcome="blue-holds-b").values
    # half-way between the lowest and the highest probability: with 200 runs an experiment's estimate
    # takes few values, and a quantile can fall on a value half of the experiments share
    threshold = float((p.min() + p.max()) / 2)
    res = cli("discover", minimal_toml, "--outcome", "blue-holds-b", "--from-sweep", sweeps["lhs"],
              "--threshold", threshold, "--json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["experiments"] == 60 and doc["p"] == pytest.approx((p >= threshold).mean())
    assert doc["boxes"], "a lower attrition rate keeps Blue in B: PRIM should find it"
    first = doc["boxes"][0]["limits"]["attrition-rate"]       # less attrition, the defender holds
    assert first["low"] is None and first["high"] < 0.05
    for b in doc["boxes"]:
        assert set(b["limits"]) <= {"attrition-rate", "loss-dispersion", "with no-sam"}
        assert b["density"] > b["base_rate"] and "experiments" in b["description"]
        assert "with no-sam is" not in b["description"]       # an intervention reads "with X" or "without X"
    res = cli("discover", "idlib-2020", "--outcome", "m4-open", "--from-sweep", sweeps["lhs"])
    assert res.exit_code == 2 and "a sweep of scenario 'minimal', not 'idlib-2020'" in res.output
    res = cli("discover", minimal_toml, "--outcome", "blue-holds-b", "--from-sweep", sweeps["lhs"], "--threshold", 1.5)
    assert res.exit_code == 2 and "--threshold 1.5" in res.output


def test_cli_sweep_json(cli, tmp_path, minimal_toml):
    import json

    res = cli("sweep", minimal_toml, "--with-sets", "-;no-sam", "--runs", "50", "--days", "5",
              "--out", tmp_path / "s.nc", "--json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["experiments"] == 2 and doc["with_sets"] == "-;no-sam" and doc["runs"] == 50


def test_ctrl_c_keeps_the_finished_experiments_and_says_how_to_resume(tmp_path, minimal_toml):
    out = tmp_path / "s.nc"
    folder = parts_folder(out)
    cmd = [sys.executable, "-c", "from flashpoint.cli import app; app()", "sweep", str(minimal_toml), "--param",
           "attrition-rate=0.005:0.03", "--points", "300", "--runs", "2000", "--days", "20", "--out", str(out),
           "--workers", "2"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.time() + 240
        while time.time() < deadline and proc.poll() is None and len(list(folder.glob("experiment-*.json"))) < 3:
            time.sleep(0.02)
        os.killpg(proc.pid, signal.SIGINT)              # what a terminal sends on Ctrl-C
        err = proc.communicate(timeout=60)[1]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    kept = len(list(folder.glob("experiment-*.json")))
    assert proc.returncode == 130, err
    assert f"interrupted: {kept} of 300 finished experiments are kept" in err and "--resume" in err
    assert 3 <= kept < 300 and not out.exists() and "Traceback" not in err
