"""Streaming summaries: histogram quantiles, exact merging of blocks, Clopper-Pearson intervals."""

from __future__ import annotations

import json
import math
from functools import cache

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binomtest

import flashpoint
from flashpoint.engine.reduce import (
    EXACT,
    GROWTH,
    N_BINS,
    QUANTILES,
    Accumulator,
    bin_of,
    histogram_quantile,
    proportion_ci,
)
from flashpoint.engine.simulate import simulate_block
from flashpoint.engine.theatre import compile_theatre

SETTINGS = settings(max_examples=200, deadline=None, derandomize=True, database=None)
PROBS = (*QUANTILES, 0.0, 0.01, 0.1, 1 / 3, 0.9, 0.99, 1.0)


def hist(values) -> np.ndarray:
    return np.bincount(bin_of(np.asarray(values)), minlength=N_BINS)


# ------------------------------------------------------------------------------- bins
def test_small_whole_numbers_have_a_bin_each():
    np.testing.assert_array_equal(bin_of(np.arange(EXACT)), np.arange(EXACT))
    assert bin_of(np.array([EXACT]))[0] == EXACT


def test_bins_above_100_are_one_percent_wide():
    """Bin j >= 100 covers [100 x 1.01^(j-100), 100 x 1.01^(j-99)): every value lies in its bin."""
    v = np.unique(np.round(np.geomspace(100, 5e8, 20_000)))
    j = bin_of(v)
    lo = EXACT * GROWTH ** (j - EXACT)
    assert np.all(np.diff(j) >= 0)
    assert np.all(lo <= v * (1 + 1e-12))
    assert np.all(v < lo * GROWTH * (1 + 1e-12))


def test_negative_and_huge_values_stay_in_range():
    j = bin_of(np.array([-5, 0, 1e12]))
    assert j[0] == 0 and j[1] == 0 and j[2] == N_BINS - 1


# -------------------------------------------------------------------------- quantiles
@SETTINGS
@given(st.lists(st.integers(0, EXACT - 1), min_size=1, max_size=400))
def test_quantiles_are_exact_below_100(values):
    counts = hist(values)
    for q in PROBS:
        expected = np.quantile(np.array(values), q, method="inverted_cdf")
        assert histogram_quantile(counts, q) == expected, q


@SETTINGS
@given(st.lists(st.integers(0, 10**8), min_size=1, max_size=400))
def test_quantiles_are_within_one_percent_above_100(values):
    counts = hist(values)
    for q in PROBS:
        expected = float(np.quantile(np.array(values), q, method="inverted_cdf"))
        got = histogram_quantile(counts, q)
        if expected < EXACT:
            assert got == expected, q
        else:
            assert abs(got - expected) <= 0.01 * expected, (q, got, expected)


def test_quantile_of_an_empty_histogram_is_nan():
    assert math.isnan(histogram_quantile(np.zeros(N_BINS, dtype=np.int64), 0.5))


def test_quantiles_of_a_large_skewed_sample():
    rng = np.random.default_rng(5)
    values = np.round(rng.lognormal(7, 2, 100_000))
    counts = hist(values)
    for q in PROBS:
        expected = float(np.quantile(values, q, method="inverted_cdf"))
        got = histogram_quantile(counts, q)
        assert got == expected if expected < EXACT else abs(got - expected) <= 0.01 * expected


# ------------------------------------------------------------------------ intervals
@pytest.mark.parametrize("n", [1, 10, 30, 1000])
def test_clopper_pearson_closed_forms(n):
    """k = 0: [0, 1 - 0.025^(1/n)]; k = n: [0.025^(1/n), 1]; k = 1: lower = 1 - 0.975^(1/n)."""
    lo, hi = proportion_ci(0, n)
    assert lo == 0.0
    assert hi == pytest.approx(1 - 0.025 ** (1 / n), rel=1e-9)
    lo, hi = proportion_ci(n, n)
    assert lo == pytest.approx(0.025 ** (1 / n), rel=1e-9)
    assert hi == 1.0
    if n > 1:
        assert proportion_ci(1, n)[0] == pytest.approx(1 - 0.975 ** (1 / n), rel=1e-9)


