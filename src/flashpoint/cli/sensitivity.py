"""The sensitivity and discover commands: which uncertain inputs drive an outcome, and which
combinations of their values lead to it."""

from __future__ import annotations

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
    WithOpt,
    WorkersOpt,
    _load,
    app,
    chosen_executor,
    console,
    load,
    progress_bar,
    user_errors,
)
from flashpoint.errors import FlashpointError
from flashpoint.outputs import json_text

BAR = 24
FromSweepOpt = Annotated[Path | None, typer.Option(
    "--from-sweep", help="read the experiments of a sweep (flashpoint sweep) instead of running new ones")]


def _sweep_of(scenario: str, path: Path):
    """The sweep at ``path``, checked to be of ``scenario``."""
    # lazy: every command module loads with the CLI; this would add 718 modules to --help, list and validate
    from flashpoint.analysis.sweep_read import open_sweep

    ds = open_sweep(path)
    sid = load(scenario).meta.id
    if ds.attrs["scenario"] != sid:
        raise FlashpointError(f"--from-sweep {path}: a sweep of scenario '{ds.attrs['scenario']}', not '{sid}'")
    return ds


def _bar(value: float, top: float) -> str:
    n = 0 if top <= 0 else round(BAR * max(value, 0.0) / top)
    return "█" * n


@app.command("sensitivity")
@user_errors
def sensitivity_command(
    scenario: ScenarioArg,
    outcome: Annotated[str, typer.Option("--outcome", "-o",
                                         help="an outcome id, or a metric actor.quantity (e.g. russia.aircraft_lost)")],
    with_: WithOpt = None,
    method: Annotated[str, typer.Option(
        help="sobol (variance shares, S1 and ST) or morris (screening, mu*)")] = "sobol",
    samples: Annotated[int | None, typer.Option(
        help="Sobol: base samples N, a power of 2 (N x (inputs + 3) runs; default 128); "
             "Morris: trajectories r (r x (inputs + 2) runs; default 10)")] = None,
    replicates: Annotated[int, typer.Option(help="runs per design point, averaged (less chance in the indices)")] = 1,
    input_: Annotated[list[str] | None, typer.Option(
        "--input", help="vary only these inputs (a path or a pattern such as 'parameters.*'; repeatable)")] = None,
    seed: Annotated[int, typer.Option(help="random seed of the design and of the runs")] = 1,
    days: Annotated[int | None, typer.Option(help="days to simulate (default: the scenario's horizon)")] = None,
    workers: WorkersOpt = DEFAULT_WORKERS,
    executor: ExecutorOpt = ExecutorKind.local,
    scheduler: SchedulerOpt = None,
    top: Annotated[int, typer.Option(help="inputs to list (the most influential first)")] = 15,
    from_sweep: FromSweepOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
    max_runs: Annotated[int | None, typer.Option(
        help="refuse a design that needs more runs (default 1,000,000)", show_default=False)] = None,
) -> None:
    """Global sensitivity of an outcome or a loss to the scenario's uncertain inputs (SALib)."""
    # lazy: every command module loads with the CLI; this would add 718 modules to --help, list and validate
    from flashpoint.analysis.sensitivity import sensitivity

    if from_sweep is not None:
        # lazy: every command module loads with the CLI; this would add 718 modules to --help, list and validate
        from flashpoint.analysis.sweep_read import sweep_sensitivity

        ds = _sweep_of(scenario, from_sweep)
        if method.lower() != "sobol":
            raise FlashpointError(f"--method {method} with --from-sweep: a sweep's design can only give Sobol "
                                  "indices (flashpoint sweep --design sobol); run without --from-sweep for Morris")
        result = sweep_sensitivity(ds, outcome, with_, seed)
        s = _load(scenario, None if result.interventions == [] else result.interventions)
    else:
        s = _load(scenario, with_)
        with chosen_executor(executor, scheduler) as ex, progress_bar(None, quiet=as_json) as tick:
            result = sensitivity(s, outcome, method=method, base_samples=samples, seed=seed, days=days,
                                 workers=workers, inputs=input_, replicates=replicates, progress=tick, executor=ex,
                                 **({} if max_runs is None else {"max_runs": max_runs}))
    if as_json:
        print(json_text(result.to_json()))
        return
    applied = f" with {', '.join(s.applied)}" if s.applied else " (no intervention)"
    what = (f"P({outcome}) = {result.mean:.1%}" if result.kind == "outcome"
            else f"mean {outcome} = {result.mean:,.3g}")
    console.print(f"{s.meta.title}{applied}", style="bold")
    console.print(f"Sensitivity of {outcome} ({result.method}, {len(result.rows)} uncertain inputs): "
                  f"{result.runs:,} runs of {result.days} days, seed {result.seed}, in {result.seconds:.1f} s; "
                  f"{what} over the design")
    ranked = result.ranked
    t = Table(title=f"Most influential inputs (95% intervals); bars: {'ST' if result.method == 'sobol' else 'mu*'}")
    t.add_column("#", justify="right")
    t.add_column("input")
    if result.method == "sobol":
        for col in ("S1", "ST"):
            t.add_column(col, justify="right")
    else:
        for col in ("mu*", "mu", "sigma"):
            t.add_column(col, justify="right")
    t.add_column("beyond chance")
    t.add_column("")
    top_value = max((r["value"] for r in ranked), default=0.0)
    for i, (row, rk) in enumerate(zip(result.rows[:top], ranked[:top], strict=False), start=1):
        if result.method == "sobol":
            cells = [f"{row['S1']:.3f} ± {row['S1_conf']:.3f}", f"{row['ST']:.3f} ± {row['ST_conf']:.3f}"]
        else:
            cells = [f"{row['mu_star']:.3g} ± {row['mu_star_conf']:.2g}", f"{row['mu']:.3g}", f"{row['sigma']:.3g}"]
        t.add_row(str(i), row["input"], *cells, "yes" if row["above_noise"] else "no", _bar(rk["value"], top_value))
    console.print(t)
    key = result.value_key
    console.print(f"Chance alone (a dummy input the model never reads) gives {key} = "
                  f"{result.noise.get(key, 0.0):.3g} ± {result.noise.get(key + '_conf', 0.0):.2g}; "
                  f"{sum(r['above_noise'] for r in result.rows)} of {len(result.rows)} inputs are beyond it "
                  "(their interval wholly above). "
                  + ("Each design point is an experiment of the sweep, its value a mean over its runs."
                     if from_sweep is not None else "Each design point is one run with its own chance"
                     + (f", averaged over {result.replicates} replicates." if result.replicates > 1
                        else "; --replicates averages several.")))


