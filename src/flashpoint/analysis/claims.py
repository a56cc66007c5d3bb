"""The sources' claims, tested: each ``[claims.<id>]`` of a scenario is a query over the simulated
futures that yields a number, its 95% interval and a verdict.

* A claim with ``compare = { with, against }`` is about the paired difference (intervention minus
  baseline, common random numbers: see :mod:`flashpoint.analysis.compare`): the risk difference
  of a 0/1 quantity, the mean difference of a metric. ``expect = "increase"`` *supports* when the
  whole interval lies above ``threshold`` (default 0), *contradicts* when it lies at or below it,
  and is *inconclusive* when it straddles it; ``"decrease"`` the mirror image, about
  ``-threshold``.
* A claim without ``compare`` is about a level in the variant ``under``: the probability of a 0/1
  quantity (Wilson interval) or the mean of a metric (normal interval). ``expect = "above"``
  supports when the whole interval is above ``threshold`` and contradicts when it is at or below
  it; ``"below"`` the mirror image.

Every variant the claims need is simulated once, with the same seed, and only its per-run
columns are kept.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from flashpoint.analysis.compare import Z95, Comparison, RunColumns, run_columns
from flashpoint.analysis.provenance import warn_if_stale
from flashpoint.engine.executor import Executor
from flashpoint.engine.runner import RunSpec, run_jobs
from flashpoint.errors import FlashpointError
from flashpoint.scenario.schema import Claim, Scenario

VERDICTS = ("supports", "contradicts", "inconclusive")


@dataclass
class ClaimResult:
    """A claim with its simulated answer: ``value`` and ``ci95`` (a difference with ``compare``, a
    level without), the ``verdict`` and a sentence ``detail`` giving the numbers behind it."""

    id: str
    text: str
    source: str | list[str]
    value: float | None
    ci95: list[float | None]
    verdict: str
    detail: str
    quantity: str = ""
    expect: str = ""
    threshold: float = 0.0
    baseline: str | None = None
    intervention: str = ""
    kind: str = "difference"                      # "difference" or "level"
    numbers: dict[str, Any] = field(default_factory=dict)   # the statistics the verdict rests on

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "source": self.source, "quantity": self.quantity,
                "kind": self.kind, "expect": self.expect, "threshold": self.threshold,
                "baseline": self.baseline, "intervention": self.intervention,
                "value": self.value, "ci95": self.ci95, "verdict": self.verdict, "detail": self.detail,
                "numbers": self.numbers}


# --------------------------------------------------------------------------- variants
def _variant(scenario: Scenario, names: list[str]) -> tuple[str, ...]:
    """The interventions to apply on top of the scenario as given (ones it already has are there)."""
    return tuple(n for n in names if n not in scenario.applied)


def claim_variants(scenario: Scenario) -> list[tuple[str, ...]]:
    """Every variant the scenario's claims need, each once, in the order first needed."""
    out: list[tuple[str, ...]] = []
    for claim in scenario.claims.values():
        names = ([claim.compare.against, claim.compare.with_] if claim.compare is not None
                 else [claim.under])
        for n in names:
            key = _variant(scenario, list(n))
            if key not in out:
                out.append(key)
    return out


def _label(scenario: Scenario, key: tuple[str, ...]) -> str:
    return "+".join(list(scenario.applied) + list(key)) or "baseline"


# ------------------------------------------------------------------------- the verdict
def verdict(expect: str, lo: float | None, hi: float | None, threshold: float) -> str:
    """``supports``, ``contradicts`` or ``inconclusive`` (the interval straddles the threshold)."""
    if lo is None or hi is None:
        return "inconclusive"
    if expect in ("increase", "above"):
        return "supports" if lo > threshold else "contradicts" if hi <= threshold else "inconclusive"
    cut = -threshold if expect == "decrease" else threshold
    return "supports" if hi < cut else "contradicts" if lo >= cut else "inconclusive"


def wilson(k: int, n: int) -> tuple[float, float]:
    """Wilson's 95% score interval of a proportion k / n."""
    p, z2 = k / n, Z95 * Z95
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return (0.0 if k == 0 else max(0.0, centre - half)), (1.0 if k == n else min(1.0, centre + half))


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def _num(x: float | None) -> str:
    return "n/a" if x is None else f"{x:,.3g}" if abs(x) < 100 else f"{x:,.0f}"


def _is_binary(quantity: str) -> bool:
    return not quantity.startswith("metric:")


def _column_missing(claim_id: str, quantity: str, labels: list[str]) -> FlashpointError:
    return FlashpointError(f"claim '{claim_id}': no quantity {quantity!r} in {' or '.join(labels)} "
                           "(a decision option must exist in the variant the claim names)")


