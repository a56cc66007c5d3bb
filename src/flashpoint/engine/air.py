"""The air war of one day (docs/model.md, "Air"), one short compiled kernel per phase.

:func:`air_kernel` steps the runs of a granule one after another; for each run the phases run in
this order, each using what the previous one left in the scratch arrays (:class:`AirScratch`):

1. :func:`_sorties`: sorties of every wing and drone unit (docs/model.md, "Air", 1);
2. :func:`_sead`: SEAD sorties spread over the enemy batteries in reach (2);
3. :func:`_battery_readiness`: batteries destroyed by SEAD, engagement odds of the rest (2, 3);
4. :func:`_air_defence_threat`: survival of each actor's sorties over each formation's place (3);
5. :func:`_wing_ground_attack`, :func:`_wing_exposure`, :func:`_drone_ground_attack`: targets of
   the ground-attack sorties, their expected kills and expected losses to air defence (6, 3);
6. :func:`_engagements`: missiles fired, batteries lost, reloads (3);
7. :func:`_counter_air`: the hazard of air combat, ``K_a / max(T_a, 1)`` (4);
8. :func:`_air_losses`: aircraft and drones lost, and the credit for kills (5, 7);
9. :func:`_strikes`: personnel and heavy equipment destroyed from the air (6).

The random draws (stochastic rounding of sorties, one uniform per battery, Poisson missiles,
binomial losses, Poisson strikes) come from the granule's generator in this order, run after run.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numba
import numpy as np

from flashpoint.engine.losses import flier_losses, take_ground_losses
from flashpoint.engine.rng import poisson
from flashpoint.engine.theatre import MISSIONS

CA, SEAD, CAS, INTERDICTION, STRIKE = (MISSIONS.index(m) for m in MISSIONS)
ALMOST_ONE = 1 - 1e-9
FEW = 8
"""Up to this many pieces destroyed, each piece's kind is drawn with one uniform number; more are
split with two binomial draws (the same multinomial distribution, drawn more cheaply either way)."""


class AirScratch(NamedTuple):
    """Working arrays of the air phase, allocated once per call and reset for every run
    (allocating them per run costs more than the work). W wings, Dn drone units, B batteries,
    F formations, A actors, G wing groups."""

    sorties: np.ndarray          # (W,) sorties flown today
    drone_sorties: np.ndarray    # (Dn,)
    personnel: np.ndarray        # (F,) personnel of formations that have arrived
    sead_on: np.ndarray          # (B,) SEAD sorties aimed at the battery
    log_spare: np.ndarray        # (B,) log of the chance no SEAD sortie destroys it
    sead_wb: np.ndarray          # (W, B) SEAD sorties of wing w at battery b
    e_eff: np.ndarray            # (B,) engagement probability after suppression
    shot: np.ndarray             # (B,) log of the chance an aircraft survives the battery
    shot_d: np.ndarray           # (B,) the same for a drone
    ready: np.ndarray            # (B,) bool: alive, arrived, not destroyed today, with missiles
    destroyed: np.ndarray        # (B,) bool: destroyed by SEAD today
    log_surv: np.ndarray         # (A, F) log survival of a's aircraft over formation f's place
    log_surv_d: np.ndarray       # (A, F) the same for drones
    over: np.ndarray             # (A, F) a's sorties over formation f's place
    sead_over: np.ndarray        # (B, A) a's SEAD sorties within battery b's cover
    ad_expected: np.ndarray      # (W,) expected losses to air defence
    d_expected: np.ndarray       # (Dn,)
    ca_potential: np.ndarray     # (A,) counter-air kill potential K_a
    flown: np.ndarray            # (A,) sorties T_a (drones weighted by drone-exposure)
    hazard: np.ndarray           # (A,) counter-air hazard of a's sorties
    lethal: np.ndarray           # (A, A) expected number of b's fliers a's weapons kill
    targets: np.ndarray          # (B, A) int: flying actors the ready battery fires on
    n_targets: np.ndarray        # (B,) int
    covered: np.ndarray          # (B, F) int: formations in the ready battery's cover
    n_covered: np.ndarray        # (B,) int
    g_deep: np.ndarray           # (G,) the group's strike and interdiction sorties
    g_cas: np.ndarray            # (G,) its close air support sorties
    g_deep_k: np.ndarray         # (G,) the same times strike kills
    g_cas_k: np.ndarray          # (G,)
    q_deep: np.ndarray           # (G,) loss to air defence per deep sortie
    q_cas: np.ndarray            # (G,) per close air support sortie
    kill_mean: np.ndarray        # (F,) expected personnel killed from the air
    armour_mean: np.ndarray      # (F,) expected pieces destroyed
    lost_by_actor: np.ndarray    # (A,) aircraft and drones lost today
    fliers: np.ndarray           # int: actors with aircraft or drones


@numba.njit(cache=True, nogil=True, inline="always")
def _air_scratch(tb, n_a):
    """Scratch arrays for the air phase of theatre tables ``tb`` with ``n_a`` actors."""
    n_w, n_g = tb.wings.owner.shape[0], tb.wings.group_owner.shape[0]
    n_d, n_b, n_f = tb.drone_units.owner.shape[0], tb.batteries.owner.shape[0], tb.formations.owner.shape[0]
    flies = np.zeros(n_a, dtype=np.bool_)  # only actors with aircraft or drones can be engaged in the air
    for w in range(n_w):
        flies[tb.wings.owner[w]] = True
    for d in range(n_d):
        flies[tb.drone_units.owner[d]] = True
    return AirScratch(
        np.zeros(n_w), np.zeros(n_d), np.zeros(n_f), np.zeros(n_b), np.zeros(n_b), np.zeros((n_w, n_b)),
        np.zeros(n_b), np.zeros(n_b), np.zeros(n_b), np.zeros(n_b, dtype=np.bool_), np.zeros(n_b, dtype=np.bool_),
        np.zeros((n_a, n_f)), np.zeros((n_a, n_f)), np.zeros((n_a, n_f)), np.zeros((n_b, n_a)), np.zeros(n_w),
        np.zeros(n_d), np.zeros(n_a), np.zeros(n_a), np.zeros(n_a), np.zeros((n_a, n_a)),
        np.zeros((n_b, n_a), dtype=np.int64), np.zeros(n_b, dtype=np.int64), np.zeros((n_b, n_f), dtype=np.int64),
        np.zeros(n_b, dtype=np.int64), np.zeros(n_g), np.zeros(n_g), np.zeros(n_g), np.zeros(n_g), np.zeros(n_g),
        np.zeros(n_g), np.zeros(n_f), np.zeros(n_f), np.zeros(n_a), np.flatnonzero(flies))


@numba.njit(cache=True, nogil=True)
def air_kernel(gen, lo, hi, day, tb, rd, fs, board, plan):
    """The air day of runs [lo, hi), run by run, drawing from the granule's generator ``gen``:
    its phases in the order of the module docstring. ``tb`` the theatre's tables, ``rd`` the
    run draws, ``fs`` the forces' state, ``board`` the rest of the state (losses included),
    ``plan`` today's plan (its ``engaged`` formations are read, its ``air_lost`` runs set).

    ``fired[r, a, b]`` is set as soon as a's weapons are expected to engage b's aircraft or a's
    aircraft attack b's forces; ``lethal[a, b]`` is the expected number of b's aircraft a's weapons
    kill (credit for a kill: ``downed``)."""
    _air_runs(gen, lo, hi, day, tb, rd, fs, board, plan, _air_scratch(tb, board.fires_on.shape[1]))


@numba.njit(cache=True, nogil=True)
def _air_runs(gen, lo, hi, day, tb, rd, fs, board, plan, sc):
    """:func:`air_kernel` with its scratch arrays."""
    losses = board.losses
    for r in range(lo, hi):
        _sorties(gen, r, day, tb, rd, fs, board, sc)
        _sead(r, day, tb, rd, fs, board, sc)
        _battery_readiness(gen, r, day, tb, rd, fs, board, sc)
        _air_defence_threat(r, tb, fs, board, sc)
        _wing_ground_attack(r, tb, rd, fs, board, plan, sc)
        _wing_exposure(r, tb, board, sc)
        _drone_ground_attack(r, tb, rd, fs, board, sc)
        _engagements(gen, r, tb, rd, fs, board, losses, sc)
        _counter_air(r, tb, rd, board, sc)
        _air_losses(gen, r, tb, rd, fs, board, losses, plan, sc)
        _strikes(gen, r, tb, fs, losses, sc)


@numba.njit(cache=True, nogil=True)
def _stochastic_round(gen, x):
    """Round down or up with probability equal to the fraction, so the mean is kept."""
    base = math.floor(x)
    return base + (1.0 if gen.random() < x - base else 0.0)


@numba.njit(cache=True, nogil=True, inline="always")
def _sorties(gen, r, day, tb, rd, fs, board, sc):
    """Sorties of each wing and drone unit (stochastic rounding keeps the expected number); the
    personnel of formations that have arrived; today's expectations reset."""
    fighting = board.ceasefire_day[r] < 0
    wings, units = tb.wings, tb.drone_units
    for w in range(wings.owner.shape[0]):
        x = fs.wings.aircraft[r, w] * rd.wings.sortie_rate[r, w] * fs.wings.commitment[r, w] \
            * board.air_commitment[r, wings.owner[w]]
        sc.sorties[w] = _stochastic_round(gen, x) if fighting and day >= wings.arrives[w] else 0.0
    for d in range(units.owner.shape[0]):
        x = fs.drone_units.drones[r, d] * rd.drone_units.sorties_per_day[r, d] * fs.drone_units.commitment[r, d] \
            * board.air_commitment[r, units.owner[d]]
        sc.drone_sorties[d] = _stochastic_round(gen, x) if fighting and day >= units.arrives[d] else 0.0
    for f in range(sc.personnel.shape[0]):
        sc.personnel[f] = fs.formations.personnel[r, f] if day >= tb.formations.arrives[f] else 0.0
    sc.lethal[...] = 0.0
    sc.kill_mean[...] = 0.0
    sc.armour_mean[...] = 0.0


