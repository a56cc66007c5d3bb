"""The theatre map: places coloured by the probability that a camp holds them at the end, baseline
and intervention side by side.

The map is a Plotly ``scattergeo`` figure with every base layer (land, coastlines, countries,
rivers...) switched off: those layers need a world topology file that Plotly fetches from a CDN,
and the report must work offline. What is drawn comes from the scenario alone: places (markers,
their symbol by kind), the main roads (the motorways, e.g. M4 and M5, thick; other links thin),
observation posts, air bases and the bases of air wings and drones, and the air-defence batteries'
engagement ranges as circles (polygons of points at ``range_km`` along 72 bearings on a sphere).
Buttons above the map colour the places by the probability that each camp holds them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from flashpoint.engine.theatre import EARTH_RADIUS_KM
from flashpoint.report.charts import FONT, _rgba, camp_colours
from flashpoint.scenario.schema import Scenario

SYMBOLS = {"city": "circle", "town": "circle", "village": "circle", "airbase": "triangle-up",
           "observation-post": "square", "crossing": "diamond", "high-ground": "triangle-down",
           "port": "pentagon", "sea": "hexagon"}
ROAD_COLOURS = ("#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf")
REMOTE_KINDS = ("airbase", "sea")


def circle(lat: float, lon: float, radius_km: float, points: int = 72) -> tuple[list[float], list[float]]:
    """The points at ``radius_km`` from (lat, lon) along ``points`` bearings, closed (great circle)."""
    phi1, lmb1, d = math.radians(lat), math.radians(lon), radius_km / EARTH_RADIUS_KM
    lats, lons = [], []
    for i in range(points + 1):
        theta = 2 * math.pi * i / points
        phi2 = math.asin(math.sin(phi1) * math.cos(d) + math.cos(phi1) * math.sin(d) * math.cos(theta))
        lmb2 = lmb1 + math.atan2(math.sin(theta) * math.sin(d) * math.cos(phi1),
                                 math.cos(d) - math.sin(phi1) * math.sin(phi2))
        lats.append(math.degrees(phi2))
        lons.append((math.degrees(lmb2) + 540) % 360 - 180)
    return lats, lons


def main_roads(s: Scenario) -> list[str]:
    """Road names drawn thick: motorways (e.g. M4, M5), in the scenario's order."""
    roads: list[str] = []
    for r in s.routes.values():
        if r.kind == "motorway" and r.road not in roads:
            roads.append(r.road)
    return roads


def default_camp(camps: Sequence[str], base: Mapping[str, Mapping[str, float]],
                 inter: Mapping[str, Mapping[str, float]]) -> str:
    """The camp whose expected number of places held at the end rises most with the intervention
    (the first camp when none rises): the map opens coloured by its probability of control."""
    def expected(doc, camp):
        return sum(probs.get(camp, 0.0) for probs in doc.values())

    gains = [(expected(inter, c) - expected(base, c), -i, c) for i, c in enumerate(camps)]
    best = max(gains)
    return best[2] if best[0] > 0 else camps[0]


def _places(base_s: Scenario, int_s: Scenario) -> dict[str, Any]:
    out = dict(base_s.places)
    out.update(int_s.places)
    return out


def _view(places: Mapping[str, Any], pad: float = 0.25) -> tuple[list[float], list[float]]:
    core = [p for p in places.values() if p.kind not in REMOTE_KINDS] or list(places.values())
    lats, lons = [p.lat for p in core], [p.lon for p in core]
    return [min(lats) - pad, max(lats) + pad], [min(lons) - pad, max(lons) + pad]


def _hover(pid: str, place, camps: Sequence[str], base: Mapping, inter: Mapping, base_name: str,
           int_name: str, extra: Sequence[str]) -> str:
    def probs(doc):
        if pid not in doc:
            return "not in this scenario"
        return ", ".join(f"{c} {100 * doc[pid].get(c, 0.0):.1f}%" for c in camps if doc[pid].get(c, 0.0) > 0)

    lines = [f"<b>{place.name}</b> ({place.kind})", f"{base_name}: {probs(base)}", f"{int_name}: {probs(inter)}"]
    return "<br>".join(lines + list(extra))


