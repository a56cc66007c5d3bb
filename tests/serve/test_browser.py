"""The workbench in a real browser: Playwright for Python driving Debian's Chromium through the
library, a run of idlib-2020 with coalition-air-support, its answer and map, a comparison, an edit
with an error and its message, and saving the edit. Screenshots of each step are kept in
tests/serve/artifacts/. Skipped where Chromium or Playwright is not installed."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from flashpoint.scenario.loader import builtin_names

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(CHROMIUM is None, reason="no Chromium (Debian: apt-get install chromium)")]
ARTIFACTS = Path(__file__).parent / "artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-sync",
        "--no-first-run", "--disable-default-apps", "--disable-component-update"]
TIMEOUT = 120_000   # ms: the first run also starts the server's worker process


@pytest.fixture(scope="module")
def page(live_server):
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1300, "height": 950})
        pg = context.new_page()
        pg.set_default_timeout(TIMEOUT)
        outside: list[str] = []
        errors: list[str] = []
        pg.on("request", lambda r: None if r.url.startswith((live_server, "data:", "about:", "blob:"))
              else outside.append(r.url))
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.outside, pg.errors = outside, errors
        yield pg
        browser.close()


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def run_from_scenario_page(page, live_server: str, interventions: list[str]) -> str:
    page.goto(f"{live_server}/scenarios/idlib-2020")
    for box in page.locator("input[name=intervention]").all():
        box.set_checked(box.get_attribute("value") in interventions)
    page.fill("input[name=runs]", "250")
    page.fill("input[name=days]", "10")
    page.fill("input[name=seed]", "3")
    page.click("#run-button")
    page.wait_for_url(re.compile(r".*/runs/[0-9a-f]+$"))
    return page.url.rsplit("/", 1)[1]


def test_library_run_answer_and_map(page, live_server):
    page.goto(live_server + "/")
    card = page.locator("#scenario-idlib-2020")
    assert "coalition-air-support" in card.inner_text()
    shot(page, "1-library")
    card.locator("a.button").click()
    page.wait_for_url(f"{live_server}/scenarios/idlib-2020")
    page.check("input[value=coalition-air-support]")
    shot(page, "2-scenario")
    rid = run_from_scenario_page(page, live_server, ["coalition-air-support"])
    assert page.locator("#headline p").count() >= 1          # shown as soon as the answer is ready
    page.locator("#run-state b", has_text="done").wait_for()  # then the parts that follow it
    assert page.locator("#parts .part-done").count() == 5
    assert page.locator("#outcomes tbody tr").count() >= 1
    shot(page, "3-answer")
    theatre = page.locator("#theatre-map")
    theatre.locator(".main-svg").first.wait_for()
    assert theatre.locator(".slider-container").count() == 1            # the front line by day
    assert theatre.locator(".scatterlayer .trace").count() >= 6     # coast, rivers, borders, roads, rings, places
    theatre.scroll_into_view_if_needed()
    shot(page, "3a-theatre")
    # move the slider to day 0: the places take day 0's markers (each held by its first holder in every
    # future, so all at full size; by day 10 some are contested)
    active = "() => document.getElementById('theatre-map').layout.sliders[0].active"
    assert page.evaluate(active) == 10
    rail = theatre.locator(".slider-rail-touch-rect").bounding_box()
    page.mouse.click(rail["x"] + 2, rail["y"] + rail["height"] / 2)
    page.wait_for_function(f"({active})() === 0")
    page.wait_for_function("""() => {     // the animation to the frame ends
      const gd = document.getElementById('theatre-map');
      return JSON.stringify(gd.data[gd.data.length - 1].marker.size)
        === JSON.stringify(gd._transitionData._frameHash['0'].data[1].marker.size);
    }""", timeout=10_000)
    shown = page.evaluate("""() => {
      const gd = document.getElementById('theatre-map');
      const frame = gd._transitionData._frameHash['0'];
      const places = gd.data[gd.data.length - 1];
      return {now: places.marker.size, day0: frame.data[1].marker.size,
              last: gd._transitionData._frameHash['10'].data[1].marker.size};
    }""")
    assert shown["now"] == shown["day0"] != shown["last"]
    shot(page, "3c-theatre-day-0")
    report = page.frame_locator("#report")
    report.locator("#fig-map .main-svg").first.wait_for()
    assert report.locator("#fig-map .scatterlayer .trace").count() >= 1
    page.locator("#report").scroll_into_view_if_needed()
    shot(page, "3b-map")
    assert page.locator("a[href$='/summary.json']").count() == 1
    page.goto(f"{live_server}/runs")
    assert page.locator(f"a[href='/runs/{rid}']").count() == 1
    assert not page.outside, f"requests beyond the server: {page.outside}"
    assert not page.errors, page.errors


def test_compare_two_stored_runs(page, live_server):
    run_from_scenario_page(page, live_server, [])
    with_id = run_from_scenario_page(page, live_server, ["coalition-air-support"])   # stored: at once
    page.locator("form[action='/compare'] button").click()
    page.wait_for_url(re.compile(r".*/compare\?b=.*"))
    assert page.locator("#side-by-side tbody tr").count() >= 1
    page.locator("#compare-chart .main-svg").first.wait_for()
    page.click("#paired-button")
    page.locator("#paired-table tbody tr").first.wait_for()
    assert page.locator("#paired").is_visible()
    assert "coalition-air-support" in page.locator("#paired-meta").inner_text()
    page.screenshot(path=str(ARTIFACTS / "4-compare.png"), full_page=True)
    assert with_id
    assert not page.outside and not page.errors, (page.outside, page.errors)


def type_over(page, start: int, stop: int, text: str) -> None:
    """Select characters start..stop of the editor's text and type ``text`` over them, as a user would."""
    page.eval_on_selector("#source", "(el, [a, b]) => { el.focus(); el.setSelectionRange(a, b); }", [start, stop])
    page.keyboard.type(text)