@numba.njit(cache=True, nogil=True, inline="always")
def _sead_target(r, day, attacker, b, reach, fo, batteries, alive):
    """Battery b is a target for SEAD by ``attacker`` in run r: an enemy's, alive, arrived, in reach."""
    return fo[r, attacker, batteries.owner[b]] and alive[r, b] and day >= batteries.arrives[b] and reach[b]


@numba.njit(cache=True, nogil=True, inline="always")
def _spread_sead(r, day, owner, sorties, reach, kills, tb, fs, board, sc, row):
    """``sorties`` SEAD sorties of one wing or drone unit spread evenly over the enemy batteries in
    ``reach``; a wing's are also recorded in ``sc.sead_wb[row]`` (row -1: a drone unit's)."""
    bat, alive, fo = tb.batteries, fs.batteries.alive, board.fires_on
    cnt = 0
    for b in range(bat.owner.shape[0]):
        if _sead_target(r, day, owner, b, reach, fo, bat, alive):
            cnt += 1
    if cnt == 0:
        return
    per = sorties / cnt
    for b in range(bat.owner.shape[0]):
        if _sead_target(r, day, owner, b, reach, fo, bat, alive):
            if row >= 0:
                sc.sead_wb[row, b] = per
                sc.sead_on[b] += per
            sc.log_spare[b] += per * math.log1p(-min(kills, ALMOST_ONE))
            board.fired[r, owner, bat.owner[b]] = True


