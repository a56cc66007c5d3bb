"""Engel's (1954) check of Lanchester's square law on the battle of Iwo Jima.

J. H. Engel (1954), "A Verification of Lanchester's Law", Journal of the Operations Research
Society of America 2(2):163-171, fitted the square law with reinforcements

    dx/dt = -a y + P(t),        dy/dt = -b x,

to the 36-day battle (19 February - 26 March 1945): x is US strength, y Japanese strength with
y(0) = 21,500 and no reinforcement, P(t) the US troops put ashore (54,000 on day 1, 6,000 on
day 3, 13,000 on day 6). He found a = 0.0544 and b = 0.0106 per day and showed the model tracks
the daily US strength closely. Only US daily figures exist; for the Japanese only the initial
strength and the near-total loss by the end are known.

Integrating the equations over the battle [0, T] gives Engel's estimators:

    b = (y0 - y(T)) / integral_0^T x dt                          (from the total Japanese loss)
    a = (sum P - x(T)) / integral_0^T y dt,  y(t) = y0 - b integral_0^t x ds
                                                                  (from the US casualty series)

`engel_estimate` evaluates them from the daily data. `fit_least_squares` fits the model's
day-by-day US strength to the data with scipy. `simulate` and `tracking_error` run the model
forward. Conventions throughout: day d covers t in [d-1, d]; the troops landed on day d join at
its start; a row of the data gives the US strength at the end of its day.

Data anomaly: cumulative US casualties fall from day 19 to day 20 (18,208 then 17,692), so the
day-19 figure is a transcription error. `suspect_days` finds such days from the data; they are
left out of fits and checks, and interpolated from their neighbours inside integrals.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import brentq, least_squares

from flashpoint.errors import FlashpointError

__all__ = [
    "BATTLE_DAYS",
    "JAPANESE_INITIAL",
    "PUBLISHED_A",
    "PUBLISHED_B",
    "default_path",
    "engel_estimate",
    "fit_least_squares",
    "load_daily",
    "max_tracking_error",
    "simulate",
    "suspect_days",
    "tracking_error",
]

JAPANESE_INITIAL = 21_500.0
"""Japanese garrison at the landing (Engel 1954)."""
PUBLISHED_A = 0.0544
"""Engel's (1954) Japanese effectiveness against US troops, per day."""
PUBLISHED_B = 0.0106
"""Engel's (1954) US effectiveness against Japanese troops, per day."""
BATTLE_DAYS = 36
"""Length of the battle in days, 19 February - 26 March 1945 inclusive, by whose end the
Japanese garrison was essentially all lost."""

COLUMNS = ("day", "us_landed_that_day", "us_cum_landed", "us_cum_casualties", "us_active_end_of_day")


def default_path() -> Path:
    """The daily US series shipped with the package (engel1954_us_daily.csv)."""
    return Path(__file__).parent / "data" / "iwo_jima" / "engel1954_us_daily.csv"


