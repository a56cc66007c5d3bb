"""The air war of one day (docs/model.md, "Air"), one short compiled kernel per phase.

:func:`air_kernel` steps the runs of a granule one after another; for each run the phases run in
this order, each using what the previous one left in the scratch arrays (:class:`.air_scratch.AirScratch`):

1. :func:`_sorties`: sorties of every wing and drone unit (docs/model.md, "Air", 1);
2. :func:`_sead`: SEAD sorties spread over the enemy batteries in reach (2);
3. :func:`_battery_readiness`: batteries destroyed by SEAD, engagement odds of the rest (2, 3);
4. :func:`_air_defence_threat`: survival of each actor's sorties over each formation's place (3);
5. :func:`_wing_ground_attack`, :func:`_wing_exposure`, :func:`_drone_ground_attack`: targets of
   the ground-attack sorties, their expected kills and expected losses to air defence (6, 3);
6. :func:`_engagements`: missiles fired, batteries lost, reloads (3);
7. :func:`_counter_air`: the hazard of air combat, ``K_a (1 - exp(-T_a / S)) / T_a`` (4);
8. :func:`_air_losses`: aircraft and drones lost, and the credit for kills (5, 7);
9. :func:`_strikes`: personnel and heavy equipment destroyed from the air (6).

The random draws (stochastic rounding of sorties, one uniform per battery, Poisson missiles,
binomial losses, Poisson strikes) come from the granule's generator in this order, run after run.
"""

from __future__ import annotations

import math

import numba

from flashpoint.engine.air_effects import air_conditions, book_by_cause, book_dead, expend_stock, standoff_log_survival
from flashpoint.engine.air_scratch import air_scratch
from flashpoint.engine.losses import flier_losses, take_ground_losses
from flashpoint.engine.plan import expected_sorties
from flashpoint.engine.rng import poisson
from flashpoint.engine.theatre import MISSIONS

CA, SEAD, CAS, INTERDICTION, STRIKE = (MISSIONS.index(m) for m in MISSIONS)
ALMOST_ONE = 1 - 1e-9
FEW = 8
"""Up to this many pieces destroyed, each piece's kind is drawn with one uniform number; more are
split with two binomial draws (the same multinomial distribution, drawn more cheaply either way)."""


@numba.njit(cache=True, nogil=True)
def air_kernel(gen, lo, hi, day, tb, rd, fs, board, plan):
    """The air day of runs [lo, hi), run by run, drawing from the granule's generator ``gen``:
    its phases in the order of the module docstring. ``tb`` the theatre's tables, ``rd`` the
    run draws, ``fs`` the forces' state, ``board`` the rest of the state (losses included),
    ``plan`` today's plan (its ``engaged`` formations are read, its ``air_lost`` runs set).

    ``fired[r, a, b]`` is set as soon as a's weapons are expected to engage b's aircraft or a's
    aircraft attack b's forces; ``lethal[a, b]`` is the expected number of b's aircraft a's weapons
    kill (credit for a kill: ``downed``)."""
    _air_runs(gen, lo, hi, day, tb, rd, fs, board, plan, air_scratch(tb, board.fires_on.shape[1]))


@numba.njit(cache=True, nogil=True, _nrt=False)
def _air_runs(gen, lo, hi, day, tb, rd, fs, board, plan, sc):
    """:func:`air_kernel` with its scratch arrays, compiled without reference counting (the arrays of
    the tuples are read run after run; nothing here allocates, and every draw has a form that needs none)."""
    losses = board.losses
    for r in range(lo, hi):
        _sorties(gen, r, day, tb, rd, fs, board, sc)
        air_conditions(r, day, tb, rd, board, sc)
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
        expend_stock(r, tb, fs, board, sc)


@numba.njit(cache=True, nogil=True)
def _stochastic_round(gen, x):
    """Round down or up with probability equal to the fraction, so the mean is kept."""
    base = math.floor(x)
    return base + (1.0 if gen.random() < x - base else 0.0)


