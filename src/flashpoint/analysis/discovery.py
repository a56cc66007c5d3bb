"""Scenario discovery: which combinations of input values lead to an outcome (PRIM boxes).

The Patient Rule Induction Method (Friedman and Fisher 1999, "Bump hunting in high-dimensional
data", Statistics and Computing 9; used for scenario discovery by Bryant and Lempert 2010,
"Thinking inside the box", Technological Forecasting and Social Change 77) looks for a box
B = {x : l_j <= x_j <= h_j} in the space of the uncertain inputs in which an outcome is common:

- **peeling**: from the box holding every run, remove the alpha share of the runs in the box at
  the low or the high end of one input, whichever leaves the highest share of runs with the
  outcome; repeat until the box holds fewer than ``min_support`` of the runs. This gives a
  trajectory of ever smaller, ever denser boxes;
- **choosing**: the box of the trajectory with the best balance of the two measures below (their
  harmonic mean, the F1 score);
- **pasting**: widen an edge again by alpha of the box's runs while that raises the density;
- **simplifying**: drop the restrictions that do not matter (removing them lowers the density by
  less than two standard errors), and keep at most ``max_dims``, so the box reads as a sentence.

With y the 0/1 outcome, each box has a **density** (the share of the runs inside it with the
outcome, P(y | x in B)), a **coverage** (the share of the runs with the outcome that fall inside,
P(x in B | y)) and a **support** (the number of runs inside). Further boxes (covering) are looked
for among the runs that the earlier boxes leave out. The measures are in-sample: with many inputs
and few runs, a small box can owe part of its density to chance.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from flashpoint.errors import FlashpointError

MIN_RUNS = 50
MIN_CASES = 5


def _fmt(v: float) -> str:
    if v == 0 or 0.01 <= abs(v) < 1e5:
        return f"{v:,.3g}" if abs(v) < 1000 else f"{v:,.0f}"
    return f"{v:.3g}"


@dataclass
class Box:
    """A region of the inputs' space and how strongly it leads to the outcome."""

    outcome: str
    limits: dict[str, tuple[float | None, float | None]]   # input -> (low, high); None: open
    density: float            # share of the runs in the box with the outcome
    coverage: float           # share of the runs with the outcome that are in the box
    support: int              # runs in the box
    runs: int                 # runs searched (those the earlier boxes left)
    cases: int                # of which with the outcome
    base_rate: float          # share with the outcome among the runs searched
    rank: int = 1             # 1 for the first box; later boxes are found among the rest
    outcome_text: str | None = None
    trajectory: list[dict] = field(default_factory=list, repr=False)   # coverage, density, support while peeling
    unit: str = "runs"        # what was searched: "runs" (futures) or "experiments" (of a sweep)

    def contains(self, frame: pd.DataFrame) -> np.ndarray:
        """Which rows of a ``per_run()`` frame fall inside the box."""
        inside = np.ones(len(frame), dtype=bool)
        for name, (lo, hi) in self.limits.items():
            col = frame[f"input:{name}"].to_numpy(dtype=float)
            if lo is not None:
                inside &= col >= lo
            if hi is not None:
                inside &= col <= hi
        return inside

    def conditions(self) -> list[str]:
        out = []
        for name, (lo, hi) in self.limits.items():
            if lo is not None and hi is not None:
                out.append(f"{name} is between {_fmt(lo)} and {_fmt(hi)}")
            elif lo is not None:
                out.append(f"{name} is at least {_fmt(lo)}")
            elif hi is not None:
                out.append(f"{name} is at most {_fmt(hi)}")
        return out

    def describe(self) -> str:
        """The box in plain words, with its density, coverage and support."""
        conds = self.conditions()
        when = ("When " + (", ".join(conds[:-1]) + " and " + conds[-1] if len(conds) > 1 else conds[0])
                if conds else "Whatever the inputs")
        if self.rank > 1:
            when = "Otherwise, " + when[0].lower() + when[1:]
        what = self.outcome + (f" ({self.outcome_text.rstrip('.')})" if self.outcome_text else "")
        things = "futures" if self.unit == "runs" else self.unit
        end = "end with" if self.unit == "runs" else "count as"
        return (f"{when}: {self.density:.0%} of such {things} {end} {what} (density, against "
                f"{self.base_rate:.0%} of all {'remaining ' if self.rank > 1 else ''}{things}), covering "
                f"{self.coverage:.0%} of the {'remaining ' if self.rank > 1 else ''}{things} where it happens "
                f"(coverage); {self.support:,} of {self.runs:,} {things} fall in this box (support).")

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"outcome": self.outcome, "rank": self.rank,
                "limits": {k: {"low": lo, "high": hi} for k, (lo, hi) in self.limits.items()},
                "density": self.density, "coverage": self.coverage, "support": self.support,
                "runs": self.runs, "cases": self.cases, "base_rate": self.base_rate,
                "description": self.describe()}


