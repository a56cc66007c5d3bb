"""The air war of one day, for all runs at once.

Order within the day (each step uses what the previous one left):

1. **Sorties** of each wing: aircraft x sortie rate x commitment (the wing's and its actor's), rounded
   stochastically; split over missions by the wing's doctrine weights. Drones fly
   count x sorties per day x commitment.
2. **SEAD/DEAD**: SEAD sorties spread evenly over the enemy batteries in reach. A battery that any
   SEAD sortie targets has its engagement probability cut by ``sead-suppression`` for the day, and
   is destroyed with probability ``1 - prod(1 - k)^n`` over the sorties (and drone sorties) aimed at
   it, k being their ``sead_kills``.
3. **Counter-air**: actor a's fighters bring kill potential ``K_a = sum(counter-air sorties x
   air_to_air)``, shared over the sorties ``T_a`` of every actor it fires on; a sortie of actor b
   is then lost with probability ``1 - exp(-sum_a K_a / T_a)`` (drones: times ``drone-exposure``).
4. **Air defence**: a sortie over place p is lost with probability ``1 - prod_k (1 - e_k pk_k)``
   over the live batteries k covering p that fire on its actor and have missiles left (the
   engagement probability of drones is multiplied by ``drone-exposure``). Each engagement uses a
   missile.
5. **Ground attack**: close air support goes to enemy formations fighting today, strike and
   interdiction to any enemy formation in reach, in proportion to their strength; each surviving
   sortie kills ``strike_kills`` personnel on average (Poisson) and ``cas-armour-share`` pieces of
   heavy equipment per person killed; drones also destroy ``armour_kills`` pieces per sortie.

Losses of a wing are binomial: its sorties times the combined loss probability of its missions.
Missiles fired are Poisson around the expected engagements; destroyed batteries no longer reload.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numba
import numpy as np

from flashpoint.engine.geometry import Geometry
from flashpoint.engine.rng import Streams, poisson
from flashpoint.engine.state import State
from flashpoint.engine.theatre import MISSIONS, Theatre

if TYPE_CHECKING:
    from flashpoint.engine.ground import Plan

CA, SEAD, CAS, INTERDICTION, STRIKE = (MISSIONS.index(m) for m in MISSIONS)
ALMOST_ONE = 1 - 1e-9
FEW = 8
"""Up to this many pieces destroyed, each piece's kind is drawn with one uniform number; more are
split with two binomial draws (the same multinomial distribution, drawn more cheaply either way)."""


def air_phase(th: Theatre, geo: Geometry, st: State, rng: Streams, plan: Plan) -> None:
    """One day of air operations against today's ``plan`` (its engaged formations; the runs that
    lose aircraft or drones are marked in it).

    The whole day of a run happens in one compiled loop, random draws included: each granule of
    runs (see :mod:`.rng`) draws from its own generator, run after run, so a run's numbers do not
    depend on how the runs are split into blocks."""
    args = air_args(th, geo, st, plan.engaged, plan.air_lost)
    for gen, lo, hi in rng.granules():
        air_kernel(gen, lo, hi, st.day, *args)


def air_args(th: Theatre, geo: Geometry, st: State, engaged: np.ndarray, air_lost: np.ndarray) -> tuple:
    """The air kernel's arguments after (gen, lo, hi, day); ``air_lost`` (R,) is set for the runs
    that lose aircraft or drones."""
    p = st.params
    L = st.losses
    return (th.w_missions, th.w_owner, th.d_owner, th.b_owner, th.g_owner, th.w_arrives, th.d_arrives,
            th.b_arrives, th.g_arrives, st.ceasefire_day, st.aircraft,
            st.sortie_rate, st.w_commit, st.drones, st.d_sorties, st.d_commit, st.air_commitment, st.fires_on,
            st.alive, st.missiles, st.missiles0, st.reload, st.pe, st.pk, st.w_sead, st.d_sead, st.a2a,
            st.w_strike, st.d_strike, st.d_armour, p["sead-suppression"], p["drone-exposure"],
            p["cas-armour-share"], geo.wing_reach_b, geo.drone_reach_b, geo.wing_group, geo.group_owner,
            geo.group_reach, geo.drone_reach, geo.cover, th.b_place, st.pers, st.tanks, st.ifvs, st.art, st.loc,
            engaged, air_lost, st.fired, st.downed, L["air_defence_lost"], L["aircraft_lost"], L["uav_lost"],
            L["personnel_killed"], L["tanks_lost"], L["ifvs_lost"], L["artillery_lost"])


@numba.njit(cache=True, nogil=True)
def _stochastic_round(gen, x):
    """Round down or up with probability equal to the fraction, so the mean is kept."""
    base = math.floor(x)
    return base + (1.0 if gen.random() < x - base else 0.0)


@numba.njit(cache=True, nogil=True)
def _sead_target(r, day, attacker, b, reach, fo, b_owner, alive, b_arrives):
    """Battery b is a target for SEAD by ``attacker`` in run r: an enemy's, alive, arrived, in reach."""
    return fo[r, attacker, b_owner[b]] and alive[r, b] and day >= b_arrives[b] and reach[b]


