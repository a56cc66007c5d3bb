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


@numba.njit(cache=True, nogil=True, inline="always")
def superiority(r, day, tb, rd, fs, board, flying, fliers, holds, under):
    """Air superiority in run r (docs/model.md, "Air superiority"): ``holds[a]`` a's camp flies and
    no actor that fires on a does; ``under[a]`` an actor that fires on a holds it. ``flying`` and
    ``fliers`` are scratch arrays."""
    # every array is taken out of its tuple once, outside the loops (a field read in a loop costs a
    # reference count each time)
    w_owner, w_arrives, d_owner, d_arrives = tb.wings.owner, tb.wings.arrives, tb.drone_units.owner, \
        tb.drone_units.arrives
    aircraft, sortie_rate, w_commit = fs.wings.aircraft, rd.wings.sortie_rate, fs.wings.commitment
    drones, d_rate, d_commit = fs.drone_units.drones, rd.drone_units.sorties_per_day, fs.drone_units.commitment
    camp, fo, commit = tb.actor_camp, board.fires_on, board.air_commitment
    n_a = camp.shape[0]
    flying[:] = 0.0
    for w in range(w_owner.shape[0]):
        if day >= w_arrives[w]:
            a = w_owner[w]
            flying[a] += aircraft[r, w] * sortie_rate[r, w] * w_commit[r, w] * commit[r, a]
    for d in range(d_owner.shape[0]):
        if day >= d_arrives[d]:
            a = d_owner[d]
            flying[a] += drones[r, d] * d_rate[r, d] * d_commit[r, d] * commit[r, a]
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


@numba.njit(cache=True, nogil=True, inline="always")
def power_of_run(r, day, tb, rd, fs, board, holds, power):
    """Combat power of every formation of run r (docs/model.md, "Combat power")."""
    owner, arrives = tb.formations.owner, tb.formations.arrives
    pers, tanks, ifvs, art, broken = fs.formations.personnel, fs.formations.tanks, fs.formations.ifvs, \
        fs.formations.artillery, fs.formations.broken
    g_commit, quality, morale, ground_commitment = fs.formations.commitment, rd.formations.quality, \
        rd.formations.morale, board.ground_commitment
    tank_w, ifv_w, art_w, morale_w = rd.power.tank_weight[r], rd.power.ifv_weight[r], \
        rd.power.artillery_weight[r], rd.power.morale_weight[r]
    broken_power, air_power = rd.power.broken_power[r], rd.power.air_superiority_power[r]
    for f in range(pers.shape[1]):
        if day < arrives[f] or pers[r, f] <= 0:
            power[f] = 0.0
            continue
        raw = pers[r, f] + tank_w * tanks[r, f] + ifv_w * ifvs[r, f] + art_w * art[r, f]
        mult = quality[r, f] * (1 + morale_w * (morale[r, f] - 0.5)) * g_commit[r, f] \
            * ground_commitment[r, owner[f]]
        if broken[r, f]:
            mult *= broken_power
        if holds[owner[f]]:
            mult *= air_power
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
    _power_runs(lo, hi, day, tb, rd, fs, board, plan, np.zeros(n_a), np.zeros(n_a, dtype=np.int64),
                np.zeros(n_a, dtype=np.bool_), np.zeros(n_a, dtype=np.bool_))


@numba.njit(cache=True, nogil=True, _nrt=False)
def _power_runs(lo, hi, day, tb, rd, fs, board, plan, flying, fliers, holds, under):
    """:func:`power_kernel` with its scratch arrays, compiled without reference counting (the
    arrays of the tuples are read run after run; nothing here allocates)."""
    for r in range(lo, hi):
        superiority(r, day, tb, rd, fs, board, flying, fliers, holds, under)
        for a in range(holds.shape[0]):
            plan.holds[r, a] = holds[a]
            plan.under[r, a] = under[a]
        power_of_run(r, day, tb, rd, fs, board, holds, plan.power[r])


@numba.njit(cache=True, nogil=True, _nrt=False)
def plan_kernel(lo, hi, tb, rd, fs, board, plan):
    """Each place's attackers go for the neighbour with the best value x force ratio
    (docs/model.md, "Fronts and attacks"). Attackers: formations in attack posture, not broken,
    with power, in runs still fighting. Compiled without reference counting (nothing allocates)."""
    power, attacker, defence, attack, engaged = plan.power, plan.attacker, plan.defence, plan.attack, plan.engaged
    target, against = plan.target, plan.against
    loc, posture, broken, ceasefire_day = fs.formations.place, fs.formations.posture, fs.formations.broken, \
        board.ceasefire_day
    defend, hold, by_terrain, terrain = rd.power.posture_defend, rd.power.posture_hold, rd.power.by_terrain, \
        tb.map.terrain
    for r in range(lo, hi):
        for f in range(power.shape[1]):
            attacker[r, f] = posture[r, f] == ATTACK and not broken[r, f] and power[r, f] > 0 \
                and ceasefire_day[r] < 0
        for f in range(power.shape[1]):
            defence[r, loc[r, f]] += power[r, f] * posture_factor(posture[r, f], defend[r], hold[r])
            if attacker[r, f]:
                attack[r, loc[r, f]] += power[r, f]
        for p in range(terrain.shape[0]):
            defence[r, p] *= by_terrain[r, terrain[p]]
        for u in range(terrain.shape[0]):
            if attack[r, u] > 0:
                _choose_target(r, u, tb, rd, board, plan)
        for f in range(power.shape[1]):
            home = loc[r, f]
            engaged[r, f] = (attacker[r, f] and target[r, home] >= 0) or (against[r, home] > 0 and power[r, f] > 0)


@numba.njit(cache=True, nogil=True, inline="always")
def _choose_target(r, u, tb, rd, board, plan):
    """The neighbour of place u its attackers go for in run r, if any (written into ``plan``)."""
    fo, control, nbr_edge, dst, value = board.fires_on, board.control, tb.map.nbr_edge, tb.legs.dst, tb.map.value
    defence, attack, target, edge, against = plan.defence, plan.attack, plan.target, plan.edge, plan.against
    min_ratio = rd.power.attack_min_ratio[r]
    best = -1.0
    for k in range(nbr_edge.shape[1]):
        e = nbr_edge[u, k]
        if e < 0:
            break
        v = dst[e]
        if not (fo[r, control[r, u], control[r, v]] and fo[r, control[r, v], control[r, u]]):
            continue  # a front lies only between holders that fire on each other
        d = defence[r, v]
        ratio = min(attack[r, u] / d, MAX_RATIO) if d > TINY else MAX_RATIO
        if ratio < min_ratio:
            continue
        score = value[v] * ratio + TINY
        if score > best:
            best = score
            target[r, u] = v
            edge[r, u] = e
    if target[r, u] >= 0:
        against[r, target[r, u]] += attack[r, u]
