"""The sweep command: many experiments over model parameters and intervention sets, one dataset."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from flashpoint.cli import (
    DEFAULT_WORKERS,
    ExecutorKind,
    ExecutorOpt,
    ScenarioArg,
    SchedulerOpt,
    WorkersOpt,
    _load,
    app,
    chosen_executor,
    console,
    err_console,
    progress_bar,
    user_errors,
)
from flashpoint.outputs import json_text


@app.command("sweep")
@user_errors
def sweep_command(
    scenario: ScenarioArg,
    param: Annotated[list[str] | None, typer.Option(
        "--param", help="vary a model parameter, NAME=LOW:HIGH (repeatable; names as --set knows them)")] = None,
    with_sets: Annotated[str | None, typer.Option(
        "--with-sets", help="intervention sets to run each design point with: \"a;a,b;-\" "
                            "(';' between sets, ',' within one, '-' for none; default: none)")] = None,
    design: Annotated[str, typer.Option(help="grid, lhs (Latin hypercube) or sobol (Saltelli)")] = "lhs",
    points: Annotated[int | None, typer.Option(
        help="grid: levels per parameter (points^D experiments); lhs: experiments; sobol: base samples, "
             "a power of 2 (points x (D + 3) experiments)")] = None,
    runs: Annotated[int, typer.Option("--runs", "-n", help="futures per experiment")] = 2000,
    days: Annotated[int | None, typer.Option(help="days to simulate (default: the scenario's horizon)")] = None,
    seed: Annotated[int, typer.Option(help="seed of the design and of every experiment's runs")] = 1,
    out: Annotated[Path, typer.Option(help="the dataset to write (NetCDF, .nc)")] = Path("sweep.nc"),
    resume: Annotated[bool, typer.Option(help="finish an interrupted sweep (same options), keeping what finished")]
    = False,
    workers: WorkersOpt = DEFAULT_WORKERS,
    executor: ExecutorOpt = ExecutorKind.local,
    scheduler: SchedulerOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="print what was written as JSON")] = False,
) -> None:
    """Run experiments from a design over parameters and intervention sets; write one dataset."""
    # lazy: every command module loads with the CLI; this would add 717 modules to --help, list and validate
    from flashpoint.analysis.sweep import SweepPlan, parts_folder, run_sweep

    s = _load(scenario, None)
    plan = SweepPlan.build(s, design=design, params=param, with_sets=with_sets, points=points, runs=runs,
                           days=days, seed=seed)
    n = len(plan.experiments())
    t0 = time.perf_counter()
    try:
        with chosen_executor(executor, scheduler) as ex, progress_bar(n, quiet=as_json) as tick:
            ds = run_sweep(plan, out, workers=workers, resume=resume, progress=tick, executor=ex)
    except KeyboardInterrupt:
        folder = parts_folder(out)
        kept = len(list(folder.glob("experiment-*.json"))) if folder.is_dir() else 0
        err_console.print(f"interrupted: {kept:,} of {n:,} finished experiments are kept in {folder}; "
                          "the same command with --resume runs the rest")
        raise typer.Exit(130) from None
    seconds = time.perf_counter() - t0
    if as_json:
        attrs = {k: v.item() if hasattr(v, "item") else v for k, v in ds.attrs.items()}
        print(json_text({"out": str(out), "experiments": n, "seconds": round(seconds, 3), **attrs}))
        return
    console.print(f"{s.meta.title}: {n:,} experiments x {plan.runs:,} runs of {plan.days} days "
                  f"({plan.design} design, seed {plan.seed}) in {seconds:.1f} s", style="bold")
    t = Table(title="Outcome probabilities by intervention set (mean over the design, lowest-highest)")
    t.add_column("outcome")
    labels = list(dict.fromkeys(str(x) for x in ds["interventions"].to_numpy()))
    for label in labels:
        t.add_column(label, justify="right")
    for o in ds["outcome"].to_numpy():
        cells = []
        for label in labels:
            p = ds["outcome_p"].sel(outcome=o).to_numpy()[ds["interventions"].to_numpy() == label]
            cells.append(f"{p.mean():.1%}" + (f" ({p.min():.0%}-{p.max():.0%})" if len(p) > 1 else ""))
        t.add_row(str(o), *cells)
    console.print(t)
    console.print(f"written: {out}")
