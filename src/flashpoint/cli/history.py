"""Commands that hold the model against history: calibrate, calibrate-air, predict-battles, backtest."""

from __future__ import annotations

import datetime as dt
import math
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from flashpoint.cli import (
    DEFAULT_WORKERS,
    ExecutorKind,
    ExecutorOpt,
    ScenarioArg,
    SchedulerOpt,
    WorkersOpt,
    app,
    chosen_executor,
    console,
    err_console,
    user_errors,
)
from flashpoint.errors import FlashpointError
from flashpoint.outputs import check_out_file, json_text

BattlesOpt = Annotated[
    Path | None,
    typer.Option("--battles", help="folder with the CDB90 layout (CDB90-patched.csv, data/battles.csv); "
                 "default: the copy shipped in the package"),
]


def _fmt(x: float | None, digits: int = 3) -> str:
    return "-" if x is None else f"{x:.{digits}g}"


def _print_warnings(lines: list[str]) -> None:
    for line in lines:
        err_console.print(f"warning: {line}", highlight=False, soft_wrap=True)


def _print_calibration(doc: dict, out: Path) -> None:
    t = Table(title=f"Constants fitted on {doc['data']['battles_used']} battles "
                    f"(data sha256 {doc['data']['hash'][:12]}...)")
    for col in ("constant", "value", "standard error", "", "used by"):
        t.add_column(col)
    for name, c in doc["constants"].items():
        t.add_row(name, _fmt(c["value"], 4), _fmt(c["se"], 2), "at limit" if c["at_limit"] else "",
                  "engine" if c["engine"] else "kernel")
    console.print(t)
    cv = doc["scores"]["cross_validated"]
    t = Table(title=f"{doc['folds']}-fold cross-validation, {cv['n_battles']} battles (seed {doc['seed']})")
    for col in ("model", "Brier", "log loss", "MAE attacker casualties", "MAE defender casualties"):
        t.add_column(col)
    for m, label in (("model", "battle kernel"), ("force_ratio", "force ratio (logistic)"),
                     ("base_rate", "CDB90 base rate")):
        s = cv[m]
        t.add_row(label, f"{s['brier']:.4f}", f"{s['log_loss']:.4f}", f"{s['casualties_attacker']['mae']:.4f}",
                  f"{s['casualties_defender']['mae']:.4f}")
    console.print(t)
    d = doc["scores"]["duration_cross_validated"]
    console.print(
        f"duration, {d['n_battles']} battles out of sample: mean absolute error of log days "
        f"{d['model']['mae_log']:.3f} (force ratio alone {d['force_ratio']['mae_log']:.3f}), root mean square "
        f"{d['model']['rmse_log']:.3f} ({d['force_ratio']['rmse_log']:.3f}), inside the 90% interval "
        f"{d['model']['coverage_90']:.0%} ({d['force_ratio']['coverage_90']:.0%})")
    air = doc["air_superiority"]
    if "error" in air:
        console.print(f"air superiority check: not computed ({air['error']})")
    else:
        o, le = air["odds_ratio"], air["median_loss_exchange"]
        console.print(
            f"air superiority, battles after 1939: odds ratio of attacker victory predicted {o['predicted']:.2f} "
            f"(published {o['published']}, 95% CI {o['published_ci95'][0]}-{o['published_ci95'][1]}); median "
            f"loss-exchange ratio predicted {le['attacker_has_air_superiority']['predicted']:.2f} with / "
            f"{le['defender_has_air_superiority']['predicted']:.2f} against (observed "
            f"{le['attacker_has_air_superiority']['observed']:.2f} / "
            f"{le['defender_has_air_superiority']['observed']:.2f}): "
            f"{'inside' if air['inside'] else 'OUTSIDE'} the intervals")
    console.print(f"written: {out}")