@numba.njit(cache=True, nogil=True, inline="always")
def _sorties(gen, r, day, tb, rd, fs, board, sc):
    """Sorties of each wing and drone unit (stochastic rounding keeps the expected number); the
    personnel of formations that have arrived; today's expectations reset."""
    # the phases take every array out of its tuple once, outside the loops: a field read inside a
    # loop costs a reference count each time
    fighting = board.ceasefire_day[r] < 0
    w_owner, w_arrives, aircraft, rate, w_commit = tb.wings.owner, tb.wings.arrives, fs.wings.aircraft, \
        rd.wings.sortie_rate, fs.wings.commitment
    d_owner, d_arrives, drones, d_rate, d_commit, stock = tb.drone_units.owner, tb.drone_units.arrives, \
        fs.drone_units.drones, rd.drone_units.sorties_per_day, fs.drone_units.commitment, fs.drone_units.stock
    commit, sorties, drone_sorties = board.air_commitment, sc.sorties, sc.drone_sorties
    pers, f_pers, f_arrives = sc.personnel, fs.formations.personnel, tb.formations.arrives
    for w in range(w_owner.shape[0]):
        x = expected_sorties(r, w, aircraft, rate, w_commit, commit, w_owner)
        sorties[w] = _stochastic_round(gen, x) if fighting and day >= w_arrives[w] else 0.0
    for d in range(d_owner.shape[0]):
        x = expected_sorties(r, d, drones, d_rate, d_commit, commit, d_owner)
        launched = _stochastic_round(gen, x) if fighting and day >= d_arrives[d] else 0.0
        drone_sorties[d] = min(launched, stock[r, d])          # a loitering munition's stock runs out
    for f in range(pers.shape[0]):
        pers[f] = f_pers[r, f] if day >= f_arrives[f] else 0.0
    sc.lethal[...] = 0.0
    sc.kill_mean[...] = 0.0
    sc.armour_mean[...] = 0.0


@numba.njit(cache=True, nogil=True)
def _sead_target(r, day, attacker, b, reach, fo, b_owner, b_arrives, alive):
    """Battery b is a target for SEAD by ``attacker`` in run r: an enemy's, alive, arrived, in reach."""
    return fo[r, attacker, b_owner[b]] and alive[r, b] and day >= b_arrives[b] and reach[b]


@numba.njit(cache=True, nogil=True, inline="always")
def _spread_sead(r, day, owner, sorties, reach, kills, tb, fs, board, sc, row):
    """``sorties`` SEAD sorties of one wing or drone unit spread evenly over the enemy batteries in
    ``reach``; a wing's are also recorded in ``sc.sead_wb[row]`` (row -1: a drone unit's)."""
    b_owner, b_arrives, alive, fo, fired = tb.batteries.owner, tb.batteries.arrives, fs.batteries.alive, \
        board.fires_on, board.fired
    sead_wb, sead_on, log_spare, log_spare_d = sc.sead_wb, sc.sead_on, sc.log_spare, sc.log_spare_d
    cnt = 0
    for b in range(b_owner.shape[0]):
        if _sead_target(r, day, owner, b, reach, fo, b_owner, b_arrives, alive):
            cnt += 1
    if cnt == 0:
        return
    per = sorties / cnt
    log_spare_per = per * math.log1p(-min(kills, ALMOST_ONE))      # the same for every target
    for b in range(b_owner.shape[0]):
        if _sead_target(r, day, owner, b, reach, fo, b_owner, b_arrives, alive):
            if row >= 0:
                sead_wb[row, b] = per
                sead_on[b] += per
            log_spare[b] += log_spare_per
            if row < 0:
                log_spare_d[b] += log_spare_per
            fired[r, owner, b_owner[b]] = True


