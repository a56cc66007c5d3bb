"""Results of a job: labelled summaries (xarray), ``summary.json``, and the run directory."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import netCDF4
import numpy as np
import pandas as pd
import xarray as xr

from flashpoint.analysis.compare import Comparison, RunColumns, run_columns
from flashpoint.analysis.provenance import warn_if_stale
from flashpoint.engine.calibration import shipped_calibration
from flashpoint.engine.executor import Executor
from flashpoint.engine.reduce import QUANTILES
from flashpoint.engine.runner import JobResult, RunSpec, run_scenario, stack_blocks
from flashpoint.engine.simulate import BlockResult
from flashpoint.errors import FlashpointError
from flashpoint.outputs import SPACE_MARGIN, RunFolder, json_text, short_name, write_error
from flashpoint.scenario.metrics import reported_kinds
from flashpoint.scenario.schema import Scenario
from flashpoint.version import __version__


def run(scenario: Scenario, runs: int = 10_000, seed: int = 1, days: int | None = None,
        block_size: int | None = None, workers: int = 1, set: dict[str, float] | None = None,  # noqa: A002
        trajectories: bool = False, keep_runs: bool = False, quantiles: dict | None = None,
        progress: Callable[[int], None] | None = None, executor: Executor | None = None) -> Results:
    """Simulate ``runs`` futures of the scenario (``days`` defaults to its horizon; ``set``
    overrides parameters by name) on ``executor`` (default: ``workers`` local processes)."""
    spec = RunSpec.for_scenario(scenario, runs, seed, days=days, block_size=block_size, workers=workers,
                                overrides=set, trajectories=trajectories, keep_runs=keep_runs, quantiles=quantiles)
    return run_spec(scenario, spec, progress, executor)


def run_spec(scenario: Scenario, spec: RunSpec, progress: Callable[[int], None] | None = None,
             executor: Executor | None = None, on_block: Callable[[BlockResult], None] | None = None) -> Results:
    """Simulate a job already made by :meth:`RunSpec.for_scenario`; ``on_block`` is given each
    block (with trajectories: it stores them, the results keep none)."""
    warn_if_stale()
    job = run_scenario(scenario, spec, progress, executor, on_block)
    return Results(job, scenario.meta.id, list(scenario.applied))


class Results:
    """Everything a job produced, labelled: ``results.dataset.sel(place="saraqib")``."""

    def __init__(self, job: JobResult, scenario_id: str, interventions: list[str]):
        self.job = job
        self.scenario_id = scenario_id
        self.interventions = interventions
        self.theatre = job.theatre
        self._summary: dict | None = None

    @property
    def runs(self) -> int:
        return self.job.spec.runs

    def summary(self, settlement: bool = True) -> dict[str, Any]:
        """The ``summary.json`` document (schema in docs/summary-json.md); ``settlement=False``: with
        its ``settlement`` entry None, computed quicker (see :meth:`settlement`)."""
        if self._summary is not None:
            return self._summary
        spec = self.job.spec
        meta = {"scenario": self.scenario_id, "interventions": self.interventions,
                "seed": spec.seed, "version": __version__,
                "parameters_set": dict(spec.overrides or {})}
        if not settlement:
            return self.job.accumulator.summary(meta, settlement=False)
        self._summary = self.job.accumulator.summary(meta)
        return self._summary

    def settlement(self) -> dict[str, Any] | None:
        """The summary's ``settlement`` entry alone."""
        return self.job.accumulator.settlement.result()

    @property
    def dataset(self) -> xr.Dataset:
        """The summaries as an xarray Dataset with named dimensions."""
        s, th, acc = self.summary(), self.theatre, self.job.accumulator
        stats_ = ["mean"] + [f"q{round(q * 100):02d}" for q in QUANTILES]
        ds = xr.Dataset(
            {
                "outcome_p": ("outcome", [s["outcomes"][o]["p"] for o in s["outcomes"]]),
                "outcome_ci": (("outcome", "bound"), [s["outcomes"][o]["ci95"] for o in s["outcomes"]]),
                "metrics": (("metric", "stat"), [[s["metrics"][k][st] for st in stats_]
                                                for k in acc.metric_keys]),
                "control": (("place", "camp"), acc.control_camp / acc.runs),
                "territory": (("day", "camp", "quantile"),
                              np.array([[s["territory"][c][q] for q in ("q05", "q50", "q95")]
                                        for c in th.camps]).transpose(2, 0, 1)),
            },
            coords={"outcome": list(s["outcomes"]), "bound": ["low", "high"], "metric": acc.metric_keys,
                    "stat": stats_, "place": th.places, "camp": th.camps,
                    "day": np.arange(acc.days + 1), "quantile": [0.05, 0.5, 0.95]},
            attrs={"scenario": self.scenario_id, "interventions": ",".join(self.interventions),
                   "runs": acc.runs, "seed": self.job.spec.seed, "version": __version__},
        )
        return ds

    def per_run(self) -> pd.DataFrame:
        """One row per run: the values drawn for every uncertain input (``input:<path>``), every
        outcome (``outcome:<id>``, 0 or 1) and every loss (``metric:<actor.quantity>``). Needs a
        job run with ``keep_runs`` or trajectories."""
        blocks = self.job.blocks
        if blocks is None:
            raise FlashpointError("this job did not keep its runs: run it with keep_runs=True")
        columns: dict[str, np.ndarray] = {}
        for path in blocks[0].parameters:
            columns[f"input:{path}"] = np.concatenate([b.parameters[path] for b in blocks])
        for oid in blocks[0].outcomes:
            columns[f"outcome:{oid}"] = np.concatenate([b.outcomes[oid] for b in blocks]).astype(np.int8)
        for key in self.job.accumulator.metric_keys:
            columns[f"metric:{key}"] = np.concatenate([b.final.metrics[key] for b in blocks])
        return pd.DataFrame(columns, index=pd.RangeIndex(self.runs, name="run"))

    def compare(self, other: Results):
        """``other`` against this job, run by run (both run with ``keep_runs=True``; with the same
        seed they are paired by common random numbers): a
        :class:`~flashpoint.analysis.compare.Comparison`, ``.to_json()`` for the document."""
        return compare_results(self, other)

    def columns(self) -> RunColumns:
        """The per-run columns a comparison reads (a job run with ``keep_runs=True``)."""
        return run_columns(self.job, self.scenario_id, self.interventions)


    def trajectories(self) -> xr.Dataset:
        """Every run, day by day (only when the job kept trajectories)."""
        blocks = self.job.blocks
        if blocks is None:
            raise FlashpointError("this job did not keep trajectories: run it with --save-trajectories")
        th = self.theatre
        data = {
            "control": (("run", "day", "place"), stack_blocks(blocks, "control_days")),
            "personnel_killed": (("run", "day", "actor"), stack_blocks(blocks, "killed_days")),
            "places_held": (("run", "day", "camp"), stack_blocks(blocks, "held")),
        }
        for oid in th.scenario.outcomes:
            data[f"outcome:{oid}"] = ("run", np.concatenate([b.outcomes[oid] for b in blocks]))
        for key in self.job.accumulator.metric_keys:
            data[f"metric:{key}"] = ("run", np.concatenate([b.final.metrics[key] for b in blocks]))
        for path in blocks[0].parameters:  # every value drawn per run: forces, constants, politics
            data[f"input:{path}"] = ("run", np.concatenate([b.parameters[path] for b in blocks]))
        return xr.Dataset(data, coords={"run": np.arange(self.runs), "day": np.arange(self.job.spec.days + 1),
                                        "place": th.places, "actor": th.actors, "camp": th.camps},
                          attrs={"control_values": "index into the actor coordinate",
                                 "scenario": self.scenario_id,
                                 "interventions": ",".join(self.interventions)})

    def to_netcdf(self, path: str | Path) -> None:
        ds = self.trajectories() if self.job.blocks is not None else self.dataset
        ds.to_netcdf(path)


