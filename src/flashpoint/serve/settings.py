"""The workbench's settings: where it listens, where it keeps its data, and its limits."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from platformdirs import user_data_dir

from flashpoint.errors import FlashpointError

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
MAX_BODY = 1_000_000
"""Largest request body accepted, in bytes (a scenario file is about 60 kB)."""


def default_data_dir() -> Path:
    """The user's data folder for Flashpoint (platformdirs: ~/.local/share/flashpoint on Linux)."""
    return Path(user_data_dir("flashpoint", appauthor=False))


@dataclass
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = field(default_factory=default_data_dir)
    database: str | None = None          # a SQLAlchemy URL; default: SQLite in data_dir
    token: str | None = None
    workers: int = 2                     # worker processes: a run's two variants side by side
    max_runs: int = 100_000              # per request
    max_days: int = 365                  # per request
    max_queue: int = 16                  # jobs queued or running at once; more get 429
    max_body: int = MAX_BODY

    def __post_init__(self) -> None:
        self.data_dir = Path(self.data_dir)
        if self.token is None:
            self.token = os.environ.get("FLASHPOINT_TOKEN") or None

    @property
    def database_url(self) -> str:
        return self.database or f"sqlite:///{self.data_dir / 'flashpoint.db'}"

    @property
    def trajectories_dir(self) -> Path:
        return self.data_dir / "trajectories"

    def check(self) -> None:
        """Refuse settings that would expose the server: any host but the loopback needs a token."""
        if self.host not in LOCAL_HOSTS and not self.token:
            raise FlashpointError(f"--host {self.host}: serving beyond this machine needs a token; give --token "
                                  "or set FLASHPOINT_TOKEN (clients then send 'Authorization: Bearer TOKEN')")
        for name, value, low in (("--workers", self.workers, 1), ("--port", self.port, 0),
                                 ("max runs", self.max_runs, 1), ("max days", self.max_days, 1),
                                 ("queue size", self.max_queue, 1)):
            if value < low:
                raise FlashpointError(f"{name} {value}: must be at least {low}")
