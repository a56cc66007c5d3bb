"""The Dask executor on this machine: two workers against one, the per-task overhead, a sweep
against the same runs as one job, and the bytes a task sends back.

Workers are real processes (``LocalCluster(processes=True)``, one thread each), warmed up by a
small job first (each loads the compiled kernels once). Each figure is timed once, as the job a
user would run through the Python API, after the load average (1, 5, 15 minutes) is printed:

* **scaling**: 200,000 runs x 60 days on 1 worker, then on 2 (target: 2 at least 1.8x faster);
* **overhead**: the same job in this process (``SerialExecutor``) against 1 Dask worker, and the
  share of the worker's wall time not spent inside the tasks (Dask's task stream); at the default
  grouping (one block of at most 5,000 runs a task). Target: at most 5%;
* **sweep**: 100 experiments x 2,000 runs against the 200,000 runs as one job, both on 2 workers
  (target: within 1.2x);
* **bytes**: the pickled size of one task's result (a block's accumulator) and of the job's one
  merged accumulator;
* **local** (with ``--baseline SRC``): ``flashpoint run`` with the local executor, this code
  against the code in SRC (a ``src`` folder, e.g. from ``git archive``, put first on PYTHONPATH),
  alternately, ``--local-runs`` runs, twice each; the fastest of each (target: within 5%).

    git archive <commit> src | tar -x -C /tmp/base
    nice python -m benchmarks.dask_scaling --runs 200000 --days 60 --baseline /tmp/base/src
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import flashpoint
from flashpoint.analysis.results import run
from flashpoint.analysis.sweep import SweepPlan, _job, _summary, run_sweep
from flashpoint.engine.dask_executor import DaskExecutor
from flashpoint.engine.executor import SerialExecutor, Variant, simulate
from flashpoint.engine.runner import RunSpec, run_scenario


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def timed(label: str, func) -> float:
    before = load()
    t0 = time.perf_counter()
    func()
    seconds = time.perf_counter() - t0
    print(f"{label}: {seconds:.1f} s (load before {before})", flush=True)
    return seconds


def warm(scenario, days: int) -> None:
    """On a worker: load the compiled kernels (from the disk cache) before anything is timed."""
    run(scenario, runs=250, seed=1, days=days)


def peak_rss_mib() -> float:
    """On a worker: its peak resident memory (getrusage maxrss, KiB on Linux)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cluster(workers: int, scenario, days: int):
    from distributed import Client, LocalCluster

    lc = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0")
    client = Client(lc, set_as_default=False)
    client.run(warm, scenario, days)
    return lc, client


