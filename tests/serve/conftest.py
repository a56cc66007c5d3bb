"""One workbench for the API tests (its worker process starts once), on SQLite in a temporary
data folder, driven with httpx through Starlette's TestClient (the app's start-up and shut-down
run as under uvicorn)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
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


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(folder, *options: str):
    """``flashpoint serve`` itself, on 127.0.0.1 and a free port, with its own data folder; stopped
    with Ctrl-C, as a user would. Yields its base URL."""
    port = free_port()
    log = open(folder / "server.log", "w")   # noqa: SIM115 - open for the server's whole life
    cmd = [sys.executable, "-c", "from flashpoint.cli import app; app()", "serve", "--port", str(port),
           "--data-dir", str(folder), *options]
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "FLASHPOINT_TOKEN": ""})
    url = f"http://127.0.0.1:{port}"
    end = time.monotonic() + 60
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/scenarios", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > end:
                    raise RuntimeError(f"the server did not start: {(folder / 'server.log').read_text()}") from None
                time.sleep(0.2)
        yield url
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    with serve(tmp_path_factory.mktemp("live"), "--queue", "64") as url:
        yield url