def load_daily(path: Path | None = None) -> pd.DataFrame:
    """The daily US series: one row per day with the columns of ``COLUMNS`` as integers.

    Checks that days run 1, 2, ...; that counts are not negative; that the cumulative landings
    add up the daily ones; and that active strength = landed - casualties. Cumulative
    casualties are allowed to dip (see `suspect_days`). Raises `FlashpointError` naming the
    file, the field and the day otherwise.
    """
    path = default_path() if path is None else Path(path)
    if not path.is_file():
        raise FlashpointError(f"{path}: file not found; expected a CSV with columns {', '.join(COLUMNS)}")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FlashpointError(f"{path}: byte {exc.start} is not UTF-8; expected a UTF-8 CSV file") from None
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    for col in COLUMNS:
        if col not in frame.columns:
            raise FlashpointError(f"{path}: column {col} is missing; expected columns {', '.join(COLUMNS)}")
    out = pd.DataFrame(index=range(len(frame)))
    for col in COLUMNS:
        values = pd.to_numeric(frame[col].str.strip(), errors="coerce")
        bad = values.isna() | (values < 0) | (values != values.round())
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise FlashpointError(
                f"{path}: field {col} on line {i + 2} is {frame[col].iloc[i]!r}; expected a whole number >= 0"
            )
        out[col] = values.astype(np.int64)
    if len(out) == 0:
        raise FlashpointError(f"{path}: no rows; expected one row per day of the battle")
    expected_days = np.arange(1, len(out) + 1)
    wrong = np.flatnonzero(out["day"].to_numpy() != expected_days)
    if wrong.size:
        i = int(wrong[0])
        raise FlashpointError(
            f"{path}: field day on line {i + 2} is {out['day'].iloc[i]}; "
            f"expected {i + 1} (days run 1, 2, ...)"
        )
    checks = [
        ("us_cum_landed", out["us_landed_that_day"].cumsum(), "the running total of us_landed_that_day"),
        (
            "us_active_end_of_day",
            out["us_cum_landed"] - out["us_cum_casualties"],
            "us_cum_landed - us_cum_casualties",
        ),
    ]
    for col, expected, rule in checks:
        wrong = np.flatnonzero(out[col].to_numpy() != expected.to_numpy())
        if wrong.size:
            i = int(wrong[0])
            raise FlashpointError(
                f"{path}: field {col} of day {i + 1} is {out[col].iloc[i]}; "
                f"expected {expected.iloc[i]} ({rule})"
            )
    return out


def suspect_days(daily: pd.DataFrame) -> list[int]:
    """Days whose cumulative US casualties exceed the next day's: impossible, so a data error."""
    cum = daily["us_cum_casualties"].to_numpy()
    return [int(d) for d in daily["day"].to_numpy()[:-1][cum[:-1] > cum[1:]]]


# --------------------------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------------------------


def _advance(x: float, y: float, a: float, b: float, dt: float, clamp: bool) -> tuple[float, float]:
    """Exact solution of dx/dt = -a y, dy/dt = -b x over ``dt``.

    x(t) = x cosh(g t) - r y sinh(g t),  y(t) = y cosh(g t) - (x / r) sinh(g t),
    g = sqrt(a b), r = sqrt(a / b). With ``clamp`` a side that reaches zero stays there and
    fighting stops (the survivor keeps its strength at that moment).
    """
    g, r = math.sqrt(a * b), math.sqrt(a / b)
    if clamp:
        if y <= 0 or x <= 0:
            return max(x, 0.0), max(y, 0.0)
        # a side hits zero at tanh(g t) = y r / x (Japanese) or x / (r y) (US), if below 1
        ratio = min(y * r / x, x / (r * y))
        if ratio < 1:
            t_zero = math.atanh(ratio) / g
            if t_zero <= dt:
                ch, sh = math.cosh(g * t_zero), math.sinh(g * t_zero)
                xz, yz = x * ch - r * y * sh, y * ch - x / r * sh
                return (max(xz, 0.0), 0.0) if y * r < x else (0.0, max(yz, 0.0))
    ch, sh = math.cosh(g * dt), math.sinh(g * dt)
    return x * ch - r * y * sh, y * ch - x / r * sh


def _run(a: float, b: float, landed: np.ndarray, y0: float, clamp: bool = True) -> np.ndarray:
    """End-of-day (x, y) for each day, landings added at the start of their day."""
    x, y = 0.0, y0
    out = np.empty((landed.size, 2))
    for k, p in enumerate(landed):
        x, y = _advance(x + float(p), y, a, b, 1.0, clamp)
        out[k] = x, y
    return out


def _check_rates(a: float, b: float) -> None:
    for name, value in (("a", a), ("b", b)):
        if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
            raise FlashpointError(
                f"Lanchester coefficient {name} is {value!r}; expected a number > 0 per day"
            )


