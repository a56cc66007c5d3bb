"""Loss and kill rates of the air and drone war, fitted by penalised maximum likelihood to the
documented campaigns (:mod:`flashpoint.analysis.history.air_war`), with a leave-one-campaign-out
check. The equations are in ``docs/model.md`` ("The air and drone war"); in short:

* **Rates.** Losses per sortie of platform p (``manned``, ``drone``) against air defence of kind
  k (``light``, ``shorad``, ``layered``): ``log r = a_p + b_k`` (b_light = 0), so that
  ``exp(a_drone - a_manned)`` is how much more often a drone sortie is lost than a manned one under
  the same air defence (the engine's ``drone-exposure``). Kills per drone sortie (or per manned
  strike sortie) of target class t: ``log r = c_t``.
* **Counts.** The true count of observation i is Poisson with mean ``r E_i e^{u_i}``, the
  campaign effect ``u_i ~ N(0, tau^2)`` (one tau for loss rates, one for kill rates); the exposure
  E_i (sorties) is log-normal (its median and log-sd from the coding); the count reported is the
  truth times a counting factor B, log-normal: a record B = 1; an independent count B = the
  documented coverage (an analyst's prior); a claim about the enemy B = the claim bias, an
  own-side statement B = the own-side bias (both fitted on pairs of counts of the same losses).
  So the reported count is Poisson-log-normal, ``Y ~ Poisson(exp(eta + s Z))``,
  ``eta = log r + log median(E) + mu_B``, ``s^2 = tau^2 + sd(log E)^2 + sd(log B)^2``, integrated
  over Z on a fixed grid.
* **Likelihood** of each observation: ``P(Y = y)`` for one number, ``P(lo <= Y <= hi)`` for a range
  (interval-censoring: the sources disagree and the truth of the report is somewhere in it), and
  ``P(N >= y)`` for a lower bound (censoring). Half-normal(2) prior on each tau (the posterior mode in
  log tau); rates flat. Standard errors from the inverse Hessian.
* **Biases** from pairs: ``log(stated / reference) + log C_ref ~ N(mu, sigma^2 + v)``, with v the
  measurement variance of the pair (its ranges, Poisson noise, the coverage prior of an
  independent reference); mu, sigma by maximum likelihood.

The calibration file these fits are written to is put together by
:mod:`flashpoint.analysis.calibrate.air_document`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import optimize, stats
from scipy.special import gammaln, logsumexp

from flashpoint.analysis.history.air_war import (
    AIR_DEFENCE_KINDS,
    RATES,
    Z90,
    Observation,
    Pair,
    Record,
)
from flashpoint.errors import FlashpointError

__all__ = [
    "BiasFit",
    "RateFit",
    "fit_bias",
    "fit_rates",
    "leave_one_campaign_out",
    "pln_cdf",
    "pln_interval_logprob",
    "pln_logpmf",
    "pln_logsf",
    "pln_quantile",
]

_Z = np.linspace(-8.0, 8.0, 801)
_LOGW = stats.norm.logpdf(_Z) + math.log(_Z[1] - _Z[0])
_LOGW -= logsumexp(_LOGW)
"""Grid over the standard normal Z of the log-normal mixing, and its log weights (summing to 1)."""

TAU_PRIOR_SCALE = 2.0
"""Scale of the half-normal prior on tau, the campaign-to-campaign log-sd of a rate: weakly
informative (a factor of e^2 = 7.4 between campaigns is one prior sd)."""

SIGMA_BOUNDS = (0.05, 5.0)
"""Bounds of a bias's log-sd in its fit (a handful of pairs may otherwise put it at 0)."""


# ------------------------------------------------------------------------- likelihood pieces
def _log_mu(m: float, s: float) -> np.ndarray:
    return m + s * _Z


def pln_logpmf(y: int, m: float, s: float) -> float:
    """log P(Y = y), ``Y ~ Poisson(exp(m + s Z))``, Z standard normal."""
    lm = _log_mu(m, s)
    return float(logsumexp(_LOGW + y * lm - np.exp(lm) - gammaln(y + 1)))


def pln_interval_logprob(lo: int, hi: int, m: float, s: float) -> float:
    """log P(lo <= Y <= hi)."""
    if hi < lo:
        raise ValueError(f"interval {lo}-{hi}: hi < lo")
    ks = np.arange(lo, hi + 1, dtype=float)[:, None]
    lm = _log_mu(m, s)[None, :]
    return float(logsumexp(_LOGW[None, :] + ks * lm - np.exp(lm) - gammaln(ks + 1)))


def pln_logsf(y: int, m: float, s: float) -> float:
    """log P(Y >= y) (a count known only to be at least y)."""
    if y <= 0:
        return 0.0
    mu = np.exp(_log_mu(m, s))
    with np.errstate(divide="ignore"):
        return float(logsumexp(_LOGW + stats.poisson.logsf(y - 1, mu)))


