"""Each day's plan, before the air war: combat power, air superiority and the attacks chosen.

The formulas are those of docs/model.md, "Ground": "Combat power", "Air superiority", "Defence"
and "Fronts and attacks".
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np

from flashpoint.engine.theatre import POSTURES

ATTACK, DEFEND, HOLD, RESERVE = (POSTURES.index(p) for p in POSTURES)
TINY = 1e-9
MAX_RATIO = 10.0
"""Force ratios above this count as this when attackers choose their target (score = value x
ratio), and an undefended place counts as this; losses and advance do not use the cap. Chosen
here, not fitted: about the largest attacker-to-defender strength ratio in the shipped CDB90
battles (99th percentile 10.5; 6 of 541 battles above 10), so the choice never extrapolates the
ratio beyond what battles were fought at."""


class Plan(NamedTuple):
    """Today's attacks: for each place, the place its attackers go for (-1: none)."""

    power: np.ndarray        # (R, F) combat power
    attacker: np.ndarray     # (R, F) bool: in attack posture and able to attack
    defence: np.ndarray      # (R, P) defence power of the holder at each place
    attack: np.ndarray       # (R, P) attack power available at each place
    target: np.ndarray       # (R, P) place attacked from here, or -1
    edge: np.ndarray         # (R, P) the directed leg used, or -1
    against: np.ndarray      # (R, P) attack power arriving at each place
    engaged: np.ndarray      # (R, F) bool: formations fighting today
    holds: np.ndarray        # (R, A) bool: air superiority when the plan was made (see superiority)
    under: np.ndarray        # (R, A) bool
    air_lost: np.ndarray     # (R,) bool: the day's air war cost the run aircraft or drones


def new_plan(n: int, n_places: int, n_formations: int, n_actors: int) -> Plan:
    """Empty arrays for a day's plan of ``n`` runs (the day loop reuses one, reset every day by
    :func:`reset_plan`)."""
    n_p, n_f, n_a = n_places, n_formations, n_actors
    return Plan(np.zeros((n, n_f)), np.zeros((n, n_f), dtype=np.bool_), np.zeros((n, n_p)), np.zeros((n, n_p)),
                np.full((n, n_p), -1, dtype=np.int64), np.full((n, n_p), -1, dtype=np.int64), np.zeros((n, n_p)),
                np.zeros((n, n_f), dtype=np.bool_), np.zeros((n, n_a), dtype=np.bool_),
                np.zeros((n, n_a), dtype=np.bool_), np.zeros(n, dtype=np.bool_))


@numba.njit(cache=True, nogil=True)
def reset_plan(lo, hi, plan):
    """Rows [lo, hi) of a plan back to :func:`new_plan`'s values, for the next day (air
    superiority is written whole by the power kernel)."""
    for r in range(lo, hi):
        plan.power[r] = 0.0
        plan.attacker[r] = False
        plan.defence[r] = 0.0
        plan.attack[r] = 0.0
        plan.target[r] = -1
        plan.edge[r] = -1
        plan.against[r] = 0.0
        plan.engaged[r] = False
        plan.air_lost[r] = False


@numba.njit(cache=True, nogil=True)
def superiority(r, day, tb, rd, fs, board, flying, fliers, holds, under):
    """Air superiority in run r (docs/model.md, "Air superiority"): ``holds[a]`` a's camp flies and
    no actor that fires on a does; ``under[a]`` an actor that fires on a holds it. ``flying`` and
    ``fliers`` are scratch arrays."""
    wings, units, camp, fo, commit = tb.wings, tb.drone_units, tb.actor_camp, board.fires_on, board.air_commitment
    n_a = camp.shape[0]
    flying[:] = 0.0
    for w in range(wings.owner.shape[0]):
        if day >= wings.arrives[w]:
            a = wings.owner[w]
            flying[a] += fs.wings.aircraft[r, w] * rd.wings.sortie_rate[r, w] * fs.wings.commitment[r, w] \
                * commit[r, a]
    for d in range(units.owner.shape[0]):
        if day >= units.arrives[d]:
            a = units.owner[d]
            flying[a] += fs.drone_units.drones[r, d] * rd.drone_units.sorties_per_day[r, d] \
                * fs.drone_units.commitment[r, d] * commit[r, a]
    # only actors that fly count (sums over the others would add zeros)
    n_fly = 0
    for b in range(n_a):
        if flying[b] != 0.0:
            fliers[n_fly] = b
            n_fly += 1
    for a in range(n_a):
        own = 0.0
        hostile = 0.0
        for i in range(n_fly):
            b = fliers[i]
            if camp[b] == camp[a]:
                own += flying[b]
            if fo[r, b, a]:
                hostile += flying[b]
        holds[a] = own > 0 and hostile <= 0
    for a in range(n_a):      # b holds superiority if its camp flies, even when b itself does not
        under[a] = False
        for b in range(n_a):
            if fo[r, b, a] and holds[b]:
                under[a] = True


