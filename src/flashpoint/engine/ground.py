"""The ground war of one day (docs/model.md, "Ground"), one short compiled kernel per phase.

:func:`ground_kernel` steps the runs of a granule one after another. For each run: air
superiority and combat power after the air strikes (:mod:`.plan`), then :func:`_pull_outs`
("Pull-out"), :func:`_attrition` ("Attrition"), :func:`_advance` ("Advance and capture"),
:func:`_retreats` and :func:`_breakpoints` ("Breakpoints"). The day's targets were chosen before
the air war, by :func:`.plan.plan_kernel` ("Fronts and attacks").
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numba
import numpy as np

from flashpoint.engine.losses import take_ground_losses
from flashpoint.engine.plan import MAX_RATIO, TINY, n_camps, posture_factor, power_of_run, superiority
from flashpoint.engine.rng import gamma_poisson
from flashpoint.engine.theatre import TERRAINS

OPEN = TERRAINS.index("open")


def daily_loss_shares(ratio: np.ndarray, rate: np.ndarray, exponent: np.ndarray,
                      cap: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The attacker's and the defender's expected share of strength lost in a day of combat
    (docs/model.md, "Attrition"); ``ratio`` is attack power over defence power (posture and
    terrain included)."""
    # engine/calibration/cdb90.json was fitted with exactly this expression; the fit's likelihood
    # has kinks, so even a change in the last digits moves it: regenerate the file after any change
    ratio = np.maximum(ratio, TINY)
    return np.minimum(cap, rate * ratio ** -exponent), np.minimum(cap, rate * ratio ** exponent)


loss_shares = numba.njit(cache=True, nogil=True)(daily_loss_shares)
"""The same expression compiled, for one place of one run (the ground kernel and the calibration)."""


class GroundScratch(NamedTuple):
    """Working arrays of the ground phase for one run (F formations, P places, A actors)."""

    flying: np.ndarray         # (camps, P) for superiority
    hostile: np.ndarray        # (A, camps) bool, for superiority
    degree: np.ndarray         # (A, P) degree of air superiority after the air war
    power: np.ndarray          # (F,) combat power after the air war
    pmult: np.ndarray          # (F,) posture factor of defence
    full: np.ndarray           # (P,) defence power before pull-outs (terrain not included)
    moved: np.ndarray          # (F,) bool: pulled out today
    attacking: np.ndarray      # (F,) bool
    defence: np.ndarray        # (P,) defence power after pull-outs
    against: np.ndarray        # (P,) attack power arriving
    ratio: np.ndarray          # (P,) attack over defence
    defended: np.ndarray       # (P,) bool
    f_att: np.ndarray          # (P,) the attackers' daily loss share
    f_def: np.ndarray          # (P,) the defenders'
    holder: np.ndarray         # (P,) int: holder at the start of the fight
    captured_from: np.ndarray  # (P,) int: the place its captors came from, -1 if not captured


@numba.njit(cache=True, nogil=True, inline="always")
def _ground_scratch(n_c, n_a, n_f, n_p):
    return GroundScratch(
        np.zeros((n_c, n_p)), np.zeros((n_a, n_c), dtype=np.bool_), np.full((n_a, n_p), 0.5),  # flying .. degree
        np.zeros(n_f), np.zeros(n_f), np.zeros(n_p),                                   # power, pmult, full
        np.zeros(n_f, dtype=np.bool_), np.zeros(n_f, dtype=np.bool_),                  # moved, attacking
        np.zeros(n_p), np.zeros(n_p), np.zeros(n_p),                                   # defence .. ratio
        np.zeros(n_p, dtype=np.bool_), np.zeros(n_p), np.zeros(n_p),                   # defended, f_att, f_def
        np.zeros(n_p, dtype=np.int64), np.zeros(n_p, dtype=np.int64))


@numba.njit(cache=True, nogil=True)
def ground_kernel(gen, lo, hi, day, tb, rd, fs, board, plan):
    """The ground day of runs [lo, hi), run by run, drawing from the granule's generator ``gen``:
    power after the air strikes, pull-outs, attrition, advance and capture, retreats, breakpoints
    (docs/model.md, "Ground"). The plan's air superiority is taken as today's unless the air
    phase marked the run in ``plan.air_lost``."""
    sc = _ground_scratch(n_camps(tb.actor_camp), tb.actor_camp.shape[0], tb.formations.owner.shape[0],
                         tb.map.terrain.shape[0])
    _ground_runs(gen, lo, hi, day, tb, rd, fs, board, plan, sc)


