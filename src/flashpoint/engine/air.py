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

import numpy as np

from flashpoint.engine.geometry import Geometry
from flashpoint.engine.rng import Streams
from flashpoint.engine.state import State
from flashpoint.engine.theatre import MISSIONS, Theatre

CA, SEAD, CAS, INTERDICTION, STRIKE = (MISSIONS.index(m) for m in MISSIONS)
TINY = 1e-12


def stochastic_round(x: np.ndarray, rng: Streams) -> np.ndarray:
    """Round down or up with probability equal to the fraction, so the mean is kept."""
    base = np.floor(x)
    return base + (rng.random(*x.shape[1:]) < (x - base))


def _share(weights: np.ndarray) -> np.ndarray:
    total = weights.sum(axis=-1, keepdims=True)
    return np.divide(weights, total, out=np.zeros_like(weights), where=total > 0)


def air_phase(th: Theatre, geo: Geometry, st: State, rng: Streams, engaged: np.ndarray) -> None:
    """One day of air operations; ``engaged`` (R, F) marks formations in ground combat today."""
    day, p = st.day, st.params
    fighting = st.fighting[:, None]
    fo = st.fires_on

    # 1. sorties ------------------------------------------------------------------------------
    w_on = fighting & (day >= th.w_arrives)[None, :]
    sorties = stochastic_round(st.aircraft * st.sortie_rate * st.w_commit
                               * st.air_commitment[:, th.w_owner] * w_on, rng)
    sorties = np.minimum(sorties, np.ceil(st.aircraft * np.maximum(st.sortie_rate, 1)))
    mission = sorties[..., None] * th.w_missions[None]                   # (R, W, 5)
    d_on = fighting & (day >= th.d_arrives)[None, :]
    d_sorties = stochastic_round(st.drones * st.d_sorties * st.d_commit
                                 * st.air_commitment[:, th.d_owner] * d_on, rng)

    # 2. SEAD ---------------------------------------------------------------------------------
    b_on = st.alive & (day >= th.b_arrives)[None, :]
    w_vs_b = fo[:, th.w_owner][:, :, th.b_owner] & geo.wing_reach_b[None] & b_on[:, None, :]
    d_vs_b = fo[:, th.d_owner][:, :, th.b_owner] & geo.drone_reach_b[None] & b_on[:, None, :]
    sead_wb = mission[..., SEAD, None] * _share(w_vs_b.astype(float))   # (R, W, B)
    sead_db = d_sorties[..., None] * _share(d_vs_b.astype(float))       # (R, Dn, B)
    log_spare = (np.einsum("rwb,rw->rb", sead_wb, np.log1p(-np.minimum(st.w_sead, 1 - 1e-9)))
                 + np.einsum("rdb,rd->rb", sead_db, np.log1p(-np.minimum(st.d_sead, 1 - 1e-9))))
    destroyed = b_on & (rng.random(len(th.batteries)) < -np.expm1(log_spare))
    suppressed = sead_wb.sum(axis=1) > 0
    e_eff = st.pe * (1 - p["sead-suppression"][:, None] * suppressed)
    st.alive &= ~destroyed
    _add_losses(st.losses["air_defence_lost"], destroyed.astype(float), geo.owner_b)
    ready = st.alive & (day >= th.b_arrives)[None, :] & (st.missiles >= 1)

    # 4 (prepared). air-defence threat over each formation, per attacking actor ---------------
    exposure = p["drone-exposure"][:, None]
    aa = geo.air_actors
    shot = np.log1p(-np.clip(e_eff * st.pk, 0, 1 - 1e-9)) * ready                 # (R, B)
    shot_d = np.log1p(-np.clip(np.minimum(e_eff * exposure, 1) * st.pk, 0, 1 - 1e-9)) * ready
    fo_ba = fo[:, th.b_owner][:, :, aa]                                           # (R, B, Aa)
    cover_f = geo.cover[:, st.loc]                                                # (B, R, F)
    log_surv = np.zeros((st.n, len(aa), len(th.ground)))
    log_surv_d = np.zeros_like(log_surv)
    for b in range(len(th.batteries)):
        threat_b = fo_ba[:, b, :, None] * cover_f[b][:, None, :]                   # (R, Aa, F)
        log_surv += threat_b * shot[:, b, None, None]
        log_surv_d += threat_b * shot_d[:, b, None, None]

    # 5 (targets). where ground-attack sorties go ---------------------------------------------
    alive_f = st.pers > 0
    wi = np.arange(len(th.wings))[None, :, None]
    di = np.arange(len(th.drones))[None, :, None]
    w_vs_f = fo[:, th.w_owner][:, :, th.g_owner] & geo.wing_reach[wi, st.loc[:, None, :]] & alive_f[:, None, :]
    weight = st.pers[:, None, :] * w_vs_f
    to_f = (mission[..., CAS, None] * _share(weight * engaged[:, None, :])
            + (mission[..., STRIKE, None] + mission[..., INTERDICTION, None]) * _share(weight))
    d_vs_f = fo[:, th.d_owner][:, :, th.g_owner] & geo.drone_reach[di, st.loc[:, None, :]] & alive_f[:, None, :]
    d_to_f = d_sorties[..., None] * _share(st.pers[:, None, :] * d_vs_f)
    q_wf = -np.expm1(log_surv[:, geo.w_aa])                                       # (R, W, F)
    q_df = -np.expm1(log_surv_d[:, geo.d_aa])

    # 3. counter-air -------------------------------------------------------------------------
    fo_aa = fo[:, aa][:, :, aa]                                                   # (R, Aa, Aa)
    ca_potential = (mission[..., CA] * st.a2a) @ geo.owner_w_aa                   # (R, Aa)
    flown = sorties @ geo.owner_w_aa + (d_sorties * exposure) @ geo.owner_d_aa    # (R, Aa)
    targets = np.einsum("rab,rb->ra", fo_aa, flown)
    hazard = np.einsum("rab,ra->rb", fo_aa, ca_potential / np.maximum(targets, 1.0))
    q_air = -np.expm1(-hazard)
    q_air_d = -np.expm1(-hazard * exposure)

    # losses of aircraft and drones -------------------------------------------------------------
    q_sead = -np.expm1(w_vs_b * shot[:, None, :] * np.swapaxes(fo_ba, 1, 2)[:, geo.w_aa, :])
    ad_expected = (to_f * q_wf).sum(-1) + (sead_wb * q_sead).sum(-1)               # (R, W)
    p_ad = np.divide(ad_expected, sorties, out=np.zeros_like(ad_expected), where=sorties > 0)
    p_loss = 1 - (1 - q_air[:, geo.w_aa]) * (1 - np.clip(p_ad, 0, 1))
    lost = np.minimum(rng.binomial(sorties, p_loss), st.aircraft)
    st.aircraft -= lost
    _add_losses(st.losses["aircraft_lost"], lost, geo.owner_w)
    d_ad = (d_to_f * q_df).sum(-1)
    p_d = np.divide(d_ad, d_sorties, out=np.zeros_like(d_ad), where=d_sorties > 0)
    p_dloss = 1 - (1 - q_air_d[:, geo.d_aa]) * (1 - np.clip(p_d, 0, 1))
    d_lost = np.minimum(rng.binomial(d_sorties, p_dloss), st.drones)
    st.drones -= d_lost
    _add_losses(st.losses["uav_lost"], d_lost, geo.owner_d)

    # engagements: one missile each; who fired on whom, who downed whom
    over_f = np.zeros((st.n, len(aa), len(th.ground)))                            # sorties by actor
    for w, a in enumerate(geo.w_aa):
        over_f[:, a] += to_f[:, w]
    for d, a in enumerate(geo.d_aa):
        over_f[:, a] += d_to_f[:, d] * exposure
    sead_ba = np.swapaxes(sead_wb, 1, 2) @ geo.owner_w_aa                          # (R, B, Aa)
    engaged_ba = np.stack([(cover_f[b][:, None, :] * over_f).sum(-1) for b in range(len(th.batteries))],
                          axis=1).reshape(st.n, len(th.batteries), len(aa))
    engaged_ba = (engaged_ba + sead_ba) * fo_ba * ready[..., None]                 # (R, B, Aa)
    shots = engaged_ba.sum(-1) * e_eff
    st.missiles = np.maximum(st.missiles - rng.poisson(shots), 0)
    st.missiles = np.minimum(st.missiles + st.reload * st.alive, st.missiles0)

    lost_by = lost @ geo.owner_w_aa + d_lost @ geo.owner_d_aa                      # (R, Aa)
    fired_on_air = fo_aa * (ca_potential[..., None] > 0) * (flown[:, None, :] > 0)  # (R, Aa, Aa)
    for b, x in enumerate(th.b_owner):
        hit = engaged_ba[:, b] > 0                                                 # (R, Aa)
        st.fired[:, x, aa] |= hit
        st.downed[:, x, aa] |= hit & (lost_by > 0)
    st.fired[:, aa[:, None], aa[None, :]] |= fired_on_air
    st.downed[:, aa[:, None], aa[None, :]] |= fired_on_air & (lost_by[:, None, :] > 0)
    hits = (over_f.reshape(-1, len(th.ground)) @ geo.owner_g).reshape(st.n, len(aa), th.n_actors)
    hits[:, :, th.b_owner] += np.swapaxes(sead_ba, 1, 2) + (np.swapaxes(sead_db, 1, 2) @ geo.owner_d_aa
                                                             ).swapaxes(1, 2)
    st.fired[:, aa, :] |= hits > 0

    # 5. ground-attack effects ------------------------------------------------------------------
    surviving = to_f * (1 - q_wf)
    d_surviving = d_to_f * (1 - q_df)
    kills_mean = (np.einsum("rwf,rw->rf", surviving, st.w_strike)
                  + np.einsum("rdf,rd->rf", d_surviving, st.d_strike))
    armour_mean = (np.einsum("rwf,rw->rf", surviving, st.w_strike) * p["cas-armour-share"][:, None]
                   + np.einsum("rdf,rd->rf", d_surviving, st.d_armour))
    apply_ground_losses(st, rng, geo, np.minimum(rng.poisson(kills_mean), st.pers),
                        rng.poisson(armour_mean))