def _print_campaigns(doc: dict, out: Path) -> None:
    fit = doc["fit"]
    t = Table(title=f"Campaign speed, leave one campaign out ({fit['legs']} legs, {len(fit['campaigns'])} campaigns); "
                    "mean absolute error of log days")
    for col in ("held out", "legs", "observed km/day", "predicted km/day", "pooled speed", "days vs distance",
                f"engine prior ({doc['loco']['prior_km_per_day']:g} km/day)", "inside 90%"):
        t.add_column(col)
    rows = [(name, c) for name, c in doc["loco"]["campaigns"].items()] + [("mean", doc["loco"]["mean_abs_log_error"])]
    for name, c in rows:
        t.add_row(name, str(c.get("legs", "")), _fmt(c.get("observed_km_per_day")), _fmt(c.get("predicted_km_per_day")),
                  f"{c['pooled_speed']:.2f}", f"{c['days_vs_distance']:.2f}", f"{c['engine_prior']:.2f}",
                  f"{c['coverage_90']:.0%}")
    console.print(t)
    console.print(f"all campaigns: speed median {fit['median_km_per_day']:.2f} km/day (geometric sd {fit['gsd']:.2f}); "
                  f"days = {math.exp(fit['a']):.2f} x km^{fit['b']:.2f}")
    console.print(f"written: {out}")


@app.command("calibrate")
@user_errors
def calibrate_command(
    out: Annotated[Path, typer.Option("--out", help="calibration file to write (JSON)")],
    battles: BattlesOpt = None,
    seed: Annotated[int, typer.Option(help="seed of the cross-validation folds")] = 1,
    folds: Annotated[int, typer.Option(help="groups of the cross-validation")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="print the calibration file to standard output")] = False,
    campaigns: Annotated[bool, typer.Option(
        "--campaigns", help="fit the campaign-level speed of advance on dated captures of past campaigns "
        "instead (leave one campaign out), and write it to --out")] = False,
    legs: Annotated[Path | None, typer.Option(
        "--legs", help="with --campaigns: CSV of legs of advance (default: the copy shipped in the package)")]
        = None,
    executor: ExecutorOpt = ExecutorKind.local,
    scheduler: SchedulerOpt = None,
) -> None:
    """Fit the engine's ground-combat constants to CDB90 and score them out of sample."""
    # lazy: every command module loads with the CLI; this would add 980 modules to --help, list and validate
    from flashpoint.analysis.calibrate.pipeline import calibrate, calibrate_campaigns, write_json

    check_out_file(out)
    if campaigns:
        doc = calibrate_campaigns(legs)
        write_json(out, doc)
        if as_json:
            print(json_text(doc))
        else:
            _print_campaigns(doc, out)
        return
    if legs is not None:
        raise FlashpointError("--legs is read with --campaigns only")
    status = nullcontext() if as_json else err_console.status("fitting and cross-validating the battle kernel")
    with chosen_executor(executor, scheduler) as ex, status:
        doc = calibrate(battles, seed=seed, folds=folds, executor=ex)
    _print_warnings(doc["warnings"])
    write_json(out, doc)
    if as_json:
        print(json_text(doc))
        return
    _print_calibration(doc, out)


