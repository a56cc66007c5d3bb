"""The battle kernel: the engine's attrition law on a battle, the breakpoint race, the inputs.

Hand calculations use the engine's `daily_loss_shares` directly, and the breakpoint race is
checked against a Monte Carlo of its definition (breakpoints drawn, losses growing linearly
within the day), so that a change of either the law or the race shows here.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from flashpoint.analysis.calibrate.data import Battles, battles_from_frame
from flashpoint.analysis.calibrate.kernel import (
    CONSTANTS,
    FIXED,
    combat_days,
    daily_rate,
    log_breakpoints,
    power_ratio,
    predict,
)
from flashpoint.engine.ground import daily_loss_shares
from flashpoint.engine.theatre import TERRAINS
from flashpoint.errors import FlashpointError

C = {
    "attrition-rate": 0.04, "helmbold-exponent": 0.5, "posture-defend": 1.2, "posture-hold": 1.5,
    "terrain-urban": 2.0, "terrain-mountain": 1.6, "terrain-rough": 1.3, "terrain-mixed": 1.1,
    "air-superiority-power": 2.0, "air-superiority-breakpoint": 1.5, "surprise-power": 1.5,
    "attrition-era-trend": -0.5, "combat-days-exponent": 1.0, "breakpoint-attacker": 0.05,
    "breakpoint-defender": 0.08, "breakpoint-spread": 2.0, "casualty-spread-attacker": 2.0,
    "casualty-spread-defender": 2.0, "tank-weight": 10.0, "artillery-weight": 5.0, "max-daily-loss": 0.3,
}


def battles(n: int = 1, **columns) -> Battles:
    """n battles of 1982 (no era effect), 1000 men a side, open ground, no posture, one day."""
    base = {
        "isqno": np.arange(1, n + 1), "pers_a": np.full(n, 1000.0), "pers_d": np.full(n, 1000.0),
        "tanks_a": np.zeros(n), "tanks_d": np.zeros(n), "guns_a": np.zeros(n), "guns_d": np.zeros(n),
        "posture": np.zeros(n, dtype=np.int64), "terrain": np.full(n, TERRAINS.index("open")),
        "surprise": np.zeros(n), "air": np.zeros(n), "days": np.ones(n), "year": np.full(n, 1982.0),
        "front_width_d": np.full(n, 5.0),
        "wina": np.ones(n), "frac_a": np.full(n, 0.05), "frac_d": np.full(n, 0.05),
    }
    for key, value in columns.items():
        base[key] = np.broadcast_to(np.asarray(value, dtype=base[key].dtype), (n,)).copy()
    return Battles(**base)


def test_every_constant_is_named_once_and_starts_inside_its_limits():
    names = [c.name for c in CONSTANTS]
    assert len(names) == len(set(names))
    assert set(C) == set(names) | set(FIXED)
    for c in CONSTANTS:
        assert c.low < c.high
        if c.start is not None:
            assert c.low <= c.start <= c.high
        x = c.to_work(0.5 * (c.low + c.high))
        assert c.from_work(x) == pytest.approx(0.5 * (c.low + c.high))


def test_power_ratio_weights_posture_terrain_surprise_and_air():
    b = battles(1, pers_a=3000, pers_d=1000, tanks_a=20, guns_d=40, posture=2,
                terrain=TERRAINS.index("urban"), surprise=2, air=-1)
    # (3000 + 10 x 20) x 1.5^2 over (1000 + 5 x 40) x 1.5 (hold) x 2.0 (urban) x 2.0 (air)
    expected = 3200 * 1.5**2 / (1200 * 1.5 * 2.0 * 2.0)
    assert power_ratio(C, b)[0] == pytest.approx(expected)


def test_one_day_is_the_engines_daily_loss_shares():
    ratios = np.array([0.25, 1.0, 3.0, 100.0])
    b = battles(4, pers_a=1000 * ratios)
    pred = predict(C, b)
    f_a, f_d = daily_loss_shares(ratios, 0.04, 0.5, 0.3)
    assert pred.frac_a == pytest.approx(f_a, rel=1e-12)
    assert pred.frac_d == pytest.approx(f_d, rel=1e-12)
    assert pred.frac_d[-1] == pytest.approx(0.3)       # the cap binds at 100:1


def test_later_days_use_the_ratio_of_what_is_left():
    b = battles(1, pers_a=2000, days=3)
    s_a = s_d = 1.0
    for _ in range(3):
        f_a, f_d = daily_loss_shares(np.array(2.0 * s_a / s_d), 0.04, 0.5, 0.3)
        s_a, s_d = s_a * (1 - f_a), s_d * (1 - f_d)
    pred = predict(C, b)
    assert pred.frac_a[0] == pytest.approx(1 - s_a, rel=1e-12)
    assert pred.frac_d[0] == pytest.approx(1 - s_d, rel=1e-12)


def test_era_trend_and_combat_days():
    b = battles(2, year=[1882.0, 1982.0], days=[9.0, 9.0])
    c = {**C, "combat-days-exponent": 0.5}
    assert daily_rate(c, b) == pytest.approx([0.04 * math.exp(0.5), 0.04])
    assert combat_days(c, b) == pytest.approx([3.0, 3.0])
    # 2.5 combat days: two full days and half of the third day's losses
    half = predict({**C, "combat-days-exponent": math.log(2.5) / math.log(9.0)}, battles(1, days=9.0))
    f = daily_loss_shares(np.array(1.0), 0.04, 0.5, 0.3)[0]
    assert half.frac_a[0] == pytest.approx(1 - (1 - f) ** 2 * (1 - 0.5 * f), rel=1e-9)


def test_outcome_probabilities_add_up_to_one():
    rng = np.random.default_rng(3)
    n = 200
    b = battles(n, pers_a=rng.uniform(200, 5000, n), days=rng.integers(1, 30, n).astype(float),
                surprise=rng.integers(-3, 4, n), air=rng.integers(-1, 2, n), posture=rng.integers(0, 3, n))
    pred = predict(C, b)
    total = pred.p_win + pred.p_draw + pred.p_loss
    assert total == pytest.approx(np.ones(n), abs=1e-12)
    assert (pred.p_win >= 0).all() and (pred.p_draw >= 0).all() and (pred.p_loss >= 0).all()


def _race_monte_carlo(l_a: float, l_d: float, c: dict, n: int = 400_000, seed: int = 5) -> tuple[float, float]:
    """P(win), P(draw) of a one-day battle by drawing breakpoints (losses grow linearly in the day)."""
    rng = np.random.default_rng(seed)
    s = math.log(c["breakpoint-spread"])
    b_a = c["breakpoint-attacker"] * np.exp(s * rng.standard_normal(n))
    b_d = c["breakpoint-defender"] * np.exp(s * rng.standard_normal(n))
    t_a = np.where(b_a <= l_a, b_a / l_a, np.inf)        # time of the day at which each side breaks
    t_d = np.where(b_d <= l_d, b_d / l_d, np.inf)
    return float(np.mean(t_d < t_a)), float(np.mean(np.isinf(t_a) & np.isinf(t_d)))


@pytest.mark.parametrize("ratio", [0.3, 1.0, 4.0])
def test_breakpoint_race_matches_its_definition(ratio):
    c = {**C, "attrition-rate": 0.08}
    pred = predict(c, battles(1, pers_a=1000 * ratio))
    p_win, p_draw = _race_monte_carlo(pred.frac_a[0], pred.frac_d[0], c)
    # four points a day (trapezoid rule) against the exact race: within 0.01, and the Monte Carlo
    # error (sd <= 0.0008 at 400,000 draws) is far smaller
    assert pred.p_win[0] == pytest.approx(p_win, abs=0.01)
    assert pred.p_draw[0] == pytest.approx(p_draw, abs=0.005)


def test_draw_is_neither_side_breaking():
    pred = predict(C, battles(1))
    f_a = stats.lognorm(s=math.log(2.0), scale=0.05).cdf(pred.frac_a[0])
    f_d = stats.lognorm(s=math.log(2.0), scale=0.08).cdf(pred.frac_d[0])
    assert pred.p_draw[0] == pytest.approx((1 - f_a) * (1 - f_d), rel=1e-12)


@pytest.mark.parametrize(("column", "values"), [
    ("pers_a", [500.0, 1000.0, 2000.0, 4000.0]),
    ("surprise", [-2.0, 0.0, 1.0, 3.0]),
    ("air", [-1.0, 0.0, 1.0, 1.0]),
])
def test_what_favours_the_attacker_raises_its_chance(column, values):
    pred = predict(C, battles(4, **{column: values}, days=3.0))
    assert np.all(np.diff(pred.p_win) >= 0) and pred.p_win[-1] > pred.p_win[0] + 0.05
    assert np.all(np.diff(pred.frac_a) <= 1e-15)


def test_air_superiority_moves_both_breakpoints_by_the_root_of_its_factor():
    c_plain = {**C, "air-superiority-breakpoint": 1.0}
    b = battles(3, air=[1.0, 0.0, -1.0])
    assert predict(C, b).p_win[0] > predict(c_plain, b).p_win[0]
    assert predict(C, b).p_win[2] < predict(c_plain, b).p_win[2]
    assert predict(C, b).p_win[1] == pytest.approx(predict(c_plain, b).p_win[1], abs=1e-15)  # even: no effect
    assert predict(C, b).frac_d[0] == pytest.approx(predict(c_plain, b).frac_d[0])
    lm_a, lm_d = log_breakpoints(C, b)
    half = 0.5 * math.log(C["air-superiority-breakpoint"])
    assert lm_a - math.log(C["breakpoint-attacker"]) == pytest.approx([half, 0.0, -half])
    assert lm_d - math.log(C["breakpoint-defender"]) == pytest.approx([-half, 0.0, half])


def test_air_superiority_is_linear_in_the_degree_on_the_log_scale():
    b = battles(3, air=[1.0, 0.0, -1.0])
    assert b.air_degree.tolist() == [1.0, 0.5, 0.0]
    ratio = power_ratio(C, b)
    assert ratio == pytest.approx([2.0, 1.0, 0.5])   # air-superiority-power 2.0 ^ (2g - 1)


# --------------------------------------------------------------------------- inputs from CDB90
def frame(**overrides) -> pd.DataFrame:
    row = {
        "strength_a": 2000.0, "strength_d": 1000.0, "duration_days": 2.0, "tanks_a": 10.0, "tanks_d": np.nan,
        "artillery_a": np.nan, "artillery_d": np.nan, "post1": "FD", "terrain1": "RM0", "surpa": np.nan,
        "aeroa": 1.0, "year": 1944.0, "wina": 1.0, "casualties_a": 100.0, "casualties_d": 1500.0,
        "front_width_d_km": 4.0,
    }
    row.update(overrides)
    return pd.DataFrame([row], index=pd.Index([7], name="isqno"))


def test_inputs_from_a_cdb90_row():
    b = battles_from_frame(frame())
    assert b.isqno.tolist() == [7]
    assert b.tanks_d[0] == pytest.approx(5.0)        # the attacker's 10 tanks per 2000 men, for 1000 men
    assert b.guns_a[0] == 0 and b.guns_d[0] == 0     # neither side's guns known
    assert b.posture[0] == 2                         # fortified -> the engine's 'hold'
    assert TERRAINS[b.terrain[0]] == "mixed"
    assert b.surprise[0] == 0 and b.air[0] == 1
    assert b.frac_a[0] == pytest.approx(0.05) and b.frac_d[0] == pytest.approx(0.999)   # clipped


def test_air_superiority_codes():
    assert battles_from_frame(frame(aeroa=-1.0)).air[0] == -1
    assert battles_from_frame(frame(aeroa=np.nan)).air[0] == 0   # not known: no effect


@pytest.mark.parametrize(("code", "terrain"), [("GWU", "urban"), ("GW0", "mountain"), ("FW0", "rough"),
                                               ("RB0", "open"), (np.nan, "open")])
def test_terrain_codes(code, terrain):
    assert TERRAINS[battles_from_frame(frame(terrain1=code)).terrain[0]] == terrain


def test_a_battle_without_strength_is_left_out_or_refused():
    f = pd.concat([frame(), frame(strength_d=np.nan).rename(index={7: 8})])
    assert battles_from_frame(f).isqno.tolist() == [7]
    with pytest.raises(FlashpointError, match=r"CDB90-patched.csv: field STRD of battle isqno 8 is not available"):
        battles_from_frame(f, source="CDB90-patched.csv", strict=True)


def test_a_frame_without_a_column_is_refused():
    with pytest.raises(FlashpointError, match="column aeroa is missing"):
        battles_from_frame(frame().drop(columns="aeroa"))
