"""The battle kernel: the engine's ground rules run on one historical battle's initial conditions.

For battle i with attacker a and defender d (see `flashpoint.analysis.calibrate.data`):

**Combat power** (the engine's `combat_power`, with ``tank-weight`` and ``artillery-weight``
fixed at the mean of their prior; quality, morale and commitment are 1 because CDB90 does not
record them)::

    P_a = (N_a + tank-weight T_a + artillery-weight G_a) x surprise-power^max(s, 0)
          x air-superiority-power^(g - 1/2)
    P_d = (N_d + tank-weight T_d + artillery-weight G_d) x posture x terrain
          x surprise-power^max(-s, 0) x air-superiority-power^(1/2 - g)

posture is ``posture-defend`` (hasty defence) or ``posture-hold`` (prepared or fortified) or 1,
terrain ``terrain-urban``, ``-mountain``, ``-rough``, ``-mixed`` or 1 (open), s the surprise
level (-3 ... +3, one factor per level), g the attacker's degree of air superiority (1 it holds
it, 1/2 neither, 0 the defender: AEROA +1, 0, -1), so that the ratio P_a / P_d is multiplied by
``air-superiority-power^(2g - 1)``: the full factor at either end, none when even, and linear in
g on the log scale in between.

**Attrition**, day by day, with the engine's own
`flashpoint.engine.ground.daily_loss_shares` (compiled with numba, not copied)::

    r_t = (P_a / P_d) x S_a(t) / S_d(t)
    f_a, f_d = daily_loss_shares(r_t, rate_i, helmbold-exponent, max-daily-loss)
    S_a(t+1) = S_a(t) (1 - f_a),  S_d(t+1) = S_d(t) (1 - f_d),  S(0) = 1

(power falls with strength because the engine loses heavy equipment at the share of personnel
lost) for ``D^k`` days of full combat, D the battle's duration in calendar days and k the
``combat-days-exponent`` (a fractional last day takes that fraction of the day's losses). The
rate changes with the battle's date, Dupuy's (1979) dispersion trend made a constant:
``rate_i = attrition-rate x exp(attrition-era-trend x (year_i - 1982) / 100)``, so that
``attrition-rate`` is the rate of the latest battles in CDB90. The predicted casualty fractions
are the expected losses ``L = 1 - S(end)``: the engine's gamma-Poisson noise around them is
negligible at CDB90's strengths.

**Breakpoints and victory.** The engine breaks a formation when its loss share reaches its
breakpoint. Here each side's breakpoint is uncertain, log-normal with median
``breakpoint-attacker`` or ``breakpoint-defender``, multiplied by
``air-superiority-breakpoint^(g_side - 1/2)`` (g_side that side's degree of air superiority, g for
the attacker and 1 - g for the defender: the side that owns the air holds on longer, the other
gives up sooner, by the square root of the factor each, so the ratio of the two is the factor),
and geometric standard deviation ``breakpoint-spread``, independently. Within a day the loss
share grows linearly (evaluated at `SUBSTEPS` points). The attacker wins when the defender breaks
first, loses when the attacker breaks first, and the battle is a draw when neither breaks within D
days:

    P(win)  = sum_k dF_d(k) (1 - mean(F_a(k-1), F_a(k)))
    P(loss) = sum_k dF_a(k) (1 - mean(F_d(k-1), F_d(k)))
    P(draw) = (1 - F_a(end)) (1 - F_d(end))

F being the breakpoint CDFs at the loss shares reached; the three add up to one exactly.
The kernel does not let breaking change the attrition (the battle's duration is an input).

"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np

from flashpoint.analysis.calibrate.data import Battles
from flashpoint.engine.ground import loss_shares
from flashpoint.engine.theatre import TERRAINS

__all__ = ["CONSTANTS", "ERA_REFERENCE_YEAR", "FIXED", "Constant", "Prediction", "SUBSTEPS", "combat_days",
           "daily_rate", "power_ratio", "predict"]

SUBSTEPS = 4
"""Points per day at which the breakpoint race is evaluated (trapezoid rule; see module doc)."""

ERA_REFERENCE_YEAR = 1982
"""Year at which ``attrition-rate`` is stated: the last battle in CDB90. The engine's scenarios
are modern; the trend is not carried past the data."""

@dataclass(frozen=True)
class Constant:
    """A fitted constant: its name (the engine's parameter name when ``engine`` is true),
    what it means, its allowed range and how the optimiser sees it (``log``: log of the value;
    ``log1p``: log of 1 + value; ``lin``: the value)."""

    name: str
    description: str
    low: float
    high: float
    transform: str
    engine: bool
    start: float | None = None   # None: the mean of the engine's prior

    def to_work(self, value: float) -> float:
        if self.transform == "log":
            return math.log(value)
        if self.transform == "log1p":
            return math.log1p(value)
        return value

    def from_work(self, x: float) -> float:
        if self.transform == "log":
            return math.exp(x)
        if self.transform == "log1p":
            return math.expm1(x)
        return x

    def work_bounds(self) -> tuple[float, float]:
        return self.to_work(self.low), self.to_work(self.high)


CONSTANTS: tuple[Constant, ...] = (
    Constant("attrition-rate", "share of an engaged force lost in a day of full combat at even combat power, "
             f"in {ERA_REFERENCE_YEAR}", 0.001, 0.2, "log", True),
    Constant("helmbold-exponent", "exponent of the combat-power ratio in the daily loss rate",
             0.0, 2.0, "lin", True),
    Constant("posture-defend", "defender's multiplier in a hasty defence (CDB90 HD)", 1.0, 3.0, "log", True),
    Constant("posture-hold", "defender's multiplier in a prepared or fortified defence (CDB90 PD, FD)",
             1.0, 4.0, "log", True),
    Constant("terrain-urban", "defender's multiplier in towns (CDB90 terrain feature U)", 1.0, 4.0, "log", True),
    Constant("terrain-mountain", "defender's multiplier on rugged ground (CDB90 relief G)", 1.0, 4.0, "log", True),
    Constant("terrain-rough", "defender's multiplier on wooded ground (CDB90 cover W)", 1.0, 4.0, "log", True),
    Constant("terrain-mixed", "defender's multiplier on rolling mixed ground (CDB90 RM)", 1.0, 4.0, "log", True),
    Constant("air-superiority-power", "factor on the ratio of combat powers when one side owns the air "
             "(degree 1; linear in the degree on the log scale, 1 when even)", 1.0, 10.0, "log", True),
    Constant("air-superiority-breakpoint", "ratio of the breakpoints of the side that owns the air and the "
             "side that does not (each moved by its square root; linear in the degree on the log scale)",
             1.0, 10.0, "log", True),
    Constant("surprise-power", "combat-power multiplier per level of surprise (minor 1, substantial 2, "
             "complete 3)", 1.0, 10.0, "log", False, 1.2),
    Constant("attrition-era-trend", "change of log attrition-rate per century of battle date (negative: "
             "battles grew less lethal per day)", -5.0, 5.0, "lin", False, 0.0),
    Constant("combat-days-exponent", "a battle of D calendar days is D^k days of full combat", 0.05, 1.5,
             "lin", False, 1.0),
    Constant("breakpoint-attacker", "median share of its strength an attacker loses before it gives up",
             0.001, 1.0, "log", False, 0.1),
    Constant("breakpoint-defender", "median share of its strength a defender loses before it gives up",
             0.001, 1.0, "log", False, 0.1),
    Constant("breakpoint-spread", "geometric standard deviation of the breakpoints across battles",
             1.01, 20.0, "log", False, 2.5),
    Constant("casualty-spread-attacker", "geometric standard deviation of the attacker's observed "
             "casualty fraction around the kernel's", 1.01, 50.0, "log", False, 3.0),
    Constant("casualty-spread-defender", "geometric standard deviation of the defender's observed "
             "casualty fraction around the kernel's", 1.01, 50.0, "log", False, 3.0),
)
"""What the calibration fits, in order. ``engine`` constants replace the priors of
``engine/parameters.toml``; the others belong to the kernel: the engine takes breakpoints from
each formation of a scenario, has no notion of surprise, applies its attrition-rate on every day
a formation fights (the era trend and the combat-days exponent say how CDB90's battles departed
from that), and the casualty spreads describe the fit's residuals.

Limits: an engine constant's are those of ``parameters.toml``; a kernel constant's only keep the
optimiser in a meaningful range (a multiplier of at least 1, a share between 0.001 and 1). Starts:
an engine constant starts at the mean of its prior, a kernel constant at the ``start`` given here
(a small surprise effect, no era trend, every calendar day a full day of combat, breakpoints and
spreads of the order of CDB90's casualty fractions and their scatter). Neither is a model value:
the fitted values come from the data."""

FIXED = ("tank-weight", "artillery-weight", "max-daily-loss")
"""Engine constants the kernel uses but does not fit: the mean of their prior in
``parameters.toml`` (CDB90 counts tanks and guns but cannot separate their weights from the
other effects), recorded in the calibration file so that predictions reproduce."""

NAMES = tuple(c.name for c in CONSTANTS)


@dataclass(frozen=True)
class Prediction:
    """What the kernel predicts for each battle."""

    p_win: np.ndarray
    p_draw: np.ndarray
    p_loss: np.ndarray
    frac_a: np.ndarray
    frac_d: np.ndarray


def power_ratio(c: dict[str, float], b: Battles) -> np.ndarray:
    """Attacker's over defender's combat power at the start, P_a / P_d (module doc).
    ``c`` holds the fitted constants and the `FIXED` weights."""
    wt, wg = c["tank-weight"], c["artillery-weight"]
    p_a = b.pers_a + wt * b.tanks_a + wg * b.guns_a
    p_d = b.pers_d + wt * b.tanks_d + wg * b.guns_d
    posture = np.choose(b.posture, [1.0, c["posture-defend"], c["posture-hold"]])
    by_terrain = np.array([c.get(f"terrain-{t}", 1.0) for t in TERRAINS])
    log_r = (np.log(p_a) - np.log(p_d) - np.log(posture) - np.log(by_terrain[b.terrain])
             + math.log(c["surprise-power"]) * b.surprise
             + math.log(c["air-superiority-power"]) * (2.0 * b.air_degree - 1.0))
    return np.exp(log_r)


def daily_rate(c: dict[str, float], b: Battles) -> np.ndarray:
    """Each battle's attrition rate: ``attrition-rate`` moved by the era trend from
    `ERA_REFERENCE_YEAR` to the battle's year (no trend where the year is not known)."""
    centuries = np.nan_to_num((b.year - ERA_REFERENCE_YEAR) / 100.0)
    return c["attrition-rate"] * np.exp(c["attrition-era-trend"] * centuries)


def combat_days(c: dict[str, float], b: Battles) -> np.ndarray:
    """Days of full combat of each battle: duration ^ ``combat-days-exponent``."""
    return b.days.astype(float) ** c["combat-days-exponent"]


def log_breakpoints(c: dict[str, float], b: Battles) -> tuple[np.ndarray, np.ndarray]:
    """Log median breakpoint of each side: ``breakpoint-attacker`` (``-defender``) times
    ``air-superiority-breakpoint^(g_side - 1/2)``, g_side the side's degree of air superiority."""
    k = math.log(c["air-superiority-breakpoint"])
    g = b.air_degree
    return (math.log(c["breakpoint-attacker"]) + k * (g - 0.5),
            math.log(c["breakpoint-defender"]) + k * (0.5 - g))


@numba.njit(cache=True)
def _lognormal_cdf(x: float, log_median: float, log_gsd: float) -> float:
    if x <= 0.0:
        return 0.0
    return 0.5 * math.erfc(-(math.log(x) - log_median) / (log_gsd * math.sqrt(2.0)))


@numba.njit(cache=True)
def _battles(r0, days, rate, h, cap, lm_a, lm_d, lgsd, substeps, p_win, p_loss, p_draw, loss_a, loss_d):
    for i in range(r0.shape[0]):
        s_a, s_d = 1.0, 1.0
        f_a_prev, f_d_prev = 0.0, 0.0
        win, lose = 0.0, 0.0
        n_days = int(math.ceil(days[i] - 1e-9))
        for t in range(n_days):
            part = min(1.0, days[i] - t)
            share_a, share_d = loss_shares(r0[i] * s_a / s_d, rate[i], h, cap)
            l_a0, l_d0 = 1.0 - s_a, 1.0 - s_d
            s_a *= 1.0 - part * share_a
            s_d *= 1.0 - part * share_d
            for k in range(1, substeps + 1):
                u = k / substeps
                f_a = _lognormal_cdf(l_a0 + u * (1.0 - s_a - l_a0), lm_a[i], lgsd)
                f_d = _lognormal_cdf(l_d0 + u * (1.0 - s_d - l_d0), lm_d[i], lgsd)
                win += (f_d - f_d_prev) * (1.0 - 0.5 * (f_a + f_a_prev))
                lose += (f_a - f_a_prev) * (1.0 - 0.5 * (f_d + f_d_prev))
                f_a_prev, f_d_prev = f_a, f_d
        p_win[i] = win
        p_loss[i] = lose
        p_draw[i] = (1.0 - f_a_prev) * (1.0 - f_d_prev)
        loss_a[i] = 1.0 - s_a
        loss_d[i] = 1.0 - s_d


def predict(c: dict[str, float], b: Battles) -> Prediction:
    """Run the kernel on every battle; ``c`` holds every name of `CONSTANTS` and `FIXED`."""
    n = len(b)
    out = [np.zeros(n) for _ in range(5)]
    lm_a, lm_d = log_breakpoints(c, b)
    _battles(power_ratio(c, b), combat_days(c, b), daily_rate(c, b), float(c["helmbold-exponent"]),
             float(c["max-daily-loss"]), lm_a, lm_d, math.log(c["breakpoint-spread"]), SUBSTEPS, *out)
    p_win, p_loss, p_draw, loss_a, loss_d = out
    return Prediction(p_win=p_win, p_draw=p_draw, p_loss=p_loss, frac_a=loss_a, frac_d=loss_d)
