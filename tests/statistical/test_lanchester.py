"""The engine's stochastic attrition kernel reproduces Lanchester's square law on Iwo Jima.

Engel (1954) fitted dx/dt = -a y + P(t), dy/dt = -b x to the battle (x US, y Japanese strength,
a = 0.0544, b = 0.0106 per day, y0 = 21,500, landings P from the shipped daily series).

**The kernel in Lanchester's terms.** The ground phase gives an attacker of power A facing a
defence D (r = A / D) the daily loss shares ``rate x r^-h`` (attacker) and ``rate x r^h``
(defender), then draws each side's losses as gamma-Poisson with mean strength x share. Let the US
attack with power x (quality 1) and the garrison defend with D = Q y, Q the defender/attacker
quality ratio (posture, terrain and quality folded into one number). With h = 1:

    US losses       = x x rate / r = x x rate x Q y / x = (rate Q) y
    Japanese losses = y x rate x r = y x rate x x / (Q y) = (rate / Q) x

so the kernel is the square law with a = rate x Q and b = rate / Q, that is

    rate = sqrt(a b) = 0.02401 per day,    Q = sqrt(a / b) = 2.265.

**Why the mean follows the deterministic recursion exactly.** The expected losses, a y and b x,
are linear in the strengths, so as long as no draw is cut at the strength left (min(draw, y)) and
no share reaches the cap, the expected strengths obey the Euler recursion of the same daily
discretisation exactly: x_d = x'_d - a y_(d-1), y_d = y_(d-1) - b x'_d with x'_d = x_(d-1) + P_d
(landings at the start of their day, as in ``iwo_jima.simulate``). The gamma-Poisson noise only
adds spread. 2,000 runs give a standard error of the mean US strength of about 25 men (0.05%).

**Tolerances.**

* Mean US strength vs the Euler recursion: 4 standard errors every day (35 correlated
  comparisons; a correct kernel fails with probability well under 1e-3 for a random seed, and
  the seed is fixed). The US strength is never near zero, so no cut applies.
* Mean Japanese strength vs the Euler recursion: 4 standard errors on the days the recursion
  keeps the garrison above 6,000 (days 1-24). Later, a run's garrison can be exhausted (its
  day's draw exceeds what is left), the cut makes the mean lag the recursion: an expected
  nonlinearity of the stochastic model, not a discrepancy of the kernel.
* Mean US strength vs ``iwo_jima.simulate`` (the exact solution of the ODE): 1.5%. The Euler
  step differs from the exact one-day propagator [[cosh g, -Q sinh g], [-sinh g / Q, cosh g]]
  (g = sqrt(a b)) by g^2 / 2 = 2.9e-4 of the strength on the diagonal per day, which accumulates
  to about 35 x 2.9e-4 = 1.0% by day 35; 1.5% leaves room for that and the Monte Carlo error,
  while a wrong kernel (h = 0, Q inverted, rate not square-rooted) is off by 10% or more.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from flashpoint.analysis.history import iwo_jima
from flashpoint.engine.ground import daily_loss_shares
from flashpoint.engine.rng import Streams

pytestmark = pytest.mark.slow

A, B, Y0 = 0.0544, 0.0106, 21_500.0
RATE, QUALITY = math.sqrt(A * B), math.sqrt(A / B)
RUNS = 2000
DISPERSION = 10.0          # loss-dispersion: the middle of the engine's prior (2 - 20)
SEED = 1945


def landings() -> np.ndarray:
    return iwo_jima.load_daily()["us_landed_that_day"].to_numpy(dtype=float)


def kernel_battle(landed: np.ndarray, runs: int = RUNS, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """(days, runs) end-of-day US and Japanese strengths from the engine's attrition kernel."""
    rng = Streams(seed, 0, runs)
    x, y = np.zeros(runs), np.full(runs, Y0)
    rate, h, cap = np.full(runs, RATE), np.ones(runs), np.ones(runs)
    xs, ys = [], []
    for p in landed:
        x = x + p                                   # the day's landings join at its start
        fighting = (y > 0) & (x > 0)
        r = np.where(fighting, x / (QUALITY * np.maximum(y, 1.0)), 1.0)
        f_us, f_jp = daily_loss_shares(r, rate, h, cap)
        mean = np.stack([np.where(fighting, x * f_us, 0.0), np.where(fighting, y * f_jp, 0.0)], axis=1)
        killed = rng.gamma_poisson(mean, np.full(runs, DISPERSION))
        x, y = x - np.minimum(killed[:, 0], x), y - np.minimum(killed[:, 1], y)
        xs.append(x)
        ys.append(y)
    return np.array(xs), np.array(ys)


def euler(landed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The deterministic square law with the same daily steps (landings at the start of a day)."""
    x, y, xs, ys = 0.0, Y0, [], []
    for p in landed:
        x += p
        x, y = x - A * y, y - B * x
        xs.append(x)
        ys.append(y)
    return np.array(xs), np.array(ys)


def test_the_kernel_constants_are_engels_coefficients():
    """At even strength and quality, one day's shares are a y / x and b x / y."""
    x, y = 54_000.0, 21_500.0
    f_us, f_jp = daily_loss_shares(np.array([x / (QUALITY * y)]), np.array([RATE]), np.array([1.0]),
                                   np.array([1.0]))
    assert x * f_us[0] == pytest.approx(A * y, rel=1e-12)
    assert y * f_jp[0] == pytest.approx(B * x, rel=1e-12)


def test_mean_us_strength_follows_the_square_law_day_by_day():
    landed = landings()
    xs, ys = kernel_battle(landed)
    ex, ey = euler(landed)
    assert xs.std(axis=1).min() > 0, "the kernel drew no noise"
    se_x = xs.std(axis=1, ddof=1) / math.sqrt(RUNS)
    z_x = (xs.mean(axis=1) - ex) / se_x
    assert np.all(np.abs(z_x) <= 4), np.round(z_x, 1)

    large = ey > 6000
    assert large.sum() >= 20
    se_y = ys.std(axis=1, ddof=1) / math.sqrt(RUNS)
    z_y = (ys.mean(axis=1) - ey)[large] / se_y[large]
    assert np.all(np.abs(z_y) <= 4), np.round(z_y, 1)


def test_mean_us_strength_tracks_engels_exact_solution():
    landed = landings()
    xs, _ = kernel_battle(landed)
    exact = iwo_jima.simulate(A, B)["us"].to_numpy()
    assert len(exact) == len(landed)
    rel = np.abs(xs.mean(axis=1) - exact) / exact
    assert rel.max() <= 0.015, np.round(rel * 100, 2)


def test_the_linear_law_would_not_pass():
    """The comparison has teeth: the same kernel with h = 0 misses the square law by far more."""
    landed = landings()
    ex, _ = euler(landed)
    rng = Streams(SEED, 0, RUNS)
    x, y = np.zeros(RUNS), np.full(RUNS, Y0)
    for p in landed:
        x = x + p
        r = x / (QUALITY * np.maximum(y, 1.0))
        f_us, f_jp = daily_loss_shares(r, np.full(RUNS, RATE), np.zeros(RUNS), np.ones(RUNS))
        killed = rng.gamma_poisson(np.stack([x * f_us, y * f_jp], axis=1), np.full(RUNS, DISPERSION))
        x, y = x - np.minimum(killed[:, 0], x), y - np.minimum(killed[:, 1], y)
    assert abs(x.mean() - ex[-1]) / ex[-1] > 0.1
