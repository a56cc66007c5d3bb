"""Multi-actor bargaining models: the KTAB Spatial Model of Politics and the Bueno de Mesquita
expected-utility model (Scholz, Calbert & Smith 2011), run on one issue table."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np

from .bdm import BDMResult, ExpectedUtilityState, Offer, risk_exponents, run_bdm
from .smp import SMPResult, SMPStateAnalysis, analyse_state, run_smp
from .table import IssueTable, read_issue_table

__all__ = [
    "BDMResult",
    "ExpectedUtilityState",
    "IssueTable",
    "Offer",
    "SMPResult",
    "SMPStateAnalysis",
    "analyse_state",
    "example_path",
    "read_issue_table",
    "risk_exponents",
    "run_bdm",
    "run_smp",
    "to_json",
]


def example_path(name: str) -> Path:
    """Path of a shipped example or reference file, e.g. ``"ktab/SOE-Pol-Comp.csv"``."""
    path = Path(str(files(__name__).joinpath("data", *name.split("/"))))
    if not path.is_file():
        raise FileNotFoundError(path)
    return path


def _floats(values: np.ndarray, digits: int | None = None) -> list[Any]:
    out: list[Any] = []
    for v in np.asarray(values, dtype=float).tolist():
        out.append(None if np.isnan(v) else (v if digits is None else round(v, digits)))
    return out


def to_json(result: SMPResult | BDMResult) -> dict[str, Any]:
    """A JSON-ready summary of a run.

    ``positions[actor]`` is a list per dimension of the actor's position in every state, on the
    input's scale (rounded to 10 decimals); ``probabilities[actor]`` is the SMP probability
    that the actor's position prevails in every state. The expected-utility model has no such
    probability: its entries are ``None`` and its forecasts are under ``median`` and ``mean``.
    """
    table = result.table
    positions = {
        actor: [_floats(result.positions[:, a, d], 10) for d in range(table.n_dimensions)]
        for a, actor in enumerate(table.actors)
    }
    out: dict[str, Any] = {
        "model": result.model,
        "states": result.n_states,
        "actors": list(table.actors),
        "dimensions": list(table.dimensions),
        "scale": [float(table.scale[0]), float(table.scale[1])],
        "positions": positions,
    }
    if isinstance(result, SMPResult):
        out["probabilities"] = {
            actor: _floats(result.probabilities[:, a]) for a, actor in enumerate(table.actors)
        }
        out["risk"] = {actor: _floats(result.risk[:, a]) for a, actor in enumerate(table.actors)}
    else:
        out["probabilities"] = {actor: [None] * result.n_states for actor in table.actors}
        out["variant"] = result.variant
        out["median"] = _floats(result.median)
        out["mean"] = _floats(result.mean)
    return out
