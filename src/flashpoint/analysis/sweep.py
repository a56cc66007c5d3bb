"""Sweeps: many experiments over model parameters and intervention sets, one dataset.

An **experiment** is one job of ``runs`` futures of a scenario with a set of interventions
applied and some model parameters fixed (as ``--set NAME=VALUE`` fixes them). A **design** places
the experiments in the box given by ``--param NAME=LOW:HIGH``, each parameter a level u in [0, 1]
mapped to LOW + u (HIGH - LOW):

- ``grid``: every combination of ``points`` evenly spaced levels (0, 1/(points-1), ..., 1) per
  parameter, points^D experiments;
- ``lhs``: a Latin hypercube of ``points`` experiments (McKay, Beckman and Conover 1979,
  Technometrics 21; ``scipy.stats.qmc.LatinHypercube``), each parameter's range cut into ``points``
  equal strata with one experiment in each;
- ``sobol``: Saltelli's scheme (``SALib.sample.sobol``, first and total order, Saltelli et al.
  2010, Comput. Phys. Commun. 181) on ``points`` base samples, points x (D + 3) experiments: the
  design carries one more variable, a dummy the engine never reads, whose index measures what
  the runs' chance alone gives (as in :mod:`flashpoint.analysis.sensitivity`), so that
  ``flashpoint sensitivity --from-sweep`` can analyse the sweep.

Every design point is run once with each intervention set (``--with-sets "a;a,b;-"``, ``-`` for
none), the sets outermost. Every experiment uses the same seed, so the experiments share their
random numbers (common random numbers): two experiments differ by their inputs, not by chance.

Each experiment is one call of :func:`run_experiment` (a picklable :class:`ExperimentSpec` in, a
small JSON-ready summary out): the unit an executor maps over. A finished experiment is written at
once, atomically, as one small file in a folder beside the output (``<out>.parts/``); the dataset
is built from these files when every experiment is done, so an interrupted sweep keeps what
finished and ``--resume`` runs only the rest. The dataset (:func:`to_dataset`) is indexed by
experiment and holds the inputs (``interventions``, ``parameters``) and every outcome's
probability, every metric's mean and quantiles, and every decision's share: EMA Workbench's
experiments and outcomes tables in one file (:func:`flashpoint.analysis.sweep_read.to_ema` gives
that pair).
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import math
import os
import shutil
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from SALib.sample import sobol
from scipy.stats import qmc

from flashpoint.analysis.results import Results
from flashpoint.engine.dask_executor import as_executor
from flashpoint.engine.executor import Executor, local_executor
from flashpoint.engine.runner import JobResult, RunSpec, run_jobs, run_scenario
from flashpoint.engine.theatre import default_parameters
from flashpoint.errors import FlashpointError
from flashpoint.outputs import json_text
from flashpoint.version import __version__

DESIGNS = ("grid", "lhs", "sobol")
NONE = "-"                  # the intervention set with no intervention
DUMMY = "(dummy: no input)"
SWEEP_FORMAT = "1"
MAX_EXPERIMENTS = 1_000_000


# ------------------------------------------------------------------------------ the plan
@dataclass(frozen=True)
class ParamRange:
    """A model parameter varied between ``low`` and ``high``."""

    name: str
    low: float
    high: float

    def value(self, level: float) -> float:
        return float(self.low + level * (self.high - self.low))


def parse_param(text: str) -> tuple[str, float, float]:
    """``NAME=LOW:HIGH`` as (name, low, high); a clear message for anything else."""
    name, sep, rng = text.partition("=")
    lo_text, colon, hi_text = rng.partition(":")
    if not sep or not colon or not name.strip():
        raise FlashpointError(f"--param {text!r}: write NAME=LOW:HIGH, e.g. --param attrition-rate=0.01:0.03")
    try:
        lo, hi = float(lo_text), float(hi_text)
    except ValueError:
        raise FlashpointError(f"--param {text!r}: LOW and HIGH must be numbers") from None
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo >= hi:
        raise FlashpointError(f"--param {text!r}: LOW must be below HIGH, both finite")
    return name.strip(), lo, hi


def parse_sets(text: str | None) -> list[tuple[str, ...]]:
    """``"a;a,b;-"`` as [("a",), ("a", "b"), ()]; None gives the one set with no intervention."""
    if text is None:
        return [()]
    sets = []
    for part in text.split(";"):
        part = part.strip()
        if part == NONE:
            sets.append(())
            continue
        names = tuple(n.strip() for n in part.split(","))
        if not part or any(not n for n in names):
            raise FlashpointError(f"--with-sets {text!r}: an empty set; write sets as \"a;a,b;-\" "
                                  f"(';' between sets, ',' within one, '{NONE}' for none)")
        sets.append(names)
    if len(set(sets)) != len(sets):
        raise FlashpointError(f"--with-sets {text!r}: a set is given twice")
    return sets


def set_label(names: tuple[str, ...]) -> str:
    return ",".join(names) if names else NONE


def model_parameters(scenario) -> dict:
    """The model parameters as ``--set`` knows them: the engine's defaults under the scenario's."""
    params = default_parameters()
    params.update(scenario.parameters)
    return params


def check_params(scenario, items: list[str]) -> list[ParamRange]:
    """The ``--param`` ranges, each a known model parameter within its allowed limits."""
    params = model_parameters(scenario)
    out: list[ParamRange] = []
    for item in items:
        name, lo, hi = parse_param(item)
        if name not in params:
            raise FlashpointError(f"--param {item!r}: unknown model parameter '{name}'; known: "
                                  f"{', '.join(sorted(params))}")
        low, high = params[name].limits()
        if lo < low or hi > high:
            raise FlashpointError(f"--param {item!r}: outside the range allowed for {name}, [{low:g}, {high:g}]")
        if any(p.name == name for p in out):
            raise FlashpointError(f"--param {name}: given twice")
        out.append(ParamRange(name, lo, hi))
    return out


def check_design(design: str, points: int | None, n_params: int) -> int:
    """The number of design points (rows before the intervention sets); clear errors."""
    if design not in DESIGNS:
        raise FlashpointError(f"--design {design}: unknown; use one of {', '.join(DESIGNS)}")
    if n_params == 0:
        return 1
    if points is None:
        raise FlashpointError(f"--points: needed with --param (design {design}: "
                              + {"grid": "levels per parameter", "lhs": "experiments",
                                 "sobol": "base samples, a power of 2"}[design] + ")")
    least = {"grid": 2, "lhs": 2, "sobol": 2}[design]
    if points < least:
        raise FlashpointError(f"--points {points}: design {design} needs at least {least}")
    if design == "sobol" and points & (points - 1):
        lower = 1 << (points.bit_length() - 1)
        raise FlashpointError(f"--points {points}: Sobol' sequences need a power of 2 base samples, "
                              f"e.g. {lower} or {2 * lower}")
    n = {"grid": points ** n_params, "lhs": points, "sobol": points * (n_params + 3)}[design]
    if n > MAX_EXPERIMENTS:
        raise FlashpointError(f"--points {points}: design {design} with {n_params} parameters gives {n:,} "
                              f"experiments, more than {MAX_EXPERIMENTS:,}")
    return n


def design_levels(design: str, points: int | None, n_params: int, seed: int) -> np.ndarray:
    """The design's levels in [0, 1], one row per design point, one column per parameter (and the
    dummy last, for ``sobol``). The same arguments give the same levels on every machine."""
    if n_params == 0:
        return np.zeros((1, 0))
    if design == "grid":
        axis = np.linspace(0.0, 1.0, points)
        return np.array(list(itertools.product(axis, repeat=n_params)), dtype=float)
    if design == "lhs":
        return qmc.LatinHypercube(d=n_params, rng=np.random.default_rng(seed)).random(points)

    names = [f"x{i}" for i in range(n_params + 1)]
    prob = {"num_vars": n_params + 1, "names": names, "bounds": [[0.0, 1.0]] * (n_params + 1)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # SALib's reminders about powers of 2 and skip_values
        return sobol.sample(prob, points, calc_second_order=False, seed=seed)


@dataclass(frozen=True)
class ExperimentSpec:
    """One experiment, everything a worker needs (picklable): the scenario as loaded (before the
    interventions), the interventions to apply, the parameters to fix, and the run's size."""

    index: int
    scenario: Any
    interventions: tuple[str, ...]
    parameters: dict[str, float]
    runs: int
    days: int
    seed: int
    workers: int = 1


