"""The ``flashpoint`` command line: one Typer app; each module of this package adds its commands.

Every command validates its input once, here at the edge; a bad input prints one clear message
(file, field, value, what is allowed) and exits with code 2, never a traceback.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import warnings
from collections.abc import Callable, Iterator
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from flashpoint.errors import FlashpointError, FlashpointWarning
from flashpoint.scenario import Scenario, load
from flashpoint.version import __version__

if TYPE_CHECKING:
    from flashpoint.engine.executor import Executor

app = typer.Typer(
    help="Flashpoint: simulate 'what happens if...?' questions about armed crises.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Scenario text is printed as it is written (markup off), so brackets in a value stay visible.
# Tables need room: when the output is not a terminal (a pipe, a log), do not squeeze them into 80.
console = Console(width=None if sys.stdout.isatty() else 160, markup=False)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 160, markup=False)

ScenarioArg = Annotated[str, typer.Argument(help="a built-in scenario id (see 'flashpoint list') or a .toml file")]
WithOpt = Annotated[
    list[str] | None,
    typer.Option("--with", "-w", help="apply an intervention (repeat for several, applied in order)"),
]



def _cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


DEFAULT_WORKERS = _cores()
WorkersOpt = Annotated[int, typer.Option(help="local worker processes (default: one per core of this machine)")]
SetOpt = Annotated[list[str] | None, typer.Option("--set", help="override a model parameter, NAME=VALUE")]
BlockSizeOpt = Annotated[int | None, typer.Option(
    help="runs per block, rounded up to a multiple of 250 (default: an equal share per worker, at most 5,000)",
    show_default=False)]



class ExecutorKind(StrEnum):
    local = "local"
    dask = "dask"


# where the runs are simulated, shared by every command that simulates
ExecutorOpt = Annotated[ExecutorKind, typer.Option(
    "--executor", help="where the runs are simulated: local (worker processes of this machine) or dask (the "
    "workers of a Dask cluster, see --scheduler and docs/cluster.md; --workers then only sizes the default "
    "block). The numbers are the same")]
SchedulerOpt = Annotated[str | None, typer.Option(
    "--scheduler", envvar="FLASHPOINT_SCHEDULER", show_default=False,
    help="with --executor dask: the Dask scheduler's address, e.g. tcp://10.0.0.5:8786")]


@contextlib.contextmanager
def chosen_executor(kind: ExecutorKind, scheduler: str | None) -> Iterator[Executor | None]:
    """The executor of ``--executor`` for the ``with`` block: None for local (each command starts
    its own pool of ``--workers``), or a client of the Dask scheduler, closed after the block."""
    if kind is not ExecutorKind.dask:
        yield None
        return
    if not scheduler:
        raise FlashpointError("--executor dask: give the scheduler's address with --scheduler ADDRESS (or the "
                              "FLASHPOINT_SCHEDULER environment variable), e.g. tcp://10.0.0.5:8786")
    # deferred: Dask is imported only when it is chosen
    from flashpoint.engine.dask_executor import dask_executor

    with dask_executor(scheduler) as executor:
        yield executor


def user_errors(func: Callable) -> Callable:
    """Print a FlashpointError as a message and exit 2; Ctrl-C exits 130 without a traceback."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except FlashpointError as exc:
            err_console.print(Text.assemble(("error:", "bold red"), " ", str(exc)), highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            err_console.print("interrupted: nothing was written")
            raise typer.Exit(130) from None

    return wrapper


@contextlib.contextmanager
def progress_bar(total: int | None, quiet: bool) -> Iterator[Callable[..., None] | None]:
    """A Rich progress bar on standard error, shown while the ``with`` block runs; yields the
    callback that advances it, ``tick(n, total=None)`` (the total may be set late, by the first
    report), or None when ``quiet``."""
    if quiet:
        yield None
        return
    # redrawn by each report rather than by a refresh thread: worker processes are forked from this
    # one (engine/runner.py), and a fork must not copy a thread that may be holding the console
    bar = Progress(TextColumn("simulating"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   console=err_console, transient=True, auto_refresh=False)
    task = bar.add_task("runs", total=total)

    def tick(n: int, total: int | None = None) -> None:
        if total is not None:
            bar.update(task, total=total)
        bar.advance(task, n)
        bar.refresh()

    bar.start()
    try:
        yield tick
    finally:
        bar.stop()


def _load(scenario: str, interventions: list[str] | None) -> Scenario:
    s = load(scenario)
    return s.apply(*interventions) if interventions else s


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Flashpoint's own warnings as one line on standard error; others as Python shows them."""
    if issubclass(category, FlashpointWarning):
        err_console.print(Text.assemble(("warning:", "bold yellow"), " ", str(message)), highlight=False,
                          soft_wrap=True)
    else:
        _python_show_warning(message, category, filename, lineno, file, line)


_python_show_warning = warnings.showwarning
warnings.showwarning = _show_warning


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



# The commands, by subject; importing a module registers its commands on ``app``.
from flashpoint.cli import bargain, compare, history, report, run, scenarios, sensitivity, serve, sweep  # noqa: E402,F401
