"""The front line by day: a map of the theatre on the Natural Earth base map (coastlines, borders,
rivers: report/basemap.py), with the places coloured by the camp that holds them on the day a slider
chooses, the front line drawn, place names and the air-defence batteries' rings. One Plotly figure
with a frame per day, shown by the HTML report and by the workbench's run page (plotly.js only; no
remote tile or topology).

Control by day comes from the runs' trajectories (:func:`control_by_day`): for each day, place and
camp, the share of futures in which the camp holds the place. A place is drawn in the colour of
the camp that holds it in most futures that day. The front line is drawn where a road of the
scenario joins two neighbouring places held (in most futures) by different camps: a stroke across
the road half-way between them.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import plotly.graph_objects as go

from flashpoint.report.basemap import basemap, theatre_box
from flashpoint.report.charts import FONT, _rgba, camp_colours
from flashpoint.report.map import REMOTE_KINDS, circle
from flashpoint.scenario.schema import Scenario

FRONT_COLOUR = "#d62728"
STROKE = 0.35
"""Half-length of a front stroke, as a share of the road leg it crosses (capped by MAX_STROKE_DEG)."""
MAX_STROKE_DEG = 0.06


def control_by_day(results, scenario: Scenario) -> dict[str, Any]:
    """For each day, place and camp, the share of runs in which the camp holds the place (from the
    runs' trajectories): {camps, places, share[day][place][camp]}."""
    traj = results.trajectories()
    camps = list(scenario.camps)
    camp_of = np.array([camps.index(scenario.actors[str(a)].camp) for a in traj["actor"].values])
    held = camp_of[traj["control"].to_numpy()]                       # (run, day, place): the camp
    share = np.stack([(held == c).mean(axis=0) for c in range(len(camps))], axis=-1)
    return {"camps": camps, "places": [str(p) for p in traj["place"].values], "share": share.round(3).tolist()}


def _legs(s: Scenario) -> list[tuple[str, str]]:
    """Each road leg between two known places once, in the order the routes first give it."""
    legs: list[tuple[str, str]] = []
    seen: set[frozenset[str]] = set()
    for r in s.routes.values():
        for a, b in zip(r.places, r.places[1:], strict=False):
            if a in s.places and b in s.places and frozenset((a, b)) not in seen:
                seen.add(frozenset((a, b)))
                legs.append((a, b))
    return legs


def front_strokes(s: Scenario, holder: Mapping[str, int], legs: list[tuple[str, str]] | None = None,
                  ) -> tuple[list[float | None], list[float | None]]:
    """Strokes across the road legs (``legs``: the scenario's, built here when not given) whose two
    places have different holders (camp indices)."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    for a, b in _legs(s) if legs is None else legs:
        if a not in holder or b not in holder or holder[a] == holder[b]:
            continue
        pa, pb = s.places[a], s.places[b]
        k = math.cos(math.radians((pa.lat + pb.lat) / 2))
        dx, dy = (pb.lon - pa.lon) * k, pb.lat - pa.lat
        length = math.hypot(dx, dy)
        if length == 0:
            continue
        half = min(STROKE * length, MAX_STROKE_DEG)
        nx, ny = -dy / length * half / k, dx / length * half        # across the leg, back in degrees
        mx, my = (pa.lon + pb.lon) / 2, (pa.lat + pb.lat) / 2
        xs += [round(mx - nx, 4), round(mx + nx, 4), None]
        ys += [round(my - ny, 4), round(my + ny, 4), None]
    return xs, ys


def _day_traces(s: Scenario, control: Mapping[str, Any], day: int, colours: Mapping[str, str],
                legs: list[tuple[str, str]]) -> list[go.Scatter]:
    camps, share = control["camps"], control["share"][day]
    index = {pid: i for i, pid in enumerate(control["places"])}
    ids = [pid for pid in s.places if pid in index]
    holder = {pid: int(np.argmax(share[index[pid]])) for pid in ids}
    fx, fy = front_strokes(s, holder, legs)
    names = {c: html.escape(s.camps[c].name) for c in camps}
    hover = [f"<b>{html.escape(s.places[p].name)}</b>, day {day}<br>"
             + "<br>".join(f"{names[c]}: {100 * share[index[p]][i]:.0f}%" for i, c in enumerate(camps)) for p in ids]
    return [
        go.Scatter(x=fx, y=fy, mode="lines", name="front line", line=dict(color=FRONT_COLOUR, width=4),
                   hoverinfo="skip"),
        go.Scatter(x=[s.places[p].lon for p in ids], y=[s.places[p].lat for p in ids], mode="markers+text",
                   name="places", text=[html.escape(s.places[p].name) for p in ids], textposition="top center",
                   textfont=dict(size=9), hovertext=hover, hoverinfo="text",
                   marker=dict(color=[colours[camps[holder[p]]] for p in ids],
                               size=[7 + 9 * max(share[index[p]]) for p in ids],
                               line=dict(color="#333333", width=0.5))),
    ]


def front_map(s: Scenario, control: Mapping[str, Any], title: str | None = None) -> go.Figure:
    """The figure: base map, roads, air-defence rings, then the front line and the places of the day
    the slider chooses (one frame per day; it opens on the last day, framed on the places of the
    ground war: far air bases and points at sea are drawn, a zoom out away)."""
    box = theatre_box(s)
    view = theatre_box(s, REMOTE_KINDS)
    colours = camp_colours(list(s.camps))
    base = basemap(box)
    traces: list[go.Scatter] = [
        go.Scatter(x=base["coast"][0], y=base["coast"][1], mode="lines", name="coast",
                   line=dict(color="#5b8db8", width=1.2), hoverinfo="skip"),
        go.Scatter(x=base["rivers"][0], y=base["rivers"][1], mode="lines", name="rivers",
                   line=dict(color="#7fb2dc", width=1.5), hoverinfo="skip"),
        go.Scatter(x=base["borders"][0], y=base["borders"][1], mode="lines", name="borders",
                   line=dict(color="#777777", width=1.2, dash="dash"), hoverinfo="skip"),
    ]
    rx: list[float | None] = []
    ry: list[float | None] = []
    legs = _legs(s)       # once: every day's front line crosses the same legs
    for a, b in legs:
        rx += [s.places[a].lon, s.places[b].lon, None]
        ry += [s.places[a].lat, s.places[b].lat, None]
    traces.append(go.Scatter(x=rx, y=ry, mode="lines", name="roads", line=dict(color="#c8c8c8", width=1),
                             hoverinfo="skip"))
    for b in s.forces.air_defence.values():
        if b.place not in s.places:
            continue
        p = s.places[b.place]
        lats, lons = circle(p.lat, p.lon, b.range_km)
        camp = s.actors[b.owner].camp
        traces.append(go.Scatter(x=lons, y=lats, mode="lines", line=dict(color=_rgba(colours[camp], 0.8), width=1.2,
                                                                          dash="dot"),
                                 name=html.escape(f"{b.name} ({b.system}), {b.range_km:g} km"), hoverinfo="name"))
    last = len(control["share"]) - 1
    first_day = len(traces)
    traces += _day_traces(s, control, last, colours, legs)
    frames = [go.Frame(name=str(day), data=_day_traces(s, control, day, colours, legs),
                       traces=[first_day, first_day + 1]) for day in range(last + 1)]
    steps = [dict(label=str(day), method="animate",
                  args=[[str(day)], dict(mode="immediate", frame=dict(duration=0, redraw=False),
                                         transition=dict(duration=0))]) for day in range(last + 1)]
    mid_lat = (view[1] + view[3]) / 2
    legend = [dict(xref="paper", yref="paper", x=0.01, y=0.99 - 0.05 * i, showarrow=False, xanchor="left",
                   text=f'<span style="color:{colours[c]}">●</span> {html.escape(s.camps[c].name)}',
                   bgcolor="rgba(255,255,255,0.8)") for i, c in enumerate(s.camps)]
    legend.append(dict(xref="paper", yref="paper", x=0.01, y=0.99 - 0.05 * len(s.camps), showarrow=False,
                       xanchor="left", text=f'<span style="color:{FRONT_COLOUR}">▬</span> front line',
                       bgcolor="rgba(255,255,255,0.8)"))
    fig = go.Figure(data=traces, frames=frames)
    fig.update_layout(
        height=680, font=FONT, margin=dict(t=40 if title else 10, l=50, r=10, b=40), showlegend=False,
        title=dict(text=title, x=0.01) if title else None, plot_bgcolor="#fbfbf8",
        xaxis=dict(range=[view[0], view[2]], showgrid=False, zeroline=False, title="longitude"),
        yaxis=dict(range=[view[1], view[3]], showgrid=False, zeroline=False, title="latitude", scaleanchor="x",
                   scaleratio=1 / math.cos(math.radians(mid_lat))),
        sliders=[dict(active=last, currentvalue=dict(prefix="day "), pad=dict(t=40), steps=steps)],
        annotations=legend)
    return fig
