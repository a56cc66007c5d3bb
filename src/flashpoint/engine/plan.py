"""Each day's plan, before the air war: combat power, air superiority and the attacks chosen.

The formulas are those of docs/model.md, "Ground": "Combat power", "Air superiority", "Defence"
and "Fronts and attacks".
"""

from __future__ import annotations

import math
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

COUNTER_AIR_WEIGHT = 1.0
STRIKE_WEIGHT = 0.5
DRONE_WEIGHT = 0.25
"""Weights of a day's sortie in the air balance (docs/model.md, "Air superiority"): a counter-air
sortie (the share ``counter-air`` of a wing's missions) counts 1, a manned sortie on any other
mission 1/2, a drone sortie 1/4. Chosen here, not fitted (no data set counts sorties against
CDB90's AEROA coding): control of the air is contested by fighters; a strike aircraft both shows
and uses the control the CDB90 coders saw, carries its own air-to-air weapons in most air forces
and forces the enemy to fly escorts, but does not seek the enemy's aircraft: half a fighter; a drone
flies slower and lower, carries a few tens of kilograms against a strike aircraft's tonnes and
cannot contest the air: a quarter."""


class Plan(NamedTuple):
    """Today's attacks: for each place, the place its attackers go for first (-1: none), and for
    each attacker the place it goes for (docs/model.md, "Fronts and attacks")."""

    power: np.ndarray        # (R, F) combat power
    attacker: np.ndarray     # (R, F) bool: in attack posture and able to attack
    defence: np.ndarray      # (R, P) defence power of the holder at each place
    attack: np.ndarray       # (R, P) attack power available at each place
    target: np.ndarray       # (R, P) place attacked first from here (the main target), or -1
    aimed: np.ndarray        # (R, P, K) bool: the k-th leg from here (map.nbr_edge) is attacked today
    ftarget: np.ndarray      # (R, F) place each formation attacks today, or -1
    against: np.ndarray      # (R, P) attack power arriving at each place
    engaged: np.ndarray      # (R, F) bool: formations fighting today
    degree: np.ndarray       # (R, A, P) each actor's degree of air superiority over each place when the
                             # plan was made, 0 (the enemy owns the air) .. 1/2 (even) .. 1 (see superiority)
    air_lost: np.ndarray     # (R,) bool: the day's air war cost the run aircraft or drones
    planner: np.ndarray      # (R, P) actor whose plan the attackers at each place follow, -1: none


def new_plan(n: int, n_places: int, n_formations: int, n_actors: int, n_neighbours: int) -> Plan:
    """Empty arrays for a day's plan of ``n`` runs (the day loop reuses one, reset every day by
    :func:`reset_plan`); ``n_neighbours`` is the width K of the map's ``nbr_edge``."""
    n_p, n_f, n_a = n_places, n_formations, n_actors
    return Plan(np.zeros((n, n_f)), np.zeros((n, n_f), dtype=np.bool_), np.zeros((n, n_p)), np.zeros((n, n_p)),
                np.full((n, n_p), -1, dtype=np.int64), np.zeros((n, n_p, n_neighbours), dtype=np.bool_),
                np.full((n, n_f), -1, dtype=np.int64), np.zeros((n, n_p)),
                np.zeros((n, n_f), dtype=np.bool_), np.full((n, n_a, n_p), 0.5), np.zeros(n, dtype=np.bool_),
                np.full((n, n_p), -1, dtype=np.int64))


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
        plan.aimed[r] = False
        plan.ftarget[r] = -1
        plan.against[r] = 0.0
        plan.engaged[r] = False
        plan.air_lost[r] = False
        plan.planner[r] = -1


@numba.njit(cache=True, nogil=True)
def n_camps(actor_camp):
    """Rows of the scratch arrays of :func:`superiority`: one per camp an actor belongs to."""
    return actor_camp.max() + 1 if actor_camp.shape[0] > 0 else 1