@dataclass
class SweepPlan:
    """A sweep's design, checked: which experiments to run, in which order."""

    scenario: Any
    design: str
    params: list[ParamRange]
    sets: list[tuple[str, ...]]
    points: int | None
    runs: int
    days: int
    seed: int

    @classmethod
    def build(cls, scenario, design: str = "lhs", params: list[str] | None = None, with_sets: str | None = None,
              points: int | None = None, runs: int = 2000, days: int | None = None, seed: int = 1) -> SweepPlan:
        """Validate the user's options once, at the edge."""
        design = design.lower()
        ranges = check_params(scenario, list(params or []))
        n = check_design(design, points, len(ranges))
        sets = parse_sets(with_sets)
        for names in sets:
            scenario.apply(*names)   # unknown or conflicting interventions fail here, before any run
        days = scenario.meta.horizon_days if days is None else days
        _check_job(scenario, runs, days, seed)
        if n * len(sets) > MAX_EXPERIMENTS:
            raise FlashpointError(f"{n * len(sets):,} experiments: more than {MAX_EXPERIMENTS:,}")
        return cls(scenario, design, ranges, sets, points if ranges else None, runs, days, seed)

    @property
    def levels(self) -> np.ndarray:
        return design_levels(self.design, self.points, len(self.params), self.seed)

    def experiments(self) -> list[ExperimentSpec]:
        levels = self.levels
        out = []
        for names in self.sets:
            for row in levels:
                values = {p.name: p.value(u) for p, u in zip(self.params, row, strict=False)}
                out.append(ExperimentSpec(len(out), self.scenario, names, values, self.runs, self.days, self.seed))
        return out

    def describe(self) -> dict[str, Any]:
        """What identifies the sweep: a resumed sweep must match it exactly."""
        return {"format": SWEEP_FORMAT, "version": __version__, "scenario": self.scenario.meta.id,
                "scenario_sha256": hashlib.sha256(self.scenario.to_toml().encode()).hexdigest(),
                "base_interventions": list(self.scenario.applied), "design": self.design,
                "params": [[p.name, p.low, p.high] for p in self.params], "points": self.points,
                "with_sets": [list(s) for s in self.sets], "runs": self.runs, "days": self.days, "seed": self.seed}


