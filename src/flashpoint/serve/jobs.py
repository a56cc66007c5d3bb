"""The job queue: a bounded number of jobs queued or running, simulations in worker processes
(never in the server's event loop), progress heard from the workers, cancel, and the state of each
job kept in the database.

A comparison is one task. A run is several (serve/run_job.py): its two variants first, then the
parts that follow its answer. Tasks wait in a queue of their own, by priority (a job's headline
before any part of an earlier job, then first come first served), and go to the process pool only
when a worker is free, so that a new question is not kept behind the analyses of the last one.
When a job's headline waits and no worker is free, a running part of an earlier job (one for each
headline waiting, the latest started first) is preempted: it stops at its next block of runs, gives
its worker to the headline and is queued again in its old place, to be run again from its start (its
numbers are the same, the seed being the same). A part of a cancelled job is not queued again.
"""

from __future__ import annotations

import concurrent.futures as cf
import heapq
import itertools
import logging
import multiprocessing as mp
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from flashpoint.serve import worker
from flashpoint.serve.run_job import HEADLINE, RunJob
from flashpoint.serve.storage import RESTART_ERROR, Store, now
from flashpoint.serve.worker import CANCELLED, PREEMPTED, preempt_key, task_result

log = logging.getLogger("flashpoint.serve")


class QueueFull(Exception):
    """As many jobs are queued or running as the server accepts."""