@app.command("discover")
@user_errors
def discover_command(
    scenario: ScenarioArg,
    outcome: Annotated[str, typer.Option("--outcome", "-o", help="the outcome id to explain")],
    with_: WithOpt = None,
    runs: Annotated[int, typer.Option("--runs", "-n", help="number of futures to search")] = 5000,
    seed: Annotated[int, typer.Option(help="random seed")] = 1,
    days: Annotated[int | None, typer.Option(help="days to simulate (default: the scenario's horizon)")] = None,
    workers: WorkersOpt = DEFAULT_WORKERS,
    executor: ExecutorOpt = ExecutorKind.local,
    scheduler: SchedulerOpt = None,
    boxes: Annotated[int, typer.Option(help="most boxes to look for")] = 2,
    max_dims: Annotated[int, typer.Option(help="most inputs a box may restrict")] = 3,
    from_sweep: FromSweepOpt = None,
    threshold: Annotated[float, typer.Option(
        help="with --from-sweep: an experiment counts when its probability of the outcome is at least this")] = 0.5,
    as_json: Annotated[bool, typer.Option("--json", help="print the boxes as JSON")] = False,
) -> None:
    """Scenario discovery: which combinations of input values lead to an outcome (PRIM boxes)."""
    # lazy: every command module loads with the CLI; this would add 716 modules to --help, list and validate
    from flashpoint.analysis.discovery import discover, outcome_column
    from flashpoint.analysis.results import run

    s = _load(scenario, with_)
    if outcome not in s.outcomes:
        raise FlashpointError(f"--outcome {outcome}: not an outcome of scenario '{s.meta.id}'; "
                              f"known: {', '.join(s.outcomes) or 'none'}")
    if boxes < 1 or max_dims < 1:
        raise FlashpointError(f"--boxes {boxes}, --max-dims {max_dims}: each must be at least 1")
    if from_sweep is not None:
        _discover_sweep(s, _sweep_of(scenario, from_sweep), outcome, threshold, boxes, max_dims, as_json)
        return
    with chosen_executor(executor, scheduler) as ex, progress_bar(runs, quiet=as_json) as tick:
        results = run(s, runs=runs, seed=seed, days=days, workers=workers, keep_runs=True, progress=tick,
                      executor=ex)
    frame = results.per_run()
    outcome_column(frame, outcome)
    found = discover(frame, outcome, max_boxes=boxes, max_dims=max_dims,
                     outcome_text=s.outcomes[outcome].description)
    if as_json:
        print(json_text({"scenario": s.meta.id, "interventions": list(s.applied), "outcome": outcome,
                          "runs": runs, "seed": seed, "days": results.job.spec.days,
                          "p": float(frame[f"outcome:{outcome}"].mean()),
                          "boxes": [b.to_json() for b in found]}))
        return
    applied = f" with {', '.join(s.applied)}" if s.applied else " (no intervention)"
    console.print(f"{s.meta.title}{applied}", style="bold")
    console.print(f"Where {outcome} happens: {runs:,} futures of {results.job.spec.days} days, seed {seed}; "
                  f"it happens in {frame[f'outcome:{outcome}'].mean():.1%} of them")
    _print_boxes(found)


