"""Compile a scenario into the arrays the engine steps: indices, geometry and per-run draws.

The engine never reads the scenario's pydantic objects in its daily step: everything it needs is
here, as NumPy arrays indexed by actor, camp, place, directed edge, formation, air wing, drone unit
and battery, with the run as the first axis of whatever was drawn per run.
"""

from __future__ import annotations

import functools
import math
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np

from flashpoint.engine.rng import keyed_uniforms, keyed_uniforms_many, stream_key
from flashpoint.errors import FlashpointError
from flashpoint.scenario.distributions import is_uncertain
from flashpoint.scenario.schema import Parameter, Scenario, Source

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
    from flashpoint.engine.calibration import apply_calibration, shipped_calibration

    return apply_calibration(prior_parameters(), shipped_calibration())


def great_circle_km(lat1, lon1, lat2, lon2):
    """Haversine distance on a sphere of radius 6371 km."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi, dlmb = p2 - p1, np.radians(lon2) - np.radians(lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a))


@dataclass
class Theatre:
    """The static, run-independent description of a scenario, as index arrays."""

    scenario: Scenario
    actors: list[str]
    camps: list[str]
    places: list[str]
    actor_camp: np.ndarray          # (A,) camp index
    fires_on: np.ndarray            # (A, A) bool: actor a engages actor b at the start
    place_value: np.ndarray         # (P,)
    place_terrain: np.ndarray       # (P,) index into TERRAINS
    control0: np.ndarray            # (P,) actor index
    dist_km: np.ndarray             # (P, P) great-circle distance
    edge_src: np.ndarray            # (D,) directed edges u -> v
    edge_dst: np.ndarray
    edge_km: np.ndarray             # (D,) sourced length, NaN where it comes from the road factor
    edge_reverse: np.ndarray        # (D,) index of v -> u
    nbr: np.ndarray                 # (P, K) neighbour place or -1
    nbr_edge: np.ndarray            # (P, K) directed edge u -> nbr or -1
    routes: dict[str, np.ndarray]   # route id -> place indices
    ground: list[str]
    g_owner: np.ndarray
    g_place: np.ndarray
    g_posture: np.ndarray
    g_pulls_out: np.ndarray
    g_arrives: np.ndarray
    wings: list[str]
    w_owner: np.ndarray
    w_base: np.ndarray
    w_range: np.ndarray
    w_missions: np.ndarray          # (W, 5) shares, rows sum to 1
    w_arrives: np.ndarray
    drones: list[str]
    d_owner: np.ndarray
    d_base: np.ndarray
    d_range: np.ndarray
    d_arrives: np.ndarray
    batteries: list[str]
    b_owner: np.ndarray
    b_place: np.ndarray
    b_range: np.ndarray
    b_arrives: np.ndarray
    parameters: dict[str, Parameter]
    rung_ids: list[str]
    uncertain: dict[str, Any] = field(default_factory=dict)   # path -> distribution drawn per run

    @property
    def n_actors(self) -> int:
        return len(self.actors)

    @property
    def n_places(self) -> int:
        return len(self.places)

    def actor_index(self, aid: str) -> int:
        return self.actors.index(aid)


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


def compile_theatre(s: Scenario, overrides: dict[str, float] | None = None) -> Theatre:
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
    for kind in ("ground", "air", "drones", "air_defence"):
        for fid, force in getattr(s.forces, kind).items():
            for name, value in force:
                if is_uncertain(value):
                    uncertain[f"forces.{kind}.{fid}.{name}"] = value
    for name, param in params.items():
        if is_uncertain(param.value):
            uncertain[f"parameters.{name}"] = param.value

    th = Theatre(
        scenario=s, actors=actors, camps=camps, places=places,
        actor_camp=np.array([camps.index(s.actors[a].camp) for a in actors]),
        fires_on=_fires_on(s, actors, camps),
        place_value=np.array([s.places[p].value for p in places]),
        place_terrain=np.array([TERRAINS.index(s.places[p].terrain) for p in places]),
        control0=np.array([a_idx[s.control[p]] for p in places]),
        dist_km=great_circle_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :]),
        edge_src=src, edge_dst=dst, edge_km=km, edge_reverse=reverse, nbr=nbr, nbr_edge=nbr_edge,
        routes={rid: np.array([p_idx[p] for p in r.places]) for rid, r in s.routes.items()},
        ground=list(g), g_owner=np.array([a_idx[f.owner] for f in g.values()], dtype=np.int64),
        g_place=np.array([p_idx[f.place] for f in g.values()], dtype=np.int64),
        g_posture=np.array([POSTURES.index(f.posture) for f in g.values()], dtype=np.int64),
        g_pulls_out=np.array([f.pulls_out for f in g.values()], dtype=bool),
        g_arrives=np.array([f.arrives_day for f in g.values()], dtype=np.int64),
        wings=list(w), w_owner=np.array([a_idx[x.owner] for x in w.values()], dtype=np.int64),
        w_base=np.array([p_idx[x.base] for x in w.values()], dtype=np.int64),
        w_range=np.array([x.range_km for x in w.values()], dtype=float),
        w_missions=missions,
        w_arrives=np.array([x.arrives_day for x in w.values()], dtype=np.int64),
        drones=list(d), d_owner=np.array([a_idx[x.owner] for x in d.values()], dtype=np.int64),
        d_base=np.array([p_idx[x.base] for x in d.values()], dtype=np.int64),
        d_range=np.array([x.range_km for x in d.values()], dtype=float),
        d_arrives=np.array([x.arrives_day for x in d.values()], dtype=np.int64),
        batteries=list(b), b_owner=np.array([a_idx[x.owner] for x in b.values()], dtype=np.int64),
        b_place=np.array([p_idx[x.place] for x in b.values()], dtype=np.int64),
        b_range=np.array([x.range_km for x in b.values()], dtype=float),
        b_arrives=np.array([x.arrives_day for x in b.values()], dtype=np.int64),
        parameters=params,
        rung_ids=[r.id for r in s.escalation.rungs],
        uncertain=uncertain,
    )
    return th


# ------------------------------------------------------------------------------ per-run draws
class Draws:
    """Per-run values of a scenario's numbers for runs [start, stop) of a job seeded ``seed``."""

    def __init__(self, theatre: Theatre, seed: int, start: int, stop: int,
                 quantiles: dict[str, np.ndarray] | None = None):
        self.theatre, self.seed, self.start, self.stop = theatre, seed, start, stop
        self.n = stop - start
        self.key = stream_key(seed)
        self.quantiles = quantiles or {}
        self.used: set[str] = set()
        self._drawn: dict[str, np.ndarray] = {}
        self._row: dict[str, int] | None = None      # the theatre's uncertain paths, drawn at once
        self._uniforms = np.empty((0, 0))

    def uniforms(self, path: str) -> np.ndarray:
        """The keyed uniform numbers of ``path`` (see :func:`.rng.keyed_uniforms`); those of every
        uncertain value of the theatre are made together on first use."""
        if self._row is None:
            paths = list(self.theatre.uncertain)
            self._row = {p: i for i, p in enumerate(paths)}
            self._uniforms = keyed_uniforms_many(self.key, paths, self.start, self.stop)
        i = self._row.get(path)
        return self._uniforms[i] if i is not None else keyed_uniforms(self.key, path, self.start, self.stop)

    def value(self, path: str, q: Any) -> np.ndarray:
        """The per-run values of the number at ``path``: drawn, or, for a path given in
        ``quantiles`` (an experimental design), the distribution's quantiles at those levels."""
        if is_uncertain(q):
            if path in self._drawn:          # a value is read by the state and again as an input
                return self._drawn[path]
            if path in self.quantiles:
                self.used.add(path)
                u = np.clip(np.asarray(self.quantiles[path], dtype=float)[self.start:self.stop], 1e-12, 1 - 1e-12)
            else:
                u = self.uniforms(path)
            # kept writeable: the compiled kernels see read-only arrays as another type to compile for
            self._drawn[path] = np.asarray(q.ppf(u), dtype=float)
            return self._drawn[path]
        return np.full(self.n, float(q))

    def param(self, name: str) -> np.ndarray:
        return self.value(f"parameters.{name}", self.theatre.parameters[name].value)

    def table(self, kind: str, ids: list[str], entries: dict, attr: str) -> np.ndarray:
        """(runs, len(ids)) draws of one attribute of a table of forces."""
        out = np.empty((self.n, len(ids)))
        for j, i in enumerate(ids):
            q = getattr(entries[i], attr)
            out[:, j] = self.value(f"forces.{kind}.{i}.{attr}", q) if is_uncertain(q) else float(q)
        return out
