"""The ground war of one day, for all runs at once.

**Combat power** of a formation (after Dupuy's quantified judgement, with weights as parameters)::

    P = (personnel + w_tank tanks + w_ifv IFVs + w_art guns) x quality x (1 + m (morale - 0.5))
        x commitment x actor's ground commitment  [x broken-power once broken]
        [x air-superiority-power while its side holds air superiority]

An actor's side **holds air superiority** on a day when its camp has aircraft or drones able to
fly (available x sortie rate x commitment > 0) and no actor that fires on it has (`air_superiority`;
CDB90's AEROA, whose effect the calibration measures).

**Fronts** are the directed road legs u -> v between places held by actors that fire on each
other (both ways: an actor that holds its fire is not attacked on the ground). Formations in
attack posture at u attack the neighbour v that maximises
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
when its losses reach its ``breakpoint`` share (divided by ``air-superiority-breakpoint`` while an
actor that fires on it holds air superiority): it no longer attacks and keeps ``broken-power`` of
its power in defence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
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
    # engine/calibration/cdb90.json was fitted with exactly this expression; the fit's likelihood
    # has kinks, so even a change in the last digits moves it: regenerate the file after any change
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
    holds, _ = air_superiority(th, st)
    mult = np.where(holds[:, th.g_owner], mult * p["air-superiority-power"][:, None], mult)
    active = (st.day >= th.g_arrives)[None, :] & (st.pers > 0)
    return raw * np.maximum(mult, 0.0) * active


def air_superiority(th: Theatre, st: State) -> tuple[np.ndarray, np.ndarray]:
    """(R, A) bools: the actor's side holds air superiority today (its camp can fly and no actor
    that fires on it can), and an actor that fires on it holds air superiority."""
    eye = np.eye(th.n_actors)
    flying = ((st.aircraft * st.sortie_rate * st.w_commit * st.air_commitment[:, th.w_owner]
               * (st.day >= th.w_arrives)[None, :]) @ eye[th.w_owner].reshape(-1, th.n_actors)
              + (st.drones * st.d_sorties * st.d_commit * st.air_commitment[:, th.d_owner]
                 * (st.day >= th.d_arrives)[None, :]) @ eye[th.d_owner].reshape(-1, th.n_actors))
    same_camp = th.actor_camp[:, None] == th.actor_camp[None, :]
    own = flying @ same_camp.astype(float)
    fires = st.fires_on.astype(float)
    holds = (own > 0) & (np.einsum("rba,rb->ra", fires, flying) <= 0)
    under = np.einsum("rba,rb->ra", fires, holds.astype(float)) > 0
    return holds, under


def _defence_multipliers(th: Theatre, st: State) -> tuple[np.ndarray, np.ndarray]:
    p = st.params
    posture = np.ones(st.posture.shape)
    posture = np.where(st.posture == DEFEND, p["posture-defend"][:, None], posture)
    posture = np.where(st.posture == HOLD, p["posture-hold"][:, None], posture)
    by_terrain = np.stack([p.get(f"terrain-{t}", np.ones(st.n)) for t in TERRAINS], axis=1)
    return posture, by_terrain[:, th.place_terrain]


def plan_attacks(th: Theatre, st: State) -> Plan:
    n, n_p, n_f = st.n, th.n_places, len(th.ground)
    power = combat_power(th, st)
    posture_mult, terrain_mult = _defence_multipliers(th, st)
    attacker = (st.posture == ATTACK) & ~st.broken & (power > 0) & st.fighting[:, None]
    defence, attack, against = np.zeros((n, n_p)), np.zeros((n, n_p)), np.zeros((n, n_p))
    target, edge = np.full((n, n_p), -1, dtype=np.int64), np.full((n, n_p), -1, dtype=np.int64)
    engaged = np.zeros((n, n_f), dtype=np.bool_)
    _plan_kernel(power, attacker, posture_mult, terrain_mult, st.loc, st.control, st.fires_on, th.edge_dst,
                 th.nbr_edge, th.place_value, st.params["attack-min-ratio"],
                 defence, attack, target, edge, against, engaged)
    return Plan(power, attacker, defence, attack, target, edge, against, engaged)


@numba.njit(cache=True, nogil=True)
def _plan_kernel(power, attacker, posture_mult, terrain_mult, loc, control, fo, edge_dst, nbr_edge,
                 place_value, min_ratio, defence, attack, target, edge, against, engaged):
    """Each place's attackers go for the neighbour with the best value x force ratio."""
    n_r, n_f = power.shape
    n_p, n_k = nbr_edge.shape
    for r in range(n_r):
        for f in range(n_f):
            defence[r, loc[r, f]] += power[r, f] * posture_mult[r, f]
            if attacker[r, f]:
                attack[r, loc[r, f]] += power[r, f]
        for p in range(n_p):
            defence[r, p] *= terrain_mult[r, p]
        for u in range(n_p):
            if attack[r, u] <= 0:
                continue
            best = -1.0
            for k in range(n_k):
                e = nbr_edge[u, k]
                if e < 0:
                    break
                v = edge_dst[e]
                if not (fo[r, control[r, u], control[r, v]] and fo[r, control[r, v], control[r, u]]):
                    continue  # a front lies only between holders that fire on each other
                d = defence[r, v]
                ratio = min(attack[r, u] / d, MAX_RATIO) if d > TINY else MAX_RATIO
                if ratio < min_ratio[r]:
                    continue
                score = place_value[v] * ratio + TINY
                if score > best:
                    best = score
                    target[r, u] = v
                    edge[r, u] = e
            if target[r, u] >= 0:
                against[r, target[r, u]] += attack[r, u]
        for f in range(n_f):
            home = loc[r, f]
            engaged[r, f] = (attacker[r, f] and target[r, home] >= 0) or (against[r, home] > 0 and power[r, f] > 0)