@numba.njit(cache=True, nogil=True, inline="always")
def _sead(r, day, tb, rd, fs, board, sc):
    """SEAD/DEAD: each wing's SEAD sorties, and each drone unit's sorties when it has SEAD kills."""
    sc.sead_on[...] = 0.0
    sc.log_spare[...] = 0.0
    sc.sead_wb[...] = 0.0
    for w in range(tb.wings.owner.shape[0]):
        ns = sc.sorties[w] * tb.wings.missions[w, SEAD]
        if ns > 0:
            _spread_sead(r, day, tb.wings.owner[w], ns, tb.wings.battery_reach[w], rd.wings.sead_kills[r, w],
                         tb, fs, board, sc, w)
    for d in range(tb.drone_units.owner.shape[0]):
        nd = sc.drone_sorties[d]
        if nd > 0 and rd.drone_units.sead_kills[r, d] > 0:
            _spread_sead(r, day, tb.drone_units.owner[d], nd, tb.drone_units.battery_reach[d],
                         rd.drone_units.sead_kills[r, d], tb, fs, board, sc, -1)


@numba.njit(cache=True, nogil=True, inline="always")
def _battery_readiness(gen, r, day, tb, rd, fs, board, sc):
    """Which batteries SEAD destroys today (one uniform drawn for every battery, so the draws do
    not depend on the state), and the engagement and survival odds of those still ready."""
    bat, bd = tb.batteries, rd.batteries
    supp, exposure = rd.air.sead_suppression[r], rd.air.drone_exposure[r]
    sc.e_eff[...] = 0.0
    sc.shot[...] = 0.0
    sc.shot_d[...] = 0.0
    sc.ready[...] = False
    for b in range(bat.owner.shape[0]):
        on = fs.batteries.alive[r, b] and day >= bat.arrives[b]
        u = gen.random()
        sc.destroyed[b] = on and u < -math.expm1(sc.log_spare[b])
        e = bd.engagement_prob[r, b] * (1.0 - supp * (1.0 if sc.sead_on[b] > 0 else 0.0))
        sc.e_eff[b] = e
        sc.ready[b] = on and not sc.destroyed[b] and fs.batteries.missiles[r, b] >= 1
        if sc.ready[b]:
            pk = bd.kill_prob[r, b]
            sc.shot[b] = math.log1p(-min(e * pk, ALMOST_ONE))
            sc.shot_d[b] = math.log1p(-min(min(e * exposure, 1.0) * pk, ALMOST_ONE))


