"""The calibration against its targets, on the shipped CDB90 copy.

* Air superiority (battles after 1939): the odds ratio of attacker victory with vs against air
  superiority that the calibrated kernel predicts lies inside the published 95% interval
  (2.8-12.2), and its median loss-exchange ratios inside the bootstrap intervals of the observed
  medians (about 1.6 with, 0.5 against).
* The shipped calibration file is what ``flashpoint calibrate`` gives on the shipped data.
* Out of sample, the kernel's Brier score of attacker victory beats the force-ratio logistic
  baseline and the CDB90 base rate.
"""

from __future__ import annotations

import pytest

from flashpoint.analysis.calibrate.checks import PUBLISHED_OR_CI, air_superiority_check
from flashpoint.analysis.calibrate.data import battles_from_frame
from flashpoint.analysis.calibrate.fitting import fit, fixed_values
from flashpoint.analysis.calibrate.scores import cross_validate, score
from flashpoint.analysis.history.cdb90 import load_battles
from flashpoint.engine.calibration import shipped_calibration


@pytest.fixture(scope="module")
def frame():
    return load_battles()


def test_predicted_air_superiority_effect_is_inside_the_published_intervals(frame):
    check = air_superiority_check(shipped_calibration().values(), frame)
    odds = check["odds_ratio"]
    assert PUBLISHED_OR_CI[0] <= odds["predicted"] <= PUBLISHED_OR_CI[1], odds
    for group in ("attacker_has_air_superiority", "defender_has_air_superiority"):
        ler = check["median_loss_exchange"][group]
        assert ler["observed_ci95"][0] <= ler["predicted"] <= ler["observed_ci95"][1], (group, ler)
    # the effect has the right sign and size: with air superiority the attacker does far better
    with_, against = (check["median_loss_exchange"][g]["predicted"]
                      for g in ("attacker_has_air_superiority", "defender_has_air_superiority"))
    assert with_ / against > 1.5
    assert check["inside"]


@pytest.mark.slow
def test_the_shipped_constants_are_the_fit_of_the_shipped_data(frame):
    """Refitting gives the shipped constants to a small fraction of their standard errors (the
    likelihood has kinks where the engine's max-daily-loss cap binds, so the optimiser's end point
    may move by a fraction of a standard error with the last digit of an input or the machine)."""
    cal = shipped_calibration()
    result = fit(battles_from_frame(frame), fixed=fixed_values())
    for name, entry in cal.constants.items():
        assert abs(result.values[name] - entry["value"]) <= 0.5 * entry["se"] + 1e-6, name
        assert result.se[name] == pytest.approx(entry["se"], rel=0.25), name


@pytest.mark.slow
def test_out_of_sample_the_kernel_beats_both_baselines(frame):
    battles = battles_from_frame(frame)
    scores = score(battles, cross_validate(battles, shipped_calibration().fixed, folds=3, seed=1))
    assert scores["model"]["brier"] < scores["force_ratio"]["brier"] < scores["base_rate"]["brier"]
    assert scores["model"]["log_loss"] < scores["force_ratio"]["log_loss"]
    for side in ("casualties_attacker", "casualties_defender"):
        assert scores["model"][side]["mae"] < scores["force_ratio"][side]["mae"]
    # and the 10-fold scores recorded in the shipped file say the same
    recorded = shipped_calibration().raw["scores"]["cross_validated"]
    assert recorded["model"]["brier"] < recorded["force_ratio"]["brier"] < recorded["base_rate"]["brier"]


def test_out_of_sample_the_duration_model_beats_force_ratio_alone(frame):
    from flashpoint.analysis.calibrate.duration import cross_validate_duration
    from flashpoint.analysis.calibrate.scores import fold_ids

    battles = battles_from_frame(frame)
    cv = cross_validate_duration(battles, fold_ids(battles, 10, 1))
    assert cv["model"]["mae_log"] < cv["force_ratio"]["mae_log"]
    assert cv["model"]["rmse_log"] < cv["force_ratio"]["rmse_log"]
    assert shipped_calibration().raw["scores"]["duration_cross_validated"]["model"]["mae_log"] == pytest.approx(
        cv["model"]["mae_log"], rel=1e-5)
