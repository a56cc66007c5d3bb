"""The workbench's JSON API against the real app on SQLite: scenarios, runs and their stored
answers, comparisons, validation, downloads, limits and escaping."""

from __future__ import annotations

import json
import re
import time

import pytest
from tests.serve.conftest import RUN, TIMEOUT, make_client, wait

from flashpoint.serve.security import CSP


def test_scenarios_lists_the_builtin_ones(client):
    r = client.get("/api/scenarios")
    assert r.status_code == 200
    by_id = {s["id"]: s for s in r.json()}
    idlib = by_id["idlib-2020"]
    assert idlib["builtin"] and idlib["title"] and idlib["question"]
    assert "coalition-air-support" in {i["id"] for i in idlib["interventions"]}
    assert idlib["outcomes"] and idlib["actors"]
    detail = client.get("/api/scenarios/idlib-2020").json()
    p = detail["parameters"][0]
    assert p["low"] <= p["value"] <= p["high"] and p["sources"]
    assert client.get("/api/scenarios/nope").status_code == 404


def test_a_run_gives_the_engines_summary(done_run):
    import flashpoint

    s = done_run["summary"]
    assert (s["scenario"], s["interventions"], s["runs"], s["days"], s["seed"]) == \
        ("idlib-2020", ["coalition-air-support"], 250, 20, 7)
    direct = flashpoint.load("idlib-2020").apply("coalition-air-support").run(runs=250, days=20, seed=7).summary()
    assert s["outcomes"] == direct["outcomes"]
    assert s["metrics"] == direct["metrics"]
    assert done_run["progress"] == 1.0 and done_run["seconds"] > 0
    assert s["settlement"] == direct["settlement"]       # computed after the answer, the same


def test_the_same_question_returns_the_stored_run(client, done_run):
    r = client.post("/api/runs", json=RUN)
    assert r.status_code == 200 and r.json() == {"id": done_run["id"], "status": "done", "cached": True,
                                                  "url": f"/api/runs/{done_run['id']}"}
    other = client.post("/api/runs", json={**RUN, "seed": 8})
    assert other.status_code == 202 and other.json()["id"] != done_run["id"]
    assert wait(client, other.json()["url"])["status"] == "done"


def test_cancel_a_running_run(client, done_run):
    big = client.post("/api/runs", json={**RUN, "runs": 30_000, "days": 90, "seed": 21})
    url = big.json()["url"]
    end = time.monotonic() + 60
    while client.get(url).json()["progress"] == 0.0:      # running: its first block is done
        assert time.monotonic() < end
        time.sleep(0.05)
    assert client.post(f"{url}/cancel").status_code == 200
    body = wait(client, url)
    assert body["status"] == "cancelled" and body["summary"] is None and body["progress"] < 1.0
    assert client.post(f"{url}/cancel").json()["status"] == "cancelled"       # stays so
    after = client.post("/api/runs", json={**RUN, "days": 5, "seed": 22})     # the worker is free again
    assert wait(client, after.json()["url"])["status"] == "done"


def test_downloads(client, done_run):
    rid = done_run["id"]
    assert client.get(f"/api/runs/{rid}/summary.json").json() == done_run["summary"]
    toml = client.get(f"/api/runs/{rid}/scenario.toml")
    assert toml.status_code == 200 and "[meta]" in toml.text
    manifest = client.get(f"/api/runs/{rid}/manifest.json").json()
    assert manifest["seed"] == 7 and manifest["version"] == done_run["version"]
    report = client.get(f"/api/runs/{rid}/report.html")
    assert report.status_code == 200 and report.text.startswith("<!DOCTYPE html>")
    assert "coalition-air-support" in report.text and 'id="map"' in report.text
    assert "http" not in report.headers["content-security-policy"]
    assert client.get(f"/api/runs/{rid}/trajectories.nc").status_code == 404   # not kept by this run
    events = client.get(f"/api/runs/{rid}/events")
    assert events.headers["content-type"].startswith("text/event-stream")
    assert json.loads(events.text.split("data: ")[-1])["status"] == "done"


def test_paired_comparison(client, done_run):
    body = {"scenario": "idlib-2020", "with": ["coalition-air-support"], "runs": 250, "days": 20, "seed": 7}
    r = client.post("/api/compare", json=body)
    assert r.status_code == 202, r.text
    done = wait(client, r.json()["url"])
    assert done["status"] == "done", done
    doc = done["comparison"]
    assert doc["paired"] and doc["intervention"] == "coalition-air-support"
    base = client.post("/api/runs", json={**RUN, "interventions": []})
    base = wait(client, base.json()["url"]) if base.status_code == 202 else client.get(base.json()["url"]).json()
    for oid, o in doc["outcomes"].items():     # the same futures as the stored runs
        assert o["p_int"] == pytest.approx(done_run["summary"]["outcomes"][oid]["p"])
        assert o["p_base"] == pytest.approx(base["summary"]["outcomes"][oid]["p"])
    again = client.post("/api/compare", json=body)
    assert again.status_code == 200 and again.json()["id"] == r.json()["id"]
    # the run's answer, from its two variants simulated side by side, is the comparison job's
    assert done_run["answer"]["outcomes"] == doc["outcomes"]


