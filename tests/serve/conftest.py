"""One workbench for the API tests (its worker process starts once), on SQLite in a temporary
data folder, driven with httpx through Starlette's TestClient (the app's start-up and shut-down
run as under uvicorn)."""

from __future__ import annotations

import time
import warnings

import pytest

RUN = {"scenario": "idlib-2020", "interventions": ["coalition-air-support"], "runs": 250, "days": 20, "seed": 7}
"""A small run of the flagship question (250 futures of 20 days): seconds, not minutes."""
TIMEOUT = 180.0


def wait(client, path: str, timeout: float = TIMEOUT) -> dict:
    """Poll a run or comparison until it ends."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        body = client.get(path).json()
        if body["status"] in ("done", "failed", "cancelled"):
            return body
        time.sleep(0.2)
    raise AssertionError(f"{path} did not end within {timeout} s: {body}")


def make_client(tmp_path, **settings):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from flashpoint.serve import Settings, create_app

    return TestClient(create_app(Settings(data_dir=tmp_path, **settings)))


@pytest.fixture(scope="session")
def client(tmp_path_factory):
    with make_client(tmp_path_factory.mktemp("workbench")) as c:
        yield c


@pytest.fixture(scope="session")
def done_run(client) -> dict:
    """The small flagship run, finished."""
    r = client.post("/api/runs", json=RUN)
    assert r.status_code in (200, 202), r.text
    body = wait(client, r.json()["url"])
    assert body["status"] == "done", body
    return body
