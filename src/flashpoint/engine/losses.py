"""Losses taken by a formation, a wing or a drone unit, capped at what it has and booked to its
owner (docs/model.md, "Air", 5 "Losses", and "Ground", "Losses"). Shared by the air and the ground phases."""

from __future__ import annotations

import math

import numba


@numba.njit(cache=True, nogil=True, inline="always")
def take_ground_losses(r, f, out, dead, tanks, ifvs, guns, fs, owner, losses):
    """Take losses from formation f of run r (``fs`` the formations' state), each capped at what it
    has, and book them to its owner in ``losses``: ``out`` of its personnel are put out of action,
    ``dead`` of them killed (a share of ``out`` where it is capped)."""
    if out > fs.personnel[r, f]:
        dead *= fs.personnel[r, f] / out
        out = fs.personnel[r, f]
    dead = min(dead, out)
    tanks = min(tanks, fs.tanks[r, f])
    ifvs = min(ifvs, fs.ifvs[r, f])
    guns = min(guns, fs.artillery[r, f])
    fs.personnel[r, f] -= out
    fs.tanks[r, f] -= tanks
    fs.ifvs[r, f] -= ifvs
    fs.artillery[r, f] -= guns
    a = owner[f]
    losses.personnel_killed[r, a] += dead
    losses.personnel_lost[r, a] += out
    losses.tanks_lost[r, a] += tanks
    losses.ifvs_lost[r, a] += ifvs
    losses.artillery_lost[r, a] += guns


@numba.njit(cache=True, nogil=True)
def flier_losses(gen, r, u, sorties, ad_expected, hazard, units, lost_by, owner):
    """Losses of wing or drone unit u of run r: Binomial(sorties, 1 - exp(-hazard) (1 - p_ad)),
    p_ad its expected losses to air defence per sortie, capped at what it has; booked to ``owner``."""
    p_ad = min(max(ad_expected / sorties, 0.0), 1.0)
    p_loss = 1.0 - math.exp(-hazard) * (1.0 - p_ad)
    lost = min(float(gen.binomial(int(sorties), min(max(p_loss, 0.0), 1.0))), units[r, u])
    units[r, u] -= lost
    lost_by[r, owner] += lost
    return lost
