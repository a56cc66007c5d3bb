"""The ``flashpoint`` command line: list, show, validate and run scenarios.

Every command validates its input once, here at the edge; a bad input prints one clear message
(file, field, value, what is allowed) and exits with code 2, never a traceback.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from flashpoint import __version__
from flashpoint.describe import fmt_quantity, fmt_sources
from flashpoint.errors import FlashpointError
from flashpoint.scenario import Scenario, builtin_names, load

app = typer.Typer(
    help="Flashpoint: simulate 'what happens if...?' questions about armed crises.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Tables need room: when the output is not a terminal (a pipe, a log), do not squeeze them into 80.
console = Console(width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 160)

ScenarioArg = Annotated[str, typer.Argument(help="a built-in scenario id (see 'flashpoint list') or a .toml file")]
WithOpt = Annotated[
    list[str] | None,
    typer.Option("--with", "-w", help="apply an intervention (repeat for several, applied in order)"),
]


def user_errors(func: Callable) -> Callable:
    """Print a FlashpointError as a message and exit 2; Ctrl-C exits 130 without a traceback."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except FlashpointError as exc:
            err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            err_console.print("interrupted: nothing was written")
            raise typer.Exit(130) from None

    return wrapper


def _load(scenario: str, interventions: list[str] | None) -> Scenario:
    s = load(scenario)
    return s.apply(*interventions) if interventions else s


def _version(value: bool) -> None:
    if value:
        console.print(f"flashpoint {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="print the version and exit")] = False,
) -> None:
    """Flashpoint: simulate 'what happens if...?' questions about armed crises."""


@app.command("list")
@user_errors
def list_scenarios(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
) -> None:
    """List the built-in scenarios."""
    rows = []
    for name in builtin_names():
        s = load(name)
        rows.append({"id": name, "title": s.meta.title, "start": s.meta.start.isoformat(),
                     "horizon_days": s.meta.horizon_days, "interventions": sorted(s.interventions)})
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    table = Table(title="Built-in scenarios")
    for col in ("id", "title", "start", "days", "interventions"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["id"], r["title"], r["start"], str(r["horizon_days"]), ", ".join(r["interventions"]))
    console.print(table)


def _show(s: Scenario) -> None:
    applied = f" with {', '.join(s.applied)}" if s.applied else ""
    console.print(f"[bold]{s.meta.title}[/]{applied}")
    console.print(f"{s.meta.id} | from {s.meta.start} | horizon {s.meta.horizon_days} days")
    if s.meta.description:
        console.print(s.meta.description)
    if s.meta.question:
        console.print(f"[italic]Question:[/] {s.meta.question}")

    t = Table(title="Actors")
    for col in ("id", "name", "camp", "principal", "holds", "stakes"):
        t.add_column(col)
    for aid, a in s.actors.items():
        held = sum(1 for holder in s.control.values() if holder == aid)
        stakes = ", ".join(f"{k} {fmt_quantity(v)}" for k, v in a.stakes.items())
        t.add_row(aid, a.name, a.camp, "yes" if a.principal else "", str(held) if held else "", stakes)
    console.print(t)

    t = Table(title="Ground forces")
    for col in ("id", "owner", "place", "personnel", "tanks", "IFVs", "artillery", "posture", "source"):
        t.add_column(col)
    for fid, f in s.forces.ground.items():
        posture = f.posture + (", pulls out" if f.pulls_out else "")
        t.add_row(fid, f.owner, f.place, fmt_quantity(f.personnel), fmt_quantity(f.tanks),
                  fmt_quantity(f.ifvs), fmt_quantity(f.artillery), posture, fmt_sources(f.source))
    console.print(t)

    t = Table(title="Air wings and drones")
    for col in ("id", "owner", "base", "type", "aircraft", "sorties/day each", "missions", "commitment"):
        t.add_column(col)
    for fid, w in s.forces.air.items():
        missions = ", ".join(f"{m} {v:g}" for m, v in w.missions.items())
        t.add_row(fid, w.owner, w.base, w.aircraft_type, fmt_quantity(w.aircraft),
                  fmt_quantity(w.sortie_rate), missions, fmt_quantity(w.commitment))
    for fid, d in s.forces.drones.items():
        t.add_row(fid, d.owner, d.base, d.drone_type, fmt_quantity(d.count),
                  fmt_quantity(d.sorties_per_day), "drone strike", fmt_quantity(d.commitment))
    console.print(t)

    t = Table(title="Air defence")
    for col in ("id", "owner", "place", "system", "range km", "P(engage)", "P(kill)", "missiles"):
        t.add_column(col)
    for fid, b in s.forces.air_defence.items():
        t.add_row(fid, b.owner, b.place, b.system, f"{b.range_km:g}", fmt_quantity(b.engagement_prob),
                  fmt_quantity(b.kill_prob), fmt_quantity(b.missiles))
    console.print(t)

    t = Table(title="Interventions")
    t.add_column("id")
    t.add_column("applied")
    t.add_column("description")
    for iid, i in s.interventions.items():
        t.add_row(iid, "yes" if iid in s.applied else "", i.description)
    console.print(t)

    t = Table(title="Outcomes")
    t.add_column("id")
    t.add_column("description")
    for oid, o in s.outcomes.items():
        t.add_row(oid, o.description)
    console.print(t)
    console.print(f"{len(s.places)} places, {len(s.routes)} routes, {len(s.posts)} observation posts, "
                  f"{len(s.parameters)} model parameters, {len(s.sources)} sources")


