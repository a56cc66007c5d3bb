"""Time the vectorised engine against the Mesa reference on the same runs and days.

    python -m benchmarks.engine_vs_reference --runs 200 --days 30
    python -m benchmarks.engine_vs_reference --scenario tests/fixtures/small-air.toml --with "" --runs 1000

The engine is timed through the public API (``flashpoint.load(...).apply(...).run(...)``) after one
warm-up run of the same size (which compiles and caches its kernels); the reference is
``benchmarks.reference.run_reference``, one Mesa model per run. The reference plays the "everyone
keeps its course" strategy, so both are timed on the scenario without its ``[decisions]`` unless
``--keep-decisions`` is given (then only the engine plays them). Each is timed ``--repeat`` times
and its fastest time counts (the usual way to time code on a shared machine: the slower repeats
measure the other tenants); every time is printed too. Prints one JSON line.
"""

from __future__ import annotations

import json
import time

from benchmarks._common import job_parser, machine, scenario_to_time
from benchmarks.reference import run_reference


def main(argv: list[str] | None = None) -> dict:
    ap = job_parser("python -m benchmarks.engine_vs_reference", __doc__, runs=200, days=30)
    ap.add_argument("--repeat", type=int, default=3, help="times each is timed; the fastest counts")
    ap.add_argument("--keep-decisions", action="store_true",
                    help="let the engine play the scenario's decisions (the reference cannot)")
    args = ap.parse_args(argv)

    s = scenario_to_time(args.scenario, args.interventions, decisions=args.keep_decisions)
    s.run(runs=args.runs, seed=args.seed + 1, days=args.days)             # warm-up
    engine_times, reference_times = [], []
    for _ in range(max(1, args.repeat)):       # alternated, so both meet the same load
        t0 = time.perf_counter()
        s.run(runs=args.runs, seed=args.seed, days=args.days)
        engine_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        run_reference(s, args.runs, args.days, args.seed)
        reference_times.append(time.perf_counter() - t0)
    vectorised, reference = min(engine_times), min(reference_times)

    run_days = args.runs * args.days
    result = {
        "vectorised_s": round(vectorised, 4), "reference_s": round(reference, 3),
        "speedup": round(reference / vectorised, 1), "runs": args.runs, "days": args.days,
        "scenario": args.scenario, "interventions": list(s.applied), "seed": args.seed,
        "decisions": bool(s.decisions),
        "vectorised_us_per_run_day": round(vectorised / run_days * 1e6, 2),
        "reference_us_per_run_day": round(reference / run_days * 1e6, 1),
        "vectorised_all_s": [round(t, 4) for t in engine_times],
        "reference_all_s": [round(t, 3) for t in reference_times],
        **machine(),
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
