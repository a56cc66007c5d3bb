"""The ground war of one day, for all runs at once.

**Combat power** of a formation (after Dupuy's quantified judgement, with weights as parameters)::

    P = (personnel + w_tank tanks + w_ifv IFVs + w_art guns) x quality x (1 + m (morale - 0.5))
        x commitment x actor's ground commitment  [x broken-power once broken]

**Fronts** are the directed road legs u -> v between places held by actors that fire on each
other. Formations in attack posture at u attack the neighbour v that maximises
``value(v) x min(A_u / D_v, 10)`` provided ``A_u / D_v >= attack-min-ratio``; the defence power
D_v of the holder's formations at v is multiplied by their posture factor and v's terrain factor.

**Attrition** (Helmbold's generalisation of Lanchester's laws, Helmbold 1961; the exponent h is
``helmbold-exponent``, h = 1 the square law): with r = A / D at the place attacked,

    attacker's daily loss share = min(max-daily-loss, rate x r^-h)
    defender's daily loss share = min(max-daily-loss, rate x r^h)

and each formation's personnel losses are gamma-Poisson (negative binomial) with that mean and
shape ``loss-dispersion``; heavy equipment is lost binomially at the same share.

**Movement**: progress along the leg grows by ``advance-km-per-day x clip((r - 1) /
(capture-ratio - 1), 0, 1)`` (the full rate when v is undefended); when it reaches the leg's length
v changes hands and the attackers move in. Formations left on a place their camp no longer holds
retreat to a neighbouring friendly place, or are destroyed if there is none. Formations that pull
out (``pulls_out``) leave before the fight when ``A / D >= pull-out-ratio``. A formation breaks
when its losses reach its ``breakpoint`` share: it no longer attacks and keeps ``broken-power`` of
its power in defence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from flashpoint.engine.air import apply_ground_losses
from flashpoint.engine.geometry import Geometry
from flashpoint.engine.rng import Streams
from flashpoint.engine.state import State
from flashpoint.engine.theatre import POSTURES, TERRAINS, Theatre

ATTACK, DEFEND, HOLD, RESERVE = (POSTURES.index(p) for p in POSTURES)
TINY = 1e-9
MAX_RATIO = 10.0


@dataclass
class Plan:
    """Today's attacks: for each place, the place its attackers go for (-1: none)."""

    power: np.ndarray        # (R, F) combat power
    attacker: np.ndarray     # (R, F) bool: in attack posture and able to attack
    defence: np.ndarray      # (R, P) defence power of the holder at each place
    attack: np.ndarray       # (R, P) attack power available at each place
    target: np.ndarray       # (R, P) place attacked from here, or -1
    edge: np.ndarray         # (R, P) the directed leg used, or -1
    against: np.ndarray      # (R, P) attack power arriving at each place
    engaged: np.ndarray      # (R, F) bool: formations fighting today


