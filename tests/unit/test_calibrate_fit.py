"""The fit: it recovers constants from battles the kernel itself generated, is deterministic, and
scores (Brier, log loss, calibration curve, folds, baselines) are computed as documented."""

from __future__ import annotations

import math

import numpy as np
import pytest

from flashpoint.analysis.calibrate.data import Battles
from flashpoint.analysis.calibrate.fitting import MIN_BATTLES, fit, fixed_values, start_values
from flashpoint.analysis.calibrate.kernel import CONSTANTS, predict
from flashpoint.analysis.calibrate.scores import (
    baseline_predictions,
    brier,
    calibration_curve,
    fold_ids,
    log_loss,
)
from flashpoint.engine.theatre import TERRAINS
from flashpoint.errors import FlashpointError

TRUE = {
    "attrition-rate": 0.03, "helmbold-exponent": 0.5, "posture-defend": 1.3, "posture-hold": 1.6,
    "terrain-urban": 1.5, "terrain-mountain": 1.4, "terrain-rough": 1.2, "terrain-mixed": 1.1,
    "air-superiority-power": 2.5, "air-superiority-breakpoint": 1.5, "surprise-power": 1.6,
    "attrition-era-trend": -0.6, "combat-days-exponent": 0.6, "breakpoint-attacker": 0.04,
    "breakpoint-defender": 0.05, "breakpoint-spread": 2.0, "casualty-spread-attacker": 1.8,
    "casualty-spread-defender": 2.0,
}


def synthetic(n: int, seed: int) -> tuple[Battles, dict]:
    """n battles with CDB90-like inputs; outcomes and casualties drawn from the kernel with TRUE."""
    rng = np.random.default_rng(seed)
    fixed = fixed_values()
    c = {**TRUE, **fixed}
    pers_d = rng.lognormal(math.log(10_000), 1.0, n)
    b = Battles(
        isqno=np.arange(1, n + 1), pers_a=pers_d * rng.lognormal(0.4, 0.6, n), pers_d=pers_d,
        tanks_a=rng.uniform(0, 0.01, n) * pers_d, tanks_d=rng.uniform(0, 0.01, n) * pers_d,
        guns_a=rng.uniform(0, 0.005, n) * pers_d, guns_d=rng.uniform(0, 0.005, n) * pers_d,
        posture=rng.integers(0, 3, n), terrain=rng.integers(0, len(TERRAINS), n),
        surprise=rng.choice([-1, 0, 0, 0, 1, 2, 3], n).astype(float), air=rng.choice([-1, 0, 0, 1], n).astype(float),
        days=rng.choice([1, 1, 1, 2, 3, 5, 8], n).astype(float), year=rng.uniform(1850, 1982, n),
        front_width_d=rng.uniform(1, 20, n), wina=np.zeros(n), frac_a=np.zeros(n), frac_d=np.zeros(n),
    )
    pred = predict(c, b)
    u = rng.random(n)
    wina = np.where(u < pred.p_win, 1.0, np.where(u < pred.p_win + pred.p_draw, 0.0, -1.0))
    frac_a = np.clip(pred.frac_a * np.exp(math.log(1.8) * rng.standard_normal(n)), 1e-4, 0.999)
    frac_d = np.clip(pred.frac_d * np.exp(math.log(2.0) * rng.standard_normal(n)), 1e-4, 0.999)
    return Battles(**{**b.__dict__, "wina": wina, "frac_a": frac_a, "frac_d": frac_d}), fixed


@pytest.fixture(scope="module")
def recovered():
    b, fixed = synthetic(800, seed=11)
    return fit(b, fixed=fixed), b, fixed


@pytest.mark.parametrize("name", ["attrition-rate", "helmbold-exponent", "posture-hold", "terrain-mountain",
                                  "air-superiority-power", "air-superiority-breakpoint", "surprise-power",
                                  "attrition-era-trend", "combat-days-exponent", "breakpoint-attacker",
                                  "breakpoint-defender", "breakpoint-spread"])