def test_api_docs_render(page, live_server):
    page.goto(f"{live_server}/docs")
    page.locator(".swagger-ui .opblock").first.wait_for()
    assert page.locator(".swagger-ui .opblock").count() >= 15
    assert not page.outside and not page.errors, (page.outside, page.errors)


def test_edit_with_an_error_then_save(page, live_server):
    page.goto(f"{live_server}/editor?source=idlib-2020")
    page.wait_for_selector("#validity.status-done")
    text = page.input_value("#source")
    morale = re.search(r"^\s*morale\s*=\s*([0-9.]+)\s*$", text, re.M)
    line = text[: morale.start(1)].count("\n") + 1
    type_over(page, morale.start(1), morale.end(1), "1.4")
    problem = page.locator("#problems li").first
    problem.wait_for()
    assert f"scenario.toml:{line}:" in problem.inner_text() and "morale" in problem.inner_text()
    assert "must be between 0 and 1 (got 1.4)" in problem.inner_text()
    assert page.locator("#gutter .bad").inner_text() == str(line)
    problem.click()
    shot(page, "5-editor-error")
    type_over(page, morale.start(1), morale.start(1) + 3, morale.group(1))    # put the value back
    page.wait_for_selector("#validity.status-done")
    title = re.search(r'^title = "(.*)"$', page.input_value("#source"), re.M)
    type_over(page, title.start(1), title.end(1), "Idlib 2020, my variant <b>bold?</b>")
    page.wait_for_selector("#validity.status-done")
    page.click("#save-button")
    page.wait_for_url(re.compile(r".*/scenarios/idlib-2020-[0-9a-f]{8}$"))
    assert page.locator("h1").inner_text() == "Idlib 2020, my variant <b>bold?</b>"
    shot(page, "6-saved")
    page.goto(live_server + "/")
    assert page.locator("article.card").count() == len(builtin_names()) + 1     # the built-in ones and the saved one
    assert not page.outside and not page.errors, (page.outside, page.errors)
