"""The ground war of one day (docs/model.md, "Ground"), one short compiled kernel per phase.

:func:`ground_kernel` steps the runs of a granule one after another. For each run: air
superiority and combat power after the air strikes (:mod:`.plan`), then :func:`_pull_outs`
("Pull-out"), :func:`_attrition` ("Attrition"), :func:`_advance` ("Advance and capture"),
:func:`_retreats` and :func:`_breakpoints` ("Breakpoints"). The day's targets were chosen before
the air war, by :func:`.plan.plan_kernel` ("Fronts and attacks").
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np

from flashpoint.engine.losses import take_ground_losses
from flashpoint.engine.plan import MAX_RATIO, TINY, posture_factor, power_of_run, superiority
from flashpoint.engine.rng import gamma_poisson


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

    flying: np.ndarray         # (A,) for superiority
    fliers: np.ndarray         # (A,) int
    holds: np.ndarray          # (A,) bool: air superiority after the air war
    under: np.ndarray          # (A,) bool
    power: np.ndarray          # (F,) combat power after the air war
    pmult: np.ndarray          # (F,) posture factor of defence
    full: np.ndarray           # (P,) defence power before pull-outs (terrain not included)
    moved: np.ndarray          # (F,) bool: pulled out today
    attacking: np.ndarray      # (F,) bool
    home_target: np.ndarray    # (F,) int: the place its place's attackers go for
    defence: np.ndarray        # (P,) defence power after pull-outs
    attack_left: np.ndarray    # (P,) attack power left at each place after the air strikes
    against: np.ndarray        # (P,) attack power arriving
    ratio: np.ndarray          # (P,) attack over defence
    defended: np.ndarray       # (P,) bool
    f_att: np.ndarray          # (P,) the attackers' daily loss share
    f_def: np.ndarray          # (P,) the defenders'
    holder: np.ndarray         # (P,) int: holder at the start of the fight
    captured_from: np.ndarray  # (P,) int: the place its captors came from, -1 if not captured


@numba.njit(cache=True, nogil=True, inline="always")
def _ground_scratch(n_a, n_f, n_p):
    fa, fi, fb = np.zeros(n_a), np.zeros(n_a, dtype=np.int64), np.zeros(n_a, dtype=np.bool_)
    return GroundScratch(
        fa, fi, fb, np.zeros(n_a, dtype=np.bool_),                                    # flying .. under
        np.zeros(n_f), np.zeros(n_f), np.zeros(n_p),                                   # power, pmult, full
        np.zeros(n_f, dtype=np.bool_), np.zeros(n_f, dtype=np.bool_), np.zeros(n_f, dtype=np.int64),
        np.zeros(n_p), np.zeros(n_p), np.zeros(n_p), np.zeros(n_p),                   # defence .. ratio
        np.zeros(n_p, dtype=np.bool_), np.zeros(n_p), np.zeros(n_p),                   # defended, f_att, f_def
        np.zeros(n_p, dtype=np.int64), np.zeros(n_p, dtype=np.int64))


@numba.njit(cache=True, nogil=True)
def ground_kernel(gen, lo, hi, day, tb, rd, fs, board, plan):
    """The ground day of runs [lo, hi), run by run, drawing from the granule's generator ``gen``:
    power after the air strikes, pull-outs, attrition, advance and capture, retreats, breakpoints
    (docs/model.md, "Ground"). The plan's air superiority is taken as today's unless the air
    phase marked the run in ``plan.air_lost``."""
    sc = _ground_scratch(tb.actor_camp.shape[0], tb.formations.owner.shape[0], tb.map.terrain.shape[0])
    _ground_runs(gen, lo, hi, day, tb, rd, fs, board, plan, sc)


@numba.njit(cache=True, nogil=True)
def _ground_runs(gen, lo, hi, day, tb, rd, fs, board, plan, sc):
    """:func:`ground_kernel` with its scratch arrays."""
    losses = board.losses
    for r in range(lo, hi):
        if plan.air_lost[r]:
            superiority(r, day, tb, rd, fs, board, sc.flying, sc.fliers, sc.holds, sc.under)
        else:
            for a in range(sc.holds.shape[0]):
                sc.holds[a] = plan.holds[r, a]
                sc.under[a] = plan.under[r, a]
        power_of_run(r, day, tb, rd, fs, board, sc.holds, sc.power)
        _pull_outs(r, tb, rd, fs, board, plan, sc)
        _attrition(gen, r, tb, rd, fs, losses, plan, sc)
        _advance(r, tb, rd, fs, board, plan, sc)
        _retreats(r, day, tb, fs, board, losses)
        _breakpoints(r, tb, rd, fs, sc)


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
def _pull_outs(r, tb, rd, fs, board, plan, sc):
    """Formations that pull out leave a place attacked at pull-out-ratio or more; then the defence
    power of every place without them."""
    loc, camp, owner, pw = fs.formations.place, tb.actor_camp, tb.formations.owner, rd.power
    n_f, terrain = loc.shape[1], tb.map.terrain
    full = sc.full
    full[:] = 0.0
    for f in range(n_f):
        sc.pmult[f] = posture_factor(fs.formations.posture[r, f], pw.posture_defend[r], pw.posture_hold[r])
        full[loc[r, f]] += sc.power[f] * sc.pmult[f]
    sc.moved[:] = False
    for f in range(n_f):
        home = loc[r, f]
        if not tb.formations.pulls_out[f] or sc.power[f] <= 0 or plan.against[r, home] <= 0:
            continue
        d = full[home] * pw.by_terrain[r, terrain[home]]
        if plan.against[r, home] / max(d, TINY) >= rd.ground.pull_out_ratio[r]:
            dest = _retreat_to(r, f, loc, board.control, camp, camp[owner[f]], tb.map.nbr, plan.against)
            if dest >= 0:
                loc[r, f] = dest
                sc.moved[f] = True
    sc.defence[:] = 0.0
    for f in range(n_f):
        if not sc.moved[f]:
            sc.defence[loc[r, f]] += sc.power[f] * sc.pmult[f]
    for p in range(terrain.shape[0]):
        sc.defence[p] *= pw.by_terrain[r, terrain[p]]


@numba.njit(cache=True, nogil=True, inline="always")
def _attrition(gen, r, tb, rd, fs, losses, plan, sc):
    """Helmbold attrition at every place attacked (docs/model.md, "Attrition"): the attack that
    arrives is what the attackers have left after the air strikes. Personnel losses are
    gamma-Poisson with shape loss-dispersion; heavy equipment binomial at the share of personnel lost."""
    form, gr = fs.formations, rd.ground
    loc, target = form.place, plan.target
    n_f, n_p = loc.shape[1], target.shape[1]
    sc.attack_left[:] = 0.0
    for f in range(n_f):
        sc.home_target[f] = target[r, loc[r, f]]
        sc.attacking[f] = plan.attacker[r, f] and sc.home_target[f] >= 0 and not sc.moved[f]
        if sc.attacking[f]:
            sc.attack_left[loc[r, f]] += sc.power[f]
    sc.against[:] = 0.0
    for u in range(n_p):
        if target[r, u] >= 0:
            sc.against[target[r, u]] += sc.attack_left[u]
    for v in range(n_p):
        sc.defended[v] = sc.defence[v] > TINY
        sc.ratio[v] = max(sc.against[v], TINY) / max(sc.defence[v], TINY) if sc.defended[v] else MAX_RATIO
        sc.f_att[v] = 0.0
        sc.f_def[v] = 0.0
        if sc.against[v] > 0 and sc.defended[v]:
            sc.f_att[v], sc.f_def[v] = loss_shares(sc.ratio[v], gr.attrition_rate[r], gr.helmbold_exponent[r],
                                                   gr.max_daily_loss[r])
    for f in range(n_f):
        share = 0.0
        if sc.attacking[f]:
            share += sc.f_att[sc.home_target[f]]
        if not sc.moved[f] and sc.power[f] > 0:
            share += sc.f_def[loc[r, f]]
        mean = form.personnel[r, f] * min(share, 1.0)
        if mean <= 0:
            continue
        killed = min(float(gamma_poisson(gen, mean, gr.loss_dispersion[r])), form.personnel[r, f])
        if killed <= 0:
            continue
        frac = killed / form.personnel[r, f]
        t = float(gen.binomial(int(form.tanks[r, f]), frac))
        i = float(gen.binomial(int(form.ifvs[r, f]), frac))
        g = float(gen.binomial(int(form.artillery[r, f]), frac))
        take_ground_losses(r, f, killed, t, i, g, form, tb.formations.owner, losses)


@numba.njit(cache=True, nogil=True, inline="always")
def _advance(r, tb, rd, fs, board, plan, sc):
    """Who fought whom, progress along the legs attacked, capture, and the captors moving in
    (docs/model.md, "Advance and capture")."""
    control, fo, target, gr = board.control, board.fires_on, plan.target, rd.ground
    n_p = control.shape[1]
    for p in range(n_p):
        sc.holder[p] = control[r, p]
    for u in range(n_p):
        v = target[r, u]
        if v < 0:
            continue
        board.fired[r, sc.holder[u], sc.holder[v]] = True
        if sc.defended[v] and fo[r, sc.holder[v], sc.holder[u]]:
            board.fired[r, sc.holder[v], sc.holder[u]] = True
    sc.captured_from[:] = -1
    fighting = board.ceasefire_day[r] < 0
    for u in range(n_p):
        v = target[r, u]
        if v < 0:
            continue
        e = plan.edge[r, u]
        advance = gr.advance_km_per_day[r]
        gain = advance if not sc.defended[v] else min(max((sc.ratio[v] - 1.0) * gr.gain_rate[r], 0.0), advance)
        board.progress[r, e] += gain
        if fighting and board.progress[r, e] >= rd.legs.length_km[r, e]:
            control[r, v] = sc.holder[u]
            sc.captured_from[v] = u
    for v in range(n_p):
        if sc.captured_from[v] < 0:
            continue
        for e in range(tb.legs.src.shape[0]):
            if tb.legs.src[e] == v or tb.legs.dst[e] == v:
                board.progress[r, e] = 0.0
    loc, camp, owner = fs.formations.place, tb.actor_camp, tb.formations.owner
    for f in range(loc.shape[1]):
        home = loc[r, f]
        v = target[r, home]
        if sc.attacking[f] and v >= 0 and sc.captured_from[v] == home and camp[control[r, v]] == camp[owner[f]]:
            loc[r, f] = v


@numba.njit(cache=True, nogil=True, inline="always")
def _retreats(r, day, tb, fs, board, losses):
    """Formations left on a place their camp lost retreat, or are destroyed if they cannot;
    formations not yet arrived retreat, if they must, on the day they arrive."""
    form, control, camp, owner = fs.formations, board.control, tb.actor_camp, tb.formations.owner
    loc = form.place
    for f in range(loc.shape[1]):
        if form.personnel[r, f] <= 0 or day < tb.formations.arrives[f] \
                or camp[control[r, loc[r, f]]] == camp[owner[f]]:
            continue
        dest = _retreat_to(r, f, loc, control, camp, camp[owner[f]], tb.map.nbr, None)
        if dest >= 0:
            loc[r, f] = dest
        else:
            take_ground_losses(r, f, form.personnel[r, f], form.tanks[r, f], form.ifvs[r, f], form.artillery[r, f],
                               form, owner, losses)


@numba.njit(cache=True, nogil=True, inline="always")
def _breakpoints(r, tb, rd, fs, sc):
    """A formation breaks when its losses reach its breakpoint share, divided by
    air-superiority-breakpoint while an enemy holds the air."""
    form, fd, owner = fs.formations, rd.formations, tb.formations.owner
    for f in range(form.personnel.shape[1]):
        bp = fd.breakpoint[r, f] / (rd.ground.air_superiority_breakpoint[r] if sc.under[owner[f]] else 1.0)
        p0 = fd.personnel0[r, f]
        if p0 > 0 and 1 - form.personnel[r, f] / max(p0, TINY) >= bp:
            form.broken[r, f] = True
