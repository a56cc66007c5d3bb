"""The air war of one day in one run, wing by wing, drone unit by drone unit, battery by battery.

1. **Sorties**: each wing and drone unit flies its sorties (:mod:`.agents`); a wing's are split over
   counter-air, SEAD, close air support, interdiction and strike by its doctrine weights.
2. **SEAD/DEAD**: a wing's SEAD sorties are spread evenly over the live enemy batteries (of actors
   it fires on) within its range, and so are all the sorties of a drone unit that has a SEAD kill
   probability (they also go on to attack ground targets, step 5). A battery that wing
   SEAD sorties aim at has its engagement probability cut by ``sead-suppression`` for the day; it
   is destroyed with probability ``1 - prod(1 - k)^n`` over the (fractional) sorties n aimed at
   it, k being each one's ``sead_kills``.
3. **Counter-air**: actor a's fighters bring kill potential ``K_a = sum(counter-air sorties x
   air_to_air)``, of which they spend ``1 - exp(-T_a / S)`` (random search; S is ``counter-air-search``)
   on the sorties ``T_a`` flown by the actors it fires on (a drone sortie counts
   ``drone-air-exposure`` times); with ``H_a = K_a (1 - exp(-T_a / S)) / T_a``, a sortie of actor b
   is lost to fighters with probability ``1 - exp(-sum_a H_a)``, a drone sortie with
   ``1 - exp(-drone-air-exposure x sum_a H_a)``.
4. **Air defence**: a sortie of actor a over place p (a ground-attack sortie over its target's
   place; a SEAD sortie over its battery's place) is lost with probability ``1 - prod_k (1 - e_k
   pk_k)`` over the batteries k that are alive, have arrived, have a missile left, cover p and fire
   on a; for a drone, ``e_k`` is multiplied by ``drone-exposure`` (at most 1). A battery engages
   ``e_k`` of the sorties over the places it covers (``e_k x drone-exposure`` of drone sorties),
   and each engagement (a Poisson number of them) uses a missile.
5. **Ground attack**: close air support goes to the enemy formations (of actors it fires on, arrived
   and with personnel left) in reach that fight today, strike and interdiction to all enemy
   formations in reach, drone sorties to all enemy formations in reach, in proportion to their
   personnel. The surviving sorties (sorties x (1 - air-defence loss probability)) kill
   ``strike_kills`` personnel each on average (Poisson) and destroy ``cas-armour-share`` heavy
   weapons per person killed (aircraft) or ``armour_kills`` per sortie (drones), Poisson, taken at
   random from tanks, IFVs and guns.

A wing's losses are binomial: its sorties, each lost with ``1 - (1 - fighters) x (1 - mean
air-defence loss probability over its sorties)``. An actor has fired on another when its fighters
had kill potential against actors that flew, its batteries engaged the other's sorties, or its
sorties attacked the other's formations or batteries; it has downed an aircraft or drone of the
other when weapons of it that can kill (fighters with kill potential, batteries with a kill
probability above 0) engaged the other's aircraft or drones on a day the other lost one.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from benchmarks.reference.agents import AirWing, Battery, DroneUnit, Formation

if TYPE_CHECKING:
    from benchmarks.reference.model import TheatreModel

ALMOST_ONE = 1 - 1e-9


COUNTER_AIR_WEIGHT, STRIKE_WEIGHT, DRONE_WEIGHT = 1.0, 0.5, 0.25
"""Weights of a sortie in the air balance (docs/model.md, "Air superiority")."""


def air_superiority(m: TheatreModel) -> dict[tuple[int, int], float]:
    """Each actor's degree of air superiority over each place today, ``(actor, place) -> g``.

    A camp's effective sorties over a place: available x sortie rate x commitments of its units
    that have arrived and reach the place, weighted 1 (counter-air share of a wing's doctrine),
    1/2 (its other missions) or 1/4 (drones). g = the actor's camp's over those of its camp and of
    every other camp with an actor that fires on it; 1/2 where nobody flies.
    """
    th = m.theatre
    effective: dict[tuple[int, int], float] = {}
    units = [(w, w.aircraft * w.sortie_rate, STRIKE_WEIGHT + (COUNTER_AIR_WEIGHT - STRIKE_WEIGHT)
              * w.doctrine["counter-air"]) for w in m.wings]
    units += [(d, d.count * d.sorties_per_day, DRONE_WEIGHT) for d in m.drone_units]
    for unit, available, weight in units:
        sorties = available * unit.commitment * m.air_commitment[unit.owner] * weight
        if m.day < unit.arrives_day or sorties <= 0:
            continue
        for p in range(th.n_places):
            if unit.reaches(p):
                key = (m.camp_of[unit.owner], p)
                effective[key] = effective.get(key, 0.0) + sorties
    degree: dict[tuple[int, int], float] = {}
    for a in range(th.n_actors):
        enemies = {m.camp_of[b] for b in range(th.n_actors) if m.fire(b, a) and m.camp_of[b] != m.camp_of[a]}
        for p in range(th.n_places):
            own = effective.get((m.camp_of[a], p), 0.0)
            total = own + sum(effective.get((c, p), 0.0) for c in enemies)
            degree[a, p] = own / total if total > 0 else 0.5
    return degree


def sead_kill_probability(aimed: list[tuple[float, float]]) -> float:
    """Probability that a battery is destroyed by the SEAD sorties aimed at it: ``1 - prod(1 -
    k)^n`` over the (sorties n, kill probability k) of each wing or drone unit aiming at it."""
    log_spare = sum(n * math.log1p(-min(k, ALMOST_ONE)) for n, k in aimed)
    return -math.expm1(log_spare)


def _engagement(m: TheatreModel, b: Battery, drone: bool) -> float:
    e = b.engagement_today
    if drone:
        e = min(e * m.params["drone-exposure"], 1.0)
    return min(max(e * b.kill_prob, 0.0), ALMOST_ONE)


def air_day(m: TheatreModel, engaged: set[Formation]) -> None:
    p, rng = m.params, m.rng
    exposure = p["drone-exposure"]

    # 1. sorties
    for w in m.wings:
        w.fly()
    for d in m.drone_units:
        d.fly()

    # 2. SEAD / DEAD
    on = [b for b in m.batteries if b.on]
    wing_sead: list[tuple[AirWing, Battery, float]] = []
    drone_sead: list[tuple[DroneUnit, Battery, float]] = []
    for w in m.wings:
        aims = [b for b in on if m.fire(w.owner, b.owner) and w.reaches(b.place)]
        for b in aims:
            wing_sead.append((w, b, w.mission["sead"] / len(aims)))
    for d in m.drone_units:
        if d.sead_kills <= 0:
            continue
        aims = [b for b in on if m.fire(d.owner, b.owner) and d.reaches(b.place)]
        for b in aims:
            drone_sead.append((d, b, d.sorties / len(aims)))
    destroyed = []
    for b in on:
        aimed = [(n, unit.sead_kills) for unit, c, n in [*wing_sead, *drone_sead] if c is b]
        suppressed = sum(n for _, c, n in wing_sead if c is b) > 0
        b.engagement_today = b.engagement_prob * (1 - p["sead-suppression"] * suppressed)
        if rng.random() < sead_kill_probability(aimed):
            destroyed.append(b)
    for b in destroyed:
        b.alive = False
        m.book(b.owner, "air_defence_lost", 1)
    ready = [b for b in m.batteries if b.ready]

    # 4 (prepared). air-defence loss probability of a sortie of an actor over a place
    cache: dict[tuple[int, int, bool], float] = {}

    def ad_loss(actor: int, place: int, drone: bool) -> float:
        key = (actor, place, drone)
        if key not in cache:
            survive = 1.0
            for b in ready:
                if m.fire(b.owner, actor) and b.covers(place):
                    survive *= 1 - _engagement(m, b, drone)
            cache[key] = 1 - survive
        return cache[key]

    # 5 (targets). where the ground-attack sorties go
    present = [f for f in m.formations if f.present and f.personnel > 0]
    wing_to: dict[AirWing, dict[Formation, float]] = {}
    for w in m.wings:
        enemies = [f for f in present if m.fire(w.owner, f.owner) and w.reaches(f.place)]
        fighting = [f for f in enemies if f in engaged]
        total, total_fighting = sum(f.personnel for f in enemies), sum(f.personnel for f in fighting)
        to = {}
        for f in enemies:
            n = (w.mission["strike"] + w.mission["interdiction"]) * f.personnel / total
            if f in engaged:
                n += w.mission["cas"] * f.personnel / total_fighting
            to[f] = n
        wing_to[w] = to
    drone_to: dict[DroneUnit, dict[Formation, float]] = {}
    for d in m.drone_units:
        enemies = [f for f in present if m.fire(d.owner, f.owner) and d.reaches(f.place)]
        total = sum(f.personnel for f in enemies)
        drone_to[d] = {f: d.sorties * f.personnel / total for f in enemies}

    # 3. counter-air
    air_actors = sorted({w.owner for w in m.wings} | {d.owner for d in m.drone_units})
    potential = dict.fromkeys(air_actors, 0.0)
    flown = dict.fromkeys(air_actors, 0.0)
    for w in m.wings:
        potential[w.owner] += w.mission["counter-air"] * w.air_to_air
        flown[w.owner] += w.sorties
    for d in m.drone_units:
        flown[d.owner] += d.sorties * p["drone-air-exposure"]
    hazard = dict.fromkeys(air_actors, 0.0)
    for a in air_actors:
        targets = sum(flown[b] for b in air_actors if m.fire(a, b))
        for b in air_actors:
            if m.fire(a, b) and targets > 0:
                hazard[b] += potential[a] * -math.expm1(-targets / p["counter-air-search"]) / targets

    # losses of aircraft and drones
    lost_by = dict.fromkeys(air_actors, 0)
    for w in m.wings:
        expected = sum(n * ad_loss(w.owner, f.place, False) for f, n in wing_to[w].items())
        expected += sum(n * ad_loss(w.owner, b.place, False) for v, b, n in wing_sead if v is w)
        p_ad = min(expected / w.sorties, 1.0) if w.sorties > 0 else 0.0
        p_loss = 1 - math.exp(-hazard[w.owner]) * (1 - p_ad)
        lost = min(int(rng.binomial(w.sorties, p_loss)), w.aircraft)
        w.aircraft -= lost
        lost_by[w.owner] += lost
        m.book(w.owner, "aircraft_lost", lost)
    for d in m.drone_units:
        expected = sum(n * ad_loss(d.owner, f.place, True) for f, n in drone_to[d].items())
        p_ad = min(expected / d.sorties, 1.0) if d.sorties > 0 else 0.0
        p_loss = 1 - math.exp(-hazard[d.owner] * p["drone-air-exposure"]) * (1 - p_ad)
        lost = min(int(rng.binomial(d.sorties, p_loss)), d.count)
        d.count -= lost
        lost_by[d.owner] += lost
        m.book(d.owner, "uav_lost", lost)

    # engagements: sorties of each actor over each place, as the batteries see them
    over: dict[int, dict[int, float]] = {a: {} for a in air_actors}
    for w, to in wing_to.items():
        for f, n in to.items():
            over[w.owner][f.place] = over[w.owner].get(f.place, 0.0) + n
    for d, to in drone_to.items():
        for f, n in to.items():
            over[d.owner][f.place] = over[d.owner].get(f.place, 0.0) + n * exposure
    for w, b, n in wing_sead:
        over[w.owner][b.place] = over[w.owner].get(b.place, 0.0) + n
    for b in m.batteries:
        engaged_sorties = 0.0
        if b in ready:
            for a in air_actors:
                if not m.fire(b.owner, a):
                    continue
                n = sum(x for q, x in over[a].items() if b.covers(q))
                engaged_sorties += n
                if n * b.engagement_today > 0:
                    m.fired.add((b.owner, a))
                    if lost_by[a] > 0 and b.kill_prob > 0:
                        m.downed.add((b.owner, a))
        if engaged_sorties > 0:
            b.missiles = max(b.missiles - int(rng.poisson(engaged_sorties * b.engagement_today)), 0)
        if b.alive:
            b.missiles = min(b.missiles + b.reload_per_day, b.missiles0)
    for a in air_actors:
        for c in air_actors:
            if m.fire(a, c) and potential[a] > 0 and flown[c] > 0:
                m.fired.add((a, c))
                if lost_by[c] > 0:
                    m.downed.add((a, c))
    for to_of in (wing_to, drone_to):
        for unit, to in to_of.items():
            for f, n in to.items():
                if n > 0:
                    m.fired.add((unit.owner, f.owner))
    for unit, b, n in [*wing_sead, *drone_sead]:
        if n > 0:
            m.fired.add((unit.owner, b.owner))

    # 5. ground-attack effects
    share = p["cas-armour-share"]
    for f in present:
        kills = armour = 0.0
        for w, to in wing_to.items():
            if f in to:
                surviving = to[f] * (1 - ad_loss(w.owner, f.place, False))
                kills += surviving * w.strike_kills
                armour += surviving * w.strike_kills * share
        for d, to in drone_to.items():
            if f in to:
                surviving = to[f] * (1 - ad_loss(d.owner, f.place, True))
                kills += surviving * d.strike_kills
                armour += surviving * d.armour_kills
        if kills > 0 or armour > 0:
            f.lose_pieces(min(int(rng.poisson(kills)), f.personnel), armour)