def ground_phase(th: Theatre, geo: Geometry, st: State, rng: Streams, plan: Plan) -> None:
    """Pull-outs, attrition, advance, capture, retreat and breakpoints for one day."""
    p = st.params
    n, n_p = st.n, th.n_places
    camp_of_f = th.actor_camp[th.g_owner]
    # the plan was made before the air strikes: recompute power and defence after them
    power = combat_power(th, st)
    posture_mult, terrain_mult = _defence_multipliers(th, st)
    moved = np.zeros(st.pers.shape, dtype=np.bool_)
    defence = np.zeros((n, n_p))
    _pull_out_kernel(power, posture_mult, terrain_mult, st.loc, st.control, th.actor_camp, camp_of_f,
                     th.g_pulls_out, th.nbr, plan.against, p["pull-out-ratio"], moved, defence)

    # attrition: the attack that arrives is what the attackers have left after the air strikes
    home_target = np.take_along_axis(plan.target, st.loc, axis=1)
    attacking = plan.attacker & (home_target >= 0) & ~moved
    attack_left = _per_place(np.where(attacking, power, 0.0), st.loc, n_p)
    against = _per_place(np.where(plan.target >= 0, attack_left, 0.0), np.maximum(plan.target, 0), n_p)
    battle = against > 0
    defended = defence > TINY
    r = np.where(defended, np.maximum(against, TINY) / np.maximum(defence, TINY), MAX_RATIO)
    rate, h, cap = p["attrition-rate"][:, None], p["helmbold-exponent"][:, None], p["max-daily-loss"][:, None]
    f_att, f_def = daily_loss_shares(r, rate, h, cap)
    f_att = np.where(battle & defended, f_att, 0.0)
    f_def = np.where(battle & defended, f_def, 0.0)
    share = (np.where(attacking, np.take_along_axis(f_att, np.maximum(home_target, 0), axis=1), 0.0)
             + np.where(~moved & (power > 0), np.take_along_axis(f_def, st.loc, axis=1), 0.0))
    share = np.minimum(share, 1.0)
    killed = np.minimum(rng.gamma_poisson(st.pers * share, p["loss-dispersion"]), st.pers)
    frac = np.divide(killed, st.pers, out=np.zeros_like(killed), where=st.pers > 0)
    heavy = rng.binomial(np.stack([st.tanks, st.ifvs, st.art], axis=-1), frac[..., None])
    apply_ground_losses(st, geo, killed, heavy[..., 0], heavy[..., 1], heavy[..., 2])

    # advance, capture, and retreat of the formations left on lost ground
    cr = p["capture-ratio"]
    gain_rate = p["advance-km-per-day"] / np.maximum(cr - 1, TINY)
    lost = np.zeros(st.pers.shape, dtype=np.bool_)
    _move_kernel(plan.target, plan.edge, r, defended, attacking, st.fighting, p["advance-km-per-day"], gain_rate,
                 st.progress, st.edge_len, th.edge_src, th.edge_dst, st.control, st.loc, st.pers,
                 th.actor_camp, camp_of_f, th.nbr, st.fires_on, st.fired, st.day >= th.g_arrives, lost)
    if lost.any():
        apply_ground_losses(st, geo, np.where(lost, st.pers, 0.0), np.where(lost, st.tanks, 0.0),
                            np.where(lost, st.ifvs, 0.0), np.where(lost, st.art, 0.0))

    _, under = air_superiority(th, st)
    bp = st.breakpoint / np.where(under[:, th.g_owner], p["air-superiority-breakpoint"][:, None], 1.0)
    st.broken |= (st.pers0 > 0) & (1 - st.pers / np.maximum(st.pers0, TINY) >= bp)


