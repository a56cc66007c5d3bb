"""The report page: one self-contained HTML file (Plotly's JavaScript and the CSS inline, no fonts,
images or scripts from elsewhere, no links that load anything).

Each ``*_section`` function takes data that was already computed (``summary.json`` documents,
``to_json()`` dicts of the analyses, the scenario) and returns an HTML fragment; ``page`` puts the
fragments together. Figures go through :class:`Figures`, which embeds plotly.js once, in the
page's head, and every figure after that as a ``div`` and a small script.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from flashpoint.describe import fmt_quantity, fmt_sources
from flashpoint.outputs import json_text
from flashpoint.report.phrases import pct, points
from flashpoint.scenario.distributions import is_uncertain

PLOT_CONFIG = {"displaylogo": False, "responsive": True,
               "toImageButtonOptions": {"format": "png", "scale": 2},
               "modeBarButtonsToRemove": ["sendDataToCloud"]}

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       margin: 0; color: #222; background: #fff; line-height: 1.45; }
main { max-width: 1200px; margin: 0 auto; padding: 1rem 1.5rem 4rem; }
h1 { font-size: 1.6rem; margin: 1.2rem 0 0.3rem; }
h2 { font-size: 1.25rem; margin: 2.2rem 0 0.5rem; border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; }
h3 { font-size: 1.05rem; margin: 1.4rem 0 0.4rem; }
.question { font-style: italic; font-size: 1.1rem; }
.headline { background: #f3f6fa; border-left: 4px solid #1f77b4; padding: 0.6rem 1rem; margin: 1rem 0; }
.headline p { margin: 0.35rem 0; }
.meta, .note { color: #555; font-size: 0.9rem; }
.unavailable { color: #8a5a00; background: #fff8e6; padding: 0.5rem 0.8rem; border-left: 4px solid #e0a800; }
div.table { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.86rem; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 0.25rem 0.55rem; text-align: left; vertical-align: top; }
th { background: #f6f6f6; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
nav { font-size: 0.9rem; margin: 0.5rem 0 1rem; }
nav a { margin-right: 0.8rem; }
.plot { margin: 0.5rem 0 1rem; }
details { margin: 0.5rem 0; }
code { font-size: 0.85em; word-break: break-all; }
td.text { min-width: 18em; }
.yes { color: #2a7d2a; } .no { color: #b22222; font-weight: bold; }
"""


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def num(x: float | None) -> str:
    if x is None:
        return ""
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.3g}"


class Figures:
    """Figures of one page: the first carries no script of its own (plotly.js is in the head); each
    is a ``div`` with an id, so that tests and PNG export can find it."""

    def __init__(self) -> None:
        self.figures: dict[str, go.Figure] = {}

    def add(self, div_id: str, fig: go.Figure) -> str:
        self.figures[div_id] = fig
        body = fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, config=PLOT_CONFIG)
        return f'<div class="plot" data-figure="{esc(div_id)}">{body}</div>'


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], numeric: Sequence[int] = (),
          raw: Sequence[int] = (), text: Sequence[int] = ()) -> str:
    """An HTML table; cells are escaped except the columns in ``raw`` (already HTML); columns in
    ``text`` hold prose and get room."""
    text_cols = set(text)
    head = "".join(f'<th class="num">{esc(h)}</th>' if i in numeric else f"<th>{esc(h)}</th>"
                   for i, h in enumerate(headers))
    body = []
    for row in rows:
        cells = []
        for i, v in enumerate(row):
            cell = str(v) if i in raw else esc(v)
            cls = ' class="num"' if i in numeric else ' class="text"' if i in text_cols else ""
            cells.append(f"<td{cls}>{cell}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<div class="table"><table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
            "</div>")


def unavailable(what: str, why: str = "the analysis is not available in this version of Flashpoint") -> str:
    return f'<p class="unavailable">{esc(what)}: {esc(why)}.</p>'


# ------------------------------------------------------------------------------------ sections
def header_section(title: str, question: str, headline: Sequence[str], facts: Sequence[str]) -> str:
    lines = "".join(f"<p>{esc(s)}</p>" for s in headline)
    return (f"<h1>{esc(title)}</h1>"
            + (f'<p class="question">{esc(question)}</p>' if question else "")
            + f'<div class="headline" id="headline"><strong>The answer</strong>{lines}</div>'
            + "".join(f'<p class="meta">{esc(f)}</p>' for f in facts))