def simulate(
    a: float = PUBLISHED_A,
    b: float = PUBLISHED_B,
    daily: pd.DataFrame | None = None,
    *,
    y0: float = JAPANESE_INITIAL,
    days: int | None = None,
) -> pd.DataFrame:
    """Model strengths at the end of each day: columns ``day``, ``us``, ``japanese``.

    Solves dx/dt = -a y + P(t), dy/dt = -b x exactly day by day, P(t) being the landings of
    ``daily`` (the shipped series when None) added at the start of their day; a side that
    reaches zero stops fighting. ``days`` extends the run past the data with no landings.
    """
    _check_rates(a, b)
    daily = load_daily() if daily is None else daily
    landed = daily["us_landed_that_day"].to_numpy(dtype=float)
    n = landed.size if days is None else days
    if n < 1:
        raise FlashpointError(f"days is {days!r}; expected at least 1")
    landed = np.concatenate([landed, np.zeros(max(0, n - landed.size))])[:n]
    states = _run(a, b, landed, y0)
    return pd.DataFrame({"day": np.arange(1, n + 1), "us": states[:, 0], "japanese": states[:, 1]})


def tracking_error(
    a: float = PUBLISHED_A,
    b: float = PUBLISHED_B,
    daily: pd.DataFrame | None = None,
    *,
    y0: float = JAPANESE_INITIAL,
) -> pd.DataFrame:
    """Model vs data, day by day: ``day``, ``us_observed``, ``us_model``, ``japanese_model``,
    ``rel_error`` = |model - observed| / observed, and ``suspect`` (see `suspect_days`)."""
    daily = load_daily() if daily is None else daily
    model = simulate(a, b, daily, y0=y0)
    observed = daily["us_active_end_of_day"].to_numpy(dtype=float)
    return pd.DataFrame(
        {
            "day": daily["day"].to_numpy(),
            "us_observed": observed,
            "us_model": model["us"].to_numpy(),
            "japanese_model": model["japanese"].to_numpy(),
            "rel_error": np.abs(model["us"].to_numpy() - observed) / observed,
            "suspect": daily["day"].isin(suspect_days(daily)).to_numpy(),
        }
    )


def max_tracking_error(
    a: float = PUBLISHED_A,
    b: float = PUBLISHED_B,
    daily: pd.DataFrame | None = None,
    *,
    y0: float = JAPANESE_INITIAL,
) -> float:
    """Largest daily relative error of the model's US strength, suspect days left out."""
    table = tracking_error(a, b, daily, y0=y0)
    return float(table.loc[~table["suspect"], "rel_error"].max())


# --------------------------------------------------------------------------------------------
# Estimation
# --------------------------------------------------------------------------------------------


def _strength_series(daily: pd.DataFrame, battle_days: int) -> tuple[np.ndarray, np.ndarray]:
    """US strength at the end of each day and landings, over ``battle_days`` days.

    Suspect days are replaced by the mean of their neighbours; days after the data hold the
    last strength with no landings (the series ends with a flat tail).
    """
    x = daily["us_active_end_of_day"].to_numpy(dtype=float).copy()
    landed = daily["us_landed_that_day"].to_numpy(dtype=float)
    for d in suspect_days(daily):
        i = d - 1
        x[i] = 0.5 * (x[i - 1] + x[i + 1]) if i > 0 else x[i + 1]
    if battle_days < x.size:
        raise FlashpointError(
            f"battle_days is {battle_days}; expected at least the {x.size} days in the data"
        )
    extra = battle_days - x.size
    return np.concatenate([x, np.full(extra, x[-1])]), np.concatenate([landed, np.zeros(extra)])


