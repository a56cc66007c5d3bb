"""What a bargaining run costs, estimated before it starts, so that a table too large for the
machine is refused with a message instead of running for hours or running out of memory.

Both models hold arrays of actors^3 numbers (SMP: each actor's view of every pair's utilities;
BDM: every actor's vote on every pair) and loop in Python over actors or pairs. The time
constants below are the least-squares fit of ``benchmarks/bargain_cost.py`` (tables of 20 to 160
actors on a shared 2-core machine; results in benchmarks/RESULTS.md): an estimate is an order of
magnitude, not a promise (the same run took a third of the time on the same machine less loaded).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from flashpoint.errors import FlashpointError

SMP_MAX_STATES = 100
"""The most states the SMP runs (:func:`~.smp.run_smp`'s ``max_iterations``)."""

SMP_SECONDS_PER_ACTOR = 2e-3     # per state: Python loop over the actors, each step a few (n, n) array operations
SMP_SECONDS_PER_CUBE = 5e-7      # per state and actor^3: the (n, n, n) utility arrays
BDM_SECONDS_PER_PAIR = 2e-4      # per round and actor pair: offers, expected utilities, powers taken one by one
BDM_SECONDS_PER_CUBE = 1.5e-6    # per round and actor^3: the votes, summed one by one (reproducible order)
ARRAYS_OF_CUBE = 4               # actor^3 arrays alive at once (float64)

DEFAULT_MAX_SECONDS = 120.0
"""The longest estimated run started without ``--max-seconds`` (two minutes)."""


@dataclass(frozen=True)
class Cost:
    seconds: float
    bytes: float
    why: str                      # what the estimate grows with, for the message


def smp_cost(actors: int, dimensions: int) -> Cost:
    per_state = SMP_SECONDS_PER_ACTOR * actors + SMP_SECONDS_PER_CUBE * actors**3 * max(1, dimensions)
    return Cost(SMP_MAX_STATES * per_state, ARRAYS_OF_CUBE * 8.0 * actors**3 + 8.0 * SMP_MAX_STATES * actors * 3,
                f"{actors:,} actors, up to {SMP_MAX_STATES} states; time grows with actors^3")


def bdm_cost(actors: int, dimensions: int, rounds: int) -> Cost:
    per_round = BDM_SECONDS_PER_PAIR * actors**2 + BDM_SECONDS_PER_CUBE * actors**3
    history = 8.0 * (rounds + 1) * actors * (dimensions + 2)     # positions, risks, medians, means
    return Cost(dimensions * rounds * per_round, ARRAYS_OF_CUBE * 8.0 * actors**3 + history,
                f"{actors:,} actors x {rounds:,} rounds x {dimensions} dimension(s); time grows with "
                "actors^3 x rounds")


def available_memory() -> float:
    """Bytes of memory this machine can still give (MemAvailable on Linux; else all of it)."""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return float(line.split()[1]) * 1024
    try:
        return float(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return float("inf")


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:,.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:,.0f} minutes"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:,.0f} hours"
    return f"{seconds / 86400:,.3g} days"


def check_cost(cost: Cost, max_seconds: float, option: str = "--max-seconds") -> None:
    """Refuse a run that would not fit in memory, or would take longer than ``max_seconds``."""
    memory = available_memory()
    if cost.bytes > memory:
        raise FlashpointError(f"this bargaining run needs about {cost.bytes / 2**30:,.3g} GiB of memory "
                              f"({cost.why}); this machine has {memory / 2**30:,.3g} GiB available. "
                              "Use fewer actors or rounds")
    if cost.seconds > max_seconds:
        raise FlashpointError(f"this bargaining run would take about {_duration(cost.seconds)} ({cost.why}); "
                              f"runs estimated above {option} {max_seconds:g} s are refused: give "
                              f"{option} {math.ceil(cost.seconds * 2)} to run it anyway, or use fewer actors "
                              "or rounds")
