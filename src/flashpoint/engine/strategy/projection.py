"""Cheap projections for decisions: the trend of the last days, extrapolated.

No simulation runs inside a decision. Each day the strategy folds yesterday's changes into
exponentially weighted daily rates (time constant ``trend-days``, bias-corrected so the first days
count fully):

* the advance along every directed road leg (km per day; a leg whose far end was taken counts the
  distance that was left);
* the losses of each kind (per day) of the actors that decide.

A projection over ``H`` days (``decision-horizon``) for an option then takes, on every leg between
actors that fire on each other, the time to capture ``(length - progress) / (rate x m)``, where
``m`` is the option's multiplier of the advance of the deciding actor's camp (``own_advance``) or
of the camps hostile to it (``enemy_advance``); a place falls, one hop only, to the holder of the
leg that reaches it first within ``H``. Losses are ``rate x H x`` the option's loss multipliers.

:func:`project_options` projects every option of an actor at once in a compiled kernel;
:func:`project_control` is the same projection for one option in plain NumPy (the statement the
kernel is tested against).
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np

from flashpoint.engine.state import State
from flashpoint.engine.theatre import CompiledTheatre

TRACKED = ("personnel_killed", "aircraft_lost", "uav_lost", "air_defence_lost")
"""Loss kinds the decisions weigh, in the order of the cost-tolerance fields below."""
TOLERANCE_FIELDS = ("personnel", "aircraft", "uav", "air_defence")
AIR_KINDS = np.array([False, True, True, False])


class TrendArrays(NamedTuple):
    """A :class:`Trend`'s arrays, as the kernels take them."""

    actors: np.ndarray         # (actors,) int
    alpha: np.ndarray          # (R,)
    length_km: np.ndarray      # (R, D)
    incoming: np.ndarray       # (P, K) int
    advance: np.ndarray        # (R, D)
    loss: np.ndarray           # (R, actors, 4)
    weight: np.ndarray         # (R,)
    prev_progress: np.ndarray  # (R, D)
    prev_control: np.ndarray   # (R, P)
    prev_losses: np.ndarray    # (R, actors, 4)


class Options(NamedTuple):
    """What :func:`project_options` projects for one deciding camp, option by option (O options,
    n runs)."""

    camp: int
    hostile: np.ndarray        # (C,) bool: camps hostile to it
    horizon: np.ndarray        # (n,) days
    own: np.ndarray            # (O, n) multiplier of its advance
    enemy: np.ndarray          # (O, n) multiplier of its enemies'
    frozen: np.ndarray         # (O,) bool: the option keeps today's control