def compare_results(base: Results, other: Results) -> Comparison:
    """The comparison of two jobs run with ``keep_runs=True``: ``other`` minus ``base``."""
    return Comparison(base.columns(), other.columns())


def _calibration_used() -> dict[str, Any]:
    """The calibration file the engine's constants came from, with the hash of its data."""
    cal = shipped_calibration()
    return {"file": cal.path, "data_hash": cal.data_hash, "version": cal.version, "seed": cal.seed}


def run_id(scenario_id: str, interventions: list[str], seed: int) -> str:
    """The run folder's name: scenario, interventions, seed and time (a run started in the same
    second gets ``-2``, ``-3``...; a name too long for the file system is shortened with a hash,
    see :class:`~flashpoint.outputs.RunFolder`)."""
    stamp = time.strftime("%Y%m%dT%H%M%S")
    what = short_name("+".join(interventions) or "baseline", 80)
    return f"{scenario_id}_{what}_seed{seed}_{stamp}"


SUMMARY_BYTES = 2 * 2**20
"""An upper bound of summary.json and manifest.json together (the largest shipped scenario's
summary, 60 days, is about 0.2 MiB; its size grows with days, places and actors, not with runs)."""


def _metric_keys(scenario: Scenario) -> list[str]:
    """The metric keys the summaries report: every reported kind (the losses, and the air
    mechanisms' counts where the scenario counts them) of each actor that owns a force."""
    owners = {force.owner for kind in ("ground", "air", "drones", "air_defence")
              for force in getattr(scenario.forces, kind).values()}
    kinds = reported_kinds(scenario)
    return [f"{a}.{k}" for a in scenario.actors if a in owners for k in kinds]


