"""Calibrated values in a scenario: ``{ calibrated = "air:..." }`` resolves to the air fit's log-normal,
truncated to the field's limits with the mean of what is drawn; a bad name is a clear error."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import integrate, stats

from flashpoint.errors import FlashpointError
from flashpoint.scenario import load_file
from flashpoint.scenario.calibrated import AIR_FILE, air_names, distribution, parse_air
from flashpoint.scenario.distributions import LogNormal

FIXTURE = Path(__file__).parents[1] / "fixtures" / "small-air.toml"
TEXT = FIXTURE.read_text(encoding="utf-8")
RATES = json.loads(AIR_FILE.read_text(encoding="utf-8"))["rates"]


def edit(old: str, new: str, text: str = TEXT) -> str:
    assert text.count(old) == 1, f"the fixture should contain {old!r} exactly once"
    return text.replace(old, new)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scenario.toml"
    path.write_text(text, encoding="utf-8")
    return path


RED_SAM = "engagement_prob = 0.3\nkill_prob = 0.5\n"


def test_a_kill_probability_resolves_to_the_fitted_drone_loss_truncated_at_one(tmp_path):
    text = edit(RED_SAM, 'engagement_prob = 0.3\nkill_prob = { calibrated = "air:drone-loss-per-sortie:layered" }\n')
    pk = load_file(write(tmp_path, text)).forces.air_defence["red-sam"].kill_prob
    fit = RATES["loss_per_sortie"]["drone"]["layered"]["new_campaign"]
    assert isinstance(pk, LogNormal)
    assert (pk.median, pk.gsd, pk.low, pk.high) == (fit["median"], fit["gsd"], None, 1.0)
    assert pk.bounds() == (0.0, 1.0)
    # about 8% of this fit's new-campaign distribution lies above 1: the truncation matters here
    untruncated = LogNormal(dist="lognormal", median=fit["median"], gsd=fit["gsd"])
    assert pk.mean() < 0.3 * untruncated.mean()


def test_a_reciprocal_takes_the_reciprocal_median_and_the_same_spread(tmp_path):
    text = edit(RED_SAM, 'engagement_prob = { calibrated = "1/air:drone-exposure" }\nkill_prob = 0.5\n')
    e = load_file(write(tmp_path, text)).forces.air_defence["red-sam"].engagement_prob
    fit = RATES["drone_exposure"]["new_campaign"]
    assert e.median == pytest.approx(1 / fit["median"], rel=1e-12)
    assert e.gsd == fit["gsd"]
    assert e.high == 1.0


def test_a_model_constant_is_truncated_to_the_engines_limits_and_its_own(tmp_path):
    table = ('\n[parameters.drone-exposure]\nvalue = { calibrated = "air:drone-exposure" }\n'
             'source = "made-up"\n')
    s = load_file(write(tmp_path, TEXT + table))
    value = s.parameters["drone-exposure"].value
    assert (value.low, value.high) == (1.0, 10000.0)   # engine/parameters.toml's limits
    own = load_file(write(tmp_path, TEXT + table + "low = 5.0\nhigh = 2000.0\n")).parameters["drone-exposure"]
    assert (own.value.low, own.value.high) == (5.0, 2000.0)


def test_a_value_an_intervention_sets_gets_the_limits_of_the_field_it_sets(tmp_path):
    text = TEXT + ('\n[interventions.more-sorties]\ndescription = "more sorties"\n'
                   '[interventions.more-sorties.set]\n"forces.air.red-fighters.sortie_rate" = '
                   '{ calibrated = "air:sorties-per-aircraft-per-day:allied-force" }\n')
    s = load_file(write(tmp_path, text))
    rate = s.interventions["more-sorties"].set["forces.air.red-fighters.sortie_rate"]
    fit = RATES["sorties_per_aircraft_per_day"]["allied-force"]
    assert rate == {"dist": "lognormal", "median": fit["median"], "gsd": fit["gsd"], "high": 10.0}
    assert s.apply("more-sorties").forces.air["red-fighters"].sortie_rate.median == fit["median"]


def test_an_unknown_name_names_the_file_line_field_value_and_the_names_allowed(tmp_path):
    text = edit(RED_SAM, 'engagement_prob = 0.3\nkill_prob = { calibrated = "air:drone-loss-per-sortie:patriot" }\n')
    with pytest.raises(FlashpointError) as info:
        load_file(write(tmp_path, text))
    message = str(info.value)
    line = text.split("\n").index('kill_prob = { calibrated = "air:drone-loss-per-sortie:patriot" }') + 1
    assert message.startswith(f"{tmp_path / 'scenario.toml'}:{line}: forces.air_defence.red-sam.kill_prob.calibrated: ")
    assert "unknown calibrated rate 'air:drone-loss-per-sortie:patriot'" in message
    for name in ("air:drone-loss-per-sortie:shorad", "air:drone-exposure", "air:drone-kills-per-sortie:armour",
                 "air:sorties-per-aircraft-per-day:russia-syria"):
        assert name in message
    assert "Traceback" not in message


@pytest.mark.parametrize("value, says", [
    ('{ calibrated = 3 }', "must be the name of a fitted rate, as text"),
    ('{ calibrated = "air:drone-exposure", gsd = 2 }', "with the single key 'calibrated'; remove gsd"),
])
def test_a_malformed_calibrated_value_is_refused(tmp_path, value, says):
    text = edit(RED_SAM, f"engagement_prob = 0.3\nkill_prob = {value}\n")
    with pytest.raises(FlashpointError, match="forces.air_defence.red-sam.kill_prob") as info:
        load_file(write(tmp_path, text))
    assert says in str(info.value)


def test_a_broken_fit_file_is_reported_by_field():
    with pytest.raises(FlashpointError, match="field rates is missing"):
        parse_air({"format": "flashpoint-air-calibration/1"})
    doc = json.loads(AIR_FILE.read_text(encoding="utf-8"))
    doc["rates"]["drone_exposure"]["new_campaign"]["gsd"] = 0.5
    with pytest.raises(FlashpointError, match="rates.drone_exposure: median .* gsd 0.5"):
        parse_air(doc)


def test_the_mapping_gives_a_battery_the_fitted_manned_and_drone_losses_per_sortie():
    """engagement 1/R and kill probability = the drone's loss per sortie: at the medians, a battery
    takes e x pk = the fitted manned loss per manned sortie (the fit is additive on the log scale,
    so manned = drone / R) and min(e R, 1) x pk = the drone's."""
    names = air_names()
    r = names["air:drone-exposure"][0]
    e = distribution("1/air:drone-exposure", high=1.0)["median"]
    for kind in ("light", "shorad", "layered"):
        drone = names[f"air:drone-loss-per-sortie:{kind}"][0]
        manned = names[f"air:manned-loss-per-sortie:{kind}"][0]
        assert e * drone == pytest.approx(manned, rel=1e-3), kind
        assert min(e * r, 1.0) * drone == pytest.approx(drone, rel=1e-12), kind


