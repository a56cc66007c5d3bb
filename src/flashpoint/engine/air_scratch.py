"""The air phase's working arrays (:mod:`.air`), one set per granule and day."""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np


class AirScratch(NamedTuple):
    """Working arrays of the air phase, allocated once per call and reset for every run
    (allocating them per run costs more than the work). W wings, Dn drone units, B batteries,
    F formations, A actors, G wing groups."""

    sorties: np.ndarray          # (W,) sorties flown today
    drone_sorties: np.ndarray    # (Dn,)
    personnel: np.ndarray        # (F,) personnel of formations that have arrived
    sead_on: np.ndarray          # (B,) SEAD sorties aimed at the battery
    log_spare: np.ndarray        # (B,) log of the chance no SEAD sortie destroys it
    sead_wb: np.ndarray          # (W, B) SEAD sorties of wing w at battery b
    e_eff: np.ndarray            # (B,) engagement probability after suppression
    shot: np.ndarray             # (B,) log of the chance an aircraft survives the battery
    shot_d: np.ndarray           # (B,) the same for a drone
    ready: np.ndarray            # (B,) bool: alive, arrived, not destroyed today, with missiles
    destroyed: np.ndarray        # (B,) bool: destroyed by SEAD today
    log_surv: np.ndarray         # (A, F) log survival of a's aircraft over formation f's place
    log_surv_d: np.ndarray       # (A, F) the same for drones
    over: np.ndarray             # (A, F) a's sorties over formation f's place
    sead_over: np.ndarray        # (B, A) a's SEAD sorties within battery b's cover
    ad_expected: np.ndarray      # (W,) expected losses to air defence
    d_expected: np.ndarray       # (Dn,)
    ca_potential: np.ndarray     # (A,) counter-air kill potential K_a
    flown: np.ndarray            # (A,) sorties T_a (drones weighted by drone-air-exposure)
    hazard: np.ndarray           # (A,) counter-air hazard of a's sorties
    lethal: np.ndarray           # (A, A) expected number of b's fliers a's weapons kill
    targets: np.ndarray          # (B, A) int: flying actors the ready battery fires on
    n_targets: np.ndarray        # (B,) int
    covered: np.ndarray          # (B, F) int: formations in the ready battery's cover
    n_covered: np.ndarray        # (B,) int
    g_deep: np.ndarray           # (G,) the group's strike and interdiction sorties
    g_cas: np.ndarray            # (G,) its close air support sorties
    g_deep_k: np.ndarray         # (G,) the same times strike kills
    g_cas_k: np.ndarray          # (G,)
    q_deep: np.ndarray           # (G,) loss to air defence per deep sortie
    q_cas: np.ndarray            # (G,) per close air support sortie
    kill_mean: np.ndarray        # (F,) expected personnel killed from the air
    armour_mean: np.ndarray      # (F,) expected pieces destroyed
    lost_by_actor: np.ndarray    # (A,) aircraft and drones lost today
    fliers: np.ndarray           # int: actors with aircraft or drones
    # the air mechanisms (docs/model.md, "Air", 8-10; :mod:`.air_effects`): ones and zeros unless used
    ad_jam: np.ndarray           # (B,) multiplier of the battery's engagement odds by enemy jamming
    drone_jam: np.ndarray        # (A, P) multiplier of a's drone kills over place p by enemy jamming
    crew: np.ndarray             # (A,) multiplier of a's batteries' engagement odds as crews learn
    disperse: np.ndarray         # (A,) multiplier of air kills on a's formations as they disperse
    so_over: np.ndarray          # (B, A) a's stand-off sorties within battery b's reach
    log_spare_d: np.ndarray      # (B,) the drones' part of log_spare
    drone_lost: np.ndarray       # (Dn,) drones (or munitions) lost today


@numba.njit(cache=True, nogil=True, inline="always")
def air_scratch(tb, n_a):
    """Scratch arrays for the air phase of theatre tables ``tb`` with ``n_a`` actors."""
    n_w, n_g = tb.wings.owner.shape[0], tb.wings.group_owner.shape[0]
    n_d, n_b, n_f = tb.drone_units.owner.shape[0], tb.batteries.owner.shape[0], tb.formations.owner.shape[0]
    n_p = tb.map.value.shape[0]
    flies = np.zeros(n_a, dtype=np.bool_)  # only actors with aircraft or drones can be engaged in the air
    for w in range(n_w):
        flies[tb.wings.owner[w]] = True
    for d in range(n_d):
        flies[tb.drone_units.owner[d]] = True
    return AirScratch(
        np.zeros(n_w), np.zeros(n_d), np.zeros(n_f), np.zeros(n_b), np.zeros(n_b), np.zeros((n_w, n_b)),
        np.zeros(n_b), np.zeros(n_b), np.zeros(n_b), np.zeros(n_b, dtype=np.bool_), np.zeros(n_b, dtype=np.bool_),
        np.zeros((n_a, n_f)), np.zeros((n_a, n_f)), np.zeros((n_a, n_f)), np.zeros((n_b, n_a)), np.zeros(n_w),
        np.zeros(n_d), np.zeros(n_a), np.zeros(n_a), np.zeros(n_a), np.zeros((n_a, n_a)),
        np.zeros((n_b, n_a), dtype=np.int64), np.zeros(n_b, dtype=np.int64), np.zeros((n_b, n_f), dtype=np.int64),
        np.zeros(n_b, dtype=np.int64), np.zeros(n_g), np.zeros(n_g), np.zeros(n_g), np.zeros(n_g), np.zeros(n_g),
        np.zeros(n_g), np.zeros(n_f), np.zeros(n_f), np.zeros(n_a), np.flatnonzero(flies),
        np.ones(n_b), np.ones((n_a, n_p)), np.ones(n_a), np.ones(n_a), np.zeros((n_b, n_a)), np.zeros(n_b),
        np.zeros(n_d))
