"""The ground war of one day in one run, formation by formation.

**Fronts.** Formations in attack posture that are not broken and have combat power attack from
their place u. Attack power A_u is the sum of their power; the defence power D_v of a place is the
sum over the formations on it of power x posture factor, times the terrain factor of v. From u they
go for the neighbour v, held by an actor that the holder of u fires on and that fires back (the
documented "held by actors that fire on each other"), maximising ``value(v) x min(A_u / D_v, 10)``
(the ratio is 10 where v is undefended), provided ``min(A_u / D_v, 10) >= attack-min-ratio``; ties
go to the first neighbour in route order. That is the main target. The attackers, in the scenario's
order, join it until the power sent there reaches ``capture-ratio x D_v`` (after at least one); the
next attacker and those after it choose the next target the same way with the power still unsent
(never a place already attacked from u), and so on; when no place is left to choose, the rest join
the main target. Formations fight today when they attack or when their place is attacked.

**Pull-outs.** A formation that pulls out leaves before the fight when the attack power arriving
at its place over the defence power there (after today's air strikes) reaches ``pull-out-ratio``.
It goes to the first neighbouring place its camp holds that is not attacked today, else the first
its camp holds; it takes no part in today's fight.

**Attrition** (Helmbold 1961): at a place attacked with power A > 0 (the power the attackers sent
there have after the air strikes) and defended with power D > 0 (after the air strikes and the
pull-outs), r = A / D; every
attacking formation loses the share ``min(max-daily-loss, rate x r^-h)`` and every defending one
``min(max-daily-loss, rate x r^h)`` (a formation that attacks and is attacked adds both, at most 1).
Its personnel put out of action are gamma-Poisson with that mean and shape ``loss-dispersion``,
``killed-share`` of them (binomially) killed; each kind of heavy weapon is lost binomially at the
share of personnel lost.

**Who fought whom.** The holder of u has fired on the holder of v when formations at u attack v, and
the holder of v on the holder of u when v is defended (and its holder fires on u's).

**Advance and capture.** Progress along each leg u -> v attacked today grows by
``advance-km-per-day x clip((r - 1) / (capture-ratio - 1), 0, 1)``, the full rate when v is
undefended. When it reaches the leg's length v passes to the holder of u (when two legs take v on
the same day, the later by place of origin, then route order), progress on every leg touching v
starts again from zero, and the attackers sent from u to v move in. A formation left on a place
its camp no longer holds retreats to the first neighbouring place its camp holds, or is destroyed
with all its weapons if there is none (all its personnel out of action, killed-share of them
killed). Formations that have not arrived yet take no part in any of this.

**Air superiority** (:func:`.air.air_superiority`): the power of a formation is multiplied by
``air-superiority-power^(g - 1/2)``, g its owner's degree of air superiority over its place
(computed at the planning and again after the air war). **Combat days**: the d-th consecutive day
of combat at a place costs ``d^k - (d-1)^k`` of a full day's losses, k the combat-days-exponent.

**Breakpoints.** A formation breaks once it has lost its ``breakpoint`` share of its personnel
(multiplied by ``air-superiority-breakpoint^(g - 1/2)``, g as it stands at the end of the day):
it no longer attacks and keeps ``broken-power`` of its power.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from benchmarks.reference.agents import Formation
from benchmarks.reference.air import air_superiority

if TYPE_CHECKING:
    from benchmarks.reference.model import Leg, TheatreModel

TINY = 1e-9
MAX_RATIO = 10.0


@dataclass
class Plan:
    """Today's attacks, decided at the start of the day (before the air war)."""

    attack: dict[int, float]                    # place -> attack power there
    target: dict[int, tuple[int, Leg]]          # place -> (its main target, leg used)
    against: dict[int, float]                   # place -> attack power arriving there
    attackers: set[Formation] = field(default_factory=set)
    engaged: set[Formation] = field(default_factory=set)
    sent: dict[Formation, tuple[int, Leg]] = field(default_factory=dict)   # attacker -> (its target, leg)
    legs: list[tuple[int, int, Leg]] = field(default_factory=list)         # (u, v, leg) attacked, in order


