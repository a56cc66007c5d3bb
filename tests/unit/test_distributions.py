"""The distributions a scenario may use: support, mean, inverse CDF and parameter checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import TypeAdapter, ValidationError
from scipy import stats

from flashpoint.scenario.distributions import (
    DIST_NAMES,
    Distribution,
    is_uncertain,
    quantity_bounds,
    quantity_mean,
    sample_quantity,
)

ADAPTER = TypeAdapter(Distribution)
N = 20_000
SEED = 20200227

CASES = {
    "normal": {"dist": "normal", "mean": 10.0, "sd": 2.0},
    "normal-truncated": {"dist": "normal", "mean": 0.5, "sd": 0.3, "low": 0.0, "high": 1.0},
    "normal-one-sided": {"dist": "normal", "mean": 0.0, "sd": 1.0, "low": 0.0},
    "lognormal": {"dist": "lognormal", "median": 100.0, "gsd": 1.8},
    "triangular": {"dist": "triangular", "low": 3000, "mode": 4000, "high": 8000},
    "triangular-mode-at-low": {"dist": "triangular", "low": 0, "mode": 0, "high": 1},
    "uniform": {"dist": "uniform", "low": 0.005, "high": 0.02},
    "beta": {"dist": "beta", "a": 2.0, "b": 5.0},
    "beta-rescaled": {"dist": "beta", "a": 0.5, "b": 0.5, "low": -1.0, "high": 3.0},
}


def make(spec: dict):
    return ADAPTER.validate_python(spec)


@pytest.fixture(params=sorted(CASES), ids=sorted(CASES))
def dist(request):
    return make(CASES[request.param])


def test_every_distribution_name_has_a_case():
    assert {spec["dist"] for spec in CASES.values()} == set(DIST_NAMES)


def test_samples_lie_within_bounds(dist):
    lo, hi = dist.bounds()
    x = dist.sample(np.random.default_rng(SEED), N)
    assert x.shape == (N,)
    assert np.all(np.isfinite(x))
    assert np.all(x >= lo)
    assert np.all(x <= hi)


def test_sample_mean_matches_mean_within_standard_errors(dist):
    x = dist.sample(np.random.default_rng(SEED), N)
    standard_error = x.std(ddof=1) / math.sqrt(N)
    assert abs(x.mean() - dist.mean()) < 4.5 * standard_error


def test_ppf_is_monotone_and_spans_the_bounds(dist):
    q = np.linspace(0.001, 0.999, 999)
    x = dist.ppf(q)
    assert np.all(np.diff(x) > 0)
    lo, hi = dist.bounds()
    assert lo <= x[0] and x[-1] <= hi
    ends = dist.ppf(np.array([0.0, 1.0]))
    if math.isfinite(lo):
        assert ends[0] == pytest.approx(lo)
    if math.isfinite(hi):
        assert ends[1] == pytest.approx(hi)


def test_ppf_median_splits_samples_in_half(dist):
    x = dist.sample(np.random.default_rng(SEED), N)
    share_below = np.mean(x < dist.ppf(np.array([0.5]))[0])
    assert abs(share_below - 0.5) < 4.5 * math.sqrt(0.25 / N)


def test_same_seed_same_draws(dist):
    a = dist.sample(np.random.default_rng(7), 100)
    b = dist.sample(np.random.default_rng(7), 100)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        # Half-normal: mean sd * sqrt(2 / pi).
        ({"dist": "normal", "mean": 0.0, "sd": 1.0, "low": 0.0}, math.sqrt(2 / math.pi)),
        # Symmetric truncation keeps the mean.
        ({"dist": "normal", "mean": 5.0, "sd": 3.0, "low": 2.0, "high": 8.0}, 5.0),
        ({"dist": "lognormal", "median": 100.0, "gsd": 2.0}, 100.0 * math.exp(math.log(2.0) ** 2 / 2)),
        ({"dist": "triangular", "low": 0.0, "mode": 3.0, "high": 6.0}, 3.0),
        ({"dist": "uniform", "low": 2.0, "high": 4.0}, 3.0),
        ({"dist": "beta", "a": 2.0, "b": 6.0}, 0.25),
        ({"dist": "beta", "a": 1.0, "b": 1.0, "low": 10.0, "high": 20.0}, 15.0),
    ],
)
def test_mean_has_the_textbook_value(spec, expected):
    assert make(spec).mean() == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize(
    ("spec", "bounds"),
    [
        ({"dist": "normal", "mean": 0.0, "sd": 1.0}, (-math.inf, math.inf)),
        ({"dist": "normal", "mean": 0.0, "sd": 1.0, "high": 2.0}, (-math.inf, 2.0)),
        ({"dist": "lognormal", "median": 1.0, "gsd": 3.0}, (0.0, math.inf)),
        ({"dist": "triangular", "low": 1.0, "mode": 2.0, "high": 5.0}, (1.0, 5.0)),
        ({"dist": "beta", "a": 2.0, "b": 2.0}, (0.0, 1.0)),
    ],
)
def test_bounds(spec, bounds):
    assert make(spec).bounds() == bounds


NAN = float("nan")
INVALID = [
    # (parameters, the field the message is about (None: the whole table), what the message says)
    ({"dist": "normal", "mean": 0.0, "sd": 0.0}, "sd", "greater than 0"),
    ({"dist": "normal", "mean": 0.0, "sd": -1.0}, "sd", "greater than 0"),
    ({"dist": "normal", "mean": 0.0, "sd": 1.0, "low": 2.0, "high": 1.0},
     None, "low (2.0) must be below high"),
    ({"dist": "normal", "mean": 0.0, "sd": 1.0, "low": 1.0, "high": 1.0}, None, "must be below high (1.0)"),
    ({"dist": "normal", "mean": 5.0, "sd": 1.0, "low": 0.0, "high": 1.0}, None,
     "mean (5.0) must lie between low (0.0) and high (1.0)"),
    ({"dist": "normal", "mean": NAN, "sd": 1.0}, "mean", "finite number"),
    ({"dist": "lognormal", "median": 0.0, "gsd": 2.0}, "median", "greater than 0"),
    ({"dist": "lognormal", "median": 1.0, "gsd": 1.0}, "gsd", "greater than 1"),
    ({"dist": "triangular", "low": 5.0, "mode": 4.0, "high": 3.0},
     None, "low (5.0) must be below high (3.0)"),
    ({"dist": "triangular", "low": 1.0, "mode": 9.0, "high": 3.0}, None,
     "mode (9.0) must lie between low (1.0) and high (3.0)"),
    ({"dist": "triangular", "low": 1.0, "mode": NAN, "high": 3.0}, "mode", "finite number"),
    ({"dist": "uniform", "low": 2.0, "high": 2.0}, None, "low (2.0) must be below high (2.0)"),
    ({"dist": "uniform", "low": NAN, "high": 2.0}, "low", "finite number"),
    ({"dist": "uniform", "low": 0.0, "high": 1.0, "mode": 0.5}, "mode", "Extra inputs are not permitted"),
    ({"dist": "uniform", "low": 0.0}, "high", "Field required"),
    ({"dist": "uniform", "low": "zero", "high": 1.0}, "low", "valid number"),
    ({"dist": "beta", "a": 0.0, "b": 1.0}, "a", "greater than 0"),
    ({"dist": "beta", "a": 1.0, "b": 1.0, "low": 1.0, "high": 0.0},
     None, "low (1.0) must be below high (0.0)"),
    ({"dist": "gamma", "shape": 2.0}, None,
     "expected tags: 'normal', 'lognormal', 'triangular', 'uniform', 'beta'"),
]


@pytest.mark.parametrize(("spec", "field", "says"), INVALID,
                         ids=[f"{s['dist']}-{i}" for i, (s, _, _) in enumerate(INVALID)])
def test_invalid_parameters_are_rejected_with_a_message(spec, field, says):
    with pytest.raises(ValidationError) as info:
        make(spec)
    errors = info.value.errors()
    assert len(errors) == 1
    (err,) = errors
    # The path is (distribution name, field) for a field's own rule, (distribution name,) for a
    # rule that relates fields, and () when the name itself is wrong.
    assert err["loc"][1:] == ((field,) if field else ())
    assert says in err["msg"]


def test_fixed_numbers_are_quantities_too():
    rng = np.random.default_rng(SEED)
    assert not is_uncertain(3.0)
    assert quantity_bounds(3) == (3.0, 3.0)
    assert quantity_mean(3) == 3.0
    np.testing.assert_array_equal(sample_quantity(3.0, rng, 4), np.full(4, 3.0))


def test_sample_quantity_draws_from_a_distribution():
    d = make(CASES["uniform"])
    assert is_uncertain(d)
    assert quantity_bounds(d) == d.bounds()
    assert quantity_mean(d) == d.mean()
    x = sample_quantity(d, np.random.default_rng(SEED), 1000)
    assert x.dtype == np.float64
    assert x.shape == (1000,)
    assert len(np.unique(x)) == 1000


@pytest.mark.parametrize("spec, reference", [
    ({"dist": "normal", "mean": 0.4, "sd": 0.2, "low": 0.0, "high": 1.0},
     lambda: stats.truncnorm(-2.0, 3.0, loc=0.4, scale=0.2)),
    ({"dist": "normal", "mean": 5.0, "sd": 2.0}, lambda: stats.norm(5.0, 2.0)),
    ({"dist": "normal", "mean": 1.0, "sd": 3.0, "low": 1.0}, lambda: stats.truncnorm(0.0, np.inf, loc=1.0, scale=3.0)),
    ({"dist": "normal", "mean": 0.05, "sd": 0.01, "low": 0.0, "high": 0.06},
     lambda: stats.truncnorm(-5.0, 1.0, loc=0.05, scale=0.01)),
    ({"dist": "lognormal", "median": 300.0, "gsd": 1.8}, lambda: stats.lognorm(s=np.log(1.8), scale=300.0)),
    ({"dist": "beta", "a": 2.0, "b": 5.0, "low": 10.0, "high": 30.0},
     lambda: stats.beta(2.0, 5.0, loc=10.0, scale=20.0)),
    ({"dist": "beta", "a": 0.5, "b": 0.5}, lambda: stats.beta(0.5, 0.5)),
])
def test_quantiles_and_means_agree_with_scipy_stats(spec, reference):
    """The closed forms (special functions) give SciPy's distributions' quantiles and means."""
    d = TypeAdapter(Distribution).validate_python(spec)
    q = np.concatenate([[1e-12, 1e-6, 0.001], np.linspace(0.01, 0.99, 99), [0.999, 1 - 1e-6, 1 - 1e-12]])
    ref = reference()
    np.testing.assert_allclose(d.ppf(q), ref.ppf(q), rtol=1e-9, atol=1e-12 * max(1.0, abs(ref.mean())))
    assert d.mean() == pytest.approx(ref.mean(), rel=1e-12)