def daily_loss_shares(ratio: np.ndarray, rate: np.ndarray, exponent: np.ndarray,
                      cap: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The attacker's and the defender's expected share of strength lost in a day of combat.

    ``ratio`` is attack power over defence power (posture and terrain included). Helmbold's form:
    attacker ``min(cap, rate x ratio^-h)``, defender ``min(cap, rate x ratio^h)``.
    """
    ratio = np.maximum(ratio, TINY)
    return np.minimum(cap, rate * ratio ** -exponent), np.minimum(cap, rate * ratio ** exponent)


def _per_place(values: np.ndarray, loc: np.ndarray, n_places: int) -> np.ndarray:
    runs = values.shape[0]
    idx = np.arange(runs)[:, None] * n_places + loc
    return np.bincount(idx.ravel(), weights=values.ravel(), minlength=runs * n_places).reshape(
        runs, n_places)


def combat_power(th: Theatre, st: State) -> np.ndarray:
    p = st.params
    raw = (st.pers + p["tank-weight"][:, None] * st.tanks + p["ifv-weight"][:, None] * st.ifvs
           + p["artillery-weight"][:, None] * st.art)
    mult = (st.quality * (1 + p["morale-weight"][:, None] * (st.morale - 0.5)) * st.g_commit
            * st.ground_commitment[:, th.g_owner])
    mult = np.where(st.broken, mult * p["broken-power"][:, None], mult)
    active = (st.day >= th.g_arrives)[None, :] & (st.pers > 0)
    return raw * np.maximum(mult, 0.0) * active


def _defence_multipliers(th: Theatre, st: State) -> tuple[np.ndarray, np.ndarray]:
    p = st.params
    posture = np.ones(st.posture.shape)
    posture = np.where(st.posture == DEFEND, p["posture-defend"][:, None], posture)
    posture = np.where(st.posture == HOLD, p["posture-hold"][:, None], posture)
    by_terrain = np.stack([p.get(f"terrain-{t}", np.ones(st.n)) for t in TERRAINS], axis=1)
    return posture, by_terrain[:, th.place_terrain]


def plan_attacks(th: Theatre, st: State) -> Plan:
    n, n_p = st.n, th.n_places
    runs = np.arange(n)[:, None]
    power = combat_power(th, st)
    posture_mult, terrain_mult = _defence_multipliers(th, st)
    defence = _per_place(power * posture_mult, st.loc, n_p) * terrain_mult
    attacker = (st.posture == ATTACK) & ~st.broken & (power > 0) & st.fighting[:, None]
    attack = _per_place(power * attacker, st.loc, n_p)

    u, v = th.edge_src, th.edge_dst
    hostile = st.fires_on[runs, st.control[:, u], st.control[:, v]]
    d_v = defence[:, v]
    ratio = np.where(d_v > TINY, np.minimum(attack[:, u] / np.maximum(d_v, TINY), MAX_RATIO), MAX_RATIO)
    valid = hostile & (attack[:, u] > 0) & (ratio >= st.params["attack-min-ratio"][:, None])
    score = np.where(valid, th.place_value[v][None, :] * ratio + TINY, -np.inf)

    pad = th.nbr_edge
    padded = np.where(pad[None] >= 0, score[:, np.maximum(pad, 0)], -np.inf)      # (R, P, K)
    best = np.argmax(padded, axis=2)
    best_score = np.take_along_axis(padded, best[..., None], axis=2)[..., 0]
    edge = np.where(np.isfinite(best_score), pad[np.arange(n_p)[None, :], best], -1)
    target = np.where(edge >= 0, th.edge_dst[np.maximum(edge, 0)], -1)
    against = _per_place(np.where(target >= 0, attack, 0.0), np.maximum(target, 0), n_p)

    home_target = np.take_along_axis(target, st.loc, axis=1)
    engaged = (attacker & (home_target >= 0)) | ((np.take_along_axis(against, st.loc, axis=1) > 0)
                                                  & (power > 0))
    return Plan(power, attacker, defence, attack, target, edge, against, engaged)


def ground_phase(th: Theatre, geo: Geometry, st: State, rng: Streams, plan: Plan) -> None:
    """Pull-outs, attrition, advance, capture, retreat and breakpoints for one day."""
    p = st.params
    n, n_p = st.n, th.n_places
    runs = np.arange(n)[:, None]
    camp_of_f = th.actor_camp[th.g_owner][None, :]
    # the plan was made before the air strikes: recompute power and defence after them
    power = combat_power(th, st)
    posture_mult, terrain_mult = _defence_multipliers(th, st)
    attacked_here = np.take_along_axis(plan.against, st.loc, axis=1) > 0

    # pull-outs before the fight
    defence = _per_place(power * posture_mult, st.loc, n_p) * terrain_mult
    ratio_here = np.take_along_axis(plan.against / np.maximum(defence, TINY), st.loc, axis=1)
    pulls = th.g_pulls_out[None, :] & attacked_here & (ratio_here >= p["pull-out-ratio"][:, None]) \
        & (power > 0)
    moved = _retreat(th, st, pulls, avoid=plan.against > 0)
    power = np.where(moved, 0.0, power)
    defence = _per_place(power * posture_mult, st.loc, n_p) * terrain_mult

    # attrition
    against = plan.against
    battle = against > 0
    defended = defence > TINY
    r = np.where(defended, np.maximum(against, TINY) / np.maximum(defence, TINY), MAX_RATIO)
    rate, h, cap = p["attrition-rate"][:, None], p["helmbold-exponent"][:, None], p["max-daily-loss"][:, None]
    f_att, f_def = daily_loss_shares(r, rate, h, cap)
    f_att = np.where(battle & defended, f_att, 0.0)
    f_def = np.where(battle & defended, f_def, 0.0)
    home_target = np.take_along_axis(plan.target, st.loc, axis=1)
    attacking = plan.attacker & (home_target >= 0) & ~moved
    share = (np.where(attacking, np.take_along_axis(f_att, np.maximum(home_target, 0), axis=1), 0.0)
             + np.where(~moved & (power > 0), np.take_along_axis(f_def, st.loc, axis=1), 0.0))
    share = np.minimum(share, 1.0)
    killed = np.minimum(rng.gamma_poisson(st.pers * share, p["loss-dispersion"]), st.pers)
    frac = np.divide(killed, st.pers, out=np.zeros_like(killed), where=st.pers > 0)
    heavy_lost = rng.binomial(st.tanks + st.ifvs + st.art, frac)
    apply_ground_losses(st, rng, geo, killed, heavy_lost)

    # who fought whom
    rr, uu = np.nonzero(plan.target >= 0)
    tt = plan.target[rr, uu]
    st.fired[rr, st.control[rr, uu], st.control[rr, tt]] = True
    fought_back = defended[rr, tt]
    st.fired[rr[fought_back], st.control[rr, tt][fought_back], st.control[rr, uu][fought_back]] = True

    # advance and capture
    cr = p["capture-ratio"][:, None]
    r_at = np.take_along_axis(r, np.maximum(plan.target, 0), axis=1)
    gain = p["advance-km-per-day"][:, None] * np.clip((r_at - 1) / np.maximum(cr - 1, TINY), 0, 1)
    has = plan.edge >= 0
    edge = np.maximum(plan.edge, 0)
    progress = np.take_along_axis(st.progress, edge, axis=1) + gain
    np.put_along_axis(st.progress, edge, np.where(has, progress, np.take_along_axis(st.progress, edge, 1)), 1)
    length = np.take_along_axis(st.edge_len, edge, axis=1)
    takes = has & (progress >= length) & st.fighting[:, None]
    rr, uu = np.nonzero(takes)
    tt = plan.target[rr, uu]
    st.control[rr, tt] = st.control[rr, uu]
    captured = np.zeros((n, n_p), dtype=bool)
    captured[rr, tt] = True
    touched = captured[:, th.edge_src] | captured[:, th.edge_dst]
    st.progress[touched] = 0.0
    # attackers move into the place they took
    took_from_home = np.take_along_axis(takes, st.loc, axis=1) & attacking
    new_loc = np.take_along_axis(plan.target, st.loc, axis=1)
    advance = took_from_home & (st.control[runs, np.maximum(new_loc, 0)] >= 0)
    st.loc = np.where(advance & (th.actor_camp[st.control[runs, np.maximum(new_loc, 0)]] == camp_of_f),
                      new_loc, st.loc)

    # formations on a place their camp lost retreat, or are destroyed
    stranded = (th.actor_camp[st.control[runs, st.loc]] != camp_of_f) & (st.pers > 0)
    moved = _retreat(th, st, stranded, avoid=None)
    lost = stranded & ~moved
    if lost.any():
        apply_ground_losses(st, rng, geo, np.where(lost, st.pers, 0.0),
                            np.where(lost, st.tanks + st.ifvs + st.art, 0.0))

    st.broken |= (st.pers0 > 0) & (1 - st.pers / np.maximum(st.pers0, TINY) >= st.breakpoint)


def _retreat(th: Theatre, st: State, who: np.ndarray, avoid: np.ndarray | None) -> np.ndarray:
    """Move formations ``who`` (R, F) to a neighbouring place held by their camp (preferring
    places not in ``avoid``); returns which of them found one."""
    if not who.any():
        return np.zeros_like(who)
    runs = np.arange(st.n)[:, None, None]
    nbr = th.nbr[st.loc]                                                # (R, F, K)
    ok = nbr >= 0
    holder_camp = th.actor_camp[st.control[runs, np.maximum(nbr, 0)]]
    friendly = ok & (holder_camp == th.actor_camp[th.g_owner][None, :, None])
    score = friendly * 2.0
    if avoid is not None:
        score -= friendly * avoid[runs, np.maximum(nbr, 0)]
    best = np.argmax(score, axis=2)
    found = np.take_along_axis(friendly, best[..., None], axis=2)[..., 0] & who
    dest = np.take_along_axis(nbr, best[..., None], axis=2)[..., 0]
    st.loc = np.where(found, dest, st.loc)
    return found