def test_the_answer_comes_first_then_every_part(client, done_run):
    from flashpoint.serve.run_parts import PARTS

    r = client.post("/api/runs", json={**RUN, "seed": 31})
    url, seen = r.json()["url"], []
    end = time.monotonic() + TIMEOUT
    while time.monotonic() < end:
        body = client.get(url).json()
        seen.append(body)
        if body["status"] in ("done", "failed", "cancelled"):
            break
        time.sleep(0.05)
    done = seen[-1]
    assert done["status"] == "done", done
    early = [b for b in seen if b["ready"] and b["status"] == "running"]
    assert early, "the answer was never seen before the run was done"
    assert early[0]["summary"] is None and "pending" in early[0]["parts"].values()
    assert early[0]["answer"] == done["answer"]       # the answer does not change as the parts come in
    assert all(not b["ready"] and b["answer"] is None for b in seen[: seen.index(early[0])])
    assert set(done["parts"]) == set(PARTS) and set(done["parts"].values()) == {"done"}
    assert done["answer"]["headline"] and done["summary"]["settlement"] is not None
    # the report of the finished run: every section computed
    report = client.get(f"/api/runs/{done['id']}/report.html").text
    assert "not computed by the workbench" not in report and "still being computed" not in report
    assert 'id="fig-tornado"' in report and 'id="fig-backtest"' in report and 'id="fig-front"' in report


def test_the_events_name_the_answer(client, done_run):
    text = client.get(f"/api/runs/{done_run['id']}/events").text
    blocks = [b for b in text.split("\n\n") if b.strip()]
    answered = [b for b in blocks if b.startswith("event: answered\n")]
    assert len(answered) == 1
    state = json.loads(answered[0].split("data: ", 1)[1])
    assert state["ready"] and state["answer"] == done_run["answer"]
    last = json.loads(blocks[-1].split("data: ", 1)[1])
    assert last["status"] == "done" and set(last["parts"].values()) == {"done"}


def _idlib_text(client) -> str:
    return client.get("/api/scenarios/idlib-2020/scenario.toml").text


def test_validate_points_at_line_and_field(client, tmp_path):
    from flashpoint.errors import FlashpointError
    from flashpoint.scenario.loader import load_file

    text = _idlib_text(client)
    assert client.post("/api/scenarios/validate", content=text, headers={"content-type": "text/plain"}).json() == \
        {"ok": True, "errors": []}
    lines = text.split("\n")
    n = next(i for i, line in enumerate(lines) if re.match(r"\s*morale\s*=\s*[0-9.]+\s*$", line))
    lines[n] = re.sub(r"=.*", "= 1.4", lines[n])
    bad = "\n".join(lines)
    r = client.post("/api/scenarios/validate", content=bad, headers={"content-type": "text/plain"}).json()
    assert not r["ok"] and len(r["errors"]) == 1
    err = r["errors"][0]
    assert err["line"] == n + 1 and err["field"].endswith(".morale") and err["value"] == "1.4"
    assert err["allowed"] and "between" in err["allowed"]
    path = tmp_path / "scenario.toml"      # the command line's own message for the same file
    path.write_text(bad)
    with pytest.raises(FlashpointError) as cli:
        load_file(path)
    assert str(cli.value).removeprefix(str(path)) == err["message"].removeprefix("scenario.toml")
    syntax = client.post("/api/scenarios/validate", content="[meta\n", headers={"content-type": "text/plain"}).json()
    assert syntax["errors"][0]["line"] == 1 and "TOML syntax error" in syntax["errors"][0]["message"]


def test_saved_scenario_names_render_as_text(client):
    text = _idlib_text(client)
    hostile = '<script>alert(1)</script> "quoted" {{ 7*7 }}'
    title = re.search(r'^title = ".*"$', text, re.M)
    forked = text.replace(title.group(0), "title = " + json.dumps(hostile))
    r = client.post("/api/scenarios", json={"toml": forked, "parent": "idlib-2020"})
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    assert r.json()["title"] == hostile and r.json()["parent"] == "idlib-2020"
    assert client.post("/api/scenarios", json={"toml": forked}).json()["id"] == sid   # same text, same scenario
    for page in ("/", f"/scenarios/{sid}"):
        html = client.get(page).text
        assert "<script>alert(1)" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &#34;quoted&#34; {{ 7*7 }}" in html
    bad = client.post("/api/scenarios", json={"toml": forked.replace("[meta]", "[meta]\nbogus = 1", 1)})
    assert bad.status_code == 400 and "unknown field 'bogus'" in bad.json()["errors"][0]["message"]


