"""The report in a real browser: headless Chromium draws the map and every chart, and the page
makes no network request.

Chromium is driven through the DevTools protocol over a pipe (``--remote-debugging-pipe``: JSON
messages separated by NUL bytes on file descriptors 3 and 4), so the test needs only the standard
library. Every request the page makes is recorded (``Network.requestWillBeSent``); host names
resolve nowhere (``--host-resolver-rules``), so a request to the internet could not succeed even
if one were attempted. The test is skipped when no Chromium is installed (``.ci/run`` installs
Debian's ``chromium``).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from flashpoint.report.png import find_chromium

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on the PATH (Debian: apt-get install chromium)")

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-default-apps",
         "--host-resolver-rules=MAP * ~NOTFOUND", "--remote-debugging-pipe", "--window-size=1300,900"]
FIGURES = ("fig-outcomes", "fig-map", "fig-territory", "fig-losses-time", "fig-losses", "fig-decisions",
           "fig-escalation", "fig-ceasefire", "fig-tornado", "fig-backtest", "fig-calibration", "fig-front")
LOCAL = ("file:", "data:", "blob:", "about:")


class DevTools:
    """A minimal DevTools client over Chromium's debugging pipe."""

    def __init__(self, user_data: Path):
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()
        # the child's ends far above 4, so that moving them onto 3 and 4 cannot close one of them
        to_child_r, from_child_w = (self._above(fd) for fd in (to_child_r, from_child_w))

        def descriptors():       # in the child: the pipe on 3 and 4, every other descriptor closed
            os.dup2(to_child_r, 3)
            os.dup2(from_child_w, 4)
            os.closerange(5, os.sysconf("SC_OPEN_MAX"))

        self.proc = subprocess.Popen([CHROMIUM, *FLAGS, f"--user-data-dir={user_data}", "about:blank"],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     close_fds=False, preexec_fn=descriptors)
        os.close(to_child_r)
        os.close(from_child_w)
        self._buffer = b""
        self._next = 0
        self.events: list[dict] = []

    @staticmethod
    def _above(fd: int, low: int = 100) -> int:
        high = fcntl.fcntl(fd, fcntl.F_DUPFD, low)
        os.close(fd)
        return high

    def _read(self, timeout: float) -> dict:
        import select

        deadline = time.monotonic() + timeout
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self._from_child], [], [], max(0.0, left))
            if not ready:
                raise TimeoutError("Chromium did not answer")
            chunk = os.read(self._from_child, 1 << 20)
            if not chunk:
                raise EOFError("Chromium closed the pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 30.0):
        self._next += 1
        msg = {"id": self._next, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._to_child, json.dumps(msg).encode() + b"\0")
        while True:
            reply = self._read(timeout)
            if reply.get("id") == self._next:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float) -> dict:
        seen = [e for e in self.events if e.get("method") == method]
        if seen:
            return seen[0]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            event = self._read(deadline - time.monotonic())
            self.events.append(event)
            if event.get("method") == method:
                return event
        raise TimeoutError(method)

    def close(self) -> None:
        with contextlib.suppress(OSError, TimeoutError, EOFError, RuntimeError):   # it may already be gone
            self.call("Browser.close", timeout=5)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_child)
        os.close(self._from_child)


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Path:
    from flashpoint.report.build import report

    out = tmp_path_factory.mktemp("browser") / "report.html"
    return report("idlib-2020", with_=["coalition-air-support"], runs=500, days=20, seed=1, out=out)


DRAWN = """(() => {
  const out = {};
  for (const id of %s) {
    const div = document.getElementById(id);
    out[id] = div === null ? null : {svg: div.querySelectorAll('.main-svg').length,
                                     traces: div.querySelectorAll('.trace').length,
                                     geo: div.querySelectorAll('.scattergeo path').length};
  }
  return JSON.stringify(out);
})()"""


FRONT = """(() => {
  const gd = document.getElementById('fig-front');
  return JSON.stringify({frames: gd._transitionData._frames.length, steps: gd.layout.sliders[0].steps.length,
                         coast: gd.data[0].x.filter((x) => x !== null).length});
})()"""


def test_report_renders_offline_in_chromium(page, tmp_path):
    html = page.read_text(encoding="utf-8")
    markup = re.sub(r"(<script\b[^>]*>).*?</script>", r"\1</script>", html, flags=re.S | re.I)
    assert not re.findall(r"""(?:src|href)\s*=\s*["']\s*(?:https?:)?//""", markup, flags=re.I)

    dt = DevTools(tmp_path / "profile")
    try:
        target = dt.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = dt.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Network", "Page", "Runtime"):
            dt.call(f"{domain}.enable", session=session)
        dt.call("Page.navigate", {"url": page.as_uri()}, session=session)
        dt.wait_for("Page.loadEventFired", timeout=60)
        expression = DRAWN % json.dumps(list(FIGURES))
        deadline = time.monotonic() + 30
        while True:
            result = dt.call("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=session)
            drawn = json.loads(result["result"]["value"])
            if all(d and d["svg"] and d["traces"] for d in drawn.values()) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        errors = dt.call("Runtime.evaluate", {"expression": "document.querySelectorAll('.js-plotly-plot').length",
                                              "returnByValue": True}, session=session)["result"]["value"]
        front = dt.call("Runtime.evaluate", {"expression": FRONT, "returnByValue": True}, session=session)
        front = json.loads(front["result"]["value"])
    finally:
        dt.close()

    requests = [e["params"]["request"]["url"] for e in dt.events if e.get("method") == "Network.requestWillBeSent"]
    assert requests, "the page load itself is recorded"
    assert [u for u in requests if not u.startswith(LOCAL)] == []
    assert errors == len(FIGURES)
    for fig_id in FIGURES:
        assert drawn[fig_id] is not None, f"{fig_id} is missing"
        assert drawn[fig_id]["svg"] >= 1 and drawn[fig_id]["traces"] >= 1, (fig_id, drawn[fig_id])
    assert drawn["fig-map"]["geo"] >= 10, drawn["fig-map"]       # places, roads, ranges on both maps
    # the front line by day: a frame and a slider step for each of the 20 days and day 0, the coast drawn
    assert front["frames"] == front["steps"] == 21, front
    assert front["coast"] > 10, front
