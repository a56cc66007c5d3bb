"""The bargain command: run a bargaining model on an issue table and print its history.

The text output follows KTAB's log ("History of actor positions over time", "History of actors'
winning probabilities"), so a run can be compared line by line with KTAB's reference runs.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from flashpoint.cli import app, console, err_console, user_errors
from flashpoint.errors import FlashpointError
from flashpoint.outputs import json_text

MODELS = ("smp", "bdm")
TABLE_HELP = "an issue table: the KTAB CSV layout, or a BDM table 'Actor,Capability,Position,Salience'"
MODEL_HELP = ("smp (KTAB's Spatial Model of Politics) or bdm (Bueno de Mesquita, as specified by "
              "Scholz et al. 2011)")
BDM_NOTE = ("the expected-utility model (BDM) computes no per-actor probability of winning; "
            "its forecast is the weighted median (and mean) of the positions in each state")


def _bdm_history(table, rounds: int) -> dict[str, Any]:
    """BDM is one-dimensional: run it on each dimension of the table in turn."""
    # lazy: every command module loads with the CLI; this would add 213 modules to --help, list and validate
    from flashpoint.engine.strategy.bargaining import IssueTable, run_bdm

    n, dims = table.n_actors, table.n_dimensions
    positions = np.zeros((rounds + 1, n, dims))
    median = np.zeros((rounds + 1, dims))
    mean = np.zeros((rounds + 1, dims))
    for d in range(dims):
        x = table.positions[:, d]
        if np.ptp(x) == 0:                       # everyone agrees: nothing moves
            positions[:, :, d] = x[None, :]
            median[:, d] = mean[:, d] = x[0]
            continue
        one = IssueTable(actors=table.actors, capability=table.capability, positions=x.reshape(-1, 1),
                         salience=table.salience[:, d:d + 1], dimensions=(table.dimensions[d],),
                         scale=table.scale, name=table.name, source=table.source, format="bdm",
                         salience_scale=table.salience_scale)
        r = run_bdm(one, rounds=rounds)
        positions[:, :, d] = r.positions[:, :, 0]
        median[:, d], mean[:, d] = r.median, r.mean
    return {"positions": positions, "median": median, "mean": mean}


def _round(values, digits: int = 10) -> list:
    return [round(float(v), digits) for v in values]


@app.command("bargain")
@user_errors
def bargain_command(
    table: Annotated[Path, typer.Argument(help=TABLE_HELP)],
    model: Annotated[str, typer.Option(help=MODEL_HELP)] = "smp",
    rounds: Annotated[int, typer.Option(help="rounds of the BDM model (SMP stops by its own rule)")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="print the history as JSON")] = False,
    max_seconds: Annotated[float | None, typer.Option(
        help="refuse a run whose estimated time is longer, in seconds (default 120; time grows with "
             "actors^3 x rounds)", show_default=False)] = None,
) -> None:
    """Run a bargaining model on an issue table: positions and win probabilities, state by state."""
    # lazy: every command module loads with the CLI; this would add 214 modules to --help, list and validate
    from flashpoint.engine.strategy.bargaining import read_issue_table, run_smp
    from flashpoint.engine.strategy.bargaining.cost import DEFAULT_MAX_SECONDS, bdm_cost, check_cost, smp_cost

    max_seconds = DEFAULT_MAX_SECONDS if max_seconds is None else max_seconds
    if model not in MODELS:
        raise FlashpointError(f"--model {model!r}: unknown model; allowed: smp, bdm")
    if rounds < 1:
        raise FlashpointError(f"--rounds {rounds}: must be a whole number of at least 1")
    if not (max_seconds > 0 and math.isfinite(max_seconds)):
        raise FlashpointError(f"--max-seconds {max_seconds:g}: must be a positive number of seconds")
    t = read_issue_table(table)
    check_cost(smp_cost(t.n_actors, t.n_dimensions) if model == "smp"
               else bdm_cost(t.n_actors, t.n_dimensions, rounds), max_seconds)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RuntimeWarning)
        positions, probabilities, extra = _run(t, model, rounds, run_smp)
    if caught:   # the tables are checked, so this is a defect of the arithmetic: say so, once
        first = caught[0]
        err_console.print(f"warning: the {model.upper()} arithmetic met an invalid or overflowing value "
                          f"({first.message}, {Path(first.filename).name}:{first.lineno}); the numbers below "
                          "may be unreliable", highlight=False, soft_wrap=True)
    _print(table, t, model, positions, probabilities, extra, as_json)


def _run(t, model: str, rounds: int, run_smp) -> tuple[np.ndarray, np.ndarray | None, dict[str, Any]]:
    """Positions (states, actors, dimensions), SMP probabilities (None for BDM), BDM medians and means."""
    if model == "smp":
        r = run_smp(t)
        return r.positions, r.probabilities, {}
    h = _bdm_history(t, rounds)
    extra = {"note": BDM_NOTE,
             "median": {dim: _round(h["median"][:, d]) for d, dim in enumerate(t.dimensions)},
             "mean": {dim: _round(h["mean"][:, d]) for d, dim in enumerate(t.dimensions)}}
    return h["positions"], None, extra


def _print(table: Path, t, model: str, positions, probabilities, extra: dict[str, Any], as_json: bool) -> None:
    states = positions.shape[0]
    if as_json:
        out = {
            "model": model,
            "states": states,
            "actors": list(t.actors),
            "dimensions": list(t.dimensions),
            "scale": [float(t.scale[0]), float(t.scale[1])],
            "positions": {a: [_round(positions[:, i, d]) for d in range(t.n_dimensions)]
                          for i, a in enumerate(t.actors)},
            "probabilities": {a: (None if probabilities is None else _round(probabilities[:, i]))
                              for i, a in enumerate(t.actors)},
            **extra,
        }
        print(json_text(out))
        return

    def say(line: str) -> None:
        console.print(line, soft_wrap=True, highlight=False, markup=False)

    title = ("Spatial Model of Politics (KTAB)" if model == "smp"
             else "expected-utility model (BDM, Scholz et al. 2011)")
    say(f"{table}: {t.n_actors} actors, {t.n_dimensions} dimension(s); {title}")
    say(f"There were {states} states, with {states - 1} steps between them")
    say("History of actor positions over time:")
    for i, a in enumerate(t.actors):
        for d, dim in enumerate(t.dimensions):
            say(f"{a}, {dim}: " + " ".join(f"{v:5.1f}" for v in positions[:, i, d]))
    if probabilities is None:
        say(f"History of actors' winning probabilities: none; {BDM_NOTE}:")
        for dim in t.dimensions:
            say(f"median, {dim}: " + " ".join(f"{v:5.1f}" for v in extra["median"][dim]))
            say(f"mean, {dim}: " + " ".join(f"{v:5.1f}" for v in extra["mean"][dim]))
        return
    say("History of actors' winning probabilities:")
    for i, a in enumerate(t.actors):
        say(f"{a}, prob : " + " ".join(f"{v:.4f}" for v in probabilities[:, i]))
