"""The report's sections and figures, built from data constructed here (no simulation)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from flashpoint.engine.theatre import great_circle_km
from flashpoint.errors import FlashpointError
from flashpoint.report import charts
from flashpoint.report import html as H
from flashpoint.report.build import check_out, headline_outcome, write_atomic
from flashpoint.report.map import circle, default_camp, theatre_map
from flashpoint.scenario import load


def summary(p_road: float, p_b: float, killed_q50: float) -> dict:
    """A summary.json document with made-up numbers for the minimal scenario's shape."""
    m = {"mean": killed_q50 * 1.1, "q05": killed_q50 / 2, "q25": killed_q50 * 0.8, "q50": killed_q50,
         "q75": killed_q50 * 1.3, "q95": killed_q50 * 2}
    zero = {k: 0.0 for k in m}
    return {
        "runs": 100, "days": 3, "seed": 1,
        "outcomes": {"road-open": {"p": p_road, "ci95": [max(0, p_road - 0.1), min(1, p_road + 0.1)], "count": 1},
                     "blue-holds-b": {"p": p_b, "ci95": [max(0, p_b - 0.1), min(1, p_b + 0.1)], "count": 1}},
        "metrics": {"redland.personnel_killed": m, "redland.tanks_lost": zero,
                    "blueland.personnel_killed": dict(m), "blueland.tanks_lost": zero},
        "control": {"a": {"red": 1.0}, "b": {"red": 1 - p_b, "blue": p_b}, "c": {"blue": 1.0}},
        "territory": {"red": {"q05": [1, 1, 1, 1], "q50": [1, 1, 2, 2], "q95": [1, 2, 2, 2]},
                      "blue": {"q05": [1, 1, 1, 1], "q50": [2, 2, 1, 1], "q95": [2, 2, 2, 2]}},
        "decisions": {"redland": {"continue": 0.7, "accept-ceasefire": 0.4}},
        "escalation": {"rungs": ["low", "high"], "highest": {"low": 0.8, "high": 0.2},
                       "at_least": {"low": 1.0, "high": 0.2}},
        "ceasefire_day": {"share_none": 0.3, "q05": 2, "q25": 2, "q50": 3, "q75": 3, "q95": 3},
        "settlement": None,
    }


BASE, INTER = summary(0.2, 0.3, 100), summary(0.6, 0.7, 40)


def test_fan_chart_draws_the_given_quantiles():
    fig = charts.fan_chart("t", BASE["territory"], INTER["territory"], y_title="places")
    medians = [t for t in fig.data if t.mode == "lines"]
    assert [list(t.y) for t in medians] == [[1, 1, 2, 2], [1, 1, 2, 2], [2, 2, 1, 1], [2, 2, 1, 1]]
    band = fig.data[0]
    assert list(band.y) == [1, 2, 2, 2] + [1, 1, 1, 1][::-1]       # 95% out, 5% back


def test_outcome_chart_bars_and_intervals():
    fig = charts.outcome_chart(BASE, INTER, {"road-open": "the road is open"})
    base, inter = fig.data
    assert list(base.x) == [0.2, 0.3] and list(inter.x) == [0.6, 0.7]
    assert list(inter.error_x.array) == pytest.approx([0.1, 0.1])


def test_loss_chart_leaves_out_kinds_nobody_loses():
    fig = charts.loss_chart(BASE, INTER, ["redland", "blueland"])
    assert [a.text for a in fig.layout.annotations] == ["killed"]
    medians = [list(t.median) for t in fig.data]
    assert medians == [[100, 100], [40, 40]]


def test_decisions_escalation_ceasefire_tornado_backtest_calibration():
    dec = charts.decisions_chart(BASE["decisions"], {"redland": {"continue": 0.2}})
    assert list(dec.data[1].x) == [0.2, None]
    esc = charts.escalation_chart(BASE["escalation"], INTER["escalation"], {"low": "Low rung"})
    assert list(esc.data[0].x) == ["Low rung", "high"] and list(esc.data[0].y) == [1.0, 0.2]
    cf = charts.ceasefire_chart(BASE["ceasefire_day"], INTER["ceasefire_day"], 3)
    assert [t.y[0] for t in cf.data if t.type == "bar"] == [0.3, 0.3]
    tor = charts.tornado_chart([{"input": "x.y", "label": "x y", "value": 1.0, "conf": 0.2},
                                {"input": "z", "label": "", "value": 0.5, "conf": None}], "road-open")
    assert list(tor.data[0].y) == ["x y", "z"] and list(tor.data[0].error_x.array) == [0.2, 0.0]
    bt = {"scenario": "s", "start": "2020-01-01", "horizon_days": 10,
          "events": [{"description": "e", "q05": 2, "q50": 4, "q95": None, "observed_day": 5,
                      "observed_date": "2020-01-06"}]}
    fig = charts.backtest_chart(bt)
    assert list(fig.data[0].error_x.array) == [10 - 4] and list(fig.data[1].x) == [5]
    cal = charts.calibration_chart([{"mean_p": 0.3, "observed": 0.25, "n": 4}])
    assert list(cal.data[1].x) == [0.3]


