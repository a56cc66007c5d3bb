"""The duration model: least squares recovers known coefficients, scores out of sample, reads back."""

from __future__ import annotations

import math

import numpy as np
import pytest

from flashpoint.analysis.calibrate.data import Battles
from flashpoint.analysis.calibrate.duration import (
    TERMS,
    DurationModel,
    cross_validate_duration,
    design,
    fit_duration,
)
from flashpoint.engine.theatre import TERRAINS
from flashpoint.errors import FlashpointError

TRUE = {t: 0.0 for t in TERMS} | {"intercept": -3.0, "log_force_ratio": -0.3, "log_personnel": 0.4,
                                   "posture_prepared": 0.3, "terrain_urban": 0.5, "air_superiority": -0.2,
                                   "log_front_width_km": 0.15}


def synthetic(n: int, seed: int, noise: float = 0.4) -> Battles:
    """n battles whose log duration is TRUE's linear predictor plus normal noise (sd ``noise``)."""
    rng = np.random.default_rng(seed)
    pers_d = rng.lognormal(math.log(20_000), 1.0, n)
    width = rng.lognormal(math.log(8), 0.8, n)
    width[rng.random(n) < 0.1] = np.nan
    b = Battles(
        isqno=np.arange(1, n + 1), pers_a=pers_d * rng.lognormal(0.4, 0.6, n), pers_d=pers_d,
        tanks_a=np.zeros(n), tanks_d=np.zeros(n), guns_a=np.zeros(n), guns_d=np.zeros(n),
        posture=rng.integers(0, 3, n), terrain=rng.integers(0, len(TERRAINS), n),
        surprise=rng.choice([-1, 0, 0, 1, 2], n).astype(float), air=rng.choice([-1, 0, 1], n).astype(float),
        days=np.ones(n), year=rng.uniform(1700, 1982, n), front_width_d=width,
        wina=np.ones(n), frac_a=np.full(n, 0.05), frac_d=np.full(n, 0.05),
    )
    beta = np.array([TRUE[t] for t in TERMS])
    log_days = design(b) @ beta + noise * rng.standard_normal(n)
    return Battles(**{**b.__dict__, "days": np.exp(log_days)})


def test_least_squares_recovers_the_coefficients():
    model = fit_duration(synthetic(4000, seed=1))
    for t in TERMS:   # the intercept is estimated far from the data (log personnel near 10): looser
        assert model.coefficients[t] == pytest.approx(TRUE[t], abs=0.3 if t == "intercept" else 0.06), t
    assert model.residual_sd == pytest.approx(0.4, rel=0.05)


def test_air_superiority_enters_linearly_in_the_degree():
    b = synthetic(3, seed=2)
    x = design(b)[:, TERMS.index("air_superiority")]
    assert x.tolist() == (2 * b.air_degree - 1).tolist() == b.air.tolist()


def test_out_of_sample_the_model_beats_force_ratio_alone_when_other_terms_matter():
    b = synthetic(600, seed=3)
    folds = np.arange(len(b)) % 5
    cv = cross_validate_duration(b, folds)
    assert cv["model"]["mae_log"] < cv["force_ratio"]["mae_log"]
    assert cv["model"]["rmse_log"] == pytest.approx(0.4, rel=0.15)   # the noise, nearly
    assert 0.84 <= cv["model"]["coverage_90"] <= 0.96
    assert cv["mae_log_skill_vs_force_ratio"] > 0


def test_predictions_are_at_least_one_day_and_read_back():
    b = synthetic(500, seed=4)
    model = fit_duration(b)
    days = model.days(b)
    assert days.min() >= 1.0
    again = DurationModel.from_dict("params.json", model.to_dict())
    assert np.array_equal(again.days(b), days)


@pytest.mark.parametrize(("data", "message"), [
    (None, "field duration is missing"),
    ({"coefficients": {}}, "field duration.coefficients.intercept is missing"),
    ({"coefficients": {t: 0.0 for t in TERMS} | {"surprise": "x"}, "residual_sd": 1.0},
     "field duration.coefficients.surprise is 'x'; expected a finite number"),
    ({"coefficients": {t: 0.0 for t in TERMS}, "residual_sd": -1}, "field duration.residual_sd is -1"),
])
def test_a_bad_duration_block_is_refused(data, message):
    with pytest.raises(FlashpointError, match="params.json: " + message):
        DurationModel.from_dict("params.json", data)


def test_too_few_battles():
    with pytest.raises(FlashpointError, match="expected more than 14"):
        fit_duration(synthetic(10, seed=5))
