"""Random streams: run i gets the same numbers however the runs are split, and the draws have the
distributions the engine's equations assume."""

from __future__ import annotations

import math

import numba
import numpy as np
import pytest
from scipy import stats

from flashpoint.engine.rng import (
    GRANULE,
    Streams,
    block_bounds,
    granule_bounds,
    keyed_uniforms,
    numpy_poisson,
    philox4x32,
    poisson,
    stream_key,
)

SEED = 20200227


def draw_sequence(streams: Streams, start: int, stop: int) -> list[np.ndarray]:
    """The same sequence of calls the engine makes in a day, with parameters that depend on the
    run index, so that a misaligned split of the parameters would show as well."""
    runs = np.arange(start, stop)
    lam = 0.5 + (runs % 17)                                # (R,)
    n = (runs % 23) * 3                                     # (R,) whole numbers
    p = ((runs % 11) + 0.5) / 12.0
    mean2 = np.stack([10.0 + runs % 7, 300.0 + runs % 13, np.zeros(len(runs))], axis=1)  # (R, 3)
    shape = 1.0 + runs % 5                                  # (R,)
    return [
        streams.random(),
        streams.random(4),
        streams.poisson(lam),
        streams.binomial(n, p),
        streams.gamma_poisson(mean2, shape),
        streams.poisson(np.stack([lam, 2 * lam], axis=1)),
        streams.binomial(np.stack([n, n + 1], axis=1), np.stack([p, 1 - p], axis=1)),
        streams.random(2, 3),
    ]


@pytest.mark.parametrize("total, splits", [
    (1000, [(0, 250), (250, 750), (750, 1000)]),
    (1000, [(0, 500), (500, 1000)]),
    (1000, [(0, 250), (250, 500), (500, 750), (750, 1000)]),
    (900, [(0, 250), (250, 750), (750, 900)]),      # a last granule that is not full
    (900, [(0, 500), (500, 900)]),
])
def test_run_i_gets_the_same_numbers_whatever_the_split(total, splits):
    whole = draw_sequence(Streams(SEED, 0, total), 0, total)
    parts = [draw_sequence(Streams(SEED, a, b), a, b) for a, b in splits]
    for k, expected in enumerate(whole):
        joined = np.concatenate([part[k] for part in parts], axis=0)
        assert joined.shape == expected.shape
        np.testing.assert_array_equal(joined, expected, err_msg=f"draw {k} differs with blocks {splits}")


def test_different_seeds_and_granules_give_different_numbers():
    a = Streams(SEED, 0, 500).random()
    b = Streams(SEED + 1, 0, 500).random()
    assert not np.array_equal(a, b)
    # two granules of the same job are different streams, not copies
    assert not np.array_equal(a[:GRANULE], a[GRANULE:])


def test_a_block_must_start_on_a_granule():
    with pytest.raises(ValueError, match="granule"):
        Streams(SEED, 100, 600)


@pytest.mark.parametrize("runs, block, expected", [
    (1000, 250, [(0, 250), (250, 500), (500, 750), (750, 1000)]),
    (1000, 300, [(0, 500), (500, 1000)]),          # 300 rounds up to two granules
    (1000, 1, [(0, 250), (250, 500), (500, 750), (750, 1000)]),
    (1000, 1000, [(0, 1000)]),
    (1000, 5000, [(0, 1000)]),
    (1001, 500, [(0, 500), (500, 1000), (1000, 1001)]),
    (10, 250, [(0, 10)]),
    (2600, 2500, [(0, 2500), (2500, 2600)]),
    (2600, 2501, [(0, 2600)]),                     # 2501 rounds up to 2750
])
def test_block_bounds_round_up_to_granules(runs, block, expected):
    bounds = block_bounds(runs, block)
    assert bounds == expected
    # blocks tile the runs, each starts on a granule boundary
    assert all(a % GRANULE == 0 for a, _ in bounds)
    assert [b for _, b in bounds[:-1]] == [a for a, _ in bounds[1:]]


