"""What the benchmark scripts share: loading the scenario to time, and describing the machine."""

from __future__ import annotations

import argparse
import os
import platform
import resource

import flashpoint
from flashpoint.scenario.schema import Scenario


def job_parser(prog: str, doc: str, runs: int, days: int, workers: int | None = None) -> argparse.ArgumentParser:
    """The options every benchmark takes (scenario, interventions, runs, days, seed), with these
    defaults; with ``workers``, also --workers, --block-size and --no-decisions."""
    ap = argparse.ArgumentParser(prog=prog, description=doc.split("\n")[0])
    ap.add_argument("--scenario", default="idlib-2020", help="built-in scenario id or path to a scenario file")
    ap.add_argument("--with", dest="interventions", default="coalition-air-support",
                    help="comma-separated interventions to apply ('' for none)")
    ap.add_argument("--runs", type=int, default=runs)
    ap.add_argument("--days", type=int, default=days)
    ap.add_argument("--seed", type=int, default=1)
    if workers is not None:
        ap.add_argument("--workers", type=int, default=workers)
        ap.add_argument("--block-size", type=int, default=None)
        ap.add_argument("--no-decisions", action="store_true", help="drop the scenario's decisions")
    return ap


def scenario_to_time(name: str, interventions: str, decisions: bool = True) -> Scenario:
    """The scenario with the comma-separated interventions applied; without its decisions when
    ``decisions`` is false (everyone then keeps its course, as in the reference model)."""
    s = flashpoint.load(name)
    names = [n.strip() for n in interventions.split(",") if n.strip()]
    if names:
        s = s.apply(*names)
    if not decisions:
        s = s.model_copy(update={"decisions": {}})
    return s


def machine() -> dict:
    return {"cpus": os.cpu_count(), "load_average": [round(x, 2) for x in os.getloadavg()],
            "python": platform.python_version()}


def peak_rss_mb() -> dict[str, float]:
    """Peak resident memory of this process and of the largest of its finished child processes
    (``getrusage`` maxrss, KiB on Linux)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"peak_rss_self_mb": round(own, 1), "peak_rss_children_mb": round(children, 1)}


def user_cpu_s() -> float:
    """User CPU seconds of this process and of its finished child processes (``getrusage``)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_utime + resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