@numba.njit(cache=True, nogil=True, inline="always")
def expected_sorties(r, i, units, rate, own_commit, air_commit, owner):
    """Expected sorties today of wing or drone unit i in run r: its aircraft or drones x their
    sorties per day x its commitment x its owner's air commitment (a loitering munition's are
    then capped by its stock)."""
    return units[r, i] * rate[r, i] * own_commit[r, i] * air_commit[r, owner[i]]


@numba.njit(cache=True, nogil=True, inline="always")
def superiority(r, day, tb, rd, fs, board, flying, hostile, degree):
    """Air balance in run r (docs/model.md, "Air superiority"): ``degree[a, p]`` is the share of
    the effective sorties over place p flown by a's camp, out of those flown by a's camp and by the
    camps with an actor that fires on a; 1/2 where neither flies. A sortie is effective over the
    places in reach of its base, weighted by COUNTER_AIR_WEIGHT, STRIKE_WEIGHT or DRONE_WEIGHT.
    ``flying`` (camps x P, the camp's effective sorties over each place) and ``hostile`` (A x camps,
    bool: row a marks the camps hostile to a) are scratch arrays. Actors of one camp facing the same
    hostile camps have the same row of ``degree``, computed once and copied."""
    # every array is taken out of its tuple once, outside the loops (a field read in a loop costs a
    # reference count each time)
    w_owner, w_arrives, w_group, g_reach, missions = tb.wings.owner, tb.wings.arrives, tb.wings.group, \
        tb.wings.group_reach, tb.wings.missions
    d_owner, d_arrives, d_reach = tb.drone_units.owner, tb.drone_units.arrives, tb.drone_units.reach
    aircraft, sortie_rate, w_commit = fs.wings.aircraft, rd.wings.sortie_rate, fs.wings.commitment
    drones, d_rate, d_commit, stock = fs.drone_units.drones, rd.drone_units.sorties_per_day, \
        fs.drone_units.commitment, fs.drone_units.stock
    camp, fo, commit = tb.actor_camp, board.fires_on, board.air_commitment
    n_a, n_p = camp.shape[0], degree.shape[1]
    flying[:, :] = 0.0
    anyone = False
    for w in range(w_owner.shape[0]):
        if day >= w_arrives[w]:
            a = w_owner[w]
            s = expected_sorties(r, w, aircraft, sortie_rate, w_commit, commit, w_owner)
            if s <= 0.0:
                continue
            s *= STRIKE_WEIGHT + (COUNTER_AIR_WEIGHT - STRIKE_WEIGHT) * missions[w, 0]
            c, gr = camp[a], w_group[w]
            anyone = True
            for p in range(n_p):
                if g_reach[gr, p]:
                    flying[c, p] += s
    for d in range(d_owner.shape[0]):
        if day >= d_arrives[d]:
            a = d_owner[d]
            # loitering munitions count only as far as their stock lasts (docs/model.md, "Air", 9)
            s = min(expected_sorties(r, d, drones, d_rate, d_commit, commit, d_owner), stock[r, d]) * DRONE_WEIGHT
            if s <= 0.0:
                continue
            c = camp[a]
            anyone = True
            for p in range(n_p):
                if d_reach[d, p]:
                    flying[c, p] += s
    if not anyone:            # the common case of a day without aircraft: even everywhere
        degree[:, :] = 0.5
        return
    n_c = hostile.shape[1]
    for a in range(n_a):
        own_camp = camp[a]
        for c in range(n_c):
            hostile[a, c] = False
        for b in range(n_a):
            if fo[r, b, a] and camp[b] != own_camp:
                hostile[a, camp[b]] = True
        like = _same_as(a, camp, hostile)
        if like >= 0:
            for p in range(n_p):
                degree[a, p] = degree[like, p]
            continue
        for p in range(n_p):
            own = flying[own_camp, p]
            enemy = 0.0
            for c in range(n_c):
                if hostile[a, c]:
                    enemy += flying[c, p]
            total = own + enemy
            degree[a, p] = own / total if total > 0.0 else 0.5