# ------------------------------------------------------------------------------ one experiment
# The engine's side of a sweep: the only functions that call engine.runner. Experiments are jobs
# of the runner's executor seam: a group of them goes through one executor at a time (one pool
# serves the group, its workers taking whichever experiment's blocks are left), and each
# experiment's summary is written as soon as its group is done.
def _check_job(scenario, runs: int, days: int, seed: int) -> None:
    """Each experiment's runs, days and seed, checked as ``flashpoint run`` checks them."""
    RunSpec.for_scenario(scenario, runs=runs, seed=seed, days=days)


def _job(spec: ExperimentSpec) -> tuple[Any, RunSpec]:
    scenario = spec.scenario.apply(*spec.interventions) if spec.interventions else spec.scenario
    return scenario, RunSpec.for_scenario(scenario, runs=spec.runs, seed=spec.seed, days=spec.days,
                                          workers=spec.workers, overrides=dict(spec.parameters) or None)


def _summary(spec: ExperimentSpec, scenario, job: JobResult) -> dict[str, Any]:
    """An experiment's summary: every outcome's probability and 95% interval, every metric's mean
    and quantiles, every decision option's share (JSON-ready). The settlement is not among them, so
    the summary is made without it: the bargaining model behind it took 1.26 s of an experiment of
    2,000 runs whose runs took 1.06 s (benchmarks/RESULTS.md, "The Dask executor")."""
    summary = Results(job, scenario.meta.id, list(scenario.applied)).summary(settlement=False)
    return {"index": spec.index, "interventions": list(spec.interventions), "parameters": spec.parameters,
            "runs": summary["runs"],
            "outcomes": {k: {"p": v["p"], "ci95": v["ci95"]} for k, v in summary["outcomes"].items()},
            "metrics": summary["metrics"],
            "decisions": {f"{actor}.{option}": share for actor, options in summary["decisions"].items()
                          for option, share in options.items()}}


