"""Compile a scenario into what the engine steps: index lists and one table per kind (:mod:`.tables`).

The engine never reads the scenario's pydantic objects in its daily step: everything it needs is
here, as NumPy arrays indexed by actor, camp, place, directed leg, formation, air wing, drone unit
and battery. What is drawn per run is in :mod:`.draws`, what changes day by day in :mod:`.state`.
"""

from __future__ import annotations

import functools
import math
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np

from flashpoint.engine.calibration import (
    apply_calibration,
    apply_campaign_speed,
    shipped_calibration,
    shipped_campaign_speed,
)
from flashpoint.engine.tables import (
    Batteries,
    DroneUnits,
    Formations,
    Jammers,
    Legs,
    Places,
    Plans,
    Tables,
    Wings,
    wing_groups,
)
from flashpoint.errors import FlashpointError
from flashpoint.scenario.distributions import is_uncertain
from flashpoint.scenario.metrics import counts_tally
from flashpoint.scenario.schema import MAX_DAY, Parameter, Scenario, Source

MISSIONS = ("counter-air", "sead", "cas", "interdiction", "strike")
POSTURES = ("attack", "defend", "hold", "reserve")
TERRAINS = ("urban", "open", "mixed", "rough", "mountain")
EARTH_RADIUS_KM = 6371.0


def prior_parameters() -> dict[str, Parameter]:
    """The engine's model constants as ``engine/parameters.toml`` gives them, before calibration."""
    return dict(_prior_parameters())


@functools.cache
def _parameters_file() -> dict[str, Any]:
    return tomllib.loads(resources.files("flashpoint.engine").joinpath("parameters.toml").read_text("utf-8"))


@functools.cache
def _prior_parameters() -> dict[str, Parameter]:
    return {name: Parameter.model_validate(p) for name, p in _parameters_file()["parameters"].items()}


def parameter_sources() -> dict[str, Source]:
    """The sources that ``engine/parameters.toml`` cites for the model constants, by id."""
    return {sid: Source.model_validate(src) for sid, src in _parameters_file().get("sources", {}).items()}


def default_parameters() -> dict[str, Parameter]:
    """The engine's model constants with their sources: ``engine/parameters.toml`` with the combat
    constants fitted to CDB90 (``engine/calibration/cdb90.json``, checked against the shipped data)
    in place of their priors, as distributions that carry the fit's standard errors."""
    return apply_campaign_speed(apply_calibration(prior_parameters(), shipped_calibration()),
                                *shipped_campaign_speed())


