"""The engine uses the calibration: the shipped file's checks, the constants it replaces, and the
air-superiority rule it brings into the ground war (engine/ground.py)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from flashpoint import __version__
from flashpoint.analysis.history.cdb90 import data_hash
from flashpoint.analysis.provenance import stale
from flashpoint.engine.calibration import (
    ENGINE_READS,
    FORMAT,
    SOURCE_ID,
    apply_calibration,
    parse_calibration,
    parse_campaign_speed,
    read_calibration,
    shipped_calibration,
    shipped_campaign_speed,
)
from flashpoint.engine.rng import Streams
from flashpoint.engine.stepwise import air_superiority, combat_power, ground_phase, plan_attacks, start
from flashpoint.engine.theatre import compile_theatre, default_parameters, prior_parameters
from flashpoint.errors import FlashpointError
from flashpoint.scenario.distributions import Normal

SHIPPED = Path(__file__).parents[2] / "src" / "flashpoint" / "engine" / "calibration" / "cdb90.json"


# ------------------------------------------------------------------------------ the shipped file
def test_the_shipped_calibration_matches_the_shipped_data_and_this_version():
    cal = shipped_calibration()
    assert cal.data_hash == data_hash()
    assert cal.version == __version__
    assert cal.raw["format"] == FORMAT


def test_default_parameters_carry_the_fit_and_cite_the_file():
    cal, priors, params = shipped_calibration(), prior_parameters(), default_parameters()
    engine = {k: v for k, v in cal.constants.items() if v["engine"] or k in ENGINE_READS}
    assert {"attrition-rate", "helmbold-exponent", "air-superiority-power", "combat-days-exponent"} <= set(engine)
    for name, entry in engine.items():
        p = params[name]
        assert p.source == SOURCE_ID
        assert cal.data_hash[:12] in p.note and "cdb90.json" in p.note
        assert isinstance(p.value, Normal)
        assert p.value.mean_ == pytest.approx(entry["value"])
        assert p.value.sd == pytest.approx(entry["se"])
        lo, hi = priors[name].limits()
        assert p.value.bounds() == (max(lo, entry["low"]), min(hi, entry["high"]))
    # what the calibration does not fit keeps its prior (the advance rate is the campaign fit's)
    for name in set(priors) - set(engine) - {"advance-km-per-day"}:
        assert params[name] == priors[name]


def test_a_constant_without_standard_error_becomes_a_fixed_value():
    doc = json.loads(SHIPPED.read_text("utf-8"))
    doc["constants"]["attrition-rate"]["se"] = None
    cal = parse_calibration("x.json", json.dumps(doc))
    assert apply_calibration(prior_parameters(), cal)["attrition-rate"].value == pytest.approx(
        doc["constants"]["attrition-rate"]["value"])


def test_another_version_with_the_same_data_and_formula_keeps_its_constants():
    doc = json.loads(SHIPPED.read_text("utf-8"))
    doc["version"] = "0.0.1"
    cal = parse_calibration("params.json", json.dumps(doc), data_hash=data_hash())
    assert cal.version == "0.0.1"
    assert cal.values() == shipped_calibration().values()


def test_the_shipped_calibration_is_tied_to_the_shipped_data_and_formula():
    assert stale(shipped_calibration()) == []


@pytest.mark.parametrize(("change", "says"), [
    (lambda d: d["data"].update(hash="0" * 64), "fitted on battle data with hash 000000000000"),
    (lambda d: d["kernel"].update(digest="f" * 64), "fitted with a formula whose source has digest ffffffffffff"),
    (lambda d: d["kernel"].pop("digest"), "records no digest of the formula"),
])
def test_a_calibration_whose_data_or_formula_changed_warns_and_still_runs(change, says):
    doc = json.loads(SHIPPED.read_text("utf-8"))
    change(doc)
    found = stale(parse_calibration("params.json", json.dumps(doc)))
    assert len(found) == 1 and found[0].startswith("params.json: ") and says in found[0]
    assert "flashpoint calibrate" in found[0]


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.update(format="other/2"), "field format is 'other/2'"),
    (lambda d: d["data"].update(hash="0" * 64), "field data.hash is 0000000000000000"),
    (lambda d: d.pop("seed"), "field seed is missing"),
    (lambda d: d["constants"]["attrition-rate"].update(value=5.0), "field constants.attrition-rate.value is 5.0"),
    (lambda d: d["constants"]["helmbold-exponent"].update(se=-1), "field constants.helmbold-exponent.se is -1"),
    (lambda d: d["constants"]["helmbold-exponent"].update(value="x"), "constants.helmbold-exponent.value is 'x'"),
    (lambda d: d["fixed"].update({"tank-weight": None}), "field fixed.tank-weight is None"),
])
def test_a_bad_calibration_file_is_refused_naming_the_field(change, message):
    doc = json.loads(SHIPPED.read_text("utf-8"))
    change(doc)
    with pytest.raises(FlashpointError) as info:
        parse_calibration("params.json", json.dumps(doc), data_hash=data_hash())
    assert str(info.value).startswith("params.json: ")
    assert message in str(info.value)


def test_a_missing_or_garbled_file_is_refused(tmp_path):
    with pytest.raises(FlashpointError, match="nothing.json: file not found"):
        read_calibration(tmp_path / "nothing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(FlashpointError, match=r"bad.json: not JSON"):
        read_calibration(bad)


# -------------------------------------------------------------------- air superiority in the engine
def _theatre(scenario_builder, red_air_commitment: float = 1.0, red_posture: str = "attack", **overrides: float):
    data = scenario_builder.data()
    data["forces"]["air"]["red-air"]["commitment"] = red_air_commitment
    data["forces"]["ground"]["red-1"]["posture"] = red_posture
    data["forces"]["ground"]["red-1"]["personnel"] = 4000
    fixed = {"air-superiority-power": 2.0, "air-superiority-breakpoint": 1.5, "tank-weight": 10.0,
             "artillery-weight": 10.0, **overrides}
    th = compile_theatre(scenario_builder.from_data(data), overrides=fixed)
    return th, start(th, 7, 250)


def test_the_side_that_alone_flies_holds_air_superiority(scenario_builder):
    th, b = _theatre(scenario_builder)
    degree = air_superiority(b)
    red, blue = th.actor_index("redland"), th.actor_index("blueland")
    reach = b.tables.wings.group_reach[b.tables.wings.group[0]]
    assert reach.any()
    assert (degree[:, red][:, reach] == 1.0).all() and (degree[:, blue][:, reach] == 0.0).all()
    assert (degree[:, :, ~reach] == 0.5).all()                # out of reach: even
    th0, b0 = _theatre(scenario_builder, red_air_commitment=0.0)
    assert (air_superiority(b0) == 0.5).all()


def test_the_degree_is_the_share_of_effective_sorties(scenario_builder):
    """Blue gets a wing like Red's: each side flies the same sorties over the places both reach,
    so the air is even there; with half Red's aircraft Blue has a third of the sorties."""
    data = scenario_builder.data()
    red_air = data["forces"]["air"]["red-air"]
    blue_base = next(k for k, v in data["forces"]["ground"].items() if v["owner"] == "blueland")
    for share, expected in ((1.0, 0.5), (0.5, 1 / 3)):
        blue_air = {**red_air, "owner": "blueland", "base": data["forces"]["ground"][blue_base]["place"],
                    "range_km": 5000.0}
        data["forces"]["air"]["red-air"]["range_km"] = 5000.0
        data["forces"]["air"]["blue-air"] = blue_air
        fixed = {"air-superiority-power": 2.0, "air-superiority-breakpoint": 1.5}
        th = compile_theatre(scenario_builder.from_data(data), overrides=fixed)
        b = start(th, 7, 50)
        aircraft = b.st.wings.aircraft
        red_w, blue_w = th.wing_ids.index("red-air"), th.wing_ids.index("blue-air")
        aircraft[:, blue_w] = np.round(aircraft[:, red_w] * share)
        b.run.wings.sortie_rate[:, blue_w] = b.run.wings.sortie_rate[:, red_w]
        b.st.wings.commitment[:, blue_w] = b.st.wings.commitment[:, red_w]
        degree = air_superiority(b)
        blue = th.actor_index("blueland")
        red_sorties = aircraft[:, red_w]
        want = np.round(red_sorties * share) / (red_sorties + np.round(red_sorties * share))
        assert degree[:, blue, :] == pytest.approx(np.broadcast_to(want[:, None], degree[:, blue, :].shape))
        assert degree[:, th.actor_index("redland"), :] == pytest.approx(1.0 - degree[:, blue, :])
        if share == 1.0:
            assert degree[:, blue, :] == pytest.approx(expected)