def local_runs(baseline: str, scenario: str, runs: int, days: int) -> None:
    """``flashpoint run`` (local executor, one worker per core) of this code and of ``baseline``, in turn."""
    cmd = [sys.executable, "-c", "from flashpoint.cli import app; app()", "run", scenario, "--runs", str(runs),
           "--days", str(days), "--seed", "1"]
    best: dict[str, float] = {}
    for _ in range(2):
        for label, path in (("this code", None), ("baseline", baseline)):
            env = dict(os.environ, **({"PYTHONPATH": path} if path else {}))
            with tempfile.TemporaryDirectory() as tmp:
                t = timed(f"flashpoint run {runs:,} x {days} days, {label}",
                          lambda: subprocess.run([*cmd, "--out", tmp], check=True, env=env,  # noqa: B023
                                                 stdout=subprocess.DEVNULL))
            best[label] = min(best.get(label, t), t)
    print(f"local run, this code against the baseline (fastest of 2 each): "
          f"{best['this code'] / best['baseline']:.3f}x", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scenario", default="idlib-2020")
    ap.add_argument("--runs", type=int, default=200_000)
    ap.add_argument("--days", type=int, default=60)
    ap.add_argument("--experiments", type=int, default=100)
    ap.add_argument("--skip", default="", help="comma-separated parts to skip: scaling, overhead, sweep")
    ap.add_argument("--baseline", help="a src folder of earlier code, to time the local flashpoint run against")
    ap.add_argument("--local-runs", type=int, default=50_000)
    a = ap.parse_args()
    skip = set(a.skip.split(","))
    s = flashpoint.load(a.scenario)
    job = {"runs": a.runs, "seed": 1, "days": a.days}
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; {a.scenario}, {a.runs:,} runs x {a.days} days",
          flush=True)
    run(s, runs=500, seed=1, days=a.days)                       # kernels compiled or loaded here

    spec = RunSpec.for_scenario(s, a.runs, 1, days=a.days, workers=2)
    block = next(spec.blocks())
    part = simulate(Variant(s).compile(), Variant(s), block)
    print(f"default block {spec.block_size:,} runs, {spec.n_blocks} tasks; one task's result "
          f"{len(pickle.dumps(part)) / 1024:.0f} KiB pickled", flush=True)

    lc1, c1 = cluster(1, s, a.days)
    if "overhead" not in skip:
        serial = timed("this process (SerialExecutor)", lambda: run(s, **job, workers=2, executor=SerialExecutor()))
        from distributed import get_task_stream

        with get_task_stream(client=c1) as ts:
            one = timed("1 Dask worker", lambda: run(s, **job, workers=2, executor=DaskExecutor(c1)))
        inside = sum(sum(x["stop"] - x["start"] for x in t["startstops"] if x["action"] == "compute")
                     for t in ts.data)
        print(f"per-task overhead: {100 * (one - serial) / serial:.1f}% against this process; "
              f"{100 * (one - inside) / one:.1f}% of the worker's wall time outside the tasks "
              f"({len(ts.data)} tasks and merges, {inside:.1f} s inside)", flush=True)
    elif "scaling" not in skip:
        one = timed("1 Dask worker", lambda: run(s, **job, workers=2, executor=DaskExecutor(c1)))
    c1.close()
    lc1.close()

    lc2, c2 = cluster(2, s, a.days)
    if "scaling" not in skip or "sweep" not in skip:
        results = {}

        def whole() -> None:
            results["r"] = run(s, **job, workers=2, executor=DaskExecutor(c2))

        two = timed("2 Dask workers", whole)
        merged = results.pop("r").job.accumulator
        print(f"the job's merged accumulator: {len(pickle.dumps(merged)) / 1024:.0f} KiB pickled; peak RSS of "
              f"each worker process: {', '.join(f'{v:.0f}' for v in c2.run(peak_rss_mib).values())} MiB",
              flush=True)
        if "scaling" not in skip:
            print(f"2 workers against 1: {one / two:.2f}x", flush=True)
    if "sweep" not in skip:
        per = a.runs // a.experiments
        plan = SweepPlan.build(s, design="lhs", params=["attrition-rate=0.01:0.03"], points=a.experiments,
                               runs=per, days=a.days, seed=1)
        spec = dataclasses.replace(plan.experiments()[0], workers=1)
        scenario, job = _job(spec)
        t0 = time.perf_counter()
        done = run_scenario(scenario, job)
        t1 = time.perf_counter()
        summary = _summary(spec, scenario, done)
        t2 = time.perf_counter()
        print(f"one experiment in this process: {t1 - t0:.2f} s of runs, {t2 - t1:.2f} s for its summary; "
              f"{len(pickle.dumps(spec)) / 1024:.0f} KiB sent (pickled), {len(pickle.dumps(summary)) / 1024:.1f} KiB "
              "back", flush=True)
        cpu = time.process_time()
        with tempfile.TemporaryDirectory() as tmp:
            sweep = timed(f"sweep {a.experiments} x {per:,} runs on 2 Dask workers",
                          lambda: run_sweep(plan, Path(tmp) / "sweep.nc", workers=2, executor=DaskExecutor(c2)))
        cpu = time.process_time() - cpu
        print(f"sweep against the same runs as one job: {sweep / two:.2f}x; this process (the client) used "
              f"{cpu:.1f} s of CPU, {1000 * cpu / a.experiments:.0f} ms per experiment", flush=True)
    c2.close()
    lc2.close()
    if a.baseline:
        local_runs(a.baseline, a.scenario, a.local_runs, a.days)


if __name__ == "__main__":
    main()