def _print_air(doc: dict, out: Path | None, loco: bool) -> None:
    rates = doc["rates"]
    t = Table(title=f"Air and drone rates fitted on {doc['data']['observations_fitted']} counts of "
                    f"{len(doc['data']['campaigns'])} campaigns (data sha256 {doc['data']['hash'][:12]}...)")
    for col in ("rate", "median", "90% interval (estimate)", "new campaign q05-q95"):
        t.add_column(col)

    def row(label: str, r: dict) -> None:
        n = r["new_campaign"]
        t.add_row(label, f"{r['median']:.3g}", f"{r['ci90'][0]:.3g}-{r['ci90'][1]:.3g}",
                  f"{n['q05']:.3g}-{n['q95']:.3g}")

    for platform, kinds in rates["loss_per_sortie"].items():
        for kind, r in kinds.items():
            row(f"{platform} lost per sortie, {kind} air defence", r)
    row("drone-exposure (drone / manned loss rate)", rates["drone_exposure"])
    for target, r in rates["kills_per_drone_sortie"].items():
        row(f"{target} destroyed per drone sortie", r)
    for target, r in rates["kills_per_manned_strike_sortie"].items():
        row(f"{target} destroyed per manned strike sortie", r)
    console.print(t)
    t = Table(title="Sorties per aircraft per day")
    for col in ("campaign", "median", "q05-q95", "bears on"):
        t.add_column(col)
    for r in rates["sorties_per_aircraft_per_day"].values():
        t.add_row(r["campaign"], f"{r['median']:.2f}", f"{r['q05']:.2f}-{r['q95']:.2f}", r["maps_to"])
    console.print(t)
    c = doc["counting"]
    console.print(f"claims about the enemy: x{c['claim']['median_factor']:.2f} (gsd {c['claim']['gsd']:.2f}); own-side "
                  f"statements: x{c['own']['median_factor']:.2f} (gsd {c['own']['gsd']:.2f}); campaign-to-campaign "
                  f"log-sd tau: " + ", ".join(f"{g} rates {v['tau']:.2f}"
                                             for g, v in doc["between_campaign_log_sd"].items()))
    if loco:
        t = Table(title="Leave one campaign out: each count predicted by a fit on the other campaigns")
        for col in ("campaign", "count", "counting", "observed", "q05", "q50", "q95", "inside", "q95/q05"):
            t.add_column(col)
        for r in doc["leave_one_campaign_out"]["rows"]:
            obs = f"{r['observed_low']:g}" if r["observed_low"] == r["observed_high"] \
                else f"{r['observed_low']:g}-{r['observed_high']:g}"
            if r["inside"] is None:
                t.add_row(r["campaign"], r["observation"], r["counting"], obs, "-", "-", "-", "not predicted", "-")
                continue
            ratio = "inf" if r["ratio_q95_q05"] is None else f"{r['ratio_q95_q05']:.3g}"
            t.add_row(r["campaign"], r["observation"], r["counting"], obs, str(r["q05"]), str(r["q50"]), str(r["q95"]),
                      "yes" if r["inside"] else "NO", ratio)
        console.print(t)
    s = doc["leave_one_campaign_out"]["summary"]
    for key, label in (("documented_losses", "documented loss counts"), ("all", "all counts")):
        b = s[key]
        cov = "-" if b["coverage"] is None else f"{b['coverage']:.0%}"
        console.print(f"{label}: {b['inside']} of {b['predicted']} inside their 90% intervals ({cov}); "
                      f"{b['no_wider_than_10']} no wider than a factor 10")
    if out is not None:
        console.print(f"written: {out}")


@app.command("calibrate-air")
@user_errors
def calibrate_air_command(
    out: Annotated[Path | None, typer.Option("--out", help="calibration file to write (JSON)")] = None,
    data: Annotated[Path | None, typer.Option(
        "--data", help="folder with the air-war data (coding.toml and its CSV files); default: the copy shipped "
        "in the package")] = None,
    date: Annotated[str | None, typer.Option(
        "--date", help="date recorded in the file (YYYY-MM-DD; default today, UTC): the same date gives the same "
        "bytes")] = None,
    loco: Annotated[bool, typer.Option("--loco", help="print the leave-one-campaign-out table")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the calibration document (with --loco: only the "
                                                          "leave-one-campaign-out table) as JSON")] = False,
) -> None:
    """Fit the air and drone loss and kill rates to the documented campaigns; predict each from the others."""
    # lazy: every command module loads with the CLI; this would add 983 modules to --help, list and validate
    from flashpoint.analysis.calibrate.air_document import calibrate_air
    from flashpoint.analysis.calibrate.pipeline import write_json

    if date is None:
        date = dt.datetime.now(dt.UTC).date().isoformat()
    try:
        dt.date.fromisoformat(date)
    except ValueError:
        raise FlashpointError(f"--date {date!r}: expected a date YYYY-MM-DD") from None
    if out is not None:
        check_out_file(out)
    with nullcontext() if as_json else err_console.status("fitting the air and drone rates, one campaign left out "
                                                          "at a time"):
        doc = calibrate_air(data, date=date)
    if out is not None:
        write_json(out, doc)
    if as_json:
        print(json_text(doc["leave_one_campaign_out"] if loco else doc))
        return
    _print_air(doc, out, loco)