@pytest.mark.parametrize("k, n, low, high", [
    (5, 10, 0.1871, 0.8129),      # textbook values of the exact interval
    (1, 10, 0.0025, 0.4450),
    (0, 10, 0.0, 0.3085),
    (50, 100, 0.3983, 0.6017),
])
def test_clopper_pearson_known_values(k, n, low, high):
    lo, hi = proportion_ci(k, n)
    assert lo == pytest.approx(low, abs=5e-5)
    assert hi == pytest.approx(high, abs=5e-5)


@pytest.mark.parametrize("k, n", [(0, 7), (3, 7), (7, 7), (17, 250), (4918, 10_000), (9999, 10_000), (1, 2)])
def test_clopper_pearson_matches_scipy_binomtest(k, n):
    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="exact")
    lo, hi = proportion_ci(k, n)
    assert lo == pytest.approx(ci.low, abs=1e-10)
    assert hi == pytest.approx(ci.high, abs=1e-10)
    assert lo <= k / n <= hi


# --------------------------------------------------------------------- merging blocks
SEED, DAYS, RUNS = 11, 8, 1000
META = {"scenario": "idlib-2020", "interventions": [], "seed": SEED, "version": "test", "parameters_set": {}}


@cache
def theatre():
    return compile_theatre(flashpoint.load("idlib-2020"))


@cache
def block(start: int, stop: int):
    return simulate_block(theatre(), SEED, start, stop, DAYS)


def summary_of(bounds: list[tuple[int, int]]) -> str:
    acc = Accumulator(theatre(), DAYS)
    for a, b in bounds:
        acc.add(block(a, b))
    return json.dumps(acc.summary(META), sort_keys=True)


@pytest.mark.parametrize("bounds", [
    [(750, 1000), (500, 750), (250, 500), (0, 250)],
    [(500, 750), (0, 250), (750, 1000), (250, 500)],
    [(0, 500), (500, 1000)],
    [(500, 1000), (0, 500)],
    [(0, 250), (250, 1000)],
    [(0, 1000)],
])
def test_merging_blocks_in_any_order_or_partition_gives_the_same_summary(bounds):
    assert summary_of(bounds) == summary_of([(0, 250), (250, 500), (500, 750), (750, 1000)])


def test_summary_agrees_with_the_runs_it_summarises():
    """Means, quantiles, outcome counts and control shares read back from the raw run values."""
    b = block(0, RUNS)
    s = json.loads(summary_of([(0, 250), (250, 500), (500, 750), (750, 1000)]))
    assert s["runs"] == RUNS and s["days"] == DAYS
    above = 0
    for key, row in s["metrics"].items():
        values = b.final.metrics[key]
        assert row["mean"] == pytest.approx(values.mean(), rel=1e-12, abs=1e-12)
        for q in QUANTILES:
            expected = float(np.quantile(values, q, method="inverted_cdf"))
            got = row[f"q{round(q * 100):02d}"]
            if expected < EXACT:
                assert got == expected, (key, q)
            else:
                above += 1
                assert abs(got - expected) <= 0.01 * expected, (key, q)
    assert above > 0, "no metric went above 100: the 1% bins were not exercised"
    for oid, hit in b.outcomes.items():
        assert s["outcomes"][oid]["count"] == int(hit.sum())
        assert s["outcomes"][oid]["p"] == hit.mean()
        assert s["outcomes"][oid]["ci95"] == list(proportion_ci(int(hit.sum()), RUNS))
    th = theatre()
    for p, pid in enumerate(th.places):
        shares = {camp: float(np.mean(b.final.camp_control[:, p] == c)) for c, camp in enumerate(th.camps)}
        assert s["control"][pid] == {c: v for c, v in shares.items() if v > 0}
    assert sum(s["escalation"]["highest"].values()) == pytest.approx(1.0)
