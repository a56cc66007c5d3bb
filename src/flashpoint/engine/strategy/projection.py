"""Cheap projections for decisions: the trend of the last days, extrapolated.

No simulation runs inside a decision. Each day the strategy folds yesterday's changes into
exponentially weighted daily rates (time constant ``trend-days``, bias-corrected so the first days
count fully):

* the advance along every directed road leg (km per day; a leg whose far end was taken counts the
  distance that was left);
* every actor's losses of each kind (per day).

A projection over ``H`` days (``decision-horizon``) for an option then takes, on every leg between
actors that fire on each other, the time to capture ``(length - progress) / (rate x m)``, where
``m`` is the option's multiplier of the advance of the deciding actor's camp (``own_advance``) or
of the camps hostile to it (``enemy_advance``); a place falls, one hop only, to the holder of the
leg that reaches it first within ``H``. Losses are ``rate x H x`` the option's loss multipliers.
"""

from __future__ import annotations

import numpy as np

from flashpoint.engine.state import State
from flashpoint.engine.theatre import Theatre

TRACKED = ("personnel_killed", "aircraft_lost", "uav_lost", "air_defence_lost")
"""Loss kinds the decisions weigh, in the order of the cost-tolerance fields below."""
TOLERANCE_FIELDS = ("personnel", "aircraft", "uav", "air_defence")
AIR_KINDS = np.array([False, True, True, False])


