"""Why a camp does not take a place: what happened there on every day it was not yet taken.

The engine's phases are stepped one day at a time (:mod:`flashpoint.engine.stepwise`) on the
scenario without its decision rules (the fighting as the forces and plans make it, no ceasefire or
withdrawal chosen on the way), and for each run and day in which ``camp`` does not yet hold a
place, the day is put in the first class that applies:

* ``attacked``: attackers of the camp go for it today, split by the force ratio arriving there
  (at most 1, between 1 and 2, at least 2; docs/model.md, "Advance and capture": no progress at 1
  or less);
* ``no_neighbour_held``: the camp holds no neighbouring place (the front has not reached it);
* ``no_attack_power``: the camp holds a neighbour, but has no formation able to attack there;
* ``below_min_ratio``: its best attack power from a neighbour, over the place's defence, is below
  the run's ``attack-min-ratio`` (the share of the threshold reached is kept);
* ``attacking_elsewhere``: the attackers at a neighbour go for another place (which one is counted);
* ``holding``: they could attack and do not (a plan that does not name the place, or a pause).

A day counts until the camp first holds the place; runs in which it holds it from the start are
counted apart and add no day.

``flashpoint stalls`` prints it; docs/validation.md reads the Idlib and Karabakh tables from it.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from flashpoint.engine.plan import TINY
from flashpoint.engine.rng import Streams
from flashpoint.engine.stepwise import air_phase, ground_phase, plan_attacks, start, update_rungs
from flashpoint.engine.strategy.escalation import ladder_rules
from flashpoint.engine.theatre import compile_theatre
from flashpoint.errors import FlashpointError
from flashpoint.scenario import Scenario, load

LABELS = {"attacked_ratio_at_most_1": "attacked r<=1", "attacked_ratio_1_to_2": "attacked 1<r<2",
          "attacked_ratio_at_least_2": "attacked r>=2", "no_neighbour_held": "no neighbour held",
          "no_attack_power": "no attack power", "below_min_ratio": "below attack-min-ratio",
          "attacking_elsewhere": "attacking elsewhere", "holding": "holding"}
"""Each class of day (module doc), in the order they are tried, with its short label for tables."""
CLASSES = tuple(LABELS)
MAX_RUNS = 5000
MAX_DAYS = 365     # the days are stepped from Python: a year, as a workbench request at most


def _check(s: Scenario, camp: str, places: list[str], runs: int, days: int) -> None:
    camps = list(s.camps)
    if camp not in camps:
        raise FlashpointError(f"--camp {camp!r}: not a camp of {s.meta.id}; expected one of {', '.join(camps)}")
    if not places:
        raise FlashpointError("--places: empty; expected one place id or more, separated by commas")
    for p in places:
        if p not in s.places:
            raise FlashpointError(f"--places: {p!r} is not a place of {s.meta.id}; expected ids such as "
                                  f"{', '.join(list(s.places)[:5])}")
    if not 1 <= runs <= MAX_RUNS:
        raise FlashpointError(f"--runs {runs}: expected 1 to {MAX_RUNS} (the days are stepped from Python)")
    if not 1 <= days <= MAX_DAYS:
        raise FlashpointError(f"--days {days}: expected 1 to {MAX_DAYS}")


def stalls(scenario: str | Scenario, camp: str, places: list[str], runs: int = 200, days: int | None = None,
           seed: int = 1) -> dict[str, Any]:
    """For each place of ``places``: the runs in which ``camp`` takes it (and the median day), and
    the days it did not hold it, by class (module doc)."""
    s = load(scenario) if isinstance(scenario, str) else scenario
    days = s.meta.horizon_days if days is None else days
    _check(s, camp, places, runs, days)
    th = compile_theatre(s.model_copy(update={"decisions": {}}))
    block = start(th, seed, runs)
    st, rng, ladder = block.st, Streams(seed, 0, runs), ladder_rules(th)
    c = th.camps.index(camp)
    ours = th.actor_camp
    idx = {p: th.places.index(p) for p in places}
    counts = {p: Counter() for p in places}
    pairs = {p: Counter() for p in places}
    share: dict[str, list[float]] = {p: [] for p in places}
    first = {p: np.where(ours[st.control[:, v]] == c, 0, -1) for p, v in idx.items()}   # 0: held at the start
    threshold = block.run.power.attack_min_ratio
    nbr = th.map.nbr
    for day in range(1, days + 1):
        st.day = day
        plan = plan_attacks(block)
        for p, v in idx.items():
            for r in range(runs):
                if first[p][r] >= 0:
                    continue          # held from the start, or taken already
                counts[p][_classify(r, v, c, th, st, plan, threshold, nbr, pairs[p], share[p])] += 1
        air_phase(block, rng, plan)
        ground_phase(block, rng, plan)
        update_rungs(ladder, st)
        for p, v in idx.items():
            first[p][(ours[st.control[:, v]] == c) & (first[p] < 0)] = day
    out = []
    for p in places:
        taken = first[p] > 0
        out.append({
            "place": p, "runs_held_at_start": int(np.sum(first[p] == 0)), "runs_taken": int(taken.sum()),
            "median_day_taken": float(np.median(first[p][taken])) if taken.any() else None,
            "days": {k: int(counts[p][k]) for k in CLASSES},
            "attacking_instead": {k: int(n) for k, n in pairs[p].most_common()},
            "median_share_of_min_ratio": float(np.median(share[p])) if share[p] else None,
        })
    return {"scenario": s.meta.id, "camp": camp, "runs": runs, "days": days, "seed": seed,
            "decisions": "removed: the fighting as forces and plans make it", "places": out}


def _classify(r, v, c, th, st, plan, threshold, nbr, pairs: Counter, share: list) -> str:
    """The class of run r's day at place v (module doc)."""
    ours = th.actor_camp
    if np.any(plan.ftarget[r] == v):
        ratio = plan.against[r, v] / max(plan.defence[r, v], TINY)
        return ("attacked_ratio_at_most_1" if ratio <= 1 else "attacked_ratio_1_to_2" if ratio < 2
                else "attacked_ratio_at_least_2")
    held = [int(u) for u in nbr[v] if u >= 0 and ours[st.control[r, u]] == c]
    if not held:
        return "no_neighbour_held"
    best = max(plan.attack[r, u] for u in held)
    if best <= 0:
        return "no_attack_power"
    ratio = best / max(plan.defence[r, v], TINY)
    if ratio < threshold[r]:
        share.append(ratio / threshold[r])
        return "below_min_ratio"
    busy = False
    for u in held:       # every place the attackers at u go for today
        for t in np.unique(plan.ftarget[r][(st.formations.place[r] == u) & plan.attacker[r]]):
            if t >= 0:
                pairs[f"{th.places[u]} -> {th.places[t]}"] += 1
                busy = True
    return "attacking_elsewhere" if busy else "holding"