# ------------------------------------------------------------------------------ PRIM (EMA Workbench)
def _limits(box_lim: pd.DataFrame, box_init: pd.DataFrame, dims) -> dict[str, tuple[float | None, float | None]]:
    out = {}
    for d in dims:
        lo, hi = float(box_lim.loc[0, d]), float(box_lim.loc[1, d])
        out[d] = (None if lo <= float(box_init.loc[0, d]) else lo, None if hi >= float(box_init.loc[1, d]) else hi)
    return {d: v for d, v in out.items() if v != (None, None)}


def prim(x: pd.DataFrame, y: np.ndarray, alpha: float = 0.05, min_support: float = 0.05,
         max_dims: int = 3) -> tuple[dict[str, tuple[float | None, float | None]], list[dict]]:
    """One PRIM box (EMA Workbench's ``Prim``): its limits (input -> (low, high), None where open)
    and the peeling trajectory (density, coverage, support of each box).

    The box chosen is the one of the trajectory with the best F1 score of density and coverage
    among those restricting at most ``max_dims`` inputs; of its restrictions, those whose quasi-p
    value (Bryant and Lempert 2010, a one-sided binomial test of the density with and without the
    restriction) is above 0.05 are dropped."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # the package's notice that its optional ipyparallel is missing
        from ema_workbench.analysis.prim import Prim

    y = np.asarray(y).astype(int)
    # any threshold in (0, 1] marks the same runs of a 0/1 outcome; the smallest lets every box
    # found through, and discover() applies its own test (denser than the runs searched)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # pandas' deprecation notices from inside the library
        p = Prim(x.reset_index(drop=True), y, threshold=1e-9, peel_alpha=alpha, paste_alpha=alpha,
                 mass_min=min_support)
        box = p.find_box()
    traj = box.peeling_trajectory
    trajectory = [{"density": float(r.density), "coverage": float(r.coverage), "support": int(r.n)}
                  for r in traj.itertuples()]
    f1 = (2 * traj["density"] * traj["coverage"] / (traj["density"] + traj["coverage"]).replace(0, 1)).to_numpy()
    ok = (traj["res_dim"].to_numpy() <= max_dims) & (traj["res_dim"].to_numpy() >= 1)
    if not ok.any():
        return {}, trajectory
    i = int(np.argmax(np.where(ok, f1, -1.0)))
    qp = box.qp[i]
    keep = [d for d, sides in qp.items() if any(0 <= q <= 0.05 for q in sides)]
    return _limits(box.box_lims[i], box.box_lims[0], keep), trajectory


def _inside(x: pd.DataFrame, limits: dict) -> np.ndarray:
    inside = np.ones(len(x), dtype=bool)
    for name, (lo, hi) in limits.items():
        col = x[name].to_numpy(dtype=float)
        if lo is not None:
            inside &= col >= lo
        if hi is not None:
            inside &= col <= hi
    return inside


# ------------------------------------------------------------------------------ on per_run() frames
def outcome_column(frame: pd.DataFrame, outcome: str) -> str:
    """The frame's column for an outcome id (``outcome:<id>``) or a column name as it is."""
    for col in (f"outcome:{outcome}", outcome):
        if col in frame.columns:
            return col
    known = [c.removeprefix("outcome:") for c in frame.columns if c.startswith("outcome:")]
    raise FlashpointError(f"--outcome {outcome}: not an outcome of these runs; known: {', '.join(known) or 'none'}")


