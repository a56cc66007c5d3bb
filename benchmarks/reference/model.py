"""The reference model: the engine's daily rules written plainly with Mesa, one run per model.

One :class:`TheatreModel` is one future of a scenario. It holds the places, who controls them,
the road legs with the progress made along them, the political state (who fires on whom, what
each actor has fired on and downed, the escalation rung) and the agents
(:mod:`benchmarks.reference.agents`). One :meth:`TheatreModel.step` is one day:

1. **strategy**: nobody changes course (the engine's ``Continue``, its strategy for a scenario
   without ``[decisions]``; a scenario's decisions are not played here);
2. **plan**: where today's ground attacks go (:func:`.ground.plan_attacks`);
3. **air**: sorties, SEAD, counter-air, air defence, ground attack (:func:`.air.air_day`);
4. **ground**: pull-outs, attrition, advance, capture, retreat, breakpoints (:func:`.ground.ground_day`);
5. **escalation**: the rungs reached so far (:func:`escalation_day`);
6. **record**: places held by each camp and the rung (Mesa ``DataCollector``).

The rules are the ones the docstrings of ``flashpoint.engine.air`` and ``flashpoint.engine.ground``
state, applied object by object with plain loops. The static description of the scenario (index
of actors and places, great-circle distances, road legs and the order of each place's
neighbours, merged model constants) comes from ``flashpoint.engine.theatre.compile_theatre``;
nothing of the vectorised step is used.

Where the vectorised engine's code departs from its own documented rules, the reference follows
the documented rule unless the departure is named in ``reproduce`` (see :data:`ENGINE_DEVIATIONS`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import mesa
import numpy as np

from benchmarks.reference.agents import AirWing, Battery, DroneUnit, Formation
from benchmarks.reference.air import air_day
from benchmarks.reference.ground import ground_day, plan_attacks
from flashpoint.engine.state import LOSS_KINDS
from flashpoint.engine.theatre import TERRAINS, CompiledTheatre
from flashpoint.scenario.distributions import is_uncertain
from flashpoint.scenario.schema import Scenario

ENGINE_DEVIATIONS: dict[str, str] = {}
"""Known departures of the vectorised engine from its documented rules, by name. A reference
model made with ``reproduce=`` some of these names does what the engine's code does there."""


@dataclass
class Leg:
    """A directed road leg u -> v: its length (km) and the progress made along it."""

    index: int
    src: int
    dst: int
    length: float
    progress: float = 0.0


def fires_on_pairs(s: Scenario, actors: list[str]) -> set[tuple[int, int]]:
    """Who engages whom at the start: every actor of a hostile camp (hostility is mutual),
    unless the actor lists the actors it fires on."""
    hostile = {(c, o) for c, camp in s.camps.items() for o in camp.hostile_to}
    hostile |= {(o, c) for c, o in hostile}
    pairs = set()
    for i, a in enumerate(actors):
        listed = s.actors[a].fires_on
        for j, b in enumerate(actors):
            if listed is not None:
                if b in listed:
                    pairs.add((i, j))
            elif (s.actors[a].camp, s.actors[b].camp) in hostile:
                pairs.add((i, j))
    return pairs


