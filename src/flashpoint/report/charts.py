"""The report's charts: Plotly figures built from numbers the report computed or read.

Every function takes plain data (the ``summary.json`` documents of the baseline and of the
intervention, or dicts derived from their runs) and returns a ``plotly.graph_objects.Figure``; none
of them simulates or reads files. The baseline is drawn in grey, dashed where it is a line; the
intervention in the camp's or the report's colour.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

BASE_COLOUR = "#7f7f7f"
INT_COLOUR = "#1f77b4"
CAMP_PALETTE = ("#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#bcbd22", "#17becf")
LOSS_LABELS = {"personnel_killed": "killed", "personnel_lost": "out of action", "tanks_lost": "tanks",
               "ifvs_lost": "IFVs", "artillery_lost": "artillery", "aircraft_lost": "aircraft", "uav_lost": "drones",
               "air_defence_lost": "air-defence batteries"}
FONT = dict(family="system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif", size=12)


def camp_colours(camps: Sequence[str]) -> dict[str, str]:
    """One colour per camp, in the scenario's order."""
    return {c: CAMP_PALETTE[i % len(CAMP_PALETTE)] for i, c in enumerate(camps)}


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def _layout(fig: go.Figure, title: str, height: int = 420) -> go.Figure:
    fig.update_layout(title=dict(text=title, x=0.01, xanchor="left"), height=height, font=FONT,
                      template="plotly_white", margin=dict(l=60, r=20, t=70, b=50),
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=1, xanchor="right"))
    return fig


def _band(fig: go.Figure, x: Sequence[float], q: Mapping[str, Sequence[float]], colour: str, name: str,
          dash: str | None, show_legend: bool, row: int | None = None, col: int | None = None) -> None:
    """A 5-95% band and the median line."""
    kw: dict[str, Any] = {} if row is None else {"row": row, "col": col}
    xs = list(x)
    fig.add_trace(go.Scatter(x=xs + xs[::-1], y=list(q["q95"]) + list(q["q05"])[::-1], fill="toself",
                             fillcolor=_rgba(colour, 0.18), line=dict(width=0), hoverinfo="skip",
                             name=f"{name}: 5-95%", legendgroup=name, showlegend=show_legend), **kw)
    fig.add_trace(go.Scatter(x=xs, y=list(q["q50"]), mode="lines", name=f"{name}: median", legendgroup=name,
                             line=dict(color=colour, width=2, dash=dash), showlegend=show_legend,
                             customdata=list(zip(q["q05"], q["q95"], strict=True)),
                             hovertemplate=f"{name}<br>day %{{x}}: median %{{y:,.0f}}"
                                           "<br>5-95%: %{customdata[0]:,.0f}-%{customdata[1]:,.0f}<extra></extra>"),
                  **kw)


def fan_chart(title: str, base: Mapping[str, Mapping[str, Sequence[float]]],
              inter: Mapping[str, Mapping[str, Sequence[float]]], labels: Mapping[str, str] | None = None,
              y_title: str = "", colours: Mapping[str, str] | None = None, base_name: str = "baseline",
              int_name: str = "intervention", cols: int = 3) -> go.Figure:
    """One panel per series (a camp, an actor): the median over days and its 5-95% band, baseline
    against intervention. ``base``/``inter`` map a series to ``{"q05": [...], "q50": [...], "q95": [...]}``
    indexed by day from 0."""
    series = [k for k in inter if k in base] or list(inter)
    labels = labels or {}
    n = max(1, len(series))
    cols = min(cols, n)
    rows = (n + cols - 1) // cols
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[labels.get(s, s) for s in series],
                        horizontal_spacing=0.06, vertical_spacing=0.16 if rows > 1 else 0.1)
    for i, s in enumerate(series):
        r, c = i // cols + 1, i % cols + 1
        colour = (colours or {}).get(s, INT_COLOUR)
        if s in base:
            _band(fig, range(len(base[s]["q50"])), base[s], BASE_COLOUR, base_name, "dash", i == 0, r, c)
        _band(fig, range(len(inter[s]["q50"])), inter[s], colour, int_name, None, i == 0, r, c)
        fig.update_xaxes(title_text="day", row=r, col=c)
        if c == 1:
            fig.update_yaxes(title_text=y_title, row=r, col=c)
    return _layout(fig, title, height=330 * rows + 80)


