"""Scenario discovery: EMA Workbench's PRIM (analysis/discovery.py) against the PRIM Flashpoint
had written itself (analysis/discovery.py at commit bfe8d95, read from git), on the built-in
scenarios: the boxes, their density, coverage and support, and the time each takes.

    python -m benchmarks.sweep_prim --runs 5000 --days 60
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import flashpoint
from flashpoint.analysis import discovery

OLD = "bfe8d95"
CASES = [("idlib-2020", (), "m5-held-by-regime"), ("idlib-2020", ("coalition-air-support",), "m5-held-by-regime"),
         ("idlib-2020", (), "turkey-heavy-losses"), ("idlib-2019-offensive", (), "m5-held-by-regime"),
         ("idlib-2019-offensive", (), "saraqib-held-by-regime")]


def old_module():
    root = Path(__file__).resolve().parents[1]
    text = subprocess.run(["git", "show", f"{OLD}:src/flashpoint/analysis/discovery.py"], cwd=root,
                          capture_output=True, text=True, check=True).stdout
    path = Path(tempfile.mkdtemp()) / "discovery_own.py"
    path.write_text(text, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("discovery_own", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


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
    own = old_module()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; python {sys.version.split()[0]}")
    for name, with_, outcome in CASES:
        s = flashpoint.load(name)
        s = s.apply(*with_) if with_ else s
        frame = flashpoint.api.run(s, runs=a.runs, seed=1, days=a.days, workers=a.workers, keep_runs=True).per_run()
        print(f"\n{name} {'+'.join(with_) or '(no intervention)'}, {outcome}: p = {frame[f'outcome:{outcome}'].mean():.3f}, "
              f"{sum(c.startswith('input:') for c in frame)} inputs, {a.runs} runs")
        for label, mod in (("own", own), ("EMA", discovery)):
            t0 = time.perf_counter()
            boxes = mod.discover(frame, outcome)
            took = time.perf_counter() - t0
            print(f"  {label}: {took:.2f} s, {len(boxes)} boxes")
            for b in boxes:
                print(f"    box {b.rank}: {fmt(b)}")


if __name__ == "__main__":
    main()