@pytest.mark.parametrize("low, high", [(None, 1.0), (1.0, 10000.0), (0.01, None), (None, None)])
def test_the_truncated_lognormal_mean_is_the_mean_of_its_values(low, high):
    """The closed form against numerical integration of the density over [low, high], and the ppf
    (what the engine samples) against both."""
    median, gsd = (307.357, 4.97964) if low == 1.0 else (0.0456662, 9.36928)
    d = LogNormal(dist="lognormal", median=median, gsd=gsd, low=low, high=high)
    ref = stats.lognorm(s=math.log(gsd), scale=median)
    lo, hi = low or 0.0, high or math.inf
    mass = ref.cdf(hi) - ref.cdf(lo)
    # integrate on the log scale, where the integrand is smooth
    num, _ = integrate.quad(lambda z: math.exp(z) * ref.pdf(math.exp(z)) * math.exp(z),
                            math.log(lo) if lo > 0 else math.log(median) - 12 * math.log(gsd),
                            math.log(hi) if hi < math.inf else math.log(median) + 12 * math.log(gsd), limit=200)
    assert d.mean() == pytest.approx(num / mass, rel=1e-6)
    x = d.ppf((np.arange(400_000) + 0.5) / 400_000)      # a fine quantile grid: the mean of the draws
    assert x.min() >= lo and x.max() <= hi
    if high is not None:   # without an upper bound the grid misses the far tail that carries the mean
        assert x.mean() == pytest.approx(d.mean(), rel=2e-3)
    assert float(np.median(x)) == pytest.approx(float(ref.ppf(ref.cdf(lo) + 0.5 * mass)), rel=1e-6)


def test_a_truncation_that_leaves_nothing_is_refused():
    with pytest.raises(ValueError, match="leaves almost nothing"):
        LogNormal(dist="lognormal", median=1.0, gsd=1.5, high=1e-6)
    with pytest.raises(ValueError, match="must be below high"):
        LogNormal(dist="lognormal", median=1.0, gsd=1.5, low=2.0, high=1.5)


def test_an_entry_called_calibrated_is_not_a_calibrated_value(tmp_path):
    """Tables of entries by id may hold one named "calibrated": a place, and the control of it."""
    text = edit('[places.a]\n', '[places.calibrated]\n')
    text = edit('\na = "redland"\n', '\ncalibrated = "redland"\n', text).replace('"a"', '"calibrated"')
    s = load_file(write(tmp_path, text))
    assert "calibrated" in s.places and "calibrated" in s.control


def test_a_truncation_to_a_sliver_is_refused():
    """Far in the tail, or a sliver at the median: under 1e-12 of the distribution left."""
    for low, high in ((1e6, 2e6), (1.0, 1.0 + 1e-13)):
        with pytest.raises(ValueError, match="leaves almost nothing"):
            LogNormal(dist="lognormal", median=1.0, gsd=1.5, low=low, high=high)
