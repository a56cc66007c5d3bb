"""The workbench's web application: ``create_app(Settings(...))`` gives the FastAPI app (the JSON
API under /api, OpenAPI at /docs, the pages, the static files)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import platform
import re
import threading
import time
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import anyio
import numpy
from fastapi import Body, FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles

from flashpoint.errors import FlashpointError
from flashpoint.serve import engine_bridge as bridge
from flashpoint.serve import models as M
from flashpoint.serve.context import (
    State,
    _bad,
    _caps,
    _get,
    _scenario,
    answered,
    compare_status,
    run_status,
    state,
    utc,
)
from flashpoint.serve.jobs import QueueFull
from flashpoint.serve.pages import add_pages
from flashpoint.serve.security import Guard
from flashpoint.serve.settings import Settings
from flashpoint.serve.storage import FINISHED, ComparisonRow, RunRow, cache_key, now

ERRORS = {400: {"model": M.Error}, 404: {"model": M.Error}}
JSON_ERRORS = {code: {"description": what, "content": {"application/json": {"schema": M.Error.model_json_schema()}}}
               for code, what in ((400, "Bad Request"), (404, "Not Found"))}
"""The errors of a route whose own answer is not JSON (a file, text, a stream): they still are."""
QUEUE = {429: {"model": M.Error, "description": "the queue is full"}}
SLUG = re.compile(r"[^a-z0-9-]+")


def manifest(row: RunRow) -> dict[str, Any]:
    return {"id": row.id, "version": row.version, "scenario": row.scenario_id, "scenario_hash": row.scenario_hash,
            "interventions": row.interventions, "parameters_set": row.parameters, "seed": int(row.seed),
            "runs": row.runs, "days": row.days, "block_size": bridge.BLOCK, "workers": 1,
            "created": utc(row.created).isoformat(), "started": row.started and utc(row.started).isoformat(),
            "finished": row.finished and utc(row.finished).isoformat(), "seconds": row.seconds,
            "python": platform.python_version(), "numpy": numpy.__version__,
            "trajectories": bool(row.trajectories), "timings": (row.details or {}).get("timings")}


def _submit(st: State, kind: str, key: str, values: dict[str, Any], payload: dict[str, Any]) -> JSONResponse:
    """The stored (or still running) answer to the same question, or a new queued job."""
    with st.submit_lock:
        found = st.store.find(kind, key)
        if found is not None:
            return _accepted(kind, found, True)
        try:
            st.jobs.reserve()
        except QueueFull as exc:
            raise HTTPException(429, str(exc)) from None
        row = st.store.add(kind, cache_key=key, version=bridge.MODEL, **values)
        if kind == "run" and payload.pop("trajectories"):
            payload["trajectories"] = str(st.settings.trajectories_dir / f"{row.id}.nc")  # named by the server
        st.jobs.submit(kind, row.id, payload)
    return _accepted(kind, row, False)


def _accepted(kind: str, row, cached: bool) -> JSONResponse:
    path = "runs" if kind == "run" else "compare"
    body = {"id": row.id, "status": row.status, "cached": cached, "url": f"/api/{path}/{row.id}"}
    return JSONResponse(body, status_code=200 if row.status == "done" else 202)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The workbench for these settings (checked: a host beyond this machine needs a token)."""
    settings = settings or Settings()
    settings.check()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.fp = await anyio.to_thread.run_sync(State, settings)
        app.state.fp.watch(asyncio.get_running_loop())
        try:
            yield
        finally:
            await anyio.to_thread.run_sync(app.state.fp.close)

    app = FastAPI(title="Flashpoint workbench", version=bridge.VERSION, lifespan=lifespan, docs_url=None,
                  redoc_url=None,
                  description="Simulate 'what happens if...?' questions about armed crises: scenarios, runs "
                              "and comparisons, every result kept in the workbench's database.")
    static = Path(str(resources.files("flashpoint.serve") / "static"))
    app.mount("/static", StaticFiles(directory=static), name="static")

    @app.get("/vendor/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(bridge.plotly_js_path(), media_type="text/javascript")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        """Swagger UI 5 (vendored from the npm package swagger-ui-dist), started by static/swagger-init.js."""
        return HTMLResponse((Path(str(resources.files("flashpoint.serve") / "templates")) / "docs.html").read_text())

    add_api(app)

    add_pages(app)
    app.add_middleware(Guard, token=settings.token, max_body=settings.max_body)
    return app


def add_api(app: FastAPI) -> None:
    # ------------------------------------------------------------------------------ scenarios
    @app.get("/api/scenarios", response_model=list[M.ScenarioInfo], tags=["scenarios"])
    def list_scenarios(request: Request):
        """Every stored scenario: the built-in ones, then those saved from the editor."""
        st = state(request)
        return [st.describe(row) for row in st.store.scenarios()]

    @app.get("/api/scenarios/{sid}", response_model=M.ScenarioDetail, responses=ERRORS, tags=["scenarios"])
    def get_scenario(sid: str, request: Request):
        """One scenario, with the model parameters a run may set (ranges and sources)."""
        st = state(request)
        return st.describe(_scenario(st, sid))

    @app.get("/api/scenarios/{sid}/scenario.toml", response_class=PlainTextResponse, responses=JSON_ERRORS,
             tags=["scenarios"])
    def scenario_toml(sid: str, request: Request):
        """The scenario's TOML text."""
        row = _scenario(state(request), sid)
        return PlainTextResponse(row.toml, media_type="application/toml; charset=utf-8")

    @app.post("/api/scenarios/validate", response_model=M.Validation, tags=["scenarios"])
    def validate(text: Annotated[str, Body(media_type="text/plain", max_length=900_000)]):
        """Check scenario text (TOML in the body): every problem with its line and field, in the
        words of ``flashpoint``'s own messages."""
        errors = bridge.validate_text(text)
        return {"ok": not errors, "errors": errors}

    @app.post("/api/scenarios", response_model=M.ScenarioInfo, status_code=201,
              responses={400: {"model": M.SaveError}}, tags=["scenarios"])
    def save_scenario(body: M.SaveScenario, request: Request):
        """Store a new scenario (from the editor); its id is its own id and a digest of its text."""
        st = state(request)
        errors = bridge.validate_text(body.toml)
        if errors:
            return JSONResponse({"detail": "the scenario is not valid", "errors": errors}, status_code=400)
        s = bridge.scenario_from_text(body.toml)
        digest = bridge.text_hash(body.toml)
        for row in st.store.scenarios():
            if row.hash == digest:
                return st.describe(row)
        sid = f"{SLUG.sub('-', s.meta.id.lower()).strip('-')[:60]}-{digest[:8]}"
        row = st.store.add_scenario(sid, s.meta.title, body.toml, digest, body.parent)
        return st.describe(row)

    # ------------------------------------------------------------------------------ runs
    @app.post("/api/runs", response_model=M.Accepted, status_code=202,
              responses={**ERRORS, **QUEUE, 200: {"model": M.Accepted, "description": "stored result"}},
              tags=["runs"])
    def post_run(body: M.RunRequest, request: Request):
        """Ask for a run; the same scenario text, interventions, parameters, runs, days, seed and
        version as a stored run answers at once (200) with the stored one."""
        posted = time.time()       # the answer's timings count from here
        st = state(request)
        _caps(st, body.runs, body.days)
        row = _scenario(st, body.scenario)
        try:
            s = bridge.scenario_from_text(row.toml)
            days = bridge.check_request(s, body.interventions, body.runs, body.days, body.seed, body.set)
        except FlashpointError as exc:
            raise _bad(exc) from None
        _caps(st, body.runs, days)
        params = dict(sorted(body.set.items()))
        key = cache_key("run", row.hash, body.interventions, params, body.runs, days, body.seed, bridge.MODEL,
                        body.trajectories)
        common = {"runs": body.runs, "days": days, "seed": body.seed}
        return _submit(st, "run", key,
                       {"scenario_id": row.id, "scenario_hash": row.hash, "scenario_toml": row.toml,
                        "interventions": body.interventions, "parameters": params,
                        "trajectories": body.trajectories, **common},
                       {"text": row.toml, "interventions": body.interventions, "overrides": params,
                        "trajectories": body.trajectories, "posted": posted, **common})

    @app.get("/api/runs", response_model=list[M.RunStatus], tags=["runs"])
    def list_runs(request: Request):
        """The stored runs, newest first (their summaries left out)."""
        return [{**run_status(r), "summary": None} for r in state(request).store.runs()]

    @app.get("/api/runs/{rid}", response_model=M.RunStatus, responses=ERRORS, tags=["runs"])
    def get_run(rid: str, request: Request):
        """A run's state and progress, and its summary when done."""
        return run_status(_get(state(request), "run", rid))

    @app.post("/api/runs/{rid}/cancel", response_model=M.RunStatus, responses=ERRORS, tags=["runs"])
    def cancel_run(rid: str, request: Request):
        """Cancel a queued or running run (a finished one is left as it is)."""
        return run_status(_cancel(state(request), "run", rid))

    @app.get("/api/runs/{rid}/events", tags=["runs"], responses=JSON_ERRORS,
             response_class=StreamingResponse)
    async def run_events(rid: str, request: Request):
        """Server-sent events: the run's status, progress, ``ready`` and ``parts`` (data-only messages)
        until it ends, and one event named ``answered`` when its answer is ready (its data: the run's
        state with the answer)."""
        return await _events(request, "run", rid)

    def _done(st: State, rid: str) -> RunRow:
        row = _get(st, "run", rid)
        if row.status != "done":
            raise HTTPException(404, f"run '{rid}' is {row.status}: it has no results")
        return row

    @app.get("/api/runs/{rid}/summary.json", responses=ERRORS, tags=["downloads"])
    def summary_json(rid: str, request: Request) -> dict[str, Any]:
        """summary.json of a finished run (docs/summary-json.md)."""
        row = _done(state(request), rid)
        return JSONResponse(row.summary, headers=_attachment(f"{rid}-summary.json"))

    @app.get("/api/runs/{rid}/scenario.toml", response_class=PlainTextResponse, responses=JSON_ERRORS,
             tags=["downloads"])
    def run_toml(rid: str, request: Request):
        """The scenario text the run used."""
        row = _get(state(request), "run", rid)
        return PlainTextResponse(row.scenario_toml, media_type="application/toml; charset=utf-8",
                                 headers=_attachment(f"{rid}-scenario.toml"))

    @app.get("/api/runs/{rid}/manifest.json", responses=ERRORS, tags=["downloads"])
    def run_manifest(rid: str, request: Request) -> dict[str, Any]:
        """What fixes the run's numbers, and its timings."""
        return JSONResponse(json.loads(json.dumps(manifest(_get(state(request), "run", rid)), default=str)),
                            headers=_attachment(f"{rid}-manifest.json"))

    @app.get("/api/runs/{rid}/trajectories.nc", responses=JSON_ERRORS, response_class=FileResponse, tags=["downloads"])
    def trajectories(rid: str, request: Request):
        """Every run of the job, day by day, as NetCDF (when the run was asked with trajectories)."""
        st = state(request)
        row = _done(st, rid)
        path = st.settings.trajectories_dir / f"{row.id}.nc"
        if not row.trajectories or not path.is_file():
            raise HTTPException(404, f"run '{rid}' did not keep its trajectories; ask with \"trajectories\": true")
        return FileResponse(path, media_type="application/x-netcdf", filename=f"{rid}-trajectories.nc")

    @app.get("/api/runs/{rid}/report.html", response_class=HTMLResponse, responses=JSON_ERRORS, tags=["downloads"])
    def report(rid: str, request: Request):
        """The HTML report of a run against the scenario as written (the same page as ``flashpoint
        report``, from the stored numbers), once answered; the parts still being computed say so."""
        st = state(request)
        row = _get(st, "run", rid)
        if row.status != "done" and not answered(row):
            raise HTTPException(404, f"run '{rid}' is {row.status}: it has no results")
        if row.status != "done":   # answered, parts still coming: not kept
            return HTMLResponse(bridge.report_html(row.scenario_toml, row.interventions, row.summary, row.details))
        path = st.settings.data_dir / "reports" / f"{row.id}.html"   # named by the server only
        if not path.is_file():
            text = bridge.report_html(row.scenario_toml, row.interventions, row.summary, row.details)
            tmp = path.with_name(f".{row.id}.{threading.get_ident()}.tmp")
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(path)
        return FileResponse(path, media_type="text/html; charset=utf-8")

    # ------------------------------------------------------------------------------ comparisons
    @app.post("/api/compare", response_model=M.Accepted, status_code=202,
              responses={**ERRORS, **QUEUE, 200: {"model": M.Accepted, "description": "stored result"}},
              tags=["comparisons"])
    def post_compare(body: M.CompareRequest, request: Request):
        """Ask for the paired comparison of the scenario with ``with`` against it with ``against``
        (or as written): same seed, run by run."""
        st = state(request)
        _caps(st, body.runs, body.days)
        row = _scenario(st, body.scenario)
        if body.with_ == body.against:
            raise HTTPException(400, "with and against name the same variant")
        try:
            s = bridge.scenario_from_text(row.toml)
            days = bridge.check_request(s, body.with_, body.runs, body.days, body.seed, body.set)
            if body.against:
                bridge.check_request(s, body.against, body.runs, days, body.seed, body.set)
        except FlashpointError as exc:
            raise _bad(exc) from None
        params = dict(sorted(body.set.items()))
        key = cache_key("compare", row.hash, body.with_, body.against, params, body.runs, days, body.seed,
                        bridge.MODEL)
        common = {"runs": body.runs, "days": days, "seed": body.seed}
        return _submit(st, "compare", key,
                       {"scenario_id": row.id, "scenario_hash": row.hash, "scenario_toml": row.toml,
                        "with_": body.with_, "against": body.against, "parameters": params, **common},
                       {"text": row.toml, "with_": body.with_, "against": body.against, "overrides": params,
                        **common})

    @app.get("/api/compare", response_model=list[M.CompareStatus], tags=["comparisons"])
    def list_compare(request: Request):
        """The stored comparisons, newest first (their documents left out)."""
        return [{**compare_status(r), "comparison": None} for r in state(request).store.comparisons()]

    @app.get("/api/compare/{cid}", response_model=M.CompareStatus, responses=ERRORS, tags=["comparisons"])
    def get_compare(cid: str, request: Request):
        """A comparison's state, and its document when done."""
        return compare_status(_get(state(request), "compare", cid))

    @app.post("/api/compare/{cid}/cancel", response_model=M.CompareStatus, responses=ERRORS, tags=["comparisons"])
    def cancel_compare(cid: str, request: Request):
        """Cancel a queued or running comparison."""
        return compare_status(_cancel(state(request), "compare", cid))

    @app.get("/api/compare/{cid}/events", tags=["comparisons"], responses=JSON_ERRORS,
             response_class=StreamingResponse)
    async def compare_events(cid: str, request: Request):
        """Server-sent events: the comparison's status and progress until it ends."""
        return await _events(request, "compare", cid)


def _cancel(st: State, kind: str, rid: str) -> RunRow | ComparisonRow:
    """Cancel a queued or running job (the queue's, or one no worker holds any more)."""
    row = _get(st, kind, rid)
    if row.status not in FINISHED and not st.jobs.cancel(kind, rid):
        st.store.set_state(kind, rid, "cancelled", finished=now())
    return _get(st, kind, rid)


def _attachment(name: str) -> dict[str, str]:
    return {"content-disposition": f'attachment; filename="{name}"'}


async def _events(request: Request, kind: str, rid: str) -> Response:
    st = state(request)
    await anyio.to_thread.run_sync(_get, st, kind, rid)   # 404 before the stream starts

    async def stream():
        last, answered = None, False
        with st.changes(rid) as changed:
            while True:
                changed.clear()          # before reading: a change made after the read wakes the wait below
                row = await anyio.to_thread.run_sync(st.store.get, kind, rid)
                now = {"id": rid, "status": row.status, "error": row.error,
                       "progress": round(st.jobs.progress.get(rid, row.progress), 4)}
                if kind == "run":
                    full = run_status(row)
                    now.update(ready=full["ready"], parts=full["parts"])
                    if full["ready"] and not answered:
                        answered = True
                        yield f"event: answered\ndata: {json.dumps({**now, 'answer': full['answer']})}\n\n"
                if now != last:
                    yield f"data: {json.dumps(now)}\n\n"
                    last = now
                if row.status in FINISHED or await request.is_disconnected():
                    return
                with contextlib.suppress(TimeoutError):   # at the latest, look again (and at the client) soon
                    await asyncio.wait_for(changed.wait(), 0.25)

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"cache-control": "no-store"})