@numba.njit(cache=True, nogil=True, _nrt=False)
def _ground_runs(gen, lo, hi, day, tb, rd, fs, board, plan, sc):
    """:func:`ground_kernel` with its scratch arrays, compiled without reference counting (as
    :func:`.air._air_runs`)."""
    losses = board.losses
    for r in range(lo, hi):
        if plan.air_lost[r]:
            superiority(r, day, tb, rd, fs, board, sc.flying, sc.hostile, sc.degree)
        else:
            for a in range(sc.degree.shape[0]):         # element by element: no view, no reference count
                for p in range(sc.degree.shape[1]):
                    sc.degree[a, p] = plan.degree[r, a, p]
        power_of_run(r, day, tb, rd, fs, board, sc.degree, sc.power)
        _pull_outs(r, tb, rd, fs, board, plan, sc)
        _attrition(gen, r, tb, rd, fs, board, plan, sc)
        _advance(r, day, tb, rd, fs, board, plan, sc)
        _retreats(gen, r, day, tb, rd, fs, board, losses)
        _breakpoints(r, tb, rd, fs, board, sc)


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


@numba.njit(cache=True, nogil=True, inline="always")
def _fall_back_to(r, f, tb, fs, board):
    """Where a defender falls back along the axis of a hostile plan through its place
    (docs/model.md, "Plans"): the next place of that axis, past its own, that its camp holds and
    whose terrain is not open, without crossing a place its camp does not hold; -1 if none."""
    axis_places, axis_actor, terrain, camp = tb.plans.axis_places, tb.plans.axis_actor, tb.map.terrain, \
        tb.actor_camp
    loc, owner, control, fo = fs.formations.place, tb.formations.owner, board.control, board.fires_on
    c, here = camp[owner[f]], loc[r, f]
    for x in range(axis_actor.shape[0]):
        if camp[axis_actor[x]] == c or not fo[r, axis_actor[x], owner[f]]:
            continue
        passed = False
        for k in range(axis_places.shape[1]):
            q = axis_places[x, k]
            if q < 0:
                break
            if q == here:
                passed = True
            elif passed:
                if camp[control[r, q]] != c:
                    break
                if terrain[q] != OPEN:
                    return q
    return -1


@numba.njit(cache=True, nogil=True, inline="always")
def _pull_outs(r, tb, rd, fs, board, plan, sc):
    """Formations that pull out leave a place attacked at pull-out-ratio or more; then the defence
    power of every place without them."""
    # the phases take every array out of its tuple once, outside the loops: a field read inside a
    # loop costs a reference count each time
    loc, posture, camp, owner, pulls_out = fs.formations.place, fs.formations.posture, tb.actor_camp, \
        tb.formations.owner, tb.formations.pulls_out
    terrain, nbr, control, against = tb.map.terrain, tb.map.nbr, board.control, plan.against
    full, pmult, moved, defence, power = sc.full, sc.pmult, sc.moved, sc.defence, sc.power
    defend, hold, ratio_out = rd.power.posture_defend[r], rd.power.posture_hold[r], rd.ground.pull_out_ratio[r]
    by_terrain = rd.power.by_terrain
    n_f = loc.shape[1]
    full[:] = 0.0
    for f in range(n_f):
        pmult[f] = posture_factor(posture[r, f], defend, hold)
        full[loc[r, f]] += power[f] * pmult[f]
    moved[:] = False
    for f in range(n_f):
        home = loc[r, f]
        if not pulls_out[f] or power[f] <= 0 or against[r, home] <= 0:
            continue
        d = full[home] * by_terrain[r, terrain[home]]
        if against[r, home] / max(d, TINY) >= ratio_out:
            dest = _retreat_to(r, f, loc, control, camp, camp[owner[f]], nbr, against)
            if dest >= 0:
                loc[r, f] = dest
                moved[f] = True
    defence[:] = 0.0
    for f in range(n_f):
        if not moved[f]:
            defence[loc[r, f]] += power[f] * pmult[f]
    for p in range(terrain.shape[0]):
        defence[p] *= by_terrain[r, terrain[p]]


