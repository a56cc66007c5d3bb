"""A sweep of E experiments of R runs against the same E x R runs as one ``flashpoint run``.

Both are timed as the commands a user types (wall time of the whole process, start-up included),
each once, one after the other, with the same scenario, days, seed and workers. The sweep varies
one model parameter over a Latin hypercube of E points so that each experiment is a job of its own
(its own theatre, its own summary); the work per run is the same as the single job's. Prints one
Markdown row for benchmarks/RESULTS.md with the load average (1, 5, 15 minutes) before each.

    nice python -m benchmarks.sweep_vs_run --experiments 100 --runs 2000 --days 60
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(cmd: list[str]) -> tuple[float, str]:
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0, load


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scenario", default="idlib-2020")
    ap.add_argument("--experiments", type=int, default=100)
    ap.add_argument("--runs", type=int, default=2000, help="runs per experiment")
    ap.add_argument("--days", type=int, default=60)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--param", default="attrition-rate=0.01:0.03")
    a = ap.parse_args()
    fp = [sys.executable, "-c", "from flashpoint.cli import app; app()"]
    common = ["--days", str(a.days), "--seed", "1", "--workers", str(a.workers)]
    total = a.experiments * a.runs
    with tempfile.TemporaryDirectory() as tmp:
        run_s, run_load = timed([*fp, "run", a.scenario, "--runs", str(total), "--out", tmp, *common])
        sweep_s, sweep_load = timed([*fp, "sweep", a.scenario, "--param", a.param, "--design", "lhs",
                                     "--points", str(a.experiments), "--runs", str(a.runs),
                                     "--out", str(Path(tmp) / "sweep.nc"), *common])
    print(f"| `{a.experiments} experiments x {a.runs:,} runs, {a.days} days, {a.workers} workers` "
          f"| {run_load} | {run_s:.1f} s | {sweep_load} | {sweep_s:.1f} s | {sweep_s / run_s:.2f}x |")


if __name__ == "__main__":
    main()