@numba.njit(cache=True, nogil=True)
def _retreat_to(r, f, loc, control, actor_camp, camp_of_f, nbr, avoid):
    """The neighbouring place held by the formation's camp, preferring one not under attack; -1 if none."""
    best, best_score = -1, 0.0
    for k in range(nbr.shape[1]):
        q = nbr[loc[r, f], k]
        if q < 0:
            break
        if actor_camp[control[r, q]] != camp_of_f[f]:
            continue
        score = 2.0 - (1.0 if avoid is not None and avoid[r, q] > 0 else 0.0)
        if score > best_score:
            best, best_score = q, score
    return best


@numba.njit(cache=True, nogil=True)
def _pull_out_kernel(power, posture_mult, terrain_mult, loc, control, actor_camp, camp_of_f, pulls_out, nbr,
                     against, ratio_needed, moved, defence):
    """Formations that pull out leave a place attacked at ``pull-out-ratio`` or more; then defence."""
    n_r, n_f = power.shape
    n_p = defence.shape[1]
    full = np.zeros(n_p)
    for r in range(n_r):
        full[:] = 0.0
        for f in range(n_f):
            full[loc[r, f]] += power[r, f] * posture_mult[r, f]
        for f in range(n_f):
            home = loc[r, f]
            if not pulls_out[f] or power[r, f] <= 0 or against[r, home] <= 0:
                continue
            d = full[home] * terrain_mult[r, home]
            if against[r, home] / max(d, TINY) >= ratio_needed[r]:
                dest = _retreat_to(r, f, loc, control, actor_camp, camp_of_f, nbr, against)
                if dest >= 0:
                    loc[r, f] = dest
                    moved[r, f] = True
        for f in range(n_f):
            if not moved[r, f]:
                defence[r, loc[r, f]] += power[r, f] * posture_mult[r, f]
        for p in range(n_p):
            defence[r, p] *= terrain_mult[r, p]


@numba.njit(cache=True, nogil=True)
def _move_kernel(target, edge, ratio, defended, attacking, fighting, advance, gain_rate, progress, edge_len,
                 edge_src, edge_dst, control, loc, pers, actor_camp, camp_of_f, nbr, fo, fired, arrived, lost):
    """Who fought whom, progress along the legs attacked, capture, and the retreat of stranded formations."""
    n_r, n_p = target.shape
    n_f = loc.shape[1]
    for r in range(n_r):
        holder = control[r].copy()
        for u in range(n_p):
            v = target[r, u]
            if v < 0:
                continue
            fired[r, holder[u], holder[v]] = True
            if defended[r, v] and fo[r, holder[v], holder[u]]:
                fired[r, holder[v], holder[u]] = True
        captured_from = np.full(n_p, -1)
        for u in range(n_p):
            v = target[r, u]
            if v < 0:
                continue
            e = edge[r, u]
            gain = advance[r] if not defended[r, v] else min(max((ratio[r, v] - 1.0) * gain_rate[r], 0.0),
                                                              advance[r])
            progress[r, e] += gain
            if fighting[r] and progress[r, e] >= edge_len[r, e]:
                control[r, v] = holder[u]
                captured_from[v] = u
        for v in range(n_p):
            if captured_from[v] < 0:
                continue
            for e in range(edge_src.shape[0]):
                if edge_src[e] == v or edge_dst[e] == v:
                    progress[r, e] = 0.0
        for f in range(n_f):
            home = loc[r, f]
            v = target[r, home]
            if attacking[r, f] and v >= 0 and captured_from[v] == home \
                    and actor_camp[control[r, v]] == camp_of_f[f]:
                loc[r, f] = v
        for f in range(n_f):
            if pers[r, f] <= 0 or not arrived[f] or actor_camp[control[r, loc[r, f]]] == camp_of_f[f]:
                continue  # formations not yet arrived retreat, if they must, on the day they arrive
            dest = _retreat_to(r, f, loc, control, actor_camp, camp_of_f, nbr, None)
            if dest >= 0:
                loc[r, f] = dest
            else:
                lost[r, f] = True