def outcome_chart(base: Mapping[str, Any], inter: Mapping[str, Any], descriptions: Mapping[str, str],
                  base_name: str = "baseline", int_name: str = "intervention") -> go.Figure:
    """Probability of each outcome at the end with its 95% interval, baseline against intervention."""
    ids = [o for o in inter["outcomes"] if o in base["outcomes"]]
    fig = go.Figure()
    for name, doc, colour in ((base_name, base, BASE_COLOUR), (int_name, inter, INT_COLOUR)):
        p = [doc["outcomes"][o]["p"] for o in ids]
        lo = [doc["outcomes"][o]["ci95"][0] for o in ids]
        hi = [doc["outcomes"][o]["ci95"][1] for o in ids]
        fig.add_trace(go.Bar(y=ids, x=p, orientation="h", name=name, marker_color=colour,
                             error_x=dict(type="data", symmetric=False,
                                          array=[h - v for h, v in zip(hi, p, strict=True)],
                                          arrayminus=[v - lo_ for v, lo_ in zip(p, lo, strict=True)]),
                             customdata=[descriptions.get(o, "") for o in ids],
                             hovertemplate="%{y}: %{x:.1%}<br>%{customdata}<extra>" + name + "</extra>"))
    fig.update_layout(barmode="group", xaxis=dict(tickformat=".0%", range=[0, 1], title="probability at the end"),
                      yaxis=dict(autorange="reversed"))
    return _layout(fig, "Outcomes at the end: probability and 95% interval", height=110 + 55 * max(1, len(ids)))


def loss_chart(base: Mapping[str, Any], inter: Mapping[str, Any], actors: Sequence[str],
               base_name: str = "baseline", int_name: str = "intervention", cols: int = 2) -> go.Figure:
    """Loss distributions by actor and kind, as box plots drawn from the summaries' quantiles:
    box 25-75%, line the median, whiskers 5-95%, dot-dash the mean. Kinds nobody loses are left out."""
    kinds = [k for k in LOSS_LABELS
             if any(doc["metrics"].get(f"{a}.{k}", {}).get("q95", 0) > 0 for doc in (base, inter) for a in actors)]
    n = max(1, len(kinds))
    cols = min(cols, n)
    rows = (n + cols - 1) // cols
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[LOSS_LABELS[k] for k in kinds],
                        horizontal_spacing=0.12, vertical_spacing=0.25 / rows)
    biggest = 1
    for i, k in enumerate(kinds):
        r, c = i // cols + 1, i % cols + 1
        for name, doc, colour in ((base_name, base, BASE_COLOUR), (int_name, inter, INT_COLOUR)):
            who = [a for a in actors if f"{a}.{k}" in doc["metrics"]
                   and max(base["metrics"].get(f"{a}.{k}", {}).get("q95", 0),
                           inter["metrics"].get(f"{a}.{k}", {}).get("q95", 0)) > 0]
            if not who:
                continue
            biggest = max(biggest, len(who))
            m = [doc["metrics"][f"{a}.{k}"] for a in who]
            fig.add_trace(go.Box(y=who, orientation="h", name=name, legendgroup=name, showlegend=i == 0,
                                 q1=[x["q25"] for x in m], median=[x["q50"] for x in m], q3=[x["q75"] for x in m],
                                 lowerfence=[x["q05"] for x in m], upperfence=[x["q95"] for x in m],
                                 mean=[x["mean"] for x in m], boxmean=True, marker_color=colour,
                                 line=dict(color=colour)), row=r, col=c)
        fig.update_yaxes(autorange="reversed", row=r, col=c)
    fig.update_layout(boxmode="group")
    return _layout(fig, "Losses at the end by actor: box 25-75%, whiskers 5-95%, dashed the mean",
                   height=(90 + 46 * biggest) * rows + 100)