def test_an_actor_whose_camp_flies_holds_air_superiority_without_aircraft_of_its_own(scenario_builder):
    """Redland flies but fires on nobody; its ally, with no aircraft, fires on Blueland: Blueland is
    under the air superiority of the ally."""
    data = scenario_builder.data()
    data["actors"]["redland"]["fires_on"] = []
    data["actors"]["redally"] = {"name": "Red ally", "camp": "red", "source": "made-up"}
    th = compile_theatre(scenario_builder.from_data(data))
    b = start(th, 7, 250)
    degree = air_superiority(b)
    reach = b.tables.wings.group_reach[b.tables.wings.group[0]]
    red, ally, blue = (th.actor_index(a) for a in ("redland", "redally", "blueland"))
    assert (degree[:, red][:, reach] == 1.0).all() and (degree[:, ally][:, reach] == 1.0).all()
    assert (degree[:, blue][:, reach] == 0.0).all()


def test_air_superiority_multiplies_combat_power(scenario_builder):
    th, b = _theatre(scenario_builder)
    th1, b1 = _theatre(scenario_builder, **{"air-superiority-power": 1.0})
    red_f = th.formation_ids.index("red-1")
    blue_f = th.formation_ids.index("blue-1")
    with_air, without = combat_power(b), combat_power(b1)
    # degree 1 and 0: each side's power moved by the square root, the ratio by the full factor
    assert with_air[:, red_f] == pytest.approx(math.sqrt(2.0) * without[:, red_f])
    assert with_air[:, blue_f] == pytest.approx(without[:, blue_f] / math.sqrt(2.0))


