"""Ceasefire: the fighting stops when the principal sponsors on both sides stand by a ceasefire,
and nothing moves after it; the results do not depend on how the runs were split."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

import flashpoint
from flashpoint.api import run
from flashpoint.engine.simulate import simulate_block
from flashpoint.engine.theatre import compile_theatre


def _scenario(scenario_builder, red_every: int, blue_every: int, blue_can_stop: bool = True,
              blue_principal: bool = True):
    replace = {'stakes = { blue-holds-b = -10 }': 'stakes = { blue-holds-b = -10 }\nreputation = 1.0',
               'stakes = { blue-holds-b = 10 }': 'stakes = { blue-holds-b = 10 }\nreputation = 1.0'}
    if not blue_principal:
        replace['camp = "blue"\nprincipal = true'] = 'camp = "blue"\nprincipal = false'
    text = f"""
[decisions.redland]
every_days = {red_every}

[decisions.redland.options.fight-on]
description = "keep attacking"

[decisions.redland.options.stop]
description = "agree a ceasefire"
effects = {{ ceasefire = true }}
credibility = 1.0

[decisions.blueland]
every_days = {blue_every}

[decisions.blueland.options.hold]
description = "keep defending"
"""
    if blue_can_stop:
        text += """
[decisions.blueland.options.stop]
description = "agree a ceasefire"
effects = { ceasefire = true }
credibility = 1.0
"""
    return scenario_builder(text, replace=replace, name="ceasefire.toml")


def _block(s, runs=250, days=20, rationality=200.0, trajectories=False):
    th = compile_theatre(s, {"rationality": rationality})
    return th, simulate_block(th, seed=5, start=0, stop=runs, days=days, trajectories=trajectories)


def test_both_sides_standing_by_a_ceasefire_stop_the_fighting(scenario_builder):
    th, b = _block(_scenario(scenario_builder, red_every=5, blue_every=5))
    assert (b.final.ceasefire_day == 5).all()


def test_an_acceptance_stands_until_the_next_decision(scenario_builder):
    # red accepts on day 2, blue on day 3: the ceasefire holds from day 3
    th, b = _block(_scenario(scenario_builder, red_every=2, blue_every=3))
    assert (b.final.ceasefire_day == 3).all()


def test_one_side_alone_cannot_stop_the_war(scenario_builder):
    th, b = _block(_scenario(scenario_builder, red_every=5, blue_every=5, blue_can_stop=False))
    assert (b.final.ceasefire_day < 0).all()
    assert b.chosen[:, 0, 1].all()              # red wanted it every time


def test_only_principal_sponsors_decide_the_ceasefire(scenario_builder):
    th, b = _block(_scenario(scenario_builder, red_every=5, blue_every=5, blue_principal=False))
    assert (b.final.ceasefire_day < 0).all()


def test_the_line_is_the_control_on_the_day_of_the_ceasefire(scenario_builder):
    th, b = _block(_scenario(scenario_builder, red_every=5, blue_every=5), trajectories=True)
    day = b.final.ceasefire_day
    assert (b.ceasefire_control == b.control_days[np.arange(len(day)), day - 1]).all()
    assert (b.ceasefire_control == b.final.control).all()


@cache
def _idlib_trajectories():
    th = compile_theatre(flashpoint.load("idlib-2020"))
    return th, simulate_block(th, seed=11, start=0, stop=500, days=60, trajectories=True)


def test_nothing_moves_after_the_ceasefire():
    th, b = _idlib_trajectories()
    day = b.final.ceasefire_day
    stopped = np.nonzero(day >= 0)[0]
    assert 0.2 < len(stopped) / len(day) < 1.0, "the test needs runs with and without a ceasefire"
    for r in stopped:
        d = day[r]
        # the day's decisions come before the day's fighting: from day d on, nothing changes
        assert (b.control_days[r, d:] == b.control_days[r, d - 1]).all(), f"run {r}: a place changed hands"
        assert (b.killed_days[r, d:] == b.killed_days[r, d - 1]).all(), f"run {r}: losses after the ceasefire"
    going = np.nonzero(day < 0)[0]
    assert (b.killed_days[going, -1].sum(axis=1) > b.killed_days[going, 30].sum(axis=1)).mean() > 0.5


def test_the_idlib_ceasefire_line_is_recorded_for_every_ceasefire():
    th, b = _idlib_trajectories()
    stopped = b.final.ceasefire_day >= 0
    assert (b.ceasefire_control[stopped] == b.final.control[stopped]).all()
    assert (b.ceasefire_control[~stopped] == -1).all()
    cap = b.ceasefire_capability
    assert np.isfinite(cap[stopped]).all() and (cap[stopped] >= 0).all()
    assert np.isnan(cap[~stopped]).all()


def test_summary_reports_the_ceasefire_day_and_the_line():
    doc = run(flashpoint.load("idlib-2020"), runs=500, seed=2, days=40).summary()
    cf = doc["ceasefire_day"]
    assert 0 < cf["share_none"] < 1
    assert 1 <= cf["q05"] <= cf["q25"] <= cf["q50"] <= cf["q75"] <= cf["q95"] <= 40
    settled = doc["settlement"]
    assert settled["runs"] == round((1 - cf["share_none"]) * 500)
    for place, shares in settled["control"].items():
        assert sum(shares.values()) == pytest.approx(1.0), place


def test_same_seed_same_answer_whatever_the_block_size():
    s = flashpoint.load("idlib-2020").apply("coalition-air-support")
    a = run(s, runs=600, seed=8, days=30, block_size=250).summary()
    b = run(s, runs=600, seed=8, days=30, block_size=600).summary()
    assert a["decisions"] == b["decisions"]
    assert a == b
