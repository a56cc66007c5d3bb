"""Air superiority in CDB90: Woolf odds ratio and median loss-exchange ratios.

Agreement with the published figures (all 660 battles: OR 5.9, 95% CI 2.8-12.2; median LER
1.6 with vs 0.5 against) is checked as agreement within sampling error, because the shipped
copy is an 82% subset: each published point value must lie inside the 95% interval computed
here, and the odds ratio computed here must lie inside the published interval. Equality to
the published decimals would be the wrong test for a subset.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from flashpoint.analysis.history.air_superiority import (
    air_superiority_battles,
    attacker_win_odds_ratio,
    median_loss_exchange,
)
from flashpoint.analysis.history.cdb90 import load_battles
from flashpoint.errors import FlashpointError

PUBLISHED_OR = 5.9
PUBLISHED_OR_CI = (2.8, 12.2)
PUBLISHED_LER_WITH = 1.6
PUBLISHED_LER_AGAINST = 0.5


@pytest.fixture(scope="module")
def battles() -> pd.DataFrame:
    return load_battles()


def _synthetic(cells: dict[tuple[int, float], int], year: float = 1944) -> pd.DataFrame:
    """Battles with given (aeroa, wina) -> count; casualties fixed at 100 each side."""
    rows = [
        {"year": year, "aeroa": aeroa, "wina": wina, "casualties_a": 100.0, "casualties_d": 100.0}
        for (aeroa, wina), count in cells.items()
        for _ in range(count)
    ]
    return pd.DataFrame(rows)


# ---- the arithmetic on battles made up for the purpose ------------------------------------------


def test_woolf_interval_on_a_known_table() -> None:
    # with air superiority: 10 wins, 3 draws + 2 losses; against: 4 wins, 8 losses
    frame = pd.concat(
        [
            _synthetic({(1, 1): 10, (1, 0): 3, (1, -1): 2, (-1, 1): 4, (-1, -1): 8}),
            _synthetic({(0, 1): 50, (0, -1): 1}),  # neither side: left out
            _synthetic({(1, -1): 40}, year=1918),  # before 1940: left out
            _synthetic({(1, math.nan): 7}),  # unknown outcome: left out
        ],
        ignore_index=True,
    )
    result = attacker_win_odds_ratio(frame)
    assert (result.wins_with, result.non_wins_with) == (10, 5)
    assert (result.wins_against, result.non_wins_against) == (4, 8)
    assert result.n == 27
    assert result.odds_ratio == pytest.approx(10 * 8 / (5 * 4))
    half_width = 1.959964 * math.sqrt(1 / 10 + 1 / 5 + 1 / 4 + 1 / 8)
    assert result.ci_low == pytest.approx(4.0 * math.exp(-half_width), rel=1e-6)
    assert result.ci_high == pytest.approx(4.0 * math.exp(half_width), rel=1e-6)
    narrower = attacker_win_odds_ratio(frame, level=0.8)
    assert result.ci_low < narrower.ci_low < narrower.odds_ratio < narrower.ci_high < result.ci_high


def test_zero_cell_is_an_error() -> None:
    frame = _synthetic({(1, 1): 10, (1, -1): 5, (-1, -1): 8})
    with pytest.raises(FlashpointError, match="no attacker victories against air superiority"):
        attacker_win_odds_ratio(frame)


def test_wrong_frame_is_an_error() -> None:
    with pytest.raises(FlashpointError, match="column aeroa is missing"):
        attacker_win_odds_ratio(pd.DataFrame({"year": [1944], "wina": [1]}))


def test_median_ler_on_known_values() -> None:
    frame = pd.DataFrame(
        {
            "year": [1944.0] * 7,
            "aeroa": [1, 1, 1, -1, -1, -1, 1],
            "wina": [1, 1, -1, -1, 1, -1, 1],
            "casualties_a": [100.0, 100.0, 100.0, 300.0, 100.0, 400.0, 0.0],
            "casualties_d": [50.0, 200.0, 300.0, 150.0, 20.0, math.nan, 10.0],
        }
    )
    out = median_loss_exchange(frame, n_boot=200)
    assert out.loc["attacker", "n"] == 3  # the battle with no attacker casualties is left out
    assert out.loc["attacker", "median_ler"] == pytest.approx(2.0)
    assert out.loc["defender", "n"] == 2  # unknown defender casualties left out
    assert out.loc["defender", "median_ler"] == pytest.approx((0.5 + 0.2) / 2)
    assert (out["ci_low"] <= out["median_ler"]).all() and (out["median_ler"] <= out["ci_high"]).all()


# ---- the shipped copy ----------------------------------------------------------------------------


def test_odds_ratio_agrees_with_published_within_sampling_error(battles: pd.DataFrame) -> None:
    result = attacker_win_odds_ratio(battles)
    assert result.n == 178
    assert result.ci_low > 1.0  # air superiority helps the attacker, beyond chance
    assert result.ci_low <= PUBLISHED_OR <= result.ci_high
    assert PUBLISHED_OR_CI[0] <= result.odds_ratio <= PUBLISHED_OR_CI[1]


def test_loss_exchange_agrees_with_published_within_sampling_error(battles: pd.DataFrame) -> None:
    out = median_loss_exchange(battles)
    att, dfn = out.loc["attacker"], out.loc["defender"]
    assert att["ci_low"] <= PUBLISHED_LER_WITH <= att["ci_high"]
    assert dfn["ci_low"] <= PUBLISHED_LER_AGAINST <= dfn["ci_high"]
    assert dfn["ci_high"] < 1.0 < att["ci_low"]  # the side with the air loses fewer men
    # the bootstrap seed moves the interval, never the median
    again = median_loss_exchange(battles, seed=7)
    assert list(again["median_ler"]) == list(out["median_ler"])


def test_year_filter_and_nested_engagements(battles: pd.DataFrame) -> None:
    modern = air_superiority_battles(battles)
    assert modern["year"].min() >= 1940
    assert set(modern["aeroa"]) == {1.0, -1.0}
    nested = air_superiority_battles(battles, drop_nested=True)
    assert nested["parent_isqno"].isna().all() and len(nested) < len(modern)
    # dropping engagements counted twice keeps the conclusion
    assert attacker_win_odds_ratio(battles, drop_nested=True).ci_low > 1.0
