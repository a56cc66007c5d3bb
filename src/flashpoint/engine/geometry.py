"""Static reach and coverage tables, computed once per theatre."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from flashpoint.engine.theatre import Theatre


@dataclass(frozen=True)
class Geometry:
    drone_reach: np.ndarray      # (Dn, P)
    cover: np.ndarray            # (B, P) bool: place inside the battery's engagement range
    wing_reach_b: np.ndarray     # (W, B) battery within the wing's range
    drone_reach_b: np.ndarray    # (Dn, B)
    wing_group: np.ndarray       # (W,) wings of one owner with the same reach share a group
    group_owner: np.ndarray      # (G,)
    group_reach: np.ndarray      # (G, P) place within range of the group's wings (of their base)


def geometry(th: Theatre) -> Geometry:
    dist = th.dist_km
    wing_reach = dist[th.w_base] <= th.w_range[:, None]
    keys: dict[tuple, int] = {}
    wing_group = np.array([keys.setdefault((int(th.w_owner[w]), wing_reach[w].tobytes()), len(keys))
                           for w in range(len(th.w_owner))], dtype=np.int64)
    first = [int(np.flatnonzero(wing_group == g)[0]) for g in range(len(keys))]
    return Geometry(
        drone_reach=dist[th.d_base] <= th.d_range[:, None],
        cover=dist[th.b_place] <= th.b_range[:, None],
        wing_reach_b=dist[th.w_base][:, th.b_place] <= th.w_range[:, None],
        drone_reach_b=dist[th.d_base][:, th.b_place] <= th.d_range[:, None],
        wing_group=wing_group,
        group_owner=np.asarray(th.w_owner, dtype=np.int64)[first],
        group_reach=wing_reach[first].reshape(len(first), dist.shape[0]),
    )
