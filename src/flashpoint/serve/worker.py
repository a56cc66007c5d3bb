"""What runs in the workbench's worker processes: one job at a time, its progress sent back on a
queue, a cancel heard at the next block of runs."""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Any

from flashpoint.errors import FlashpointError
from flashpoint.serve import engine_bridge


class Cancelled(Exception):
    """The job was cancelled while it ran."""


def init() -> None:
    """In a new worker: leave Ctrl-C to the server, which ends its workers itself."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def execute(kind: str, job_id: str, payload: dict[str, Any], messages, cancelled) -> dict[str, Any]:
    """Run one job; returns {"result": ..., "seconds": ...}, or {"cancelled": True}, or
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
        if kind == "run":
            nc = payload.pop("trajectories", None)
            result = engine_bridge.run_job(progress=progress, trajectories=Path(nc) if nc else None, **payload)
        else:
            result = engine_bridge.compare_job(progress=progress, **payload)
    except Cancelled:
        return {"cancelled": True}
    except FlashpointError as exc:
        return {"error": str(exc)}
    return {"result": result, "seconds": time.perf_counter() - t0}
