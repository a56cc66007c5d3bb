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

**Why not EMA Workbench's PRIM.** The maintained implementation of scenario discovery is EMA
Workbench's ``analysis.prim`` (the ``prim`` package is an older copy of it). It was measured
against this module (``python -m benchmarks.sweep_prim --runs 5000 --days 60``, `discover`'s
defaults, the EMA side wrapped to choose the best-F1 box within ``max_dims`` and to drop
restrictions whose quasi-p value is above 0.05; ema_workbench 2.5.3, machine load about 9 on 2
cores, both sides under the same load; the first EMA figure includes importing ema_workbench):

- idlib-2020, m5-held-by-regime (159 inputs, 26% with it): here 3.3 s, box 1 density 0.59 and
  coverage 0.75 (F1 0.66); EMA 32.0 s, density 0.58, coverage 0.77 (F1 0.66), the same 3 inputs;
- idlib-2020 with coalition-air-support, the same outcome (196 inputs, 18%): here 5.2 s, 0.50 and
  0.70 (F1 0.58); EMA 32.6 s, 0.38 and 0.88 (F1 0.53);
- idlib-2020, turkey-heavy-losses (159 inputs, 4%): here 7.4 s, EMA 23.2 s, no box either way;
- idlib-2019-offensive, m5-held-by-regime (81 inputs, 7%): here 3.1 s, 0.43 and 0.76 (F1 0.55);
  EMA 23.7 s, 0.33 and 0.92 (F1 0.49);
- idlib-2019-offensive, saraqib-held-by-regime (81 inputs, 87%): here 0.7 s, no box; EMA 3.3 s, a
  box of density 0.89 against 0.87 outside.