@numba.njit(cache=True, nogil=True)
def _flier_losses(gen, r, u, sorties, ad_expected, hazard, units, lost_by, owner):
    """Losses of wing or drone unit u of run r: Binomial(sorties, 1 - exp(-hazard) (1 - p_ad)),
    p_ad its expected losses to air defence per sortie, capped at what it has; booked to ``owner``."""
    p_ad = min(max(ad_expected / sorties, 0.0), 1.0)
    p_loss = 1.0 - math.exp(-hazard) * (1.0 - p_ad)
    lost = min(float(gen.binomial(int(sorties), min(max(p_loss, 0.0), 1.0))), units[r, u])
    units[r, u] -= lost
    lost_by[r, owner] += lost
    return lost


@numba.njit(cache=True, nogil=True)
def take_ground_losses(r, f, killed, tanks, ifvs, guns, pers, tank_arr, ifv_arr, art_arr, owner,
                       killed_by, tanks_by, ifvs_by, art_by):
    """Take losses from formation f of run r, each capped at what it has, and book them to its owner."""
    killed = min(killed, pers[r, f])
    tanks = min(tanks, tank_arr[r, f])
    ifvs = min(ifvs, ifv_arr[r, f])
    guns = min(guns, art_arr[r, f])
    pers[r, f] -= killed
    tank_arr[r, f] -= tanks
    ifv_arr[r, f] -= ifvs
    art_arr[r, f] -= guns
    a = owner[f]
    killed_by[r, a] += killed
    tanks_by[r, a] += tanks
    ifvs_by[r, a] += ifvs
    art_by[r, a] += guns


