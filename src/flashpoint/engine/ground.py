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

from flashpoint.engine.air import take_ground_losses
from flashpoint.engine.rng import Streams, gamma_poisson
from flashpoint.engine.state import State
from flashpoint.engine.theatre import POSTURES, TERRAINS, Theatre

ATTACK, DEFEND, HOLD, RESERVE = (POSTURES.index(p) for p in POSTURES)
TINY = 1e-9
MAX_RATIO = 10.0
"""Force ratios above this count as this when attackers choose their target (score = value x
ratio), and an undefended place counts as this; losses and advance do not use the cap. Chosen
here, not fitted: about the largest attacker-to-defender strength ratio in the shipped CDB90
battles (99th percentile 10.5; 6 of 541 battles above 10), so the choice never extrapolates the
ratio beyond what battles were fought at."""


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
    holds: np.ndarray        # (R, A) bool: air superiority when the plan was made (see air_superiority)
    under: np.ndarray        # (R, A) bool
    air_lost: np.ndarray     # (R,) bool: the day's air war cost the run aircraft or drones


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


loss_shares = numba.njit(cache=True, nogil=True)(daily_loss_shares)
"""The same expression compiled, for one place of one run (the ground kernel and the calibration)."""


def power_args(th: Theatre, st: State) -> tuple:
    """What combat power and air superiority read, in the order of the kernels' arguments."""
    p = st.params
    return (st.day, st.pers, st.tanks, st.ifvs, st.art, st.quality, st.morale, st.g_commit, st.broken,
            st.ground_commitment, th.g_owner, th.g_arrives, p["tank-weight"], p["ifv-weight"],
            p["artillery-weight"], p["morale-weight"], p["broken-power"], p["air-superiority-power"],
            st.aircraft, st.sortie_rate, st.w_commit, th.w_owner, th.w_arrives, st.drones, st.d_sorties,
            st.d_commit, th.d_owner, th.d_arrives, st.air_commitment, th.actor_camp, st.fires_on)


def _defence_args(th: Theatre, st: State) -> tuple:
    """Posture and terrain factors of defence, in the order of the kernels' arguments."""
    p = st.params
    by_terrain = st.derived.get("by_terrain")
    if by_terrain is None:      # the parameters are fixed for the block: stack them once
        by_terrain = st.derived["by_terrain"] = np.stack(
            [p[f"terrain-{t}"] if f"terrain-{t}" in p else np.ones(st.n) for t in TERRAINS], axis=1)
    return st.posture, p["posture-defend"], p["posture-hold"], by_terrain, th.place_terrain


@numba.njit(cache=True, nogil=True)
def _superiority(r, day, aircraft, sortie_rate, w_commit, w_owner, w_arrives, drones, d_rate, d_commit, d_owner,
                 d_arrives, air_commitment, actor_camp, fo, flying, fliers, holds, under):
    """Air superiority in run r: ``holds[a]`` a's camp flies and no actor that fires on a does;
    ``under[a]`` an actor that fires on a holds it. ``flying`` and ``fliers`` are scratch arrays."""
    n_a = actor_camp.shape[0]
    flying[:] = 0.0
    for w in range(w_owner.shape[0]):
        if day >= w_arrives[w]:
            a = w_owner[w]
            flying[a] += aircraft[r, w] * sortie_rate[r, w] * w_commit[r, w] * air_commitment[r, a]
    for d in range(d_owner.shape[0]):
        if day >= d_arrives[d]:
            a = d_owner[d]
            flying[a] += drones[r, d] * d_rate[r, d] * d_commit[r, d] * air_commitment[r, a]
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
            if actor_camp[b] == actor_camp[a]:
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
def _power_run(r, day, pers, tanks, ifvs, art, quality, morale, g_commit, broken, ground_commitment, g_owner,
               g_arrives, tank_w, ifv_w, art_w, morale_w, broken_power, air_power, holds, power):
    """Combat power of every formation of run r (the formula of the module docstring)."""
    for f in range(pers.shape[1]):
        if day < g_arrives[f] or pers[r, f] <= 0:
            power[f] = 0.0
            continue
        raw = pers[r, f] + tank_w[r] * tanks[r, f] + ifv_w[r] * ifvs[r, f] + art_w[r] * art[r, f]
        mult = quality[r, f] * (1 + morale_w[r] * (morale[r, f] - 0.5)) * g_commit[r, f] \
            * ground_commitment[r, g_owner[f]]
        if broken[r, f]:
            mult *= broken_power[r]
        if holds[g_owner[f]]:
            mult *= air_power[r]
        power[f] = raw * max(mult, 0.0)