@numba.njit(cache=True, nogil=True, inline="always")
def _same_as(a, camp, hostile):
    """An actor before a of a's camp facing the same hostile camps (``hostile`` rows), or -1."""
    for b in range(a):
        if camp[b] != camp[a]:
            continue
        same = True
        for c in range(hostile.shape[1]):
            if hostile[b, c] != hostile[a, c]:
                same = False
                break
        if same:
            return b
    return -1


@numba.njit(cache=True, nogil=True, inline="always")
def power_of_run(r, day, tb, rd, fs, board, degree, power):
    """Combat power of every formation of run r (docs/model.md, "Combat power"): the owner's degree
    g of air superiority over the formation's place multiplies it by
    air-superiority-power^(g - 1/2), the form fitted on CDB90 (analysis/calibrate/kernel.py), so
    that the ratio of two sides' powers moves by air-superiority-power^(2g - 1)."""
    owner, arrives, loc = tb.formations.owner, tb.formations.arrives, fs.formations.place
    pers, tanks, ifvs, art, broken = fs.formations.personnel, fs.formations.tanks, fs.formations.ifvs, \
        fs.formations.artillery, fs.formations.broken
    g_commit, quality, morale, ground_commitment = fs.formations.commitment, rd.formations.quality, \
        rd.formations.morale, board.ground_commitment
    tank_w, ifv_w, art_w, morale_w = rd.power.tank_weight[r], rd.power.ifv_weight[r], \
        rd.power.artillery_weight[r], rd.power.morale_weight[r]
    broken_power, log_air = rd.power.broken_power[r], math.log(rd.power.air_superiority_power[r])
    for f in range(pers.shape[1]):
        if day < arrives[f] or pers[r, f] <= 0:
            power[f] = 0.0
            continue
        raw = pers[r, f] + tank_w * tanks[r, f] + ifv_w * ifvs[r, f] + art_w * art[r, f]
        mult = quality[r, f] * (1 + morale_w * (morale[r, f] - 0.5)) * g_commit[r, f] \
            * ground_commitment[r, owner[f]]
        if broken[r, f]:
            mult *= broken_power
        g = degree[owner[f], loc[r, f]]
        if g != 0.5:
            mult *= math.exp(log_air * (g - 0.5))
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
    """Combat power ``plan.power`` (R, F) and the degree of air superiority ``plan.degree``
    (R, A, P) of runs [lo, hi)."""
    n_c, n_p, n_a = n_camps(tb.actor_camp), tb.map.terrain.shape[0], tb.actor_camp.shape[0]
    _power_runs(lo, hi, day, tb, rd, fs, board, plan, np.zeros((n_c, n_p)), np.zeros((n_a, n_c), dtype=np.bool_))


@numba.njit(cache=True, nogil=True, _nrt=False)
def _power_runs(lo, hi, day, tb, rd, fs, board, plan, flying, hostile):
    """:func:`power_kernel` with its scratch arrays, compiled without reference counting (the
    arrays of the tuples are read run after run; nothing here allocates)."""
    for r in range(lo, hi):
        superiority(r, day, tb, rd, fs, board, flying, hostile, plan.degree[r])
        power_of_run(r, day, tb, rd, fs, board, plan.degree[r], plan.power[r])