def loss_shares(ratio: float, rate: float, exponent: float, cap: float) -> tuple[float, float]:
    """Helmbold's daily loss shares of attacker and defender at force ratio ``ratio`` = A / D."""
    ratio = max(ratio, TINY)
    return min(cap, rate * ratio ** -exponent), min(cap, rate * ratio ** exponent)


def defence_by_place(m: TheatreModel, power: dict[Formation, float]) -> dict[int, float]:
    defence: dict[int, float] = {}
    for f in m.formations:
        defence[f.place] = defence.get(f.place, 0.0) + power[f] * f.posture_factor()
    return {p: d * m.terrain[p] for p, d in defence.items()}


def hostile(m: TheatreModel, a: int, b: int) -> bool:
    return m.fire(a, b) and m.fire(b, a)


def plan_attacks(m: TheatreModel) -> Plan:
    p = m.params
    degree = air_superiority(m)
    power = {f: f.power(degree[f.owner, f.place]) for f in m.formations}
    defence = defence_by_place(m, power)
    attackers = {f for f in m.formations
                 if f.posture == "attack" and not f.broken and power[f] > 0 and m.fighting}
    attack: dict[int, float] = {}
    for f in m.formations:
        if f in attackers:
            attack[f.place] = attack.get(f.place, 0.0) + power[f]
    target: dict[int, tuple[int, Leg]] = {}
    sent: dict[Formation, tuple[int, Leg]] = {}
    legs: list[tuple[int, int, Leg]] = []
    cr = p["capture-ratio"]
    for u in sorted(attack):
        main = best_target(m, u, attack[u], defence, set())
        if main is None:
            continue
        target[u] = main
        chosen = {main[0]}
        current, need, given, n_given, left = main, cr * defence.get(main[0], 0.0), 0.0, 0, attack[u]
        for f in m.formations:
            if f not in attackers or f.place != u:
                continue
            if current is not None and n_given > 0 and given >= need:
                current = best_target(m, u, left, defence, chosen)
                if current is not None:
                    chosen.add(current[0])
                    need, given, n_given = cr * defence.get(current[0], 0.0), 0.0, 0
            sent[f] = current or main
            if current is not None:
                given += power[f]
                n_given += 1
            left -= power[f]
        legs += [(u, v, leg) for v, leg in m.neighbours[u] if v in chosen]
    against: dict[int, float] = {}
    for f, (v, _) in sent.items():
        against[v] = against.get(v, 0.0) + power[f]
    engaged = {f for f in m.formations
               if f in sent or (against.get(f.place, 0.0) > 0 and power[f] > 0)}
    return Plan(attack, target, against, attackers, engaged, sent, legs)


def best_target(m: TheatreModel, u: int, a_u: float, defence: dict[int, float],
                chosen: set[int]) -> tuple[int, Leg] | None:
    """The neighbour of u (and the leg to it) attackers with power ``a_u`` go for, not one of
    ``chosen``: the best value x ratio of those that pass attack-min-ratio."""
    best, best_score = None, -1.0
    for v, leg in m.neighbours[u]:
        if v in chosen or not hostile(m, m.control[u], m.control[v]):
            continue
        d_v = defence.get(v, 0.0)
        ratio = min(a_u / d_v, MAX_RATIO) if d_v > TINY else MAX_RATIO
        if ratio < m.params["attack-min-ratio"]:
            continue
        score = m.theatre.map.value[v] * ratio + TINY
        if score > best_score:
            best, best_score = (v, leg), score
    return best


def retreat(m: TheatreModel, f: Formation, avoid: set[int]) -> bool:
    """Move ``f`` to the first neighbouring place its camp holds, preferring places not in
    ``avoid``; False if its camp holds no neighbouring place."""
    friendly = [v for v, _ in m.neighbours[f.place] if m.holder_camp(v) == f.camp]
    if not friendly:
        return False
    calm = [v for v in friendly if v not in avoid]
    f.place = (calm or friendly)[0]
    return True


