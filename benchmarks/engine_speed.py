"""Wall time and peak memory of the engine on many runs.

    python -m benchmarks.engine_speed --runs 10000 --days 60 --workers 2

Runs the scenario as users run it (``flashpoint.load(...).apply(...).run(...)``, its decisions
included) after a warm-up of one block in this process. Prints one JSON line with the wall time,
the cost per run-day, and the peak resident memory of this process and of the largest worker
process (``resource.getrusage`` maxrss of self and of children).
"""

from __future__ import annotations

import argparse
import json
import time

from benchmarks._common import machine, peak_rss_mb, scenario_to_time


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.engine_speed", description=__doc__.split("\n")[0])
    ap.add_argument("--scenario", default="idlib-2020", help="built-in scenario id or path to a scenario file")
    ap.add_argument("--with", dest="interventions", default="coalition-air-support",
                    help="comma-separated interventions to apply ('' for none)")
    ap.add_argument("--runs", type=int, default=10_000)
    ap.add_argument("--days", type=int, default=60)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--block-size", type=int, default=None)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-decisions", action="store_true", help="drop the scenario's decisions")
    args = ap.parse_args(argv)

    s = scenario_to_time(args.scenario, args.interventions, decisions=not args.no_decisions)
    s.run(runs=250, seed=args.seed + 1, days=args.days)                   # warm-up: compile kernels
    t0 = time.perf_counter()
    results = s.run(runs=args.runs, seed=args.seed, days=args.days, workers=args.workers,
                    block_size=args.block_size)
    wall = time.perf_counter() - t0
    result = {
        "wall_s": round(wall, 3), "runs": args.runs, "days": args.days, "workers": args.workers,
        "block_size": results.outcome.spec.block_size, "scenario": args.scenario,
        "interventions": list(s.applied), "decisions": bool(s.decisions), "seed": args.seed,
        "runs_per_s": round(args.runs / wall, 1),
        "us_per_run_day": round(wall / (args.runs * args.days) * 1e6, 2),
        **peak_rss_mb(), **machine(),
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