@numba.njit(cache=True, nogil=True, inline="always")
def _sead(r, day, tb, rd, fs, board, sc):
    """SEAD/DEAD: each wing's SEAD sorties, and each drone unit's sorties when it has SEAD kills."""
    sc.sead_on[...] = 0.0
    sc.log_spare[...] = 0.0
    sc.log_spare_d[...] = 0.0
    sc.so_over[...] = 0.0
    sc.sead_wb[...] = 0.0
    w_owner, missions, w_reach, w_kills, sorties = tb.wings.owner, tb.wings.missions, tb.wings.battery_reach, \
        rd.wings.sead_kills, sc.sorties
    d_owner, d_reach, d_kills, drone_sorties = tb.drone_units.owner, tb.drone_units.battery_reach, \
        rd.drone_units.sead_kills, sc.drone_sorties
    for w in range(w_owner.shape[0]):
        ns = sorties[w] * missions[w, SEAD]
        if ns > 0:
            _spread_sead(r, day, w_owner[w], ns, w_reach[w], w_kills[r, w], tb, fs, board, sc, w)
    for d in range(d_owner.shape[0]):
        nd = drone_sorties[d]
        if nd > 0 and d_kills[r, d] > 0:
            _spread_sead(r, day, d_owner[d], nd, d_reach[d], d_kills[r, d], tb, fs, board, sc, -1)


@numba.njit(cache=True, nogil=True, inline="always")
def _battery_readiness(gen, r, day, tb, rd, fs, board, sc):
    """Which batteries SEAD destroys today (one uniform drawn for every battery, so the draws do
    not depend on the state), and the engagement and survival odds of those still ready."""
    b_arrives, alive, missiles, pe, pk = tb.batteries.arrives, fs.batteries.alive, fs.batteries.missiles, \
        rd.batteries.engagement_prob, rd.batteries.kill_prob
    e_eff, shot, shot_d, ready, destroyed, log_spare, sead_on = sc.e_eff, sc.shot, sc.shot_d, sc.ready, \
        sc.destroyed, sc.log_spare, sc.sead_on
    supp, exposure, b_owner, ad_jam, crew = rd.air.sead_suppression[r], rd.air.drone_exposure[r], \
        tb.batteries.owner, sc.ad_jam, sc.crew
    e_eff[...] = 0.0
    shot[...] = 0.0
    shot_d[...] = 0.0
    ready[...] = False
    for b in range(b_arrives.shape[0]):
        on = alive[r, b] and day >= b_arrives[b]
        u = gen.random()
        destroyed[b] = on and u < -math.expm1(log_spare[b])
        e = min(pe[r, b] * (1.0 - supp * (1.0 if sead_on[b] > 0 else 0.0)) * ad_jam[b] * crew[b_owner[b]], 1.0)
        e_eff[b] = e
        ready[b] = on and not destroyed[b] and missiles[r, b] >= 1
        if ready[b]:
            k = pk[r, b]
            shot[b] = math.log1p(-min(e * k, ALMOST_ONE))
            shot_d[b] = math.log1p(-min(min(e * exposure, 1.0) * k, ALMOST_ONE))


@numba.njit(cache=True, nogil=True, inline="always")
def _air_defence_threat(r, tb, fs, board, sc):
    """The log survival of each flying actor's sorties over each formation's place, and each ready
    battery's targets (the flying actors it fires on) and covered formations, listed once."""
    fo, loc, b_owner, cover = board.fires_on, fs.formations.place, tb.batteries.owner, tb.batteries.cover
    log_surv, log_surv_d, over, fliers, ready = sc.log_surv, sc.log_surv_d, sc.over, sc.fliers, sc.ready
    targets, n_targets, covered, n_covered, shot, shot_d = sc.targets, sc.n_targets, sc.covered, sc.n_covered, \
        sc.shot, sc.shot_d
    for a in fliers:
        log_surv[a, :] = 0.0
        log_surv_d[a, :] = 0.0
        over[a, :] = 0.0
    for b in range(b_owner.shape[0]):
        n_targets[b] = 0
        n_covered[b] = 0
        if not ready[b]:
            continue
        for a in fliers:
            if fo[r, b_owner[b], a]:
                targets[b, n_targets[b]] = a
                n_targets[b] += 1
        for f in range(loc.shape[1]):
            if cover[b, loc[r, f]]:
                covered[b, n_covered[b]] = f
                n_covered[b] += 1
        for j in range(n_covered[b]):
            f = covered[b, j]
            for i in range(n_targets[b]):
                a = targets[b, i]
                log_surv[a, f] += shot[b]
                log_surv_d[a, f] += shot_d[b]


