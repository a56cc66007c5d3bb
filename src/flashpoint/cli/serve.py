"""The serve command: the workbench in a browser, every run kept in a database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from flashpoint.cli import app, console, user_errors


@app.command("serve")
@user_errors
def serve_command(
    host: Annotated[str, typer.Option(help="address to listen on; any but this machine's needs --token")]
    = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    database: Annotated[str | None, typer.Option(
        help="SQLAlchemy URL of the database, e.g. postgresql://user@host/flashpoint "
             "(default: SQLite in the data folder)")] = None,
    token: Annotated[str | None, typer.Option(
        help="token every request must carry ('Authorization: Bearer TOKEN'; default: $FLASHPOINT_TOKEN)")] = None,
    workers: Annotated[int, typer.Option(help="worker processes that run simulations (two: a run's two "
                                                   "variants side by side)")] = 2,
    data_dir: Annotated[Path | None, typer.Option(
        help="folder for the database and trajectories (default: the user's data folder)")] = None,
    max_runs: Annotated[int, typer.Option(help="most runs one request may ask for")] = 100_000,
    max_days: Annotated[int, typer.Option(help="most days one request may ask for")] = 365,
    queue: Annotated[int, typer.Option(help="most jobs queued or running at once (more are answered 429)")] = 16,
) -> None:
    """Serve the workbench: scenarios, runs, comparisons and the editor in a browser."""
    # lazy: uvicorn and the server's settings (80 modules) only for `flashpoint serve`, not every command
    import uvicorn

    from flashpoint.serve import Settings, create_app

    settings = Settings(host=host, port=port, database=database, token=token, workers=workers,
                        max_runs=max_runs, max_days=max_days, max_queue=queue,
                        **({"data_dir": data_dir} if data_dir else {}))
    settings.check()
    console.print(f"Flashpoint workbench on http://{host}:{port}/ (data: {settings.data_dir}; Ctrl-C stops it)")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning", timeout_graceful_shutdown=5)