@app.command()
@user_errors
def show(
    scenario: ScenarioArg,
    with_: WithOpt = None,
    toml: Annotated[bool, typer.Option("--toml", help="print the resolved scenario as TOML")] = False,
) -> None:
    """Show a scenario: actors, forces, interventions and outcomes (after --with, if given)."""
    s = _load(scenario, with_)
    if toml:
        sys.stdout.write(s.to_toml())
        return
    _show(s)


@app.command()
@user_errors
def validate(
    file: Annotated[Path, typer.Argument(help="the scenario file to check")],
) -> None:
    """Check a scenario file: syntax, fields, cross-references and every intervention."""
    s = load(file if file.suffix == ".toml" or file.exists() else str(file))
    console.print(f"ok: {file}: scenario '{s.meta.id}', {len(s.actors)} actors, {len(s.places)} places, "
                  f"{sum(len(t) for t in (s.forces.ground, s.forces.air, s.forces.drones, s.forces.air_defence))} "
                  f"forces, {len(s.interventions)} interventions, {len(s.outcomes)} outcomes")


def parse_sets(items: list[str] | None) -> dict[str, float]:
    """``--set NAME=VALUE`` pairs as a dict, with a clear message for a malformed one."""
    out: dict[str, float] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise FlashpointError(f"--set {item!r}: write NAME=VALUE, e.g. --set attrition-rate=0.02")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            raise FlashpointError(f"--set {item!r}: VALUE must be a number, got {value!r}") from None
    return out


def _progress_runner(total: int, quiet: bool):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    if quiet:
        return None, None
    bar = Progress(TextColumn("simulating"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   console=err_console, transient=True)
    task = bar.add_task("runs", total=total)
    return bar, lambda n: bar.advance(task, n)


@app.command()
@user_errors
def run(
    scenario: ScenarioArg,
    with_: WithOpt = None,
    runs: Annotated[int, typer.Option("--runs", "-n", help="number of futures to simulate")] = 10_000,
    days: Annotated[int | None, typer.Option(help="days to simulate (default: the scenario's horizon)")] = None,
    seed: Annotated[int, typer.Option(help="random seed: the same seed gives the same numbers")] = 1,
    set_: Annotated[list[str] | None, typer.Option("--set", help="override a model parameter, NAME=VALUE")] = None,
    out: Annotated[Path, typer.Option(help="folder for the run directory")] = Path("runs"),
    block_size: Annotated[int, typer.Option(help="runs per block (rounded up to a multiple of 250)")] = 2500,
    workers: Annotated[int, typer.Option(help="local worker processes")] = 1,
    save_trajectories: Annotated[bool, typer.Option(help="also write every run, day by day, as NetCDF")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print summary.json to standard output")] = False,
) -> None:
    """Simulate many futures of a scenario and summarise them."""
    from flashpoint.analysis.results import check_writable, write_run_dir
    from flashpoint.api import run as run_api
    from flashpoint.engine.runner import RunSpec, check_spec
    from flashpoint.report.text import print_summary

    s = _load(scenario, with_)
    overrides = parse_sets(set_)
    spec = RunSpec(runs=runs, days=s.meta.horizon_days if days is None else days, seed=seed,
                   block_size=block_size, workers=workers, overrides=overrides)
    check_spec(s, spec)
    check_writable(out)
    bar, tick = _progress_runner(runs, quiet=as_json)
    if bar:
        bar.start()
    try:
        results = run_api(s, runs=spec.runs, seed=seed, days=spec.days, block_size=block_size,
                          workers=workers, set=overrides, trajectories=save_trajectories, progress=tick)
    finally:
        if bar:
            bar.stop()
    folder = write_run_dir(results, out, s.to_toml(), ["flashpoint", *sys.argv[1:]])
    if as_json:
        print(json.dumps(results.summary(), indent=2))
        return
    print_summary(console, s, results.summary(), results.outcome.seconds)
    console.print(f"written: {folder}")
