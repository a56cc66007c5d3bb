"""The workbench's storage, the same tests on SQLite and on a real PostgreSQL server that the tests
start (Debian's postgresql, with pytest-postgresql's janitor creating the database); the PostgreSQL
case is skipped, with the reason, where the server cannot be installed or started."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from tests.serve.conftest import free_port

from flashpoint.serve.storage import RESTART_ERROR, Store, cache_key


def _pg_bin() -> str | None:
    found = shutil.which("pg_ctl")
    if found:
        return os.path.dirname(found)
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return os.path.dirname(versions[-1]) if versions else None


@pytest.fixture(scope="module")
def postgresql_url():
    """A PostgreSQL server of its own in a temporary folder (as the postgres user when the tests run
    as root, since PostgreSQL refuses to run as root) and an empty database on it."""
    janitor = pytest.importorskip("pytest_postgresql.janitor")
    pg = _pg_bin()
    if pg is None:
        pytest.skip("PostgreSQL is not installed (Debian: apt-get install postgresql)")
    as_user: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="flashpoint-pg-"))   # in /tmp itself: pytest's folders are root's alone
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            pytest.skip("running as root without runuser: PostgreSQL cannot start")
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(folder, "postgres")
    data, port = folder / "data", free_port()
    init = subprocess.run([*as_user, f"{pg}/initdb", "-D", str(data), "-U", "postgres", "-A", "trust"],
                          capture_output=True, text=True)
    if init.returncode:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip(f"initdb failed: {init.stderr.strip()[-300:]}")
    start = subprocess.run([*as_user, f"{pg}/pg_ctl", "-D", str(data), "-w", "-l", str(folder / "log"), "-o",
                            f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off", "start"],
                           capture_output=True, text=True)
    if start.returncode:
        pytest.skip(f"PostgreSQL did not start: {start.stderr.strip()[-300:]}")
    try:
        with janitor.DatabaseJanitor(user="postgres", host="127.0.0.1", port=port, dbname="flashpoint_test"):
            yield f"postgresql://postgres@127.0.0.1:{port}/flashpoint_test"
    finally:
        subprocess.run([*as_user, f"{pg}/pg_ctl", "-D", str(data), "-m", "fast", "stop"], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    url = f"sqlite:///{tmp_path / 'flashpoint.db'}" if request.param == "sqlite" \
        else request.getfixturevalue("postgresql_url")
    s = Store(url)
    yield s
    with s.engine.begin() as conn:          # leave the shared PostgreSQL database empty
        for table in ("jobs", "runs", "comparisons", "scenarios"):
            conn.execute(text(f"DELETE FROM {table}"))
    s.close()


def _run(store: Store, key: str = "k", seed: int = 1, **extra):
    values = {"scenario_id": "idlib-2020", "scenario_hash": "h", "scenario_toml": "[meta]", "interventions": ["a"],
              "parameters": {"attrition-rate": 0.02}, "runs": 250, "days": 5, "seed": seed, "version": "0.1.0",
              "cache_key": key, **extra}
    return store.add("run", **values)


def test_the_schema_comes_from_the_migrations(store):
    tables = set(inspect(store.engine).get_table_names())
    assert {"scenarios", "runs", "comparisons", "jobs", "alembic_version"} <= tables
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0002"
    assert "answer" in {c["name"] for c in inspect(store.engine).get_columns("runs")}      # 0002
    Store(str(store.engine.url.render_as_string(hide_password=False))).close()   # a second start: nothing to do


def test_results_round_trip_exactly(store):
    summary = {"outcomes": {"m5": {"p": 0.1956, "ci95": [0.18, 0.21], "count": 1956}}, "territory": {"a": [1, 2]}}
    row = _run(store, seed=2**63 - 1)
    assert store.set_state("run", row.id, "running", started=row.created)
    assert store.set_state("run", row.id, "done", summary=summary, details={"x": None}, progress=1.0, seconds=1.5)
    back = store.get("run", row.id)
    assert back.summary == summary and back.details == {"x": None}
    assert int(back.seed) == 2**63 - 1 and back.parameters == {"attrition-rate": 0.02} and back.interventions == ["a"]
    assert [j.status for j in store.jobs()] == ["done"]


def test_the_cache_finds_done_or_coming_results_only(store):
    key = cache_key("run", "h", ["a"], {}, 250, 5, 1, "0.1.0", False)
    assert key == cache_key("run", "h", ["a"], {}, 250, 5, 1, "0.1.0", False)
    assert key != cache_key("run", "h", ["a"], {}, 250, 5, 2, "0.1.0", False)
    assert store.find("run", key) is None
    failed = _run(store, key)
    store.set_state("run", failed.id, "failed", error="boom")
    assert store.find("run", key) is None          # a failure is asked again
    queued = _run(store, key)
    assert store.find("run", key).id == queued.id
    store.set_state("run", queued.id, "done", summary={})
    assert store.find("run", key).id == queued.id


def test_a_finished_job_is_not_changed_again(store):
    row = _run(store)
    assert store.set_state("run", row.id, "cancelled")
    assert not store.set_state("run", row.id, "done", summary={"late": True})
    assert store.get("run", row.id).status == "cancelled" and store.get("run", row.id).summary is None


def test_a_restart_fails_the_unfinished(store):
    queued, running, done = _run(store, "a"), _run(store, "b"), _run(store, "c")
    store.set_state("run", running.id, "running")
    store.set_state("run", done.id, "done", summary={})
    assert store.fail_unfinished() == 2
    assert [store.get("run", r.id).status for r in (queued, running, done)] == ["failed", "failed", "done"]
    assert store.get("run", queued.id).error == RESTART_ERROR


def test_scenarios(store):
    store.sync_builtins({"idlib-2020": "[meta]\nid = 1"}, {"idlib-2020": "Idlib"})
    store.sync_builtins({"idlib-2020": "[meta]\nid = 2"}, {"idlib-2020": "Idlib 2"})   # a newer version
    row = store.scenario("idlib-2020")
    assert row.builtin and row.toml.endswith("2") and row.title == "Idlib 2"
    store.add_scenario("mine-12345678", "<b>Mine</b>", "text", "d" * 64, "idlib-2020")
    assert [s.id for s in store.scenarios()] == ["idlib-2020", "mine-12345678"]
    time.sleep(0)   # rows are plain data after their session closed
    assert store.scenario("mine-12345678").parent == "idlib-2020"