@pytest.mark.parametrize("air_lost", [False, True])
def test_the_ground_phase_recomputes_air_superiority_after_air_losses(air_lost, scenario_builder):
    """Red holds the air when the plan is made. If the day's air war then costs it its aircraft
    (marked in the plan by the air phase), Blue is no longer under Red's air superiority and its
    breakpoint is not lowered; without losses the plan's superiority stands."""
    th, b = _theatre(scenario_builder, red_posture="defend", **{"air-superiority-breakpoint": 1.5})
    st = b.st
    blue_f = th.formation_ids.index("blue-1")
    # broken under Red's air (0.3 / sqrt(1.5) = 0.245), not without (0.3)
    st.formations.personnel[:, blue_f] = b.run.formations.personnel0[:, blue_f] * (1 - 0.25)
    plan = plan_attacks(b)
    assert (plan.degree[:, th.actor_index("blueland"), th.formations.place[blue_f]] == 0.0).all()
    if air_lost:
        st.wings.aircraft[:] = 0.0
        plan.air_lost[:] = True
    ground_phase(b, Streams(7, 0, 250), plan)
    if air_lost:
        assert not st.formations.broken[:, blue_f].any()
    else:
        assert st.formations.broken[:, blue_f].all()


@pytest.mark.parametrize(("factor", "broken"), [(1.0, False), (1.5, True)])
def test_air_superiority_lowers_the_breakpoint_of_the_side_under_it(factor, broken, scenario_builder):
    th, b = _theatre(scenario_builder, red_posture="defend", **{"air-superiority-breakpoint": factor})
    st = b.st
    blue_f = th.formation_ids.index("blue-1")
    # lost 25%: breakpoint 0.3, or 0.3 / sqrt(1.5) = 0.245 under air
    st.formations.personnel[:, blue_f] = b.run.formations.personnel0[:, blue_f] * (1 - 0.25)
    plan = plan_attacks(b)
    assert not plan.attacker.any()                           # nobody attacks: only the breakpoint acts
    ground_phase(b, Streams(7, 0, 250), plan)
    assert bool(st.formations.broken[:, blue_f].all()) is broken
    assert not st.formations.broken[:, th.formation_ids.index("red-1")].any()
    assert math.isclose(float(np.mean(b.run.formations.breakpoint[:, blue_f])), 0.3)


