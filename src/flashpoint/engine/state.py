"""The dynamic state of a block of runs: arrays with the run as the first axis, changed in place.

One sub-state per kind of force (a ``NamedTuple`` of arrays the kernels write into), and the
political and operational arrays the strategy layer may change. What is fixed for the scenario is
in the compiled theatre (:mod:`.theatre`, :mod:`.tables`); what is drawn once per run in
:mod:`.draws`. :func:`initial_state` builds day 0 from both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from flashpoint.engine.draws import Draws, RunDraws
from flashpoint.engine.theatre import CompiledTheatre
from flashpoint.scenario.schema import LOSS_KINDS, TALLY_KINDS  # re-exported for the engine


class FormationState(NamedTuple):
    """(R, F) per run and formation."""

    personnel: np.ndarray
    tanks: np.ndarray
    ifvs: np.ndarray
    artillery: np.ndarray
    place: np.ndarray          # int: where it stands
    posture: np.ndarray        # int: index into POSTURES (decisions may change it)
    broken: np.ndarray         # bool
    commitment: np.ndarray     # drawn per run; decisions may change it


class WingState(NamedTuple):
    """(R, W) per run and wing."""

    aircraft: np.ndarray       # aircraft left
    commitment: np.ndarray


class DroneState(NamedTuple):
    """(R, Dn) per run and drone unit."""

    drones: np.ndarray         # drones left
    commitment: np.ndarray
    stock: np.ndarray          # loitering munitions left to launch (inf: a reusable drone)


class BatteryState(NamedTuple):
    """(R, B) per run and battery."""

    alive: np.ndarray          # bool
    missiles: np.ndarray       # missiles left


class Losses(NamedTuple):
    """(R, A) losses booked to each actor so far (the fields are ``LOSS_KINDS``)."""

    personnel_killed: np.ndarray   # the dead
    personnel_lost: np.ndarray     # everyone out of action: killed, wounded, missing, captured
    tanks_lost: np.ndarray
    ifvs_lost: np.ndarray
    artillery_lost: np.ndarray
    aircraft_lost: np.ndarray
    uav_lost: np.ndarray
    air_defence_lost: np.ndarray

    def of(self, kind: str) -> np.ndarray:
        """The losses of one kind (a name of ``LOSS_KINDS``)."""
        return getattr(self, kind)


assert set(Losses._fields) == set(LOSS_KINDS), "Losses must list the schema's LOSS_KINDS"


class AirTally(NamedTuple):
    """(R, A) what the air mechanisms count for each actor (docs/model.md, "Air", 8-10), kept apart
    from ``Losses`` and reported only by scenarios that use a mechanism (``Tables.tally``)."""

    aircraft_lost_to_air_defence: np.ndarray
    aircraft_lost_to_fighters: np.ndarray
    uav_lost_to_air_defence: np.ndarray
    uav_lost_to_fighters: np.ndarray
    munitions_used: np.ndarray           # loitering munitions launched
    air_defence_lost_to_drones: np.ndarray   # batteries destroyed by drone SEAD (DEAD by drones)


assert AirTally._fields == TALLY_KINDS, "AirTally must list the schema's TALLY_KINDS"


class Board(NamedTuple):
    """The state's arrays that are not a kind of force, as one argument of the kernels."""

    control: np.ndarray
    progress: np.ndarray
    fires_on: np.ndarray
    air_commitment: np.ndarray
    ground_commitment: np.ndarray
    ceasefire_day: np.ndarray
    fired: np.ndarray
    downed: np.ndarray
    losses: Losses
    combat_days: np.ndarray
    pause_until: np.ndarray
    tally: AirTally


class Forces(NamedTuple):
    """The per-kind sub-states, as one argument of the kernels."""

    formations: FormationState
    wings: WingState
    drone_units: DroneState
    batteries: BatteryState


