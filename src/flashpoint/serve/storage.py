"""The workbench's database: SQLAlchemy 2 models, the schema migrated by Alembic at start-up, and
the queries the server makes. SQLite by default, PostgreSQL (psycopg 3) by URL."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Callable
from importlib import resources
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    Integer,
    String,
    Text,
    create_engine,
    event,
    select,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from flashpoint.serve.engine_bridge import text_hash

ACTIVE = ("queued", "running")
FINISHED = ("done", "failed", "cancelled")
RESTART_ERROR = "the server stopped before this job finished; ask for it again"


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def new_id() -> str:
    return secrets.token_hex(8)


class Base(DeclarativeBase):
    pass


class ScenarioRow(Base):
    __tablename__ = "scenarios"
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    toml: Mapped[str] = mapped_column(Text)
    hash: Mapped[str] = mapped_column(String(64), index=True)
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    parent: Mapped[str | None] = mapped_column(String(80), nullable=True)
    created: Mapped[dt.datetime] = mapped_column(DateTime, default=now)


class _Request:
    """Columns of a queued computation: what fixes its numbers, its state and its timings."""

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    scenario_id: Mapped[str] = mapped_column(String(80), index=True)
    scenario_hash: Mapped[str] = mapped_column(String(64))
    scenario_toml: Mapped[str] = mapped_column(Text)
    parameters: Mapped[dict] = mapped_column(JSON)
    runs: Mapped[int] = mapped_column(Integer)
    days: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(BigInteger)
    version: Mapped[str] = mapped_column(String(32))
    cache_key: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    started: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    finished: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    seconds: Mapped[float | None] = mapped_column(Float, nullable=True)


class RunRow(_Request, Base):
    __tablename__ = "runs"
    interventions: Mapped[list] = mapped_column(JSON)
    trajectories: Mapped[bool] = mapped_column(Boolean, default=False)
    summary: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    details: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    answer: Mapped[dict | None] = mapped_column(JSON, nullable=True)   # {headline, outcomes} once answered


class ComparisonRow(_Request, Base):
    __tablename__ = "comparisons"
    with_: Mapped[list] = mapped_column("with", JSON)
    against: Mapped[list] = mapped_column(JSON)
    document: Mapped[dict | None] = mapped_column(JSON, nullable=True)


class JobRow(Base):
    __tablename__ = "jobs"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))            # run | compare
    target: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    started: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    finished: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


TARGETS = {"run": RunRow, "compare": ComparisonRow}


def cache_key(*parts: Any) -> str:
    """A digest of what fixes a result's numbers (scenario text hash, interventions in order,
    parameters set, runs, days, seed, version)."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def migrate(engine: Engine) -> None:
    """Bring the database's schema to the newest migration shipped in the package (Alembic)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("flashpoint.serve") / "migrations"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def connect(url: str) -> Engine:
    """An engine for ``url`` (sqlite:///file or postgresql+psycopg://...)."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):   # concurrent readers while a job writes
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
    else:
        engine = create_engine(url, pool_pre_ping=True)
    return engine


class Store:
    """The server's queries; every method opens and closes its own session (safe across threads)."""

    def __init__(self, url: str):
        self.engine = connect(url)
        migrate(self.engine)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.listeners: list[Callable[[str], None]] = []
        """Told the id of each run or comparison whose state changed (the event streams wait on it)."""

    def close(self) -> None:
        self.engine.dispose()

    # -- start-up
    def fail_unfinished(self) -> int:
        """Mark every job left queued or running by a previous server as failed; returns how many."""
        with self.sessions.begin() as db:
            n = 0
            for row in (JobRow, RunRow, ComparisonRow):
                res = db.execute(update(row).where(row.status.in_(ACTIVE))
                                 .values(status="failed", error=RESTART_ERROR, finished=now()))
                n += res.rowcount if row is JobRow else 0
            return n

    def sync_builtins(self, texts: dict[str, str], titles: dict[str, str]) -> None:
        """Store the built-in scenarios (their newest text under their own id)."""
        with self.sessions.begin() as db:
            for sid, text in texts.items():
                row = db.get(ScenarioRow, sid)
                if row is None:
                    db.add(ScenarioRow(id=sid, title=titles[sid], toml=text, hash=text_hash(text), builtin=True))
                elif row.hash != text_hash(text):
                    row.toml, row.hash, row.title = text, text_hash(text), titles[sid]

    # -- scenarios
    def scenarios(self) -> list[ScenarioRow]:
        with self.sessions() as db:
            return list(db.scalars(select(ScenarioRow).order_by(ScenarioRow.builtin.desc(), ScenarioRow.created)))

    def scenario(self, sid: str) -> ScenarioRow | None:
        with self.sessions() as db:
            return db.get(ScenarioRow, sid)

    def add_scenario(self, sid: str, title: str, text: str, digest: str, parent: str | None) -> ScenarioRow:
        with self.sessions.begin() as db:
            row = db.get(ScenarioRow, sid)
            if row is None:
                row = ScenarioRow(id=sid, title=title, toml=text, hash=digest, builtin=False, parent=parent)
                db.add(row)
            return row

    # -- runs and comparisons
    def find(self, kind: str, key: str) -> RunRow | ComparisonRow | None:
        """The newest stored result with this cache key that is done or still coming."""
        row = TARGETS[kind]
        with self.sessions() as db:
            return db.scalars(select(row).where(row.cache_key == key, row.status.in_(("done", *ACTIVE)))
                              .order_by(row.created.desc()).limit(1)).first()

    def add(self, kind: str, **values: Any) -> RunRow | ComparisonRow:
        """A new run or comparison and its job, both queued."""
        row_type = TARGETS[kind]
        rid = new_id()
        with self.sessions.begin() as db:
            row = row_type(id=rid, status="queued", progress=0.0, **values)
            db.add(row)
            db.add(JobRow(id=rid, kind=kind, target=rid, status="queued"))
        return row

    def get(self, kind: str, rid: str) -> RunRow | ComparisonRow | None:
        with self.sessions() as db:
            return db.get(TARGETS[kind], rid)

    def runs(self, limit: int = 200) -> list[RunRow]:
        with self.sessions() as db:
            return list(db.scalars(select(RunRow).order_by(RunRow.created.desc()).limit(limit)))

    def comparisons(self, limit: int = 200) -> list[ComparisonRow]:
        with self.sessions() as db:
            return list(db.scalars(select(ComparisonRow).order_by(ComparisonRow.created.desc()).limit(limit)))

    def set_state(self, kind: str, rid: str, status: str | None = None, only_active: bool = True,
                  **values: Any) -> bool:
        """Update a job and its target; a finished job is never changed again (returns False)."""
        row_type = TARGETS[kind]
        job_values = {k: v for k, v in values.items() if k in ("error", "started", "finished")}
        with self.sessions.begin() as db:
            where = [row_type.id == rid]
            if only_active:
                where.append(row_type.status.in_(ACTIVE))
            if status is not None:
                values["status"] = status
                job_values["status"] = status
            res = db.execute(update(row_type).where(*where).values(**values))
            if res.rowcount and job_values:
                db.execute(update(JobRow).where(JobRow.id == rid).values(**job_values))
        if res.rowcount:
            for listener in self.listeners:
                listener(rid)
        return bool(res.rowcount)

    def jobs(self) -> list[JobRow]:
        with self.sessions() as db:
            return list(db.scalars(select(JobRow).order_by(JobRow.created.desc())))


def row_dict(row: Any) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in row.__mapper__.column_attrs}


__all__ = ["Base", "ComparisonRow", "JobRow", "RunRow", "ScenarioRow", "Session", "Store", "cache_key"]