def great_circle_km(lat1, lon1, lat2, lon2):
    """Haversine distance on a sphere of radius 6371 km."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi, dlmb = p2 - p1, np.radians(lon2) - np.radians(lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a))


@dataclass
class CompiledTheatre:
    """A scenario compiled for the engine: what is fixed in every run, as index arrays, with one
    table per kind (:mod:`.tables`). Not to be confused with the scenario file's description of a
    theatre (:class:`flashpoint.scenario.schema.Scenario`), which it is compiled from."""

    scenario: Scenario
    actors: list[str]
    camps: list[str]
    places: list[str]               # place ids, in the order of every (.., P) array
    formation_ids: list[str]        # ground formations, in the order of the formations table
    wing_ids: list[str]
    drone_ids: list[str]
    battery_ids: list[str]
    fires_on: np.ndarray            # (A, A) bool: actor a engages actor b at the start
    tables: Tables                  # one table per kind, as the kernels take them
    routes: dict[str, np.ndarray]   # route id -> place indices
    parameters: dict[str, Parameter]
    rung_ids: list[str]
    uncertain: dict[str, Any] = field(default_factory=dict)   # path -> distribution drawn per run
    jammer_ids: list[str] = field(default_factory=list)

    @property
    def n_actors(self) -> int:
        return len(self.actors)

    @property
    def n_places(self) -> int:
        return len(self.places)

    def actor_index(self, aid: str) -> int:
        return self.actors.index(aid)

    # each table read by name, ``th.formations`` for ``th.tables.formations``
    map = property(lambda self: self.tables.map, doc="The places (:class:`.tables.Places`).")
    legs = property(lambda self: self.tables.legs, doc="The directed road legs (:class:`.tables.Legs`).")
    formations = property(lambda self: self.tables.formations, doc="Ground formations (:class:`.tables.Formations`).")
    wings = property(lambda self: self.tables.wings, doc="Air wings (:class:`.tables.Wings`).")
    drone_units = property(lambda self: self.tables.drone_units, doc="Drone units (:class:`.tables.DroneUnits`).")
    batteries = property(lambda self: self.tables.batteries, doc="Air-defence batteries (:class:`.tables.Batteries`).")
    actor_camp = property(lambda self: self.tables.actor_camp, doc="(A,) int: camp of each actor.")
    plans = property(lambda self: self.tables.plans, doc="The actors' operational plans (:class:`.tables.Plans`).")
    jammers = property(lambda self: self.tables.jammers, doc="Jammers (:class:`.tables.Jammers`).")
    tally = property(lambda self: self.tables.tally,
                     doc="Whether the scenario uses an air mechanism of docs/model.md, \"Air\", 8-10 (stock, "
                         "stand-off, jammers, adaptation) or names what they count (an outcome, claim, "
                         "trigger or backtest loss on a kind of TALLY_KINDS): only then are losses by cause "
                         "and munitions used counted and reported (flashpoint.scenario.metrics).")


def _fires_on(s: Scenario, actors: list[str], camps: list[str]) -> np.ndarray:
    hostile = np.zeros((len(camps), len(camps)), dtype=bool)
    for cid, camp in s.camps.items():
        for other in camp.hostile_to:
            hostile[camps.index(cid), camps.index(other)] = True
    hostile |= hostile.T
    camp_of = np.array([camps.index(s.actors[a].camp) for a in actors])
    fires = hostile[camp_of][:, camp_of]
    for i, aid in enumerate(actors):
        listed = s.actors[aid].fires_on
        if listed is not None:
            fires[i] = False
            fires[i, [actors.index(b) for b in listed]] = True
    return fires


def _edges(s: Scenario, places: list[str]):
    pairs: dict[tuple[int, int], float] = {}
    for route in s.routes.values():
        idx = [places.index(p) for p in route.places]
        for leg, (u, v) in enumerate(zip(idx[:-1], idx[1:], strict=True)):
            km = math.nan if route.lengths_km is None else float(route.lengths_km[leg])
            key = (min(u, v), max(u, v))
            if key not in pairs or math.isnan(pairs[key]):
                pairs[key] = km
    src, dst, km = [], [], []
    for (u, v), length in sorted(pairs.items()):
        src += [u, v]
        dst += [v, u]
        km += [length, length]
    src, dst, km = np.array(src, dtype=np.int64), np.array(dst, dtype=np.int64), np.array(km)
    reverse = np.arange(len(src)) ^ 1
    n = len(places)
    degree = np.bincount(src, minlength=n)
    k = max(1, int(degree.max()) if len(src) else 1)
    nbr = np.full((n, k), -1, dtype=np.int64)
    nbr_edge = np.full((n, k), -1, dtype=np.int64)
    fill = np.zeros(n, dtype=np.int64)
    for e, (u, v) in enumerate(zip(src, dst, strict=True)):
        nbr[u, fill[u]] = v
        nbr_edge[u, fill[u]] = e
        fill[u] += 1
    return src, dst, km, reverse, nbr, nbr_edge


def _plans(s: Scenario, actors: list[str], places: list[str], formations: list[str]) -> Plans:
    """The scenario's plans as index arrays (docs/model.md, "Plans")."""
    a_idx, p_idx = {a: i for i, a in enumerate(actors)}, {p: i for i, p in enumerate(places)}
    has_plan = np.zeros(len(actors), dtype=bool)
    axis_weight = np.zeros((len(actors), len(places), len(places)))
    objectives, axes, reserves, late = [], [], [], []
    for plan in s.plans.values():
        a = a_idx[plan.actor]
        has_plan[a] = True
        top = max([x.priority for x in plan.axes.values()] + [o.priority for o in plan.objectives.values()])
        axis_ids = list(plan.axes)
        for axis in plan.axes.values():
            axes.append((a, [p_idx[p] for p in axis.places]))
            for k, p in enumerate(axis.places):
                v, w = p_idx[p], axis.priority / top
                behind = np.zeros(len(places), dtype=bool)
                behind[[p_idx[q] for q in axis.places[k + 1:]]] = True     # attacking v from there goes backwards
                if axis.first_day > 0:
                    late.append((a, v, w, axis.first_day, behind))
                else:
                    axis_weight[a, ~behind, v] = np.maximum(axis_weight[a, ~behind, v], w)
        objectives += [(a, p_idx[o.place], o.priority / top, o.pause_days, o.first_day)
                       for o in plan.objectives.values()]
        reserves += [(formations.index(fid), -1 if r.place is None else p_idx[r.place],
                      -1 if r.axis is None else len(axes) - len(axis_ids) + axis_ids.index(r.axis),
                      r.day, POSTURES.index(r.posture)) for fid, r in plan.reserves.items()]
    width = max([len(x[1]) for x in axes], default=1)
    axis_places = np.full((len(axes), width), -1, dtype=np.int64)
    for x, (_, idx) in enumerate(axes):
        axis_places[x, :len(idx)] = idx

    def col(rows, j, dtype):
        return np.array([row[j] for row in rows], dtype=dtype)

    return Plans(has_plan=has_plan, axis_weight=axis_weight,
                 late_actor=col(late, 0, np.int64), late_place=col(late, 1, np.int64),
                 late_weight=col(late, 2, float), late_first=col(late, 3, np.int64),
                 late_behind=np.array([x[4] for x in late], dtype=bool).reshape(len(late), len(places)),
                 obj_actor=col(objectives, 0, np.int64), obj_place=col(objectives, 1, np.int64),
                 obj_weight=col(objectives, 2, float), obj_pause=col(objectives, 3, np.int64),
                 obj_first=col(objectives, 4, np.int64),
                 axis_actor=np.array([x[0] for x in axes], dtype=np.int64), axis_places=axis_places,
                 res_formation=col(reserves, 0, np.int64), res_place=col(reserves, 1, np.int64),
                 res_axis=col(reserves, 2, np.int64), res_day=col(reserves, 3, np.int64),
                 res_posture=col(reserves, 4, np.int64))


