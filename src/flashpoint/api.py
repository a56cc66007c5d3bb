"""The Python API: ``flashpoint.load("idlib-2020").apply("coalition-air-support").run(runs=10_000, seed=1)``."""

from __future__ import annotations

from collections.abc import Callable

from flashpoint.scenario import Scenario, builtin_names
from flashpoint.scenario import load as _load


def load(name_or_path: str) -> Scenario:
    """A built-in scenario by id, or a scenario file by path, validated."""
    return _load(name_or_path)


def run(scenario: Scenario, runs: int = 10_000, seed: int = 1, days: int | None = None,
        block_size: int | None = None, workers: int = 1, set: dict[str, float] | None = None,  # noqa: A002
        trajectories: bool = False, keep_runs: bool = False, quantiles: dict | None = None,
        progress: Callable[[int], None] | None = None):
    """Simulate ``runs`` futures of the scenario and return :class:`~flashpoint.analysis.results.Results`."""
    from flashpoint.analysis.results import Results
    from flashpoint.engine.runner import RunSpec, run_scenario

    spec = RunSpec(runs=runs, days=scenario.meta.horizon_days if days is None else days, seed=seed,
                   block_size=block_size, workers=workers, overrides=set,
                   trajectories=trajectories, keep_runs=keep_runs, quantiles=quantiles)
    outcome = run_scenario(scenario, spec, progress)
    return Results(outcome, scenario.meta.id, list(scenario.applied))


def report(scenario: str | Scenario, with_: list[str] | tuple[str, ...] = (), runs: int = 3000, seed: int = 1,
           out: str = "report.html", days: int | None = None, workers: int = 1, png: str | None = None):
    """Write the self-contained HTML report comparing ``scenario`` without and with the interventions
    ``with_`` (a built-in id, a file, or a loaded scenario) and return its path; ``png`` also writes
    each figure as a PNG into that folder (needs Chromium). See docs/report.md."""
    from flashpoint.report.build import report as _report

    return _report(scenario, with_=list(with_), runs=runs, seed=seed, out=out, days=days, workers=workers, png=png)


__all__ = ["Scenario", "builtin_names", "load", "report", "run"]