The boxes are alike (mostly the same inputs; here the same F1 or a better one) and EMA Workbench
takes 5 to 10 times as long: its peeling copies a pandas DataFrame of box limits for every
candidate edge of every input at every step (a one-off profile on 5,000 made-up runs of 196
uniform inputs: 19 s, 14 s of it in ``_real_peel`` and pandas' ``__setitem__`` and ``deepcopy``);
the ``prim`` package took 171 s on the same data. ``discover`` runs in ``flashpoint report`` too,
so this module stays; sweeps are handed to EMA Workbench's own PRIM, CART and feature scoring
through :func:`flashpoint.analysis.sweep_read.to_ema`.
"""

from __future__ import annotations

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
            if name.startswith("with ") and (lo or 0) >= 0 and (hi is None or hi <= 1):   # a 0/1 intervention
                out.append(name if lo is not None and lo > 0 else f"without {name.removeprefix('with ')}")
            elif lo is not None and hi is not None:
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


# ------------------------------------------------------------------------------ PRIM on arrays
def _peel(x: np.ndarray, y: np.ndarray, inside: np.ndarray, alpha: float, min_support: int):
    """The peeling trajectory: a list of (lo, hi, inside) boxes, the whole space first."""
    d = x.shape[1]
    lo, hi = np.full(d, -np.inf), np.full(d, np.inf)
    boxes = [(lo.copy(), hi.copy(), inside.copy())]
    while inside.sum() > min_support:
        xi, yi = x[inside], y[inside]
        q_lo = np.quantile(xi, alpha, axis=0, method="lower")
        q_hi = np.quantile(xi, 1 - alpha, axis=0, method="higher")
        best = None
        for side, q in (("low", q_lo), ("high", q_hi)):
            removed = xi < q if side == "low" else xi > q
            # ties at the edge (a discrete input) remove nothing: remove the tied values instead
            none = ~removed.any(axis=0)
            if none.any():
                removed[:, none] = (xi[:, none] <= q[none]) if side == "low" else (xi[:, none] >= q[none])
            kept = ~removed
            n_kept = kept.sum(axis=0)
            ok = (n_kept > 0) & (n_kept < len(yi))
            mean = np.where(ok, (kept * yi[:, None]).sum(axis=0) / np.maximum(n_kept, 1), -np.inf)
            j = int(np.argmax(mean + 1e-12 * n_kept))   # ties: the peel that keeps more runs
            if ok[j] and (best is None or mean[j] > best[0]):
                best = (mean[j], side, j, kept[:, j])
        if best is None:
            break
        _, side, j, kept = best
        idx = np.flatnonzero(inside)
        inside[idx[~kept]] = False
        edge = x[inside, j]
        if side == "low":
            lo[j] = edge.min()
        else:
            hi[j] = edge.max()
        boxes.append((lo.copy(), hi.copy(), inside.copy()))
    return boxes


def _in_box(x: np.ndarray, lo: np.ndarray, hi: np.ndarray, alive: np.ndarray) -> np.ndarray:
    return alive & np.all((x >= lo) & (x <= hi), axis=1)


def _stats(y: np.ndarray, inside: np.ndarray, cases: int) -> tuple[float, float, int]:
    n = int(inside.sum())
    k = int(y[inside].sum())
    return (k / n if n else 0.0), (k / cases if cases else 0.0), n


def _paste(x, y, alive, lo, hi, alpha):
    """Widen one edge at a time by alpha of the box's runs while the density rises."""
    while True:
        inside = _in_box(x, lo, hi, alive)
        dens = y[inside].mean()
        step = max(1, int(alpha * inside.sum()))
        best = None
        for j in np.flatnonzero(np.isfinite(lo) | np.isfinite(hi)):
            others = lo.copy(), hi.copy()
            others[0][j], others[1][j] = -np.inf, np.inf
            free = _in_box(x, *others, alive) & ~inside
            for side in ("low", "high"):
                edge = lo[j] if side == "low" else hi[j]
                if not np.isfinite(edge):
                    continue
                cand = free & ((x[:, j] < edge) if side == "low" else (x[:, j] > edge))
                if not cand.any():
                    continue
                vals = np.sort(x[cand, j])
                new = vals[-min(step, len(vals))] if side == "low" else vals[min(step, len(vals)) - 1]
                lo2, hi2 = lo.copy(), hi.copy()
                if side == "low":
                    lo2[j] = new
                else:
                    hi2[j] = new
                d2 = y[_in_box(x, lo2, hi2, alive)].mean()
                if d2 > dens and (best is None or d2 > best[0]):
                    best = (d2, lo2, hi2)
        if best is None:
            return lo, hi
        _, lo, hi = best


def _simplify(x, y, alive, lo, hi, max_dims):
    """Drop restrictions whose removal costs less than two standard errors of density, and keep
    at most ``max_dims`` (the ones whose removal would cost the most)."""
    while True:
        dims = np.flatnonzero(np.isfinite(lo) | np.isfinite(hi))
        if len(dims) == 0:
            return lo, hi
        inside = _in_box(x, lo, hi, alive)
        dens, n = y[inside].mean(), inside.sum()
        se = np.sqrt(max(dens * (1 - dens), 1e-12) / n)
        losses = []
        for j in dims:
            lo2, hi2 = lo.copy(), hi.copy()
            lo2[j], hi2[j] = -np.inf, np.inf
            losses.append(dens - y[_in_box(x, lo2, hi2, alive)].mean())
        k = int(np.argmin(losses))
        if losses[k] < 2 * se or len(dims) > max_dims:
            lo[dims[k]], hi[dims[k]] = -np.inf, np.inf
        else:
            return lo, hi


def prim(x: np.ndarray, y: np.ndarray, alive: np.ndarray | None = None, alpha: float = 0.05,
         min_support: float = 0.05, max_dims: int = 3) -> tuple[np.ndarray, np.ndarray, list[dict]]:
    """One PRIM box over the runs in ``alive``: its lower and upper edges (infinite where open)
    and the peeling trajectory (coverage, density, support of each box)."""
    alive = np.ones(len(y), dtype=bool) if alive is None else alive
    y = y.astype(float)
    cases = int(y[alive].sum())
    boxes = _peel(x, y, alive.copy(), alpha, max(int(min_support * alive.sum()), 1))
    trajectory = []
    for _lo, _hi, inside in boxes:
        dens, cov, n = _stats(y, inside, cases)
        trajectory.append({"density": dens, "coverage": cov, "support": n})
    f1 = [2 * t["density"] * t["coverage"] / (t["density"] + t["coverage"] or 1) for t in trajectory]
    lo, hi, _ = boxes[int(np.argmax(f1))]
    lo, hi = _paste(x, y, alive, lo.copy(), hi.copy(), alpha)
    lo, hi = _simplify(x, y, alive, lo, hi, max_dims)
    return lo, hi, trajectory


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
    or "experiments" for a sweep's table (:func:`flashpoint.analysis.sweep_read.sweep_frame`).
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
    x = x[:, varies]
    n, k = len(y), int(y.sum())
    if n < MIN_RUNS:
        raise FlashpointError(f"scenario discovery needs at least {MIN_RUNS} {unit}, got {n}"
                              + (f": use --runs {MIN_RUNS} or more (a few thousand for boxes you can trust)"
                                 if unit == "runs" else ""))
    if min(k, n - k) < MIN_CASES:
        raise FlashpointError(
            f"{outcome} happened in {k:,} of {n:,} {unit}: discovery needs at least {MIN_CASES} {unit} with it and "
            f"{MIN_CASES} without; use more {unit}" + (" (--runs) or another outcome" if unit == "runs" else
                                                      " or another --threshold"))
    if not names:
        raise FlashpointError(f"these {unit} have no uncertain input that varies: nothing to discover")
    alive = np.ones(n, dtype=bool)
    found: list[Box] = []
    for rank in range(1, max_boxes + 1):
        cases = int(y[alive].sum())
        if cases < MIN_CASES:
            break
        base = cases / alive.sum()
        lo, hi, trajectory = prim(x, y, alive, alpha, min_support, max_dims)
        inside = _in_box(x, lo, hi, alive)
        dens, cov, support = _stats(y, inside, cases)
        restricted = np.isfinite(lo) | np.isfinite(hi)
        if not restricted.any() or dens <= base:
            break
        limits = {names[j]: (float(lo[j]) if np.isfinite(lo[j]) else None,
                             float(hi[j]) if np.isfinite(hi[j]) else None) for j in np.flatnonzero(restricted)}
        found.append(Box(outcome=outcome, limits=limits, density=dens, coverage=cov, support=support,
                         runs=int(alive.sum()), cases=cases, base_rate=base, rank=rank,
                         outcome_text=outcome_text, trajectory=trajectory, unit=unit))
        alive &= ~inside
    return found