def run_experiment(spec: ExperimentSpec, executor: Executor | None = None) -> dict[str, Any]:
    """Run one experiment and return its summary (see :func:`_summary`)."""
    scenario, run = _job(spec)
    return _summary(spec, scenario, run_scenario(scenario, run, executor=executor))


def _map_experiments(specs: list[ExperimentSpec], workers: int, take: Callable[[dict], None],
                     executor: Executor | None = None) -> None:
    """Run every experiment and ``take`` each summary when its group of ``2 x workers``
    experiments is done: on ``workers`` local processes (one pool per group, whose workers take
    whichever experiment's blocks are left), or with ``executor`` (a cluster's) each experiment
    as one call of :meth:`~flashpoint.engine.executor.Executor.map_calls`. The numbers do not
    depend on the grouping, the executor or the workers."""
    group = max(1, 2 * (workers if executor is None else executor.workers))
    for lo in range(0, len(specs), group):
        if executor is not None:
            # on a cluster, an experiment is one task, run whole where it lands (its blocks one after
            # another) and summarised there: the summary is computed on the workers and only its few
            # KiB travel back
            chunk = [dataclasses.replace(spec, workers=1) for spec in specs[lo:lo + group]]
            for part in executor.map_calls(run_experiment, [(spec,) for spec in chunk]):
                take(part)
            continue
        chunk = [dataclasses.replace(spec, workers=workers) for spec in specs[lo:lo + group]]
        jobs = [_job(spec) for spec in chunk]
        local = local_executor(min(workers, sum(run.n_blocks for _, run in jobs)))
        for spec, (scenario, _), job in zip(chunk, jobs, run_jobs(jobs, local), strict=True):
            take(_summary(spec, scenario, job))


# ------------------------------------------------------------------------------ files
def parts_folder(out: Path) -> Path:
    return out.with_name(out.name + ".parts")


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _read_parts(folder: Path, n: int) -> dict[int, dict]:
    done = {}
    for path in sorted(folder.glob("experiment-*.json")):
        try:
            part = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise FlashpointError(f"{path}: unreadable part of an interrupted sweep ({exc}); delete it "
                                  "and resume again to run that experiment anew") from None
        if not 0 <= part.get("index", -1) < n:
            raise FlashpointError(f"{path}: not an experiment of this sweep")
        done[part["index"]] = part
    return done


def run_sweep(plan: SweepPlan, out: str | Path, workers: int = 1, resume: bool = False,
              progress: Callable[..., None] | None = None, executor: Executor | None = None) -> xr.Dataset:
    """Run the plan's experiments and write the dataset to ``out`` (NetCDF); return it.

    Finished experiments are kept in ``<out>.parts/`` until the dataset is written, so that an
    interrupted sweep can be finished with ``resume=True`` (the plan must be the same). ``progress(n,
    total)`` is told after each finished experiment. ``executor``: where the runs are simulated
    (default: ``workers`` local processes)."""
    out, executor = Path(out), as_executor(executor)
    if out.suffix != ".nc":
        raise FlashpointError(f"--out {out}: the sweep is written as NetCDF; give a file name ending in .nc")
    if not out.parent.is_dir():
        raise FlashpointError(f"--out {out}: the folder {out.parent} does not exist")
    if out.exists():
        raise FlashpointError(f"--out {out}: the file exists; choose another name or delete it")
    folder = parts_folder(out)
    specs = plan.experiments()
    described = json.dumps(plan.describe(), indent=1, sort_keys=True)
    if folder.exists():
        if not resume:
            raise FlashpointError(f"{folder}: an interrupted sweep is there; add --resume to finish it, or "
                                  "delete the folder to start again")
        try:
            before = (folder / "plan.json").read_text(encoding="utf-8")
        except OSError:
            raise FlashpointError(f"{folder}: no plan.json; not the parts of a sweep (delete the folder)") from None
        if before != described:
            diff = [k for k, v in json.loads(before).items() if plan.describe().get(k) != v]
            raise FlashpointError(f"--resume: the sweep in {folder} was started with other options "
                                  f"({', '.join(diff) or 'format'} differ); use the same command, or delete the "
                                  "folder to start again")
    else:
        folder.mkdir()
        _write_atomic(folder / "plan.json", described)
    done = _read_parts(folder, len(specs))
    todo = [s for s in specs if s.index not in done]
    if progress and done:
        progress(len(done))

    def take(part: dict) -> None:
        _write_atomic(folder / f"experiment-{part['index']:07d}.json", json_text(part, indent=None))
        done[part["index"]] = part
        if progress:
            progress(1)

    _map_experiments(todo, workers, take, executor)
    # no timing or date in the file: the same command gives the same bytes
    ds = to_dataset(plan, [done[i] for i in range(len(specs))])
    tmp = out.with_name(f".{out.name}.tmp")
    try:
        ds.to_netcdf(tmp)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    shutil.rmtree(folder)
    return ds