def _by_place(per_f: np.ndarray, loc: np.ndarray, n_places: int) -> np.ndarray:
    """Sum (R, F, A) values over the formations at each place: (R, A, P)."""
    runs, n_f, n_a = per_f.shape
    idx = (np.arange(runs)[:, None, None] * n_a + np.arange(n_a)[None, None, :]) * n_places \
        + loc[:, :, None]
    return np.bincount(idx.ravel(), weights=per_f.ravel(), minlength=runs * n_a * n_places).reshape(
        runs, n_a, n_places)


def _add_losses(total: np.ndarray, lost: np.ndarray, owner: np.ndarray) -> None:
    total += lost @ owner


def apply_ground_losses(st: State, rng: Streams, geo: Geometry, killed: np.ndarray,
                        heavy_lost: np.ndarray) -> None:
    """Take personnel and heavy equipment losses (R, F) from the formations and book them."""
    killed = np.minimum(killed, st.pers)
    st.pers -= killed
    _add_losses(st.losses["personnel_killed"], killed, geo.owner_g)
    heavy = st.tanks + st.ifvs + st.art
    k = np.minimum(heavy_lost, heavy)
    kt = rng.binomial(k, np.divide(st.tanks, heavy, out=np.zeros_like(heavy), where=heavy > 0))
    rest = st.ifvs + st.art
    ki = rng.binomial(k - kt, np.divide(st.ifvs, rest, out=np.zeros_like(rest), where=rest > 0))
    ka = np.minimum(k - kt - ki, st.art)
    kt, ki = np.minimum(kt, st.tanks), np.minimum(ki, st.ifvs)
    st.tanks -= kt
    st.ifvs -= ki
    st.art -= ka
    _add_losses(st.losses["tanks_lost"], kt, geo.owner_g)
    _add_losses(st.losses["ifvs_lost"], ki, geo.owner_g)
    _add_losses(st.losses["artillery_lost"], ka, geo.owner_g)
