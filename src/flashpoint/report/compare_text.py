"""A comparison and the claims in the terminal: paired differences with their intervals, verdicts."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from flashpoint.report.phrases import pct, points
from flashpoint.report.text import LABELS
from flashpoint.scenario.schema import Scenario

VERDICT_STYLE = {"supports": "green", "contradicts": "red", "inconclusive": "yellow"}


def _pct(p: float | None) -> str:
    return pct(p, missing="-")


def _points(x: float | None) -> str:
    return points(x, missing="-")


def _num(x: float | None, signed: bool = False) -> str:
    if x is None:
        return "-"
    sign = "+" if signed else ""
    if float(x).is_integer() or abs(x) >= 10:
        return f"{x:{sign},.0f}"
    return f"{x:{sign},.2f}"


def _rr(o: dict[str, Any]) -> str:
    if o["risk_ratio"] is None:
        return "-"
    if o["rr_ci95"] is None:
        return f"{o['risk_ratio']:.2f}"
    lo, hi = o["rr_ci95"]
    return f"{o['risk_ratio']:.2f} [{lo:.2f}-{hi:.2f}]"


def _binary_table(title: str, rows: dict[str, dict[str, Any]], base: str, inter: str,
                  meaning: dict[str, str] | None = None) -> Table:
    t = Table(title=title)
    t.add_column("")
    t.add_column(base, justify="right")
    t.add_column(inter, justify="right")
    t.add_column("difference (points)", justify="right")
    t.add_column("95% interval", justify="right")
    t.add_column("risk ratio [95%]", justify="right")
    if meaning:
        t.add_column("meaning")
    for key, o in rows.items():
        lo, hi = o["ci95"]
        cells = [key, _pct(o["p_base"]), _pct(o["p_int"]), _points(o["diff"]),
                 f"{_points(lo)} to {_points(hi)}", _rr(o)]
        if meaning:
            cells.append(meaning.get(key, ""))
        t.add_row(*cells)
    return t


def print_comparison(console: Console, s: Scenario, doc: dict[str, Any], seconds: float | None = None) -> None:
    """The ``compare`` answer: outcomes, losses, escalation and decisions, intervention minus baseline."""
    base, inter = doc["baseline"], doc["intervention"]
    console.print(f"{s.meta.title}: {inter} against {base}", style="bold", markup=False)
    runs = doc["runs"]["intervention"]
    how = ("paired by common random numbers (the same seed, run by run)" if doc["paired"]
           else "independent runs (different seeds): not paired")
    timing = f", in {seconds:.1f} s" if seconds is not None else ""
    console.print(f"{runs:,} futures of {doc['days']} days each, seed {doc['seed']['intervention']}, "
                  f"{how}{timing}")

    meaning = {oid: o.description for oid, o in s.outcomes.items()}
    console.print(_binary_table("Outcomes at the end: probability, and the difference the intervention makes",
                                doc["outcomes"], base, inter, meaning))

    t = Table(title="Losses: median in each variant, and the mean paired difference")
    for col, just in (("actor", "left"), ("loss", "left"), (f"{base} median", "right"),
                      (f"{inter} median", "right"), ("mean difference", "right"), ("95% interval", "right"),
                      ("90% of runs' differences", "right")):
        t.add_column(col, justify=just)
    for key, m in doc["metrics"].items():
        if not any(m[k] for k in ("base_mean", "int_mean")):
            continue
        actor, kind = key.split(".")
        lo, hi = m["ci95"]
        spread = (f"{_num(m['diff_q05'], True)} to {_num(m['diff_q95'], True)}" if "diff_q05" in m else "-")
        t.add_row(actor, LABELS.get(kind, kind), _num(m["base_q50"]), _num(m["int_q50"]),
                  _num(m["diff_mean"], True), f"{_num(lo, True)} to {_num(hi, True)}", spread)
    console.print(t)

    escalation = {r: e for r, e in doc.get("escalation", {}).items() if e["p_base"] or e["p_int"]}
    if escalation:
        console.print(_binary_table("Escalation: rung reached at least", escalation, base, inter))
    if "ceasefire" in doc:
        console.print(_binary_table("Ceasefire in the run", {"ceasefire": doc["ceasefire"]}, base, inter))
    rows = {f"{a}: {opt}": o for a, opts in doc.get("decisions", {}).items() for opt, o in opts.items()
            if o["p_base"] or o["p_int"]}
    if rows:
        console.print(_binary_table("Decisions: option chosen at least once", rows, base, inter))
    console.print(f"Intervals: {doc['method']['risk_difference']}; risk ratio: {doc['method']['risk_ratio']}; "
                  f"losses: {doc['method']['metrics']}.", style="dim")


def print_claims(console: Console, s: Scenario, results: list, runs: int, seed: int, days: int,
                 seconds: float | None = None) -> None:
    """The ``claims`` answer: each claim, the number for it, its interval and the verdict."""
    console.print(f"{s.meta.title}: the sources' claims against the futures", style="bold", markup=False)
    timing = f", in {seconds:.1f} s" if seconds is not None else ""
    console.print(f"{runs:,} futures of {days} days per variant, seed {seed}, common random numbers{timing}")
    t = Table(title="Claims", show_lines=True)
    t.add_column("claim")
    t.add_column("text")
    t.add_column("query")
    t.add_column("value [95%]", justify="right")
    t.add_column("verdict")
    for r in results:
        query = (f"{r.quantity} {r.expect}" + (f" > {r.threshold:g}" if r.threshold else "")
                 + (f"\n{r.intervention} vs {r.baseline}" if r.kind == "difference" else f"\nunder {r.intervention}")
                 if r.expect in ("increase", "decrease") else
                 f"{r.quantity} {r.expect} {r.threshold:g}\nunder {r.intervention}")
        if r.value is None:
            value = "-"
        elif r.quantity.startswith("metric:"):
            value = f"{_num(r.value, r.kind == 'difference')} [{_num(r.ci95[0], True)}, {_num(r.ci95[1], True)}]"
        elif r.kind == "difference":
            value = f"{_points(r.value)} pts [{_points(r.ci95[0])}, {_points(r.ci95[1])}]"
        else:
            value = f"{_pct(r.value)} [{_pct(r.ci95[0])}, {_pct(r.ci95[1])}]"
        t.add_row(r.id, f"{r.text}\n({r.detail})", query, value, r.verdict)
    console.print(t)
    counts = {v: sum(r.verdict == v for r in results) for v in VERDICT_STYLE}
    console.print(", ".join(f"{n} {v}" for v, n in counts.items()))
