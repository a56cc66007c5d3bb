"""Whatever the seed, the number of days and the interventions, the engine's state stays possible.

Each example simulates 250 futures of idlib-2020 for 1-10 days with ``simulate_block`` and checks,
at the end of every day (``simulate_block`` shows its state to a hook after each day's step):

* no strength, equipment, aircraft, drone or missile count is negative, and none grows;
* losses are conserved: what an actor has lost is exactly what its forces had at the start minus
  what they have now (so personnel killed <= initial personnel, aircraft lost <= aircraft drawn);
* every place is held by exactly one actor of the scenario;
* the escalation rung is a rung of the ladder and never goes down;
* every pair (a, b) that newly fired on or downed each other that day is a pair in which a fires
  on b; broken formations stay broken and a ceasefire, once made, stays.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import cache
from unittest import mock

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import flashpoint
from flashpoint.engine import simulate as sim
from flashpoint.engine.state import LOSS_KINDS, State
from flashpoint.engine.theatre import CompiledTheatre, compile_theatre

SCENARIO = flashpoint.load("idlib-2020")
INTERVENTIONS = sorted(SCENARIO.interventions)
RUNS = 250
SETTINGS = settings(max_examples=30, deadline=None, derandomize=True, database=None)


@cache
def theatre(applied: tuple[str, ...]) -> CompiledTheatre:
    return compile_theatre(SCENARIO.apply(*applied) if applied else SCENARIO)


def by_owner(values: np.ndarray, owner: np.ndarray, n_actors: int) -> np.ndarray:
    """(R, units) -> (R, actors) totals by owner."""
    out = np.zeros((values.shape[0], n_actors))
    for j, a in enumerate(owner):
        out[:, a] += values[:, j]
    return out


@dataclass
class Watch:
    """Checks the state at the end of every day against the state at the start and the day before."""

    th: CompiledTheatre
    start: State | None = None
    days_checked: int = 0
    rung: np.ndarray | None = None
    fired: np.ndarray | None = None
    downed: np.ndarray | None = None
    broken: np.ndarray | None = None
    ceasefire: np.ndarray | None = None
    missiles0: np.ndarray | None = None

    def initial_state(self, th, run, draws) -> State:
        st_ = sim_initial_state(th, run, draws)
        self.start = copy.deepcopy(st_)
        self.missiles0 = run.batteries.missiles0.copy()
        self.rung, self.fired, self.downed = st_.rung.copy(), st_.fired.copy(), st_.downed.copy()
        self.broken, self.ceasefire = st_.formations.broken.copy(), st_.ceasefire_day.copy()
        return st_

    def check(self, s: State) -> None:
        th, s0 = self.th, self.start
        n_a, day = th.n_actors, s.day
        where = f"day {day}"
        # nothing negative, nothing grows
        for kind, name in (("formations", "personnel"), ("formations", "tanks"), ("formations", "ifvs"),
                           ("formations", "artillery"), ("wings", "aircraft"), ("drone_units", "drones"),
                           ("batteries", "missiles")):
            now, then = getattr(getattr(s, kind), name), getattr(getattr(s0, kind), name)
            assert np.all(np.isfinite(now)), (where, name)
            assert np.all(now >= 0), (where, name, now.min())
            if name != "missiles":      # batteries reload, but never beyond their load
                assert np.all(now <= then), (where, name)
        assert np.all(s.batteries.missiles <= self.missiles0), where
        for kind in LOSS_KINDS:
            assert np.all(s.losses.of(kind) >= 0), (where, kind)
        # conservation: losses booked = what the actor's units had - what they have
        g, w, d, b = th.formations.owner, th.wings.owner, th.drone_units.owner, th.batteries.owner
        pairs = {
            "personnel_lost": by_owner(s0.formations.personnel - s.formations.personnel, g, n_a),
            "tanks_lost": by_owner(s0.formations.tanks - s.formations.tanks, g, n_a),
            "ifvs_lost": by_owner(s0.formations.ifvs - s.formations.ifvs, g, n_a),
            "artillery_lost": by_owner(s0.formations.artillery - s.formations.artillery, g, n_a),
            "aircraft_lost": by_owner(s0.wings.aircraft - s.wings.aircraft, w, n_a),
            "uav_lost": by_owner(s0.drone_units.drones - s.drone_units.drones, d, n_a),
            "air_defence_lost": by_owner((~s.batteries.alive).astype(float), b, n_a),
        }
        for kind, expected in pairs.items():
            np.testing.assert_allclose(s.losses.of(kind), expected, atol=1e-6, err_msg=f"{where}: {kind}")
        assert np.all(s.losses.personnel_killed <= s.losses.personnel_lost + 1e-9), where   # the dead among them
        assert np.all(s.losses.personnel_lost <= by_owner(s0.formations.personnel, g, n_a) + 1e-9), where
        assert np.all(s.losses.aircraft_lost <= by_owner(s0.wings.aircraft, w, n_a) + 1e-9), where
        # control: one valid actor per place
        assert s.control.shape == (s.n, th.n_places), where
        assert np.issubdtype(s.control.dtype, np.integer), where
        assert np.all((s.control >= 0) & (s.control < n_a)), where
        # escalation: a rung of the ladder, never lower than the day before
        assert np.all((s.rung >= 0) & (s.rung < max(1, len(th.rung_ids)))), where
        assert np.all(s.rung >= self.rung), where
        # new fire and kills only along fires-on pairs of the day
        new_fired, new_downed = s.fired & ~self.fired, s.downed & ~self.downed
        assert not (new_fired & ~s.fires_on).any(), (where, np.argwhere(new_fired & ~s.fires_on)[:3])
        assert not (new_downed & ~s.fires_on).any(), (where, np.argwhere(new_downed & ~s.fires_on)[:3])
        assert not (s.downed & ~s.fired).any(), f"{where}: downed without having fired"
        # irreversible events
        assert np.all(s.formations.broken >= self.broken), where
        stopped = self.ceasefire >= 0
        assert np.array_equal(s.ceasefire_day[stopped], self.ceasefire[stopped]), where
        self.rung, self.fired, self.downed = s.rung.copy(), s.fired.copy(), s.downed.copy()
        self.broken, self.ceasefire = s.formations.broken.copy(), s.ceasefire_day.copy()
        self.days_checked += 1


sim_initial_state = sim.initial_state


@SETTINGS
@given(seed=st.integers(0, 2**63 - 1), days=st.integers(1, 10),
       applied=st.lists(st.sampled_from(INTERVENTIONS), unique=True, max_size=3).map(tuple))
def test_state_stays_possible_every_day(seed, days, applied):
    th = theatre(applied)
    watch = Watch(th)
    with mock.patch.object(sim, "initial_state", watch.initial_state):
        block = sim.simulate_block(th, seed, 0, RUNS, days, on_day_end=watch.check)
    assert watch.days_checked == days
    # what the block reports is the state the checks saw
    f = block.final
    assert f.control.shape == (RUNS, th.n_places)
    np.testing.assert_array_equal(f.camp_control, th.actor_camp[f.control])
    assert np.all(block.held.sum(axis=2) == th.n_places)
    for kind in LOSS_KINDS:
        for actor in th.actors:
            assert f.metrics[f"{actor}.{kind}"].shape == (RUNS,)
            assert np.all(f.metrics[f"{actor}.{kind}"] >= 0)
    for hit in block.outcomes.values():
        assert hit.dtype == bool and hit.shape == (RUNS,)