@numba.njit(cache=True, nogil=True)
def air_kernel(gen, lo, hi, day, missions, w_owner, d_owner, b_owner, g_owner, w_arrives, d_arrives, b_arrives,
               g_arrives,
                ceasefire_day, aircraft, sortie_rate, w_commit, drones, d_rate, d_commit, air_commitment,
                fo, alive, missiles, missiles0, reload, pe, pk, w_sead, d_sead, a2a, w_strike, d_strike, d_armour,
                supp, exposure, armour_share, wing_reach_b, drone_reach_b, wing_group, group_owner, group_reach,
                drone_reach, cover, b_place, pers_all, tanks, ifvs, art, loc, engaged, air_lost, fired, downed,
                ad_lost_by, aircraft_lost_by, uav_lost_by, killed_by, tanks_by, ifvs_by, art_by):
    """The day of runs [lo, hi), run by run, drawing from the granule's generator ``gen``.

    ``fired[r, a, b]`` is set as soon as a's weapons are expected to engage b's aircraft or a's
    aircraft attack b's forces; ``lethal[a, b]`` is the expected number of b's aircraft a's weapons
    kill (credit for a kill: ``downed``)."""
    n_w, n_g = missions.shape[0], group_owner.shape[0]
    n_d, n_b, n_f, n_a = d_owner.shape[0], b_owner.shape[0], pers_all.shape[1], fo.shape[1]
    flies = np.zeros(n_a, dtype=np.bool_)  # only actors with aircraft or drones can be engaged in the air
    for w in range(n_w):
        flies[w_owner[w]] = True
    for d in range(n_d):
        flies[d_owner[d]] = True
    fliers = np.flatnonzero(flies)
    # scratch arrays, reset for every run (allocating them per run costs more than the work)
    sorties = np.zeros(n_w)
    d_sorties = np.zeros(n_d)
    pers = np.zeros(n_f)
    sead_on = np.zeros(n_b)
    log_spare = np.zeros(n_b)
    sead_wb = np.zeros((n_w, n_b))
    e_eff = np.zeros(n_b)
    shot = np.zeros(n_b)
    shot_d = np.zeros(n_b)
    ready = np.zeros(n_b, dtype=np.bool_)
    destroyed = np.zeros(n_b, dtype=np.bool_)
    log_surv = np.zeros((n_a, n_f))
    log_surv_d = np.zeros((n_a, n_f))
    over = np.zeros((n_a, n_f))
    sead_over = np.zeros((n_b, n_a))
    ad_expected = np.zeros(n_w)
    d_expected = np.zeros(n_d)
    ca_potential = np.zeros(n_a)
    flown = np.zeros(n_a)
    hazard = np.zeros(n_a)
    lethal = np.zeros((n_a, n_a))
    tgt = np.zeros((n_b, n_a), dtype=np.int64)
    n_tgt = np.zeros(n_b, dtype=np.int64)
    cov = np.zeros((n_b, n_f), dtype=np.int64)
    n_cov = np.zeros(n_b, dtype=np.int64)
    g_deep = np.zeros(n_g)
    g_cas = np.zeros(n_g)
    g_deep_k = np.zeros(n_g)
    g_cas_k = np.zeros(n_g)
    q_deep = np.zeros(n_g)
    q_cas = np.zeros(n_g)
    kill_mean = np.zeros(n_f)
    armour_mean = np.zeros(n_f)
    lost_by_actor = np.zeros(n_a)
    for r in range(lo, hi):
        # sorties: stochastic rounding keeps the expected number
        fighting = ceasefire_day[r] < 0
        for w in range(n_w):
            x = aircraft[r, w] * sortie_rate[r, w] * w_commit[r, w] * air_commitment[r, w_owner[w]]
            sorties[w] = _stochastic_round(gen, x) if fighting and day >= w_arrives[w] else 0.0
        for d in range(n_d):
            x = drones[r, d] * d_rate[r, d] * d_commit[r, d] * air_commitment[r, d_owner[d]]
            d_sorties[d] = _stochastic_round(gen, x) if fighting and day >= d_arrives[d] else 0.0
        for f in range(n_f):
            pers[f] = pers_all[r, f] if day >= g_arrives[f] else 0.0
        lethal[...] = 0.0
        kill_mean[...] = 0.0
        armour_mean[...] = 0.0

        # SEAD: sorties spread evenly over the enemy batteries in reach
        sead_on[...] = 0.0
        log_spare[...] = 0.0
        sead_wb[...] = 0.0
        for w in range(n_w):
            ns = sorties[w] * missions[w, SEAD]
            if ns <= 0:
                continue
            cnt = 0
            for b in range(n_b):
                if _sead_target(r, day, w_owner[w], b, wing_reach_b[w], fo, b_owner, alive, b_arrives):
                    cnt += 1
            if cnt == 0:
                continue
            per = ns / cnt
            for b in range(n_b):
                if _sead_target(r, day, w_owner[w], b, wing_reach_b[w], fo, b_owner, alive, b_arrives):
                    sead_wb[w, b] = per
                    sead_on[b] += per
                    log_spare[b] += per * math.log1p(-min(w_sead[r, w], ALMOST_ONE))
                    fired[r, w_owner[w], b_owner[b]] = True
        for d in range(n_d):
            nd = d_sorties[d]
            if nd <= 0 or d_sead[r, d] <= 0:
                continue
            cnt = 0
            for b in range(n_b):
                if _sead_target(r, day, d_owner[d], b, drone_reach_b[d], fo, b_owner, alive, b_arrives):
                    cnt += 1
            if cnt == 0:
                continue
            per = nd / cnt
            for b in range(n_b):
                if _sead_target(r, day, d_owner[d], b, drone_reach_b[d], fo, b_owner, alive, b_arrives):
                    log_spare[b] += per * math.log1p(-min(d_sead[r, d], ALMOST_ONE))
                    fired[r, d_owner[d], b_owner[b]] = True
        e_eff[...] = 0.0
        shot[...] = 0.0
        shot_d[...] = 0.0
        ready[...] = False
        for b in range(n_b):
            on = alive[r, b] and day >= b_arrives[b]
            u = gen.random()        # drawn for every battery, so the draws do not depend on the state
            destroyed[b] = on and u < -math.expm1(log_spare[b])
            e = pe[r, b] * (1.0 - supp[r] * (1.0 if sead_on[b] > 0 else 0.0))
            e_eff[b] = e
            ready[b] = on and not destroyed[b] and missiles[r, b] >= 1
            if ready[b]:
                shot[b] = math.log1p(-min(e * pk[r, b], ALMOST_ONE))
                shot_d[b] = math.log1p(-min(min(e * exposure[r], 1.0) * pk[r, b], ALMOST_ONE))

        # air-defence threat to each actor's sorties over each formation's place
        for a in fliers:
            log_surv[a, :] = 0.0
            log_surv_d[a, :] = 0.0
            over[a, :] = 0.0
        # (each ready battery's targets: the flying actors it fires on, and the formations it covers)
        for b in range(n_b):
            n_tgt[b] = 0
            n_cov[b] = 0
            if not ready[b]:
                continue
            for a in fliers:
                if fo[r, b_owner[b], a]:
                    tgt[b, n_tgt[b]] = a
                    n_tgt[b] += 1
            for f in range(n_f):
                if cover[b, loc[r, f]]:
                    cov[b, n_cov[b]] = f
                    n_cov[b] += 1
            for j in range(n_cov[b]):
                f = cov[b, j]
                for i in range(n_tgt[b]):
                    a = tgt[b, i]
                    log_surv[a, f] += shot[b]
                    log_surv_d[a, f] += shot_d[b]

        # ground attack: CAS on formations fighting today, strike and interdiction on any in reach.
        # Wings of one owner with the same reach pick the same targets in the same proportions, so
        # their sorties are pooled by group, and each wing's expected losses to air defence are
        # its sorties times the pool's loss per sortie.
        sead_over[...] = 0.0
        ad_expected[...] = 0.0
        g_deep[...] = 0.0
        g_cas[...] = 0.0
        g_deep_k[...] = 0.0
        g_cas_k[...] = 0.0
        for w in range(n_w):
            if sorties[w] <= 0:
                continue
            g = wing_group[w]
            deep = sorties[w] * (missions[w, STRIKE] + missions[w, INTERDICTION])
            cas = sorties[w] * missions[w, CAS]
            g_deep[g] += deep
            g_cas[g] += cas
            g_deep_k[g] += deep * w_strike[r, w]
            g_cas_k[g] += cas * w_strike[r, w]
        for g in range(n_g):
            q_deep[g] = 0.0
            q_cas[g] = 0.0
            if g_deep[g] <= 0 and g_cas[g] <= 0:
                continue
            a = group_owner[g]
            tot_eng = 0.0
            tot_all = 0.0
            for f in range(n_f):
                if pers[f] > 0 and fo[r, a, g_owner[f]] and group_reach[g, loc[r, f]]:
                    tot_all += pers[f]
                    if engaged[r, f]:
                        tot_eng += pers[f]
            for f in range(n_f):
                if pers[f] > 0 and fo[r, a, g_owner[f]] and group_reach[g, loc[r, f]]:
                    x_deep = pers[f] / tot_all                     # shares of the pooled sorties
                    x_cas = pers[f] / tot_eng if engaged[r, f] else 0.0
                    to = g_deep[g] * x_deep + g_cas[g] * x_cas
                    q = -math.expm1(log_surv[a, f])
                    q_deep[g] += x_deep * q
                    q_cas[g] += x_cas * q
                    kills = (1.0 - q) * (g_deep_k[g] * x_deep + g_cas_k[g] * x_cas)
                    kill_mean[f] += kills
                    armour_mean[f] += kills * armour_share[r]
                    over[a, f] += to
                    if to > 0:
                        fired[r, a, g_owner[f]] = True
        for w in range(n_w):
            if sorties[w] <= 0:
                continue
            a = w_owner[w]
            g = wing_group[w]
            ad_expected[w] = sorties[w] * ((missions[w, STRIKE] + missions[w, INTERDICTION]) * q_deep[g]
                                           + missions[w, CAS] * q_cas[g])
            for b in range(n_b):
                if sead_wb[w, b] <= 0:
                    continue
                # a SEAD sortie flies over its target's place: every battery covering it may engage
                ls = 0.0
                for b2 in range(n_b):
                    if ready[b2] and cover[b2, b_place[b]] and fo[r, b_owner[b2], a]:
                        ls += shot[b2]
                        sead_over[b2, a] += sead_wb[w, b]
                ad_expected[w] += sead_wb[w, b] * -math.expm1(ls)
        d_expected[...] = 0.0
        for d in range(n_d):
            if d_sorties[d] <= 0:
                continue
            a = d_owner[d]
            tot = 0.0
            for f in range(n_f):
                if pers[f] > 0 and fo[r, a, g_owner[f]] and drone_reach[d, loc[r, f]]:
                    tot += pers[f]
            if tot <= 0:
                continue
            for f in range(n_f):
                if pers[f] > 0 and fo[r, a, g_owner[f]] and drone_reach[d, loc[r, f]]:
                    to = d_sorties[d] * pers[f] / tot
                    q = -math.expm1(log_surv_d[a, f])
                    d_expected[d] += to * q
                    surviving = to * (1.0 - q)
                    kill_mean[f] += surviving * d_strike[r, d]
                    armour_mean[f] += surviving * d_armour[r, d]
                    fired[r, a, g_owner[f]] = True
                    over[a, f] += to * exposure[r]

        # engagements: every sortie over a covered place (and every SEAD sortie at its target)
        for b in range(n_b):
            shots = 0.0
            if ready[b]:
                engagements = 0.0
                for i in range(n_tgt[b]):
                    a = tgt[b, i]
                    on_a = 0.0
                    for j in range(n_cov[b]):
                        on_a += over[a, cov[b, j]]
                    on_a += sead_over[b, a]
                    if on_a > 0:
                        if on_a * e_eff[b] > 0:
                            fired[r, b_owner[b], a] = True
                        lethal[b_owner[b], a] += on_a * e_eff[b] * pk[r, b]
                    engagements += on_a
                shots = engagements * e_eff[b]
            # missiles fired (Poisson around the expected engagements), then the day's reload
            used = float(poisson(gen, shots))
            missiles[r, b] = max(missiles[r, b] - used, 0.0)
            if destroyed[b]:
                alive[r, b] = False
                ad_lost_by[r, b_owner[b]] += 1.0
            missiles[r, b] = min(missiles[r, b] + (reload[r, b] if alive[r, b] else 0.0), missiles0[r, b])

        # counter-air: each actor's fighters shared over the sorties of those it fires on
        ca_potential[...] = 0.0
        flown[...] = 0.0
        for w in range(n_w):
            ca_potential[w_owner[w]] += sorties[w] * missions[w, CA] * a2a[r, w]
            flown[w_owner[w]] += sorties[w]
        for d in range(n_d):
            flown[d_owner[d]] += d_sorties[d] * exposure[r]
        hazard[...] = 0.0
        for a in range(n_a):
            if ca_potential[a] <= 0:
                continue
            targets = 0.0
            for b in range(n_a):
                if fo[r, a, b]:
                    targets += flown[b]
            for b in range(n_a):
                if fo[r, a, b] and flown[b] > 0:
                    hazard[b] += ca_potential[a] / max(targets, 1.0)
                    fired[r, a, b] = True
                    lethal[a, b] += ca_potential[a]

        # losses of aircraft and drones: binomial over the sorties flown
        lost_by_actor[...] = 0.0
        for w in range(n_w):
            if sorties[w] > 0:
                lost_by_actor[w_owner[w]] += _flier_losses(gen, r, w, sorties[w], ad_expected[w], hazard[w_owner[w]],
                                                           aircraft, aircraft_lost_by, w_owner[w])
        for d in range(n_d):
            if d_sorties[d] > 0:
                lost_by_actor[d_owner[d]] += _flier_losses(gen, r, d, d_sorties[d], d_expected[d],
                                                           hazard[d_owner[d]] * exposure[r], drones, uav_lost_by,
                                                           d_owner[d])
        for a in range(n_a):
            if lost_by_actor[a] > 0:
                air_lost[r] = True
        for b in range(n_a):
            if lost_by_actor[b] > 0:
                for a in range(n_a):
                    if lethal[a, b] > 0:
                        downed[r, a, b] = True

        # strikes: personnel killed (Poisson), and pieces destroyed: a Poisson number split over
        # tanks, IFVs and guns by their shares of the formation's heavy equipment (multinomially,
        # which makes each kind's count Poisson with its share of the mean: Poisson thinning)
        for f in range(n_f):
            if kill_mean[f] <= 0 and armour_mean[f] <= 0:
                continue
            heavy = tanks[r, f] + ifvs[r, f] + art[r, f]
            pt = pi = pg = 0.0
            if heavy > 0 and armour_mean[f] > 0:
                pieces = poisson(gen, armour_mean[f])
                share_t, share_i = tanks[r, f] / heavy, ifvs[r, f] / heavy
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
                    rest = ifvs[r, f] + art[r, f]
                    pi = float(gen.binomial(pieces - int(pt), min(ifvs[r, f] / rest, 1.0))) if rest > 0 else 0.0
                    pg = float(pieces) - pt - pi
            k = float(poisson(gen, kill_mean[f]))
            take_ground_losses(r, f, k, pt, pi, pg, pers_all, tanks, ifvs, art, g_owner,
                               killed_by, tanks_by, ifvs_by, art_by)