def pln_cdf(k: int, m: float, s: float) -> float:
    """P(Y <= k)."""
    if k < 0:
        return 0.0
    return float(np.exp(_LOGW) @ stats.poisson.cdf(k, np.exp(_log_mu(m, s))))


def pln_quantile(q: float, m: float, s: float) -> int:
    """The smallest whole k with P(Y <= k) >= q."""
    lo, hi = 0, int(min(1e12, math.ceil(math.exp(min(m + 8.5 * s, 27.0)) + 50)))
    if pln_cdf(0, m, s) >= q:
        return 0
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if pln_cdf(mid, m, s) >= q:
            hi = mid
        else:
            lo = mid
    return hi


def observation_logprob(kind: str, lo: float, hi: float, m: float, s: float) -> float:
    """The log-likelihood of one observation: ``kind`` is ``lower-bound`` (P(Y >= lo)) or anything
    else (P(lo <= Y <= hi), P(Y = lo) when they are equal); counts are rounded to whole numbers."""
    a, b = int(round(lo)), int(round(hi))
    if kind == "lower-bound":
        return pln_logsf(a, m, s)
    return pln_logpmf(a, m, s) if a == b else pln_interval_logprob(a, b, m, s)


# ------------------------------------------------------------------------- counting biases
@dataclass(frozen=True)
class BiasFit:
    """A counting bias B (claims about the enemy, or own-side statements): log B ~ N(mu, sigma^2)."""

    bias: str
    mu: float
    sigma: float
    se_mu: float
    pairs: tuple[str, ...]
    at_limit: bool

    @property
    def median(self) -> float:
        return math.exp(self.mu)

    def as_dict(self) -> dict[str, Any]:
        return {"median_factor": self.median, "log_mu": self.mu, "log_sd": self.sigma, "se_log_mu": self.se_mu,
                "gsd": math.exp(self.sigma), "sigma_at_limit": self.at_limit, "pairs": list(self.pairs)}


def _log_range(c) -> tuple[float, float]:
    """Log of a count's geometric middle, and the variance of that log: the range as a 90%
    interval, plus Poisson noise 1/n."""
    mid = math.sqrt(c.low * c.high)
    return math.log(mid), (math.log(c.high / c.low) / (2 * Z90)) ** 2 + 1.0 / mid