def ground_day(m: TheatreModel, plan: Plan) -> None:
    p = m.params
    rng = m.rng
    # the plan was made before the air strikes: power and defence after them
    degree = air_superiority(m)
    power = {f: f.power(degree[f.owner, f.place]) for f in m.formations}
    defence = defence_by_place(m, power)

    # pull-outs before the fight
    attacked_places = {v for v, a in plan.against.items() if a > 0}
    leaving = [f for f in m.formations
               if f.pulls_out and power[f] > 0 and f.place in attacked_places
               and plan.against[f.place] / max(defence.get(f.place, 0.0), TINY) >= p["pull-out-ratio"]]
    moved = {f for f in leaving if retreat(m, f, attacked_places)}
    for f in moved:
        power[f] = 0.0
    defence = defence_by_place(m, power)

    # attrition at every place attacked and defended
    ratio: dict[int, float] = {}
    shares: dict[int, tuple[float, float]] = {}
    arriving: dict[int, float] = {}
    for f, (v, _) in plan.sent.items():
        if f not in moved:
            arriving[v] = arriving.get(v, 0.0) + power[f]
    for v in plan.against:
        a, d = arriving.get(v, 0.0), defence.get(v, 0.0)
        if d > TINY:
            ratio[v] = max(a, TINY) / d
            if a > 0:
                shares[v] = loss_shares(ratio[v], p["attrition-rate"], p["helmbold-exponent"], p["max-daily-loss"])
        else:
            ratio[v] = MAX_RATIO
    # the d-th consecutive day of combat at a place costs d^k - (d-1)^k of a full day
    k = p["combat-days-exponent"]
    for v in range(m.theatre.n_places):
        if v not in shares:
            m.combat_days[v] = 0
            continue
        m.combat_days[v] += 1
        d = m.combat_days[v]
        scale = d ** k - (d - 1) ** k if d > 1 else 1.0
        shares[v] = (shares[v][0] * scale, shares[v][1] * scale)
    attacking = {f for f in plan.sent if f not in moved}
    for f in m.formations:
        share = 0.0
        if f in attacking:
            share += shares.get(plan.sent[f][0], (0.0, 0.0))[0]
        if f not in moved and power[f] > 0:
            share += shares.get(f.place, (0.0, 0.0))[1]
        share = min(share, 1.0)
        if share <= 0 or f.personnel <= 0:
            continue
        shape = p["loss-dispersion"]
        f.lose_share(min(int(rng.poisson(rng.gamma(shape, f.personnel * share / shape))), f.personnel))

    # who fought whom: attackers fire on the holder of the place attacked, defenders fire back
    for u, v, _ in plan.legs:
        m.fired.add((m.control[u], m.control[v]))
        if defence.get(v, 0.0) > TINY and m.fire(m.control[v], m.control[u]):
            m.fired.add((m.control[v], m.control[u]))

    # advance along the legs attacked today (by place of origin, then route order), then captures
    cr, km_per_day = p["capture-ratio"], p["advance-km-per-day"]
    taken_from: dict[int, int] = {}
    for u, v, leg in plan.legs:
        if defence.get(v, 0.0) > TINY:
            gain = km_per_day * min(max((ratio[v] - 1) / max(cr - 1, TINY), 0.0), 1.0)
        else:
            gain = km_per_day
        leg.progress += gain
        if leg.progress >= leg.length and m.fighting:
            taken_from[v] = u          # two places taking v the same day: the later one has it
    holders = list(m.control)
    for v, u in taken_from.items():
        m.control[v] = holders[u]
        m.combat_days[v] = 0
    for leg in m.legs:
        if leg.src in taken_from or leg.dst in taken_from:
            leg.progress = 0.0
    for f in attacking:
        u = f.place
        v = plan.sent[f][0]
        if taken_from.get(v) == u and m.holder_camp(v) == f.camp:
            f.place = v

    # formations on a place their camp lost retreat, or are destroyed
    for f in m.formations:
        if f.present and f.personnel > 0 and m.holder_camp(f.place) != f.camp and not retreat(m, f, set()):
            f.destroy()

    degree = air_superiority(m)
    for f in m.formations:
        breakpoint = f.breakpoint * p["air-superiority-breakpoint"] ** (degree[f.owner, f.place] - 0.5)
        if f.personnel0 > 0 and 1 - f.personnel / f.personnel0 >= breakpoint:
            f.broken = True
