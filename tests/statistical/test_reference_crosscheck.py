"""The vectorised engine against the plainly written Mesa reference (``benchmarks.reference``).

Both implement the same daily rules; on small scenarios they must give the same distributions of
everything a run ends with. For each scenario we run ``N_REFERENCE`` futures of the reference and
``N_ENGINE`` of the engine (fixed seeds, independent random streams) and compare:

* every outcome's probability (Fisher's exact test on the 2 x 2 table of hits and misses);
* the highest escalation rung reached, and the camp holding each place at the end, and the number
  of places each camp holds on days 10 and 20 (chi-square test of homogeneity, or two-sample
  Kolmogorov-Smirnov for the counts);
* every loss ``actor.kind`` that is not always zero: the two-sample Kolmogorov-Smirnov test of the
  distributions and Welch's z for the means (two-sided p-value).

A quantity disagrees when a p-value falls below ``ALPHA``. With about 60 comparisons per scenario
a false alarm has a probability of well under 1%, while a changed rule (the sign of the Helmbold
exponent, the SEAD kill formula: see ``test_the_crosscheck_detects_a_changed_rule``) gives
p-values below 1e-10.

The reference reproduces the engine's known departures from its documented rules
(``ENGINE_DEVIATIONS``) in the main comparison, so that the rest stays checked; each departure
has its own strict expected failure below, which starts passing (and so fails) once the engine
follows its rule.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from benchmarks.reference import ENGINE_DEVIATIONS, run_reference
from benchmarks.reference import air as reference_air
from benchmarks.reference import ground as reference_ground
from scipy import stats

import flashpoint
from flashpoint.engine.runner import RunSpec, run_scenario
from flashpoint.scenario.schema import Scenario

pytestmark = pytest.mark.slow

FIXTURES = Path(__file__).parents[1] / "fixtures"
DAYS = 30
N_REFERENCE = 500
N_ENGINE = 5000
SEED_REFERENCE = 20240611
SEED_ENGINE = 7
ALPHA = 1e-4
SNAPSHOT_DAYS = (10, 20)

# quantities each scenario must really exercise, or the comparison would prove little
EXERCISED = {
    "minimal": ["redland.aircraft_lost", "blueland.personnel_killed", "redland.personnel_killed",
                "blueland.tanks_lost"],
    "small-air": ["redland.aircraft_lost", "blueland.aircraft_lost", "blueland.uav_lost",
                  "redland.air_defence_lost", "blueland.air_defence_lost", "redland.personnel_killed",
                  "blueland.personnel_killed", "redland.tanks_lost", "blueland.artillery_lost"],
}
UNCERTAIN_OUTCOMES = {"minimal": ["blue-holds-b"], "small-air": ["red-takes-b", "red-takes-c", "road-held"]}


@dataclass
class Sample:
    """What the runs of one implementation ended with."""

    outcomes: dict[str, np.ndarray]     # id -> (runs,) bool
    metrics: dict[str, np.ndarray]      # "actor.kind" -> (runs,)
    rung: np.ndarray                    # (runs,)
    camp_control: np.ndarray            # (runs, places) camp index
    held: np.ndarray                    # (runs, days + 1, camps)


@dataclass
class Comparison:
    quantity: str
    test: str
    p_value: float
    reference: float
    engine: float

    def __str__(self) -> str:
        return (f"{self.quantity:38s} {self.test:8s} p={self.p_value:9.3g}  "
                f"reference {self.reference:10.4g}  engine {self.engine:10.4g}")


def load(name: str) -> Scenario:
    return flashpoint.load(str(FIXTURES / f"{name}.toml"))


def engine_sample(scenario: Scenario, runs: int, seed: int) -> Sample:
    out = run_scenario(scenario, RunSpec(runs=runs, days=DAYS, seed=seed, trajectories=True))
    blocks = out.blocks
    return Sample(
        outcomes={k: np.concatenate([b.outcomes[k] for b in blocks]) for k in scenario.outcomes},
        metrics={k: np.concatenate([b.final.metrics[k] for b in blocks]) for k in blocks[0].final.metrics},
        rung=np.concatenate([b.final.rung for b in blocks]),
        camp_control=np.concatenate([b.final.camp_control for b in blocks]),
        held=np.concatenate([b.held for b in blocks]).astype(np.int64),
    )


def reference_sample(scenario: Scenario, runs: int, seed: int,
                     reproduce: frozenset[str] = frozenset(ENGINE_DEVIATIONS)) -> Sample:
    ref = run_reference(scenario, runs, DAYS, seed, reproduce=reproduce)
    camp_of = np.array([list(scenario.camps).index(a.camp) for a in scenario.actors.values()])
    return Sample(ref.outcomes, ref.metrics, ref.rung, camp_of[ref.control], ref.held)


@functools.cache
def engine_runs(name: str) -> Sample:
    return engine_sample(load(name), N_ENGINE, SEED_ENGINE)


def _chi2(quantity: str, a: np.ndarray, b: np.ndarray, n_values: int) -> Comparison:
    table = np.stack([np.bincount(a, minlength=n_values), np.bincount(b, minlength=n_values)])
    table = table[:, table.sum(axis=0) > 0]
    p = 1.0 if table.shape[1] < 2 else float(stats.chi2_contingency(table).pvalue)
    return Comparison(quantity, "chi2", p, float(a.mean()), float(b.mean()))


def compare(ref: Sample, eng: Sample) -> list[Comparison]:
    """Every comparison of the two samples, each with its p-value."""
    out = []
    for oid in ref.outcomes:
        a, b = ref.outcomes[oid], eng.outcomes[oid]
        table = [[int(a.sum()), int((~a).sum())], [int(b.sum()), int((~b).sum())]]
        out.append(Comparison(f"outcome {oid}", "fisher", float(stats.fisher_exact(table).pvalue),
                              float(a.mean()), float(b.mean())))
    n_rungs = int(max(ref.rung.max(), eng.rung.max())) + 1
    out.append(_chi2("highest rung", ref.rung, eng.rung, n_rungs))
    n_camps = ref.held.shape[2]
    for p in range(ref.camp_control.shape[1]):
        out.append(_chi2(f"camp holding place {p}", ref.camp_control[:, p], eng.camp_control[:, p], n_camps))
    for day in SNAPSHOT_DAYS:
        for c in range(n_camps):
            a, b = ref.held[:, day, c], eng.held[:, day, c]
            p = 1.0 if np.array_equal(np.unique(a), np.unique(b)) and len(np.unique(a)) == 1 \
                else float(stats.ks_2samp(a, b).pvalue)
            out.append(Comparison(f"places of camp {c} on day {day}", "ks", p, float(a.mean()), float(b.mean())))
    for key in ref.metrics:
        a, b = ref.metrics[key], eng.metrics[key]
        if not (a.any() or b.any()):
            continue
        out.append(Comparison(key, "ks", float(stats.ks_2samp(a, b).pvalue), float(a.mean()), float(b.mean())))
        se = math.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
        z = (a.mean() - b.mean()) / se if se > 0 else (0.0 if a.mean() == b.mean() else math.inf)
        out.append(Comparison(key, "mean z", float(2 * stats.norm.sf(abs(z))), float(a.mean()), float(b.mean())))
    return out


def disagreements(comparisons: list[Comparison]) -> list[Comparison]:
    return [c for c in comparisons if c.p_value < ALPHA]


def report(comparisons: list[Comparison]) -> str:
    return "\n".join(str(c) for c in comparisons)


@pytest.mark.parametrize("name", ["minimal", "small-air"])
def test_reference_and_engine_agree(name):
    scenario = load(name)
    ref, eng = reference_sample(scenario, N_REFERENCE, SEED_REFERENCE), engine_runs(name)
    for key in EXERCISED[name]:
        assert ref.metrics[key].mean() > 0 and eng.metrics[key].mean() > 0, f"{name} does not exercise {key}"
    for oid in UNCERTAIN_OUTCOMES[name]:
        assert 0.02 < eng.outcomes[oid].mean() < 0.98, f"{name}: outcome {oid} is not uncertain"
    comparisons = compare(ref, eng)
    assert len(comparisons) >= 10
    bad = disagreements(comparisons)
    assert not bad, f"{name}: the reference and the engine disagree on\n{report(bad)}\n\nall:\n{report(comparisons)}"


_LOSS_SHARES = reference_ground.loss_shares


def _helmbold_sign_flipped(ratio, rate, exponent, cap):
    """Attackers lose more the stronger they are, defenders less."""
    return _LOSS_SHARES(ratio, rate, -exponent, cap)


def _one_sortie_sead(aimed):
    """A battery killed as if by one sortie, whatever the number aimed at it."""
    return max((k for n, k in aimed if n > 0), default=0.0)


BREAKS = {
    "helmbold-exponent-sign": ("small-air", reference_ground, "loss_shares", _helmbold_sign_flipped,
                               {"blueland.personnel_killed", "redland.personnel_killed"}),
    "sead-kill-formula": ("small-air", reference_air, "sead_kill_probability", _one_sortie_sead,
                          {"redland.air_defence_lost", "blueland.air_defence_lost"}),
}


@pytest.mark.parametrize("rule", sorted(BREAKS))
def test_the_crosscheck_detects_a_changed_rule(rule, monkeypatch):
    name, module, function, changed, expected = BREAKS[rule]
    monkeypatch.setattr(module, function, changed)
    ref = reference_sample(load(name), N_REFERENCE, SEED_REFERENCE)
    bad = {c.quantity for c in disagreements(compare(ref, engine_runs(name)))}
    assert expected & bad, f"changing {rule} went unnoticed; disagreements: {sorted(bad)}"


@pytest.mark.xfail(strict=True, reason=ENGINE_DEVIATIONS["sead-exposure"])
def test_sead_sorties_face_every_battery_covering_their_target():
    """Red flies nothing but SEAD against a MANPADS covered by a strong SAM: by the documented rule
    the sorties aimed at the MANPADS also face the SAM, so Red loses more aircraft than if they
    faced the MANPADS alone."""
    s = load("small-air")
    forces = s.forces.model_copy(deep=True)
    forces.air["red-strike"].missions = {"sead": 1.0}
    forces.air["red-strike"].sead_kills = 0.0
    forces.air_defence["blue-sam"].missiles = 200
    forces.air_defence["blue-sam"].reload_per_day = 50
    scenario = s.model_copy(update={"forces": forces})
    ref = reference_sample(scenario, 300, SEED_REFERENCE, reproduce=frozenset())
    eng = engine_sample(scenario, 3000, SEED_ENGINE)
    lost = [c for c in compare(ref, eng) if c.quantity == "redland.aircraft_lost"]
    assert not disagreements(lost), report(lost)