def _discover_sweep(s, ds, outcome: str, threshold: float, boxes: int, max_dims: int, as_json: bool) -> None:
    """``discover --from-sweep``: PRIM over the sweep's experiments."""
    # lazy: every command module loads with the CLI; this would add 718 modules to --help, list and validate
    from flashpoint.analysis.discovery import discover
    from flashpoint.analysis.sweep_read import sweep_frame

    frame = sweep_frame(ds, outcome, threshold)
    found = discover(frame, outcome, max_boxes=boxes, max_dims=max_dims, unit="experiments",
                     outcome_text=f"P({outcome}) at least {threshold:.0%}")
    n, share = len(frame), float(frame[f"outcome:{outcome}"].mean())
    if as_json:
        print(json_text({"scenario": s.meta.id, "from_sweep": True, "outcome": outcome, "threshold": threshold,
                          "experiments": n, "runs": int(ds.attrs["runs"]), "seed": int(ds.attrs["seed"]),
                          "days": int(ds.attrs["days"]), "p": share, "boxes": [b.to_json() for b in found]}))
        return
    console.print(s.meta.title, style="bold")
    console.print(f"Where P({outcome}) is at least {threshold:.0%}: {n:,} experiments of a {ds.attrs['design']} sweep "
                  f"({int(ds.attrs['runs']):,} runs of {int(ds.attrs['days'])} days each); {share:.1%} of them")
    _print_boxes(found)


def _print_boxes(found) -> None:
    if not found:
        console.print("No box of inputs makes it more likely than elsewhere: with these runs it looks like "
                      "chance, or the combination is finer than a few inputs can say.")
        return
    for b in found:
        console.print(f"Box {b.rank}: density {b.density:.0%}, coverage {b.coverage:.0%}, "
                      f"support {b.support:,} of {b.runs:,}", style="bold")
        t = Table()
        for col in ("input", "from", "to"):
            t.add_column(col, justify="left" if col == "input" else "right")
        for name, (lo, hi) in b.limits.items():
            t.add_row(name, "-" if lo is None else f"{lo:.4g}", "-" if hi is None else f"{hi:.4g}")
        console.print(t)
        console.print(b.describe())
    console.print("Density and coverage are measured on the same runs the boxes were found in; "
                  "check a box on fresh runs (another --seed) before you lean on it.")