class Trend:
    """Exponentially weighted daily rates of advance and of losses, per run."""

    def __init__(self, th: Theatre, st: State, window: np.ndarray):
        self.alpha = 1.0 / np.maximum(np.asarray(window, dtype=float), 1.0)     # (R,)
        self.advance = np.zeros(st.progress.shape)                               # (R, D)
        self.loss = np.zeros((st.n, th.n_actors, len(TRACKED)))                 # (R, A, 4)
        self.weight = np.zeros(st.n)     # sum of EW weights so far: 1 - (1 - alpha)^days
        self.incoming = incoming_edges(th)
        self._snapshot(st)

    def _losses(self, st: State) -> np.ndarray:
        return np.stack([st.losses[k] for k in TRACKED], axis=-1)

    def _snapshot(self, st: State) -> None:
        self.prev_progress = st.progress.copy()
        self.prev_control = st.control.copy()
        self.prev_losses = self._losses(st)

    def update(self, th: Theatre, st: State) -> None:
        """Fold in the changes since the last call (the day just fought)."""
        step = st.progress - self.prev_progress
        np.maximum(step, 0.0, out=step)
        # a leg whose far end was taken: its progress was reset, count what was left of it
        rr, pp = np.nonzero(st.control != self.prev_control)
        if rr.size:
            legs = self.incoming[pp]                                            # (m, K)
            src = np.where(legs >= 0, th.edge_src[np.maximum(legs, 0)], 0)
            took = (legs >= 0) & (self.prev_control[rr[:, None], src] == st.control[rr, pp][:, None])
            r2, k2 = np.nonzero(took)
            e = legs[r2, k2]
            r = rr[r2]
            step[r, e] = np.maximum(st.edge_len[r, e] - self.prev_progress[r, e], 0.0)
        a = self.alpha
        self.advance *= (1 - a)[:, None]
        self.advance += a[:, None] * step
        losses = self._losses(st)
        self.loss *= (1 - a)[:, None, None]
        self.loss += a[:, None, None] * (losses - self.prev_losses)
        self.weight = (1 - a) * self.weight + a
        self.prev_progress = st.progress.copy()
        self.prev_control = st.control.copy()
        self.prev_losses = losses

    def rates(self, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Bias-corrected (advance (n, D), losses (n, A, 4)) for runs ``idx``."""
        w = np.maximum(self.weight[idx], 1e-12)
        seen = self.weight[idx] > 0
        adv = np.where(seen[:, None], self.advance[idx] / w[:, None], 0.0)
        loss = np.where(seen[:, None, None], self.loss[idx] / w[:, None, None], 0.0)
        return adv, loss


def incoming_edges(th: Theatre) -> np.ndarray:
    """(P, K) directed legs that end at each place (-1 padding)."""
    out = th.nbr_edge
    return np.where(out >= 0, th.edge_reverse[np.maximum(out, 0)], -1)


OTHER, OWN, ENEMY = 0, 1, 2


class Front:
    """The trend's time to take each place, from each leg that leads to it, for some runs; it does
    not depend on who decides. :meth:`seen_by` adds the deciding actor's camp, and an option's
    projection then only rescales the times."""

    def __init__(self, th: Theatre, control: np.ndarray, fires_on: np.ndarray, progress: np.ndarray,
                 edge_len: np.ndarray, advance: np.ndarray, incoming: np.ndarray):
        n = control.shape[0]
        runs = np.arange(n)[:, None]
        hu, hv = control[:, th.edge_src], control[:, th.edge_dst]
        front = fires_on[runs, hu, hv] & (advance > 0)
        left = np.maximum(edge_len - progress, 0.0)
        t = np.where(front, left / np.where(front, advance, 1.0), np.inf)
        pad = incoming[None] < 0
        safe = np.maximum(incoming, 0)
        self.t_in = np.where(pad, np.inf, t[:, safe])                                # (n, P, K)
        self.pad = pad
        self.taker_in = control[runs[:, :, None], th.edge_src[safe][None]]           # (n, P, K)
        self.camp_in = th.actor_camp[self.taker_in]
        self.control = control
        self.any_front = bool(np.isfinite(self.t_in).any())
        self._views: dict[int, FrontView] = {}

    def seen_by(self, camp: int, camp_hostile: np.ndarray) -> FrontView:
        if camp not in self._views:
            side = np.where(self.camp_in == camp, OWN, np.where(camp_hostile[self.camp_in], ENEMY, OTHER))
            self._views[camp] = FrontView(self, np.where(self.pad, OTHER, side))
        return self._views[camp]


class FrontView:
    """A front as one camp sees it: which legs are its own advance and which the enemy's."""

    def __init__(self, front: Front, side_in: np.ndarray):
        self.front = front
        self.side_in = side_in
        self._trend: dict[bytes, np.ndarray] = {}

    def project(self, horizon: np.ndarray, own: np.ndarray, enemy: np.ndarray) -> np.ndarray:
        """Control (n, P) after ``horizon`` (n,) days, the own camp's advance times ``own`` (n,)
        and the hostile camps' times ``enemy`` (n,): one hop, the first leg to arrive wins."""
        f = self.front
        if not f.any_front:
            return f.control
        plain = bool(np.all(own == 1.0) and np.all(enemy == 1.0))
        key = np.asarray(horizon, dtype=float).tobytes() if plain else b""
        if plain and key in self._trend:
            return self._trend[key]
        if plain:
            t = f.t_in
        else:
            speed = np.where(self.side_in == OWN, own[:, None, None],
                             np.where(self.side_in == ENEMY, enemy[:, None, None], 1.0))
            t = np.divide(f.t_in, speed, out=np.full(f.t_in.shape, np.inf), where=speed > 0)
        k = np.argmin(t, axis=2)
        first = np.take_along_axis(t, k[..., None], axis=2)[..., 0]
        taker = np.take_along_axis(f.taker_in, k[..., None], axis=2)[..., 0]
        out = np.where(first <= horizon[:, None], taker, f.control)
        if plain:
            self._trend[key] = out
        return out


def project_control(th: Theatre, control: np.ndarray, fires_on: np.ndarray, progress: np.ndarray,
                    edge_len: np.ndarray, advance: np.ndarray, horizon: np.ndarray,
                    camp: int, camp_hostile: np.ndarray, own: np.ndarray, enemy: np.ndarray,
                    incoming: np.ndarray) -> np.ndarray:
    """Control (n, P) after ``horizon`` (n,) days of the trend ``advance`` (n, D), with the advance
    of camp ``camp`` times ``own`` (n,) and that of camps hostile to it times ``enemy`` (n,)."""
    front = Front(th, control, fires_on, progress, edge_len, advance, incoming)
    return front.seen_by(camp, camp_hostile).project(horizon, own, enemy)