def outcomes_section(figs: Figures, fig: go.Figure, base: Mapping[str, Any], inter: Mapping[str, Any],
                     descriptions: Mapping[str, str], differences: Mapping[str, Mapping[str, Any]],
                     base_name: str, int_name: str, diff_note: str) -> str:
    rows = []
    for oid, o in inter["outcomes"].items():
        b = base["outcomes"].get(oid)
        d = differences.get(oid) or {}
        ci = d.get("ci95")
        rows.append([oid, descriptions.get(oid, ""),
                     "" if b is None else f"{pct(b['p'])} [{pct(b['ci95'][0])}-{pct(b['ci95'][1])}]",
                     f"{pct(o['p'])} [{pct(o['ci95'][0])}-{pct(o['ci95'][1])}]",
                     points(d.get("diff")), "" if not ci else f"{points(ci[0])} to {points(ci[1])}"])
    return ('<h2 id="outcomes">Outcomes at the end</h2>'
            + table(["outcome", "meaning", f"{base_name}: p [95%]", f"{int_name}: p [95%]",
                     "difference (points)", "95% interval of the difference"], rows, numeric=(2, 3, 4, 5),
                    text=(1,))
            + f'<p class="note">{esc(diff_note)}</p>' + figs.add("fig-outcomes", fig))


def map_section(figs: Figures, fig: go.Figure, remote: Sequence[str], batteries: Sequence[str] = ()) -> str:
    note = ("Places are coloured by the share of futures in which the chosen camp holds them at the end "
            "(buttons above the map choose the camp); symbols: circle a town or city, upward triangle an air "
            "base, downward triangle high ground, diamond a crossing, hexagon a point at sea, square an "
            "observation-post site; a thick outline marks the base of air wings or drones, an open star an "
            "observation post. Circles are the air-defence batteries' ranges. No base map is drawn (it would be "
            "fetched from the internet); drag to pan, scroll to zoom.")
    if remote:
        note += " Outside the initial view (zoom out to see them): " + ", ".join(remote) + "."
    if batteries:
        note += " Air-defence batteries (a range wider than the view draws outside it): " + "; ".join(batteries) + "."
    return '<h2 id="map">The theatre</h2>' + f'<p class="note">{esc(note)}</p>' + figs.add("fig-map", fig)


def front_section(figs: Figures, fig: go.Figure, int_name: str, runs: int) -> str:
    note = (f"The futures {int_name}, day by day (the slider chooses the day). Each place has the colour of the "
            f"camp that holds it in most of the {runs:,} futures that day (its size: how many); the red strokes are "
            "the front line, across each road between neighbouring places held by different camps; dotted "
            "circles are the air-defence batteries' ranges. Base map: Natural Earth coastlines and borders "
            "(1:10m) and rivers (1:50m), public domain, shipped with Flashpoint.")
    return '<h2 id="front">The front line by day</h2>' + f'<p class="note">{esc(note)}</p>' + figs.add("fig-front", fig)


def fans_section(figs: Figures, territory: go.Figure, losses: go.Figure | None) -> str:
    out = ('<h2 id="time">Over time</h2><p class="note">Median (line) and 5-95% band over futures, day by day; '
           "baseline grey and dashed.</p>" + figs.add("fig-territory", territory))
    if losses is not None:
        out += figs.add("fig-losses-time", losses)
    return out


def losses_section(figs: Figures, fig: go.Figure, rows: Sequence[Sequence[Any]], base_name: str, int_name: str) -> str:
    return ('<h2 id="losses">Losses</h2>' + figs.add("fig-losses", fig)
            + "<h3>Personnel killed: median [90% interval], and the mean paired difference [95% interval]</h3>"
            + table(["actor", base_name, int_name, "difference of the mean"], rows, numeric=(1, 2, 3)))


def politics_section(figs: Figures, decisions: go.Figure | None, escalation: go.Figure | None,
                     ceasefire: go.Figure, cf_text: Sequence[str], settlement_rows: Sequence[Sequence[Any]],
                     base_name: str, int_name: str) -> str:
    out = '<h2 id="politics">Decisions, escalation and ceasefire</h2>'
    out += (figs.add("fig-decisions", decisions) if decisions is not None
            else "<p>No actor of this scenario takes decisions.</p>")
    out += (figs.add("fig-escalation", escalation) if escalation is not None
            else "<p>This scenario has no escalation ladder.</p>")
    out += figs.add("fig-ceasefire", ceasefire) + "".join(f"<p>{esc(t)}</p>" for t in cf_text)
    if settlement_rows:
        out += ("<h3>Predicted settlement (bargaining model), 0-100: median [90% interval]</h3>"
                + table(["issue", "0 means", "100 means", base_name, int_name], settlement_rows, numeric=(3, 4)))
    return out