@numba.njit(cache=True, nogil=True, inline="always")
def _wing_ground_attack(r, tb, rd, fs, board, plan, sc):
    """Close air support on formations fighting today, strike and interdiction on any in reach.
    Wings of one owner with the same reach pick the same targets in the same proportions, so their
    sorties are pooled by group; ``q_deep``/``q_cas`` are the pool's losses per sortie."""
    fo, fired, loc, pers, owner, engaged = board.fires_on, board.fired, fs.formations.place, sc.personnel, \
        tb.formations.owner, plan.engaged
    missions, group, group_owner, group_reach = tb.wings.missions, tb.wings.group, tb.wings.group_owner, \
        tb.wings.group_reach
    sorties, strike_kills, armour_share = sc.sorties, rd.wings.strike_kills, rd.air.cas_armour_share[r]
    so_kills, g_so, shot = rd.wings.standoff_kills, tb.wings.group_standoff, sc.shot
    g_deep, g_cas, g_deep_k, g_cas_k, q_deep, q_cas = sc.g_deep, sc.g_cas, sc.g_deep_k, sc.g_cas_k, sc.q_deep, \
        sc.q_cas
    log_surv, kill_mean, armour_mean, over = sc.log_surv, sc.kill_mean, sc.armour_mean, sc.over
    g_deep[...] = 0.0
    g_cas[...] = 0.0
    g_deep_k[...] = 0.0
    g_cas_k[...] = 0.0
    for w in range(group.shape[0]):
        if sorties[w] <= 0:
            continue
        g = group[w]
        deep = sorties[w] * (missions[w, STRIKE] + missions[w, INTERDICTION])
        cas = sorties[w] * missions[w, CAS]
        g_deep[g] += deep
        g_cas[g] += cas
        k = strike_kills[r, w] * (so_kills[r, w] if g_so[g] > 0 else 1.0)     # docs/model.md, "Air", 9
        g_deep_k[g] += deep * k
        g_cas_k[g] += cas * k
    for g in range(group_owner.shape[0]):
        q_deep[g] = 0.0
        q_cas[g] = 0.0
        if g_deep[g] <= 0 and g_cas[g] <= 0:
            continue
        a = group_owner[g]
        far = g_so[g] > 0           # from stand-off only batteries reaching as far fire (air_effects)
        tot_eng = 0.0
        tot_all = 0.0
        for f in range(pers.shape[0]):
            if pers[f] > 0 and fo[r, a, owner[f]] and group_reach[g, loc[r, f]]:
                tot_all += pers[f]
                if engaged[r, f]:
                    tot_eng += pers[f]
        for f in range(pers.shape[0]):
            if pers[f] > 0 and fo[r, a, owner[f]] and group_reach[g, loc[r, f]]:
                x_deep = pers[f] / tot_all                     # shares of the pooled sorties
                x_cas = pers[f] / tot_eng if engaged[r, f] else 0.0
                to = g_deep[g] * x_deep + g_cas[g] * x_cas
                q = -math.expm1(standoff_log_survival(r, a, loc[r, f], g_so[g], to, shot, tb, board, sc) if far
                                else log_surv[a, f])
                q_deep[g] += x_deep * q
                q_cas[g] += x_cas * q
                kills = (1.0 - q) * (g_deep_k[g] * x_deep + g_cas_k[g] * x_cas)
                kill_mean[f] += kills
                armour_mean[f] += kills * armour_share
                over[a, f] += 0.0 if far else to
                if to > 0:
                    fired[r, a, owner[f]] = True


