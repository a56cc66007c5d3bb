"""The compiled kernels of the decisions give, bit for bit, what the plain NumPy statement of the
same computation gives: the climb distribution, the projection of control and the trend's fold."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

import flashpoint
from flashpoint.engine.state import State
from flashpoint.engine.stepwise import Day0, start
from flashpoint.engine.strategy.escalation import climb_distribution, climb_distributions
from flashpoint.engine.strategy.projection import (
    TRACKED,
    Trend,
    incoming_edges,
    project_control,
    project_options,
)
from flashpoint.engine.theatre import CompiledTheatre, compile_theatre

RUNS = 400


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    a, b = np.ascontiguousarray(a), np.ascontiguousarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


@cache
def _theatre() -> CompiledTheatre:
    return compile_theatre(flashpoint.load("idlib-2020").apply("coalition-air-support"))


def _state(seed: int) -> tuple[CompiledTheatre, State, np.random.Generator, Day0]:
    """A state with control, rules of engagement and progress scrambled at random (and the block
    it belongs to)."""
    th = _theatre()
    b = start(th, seed, RUNS)
    st = b.st
    rng = np.random.default_rng(seed)
    n_a = th.n_actors
    st.control = np.asfortranarray(rng.integers(0, n_a, (RUNS, th.n_places)))   # as the ground phase leaves it
    st.fires_on = rng.random((RUNS, n_a, n_a)) < 0.5
    length = b.run.legs.length_km
    st.progress = np.where(rng.random(length.shape) < 0.3, rng.random(length.shape) * length * 1.2, 0.0)
    return th, st, rng, b


# --------------------------------------------------------------------------- climb distribution
@pytest.mark.parametrize("n_rungs", [1, 2, 6])
def test_climb_distributions_are_climb_distribution_of_each_option(n_rungs):
    rng = np.random.default_rng(n_rungs)
    n_opt, runs = 4, 3000
    start = rng.integers(0, n_rungs, (n_opt, runs))
    climb = np.where(rng.random((runs, n_rungs)) < 0.2, 0.0, rng.random((runs, n_rungs)))
    mult = np.stack([np.zeros(runs), np.ones(runs), rng.uniform(0.0, 3.0, runs), rng.uniform(-0.5, 1e-3, runs)])
    out = climb_distributions(start, climb, mult, n_rungs)
    for o in range(n_opt):
        assert same_bits(out[o], climb_distribution(start[o], climb, mult[o], n_rungs))


def test_climb_distributions_without_rungs_are_empty():
    out = climb_distributions(np.zeros((2, 5), dtype=np.int64), np.zeros((5, 0)), np.ones((2, 5)), 0)
    assert out.shape == (2, 5, 0)


# --------------------------------------------------------------------------- projection
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_project_options_is_project_control_of_each_option(seed):
    th, st, rng, b = _state(seed)
    trend = Trend(th, st, b.run.legs.length_km, b.draws.params["trend-days"])
    trend.advance = np.where(rng.random(trend.advance.shape) < 0.5, rng.exponential(2.0, trend.advance.shape), 0.0)
    trend.weight = np.where(rng.random(RUNS) < 0.1, 0.0, rng.random(RUNS))
    idx = np.sort(rng.choice(RUNS, 300, replace=False))
    n = idx.size
    horizon = rng.uniform(7, 28, n)
    own = np.stack([np.ones(n), rng.uniform(0.2, 2.0, n), np.where(rng.random(n) < 0.3, 0.0, 1.5), np.ones(n)])
    enemy = np.stack([np.ones(n), np.ones(n), rng.uniform(0.0, 2.0, n), rng.uniform(0.5, 1.5, n)])
    frozen = np.array([False, False, False, True])
    hostile = np.array([[False, True, False], [True, False, False], [False, False, False]])
    adv = trend.rates(idx)[0]
    for camp in range(len(th.camps)):
        out, moved = project_options(th, st, trend, idx, camp, hostile[camp], horizon, own, enemy, frozen)
        now = st.control[idx]
        for o in range(len(frozen)):
            want = now if frozen[o] else project_control(
                th, now, st.fires_on[idx], st.progress[idx], b.run.legs.length_km[idx], adv, horizon, camp,
                hostile[camp], own[o], enemy[o], trend.incoming)
            assert same_bits(out[o], want)
            assert np.array_equal(moved[o], (want != now).any(axis=1))
        assert moved[:3].any()      # the test moves places


# --------------------------------------------------------------------------- the trend
def _fold_numpy(th: CompiledTheatre, st: State, length, alpha, advance, loss, weight, prev_progress, prev_control,
                prev_losses):
    """One day of the trend, in NumPy, for every run and actor (``length`` each leg's, per run)."""
    step = np.maximum(st.progress - prev_progress, 0.0)
    rr, pp = np.nonzero(st.control != prev_control)
    if rr.size:
        legs = incoming_edges(th)[pp]
        src = np.where(legs >= 0, th.legs.src[np.maximum(legs, 0)], 0)
        took = (legs >= 0) & (prev_control[rr[:, None], src] == st.control[rr, pp][:, None])
        r2, k2 = np.nonzero(took)
        e, r = legs[r2, k2], rr[r2]
        step[r, e] = np.maximum(length[r, e] - prev_progress[r, e], 0.0)
    advance = advance * (1 - alpha)[:, None] + alpha[:, None] * step
    losses = np.stack([st.losses.of(k) for k in TRACKED], axis=-1)
    loss = loss * (1 - alpha)[:, None, None] + alpha[:, None, None] * (losses - prev_losses)
    weight = (1 - alpha) * weight + alpha
    return advance, loss, weight, st.progress.copy(), st.control.copy(), losses


def test_the_trend_folds_a_day_as_numpy_does_in_the_runs_asked_for():
    th, st, rng, b = _state(4)
    actors = np.array([3, 0, 7])
    trend = Trend(th, st, b.run.legs.length_km, b.draws.params["trend-days"], actors)
    full = Trend(th, st, b.run.legs.length_km, b.draws.params["trend-days"])
    for day in range(4):
        before = {k: getattr(trend, k).copy() for k in ("advance", "loss", "weight", "prev_progress", "prev_control")}
        st.progress = st.progress + np.where(rng.random(st.progress.shape) < 0.5, rng.uniform(-1, 3, st.progress.shape),
                                             0.0)
        st.control = np.asfortranarray(np.where(rng.random(st.control.shape) < 0.2,
                                                rng.integers(0, th.n_actors, st.control.shape), st.control))
        for k in TRACKED:
            lost = st.losses.of(k)
            lost[:] = lost + rng.poisson(2.0, lost.shape) * (rng.random(lost.shape) < 0.5)
        want = _fold_numpy(th, st, b.run.legs.length_km, full.alpha, full.advance, full.loss, full.weight,
                           full.prev_progress, full.prev_control, full.prev_losses)
        full.update(th, st)
        for name, value in zip(("advance", "loss", "weight", "prev_progress", "prev_control", "prev_losses"),
                               want, strict=True):
            assert same_bits(getattr(full, name), value), (day, name)
        runs = np.sort(rng.choice(RUNS, RUNS // 2, replace=False))
        trend.update(th, st, runs)
        out = np.setdiff1d(np.arange(RUNS), runs)
        assert same_bits(trend.advance[runs], full.advance[runs])
        assert same_bits(trend.loss[runs], full.loss[runs][:, actors])
        assert same_bits(trend.weight[runs], full.weight[runs])
        for name, value in before.items():      # the runs left out are left as they were
            assert same_bits(getattr(trend, name)[out], value[out]), (day, name)
        trend.update(th, st, out)                # and fold the same day when their turn comes
        for name in ("advance", "weight", "prev_progress", "prev_control"):
            assert same_bits(getattr(trend, name), getattr(full, name)), (day, name)
        assert same_bits(trend.loss, full.loss[:, actors])
        assert same_bits(trend.prev_losses, full.prev_losses[:, actors])