def decisions_chart(base: Mapping[str, Mapping[str, float]], inter: Mapping[str, Mapping[str, float]],
                    base_name: str = "baseline", int_name: str = "intervention") -> go.Figure:
    """Share of futures in which each actor chose each option at least once."""
    keys: list[tuple[str, str]] = []
    for doc in (inter, base):
        for actor, opts in doc.items():
            for o in opts:
                if (actor, o) not in keys:
                    keys.append((actor, o))
    labels = [f"{a}: {o}" for a, o in keys]
    fig = go.Figure()
    for name, doc, colour in ((base_name, base, BASE_COLOUR), (int_name, inter, INT_COLOUR)):
        fig.add_trace(go.Bar(y=labels, x=[doc.get(a, {}).get(o) for a, o in keys], orientation="h", name=name,
                             marker_color=colour, hovertemplate="%{y}: %{x:.1%}<extra>" + name + "</extra>"))
    fig.update_layout(barmode="group", xaxis=dict(tickformat=".0%", range=[0, 1],
                                                  title="share of futures choosing it at least once"),
                      yaxis=dict(autorange="reversed"))
    return _layout(fig, "Decisions", height=120 + 34 * max(1, len(keys)))


def escalation_chart(base: Mapping[str, Any], inter: Mapping[str, Any], rung_names: Mapping[str, str] | None = None,
                     base_name: str = "baseline", int_name: str = "intervention") -> go.Figure:
    """Share of futures that reached each rung of the escalation ladder or a higher one."""
    rungs = list(inter.get("rungs") or base.get("rungs") or [])
    names = [(rung_names or {}).get(r, r) for r in rungs]
    fig = go.Figure()
    for name, doc, colour in ((base_name, base, BASE_COLOUR), (int_name, inter, INT_COLOUR)):
        at_least = doc.get("at_least") or {}
        fig.add_trace(go.Bar(x=names, y=[at_least.get(r) for r in rungs], name=name, marker_color=colour,
                             hovertemplate="%{x}: %{y:.1%}<extra>" + name + "</extra>"))
    fig.update_layout(barmode="group", yaxis=dict(tickformat=".0%", range=[0, 1],
                                                  title="share of futures reaching it or higher"))
    return _layout(fig, "Escalation ladder", height=400)


def ceasefire_chart(base: Mapping[str, Any], inter: Mapping[str, Any], days: int,
                    base_name: str = "baseline", int_name: str = "intervention") -> go.Figure:
    """The day of the ceasefire (box 25-75%, whiskers 5-95%, among futures with one) and the share
    of futures without one."""
    fig = make_subplots(rows=1, cols=2, column_widths=[0.7, 0.3], horizontal_spacing=0.12,
                        subplot_titles=["day of the ceasefire, among futures with one", "no ceasefire"])
    for name, doc, colour in ((base_name, base, BASE_COLOUR), (int_name, inter, INT_COLOUR)):
        if doc.get("q50") is not None:
            fig.add_trace(go.Box(y=[name], orientation="h", name=name, q1=[doc["q25"]], median=[doc["q50"]],
                                 q3=[doc["q75"]], lowerfence=[doc["q05"]], upperfence=[doc["q95"]],
                                 marker_color=colour, line=dict(color=colour), showlegend=False), row=1, col=1)
        fig.add_trace(go.Bar(x=[name], y=[doc["share_none"]], marker_color=colour, name=name, showlegend=False,
                             hovertemplate="%{x}: %{y:.1%}<extra></extra>"), row=1, col=2)
    fig.update_xaxes(range=[0, days], title_text="day", row=1, col=1)
    fig.update_yaxes(tickformat=".0%", range=[0, 1], title_text="share of futures", row=1, col=2)
    return _layout(fig, "Ceasefire", height=320)