def test_granule_bounds():
    assert granule_bounds(600) == [(0, 250), (250, 500), (500, 600)]
    assert granule_bounds(250) == [(0, 250)]


# ------------------------------------------------------------------------- gamma-Poisson
def nb_excess_kurtosis(mean: float, k: float) -> float:
    """Excess kurtosis of the negative binomial with shape k and the given mean: 6/k + p^2/(k(1-p))
    with p = k/(k + mean) the 'success' probability (NumPy's parametrisation)."""
    p = k / (k + mean)
    return 6 / k + p * p / (k * (1 - p))


@pytest.mark.parametrize("mean, k", [(20.0, 4.0), (3.0, 0.5), (500.0, 10.0), (40.0, 1000.0)])
def test_gamma_poisson_mean_and_variance(mean, k):
    """Sample mean and variance of 200,000 draws against mean and mean + mean^2/k.

    Tolerances are 5 standard errors of the estimators: sqrt(var/n) for the mean and
    var * sqrt((2 + excess kurtosis)/n) for the sample variance (the large-sample variance of s^2
    is sigma^4 (2/(n-1) + kappa/n)). A correct sampler fails this with probability < 1e-5 for a
    random seed; the seed is fixed, so the test is deterministic. The alternatives it must reject
    are far outside: a plain Poisson (variance = mean) or a gamma scale of mean instead of mean/k
    (variance mean + mean^2) differ by dozens of standard errors.
    """
    n = 200_000
    draws = Streams(SEED, 0, n).gamma_poisson(np.full(n, mean), np.full(n, k))
    var = mean + mean * mean / k
    assert draws.dtype.kind in "iu" or np.all(draws == np.round(draws))
    assert abs(draws.mean() - mean) <= 5 * math.sqrt(var / n)
    se_var = var * math.sqrt((2 + nb_excess_kurtosis(mean, k)) / n)
    assert abs(draws.var(ddof=1) - var) <= 5 * se_var


