"""The compiled theatre's tables: one ``NamedTuple`` of arrays per kind of thing the engine steps.

Each table is indexed by its kind's own index (formation f, wing w, drone unit d, battery b, place
p, directed leg e), fixed for the scenario and the same in every run. The compiled kernels take
these tuples as they are (Numba compiles a function once per tuple type and caches it) and read
their fields by name, so two arrays of the same shape can never be swapped by position.

What is drawn per run lives in :mod:`.draws`; what changes from day to day in :mod:`.state`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class Places(NamedTuple):
    """The map (P places, K the most neighbours any place has)."""

    value: np.ndarray          # (P,) float: worth of holding the place
    terrain: np.ndarray        # (P,) int: index into theatre.TERRAINS
    control0: np.ndarray       # (P,) int: actor holding the place on day 0
    dist_km: np.ndarray        # (P, P) float: great-circle distance
    nbr: np.ndarray            # (P, K) int: neighbouring place, -1 past the last
    nbr_edge: np.ndarray       # (P, K) int: the directed leg place -> neighbour, -1 past the last


class Legs(NamedTuple):
    """Directed road legs u -> v (D of them; leg e ^ 1 is its reverse)."""

    src: np.ndarray            # (D,) int: place u
    dst: np.ndarray            # (D,) int: place v
    km: np.ndarray             # (D,) float: sourced length, NaN where the road factor gives it
    reverse: np.ndarray        # (D,) int: the leg v -> u


class Formations(NamedTuple):
    """Ground formations (F)."""

    owner: np.ndarray          # (F,) int: actor
    place: np.ndarray          # (F,) int: place on day 0
    posture: np.ndarray        # (F,) int: index into theatre.POSTURES on day 0
    pulls_out: np.ndarray      # (F,) bool: leaves a place attacked at pull-out-ratio or more
    arrives: np.ndarray        # (F,) int: first day it takes part


class Wings(NamedTuple):
    """Air wings (W); wings of one owner with the same reach form a group (G groups)."""

    owner: np.ndarray          # (W,) int: actor
    base: np.ndarray           # (W,) int: place it flies from
    range_km: np.ndarray       # (W,) float
    missions: np.ndarray       # (W, 5) float: shares of theatre.MISSIONS, rows sum to 1 (or 0)
    arrives: np.ndarray        # (W,) int: first day it flies
    battery_reach: np.ndarray  # (W, B) bool: battery within the wing's range of its base
    group: np.ndarray          # (W,) int: its group
    group_owner: np.ndarray    # (G,) int: actor
    group_reach: np.ndarray    # (G, P) bool: place within range of the group's wings
    group_standoff: np.ndarray     # (G,) float: the group's stand-off (0: strikes from overhead; above 0 its
                                   # wings' kills are scaled by standoff_kills)


class DroneUnits(NamedTuple):
    """Drone units (Dn)."""

    owner: np.ndarray          # (Dn,) int: actor
    base: np.ndarray           # (Dn,) int: place it flies from
    range_km: np.ndarray       # (Dn,) float
    arrives: np.ndarray        # (Dn,) int: first day it flies
    reach: np.ndarray          # (Dn, P) bool: place within range of its base
    battery_reach: np.ndarray  # (Dn, B) bool: battery within range of its base
    standoff_km: np.ndarray    # (Dn,) float: strikes from this far (0: from overhead)
    has_stock: np.ndarray      # (Dn,) bool: loitering munitions, used up when launched


class Batteries(NamedTuple):
    """Air-defence batteries (B)."""

    owner: np.ndarray          # (B,) int: actor
    place: np.ndarray          # (B,) int
    range_km: np.ndarray       # (B,) float: engagement range
    arrives: np.ndarray        # (B,) int: first day it engages
    cover: np.ndarray          # (B, P) bool: place inside its engagement range


class Plans(NamedTuple):
    """Operational plans (docs/model.md, "Plans"): O objectives, X axes of at most L places, V
    reserves. Weights are priorities over the largest priority of the actor's plan."""

    has_plan: np.ndarray       # (A,) bool
    axis_weight: np.ndarray    # (A, P, P) float: [a, u, v] weight of v on a's axes followed from day 0 for
                               # attackers at u (0 off them, and from a place after v on the axis)
    late_actor: np.ndarray     # (N,) int: the places of axes followed from a later day, one entry per place
    late_place: np.ndarray     # (N,) int
    late_weight: np.ndarray    # (N,) float
    late_first: np.ndarray     # (N,) int: the axis's first day
    late_behind: np.ndarray    # (N, P) bool: the places after the entry's place on its axis
    obj_actor: np.ndarray      # (O,) int
    obj_place: np.ndarray      # (O,) int
    obj_weight: np.ndarray     # (O,) float
    obj_pause: np.ndarray      # (O,) int: days without new attacks after taking it
    obj_first: np.ndarray      # (O,) int: first day it is pursued
    axis_actor: np.ndarray     # (X,) int
    axis_places: np.ndarray    # (X, L) int: the axis's places in order, -1 past the last
    res_formation: np.ndarray  # (V,) int
    res_place: np.ndarray      # (V,) int: where it is committed, -1 when to an axis
    res_axis: np.ndarray       # (V,) int: the axis to whose front end it is committed, -1 when to a place
    res_day: np.ndarray        # (V,) int: first day it is committed
    res_posture: np.ndarray    # (V,) int: index into theatre.POSTURES once committed


class Jammers(NamedTuple):
    """Jammers (J): electronic warfare against enemy batteries and drones within reach."""

    owner: np.ndarray          # (J,) int: actor
    cover: np.ndarray          # (J, P) bool: place within its reach
    battery_cover: np.ndarray  # (J, B) bool: battery within its reach
    from_day: np.ndarray       # (J,) int: first day it operates
    until_day: np.ndarray      # (J,) int: last day it operates


class Tables(NamedTuple):
    """Every table of a compiled theatre, as one argument of the kernels."""

    map: Places
    legs: Legs
    formations: Formations
    wings: Wings
    drone_units: DroneUnits
    batteries: Batteries
    jammers: Jammers
    actor_camp: np.ndarray     # (A,) int: camp of each actor
    plans: Plans
    tally: bool                # losses by cause and munitions used are counted (an air mechanism is used)


def wing_groups(owner: np.ndarray, reach: np.ndarray,
                standoff: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each wing's group (wings of one owner with the same reach and stand-off share one), and each
    group's owner, reach and stand-off (those of its first wing)."""
    keys: dict[tuple, int] = {}
    group = np.array([keys.setdefault((int(owner[w]), reach[w].tobytes(), float(standoff[w])), len(keys))
                      for w in range(len(owner))], dtype=np.int64)
    first = [int(np.flatnonzero(group == g)[0]) for g in range(len(keys))]
    return group, np.asarray(owner, dtype=np.int64)[first], reach[first].reshape(len(first), reach.shape[1]), \
        np.asarray(standoff, dtype=float)[first]
