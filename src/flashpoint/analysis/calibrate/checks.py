"""Does the calibrated kernel reproduce what air superiority did in CDB90's battles since 1940?

The battles are those of `flashpoint.analysis.history.air_superiority`: fought after 1939, one
side holding theatre air superiority (AEROA +1 or -1). On them the kernel predicts

* the odds ratio of an attacker victory with versus against air superiority, from the expected
  2x2 table ``a = sum p_i`` and ``b = sum (1 - p_i)`` over the battles with it, ``c`` and ``d``
  over those against it (the battles with a known outcome, as in the data's table):
  ``OR = (a d) / (b c)``;
* the median loss-exchange ratio in each group, ``(L_d N_d) / (L_a N_a)`` per battle (the
  battles with known casualties and attacker casualties above zero, as in the data).

The check passes when the predicted odds ratio lies inside the published 95% interval (2.8-12.2,
from all 660 battles) and each predicted median loss-exchange ratio lies inside the 95%
bootstrap interval of the observed median on the same battles (the published medians, about 1.6
and 0.5, come from all 660 battles; the shipped copy holds 542).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from flashpoint.analysis.calibrate.data import battles_from_frame
from flashpoint.analysis.calibrate.kernel import predict
from flashpoint.analysis.history.air_superiority import (
    AFTER_YEAR,
    air_superiority_battles,
    attacker_win_odds_ratio,
    median_loss_exchange,
)

__all__ = ["PUBLISHED_LER", "PUBLISHED_OR", "PUBLISHED_OR_CI", "air_superiority_check"]

PUBLISHED_OR = 5.9
PUBLISHED_OR_CI = (2.8, 12.2)
"""Odds ratio of attacker victory with vs against air superiority, CDB90 battles after 1939
(all 660 battles), and its 95% interval (see `flashpoint.analysis.history.air_superiority`)."""
PUBLISHED_LER = {"attacker": 1.6, "defender": 0.5}
"""Median loss-exchange ratio when the attacker / the defender held air superiority (same source)."""


def air_superiority_check(constants: dict[str, float], frame: pd.DataFrame, *, seed: int = 0) -> dict:
    """Predicted vs observed effect of air superiority (module doc). ``constants`` holds the
    fitted and the fixed constants; ``frame`` is the frame of ``load_battles``."""
    sel = air_superiority_battles(frame, after_year=AFTER_YEAR)
    battles = battles_from_frame(sel)
    pred = predict(constants, battles)
    known = ~np.isnan(battles.wina)
    with_ = battles.air == 1
    a = float(pred.p_win[known & with_].sum())
    b = float((1 - pred.p_win[known & with_]).sum())
    c = float(pred.p_win[known & ~with_].sum())
    d = float((1 - pred.p_win[known & ~with_]).sum())
    observed = attacker_win_odds_ratio(sel)
    ler_obs = median_loss_exchange(sel, seed=seed)
    rows = sel.loc[battles.isqno]
    has_cas = (rows["casualties_a"].gt(0) & rows["casualties_d"].notna()).to_numpy()
    ler_pred = (pred.frac_d * battles.pers_d) / (pred.frac_a * battles.pers_a)
    out = {
        "battles": int(known.sum()),
        "odds_ratio": {
            "predicted": a * d / (b * c),
            "observed": observed.odds_ratio,
            "observed_ci95": [observed.ci_low, observed.ci_high],
            "published": PUBLISHED_OR,
            "published_ci95": list(PUBLISHED_OR_CI),
        },
        "median_loss_exchange": {},
    }
    out["odds_ratio"]["inside"] = bool(PUBLISHED_OR_CI[0] <= out["odds_ratio"]["predicted"] <= PUBLISHED_OR_CI[1])
    inside = [out["odds_ratio"]["inside"]]
    for label, code in (("attacker", 1), ("defender", -1)):
        group = has_cas & (battles.air == code)
        predicted = float(np.median(ler_pred[group]))
        low, high = float(ler_obs.loc[label, "ci_low"]), float(ler_obs.loc[label, "ci_high"])
        ok = bool(low <= predicted <= high)
        inside.append(ok)
        out["median_loss_exchange"][f"{label}_has_air_superiority"] = {
            "n": int(group.sum()),
            "predicted": predicted,
            "observed": float(ler_obs.loc[label, "median_ler"]),
            "observed_ci95": [low, high],
            "published": PUBLISHED_LER[label],
            "inside": ok,
        }
    out["inside"] = bool(all(inside))
    return out
