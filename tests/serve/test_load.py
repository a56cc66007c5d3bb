"""Load on the real server (flashpoint serve on 127.0.0.1): 50 concurrent clients of 10 requests
each ask for runs, follow them and read pages; within a bounded time no request fails and no run is
lost (each question is answered by exactly one stored run, and every one finishes)."""

from __future__ import annotations

import asyncio
import time

import httpx
from tests.serve.conftest import wait

CLIENTS, REQUESTS = 50, 10
QUESTIONS = 5           # distinct runs asked for, by seed
LIMIT = 120.0           # seconds for the whole load, the runs included


async def client(base: str, i: int) -> list[tuple[str, int, str | None]]:
    body = {"scenario": "idlib-2020", "runs": 250, "days": 5, "seed": 1000 + i % QUESTIONS}
    seen = []
    async with httpx.AsyncClient(base_url=base, timeout=30) as c:
        r = await c.post("/api/runs", json=body)
        rid = r.json().get("id") if r.status_code in (200, 202) else None
        seen.append(("POST /api/runs", r.status_code, rid))
        for k in range(REQUESTS - 1):
            path = ("/api/scenarios", "/")[k % 2] if k >= REQUESTS - 3 else f"/api/runs/{rid}"
            r = await c.get(path)
            seen.append((f"GET {path}", r.status_code, None))
    return seen


async def load(base: str):
    return await asyncio.gather(*(client(base, i) for i in range(CLIENTS)))


def test_fifty_clients(live_server):
    t0 = time.monotonic()
    results = asyncio.run(asyncio.wait_for(load(live_server), LIMIT))
    requests = [r for seen in results for r in seen]
    assert len(requests) == CLIENTS * REQUESTS
    failed = [r for r in requests if r[1] not in (200, 202)]
    assert not failed, failed[:5]
    ids = {r[2] for r in requests if r[2]}
    assert len(ids) == QUESTIONS        # the same question is one stored run, whoever asks
    with httpx.Client(base_url=live_server, timeout=30) as c:
        for rid in ids:
            assert wait(c, f"/api/runs/{rid}", timeout=LIMIT)["status"] == "done"
        stored = {r["id"] for r in c.get("/api/runs").json() if r["seed"] >= 1000}
    assert stored == ids
    assert time.monotonic() - t0 < LIMIT
