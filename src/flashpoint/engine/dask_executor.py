"""Blocks of runs on a Dask cluster (``--executor dask``): the executor seam over a
``dask.distributed`` client.

* **Tasks.** Each task simulates a group of consecutive blocks of one variant (one block by
  default) and returns their runs reduced into one :class:`~flashpoint.engine.executor.Partial`.
  The variants travel once per job, as the result of a task of their own that the others depend
  on (a lost copy is made again like any result, unlike scattered data); a worker compiles them
  once per job.
* **Reduction on the cluster.** Partials are merged in pairs by tasks on the cluster, as they
  finish (a tree: each merge waits for two results and runs where they are), so the client
  receives one accumulator per variant, not one per block. Per-run arrays (trajectories, kept
  runs) come back only when the job asks for them, block by block.
* **Progress** follows the futures (``as_completed``): a finished block is reported by a partial
  without counts (its counts come with the merged one).
* **Faults.** A worker that dies loses nothing: the scheduler runs its tasks again elsewhere, and
  every count is a whole number, so the summary's bytes are the same. A scheduler that goes away
  cancels the futures; :meth:`DaskExecutor.map` then raises a :class:`FlashpointError` (nothing
  has been written: run folders are published by rename when complete). Ctrl-C, or any error,
  cancels the job's futures.

Dask is imported here only, and this module only when the Dask executor is chosen.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import threading
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from flashpoint.engine.executor import Block, Executor, Partial, Variant, simulate
from flashpoint.errors import FlashpointError

CONNECT_TIMEOUT = 10.0        # seconds to reach a scheduler before giving up
_KEEP_JOBS = 4                # compiled variants kept per worker process (the latest jobs)
_COMPILED: dict[str, list] = {}
_COMPILE_LOCK = threading.Lock()


# ------------------------------------------------------------------------------ on the workers
def _hold(variants: tuple[Variant, ...]) -> tuple[Variant, ...]:
    return variants


def _theatres(token: str, variants: tuple[Variant, ...]) -> list:
    """The job's variants compiled once per worker process (its threads share them)."""
    with _COMPILE_LOCK:
        if token not in _COMPILED:
            while len(_COMPILED) >= _KEEP_JOBS:
                _COMPILED.pop(next(iter(_COMPILED)))
            _COMPILED[token] = [v.compile() for v in variants]
        return _COMPILED[token]


def _run_group(token: str, variants: tuple[Variant, ...], blocks: tuple[Block, ...]) -> Partial | list[Partial]:
    """A task: simulate ``blocks`` (consecutive, of one variant). Kept blocks come back one by one
    with their per-run arrays; the others as one partial of their merged counts."""
    theatres = _theatres(token, variants)
    parts = [simulate(theatres[b.variant], variants[b.variant], b) for b in blocks]
    if blocks[0].keep:
        return parts
    head = parts[0]
    for part in parts[1:]:
        head.accumulator.merge(part.accumulator)
    return Partial(head.variant, blocks[0].start, blocks[-1].stop, head.accumulator, None)


def _merge(a: Partial, b: Partial) -> Partial:
    """A task: two partials of one variant as one. The inputs are left as they are (a result may
    still be read by a task run again after a fault)."""
    acc = copy.deepcopy(a.accumulator)
    acc.merge(b.accumulator)
    return Partial(a.variant, min(a.start, b.start), max(a.stop, b.stop), acc, None, reported=True)


# ------------------------------------------------------------------------------ on the client
def groups(blocks: Iterable[Block], size: int) -> Iterator[tuple[Block, ...]]:
    """Consecutive blocks of one variant, ``size`` at most to a group, made lazily."""
    group: list[Block] = []
    for block in blocks:
        if group and (len(group) == size or block.variant != group[0].variant or block.keep != group[0].keep):
            yield tuple(group)
            group = []
        group.append(block)
    if group:
        yield tuple(group)


class SchedulerLost(FlashpointError):
    """The scheduler went away during a job."""


