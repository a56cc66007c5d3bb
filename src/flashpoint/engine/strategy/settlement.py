"""Settlement: the bargaining model run on the scenario's political issue table, with capabilities
updated by the battlefield at the ceasefire.

**Battlefield update.** On the day of the ceasefire each actor's capability is multiplied by

    m_a = F_a x G_c

- ``F_a``: the mean, over the kinds of force the actor had at the start (ground combat power
  ``personnel + w_tank tanks + w_ifv IFVs + w_art guns``, aircraft, drones, live air-defence
  batteries), of the share it still has (1 for an actor without forces). Loitering munitions'
  launchers count only while their stock lasts, ``min(launchers, stock)`` (as in the degree of air
  superiority, docs/model.md, "Air", 9);
- ``G_c``: the value-weighted share of places its camp holds, over that share at the start (1 for
  a camp that held nothing).

**The line.** An issue with a ``battlefield`` entry has a position implied by control: 100 x the
value-weighted share of its places held by its camp. Its distribution at the ceasefire is
reported next to the bargaining forecast.

**Bargaining.** Ceasefire runs are grouped into five bins of that line (one bin if no issue is
tied to the battlefield), and each bin's mean multipliers (summed as whole numbers, so the result
does not depend on how runs were split into blocks) scale the capabilities. The model (KTAB's
SMP by default, or the BDM expected-utility model issue by issue) then runs on
:data:`SAMPLES` Latin-hypercube draws of the table's uncertain numbers, with fixed strata, for
each bin. The forecast of an issue is the position of the most likely final position (SMP) or
the final weighted median (BDM); it is reported as a distribution over bins (weighted by their
runs) and draws, with the capability x salience weighted mean and median of the actors' stated
positions as baselines.
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np

from flashpoint.engine.state import State
from flashpoint.engine.strategy.bargaining import IssueTable, run_bdm, run_smp
from flashpoint.engine.strategy.bargaining.bdm import weighted_mean, weighted_median
from flashpoint.engine.theatre import CompiledTheatre
from flashpoint.scenario.distributions import is_uncertain

SAMPLES = 8
"""Latin-hypercube draws of the issue table's uncertain numbers per bin of the line."""
BINS = 5
"""The futures with a ceasefire are grouped by where the first battlefield line fell, in this many
equal parts of its 0-100 scale (one group when no issue has a battlefield line), and the bargaining
model runs once per group and sample of the issue table, with the group's mean battlefield
multipliers. A resolution of 20 points, chosen here
(no source) to bound the number of bargaining runs whatever the number of futures; the forecast's
quantiles are read from those few runs, so they move in steps."""
MILLI = 1000
"""Battlefield multipliers are summed in whole thousandths, so that merging blocks is exact."""
SAME_POSITION = 0.1
"""In the SMP model, actors whose final positions (over all issues, Euclidean distance on the 0-100
scales) are closer than this count as one outcome, kept once, when the expected settlement is
averaged over distinct outcomes: a tolerance for the model's iterations, far below any difference
the scale is read at (chosen here, no source)."""


