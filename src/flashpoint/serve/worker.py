"""What runs in the workbench's worker processes: one job at a time, its progress sent back on a
queue, a cancel heard at the next block of runs."""

from __future__ import annotations

import concurrent.futures as cf
import logging
import signal
import time
from pathlib import Path
from typing import Any

from flashpoint.errors import FlashpointError
from flashpoint.serve import engine_bridge, run_parts

log = logging.getLogger("flashpoint.serve")
CANCELLED = "cancelled"
"""The error :func:`task_result` gives for a task that was cancelled."""


def task_result(fut: cf.Future, job_id: str) -> tuple[dict[str, Any] | None, str | None]:
    """(what a worker task returned, None) or (None, why it gave nothing: CANCELLED, or the error)."""
    if fut.cancelled():
        return None, CANCELLED
    exc = fut.exception()
    if exc is not None:
        log.error("a task of job %s failed", job_id, exc_info=exc)
        return None, f"{type(exc).__name__}: {exc}"
    out = fut.result()
    if out.get("cancelled"):
        return None, CANCELLED
    if "error" in out:
        return None, out["error"]
    return out, None


class Cancelled(Exception):
    """The job was cancelled while it ran."""


class Preempted(Exception):
    """The task was asked to give its worker to a new question (it is queued again and rerun)."""


PREEMPTED = "preempted"
"""What a preempted task returns ({PREEMPTED: True}): the server queues it again."""


def preempt_key(job_id: str, label: str) -> str:
    """The key in the shared mapping ``cancelled`` that asks task ``label`` of ``job_id`` to stop
    and give its worker back (a job's own id there stops all of its tasks)."""
    return f"{job_id}\x00{label}"


_shared: dict[str, Any] = {}
"""This worker's ``messages`` and ``cancelled`` (given once, by :func:`init`)."""


def init(messages, cancelled) -> None:
    """In a new worker: leave Ctrl-C to the server, which ends its workers itself, and keep the
    server's queue (``messages``) and mapping of the jobs to stop (``cancelled``) for every task.
    Given once, not with each task: a task's copy of them, collected later, would close the
    connection to the server's manager that the worker's current copy shares, in the middle of a call."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _shared.update(messages=messages, cancelled=cancelled)


def warm() -> float:
    """Load the engine and its compiled kernels with a tiny run of the flagship scenario (its text
    parsed and its first intervention applied, both kept), so that the first question does not wait
    for them (the server asks each worker once at start); seconds taken."""
    # lazy: the engine is loaded in the worker process, once it runs, not when the server imports this module
    from flashpoint.api import run

    t0 = time.perf_counter()
    text = engine_bridge.builtin_scenarios()["idlib-2020"]    # parsed as a question on it will be: kept
    first = list(engine_bridge.scenario_from_text(text).interventions)[:1]
    r = run(engine_bridge.variant_from_text(text, first), runs=8, days=2, seed=1, trajectories=True)
    r.summary(settlement=False)
    r.columns()
    return time.perf_counter() - t0


PROGRESS = ("variant", "claim_variant", "sensitivity_part", "backtest_part", "compare")
"""The tasks that report progress (they are given ``progress(runs done since the last call, total)``)."""


def task(job_id: str, name: str, kwargs: dict[str, Any], label: str | None = None) -> dict[str, Any]:
    """One task of a job: a comparison (``name`` "compare": engine_bridge.compare_job) or a part of a
    run job (a function of serve/run_parts.py by ``name``). Returns {"result": ..., "seconds": ...},
    or {"cancelled": True}, or {PREEMPTED: True} when the server took its worker back for a new
    question (at its next block), or {"error": message} for an input the engine refused. The server's
    queue hears ("started", id), ("progress", id, label, fraction) and, from a variant, ("half", id,
    role, its half of the answer); its shared mapping ``cancelled`` names the jobs to stop and, by
    :func:`preempt_key`, the tasks to preempt. ``label``: the task's name in the server's queue."""

    messages, cancelled = _shared["messages"], _shared["cancelled"]
    preempt = preempt_key(job_id, label or name)
    label = f"{name}-{kwargs['role']}" if "role" in kwargs else name
    if job_id in cancelled:
        return {"cancelled": True}
    if preempt in cancelled:
        return {PREEMPTED: True}
    messages.put(("started", job_id))
    done, last = [0], [0.0]

    def progress(n: int, total: int) -> None:
        if job_id in cancelled:
            raise Cancelled
        done[0] += n
        if done[0] < total and preempt in cancelled:     # after its last block, the task might as well end
            raise Preempted
        now = time.monotonic()
        if now - last[0] > 0.1 or done[0] >= total:
            last[0] = now
            messages.put(("progress", job_id, label, min(1.0, done[0] / max(total, 1))))

    fn = engine_bridge.compare_job if name == "compare" else getattr(run_parts, name)
    kwargs = dict(kwargs)
    if name in PROGRESS:
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
    except Preempted:
        return {PREEMPTED: True}
    except FlashpointError as exc:
        return {"error": str(exc)}
    return {"result": result, "seconds": time.perf_counter() - t0}