@numba.njit(cache=True, nogil=True)
def _posture_factor(posture, defend, hold):
    if posture == DEFEND:
        return defend
    if posture == HOLD:
        return hold
    return 1.0


@numba.njit(cache=True, nogil=True)
def power_kernel(lo, hi, day, pers, tanks, ifvs, art, quality, morale, g_commit, broken, ground_commitment,
                  g_owner, g_arrives, tank_w, ifv_w, art_w, morale_w, broken_power, air_power,
                  aircraft, sortie_rate, w_commit, w_owner, w_arrives, drones, d_rate, d_commit, d_owner, d_arrives,
                  air_commitment, actor_camp, fo, power, holds_out, under_out):
    """Combat power (R, F) and air superiority (R, A) of runs [lo, hi)."""
    n_a = actor_camp.shape[0]
    flying = np.zeros(n_a)
    fliers = np.zeros(n_a, dtype=np.int64)
    holds = np.zeros(n_a, dtype=np.bool_)
    under = np.zeros(n_a, dtype=np.bool_)
    for r in range(lo, hi):
        _superiority(r, day, aircraft, sortie_rate, w_commit, w_owner, w_arrives, drones, d_rate, d_commit,
                     d_owner, d_arrives, air_commitment, actor_camp, fo, flying, fliers, holds, under)
        holds_out[r] = holds
        under_out[r] = under
        _power_run(r, day, pers, tanks, ifvs, art, quality, morale, g_commit, broken, ground_commitment, g_owner,
                   g_arrives, tank_w, ifv_w, art_w, morale_w, broken_power, air_power, holds, power[r])


def _power_and_superiority(th: Theatre, st: State) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    power = np.zeros(st.pers.shape)
    holds = np.zeros((st.n, th.n_actors), dtype=np.bool_)
    under = np.zeros((st.n, th.n_actors), dtype=np.bool_)
    power_kernel(0, st.n, *power_args(th, st), power, holds, under)
    return power, holds, under


def combat_power(th: Theatre, st: State) -> np.ndarray:
    """(R, F) combat power of every formation (the formula of the module docstring)."""
    return _power_and_superiority(th, st)[0]


def air_superiority(th: Theatre, st: State) -> tuple[np.ndarray, np.ndarray]:
    """(R, A) bools: the actor's side holds air superiority today (its camp can fly and no actor
    that fires on it can), and an actor that fires on it holds air superiority."""
    _, holds, under = _power_and_superiority(th, st)
    return holds, under


def new_plan(th: Theatre, st: State) -> Plan:
    """Empty arrays for a day's plan of every run of the block (filled by :func:`plan_runs`; the
    day loop reuses one, reset every day by :func:`reset_plan`)."""
    n, n_p, n_f, n_a = st.n, th.n_places, len(th.ground), th.n_actors
    return Plan(np.zeros((n, n_f)), np.zeros((n, n_f), dtype=np.bool_), np.zeros((n, n_p)), np.zeros((n, n_p)),
                np.full((n, n_p), -1, dtype=np.int64), np.full((n, n_p), -1, dtype=np.int64), np.zeros((n, n_p)),
                np.zeros((n, n_f), dtype=np.bool_), np.zeros((n, n_a), dtype=np.bool_),
                np.zeros((n, n_a), dtype=np.bool_), np.zeros(n, dtype=np.bool_))


def plan_runs(th: Theatre, st: State, plan: Plan, lo: int, hi: int) -> None:
    """Today's attacks of runs [lo, hi), written into ``plan``."""
    power_kernel(lo, hi, *power_args(th, st), plan.power, plan.holds, plan.under)
    plan_kernel(lo, hi, *plan_args(th, st, plan))


