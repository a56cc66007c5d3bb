"""Paired comparisons: the statistics on known tables, the JSON document, Results.compare, and the
compare command's output and its messages for bad input."""

from __future__ import annotations

import json
import math
from functools import cache

import numpy as np
import pytest

import flashpoint
from flashpoint.analysis.compare import Z95, binary_difference, compare_runs, metric_difference
from flashpoint.errors import FlashpointError

RUNS, DAYS, SEED = 500, 8, 2


@cache
def idlib():
    return flashpoint.load("idlib-2020")


@cache
def jobs():
    s = idlib()
    base = s.run(runs=RUNS, seed=SEED, days=DAYS, keep_runs=True)
    inter = s.apply("coalition-air-support").run(runs=RUNS, seed=SEED, days=DAYS, keep_runs=True)
    return base, inter


def table(n11: int, n10: int, n01: int, n00: int) -> tuple[np.ndarray, np.ndarray]:
    """Paired 0/1 columns with the given cells (base, intervention)."""
    base = np.array([1] * n11 + [1] * n10 + [0] * n01 + [0] * n00, dtype=bool)
    inter = np.array([1] * n11 + [0] * n10 + [1] * n01 + [0] * n00, dtype=bool)
    return base, inter


# ------------------------------------------------------------------------- statistics
def test_paired_risk_difference_is_the_agresti_min_interval():
    base, inter = table(n11=30, n10=10, n01=25, n00=35)       # n = 100
    out = binary_difference(base, inter, paired=True)
    assert out["p_base"] == 0.40 and out["p_int"] == 0.55 and out["diff"] == pytest.approx(0.15)
    assert (out["base_only"], out["int_only"]) == (10, 25)
    a, b = 25.5 / 102, 10.5 / 102
    half = Z95 * math.sqrt((a + b - (a - b) ** 2) / 102)
    assert out["ci95"] == pytest.approx([a - b - half, a - b + half], abs=1e-6)


def test_paired_risk_ratio_uses_the_delta_method_for_matched_pairs():
    base, inter = table(n11=30, n10=10, n01=25, n00=35)
    out = binary_difference(base, inter, paired=True)
    rr, se = 55 / 40, math.sqrt((10 + 25) / (40 * 55))
    assert out["risk_ratio"] == pytest.approx(rr, abs=1e-6)
    assert out["rr_ci95"] == pytest.approx([rr * math.exp(-Z95 * se), rr * math.exp(Z95 * se)], abs=1e-6)


def test_no_discordant_pair_still_gives_an_interval_of_some_width():
    base, inter = table(n11=0, n10=0, n01=0, n00=200)
    out = binary_difference(base, inter, paired=True)
    lo, hi = out["ci95"]
    assert out["diff"] == 0 and lo < 0 < hi
    assert out["risk_ratio"] is None and out["rr_ci95"] is None     # 0 / 0


def test_unpaired_risk_difference_is_agresti_caffo_and_katz():
    base, inter = table(n11=30, n10=10, n01=25, n00=35)
    out = binary_difference(base, inter, paired=False)
    a, b = 56 / 102, 41 / 102
    half = Z95 * math.sqrt(a * (1 - a) / 102 + b * (1 - b) / 102)
    assert out["ci95"] == pytest.approx([a - b - half, a - b + half], abs=1e-6)
    se = math.sqrt(1 / 55 - 1 / 100 + 1 / 40 - 1 / 100)
    assert out["rr_ci95"][1] == pytest.approx(55 / 40 * math.exp(Z95 * se), abs=1e-6)
    assert "base_only" not in out


def test_metric_difference_paired_against_independent():
    rng = np.random.default_rng(0)
    base = rng.gamma(2.0, 100.0, size=2000)
    inter = base + 10.0 + rng.normal(0.0, 1.0, size=2000)   # the same futures, 10 more each
    paired = metric_difference(base, inter, paired=True)
    indep = metric_difference(base, inter, paired=False)
    assert paired["diff_mean"] == pytest.approx(10.0, abs=0.1)
    assert paired["ci95"][0] < 10.0 < paired["ci95"][1]
    assert paired["ci95"][1] - paired["ci95"][0] < 0.2
    assert indep["ci95"][1] - indep["ci95"][0] > 10.0            # the spread of the futures themselves
    assert paired["share_higher"] == pytest.approx(1.0, abs=1e-3)
    assert paired["base_q50"] == pytest.approx(float(np.median(base)), abs=1e-3)


# --------------------------------------------------------------------------- the jobs
def test_results_compare_is_the_paired_comparison():
    base, inter = jobs()
    comp = base.compare(inter)
    doc = comp.to_json()
    assert comp.paired and doc["paired"] is True
    assert doc["baseline"] == "baseline" and doc["intervention"] == "coalition-air-support"
    assert {"baseline", "intervention", "outcomes", "metrics"} <= set(doc)
    for o in doc["outcomes"].values():
        assert {"p_base", "p_int", "diff", "ci95"} <= set(o)
    for m in doc["metrics"].values():
        assert {"base_q50", "int_q50", "diff_mean", "ci95"} <= set(m)
    # the probabilities are those of each job's own summary
    for oid, o in doc["outcomes"].items():
        assert o["p_base"] == pytest.approx(base.summary()["outcomes"][oid]["p"])
        assert o["p_int"] == pytest.approx(inter.summary()["outcomes"][oid]["p"])
    # a metric only the intervention has (the US flies only with it) is 0 in the baseline
    assert doc["metrics"]["usa.aircraft_lost"]["base_mean"] == 0
    json.dumps(doc, allow_nan=False)