def compile_theatre(s: Scenario, overrides: dict[str, float] | None = None) -> CompiledTheatre:
    """The scenario as arrays, with engine defaults merged under the scenario's parameters and
    ``overrides`` (from ``--set``) on top."""
    actors, camps, places = list(s.actors), list(s.camps), list(s.places)
    a_idx = {a: i for i, a in enumerate(actors)}
    p_idx = {p: i for i, p in enumerate(places)}
    lat = np.array([s.places[p].lat for p in places])
    lon = np.array([s.places[p].lon for p in places])
    src, dst, km, reverse, nbr, nbr_edge = _edges(s, places)

    params = default_parameters()
    unknown = sorted(set(s.parameters) - set(params))
    if unknown:
        raise FlashpointError(
            f"scenario '{s.meta.id}': [parameters] names {', '.join(unknown)}, which the engine does not use; "
            f"known: {', '.join(sorted(params))}")
    params.update(s.parameters)
    for name, value in (overrides or {}).items():
        if name not in params:
            raise FlashpointError(f"--set {name}: unknown parameter; known: {', '.join(sorted(params))}")
        lo, hi = params[name].limits()
        if not (math.isfinite(value) and lo <= value <= hi):
            raise FlashpointError(f"--set {name}={value:g}: outside the allowed range [{lo:g}, {hi:g}]")
        params[name] = params[name].model_copy(update={"value": float(value)})

    g, w, d, b = s.forces.ground, s.forces.air, s.forces.drones, s.forces.air_defence
    missions = np.array([[wing.missions.get(m, 0.0) for m in MISSIONS] for wing in w.values()]).reshape(-1, 5)
    total = missions.sum(axis=1, keepdims=True)
    missions = np.divide(missions, total, out=np.zeros_like(missions), where=total > 0)

    uncertain: dict[str, Any] = {}
    for kind in ("ground", "air", "drones", "air_defence", "jammers", "adaptation"):
        for fid, force in getattr(s.forces, kind).items():
            for name, value in force:
                if is_uncertain(value):
                    uncertain[f"forces.{kind}.{fid}.{name}"] = value
    for name, param in params.items():
        if is_uncertain(param.value):
            uncertain[f"parameters.{name}"] = param.value
    for pid, plan in s.plans.items():
        if is_uncertain(plan.opportunism):
            uncertain[f"plans.{pid}.opportunism"] = plan.opportunism

    f_owner = np.array([a_idx[f.owner] for f in g.values()], dtype=np.int64)
    w_owner = np.array([a_idx[x.owner] for x in w.values()], dtype=np.int64)
    w_base = np.array([p_idx[x.base] for x in w.values()], dtype=np.int64)
    w_range = np.array([x.range_km for x in w.values()], dtype=float)
    d_base = np.array([p_idx[x.base] for x in d.values()], dtype=np.int64)
    d_range = np.array([x.range_km for x in d.values()], dtype=float)
    b_place = np.array([p_idx[x.place] for x in b.values()], dtype=np.int64)
    b_range = np.array([x.range_km for x in b.values()], dtype=float)
    dist = great_circle_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    j = s.forces.jammers
    j_place = np.array([p_idx[x.place] for x in j.values()], dtype=np.int64)
    j_cover = dist[j_place] <= np.array([x.reach_km for x in j.values()], dtype=float)[:, None]
    wing_reach = dist[w_base] <= w_range[:, None]
    w_standoff = np.array([x.standoff_km for x in w.values()], dtype=float)
    group, group_owner, group_reach, group_standoff = wing_groups(w_owner, wing_reach, w_standoff)
    tables = Tables(
        map=Places(value=np.array([s.places[p].value for p in places]),
                   terrain=np.array([TERRAINS.index(s.places[p].terrain) for p in places]),
                   control0=np.array([a_idx[s.control[p]] for p in places]),
                   dist_km=dist, nbr=nbr, nbr_edge=nbr_edge),
        legs=Legs(src=src, dst=dst, km=km, reverse=reverse),
        formations=Formations(
            owner=f_owner, place=np.array([p_idx[f.place] for f in g.values()], dtype=np.int64),
            posture=np.array([POSTURES.index(f.posture) for f in g.values()], dtype=np.int64),
            pulls_out=np.array([f.pulls_out for f in g.values()], dtype=bool),
            arrives=np.array([f.arrives_day for f in g.values()], dtype=np.int64)),
        wings=Wings(owner=w_owner, base=w_base, range_km=w_range, missions=missions,
                    arrives=np.array([x.arrives_day for x in w.values()], dtype=np.int64),
                    battery_reach=dist[w_base][:, b_place] <= w_range[:, None],
                    group=group, group_owner=group_owner, group_reach=group_reach,
                    group_standoff=group_standoff),
        drone_units=DroneUnits(owner=np.array([a_idx[x.owner] for x in d.values()], dtype=np.int64),
                               base=d_base, range_km=d_range,
                               arrives=np.array([x.arrives_day for x in d.values()], dtype=np.int64),
                               reach=dist[d_base] <= d_range[:, None],
                               battery_reach=dist[d_base][:, b_place] <= d_range[:, None],
                               standoff_km=np.array([x.standoff_km for x in d.values()], dtype=float),
                               has_stock=np.array([x.stock is not None for x in d.values()], dtype=bool)),
        batteries=Batteries(owner=np.array([a_idx[x.owner] for x in b.values()], dtype=np.int64),
                            place=b_place, range_km=b_range,
                            arrives=np.array([x.arrives_day for x in b.values()], dtype=np.int64),
                            cover=dist[b_place] <= b_range[:, None]),
        jammers=Jammers(owner=np.array([a_idx[x.owner] for x in j.values()], dtype=np.int64),
                        cover=j_cover.reshape(len(j), len(places)),
                        battery_cover=j_cover.reshape(len(j), len(places))[:, b_place],
                        from_day=np.array([x.from_day for x in j.values()], dtype=np.int64),
                        until_day=np.array([MAX_DAY if x.until_day is None else x.until_day for x in j.values()],
                                           dtype=np.int64)),
        actor_camp=np.array([camps.index(s.actors[a].camp) for a in actors]),
        plans=_plans(s, actors, places, list(g)),
        tally=counts_tally(s))
    return CompiledTheatre(
        scenario=s, actors=actors, camps=camps, places=places,
        formation_ids=list(g), wing_ids=list(w), drone_ids=list(d), battery_ids=list(b),
        fires_on=_fires_on(s, actors, camps),
        tables=tables, jammer_ids=list(j),
        routes={rid: np.array([p_idx[p] for p in r.places]) for rid, r in s.routes.items()},
        parameters=params,
        rung_ids=[r.id for r in s.escalation.rungs],
        uncertain=uncertain,
    )