class TheatreModel(mesa.Model):
    """One run of a scenario, stepped one day at a time."""

    def __init__(self, theatre: CompiledTheatre, rng: np.random.Generator, reproduce: frozenset[str] = frozenset()):
        super().__init__(rng=rng)
        unknown = set(reproduce) - set(ENGINE_DEVIATIONS)
        if unknown:
            raise ValueError(f"unknown engine deviations {sorted(unknown)}; known: {sorted(ENGINE_DEVIATIONS)}")
        self.reproduce = frozenset(reproduce)
        self.theatre = th = theatre
        s = th.scenario
        self.day = 0
        self.params = {name: self.draw(param.value) for name, param in th.parameters.items()}
        self.camp_of = [th.camps.index(s.actors[a].camp) for a in th.actors]
        self.control = [int(a) for a in th.map.control0]
        self.combat_days = [0] * th.n_places    # consecutive days of combat at each place
        self.fires = fires_on_pairs(s, th.actors)
        self.air_commitment = [1.0] * th.n_actors
        self.ground_commitment = [1.0] * th.n_actors
        self.ceasefire_day = -1
        self.rung = 0
        self.fired: set[tuple[int, int]] = set()
        self.downed: set[tuple[int, int]] = set()
        self.losses = {(a, kind): 0.0 for a in range(th.n_actors) for kind in LOSS_KINDS}
        self.terrain = [self.params.get(f"terrain-{TERRAINS[t]}", 1.0) for t in th.map.terrain]
        road = self.params["road-factor"]
        self.legs = [Leg(e, int(u), int(v),
                         float(th.map.dist_km[u, v] * road) if math.isnan(km) else float(km))
                     for e, (u, v, km) in enumerate(zip(th.legs.src, th.legs.dst, th.legs.km, strict=True))]
        self.neighbours: list[list[tuple[int, Leg]]] = [
            [(int(v), self.legs[int(e)]) for v, e in zip(th.map.nbr[p], th.map.nbr_edge[p], strict=True) if v >= 0]
            for p in range(th.n_places)]
        self.formations = [Formation(self, fid, f) for fid, f in s.forces.ground.items()]
        self.wings = [AirWing(self, wid, w) for wid, w in s.forces.air.items()]
        self.drone_units = [DroneUnit(self, did, d) for did, d in s.forces.drones.items()]
        self.batteries = [Battery(self, bid, b) for bid, b in s.forces.air_defence.items()]
        self.datacollector = mesa.DataCollector(model_reporters={
            "held": lambda m: m.held_by_camp(), "rung": "rung"})
        self.datacollector.collect(self)

    # ------------------------------------------------------------------------------ helpers
    def draw(self, q: Any) -> float:
        """One run's value of a scenario number: a draw from its distribution, or the number."""
        if is_uncertain(q):
            return float(q.sample(self.rng, 1)[0])
        return float(q)

    def fire(self, a: int, b: int) -> bool:
        """Does actor ``a`` engage actor ``b``?"""
        return (a, b) in self.fires

    def book(self, actor: int, kind: str, amount: float) -> None:
        self.losses[actor, kind] += amount

    def holder_camp(self, place: int) -> int:
        return self.camp_of[self.control[place]]

    def held_by_camp(self) -> list[int]:
        held = [0] * len(self.theatre.camps)
        for a in self.control:
            held[self.camp_of[a]] += 1
        return held

    @property
    def fighting(self) -> bool:
        return self.ceasefire_day < 0

    # ------------------------------------------------------------------------------ one day
    def step(self) -> None:
        self.day += 1
        # strategy: every actor keeps its course
        plan = plan_attacks(self)
        air_day(self, plan.engaged)
        ground_day(self, plan)
        escalation_day(self)
        self.datacollector.collect(self)

    def metrics(self) -> dict[str, float]:
        """Losses by ``actor.kind``, as the engine's summaries name them."""
        th = self.theatre
        return {f"{a}.{kind}": self.losses[i, kind] for kind in LOSS_KINDS for i, a in enumerate(th.actors)}


def escalation_day(m: TheatreModel) -> None:
    """A rung with a trigger is reached once one of its ``by`` actors has fired on (or, for
    ``aircraft-kill``, downed an aircraft or drone of) one of its ``on`` actors, and with
    ``mutual`` also the other way; the run's rung is the highest reached."""
    th = m.theatre
    for i, rung in enumerate(th.scenario.escalation.rungs):
        t = rung.reached_when
        if t is None:
            continue
        events = m.downed if t.what == "aircraft-kill" else m.fired
        by = [th.actor_index(a) for a in t.by]
        on = [th.actor_index(a) for a in t.on]
        reached = any((a, b) in events for a in by for b in on)
        if t.mutual:
            reached = reached and any((b, a) in events for a in by for b in on)
        if reached:
            m.rung = max(m.rung, i)