@numba.njit(cache=True, nogil=True, inline="always")
def _air_defence_threat(r, tb, fs, board, sc):
    """The log survival of each flying actor's sorties over each formation's place, and each ready
    battery's targets (the flying actors it fires on) and covered formations, listed once."""
    fo, loc = board.fires_on, fs.formations.place
    for a in sc.fliers:
        sc.log_surv[a, :] = 0.0
        sc.log_surv_d[a, :] = 0.0
        sc.over[a, :] = 0.0
    for b in range(tb.batteries.owner.shape[0]):
        sc.n_targets[b] = 0
        sc.n_covered[b] = 0
        if not sc.ready[b]:
            continue
        for a in sc.fliers:
            if fo[r, tb.batteries.owner[b], a]:
                sc.targets[b, sc.n_targets[b]] = a
                sc.n_targets[b] += 1
        for f in range(loc.shape[1]):
            if tb.batteries.cover[b, loc[r, f]]:
                sc.covered[b, sc.n_covered[b]] = f
                sc.n_covered[b] += 1
        for j in range(sc.n_covered[b]):
            f = sc.covered[b, j]
            for i in range(sc.n_targets[b]):
                a = sc.targets[b, i]
                sc.log_surv[a, f] += sc.shot[b]
                sc.log_surv_d[a, f] += sc.shot_d[b]