def sensitivity_section(figs: Figures, result: Mapping[str, Any] | None, fig: go.Figure | None,
                        error: str | None = None) -> str:
    out = '<h2 id="sensitivity">What drives the answer</h2>'
    if result is None or fig is None:
        return out + unavailable("Sensitivity analysis", error or "the analysis is not available in this version "
                                                                  "of Flashpoint")
    method = result["method"]
    what = ("total-order Sobol index ST with its 95% interval" if method == "sobol"
            else "Morris mu* (mean absolute elementary effect) relative to the largest, with its 95% interval")
    return (out + f'<p class="note">Target: {esc(result["target"])} in the scenario with '
            f'{esc(", ".join(result["interventions"]) or "no intervention")}; {esc(method)} design of '
            f'{result["runs"]:,} runs ({result["samples"]} samples), seed {result["seed"]}, {result["days"]} days. '
            f"Bars: {esc(what)}. Each design point is one stochastic run, so the engine's own chance is part "
            "of what the indices describe.</p>" + figs.add("fig-tornado", fig))


def discovery_section(boxes: Sequence[Mapping[str, Any]] | None, outcome: str | None, note: str = "",
                      error: str | None = None) -> str:
    """Boxes as ``Box.to_json()`` gives them: ``description``, ``density``, ``coverage``, ``support``,
    ``runs`` and ``limits`` ``{input: {"low", "high"}}``."""
    out = '<h2 id="discovery">Discovered scenarios</h2>'
    if boxes is None:
        return out + unavailable("Scenario discovery", error or "the analysis is not available in this version "
                                                                "of Flashpoint")
    if not boxes:
        return out + f"<p>No box of inputs was found in which {esc(outcome)} is markedly more likely.</p>"
    parts = [f'<p class="note">{esc(note)}</p>' if note else ""]
    for i, b in enumerate(boxes, start=1):
        parts.append(f"<h3>Scenario {i}</h3><p>{esc(b.get('description', ''))}</p>")
        limits = b.get("limits") or {}
        rows = [[name, _fmt_stat(lim.get("low")) or "(open)", _fmt_stat(lim.get("high")) or "(open)"]
                for name, lim in limits.items()]
        if rows:
            parts.append(table(["input", "at least", "at most"], rows, numeric=(1, 2)))
    return out + "".join(parts)


def _fmt_stat(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.3g}"
    return "" if v is None else str(v)


def claims_section(claims: Sequence[Mapping[str, Any]] | None, note: str = "", error: str | None = None) -> str:
    out = '<h2 id="claims">Claims checked</h2>'
    if claims is None:
        return out + unavailable("Claims", error or "the analysis is not available in this version of Flashpoint")
    if not claims:
        return out + "<p>This scenario states no claims to check.</p>"
    rows = []
    for c in claims:
        ci = c.get("ci95")
        value = c.get("value")
        if c.get("kind") == "level":
            what = f"under {c.get('intervention') or 'baseline'}"
        elif c.get("baseline") is not None:
            what = f"{c.get('intervention')} minus {c.get('baseline')}"
        else:
            what = ""
        verdict = c.get("verdict", "")
        css = {"supports": "yes", "contradicts": "no"}.get(verdict)
        rows.append([c.get("id", ""), c.get("text", ""), fmt_sources(c.get("source") or ""), what,
                     _fmt_stat(value), "" if not ci else f"{_fmt_stat(ci[0])} to {_fmt_stat(ci[1])}",
                     f'<span class="{css}">{esc(verdict)}</span>' if css else esc(verdict), c.get("detail", "")])
    return (out + (f'<p class="note">{esc(note)}</p>' if note else "")
            + table(["id", "claim", "source", "variants", "model's value", "95% interval", "verdict", "detail"],
                    rows, numeric=(4, 5), raw=(6,), text=(1, 7)))


