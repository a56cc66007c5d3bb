"""A workbench run in parts, headline first (the other half of engine_bridge: what worker processes
compute for a run job).

A run job answers its question from two variants (the scenario with the interventions, and as
written, same seed so the runs are paired), simulated side by side in two worker processes by
:func:`variant`. Each sends the half of the answer it holds as soon as its summary (without the
settlement) is ready; the server pairs the two halves (:func:`answer`) and marks the run answered.
The rest then follows as separate tasks, each stored when it finishes: the settlement (computed
by the variant tasks after their halves), the claims (:func:`claim_variant` for each other variant
a claim names, then :func:`claims`), the sensitivity of the headline outcome
(:func:`sensitivity_part`), scenario discovery (:func:`discovery_part`) and the backtest
(:func:`backtest_part`). Every part uses the job's seed, runs and days, so its numbers do not
depend on the order in which parts finish or on the number of workers.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flashpoint.errors import FlashpointError
from flashpoint.serve.engine_bridge import BLOCK, scenario_from_text, variant_from_text

PARTS = ("settlement", "claims", "sensitivity", "discovery", "backtest")
"""What follows the answer, in the order the run page shows it."""
PART_BLOCK = 250
"""Runs per block in the parts that follow the answer (claims, sensitivity, backtest): the engine's
smallest block (engine/rng.py GRANULE), so that a part preempted for a new question gives its
worker back within a quarter of the runs of a 1,000-run block. Results do not depend on it."""
SENSITIVITY_METHOD = "morris"
"""The report's method for the headline outcome's sensitivity (report/build.py), default trajectories."""


def _variant_of(text: str, interventions: list[str]):
    return scenario_from_text(text), variant_from_text(text, interventions)


def variant(text: str, interventions: list[str], runs: int, days: int, seed: int, overrides: dict[str, float],
            role: str, send: Callable[[dict[str, Any]], None], progress: Callable[[int, int], None],
            trajectories: Path | None = None) -> dict[str, Any]:
    """Simulate one variant (``role`` "int": the one asked for; "base": as written). ``send`` gets
    the half of the answer at once; returns what follows it: the settlement and, for "int", the
    control of places by day (the map) and the per-run frame discovery reads; both, the losses
    over time (the report's fan chart)."""
    # lazy: these run in a worker process; the server process never loads the engine, analysis or report
    from flashpoint.api import run
    from flashpoint.report.build import loss_quantiles_over_time
    from flashpoint.report.frontline import control_by_day

    clock = {"began": time.time()}     # wall-clock times (the server's are in the same clock): details' timings
    _s, v = _variant_of(text, interventions)
    r = run(v, runs=runs, seed=seed, days=days, set=overrides or None, block_size=BLOCK, trajectories=True,
            progress=lambda n, _total=None: progress(n, runs))
    clock["simulated"] = time.time()
    half = {"summary": r.summary(settlement=False), "columns": r.columns(), "seconds": r.job.seconds, "clock": clock}
    clock["sent"] = time.time()
    send(half)
    later: dict[str, Any] = {"settlement": r.settlement(), "losses_time": loss_quantiles_over_time(r)}
    if role == "int":
        later["control_by_day"] = control_by_day(r, v)      # the map's, after the answer
        later["frame"] = r.per_run()
        if trajectories is not None:
            r.to_netcdf(trajectories)
    return later


def answer(text: str, interventions: list[str], halves: dict[str, dict[str, Any]]) -> tuple[dict, dict, dict]:
    """The answer from the two halves: (summary, details, answer) where answer is
    {headline: sentences, outcomes: the paired differences}. Runs in the server (the listener thread
    that pairs the halves), unlike the other parts."""
    # lazy: the server loads the comparison and the report's headline when it pairs its first answer, not at start-up
    from flashpoint.analysis.compare import Comparison
    from flashpoint.serve.engine_bridge import headline

    hi = halves["int"]
    hb = halves.get("base", hi)
    comparison = Comparison(hb["columns"], hi["columns"]).to_json()
    details: dict[str, Any] = {
        "baseline": hb["summary"], "comparison": comparison,
        "losses_time_base": None, "losses_time_int": None,     # with the settlement
        "seconds": hi["seconds"] + (hb["seconds"] if hb is not hi else 0.0),
        "control_by_day": None, "parts": dict.fromkeys(PARTS, "pending"),
    }
    for part in PARTS:
        if part != "settlement":
            details[part] = None
            details[f"{part}_error"] = None
    summary = hi["summary"]
    return summary, details, {"headline": headline(text, interventions, summary, details),
                              "outcomes": comparison["outcomes"]}


def claim_keys(text: str, interventions: list[str]) -> list[tuple[str, ...]]:
    """The other variants the scenario's claims name (each simulated by :func:`claim_variant`)."""
    # lazy: these run in a worker process; the server process never loads the engine, analysis or report
    from flashpoint.analysis.claims import claim_variants

    s = scenario_from_text(text)
    if not s.claims:
        return []
    return [k for k in claim_variants(s) if k not in ((), tuple(interventions))]


def claim_variant(text: str, key: list[str], runs: int, days: int, seed: int, overrides: dict[str, float],
                  progress: Callable[[int, int], None]):
    """The per-run columns of one variant a claim names (same runs and seed: paired)."""
    # lazy: these run in a worker process; the server process never loads the engine, analysis or report
    from flashpoint.api import run

    s = scenario_from_text(text)
    return run(s.apply(*key) if key else s, runs=runs, seed=seed, days=days, set=overrides or None,
               block_size=PART_BLOCK, keep_runs=True, progress=lambda n, _total=None: progress(n, runs)).columns()


def claims(text: str, columns: dict[tuple[str, ...], Any]) -> list[dict[str, Any]]:
    """Every claim of the scenario, answered from the variants' columns (quick: no simulation)."""
    # lazy: these run in a worker process; the server process never loads the engine, analysis or report
    from flashpoint.analysis.claims import evaluate_claim

    s = scenario_from_text(text)
    return [evaluate_claim(cid, claim, s, columns).to_json() for cid, claim in s.claims.items()]


def headline_target(details: dict[str, Any]) -> str | None:
    # lazy: these run in a worker process; the server process never loads the engine, analysis or report
    from flashpoint.report.build import headline_outcome

    return headline_outcome(details["comparison"]["outcomes"])


NO_TARGET = "no outcome changes with the intervention, so there is no headline outcome to explain"


def sensitivity_part(text: str, interventions: list[str], target: str, days: int, seed: int,
                     progress: Callable[[int, int], None]) -> dict[str, Any]:
    """The headline outcome's sensitivity to the variant's uncertain inputs (the report's Morris
    screening, its default trajectories)."""
    # lazy: these run in a worker process; the server process never loads the engine, analysis or report
    from flashpoint.analysis.sensitivity import sensitivity

    _s, v = _variant_of(text, interventions)
    return sensitivity(v, target, method=SENSITIVITY_METHOD, seed=seed, days=days, progress=progress,
                       block_size=PART_BLOCK).to_json()


def discovery_part(text: str, interventions: list[str], target: str, frame) -> list[dict[str, Any]]:
    """PRIM boxes over the variant's uncertain inputs for the headline outcome."""
    # lazy: these run in a worker process; the server process never loads the engine, analysis or report
    from flashpoint.analysis.discovery import discover

    _s, v = _variant_of(text, interventions)
    described = v.outcomes[target].description if target in v.outcomes else None
    return [b.to_json() for b in discover(frame, target, outcome_text=described)]


def backtest_part(scenario_id: str, seed: int, progress: Callable[[int, int], None]) -> dict[str, Any]:
    """The engine's backtest the report shows: this scenario's, or the first built-in one."""
    # lazy: these run in a worker process; the server process never loads the engine, analysis or report
    from flashpoint.analysis.backtest import backtest, builtin_backtests
    from flashpoint.report.build import BACKTEST_RUNS

    known = builtin_backtests()
    sid = scenario_id if scenario_id in known else next(iter(sorted(known)), None)
    if sid is None:
        raise FlashpointError("no backtest is defined")
    return backtest(sid, runs=BACKTEST_RUNS, seed=seed, block_size=PART_BLOCK,
                    progress=lambda n, _total=None: progress(n, BACKTEST_RUNS))
