"""What the benchmark scripts share: loading the scenario to time, and describing the machine."""

from __future__ import annotations

import os
import platform
import resource

import flashpoint
from flashpoint.scenario.schema import Scenario


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