@numba.njit(cache=True, nogil=True)
def power_of_run(r, day, tb, rd, fs, board, holds, power):
    """Combat power of every formation of run r (docs/model.md, "Combat power")."""
    form, owner, pw = fs.formations, tb.formations.owner, rd.power
    for f in range(form.personnel.shape[1]):
        if day < tb.formations.arrives[f] or form.personnel[r, f] <= 0:
            power[f] = 0.0
            continue
        raw = form.personnel[r, f] + pw.tank_weight[r] * form.tanks[r, f] + pw.ifv_weight[r] * form.ifvs[r, f] \
            + pw.artillery_weight[r] * form.artillery[r, f]
        mult = rd.formations.quality[r, f] * (1 + pw.morale_weight[r] * (rd.formations.morale[r, f] - 0.5)) \
            * form.commitment[r, f] * board.ground_commitment[r, owner[f]]
        if form.broken[r, f]:
            mult *= pw.broken_power[r]
        if holds[owner[f]]:
            mult *= pw.air_superiority_power[r]
        power[f] = raw * max(mult, 0.0)


@numba.njit(cache=True, nogil=True)
def posture_factor(posture, defend, hold):
    if posture == DEFEND:
        return defend
    if posture == HOLD:
        return hold
    return 1.0


@numba.njit(cache=True, nogil=True)
def power_kernel(lo, hi, day, tb, rd, fs, board, plan):
    """Combat power ``plan.power`` (R, F) and air superiority ``plan.holds``, ``plan.under`` (R, A)
    of runs [lo, hi)."""
    n_a = tb.actor_camp.shape[0]
    flying = np.zeros(n_a)
    fliers = np.zeros(n_a, dtype=np.int64)
    holds = np.zeros(n_a, dtype=np.bool_)
    under = np.zeros(n_a, dtype=np.bool_)
    for r in range(lo, hi):
        superiority(r, day, tb, rd, fs, board, flying, fliers, holds, under)
        plan.holds[r] = holds
        plan.under[r] = under
        power_of_run(r, day, tb, rd, fs, board, holds, plan.power[r])


@numba.njit(cache=True, nogil=True)
def plan_kernel(lo, hi, tb, rd, fs, board, plan):
    """Each place's attackers go for the neighbour with the best value x force ratio
    (docs/model.md, "Fronts and attacks"). Attackers: formations in attack posture, not broken, with power, in
    runs still fighting."""
    power, loc, posture, pw = plan.power, fs.formations.place, fs.formations.posture, rd.power
    for r in range(lo, hi):
        for f in range(power.shape[1]):
            plan.attacker[r, f] = posture[r, f] == ATTACK and not fs.formations.broken[r, f] and power[r, f] > 0 \
                and board.ceasefire_day[r] < 0
        for f in range(power.shape[1]):
            plan.defence[r, loc[r, f]] += power[r, f] * posture_factor(posture[r, f], pw.posture_defend[r],
                                                                       pw.posture_hold[r])
            if plan.attacker[r, f]:
                plan.attack[r, loc[r, f]] += power[r, f]
        for p in range(tb.map.terrain.shape[0]):
            plan.defence[r, p] *= pw.by_terrain[r, tb.map.terrain[p]]
        for u in range(tb.map.terrain.shape[0]):
            if plan.attack[r, u] > 0:
                _choose_target(r, u, tb, rd, board, plan)
        for f in range(power.shape[1]):
            home = loc[r, f]
            plan.engaged[r, f] = (plan.attacker[r, f] and plan.target[r, home] >= 0) \
                or (plan.against[r, home] > 0 and power[r, f] > 0)


@numba.njit(cache=True, nogil=True)
def _choose_target(r, u, tb, rd, board, plan):
    """The neighbour of place u its attackers go for in run r, if any (written into ``plan``)."""
    fo, control = board.fires_on, board.control
    best = -1.0
    for k in range(tb.map.nbr_edge.shape[1]):
        e = tb.map.nbr_edge[u, k]
        if e < 0:
            break
        v = tb.legs.dst[e]
        if not (fo[r, control[r, u], control[r, v]] and fo[r, control[r, v], control[r, u]]):
            continue  # a front lies only between holders that fire on each other
        d = plan.defence[r, v]
        ratio = min(plan.attack[r, u] / d, MAX_RATIO) if d > TINY else MAX_RATIO
        if ratio < rd.power.attack_min_ratio[r]:
            continue
        score = tb.map.value[v] * ratio + TINY
        if score > best:
            best = score
            plan.target[r, u] = v
            plan.edge[r, u] = e
    if plan.target[r, u] >= 0:
        plan.against[r, plan.target[r, u]] += plan.attack[r, u]