def test_compare_runs_gives_the_same_document_as_results_compare():
    base, inter = jobs()
    s = idlib()
    doc = compare_runs(s, s.apply("coalition-air-support"), runs=RUNS, seed=SEED, days=DAYS).to_json()
    assert doc == base.compare(inter).to_json()


def test_a_job_compared_with_itself_differs_in_nothing():
    """Same scenario, same seed: every run is paired with an identical twin."""
    s = idlib()
    a = s.run(runs=250, seed=SEED, days=DAYS, keep_runs=True)
    b = s.run(runs=250, seed=SEED, days=DAYS, keep_runs=True)
    doc = a.compare(b).to_json()
    for m in doc["metrics"].values():
        assert m["diff_mean"] == 0 and m["ci95"] == [0, 0]
    for o in doc["outcomes"].values():
        assert o["diff"] == 0 and o["base_only"] == o["int_only"] == 0


def test_different_seeds_are_compared_as_independent_samples():
    s = idlib()
    a = s.run(runs=250, seed=1, days=DAYS, keep_runs=True)
    b = s.run(runs=250, seed=2, days=DAYS, keep_runs=True)
    doc = a.compare(b).to_json()
    assert doc["paired"] is False and "Welch" in doc["method"]["metrics"]


def test_comparing_needs_the_runs_and_two_different_variants():
    s = idlib()
    plain = s.run(runs=250, seed=SEED, days=DAYS)
    with pytest.raises(FlashpointError, match="keep_runs=True"):
        plain.compare(jobs()[1])
    with pytest.raises(FlashpointError, match="compare two different variants"):
        compare_runs(s, s, runs=250, seed=SEED, days=DAYS)
    with pytest.raises(FlashpointError, match="same number of days"):
        jobs()[0].compare(s.run(runs=RUNS, seed=SEED, days=DAYS + 1, keep_runs=True))


# ------------------------------------------------------------------------------- CLI
def test_compare_command_json(cli):
    res = cli("compare", "idlib-2020", "--with", "coalition-air-support", "--runs", "250", "--days", "5", "--json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["baseline"] == "baseline" and doc["intervention"] == "coalition-air-support"
    assert doc["runs"] == {"baseline": 250, "intervention": 250}


def test_compare_command_against_another_intervention_and_tables(tmp_path, cli):
    out = tmp_path / "cmp.json"
    res = cli("compare", "idlib-2020", "--with", "coalition-air-support", "--against", "patriots-deployed",
              "--runs", "250", "--days", "5", "--out", out)
    assert res.exit_code == 0, res.output
    assert "coalition-air-support against patriots-deployed" in res.stdout
    assert "m5-held-by-regime" in res.stdout and "risk ratio" in res.stdout
    doc = json.loads(out.read_text())
    assert doc["baseline"] == "patriots-deployed"
    assert [p.name for p in tmp_path.iterdir()] == ["cmp.json"]


@pytest.mark.parametrize("args, message", [
    (["--with", "no-drones", "--against", "no-drones"], "--with and --against both name no-drones"),
    (["--with", "air-support"], "unknown intervention 'air-support'"),
    (["--with", "no-drones", "--runs", "0"], "--runs 0"),
    (["--with", "no-drones", "--runs", "-5"], "--runs -5"),
    ([], "--with: name the intervention"),
])
def test_compare_command_bad_input(args, message, cli):
    res = cli("compare", "idlib-2020", *args)
    assert res.exit_code == 2
    assert message in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    assert "Traceback" not in res.output


def test_compare_command_unwritable_out_leaves_nothing(tmp_path, cli):
    (tmp_path / "a-file").write_text("not a folder")
    targets = {tmp_path / "a-file" / "cmp.json": "is not a folder",
               tmp_path / "missing" / "cmp.json": "does not exist",
               tmp_path: "is a folder"}
    for target, message in targets.items():
        res = cli("compare", "idlib-2020", "--with", "no-drones", "--runs", "250", "--days", "3", "--out", target)
        assert res.exit_code == 2, (target, res.output)
        assert f"--out {target}" in res.stderr and message in res.stderr
        assert len(res.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def test_a_failed_write_leaves_no_partial_file(tmp_path, monkeypatch):
    from flashpoint import outputs
    from flashpoint.cli.compare import write_json_atomically

    def fail(*_):       # the write fails after the temporary file was written, before it is renamed
        raise TypeError("simulated failure")

    monkeypatch.setattr(outputs.os, "replace", fail)
    with pytest.raises(TypeError):
        write_json_atomically({"x": 1}, tmp_path / "cmp.json")
    assert list(tmp_path.iterdir()) == []


def test_both_variants_in_one_pool_of_workers_give_the_same_document():
    base, inter = jobs()
    s = idlib()
    doc = compare_runs(s, s.apply("coalition-air-support"), runs=RUNS, seed=SEED, days=DAYS, workers=2,
                       block_size=250).to_json()
    assert doc == base.compare(inter).to_json()