def engel_estimate(
    daily: pd.DataFrame | None = None,
    *,
    y0: float = JAPANESE_INITIAL,
    japanese_lost: float | None = None,
    battle_days: int = BATTLE_DAYS,
    rule: str = "trapezoid",
) -> tuple[float, float]:
    """Engel's (1954) estimates ``(a, b)`` from the integrated square law.

    b = japanese_lost / integral_0^T x dt: all ``japanese_lost`` (default: the whole garrison
    ``y0``) fell by the end of day T = ``battle_days``. Then y(t) = y0 - b integral_0^t x ds and
    a = (total landed - x(T)) / integral_0^T y dt: the US casualties over the battle.

    The integrals are taken day by day. ``rule="trapezoid"`` (default) averages each day's
    strength just after its landings and at its end; for the model's own curves it returns the
    true coefficients to within 0.1% (if the garrison fights through day T: the estimators assume
    combat on every day up to T). ``rule="daily_sum"`` is Engel's arithmetic, summing the
    end-of-day figures, which overstates ``a`` by about 3% on this battle. Days past the data
    (the series stops at day 35 of 36) hold the last strength, as its last days barely move.
    """
    daily = load_daily() if daily is None else daily
    if rule not in ("trapezoid", "daily_sum"):
        raise FlashpointError(f"rule is {rule!r}; expected 'trapezoid' or 'daily_sum'")
    lost = y0 if japanese_lost is None else japanese_lost
    if not 0 < lost <= y0:
        raise FlashpointError(f"japanese_lost is {lost!r}; expected a number > 0 and at most y0 = {y0}")
    x_end, landed = _strength_series(daily, battle_days)
    if rule == "trapezoid":
        x_start = np.concatenate([[0.0], x_end[:-1]]) + landed
        x_day = 0.5 * (x_start + x_end)
    else:
        x_day = x_end
    b = lost / x_day.sum()
    y_end = y0 - b * np.cumsum(x_day)
    y_day = 0.5 * (np.concatenate([[y0], y_end[:-1]]) + y_end) if rule == "trapezoid" else y_end
    us_lost = landed.sum() - x_end[-1]
    a = us_lost / y_day.sum()
    return float(a), float(b)


def fit_least_squares(
    daily: pd.DataFrame | None = None,
    *,
    y0: float = JAPANESE_INITIAL,
    b_from_japanese_losses: bool = True,
    battle_days: int = BATTLE_DAYS,
    exclude_days: list[int] | None = None,
) -> tuple[float, float]:
    """Least-squares fit ``(a, b)`` of the model's end-of-day US strength to the data.

    Minimises sum_d (x_model(d) - x_observed(d))^2 over the days not in ``exclude_days``
    (default: `suspect_days`) with ``scipy.optimize.least_squares``, the model solved exactly
    as in `simulate`.

    With ``b_from_japanese_losses`` (Engel's split, default) b is not free: for each a it is
    the value that makes the garrison y0 fall to zero at the end of day ``battle_days``, and
    only a is fitted to the US series. Without it both are fitted to the US series alone and
    nothing ties the Japanese curve to the known loss: on Engel's data that fit exhausts the
    garrison before the end of the series, with both a and b above Engel's values.
    """
    daily = load_daily() if daily is None else daily
    exclude = suspect_days(daily) if exclude_days is None else list(exclude_days)
    observed = daily["us_active_end_of_day"].to_numpy(dtype=float)
    keep = ~daily["day"].isin(exclude).to_numpy()
    landed = daily["us_landed_that_day"].to_numpy(dtype=float)
    a0, b0 = engel_estimate(daily, y0=y0, battle_days=battle_days)

    if b_from_japanese_losses:
        horizon = np.concatenate([landed, np.zeros(max(0, battle_days - landed.size))])

        def b_of(a: float) -> float:
            # the unclamped y(T) falls as b grows; find its zero
            return float(brentq(lambda b: _run(a, b, horizon, y0, clamp=False)[-1, 1], 1e-7, 10.0))

        def residuals(p: np.ndarray) -> np.ndarray:
            return (_run(p[0], b_of(p[0]), landed, y0)[:, 0] - observed)[keep]

        fit = least_squares(residuals, [a0], bounds=([1e-6], [10.0]), x_scale=[a0])
        a = float(fit.x[0])
        return a, b_of(a)

    def residuals2(p: np.ndarray) -> np.ndarray:
        return (_run(p[0], p[1], landed, y0)[:, 0] - observed)[keep]

    fit = least_squares(residuals2, [a0, b0], bounds=([1e-6, 1e-7], [10.0, 10.0]), x_scale=[a0, b0])
    return float(fit.x[0]), float(fit.x[1])