def validation_section(figs: Figures, backtest: Mapping[str, Any] | None, bt_fig: go.Figure | None,
                       calibration: Mapping[str, Any] | None, cal_fig: go.Figure | None,
                       bt_error: str | None = None) -> str:
    out = '<h2 id="validation">How well the model reproduces history</h2>'
    if backtest is None or bt_fig is None:
        out += unavailable("Backtest", bt_error or "no backtest for this scenario")
    else:
        rows = [[e["description"], e["place"], e["observed_date"],
                 *[(f"> {backtest['horizon_days'] - 1}" if e[q] is None else f"{e[q]:g}")
                   for q in ("q05", "q50", "q95")],
                 '<span class="yes">yes</span>' if e["inside"] else '<span class="no">no</span>',
                 f"{e['crps']:.1f}"] for e in backtest["events"]]
        inside = sum(e["inside"] for e in backtest["events"])
        out += (f"<h3>Backtest: {esc(backtest['scenario'])} from {esc(backtest['start'])}</h3>"
                f"<p>{backtest['runs']:,} runs, seed {backtest['seed']}: {inside} of {len(backtest['events'])} dated "
                f"events inside their simulated 90% interval (coverage {pct(backtest['coverage'], 0)}; "
                f"0.9 expected of a calibrated model); {sum(e['closes'] for e in backtest['events'])} intervals "
                f"close inside the horizon (sharpness {pct(backtest['sharpness'], 0)}); mean CRPS "
                f"{backtest['crps']:.1f} days (lower is better); PIT histogram (5 bins from 0 to 1; flat if "
                f"calibrated) {backtest['pit_histogram']['counts']}.</p>"
                + table(["event", "places", "observed", "q05", "q50", "q95", "inside the 90% interval", "CRPS (days)"],
                        rows, numeric=(3, 4, 5, 7), raw=(6,))
                + figs.add("fig-backtest", bt_fig))
    if calibration is None:
        out += unavailable("Calibration scores", "no calibration file was found")
        return out
    cv = calibration["scores"]["cross_validated"]
    names = {"model": "Battle kernel (the engine's calibrated rules)",
             "force_ratio": "Force ratio alone", "base_rate": "CDB90 base rate"}
    rows = [[names[k], f"{cv[k]['brier']:.4f}", f"{cv[k]['log_loss']:.4f}",
             f"{cv[k]['casualties_attacker']['mae']:.4f}", f"{cv[k]['casualties_defender']['mae']:.4f}",
             f"{cv[k]['casualties_attacker']['median_abs_log_error']:.2f} / "
             f"{cv[k]['casualties_defender']['median_abs_log_error']:.2f}"] for k in names if k in cv]
    out += (f"<h3>Calibration: the combat constants on CDB90 battles</h3>"
            f"<p>From the calibration file the engine uses ({esc(calibration.get('path', ''))}, data sha256 "
            f"{esc(str(calibration['data']['hash'])[:12])}..., Flashpoint {esc(calibration['version'])}): "
            f"{cv['n_battles']} battles, each predicted by constants fitted without it "
            f"({calibration['folds']}-fold cross-validation). Brier skill over the force ratio "
            f"{pct(cv['brier_skill_vs_force_ratio'])}, over the base rate {pct(cv['brier_skill_vs_base_rate'])}.</p>"
            + table(["model", "Brier score", "log loss", "MAE attacker casualty fraction",
                     "MAE defender casualty fraction", "median abs. log error attacker / defender"], rows,
                    numeric=(1, 2, 3, 4, 5)))
    air = calibration.get("air_superiority")
    if air:
        o = air["odds_ratio"]
        out += (f"<p>Air superiority ({air['battles']} battles): odds ratio of an attacker win with against without, "
                f"predicted {o['predicted']:.2f}, observed {o['observed']:.2f} "
                f"(95% interval {o['observed_ci95'][0]:.2f}-{o['observed_ci95'][1]:.2f}), "
                f"published {o['published']} ({o['published_ci95'][0]}-"
                f"{o['published_ci95'][1]}).</p>")
    if cal_fig is not None:
        out += figs.add("fig-calibration", cal_fig)
    return out


def _values(obj: Any, prefix: str = "") -> list[str]:
    """The numbers of a scenario object as ``field value`` phrases (distributions as their range)."""
    out = []
    data = obj if isinstance(obj, dict) else {k: getattr(obj, k) for k in type(obj).model_fields}
    for k, v in data.items():
        if k in ("source", "note", "name", "description") or v is None:
            continue
        name = f"{prefix}{k}"
        if isinstance(v, bool):
            continue
        if k in ("lat", "lon") and isinstance(v, int | float):
            out.append(f"{k} {v:.4f}")                  # coordinates at full precision
        elif isinstance(v, int | float) or is_uncertain(v):
            out.append(f"{name.replace('_', ' ')} {fmt_quantity(v)}")
        elif isinstance(v, dict) and v and all(isinstance(x, int | float) or is_uncertain(x) for x in v.values()):
            out.append(f"{name.replace('_', ' ')}: " + ", ".join(f"{a} {fmt_quantity(x)}" for a, x in v.items()))
        elif hasattr(type(v), "model_fields") and k in ("cost_tolerance",):
            out.extend(_values(v, prefix=f"{name} "))
    return out


