"""Streaming summaries of many runs: exact counts and fixed-bin histograms, merged block by block.

Every summary is a sum over runs of whole numbers (outcome counts, control counts, histogram
counts, sums of integer losses), so merging blocks in any order, of any size, gives the same
numbers to the last digit: results do not depend on the block size or the number of workers.
Quantiles come from a histogram that is exact below 100 and has bins 1% wide above it.

An :class:`Accumulator` is what a worker sends back: it ``add``s the blocks it simulated and is
``merge``d into the job's. It pickles without its theatre (the counts only, a few hundred KiB),
so an executor on other machines ships counts, not runs.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

from flashpoint.engine.simulate import BlockResult
from flashpoint.engine.state import LOSS_KINDS, TALLY_KINDS
from flashpoint.engine.strategy.settlement import SettlementAccumulator
from flashpoint.engine.theatre import CompiledTheatre

EXACT = 100                 # values below this have a bin each
GROWTH = 1.01               # relative width of the bins above it
N_BINS = EXACT + int(math.log(1e9 / EXACT) / math.log(GROWTH)) + 1
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
SCHEMA_VERSION = "1"


def bin_of(values: np.ndarray) -> np.ndarray:
    """Histogram bin of non-negative whole numbers."""
    v = np.maximum(np.asarray(values, dtype=float), 0.0)
    log_bin = EXACT + np.floor(np.log(np.maximum(v, EXACT) / EXACT) / math.log(GROWTH))
    return np.minimum(np.where(v < EXACT, np.floor(v), log_bin), N_BINS - 1).astype(np.int64)


def _bincount2(rows: np.ndarray, width: int) -> np.ndarray:
    """(len(rows), width) counts of the values in each row (values in [0, width))."""
    n = rows.shape[0]
    offsets = (np.arange(n, dtype=np.int64) * width)[:, None]
    return np.bincount((rows + offsets).ravel(), minlength=n * width).reshape(n, width)


def histogram_quantile(counts: np.ndarray, q: float) -> float:
    """The q-quantile (inverse of the empirical CDF) read from a histogram of ``bin_of`` bins."""
    total = counts.sum()
    if total == 0:
        return float("nan")
    rank = max(1, math.ceil(q * total - 1e-9))
    cum = np.cumsum(counts)
    j = int(np.searchsorted(cum, rank))
    if j < EXACT:
        return float(j)
    lo = EXACT * GROWTH ** (j - EXACT)
    before = cum[j - 1] if j > 0 else 0
    frac = (rank - before) / counts[j]
    return float(lo * GROWTH ** frac)


def proportion_ci(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Clopper-Pearson (exact binomial) interval for a probability estimated as k/n."""
    a = (1 - level) / 2
    # quantiles of Beta(k, n - k + 1) and Beta(k + 1, n - k): the inverse incomplete beta function
    lo = 0.0 if k == 0 else float(special.betaincinv(k, n - k + 1, a))
    hi = 1.0 if k == n else float(special.betaincinv(k + 1, n - k, 1 - a))
    return lo, hi