@app.command("predict-battles")
@user_errors
def predict_battles_command(
    params: Annotated[Path, typer.Option("--params", help="calibration file written by 'flashpoint calibrate'")],
    out: Annotated[Path, typer.Option("--out", help="CSV file to write, one row per battle")],
    battles: BattlesOpt = None,
    other_data: Annotated[bool, typer.Option(
        "--other-data", help="predict battles other than those the constants were fitted on "
        "(the folder's data hash may differ from the calibration's)")] = False,
    strict: Annotated[bool, typer.Option(
        "--strict", help="fail on a battle without a strength or duration, instead of giving it an empty row "
        "and a warning")] = False,
) -> None:
    """Predict every battle of a CDB90-layout folder with calibrated constants."""
    # lazy: every command module loads with the CLI; this would add 980 modules to --help, list and validate
    from flashpoint.analysis.calibrate.pipeline import predict_battles, write_csv

    check_out_file(out)
    frame = predict_battles(params, battles, other_data=other_data, strict=strict)
    _print_warnings(frame.attrs.get("warnings", []))
    write_csv(out, frame)
    empty = int(frame["p_attacker_wins"].isna().sum())
    note = f" ({empty} without a prediction: a field the kernel needs is not available)" if empty else ""
    console.print(f"written: {out} ({len(frame)} battles{note})")


@app.command("backtest")
@user_errors
def backtest_command(
    scenario: ScenarioArg,
    runs: Annotated[int, typer.Option("--runs", "-n", help="number of futures to simulate")] = 1000,
    seed: Annotated[int, typer.Option(help="random seed: the same seed gives the same numbers")] = 1,
    workers: WorkersOpt = DEFAULT_WORKERS,
    executor: ExecutorOpt = ExecutorKind.local,
    scheduler: SchedulerOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
) -> None:
    """Run a scenario from its start and compare its dated changes of control and loss counts with history."""
    # lazy: every command module loads with the CLI; this would add 717 modules to --help, list and validate
    from flashpoint.analysis.backtest import backtest

    if workers < 1:
        raise FlashpointError(f"--workers {workers}: must be at least 1")
    with chosen_executor(executor, scheduler) as ex, \
            nullcontext() if as_json else err_console.status(f"simulating {runs} runs"):
        result = backtest(scenario, runs=runs, seed=seed, workers=workers, executor=ex)
    if as_json:
        print(json_text(result))
        return
    horizon = result["horizon_days"]
    if result["events"]:
        t = Table(title=f"Backtest of {result['scenario']} from {result['start']} ({runs} runs, seed {seed}; "
                        f"day 0 = {result['start']})")
        for col in ("event", "places", "observed", "day", "q05", "q50", "q95", "inside", "CRPS", "PIT"):
            t.add_column(col)
        late = f">{horizon - 1}"
        for e in result["events"]:
            day = str(e["observed_day"]) if e["observed_day"] == e["observed_last_day"] \
                else f"{e['observed_day']}-{e['observed_last_day']}"
            t.add_row(e["description"], e["place"], e["observed_date"], day,
                      *(late if e[q] is None else f"{e[q]:.0f}" for q in ("q05", "q50", "q95")),
                      "yes" if e["inside"] else "NO", f"{e['crps']:.1f}", f"{e['pit']:.2f}")
        console.print(t)
        n = len(result["events"])
        inside = sum(e["inside"] for e in result["events"])
        closes = sum(e["closes"] for e in result["events"])
        console.print(f"coverage of the 90% intervals: {inside} of {n} ({result['coverage']:.0%}); "
                      f"intervals closing inside the {horizon}-day horizon: {closes} of {n} "
                      f"({result['sharpness']:.0%}); mean CRPS {result['crps']:.1f} days")
        hist = result["pit_histogram"]
        bins = ", ".join(f"{lo:.1f}-{hi:.1f}: {c}" for lo, hi, c in
                         zip(hist["edges"][:-1], hist["edges"][1:], hist["counts"], strict=True))
        console.print(f"PIT histogram (flat if calibrated; piled at 1: the runs are too fast, at 0: too slow): {bins}")
    if result["losses"]:
        t = Table(title="Documented losses at the end of the horizon")
        for col in ("loss", "counting", "observed", "q05", "q50", "q95", "inside", "CRPS", "runs >= observed"):
            t.add_column(col)
        for x in result["losses"]:
            obs = f"{x['observed_low']:g}" if x["observed_low"] == x["observed_high"] \
                else f"{x['observed_low']:g}-{x['observed_high']:g}"
            t.add_row(x["description"], x["counting"], obs, *(f"{x[q]:.0f}" for q in ("q05", "q50", "q95")),
                      "yes" if x["inside"] else "NO", f"{x['crps']:.1f}", f"{x['share_at_least_observed']:.0%}")
        console.print(t)
        inside = sum(x["inside"] for x in result["losses"])
        console.print(f"loss counts inside their 90% intervals: {inside} of {len(result['losses'])}")
    cal = result["calibration"]
    console.print(f"constants: {cal['file']} (data sha256 {cal['data_hash'][:12]}...)")


