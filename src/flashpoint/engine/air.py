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
"""

from __future__ import annotations

import math

import numba
import numpy as np

from flashpoint.engine.geometry import Geometry
from flashpoint.engine.rng import Streams
from flashpoint.engine.state import State
from flashpoint.engine.theatre import MISSIONS, Theatre

CA, SEAD, CAS, INTERDICTION, STRIKE = (MISSIONS.index(m) for m in MISSIONS)
ALMOST_ONE = 1 - 1e-9


def stochastic_round(x: np.ndarray, rng: Streams) -> np.ndarray:
    """Round down or up with probability equal to the fraction, so the mean is kept."""
    base = np.floor(x)
    return base + (rng.random(*x.shape[1:]) < (x - base))


def air_phase(th: Theatre, geo: Geometry, st: State, rng: Streams, engaged: np.ndarray) -> None:
    """One day of air operations; ``engaged`` (R, F) marks formations in ground combat today."""
    day, p = st.day, st.params
    fighting = st.fighting[:, None]
    w_on = fighting & (day >= th.w_arrives)[None, :]
    sorties = stochastic_round(st.aircraft * st.sortie_rate * st.w_commit
                               * st.air_commitment[:, th.w_owner] * w_on, rng)
    d_on = fighting & (day >= th.d_arrives)[None, :]
    d_sorties = stochastic_round(st.drones * st.d_sorties * st.d_commit
                                 * st.air_commitment[:, th.d_owner] * d_on, rng)
    u_sead = rng.random(len(th.batteries))
    n, n_a = st.n, th.n_actors
    destroyed = np.zeros((n, len(th.batteries)), dtype=np.bool_)
    p_loss = np.zeros((n, len(th.wings)))
    p_dloss = np.zeros((n, len(th.drones)))
    shots = np.zeros((n, len(th.batteries)))
    kill_mean = np.zeros((n, len(th.ground)))
    armour_mean = np.zeros((n, len(th.ground)))
    threat = np.zeros((n, n_a, n_a))
    lethal = np.zeros((n, n_a, n_a))
    hits = np.zeros((n, n_a, n_a))
    _air_kernel(sorties, d_sorties, u_sead, th.w_missions, th.w_owner, th.d_owner, th.b_owner, th.g_owner,
                st.fires_on, st.alive, day >= th.b_arrives, st.missiles, st.pe, st.pk, st.w_sead, st.d_sead,
                st.a2a, st.w_strike, st.d_strike, st.d_armour, p["sead-suppression"], p["drone-exposure"],
                p["cas-armour-share"], geo.wing_reach_b, geo.drone_reach_b, geo.wing_reach, geo.drone_reach,
                geo.cover > 0, th.b_place, st.pers * (day >= th.g_arrives)[None, :], st.loc, engaged,
                destroyed, p_loss, p_dloss, shots, kill_mean, armour_mean, threat, lethal, hits)
    st.alive &= ~destroyed
    _add_losses(st.losses["air_defence_lost"], destroyed.astype(float), geo.owner_b)

    lost = np.minimum(rng.binomial(sorties, p_loss), st.aircraft)
    st.aircraft -= lost
    _add_losses(st.losses["aircraft_lost"], lost, geo.owner_w)
    d_lost = np.minimum(rng.binomial(d_sorties, p_dloss), st.drones)
    st.drones -= d_lost
    _add_losses(st.losses["uav_lost"], d_lost, geo.owner_d)

    st.missiles = np.maximum(st.missiles - rng.poisson(shots), 0)
    st.missiles = np.minimum(st.missiles + st.reload * st.alive, st.missiles0)

    lost_by_actor = lost @ geo.owner_w + d_lost @ geo.owner_d                     # (R, A)
    st.fired |= (threat > 0) | (hits > 0)
    st.downed |= (lethal > 0) & (lost_by_actor[:, None, :] > 0)
    # pieces destroyed: Poisson, split over tanks, IFVs and guns by their shares (Poisson thinning)
    pieces = rng.poisson(armour_mean[..., None] * heavy_shares(st))
    apply_ground_losses(st, geo, rng.poisson(kill_mean), pieces[..., 0], pieces[..., 1], pieces[..., 2])


@numba.njit(cache=True, nogil=True)
def _air_kernel(sorties, d_sorties, u_sead, missions, w_owner, d_owner, b_owner, g_owner,
                fo, alive, b_arrived, missiles, pe, pk, w_sead, d_sead, a2a, w_strike, d_strike, d_armour,
                supp, exposure, armour_share, wing_reach_b, drone_reach_b, wing_reach, drone_reach, cover,
                b_place, pers, loc, engaged,
                destroyed, p_loss, p_dloss, shots, kill_mean, armour_mean, threat, lethal, hits):
    """The day's expected air effects, run by run (the random draws are made outside).

    ``threat[a, b]`` is the expected number of engagements of b's aircraft by a's weapons (a fired on
    b), ``lethal[a, b]`` the expected number of b's aircraft a's weapons kill (credit for a kill)."""
    n_r, n_w = sorties.shape
    n_d, n_b, n_f, n_a = d_sorties.shape[1], u_sead.shape[1], pers.shape[1], fo.shape[1]
    flies = np.zeros(n_a, dtype=np.bool_)  # only actors with aircraft or drones can be engaged in the air
    for w in range(n_w):
        flies[w_owner[w]] = True
    for d in range(n_d):
        flies[d_owner[d]] = True
    # scratch arrays, reset for every run (allocating them per run costs more than the work)
    sead_on = np.zeros(n_b)
    log_spare = np.zeros(n_b)
    sead_wb = np.zeros((n_w, n_b))
    e_eff = np.zeros(n_b)
    shot = np.zeros(n_b)
    shot_d = np.zeros(n_b)
    ready = np.zeros(n_b, dtype=np.bool_)
    log_surv = np.zeros((n_a, n_f))
    log_surv_d = np.zeros((n_a, n_f))
    over = np.zeros((n_a, n_f))
    sead_over = np.zeros((n_b, n_a))
    ad_expected = np.zeros(n_w)
    d_expected = np.zeros(n_d)
    ca_potential = np.zeros(n_a)
    flown = np.zeros(n_a)
    hazard = np.zeros(n_a)
    for r in range(n_r):
        # SEAD: sorties spread evenly over the enemy batteries in reach
        sead_on[...] = 0.0
        log_spare[...] = 0.0
        sead_wb[...] = 0.0
        for w in range(n_w):
            ns = sorties[r, w] * missions[w, SEAD]
            if ns <= 0:
                continue
            cnt = 0
            for b in range(n_b):
                if fo[r, w_owner[w], b_owner[b]] and alive[r, b] and b_arrived[b] and wing_reach_b[w, b]:
                    cnt += 1
            if cnt == 0:
                continue
            per = ns / cnt
            for b in range(n_b):
                if fo[r, w_owner[w], b_owner[b]] and alive[r, b] and b_arrived[b] and wing_reach_b[w, b]:
                    sead_wb[w, b] = per
                    sead_on[b] += per
                    log_spare[b] += per * math.log1p(-min(w_sead[r, w], ALMOST_ONE))
                    hits[r, w_owner[w], b_owner[b]] += per
        for d in range(n_d):
            nd = d_sorties[r, d]
            if nd <= 0 or d_sead[r, d] <= 0:
                continue
            cnt = 0
            for b in range(n_b):
                if fo[r, d_owner[d], b_owner[b]] and alive[r, b] and b_arrived[b] and drone_reach_b[d, b]:
                    cnt += 1
            if cnt == 0:
                continue
            per = nd / cnt
            for b in range(n_b):
                if fo[r, d_owner[d], b_owner[b]] and alive[r, b] and b_arrived[b] and drone_reach_b[d, b]:
                    log_spare[b] += per * math.log1p(-min(d_sead[r, d], ALMOST_ONE))
                    hits[r, d_owner[d], b_owner[b]] += per
        e_eff[...] = 0.0
        shot[...] = 0.0
        shot_d[...] = 0.0
        ready[...] = False
        for b in range(n_b):
            on = alive[r, b] and b_arrived[b]
            destroyed[r, b] = on and u_sead[r, b] < -math.expm1(log_spare[b])
            e = pe[r, b] * (1.0 - supp[r] * (1.0 if sead_on[b] > 0 else 0.0))
            e_eff[b] = e
            ready[b] = on and not destroyed[r, b] and missiles[r, b] >= 1
            if ready[b]:
                shot[b] = math.log1p(-min(e * pk[r, b], ALMOST_ONE))
                shot_d[b] = math.log1p(-min(min(e * exposure[r], 1.0) * pk[r, b], ALMOST_ONE))

        # air-defence threat to each actor's sorties over each formation's place
        log_surv[...] = 0.0
        log_surv_d[...] = 0.0
        for b in range(n_b):
            if not ready[b]:
                continue
            for f in range(n_f):
                if cover[b, loc[r, f]]:
                    for a in range(n_a):
                        if flies[a] and fo[r, b_owner[b], a]:
                            log_surv[a, f] += shot[b]
                            log_surv_d[a, f] += shot_d[b]

        # ground attack: CAS on formations fighting today, strike and interdiction on any in reach
        over[...] = 0.0
        sead_over[...] = 0.0
        ad_expected[...] = 0.0
        for w in range(n_w):
            if sorties[r, w] <= 0:
                continue
            a = w_owner[w]
            cas = sorties[r, w] * missions[w, CAS]
            deep = sorties[r, w] * (missions[w, STRIKE] + missions[w, INTERDICTION])
            tot_eng = 0.0
            tot_all = 0.0
            for f in range(n_f):
                if pers[r, f] > 0 and fo[r, a, g_owner[f]] and wing_reach[w, loc[r, f]]:
                    tot_all += pers[r, f]
                    if engaged[r, f]:
                        tot_eng += pers[r, f]
            for f in range(n_f):
                if pers[r, f] > 0 and fo[r, a, g_owner[f]] and wing_reach[w, loc[r, f]]:
                    to = 0.0
                    if tot_all > 0:
                        to += deep * pers[r, f] / tot_all
                    if engaged[r, f] and tot_eng > 0:
                        to += cas * pers[r, f] / tot_eng
                    q = -math.expm1(log_surv[a, f])
                    ad_expected[w] += to * q
                    surviving = to * (1.0 - q)
                    kill_mean[r, f] += surviving * w_strike[r, w]
                    armour_mean[r, f] += surviving * w_strike[r, w] * armour_share[r]
                    hits[r, a, g_owner[f]] += to
                    over[a, f] += to
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
            if d_sorties[r, d] <= 0:
                continue
            a = d_owner[d]
            tot = 0.0
            for f in range(n_f):
                if pers[r, f] > 0 and fo[r, a, g_owner[f]] and drone_reach[d, loc[r, f]]:
                    tot += pers[r, f]
            if tot <= 0:
                continue
            for f in range(n_f):
                if pers[r, f] > 0 and fo[r, a, g_owner[f]] and drone_reach[d, loc[r, f]]:
                    to = d_sorties[r, d] * pers[r, f] / tot
                    q = -math.expm1(log_surv_d[a, f])
                    d_expected[d] += to * q
                    surviving = to * (1.0 - q)
                    kill_mean[r, f] += surviving * d_strike[r, d]
                    armour_mean[r, f] += surviving * d_armour[r, d]
                    hits[r, a, g_owner[f]] += to
                    over[a, f] += to * exposure[r]

        # engagements: every sortie over a covered place (and every SEAD sortie at its target)
        for b in range(n_b):
            if not ready[b]:
                continue
            engagements = 0.0
            for a in range(n_a):
                if not flies[a] or not fo[r, b_owner[b], a]:
                    continue
                on_a = 0.0
                for f in range(n_f):
                    if cover[b, loc[r, f]]:
                        on_a += over[a, f]
                on_a += sead_over[b, a]
                if on_a > 0:
                    threat[r, b_owner[b], a] += on_a * e_eff[b]
                    lethal[r, b_owner[b], a] += on_a * e_eff[b] * pk[r, b]
                engagements += on_a
            shots[r, b] = engagements * e_eff[b]

        # counter-air: each actor's fighters shared over the sorties of those it fires on
        ca_potential[...] = 0.0
        flown[...] = 0.0
        for w in range(n_w):
            ca_potential[w_owner[w]] += sorties[r, w] * missions[w, CA] * a2a[r, w]
            flown[w_owner[w]] += sorties[r, w]
        for d in range(n_d):
            flown[d_owner[d]] += d_sorties[r, d] * exposure[r]
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
                    threat[r, a, b] += ca_potential[a]
                    lethal[r, a, b] += ca_potential[a]
        for w in range(n_w):
            if sorties[r, w] > 0:
                p_ad = min(max(ad_expected[w] / sorties[r, w], 0.0), 1.0)
                p_loss[r, w] = 1.0 - math.exp(-hazard[w_owner[w]]) * (1.0 - p_ad)
        for d in range(n_d):
            if d_sorties[r, d] > 0:
                p_ad = min(max(d_expected[d] / d_sorties[r, d], 0.0), 1.0)
                p_dloss[r, d] = 1.0 - math.exp(-hazard[d_owner[d]] * exposure[r]) * (1.0 - p_ad)


def _add_losses(total: np.ndarray, lost: np.ndarray, owner: np.ndarray) -> None:
    total += lost @ owner


def apply_ground_losses(st: State, geo: Geometry, killed: np.ndarray, tanks: np.ndarray, ifvs: np.ndarray,
                        guns: np.ndarray) -> None:
    """Take personnel and heavy-equipment losses (R, F) from the formations, each capped at what the
    formation has, and book them to their owners."""
    killed = np.minimum(killed, st.pers)
    tanks, ifvs, guns = np.minimum(tanks, st.tanks), np.minimum(ifvs, st.ifvs), np.minimum(guns, st.art)
    st.pers -= killed
    st.tanks -= tanks
    st.ifvs -= ifvs
    st.art -= guns
    _add_losses(st.losses["personnel_killed"], killed, geo.owner_g)
    _add_losses(st.losses["tanks_lost"], tanks, geo.owner_g)
    _add_losses(st.losses["ifvs_lost"], ifvs, geo.owner_g)
    _add_losses(st.losses["artillery_lost"], guns, geo.owner_g)


def heavy_shares(st: State) -> np.ndarray:
    """(R, F, 3): each formation's tanks, IFVs and guns as shares of its heavy equipment."""
    held = np.stack([st.tanks, st.ifvs, st.art], axis=-1)
    total = held.sum(axis=-1, keepdims=True)
    return np.divide(held, total, out=np.zeros_like(held), where=total > 0)