def tornado_chart(ranked: Sequence[Mapping[str, Any]], target: str, method: str = "", most: int = 15) -> go.Figure:
    """Sensitivity of ``target`` to each input: bars of ``value`` with ``conf`` as error bars,
    the most influential at the top."""
    rows = list(ranked)[:most]
    labels = [r.get("label") or r["input"] for r in rows]
    values = [r["value"] for r in rows]
    conf = [r.get("conf") or 0.0 for r in rows]
    fig = go.Figure(go.Bar(y=labels, x=values, orientation="h", marker_color=INT_COLOUR,
                           error_x=dict(type="data", array=conf),
                           customdata=[r["input"] for r in rows],
                           hovertemplate="%{customdata}: %{x:.3g}<extra></extra>"))
    fig.update_layout(yaxis=dict(autorange="reversed"),
                      xaxis=dict(title=f"sensitivity index{f' ({method})' if method else ''}"))
    return _layout(fig, f"What drives {target}", height=120 + 30 * max(1, len(rows)))


def backtest_chart(result: Mapping[str, Any]) -> go.Figure:
    """Each dated event: the simulated 90% interval and median of its day against the observed day(s).
    A quantile beyond the horizon (``None``) is drawn at the horizon with an open marker."""
    horizon = result["horizon_days"]
    events = result["events"]
    fig = go.Figure()
    labels = [e["description"] for e in events]

    def at(v):
        return horizon if v is None else v

    fig.add_trace(go.Scatter(
        x=[at(e["q50"]) for e in events], y=labels, mode="markers", name="simulated median, 5-95%",
        marker=dict(color=INT_COLOUR, size=10, symbol=["circle" if e["q50"] is not None else "circle-open"
                                                       for e in events]),
        error_x=dict(type="data", symmetric=False,
                     array=[at(e["q95"]) - at(e["q50"]) for e in events],
                     arrayminus=[at(e["q50"]) - at(e["q05"]) for e in events]),
        customdata=[[f"> {horizon - 1}" if e[q] is None else e[q] for q in ("q05", "q50", "q95")]
                    for e in events],
        hovertemplate="%{y}<br>simulated day: 5% %{customdata[0]}, median %{customdata[1]}, "
                      "95% %{customdata[2]}<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=[e["observed_day"] for e in events], y=labels, mode="markers", name="observed",
        marker=dict(color="#d62728", size=12, symbol="x"),
        customdata=[e["observed_date"] for e in events],
        hovertemplate="%{y}<br>observed %{customdata} (day %{x})<extra></extra>"))
    fig.update_layout(yaxis=dict(autorange="reversed"),
                      xaxis=dict(title=f"day from {result['start']} (horizon {horizon} days)", range=[0, horizon + 2]))
    return _layout(fig, f"Backtest: {result['scenario']}, simulated day of each event against history",
                   height=140 + 55 * max(1, len(events)))


def calibration_chart(curve: Sequence[Mapping[str, float]]) -> go.Figure:
    """Calibration curve of the battle kernel: mean predicted probability of an attacker win
    against the share won, per bin of battles (cross-validated)."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="perfect calibration",
                             line=dict(color=BASE_COLOUR, dash="dash")))
    fig.add_trace(go.Scatter(x=[b["mean_p"] for b in curve], y=[b["observed"] for b in curve],
                             mode="markers+lines", name="battle kernel (cross-validated)",
                             marker=dict(size=[6 + 24 * (b["n"] / max(x["n"] for x in curve)) ** 0.5 for b in curve],
                                         color=INT_COLOUR),
                             customdata=[b["n"] for b in curve],
                             hovertemplate="predicted %{x:.2f}, won %{y:.2f} (%{customdata} battles)<extra></extra>"))
    fig.update_layout(xaxis=dict(title="predicted probability of an attacker win", range=[0, 1]),
                      yaxis=dict(title="share of battles the attacker won", range=[0, 1]))
    return _layout(fig, "Calibration on CDB90 battles", height=420)