def discover(frame: pd.DataFrame, outcome: str, max_boxes: int = 2, alpha: float = 0.05,
             min_support: float = 0.05, max_dims: int = 3, inputs: list[str] | None = None,
             outcome_text: str | None = None, unit: str = "runs") -> list[Box]:
    """PRIM boxes for ``outcome`` over the ``input:`` columns of a ``per_run()`` frame.

    ``outcome`` is an outcome id (or a 0/1 column of the frame); ``inputs`` limits the search to
    some input paths; ``outcome_text`` is the outcome's meaning, quoted by ``describe()``. Up to
    ``max_boxes`` boxes: each later one among the runs the earlier ones leave out, kept only when
    its density is above the rate among those runs. ``unit`` names the rows in messages: "runs",
    or "experiments" for a sweep's table (:func:`sweep_frame`).
    """
    column = outcome_column(frame, outcome)
    y = frame[column].to_numpy(dtype=float)
    if not np.isin(y, (0.0, 1.0)).all():
        raise FlashpointError(f"{column}: scenario discovery needs a 0/1 outcome")
    names = [c.removeprefix("input:") for c in frame.columns if c.startswith("input:")]
    if inputs is not None:
        missing = sorted(set(inputs) - set(names))
        if missing:
            raise FlashpointError(f"input {', '.join(missing)}: not an uncertain input of these runs")
        names = [n for n in names if n in set(inputs)]
    x = frame[[f"input:{n}" for n in names]].to_numpy(dtype=float)
    varies = np.ptp(x, axis=0) > 0 if len(x) else np.zeros(len(names), dtype=bool)
    names = [n for n, v in zip(names, varies, strict=True) if v]
    x = pd.DataFrame(x[:, varies], columns=names)
    n, k = len(y), int(y.sum())
    if n < MIN_RUNS:
        raise FlashpointError(f"scenario discovery needs at least {MIN_RUNS} {unit}, got {n}"
                              + (f": use --runs {MIN_RUNS} or more (a few thousand for boxes you can trust)"
                                 if unit == "runs" else ""))
    if min(k, n - k) < MIN_CASES:
        raise FlashpointError(
            f"{outcome} happened in {k:,} of {n:,} {unit}: discovery needs at least {MIN_CASES} {unit} with it and "
            f"{MIN_CASES} without; use more {unit}" + (" (--runs) or another outcome" if unit == "runs" else
                                                      " or another threshold"))
    if not names:
        raise FlashpointError(f"these {unit} have no uncertain input that varies: nothing to discover")
    alive = np.ones(n, dtype=bool)
    found: list[Box] = []
    for rank in range(1, max_boxes + 1):
        cases = int(y[alive].sum())
        if cases < MIN_CASES or cases == alive.sum():
            break
        base = cases / alive.sum()
        limits, trajectory = prim(x[alive], y[alive], alpha, min_support, max_dims)
        inside = alive & _inside(x, limits)
        support = int(inside.sum())
        dens = float(y[inside].sum() / support) if support else 0.0
        cov = float(y[inside].sum() / cases)
        if not limits or dens <= base:
            break
        found.append(Box(outcome=outcome, limits=limits, density=dens, coverage=cov, support=support,
                         runs=int(alive.sum()), cases=cases, base_rate=base, rank=rank,
                         outcome_text=outcome_text, trajectory=trajectory, unit=unit))
        alive &= ~inside
    return found
