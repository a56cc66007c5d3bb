"""The Python API: ``flashpoint.load("idlib-2020").apply("coalition-air-support").run(runs=10_000, seed=1)``.

:func:`load` returns a :class:`Study`: the validated scenario (every field of
:class:`~flashpoint.scenario.schema.Scenario`, which it is) with the verbs that run it. The
functions below take either.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flashpoint.analysis.results import Results
from flashpoint.analysis.results import run as _run
from flashpoint.analysis.sensitivity import SensitivityResult
from flashpoint.analysis.sensitivity import sensitivity as _sensitivity
from flashpoint.engine.dask_executor import as_executor
from flashpoint.engine.executor import Executor
from flashpoint.report.build import report as _report
from flashpoint.scenario import Scenario, builtin_names
from flashpoint.scenario import load as _load


class Study(Scenario):
    """A scenario with the verbs that run it: ``apply``, ``run`` and ``sensitivity``."""

    @classmethod
    def of(cls, scenario: Scenario) -> Study:
        """The same scenario (not validated again) as a :class:`Study`."""
        if isinstance(scenario, cls):
            return scenario
        return cls.model_construct(_fields_set=scenario.model_fields_set,
                                   **{name: getattr(scenario, name) for name in Scenario.model_fields})

    def apply(self, *names: str) -> Study:
        """A copy of the scenario with the named interventions applied, in order."""
        return Study.of(super().apply(*names))

    def run(self, runs: int = 10_000, seed: int = 1, **options) -> Results:
        """Simulate futures of this scenario; see :func:`run` for the options."""
        return run(self, runs=runs, seed=seed, **options)

    def sensitivity(self, target: str, method: str = "sobol", **options) -> SensitivityResult:
        """Global sensitivity of an outcome or metric to this scenario's uncertain inputs; see
        :func:`flashpoint.analysis.sensitivity.sensitivity` for the options."""
        return _sensitivity(self, target, method=method, **options)


def load(name_or_path: str) -> Study:
    """A built-in scenario by id, or a scenario file by path, validated."""
    return Study.of(_load(name_or_path))


def run(scenario: Scenario, runs: int = 10_000, seed: int = 1, days: int | None = None,
        block_size: int | None = None, workers: int = 1, set: dict[str, float] | None = None,  # noqa: A002
        trajectories: bool = False, keep_runs: bool = False, quantiles: dict | None = None,
        progress: Callable[[int], None] | None = None, executor: Executor | Any | None = None) -> Results:
    """Simulate ``runs`` futures of the scenario and return :class:`~flashpoint.analysis.results.Results`
    (``workers`` local processes, or any ``executor``: an :class:`~flashpoint.engine.executor.Executor`
    or a ``dask.distributed.Client``, whose cluster then runs the blocks)."""
    return _run(scenario, runs=runs, seed=seed, days=days, block_size=block_size, workers=workers, set=set,
                trajectories=trajectories, keep_runs=keep_runs, quantiles=quantiles, progress=progress,
                executor=executor)


def report(scenario: str | Scenario, with_: list[str] | tuple[str, ...] = (), runs: int = 3000, seed: int = 1,
           out: str = "report.html", days: int | None = None, workers: int = 1, png: str | None = None,
           executor: Executor | Any | None = None):
    """Write the self-contained HTML report comparing ``scenario`` without and with the interventions
    ``with_`` (a built-in id, a file, or a loaded scenario) and return its path; ``png`` also writes
    each figure as a PNG into that folder (needs Chromium); ``executor`` as for :func:`run`. See docs/report.md."""
    return _report(scenario, with_=list(with_), runs=runs, seed=seed, out=out, days=days, workers=workers, png=png,
                   executor=as_executor(executor))


__all__ = ["Scenario", "Study", "builtin_names", "load", "report", "run"]
