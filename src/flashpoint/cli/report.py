"""The report command: one self-contained HTML file comparing a scenario without and with an intervention."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from flashpoint.cli import (
    DEFAULT_WORKERS,
    ExecutorKind,
    ExecutorOpt,
    ScenarioArg,
    SchedulerOpt,
    WithOpt,
    WorkersOpt,
    app,
    chosen_executor,
    console,
    err_console,
    user_errors,
)


@app.command("report")
@user_errors
def report_command(
    scenario: ScenarioArg,
    with_: WithOpt = None,
    runs: Annotated[int, typer.Option("--runs", "-n", help="futures to simulate, with and without the intervention")]
    = 3000,
    days: Annotated[int | None, typer.Option(help="days to simulate (default: the scenario's horizon)")] = None,
    seed: Annotated[int, typer.Option(help="random seed: the same seed gives the same numbers")] = 1,
    out: Annotated[Path, typer.Option(help="the HTML file to write")] = Path("report.html"),
    workers: WorkersOpt = DEFAULT_WORKERS,
    executor: ExecutorOpt = ExecutorKind.local,
    scheduler: SchedulerOpt = None,
    png: Annotated[Path | None, typer.Option(help="also write each figure as a PNG into this folder "
                                                  "(needs Chromium)")] = None,
) -> None:
    """Write an HTML report (map, charts, tables; works offline) comparing a scenario without and with interventions."""
    # lazy: every command module loads with the CLI; this would add 810 modules to --help, list and validate
    from flashpoint.report.build import report

    def say(step: str) -> None:
        err_console.print(f"{step}...")

    with chosen_executor(executor, scheduler) as ex:
        path = report(scenario, with_=with_ or [], runs=runs, seed=seed, out=out, days=days, workers=workers,
                      png=png, progress=say, executor=ex)
    console.print(f"written: {path}")
    if png is not None:
        console.print(f"figures: {png}")
