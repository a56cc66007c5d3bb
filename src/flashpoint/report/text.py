"""The answer in the terminal: outcome probabilities, losses and who holds the key places."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from flashpoint.describe import fmt_number
from flashpoint.engine.state import LOSS_KINDS, TALLY_KINDS
from flashpoint.report.phrases import ceasefire, median_interval, pct
from flashpoint.scenario.schema import Scenario

LABELS = {"personnel_killed": "killed", "personnel_lost": "out of action", "tanks_lost": "tanks", "ifvs_lost": "IFVs",
          "artillery_lost": "artillery", "aircraft_lost": "aircraft", "uav_lost": "drones",
          "air_defence_lost": "air defence", "aircraft_lost_to_air_defence": "aircraft to air defence",
          "aircraft_lost_to_fighters": "aircraft to fighters", "uav_lost_to_air_defence": "drones to air defence",
          "uav_lost_to_fighters": "drones to fighters", "munitions_used": "munitions used",
          "air_defence_lost_to_drones": "air defence to drones"}


def key_places(s: Scenario, most: int = 8) -> list[str]:
    if s.meta.key_places:
        return list(s.meta.key_places)
    ranked = sorted(s.places, key=lambda p: -s.places[p].value)
    return ranked[:most]


def print_summary(console: Console, s: Scenario, summary: dict, seconds: float) -> None:
    applied = f" with {', '.join(s.applied)}" if s.applied else " (no intervention)"
    console.print(f"{s.meta.title}{applied}", style="bold", markup=False)
    if s.meta.question:
        console.print(s.meta.question, style="italic", markup=False)
    console.print(f"{summary['runs']:,} futures of {summary['days']} days from {s.meta.start}, "
                  f"seed {summary['seed']}, in {seconds:.1f} s")

    t = Table(title="Outcomes at the end (probability, 95% interval)")
    t.add_column("outcome")
    t.add_column("p", justify="right")
    t.add_column("95% interval", justify="right")
    t.add_column("meaning")
    for oid, o in summary["outcomes"].items():
        lo, hi = o["ci95"]
        t.add_row(oid, pct(o["p"]), f"{pct(lo)} - {pct(hi)}", s.outcomes[oid].description)
    console.print(t)

    console.print(_losses_table("Losses by actor: median [90% interval]", LOSS_KINDS, summary, s))
    if any(m.endswith(".munitions_used") for m in summary["metrics"]):     # a scenario with air mechanisms
        console.print(_losses_table("Air losses by cause, munitions used: median [90% interval]", TALLY_KINDS,
                                    summary, s))

    t = Table(title="Who holds the key places at the end")
    t.add_column("place")
    for camp in s.camps:
        t.add_column(camp, justify="right")
    for pid in key_places(s):
        probs = summary["control"][pid]
        t.add_row(s.places[pid].name, *[pct(probs.get(c, 0.0)) for c in s.camps])
    console.print(t)

    decisions = {a: opts for a, opts in summary.get("decisions", {}).items() if opts}
    if decisions:
        t = Table(title="Decisions: share of futures in which each option was chosen at least once")
        t.add_column("actor")
        t.add_column("options")
        for actor, opts in decisions.items():
            t.add_row(actor, ", ".join(f"{o} {pct(p)}" for o, p in opts.items()))
        console.print(t)

    esc = summary["escalation"]
    if esc["rungs"]:
        t = Table(title="Escalation ladder")
        t.add_column("rung")
        t.add_column("highest reached", justify="right")
        t.add_column("reached at least", justify="right")
        for rid in esc["rungs"]:
            at_least = esc.get("at_least", {}).get(rid)
            t.add_row(rid, pct(esc["highest"][rid]), pct(at_least))
        console.print(t)
    console.print(f"Ceasefire: {ceasefire(summary['ceasefire_day'])}")
    settlement = summary.get("settlement") or {}
    issues = settlement.get("issues") or {}
    if issues:
        t = Table(title=f"Predicted settlement ({settlement.get('model', '').upper()} bargaining model, "
                        f"{settlement.get('runs', 0):,} futures with a ceasefire), 0-100")
        t.add_column("issue")
        t.add_column("0 means")
        t.add_column("100 means")
        t.add_column("forecast: median [90%]", justify="right")
        for iid, issue in issues.items():
            t.add_row(issue.get("name", iid), issue.get("low", ""), issue.get("high", ""),
                      median_interval(issue.get("forecast")))
        console.print(t)


def _losses_table(title: str, all_kinds: tuple[str, ...], summary: dict, s: Scenario) -> Table:
    """One row per actor, one column per kind of loss that some actor suffers in 5% of the runs."""
    t = Table(title=title)
    t.add_column("actor")
    kinds = [k for k in all_kinds
             if any(summary["metrics"][m]["q95"] > 0 for m in summary["metrics"] if m.endswith("." + k))]
    for k in kinds:
        t.add_column(LABELS[k], justify="right")
    actors = sorted({m.split(".")[0] for m in summary["metrics"]}, key=list(s.actors).index)
    for a in actors:
        cells = []
        for k in kinds:
            m = summary["metrics"][f"{a}.{k}"]
            cells.append("-" if m["q95"] == 0 else
                         f"{fmt_number(round(m['q50']))} [{fmt_number(round(m['q05']))}-{fmt_number(round(m['q95']))}]")
        if any(c != "-" for c in cells):
            t.add_row(a, *cells)
    return t