@numba.njit(cache=True, nogil=True, inline="always")
def _wing_exposure(r, tb, board, sc):
    """Each wing's expected losses to air defence: its sorties times its pool's loss per sortie, and
    for its SEAD sorties the fire of every battery covering their target's place."""
    fo, w_owner, group, missions = board.fires_on, tb.wings.owner, tb.wings.group, tb.wings.missions
    b_owner, b_place, cover = tb.batteries.owner, tb.batteries.place, tb.batteries.cover
    sorties, q_deep, q_cas, sead_wb, sead_over, ad_expected, ready, shot = sc.sorties, sc.q_deep, sc.q_cas, \
        sc.sead_wb, sc.sead_over, sc.ad_expected, sc.ready, sc.shot
    sead_over[...] = 0.0
    ad_expected[...] = 0.0
    for w in range(w_owner.shape[0]):
        if sorties[w] <= 0:
            continue
        a = w_owner[w]
        g = group[w]
        deep = missions[w, STRIKE] + missions[w, INTERDICTION]
        ad_expected[w] = sorties[w] * (deep * q_deep[g] + missions[w, CAS] * q_cas[g])
        for b in range(b_owner.shape[0]):
            if sead_wb[w, b] <= 0:
                continue
            ls = 0.0
            for b2 in range(b_owner.shape[0]):
                if ready[b2] and cover[b2, b_place[b]] and fo[r, b_owner[b2], a]:
                    ls += shot[b2]
                    sead_over[b2, a] += sead_wb[w, b]
            ad_expected[w] += sead_wb[w, b] * -math.expm1(ls)


@numba.njit(cache=True, nogil=True, inline="always")
def _drone_ground_attack(r, tb, rd, fs, board, sc):
    """Drone sorties over enemy formations in reach, in proportion to their strength."""
    fo, fired, loc, pers, owner = board.fires_on, board.fired, fs.formations.place, sc.personnel, \
        tb.formations.owner
    d_owner, reach, strike_kills, armour_kills, standoff, so_kills = tb.drone_units.owner, tb.drone_units.reach, \
        rd.drone_units.strike_kills, rd.drone_units.armour_kills, tb.drone_units.standoff_km, \
        rd.drone_units.standoff_kills
    drone_sorties, log_surv_d, d_expected, kill_mean, armour_mean, over = sc.drone_sorties, sc.log_surv_d, \
        sc.d_expected, sc.kill_mean, sc.armour_mean, sc.over
    exposure, drone_jam, shot_d = rd.air.drone_exposure[r], sc.drone_jam, sc.shot_d
    d_expected[...] = 0.0
    for d in range(d_owner.shape[0]):
        if drone_sorties[d] <= 0:
            continue
        a = d_owner[d]
        far = standoff[d] > 0       # from stand-off: only batteries reaching as far fire
        tot = 0.0
        for f in range(pers.shape[0]):
            if pers[f] > 0 and fo[r, a, owner[f]] and reach[d, loc[r, f]]:
                tot += pers[f]
        if tot <= 0:
            continue
        for f in range(pers.shape[0]):
            if pers[f] > 0 and fo[r, a, owner[f]] and reach[d, loc[r, f]]:
                to = drone_sorties[d] * pers[f] / tot
                p = loc[r, f]
                ls = standoff_log_survival(r, a, p, standoff[d], to * exposure, shot_d, tb, board, sc) if far else \
                    log_surv_d[a, f]
                q = -math.expm1(ls)
                d_expected[d] += to * q
                surviving = to * (1.0 - q) * drone_jam[a, p] * (so_kills[r, d] if far else 1.0)
                kill_mean[f] += surviving * strike_kills[r, d]
                armour_mean[f] += surviving * armour_kills[r, d]
                fired[r, a, owner[f]] = True
                if not far:
                    over[a, f] += to * exposure


