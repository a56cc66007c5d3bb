"""Commands about scenarios themselves: list, show, validate."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from flashpoint.cli import ScenarioArg, WithOpt, _load, app, console, user_errors
from flashpoint.describe import fmt_quantity, fmt_sources
from flashpoint.outputs import json_text
from flashpoint.scenario import Scenario, builtin_names, load


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
        print(json_text(rows))
        return
    table = Table(title="Built-in scenarios")
    for col in ("id", "title", "start", "days", "interventions"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["id"], r["title"], r["start"], str(r["horizon_days"]), ", ".join(r["interventions"]))
    console.print(table)


def _show(s: Scenario) -> None:
    applied = f" with {', '.join(s.applied)}" if s.applied else ""
    console.print(f"{s.meta.title}{applied}", style="bold")
    console.print(f"{s.meta.id} | from {s.meta.start} | horizon {s.meta.horizon_days} days")
    if s.meta.description:
        console.print(s.meta.description)
    if s.meta.question:
        console.print(f"Question: {s.meta.question}", style="italic")

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
    # lazy: every command module loads with the CLI; this would add 210 modules to --help, list and validate
    from flashpoint.engine.theatre import compile_theatre

    s = load(file if file.suffix == ".toml" or file.exists() else str(file))
    compile_theatre(s)  # the engine's own checks: parameter names it uses
    console.print(f"ok: {file}: scenario '{s.meta.id}', {len(s.actors)} actors, {len(s.places)} places, "
                  f"{sum(len(t) for t in (s.forces.ground, s.forces.air, s.forces.drones, s.forces.air_defence))} "
                  f"forces, {len(s.interventions)} interventions, {len(s.outcomes)} outcomes")


