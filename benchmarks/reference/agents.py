"""The agents of the reference model: one object per ground formation, air wing, drone unit and
air-defence battery, each holding its own numbers for one run.

Every uncertain number of the scenario (a distribution) is drawn once per run, when the agent is
made, with the model's own ``numpy.random.Generator``; strengths and counts are rounded to whole
numbers. The daily rules that act on several agents at once live in :mod:`.air` and :mod:`.ground`;
an agent only knows the rules about itself (its combat power, its sorties, its losses).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import mesa

from flashpoint.engine.theatre import MISSIONS

if TYPE_CHECKING:
    from benchmarks.reference.model import TheatreModel


def stochastic_round(model: TheatreModel, x: float) -> int:
    """Round down, or up with probability equal to the fraction, so that the mean is kept."""
    base = math.floor(x)
    return base + (1 if model.rng.random() < x - base else 0)


class Formation(mesa.Agent):
    """A ground formation.

    Combat power (Dupuy's quantified judgement, weights are model parameters)::

        P = (personnel + w_tank tanks + w_ifv IFVs + w_art guns) x quality x (1 + m (morale - 0.5))
            x commitment x the owner's ground commitment  [x broken-power once broken]
        x air-superiority-power^(g - 1/2), g its owner's degree of air superiority over its place

    and zero before the formation arrives or once it has no personnel left.
    """

    def __init__(self, model: TheatreModel, fid: str, spec):
        super().__init__(model)
        th = model.theatre
        self.fid = fid
        self.owner = th.actor_index(spec.owner)
        self.camp = model.camp_of[self.owner]
        self.place = th.places.index(spec.place)
        self.personnel = round(model.draw(spec.personnel))
        self.tanks = round(model.draw(spec.tanks))
        self.ifvs = round(model.draw(spec.ifvs))
        self.artillery = round(model.draw(spec.artillery))
        self.personnel0 = self.personnel
        self.quality = model.draw(spec.quality)
        self.morale = model.draw(spec.morale)
        self.breakpoint = model.draw(spec.breakpoint)
        self.commitment = model.draw(spec.commitment)
        self.posture = spec.posture
        self.pulls_out = spec.pulls_out
        self.arrives_day = spec.arrives_day
        self.broken = False

    @property
    def present(self) -> bool:
        return self.model.day >= self.arrives_day

    @property
    def heavy(self) -> int:
        return self.tanks + self.ifvs + self.artillery

    def power(self, degree: float = 0.5) -> float:
        """Combat power; ``degree``: its owner's degree of air superiority over its place today."""
        m = self.model
        if not self.present or self.personnel <= 0:
            return 0.0
        p = m.params
        raw = (self.personnel + p["tank-weight"] * self.tanks + p["ifv-weight"] * self.ifvs
               + p["artillery-weight"] * self.artillery)
        mult = (self.quality * (1 + p["morale-weight"] * (self.morale - 0.5)) * self.commitment
                * m.ground_commitment[self.owner])
        if self.broken:
            mult *= p["broken-power"]
        mult *= p["air-superiority-power"] ** (degree - 0.5)
        return raw * max(mult, 0.0)

    def posture_factor(self) -> float:
        """Defence multiplier of its posture: hasty (defend) or prepared (hold) defence, else 1."""
        if self.posture == "defend":
            return self.model.params["posture-defend"]
        if self.posture == "hold":
            return self.model.params["posture-hold"]
        return 1.0

    def lose(self, killed: int, tanks: int, ifvs: int, artillery: int, dead: int | None = None) -> None:
        """Take losses and book them to the owner: ``killed`` personnel out of action, ``dead`` of
        them killed (all of them when not given)."""
        if dead is None:
            dead = killed
        if killed > self.personnel:
            dead, killed = dead * self.personnel / killed, self.personnel
        dead = min(dead, killed)
        tanks, ifvs, artillery = min(tanks, self.tanks), min(ifvs, self.ifvs), min(artillery, self.artillery)
        self.personnel -= killed
        self.tanks -= tanks
        self.ifvs -= ifvs
        self.artillery -= artillery
        book = self.model.book
        book(self.owner, "personnel_killed", dead)
        book(self.owner, "personnel_lost", killed)
        book(self.owner, "tanks_lost", tanks)
        book(self.owner, "ifvs_lost", ifvs)
        book(self.owner, "artillery_lost", artillery)

    def lose_pieces(self, killed: int, mean_pieces: float) -> None:
        """Air strikes: lose ``killed`` personnel, and of each kind of heavy weapon a Poisson number
        with that kind's share of ``mean_pieces`` (capped at what it has)."""
        rng, heavy = self.model.rng, self.heavy
        if heavy > 0 and mean_pieces > 0:
            tanks, ifvs, artillery = (int(rng.poisson(mean_pieces * n / heavy))
                                      for n in (self.tanks, self.ifvs, self.artillery))
        else:
            tanks = ifvs = artillery = 0
        self.lose(killed, tanks, ifvs, artillery)

    def lose_share(self, killed: int) -> None:
        """Attrition: ``killed`` personnel out of action, killed-share of them (binomially) killed, and
        each kind of heavy weapon lost binomially at the share of personnel lost."""
        rng = self.model.rng
        share = killed / self.personnel if self.personnel > 0 else 0.0
        self.lose(killed, int(rng.binomial(self.tanks, share)), int(rng.binomial(self.ifvs, share)),
                  int(rng.binomial(self.artillery, share)),
                  dead=int(rng.binomial(int(killed), self.model.params["killed-share"])))

    def destroy(self) -> None:
        """Lose every person (killed-share of them killed, binomially) and every weapon."""
        dead = int(self.model.rng.binomial(int(self.personnel), self.model.params["killed-share"]))
        self.lose(self.personnel, self.tanks, self.ifvs, self.artillery, dead=dead)


class AirWing(mesa.Agent):
    """A wing of aircraft: today's sorties are ``aircraft x sortie rate x commitment x the owner's
    air commitment``, rounded stochastically, and split over missions by its doctrine weights
    (fractions of a sortie are kept: they are expected sorties)."""

    def __init__(self, model: TheatreModel, wid: str, spec):
        super().__init__(model)
        th = model.theatre
        self.wid = wid
        self.owner = th.actor_index(spec.owner)
        self.base = th.places.index(spec.base)
        self.range_km = spec.range_km
        total = sum(spec.missions.values())
        self.doctrine = {m: (spec.missions.get(m, 0.0) / total if total > 0 else 0.0) for m in MISSIONS}
        self.aircraft = round(model.draw(spec.aircraft))
        self.sortie_rate = model.draw(spec.sortie_rate)
        self.air_to_air = model.draw(spec.air_to_air)
        self.strike_kills = model.draw(spec.strike_kills)
        self.sead_kills = model.draw(spec.sead_kills)
        self.commitment = model.draw(spec.commitment)
        self.arrives_day = spec.arrives_day
        self.sorties = 0
        self.mission = dict.fromkeys(MISSIONS, 0.0)

    def can_fly(self) -> bool:
        """Has aircraft able to fly today (available x sortie rate x commitments > 0)."""
        m = self.model
        return (m.day >= self.arrives_day
                and self.aircraft * self.sortie_rate * self.commitment * m.air_commitment[self.owner] > 0)

    def fly(self) -> None:
        m = self.model
        if m.fighting and m.day >= self.arrives_day:
            self.sorties = stochastic_round(
                m, self.aircraft * self.sortie_rate * self.commitment * m.air_commitment[self.owner])
        else:
            self.sorties = 0
        self.mission = {name: self.sorties * share for name, share in self.doctrine.items()}

    def reaches(self, place: int) -> bool:
        return self.model.theatre.map.dist_km[self.base, place] <= self.range_km


class DroneUnit(mesa.Agent):
    """Armed drones: today's sorties are ``count x sorties per day x commitment x the owner's air
    commitment``, rounded stochastically."""

    def __init__(self, model: TheatreModel, did: str, spec):
        super().__init__(model)
        th = model.theatre
        self.did = did
        self.owner = th.actor_index(spec.owner)
        self.base = th.places.index(spec.base)
        self.range_km = spec.range_km
        self.count = round(model.draw(spec.count))
        self.sorties_per_day = model.draw(spec.sorties_per_day)
        self.strike_kills = model.draw(spec.strike_kills)
        self.armour_kills = model.draw(spec.armour_kills)
        self.sead_kills = model.draw(spec.sead_kills)
        self.commitment = model.draw(spec.commitment)
        self.arrives_day = spec.arrives_day
        self.sorties = 0

    def can_fly(self) -> bool:
        """Has drones able to fly today (count x sorties per day x commitments > 0)."""
        m = self.model
        return (m.day >= self.arrives_day
                and self.count * self.sorties_per_day * self.commitment * m.air_commitment[self.owner] > 0)

    def fly(self) -> None:
        m = self.model
        if m.fighting and m.day >= self.arrives_day:
            self.sorties = stochastic_round(
                m, self.count * self.sorties_per_day * self.commitment * m.air_commitment[self.owner])
        else:
            self.sorties = 0

    def reaches(self, place: int) -> bool:
        return self.model.theatre.map.dist_km[self.base, place] <= self.range_km


class Battery(mesa.Agent):
    """An air-defence battery: it engages a sortie over a place inside its range with probability
    ``e`` (its engagement probability, cut for the day by SEAD) and kills it with ``pk``; each
    engagement uses a missile, and ``reload_per_day`` missiles come back at the end of the day, up
    to the load it started with."""

    def __init__(self, model: TheatreModel, bid: str, spec):
        super().__init__(model)
        th = model.theatre
        self.bid = bid
        self.owner = th.actor_index(spec.owner)
        self.place = th.places.index(spec.place)
        self.range_km = spec.range_km
        self.engagement_prob = model.draw(spec.engagement_prob)
        self.kill_prob = model.draw(spec.kill_prob)
        self.missiles = round(model.draw(spec.missiles))
        self.missiles0 = self.missiles
        self.reload_per_day = model.draw(spec.reload_per_day)
        self.arrives_day = spec.arrives_day
        self.alive = True
        self.engagement_today = self.engagement_prob

    @property
    def on(self) -> bool:
        """Alive and arrived."""
        return self.alive and self.model.day >= self.arrives_day

    @property
    def ready(self) -> bool:
        """Can fire today: alive, arrived, with a missile left."""
        return self.on and self.missiles >= 1

    def covers(self, place: int) -> bool:
        return self.model.theatre.map.dist_km[self.place, place] <= self.range_km