def theatre_map(base_s: Scenario, int_s: Scenario, control_base: Mapping[str, Mapping[str, float]],
                control_int: Mapping[str, Mapping[str, float]], camp: str | None = None,
                base_name: str = "baseline", int_name: str = "intervention") -> go.Figure:
    """Two maps side by side (baseline, intervention) of the theatre, places coloured by the
    probability that ``camp`` holds them at the end (``control`` of each ``summary.json``)."""
    camps = list(int_s.camps)
    camp = camp or default_camp(camps, control_base, control_int)
    colours = camp_colours(camps)
    places = _places(base_s, int_s)
    lat_range, lon_range = _view(places)
    fig = make_subplots(rows=1, cols=2, specs=[[{"type": "scattergeo"}, {"type": "scattergeo"}]],
                        subplot_titles=[base_name, int_name], horizontal_spacing=0.02)
    place_traces: list[int] = []
    key = set(int_s.meta.key_places or [])
    roads = main_roads(int_s)
    road_colour = {r: ROAD_COLOURS[i % len(ROAD_COLOURS)] for i, r in enumerate(roads)}

    for col, (s, control) in enumerate(((base_s, control_base), (int_s, control_int)), start=1):
        first = col == 1
        # roads: the other links first, thin, then the motorways on top
        shown: set[str] = set()
        for r in sorted(s.routes.values(), key=lambda r: r.road in road_colour):
            pts = [s.places[p] for p in r.places if p in s.places]
            main = r.road in road_colour
            name = r.road if main else "other roads"
            fig.add_trace(go.Scattergeo(
                lat=[p.lat for p in pts], lon=[p.lon for p in pts], mode="lines", name=name, legendgroup=name,
                showlegend=first and name not in shown, hoverinfo="text", text=f"{r.name} ({r.road})",
                line=dict(width=4 if main else 1.2, color=road_colour.get(r.road, "#b0b0b0"))), row=1, col=col)
            shown.add(name)
        # air-defence ranges
        shown_owner: set[str] = set()
        for b in s.forces.air_defence.values():
            if b.place not in s.places:
                continue
            p = s.places[b.place]
            owner_camp = s.actors[b.owner].camp if b.owner in s.actors else camps[0]
            lats, lons = circle(p.lat, p.lon, b.range_km)
            label = f"air-defence range ({owner_camp})"
            fig.add_trace(go.Scattergeo(
                lat=lats, lon=lons, mode="lines", name=label, legendgroup=label,
                showlegend=first and label not in shown_owner,
                line=dict(width=1.2, dash="dot", color=_rgba(colours.get(owner_camp, "#444444"), 0.8)),
                hoverinfo="text", text=f"{b.name} ({b.system}, {b.owner}): {b.range_km:g} km"), row=1, col=col)
            shown_owner.add(label)
        # observation posts
        posts = [(pid, post) for pid, post in s.posts.items() if post.place in s.places]
        if posts:
            fig.add_trace(go.Scattergeo(
                lat=[s.places[post.place].lat for _, post in posts],
                lon=[s.places[post.place].lon for _, post in posts],
                mode="markers", name="observation post", legendgroup="posts", showlegend=first,
                marker=dict(symbol="star-open", size=17, color="#000000", line=dict(width=1.5)),
                hoverinfo="text", text=[f"observation post {pid} ({post.actor}) at {s.places[post.place].name}"
                                        for pid, post in posts]), row=1, col=col)
        # bases of air wings and drones
        bases: dict[str, list[str]] = {}
        for w in list(s.forces.air.values()) + list(s.forces.drones.values()):
            bases.setdefault(w.base, []).append(f"{w.name} ({w.owner})")
        # places
        ids = list(s.places)
        extra = {pid: (["base of: " + "; ".join(bases[pid])] if pid in bases else []) for pid in ids}
        fig.add_trace(go.Scattergeo(
            lat=[s.places[p].lat for p in ids], lon=[s.places[p].lon for p in ids],
            mode="markers+text", text=[s.places[p].name if p in key else "" for p in ids],
            textposition="top center", textfont=dict(size=10),
            name="places", legendgroup="places", showlegend=False,
            marker=dict(size=[14 if s.places[p].kind in ("airbase", "sea") or p in bases else 11 for p in ids],
                        symbol=[SYMBOLS.get(s.places[p].kind, "circle") for p in ids],
                        color=[control.get(p, {}).get(camp, 0.0) for p in ids], cmin=0, cmax=1,
                        colorscale=[[0, "#f2f2f2"], [1, colours[camp]]],
                        line=dict(width=[2.5 if p in bases else 1 for p in ids], color="#333333"),
                        showscale=not first,
                        colorbar=dict(title=dict(text=f"P({camp} holds)"), tickformat=".0%", len=0.8)),
            hovertext=[_hover(p, s.places[p], camps, control_base, control_int, base_name, int_name, extra[p])
                       for p in ids], hoverinfo="text", customdata=ids), row=1, col=col)
        place_traces.append(len(fig.data) - 1)

    geo = dict(showland=False, showcoastlines=False, showcountries=False, showlakes=False, showrivers=False,
               showocean=False, showsubunits=False, showframe=True, projection_type="mercator",
               lataxis=dict(range=lat_range, showgrid=True, gridcolor="#eeeeee", dtick=0.5),
               lonaxis=dict(range=lon_range, showgrid=True, gridcolor="#eeeeee", dtick=0.5),
               bgcolor="#fbfbf8")
    fig.update_geos(**geo)
    buttons = []
    for c in camps:
        def arr(doc, s, c=c):
            return [doc.get(p, {}).get(c, 0.0) for p in s.places]

        buttons.append(dict(
            label=f"colour: P({c} holds)", method="restyle",
            args=[{"marker.color": [arr(control_base, base_s), arr(control_int, int_s)],
                   "marker.colorscale": [[[0, "#f2f2f2"], [1, colours[c]]]] * 2,
                   "marker.colorbar.title.text": [f"P({c} holds)"] * 2}, place_traces]))
    fig.update_layout(
        height=760, font=FONT, margin=dict(l=10, r=10, t=110, b=10),
        title=dict(text="The theatre at the end: probability that a camp holds each place", x=0.01,
                   xanchor="left", y=0.985, yanchor="top"),
        legend=dict(orientation="h", yanchor="top", y=-0.02, x=0),
        updatemenus=[dict(type="buttons", direction="right", x=0.0, xanchor="left", y=1.08, yanchor="bottom",
                          active=camps.index(camp), buttons=buttons, showactive=True)])
    return fig


def remote_places(base_s: Scenario, int_s: Scenario) -> list[str]:
    """Names of places outside the map's initial view (far air bases, points at sea)."""
    places = _places(base_s, int_s)
    (la0, la1), (lo0, lo1) = _view(places)
    return [p.name for p in places.values() if not (la0 <= p.lat <= la1 and lo0 <= p.lon <= lo1)]
