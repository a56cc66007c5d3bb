"""The workbench's map: Natural Earth coastlines and borders clipped to a theatre, and the control
of each place day by day from a run's trajectories."""

from __future__ import annotations

import pytest

from flashpoint.report.basemap import basemap

IDLIB = (35.5, 35.0, 37.5, 37.0)   # west, south, east, north


def _points(xs, ys):
    return [(x, y) for x, y in zip(xs, ys, strict=True) if x is not None]


def test_the_idlib_box_has_the_levant_coast_and_the_turkish_border():
    m = basemap(IDLIB)
    coast, borders = _points(*m["coast"]), _points(*m["borders"])
    assert any(35.7 < x < 36.0 and 35.4 < y < 35.6 for x, y in coast)        # the coast at Latakia
    assert any(36.5 < x < 37.0 and 36.1 < y < 36.9 for x, y in borders)     # Turkey-Syria, by Kilis
    for x, y in coast + borders:     # clipped: at most one step beyond the box at each end of a line
        assert IDLIB[0] - 0.5 < x < IDLIB[2] + 0.5 and IDLIB[1] - 0.5 < y < IDLIB[3] + 0.5


def test_open_sea_has_no_lines():
    m = basemap((-30.0, -30.0, -29.0, -29.0))    # the South Atlantic
    assert _points(*m["coast"]) == [] and _points(*m["borders"]) == []


def test_control_by_day_shares(client, done_run):
    details = client.app.state.fp.store.get("run", done_run["id"]).details
    control = details["control_by_day"]
    assert len(control["share"]) == done_run["days"] + 1
    for day in control["share"]:
        for place in day:
            assert sum(place) == pytest.approx(1.0, abs=2e-3)
    day0 = control["share"][0]
    assert all(max(p) == 1.0 for p in day0)        # at the start every place has one holder
    assert control["share"][-1] != day0


def test_the_idlib_map_has_the_euphrates_at_its_east_edge():
    # Natural Earth's 1:50m rivers inside the idlib-2020 map: the Euphrates north of Lake Assad only
    # (the Orontes is not in that layer), so every river point drawn lies east of 37.8 E
    from flashpoint.report.basemap import theatre_box
    from flashpoint.scenario import load

    box = theatre_box(load("idlib-2020"))
    rivers = _points(*basemap(box)["rivers"])
    assert rivers and all(x > 37.8 for x, _ in rivers)
    karabakh = theatre_box(load("karabakh-2020"))
    assert _points(*basemap(karabakh)["rivers"]) == []     # none of that layer's rivers crosses it


def test_the_front_line_crosses_the_roads_between_camps():
    from flashpoint.report.frontline import front_strokes
    from flashpoint.scenario import load

    s = load("idlib-2020")
    legs = [(a, b) for r in s.routes.values() for a, b in zip(r.places, r.places[1:], strict=False)]
    a, b = legs[0]
    assert front_strokes(s, dict.fromkeys(s.places, 0)) == ([], [])      # one camp holds all: no front
    xs, ys = front_strokes(s, {**dict.fromkeys(s.places, 0), b: 1})
    assert xs and len(xs) % 3 == 0
    # the first stroke's middle is half-way along the leg a-b
    pa, pb = s.places[a], s.places[b]
    middles = [((xs[i] + xs[i + 1]) / 2, (ys[i] + ys[i + 1]) / 2) for i in range(0, len(xs), 3)]
    mid = ((pa.lon + pb.lon) / 2, (pa.lat + pb.lat) / 2)
    assert any(abs(x - mid[0]) < 1e-3 and abs(y - mid[1]) < 1e-3 for x, y in middles)
