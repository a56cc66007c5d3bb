"""The bounded-memory target: a million runs (or any number) streamed through the summaries.

    python -m benchmarks.engine_stream --runs 1000000 --days 60 --workers 2

Blocks of runs are simulated (in worker processes when ``--workers`` > 1) and folded into the
streaming summaries as they finish, keeping no trajectories, so memory must not grow with the
number of runs. After every block the resident memory (``VmRSS``) of this process and of each
worker is sampled; the JSON line printed at the end gives the wall time, the peak memory
(``getrusage`` maxrss) and the largest memory seen in the first and in the last tenth of the job,
which are equal up to noise when memory is bounded. Progress goes to stderr.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import sys
import time
from pathlib import Path

from benchmarks._common import job_parser, machine, peak_rss_mb, scenario_to_time


def rss_mb(pid: int | str = "self") -> float:
    """Current resident memory of a process, from /proc (0 if it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def main(argv: list[str] | None = None) -> dict:
    ap = job_parser("python -m benchmarks.engine_stream", __doc__, runs=1_000_000, days=60, workers=2)
    args = ap.parse_args(argv)

    s = scenario_to_time(args.scenario, args.interventions, decisions=not args.no_decisions)
    samples: list[tuple[int, float, float]] = []     # runs done, own MiB, largest worker MiB
    done = 0
    t0 = time.perf_counter()
    next_note = 0.0

    def progress(n: int) -> None:
        nonlocal done, next_note
        done += n
        workers = max((rss_mb(p.pid) for p in mp.active_children()), default=0.0)
        samples.append((done, rss_mb(), workers))
        if done / args.runs >= next_note:
            print(f"{done:>10} runs  {time.perf_counter() - t0:8.1f} s  self {samples[-1][1]:7.1f} MiB  "
                  f"worker {workers:7.1f} MiB", file=sys.stderr, flush=True)
            next_note += 0.05

    results = s.run(runs=args.runs, seed=args.seed, days=args.days, workers=args.workers,
                    block_size=args.block_size, progress=progress)
    wall = time.perf_counter() - t0

    def tenth(first: bool) -> dict[str, float]:
        cut = args.runs / 10
        part = [x for x in samples if (x[0] <= cut if first else x[0] > args.runs - cut)] or samples
        return {"self_mb": round(max(x[1] for x in part), 1), "worker_mb": round(max(x[2] for x in part), 1)}

    summary = results.summary()
    result = {
        "wall_s": round(wall, 1), "runs": args.runs, "days": args.days, "workers": args.workers,
        "block_size": results.job.spec.block_size, "scenario": args.scenario,
        "interventions": list(s.applied), "decisions": bool(s.decisions), "seed": args.seed,
        "runs_per_s": round(args.runs / wall, 1),
        "rss_first_tenth": tenth(True), "rss_last_tenth": tenth(False), **peak_rss_mb(),
        "outcomes": {k: round(v["p"], 5) for k, v in summary["outcomes"].items()},
        **machine(),
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
