"""The job queue: a bounded number of jobs queued or running, simulations in worker processes
(never in the server's event loop), progress heard from the workers, cancel, and the state of each
job kept in the database."""

from __future__ import annotations

import concurrent.futures as cf
import logging
import multiprocessing as mp
import queue
import threading
from typing import Any

from flashpoint.serve import worker
from flashpoint.serve.storage import RESTART_ERROR, Store, now

log = logging.getLogger("flashpoint.serve")


class QueueFull(Exception):
    """As many jobs are queued or running as the server accepts."""


class Jobs:
    def __init__(self, store: Store, workers: int = 1, max_queue: int = 16):
        self.store = store
        self.max_queue = max_queue
        # spawned, not forked: the server runs threads (the event loop's thread pool, this
        # module's listener), which a fork must not copy
        ctx = mp.get_context("spawn")
        self._manager = ctx.Manager()
        self.messages = self._manager.Queue()
        self.cancelled = self._manager.dict()
        self.pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=worker.init)
        self.futures: dict[str, tuple[str, cf.Future]] = {}
        self.progress: dict[str, float] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._listener = threading.Thread(target=self._listen, name="flashpoint-progress", daemon=True)
        self._listener.start()

    # -- queue
    def active(self) -> int:
        with self._lock:
            return len(self.futures)

    def reserve(self) -> None:
        """Raise QueueFull when no job can be added now."""
        if self.active() >= self.max_queue:
            raise QueueFull(f"{self.max_queue} jobs are queued or running; try again when one has finished")

    def submit(self, kind: str, job_id: str, payload: dict[str, Any]) -> None:
        with self._lock:
            fut = self.pool.submit(worker.execute, kind, job_id, payload, self.messages, self.cancelled)
            self.futures[job_id] = (kind, fut)
        fut.add_done_callback(lambda f, kind=kind, job_id=job_id: self._finished(kind, job_id, f))

    def cancel(self, kind: str, job_id: str) -> bool:
        """Cancel a queued or running job; False when it is not active here."""
        with self._lock:
            entry = self.futures.get(job_id)
        if entry is None:
            return False
        if entry[1].cancel():       # not started: it never will be
            return True
        self.cancelled[job_id] = True   # running: the worker stops at its next block
        return True

    # -- what the workers say
    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                msg = self.messages.get(timeout=0.2)
            except queue.Empty:
                continue
            except (EOFError, OSError, BrokenPipeError):
                return
            kind = self.futures.get(msg[1], ("run",))[0]
            try:
                if msg[0] == "started":
                    self.store.set_state(kind, msg[1], "running", started=now())
                elif msg[0] == "progress":
                    self.progress[msg[1]] = msg[2]
                    self.store.set_state(kind, msg[1], progress=msg[2])
            except Exception:   # the database is away for a moment: the next message updates it
                log.exception("could not record the progress of job %s", msg[1])

    def _finished(self, kind: str, job_id: str, fut: cf.Future) -> None:
        try:
            if fut.cancelled():
                self.store.set_state(kind, job_id, "cancelled", finished=now())
                return
            exc = fut.exception()
            if exc is not None:
                log.error("job %s failed", job_id, exc_info=exc)
                self.store.set_state(kind, job_id, "failed", error=f"{type(exc).__name__}: {exc}", finished=now())
                return
            out = fut.result()
            if out.get("cancelled"):
                self.store.set_state(kind, job_id, "cancelled", finished=now())
            elif "error" in out:
                self.store.set_state(kind, job_id, "failed", error=out["error"], finished=now())
            elif kind == "run":
                res = out["result"]
                self.store.set_state(kind, job_id, "done", summary=res["summary"], details=res["details"],
                                     progress=1.0, seconds=out["seconds"], finished=now())
            else:
                self.store.set_state(kind, job_id, "done", document=out["result"], progress=1.0,
                                     seconds=out["seconds"], finished=now())
        except Exception:
            log.exception("could not record the end of job %s", job_id)
        finally:
            with self._lock:
                self.futures.pop(job_id, None)
            self.progress.pop(job_id, None)
            self.cancelled.pop(job_id, None)

    def close(self) -> None:
        """Stop: queued jobs are dropped and running ones ended (the store marks them failed at the
        next start if this process dies before it can)."""
        self._stop.set()
        with self._lock:
            pending = dict(self.futures)
        for job_id, (kind, _fut) in pending.items():
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