def test_limits_and_bad_requests(client):
    assert client.post("/api/runs", json={**RUN, "runs": 100_001}).status_code == 400
    assert client.post("/api/runs", json={**RUN, "days": 366}).status_code == 400
    r = client.post("/api/runs", json={**RUN, "interventions": ["no-such-thing"]})
    assert r.status_code == 400 and "no-such-thing" in r.json()["detail"]
    r = client.post("/api/runs", json={**RUN, "set": {"attrition-rate": 5.0}})
    assert r.status_code == 400 and "outside the allowed range" in r.json()["detail"]
    assert client.post("/api/runs", json={**RUN, "scenario": "nope"}).status_code == 404
    big = "x" * 1_000_001
    r = client.post("/api/scenarios/validate", content=big, headers={"content-type": "text/plain"})
    assert r.status_code == 413
    assert client.get("/api/runs/nope").status_code == 404


def test_security_headers(client):
    r = client.get("/")
    assert r.headers["content-security-policy"] == CSP
    assert "http" not in CSP and "default-src 'self'" in CSP
    assert '<script type="module" src="/static/app.js">' in r.text
    assert "cdn" not in client.get("/docs").text.lower()


def test_token(tmp_path):
    from flashpoint.errors import FlashpointError
    from flashpoint.serve import Settings

    with pytest.raises(FlashpointError, match="needs a token"):
        Settings(host="0.0.0.0", data_dir=tmp_path, token=None).check()
    with make_client(tmp_path, host="0.0.0.0", token="s3cret") as c:
        assert c.get("/api/scenarios").status_code == 401
        assert c.get("/api/scenarios", headers={"authorization": "Bearer wrong"}).status_code == 401
        assert c.get("/api/scenarios", headers={"authorization": "Bearer s3cret"}).status_code == 200
        page = c.get("/?token=s3cret")
        assert page.status_code == 200 and "flashpoint_token" in page.headers["set-cookie"]


def test_full_queue_answers_429_and_restart_fails_unfinished(tmp_path):
    with make_client(tmp_path, max_queue=1) as c:
        first = c.post("/api/runs", json={**RUN, "runs": 20_000, "days": 90})
        assert first.status_code == 202
        r = c.post("/api/runs", json={**RUN, "seed": 99})
        assert r.status_code == 429 and "queued or running" in r.json()["detail"]
    # the server stopped with the first run unfinished: the next start says it failed
    with make_client(tmp_path, max_queue=1) as c:
        body = c.get(first.json()["url"]).json()
        assert body["status"] == "failed" and "server stopped" in body["error"]
        assert {j.status for j in c.app.state.fp.store.jobs()} == {"failed"}


def test_a_crash_leaves_no_job_silently_lost(tmp_path):
    from flashpoint.serve.storage import RESTART_ERROR, Store

    store = Store(f"sqlite:///{tmp_path / 'flashpoint.db'}")   # jobs left by a server that died
    queued = store.add("run", scenario_id="idlib-2020", scenario_hash="x", scenario_toml="", interventions=[],
                       parameters={}, runs=1, days=1, seed=1, version="0", cache_key="k")
    running = store.add("compare", scenario_id="idlib-2020", scenario_hash="x", scenario_toml="", with_=["a"],
                        against=[], parameters={}, runs=1, days=1, seed=1, version="0", cache_key="k")
    store.set_state("compare", running.id, "running")
    store.close()
    with make_client(tmp_path) as c:
        for url in (f"/api/runs/{queued.id}", f"/api/compare/{running.id}"):
            body = c.get(url).json()
            assert (body["status"], body["error"]) == ("failed", RESTART_ERROR)


def test_trajectories_are_kept_when_asked(client, tmp_path):
    import xarray as xr

    r = client.post("/api/runs", json={**RUN, "days": 5, "seed": 11, "interventions": [], "trajectories": True})
    done = wait(client, r.json()["url"])
    assert done["status"] == "done", done
    nc = client.get(f"/api/runs/{done['id']}/trajectories.nc")
    assert nc.status_code == 200
    (tmp_path / "t.nc").write_bytes(nc.content)
    with xr.open_dataset(tmp_path / "t.nc") as ds:
        assert ds.sizes["run"] == 250 and ds.sizes["day"] == 6 and "control" in ds
