"""Many runs of the reference model: one model, with its own random generator, per run.

Run ``i`` of a job seeded ``seed`` draws from ``numpy.random.SeedSequence(seed, spawn_key=(i,))``,
so any run can be repeated alone. The results are plain arrays over runs, named like the engine's
(``outcomes[id]``, ``metrics["actor.kind"]``, ``control`` as actor indices, ``rung``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from benchmarks.reference.model import TheatreModel
from benchmarks.reference.outcomes import outcomes
from flashpoint.engine.theatre import CompiledTheatre, compile_theatre
from flashpoint.scenario.schema import Scenario


@dataclass
class ReferenceResults:
    outcomes: dict[str, np.ndarray]     # id -> (runs,) bool
    metrics: dict[str, np.ndarray]      # "actor.kind" -> (runs,)
    control: np.ndarray                 # (runs, places) actor holding each place at the end
    rung: np.ndarray                    # (runs,) highest escalation rung reached
    held: np.ndarray                    # (runs, days + 1, camps) places held by each camp, day 0 first


def run_model(theatre: CompiledTheatre, seed: int, run: int, days: int,
              reproduce: frozenset[str] = frozenset()) -> TheatreModel:
    """Run ``run`` of a job: a model stepped ``days`` days."""
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(run,))))
    model = TheatreModel(theatre, rng, reproduce)
    for _ in range(days):
        model.step()
    return model


def run_reference(scenario: Scenario, runs: int, days: int, seed: int,
                  reproduce: frozenset[str] = frozenset(), theatre: CompiledTheatre | None = None) -> ReferenceResults:
    """Simulate ``runs`` futures of ``scenario`` for ``days`` days with the reference model
    (everyone keeps its course: the scenario's ``[decisions]`` are not played)."""
    th = theatre or compile_theatre(scenario)
    found: dict[str, list] = {oid: [] for oid in scenario.outcomes}
    metrics: dict[str, list] = {}
    control, rung, held = [], [], []
    for i in range(runs):
        m = run_model(th, seed, i, days, reproduce)
        for oid, hit in outcomes(m).items():
            found[oid].append(hit)
        for key, value in m.metrics().items():
            metrics.setdefault(key, []).append(value)
        control.append(list(m.control))
        rung.append(m.rung)
        held.append(m.datacollector.model_vars["held"])
    return ReferenceResults(
        outcomes={oid: np.array(v, dtype=bool) for oid, v in found.items()},
        metrics={k: np.array(v, dtype=float) for k, v in metrics.items()},
        control=np.array(control, dtype=np.int64).reshape(runs, th.n_places),
        rung=np.array(rung, dtype=np.int64),
        held=np.array(held, dtype=np.int64).reshape(runs, days + 1, len(th.camps)),
    )