def test_gamma_poisson_shape_is_per_run_and_broadcast_over_the_other_axes():
    """The shape is one number per run, applied to every column of that run (formations)."""
    n = 200_000
    k = np.where(np.arange(n) < n // 2, 2.0, 50.0)
    means = np.array([10.0, 40.0])
    draws = Streams(SEED, 0, n).gamma_poisson(np.broadcast_to(means, (n, 2)), k)
    assert draws.shape == (n, 2)
    for half, kk in ((slice(0, n // 2), 2.0), (slice(n // 2, n), 50.0)):
        for j, m in enumerate(means):
            x = draws[half, j]
            var = m + m * m / kk
            se_var = var * math.sqrt((2 + nb_excess_kurtosis(m, kk)) / len(x))
            assert abs(x.mean() - m) <= 5 * math.sqrt(var / len(x))
            assert abs(x.var(ddof=1) - var) <= 5 * se_var, (kk, m)


def test_gamma_poisson_of_zero_mean_is_zero():
    draws = Streams(SEED, 0, 500).gamma_poisson(np.zeros((500, 3)), np.full(500, 3.0))
    assert np.all(draws == 0)


def test_binomial_clips_probabilities_and_respects_n():
    n = np.full(1000, 7)
    assert np.all(Streams(SEED, 0, 1000).binomial(n, np.full(1000, 1.5)) == 7)
    assert np.all(Streams(SEED, 0, 1000).binomial(n, np.full(1000, -0.5)) == 0)


@numba.njit
def _poisson_sample(gen, lam, n):
    out = np.empty(n, dtype=np.int64)
    for i in range(n):
        out[i] = poisson(gen, lam)
    return out


@pytest.mark.parametrize("lam", [0.05, 0.7, 3.0, 12.0, 29.9, 30.0, 250.0])
def test_the_kernels_poisson_has_the_poisson_distribution(lam):
    """Chi-square goodness of fit of 200,000 draws against the Poisson pmf (cells with an expected
    count of at least 20, the tails pooled), on both sides of the switch between algorithms."""
    n = 200_000
    x = _poisson_sample(np.random.default_rng(SEED), lam, n)
    lo, hi = int(stats.poisson.ppf(1e-4, lam)), int(stats.poisson.isf(1e-4, lam))
    edges = np.arange(lo, hi + 1)
    expected = n * stats.poisson.pmf(edges, lam)
    keep = expected >= 20
    observed = np.array([np.sum(x == k) for k in edges[keep]], dtype=float)
    rest_obs, rest_exp = n - observed.sum(), n - expected[keep].sum()
    observed, expected = np.append(observed, rest_obs), np.append(expected[keep], rest_exp)
    chi2 = float(np.sum((observed - expected) ** 2 / expected))
    assert stats.chi2.sf(chi2, len(observed) - 1) > 1e-4, (lam, chi2, len(observed))
    assert abs(x.mean() - lam) < 5 * math.sqrt(lam / n)


def test_the_kernels_poisson_of_nothing_is_zero_and_draws_nothing():
    gen = np.random.default_rng(SEED)
    assert _poisson_sample(gen, 0.0, 5).tolist() == [0] * 5
    assert gen.random() == np.random.default_rng(SEED).random()



@numba.njit(_nrt=False)
def _numpy_poisson_sample(gen, lams, out):
    for i in range(lams.shape[0]):
        out[i] = numpy_poisson(gen, lams[i])


def test_the_copy_of_numpys_poisson_draws_numpys_numbers_without_reference_counting():
    """``numpy_poisson``, compiled without reference counting, against ``Generator.poisson``: the
    same counts from the same seed and the generator left in the same place, for means from 0 to
    10^6 on both sides of NumPy's switch to PTRS at 10."""
    rs = np.random.default_rng(SEED)
    lams = np.concatenate([rs.uniform(0, 1, 20_000), rs.uniform(0, 40, 20_000), rs.exponential(300, 20_000),
                           [0.0, 9.999999, 10.0, 1e4, 1e6]])
    rs.shuffle(lams)
    copy, gen_copy = np.zeros(lams.size, dtype=np.int64), np.random.default_rng(SEED + 1)
    _numpy_poisson_sample(gen_copy, lams, copy)
    gen = np.random.default_rng(SEED + 1)
    assert np.array_equal(copy, [gen.poisson(lam) for lam in lams])
    assert gen_copy.random() == gen.random()


# Random123's known-answer vectors for Philox4x32-10 (its tests/kat_vectors): counter, key, output.
PHILOX_KAT = [
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((0xFFFFFFFF,) * 4, (0xFFFFFFFF,) * 2, (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
     (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)),
]


@pytest.mark.parametrize("counter, key, expected", PHILOX_KAT)
def test_philox_matches_the_published_known_answers(counter, key, expected):
    assert tuple(int(x) for x in philox4x32(*counter, *key)) == expected


def test_keyed_uniforms_do_not_depend_on_the_block():
    key = stream_key(SEED)
    whole = keyed_uniforms(key, "forces.ground.a.personnel", 0, 1000)
    parts = [keyed_uniforms(key, "forces.ground.a.personnel", a, b) for a, b in [(0, 7), (7, 600), (600, 1000)]]
    np.testing.assert_array_equal(whole, np.concatenate(parts))


def test_keyed_uniforms_differ_by_name_and_seed_and_are_uniform():
    n = 200_000
    a = keyed_uniforms(stream_key(SEED), "parameters.x", 0, n)
    b = keyed_uniforms(stream_key(SEED), "parameters.y", 0, n)
    c = keyed_uniforms(stream_key(SEED + 1), "parameters.x", 0, n)
    assert a.min() > 0.0 and a.max() < 1.0
    for u in (a, b, c):
        assert stats.kstest(u, "uniform").pvalue > 1e-3
    # streams of other names or seeds are uncorrelated with it, and so are consecutive runs
    for other in (b, c, a[1:]):
        r = np.corrcoef(a[:len(other)], other)[0, 1]
        assert abs(r) < 4 / math.sqrt(n), r