class Trend:
    """Exponentially weighted daily rates of advance and of the losses of ``actors`` (all by
    default), per run; ``length_km`` (R, D) is every leg's length in each run (the run draws')."""

    def __init__(self, th: CompiledTheatre, st: State, length_km: np.ndarray, window: np.ndarray,
                 actors: np.ndarray | None = None):
        self.length_km = length_km
        self.alpha = 1.0 / np.maximum(np.asarray(window, dtype=float), 1.0)     # (R,)
        self.advance = np.zeros(st.progress.shape)                               # (R, D)
        self.actors = np.arange(th.n_actors) if actors is None else np.asarray(actors, dtype=np.int64)
        self.loss = np.zeros((st.n, len(self.actors), len(TRACKED)))           # (R, actors, 4)
        self.weight = np.zeros(st.n)     # sum of EW weights so far: 1 - (1 - alpha)^days
        self.incoming = incoming_edges(th)
        self.prev_progress = st.progress.copy()
        self.prev_control = st.control.copy()
        self.prev_losses = np.stack([st.losses.of(k)[:, self.actors] for k in TRACKED], axis=-1)

    def arrays(self) -> TrendArrays:
        """The trend's arrays as one argument of the kernels."""
        return TrendArrays(self.actors, self.alpha, self.length_km, self.incoming, self.advance, self.loss,
                           self.weight, self.prev_progress, self.prev_control, self.prev_losses)

    def update(self, th: CompiledTheatre, st: State, runs: np.ndarray | None = None) -> None:
        """Fold in the changes since the last call (the day just fought) in ``runs`` (all by
        default); a run left out is left as it was, rates and previous day."""
        runs = np.arange(st.n) if runs is None else runs
        _fold(runs, self.arrays(), st.progress, st.control, st.losses, th.legs.src)

    def rates(self, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Bias-corrected (advance (n, D), losses (n, actors, 4)) for runs ``idx``."""
        w = np.maximum(self.weight[idx], 1e-12)
        seen = self.weight[idx] > 0
        adv = np.where(seen[:, None], self.advance[idx] / w[:, None], 0.0)
        loss = np.where(seen[:, None, None], self.loss[idx] / w[:, None, None], 0.0)
        return adv, loss

    def loss_rates(self, idx: np.ndarray, actor: int) -> np.ndarray:
        """Bias-corrected losses (n, 4) of ``actor`` (one of the trend's) in runs ``idx``, as :meth:`rates`."""
        j = int(np.flatnonzero(self.actors == actor)[0])
        w = np.maximum(self.weight[idx], 1e-12)
        seen = self.weight[idx] > 0
        return np.where(seen[:, None], self.loss[idx, j] / w[:, None], 0.0)


@numba.njit(cache=True, nogil=True)
def _fold(runs, tr, progress, control, losses, edge_src):
    """``rate = (1 - alpha) rate + alpha x yesterday's change`` for the advance along each leg (a leg
    whose far end was taken counts what was left of it) and each loss kind of :data:`TRACKED` of
    ``actors``, and ``weight = (1 - alpha) weight + alpha``, in ``runs``; there today becomes the
    previous day. ``tr`` the trend's arrays (:class:`TrendArrays`), ``losses`` the state's."""
    actors, alpha, edge_len, incoming = tr.actors, tr.alpha, tr.length_km, tr.incoming
    advance, loss, weight = tr.advance, tr.loss, tr.weight
    prev_progress, prev_control, prev_losses = tr.prev_progress, tr.prev_control, tr.prev_losses
    killed, aircraft, uav, air_defence = losses.personnel_killed, losses.aircraft_lost, losses.uav_lost, \
        losses.air_defence_lost     # the order of TRACKED
    n_edges = progress.shape[1]
    n_places, k_max = incoming.shape
    step = np.empty(n_edges)
    for r in runs:
        a = alpha[r]
        keep = 1 - a
        for e in range(n_edges):
            d = progress[r, e] - prev_progress[r, e]
            step[e] = 0.0 if d < 0.0 else d
        # a leg whose far end was taken: its progress was reset, count what was left of it
        for p in range(n_places):
            now = control[r, p]
            if now == prev_control[r, p]:
                continue
            for k in range(k_max):
                e = incoming[p, k]
                if e >= 0 and prev_control[r, edge_src[e]] == now:
                    d = edge_len[r, e] - prev_progress[r, e]
                    step[e] = 0.0 if d < 0.0 else d
        for e in range(n_edges):
            advance[r, e] = advance[r, e] * keep + a * step[e]
            prev_progress[r, e] = progress[r, e]
        for p in range(n_places):
            prev_control[r, p] = control[r, p]
        for j, i in enumerate(actors):
            for k, now in enumerate((killed[r, i], aircraft[r, i], uav[r, i], air_defence[r, i])):
                loss[r, j, k] = loss[r, j, k] * keep + a * (now - prev_losses[r, j, k])
                prev_losses[r, j, k] = now
        weight[r] = keep * weight[r] + a


def incoming_edges(th: CompiledTheatre) -> np.ndarray:
    """(P, K) directed legs that end at each place (-1 padding)."""
    out = th.map.nbr_edge
    if th.legs.reverse.size == 0:  # a theatre without roads: nothing comes in anywhere
        return np.full_like(out, -1)
    return np.where(out >= 0, th.legs.reverse[np.maximum(out, 0)], -1)


OTHER, OWN, ENEMY = 0, 1, 2


def project_options(th: CompiledTheatre, st: State, trend: Trend, idx: np.ndarray, camp: int, camp_hostile: np.ndarray,
                    horizon: np.ndarray, own: np.ndarray, enemy: np.ndarray,
                    frozen: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Control (O, n, P) of runs ``idx`` after ``horizon`` (n,) days of ``trend``, for each option o:
    the advance of camp ``camp`` times ``own[o]`` (n,), that of the camps hostile to it
    (``camp_hostile`` (C,)) times ``enemy[o]`` (n,); an option ``frozen[o]`` keeps today's control.
    Each option's control is :func:`project_control` of the trend's bias-corrected advance. Also
    (O, n) whether it differs from today's."""
    out = np.empty((len(frozen), idx.size, th.n_places), dtype=st.control.dtype)
    changed = np.zeros((len(frozen), idx.size), dtype=bool)
    _project_kernel(idx, st.control, st.fires_on, st.progress, trend.arrays(), th.legs, th.actor_camp,
                    Options(camp, camp_hostile, horizon, own, enemy, frozen), out, changed)
    return out, changed


@numba.njit(cache=True, nogil=True)
def _project_kernel(idx, control, fires_on, progress, tr, legs, actor_camp, opts, out, changed):
    """Per run: today's control, then the front legs of the trend (their time to arrive), then for
    each place at the end of one and each option that does not freeze the line, the first to arrive.
    ``tr`` the trend's arrays, ``legs`` the theatre's, ``opts`` the :class:`Options`."""
    edge_len, advance, weight, incoming = tr.length_km, tr.advance, tr.weight, tr.incoming
    edge_src, edge_dst = legs.src, legs.dst
    camp, hostile, horizon, own, enemy, frozen = opts.camp, opts.hostile, opts.horizon, opts.own, opts.enemy, \
        opts.frozen
    n_opt = frozen.size
    n_places, k_max = incoming.shape
    n_edges = edge_src.size
    t = np.empty(n_edges)                          # trend's time to take the far end of each front leg
    side = np.empty(n_edges, dtype=np.int64)
    front_of = np.full(n_edges, -1, dtype=np.int64)     # i where the leg is a front in run idx[i]
    done_of = np.full(n_places, -1, dtype=np.int64)     # i where the place was projected in run idx[i]
    fronts = np.empty(n_edges, dtype=np.int64)
    for i in range(idx.size):
        r = idx[i]
        for o in range(n_opt):
            for p in range(n_places):
                out[o, i, p] = control[r, p]
        if not weight[r] > 0:
            continue                               # no trend yet: no front
        w = weight[r] if weight[r] >= 1e-12 else 1e-12
        n_front = 0
        for e in range(n_edges):
            if not advance[r, e] > 0:
                continue
            rate = advance[r, e] / w
            hu = control[r, edge_src[e]]
            if not (rate > 0 and fires_on[r, hu, control[r, edge_dst[e]]]):
                continue
            left = edge_len[r, e] - progress[r, e]
            t[e] = (0.0 if left < 0.0 else left) / rate
            c = actor_camp[hu]
            side[e] = OWN if c == camp else (ENEMY if hostile[c] else OTHER)
            front_of[e] = i
            fronts[n_front] = e
            n_front += 1
        for j in range(n_front):
            p = edge_dst[fronts[j]]
            if done_of[p] == i:
                continue
            done_of[p] = i
            for o in range(n_opt):
                if frozen[o]:
                    continue
                # the first leg to arrive (the first of equal times) takes the place within the horizon
                best, taker = np.inf, -1
                for k in range(k_max):
                    e = incoming[p, k]
                    if e < 0 or front_of[e] != i:
                        continue
                    speed = own[o, i] if side[e] == OWN else (enemy[o, i] if side[e] == ENEMY else 1.0)
                    te = t[e] / speed if speed > 0 else np.inf
                    if te < best:
                        best, taker = te, e
                if taker >= 0 and best <= horizon[i] and control[r, edge_src[taker]] != control[r, p]:
                    out[o, i, p] = control[r, edge_src[taker]]
                    changed[o, i] = True


def project_control(th: CompiledTheatre, control: np.ndarray, fires_on: np.ndarray, progress: np.ndarray,
                    edge_len: np.ndarray, advance: np.ndarray, horizon: np.ndarray,
                    camp: int, camp_hostile: np.ndarray, own: np.ndarray, enemy: np.ndarray,
                    incoming: np.ndarray) -> np.ndarray:
    """Control (n, P) after ``horizon`` (n,) days of the trend ``advance`` (n, D), with the advance
    of camp ``camp`` times ``own`` (n,) and that of camps hostile to it times ``enemy`` (n,): one
    hop, the first leg to arrive wins."""
    n = control.shape[0]
    runs = np.arange(n)[:, None]
    hu, hv = control[:, th.legs.src], control[:, th.legs.dst]
    front = fires_on[runs, hu, hv] & (advance > 0)
    left = np.maximum(edge_len - progress, 0.0)
    t = np.where(front, left / np.where(front, advance, 1.0), np.inf)
    pad = incoming[None] < 0
    safe = np.maximum(incoming, 0)
    t_in = np.where(pad, np.inf, t[:, safe])                                    # (n, P, K)
    taker_in = control[runs[:, :, None], th.legs.src[safe][None]]               # (n, P, K)
    camp_in = th.actor_camp[taker_in]
    side = np.where(camp_in == camp, OWN, np.where(camp_hostile[camp_in], ENEMY, OTHER))
    side = np.where(pad, OTHER, side)
    speed = np.where(side == OWN, own[:, None, None], np.where(side == ENEMY, enemy[:, None, None], 1.0))
    t_in = np.divide(t_in, speed, out=np.full(t_in.shape, np.inf), where=speed > 0)
    k = np.argmin(t_in, axis=2)
    first = np.take_along_axis(t_in, k[..., None], axis=2)[..., 0]
    taker = np.take_along_axis(taker_in, k[..., None], axis=2)[..., 0]
    return np.where(first <= horizon[:, None], taker, control)