def assumption_rows(s) -> list[list[str]]:
    """Every sourced item of the scenario: where it is, what it is, its numbers, its sources, its note."""
    rows: list[list[str]] = []

    def add(path: str, obj: Any, label: str = "") -> None:
        src = getattr(obj, "source", None)
        if src is None:
            return
        rows.append([path, label or getattr(obj, "name", "") or getattr(obj, "description", ""),
                     "; ".join(_values(obj)), fmt_sources(src), getattr(obj, "note", None) or ""])

    for tid, t in s.theatres.items():
        add(f"theatres.{tid}", t)
    for aid, a in s.actors.items():
        add(f"actors.{aid}", a)
    for pid, p in s.places.items():
        add(f"places.{pid}", p, f"{p.name} ({p.kind})")
    for rid, r in s.routes.items():
        add(f"routes.{rid}", r, f"{r.name} ({r.road}): " + " - ".join(r.places))
    for pid, p in s.posts.items():
        add(f"posts.{pid}", p, f"{p.actor} at {p.place}")
    for group in ("ground", "air", "drones", "air_defence"):
        for fid, f in getattr(s.forces, group).items():
            add(f"forces.{group}.{fid}", f, f"{f.name} ({f.owner})")
    for pid, p in s.parameters.items():
        add(f"parameters.{pid}", p, p.description)
    for iid, i in s.interventions.items():
        add(f"interventions.{iid}", i, i.description)
    for aid, d in s.decisions.items():
        for oid, o in d.options.items():
            add(f"decisions.{aid}.options.{oid}", o, o.description)
    for r in s.escalation.rungs:
        add(f"escalation.{r.id}", r, r.name)
    if s.bargaining is not None:
        add("bargaining", s.bargaining, f"{s.bargaining.model} model")
    for iid, i in s.issues.items():
        add(f"issues.{iid}", i, i.name)
    return rows


def source_rows(sources: Mapping[str, Any]) -> list[list[str]]:
    """Sources as text: the URL is shown, not linked (the page loads nothing)."""
    return [[sid, src.citation, f"<code>{esc(src.url)}</code>" if src.url else "", src.file or "",
             str(src.accessed or "")] for sid, src in sources.items()]


def assumptions_section(s, constants: Mapping[str, Any], constant_sources: Mapping[str, Any]) -> str:
    rows = assumption_rows(s)
    const_rows = [[name, p.description, fmt_quantity(p.value) + (f" {p.unit}" if p.unit else ""),
                   fmt_sources(p.source), p.note or ""] for name, p in constants.items()]
    return ('<h2 id="assumptions">Assumptions and sources</h2>'
            f"<p>Every number of the scenario as the intervention leaves it ({len(rows)} items), the sources they "
            "cite, and the model constants. A range is an uncertain input drawn per run from its distribution "
            "(the scenario file gives the distribution). 'analyst' marks a number no source gives.</p>"
            "<h3>Scenario</h3>"
            + table(["where", "what", "numbers", "sources", "note"], rows)
            + "<h3>Model constants</h3>"
            + table(["constant", "meaning", "value", "sources", "note"], const_rows)
            + "<h3>Sources</h3>"
            + table(["id", "citation", "URL", "shipped file", "accessed"],
                    source_rows(s.sources) + source_rows(constant_sources), raw=(2,)))


NAV = [("outcomes", "Outcomes"), ("map", "Map"), ("time", "Over time"), ("losses", "Losses"),
       ("politics", "Decisions"), ("sensitivity", "Drivers"), ("discovery", "Discovered scenarios"),
       ("claims", "Claims"), ("validation", "Validation"), ("assumptions", "Assumptions")]


def page(title: str, sections: Sequence[str], footer: str = "") -> str:
    """The whole document: plotly.js once in the head, inline CSS, the sections in order."""
    nav = "<nav>" + "".join(f'<a href="#{a}">{esc(t)}</a>' for a, t in NAV) + "</nav>"
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{esc(title)}</title><style>{CSS}</style>"
            f'<script type="text/javascript">{get_plotlyjs()}</script></head>'
            f"<body><main>{nav}{''.join(sections)}"
            f'<p class="meta" id="footer">{esc(footer)}</p></main></body></html>\n')


def json_script(div_id: str, data: Any) -> str:
    """Data embedded in the page for machines (the numbers the report shows)."""
    text = json_text(data, indent=None, default=str).replace("</", "<\\/")
    return f'<script type="application/json" id="{esc(div_id)}">{text}</script>'
