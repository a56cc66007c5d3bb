"""The air mechanisms of the drone wars (docs/model.md, "Air", 8-10), as short phases of :mod:`.air`.

- :func:`air_conditions`: today's jamming of enemy batteries and drones (8) and each actor's
  learning (10): the multipliers the other phases read from the scratch arrays;
- :func:`standoff_log_survival`: a stand-off drone unit's survival over a place, counting only the
  batteries whose reach is at least its stand-off (9);
- :func:`book_by_cause`, :func:`book_dead`, :func:`expend_stock`: losses to air defence and to
  fighters, batteries destroyed by drones, loitering munitions used (9).

A scenario that uses none of them (``tb.tally`` false) leaves every multiplier at 1 and draws no
random number here, so its runs are those of an engine without these phases.
"""

from __future__ import annotations

import math

import numba


@numba.njit(cache=True, nogil=True, inline="always")
def air_conditions(r, day, tb, rd, board, sc):
    """Today's multipliers: ``ad_jam[b]`` of battery b's engagement odds (the product of
    ``1 - air_defence_cut`` over the enemy jammers operating with b in reach), ``drone_jam[a, p]`` of
    a's drone kills over place p (``1 - drone_cut``), ``crew[a]`` of a's batteries' engagement odds,
    ``1 + crew_gain min(t / crew_days, 1)``, and ``disperse[a]`` of air kills on a's formations,
    ``floor + (1 - floor) 2^(-t / half_life)``, with t = day - 1 days of war behind."""
    if not tb.tally:
        return
    fo, j_owner, j_cover, j_bcover, j_from, j_until = board.fires_on, tb.jammers.owner, tb.jammers.cover, \
        tb.jammers.battery_cover, tb.jammers.from_day, tb.jammers.until_day
    b_owner, ad_cut, d_cut = tb.batteries.owner, rd.jammers.air_defence_cut, rd.jammers.drone_cut
    half_life, floor, gain, crew_days = rd.adaptation.half_life, rd.adaptation.floor, rd.adaptation.crew_gain, \
        rd.adaptation.crew_days
    ad_jam, drone_jam, crew, disperse = sc.ad_jam, sc.drone_jam, sc.crew, sc.disperse
    ad_jam[...] = 1.0
    drone_jam[...] = 1.0
    for j in range(j_owner.shape[0]):
        if day < j_from[j] or day > j_until[j]:
            continue
        o = j_owner[j]
        for b in range(b_owner.shape[0]):
            if j_bcover[j, b] and fo[r, o, b_owner[b]]:
                ad_jam[b] *= 1.0 - ad_cut[r, j]
        for a in range(drone_jam.shape[0]):
            if fo[r, o, a]:
                for p in range(drone_jam.shape[1]):
                    if j_cover[j, p]:
                        drone_jam[a, p] *= 1.0 - d_cut[r, j]
    t = float(day - 1)
    for a in range(crew.shape[0]):
        crew[a] = 1.0 + gain[r, a] * min(t / crew_days[r, a], 1.0)
        disperse[a] = floor[r, a] + (1.0 - floor[r, a]) * math.exp2(-t / half_life[r, a])


@numba.njit(cache=True, nogil=True, inline="always")
def standoff_log_survival(r, a, p, standoff, to, shot, tb, board, sc):
    """The log survival of a stand-off sortie of actor ``a`` over place ``p``: only ready batteries
    covering p whose reach is at least ``standoff`` fire on it (``shot``: each battery's log
    survival, of an aircraft or of a drone); its ``to`` sorties there are booked to those
    batteries' engagements (``so_over[b, a]``)."""
    fo, b_owner, b_range, cover = board.fires_on, tb.batteries.owner, tb.batteries.range_km, tb.batteries.cover
    ready, so_over = sc.ready, sc.so_over
    ls = 0.0
    for b in range(b_owner.shape[0]):
        if ready[b] and cover[b, p] and b_range[b] >= standoff and fo[r, b_owner[b], a]:
            ls += shot[b]
            so_over[b, a] += to
    return ls


@numba.njit(cache=True, nogil=True)
def book_by_cause(gen, r, a, lost, sorties, ad_expected, hazard, to_ad, to_fighters):
    """Split ``lost`` fliers of actor ``a`` between air defence and fighters: each loss was to air
    defence with probability p_ad / p_loss (p_ad its losses to air defence per sortie, p_loss its
    chance of loss per sortie, :func:`.losses.flier_losses`), the rest to fighters."""
    if lost <= 0:
        return
    p_ad = min(max(ad_expected / sorties, 0.0), 1.0)
    p_loss = 1.0 - math.exp(-hazard) * (1.0 - p_ad)
    share = min(p_ad / p_loss, 1.0) if p_loss > 0 else 1.0
    k = float(gen.binomial(int(lost), share))
    to_ad[r, a] += k
    to_fighters[r, a] += lost - k


@numba.njit(cache=True, nogil=True)
def book_dead(gen, r, b, a, log_spare, log_spare_d, to_drones):
    """A battery of actor ``a`` destroyed by SEAD today: by drones with probability their share of
    the log hazard, ``log_spare_d / log_spare``."""
    if log_spare < 0 and gen.random() < log_spare_d / log_spare:
        to_drones[r, a] += 1.0


@numba.njit(cache=True, nogil=True, inline="always")
def expend_stock(r, tb, fs, board, sc):
    """Loitering munitions launched today leave the stock: those lost were taken from it by
    :func:`.losses.flier_losses`, the ``sorties - lost`` that struck are taken here."""
    d_owner, has_stock, stock, used = tb.drone_units.owner, tb.drone_units.has_stock, fs.drone_units.stock, \
        board.tally.munitions_used
    drone_sorties, lost = sc.drone_sorties, sc.drone_lost
    for d in range(d_owner.shape[0]):
        if has_stock[d] and drone_sorties[d] > 0:
            stock[r, d] = max(stock[r, d] - (drone_sorties[d] - lost[d]), 0.0)
            used[r, d_owner[d]] += drone_sorties[d]