class Accumulator:
    """Adds up blocks of runs into everything ``summary.json`` reports."""

    def __init__(self, th: CompiledTheatre, days: int):
        self.th, self.days = th, days
        owners = set(th.formations.owner) | set(th.wings.owner) | set(th.drone_units.owner) | set(th.batteries.owner)
        self.metric_actors = [a for i, a in enumerate(th.actors) if i in owners]
        kinds = LOSS_KINDS + (TALLY_KINDS if th.tally else ())     # docs/model.md, "Air", 8-10
        self.metric_keys = [f"{a}.{k}" for a in self.metric_actors for k in kinds]
        n_p, n_c, n_a = th.n_places, len(th.camps), th.n_actors
        self.runs = 0
        self.outcomes = {oid: 0 for oid in th.scenario.outcomes}
        self.hist = np.zeros((len(self.metric_keys), N_BINS), dtype=np.int64)
        self.sums = np.zeros(len(self.metric_keys))
        self.control_camp = np.zeros((n_p, n_c), dtype=np.int64)
        self.control_actor = np.zeros((n_p, n_a), dtype=np.int64)
        self.rungs = np.zeros(max(1, len(th.rung_ids)), dtype=np.int64)
        self.ceasefire = np.zeros(days + 1, dtype=np.int64)
        self.no_ceasefire = 0
        self.held = np.zeros((days + 1, n_c, n_p + 1), dtype=np.int64)
        # strategy layer: runs in which each option was chosen at least once; the settlement
        self.decision_options = {aid: list(spec.options) for aid, spec in th.scenario.decisions.items()}
        self.decision_counts = {aid: np.zeros(len(o), dtype=np.int64)
                                for aid, o in self.decision_options.items()}
        self.settlement = SettlementAccumulator(th)

    def __getstate__(self) -> dict:
        """The counts without the theatre: the receiving side merges them into its own."""
        return dict(self.__dict__, th=None)

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)

    def merge(self, other: Accumulator) -> None:
        """Add another accumulator's counts (of other runs of the same job) to this one's. Every
        count is a whole number, so the order of merges does not change the summary."""
        if other.days != self.days or other.metric_keys != self.metric_keys:
            raise ValueError("cannot merge the summaries of different jobs")
        self.runs += other.runs
        for oid, k in other.outcomes.items():
            self.outcomes[oid] += k
        for name in ("hist", "sums", "control_camp", "control_actor", "rungs", "ceasefire", "held"):
            getattr(self, name).__iadd__(getattr(other, name))
        self.no_ceasefire += other.no_ceasefire
        for aid, counts in other.decision_counts.items():
            self.decision_counts[aid] += counts
        self.settlement.merge(other.settlement)

    def add(self, block: BlockResult) -> None:
        th, f = self.th, block.final
        n = len(f.rung)
        self.runs += n
        for oid, hit in block.outcomes.items():
            self.outcomes[oid] += int(hit.sum())
        if self.metric_keys:
            values = np.stack([f.metrics[key] for key in self.metric_keys])        # (metrics, runs)
            self.hist += _bincount2(bin_of(values), N_BINS)
            self.sums += [float(np.sum(v)) for v in values]
        n_p = th.n_places
        self.control_camp += _bincount2(f.camp_control.T, len(th.camps))
        self.control_actor += _bincount2(f.control.T, th.n_actors)
        self.rungs += np.bincount(f.rung, minlength=len(self.rungs))[: len(self.rungs)]
        stopped = f.ceasefire_day >= 0
        self.no_ceasefire += int((~stopped).sum())
        self.ceasefire += np.bincount(f.ceasefire_day[stopped], minlength=self.days + 1)[: self.days + 1]
        if block.chosen is not None:
            for j, (aid, options) in enumerate(self.decision_options.items()):
                self.decision_counts[aid] += block.chosen[:, j, : len(options)].sum(axis=0)
        self.settlement.add(f.ceasefire_day, block.ceasefire_control, block.ceasefire_capability)
        for c in range(len(th.camps)):
            idx = np.arange(self.days + 1)[None, :] * (n_p + 1) + block.held[:, :, c]
            self.held[:, c, :] += np.bincount(idx.ravel(), minlength=(self.days + 1) * (n_p + 1)).reshape(
                self.days + 1, n_p + 1)

    # ---------------------------------------------------------------------------- reading out
    def metric(self, key: str) -> dict[str, float]:
        i = self.metric_keys.index(key)
        out = {"mean": float(self.sums[i] / max(self.runs, 1))}
        for q in QUANTILES:
            out[f"q{round(q * 100):02d}"] = histogram_quantile(self.hist[i], q)
        return out

    def summary(self, meta: dict, settlement: bool = True) -> dict:
        """The summary.json document; ``settlement=False`` leaves its settlement entry None (the
        bargaining model behind it takes most of the time of a summary; the workbench adds it later)."""
        th, n = self.th, self.runs
        outcomes = {}
        for oid, k in self.outcomes.items():
            lo, hi = proportion_ci(k, n)
            outcomes[oid] = {"p": k / n, "ci95": [lo, hi], "count": k}
        control = {pid: {camp: self.control_camp[p, c] / n for c, camp in enumerate(th.camps)
                         if self.control_camp[p, c]}
                   for p, pid in enumerate(th.places)}
        control_actor = {pid: {a: self.control_actor[p, i] / n for i, a in enumerate(th.actors)
                               if self.control_actor[p, i]}
                         for p, pid in enumerate(th.places)}
        at_least = np.cumsum(self.rungs[::-1])[::-1]
        escalation = {"rungs": th.rung_ids,
                      "highest": {rid: self.rungs[i] / n for i, rid in enumerate(th.rung_ids)},
                      "at_least": {rid: at_least[i] / n for i, rid in enumerate(th.rung_ids)}}
        stopped = n - self.no_ceasefire
        ceasefire = {"share_none": self.no_ceasefire / n}
        for q in (0.05, 0.25, 0.5, 0.75, 0.95):
            ceasefire[f"q{round(q * 100):02d}"] = (histogram_quantile(self.ceasefire, q)
                                                   if stopped else None)
        territory = {}
        for c, camp in enumerate(th.camps):
            counts = self.held[:, c, :]
            territory[camp] = {f"q{round(q * 100):02d}": [histogram_quantile(counts[d], q)
                                                           for d in range(self.days + 1)]
                               for q in (0.05, 0.5, 0.95)}
        decisions = {aid: {o: int(self.decision_counts[aid][i]) / n for i, o in enumerate(options)}
                     for aid, options in self.decision_options.items()}
        return {
            "schema_version": SCHEMA_VERSION,
            **meta,
            "runs": n,
            "days": self.days,
            "outcomes": outcomes,
            "metrics": {key: self.metric(key) for key in self.metric_keys},
            "control": control,
            "control_by_actor": control_actor,
            "territory": territory,
            "decisions": decisions,
            "escalation": escalation,
            "ceasefire_day": ceasefire,
            "settlement": self.settlement.result() if settlement else None,
        }