@numba.njit(cache=True, nogil=True, _nrt=False)
def plan_kernel(lo, hi, day, tb, rd, fs, board, plan):
    """Reserves committed where their plan says (docs/model.md, "Plans"); then each place's
    attackers go for the neighbours with the best scores (docs/model.md, "Fronts and attacks").
    Attackers: formations in attack posture, not broken, with power, in runs still fighting, whose
    owner is not pausing. Compiled without reference counting (nothing allocates)."""
    power, attacker, defence, attack, engaged = plan.power, plan.attacker, plan.defence, plan.attack, plan.engaged
    ftarget, against, planner = plan.ftarget, plan.against, plan.planner
    loc, posture, broken, ceasefire_day = fs.formations.place, fs.formations.posture, fs.formations.broken, \
        board.ceasefire_day
    defend, hold, by_terrain, terrain = rd.power.posture_defend, rd.power.posture_hold, rd.power.by_terrain, \
        tb.map.terrain
    owner, has_plan, pause_until = tb.formations.owner, tb.plans.has_plan, board.pause_until
    for r in range(lo, hi):
        _commit_reserves(r, day, tb, fs, board)
        for f in range(power.shape[1]):
            attacker[r, f] = posture[r, f] == ATTACK and not broken[r, f] and power[r, f] > 0 \
                and ceasefire_day[r] < 0 and day >= pause_until[r, owner[f]]
        for f in range(power.shape[1]):
            defence[r, loc[r, f]] += power[r, f] * posture_factor(posture[r, f], defend[r], hold[r])
            if attacker[r, f]:
                attack[r, loc[r, f]] += power[r, f]
                if planner[r, loc[r, f]] < 0 and has_plan[owner[f]]:
                    planner[r, loc[r, f]] = owner[f]
        for p in range(terrain.shape[0]):
            defence[r, p] *= by_terrain[r, terrain[p]]
        for u in range(terrain.shape[0]):
            if attack[r, u] > 0:
                _choose_targets(r, u, day, tb, rd, fs, board, plan)
        for f in range(power.shape[1]):
            engaged[r, f] = (attacker[r, f] and ftarget[r, f] >= 0) \
                or (against[r, loc[r, f]] > 0 and power[r, f] > 0)


@numba.njit(cache=True, nogil=True, inline="always")
def _commit_reserves(r, day, tb, fs, board):
    """Reserves still in posture reserve, from their day on, move to their place, or to the front end
    of their axis (the last place of it their camp holds before the first it does not), once their
    camp holds it, and take their posture there."""
    res_f, res_place, res_axis, res_day, res_posture = tb.plans.res_formation, tb.plans.res_place, \
        tb.plans.res_axis, tb.plans.res_day, tb.plans.res_posture
    axis_places, camp, owner, arrives = tb.plans.axis_places, tb.actor_camp, tb.formations.owner, \
        tb.formations.arrives
    loc, posture, pers, control = fs.formations.place, fs.formations.posture, fs.formations.personnel, board.control
    for i in range(res_f.shape[0]):
        f = res_f[i]
        if posture[r, f] != RESERVE or day < res_day[i] or day < arrives[f] or pers[r, f] <= 0:
            continue
        c, dest = camp[owner[f]], res_place[i]
        if dest < 0:
            x = res_axis[i]
            for k in range(axis_places.shape[1]):
                q = axis_places[x, k]
                if q < 0 or camp[control[r, q]] != c:
                    break
                dest = q
        if dest >= 0 and camp[control[r, dest]] == c:
            loc[r, f] = dest
            posture[r, f] = res_posture[i]


@numba.njit(cache=True, nogil=True, inline="always")
def plan_weight(a, u, v, day, plans):
    """Weight of place v in actor a's plan on ``day`` for attackers at u: the largest priority of
    an axis through v already followed and not attacked backwards (u is not a place after v on
    it), or of an objective at v already pursued, over the plan's largest priority (0 off the
    plan)."""
    w = plans.axis_weight[a, u, v]
    for i in range(plans.late_actor.shape[0]):
        if plans.late_actor[i] == a and plans.late_place[i] == v and day >= plans.late_first[i] \
                and not plans.late_behind[i, u]:
            w = max(w, plans.late_weight[i])
    for o in range(plans.obj_actor.shape[0]):
        if plans.obj_actor[o] == a and plans.obj_place[o] == v and day >= plans.obj_first[o]:
            w = max(w, plans.obj_weight[o])
    return w