@numba.njit(cache=True, nogil=True, inline="always")
def _wing_ground_attack(r, tb, rd, fs, board, plan, sc):
    """Close air support on formations fighting today, strike and interdiction on any in reach.
    Wings of one owner with the same reach pick the same targets in the same proportions, so their
    sorties are pooled by group; ``q_deep``/``q_cas`` are the pool's losses per sortie."""
    wings, fo, loc, pers, owner = tb.wings, board.fires_on, fs.formations.place, sc.personnel, tb.formations.owner
    sc.g_deep[...] = 0.0
    sc.g_cas[...] = 0.0
    sc.g_deep_k[...] = 0.0
    sc.g_cas_k[...] = 0.0
    for w in range(wings.owner.shape[0]):
        if sc.sorties[w] <= 0:
            continue
        g = wings.group[w]
        deep = sc.sorties[w] * (wings.missions[w, STRIKE] + wings.missions[w, INTERDICTION])
        cas = sc.sorties[w] * wings.missions[w, CAS]
        sc.g_deep[g] += deep
        sc.g_cas[g] += cas
        sc.g_deep_k[g] += deep * rd.wings.strike_kills[r, w]
        sc.g_cas_k[g] += cas * rd.wings.strike_kills[r, w]
    for g in range(wings.group_owner.shape[0]):
        sc.q_deep[g] = 0.0
        sc.q_cas[g] = 0.0
        if sc.g_deep[g] <= 0 and sc.g_cas[g] <= 0:
            continue
        a = wings.group_owner[g]
        tot_eng = 0.0
        tot_all = 0.0
        for f in range(pers.shape[0]):
            if pers[f] > 0 and fo[r, a, owner[f]] and wings.group_reach[g, loc[r, f]]:
                tot_all += pers[f]
                if plan.engaged[r, f]:
                    tot_eng += pers[f]
        for f in range(pers.shape[0]):
            if pers[f] > 0 and fo[r, a, owner[f]] and wings.group_reach[g, loc[r, f]]:
                x_deep = pers[f] / tot_all                     # shares of the pooled sorties
                x_cas = pers[f] / tot_eng if plan.engaged[r, f] else 0.0
                to = sc.g_deep[g] * x_deep + sc.g_cas[g] * x_cas
                q = -math.expm1(sc.log_surv[a, f])
                sc.q_deep[g] += x_deep * q
                sc.q_cas[g] += x_cas * q
                kills = (1.0 - q) * (sc.g_deep_k[g] * x_deep + sc.g_cas_k[g] * x_cas)
                sc.kill_mean[f] += kills
                sc.armour_mean[f] += kills * rd.air.cas_armour_share[r]
                sc.over[a, f] += to
                if to > 0:
                    board.fired[r, a, owner[f]] = True


@numba.njit(cache=True, nogil=True, inline="always")
def _wing_exposure(r, tb, board, sc):
    """Each wing's expected losses to air defence: its sorties times its pool's loss per sortie, and
    for its SEAD sorties the fire of every battery covering their target's place."""
    wings, bat, fo = tb.wings, tb.batteries, board.fires_on
    sc.sead_over[...] = 0.0
    sc.ad_expected[...] = 0.0
    for w in range(wings.owner.shape[0]):
        if sc.sorties[w] <= 0:
            continue
        a = wings.owner[w]
        g = wings.group[w]
        deep = wings.missions[w, STRIKE] + wings.missions[w, INTERDICTION]
        sc.ad_expected[w] = sc.sorties[w] * (deep * sc.q_deep[g] + wings.missions[w, CAS] * sc.q_cas[g])
        for b in range(bat.owner.shape[0]):
            if sc.sead_wb[w, b] <= 0:
                continue
            ls = 0.0
            for b2 in range(bat.owner.shape[0]):
                if sc.ready[b2] and bat.cover[b2, bat.place[b]] and fo[r, bat.owner[b2], a]:
                    ls += sc.shot[b2]
                    sc.sead_over[b2, a] += sc.sead_wb[w, b]
            sc.ad_expected[w] += sc.sead_wb[w, b] * -math.expm1(ls)


