"""The compare and claims commands: the difference an intervention makes, run by run, and the
sources' claims tested against the futures."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from flashpoint.cli import (
    DEFAULT_WORKERS,
    BlockSizeOpt,
    ExecutorKind,
    ExecutorOpt,
    ScenarioArg,
    SchedulerOpt,
    SetOpt,
    WorkersOpt,
    app,
    chosen_executor,
    console,
    progress_bar,
    user_errors,
)
from flashpoint.cli.run import parse_sets
from flashpoint.errors import FlashpointError
from flashpoint.outputs import check_out_file as _check_out_file
from flashpoint.outputs import json_text, write_text_atomic
from flashpoint.scenario import Scenario, load

RunsOpt = Annotated[int, typer.Option("--runs", "-n", help="futures to simulate per variant")]
SeedOpt = Annotated[int, typer.Option(help="random seed: every variant uses it, run by run (common random numbers)")]
DaysOpt = Annotated[int | None, typer.Option(help="days to simulate (default: the scenario's horizon)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print the JSON document to standard output")]
OutOpt = Annotated[Path | None, typer.Option(help="also write the JSON document to this file")]


def check_out_file(out: Path | None) -> None:
    """Refuse, before any simulation, an output file that cannot be written."""
    if out is not None:
        _check_out_file(out)


def write_json_atomically(doc: dict, out: Path) -> None:
    """Write the document whole or not at all."""
    write_text_atomic(out, json_text(doc))


def _variants(scenario: str, with_: list[str] | None, against: list[str] | None) -> tuple[Scenario, Scenario, Scenario]:
    if not with_:
        raise FlashpointError("--with: name the intervention to compare, e.g. --with coalition-air-support")
    both = sorted(set(with_) & set(against or []))
    if both:
        raise FlashpointError(f"--with and --against both name {', '.join(both)}: "
                              "compare an intervention against another one, or against the scenario as written")
    if list(with_) == list(against or []):
        raise FlashpointError("--with and --against name the same variant")
    s = load(scenario)
    base = s.apply(*against) if against else s
    return s, base, s.apply(*with_)


@app.command("compare")
@user_errors
def compare_command(
    scenario: ScenarioArg,
    with_: Annotated[list[str] | None, typer.Option(
        "--with", "-w", help="the intervention whose effect is measured (repeat to combine several)")] = None,
    against: Annotated[list[str] | None, typer.Option(
        help="compare against this intervention instead of the scenario as written (repeatable)")] = None,
    runs: RunsOpt = 10_000,
    days: DaysOpt = None,
    seed: SeedOpt = 1,
    set_: SetOpt = None,
    block_size: BlockSizeOpt = None,
    workers: WorkersOpt = DEFAULT_WORKERS,
    executor: ExecutorOpt = ExecutorKind.local,
    scheduler: SchedulerOpt = None,
    out: OutOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Measure an intervention's effect on every outcome and loss, run by run, with 95% intervals."""
    # lazy: every command module loads with the CLI; this would add 569 modules to --help, list and validate
    from flashpoint.analysis.compare import compare_runs
    from flashpoint.engine.runner import RunSpec
    from flashpoint.report.compare_text import print_comparison

    s, base, variant = _variants(scenario, with_, against)
    overrides = parse_sets(set_)
    for v in (base, variant):
        RunSpec.for_scenario(v, runs, seed, days=days, block_size=block_size, workers=workers, overrides=overrides)
    check_out_file(out)
    t0 = time.perf_counter()
    with chosen_executor(executor, scheduler) as ex, progress_bar(2 * runs, quiet=as_json) as tick:
        comparison = compare_runs(base, variant, runs=runs, seed=seed, days=days, workers=workers,
                                  block_size=block_size, set=overrides, progress=tick, executor=ex)
    seconds = time.perf_counter() - t0
    doc = comparison.to_json()
    if out is not None:
        write_json_atomically(doc, out)
    if as_json:
        print(json_text(doc))
        return
    print_comparison(console, variant, doc, seconds)
    if out is not None:
        console.print(f"written: {out}")


@app.command("claims")
@user_errors
def claims_command(
    scenario: ScenarioArg,
    runs: RunsOpt = 10_000,
    days: DaysOpt = None,
    seed: SeedOpt = 1,
    workers: WorkersOpt = DEFAULT_WORKERS,
    executor: ExecutorOpt = ExecutorKind.local,
    scheduler: SchedulerOpt = None,
    out: OutOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Test the claims of the scenario's sources against the futures, each with a number and a verdict."""
    # lazy: every command module loads with the CLI; this would add 570 modules to --help, list and validate
    from flashpoint.analysis.claims import claim_variants, claims_json, evaluate_claims
    from flashpoint.engine.runner import RunSpec
    from flashpoint.report.compare_text import print_claims

    s = load(scenario)
    if not s.claims:
        raise FlashpointError(f"scenario '{s.meta.id}' has no [claims.<id>] tables to test")
    n_days = RunSpec.for_scenario(s, runs, seed, days=days, workers=workers).days
    check_out_file(out)
    t0 = time.perf_counter()
    with chosen_executor(executor, scheduler) as ex, progress_bar(runs * len(claim_variants(s)), quiet=as_json) as tick:
        results = evaluate_claims(s, runs=runs, seed=seed, days=n_days, workers=workers, progress=tick,
                                  executor=ex)
    seconds = time.perf_counter() - t0
    doc = claims_json(s, results, runs, seed, n_days)
    if out is not None:
        write_json_atomically(doc, out)
    if as_json:
        print(json_text(doc))
        return
    print_claims(console, s, results, runs, seed, n_days, seconds)
    if out is not None:
        console.print(f"written: {out}")