def _difference(cid: str, claim: Claim, comp: Comparison) -> tuple[float | None, list, dict, str]:
    q = claim.quantity
    b, i = comp.base, comp.intervention
    if _is_binary(q):
        if b.binary(q) is None and i.binary(q) is None:
            raise _column_missing(cid, q, [b.label, i.label])
        st = comp.binary(q)
        rr = "" if st["risk_ratio"] is None else (
            f", risk ratio {st['risk_ratio']:.2f}"
            + ("" if st["rr_ci95"] is None else f" [{st['rr_ci95'][0]:.2f}, {st['rr_ci95'][1]:.2f}]"))
        detail = (f"{q}: {_pct(st['p_base'])} {b.label}, {_pct(st['p_int'])} {i.label}; "
                  f"difference {100 * st['diff']:+.1f} points "
                  f"[{100 * st['ci95'][0]:+.1f}, {100 * st['ci95'][1]:+.1f}]{rr}")
        return st["diff"], st["ci95"], st, detail
    st = comp.metric(q.partition(":")[2])
    detail = (f"{q}: mean {_num(st['base_mean'])} {b.label}, {_num(st['int_mean'])} {i.label} "
              f"(medians {_num(st['base_q50'])}, {_num(st['int_q50'])}); mean paired difference "
              f"{_num(st['diff_mean'])} [{_num(st['ci95'][0])}, {_num(st['ci95'][1])}]")
    return st["diff_mean"], st["ci95"], st, detail


def _level(cid: str, claim: Claim, cols: RunColumns) -> tuple[float, list, dict, str]:
    q, n = claim.quantity, cols.runs
    if _is_binary(q):
        col = cols.binary(q)
        if col is None:
            raise _column_missing(cid, q, [cols.label])
        k = int(col.sum())
        lo, hi = wilson(k, n)
        st = {"p": round(k / n, 6), "ci95": [round(lo, 6), round(hi, 6)], "count": k, "runs": n}
        detail = f"{q}: {_pct(k / n)} [{_pct(lo)}, {_pct(hi)}] of {n:,} futures, {cols.label}"
        return st["p"], st["ci95"], st, detail
    x = cols.metric(q.partition(":")[2])
    mean = float(x.mean())
    se = float(x.std(ddof=1)) / math.sqrt(n) if n > 1 else 0.0
    st = {"mean": round(mean, 4), "ci95": [round(mean - Z95 * se, 4), round(mean + Z95 * se, 4)],
          "q50": float(np.median(x)), "runs": n}
    detail = (f"{q}: mean {_num(mean)} [{_num(st['ci95'][0])}, {_num(st['ci95'][1])}], "
              f"median {_num(st['q50'])}, {cols.label}")
    return st["mean"], st["ci95"], st, detail


def evaluate_claim(cid: str, claim: Claim, scenario: Scenario,
                   columns: dict[tuple[str, ...], RunColumns]) -> ClaimResult:
    """One claim against the per-run columns of the variants it names."""
    threshold = float(claim.threshold or 0.0)
    common = {"id": cid, "text": claim.text, "source": claim.source, "quantity": claim.quantity,
              "expect": claim.expect, "threshold": threshold}
    if claim.compare is not None:
        kb = _variant(scenario, list(claim.compare.against))
        ki = _variant(scenario, list(claim.compare.with_))
        comp = Comparison(columns[kb], columns[ki])
        value, ci, numbers, detail = _difference(cid, claim, comp)
        if kb == ki:
            detail += " (both variants are the same: the scenario already has these interventions)"
        return ClaimResult(**common, value=value, ci95=ci, verdict=verdict(claim.expect, *ci, threshold),
                           detail=detail, baseline=_label(scenario, kb), intervention=_label(scenario, ki),
                           kind="difference", numbers=numbers)
    key = _variant(scenario, list(claim.under))
    value, ci, numbers, detail = _level(cid, claim, columns[key])
    return ClaimResult(**common, value=value, ci95=ci, verdict=verdict(claim.expect, *ci, threshold),
                       detail=detail, baseline=None, intervention=_label(scenario, key), kind="level",
                       numbers=numbers)


def evaluate_claims(scenario: Scenario, runs: int = 10_000, seed: int = 1, days: int | None = None,
                    workers: int = 1, block_size: int | None = None,
                    progress: Callable[[int], None] | None = None,
                    executor: Executor | None = None) -> list[ClaimResult]:
    """Simulate every variant the scenario's claims need (same seed: common random numbers) and
    answer each claim. ``progress(n)`` hears of every block of n runs (``runs`` x the number of
    variants, :func:`claim_variants`, in all). All variants' blocks go to one executor."""
    if not scenario.claims:
        raise FlashpointError(f"scenario '{scenario.meta.id}' has no [claims.<id>] tables to test")
    variants = claim_variants(scenario)
    built = {key: scenario.apply(*key) if key else scenario for key in variants}   # errors before any run
    warn_if_stale()
    jobs = [(built[key], RunSpec.for_scenario(built[key], runs, seed, days=days, block_size=block_size,
                                              workers=workers, keep_runs=True)) for key in variants]
    done = run_jobs(jobs, executor, progress)
    columns: dict[tuple[str, ...], RunColumns] = {
        key: run_columns(job, s.meta.id, list(s.applied))
        for key, job, (s, _) in zip(variants, done, jobs, strict=True)}
    return [evaluate_claim(cid, claim, scenario, columns) for cid, claim in scenario.claims.items()]


def claims_json(scenario: Scenario, results: list[ClaimResult], runs: int, seed: int, days: int) -> dict[str, Any]:
    """The ``claims --json`` document."""
    counts = {v: sum(r.verdict == v for r in results) for v in VERDICTS}
    return {"scenario": scenario.meta.id, "interventions": list(scenario.applied), "runs": runs, "seed": seed,
            "days": days, "verdicts": counts, "claims": [r.to_json() for r in results]}