@numba.njit(cache=True, nogil=True, inline="always")
def _attrition(gen, r, tb, rd, fs, board, plan, sc):
    """Helmbold attrition at every place attacked (docs/model.md, "Attrition"): the attack that
    arrives is what the attackers sent there have left after the air strikes. On the d-th
    consecutive day of combat at a place the shares are multiplied by d^k - (d-1)^k, k the
    combat-days-exponent, so that a battle of D days costs D^k days of full combat, the form fitted
    on CDB90 (analysis/calibrate/kernel.py). Personnel put out of action (CDB90's battle casualties, on which
    the rates were fitted) are gamma-Poisson with shape loss-dispersion, killed-share of them killed;
    heavy equipment binomial at the share of personnel lost."""
    form, owner, losses, days = fs.formations, tb.formations.owner, board.losses, board.combat_days
    k = rd.ground.combat_days_exponent[r]
    loc, pers, tanks, ifvs, art = form.place, form.personnel, form.tanks, form.ifvs, form.artillery
    ftarget, attacker = plan.ftarget, plan.attacker
    attacking, moved, power = sc.attacking, sc.moved, sc.power
    against, defence, defended, ratio = sc.against, sc.defence, sc.defended, sc.ratio
    f_att, f_def = sc.f_att, sc.f_def
    rate, exponent, cap = rd.ground.attrition_rate[r], rd.ground.helmbold_exponent[r], rd.ground.max_daily_loss[r]
    dispersion, killed_share = rd.ground.loss_dispersion[r], rd.ground.killed_share[r]
    n_f, n_p = loc.shape[1], defence.shape[0]
    against[:] = 0.0
    for f in range(n_f):
        attacking[f] = attacker[r, f] and ftarget[r, f] >= 0 and not moved[f]
        if attacking[f]:
            against[ftarget[r, f]] += power[f]
    for v in range(n_p):
        defended[v] = defence[v] > TINY
        ratio[v] = max(against[v], TINY) / max(defence[v], TINY) if defended[v] else MAX_RATIO
        f_att[v] = 0.0
        f_def[v] = 0.0
        if against[v] > 0 and defended[v]:
            f_att[v], f_def[v] = loss_shares(ratio[v], rate, exponent, cap)
            days[r, v] += 1
            d = float(days[r, v])
            if d > 1.0:
                scale = d ** k - (d - 1.0) ** k
                f_att[v] *= scale
                f_def[v] *= scale
        else:
            days[r, v] = 0
    for f in range(n_f):
        share = 0.0
        if attacking[f]:
            share += f_att[ftarget[r, f]]
        if not moved[f] and power[f] > 0:
            share += f_def[loc[r, f]]
        mean = pers[r, f] * min(share, 1.0)
        if mean <= 0:
            continue
        out = min(float(gamma_poisson(gen, mean, dispersion)), pers[r, f])
        if out <= 0:
            continue
        frac = out / pers[r, f]
        t = float(gen.binomial(int(tanks[r, f]), frac))
        i = float(gen.binomial(int(ifvs[r, f]), frac))
        g = float(gen.binomial(int(art[r, f]), frac))
        dead = float(gen.binomial(int(out), killed_share))
        take_ground_losses(r, f, out, dead, t, i, g, form, owner, losses)


@numba.njit(cache=True, nogil=True, inline="always")
def _advance(r, day, tb, rd, fs, board, plan, sc):
    """Who fought whom, progress along the legs attacked, capture, the captors moving in
    (docs/model.md, "Advance and capture"), and the pause of a plan whose objective was taken
    ("Plans")."""
    control, fo, fired, progress, days = board.control, board.fires_on, board.fired, board.progress, \
        board.combat_days
    target, aimed, ftarget, length = plan.target, plan.aimed, plan.ftarget, rd.legs.length_km
    holder, defended, ratio, captured_from, attacking = sc.holder, sc.defended, sc.ratio, sc.captured_from, \
        sc.attacking
    src, dst, nbr_edge = tb.legs.src, tb.legs.dst, tb.map.nbr_edge
    loc, camp, owner = fs.formations.place, tb.actor_camp, tb.formations.owner
    advance, gain_rate = rd.ground.advance_km_per_day[r], rd.ground.gain_rate[r]
    n_p = control.shape[1]
    for p in range(n_p):
        holder[p] = control[r, p]
    captured_from[:] = -1
    fighting = board.ceasefire_day[r] < 0
    # every leg attacked today, by place of origin and then in the map's order of its neighbours
    for u in range(n_p):
        if target[r, u] < 0:
            continue
        for k in range(nbr_edge.shape[1]):
            e = nbr_edge[u, k]
            if e < 0:
                break
            if not aimed[r, u, k]:
                continue
            v = dst[e]
            fired[r, holder[u], holder[v]] = True
            if defended[v] and fo[r, holder[v], holder[u]]:
                fired[r, holder[v], holder[u]] = True
            gain = advance if not defended[v] else min(max((ratio[v] - 1.0) * gain_rate, 0.0), advance)
            progress[r, e] += gain
            if fighting and progress[r, e] >= length[r, e]:
                control[r, v] = holder[u]
                captured_from[v] = u
                days[r, v] = 0        # the battle for v is over; a counter-attack is a new one
                _pause(r, day, v, camp[holder[u]], tb.plans, camp, board.pause_until)
    for v in range(n_p):
        if captured_from[v] < 0:
            continue
        for e in range(src.shape[0]):
            if src[e] == v or dst[e] == v:
                progress[r, e] = 0.0
    for f in range(loc.shape[1]):
        home = loc[r, f]
        v = ftarget[r, f]
        if attacking[f] and v >= 0 and captured_from[v] == home and camp[control[r, v]] == camp[owner[f]]:
            loc[r, f] = v