@dataclass
class State:
    n: int                       # runs in the block
    day: int
    control: np.ndarray          # (R, P) actor holding each place
    formations: FormationState
    wings: WingState
    drone_units: DroneState
    batteries: BatteryState
    progress: np.ndarray         # (R, D) km made along each directed leg
    # political and operational state the strategy layer may change
    fires_on: np.ndarray         # (R, A, A) bool
    air_commitment: np.ndarray   # (R, A) multiplier of every air unit of the actor
    ground_commitment: np.ndarray
    ceasefire_day: np.ndarray    # (R,) -1 while fighting
    rung: np.ndarray             # (R,) highest escalation rung reached (index)
    fired: np.ndarray            # (R, A, A) bool: a has fired on b (cumulative)
    downed: np.ndarray           # (R, A, A) bool: a has downed an aircraft or drone of b
    losses: Losses
    combat_days: np.ndarray      # (R, P) int: consecutive days of combat at each defended place
    pause_until: np.ndarray      # (R, A) int: first day the actor attacks again after taking an objective
    tally: AirTally
    chosen: np.ndarray | None = None   # (R, A, O) bool: options chosen (strategy layer)
    # escalation ladder (strategy/escalation.py): first day each rung was reached (-1: never), and how
    reached_day: np.ndarray | None = None   # (R, K)
    reached_by: np.ndarray | None = None    # (R, K) 0 not reached, 1 start, 2 trigger, 3 decision
    # the settlement's inputs, recorded on the day of the ceasefire (strategy/settlement.py)
    ceasefire_control: np.ndarray | None = None     # (R, P) actor holding each place (-1: no ceasefire)
    ceasefire_capability: np.ndarray | None = None  # (R, A) battlefield multiplier of capability

    @property
    def fighting(self) -> np.ndarray:
        return self.ceasefire_day < 0

    def total(self, kind: str) -> np.ndarray:
        """(R, A) each actor's total so far of a metric kind (``METRIC_KINDS``: a loss, or a count of
        the air mechanisms, zero where the scenario does not count them)."""
        return self.losses.of(kind) if kind in LOSS_KINDS else getattr(self.tally, kind)

    def forces(self) -> Forces:
        """The per-kind sub-states as one tuple (built on each call: a strategy may replace arrays)."""
        return Forces(self.formations, self.wings, self.drone_units, self.batteries)

    def board(self) -> Board:
        """The rest of the dynamic arrays as one tuple (built on each call, like :meth:`forces`)."""
        return Board(self.control, self.progress, self.fires_on, self.air_commitment, self.ground_commitment,
                     self.ceasefire_day, self.fired, self.downed, self.losses, self.combat_days,
                     self.pause_until, self.tally)


def initial_state(th: CompiledTheatre, run: RunDraws, draws: Draws) -> State:
    """Day 0 of the block: strengths and commitments from ``run`` and ``draws``, positions and
    holders from the theatre."""
    n = draws.n
    f = th.scenario.forces
    A = th.n_actors

    def g(attr):
        return draws.table("ground", th.formation_ids, f.ground, attr)

    F, B = len(th.formation_ids), len(th.battery_ids)
    return State(
        n=n, day=0,
        control=np.broadcast_to(th.map.control0, (n, th.n_places)).astype(np.int64),
        formations=FormationState(
            personnel=run.formations.personnel0.copy(), tanks=np.round(g("tanks")), ifvs=np.round(g("ifvs")),
            artillery=np.round(g("artillery")),
            place=np.broadcast_to(th.formations.place, (n, F)).astype(np.int64),
            posture=np.broadcast_to(th.formations.posture, (n, F)).astype(np.int64),
            broken=np.zeros((n, F), dtype=bool), commitment=g("commitment")),
        wings=WingState(aircraft=np.round(draws.table("air", th.wing_ids, f.air, "aircraft")),
                        commitment=draws.table("air", th.wing_ids, f.air, "commitment")),
        drone_units=DroneState(drones=np.round(draws.table("drones", th.drone_ids, f.drones, "count")),
                               commitment=draws.table("drones", th.drone_ids, f.drones, "commitment"),
                               stock=_stock(th, draws)),
        batteries=BatteryState(alive=np.ones((n, B), dtype=bool), missiles=run.batteries.missiles0.copy()),
        progress=np.zeros((n, len(th.legs.src))),
        fires_on=np.broadcast_to(th.fires_on, (n, A, A)).copy(),
        air_commitment=np.ones((n, A)), ground_commitment=np.ones((n, A)),
        ceasefire_day=np.full(n, -1, dtype=np.int64),
        rung=np.zeros(n, dtype=np.int64),
        fired=np.zeros((n, A, A), dtype=bool), downed=np.zeros((n, A, A), dtype=bool),
        losses=Losses(*(np.zeros((n, A)) for _ in Losses._fields)),
        combat_days=np.zeros((n, th.n_places), dtype=np.int64),
        pause_until=np.zeros((n, A), dtype=np.int64),
        tally=AirTally(*(np.zeros((n, A)) for _ in AirTally._fields)),
    )


def _stock(th: CompiledTheatre, draws: Draws) -> np.ndarray:
    """(R, Dn) loitering munitions of each drone unit at the start, whole; inf for a reusable drone."""
    out = np.full((draws.n, len(th.drone_ids)), np.inf)
    for j, did in enumerate(th.drone_ids):
        q = th.scenario.forces.drones[did].stock
        if q is not None:
            out[:, j] = np.round(draws.value(f"forces.drones.{did}.stock", q))
    return out
