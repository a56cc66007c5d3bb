"""Results of a job: labelled summaries (xarray), ``summary.json``, and the run directory."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from flashpoint import __version__
from flashpoint.analysis.summary import QUANTILES
from flashpoint.engine.runner import Outcome, stack_blocks
from flashpoint.errors import FlashpointError
from flashpoint.outputs import json_text


class Results:
    """Everything a job produced, labelled: ``results.dataset.sel(place="saraqib")``."""

    def __init__(self, outcome: Outcome, scenario_id: str, interventions: list[str]):
        self.outcome = outcome
        self.scenario_id = scenario_id
        self.interventions = interventions
        self.theatre = outcome.theatre
        self._summary: dict | None = None

    @property
    def runs(self) -> int:
        return self.outcome.spec.runs

    def summary(self) -> dict[str, Any]:
        """The ``summary.json`` document (schema in docs/summary-json.md)."""
        if self._summary is None:
            spec = self.outcome.spec
            meta = {"scenario": self.scenario_id, "interventions": self.interventions,
                    "seed": spec.seed, "version": __version__,
                    "parameters_set": dict(spec.overrides or {})}
            self._summary = self.outcome.accumulator.summary(meta)
        return self._summary

    @property
    def dataset(self) -> xr.Dataset:
        """The summaries as an xarray Dataset with named dimensions."""
        s, th, acc = self.summary(), self.theatre, self.outcome.accumulator
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
                   "runs": acc.runs, "seed": self.outcome.spec.seed, "version": __version__},
        )
        return ds

    def per_run(self) -> pd.DataFrame:
        """One row per run: the values drawn for every uncertain input (``input:<path>``), every
        outcome (``outcome:<id>``, 0 or 1) and every loss (``metric:<actor.quantity>``). Needs a
        job run with ``keep_runs`` or trajectories."""
        blocks = self.outcome.blocks
        if blocks is None:
            raise FlashpointError("this job did not keep its runs: run it with keep_runs=True")
        columns: dict[str, np.ndarray] = {}
        for path in blocks[0].parameters:
            columns[f"input:{path}"] = np.concatenate([b.parameters[path] for b in blocks])
        for oid in blocks[0].outcomes:
            columns[f"outcome:{oid}"] = np.concatenate([b.outcomes[oid] for b in blocks]).astype(np.int8)
        for key in self.outcome.accumulator.metric_keys:
            columns[f"metric:{key}"] = np.concatenate([b.final.metrics[key] for b in blocks])
        return pd.DataFrame(columns, index=pd.RangeIndex(self.runs, name="run"))

    def compare(self, other: Results):
        """``other`` against this job, run by run (both run with ``keep_runs=True``; with the same
        seed they are paired by common random numbers): a
        :class:`~flashpoint.analysis.compare.Comparison`, ``.to_json()`` for the document."""
        from flashpoint.analysis.compare import compare_results

        return compare_results(self, other)

    def trajectories(self) -> xr.Dataset:
        """Every run, day by day (only when the job kept trajectories)."""
        blocks = self.outcome.blocks
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
        for key in self.outcome.accumulator.metric_keys:
            data[f"metric:{key}"] = ("run", np.concatenate([b.final.metrics[key] for b in blocks]))
        for path in blocks[0].parameters:  # every value drawn per run: forces, constants, politics
            data[f"input:{path}"] = ("run", np.concatenate([b.parameters[path] for b in blocks]))
        return xr.Dataset(data, coords={"run": np.arange(self.runs), "day": np.arange(self.outcome.spec.days + 1),
                                        "place": th.places, "actor": th.actors, "camp": th.camps},
                          attrs={"control_values": "index into the actor coordinate",
                                 "scenario": self.scenario_id,
                                 "interventions": ",".join(self.interventions)})

    def to_netcdf(self, path: str | Path) -> None:
        ds = self.trajectories() if self.outcome.blocks is not None else self.dataset
        ds.to_netcdf(path)


def _calibration_used() -> dict[str, Any]:
    """The calibration file the engine's constants came from, with the hash of its data."""
    from flashpoint.engine.calibration import shipped_calibration

    cal = shipped_calibration()
    return {"file": cal.path, "data_hash": cal.data_hash, "version": cal.version, "seed": cal.seed}


def run_id(scenario_id: str, interventions: list[str], seed: int) -> str:
    stamp = time.strftime("%Y%m%dT%H%M%S")
    what = "+".join(interventions) or "baseline"
    return f"{scenario_id}_{what}_seed{seed}_{stamp}"


def write_run_dir(results: Results, folder: Path, scenario_toml: str, command: list[str]) -> Path:
    """Write ``folder/<id>/`` atomically: a hidden temporary folder, renamed when complete."""
    spec = results.outcome.spec
    final = folder / run_id(results.scenario_id, results.interventions, spec.seed)
    tmp = Path(tempfile.mkdtemp(prefix=".partial-", dir=folder))
    try:
        (tmp / "summary.json").write_text(json_text(results.summary()), encoding="utf-8")
        (tmp / "scenario.toml").write_text(scenario_toml, encoding="utf-8")
        manifest = {
            "version": __version__, "scenario": results.scenario_id,
            "interventions": results.interventions, "seed": spec.seed, "runs": spec.runs,
            "days": spec.days, "block_size": spec.block_size, "workers": spec.workers,
            "parameters_set": dict(spec.overrides or {}),
            "command": command, "seconds": round(results.outcome.seconds, 3),
            "python": sys.version.split()[0], "numpy": np.__version__,
            "calibration": _calibration_used(),
            "files": ["summary.json", "scenario.toml", "manifest.json"]
            + (["trajectories.nc"] if spec.trajectories else []),
        }
        if spec.trajectories:
            results.to_netcdf(tmp / "trajectories.nc")
        (tmp / "manifest.json").write_text(json_text(manifest), encoding="utf-8")
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final