def test_the_fit_recovers_the_constants_that_made_the_battles(recovered, name):
    result, _, _ = recovered
    assert result.converged, result.message
    se = result.se[name]
    assert 0 < se < math.inf
    # within four standard errors (a false alarm has probability ~6e-5 per constant)
    assert abs(result.values[name] - TRUE[name]) < 4 * se, (result.values[name], TRUE[name], se)


@pytest.mark.parametrize("name", ["casualty-spread-attacker", "casualty-spread-defender"])
def test_the_fit_recovers_the_spread_of_casualties(recovered, name):
    # the drawn fractions are clipped to [1e-4, 0.999] as CDB90's are, which narrows the spread a
    # little; within 10% of the truth
    result, _, _ = recovered
    assert result.values[name] == pytest.approx(TRUE[name], rel=0.1)


def test_standard_errors_are_honest_in_size(recovered):
    result, _, _ = recovered
    # 800 battles pin the attrition rate to a few per cent, not to a part per million
    assert 0.002 < result.se["attrition-rate"] / result.values["attrition-rate"] < 0.2


def test_the_fit_is_deterministic():
    b, fixed = synthetic(200, seed=3)
    start = {k: 1.1 * v if v > 0 else v - 0.1 for k, v in TRUE.items()}
    one = fit(b, fixed=fixed, start=start, standard_errors=False)
    two = fit(b, fixed=fixed, start=start, standard_errors=False)
    assert one.values == two.values
    assert one.log_likelihood == two.log_likelihood


def test_the_fit_starts_from_the_priors():
    start = start_values()
    assert set(start) == {c.name for c in CONSTANTS}
    for c in CONSTANTS:
        assert c.low <= start[c.name] <= c.high


def test_too_few_battles_are_refused():
    b, fixed = synthetic(MIN_BATTLES - 1, seed=1)
    with pytest.raises(FlashpointError, match=f"expected at least {MIN_BATTLES}"):
        fit(b, fixed=fixed)


# ----------------------------------------------------------------------------------------- scores
def test_brier_and_log_loss_by_hand():
    p, y = np.array([0.8, 0.3, 0.5]), np.array([1.0, 0.0, 1.0])
    assert brier(p, y) == pytest.approx((0.04 + 0.09 + 0.25) / 3)
    assert log_loss(p, y) == pytest.approx(-(math.log(0.8) + math.log(0.7) + math.log(0.5)) / 3)
    assert log_loss(np.array([0.0]), np.array([1.0])) == pytest.approx(-math.log(1e-6))


def test_calibration_curve_bins():
    p = np.array([0.05, 0.15, 0.12, 0.95, 1.0])
    y = np.array([0.0, 1.0, 0.0, 1.0, 1.0])
    curve = calibration_curve(p, y)
    assert [(b["low"], b["n"]) for b in curve] == [(0.0, 1), (0.1, 2), (0.9, 2)]
    assert curve[1]["mean_p"] == pytest.approx(0.135) and curve[1]["observed"] == pytest.approx(0.5)


def test_folds_are_stratified_and_seeded():
    b, _ = synthetic(300, seed=2)
    ids = fold_ids(b, 10, seed=1)
    assert (ids == fold_ids(b, 10, seed=1)).all()
    assert not (ids == fold_ids(b, 10, seed=2)).all()
    for value in (1.0, 0.0, -1.0):
        counts = np.bincount(ids[b.wina == value], minlength=10)
        assert counts.max() - counts.min() <= 1


def test_baselines():
    b, _ = synthetic(400, seed=4)
    out = baseline_predictions(b, b)
    p_base, fa_base, _ = out["base_rate"]
    assert p_base == pytest.approx(np.full(len(b), np.mean(b.wina == 1)))
    assert fa_base[0] == pytest.approx(np.median(b.frac_a))
    # the logistic fit is the maximum-likelihood one: its score equations hold
    p, _, _ = out["force_ratio"]
    x, y = np.log(b.force_ratio), (b.wina == 1).astype(float)
    assert np.sum(y - p) == pytest.approx(0.0, abs=1e-6)
    assert np.sum((y - p) * x) == pytest.approx(0.0, abs=1e-6)