def plan_args(th: Theatre, st: State, plan: Plan) -> tuple:
    """The plan kernel's arguments after (lo, hi)."""
    return (plan.power, st.ceasefire_day, st.broken, *_defence_args(th, st), st.loc, st.control,
            st.fires_on, th.edge_dst, th.nbr_edge, th.place_value, st.params["attack-min-ratio"],
            plan.attacker, plan.defence, plan.attack, plan.target, plan.edge, plan.against, plan.engaged)


@numba.njit(cache=True, nogil=True)
def reset_plan(lo, hi, power, attacker, defence, attack, target, edge, against, engaged, air_lost):
    """Rows [lo, hi) of a plan back to :func:`new_plan`'s values, for the next day (air
    superiority is written whole by the power kernel)."""
    for r in range(lo, hi):
        power[r] = 0.0
        attacker[r] = False
        defence[r] = 0.0
        attack[r] = 0.0
        target[r] = -1
        edge[r] = -1
        against[r] = 0.0
        engaged[r] = False
        air_lost[r] = False


def plan_attacks(th: Theatre, st: State) -> Plan:
    """Today's attacks of every run of the block."""
    plan = new_plan(th, st)
    plan_runs(th, st, plan, 0, st.n)
    return plan


@numba.njit(cache=True, nogil=True)
def plan_kernel(lo, hi, power, ceasefire_day, broken, posture, defend, hold, by_terrain, place_terrain, loc,
                 control, fo, edge_dst, nbr_edge, place_value, min_ratio,
                 attacker, defence, attack, target, edge, against, engaged):
    """Each place's attackers go for the neighbour with the best value x force ratio.

    Attackers: formations in attack posture, not broken, with power, in runs still fighting."""
    n_f = power.shape[1]
    n_p, n_k = nbr_edge.shape
    for r in range(lo, hi):
        for f in range(n_f):
            attacker[r, f] = posture[r, f] == ATTACK and not broken[r, f] and power[r, f] > 0 \
                and ceasefire_day[r] < 0
        for f in range(n_f):
            defence[r, loc[r, f]] += power[r, f] * _posture_factor(posture[r, f], defend[r], hold[r])
            if attacker[r, f]:
                attack[r, loc[r, f]] += power[r, f]
        for p in range(n_p):
            defence[r, p] *= by_terrain[r, place_terrain[p]]
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


def ground_phase(th: Theatre, st: State, rng: Streams, plan: Plan) -> None:
    """Pull-outs, attrition, advance, capture, retreat and breakpoints for one day.

    The whole day of a run happens in one compiled loop, random draws included, granule by granule
    (see :mod:`.rng`)."""
    for gen, lo, hi in rng.granules():
        ground_runs(th, st, gen, lo, hi, plan)


def ground_runs(th: Theatre, st: State, gen: np.random.Generator, lo: int, hi: int, plan: Plan) -> None:
    """The ground day of runs [lo, hi), drawing from ``gen``, their granule's generator."""
    ground_kernel(gen, lo, hi, *ground_args(th, st, plan))


def ground_args(th: Theatre, st: State, plan: Plan) -> tuple:
    """The ground kernel's arguments after (gen, lo, hi); the first is the day. The plan's air
    superiority is taken as today's unless the air phase recorded losses (``plan.air_lost``)."""
    p = st.params
    L = st.losses
    gain_rate = st.derived.get("gain_rate")
    if gain_rate is None:       # fixed for the block
        gain_rate = st.derived["gain_rate"] = p["advance-km-per-day"] / np.maximum(p["capture-ratio"] - 1, TINY)
    args = (power_args(th, st) + _defence_args(th, st)
            + (plan.holds, plan.under, plan.air_lost)
            + (st.loc, st.control, th.g_pulls_out, th.nbr, plan.target, plan.edge, plan.attacker, plan.against,
               p["pull-out-ratio"], p["attrition-rate"], p["helmbold-exponent"], p["max-daily-loss"],
               p["loss-dispersion"], p["advance-km-per-day"], gain_rate, st.progress, st.edge_len, th.edge_src,
               th.edge_dst, st.fired, st.pers0, st.breakpoint, p["air-superiority-breakpoint"],
               L["personnel_killed"], L["tanks_lost"], L["ifvs_lost"], L["artillery_lost"], st.ceasefire_day))
    return args