@numba.njit(cache=True, nogil=True, inline="always")
def _pause(r, day, v, captor_camp, plans, camp, pause_until):
    """Each actor of the captor's camp with an objective at v already pursued makes no new attack
    for the objective's pause_days after today."""
    for o in range(plans.obj_actor.shape[0]):
        a = plans.obj_actor[o]
        if plans.obj_place[o] == v and day >= plans.obj_first[o] and camp[a] == captor_camp:
            pause_until[r, a] = max(pause_until[r, a], day + 1 + plans.obj_pause[o])


@numba.njit(cache=True, nogil=True, inline="always")
def _retreats(gen, r, day, tb, rd, fs, board, losses):
    """Formations left on a place their camp lost fall back along a hostile axis through it (see
    :func:`_fall_back_to`), else retreat to a neighbouring friendly place, or are destroyed if they
    cannot (all out of action, killed-share of them killed); formations not yet arrived retreat, if
    they must, on the day they arrive. One that gets away leaves the share left-behind-share of its
    tanks, IFVs and artillery to the captor, booked as lost (docs/model.md, "Advance and capture";
    0 by default: nothing is left)."""
    form, control, camp, owner, arrives, nbr = fs.formations, board.control, tb.actor_camp, tb.formations.owner, \
        tb.formations.arrives, tb.map.nbr
    loc, pers, left, killed_share = form.place, form.personnel, rd.ground.left_behind_share[r], \
        rd.ground.killed_share[r]
    for f in range(loc.shape[1]):
        if pers[r, f] <= 0 or day < arrives[f] or camp[control[r, loc[r, f]]] == camp[owner[f]]:
            continue
        dest = _fall_back_to(r, f, tb, fs, board)
        if dest < 0:
            dest = _retreat_to(r, f, loc, control, camp, camp[owner[f]], nbr, None)
        if dest >= 0:
            loc[r, f] = dest
            if left > 0:     # whole pieces, rounded: counts stay integers, their sums exact in any order
                take_ground_losses(r, f, 0.0, 0.0, math.floor(left * form.tanks[r, f] + 0.5),
                                   math.floor(left * form.ifvs[r, f] + 0.5),
                                   math.floor(left * form.artillery[r, f] + 0.5), form, owner, losses)
        else:
            dead = float(gen.binomial(int(pers[r, f]), killed_share))
            take_ground_losses(r, f, pers[r, f], dead, form.tanks[r, f], form.ifvs[r, f], form.artillery[r, f],
                               form, owner, losses)


@numba.njit(cache=True, nogil=True, inline="always")
def _breakpoints(r, tb, rd, fs, board, sc):
    """A formation breaks when its losses reach its breakpoint share, multiplied by
    air-superiority-breakpoint^(g - 1/2), g its owner's degree of air superiority over its place
    (the form fitted on CDB90, analysis/calibrate/kernel.py). A defender attacked today that
    breaks falls back along a hostile axis through its place, if there is one (:func:`_fall_back_to`)."""
    pers, broken, owner, degree, loc = fs.formations.personnel, fs.formations.broken, tb.formations.owner, \
        sc.degree, fs.formations.place
    breakpoint, pers0, log_bp = rd.formations.breakpoint, rd.formations.personnel0, \
        math.log(rd.ground.air_superiority_breakpoint[r])
    for f in range(pers.shape[1]):
        bp = breakpoint[r, f] * math.exp(log_bp * (degree[owner[f], loc[r, f]] - 0.5))
        p0 = pers0[r, f]
        if p0 > 0 and 1 - pers[r, f] / max(p0, TINY) >= bp:
            if not broken[r, f] and not sc.attacking[f] and sc.against[loc[r, f]] > 0:
                dest = _fall_back_to(r, f, tb, fs, board)
                if dest >= 0:
                    loc[r, f] = dest
            broken[r, f] = True
