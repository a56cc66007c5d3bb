"""The workbench's map: Natural Earth coastlines and borders clipped to a theatre, and the control
of each place day by day from a run's trajectories."""

from __future__ import annotations

import pytest

from flashpoint.serve.basemap import basemap

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