@numba.njit(cache=True, nogil=True, inline="always")
def _best_target(r, u, power_left, day, tb, rd, board, plan):
    """The slot k of u's neighbour that attackers with ``power_left`` at u go for in run r, -1 if
    none: the best value x ratio, or, when they follow actor a's plan, the place of the plan with
    the best weight^(1 - o) x (value x ratio)^o, o a's opportunism (ties by value x ratio; a place
    off the plan is not attacked); slots marked in ``plan.aimed`` are already attacked from u."""
    fo, control, nbr_edge, dst, value = board.fires_on, board.control, tb.map.nbr_edge, tb.legs.dst, tb.map.value
    defence, aimed, min_ratio, a = plan.defence, plan.aimed, rd.power.attack_min_ratio[r], plan.planner[r, u]
    o = rd.plans.opportunism[r, a] if a >= 0 else 1.0
    best, best_k = -1.0, -1
    for k in range(nbr_edge.shape[1]):
        e = nbr_edge[u, k]
        if e < 0:
            break
        if aimed[r, u, k]:
            continue
        v = dst[e]
        if not (fo[r, control[r, u], control[r, v]] and fo[r, control[r, v], control[r, u]]):
            continue  # a front lies only between holders that fire on each other
        d = defence[r, v]
        ratio = min(power_left / d, MAX_RATIO) if d > TINY else MAX_RATIO
        if ratio < min_ratio:
            continue
        if a < 0:
            score = value[v] * ratio + TINY
        else:
            w = plan_weight(a, u, v, day, tb.plans)
            if w <= 0.0:
                continue  # off the plan: not attacked
            gain = value[v] * ratio
            score = w ** (1.0 - o) * gain ** o + TINY * gain
        if score > best:
            best, best_k = score, k
    return best_k


@numba.njit(cache=True, nogil=True, inline="always")
def _choose_targets(r, u, day, tb, rd, fs, board, plan):
    """Where the attackers at place u go in run r (docs/model.md, "Fronts and attacks"): all of
    their power chooses the main target (:func:`_best_target`); the attackers, in the scenario's
    order, join it until the power sent reaches capture-ratio x its defence (one attacker where it
    is undefended), the power at which an attack advances at full speed; those left choose the
    next target with the power they have, and so on; when none is left to choose, the rest join
    the main target. Writes ``target``, ``aimed``, ``ftarget`` and ``against``."""
    nbr_edge, dst, loc = tb.map.nbr_edge, tb.legs.dst, fs.formations.place
    power, attacker, defence, aimed, ftarget = plan.power, plan.attacker, plan.defence, plan.aimed, plan.ftarget
    k = _best_target(r, u, plan.attack[r, u], day, tb, rd, board, plan)
    if k < 0:
        return
    main = dst[nbr_edge[u, k]]
    plan.target[r, u] = main
    aimed[r, u, k] = True
    capture_ratio = rd.power.capture_ratio[r]
    v, need, sent, n_sent, left = main, capture_ratio * defence[r, main], 0.0, 0, plan.attack[r, u]
    for f in range(power.shape[1]):
        if not attacker[r, f] or loc[r, f] != u:
            continue
        if v >= 0 and n_sent > 0 and sent >= need:   # this target has enough: the next one
            k = _best_target(r, u, left, day, tb, rd, board, plan)
            if k >= 0:
                aimed[r, u, k] = True
                v = dst[nbr_edge[u, k]]
                need, sent, n_sent = capture_ratio * defence[r, v], 0.0, 0
            else:
                v = -1                                # nothing else to attack: the rest join the main target
        ftarget[r, f] = v if v >= 0 else main
        plan.against[r, ftarget[r, f]] += power[r, f]
        if v >= 0:
            sent += power[r, f]
            n_sent += 1
        left -= power[r, f]