# ------------------------------------------------------------------------------ the dataset
def _union(parts: list[dict], key: str) -> list[str]:
    seen: dict[str, None] = {}
    for part in parts:
        seen.update(dict.fromkeys(part[key]))
    return list(seen)


def to_dataset(plan: SweepPlan, parts: list[dict]) -> xr.Dataset:
    """The experiments' summaries as one Dataset indexed by ``experiment``. Outcomes, metrics and
    decisions are the union over the experiments (an intervention may add an actor's forces or
    decisions); a value an experiment does not have is NaN."""
    n = len(parts)
    outcomes, metrics, decisions = _union(parts, "outcomes"), _union(parts, "metrics"), _union(parts, "decisions")
    stats = list(next(iter(parts[0]["metrics"].values()), {"mean": 0}).keys()) if parts else ["mean"]
    p = np.full((n, len(outcomes)), np.nan)
    ci = np.full((n, len(outcomes), 2), np.nan)
    m = np.full((n, len(metrics), len(stats)), np.nan)
    d = np.full((n, len(decisions)), np.nan)
    for i, part in enumerate(parts):
        for j, o in enumerate(outcomes):
            if o in part["outcomes"]:
                p[i, j] = part["outcomes"][o]["p"]
                ci[i, j] = part["outcomes"][o]["ci95"]
        for j, k in enumerate(metrics):
            if k in part["metrics"]:
                m[i, j] = [np.nan if part["metrics"][k][s] is None else part["metrics"][k][s] for s in stats]
        for j, k in enumerate(decisions):
            d[i, j] = part["decisions"].get(k, np.nan)
    names = [q.name for q in plan.params]
    values = np.array([[part["parameters"][q] for q in names] for part in parts], dtype=float).reshape(n, len(names))
    return xr.Dataset(
        {
            "interventions": ("experiment", np.array([set_label(tuple(x["interventions"])) for x in parts],
                                                     dtype=object)),
            "parameters": (("experiment", "parameter"), values),
            "outcome_p": (("experiment", "outcome"), p),
            "outcome_ci": (("experiment", "outcome", "bound"), ci),
            "metrics": (("experiment", "metric", "stat"), m),
            "decision_share": (("experiment", "decision"), d),
        },
        coords={"experiment": np.arange(n), "parameter": np.array(names, dtype=object),
                "outcome": np.array(outcomes, dtype=object), "bound": ["low", "high"],
                "metric": np.array(metrics, dtype=object), "stat": np.array(stats, dtype=object),
                "decision": np.array(decisions, dtype=object)},
        attrs={"flashpoint_sweep": SWEEP_FORMAT, "version": __version__, "scenario": plan.scenario.meta.id,
               "base_interventions": ",".join(plan.scenario.applied), "design": plan.design,
               "points": -1 if plan.points is None else plan.points,
               "params": ";".join(f"{q.name}={q.low!r}:{q.high!r}" for q in plan.params),
               "with_sets": ";".join(set_label(s) for s in plan.sets),
               "sobol_dummy": int(plan.design == "sobol" and bool(plan.params)),
               "runs": plan.runs, "days": plan.days, "seed": plan.seed,
               "description": "one row per experiment: its inputs (interventions, parameters) and its "
                              "outcomes' probabilities, metrics' mean and quantiles, decisions' shares"},
    )
