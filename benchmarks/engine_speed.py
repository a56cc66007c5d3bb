"""Wall time and peak memory of the engine on many runs.

    python -m benchmarks.engine_speed --runs 10000 --days 60 --workers 2

Runs the scenario as users run it (``flashpoint.load(...).apply(...).run(...)``, its decisions
included) after a warm-up of one block in this process. Prints one JSON line with the wall time,
the user CPU time of this process and of its worker processes once they have ended (with
``--workers 1`` the job's own CPU time, which other work on a shared machine inflates less than
the wall time), the cost per run-day, and the peak resident memory of this process and of the
largest worker process (``resource.getrusage`` maxrss of self and of children).
"""

from __future__ import annotations

import json
import time

from benchmarks._common import job_parser, machine, peak_rss_mb, scenario_to_time, user_cpu_s


def main(argv: list[str] | None = None) -> dict:
    args = job_parser("python -m benchmarks.engine_speed", __doc__, runs=10_000, days=60, workers=1).parse_args(argv)

    s = scenario_to_time(args.scenario, args.interventions, decisions=not args.no_decisions)
    s.run(runs=250, seed=args.seed + 1, days=args.days)                   # warm-up: compile kernels
    t0, cpu0 = time.perf_counter(), user_cpu_s()
    results = s.run(runs=args.runs, seed=args.seed, days=args.days, workers=args.workers,
                    block_size=args.block_size)
    wall, cpu = time.perf_counter() - t0, user_cpu_s() - cpu0
    result = {
        "wall_s": round(wall, 3), "runs": args.runs, "days": args.days, "workers": args.workers,
        "block_size": results.job.spec.block_size, "scenario": args.scenario,
        "interventions": list(s.applied), "decisions": bool(s.decisions), "seed": args.seed,
        "user_cpu_s": round(cpu, 3), "runs_per_s": round(args.runs / wall, 1),
        "us_per_run_day": round(wall / (args.runs * args.days) * 1e6, 2),
        **peak_rss_mb(), **machine(),
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