def pair_terms(pairs: list[Pair], coverage: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Each pair's log bias relative to the truth, and its measurement variance."""
    d, v = [], []
    for p in pairs:
        ls, vs = _log_range(p.stated)
        lr, vr = _log_range(p.reference)
        shift, var = (math.log(coverage[0]), math.log(coverage[1]) ** 2) if p.reference_counting == "independent" \
            else (0.0, 0.0)
        d.append(ls - lr + shift)
        v.append(vs + vr + var)
    return np.array(d), np.array(v)


def fit_bias(pairs: list[Pair], bias: str, coverage: tuple[float, float]) -> BiasFit:
    """Fit log B ~ N(mu, sigma^2) to the pairs of one kind by maximum likelihood."""
    chosen = [p for p in pairs if p.bias == bias]
    if len(chosen) < 2:
        raise FlashpointError(f"{bias} bias: {len(chosen)} pair(s) of counts; expected at least 2 to fit it")
    d, v = pair_terms(chosen, coverage)

    def nll(x):
        var = math.exp(2 * x[1]) + v
        return 0.5 * float(np.sum(np.log(var) + (d - x[0]) ** 2 / var))

    lb = (math.log(SIGMA_BOUNDS[0]), math.log(SIGMA_BOUNDS[1]))
    res = optimize.minimize(nll, x0=[float(np.mean(d)), math.log(max(float(np.std(d)), 0.2))], method="L-BFGS-B",
                            bounds=[(-10, 10), lb])
    mu, ls = float(res.x[0]), float(res.x[1])
    w = 1.0 / (math.exp(2 * ls) + v)
    return BiasFit(bias=bias, mu=mu, sigma=math.exp(ls), se_mu=math.sqrt(1.0 / float(np.sum(w))),
                   pairs=tuple(p.id for p in chosen), at_limit=bool(min(abs(ls - lb[0]), abs(ls - lb[1])) < 1e-3))


# ------------------------------------------------------------------------- the rate model
LOSS_PARAMETERS = ("loss:drone", "loss:manned") + tuple(f"loss:{k}" for k in AIR_DEFENCE_KINDS[1:])


def design(o: Observation, names: list[str]) -> np.ndarray | None:
    """The observation's row of the design matrix over the parameters ``names`` (None when one of
    the parameters it needs is not among them)."""
    x = np.zeros(len(names))
    need = [f"loss:{o.platform}"] + ([f"loss:{o.air_defence}"] if o.air_defence != AIR_DEFENCE_KINDS[0] else []) \
        if o.rate == "loss" else [o.rate_key]
    for n in need:
        if n not in names:
            return None
        x[names.index(n)] = 1.0
    return x


def counting_offset(o: Observation, biases: dict[str, BiasFit], coverage: tuple[float, float]) -> tuple[float, float]:
    """Mean and variance of log B for the observation's counting."""
    if o.counting in ("record", "lower-bound"):
        return 0.0, 0.0
    if o.counting == "independent":
        return math.log(coverage[0]), math.log(coverage[1]) ** 2
    b = biases[o.counting]
    return b.mu, b.sigma**2 + b.se_mu**2


@dataclass(frozen=True)
class RateFit:
    names: tuple[str, ...]
    beta: np.ndarray
    cov: np.ndarray
    tau: dict[str, float]          # rate ("loss", "kill") -> campaign-to-campaign log-sd
    se_log_tau: dict[str, float]
    log_likelihood: float
    converged: bool
    observations: tuple[str, ...]

    def log_rate(self, x: np.ndarray) -> tuple[float, float]:
        """Mean and variance of the log rate with design row x."""
        return float(x @ self.beta), float(x @ self.cov[: len(x), : len(x)] @ x)


def _parameter_names(obs: list[Observation]) -> list[str]:
    names = []
    for p in ("drone", "manned"):
        if any(o.rate == "loss" and o.platform == p for o in obs):
            names.append(f"loss:{p}")
    for k in AIR_DEFENCE_KINDS[1:]:
        if any(o.rate == "loss" and o.air_defence == k for o in obs):
            names.append(f"loss:{k}")
    names.extend(dict.fromkeys(o.rate_key for o in obs if o.rate == "kill"))
    return names


def _hessian(f, x: np.ndarray, h: float = 1e-3) -> np.ndarray:
    n = len(x)
    H = np.zeros((n, n))
    for i in range(n):
        for j in range(i, n):
            e_i, e_j = np.eye(n)[i] * h, np.eye(n)[j] * h
            H[i, j] = H[j, i] = (f(x + e_i + e_j) - f(x + e_i - e_j) - f(x - e_i + e_j)
                                 + f(x - e_i - e_j)) / (4 * h * h)
    return H


def fit_rates(obs: list[Observation], biases: dict[str, BiasFit], coverage: tuple[float, float]) -> RateFit:
    """Penalised maximum likelihood of the rates and tau on the observations (those with fit = true)."""
    obs = [o for o in obs if o.fit]
    names = _parameter_names(obs)
    X = np.array([design(o, names) for o in obs])
    base = np.array([math.log(o.exposure.median) + counting_offset(o, biases, coverage)[0] for o in obs])
    var0 = np.array([o.exposure.log_sd**2 + counting_offset(o, biases, coverage)[1] for o in obs])
    kinds = [o.counting for o in obs]
    lows = [o.count.low for o in obs]
    highs = [o.count.high for o in obs]
    groups = [g for g in RATES if any(o.rate == g for o in obs)]
    G = np.array([[o.rate == g for g in groups] for o in obs], dtype=float)
    nb = len(names)

    def negpost(theta: np.ndarray) -> float:
        beta, log_tau = theta[:nb], theta[nb:]
        tau2 = np.exp(2 * log_tau)
        eta = X @ beta + base
        s = np.sqrt(var0 + G @ tau2)
        ll = sum(observation_logprob(k, lo, hi, e, si) for k, lo, hi, e, si in zip(kinds, lows, highs, eta, s,
                                                                                    strict=True))
        # half-normal prior on each tau, with the Jacobian of tau = exp(log tau)
        lp = float(np.sum(-tau2 / (2 * TAU_PRIOR_SCALE**2) + log_tau))
        return -(ll + lp)

    # start: each rate at the pooled ratio of counts to exposures
    x0 = np.zeros(nb + len(groups))
    y = np.array([max(0.5, math.sqrt(max(lo, 0.25) * max(hi, 0.25))) for lo, hi in zip(lows, highs, strict=True)])
    x0[:nb] = np.linalg.lstsq(X, np.log(y) - base, rcond=None)[0]
    res = optimize.minimize(negpost, x0, method="BFGS", options={"gtol": 1e-5, "maxiter": 500})
    H = _hessian(negpost, res.x)
    try:
        cov = np.linalg.inv(H)
    except np.linalg.LinAlgError:
        cov = np.linalg.pinv(H)
    if not np.all(np.isfinite(cov)) or np.any(np.diag(cov) <= 0):
        raise FlashpointError("air calibration: the likelihood is flat in some rate (no observation informs it)")
    return RateFit(names=tuple(names), beta=res.x[:nb], cov=cov,
                   tau={g: math.exp(res.x[nb + i]) for i, g in enumerate(groups)},
                   se_log_tau={g: math.sqrt(cov[nb + i, nb + i]) for i, g in enumerate(groups)},
                   log_likelihood=-float(res.fun), converged=bool(res.success), observations=tuple(o.id for o in obs))


# ------------------------------------------------------------------------- predictions
def predict(o: Observation, fit: RateFit, biases: dict[str, BiasFit], coverage: tuple[float, float],
            level: float = 0.9) -> dict[str, Any] | None:
    """Predictive interval of the observation's reported count (for a lower bound: of the true
    count) from a fit on other campaigns; None when a rate it needs was not fitted."""
    x = design(o, list(fit.names))
    if x is None or o.rate not in fit.tau:
        return None
    mean, var = fit.log_rate(x)
    off, off_var = counting_offset(o, biases, coverage)
    m = mean + math.log(o.exposure.median) + off
    s = math.sqrt(var + fit.tau[o.rate] ** 2 + o.exposure.log_sd**2 + off_var)
    a = (1 - level) / 2
    q05, q50, q95 = (pln_quantile(q, m, s) for q in (a, 0.5, 1 - a))
    # a lower bound is contradicted only by an interval below it; a range, by one that misses it
    inside = q95 >= o.count.low if o.counting == "lower-bound" else q05 <= o.count.high and q95 >= o.count.low
    return {"q05": q05, "q50": q50, "q95": q95, "inside": bool(inside),
            "ratio_q95_q05": (q95 / q05) if q05 > 0 else None,
            "rate_ratio_q95_q05": math.exp(2 * stats.norm.ppf(1 - a) * s), "log_sd": s}


def coverage_prior(record: Record) -> tuple[float, float]:
    p = record.priors.get("documented-coverage")
    if p is None:
        raise FlashpointError(f"{record.folder / 'coding.toml'}: priors.documented-coverage is missing")
    return float(p["median"]), float(p["gsd"])


def fit_all(record: Record, exclude: str | None = None) -> tuple[dict[str, BiasFit], RateFit]:
    """The biases and the rates fitted on every campaign but ``exclude``."""
    cov = coverage_prior(record)
    pairs = [p for p in record.pairs if p.campaign != exclude]
    biases = {b: fit_bias(pairs, b, cov) for b in ("claim", "own")}
    obs = [o for o in record.observations if o.campaign != exclude]
    return biases, fit_rates(obs, biases, cov)


def leave_one_campaign_out(record: Record) -> list[dict[str, Any]]:
    """For each campaign: fit on the others, predict each of its observations."""
    cov = coverage_prior(record)
    rows = []
    for c in record.campaigns:
        biases, fit = fit_all(record, exclude=c)
        for o in (o for o in record.observations if o.campaign == c):
            pred = predict(o, fit, biases, cov)
            rows.append({"campaign": c, "observation": o.id, "rate": o.rate_key, "counting": o.counting,
                         "fitted_on": o.fit, "observed_low": o.count.low, "observed_high": o.count.high,
                         "exposure_median": o.exposure.median, "exposure_gsd": o.exposure.gsd,
                         "documented_loss": o.rate == "loss" and o.counting in ("record", "independent",
                                                                                "lower-bound", "own"),
                         **(pred if pred is not None else {"q05": None, "q50": None, "q95": None, "inside": None,
                                                           "ratio_q95_q05": None, "rate_ratio_q95_q05": None,
                                                           "log_sd": None,
                                                           "why_not": "no other campaign informs this rate"})})
    return rows


def loco_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Coverage of the 90% intervals and their widths, over every predicted count and over the
    documented loss counts (the target: at least 80% inside, q95/q05 at most 10)."""
    def block(sel: list[dict[str, Any]]) -> dict[str, Any]:
        pred = [r for r in sel if r["inside"] is not None]
        inside = sum(r["inside"] for r in pred)
        narrow = sum(1 for r in pred if r["ratio_q95_q05"] is not None and r["ratio_q95_q05"] <= 10)
        return {"counts": len(sel), "predicted": len(pred), "inside": inside,
                "coverage": inside / len(pred) if pred else None, "no_wider_than_10": narrow,
                "median_rate_ratio_q95_q05": float(np.median([r["rate_ratio_q95_q05"] for r in pred])) if pred
                else None}

    return {"all": block(rows), "documented_losses": block([r for r in rows if r["documented_loss"]]),
            "target": {"coverage_at_least": 0.8, "ratio_q95_q05_at_most": 10}}