@numba.njit(cache=True, nogil=True)
def _retreat_to(r, f, loc, control, actor_camp, camp_of_f, nbr, avoid):
    """The neighbouring place held by the formation's camp, preferring one not under attack; -1 if none."""
    best, best_score = -1, 0.0
    for k in range(nbr.shape[1]):
        q = nbr[loc[r, f], k]
        if q < 0:
            break
        if actor_camp[control[r, q]] != camp_of_f:
            continue
        score = 2.0 - (1.0 if avoid is not None and avoid[r, q] > 0 else 0.0)
        if score > best_score:
            best, best_score = q, score
    return best


@numba.njit(cache=True, nogil=True)
def ground_kernel(gen, lo, hi, day, pers, tanks, ifvs, art, quality, morale, g_commit, broken, ground_commitment,
                   g_owner, g_arrives, tank_w, ifv_w, art_w, morale_w, broken_power, air_power,
                   aircraft, sortie_rate, w_commit, w_owner, w_arrives, drones, d_rate, d_commit, d_owner, d_arrives,
                   air_commitment, actor_camp, fo,
                   posture, defend, hold, by_terrain, place_terrain, plan_holds, plan_under, air_lost,
                   loc, control, pulls_out, nbr, target, edge, attacker, plan_against,
                   pull_out_ratio, rate, exponent, cap, dispersion, advance, gain_rate, progress, edge_len,
                   edge_src, edge_dst, fired, pers0, breakpoint, air_breakpoint,
                   killed_by, tanks_by, ifvs_by, art_by, ceasefire_day):
    """The ground day of runs [lo, hi), run by run, drawing from the granule's generator ``gen``."""
    n_a = actor_camp.shape[0]
    n_f = pers.shape[1]
    n_p = control.shape[1]
    flying = np.zeros(n_a)
    fliers = np.zeros(n_a, dtype=np.int64)
    holds = np.zeros(n_a, dtype=np.bool_)
    under = np.zeros(n_a, dtype=np.bool_)
    power = np.zeros(n_f)
    pmult = np.zeros(n_f)
    full = np.zeros(n_p)
    defence = np.zeros(n_p)
    moved = np.zeros(n_f, dtype=np.bool_)
    attacking = np.zeros(n_f, dtype=np.bool_)
    home_target = np.zeros(n_f, dtype=np.int64)
    attack_left = np.zeros(n_p)
    against = np.zeros(n_p)
    ratio = np.zeros(n_p)
    defended = np.zeros(n_p, dtype=np.bool_)
    f_att = np.zeros(n_p)
    f_def = np.zeros(n_p)
    holder = np.zeros(n_p, dtype=np.int64)
    captured_from = np.zeros(n_p, dtype=np.int64)
    for r in range(lo, hi):
        # the plan was made before the air strikes: power and defence after them (air
        # superiority changes only if aircraft or drones were lost)
        if air_lost[r]:
            _superiority(r, day, aircraft, sortie_rate, w_commit, w_owner, w_arrives, drones, d_rate, d_commit,
                         d_owner, d_arrives, air_commitment, actor_camp, fo, flying, fliers, holds, under)
        else:
            holds[:] = plan_holds[r]
            under[:] = plan_under[r]
        _power_run(r, day, pers, tanks, ifvs, art, quality, morale, g_commit, broken, ground_commitment, g_owner,
                   g_arrives, tank_w, ifv_w, art_w, morale_w, broken_power, air_power, holds, power)

        # pull-outs: formations that pull out leave a place attacked at pull-out-ratio or more
        full[:] = 0.0
        for f in range(n_f):
            pmult[f] = _posture_factor(posture[r, f], defend[r], hold[r])
            full[loc[r, f]] += power[f] * pmult[f]
        moved[:] = False
        for f in range(n_f):
            home = loc[r, f]
            if not pulls_out[f] or power[f] <= 0 or plan_against[r, home] <= 0:
                continue
            d = full[home] * by_terrain[r, place_terrain[home]]
            if plan_against[r, home] / max(d, TINY) >= pull_out_ratio[r]:
                dest = _retreat_to(r, f, loc, control, actor_camp, actor_camp[g_owner[f]], nbr, plan_against)
                if dest >= 0:
                    loc[r, f] = dest
                    moved[f] = True
        defence[:] = 0.0
        for f in range(n_f):
            if not moved[f]:
                defence[loc[r, f]] += power[f] * pmult[f]
        for p in range(n_p):
            defence[p] *= by_terrain[r, place_terrain[p]]

        # attrition: the attack that arrives is what the attackers have left after the air strikes
        attack_left[:] = 0.0
        for f in range(n_f):
            home_target[f] = target[r, loc[r, f]]
            attacking[f] = attacker[r, f] and home_target[f] >= 0 and not moved[f]
            if attacking[f]:
                attack_left[loc[r, f]] += power[f]
        against[:] = 0.0
        for u in range(n_p):
            if target[r, u] >= 0:
                against[target[r, u]] += attack_left[u]
        for v in range(n_p):
            defended[v] = defence[v] > TINY
            ratio[v] = max(against[v], TINY) / max(defence[v], TINY) if defended[v] else MAX_RATIO
            f_att[v] = 0.0
            f_def[v] = 0.0
            if against[v] > 0 and defended[v]:
                f_att[v], f_def[v] = loss_shares(ratio[v], rate[r], exponent[r], cap[r])
        for f in range(n_f):
            share = 0.0
            if attacking[f]:
                share += f_att[home_target[f]]
            if not moved[f] and power[f] > 0:
                share += f_def[loc[r, f]]
            mean = pers[r, f] * min(share, 1.0)
            if mean <= 0:
                continue
            # personnel: gamma-Poisson (negative binomial) with shape loss-dispersion; heavy
            # equipment: binomial at the share of personnel lost
            k = dispersion[r]
            killed = min(float(gamma_poisson(gen, mean, k)), pers[r, f])
            if killed <= 0:
                continue
            frac = killed / pers[r, f]
            t = float(gen.binomial(int(tanks[r, f]), frac))
            i = float(gen.binomial(int(ifvs[r, f]), frac))
            g = float(gen.binomial(int(art[r, f]), frac))
            take_ground_losses(r, f, killed, t, i, g, pers, tanks, ifvs, art, g_owner,
                               killed_by, tanks_by, ifvs_by, art_by)

        # who fought whom, progress along the legs attacked, and capture
        holder[:] = control[r]
        for u in range(n_p):
            v = target[r, u]
            if v < 0:
                continue
            fired[r, holder[u], holder[v]] = True
            if defended[v] and fo[r, holder[v], holder[u]]:
                fired[r, holder[v], holder[u]] = True
        captured_from[:] = -1
        fighting = ceasefire_day[r] < 0
        for u in range(n_p):
            v = target[r, u]
            if v < 0:
                continue
            e = edge[r, u]
            gain = advance[r] if not defended[v] else min(max((ratio[v] - 1.0) * gain_rate[r], 0.0), advance[r])
            progress[r, e] += gain
            if fighting and progress[r, e] >= edge_len[r, e]:
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
            if attacking[f] and v >= 0 and captured_from[v] == home \
                    and actor_camp[control[r, v]] == actor_camp[g_owner[f]]:
                loc[r, f] = v
        # formations left on a place their camp lost retreat, or are destroyed if they cannot;
        # formations not yet arrived retreat, if they must, on the day they arrive
        for f in range(n_f):
            if pers[r, f] <= 0 or day < g_arrives[f] or actor_camp[control[r, loc[r, f]]] == actor_camp[g_owner[f]]:
                continue
            dest = _retreat_to(r, f, loc, control, actor_camp, actor_camp[g_owner[f]], nbr, None)
            if dest >= 0:
                loc[r, f] = dest
            else:
                take_ground_losses(r, f, pers[r, f], tanks[r, f], ifvs[r, f], art[r, f], pers, tanks, ifvs, art,
                                   g_owner, killed_by, tanks_by, ifvs_by, art_by)

        # breakpoints (divided by air-superiority-breakpoint while an enemy holds the air)
        for f in range(n_f):
            bp = breakpoint[r, f] / (air_breakpoint[r] if under[g_owner[f]] else 1.0)
            if pers0[r, f] > 0 and 1 - pers[r, f] / max(pers0[r, f], TINY) >= bp:
                broken[r, f] = True
