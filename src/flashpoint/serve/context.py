"""What a request handler of the workbench reaches: the server's state (settings, database, job
queue, caches) and the lookups and status documents that the API and the pages share."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import threading
from typing import Any

from fastapi import HTTPException, Request

from flashpoint.errors import FlashpointError
from flashpoint.serve import engine_bridge as bridge
from flashpoint.serve.jobs import Jobs
from flashpoint.serve.settings import Settings
from flashpoint.serve.storage import ComparisonRow, RunRow, ScenarioRow, Store


class State:
    """What the running server holds: its settings, database, job queue and caches."""

    def __init__(self, settings: Settings):
        self.settings = settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        settings.trajectories_dir.mkdir(parents=True, exist_ok=True)
        (settings.data_dir / "reports").mkdir(parents=True, exist_ok=True)
        self.store = Store(settings.database_url)
        self.recovered = self.store.fail_unfinished()
        texts = bridge.builtin_scenarios()
        self.store.sync_builtins(texts, {k: bridge.scenario_from_text(t).meta.title for k, t in texts.items()})
        self.jobs = Jobs(self.store, settings.workers, settings.max_queue)
        # lazy: the base map's data is read in a thread after start-up
        from flashpoint.report.basemap import warm

        threading.Thread(target=warm, name="flashpoint-basemap", daemon=True).start()   # read once, early
        self.submit_lock = threading.Lock()
        self._described: dict[str, dict] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiters: dict[str, set[asyncio.Event]] = {}
        self.store.listeners.append(self._changed)

    # -- the event streams: woken when the state of what they follow changes, not by polling alone
    def watch(self, loop: asyncio.AbstractEventLoop) -> None:
        """Wake the event streams, which run in ``loop``, from the threads that change a job's state."""
        self._loop = loop

    def _changed(self, rid: str) -> None:
        if self._loop is not None and rid in self._waiters:
            with contextlib.suppress(RuntimeError):       # the loop has closed: nothing waits any more
                self._loop.call_soon_threadsafe(self._wake, rid)

    def _wake(self, rid: str) -> None:
        for event in self._waiters.get(rid, ()):
            event.set()

    @contextlib.contextmanager
    def changes(self, rid: str):
        """An asyncio.Event set whenever the state of run or comparison ``rid`` changes (clear it
        before reading the state, then wait on it), for the life of the block."""
        event = asyncio.Event()
        self._waiters.setdefault(rid, set()).add(event)
        try:
            yield event
        finally:
            waiting = self._waiters.get(rid, set())
            waiting.discard(event)
            if not waiting:
                self._waiters.pop(rid, None)

    def close(self) -> None:
        self.jobs.close()
        self.store.close()

    def describe(self, row: ScenarioRow) -> dict[str, Any]:
        if row.hash not in self._described:
            self._described[row.hash] = bridge.describe(bridge.scenario_from_text(row.toml))
        d = self._described[row.hash]
        return {**d, "id": row.id, "builtin": row.builtin, "parent": row.parent, "hash": row.hash}


def state(request: Request) -> State:
    return request.app.state.fp


def _bad(exc: FlashpointError) -> HTTPException:
    return HTTPException(400, str(exc))


def _scenario(st: State, sid: str) -> ScenarioRow:
    row = st.store.scenario(sid)
    if row is None:
        raise HTTPException(404, f"no scenario '{sid}'; GET /api/scenarios lists them")
    return row


def _get(st: State, kind: str, rid: str) -> RunRow | ComparisonRow:
    row = st.store.get(kind, rid)
    if row is None:
        what = "run" if kind == "run" else "comparison"
        raise HTTPException(404, f"no {what} '{rid}'")
    return row


def _caps(st: State, runs: int, days: int | None) -> None:
    s = st.settings
    if runs > s.max_runs:
        raise HTTPException(400, f"runs {runs:,}: at most {s.max_runs:,} per request on this server")
    if days is not None and days > s.max_days:
        raise HTTPException(400, f"days {days}: at most {s.max_days} per request on this server")


def utc(when: dt.datetime | None) -> dt.datetime | None:
    """A stored time (UTC, kept without its zone) with its zone, as RFC 3339 wants."""
    return None if when is None else when.replace(tzinfo=dt.UTC)


def _status(row: RunRow | ComparisonRow) -> dict[str, Any]:
    return {"id": row.id, "status": row.status, "progress": row.progress, "scenario": row.scenario_id,
            "set": row.parameters, "runs": row.runs, "days": row.days, "seed": int(row.seed), "version": row.version,
            "created": utc(row.created), "started": utc(row.started), "finished": utc(row.finished),
            "seconds": row.seconds, "error": row.error}


def answered(row: RunRow) -> bool:
    """Whether the run's answer can be shown: paired and stored, the run not failed or cancelled."""
    return row.answer is not None and row.status in ("running", "done")


def run_status(row: RunRow) -> dict[str, Any]:
    ready = answered(row)
    return {**_status(row), "interventions": row.interventions, "ready": ready,
            "answer": row.answer if ready else None,
            "parts": ((row.details or {}).get("parts") or None) if ready else None,
            "summary": row.summary if row.status == "done" else None}


def compare_status(row: ComparisonRow) -> dict[str, Any]:
    return {**_status(row), "with": row.with_, "against": row.against,
            "comparison": row.document if row.status == "done" else None}
