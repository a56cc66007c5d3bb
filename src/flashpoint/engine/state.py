"""The state of a block of runs: arrays with the run as the first axis.

Model numbers drawn per run (strengths, kill rates, model constants) are set once by
:func:`initial_state`; the daily step then changes only the dynamic arrays (control, strengths,
positions, aircraft, batteries, losses, escalation, ceasefire).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from flashpoint.engine.theatre import Draws, Theatre
from flashpoint.scenario.schema import LOSS_KINDS  # re-exported for the engine


@dataclass
class State:
    n: int                       # runs in the block
    day: int
    control: np.ndarray          # (R, P) actor holding each place
    # ground formations
    pers: np.ndarray             # (R, F)
    tanks: np.ndarray
    ifvs: np.ndarray
    art: np.ndarray
    pers0: np.ndarray            # strength at arrival, for breakpoints
    loc: np.ndarray              # (R, F) place index
    posture: np.ndarray          # (R, F) index into POSTURES (decisions may change it)
    broken: np.ndarray           # (R, F) bool
    quality: np.ndarray
    morale: np.ndarray
    breakpoint: np.ndarray
    g_commit: np.ndarray
    # air wings
    aircraft: np.ndarray         # (R, W) aircraft left
    sortie_rate: np.ndarray
    a2a: np.ndarray
    w_strike: np.ndarray
    w_sead: np.ndarray
    w_commit: np.ndarray
    # drones
    drones: np.ndarray           # (R, D) drones left
    d_sorties: np.ndarray
    d_strike: np.ndarray
    d_armour: np.ndarray
    d_sead: np.ndarray
    d_commit: np.ndarray
    # air defence
    alive: np.ndarray            # (R, B) bool
    missiles: np.ndarray
    missiles0: np.ndarray
    reload: np.ndarray
    pe: np.ndarray
    pk: np.ndarray
    # political and operational state the strategy layer may change
    fires_on: np.ndarray         # (R, A, A) bool
    air_commitment: np.ndarray   # (R, A) multiplier of every air unit of the actor
    ground_commitment: np.ndarray
    ceasefire_day: np.ndarray    # (R,) -1 while fighting
    rung: np.ndarray             # (R,) highest escalation rung reached (index)
    fired: np.ndarray            # (R, A, A) bool: a has fired on b (cumulative)
    downed: np.ndarray           # (R, A, A) bool: a has downed an aircraft or drone of b
    # advance along routes
    progress: np.ndarray         # (R, D) km made along each directed edge
    edge_len: np.ndarray         # (R, D) km
    # losses by actor
    losses: dict[str, np.ndarray]
    params: dict[str, np.ndarray]
    chosen: np.ndarray | None = None   # (R, A, O) bool: options chosen (strategy layer)
    # escalation ladder (strategy/escalation.py): first day each rung was reached (-1: never), and how
    reached_day: np.ndarray | None = None   # (R, K)
    reached_by: np.ndarray | None = None    # (R, K) 0 not reached, 1 start, 2 trigger, 3 decision
    # the settlement's inputs, recorded on the day of the ceasefire (strategy/settlement.py)
    ceasefire_control: np.ndarray | None = None     # (R, P) actor holding each place (-1: no ceasefire)
    ceasefire_capability: np.ndarray | None = None  # (R, A) battlefield multiplier of capability
    derived: dict = field(default_factory=dict)   # arrays derived once per block from the fixed ones

    @property
    def fighting(self) -> np.ndarray:
        return self.ceasefire_day < 0


def initial_state(th: Theatre, draws: Draws) -> State:
    s = th.scenario
    n = draws.n
    f = s.forces
    params = {name: draws.param(name) for name in th.parameters}

    def g(attr):
        return draws.table("ground", th.ground, f.ground, attr)

    def w(attr):
        return draws.table("air", th.wings, f.air, attr)

    def d(attr):
        return draws.table("drones", th.drones, f.drones, attr)

    def b(attr):
        return draws.table("air_defence", th.batteries, f.air_defence, attr)

    pers = np.round(g("personnel"))
    A, D = th.n_actors, len(th.edge_src)
    road = params["road-factor"][:, None]
    sourced = np.nan_to_num(th.edge_km, nan=0.0)[None, :]
    derived = th.dist_km[th.edge_src, th.edge_dst][None, :] * road
    edge_len = np.where(np.isnan(th.edge_km)[None, :], derived, sourced)
    missiles = np.round(b("missiles"))
    return State(
        n=n, day=0,
        control=np.broadcast_to(th.control0, (n, th.n_places)).astype(np.int64),
        pers=pers, tanks=np.round(g("tanks")), ifvs=np.round(g("ifvs")), art=np.round(g("artillery")),
        pers0=pers.copy(),
        loc=np.broadcast_to(th.g_place, (n, len(th.ground))).astype(np.int64),
        posture=np.broadcast_to(th.g_posture, (n, len(th.ground))).astype(np.int64),
        broken=np.zeros((n, len(th.ground)), dtype=bool),
        quality=g("quality"), morale=g("morale"), breakpoint=g("breakpoint"), g_commit=g("commitment"),
        aircraft=np.round(w("aircraft")), sortie_rate=w("sortie_rate"), a2a=w("air_to_air"),
        w_strike=w("strike_kills"), w_sead=w("sead_kills"), w_commit=w("commitment"),
        drones=np.round(d("count")), d_sorties=d("sorties_per_day"), d_strike=d("strike_kills"),
        d_armour=d("armour_kills"), d_sead=d("sead_kills"), d_commit=d("commitment"),
        alive=np.ones((n, len(th.batteries)), dtype=bool), missiles=missiles, missiles0=missiles.copy(),
        reload=b("reload_per_day"), pe=b("engagement_prob"), pk=b("kill_prob"),
        fires_on=np.broadcast_to(th.fires_on, (n, A, A)).copy(),
        air_commitment=np.ones((n, A)), ground_commitment=np.ones((n, A)),
        ceasefire_day=np.full(n, -1, dtype=np.int64),
        rung=np.zeros(n, dtype=np.int64),
        fired=np.zeros((n, A, A), dtype=bool), downed=np.zeros((n, A, A), dtype=bool),
        progress=np.zeros((n, D)), edge_len=edge_len,
        losses={k: np.zeros((n, A)) for k in LOSS_KINDS},
        params=params,
    )
