"""Scenario discovery: Flashpoint's PRIM (analysis/discovery.py) against EMA Workbench's
(``ema_workbench.analysis.prim``, wrapped below to choose a box as ``discover`` does), on the
built-in scenarios: the boxes, their density, coverage and support, and the time each takes.
The figures are quoted in analysis/discovery.py's docstring.

    python -m benchmarks.sweep_prim --runs 5000 --days 60
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings

import numpy as np
import pandas as pd

import flashpoint
from flashpoint.analysis import discovery

CASES = [("idlib-2020", (), "m5-held-by-regime"), ("idlib-2020", ("coalition-air-support",), "m5-held-by-regime"),
         ("idlib-2020", (), "turkey-heavy-losses"), ("idlib-2019-offensive", (), "m5-held-by-regime"),
         ("idlib-2019-offensive", (), "saraqib-held-by-regime")]


def ema_box(x: pd.DataFrame, y: np.ndarray, alpha: float, min_support: float, max_dims: int) -> dict:
    """EMA Workbench's PRIM box, chosen as ``discover`` chooses: the best F1 of density and coverage
    among the boxes of the trajectory restricting at most ``max_dims`` inputs, less the restrictions
    whose quasi-p value is above 0.05. Limits: input -> (low, high), None where open."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis.prim import Prim

        # any threshold in (0, 1] marks the same runs of a 0/1 outcome; the smallest keeps every box
        box = Prim(x.reset_index(drop=True), y.astype(int), threshold=1e-9, peel_alpha=alpha, paste_alpha=alpha,
                   mass_min=min_support).find_box()
    traj = box.peeling_trajectory
    f1 = (2 * traj["density"] * traj["coverage"] / (traj["density"] + traj["coverage"]).replace(0, 1)).to_numpy()
    ok = (traj["res_dim"].to_numpy() <= max_dims) & (traj["res_dim"].to_numpy() >= 1)
    if not ok.any():
        return {}
    i = int(np.argmax(np.where(ok, f1, -1.0)))
    lim, init = box.box_lims[i], box.box_lims[0]
    out = {}
    for d, sides in box.qp[i].items():
        if any(0 <= q <= 0.05 for q in sides):
            lo, hi = float(lim.loc[0, d]), float(lim.loc[1, d])
            out[d] = (None if lo <= float(init.loc[0, d]) else lo, None if hi >= float(init.loc[1, d]) else hi)
    return {d: v for d, v in out.items() if v != (None, None)}


def ema_discover(frame: pd.DataFrame, outcome: str, max_boxes: int = 2, alpha: float = 0.05,
                 min_support: float = 0.05, max_dims: int = 3) -> list[discovery.Box]:
    """``discover`` with EMA Workbench's PRIM for each box (covering: each later box among the rest)."""
    y = frame[f"outcome:{outcome}"].to_numpy(dtype=int)
    x = frame[[c for c in frame if c.startswith("input:")]]
    x = x.loc[:, np.ptp(x.to_numpy(), axis=0) > 0]
    x.columns = [c.removeprefix("input:") for c in x.columns]
    alive, found = np.ones(len(y), dtype=bool), []
    for rank in range(1, max_boxes + 1):
        cases = int(y[alive].sum())
        if cases < discovery.MIN_CASES or cases == alive.sum():
            break
        base = cases / alive.sum()
        limits = ema_box(x[alive], y[alive], alpha, min_support, max_dims)
        inside = alive.copy()
        for name, (lo, hi) in limits.items():
            col = x[name].to_numpy()
            inside &= (col >= (-np.inf if lo is None else lo)) & (col <= (np.inf if hi is None else hi))
        support = int(inside.sum())
        dens = y[inside].sum() / support if support else 0.0
        if not limits or dens <= base:
            break
        found.append(discovery.Box(outcome=outcome, limits=limits, density=dens, coverage=y[inside].sum() / cases,
                                   support=support, runs=int(alive.sum()), cases=cases, base_rate=base, rank=rank))
        alive &= ~inside
    return found


def fmt(b) -> str:
    lims = "; ".join(f"{k} {'' if lo is None else f'>= {lo:.3g}'}{' ' if lo is not None and hi is not None else ''}"
                     f"{'' if hi is None else f'<= {hi:.3g}'}" for k, (lo, hi) in b.limits.items())
    return f"density {b.density:.2f}, coverage {b.coverage:.2f}, support {b.support}: {lims}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5000)
    ap.add_argument("--days", type=int, default=60)
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; python {sys.version.split()[0]}")
    for name, with_, outcome in CASES:
        s = flashpoint.load(name)
        s = s.apply(*with_) if with_ else s
        frame = flashpoint.api.run(s, runs=a.runs, seed=1, days=a.days, workers=a.workers, keep_runs=True).per_run()
        p = frame[f"outcome:{outcome}"].mean()
        print(f"\n{name} {'+'.join(with_) or '(no intervention)'}, {outcome}: p = {p:.3f}, "
              f"{sum(c.startswith('input:') for c in frame)} inputs, {a.runs} runs")
        for label, find in (("Flashpoint", discovery.discover), ("EMA Workbench", ema_discover)):
            t0 = time.perf_counter()
            boxes = find(frame, outcome)
            took = time.perf_counter() - t0
            print(f"  {label}: {took:.2f} s, {len(boxes)} boxes")
            for b in boxes:
                print(f"    box {b.rank}: {fmt(b)}")


if __name__ == "__main__":
    main()
