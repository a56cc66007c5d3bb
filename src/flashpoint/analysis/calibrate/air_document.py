"""The air calibration file (``engine/calibration/air.json``): the rates fitted by
`flashpoint.analysis.calibrate.air` written as numbers a scenario can use, with the counting
biases, the leave-one-campaign-out check, the observations and their sources. `calibrate_air` is
what ``flashpoint calibrate-air`` runs."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from flashpoint.analysis.calibrate.air import (
    _Z,
    TAU_PRIOR_SCALE,
    BiasFit,
    RateFit,
    coverage_prior,
    design,
    fit_all,
    leave_one_campaign_out,
    loco_summary,
)
from flashpoint.analysis.calibrate.pipeline import _round
from flashpoint.analysis.history.air_war import (
    AIR_DEFENCE_KINDS,
    FILES_READ,
    Z90,
    Record,
    SortieRate,
    data_hash,
    default_folder,
    load_record,
)
from flashpoint.version import __version__

__all__ = ["FORMAT", "SHIPPED_COMMAND", "calibrate_air", "sortie_rate"]

FORMAT = "flashpoint-air-calibration/1"
SHIPPED_COMMAND = "flashpoint calibrate-air --out src/flashpoint/engine/calibration/air.json --date {date}"


def _lognormal(mean: float, var: float, tau: float) -> dict[str, Any]:
    """A fitted log rate as numbers a scenario can use: the estimate with its 90% interval, and
    the log-normal distribution of the rate in a new campaign (parameter uncertainty and the
    campaign-to-campaign spread tau)."""
    se = math.sqrt(var)
    new = math.sqrt(var + tau**2)
    return {"median": math.exp(mean), "se_log": se, "ci90": [math.exp(mean - Z90 * se), math.exp(mean + Z90 * se)],
            "new_campaign": {"dist": "lognormal", "median": math.exp(mean), "gsd": math.exp(new),
                             "q05": math.exp(mean - Z90 * new), "q95": math.exp(mean + Z90 * new)}}


def _informed_by(record: Record, fit: RateFit, name: str) -> list[str]:
    return [o.id for o in record.observations if o.fit and (x := design(o, list(fit.names))) is not None
            and x[fit.names.index(name)] == 1.0]


def _personnel_bound(record: Record, own: BiasFit) -> dict[str, Any] | None:
    """Upper bound on personnel killed per drone sortie from Karabakh: every Armenian death
    (official toll over the own-side bias) over the Azerbaijani drone sorties."""
    rows = [r for r in record.files["karabakh-losses.csv"]
            if r["side"] == "armenia-artsakh" and r["category"] == "personnel_killed" and r["counting"] == "official"]
    obs = [o for o in record.observations if o.id == "karabakh-air-defence-kills"]
    if len(rows) != 1 or not obs:
        return None
    deaths = math.sqrt(float(rows[0]["value_low"]) * float(rows[0]["value_high"])) / own.median
    e = obs[0].exposure
    sd = math.sqrt(e.log_sd**2 + own.sigma**2)
    return {"what": "personnel killed per drone sortie cannot exceed every Armenian death of the war over the "
                    "Azerbaijani drone sorties (Karabakh 2020)",
            "median": deaths / e.median, "q05": deaths / e.median / math.exp(Z90 * sd),
            "q95": deaths / e.median * math.exp(Z90 * sd), "rows": [f"karabakh-losses.csv:{rows[0]['__line__']}"]}


def sortie_rate(rate: SortieRate) -> dict[str, Any]:
    """Sorties per aircraft per day: sorties per day over aircraft, each range read as a 90%
    interval of a log-normal, so the ratio is log-normal too."""
    def log_normal(c) -> tuple[float, float]:
        return math.log(math.sqrt(c.low * c.high)), math.log(c.high / c.low) / (2 * Z90)

    m1, s1 = log_normal(rate.sorties_per_day)
    m2, s2 = log_normal(rate.aircraft)
    m, sd = m1 - m2, math.hypot(s1, s2)
    return {"campaign": rate.campaign, "dist": "lognormal", "median": math.exp(m), "gsd": math.exp(sd),
            "q05": math.exp(m - Z90 * sd), "q95": math.exp(m + Z90 * sd),
            "sorties_per_day": [rate.sorties_per_day.low, rate.sorties_per_day.high],
            "aircraft": [rate.aircraft.low, rate.aircraft.high],
            "rows": list(dict.fromkeys(rate.sorties_per_day.rows + rate.aircraft.rows)), "maps_to": rate.maps_to,
            "note": rate.note}


def calibrate_air(folder=None, *, date: str) -> dict[str, Any]:
    """Fit the air and drone rates on the record in ``folder`` (None: the shipped data), run the
    leave-one-campaign-out check, and return the calibration document."""

    record = load_record(folder)
    digest = data_hash(folder)
    cov = coverage_prior(record)
    biases, fit = fit_all(record)
    names = list(fit.names)
    rates: dict[str, Any] = {"loss_per_sortie": {}, "kills_per_drone_sortie": {},
                             "kills_per_manned_strike_sortie": {}}
    for platform in ("drone", "manned"):
        rates["loss_per_sortie"][platform] = {}
        for kind in AIR_DEFENCE_KINDS:
            x = np.zeros(len(names))
            x[names.index(f"loss:{platform}")] = 1.0
            if kind != AIR_DEFENCE_KINDS[0]:
                x[names.index(f"loss:{kind}")] = 1.0
            cell = [o.id for o in record.observations if o.fit and o.rate == "loss" and o.platform == platform
                    and o.air_defence == kind]
            rates["loss_per_sortie"][platform][kind] = {**_lognormal(*fit.log_rate(x), fit.tau["loss"]),
                                                        "observations_of_this_cell": cell}
    x = np.zeros(len(names))
    x[names.index("loss:drone")], x[names.index("loss:manned")] = 1.0, -1.0
    rates["drone_exposure"] = {**_lognormal(*fit.log_rate(x), 0.0),
                               "what": "loss rate of a drone sortie over that of a manned sortie under the same air "
                                       "defence, exp(a_drone - a_manned)"}
    for name in names:
        if name.startswith("kill:"):
            x = np.zeros(len(names))
            x[names.index(name)] = 1.0
            key, target = ("kills_per_manned_strike_sortie", name[12:]) if name.startswith("kill:manned:") \
                else ("kills_per_drone_sortie", name[5:])
            rates[key][target] = {**_lognormal(*fit.log_rate(x), fit.tau["kill"]),
                                  "observations": _informed_by(record, fit, name)}
    rates["sorties_per_aircraft_per_day"] = {r.id: sortie_rate(r) for r in record.sortie_rates}
    rows = leave_one_campaign_out(record)
    se = np.sqrt(np.diag(fit.cov))
    doc = {
        "format": FORMAT,
        "version": __version__,
        "date": date,
        "command": SHIPPED_COMMAND.format(date=date),
        "data": {"source": "flashpoint/analysis/history/data/air (the copy shipped in the package)"
                 if folder is None or Path(folder).resolve() == default_folder().resolve() else str(folder),
                 "hash": digest, "files": list(FILES_READ), "observations": len(record.observations),
                 "observations_fitted": len(fit.observations), "pairs": len(record.pairs),
                 "campaigns": list(record.campaigns)},
        "model": {"module": "flashpoint.analysis.calibrate.air", "docs": "docs/model.md, 'The air and drone war'",
                  "tau_prior": f"half-normal, scale {TAU_PRIOR_SCALE}", "grid_points": len(_Z),
                  "standard_errors": "inverse Hessian of the penalised log-likelihood (central differences)"},
        "rates": rates,
        "not_informed": {
            "personnel": {"kills_per_drone_sortie": None,
                          "why": "no source separates personnel killed by drones from other causes over a campaign; "
                                 "the analyst's range stays",
                          "upper_bound": _personnel_bound(record, biases["own"])},
            "manned_shorad": "no manned campaign against short-range air defence alone: the manned 'shorad' rate "
                             "comes from the additive model (the drones' shorad effect), not from a manned count",
        },
        "between_campaign_log_sd": {g: {"tau": fit.tau[g], "se_log_tau": fit.se_log_tau[g]} for g in fit.tau},
        "counting": {"claim": biases["claim"].as_dict(), "own": biases["own"].as_dict(),
                     "documented_coverage": {"median": cov[0], "gsd": cov[1],
                                             "source": record.priors["documented-coverage"]["source"]},
                     "drone_sorties_per_day": record.priors.get("drone-sorties-per-day")},
        "fit": {"parameters": {n: {"log_value": float(b), "se_log": float(s)}
                               for n, b, s in zip(names, fit.beta, se[: len(names)], strict=True)},
                "log_posterior": fit.log_likelihood, "converged": fit.converged,
                "observations": list(fit.observations)},
        "observations": [{"id": o.id, "campaign": o.campaign, "rate": o.rate_key, "counting": o.counting,
                          "fitted": o.fit, "window": [o.start.isoformat(), o.end.isoformat()],
                          "count": [o.count.low, o.count.high], "rows": list(o.count.rows),
                          "exposure": {"median": o.exposure.median, "gsd": o.exposure.gsd,
                                       "factors": [{k: v for k, v in f.items() if k != "urls"}
                                                   for f in o.exposure.factors]}}
                         for o in record.observations],
        "leave_one_campaign_out": {"rows": rows, "summary": loco_summary(rows)},
        "sources": record.urls(),
    }
    return _round(doc)