class DaskExecutor(Executor):
    """Blocks as tasks on the cluster of a ``distributed.Client``; see the module's doc.

    ``group``: blocks per task (1: a block is a task; raise it when blocks are small). At most
    ``in_flight`` tasks per worker thread are submitted ahead, so memory on the scheduler stays
    bounded however many blocks a job has."""

    def __init__(self, client: Any, group: int = 1, in_flight: int = 2):
        if group < 1:
            raise FlashpointError(f"group {group}: blocks per task must be at least 1")
        self.client, self.group, self.in_flight = client, group, in_flight
        self.address = getattr(client, "scheduler", None) and client.scheduler.address
        self.workers = max(1, sum(client.nthreads().values()))

    def map(self, variants, blocks, theatres=None):
        # lazy: Dask (distributed) is imported only when its executor is used
        from distributed import as_completed

        client = self.client
        self.workers = max(1, sum(client.nthreads().values()))    # the cluster may have grown
        token = uuid.uuid4().hex
        held = client.submit(_hold, tuple(variants), key=f"flashpoint-variants-{token}")
        todo = groups(blocks, self.group)
        done = as_completed(loop=client.loop)
        kind: dict[Any, tuple[int, tuple[Block, ...] | None]] = {}   # future -> variant, blocks (None: a merge)
        waiting: dict[int, Any] = {}                    # variant -> a reduced partial without a partner yet
        running = 0

        def submit() -> None:
            nonlocal running
            limit = self.in_flight * self.workers
            while running < limit:
                group = next(todo, None)
                if group is None:
                    return
                fut = client.submit(_run_group, token, held, group, pure=False)
                kind[fut] = (group[0].variant, group)
                done.add(fut)
                running += 1

        def reduce(variant: int, fut: Any) -> None:
            other = waiting.pop(variant, None)
            if other is None:
                waiting[variant] = fut
                return
            merged = client.submit(_merge, other, fut, pure=False)
            kind[merged] = (variant, None)
            done.add(merged)

        try:
            submit()
            for fut in done:
                variant, group = kind.pop(fut)
                self._check(fut)
                if group is not None:
                    running -= 1
                    if group[0].keep:
                        yield from self._result(fut)
                    else:
                        yield Partial(variant, group[0].start, group[-1].stop, None, None)
                if group is None or not group[0].keep:
                    reduce(variant, fut)
                submit()
            for _variant, fut in sorted(waiting.items()):
                merged = self._result(fut)
                merged.reported = True            # its blocks were reported as they finished
                yield merged
        except BaseException:
            with contextlib.suppress(Exception):
                client.cancel([*kind, *waiting.values(), held], force=True)
            raise
        finally:
            kind.clear()
            waiting.clear()

    def map_calls(self, func, calls):
        """``[func(*args) for args in calls]`` as tasks on the cluster, in order."""
        if not calls:
            return []
        futures = [self.client.submit(func, *args, pure=False) for args in calls]
        try:
            for fut in futures:
                self._check(fut)
            return [self._result(fut) for fut in futures]
        except BaseException:
            with contextlib.suppress(Exception):
                self.client.cancel(futures, force=True)
            raise

    def _check(self, fut: Any) -> None:
        """Raise the task's own error, or say that the scheduler went away."""
        if fut.status == "error":
            fut.result()
        if fut.status == "cancelled" or self.client.status not in ("running", "connecting", "newly-created"):
            raise SchedulerLost(self.lost_message())

    def _result(self, fut: Any) -> Partial:
        try:
            return fut.result()
        except Exception:
            if self.client.status != "running":
                raise SchedulerLost(self.lost_message()) from None
            raise

    def lost_message(self) -> str:
        return (f"the Dask scheduler at {self.address} went away during the job; nothing was written. Start it "
                "again (and its workers) and run the command again")


def connect(address: str, timeout: float = CONNECT_TIMEOUT) -> Any:
    """A client of the scheduler at ``address``, or a clear error when it cannot be reached."""
    # lazy: Dask (distributed) is imported only when its executor is used
    from distributed import Client

    try:
        return Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise FlashpointError(f"--scheduler {address}: cannot reach a Dask scheduler there ({exc}); start one "
                              "with 'dask scheduler' and give its address, e.g. tcp://10.0.0.5:8786") from None


@contextlib.contextmanager
def dask_executor(address: str, group: int = 1) -> Iterator[DaskExecutor]:
    """A :class:`DaskExecutor` on the scheduler at ``address`` for the ``with`` block; the client
    is closed after it. The client's own logging of a lost scheduler is kept quiet: the executor
    says it once, clearly."""
    quiet = [logging.getLogger(name) for name in ("distributed.client", "distributed.core", "distributed.comm")]
    levels = [log.level for log in quiet]
    client = connect(address)
    for log in quiet:
        log.setLevel(logging.CRITICAL)
    try:
        yield DaskExecutor(client, group)
    finally:
        with contextlib.suppress(Exception):
            client.close(timeout=2)
        for log, level in zip(quiet, levels, strict=True):
            log.setLevel(level)


def as_executor(executor: Any) -> Executor | None:
    """An :class:`Executor` as it is; a ``dask.distributed`` ``Client`` as a Dask executor on its
    cluster (Dask is imported only then, by the executor's first use); None as None."""
    if executor is None or isinstance(executor, Executor):
        return executor
    if type(executor).__module__.startswith("distributed."):
        return DaskExecutor(executor)
    raise TypeError(f"executor: expected an Executor or a dask.distributed Client, got {type(executor).__name__}")


__all__ = ["DaskExecutor", "as_executor", "connect", "dask_executor", "groups"]
