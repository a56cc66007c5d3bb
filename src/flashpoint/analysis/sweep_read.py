"""Reading a sweep (written by :mod:`flashpoint.analysis.sweep`): the dataset, EMA Workbench's
``(experiments, outcomes)`` pair, the table scenario discovery reads, and Sobol indices from a
sweep whose design is Saltelli's."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from flashpoint.analysis.sensitivity import DUMMY as SA_DUMMY
from flashpoint.analysis.sensitivity import SensitivityResult, analyse, input_label, problem
from flashpoint.analysis.sweep import NONE, set_label
from flashpoint.errors import FlashpointError


def open_sweep(path: str | Path, option: str = "--from-sweep") -> xr.Dataset:
    """A sweep written by ``flashpoint sweep``, loaded in memory; a clear error for anything else."""
    path = Path(path)
    if not path.is_file():
        raise FlashpointError(f"{option} {path}: no such file")
    try:
        with xr.open_dataset(path) as ds:
            ds = ds.load()
    except (OSError, ValueError) as exc:
        raise FlashpointError(f"{option} {path}: not a NetCDF file xarray can read ({exc})") from None
    if "flashpoint_sweep" not in ds.attrs:
        raise FlashpointError(f"{option} {path}: not a sweep written by 'flashpoint sweep'")
    return ds


def to_ema(ds: xr.Dataset) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """EMA Workbench's ``(experiments, outcomes)`` pair for a sweep.

    ``experiments``: one row per experiment, a float column per swept parameter and the
    ``interventions`` set as a categorical column. ``outcomes``: a 1-D float array per outcome id
    (its probability), per metric statistic (``actor.quantity.stat``, e.g.
    ``turkey.personnel_killed.mean``) and per decision option (``decision:actor.option``, its
    share), each with one value per experiment."""
    experiments = pd.DataFrame({str(q): ds["parameters"].sel(parameter=q).to_numpy().astype(float)
                                for q in ds["parameter"].to_numpy()})
    experiments["interventions"] = pd.Categorical([str(x) for x in ds["interventions"].to_numpy()])
    outcomes: dict[str, np.ndarray] = {}
    for o in ds["outcome"].to_numpy():
        outcomes[str(o)] = ds["outcome_p"].sel(outcome=o).to_numpy().astype(float)
    for k in ds["metric"].to_numpy():
        for s in ds["stat"].to_numpy():
            outcomes[f"{k}.{s}"] = ds["metrics"].sel(metric=k, stat=s).to_numpy().astype(float)
    for k in ds["decision"].to_numpy():
        outcomes[f"decision:{k}"] = ds["decision_share"].sel(decision=k).to_numpy().astype(float)
    return experiments, outcomes


# ------------------------------------------------------------------------------ analyses of a sweep
def _check_outcome(ds: xr.Dataset, outcome: str) -> None:
    known = [str(o) for o in ds["outcome"].to_numpy()]
    if outcome not in known:
        raise FlashpointError(f"--outcome {outcome}: not an outcome of this sweep; known: {', '.join(known) or 'none'}")


def sweep_frame(ds: xr.Dataset, outcome: str, threshold: float = 0.5) -> pd.DataFrame:
    """A sweep as the table scenario discovery reads: one row per experiment, an ``input:`` column
    per swept parameter and, when the sweep has several intervention sets, a 0/1 column
    ``input:with <name>`` per intervention; ``outcome:<id>`` is 1 where the experiment's
    probability of the outcome is at least ``threshold``."""
    _check_outcome(ds, outcome)
    if not 0 < threshold <= 1:
        raise FlashpointError(f"--threshold {threshold:g}: must be a probability above 0 and at most 1")
    experiments, outcomes = to_ema(ds)
    frame = pd.DataFrame({f"input:{c}": experiments[c].to_numpy(dtype=float)
                          for c in experiments.columns if c != "interventions"})
    labels = experiments["interventions"].astype(str).to_numpy()
    names = list(dict.fromkeys(n for label in labels if label != NONE for n in label.split(",")))
    if len(set(labels)) > 1:
        for name in names:
            frame[f"input:with {name}"] = np.array([name in label.split(",") for label in labels], dtype=float)
    frame[f"outcome:{outcome}"] = (outcomes[outcome] >= threshold).astype(np.int8)
    return frame


def sweep_sensitivity(ds: xr.Dataset, target: str, interventions: list[str] | None = None, seed: int = 1):
    """Sobol indices of ``target`` (an outcome id: its probability per experiment; or a metric
    ``actor.quantity``: its mean) over a sweep's parameters, from a sweep whose design is ``sobol``
    (Saltelli's, with the dummy). ``interventions`` picks the intervention set when the sweep has
    several. A :class:`~flashpoint.analysis.sensitivity.SensitivityResult`."""
    if ds.attrs.get("design") != "sobol" or not ds.attrs.get("sobol_dummy"):
        raise FlashpointError(
            f"--from-sweep: this sweep's design is {ds.attrs.get('design')}"
            f"{'' if ds.sizes['parameter'] else ' with no parameter'}; Sobol indices need Saltelli's design "
            "over parameters: run 'flashpoint sweep ... --design sobol --param NAME=LOW:HIGH --points N' "
            "(or 'flashpoint sensitivity' without --from-sweep)")
    labels = [str(x) for x in ds["interventions"].to_numpy()]
    sets = list(dict.fromkeys(labels))
    if interventions:
        chosen = NONE if list(interventions) == [NONE] else set_label(tuple(interventions))
        if chosen not in sets:
            raise FlashpointError(f"--with {chosen}: not an intervention set of this sweep; its sets: "
                                  f"{'; '.join(sets)}")
    elif len(sets) == 1:
        chosen = sets[0]
    else:
        raise FlashpointError(f"this sweep has {len(sets)} intervention sets ({'; '.join(sets)}): choose one with "
                              f"--with (repeated for a set of several; --with {NONE} for the set with none)")
    rows = np.array(labels) == chosen
    metrics = [str(m) for m in ds["metric"].to_numpy()]
    outcomes = [str(o) for o in ds["outcome"].to_numpy()]
    if target in outcomes:
        kind, y = "outcome", ds["outcome_p"].sel(outcome=target).to_numpy()[rows]
    elif target in metrics:
        kind, y = "metric", ds["metrics"].sel(metric=target, stat="mean").to_numpy()[rows]
    else:
        raise FlashpointError(f"--outcome {target}: not an outcome or a metric of this sweep; outcomes: "
                              f"{', '.join(outcomes)}; metrics are actor.quantity, e.g. {', '.join(metrics[:3])}")
    if np.isnan(y).any():
        raise FlashpointError(f"{target}: not reported by every experiment of the set {chosen}")
    names = [f"parameters.{p}" for p in ds["parameter"].to_numpy()]
    prob = problem([*names, SA_DUMMY])
    if np.ptp(y) == 0:
        raise FlashpointError(f"{target} is {y[0]:g} in every experiment of the sweep: nothing explains it")
    t0 = time.perf_counter()
    out = analyse(prob, ds["parameters"].to_numpy()[rows], y, "sobol", seed)
    noise = next(r for r in out if r["input"] == SA_DUMMY)
    out = [r for r in out if r["input"] != SA_DUMMY]
    for r in out:
        r["label"] = input_label(r["input"])
        r["above_noise"] = bool(r["ST"] - r["ST_conf"] > noise["ST"] + noise["ST_conf"])
    return SensitivityResult(
        scenario=ds.attrs["scenario"], interventions=[] if chosen == NONE else chosen.split(","), target=target,
        kind=kind, method="sobol", samples=int(ds.attrs["points"]), replicates=1,
        runs=int(rows.sum()) * int(ds.attrs["runs"]), seed=int(ds.attrs["seed"]), days=int(ds.attrs["days"]),
        mean=float(y.mean()), std=float(y.std()), rows=out,
        noise={k: v for k, v in noise.items() if k not in ("input", "label")}, seconds=time.perf_counter() - t0)