@app.command("stalls")
@user_errors
def stalls_command(
    scenario: ScenarioArg,
    camp: Annotated[str, typer.Option("--camp", help="the camp whose captures are examined")],
    places: Annotated[str, typer.Option("--places", help="place ids, separated by commas")],
    runs: Annotated[int, typer.Option("--runs", "-n", help="number of futures (stepped day by day: keep it small)")]
    = 200,
    days: Annotated[int | None, typer.Option(help="days to simulate (default: the scenario's horizon)",
                                             show_default=False)] = None,
    seed: Annotated[int, typer.Option(help="random seed: the same seed gives the same numbers")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
) -> None:
    """Why a camp does not take a place: what held its attack back on each day before it held it."""
    from flashpoint.analysis.stalls import LABELS, stalls

    ids = [p.strip() for p in places.split(",") if p.strip()]
    with nullcontext() if as_json else err_console.status(f"stepping {runs} runs day by day"):
        result = stalls(scenario, camp, ids, runs=runs, days=days, seed=seed)
    if as_json:
        print(json_text(result))
        return
    t = Table(title=f"Days {camp} did not hold each place, by what held its attack back ({result['scenario']}, "
                    f"{runs} runs x {result['days']} days, seed {seed}; decisions removed)")
    for col in ("place", "runs taken", "median day", *LABELS.values()):
        t.add_column(col)
    for p in result["places"]:
        day = "-" if p["median_day_taken"] is None else f"{p['median_day_taken']:g}"
        t.add_row(p["place"], f"{p['runs_taken']} of {runs}", day, *(str(p["days"][k]) for k in LABELS))
    console.print(t)
    for p in result["places"]:
        if p["attacking_instead"]:
            top = ", ".join(f"{k} {n}" for k, n in list(p["attacking_instead"].items())[:4])
            console.print(f"{p['place']}: attackers next to it went for: {top}")
        if p["median_share_of_min_ratio"] is not None:
            console.print(f"{p['place']}: on the days below attack-min-ratio the best ratio was a median "
                          f"{p['median_share_of_min_ratio']:.2f} of it")