@numba.njit(cache=True, nogil=True, inline="always")
def _drone_ground_attack(r, tb, rd, fs, board, sc):
    """Drone sorties over enemy formations in reach, in proportion to their strength."""
    units, fo, loc, pers, owner = tb.drone_units, board.fires_on, fs.formations.place, sc.personnel, tb.formations.owner
    exposure = rd.air.drone_exposure[r]
    sc.d_expected[...] = 0.0
    for d in range(units.owner.shape[0]):
        if sc.drone_sorties[d] <= 0:
            continue
        a = units.owner[d]
        tot = 0.0
        for f in range(pers.shape[0]):
            if pers[f] > 0 and fo[r, a, owner[f]] and units.reach[d, loc[r, f]]:
                tot += pers[f]
        if tot <= 0:
            continue
        for f in range(pers.shape[0]):
            if pers[f] > 0 and fo[r, a, owner[f]] and units.reach[d, loc[r, f]]:
                to = sc.drone_sorties[d] * pers[f] / tot
                q = -math.expm1(sc.log_surv_d[a, f])
                sc.d_expected[d] += to * q
                surviving = to * (1.0 - q)
                sc.kill_mean[f] += surviving * rd.drone_units.strike_kills[r, d]
                sc.armour_mean[f] += surviving * rd.drone_units.armour_kills[r, d]
                board.fired[r, a, owner[f]] = True
                sc.over[a, f] += to * exposure


@numba.njit(cache=True, nogil=True, inline="always")
def _engagements(gen, r, tb, rd, fs, board, losses, sc):
    """Every sortie over a covered place (and every SEAD sortie at its target) may be engaged:
    missiles fired are Poisson around the expected engagements; then batteries destroyed by SEAD
    are lost and the others reload."""
    bat, missiles = tb.batteries, fs.batteries.missiles
    for b in range(bat.owner.shape[0]):
        shots = 0.0
        if sc.ready[b]:
            engagements = 0.0
            for i in range(sc.n_targets[b]):
                a = sc.targets[b, i]
                on_a = 0.0
                for j in range(sc.n_covered[b]):
                    on_a += sc.over[a, sc.covered[b, j]]
                on_a += sc.sead_over[b, a]
                if on_a > 0:
                    if on_a * sc.e_eff[b] > 0:
                        board.fired[r, bat.owner[b], a] = True
                    sc.lethal[bat.owner[b], a] += on_a * sc.e_eff[b] * rd.batteries.kill_prob[r, b]
                engagements += on_a
            shots = engagements * sc.e_eff[b]
        used = float(poisson(gen, shots))
        missiles[r, b] = max(missiles[r, b] - used, 0.0)
        if sc.destroyed[b]:
            fs.batteries.alive[r, b] = False
            losses.air_defence_lost[r, bat.owner[b]] += 1.0
        reload = rd.batteries.reload_per_day[r, b] if fs.batteries.alive[r, b] else 0.0
        missiles[r, b] = min(missiles[r, b] + reload, rd.batteries.missiles0[r, b])


@numba.njit(cache=True, nogil=True, inline="always")
def _counter_air(r, tb, rd, board, sc):
    """Each actor's fighters (kill potential K_a) shared over the sorties T_a of those it fires on:
    a's fire adds K_a / max(T_a, 1) to the hazard of each (docs/model.md, "Air", 4 "Counter-air")."""
    wings, units, fo = tb.wings, tb.drone_units, board.fires_on
    n_a = fo.shape[1]
    sc.ca_potential[...] = 0.0
    sc.flown[...] = 0.0
    for w in range(wings.owner.shape[0]):
        sc.ca_potential[wings.owner[w]] += sc.sorties[w] * wings.missions[w, CA] * rd.wings.air_to_air[r, w]
        sc.flown[wings.owner[w]] += sc.sorties[w]
    for d in range(units.owner.shape[0]):
        sc.flown[units.owner[d]] += sc.drone_sorties[d] * rd.air.drone_exposure[r]
    sc.hazard[...] = 0.0
    for a in range(n_a):
        if sc.ca_potential[a] <= 0:
            continue
        targets = 0.0
        for b in range(n_a):
            if fo[r, a, b]:
                targets += sc.flown[b]
        for b in range(n_a):
            if fo[r, a, b] and sc.flown[b] > 0:
                sc.hazard[b] += sc.ca_potential[a] / max(targets, 1.0)
                board.fired[r, a, b] = True
                sc.lethal[a, b] += sc.ca_potential[a]


