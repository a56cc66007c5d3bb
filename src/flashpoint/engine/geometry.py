"""Static reach and coverage tables, computed once per theatre."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from flashpoint.engine.theatre import Theatre


@dataclass(frozen=True)
class Geometry:
    wing_reach: np.ndarray       # (W, P) place within the wing's range of its base
    drone_reach: np.ndarray      # (Dn, P)
    cover: np.ndarray            # (B, P) place inside the battery's engagement range
    wing_reach_b: np.ndarray     # (W, B) battery within the wing's range
    drone_reach_b: np.ndarray    # (Dn, B)
    owner_b: np.ndarray          # (B, A) one-hot owner of each battery
    owner_w: np.ndarray          # (W, A)
    owner_d: np.ndarray          # (Dn, A)
    owner_g: np.ndarray          # (F, A)
    air_actors: np.ndarray       # (Aa,) actors that own aircraft or drones
    w_aa: np.ndarray             # (W,) index of each wing's owner among the air actors
    d_aa: np.ndarray
    owner_w_aa: np.ndarray       # (W, Aa) one-hot
    owner_d_aa: np.ndarray       # (Dn, Aa)


def _onehot(idx: np.ndarray, n: int) -> np.ndarray:
    """(len(idx), n) rows with a 1 at each index (works for empty tables too)."""
    return (np.asarray(idx, dtype=np.int64)[:, None] == np.arange(n)[None, :]).astype(float)


def geometry(th: Theatre) -> Geometry:
    dist = th.dist_km
    air_actors = np.unique(np.concatenate([th.w_owner, th.d_owner]).astype(np.int64))
    w_aa = np.searchsorted(air_actors, th.w_owner)
    d_aa = np.searchsorted(air_actors, th.d_owner)
    return Geometry(
        wing_reach=dist[th.w_base] <= th.w_range[:, None],
        drone_reach=dist[th.d_base] <= th.d_range[:, None],
        cover=(dist[th.b_place] <= th.b_range[:, None]).astype(float),
        wing_reach_b=dist[th.w_base][:, th.b_place] <= th.w_range[:, None],
        drone_reach_b=dist[th.d_base][:, th.b_place] <= th.d_range[:, None],
        owner_b=_onehot(th.b_owner, th.n_actors),
        owner_w=_onehot(th.w_owner, th.n_actors),
        owner_d=_onehot(th.d_owner, th.n_actors),
        owner_g=_onehot(th.g_owner, th.n_actors),
        air_actors=air_actors, w_aa=w_aa, d_aa=d_aa,
        owner_w_aa=_onehot(w_aa, len(air_actors)),
        owner_d_aa=_onehot(d_aa, len(air_actors)),
    )