# ------------------------------------------------------------------------ combat days in the engine
def _daily_losses(scenario_builder, k: float) -> tuple[list[float], np.ndarray]:
    """Mean personnel put out of action on each of three days of the same fight (an advance too slow to take
    the place), and the count of consecutive combat days at each place at the end."""
    th, b = _theatre(scenario_builder, **{"combat-days-exponent": k, "capture-ratio": 10.0, "advance-km-per-day": 0.1})
    out = []
    for day in range(3):
        b.st.day = day
        before = b.st.losses.personnel_lost.sum(axis=1).copy()
        ground_phase(b, Streams(7 + day, 0, 250), plan_attacks(b))
        out.append(float((b.st.losses.personnel_lost.sum(axis=1) - before).mean()))
    return out, b.st.combat_days


def test_the_dth_day_of_a_battle_costs_d_to_the_k_minus_d_minus_1_to_the_k(scenario_builder):
    full, days = _daily_losses(scenario_builder, 1.0)
    fitted, days_k = _daily_losses(scenario_builder, 0.5)
    assert (days == days_k).all() and set(np.unique(days)) == {0, 3}   # fought three days, or never
    assert fitted[0] == pytest.approx(full[0])                          # day 1 is a full day
    # same draws of who fights; the losses are random, hence the tolerance
    assert fitted[1] / full[1] == pytest.approx(math.sqrt(2) - 1, abs=0.03)
    assert fitted[2] / full[2] == pytest.approx(math.sqrt(3) - math.sqrt(2), abs=0.03)


# ------------------------------------------------------------------- the campaign speed of advance
def test_the_advance_rate_is_the_shipped_campaign_speed_fit():
    median, gsd, doc = shipped_campaign_speed()
    assert median == pytest.approx(math.exp(doc["fit"]["mu"]), rel=1e-4)
    p = default_parameters()["advance-km-per-day"]
    assert p.source == "calibration-campaigns" and "campaigns.json" in p.note
    assert (p.value.median, p.value.gsd) == (median, gsd)
    assert prior_parameters()["advance-km-per-day"].source == "analyst"


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.update(format="x"), "field format is 'x'"),
    (lambda d: d["fit"].update(gsd=0.5), "field fit.gsd is 0.5; expected above 1"),
    (lambda d: d["fit"].update(median_km_per_day="fast"), "field fit.median_km_per_day is 'fast'"),
    (lambda d: d.pop("fit"), "field fit is missing"),
])
def test_a_bad_campaign_speed_file_is_refused_naming_the_field(change, message):
    doc = json.loads(json.dumps(shipped_campaign_speed()[2]))
    change(doc)
    with pytest.raises(FlashpointError) as info:
        parse_campaign_speed("speed.json", json.dumps(doc))
    assert str(info.value).startswith("speed.json: ") and message in str(info.value)