# ---------------------------------------------------------------------------- battlefield inputs
def strength_snapshot(th: CompiledTheatre, st: State, params: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """(R, A) strength of each actor by kind of force (ground forces weighted as in combat power,
    by the per-run ``params``)."""
    form, p = st.formations, params
    raw = (form.personnel + p["tank-weight"][:, None] * form.tanks + p["ifv-weight"][:, None] * form.ifvs
           + p["artillery-weight"][:, None] * form.artillery)
    n_a = th.n_actors

    def by_actor(values: np.ndarray, owner: np.ndarray) -> np.ndarray:
        out = np.zeros((values.shape[0], n_a))
        if owner.size:
            np.add.at(out.T, owner, values.T)
        return out

    return {"ground": by_actor(raw, th.formations.owner), "aircraft": by_actor(st.wings.aircraft, th.wings.owner),
            "drones": by_actor(np.minimum(st.drone_units.drones, st.drone_units.stock), th.drone_units.owner),
            "air_defence": by_actor(st.batteries.alive.astype(float), th.batteries.owner)}


def place_weights(th: CompiledTheatre) -> np.ndarray:
    """(P,) each place's value as a share of the value of all places."""
    return th.map.value / max(float(th.map.value.sum()), 1e-12)


def value_share(weights: np.ndarray, camp_control: np.ndarray, camp: int) -> np.ndarray:
    """(n,) value-weighted share of the places ``camp`` holds in each row of ``camp_control``
    (the camp holding each place), ``weights`` from :func:`place_weights`."""
    return (weights[None, :] * (camp_control == camp)).sum(axis=1)


def camp_value_share(th: CompiledTheatre, control: np.ndarray) -> np.ndarray:
    """(n, C) value-weighted share of places each camp holds."""
    weights, camp = place_weights(th), th.actor_camp[control]
    return np.stack([value_share(weights, camp, c) for c in range(len(th.camps))], axis=1)


def capability_multipliers(th: CompiledTheatre, st: State, params: dict[str, np.ndarray], idx: np.ndarray,
                           start: dict[str, np.ndarray], start_control: np.ndarray) -> np.ndarray:
    """(n, A) battlefield multiplier ``m_a = F_a x G_c`` for runs ``idx`` (``params`` per run)."""
    now = strength_snapshot(th, st, params)
    total = np.zeros((idx.size, th.n_actors))
    kinds = np.zeros((idx.size, th.n_actors))
    for kind, s0 in start.items():
        s0 = s0[idx]
        had = s0 > 0
        total += np.where(had, now[kind][idx] / np.where(had, s0, 1.0), 0.0)
        kinds += had
    force = np.where(kinds > 0, total / np.maximum(kinds, 1), 1.0)
    g0 = camp_value_share(th, start_control[idx])[:, th.actor_camp]
    g1 = camp_value_share(th, st.control[idx])[:, th.actor_camp]
    ground = np.where(g0 > 0, g1 / np.where(g0 > 0, g0, 1.0), 1.0)
    return force * ground


def battlefield_lines(th: CompiledTheatre, control: np.ndarray) -> dict[str, np.ndarray]:
    """Issue id -> (n,) position 0-100 implied by ``control`` (n, P), for battlefield issues."""
    out = {}
    for iid, issue in th.scenario.issues.items():
        line = issue.battlefield
        if line is None:
            continue
        idx = np.array([th.places.index(p) for p in line.places])
        w = th.map.value[idx].astype(float)
        w = w if w.sum() > 0 else np.ones(len(idx))
        camp = th.camps.index(line.camp)
        held = th.actor_camp[control[:, idx]] == camp
        out[iid] = 100.0 * (held * w[None, :]).sum(axis=1) / w.sum()
    return out


# ---------------------------------------------------------------------------- the bargaining runs
def _lhs(q: Any, path: str, samples: int) -> np.ndarray:
    """``samples`` stratified draws of a number or distribution, in a fixed order per path."""
    if not is_uncertain(q):
        return np.full(samples, float(q))
    order = np.random.default_rng(zlib.crc32(path.encode())).permutation(samples)
    return np.asarray(q.ppf((order + 0.5) / samples), dtype=float)


def table_samples(th: CompiledTheatre, samples: int = SAMPLES) -> tuple[list[str], list[str], np.ndarray,
                                                                   np.ndarray, np.ndarray]:
    """Actors, issues, and (S, n) capability, (S, n, I) positions, (S, n, I) salience (0-1)."""
    s = th.scenario
    b = s.bargaining
    actors, issues = list(b.capability), list(s.issues)
    cap = np.stack([_lhs(b.capability[a], f"bargaining.capability.{a}", samples) for a in actors], axis=1)
    pos = np.stack([np.stack([_lhs(s.issues[i].positions[a], f"issues.{i}.positions.{a}", samples)
                              for i in issues], axis=1) for a in actors], axis=1)
    sal = np.stack([np.stack([_lhs(s.issues[i].salience[a], f"issues.{i}.salience.{a}", samples)
                              for i in issues], axis=1) for a in actors], axis=1) / 100.0
    total = sal.sum(axis=2, keepdims=True)
    sal = np.where(total > 1.0, sal / np.maximum(total, 1e-12), sal)   # at most 100% of attention
    sal = np.maximum(sal, 1e-6)
    return actors, issues, np.maximum(cap, 1e-9), pos, sal


def bargain(model: str, actors: list[str], issues: list[str], capability: np.ndarray,
            positions: np.ndarray, salience: np.ndarray) -> dict[str, np.ndarray]:
    """One run of the bargaining model: forecast (I,), expected (I,), final positions (n, I)."""
    if model == "smp":
        table = IssueTable(actors=tuple(actors), capability=capability, positions=positions,
                           salience=salience, dimensions=tuple(issues), scale=(0.0, 100.0),
                           name="settlement", source="the scenario's issue table")
        r = run_smp(table)
        x, p = r.positions[-1], r.probabilities[-1]
        reps: list[int] = []
        for a in range(len(actors)):
            if not any(np.linalg.norm(x[a] - x[b]) < SAME_POSITION for b in reps):
                reps.append(a)
        pu = p[reps]
        expected = (pu[:, None] * x[reps]).sum(axis=0) / max(float(pu.sum()), 1e-12)
        return {"forecast": x[int(np.argmax(p))], "expected": expected, "positions": x}
    forecast = np.zeros(len(issues))
    final = positions.copy()
    for d, iid in enumerate(issues):
        xd = positions[:, d]
        if np.ptp(xd) <= 0:
            forecast[d] = xd[0]
            continue
        table = IssueTable(actors=tuple(actors), capability=capability, positions=xd.reshape(-1, 1),
                           salience=salience[:, d:d + 1], dimensions=(iid,), scale=(0.0, 100.0),
                           name=iid, source="the scenario's issue table", format="bdm", salience_scale=1.0)
        r = run_bdm(table)
        forecast[d] = r.median[-1]
        final[:, d] = r.positions[-1, :, 0]
    return {"forecast": forecast, "expected": forecast, "positions": final}


def baselines(capability: np.ndarray, positions: np.ndarray,
              salience: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Capability x salience weighted mean and median of the stated positions, per issue."""
    means, medians = [], []
    for d in range(positions.shape[1]):
        x, s = positions[:, d], salience[:, d]
        means.append(weighted_mean(x, capability, s))
        spread = float(np.ptp(x))
        medians.append(weighted_median(x, capability, s, spread) if spread > 0 else float(x[0]))
    return np.array(means), np.array(medians)


def _weighted_quantiles(values: np.ndarray, weights: np.ndarray, qs=(0.05, 0.5, 0.95)) -> dict[str, float]:
    order = np.argsort(values, kind="stable")
    v, w = values[order], weights[order]
    cum = np.cumsum(w) / w.sum()
    out = {"mean": float((values * weights).sum() / weights.sum())}
    for q in qs:
        out[f"q{round(q * 100):02d}"] = float(v[min(int(np.searchsorted(cum, q - 1e-12)), len(v) - 1)])
    return out


class SettlementAccumulator:
    """Sums over runs with a ceasefire of what the settlement needs, merged block by block."""

    def __init__(self, th: CompiledTheatre):
        self.th = th
        s = th.scenario
        self.active = s.bargaining is not None and bool(s.issues)
        self.runs = 0
        self.actors = list(s.bargaining.capability) if self.active else []
        self.a_idx = np.array([th.actor_index(a) for a in self.actors], dtype=np.int64)
        self.lines = [iid for iid, i in s.issues.items() if i.battlefield is not None] if self.active else []
        self.n_bins = BINS if self.lines else 1
        self.count = np.zeros(self.n_bins, dtype=np.int64)
        self.cap_sum = np.zeros((self.n_bins, len(self.actors)), dtype=np.int64)
        self.line_hist = np.zeros((len(self.lines), 101), dtype=np.int64)
        self.control = np.zeros((th.n_places, len(th.camps)), dtype=np.int64)

    def __getstate__(self) -> dict:
        """The counts without the theatre (see :meth:`flashpoint.engine.reduce.Accumulator.merge`)."""
        return dict(self.__dict__, th=None)

    def merge(self, other: SettlementAccumulator) -> None:
        """Add the counts of other runs of the same job (whole numbers: any order gives the same)."""
        self.runs += other.runs
        for name in ("count", "cap_sum", "line_hist", "control"):
            getattr(self, name).__iadd__(getattr(other, name))

    def add(self, ceasefire_day: np.ndarray, control: np.ndarray | None,
            capability: np.ndarray | None) -> None:
        stopped = ceasefire_day >= 0
        if not stopped.any() or control is None or capability is None:
            return
        th = self.th
        ctrl = control[stopped]
        self.runs += int(stopped.sum())
        camp = th.actor_camp[ctrl]
        for c in range(len(th.camps)):
            self.control[:, c] += (camp == c).sum(axis=0)
        if not self.active:
            return
        lines = battlefield_lines(th, ctrl)
        if self.lines:
            first = lines[self.lines[0]]
            b = np.minimum((first / (100.0 / self.n_bins)).astype(np.int64), self.n_bins - 1)
            for k, iid in enumerate(self.lines):
                self.line_hist[k] += np.bincount(np.rint(lines[iid]).astype(np.int64), minlength=101)[:101]
        else:
            b = np.zeros(len(ctrl), dtype=np.int64)
        milli = np.rint(np.nan_to_num(capability[stopped][:, self.a_idx], nan=1.0) * MILLI).astype(np.int64)
        self.count += np.bincount(b, minlength=self.n_bins)
        for k in range(self.n_bins):
            self.cap_sum[k] += milli[b == k].sum(axis=0)

    def result(self) -> dict[str, Any] | None:
        """The ``settlement`` entry of summary.json (None when no run reached a ceasefire)."""
        th = self.th
        if self.runs == 0:
            return None
        out: dict[str, Any] = {
            "runs": self.runs,
            "control": {pid: {camp: self.control[p, c] / self.runs for c, camp in enumerate(th.camps)
                              if self.control[p, c]} for p, pid in enumerate(th.places)},
        }
        if not self.active:
            return out
        s = th.scenario
        actors, issues, cap, pos, sal = table_samples(th)
        forecasts, expected, means, medians, weights, finals = [], [], [], [], [], []
        mult_mean = self.cap_sum.sum(axis=0) / (MILLI * self.runs)
        for k in range(self.n_bins):
            if not self.count[k]:
                continue
            mult = self.cap_sum[k] / (MILLI * self.count[k])
            for j in range(cap.shape[0]):
                c = np.maximum(cap[j] * mult, 1e-9)
                r = bargain(s.bargaining.model, actors, issues, c, pos[j], sal[j])
                wm, wmed = baselines(c, pos[j], sal[j])
                forecasts.append(r["forecast"])
                expected.append(r["expected"])
                finals.append(r["positions"])
                means.append(wm)
                medians.append(wmed)
                weights.append(self.count[k] / cap.shape[0])
        w = np.array(weights, dtype=float)
        forecasts, expected, means, medians = map(np.array, (forecasts, expected, means, medians))
        finals = np.array(finals)
        out.update({
            "model": s.bargaining.model,
            "samples": int(cap.shape[0]),
            "capability": {a: {"stated": float(cap[:, i].mean()),
                               "battlefield_multiplier": float(mult_mean[i])} for i, a in enumerate(actors)},
            "line": {iid: _hist_summary(self.line_hist[k]) for k, iid in enumerate(self.lines)},
            "issues": {
                iid: {
                    "name": s.issues[iid].name, "low": s.issues[iid].low, "high": s.issues[iid].high,
                    "forecast": _weighted_quantiles(forecasts[:, d], w),
                    "expected": float((expected[:, d] * w).sum() / w.sum()),
                    "weighted_mean": float((means[:, d] * w).sum() / w.sum()),
                    "weighted_median": float((medians[:, d] * w).sum() / w.sum()),
                    "positions": {a: float((finals[:, i, d] * w).sum() / w.sum())
                                  for i, a in enumerate(actors)},
                }
                for d, iid in enumerate(issues)
            },
        })
        return out


def _hist_summary(counts: np.ndarray) -> dict[str, float]:
    total = counts.sum()
    values = np.arange(len(counts), dtype=float)
    cum = np.cumsum(counts)
    out = {"mean": float((values * counts).sum() / total)}
    for q in (0.05, 0.5, 0.95):
        out[f"q{round(q * 100):02d}"] = float(np.searchsorted(cum, max(1, np.ceil(q * total - 1e-9))))
    return out