def run_bytes(scenario: Scenario, runs: int, days: int, trajectories: bool, inputs: int) -> int:
    """About how many bytes a run folder takes: the scenario, the summaries and, with
    trajectories, every run day by day (control int8, killed float32, places held int16) and the
    per-run columns (outcomes, losses, the ``inputs`` values drawn; float64)."""
    total = 2 * len(scenario.to_toml().encode("utf-8")) + SUMMARY_BYTES
    if trajectories:
        per_day = len(scenario.places) + 4 * len(scenario.actors) + 2 * len(scenario.camps)
        columns = len(scenario.outcomes) + len(_metric_keys(scenario)) + inputs + 1
        total += runs * ((days + 1) * per_day + 8 * columns)
    return total


CHUNK_CACHE = 2**16
"""Bytes of chunk cache per variable of trajectories.nc (64 KiB, some fifty variables): blocks
are whole chunks of the day-by-day variables, written straight through, and a few chunks (8 KiB
each) of the per-run columns; the library's default cache (MiBs per variable) kept tens or hundreds
of MiB of the file in memory, growing with the runs until full."""


class TrajectoryWriter:
    """``trajectories.nc`` written block by block as the runs complete (in any order: each block
    goes to its own runs), so that memory does not grow with the number of runs. The file holds
    what :meth:`Results.trajectories` gives, with ``run`` an unlimited dimension."""

    def __init__(self, path: Path, scenario: Scenario, days: int, option: str = "--out"):
        self.path, self.option, self.scenario = Path(path), option, scenario
        self.metric_keys = _metric_keys(scenario)
        self.places, self.actors, self.camps = list(scenario.places), list(scenario.actors), list(scenario.camps)
        self._guard(lambda: self._open(netCDF4, days))
        self._columns: dict[str, Any] | None = None

    def _open(self, netCDF4, days: int) -> None:
        nc = self.nc = netCDF4.Dataset(self.path, "w", format="NETCDF4")
        nc.createDimension("run", None)
        for name, values in (("day", np.arange(days + 1)), ("place", self.places), ("actor", self.actors),
                             ("camp", self.camps)):
            nc.createDimension(name, len(values))
            var = nc.createVariable(name, np.int64 if name == "day" else str, (name,))
            var[:] = np.asarray(values, dtype=np.int64 if name == "day" else object)
        self._column("run", np.int64)
        chunk = lambda n: (min(250, 2**20 // max(1, (days + 1) * n)) or 1, days + 1, max(n, 1))  # noqa: E731
        for name, dtype, dim, size in (("control", np.int8, "place", len(self.places)),
                                       ("personnel_killed", np.float32, "actor", len(self.actors)),
                                       ("places_held", np.int16, "camp", len(self.camps))):
            var = nc.createVariable(name, dtype, ("run", "day", dim), chunksizes=chunk(size))
            var.set_var_chunk_cache(size=CHUNK_CACHE, preemption=1.0)
        nc.setncatts({"control_values": "index into the actor coordinate", "scenario": self.scenario.meta.id,
                      "interventions": ",".join(self.scenario.applied)})

    def _column(self, name: str, dtype) -> Any:
        """A per-run variable: 1,000 runs a chunk (blocks are multiples of 250 runs)."""
        var = self.nc.createVariable(name, dtype, ("run",), chunksizes=(1000,))
        var.set_var_chunk_cache(size=CHUNK_CACHE, preemption=1.0)
        return var

    def _guard(self, write: Callable[[], None]) -> None:
        """Run ``write``, turning a failure of the disk into a message (the netCDF library reports
        a full disk as 'NetCDF: HDF error')."""
        try:
            write()
        except (OSError, RuntimeError) as exc:
            folder = self.path.parent.parent
            full = getattr(exc, "errno", None) == errno.ENOSPC
            with contextlib.suppress(OSError):
                full = full or shutil.disk_usage(self.path.parent).free < SPACE_MARGIN
            if full:
                exc = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            raise write_error(self.option, folder, exc) from None

    def append(self, block: BlockResult) -> None:
        """Write the runs of ``block`` (simulated with trajectories) in their place."""
        self._guard(lambda: self._append(block))

    def _append(self, block: BlockResult) -> None:
        nc, runs = self.nc, slice(block.start, block.stop)
        if self._columns is None:
            self._columns = {}
            for oid in self.scenario.outcomes:
                var = self._column(f"outcome:{oid}", np.int8)
                var.setncattr("dtype", "bool")   # read back as booleans, as xarray writes them
                self._columns[f"outcome:{oid}"] = var
            for key in self.metric_keys:
                self._columns[f"metric:{key}"] = self._column(f"metric:{key}", np.float64)
            for path in block.parameters:
                self._columns[f"input:{path}"] = self._column(f"input:{path}", np.float64)
        nc["run"][runs] = np.arange(block.start, block.stop)
        nc["control"][runs] = block.control_days
        nc["personnel_killed"][runs] = block.killed_days
        nc["places_held"][runs] = block.held
        for oid in self.scenario.outcomes:
            self._columns[f"outcome:{oid}"][runs] = block.outcomes[oid].astype(np.int8)
        for key in self.metric_keys:
            self._columns[f"metric:{key}"][runs] = block.final.metrics[key]
        for path, values in block.parameters.items():
            self._columns[f"input:{path}"][runs] = values

    def close(self) -> None:
        self._guard(self.nc.close)


def write_run_dir(results: Results, folder: Path, scenario_toml: str, command: list[str],
                  run_folder: RunFolder | None = None) -> Path:
    """Write ``folder/<id>/`` atomically: a hidden partial folder, renamed when complete (see
    :class:`~flashpoint.outputs.RunFolder`). ``run_folder``: one already open, which may hold
    ``trajectories.nc`` written while the runs were simulated."""
    with contextlib.nullcontext(run_folder) if run_folder is not None else RunFolder(folder) as target:
        tmp = target.path
        spec = results.job.spec
        (tmp / "summary.json").write_text(json_text(results.summary()), encoding="utf-8")
        (tmp / "scenario.toml").write_text(scenario_toml, encoding="utf-8")
        manifest = {
            "version": __version__, "scenario": results.scenario_id,
            "interventions": results.interventions, "seed": spec.seed, "runs": spec.runs,
            "days": spec.days, "block_size": spec.block_size, "workers": results.job.workers,
            "parameters_set": dict(spec.overrides or {}),
            "command": command, "seconds": round(results.job.seconds, 3),
            "python": sys.version.split()[0], "numpy": np.__version__,
            "calibration": _calibration_used(),
            "files": ["summary.json", "scenario.toml", "manifest.json"]
            + (["trajectories.nc"] if spec.trajectories else []),
        }
        if spec.trajectories and not (tmp / "trajectories.nc").exists():
            results.to_netcdf(tmp / "trajectories.nc")
        (tmp / "manifest.json").write_text(json_text(manifest), encoding="utf-8")
        return target.publish(run_id(results.scenario_id, results.interventions, spec.seed))
