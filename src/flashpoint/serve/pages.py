"""The workbench's pages, rendered on the server with Jinja2 (autoescaped: whatever a client or a
scenario file wrote shows as text). Each page's data for its script sits in a JSON script element;
the script is static/app.js."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader, select_autoescape

from flashpoint.serve import engine_bridge as bridge
from flashpoint.serve.context import _get, _scenario, compare_status, run_status, state

env = Environment(loader=PackageLoader("flashpoint.serve", "templates"),
                  autoescape=select_autoescape(default=True, default_for_string=True))
env.filters["pct"] = lambda p: "" if p is None else f"{100 * p:.1f}%"
env.filters["points"] = lambda d: "" if d is None else f"{100 * d:+.1f}"
templates = Jinja2Templates(env=env)


def _page(request: Request, name: str, title: str, data: dict[str, Any] | None = None, **context) -> HTMLResponse:
    return templates.TemplateResponse(request, name, {"title": title, "data": data or {}, "page": name[:-5],
                                                      "version": bridge.VERSION, **context})


def _outcome_rows(summary: dict, details: dict | None, descriptions: dict[str, str]) -> list[dict[str, Any]]:
    diffs = ((details or {}).get("comparison") or {}).get("outcomes") or {}
    base = ((details or {}).get("baseline") or {}).get("outcomes") or {}
    rows = []
    for oid, o in summary.get("outcomes", {}).items():
        d = diffs.get(oid) or {}
        rows.append({"id": oid, "description": descriptions.get(oid, oid), "p": o["p"], "ci": o["ci95"],
                     "base": (base.get(oid) or {}).get("p"), "diff": d.get("diff"), "diff_ci": d.get("ci95")})
    return rows


def add_pages(app: FastAPI) -> None:
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def library(request: Request):
        st = state(request)
        scenarios = [st.describe(row) for row in st.store.scenarios()]
        return _page(request, "library.html", "Scenarios", scenarios=scenarios)

    @app.get("/scenarios/{sid}", response_class=HTMLResponse, include_in_schema=False)
    def scenario_page(sid: str, request: Request):
        st = state(request)
        d = st.describe(_scenario(st, sid))
        runs = [r for r in st.store.runs() if r.scenario_id == sid][:20]
        data = {"scenario": sid, "horizon": d["horizon_days"], "max_runs": st.settings.max_runs,
                "max_days": min(st.settings.max_days, d["horizon_days"])}
        return _page(request, "scenario.html", d["title"], data, s=d, runs=runs)

    @app.get("/runs", response_class=HTMLResponse, include_in_schema=False)
    def history(request: Request):
        st = state(request)
        return _page(request, "history.html", "Run history", runs=st.store.runs(),
                     comparisons=st.store.comparisons())

    @app.get("/runs/{rid}", response_class=HTMLResponse, include_in_schema=False)
    def run_page(rid: str, request: Request):
        st = state(request)
        row = _get(st, "run", rid)
        status = run_status(row)
        headline, rows, data = [], [], {"run": rid, "status": row.status, "ready": status["ready"],
                                        "parts": status["parts"]}
        if row.status == "done" or status["ready"]:
            if (row.details or {}).get("control_by_day"):
                data["map"] = bridge.front_map(row.scenario_toml, row.interventions, row.details["control_by_day"])
            headline = bridge.headline(row.scenario_toml, row.interventions, row.summary, row.details)
            d = bridge.describe(bridge.scenario_from_text(row.scenario_toml))
            rows = _outcome_rows(row.summary, row.details, {o["id"]: o["description"] for o in d["outcomes"]})
        others = [r for r in st.store.runs() if r.scenario_id == row.scenario_id and r.id != rid
                  and r.status == "done"]
        scenario = st.store.scenario(row.scenario_id)
        return _page(request, "run.html", f"Run {rid}", data, run=status,
                     kept=row.trajectories,
                     headline=headline, rows=rows, others=others, title_text=scenario.title if scenario else "")

    @app.get("/compare", response_class=HTMLResponse, include_in_schema=False)
    def compare_page(request: Request, a: str | None = None, b: str | None = None, c: str | None = None):
        st = state(request)
        done = [r for r in st.store.runs() if r.status == "done"]
        ra = _get(st, "run", a) if a else None
        rb = _get(st, "run", b) if b else None
        if ra is not None and rb is not None and ra.scenario_id != rb.scenario_id:
            raise HTTPException(400, "the two runs are of different scenarios")
        rows = []
        if ra is not None and rb is not None and ra.status == rb.status == "done":
            for oid, o in ra.summary["outcomes"].items():
                ob = rb.summary["outcomes"].get(oid)
                rows.append({"id": oid, "a": o, "b": ob})
        comparison = compare_status(_get(st, "compare", c)) if c else None
        base, other = (rb, ra) if rb is not None and not rb.interventions else (ra, rb)
        data = {"a": a, "b": b, "compare": c,
                "request": None if ra is None or rb is None else {   # the one as written is the baseline
                    "scenario": base.scenario_id, "with": other.interventions, "against": base.interventions,
                    "runs": base.runs, "days": base.days, "seed": int(base.seed), "set": base.parameters},
                "chart": None if not rows else {
                    "ids": [r["id"] for r in rows], "a": [r["a"]["p"] for r in rows],
                    "b": [(r["b"] or {}).get("p") for r in rows],
                    "a_name": "+".join(ra.interventions) or "as written",
                    "b_name": "+".join(rb.interventions) or "as written"}}
        return _page(request, "compare.html", "Compare runs", data, runs=done, ra=ra, rb=rb, rows=rows,
                     comparison=comparison)

    @app.get("/editor", response_class=HTMLResponse, include_in_schema=False)
    def editor(request: Request, source: str | None = None):
        st = state(request)
        text, parent = "", None
        if source:
            row = _scenario(st, source)
            text, parent = row.toml, row.id
        return _page(request, "editor.html", "Scenario editor", {"parent": parent}, text=text, parent=parent)