@numba.njit(cache=True, nogil=True, inline="always")
def _engagements(gen, r, tb, rd, fs, board, losses, sc):
    """Every sortie over a covered place (and every SEAD sortie at its target) may be engaged:
    missiles fired are Poisson around the expected engagements; then batteries destroyed by SEAD
    are lost and the others reload."""
    b_owner, missiles, alive, fired = tb.batteries.owner, fs.batteries.missiles, fs.batteries.alive, board.fired
    pk, reload, missiles0, ad_lost = rd.batteries.kill_prob, rd.batteries.reload_per_day, rd.batteries.missiles0, \
        losses.air_defence_lost
    ready, targets, n_targets, covered, n_covered = sc.ready, sc.targets, sc.n_targets, sc.covered, sc.n_covered
    over, sead_over, e_eff, lethal, destroyed, so_over = sc.over, sc.sead_over, sc.e_eff, sc.lethal, sc.destroyed, \
        sc.so_over
    by_cause, log_spare, log_spare_d, dead_by_drones = tb.tally, sc.log_spare, sc.log_spare_d, \
        board.tally.air_defence_lost_to_drones
    for b in range(b_owner.shape[0]):
        shots = 0.0
        if ready[b]:
            engagements = 0.0
            for i in range(n_targets[b]):
                a = targets[b, i]
                on_a = 0.0
                for j in range(n_covered[b]):
                    on_a += over[a, covered[b, j]]
                on_a += sead_over[b, a] + so_over[b, a]
                if on_a > 0:
                    if on_a * e_eff[b] > 0:
                        fired[r, b_owner[b], a] = True
                    lethal[b_owner[b], a] += on_a * e_eff[b] * pk[r, b]
                engagements += on_a
            shots = engagements * e_eff[b]
        used = float(poisson(gen, shots))
        missiles[r, b] = max(missiles[r, b] - used, 0.0)
        if destroyed[b]:
            alive[r, b] = False
            ad_lost[r, b_owner[b]] += 1.0
            if by_cause:
                book_dead(gen, r, b, b_owner[b], log_spare[b], log_spare_d[b], dead_by_drones)
        refill = reload[r, b] if alive[r, b] else 0.0
        missiles[r, b] = min(missiles[r, b] + refill, missiles0[r, b])


@numba.njit(cache=True, nogil=True, inline="always")
def _counter_air(r, tb, rd, board, sc):
    """Fighters (kill potential K_a) search for the sorties T_a of those a fires on, S the run's ``counter-air-search``:
    a's fire adds ``K_a (1 - exp(-T_a / S)) / T_a`` to each one's hazard (docs/model.md, "Air", 4 "Counter-air")."""
    fo, fired, w_owner, missions, a2a = board.fires_on, board.fired, tb.wings.owner, tb.wings.missions, \
        rd.wings.air_to_air
    d_owner, exposure, search = tb.drone_units.owner, rd.air.drone_air_exposure[r], rd.air.counter_air_search[r]
    sorties, drone_sorties, ca_potential, flown, hazard, lethal = sc.sorties, sc.drone_sorties, sc.ca_potential, \
        sc.flown, sc.hazard, sc.lethal
    n_a = fo.shape[1]
    ca_potential[...] = 0.0
    flown[...] = 0.0
    for w in range(w_owner.shape[0]):
        ca_potential[w_owner[w]] += sorties[w] * missions[w, CA] * a2a[r, w]
        flown[w_owner[w]] += sorties[w]
    for d in range(d_owner.shape[0]):
        flown[d_owner[d]] += drone_sorties[d] * exposure
    hazard[...] = 0.0
    for a in range(n_a):
        if ca_potential[a] <= 0:
            continue
        targets = 0.0
        for b in range(n_a):
            if fo[r, a, b]:
                targets += flown[b]
        per_target = ca_potential[a] * -math.expm1(-targets / search) / targets if targets > 0 else 0.0
        for b in range(n_a):
            if fo[r, a, b] and flown[b] > 0:
                hazard[b] += per_target
                fired[r, a, b] = True
                lethal[a, b] += ca_potential[a]


