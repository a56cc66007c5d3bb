"""Paired comparisons of two variants of a scenario run with common random numbers.

Two variants run with the same seed see the same random streams run by run, and the same draw of
every uncertain value they share (values are keyed by their path in the scenario): run i of the
baseline and run i of the intervention are a matched pair. The difference an intervention makes
is then estimated from the per-run differences, whose spread is far smaller than that of either
variant when the two runs of a pair are alike.

Intervals (95%, z = 1.96):

* a **metric** (losses): the mean of the paired differences d_i = x_i(intervention) - x_i(baseline)
  plus or minus z s_d / sqrt(n) (normal approximation on the paired mean);
* an **outcome** (0/1): the risk difference p_int - p_base with the Agresti-Min interval for
  matched pairs (Agresti and Min 2005: a Wald interval on the paired table with 0.5 added to each
  of its four cells, so that it keeps a width when no pair disagrees), and the risk ratio
  p_int / p_base with the delta-method interval for matched pairs on the log scale,
  var(log RR) = (n10 + n01) / (x_base x_int), n10 and n01 the discordant pairs and x the
  counts of runs where the outcome holds (null when either count is 0).

Comparisons of runs that are not paired (different seeds or numbers of runs) fall back to the
independent-samples versions: the Welch standard error for metrics, the Agresti-Caffo interval
for the risk difference and Katz's log interval for the risk ratio. The document says which.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from flashpoint.analysis.provenance import warn_if_stale
from flashpoint.engine.executor import Executor
from flashpoint.engine.runner import JobResult, RunSpec, run_jobs
from flashpoint.errors import FlashpointError
from flashpoint.scenario.schema import Scenario

Z95 = 1.959963984540054
SCHEMA_VERSION = "1"
METHODS = {
    "paired": {
        "metrics": "mean of the paired per-run differences +/- 1.96 standard errors",
        "risk_difference": "Agresti-Min interval for matched pairs (0.5 added to each cell of the paired table)",
        "risk_ratio": "delta method for matched pairs on the log scale: var = (n10 + n01) / (x_base x_int)",
    },
    "independent": {
        "metrics": "difference of means +/- 1.96 Welch standard errors",
        "risk_difference": "Agresti-Caffo interval (one success and one failure added to each variant)",
        "risk_ratio": "Katz log interval: var = 1/x_int - 1/n_int + 1/x_base - 1/n_base",
    },
}


# ------------------------------------------------------------------------ per-run columns
@dataclass
class RunColumns:
    """What a comparison needs from one job, run by run: small arrays, not the whole job."""

    scenario: str
    interventions: list[str]
    runs: int
    seed: int
    days: int
    outcomes: dict[str, np.ndarray]          # id -> (R,) bool
    metrics: dict[str, np.ndarray]           # "actor.quantity" -> (R,) float
    metric_keys: list[str]                   # the metrics the job reports (actors with forces)
    rungs: list[str]                         # the escalation ladder, in order
    rung: np.ndarray                         # (R,) highest rung reached (index into rungs)
    ceasefire_day: np.ndarray                # (R,) -1 when none
    decisions: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)  # actor -> option -> (R,) bool
    seconds: float = 0.0

    @property
    def label(self) -> str:
        return "+".join(self.interventions) or "baseline"

    def binary(self, quantity: str) -> np.ndarray | None:
        """The 0/1 column of ``outcome:<id>``, ``escalation:<rung>`` (reached at least),
        ``decision:<actor>.<option>`` (chosen at least once) or ``ceasefire``; None if the job
        has no such column."""
        kind, _, name = quantity.partition(":")
        if kind == "outcome":
            return self.outcomes.get(name)
        if kind == "escalation":
            return self.rung >= self.rungs.index(name) if name in self.rungs else None
        if kind == "decision":
            actor, _, option = name.partition(".")
            return self.decisions.get(actor, {}).get(option)
        if kind == "ceasefire" and not name:
            return self.ceasefire_day >= 0
        return None

    def metric(self, key: str) -> np.ndarray:
        """Losses by ``actor.quantity``; an actor that has no such forces in this variant lost 0."""
        value = self.metrics.get(key)
        return np.zeros(self.runs) if value is None else value


def run_columns(job: JobResult, scenario: str, interventions: list[str]) -> RunColumns:
    """The per-run columns of a job run with ``keep_runs=True`` (or trajectories)."""
    out = job
    blocks = out.blocks
    if blocks is None:
        raise FlashpointError("this job did not keep its runs: run it with keep_runs=True to compare it")
    th = out.theatre

    def cat(get: Callable) -> np.ndarray:
        return np.concatenate([get(b) for b in blocks])

    outcomes = {oid: cat(lambda b, o=oid: b.outcomes[o]).astype(bool) for oid in blocks[0].outcomes}
    metrics = {key: cat(lambda b, k=key: b.final.metrics[k]).astype(np.float64)
               for key in blocks[0].final.metrics}
    decisions: dict[str, dict[str, np.ndarray]] = {}
    if blocks[0].chosen is not None:
        for j, (aid, spec) in enumerate(th.scenario.decisions.items()):
            decisions[aid] = {opt: cat(lambda b, j=j, k=k: b.chosen[:, j, k]).astype(bool)
                              for k, opt in enumerate(spec.options)}
    return RunColumns(
        scenario=scenario, interventions=list(interventions), runs=out.spec.runs,
        seed=out.spec.seed, days=out.spec.days, outcomes=outcomes, metrics=metrics,
        metric_keys=list(out.accumulator.metric_keys), rungs=list(th.rung_ids),
        rung=cat(lambda b: b.final.rung).astype(np.int64),
        ceasefire_day=cat(lambda b: b.final.ceasefire_day).astype(np.int64),
        decisions=decisions, seconds=out.seconds)


# ---------------------------------------------------------------------------- statistics
def _f(x: float | None, digits: int = 6) -> float | None:
    """A JSON-safe rounded float (None for NaN or infinity)."""
    if x is None or not math.isfinite(x):
        return None
    return round(float(x), digits)


def binary_difference(base: np.ndarray, inter: np.ndarray, paired: bool) -> dict[str, Any]:
    """Risk difference and risk ratio of a 0/1 column, with 95% intervals (module docstring)."""
    base, inter = np.asarray(base, dtype=bool), np.asarray(inter, dtype=bool)
    n_b, n_i = len(base), len(inter)
    x_b, x_i = int(base.sum()), int(inter.sum())
    p_b, p_i = x_b / n_b, x_i / n_i
    diff = p_i - p_b
    out: dict[str, Any] = {"p_base": _f(p_b), "p_int": _f(p_i), "diff": _f(diff)}
    if paired:
        n10 = int((base & ~inter).sum())        # holds in the baseline only
        n01 = int((~base & inter).sum())        # holds with the intervention only
        m = n_b + 2.0
        a, b = (n01 + 0.5) / m, (n10 + 0.5) / m
        d = a - b
        half = Z95 * math.sqrt(max(a + b - d * d, 0.0) / m)
        lo, hi = d - half, d + half
        log_var = (n10 + n01) / (x_b * x_i) if x_b and x_i else math.nan
        out.update(base_only=n10, int_only=n01)
    else:
        a, b = (x_i + 1) / (n_i + 2), (x_b + 1) / (n_b + 2)
        half = Z95 * math.sqrt(a * (1 - a) / (n_i + 2) + b * (1 - b) / (n_b + 2))
        lo, hi = a - b - half, a - b + half
        log_var = (1 / x_i - 1 / n_i + 1 / x_b - 1 / n_b) if x_b and x_i else math.nan
    out["ci95"] = [_f(max(lo, -1.0)), _f(min(hi, 1.0))]
    if x_b and x_i:
        rr = p_i / p_b
        half_log = Z95 * math.sqrt(log_var)
        out["risk_ratio"] = _f(rr)
        out["rr_ci95"] = [_f(rr * math.exp(-half_log)), _f(rr * math.exp(half_log))]
    else:
        out["risk_ratio"] = _f(p_i / p_b) if x_b else None
        out["rr_ci95"] = None
    out["count_base"], out["count_int"] = x_b, x_i
    return out


def metric_difference(base: np.ndarray, inter: np.ndarray, paired: bool) -> dict[str, Any]:
    """Medians of both variants, the mean difference and its 95% interval (module docstring)."""
    base, inter = np.asarray(base, dtype=np.float64), np.asarray(inter, dtype=np.float64)
    n_b, n_i = len(base), len(inter)
    out: dict[str, Any] = {"base_q50": _f(float(np.median(base)), 3), "int_q50": _f(float(np.median(inter)), 3),
                           "base_mean": _f(float(base.mean()), 4), "int_mean": _f(float(inter.mean()), 4)}
    if paired:
        d = inter - base
        mean = float(d.mean())
        se = float(d.std(ddof=1)) / math.sqrt(n_b) if n_b > 1 else 0.0
        q05, q50, q95 = np.quantile(d, [0.05, 0.5, 0.95])
        out.update(diff_q05=_f(q05, 3), diff_q50=_f(q50, 3), diff_q95=_f(q95, 3),
                   share_higher=_f(float((d > 0).mean())), share_lower=_f(float((d < 0).mean())))
    else:
        mean = float(inter.mean() - base.mean())
        var_b = float(base.var(ddof=1)) if n_b > 1 else 0.0
        var_i = float(inter.var(ddof=1)) if n_i > 1 else 0.0
        se = math.sqrt(var_b / n_b + var_i / n_i)
    out["diff_mean"] = _f(mean, 4)
    out["se"] = _f(se, 6)
    out["ci95"] = [_f(mean - Z95 * se, 4), _f(mean + Z95 * se, 4)]
    return out


# ---------------------------------------------------------------------------- comparison
@dataclass
class Comparison:
    """Two variants of a scenario, run by run; ``to_json()`` is the ``compare --json`` document."""

    base: RunColumns
    intervention: RunColumns

    def __post_init__(self) -> None:
        if self.base.scenario != self.intervention.scenario:
            raise FlashpointError(f"cannot compare scenario '{self.intervention.scenario}' with "
                                  f"'{self.base.scenario}': compare two variants of one scenario")
        if self.base.days != self.intervention.days:
            raise FlashpointError(f"cannot compare {self.intervention.days} days with {self.base.days}: "
                                  "run both variants for the same number of days")

    @property
    def paired(self) -> bool:
        """Common random numbers: the same seed and the same runs, so run i pairs with run i."""
        return self.base.seed == self.intervention.seed and self.base.runs == self.intervention.runs

    # -- one quantity at a time (claims use these)
    def outcome(self, oid: str) -> dict[str, Any]:
        return self.binary(f"outcome:{oid}")

    def binary(self, quantity: str) -> dict[str, Any]:
        b, i = self.base.binary(quantity), self.intervention.binary(quantity)
        if b is None and i is None:
            raise FlashpointError(f"no column {quantity!r} in either variant")
        b = np.zeros(self.base.runs, dtype=bool) if b is None else b
        i = np.zeros(self.intervention.runs, dtype=bool) if i is None else i
        return binary_difference(b, i, self.paired)

    def metric(self, key: str) -> dict[str, Any]:
        return metric_difference(self.base.metric(key), self.intervention.metric(key), self.paired)

    # -- everything
    @property
    def outcome_ids(self) -> list[str]:
        return [o for o in self.base.outcomes if o in self.intervention.outcomes]

    @property
    def metric_keys(self) -> list[str]:
        keys = list(self.base.metric_keys)
        return keys + [k for k in self.intervention.metric_keys if k not in keys]

    def to_json(self) -> dict[str, Any]:
        b, i = self.base, self.intervention
        rungs = [r for r in b.rungs if r in i.rungs]
        decisions: dict[str, dict[str, Any]] = {}
        for aid in [a for a in b.decisions if a in i.decisions]:
            decisions[aid] = {opt: self.binary(f"decision:{aid}.{opt}")
                              for opt in b.decisions[aid] if opt in i.decisions[aid]}
        return {
            "schema_version": SCHEMA_VERSION,
            "scenario": b.scenario,
            "baseline": b.label,
            "intervention": i.label,
            "baseline_interventions": b.interventions,
            "intervention_interventions": i.interventions,
            "paired": self.paired,
            "runs": {"baseline": b.runs, "intervention": i.runs},
            "seed": {"baseline": b.seed, "intervention": i.seed},
            "days": b.days,
            "method": METHODS["paired" if self.paired else "independent"],
            "outcomes": {oid: self.outcome(oid) for oid in self.outcome_ids},
            "metrics": {key: self.metric(key) for key in self.metric_keys},
            "escalation": {r: self.binary(f"escalation:{r}") for r in rungs},
            "ceasefire": self.binary("ceasefire"),
            "decisions": decisions,
        }


def compare_runs(base: Scenario, variant: Scenario, runs: int = 10_000, seed: int = 1,
                 days: int | None = None, workers: int = 1, block_size: int | None = None,
                 set: dict[str, float] | None = None,  # noqa: A002
                 progress: Callable[[int], None] | None = None, independent: bool = False,
                 executor: Executor | None = None) -> Comparison:
    """Run ``base`` and ``variant`` with the same seed (common random numbers) and compare them.

    Both variants' blocks go to one executor (``workers`` local processes by default), which
    takes whichever variant is left; the numbers are those of running each alone.
    ``progress(n)`` hears of every block of n runs of either variant (2 x ``runs`` in all).
    ``independent=True`` runs the variant with another seed (``seed + 1``): no pairing, for
    showing what common random numbers buy. Only small per-run columns are kept from each job."""
    if base.meta.id != variant.meta.id:
        raise FlashpointError(f"cannot compare scenario '{variant.meta.id}' with '{base.meta.id}'")
    if list(base.applied) == list(variant.applied):
        what = ", ".join(base.applied) or "no intervention"
        raise FlashpointError(f"both variants have {what}: compare two different variants")
    warn_if_stale()
    seeds = (seed, seed + 1 if independent else seed)
    jobs = [(s, RunSpec.for_scenario(s, runs, sd, days=days, block_size=block_size, workers=workers, overrides=set,
                                     keep_runs=True)) for s, sd in zip((base, variant), seeds, strict=True)]
    done = run_jobs(jobs, executor, progress)
    return Comparison(*(run_columns(job, s.meta.id, list(s.applied)) for job, (s, _) in zip(done, jobs, strict=True)))