def test_circle_points_are_at_the_range():
    lats, lons = circle(35.0, 36.0, 120.0)
    d = great_circle_km(35.0, 36.0, np.array(lats), np.array(lons))
    assert np.allclose(d, 120.0, rtol=1e-6)
    assert (lats[0], lons[0]) == pytest.approx((lats[-1], lons[-1]))


def test_map_colours_places_by_the_probability_of_control(minimal_toml):
    s = load(str(minimal_toml))
    s_int = s.apply("blue-reinforced")
    fig = theatre_map(s, s_int, BASE["control"], INTER["control"])
    places = [t for t in fig.data if t.name == "places"]
    assert len(places) == 2
    # blue's expected places rise from 1.3 to 1.7: the map opens coloured by blue
    assert default_camp(list(s.camps), BASE["control"], INTER["control"]) == "blue"
    assert list(places[0].marker.color) == [0.0, 0.3, 1.0] and list(places[1].marker.color) == [0.0, 0.7, 1.0]
    red = [b for b in fig.layout.updatemenus[0].buttons if "red" in b.label][0]
    colours = red.args[0]["marker.color"]
    assert colours[0] == pytest.approx([1.0, 0.7, 0.0]) and colours[1] == pytest.approx([1.0, 0.3, 0.0])
    roads = [t for t in fig.data if t.name == "R1"]
    assert roads and roads[0].line.width == 4          # a motorway: drawn thick


def test_default_camp_without_a_gain_is_the_first():
    assert default_camp(["red", "blue"], INTER["control"], BASE["control"]) == "red"


def test_headline_outcome_is_the_largest_change():
    d = {"x": {"diff": -0.5}, "y": {"diff": 0.2}, "z": {"diff": 0.0}}
    assert headline_outcome(d) == "x"
    assert headline_outcome({"z": d["z"]}) is None


def test_unavailable_sections_say_so_and_show_no_numbers():
    for text in (H.sensitivity_section(H.Figures(), None, None), H.discovery_section(None, "x"),
                 H.claims_section(None)):
        assert "not available in this version" in text
        assert not re.search(r"\d", re.sub(r"<[^>]+>", "", text))


def test_claims_and_discovery_tables():
    claims = H.claims_section([{"id": "c1", "text": "Turkey wins", "source": ["article"], "value": 0.25,
                                "ci95": [0.2, 0.3], "verdict": "not supported", "detail": "d"}])
    assert "Turkey wins" in claims and "not supported" in claims and "0.25" in claims
    boxes = H.discovery_section([{"description": "When x is at least 2: ...", "limits": {"x": {"low": 2.0,
                                                                                               "high": None}}}], "o")
    assert "When x is at least 2" in boxes and "(open)" in boxes


def test_assumption_rows_cover_every_sourced_item(minimal_toml):
    s = load(str(minimal_toml)).apply("blue-reinforced")
    rows = H.assumption_rows(s)
    where = {r[0] for r in rows}
    expected = ({f"actors.{a}" for a in s.actors} | {f"places.{p}" for p in s.places}
                | {f"routes.{r}" for r in s.routes}
                | {f"forces.ground.{f}" for f in s.forces.ground})
    assert expected <= where
    red = next(r for r in rows if r[0] == "forces.ground.red-1")
    assert "personnel 3,000-5,000" in red[2] and "tanks 40" in red[2] and red[3] == "made-up"


def test_page_loads_nothing_from_elsewhere(minimal_toml):
    figs = H.Figures()
    s = load(str(minimal_toml))
    body = [H.header_section("T", "Q?", ["answer"], ["facts"]),
            H.map_section(figs, theatre_map(s, s, BASE["control"], INTER["control"]), []),
            H.assumptions_section(s, {}, {"x": s.sources["made-up"].model_copy(update={"url": "https://example.org/a"})})]
    page = H.page("t", body)
    assert page.count("<script type=\"text/javascript\">") == 1            # plotly.js once, in the head
    assert page.count('id="fig-map"') == 1
    assert all("src" not in tag for tag in re.findall(r"<script\b[^>]*>", page, flags=re.I))
    markup = re.sub(r"(<script\b[^>]*>).*?</script>", r"\1</script>", page, flags=re.S | re.I)
    refs = re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)["']""", markup, flags=re.I)
    assert refs and all(r.startswith("#") for r in refs), refs
    assert "https://example.org/a" in page                               # shown as text, not linked
    assert not re.search(r"<link\b", page, flags=re.I)
    assert not re.search(r"@import|url\(\s*['\"]?https?:", page)


def test_check_out_refuses_what_cannot_be_written(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    for bad in (blocker / "report.html", tmp_path / "missing" / "r.html", tmp_path):
        with pytest.raises(FlashpointError, match="--out"):
            check_out(bad)
    assert check_out(tmp_path / "r.html") == tmp_path / "r.html"


def test_write_atomic_leaves_nothing_when_the_rename_fails(tmp_path, monkeypatch):
    target = tmp_path / "r.html"
    write_atomic(target, "first")
    assert target.read_text() == "first"

    def fail(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("flashpoint.outputs.os.replace", fail)
    with pytest.raises(FlashpointError, match="No space left"):
        write_atomic(target, "second")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]
    assert target.read_text() == "first"


def test_pct_and_points_formatting():
    assert H.pct(0.1234) == "12.3%" and H.points(-0.066) == "-6.6" and H.pct(None) == ""