@numba.njit(cache=True, nogil=True, inline="always")
def _air_losses(gen, r, tb, rd, fs, board, losses, plan, sc):
    """Aircraft and drones lost (binomial over the sorties flown); the run is marked in
    ``plan.air_lost`` and the kill credited in ``downed`` to every actor whose fire was lethal."""
    w_owner, d_owner, aircraft, drones, stock, has_stock = tb.wings.owner, tb.drone_units.owner, \
        fs.wings.aircraft, fs.drone_units.drones, fs.drone_units.stock, tb.drone_units.has_stock
    tally, by_cause, drone_lost = board.tally, tb.tally, sc.drone_lost
    aircraft_lost, uav_lost, downed, exposure = losses.aircraft_lost, losses.uav_lost, board.downed, \
        rd.air.drone_air_exposure[r]                   # against fighters (docs/model.md, "Air", 4)
    sorties, drone_sorties, ad_expected, d_expected, hazard, lost_by_actor, lethal = sc.sorties, \
        sc.drone_sorties, sc.ad_expected, sc.d_expected, sc.hazard, sc.lost_by_actor, sc.lethal
    n_a = board.fires_on.shape[1]
    lost_by_actor[...] = 0.0
    for w in range(w_owner.shape[0]):
        if sorties[w] > 0:
            a = w_owner[w]
            lost = flier_losses(gen, r, w, sorties[w], ad_expected[w], hazard[a], aircraft, aircraft_lost, a)
            lost_by_actor[a] += lost
            if by_cause:
                book_by_cause(gen, r, a, lost, sorties[w], ad_expected[w], hazard[a],
                              tally.aircraft_lost_to_air_defence, tally.aircraft_lost_to_fighters)
    for d in range(d_owner.shape[0]):
        drone_lost[d] = 0.0
        if drone_sorties[d] > 0:
            a = d_owner[d]
            units = stock if has_stock[d] else drones        # a loitering munition shot down leaves the stock
            lost = flier_losses(gen, r, d, drone_sorties[d], d_expected[d], hazard[a] * exposure, units, uav_lost, a)
            lost_by_actor[a] += lost
            drone_lost[d] = lost
            if by_cause:
                book_by_cause(gen, r, a, lost, drone_sorties[d], d_expected[d], hazard[a] * exposure,
                              tally.uav_lost_to_air_defence, tally.uav_lost_to_fighters)
    for a in range(n_a):
        if lost_by_actor[a] > 0:
            plan.air_lost[r] = True
    for b in range(n_a):
        if lost_by_actor[b] > 0:
            for a in range(n_a):
                if lethal[a, b] > 0:
                    downed[r, a, b] = True


@numba.njit(cache=True, nogil=True, inline="always")
def _strikes(gen, r, tb, fs, losses, sc):
    """Personnel killed (Poisson), and pieces destroyed: a Poisson number split over tanks, IFVs and
    guns by their shares of the formation's heavy equipment (multinomially, which makes each kind's
    count Poisson with its share of the mean: Poisson thinning). Both means are scaled by the
    defender's dispersal (``sc.disperse``, docs/model.md, "Air", 10)."""
    form, owner, disperse, kill_means, armour_means = fs.formations, tb.formations.owner, sc.disperse, \
        sc.kill_mean, sc.armour_mean
    f_tanks, f_ifvs, f_art = form.tanks, form.ifvs, form.artillery
    for f in range(kill_means.shape[0]):
        kill_mean, armour_mean = kill_means[f] * disperse[owner[f]], armour_means[f] * disperse[owner[f]]
        if kill_mean <= 0 and armour_mean <= 0:
            continue
        tanks, ifvs, art = f_tanks[r, f], f_ifvs[r, f], f_art[r, f]
        heavy = tanks + ifvs + art
        pt = pi = pg = 0.0
        if heavy > 0 and armour_mean > 0:
            pieces = poisson(gen, armour_mean)
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
        k = float(poisson(gen, kill_mean))
        take_ground_losses(r, f, k, k, pt, pi, pg, form, owner, losses)