@numba.njit(cache=True, nogil=True, inline="always")
def _air_losses(gen, r, tb, rd, fs, board, losses, plan, sc):
    """Aircraft and drones lost (binomial over the sorties flown); the run is marked in
    ``plan.air_lost`` and the kill credited in ``downed`` to every actor whose fire was lethal."""
    wings, units = tb.wings, tb.drone_units
    n_a = board.fires_on.shape[1]
    sc.lost_by_actor[...] = 0.0
    for w in range(wings.owner.shape[0]):
        if sc.sorties[w] > 0:
            a = wings.owner[w]
            sc.lost_by_actor[a] += flier_losses(gen, r, w, sc.sorties[w], sc.ad_expected[w], sc.hazard[a],
                                                fs.wings.aircraft, losses.aircraft_lost, a)
    for d in range(units.owner.shape[0]):
        if sc.drone_sorties[d] > 0:
            a = units.owner[d]
            sc.lost_by_actor[a] += flier_losses(gen, r, d, sc.drone_sorties[d], sc.d_expected[d],
                                                sc.hazard[a] * rd.air.drone_exposure[r], fs.drone_units.drones,
                                                losses.uav_lost, a)
    for a in range(n_a):
        if sc.lost_by_actor[a] > 0:
            plan.air_lost[r] = True
    for b in range(n_a):
        if sc.lost_by_actor[b] > 0:
            for a in range(n_a):
                if sc.lethal[a, b] > 0:
                    board.downed[r, a, b] = True


@numba.njit(cache=True, nogil=True, inline="always")
def _strikes(gen, r, tb, fs, losses, sc):
    """Personnel killed (Poisson), and pieces destroyed: a Poisson number split over tanks, IFVs and
    guns by their shares of the formation's heavy equipment (multinomially, which makes each kind's
    count Poisson with its share of the mean: Poisson thinning)."""
    form = fs.formations
    for f in range(sc.kill_mean.shape[0]):
        if sc.kill_mean[f] <= 0 and sc.armour_mean[f] <= 0:
            continue
        tanks, ifvs, art = form.tanks[r, f], form.ifvs[r, f], form.artillery[r, f]
        heavy = tanks + ifvs + art
        pt = pi = pg = 0.0
        if heavy > 0 and sc.armour_mean[f] > 0:
            pieces = poisson(gen, sc.armour_mean[f])
            share_t, share_i = tanks / heavy, ifvs / heavy
            if 0 < pieces <= FEW:
                for _ in range(pieces):      # each piece's kind drawn on its own: the same multinomial
                    u = gen.random()
                    if u < share_t:
                        pt += 1.0
                    elif u < share_t + share_i:
                        pi += 1.0
                    else:
                        pg += 1.0
            elif pieces > FEW:
                pt = float(gen.binomial(pieces, min(share_t, 1.0)))
                rest = ifvs + art
                pi = float(gen.binomial(pieces - int(pt), min(ifvs / rest, 1.0))) if rest > 0 else 0.0
                pg = float(pieces) - pt - pi
        k = float(poisson(gen, sc.kill_mean[f]))
        take_ground_losses(r, f, k, pt, pi, pg, form, tb.formations.owner, losses)
