"""The run command: simulate many futures of a scenario and print the answer."""

from __future__ import annotations

import math
import sys
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
    WithOpt,
    WorkersOpt,
    _load,
    app,
    chosen_executor,
    console,
    progress_bar,
    user_errors,
)
from flashpoint.errors import FlashpointError
from flashpoint.outputs import RunFolder, check_out_folder, json_text


def parse_sets(items: list[str] | None) -> dict[str, float]:
    """``--set NAME=VALUE`` pairs as a dict, with a clear message for a malformed one."""
    out: dict[str, float] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise FlashpointError(f"--set {item!r}: write NAME=VALUE, e.g. --set attrition-rate=0.02")
        try:
            number = float(value)
        except ValueError:
            raise FlashpointError(f"--set {item!r}: VALUE must be a number, got {value!r}") from None
        if not math.isfinite(number):
            raise FlashpointError(f"--set {item!r}: VALUE must be a finite number, not inf or nan")
        out[name.strip()] = number
    return out


@app.command("run")
@user_errors
def run_command(
    scenario: ScenarioArg,
    with_: WithOpt = None,
    runs: Annotated[int, typer.Option("--runs", "-n", help="number of futures to simulate")] = 10_000,
    days: Annotated[int | None, typer.Option(help="days to simulate (default: the scenario's horizon)")] = None,
    seed: Annotated[int, typer.Option(help="random seed: the same seed gives the same numbers")] = 1,
    set_: SetOpt = None,
    out: Annotated[Path, typer.Option(help="folder for the run directory")] = Path("runs"),
    block_size: BlockSizeOpt = None,
    workers: WorkersOpt = DEFAULT_WORKERS,
    executor: ExecutorOpt = ExecutorKind.local,
    scheduler: SchedulerOpt = None,
    save_trajectories: Annotated[bool, typer.Option(help="also write every run, day by day, as NetCDF")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print summary.json to standard output")] = False,
) -> None:
    """Simulate many futures of a scenario and summarise them."""
    # lazy: every command module loads with the CLI; this would add 716 modules to --help, list and validate
    from flashpoint.analysis.results import TrajectoryWriter, run_bytes, run_spec, write_run_dir
    from flashpoint.engine.inputs import uncertain_inputs
    from flashpoint.engine.runner import RunSpec
    from flashpoint.engine.theatre import compile_theatre
    from flashpoint.report.text import print_summary

    s = _load(scenario, with_)
    overrides = parse_sets(set_)
    spec = RunSpec.for_scenario(s, runs, seed, days=days, block_size=block_size, workers=workers,
                                overrides=overrides, trajectories=save_trajectories)
    # values drawn per run (each a column of trajectories.nc): the scenario's and the strategy's
    inputs = len(uncertain_inputs(compile_theatre(s, overrides))) if save_trajectories else 0
    check_out_folder(out, "--out", run_bytes(s, spec.runs, spec.days, save_trajectories, inputs))
    with RunFolder(out) as target:
        # trajectories go to disk block by block, as the runs complete: memory does not grow with runs
        writer = TrajectoryWriter(target.path / "trajectories.nc", s, spec.days) if save_trajectories else None
        with chosen_executor(executor, scheduler) as ex, progress_bar(runs, quiet=as_json) as tick:
            results = run_spec(s, spec, tick, executor=ex, on_block=writer.append if writer else None)
        if writer:
            writer.close()
        folder = write_run_dir(results, out, s.to_toml(), ["flashpoint", *sys.argv[1:]], run_folder=target)
    if as_json:
        print(json_text(results.summary()))
        return
    print_summary(console, s, results.summary(), results.job.seconds)
    console.print(f"written: {folder}")
