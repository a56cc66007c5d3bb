"""How much theatre air superiority mattered in CDB90's battles since 1940.

Two summaries of the battles fought after ``after_year`` (default 1939, so 1940 onwards) in which
one side had air superiority (CDB90 ``AEROA`` +1: the attacker had it, -1: the defender had it;
0 neither and 9 unknown are left out):

* the odds ratio of an attacker victory (``WINA`` +1; a draw or a loss is not a victory) with
  versus against air superiority, with Woolf's confidence interval on the log scale;
* the median loss-exchange ratio, defender casualties / attacker casualties, in each group, with
  a percentile-bootstrap confidence interval.

Published reference, from all 660 battles: odds ratio about 5.9 (95% CI 2.8-12.2), median
loss-exchange ratio about 1.6 when the attacker had air superiority and 0.5 when the defender
had it. The shipped copy holds 542 of the 660 battles, so its figures differ by sampling.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from flashpoint.errors import FlashpointError

__all__ = [
    "OddsRatio",
    "air_superiority_battles",
    "attacker_win_odds_ratio",
    "median_loss_exchange",
]

AFTER_YEAR = 1939


@dataclass(frozen=True)
class OddsRatio:
    """Odds ratio of attacker victory with vs against air superiority, and its 2x2 table."""

    odds_ratio: float
    ci_low: float
    ci_high: float
    level: float
    wins_with: int
    non_wins_with: int
    wins_against: int
    non_wins_against: int

    @property
    def n(self) -> int:
        return self.wins_with + self.non_wins_with + self.wins_against + self.non_wins_against


def air_superiority_battles(
    battles: pd.DataFrame, *, after_year: int = AFTER_YEAR, drop_nested: bool = False
) -> pd.DataFrame:
    """Battles after ``after_year`` in which one side had theatre air superiority.

    ``battles`` is the frame of `flashpoint.analysis.history.cdb90.load_battles` (columns
    ``year``, ``aeroa``, ``wina``, ``casualties_a``, ``casualties_d``, ``parent_isqno``).
    ``drop_nested`` drops engagements that CDB90 also counts inside a larger battle.
    """
    needed = ["year", "aeroa", "wina", "casualties_a", "casualties_d"] + (
        ["parent_isqno"] if drop_nested else []
    )
    missing = [c for c in needed if c not in battles.columns]
    if missing:
        raise FlashpointError(
            f"battles: column {missing[0]} is missing; expected the frame from load_battles()"
        )
    keep = (battles["year"] > after_year) & battles["aeroa"].isin([1, -1])
    if drop_nested:
        keep &= battles["parent_isqno"].isna()
    return battles.loc[keep]


def attacker_win_odds_ratio(
    battles: pd.DataFrame,
    *,
    after_year: int = AFTER_YEAR,
    level: float = 0.95,
    drop_nested: bool = False,
) -> OddsRatio:
    """Odds ratio of attacker victory with (AEROA +1) vs against (AEROA -1) air superiority.

    With ``a`` victories and ``b`` non-victories (draw or loss) when the attacker had air
    superiority and ``c``, ``d`` when the defender had it: OR = (a d) / (b c), and Woolf's
    interval exp(ln OR -/+ z sqrt(1/a + 1/b + 1/c + 1/d)) with z the normal quantile for
    ``level``. Battles with unknown outcome (WINA -9) are left out. A zero cell makes the
    interval undefined and raises `FlashpointError`.
    """
    if not 0 < level < 1:
        raise FlashpointError(f"level is {level!r}; expected a probability between 0 and 1")
    sel = air_superiority_battles(battles, after_year=after_year, drop_nested=drop_nested)
    sel = sel.loc[sel["wina"].notna()]
    win = sel["wina"] == 1
    with_ = sel["aeroa"] == 1
    a = int((win & with_).sum())
    b = int((~win & with_).sum())
    c = int((win & ~with_).sum())
    d = int((~win & ~with_).sum())
    cells = {
        "attacker victories with air superiority": a,
        "attacker non-victories with air superiority": b,
        "attacker victories against air superiority": c,
        "attacker non-victories against air superiority": d,
    }
    empty = [name for name, count in cells.items() if count == 0]
    if empty:
        raise FlashpointError(
            f"battles after {after_year}: no {empty[0]}; expected at least one battle in each "
            "cell of the 2x2 table for Woolf's interval"
        )
    log_or = math.log(a * d / (b * c))
    se = math.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    z = float(norm.ppf(0.5 + level / 2))
    return OddsRatio(
        odds_ratio=math.exp(log_or),
        ci_low=math.exp(log_or - z * se),
        ci_high=math.exp(log_or + z * se),
        level=level,
        wins_with=a,
        non_wins_with=b,
        wins_against=c,
        non_wins_against=d,
    )


def median_loss_exchange(
    battles: pd.DataFrame,
    *,
    after_year: int = AFTER_YEAR,
    level: float = 0.95,
    n_boot: int = 4000,
    seed: int = 0,
    drop_nested: bool = False,
) -> pd.DataFrame:
    """Median loss-exchange ratio (defender casualties / attacker casualties) by who held the air.

    Uses battles with both casualty figures known and attacker casualties above zero. Returns
    a frame indexed by ``air_superiority`` ("attacker" for AEROA +1, "defender" for -1) with
    columns ``n``, ``median_ler`` and the percentile-bootstrap interval ``ci_low``,
    ``ci_high`` at ``level`` from ``n_boot`` resamples (numpy generator seeded with ``seed``).
    """
    if n_boot < 100:
        raise FlashpointError(f"n_boot is {n_boot!r}; expected at least 100 resamples")
    if not 0 < level < 1:
        raise FlashpointError(f"level is {level!r}; expected a probability between 0 and 1")
    sel = air_superiority_battles(battles, after_year=after_year, drop_nested=drop_nested)
    sel = sel.loc[sel["casualties_a"].gt(0) & sel["casualties_d"].notna()]
    ler = sel["casualties_d"] / sel["casualties_a"]
    rng = np.random.default_rng(seed)
    rows = {}
    for label, code in (("attacker", 1), ("defender", -1)):
        values = ler[sel["aeroa"] == code].to_numpy(dtype=float)
        if values.size == 0:
            raise FlashpointError(
                f"battles after {after_year}: none with known casualties where the {label} had "
                "air superiority; expected at least one"
            )
        boot = np.median(rng.choice(values, size=(n_boot, values.size), replace=True), axis=1)
        low, high = np.quantile(boot, [(1 - level) / 2, (1 + level) / 2])
        rows[label] = {
            "n": int(values.size),
            "median_ler": float(np.median(values)),
            "ci_low": float(low),
            "ci_high": float(high),
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "air_superiority"
    return out
