"""Static reach and coverage tables, computed once per theatre."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from flashpoint.engine.theatre import Theatre


@dataclass(frozen=True)
class Geometry:
    wing_reach: np.ndarray       # (W, P) place within the wing's range of its base
    drone_reach: np.ndarray      # (Dn, P)
    cover: np.ndarray            # (B, P) bool: place inside the battery's engagement range
    wing_reach_b: np.ndarray     # (W, B) battery within the wing's range
    drone_reach_b: np.ndarray    # (Dn, B)


def geometry(th: Theatre) -> Geometry:
    dist = th.dist_km
    return Geometry(
        wing_reach=dist[th.w_base] <= th.w_range[:, None],
        drone_reach=dist[th.d_base] <= th.d_range[:, None],
        cover=dist[th.b_place] <= th.b_range[:, None],
        wing_reach_b=dist[th.w_base][:, th.b_place] <= th.w_range[:, None],
        drone_reach_b=dist[th.d_base][:, th.b_place] <= th.d_range[:, None],
    )