class Jobs:
    def __init__(self, store: Store, workers: int = 2, max_queue: int = 16):
        self.store = store
        self.max_queue = max_queue
        self.workers = workers
        # spawned, not forked: the server runs threads (the event loop's thread pool, this
        # module's listener), which a fork must not copy
        ctx = mp.get_context("spawn")
        self._manager = ctx.Manager()
        self.messages = self._manager.Queue()
        self.cancelled = self._manager.dict()
        self.pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=worker.init,
                                            initargs=(self.messages, self.cancelled))
        self.kinds: dict[str, str] = {}                     # active job -> run | compare
        self.runs: dict[str, Any] = {}                      # active run job -> its RunJob
        self.progress: dict[str, float] = {}
        self.backtests: dict[tuple, dict] = {}              # (scenario, seed) -> backtest (same for every run)
        self._lock = threading.RLock()
        self._pending: list[tuple] = []
        self._seq = itertools.count()
        self._running: dict[tuple[str, str], tuple[cf.Future, tuple]] = {}   # (job, label) -> (future, task)
        self._preempting: set[tuple[str, str]] = set()      # running tasks asked to give their worker back
        self.events: deque[tuple[float, str, str, str]] = deque(maxlen=1000)
        """The latest (monotonic time, "queued" | "started" | "preempted" | "requeued" | "ended", job, task)."""
        self._stop = threading.Event()
        self._listener = threading.Thread(target=self._listen, name="flashpoint-progress", daemon=True)
        self._listener.start()
        for _ in range(workers):     # start every worker and load the engine's kernels in it now
            self.pool.submit(worker.warm)

    # -- queue
    def active(self) -> int:
        with self._lock:
            return len(self.kinds)

    def reserve(self) -> None:
        """Raise QueueFull when no job can be added now."""
        if self.active() >= self.max_queue:
            raise QueueFull(f"{self.max_queue} jobs are queued or running; try again when one has finished")

    def submit(self, kind: str, job_id: str, payload: dict[str, Any]) -> None:
        with self._lock:
            self.kinds[job_id] = kind
        if kind == "run":
            job = RunJob(self, job_id, payload)
            with self._lock:
                self.runs[job_id] = job
            job.start()
        else:
            self.enqueue(HEADLINE, job_id, "compare", worker.task,
                         (job_id, "compare", payload),
                         lambda f: self._compared(job_id, f))

    def enqueue(self, priority: int, job_id: str, label: str, fn: Callable, args: tuple,
                on_done: Callable[[cf.Future], None]) -> None:
        """Queue one task of a job; ``on_done(future)`` is called when it ends."""
        with self._lock:
            heapq.heappush(self._pending, (priority, next(self._seq), job_id, label, fn, args, on_done))
            self.events.append((time.monotonic(), "queued", job_id, label))
        self._pump()

    def task(self, priority: int, job_id: str, name: str, label: str, kwargs: dict[str, Any],
             on_done: Callable[[cf.Future], None]) -> None:
        """Queue a function of serve/run_parts.py for a run job (worker.task)."""

        self.enqueue(priority, job_id, label, worker.task, (job_id, name, kwargs, label),
                     on_done)

    def _pump(self) -> None:
        with self._lock:
            while self._pending and len(self._running) < self.workers and not self._stop.is_set():
                entry = heapq.heappop(self._pending)
                _p, _n, job_id, label, fn, args, on_done = entry
                fut = self.pool.submit(fn, *args)
                self._running[(job_id, label)] = (fut, entry)
                self.events.append((time.monotonic(), "started", job_id, label))
                fut.add_done_callback(lambda f, k=(job_id, label), cb=on_done: self._task_done(k, cb, f))
            self._preempt()

    @staticmethod
    def _preemptible(entry: tuple) -> bool:
        """A part (not a headline) whose function hears a cancel at each block of runs (worker.PROGRESS)."""
        return entry[0] > HEADLINE and entry[4] is worker.task and entry[5][1] in worker.PROGRESS

    def _preempt(self) -> None:
        """Ask as many running parts as there are headlines waiting (beyond those already asked) to
        give their worker back, the latest started first (the least work is done again)."""
        waiting = sum(1 for t in self._pending if t[0] == HEADLINE) - len(self._preempting)
        for key in list(self._preempting)[:max(0, -waiting)]:   # a worker came free meanwhile: let it go on
            self._preempting.discard(key)
            self.cancelled.pop(preempt_key(*key), None)
        if waiting <= 0 or self._stop.is_set():
            return
        parts = [k for k, (_f, entry) in self._running.items()
                 if k not in self._preempting and self._preemptible(entry)]
        for key in list(reversed(parts))[:waiting]:     # dicts keep their order of insertion: started
            self._preempting.add(key)
            self.cancelled[preempt_key(*key)] = True
            self.events.append((time.monotonic(), "preempted", *key))
            log.info("task %s of job %s gives its worker to a new question; it will run again", key[1], key[0])

    def _task_done(self, key: tuple[str, str], on_done: Callable, fut: cf.Future) -> None:
        with self._lock:
            _f, entry = self._running.pop(key)
            if key in self._preempting:
                self._preempting.discard(key)
                self.cancelled.pop(preempt_key(*key), None)
            preempted = (not fut.cancelled() and fut.exception() is None
                         and (fut.result() or {}).get(PREEMPTED, False))
            if preempted and key[0] in self.kinds and not self.cancelled.get(key[0]) and not self._stop.is_set():
                heapq.heappush(self._pending, entry)        # its old place: priority, then when it was asked for
                self.events.append((time.monotonic(), "requeued", *key))
            else:
                self.events.append((time.monotonic(), "ended", *key))
        if not preempted:
            try:
                on_done(fut)
            except Exception:
                log.exception("could not record the end of task %s of job %s", key[1], key[0])
        with self._lock:
            if key[0] not in self.kinds and not any(k[0] == key[0] for k in self._running):
                self.cancelled.pop(key[0], None)
        self._pump()

    def cancel(self, kind: str, job_id: str) -> bool:
        """Cancel a queued or running job; False when it is not active here."""
        with self._lock:
            if job_id not in self.kinds:
                return False
            self._pending = [t for t in self._pending if t[2] != job_id]
            heapq.heapify(self._pending)
            self.cancelled[job_id] = True   # a running task stops at its next block, and is not run again
        self.finish(kind, job_id, "cancelled")
        self._pump()                        # parts asked to give way to this job's variants may go on
        return True

    def finish(self, kind: str, job_id: str, status: str, **values: Any) -> None:
        """Record the end of a job and forget it."""
        try:
            self.store.set_state(kind, job_id, status, finished=now(), **values)
        finally:
            with self._lock:
                self.kinds.pop(job_id, None)
                self.runs.pop(job_id, None)
                running = any(k[0] == job_id for k in self._running)
            self.progress.pop(job_id, None)
            if not running:
                self.cancelled.pop(job_id, None)

    # -- what the workers say
    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                msg = self.messages.get(timeout=0.2)
            except queue.Empty:
                continue
            except (EOFError, OSError, BrokenPipeError):
                return
            try:
                self._heard(msg)
            except Exception:   # the database is away for a moment: the next message updates it
                log.exception("could not record a message of job %s", msg[1])

    def _heard(self, msg: tuple) -> None:
        job_id = msg[1]
        kind = self.kinds.get(job_id)
        if kind is None:
            return
        job = self.runs.get(job_id)
        if msg[0] == "started":
            if job is None or not job.started:
                self.store.set_state(kind, job_id, "running", started=now())
            if job is not None:
                job.started = True
        elif msg[0] == "progress" and job is None:
            self.progress[job_id] = msg[3]
            self.store.set_state(kind, job_id, progress=msg[3])
        elif msg[0] == "progress":
            job.heard_progress(msg[2], msg[3])
        elif msg[0] == "half" and job is not None:
            job.half(msg[2], msg[3])

    def _compared(self, job_id: str, fut: cf.Future) -> None:
        out = self._outcome("compare", job_id, fut)
        if out is not None:
            self.finish("compare", job_id, "done", document=out["result"], progress=1.0, seconds=out["seconds"])

    def _outcome(self, kind: str, job_id: str, fut: cf.Future) -> dict[str, Any] | None:
        """A task's result, or None after recording that its job was cancelled or failed."""
        if job_id not in self.kinds:
            return None      # the job already ended (cancelled, or another of its tasks failed)
        result, error = task_result(fut, job_id)
        if error is CANCELLED:
            self.finish(kind, job_id, "cancelled")
        elif error is not None:
            self.finish(kind, job_id, "failed", error=error)
        return result

    def close(self) -> None:
        """Stop: queued jobs are dropped and running ones ended (the store marks them failed at the
        next start if this process dies before it can)."""

        self._stop.set()
        with self._lock:
            pending = dict(self.kinds)
            self._pending.clear()
        for job_id, kind in pending.items():
            self.cancelled[job_id] = True
            self.store.set_state(kind, job_id, "failed", error=RESTART_ERROR, finished=now())
        processes = list((getattr(self.pool, "_processes", None) or {}).values())
        self.pool.shutdown(wait=False, cancel_futures=True)
        for proc in processes:
            if proc.is_alive():
                proc.terminate()
        for proc in processes:
            proc.join(timeout=5)
        self._listener.join(timeout=2)
        self._manager.shutdown()
