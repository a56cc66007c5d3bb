"""Time the bargaining models against the number of actors, to set the constants of
``engine/strategy/bargaining/cost.py`` (the estimate that refuses tables too large to run).

    python -m benchmarks.bargain_cost [--sizes 20 40 80 160]

Prints, per size, the seconds per SMP state and per BDM round, and the least-squares fit of
``a n + b n^3`` (SMP) and ``a n^2 + b n^3`` (BDM) to compare with the constants in cost.py.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

from flashpoint.engine.strategy.bargaining import IssueTable, run_bdm, run_smp
from flashpoint.engine.strategy.bargaining.cost import (
    BDM_SECONDS_PER_CUBE,
    BDM_SECONDS_PER_PAIR,
    SMP_SECONDS_PER_ACTOR,
    SMP_SECONDS_PER_CUBE,
)


def random_table(n: int, fmt: str, seed: int = 1) -> IssueTable:
    rng = np.random.default_rng(seed)
    return IssueTable(actors=tuple(f"a{i}" for i in range(n)), capability=rng.uniform(1, 100, n),
                      positions=rng.uniform(0, 100, (n, 1)), salience=rng.uniform(0.01, 1, (n, 1)),
                      dimensions=("d",), scale=(0.0, 100.0), format=fmt)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20, 40, 80, 160])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    smp, bdm = [], []
    warnings.simplefilter("ignore", RuntimeWarning)
    for n in args.sizes:
        t0 = time.perf_counter()
        r = run_smp(random_table(n, "ktab"))
        per_state = (time.perf_counter() - t0) / r.n_states
        t0 = time.perf_counter()
        run_bdm(random_table(n, "bdm"), rounds=args.rounds)
        per_round = (time.perf_counter() - t0) / args.rounds
        smp.append(per_state)
        bdm.append(per_round)
        print(f"n={n:5d}  SMP {per_state:8.3f} s/state ({r.n_states} states)   BDM {per_round:8.3f} s/round")
    n = np.array(args.sizes, dtype=float)
    a, b = np.linalg.lstsq(np.stack([n, n**3], axis=1), np.array(smp), rcond=None)[0]
    print(f"SMP fit: {a:.2e} n + {b:.2e} n^3 s per state  (cost.py: {SMP_SECONDS_PER_ACTOR:.1e}, "
          f"{SMP_SECONDS_PER_CUBE:.1e})")
    a, b = np.linalg.lstsq(np.stack([n**2, n**3], axis=1), np.array(bdm), rcond=None)[0]
    print(f"BDM fit: {a:.2e} n^2 + {b:.2e} n^3 s per round (cost.py: {BDM_SECONDS_PER_PAIR:.1e}, "
          f"{BDM_SECONDS_PER_CUBE:.1e})")


if __name__ == "__main__":
    main()
