"""The workbench's latency, through its API on a warm server: a what-if not yet stored (POST
/api/runs, then its server-sent events until the one named ``answered``, when the answer is ready;
and on until the run is done, every part computed), the same what-if once stored (POST answered
from the database), and the scenario page's first paint in Chromium (Playwright's paint timing).
For the new what-ifs it also gives the server's own timings of each step to the answer (the run's
manifest.json: seconds from the POST to each worker's start, end of simulation and half sent, each
half heard by the server, the pair made and the answer stored), which depend less on other load.

    python -m benchmarks.serve_latency --runs 2000 --days 90 --fresh 10 --stored 200 --paints 10

It starts its own ``flashpoint serve`` on 127.0.0.1 with a temporary data folder (two worker
processes, its default), warms it with one run of the same size (workers started, kernels loaded),
then times; each new what-if is asked once the one before it is done (its parts too), as a user
asking one question after another would. Figures go to benchmarks/RESULTS.md by hand, with the load
average printed here.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from tests.serve.conftest import serve

from benchmarks._common import job_parser, machine


def p95(xs: list[float]) -> float:
    return sorted(xs)[max(0, round(0.95 * len(xs)) - 1)]


def until_done(c: httpx.Client, rid: str, t0: float) -> dict:
    """Follow a run's events to its end; the state, with "answered_s" (seconds from t0 to the event
    named answered)."""
    answered, event = None, None
    with c.stream("GET", f"/api/runs/{rid}/events", timeout=600) as events:
        for line in events.iter_lines():
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                if event == "answered" and answered is None:
                    answered = time.perf_counter() - t0
                event = None
                state = json.loads(line[6:])
                if state["status"] in ("done", "failed", "cancelled"):
                    return {**state, "answered_s": answered}
    raise RuntimeError(f"the events of run {rid} ended early")


def ask(c: httpx.Client, body: dict) -> tuple[float, float, dict]:
    """(seconds to the answer, seconds to the run's end, the last state)."""
    t0 = time.perf_counter()
    r = c.post("/api/runs", json=body)
    r.raise_for_status()
    state = r.json() if r.status_code == 200 else until_done(c, r.json()["id"], t0)
    total = time.perf_counter() - t0
    return state.get("answered_s") or total, total, {**r.json(), **state}


def step_table(steps: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    """Each step of the answer timed by the server (seconds from its POST; the manifest's timings):
    median and largest over the what-ifs, in the order of their medians."""
    names = {name for s in steps for name in s}
    table = {name: {"p50": round(statistics.median(xs), 3), "max": round(max(xs), 3)}
             for name in names if (xs := [s[name] for s in steps if name in s])}
    return dict(sorted(table.items(), key=lambda kv: kv[1]["p50"]))


def first_paints(url: str, n: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    out = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                    args=["--headless", "--no-sandbox", "--disable-gpu",
                                          "--disable-background-networking"])
        for _ in range(n):
            page = browser.new_page()
            page.goto(url, wait_until="load")
            paint = page.evaluate("""() => new Promise((resolve) => new PerformanceObserver((list) => {
                const e = list.getEntries().find((x) => x.name === "first-contentful-paint");
                if (e) resolve(e.startTime);
            }).observe({ type: "paint", buffered: true }))""")
            out.append(paint / 1000)
            page.close()
        browser.close()
    return out


def main(argv: list[str] | None = None) -> None:
    ap = job_parser("serve_latency", __doc__, runs=2000, days=90)
    ap.add_argument("--fresh", type=int, default=10, help="what-ifs not yet stored to time (distinct seeds)")
    ap.add_argument("--stored", type=int, default=200, help="requests answered from the database to time")
    ap.add_argument("--paints", type=int, default=10, help="loads of the scenario page to time")
    args = ap.parse_args(argv)
    interventions = [n for n in args.interventions.split(",") if n]
    body = {"scenario": args.scenario, "interventions": interventions, "runs": args.runs, "days": args.days}
    print(json.dumps({"machine": machine()}))
    with tempfile.TemporaryDirectory() as folder, serve(Path(folder), "--queue", "64") as url, \
            httpx.Client(base_url=url, timeout=600) as c:
        _answer, warm, _ = ask(c, {**body, "seed": 10**9})
        fresh, fresh_done, steps = [], [], []
        for i in range(args.fresh):
            answered, total, state = ask(c, {**body, "seed": args.seed + i})
            assert state["status"] == "done", state
            fresh.append(answered)
            fresh_done.append(total)
            steps.append(c.get(f"/api/runs/{state['id']}/manifest.json").json()["timings"] or {})
        stored = []
        for i in range(args.stored):
            seconds, _total, state = ask(c, {**body, "seed": args.seed + i % max(args.fresh, 1)})
            assert state["cached"] and state["status"] == "done", state
            stored.append(seconds)
        paints = first_paints(f"{url}/scenarios/{args.scenario}", args.paints) if args.paints else []
    report = {
        "runs": args.runs, "days": args.days, "interventions": interventions, "warm_up_s": round(warm, 3),
        "not_stored_answered_s": {"n": len(fresh), "p50": round(statistics.median(fresh), 3),
                                  "p95": round(p95(fresh), 3), "all": [round(x, 3) for x in fresh]},
        "not_stored_done_s": {"n": len(fresh_done), "p50": round(statistics.median(fresh_done), 3),
                              "p95": round(p95(fresh_done), 3)},
        "not_stored_steps_s": step_table(steps),
        "stored_ms": {"n": len(stored), "p50": round(1000 * statistics.median(stored), 1),
                      "p95": round(1000 * p95(stored), 1)},
        "first_paint_s": {"n": len(paints), "p50": round(statistics.median(paints), 3) if paints else None,
                          "p95": round(p95(paints), 3) if paints else None},
        "load_average_after": machine()["load_average"],
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    sys.exit(main())
