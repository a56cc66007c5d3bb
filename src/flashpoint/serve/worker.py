"""What runs in the workbench's worker processes: one job at a time, its progress sent back on a
queue, a cancel heard at the next block of runs."""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Any

from flashpoint.errors import FlashpointError
from flashpoint.serve import engine_bridge, run_parts


class Cancelled(Exception):
    """The job was cancelled while it ran."""


def init() -> None:
    """In a new worker: leave Ctrl-C to the server, which ends its workers itself."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def warm() -> float:
    """Load the engine and its compiled kernels with a tiny run of the flagship scenario, so that the
    first question does not wait for them (the server asks each worker once at start); seconds taken."""
    # lazy: the engine is loaded in the worker process, once it runs, not when the server imports this module
    from flashpoint.api import run
    from flashpoint.scenario import load

    t0 = time.perf_counter()
    s = load("idlib-2020")
    r = run(s.apply(*list(s.interventions)[:1]), runs=8, days=2, seed=1, trajectories=True)
    r.summary(settlement=False)
    r.columns()
    return time.perf_counter() - t0


def task(job_id: str, name: str, kwargs: dict[str, Any], messages, cancelled) -> dict[str, Any]:
    """One part of a run job (a function of serve/run_parts.py by ``name``): returns like
    :func:`execute`. ``messages`` hears ("started", id), ("progress", id, name, fraction) and, from
    a variant, ("half", id, role, its half of the answer)."""

    if job_id in cancelled:
        return {"cancelled": True}
    messages.put(("started", job_id))
    done, last = [0], [0.0]
    label = f"{name}-{kwargs['role']}" if "role" in kwargs else name

    def progress(n: int, total: int) -> None:
        if job_id in cancelled:
            raise Cancelled
        done[0] += n
        now = time.monotonic()
        if now - last[0] > 0.1 or done[0] >= total:
            last[0] = now
            messages.put(("progress", job_id, label, min(1.0, done[0] / max(total, 1))))

    fn = getattr(run_parts, name)
    kwargs = dict(kwargs)
    if name in ("variant", "claim_variant", "sensitivity_part", "backtest_part"):
        kwargs["progress"] = progress
    if name == "variant":
        kwargs["send"] = lambda half: messages.put(("half", job_id, kwargs["role"], half))
        if kwargs.get("trajectories"):
            kwargs["trajectories"] = Path(kwargs["trajectories"])
    t0 = time.perf_counter()
    try:
        result = fn(**kwargs)
    except Cancelled:
        return {"cancelled": True}
    except FlashpointError as exc:
        return {"error": str(exc)}
    return {"result": result, "seconds": time.perf_counter() - t0}


def execute(kind: str, job_id: str, payload: dict[str, Any], messages, cancelled) -> dict[str, Any]:
    """Run one comparison job; returns {"result": ..., "seconds": ...}, or {"cancelled": True}, or
    {"error": message} for an input the engine refused. ``messages`` (a queue) hears
    ("started", id) then ("progress", id, fraction); ``cancelled`` (a shared mapping) names the
    jobs to stop."""
    messages.put(("started", job_id))
    last = [0.0]

    def progress(done: int, total: int) -> None:
        if job_id in cancelled:
            raise Cancelled
        now = time.monotonic()
        if now - last[0] > 0.1 or done >= total:
            last[0] = now
            messages.put(("progress", job_id, min(1.0, done / max(total, 1))))

    t0 = time.perf_counter()
    try:
        result = engine_bridge.compare_job(progress=progress, **payload)
    except Cancelled:
        return {"cancelled": True}
    except FlashpointError as exc:
        return {"error": str(exc)}
    return {"result": result, "seconds": time.perf_counter() - t0}
