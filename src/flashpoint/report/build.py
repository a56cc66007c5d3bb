"""Build the HTML report: run the baseline and the intervention, analyse, write one file.

``report(scenario, with_=[...], runs=..., seed=..., out=...)`` runs the scenario without and with
the interventions (same seed: run i of one meets the same chance as run i of the other, so
differences are paired), then the sensitivity of the headline outcome, scenario discovery on the
intervention's runs, the claims of the scenario, the engine's backtest, and reads the calibration
file; every number on the page comes from those runs or files. The page is written to a hidden
temporary file next to ``out`` and renamed onto it when complete, so a failed or interrupted
report leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from flashpoint.analysis.backtest import backtest, builtin_backtests
from flashpoint.analysis.claims import claim_variants, evaluate_claim
from flashpoint.analysis.discovery import discover
from flashpoint.analysis.results import compare_results, run
from flashpoint.analysis.sensitivity import sensitivity
from flashpoint.engine.calibration import shipped_calibration
from flashpoint.engine.executor import Executor
from flashpoint.engine.runner import RunSpec
from flashpoint.engine.theatre import default_parameters, parameter_sources
from flashpoint.errors import FlashpointError
from flashpoint.outputs import check_out_file, write_text_atomic
from flashpoint.report import charts, phrases
from flashpoint.report import html as H
from flashpoint.report.frontline import control_by_day, front_map
from flashpoint.report.map import default_camp, remote_places, theatre_map
from flashpoint.report.png import check_png_dir, export_png
from flashpoint.scenario import load
from flashpoint.scenario.schema import Scenario
from flashpoint.version import __version__

DEFAULT_RUNS = 3000
BACKTEST_RUNS = 1000


@dataclass
class ReportData:
    """What the page shows, computed once: the two summaries and what was derived from the runs."""

    base_s: Scenario
    int_s: Scenario
    base: dict[str, Any]
    inter: dict[str, Any]
    differences: dict[str, dict[str, Any]]          # the comparison's outcomes: p_base, p_int, diff, ci95
    losses_time_base: dict[str, dict[str, list[float]]]
    losses_time_int: dict[str, dict[str, list[float]]]
    seconds: float = 0.0
    sensitivity: dict[str, Any] | None = None
    sensitivity_error: str | None = None
    discovery: list[dict[str, Any]] | None = None
    discovery_error: str | None = None
    claims: list[dict[str, Any]] | None = None
    claims_error: str | None = None
    backtest: dict[str, Any] | None = None
    backtest_error: str | None = None
    calibration: dict[str, Any] | None = None
    headline_outcome: str | None = None
    timings: dict[str, float] = field(default_factory=dict)
    comparison: dict[str, Any] | None = None           # ``Comparison.to_json()``
    control_by_day: dict[str, Any] | None = None       # the intervention's, report/frontline.py


# ------------------------------------------------------------------------------------ helpers
check_out = check_out_file          # the report's names for the shared output checks
write_atomic = write_text_atomic


def loss_quantiles_over_time(results, actors: Sequence[str] | None = None) -> dict[str, dict[str, list[float]]]:
    """5, 50 and 95% quantiles over runs of personnel killed so far, day by day, per actor that
    loses anyone (from the runs' trajectories)."""
    traj = results.trajectories()
    killed = traj["personnel_killed"]
    out = {}
    for actor in (actors or [str(a) for a in killed["actor"].values]):
        values = killed.sel(actor=actor).to_numpy()                    # (run, day)
        if not values.size or values[:, -1].max() <= 0:
            continue
        q = np.quantile(values, [0.05, 0.5, 0.95], axis=0)
        out[actor] = {"q05": q[0].round(1).tolist(), "q50": q[1].round(1).tolist(), "q95": q[2].round(1).tolist()}
    return out


def headline_outcome(differences: Mapping[str, Mapping[str, Any]]) -> str | None:
    """The outcome whose probability the intervention changes most (largest |paired difference|)."""
    ranked = sorted(differences.items(), key=lambda kv: -abs(kv[1]["diff"]))
    return ranked[0][0] if ranked and ranked[0][1]["diff"] != 0 else None


def headline(data: ReportData, base_name: str, int_name: str, most: int = 3) -> list[str]:
    """The answer in plain words, from the paired differences and the control of places."""
    s = data.int_s
    sig = [(oid, d) for oid, d in data.differences.items()
           if None not in d["ci95"] and (d["ci95"][0] > 0 or d["ci95"][1] < 0)]
    sig.sort(key=lambda kv: -abs(kv[1]["diff"]))
    out = []
    for oid, d in sig[:most]:
        desc = s.outcomes[oid].description if oid in s.outcomes else oid
        direction = "more" if d["diff"] > 0 else "fewer"
        out.append(f"{desc}: in {phrases.pct(d['p_int'])} of futures {int_name}, against {phrases.pct(d['p_base'])} "
                   f"{base_name}; {abs(100 * d['diff']):.1f} points {direction} "
                   f"(95% interval of the paired difference {phrases.points(d['ci95'][0])} to "
                   f"{phrases.points(d['ci95'][1])}).")
    if not sig:
        out.append(f"No outcome's probability changes {int_name} by more than the simulation's own noise "
                   f"(every 95% interval of the paired difference includes zero) at {data.inter['runs']:,} futures.")
    camps = list(s.camps)
    camp = default_camp(camps, data.base["control"], data.inter["control"])

    # only the places both variants have: an intervention may add bases (e.g. a carrier area)
    common = [pid for pid in data.base["control"] if pid in data.inter["control"]]

    def expected(doc):
        return sum(doc["control"][pid].get(camp, 0.0) for pid in common)

    name = s.camps[camp].name
    out.append(f"{name} ({camp}) hold on average {expected(data.inter):.1f} of the {len(common)} places of the "
               f"theatre at the end {int_name}, against {expected(data.base):.1f} {base_name}.")
    cf_b, cf_i = data.base["ceasefire_day"], data.inter["ceasefire_day"]
    out.append(f"A ceasefire comes in {phrases.pct(1 - cf_i['share_none'])} of futures {int_name} "
               f"(against {phrases.pct(1 - cf_b['share_none'])} {base_name}).")
    if data.backtest is not None:
        bt = data.backtest
        inside = sum(e["inside"] for e in bt["events"])
        out.append(f"Read these numbers as what the model says with its present inputs, not as a forecast: in its "
                   f"backtest ({bt['scenario']}) the engine put {inside} of {len(bt['events'])} dated events inside "
                   "their 90% intervals (see Validation), and many inputs are wide assumptions (see Assumptions).")
    return out


# ------------------------------------------------------------------------------------ analyses
def _sensitivity(data: ReportData, seed: int, days: int, where: dict[str, Any], samples: int | None) -> None:
    target = data.headline_outcome
    if target is None:
        data.sensitivity_error = "no outcome changes with the intervention, so there is no headline outcome to explain"
        return
    try:
        result = sensitivity(data.int_s, target, method="morris", base_samples=samples, seed=seed, days=days,
                             **where)
    except FlashpointError as exc:
        data.sensitivity_error = str(exc)
        return
    data.sensitivity = result.to_json()


def _discovery(data: ReportData, frame) -> None:
    target = data.headline_outcome
    if target is None:
        data.discovery_error = "no outcome changes with the intervention, so there is no headline outcome to explain"
        return
    text = data.int_s.outcomes[target].description if target in data.int_s.outcomes else None
    try:
        boxes = discover(frame, target, outcome_text=text)
    except FlashpointError as exc:
        data.discovery_error = str(exc)
        return
    data.discovery = [b.to_json() for b in boxes]


def _claims(data: ReportData, have: dict[tuple[str, ...], Any], runs: int, seed: int, days: int,
            where: dict[str, Any]) -> None:
    """The scenario's claims, answered from the report's own two jobs and, for any other variant a
    claim names, a job of the same runs and seed (so every comparison stays paired)."""
    s = data.base_s
    if not s.claims:
        data.claims = []
        return
    try:
        columns = {key: results.columns() for key, results in have.items()}
        for key in claim_variants(s):
            if key not in columns:
                variant = s.apply(*key) if key else s
                columns[key] = run(variant, runs=runs, seed=seed, days=days, keep_runs=True, **where).columns()
        data.claims = [evaluate_claim(cid, claim, s, columns).to_json() for cid, claim in s.claims.items()]
    except FlashpointError as exc:
        data.claims_error = str(exc)


def _backtest(data: ReportData, seed: int, where: dict[str, Any]) -> None:
    known = builtin_backtests()
    sid = data.int_s.meta.id if data.int_s.meta.id in known else next(iter(sorted(known)), None)
    if sid is None:
        data.backtest_error = "no backtest is defined"
        return
    try:
        data.backtest = backtest(sid, runs=BACKTEST_RUNS, seed=seed, **where)
    except FlashpointError as exc:
        data.backtest_error = str(exc)


def _calibration() -> dict[str, Any] | None:
    try:
        cal = shipped_calibration()
    except FlashpointError:
        return None
    return {**cal.raw, "path": cal.path}


def compute(base_s: Scenario, int_s: Scenario, runs: int = DEFAULT_RUNS, seed: int = 1, days: int | None = None,
            workers: int = 1, sensitivity_samples: int | None = None, analyses: bool = True,
            progress: Callable[[str], None] | None = None, executor: Executor | None = None) -> ReportData:
    """Run both scenarios and every analysis the page shows (on ``workers`` local processes, or
    on ``executor``)."""
    where: dict[str, Any] = {"workers": workers, "executor": executor}
    say = progress or (lambda _msg: None)
    days = RunSpec.for_scenario(base_s, runs, seed, days=days).days
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    say("baseline")
    r_base = run(base_s, runs=runs, seed=seed, days=days, trajectories=True, **where)
    say("intervention")
    r_int = run(int_s, runs=runs, seed=seed, days=days, trajectories=True, **where)
    timings["runs"] = time.perf_counter() - t0
    f_int = r_int.per_run()
    base, inter = r_base.summary(), r_int.summary()
    comparison = compare_results(r_base, r_int).to_json()
    diffs = comparison["outcomes"]
    data = ReportData(base_s=base_s, int_s=int_s, base=base, inter=inter, differences=diffs, comparison=comparison,
                      losses_time_base=loss_quantiles_over_time(r_base),
                      losses_time_int=loss_quantiles_over_time(r_int),
                      seconds=r_base.job.seconds + r_int.job.seconds, control_by_day=control_by_day(r_int, int_s))
    data.headline_outcome = headline_outcome(diffs)
    if analyses:
        t = time.perf_counter()
        say("claims")
        added = tuple(a for a in int_s.applied if a not in base_s.applied)
        _claims(data, {(): r_base, added: r_int}, runs, seed, days, where)
        timings["claims"] = time.perf_counter() - t
    del r_base, r_int
    if analyses:
        t = time.perf_counter()
        say("sensitivity")
        _sensitivity(data, seed, days, where, sensitivity_samples)
        timings["sensitivity"] = time.perf_counter() - t
        t = time.perf_counter()
        say("discovery")
        _discovery(data, f_int)
        timings["discovery"] = time.perf_counter() - t
        t = time.perf_counter()
        say("backtest")
        _backtest(data, seed, where)
        timings["backtest"] = time.perf_counter() - t
    else:
        data.sensitivity_error = data.discovery_error = data.claims_error = data.backtest_error = \
            "not computed for this report"
    data.calibration = _calibration()
    data.timings = timings
    return data


# ------------------------------------------------------------------------------------ the page
def render(data: ReportData, base_name: str = "baseline", int_name: str = "with the intervention",
           elapsed: float | None = None) -> tuple[str, dict[str, Any]]:
    """The HTML page and its figures (by div id, for PNG export)."""
    s, base, inter = data.int_s, data.base, data.inter
    figs = H.Figures()
    camps = list(s.camps)
    colours = charts.camp_colours(camps)
    applied = ", ".join(a for a in s.applied if a not in data.base_s.applied)
    facts = [f"{inter['runs']:,} futures of {inter['days']} days from {s.meta.start}, each with and without "
             f"{applied}; seed {inter['seed']}; Flashpoint {__version__}; scenario {s.meta.id}"
             + (f"; simulated in {data.seconds:.1f} s" if data.seconds else "")
             + (f", report built in {elapsed:.1f} s" if elapsed else "") + "."]
    sections = [H.header_section(s.meta.title, s.meta.question, headline(data, base_name, int_name), facts)]

    descriptions = {o: s.outcomes[o].description for o in s.outcomes}
    method = (data.comparison or {}).get("method") or {}
    diff_note = ("Difference: the intervention's probability minus the baseline's, in percentage points. Run i with "
                 "the intervention and run i without share their seed and the draws where the scenarios agree "
                 "(common random numbers), so the difference is estimated from the pairs; its 95% interval: "
                 f"{method.get('risk_difference', 'see docs/report.md')}. The p intervals are Clopper-Pearson.")
    sections.append(H.outcomes_section(figs, charts.outcome_chart(base, inter, descriptions, base_name, int_name),
                                       base, inter, descriptions, data.differences, base_name, int_name, diff_note))
    sections.append(H.map_section(figs, theatre_map(data.base_s, s, base["control"], inter["control"],
                                                    base_name=base_name, int_name=int_name),
                                  remote_places(data.base_s, s),
                                  [f"{b.name} ({b.owner}, {b.system}) at {b.place}, {b.range_km:g} km"
                                   for b in s.forces.air_defence.values()]))
    if data.control_by_day:
        sections.append(H.front_section(figs, front_map(s, data.control_by_day), int_name, inter["runs"]))
    camp_labels = {c: f"{c}: places held" for c in camps}
    territory = charts.fan_chart("Places held by each camp, day by day", base["territory"], inter["territory"],
                                 camp_labels, "places held", colours, base_name, int_name)
    losses_time = None
    if data.losses_time_int or data.losses_time_base:
        losses_time = charts.fan_chart("Personnel killed so far, by actor", data.losses_time_base,
                                       data.losses_time_int, {a: f"{a}: killed" for a in data.losses_time_int},
                                       "killed", None, base_name, int_name)
    sections.append(H.fans_section(figs, territory, losses_time))

    actors = [a for a in s.actors if any(k.startswith(f"{a}.") for k in inter["metrics"])]
    killed_rows = []
    metric_diffs = (data.comparison or {}).get("metrics") or {}
    for a in actors:
        cells = []
        for doc in (base, inter):
            m = doc["metrics"].get(f"{a}.personnel_killed")
            cells.append("" if m is None else f"{H.num(m['q50'])} [{H.num(m['q05'])}-{H.num(m['q95'])}]")
        d = metric_diffs.get(f"{a}.personnel_killed")
        cells.append("" if not d or d.get("diff_mean") is None else
                     f"{d['diff_mean']:+,.0f} [{d['ci95'][0]:+,.0f} to {d['ci95'][1]:+,.0f}]")
        if any(cells):
            killed_rows.append([a, *cells])
    sections.append(H.losses_section(figs, charts.loss_chart(base, inter, actors, base_name, int_name), killed_rows,
                                     base_name, int_name))

    dec_b, dec_i = base.get("decisions") or {}, inter.get("decisions") or {}
    decisions = (charts.decisions_chart(dec_b, dec_i, base_name, int_name)
                 if any(dec_b.values()) or any(dec_i.values()) else None)
    esc_i = inter.get("escalation") or {}
    rung_names = {r.id: r.name for r in s.escalation.rungs}
    escalation = (charts.escalation_chart(base.get("escalation") or {}, esc_i, rung_names, base_name, int_name)
                  if esc_i.get("rungs") else None)
    ceasefire = charts.ceasefire_chart(base["ceasefire_day"], inter["ceasefire_day"], inter["days"], base_name,
                                       int_name)
    cf_text = [f"{name.capitalize()}, ceasefire: {phrases.ceasefire(doc['ceasefire_day'])}."
               for name, doc in ((base_name, base), (int_name, inter))]
    settlement_rows = []
    issues_i = ((inter.get("settlement") or {}).get("issues") or {})
    issues_b = ((base.get("settlement") or {}).get("issues") or {})
    for iid in dict.fromkeys(list(issues_b) + list(issues_i)):
        issue = issues_i.get(iid) or issues_b.get(iid)

        def forecast(doc, iid=iid):
            return phrases.median_interval((doc.get(iid) or {}).get("forecast"))

        settlement_rows.append([issue.get("name", iid), issue.get("low", ""), issue.get("high", ""),
                                forecast(issues_b), forecast(issues_i)])
    sections.append(H.politics_section(figs, decisions, escalation, ceasefire, cf_text, settlement_rows,
                                       base_name, int_name))

    sens = data.sensitivity
    tornado = charts.tornado_chart(sens["ranked"], sens["target"], sens["method"]) if sens else None
    sections.append(H.sensitivity_section(figs, sens, tornado, data.sensitivity_error))
    note = ""
    if data.discovery is not None and data.headline_outcome:
        note = (f"PRIM boxes over the uncertain inputs of the {inter['runs']:,} futures {int_name}, for "
                f"{data.headline_outcome} (the outcome the intervention changes most). Density, coverage and "
                "support are in-sample.")
    sections.append(H.discovery_section(data.discovery, data.headline_outcome, note, data.discovery_error))
    claims_note = ("Each claim of the scenario's sources is a question put to the futures: a difference between two "
                   "variants (paired runs, same seed) or a level in one, with its 95% interval. The verdict supports "
                   "the claim when the whole interval lies on its side of the threshold, contradicts it when the "
                   "whole interval lies on the other side, and is inconclusive otherwise. Probabilities and "
                   "differences of probabilities are shares (0.05 = 5 points).")
    sections.append(H.claims_section(data.claims, claims_note, data.claims_error))
    bt_fig = charts.backtest_chart(data.backtest) if data.backtest else None
    curve = ((data.calibration or {}).get("scores") or {}).get("cross_validated", {}).get("calibration_curve")
    cal_fig = charts.calibration_chart(curve) if curve else None
    sections.append(H.validation_section(figs, data.backtest, bt_fig, data.calibration, cal_fig, data.backtest_error))

    constants = default_parameters()
    constants.update(s.parameters)
    sections.append(H.assumptions_section(s, constants, parameter_sources()))
    sections.append(H.json_script("report-data", {
        "scenario": s.meta.id, "interventions": applied, "baseline": base, "intervention": inter,
        "differences": data.differences, "comparison": data.comparison, "sensitivity": data.sensitivity,
        "discovery": data.discovery,
        "claims": data.claims, "backtest": data.backtest, "seconds": data.timings}))
    footer = (f"Flashpoint {__version__}, written {dt.datetime.now().isoformat(timespec='seconds')}. "
              "Every number on this page comes from the runs made for it or from the files it names.")
    return H.page(f"{s.meta.title}: {applied}", sections, footer), figs.figures


def _scenarios(scenario: str | Path | Scenario, with_: Sequence[str]) -> tuple[Scenario, Scenario]:
    base_s = scenario if isinstance(scenario, Scenario) else load(str(scenario))
    if not with_:
        known = ", ".join(base_s.interventions) or "none"
        raise FlashpointError(f"--with: give the intervention to compare with the baseline; scenario "
                              f"'{base_s.meta.id}' has: {known}")
    return base_s, base_s.apply(*with_)


def report(scenario: str | Path | Scenario, with_: Sequence[str] = (), runs: int = DEFAULT_RUNS, seed: int = 1,
           out: str | Path = "report.html", days: int | None = None, workers: int = 1,
           png: str | Path | None = None, sensitivity_samples: int | None = None, analyses: bool = True,
           progress: Callable[[str], None] | None = None, executor: Executor | None = None) -> Path:
    """Write the HTML report comparing ``scenario`` without and with the interventions ``with_``;
    returns the path written. ``png`` also writes every figure as a PNG into that folder.
    ``executor``: where the runs are simulated (default: ``workers`` local processes)."""
    t0 = time.perf_counter()
    base_s, int_s = _scenarios(scenario, with_)
    spec = RunSpec.for_scenario(base_s, runs, seed, days=days, workers=workers)
    out = check_out(Path(out))
    png_dir = None
    if png is not None:
        png_dir = check_png_dir(Path(png))
    data = compute(base_s, int_s, runs=runs, seed=seed, days=spec.days, workers=workers,
                   sensitivity_samples=sensitivity_samples, analyses=analyses, progress=progress, executor=executor)
    applied = ", ".join(a for a in int_s.applied if a not in base_s.applied)
    text, figures = render(data, base_name=f"without {applied}", int_name=f"with {applied}",
                           elapsed=time.perf_counter() - t0)
    write_atomic(out, text)
    if png_dir is not None:
        export_png(figures, png_dir)
    return out

