"""Maximum-likelihood fit of the battle kernel's constants to CDB90, with robust standard errors.

The log-likelihood of battle i adds what was observed of it:

* the outcome: ``log P(WINA_i)`` with P(win), P(draw), P(loss) from the kernel;
* each side's casualty fraction: ``log N(log c_i; log L_i, log g)`` with L_i the kernel's
  casualty fraction and g that side's ``casualty-spread``.

The optimiser is L-BFGS-B (scipy) on the working scale of each constant (`Constant.transform`),
within the constant's limits, started from the mean of the engine's prior (``parameters.toml``)
or the kernel's documented start. It is deterministic: same battles, same constants. The
likelihood has kinks where the engine's ``max-daily-loss`` cap starts to bind for a battle (early
battles, whose era-adjusted rate is high), and so shallow local optima: the optimiser's end point
can move by a fraction of a standard error when an input changes in its last digits.

Standard errors are the sandwich (Huber-White) estimate ``H^-1 J H^-1``, H the numerical Hessian
of the negative log-likelihood and J the sum of the outer products of the battles' score vectors,
on the working scale, carried to the natural scale by the delta method. The sandwich is used
because the outcome and the casualties of a battle are not independent given the kernel, as the
likelihood pretends. A constant that ends at a limit is reported with ``at_limit``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from flashpoint.analysis.calibrate.data import Battles
from flashpoint.analysis.calibrate.kernel import CONSTANTS, FIXED, NAMES, Prediction, predict
from flashpoint.engine.theatre import prior_parameters
from flashpoint.errors import FlashpointError
from flashpoint.scenario.distributions import quantity_mean

__all__ = ["Fit", "fit", "fixed_values", "log_likelihood", "per_battle_log_likelihood", "start_values"]

P_FLOOR = 1e-9
"""Smallest outcome probability the likelihood takes a log of (a kernel probability can be 0)."""

MIN_BATTLES = 30
"""Fewest battles with a known outcome a fit accepts: 17 constants need far more than 17 battles."""


@dataclass(frozen=True)
class Fit:
    """Fitted constants, their standard errors, and how the optimiser ended."""

    values: dict[str, float]
    se: dict[str, float]
    at_limit: dict[str, bool]
    log_likelihood: float
    n_battles: int
    iterations: int
    converged: bool
    message: str


def fixed_values() -> dict[str, float]:
    """The `FIXED` engine constants: the mean of their value in ``parameters.toml``."""
    priors = prior_parameters()
    missing = [name for name in FIXED if name not in priors]
    if missing:
        raise FlashpointError(f"engine/parameters.toml: parameter {missing[0]} is missing; the battle kernel uses it")
    return {name: float(quantity_mean(priors[name].value)) for name in FIXED}


def start_values() -> dict[str, float]:
    """Where the optimiser starts: the prior mean of engine constants, else the kernel's start."""
    priors = prior_parameters()
    out = {}
    for c in CONSTANTS:
        if c.start is not None:
            out[c.name] = c.start
        elif c.name in priors:
            out[c.name] = float(quantity_mean(priors[c.name].value))
        else:
            raise FlashpointError(f"engine/parameters.toml: parameter {c.name} is missing; the calibration fits it")
        out[c.name] = min(max(out[c.name], c.low), c.high)
    return out


def _values(x: np.ndarray) -> dict[str, float]:
    return {c.name: c.from_work(float(v)) for c, v in zip(CONSTANTS, x, strict=True)}


def _work(values: dict[str, float]) -> np.ndarray:
    return np.array([c.to_work(values[c.name]) for c in CONSTANTS])


def per_battle_log_likelihood(values: dict[str, float], b: Battles, fixed: dict[str, float],
                              pred: Prediction | None = None) -> np.ndarray:
    """Each battle's log-likelihood (module doc); unknown outcome or casualties add nothing."""
    pred = predict({**values, **fixed}, b) if pred is None else pred
    ll = np.zeros(len(b))
    p = np.select([b.wina == 1, b.wina == 0, b.wina == -1], [pred.p_win, pred.p_draw, pred.p_loss], 1.0)
    ll += np.where(np.isnan(b.wina), 0.0, np.log(np.maximum(p, P_FLOOR)))
    for frac, model, name in ((b.frac_a, pred.frac_a, "casualty-spread-attacker"),
                              (b.frac_d, pred.frac_d, "casualty-spread-defender")):
        s = math.log(values[name])
        z = (np.log(np.where(np.isnan(frac), 1.0, frac)) - np.log(np.maximum(model, 1e-12))) / s
        ll += np.where(np.isnan(frac), 0.0, -0.5 * z * z - math.log(s) - 0.5 * math.log(2 * math.pi))
    return ll


def log_likelihood(values: dict[str, float], b: Battles, fixed: dict[str, float]) -> float:
    return float(per_battle_log_likelihood(values, b, fixed).sum())


def _check(b: Battles) -> None:
    known = int(np.sum(~np.isnan(b.wina)))
    if known < MIN_BATTLES:
        raise FlashpointError(
            f"battles: {known} battles with a known outcome (WINA) and the fields the kernel needs; "
            f"expected at least {MIN_BATTLES} to fit {len(CONSTANTS)} constants"
        )


def _optimise(b: Battles, fixed: dict[str, float], start: dict[str, float]) -> tuple[np.ndarray, object]:
    scale = max(1, len(b))

    def objective(x: np.ndarray) -> float:
        value = -log_likelihood(_values(x), b, fixed) / scale
        return value if math.isfinite(value) else 1e6

    x0 = _work(start)
    bounds = [c.work_bounds() for c in CONSTANTS]
    res = minimize(objective, x0, method="L-BFGS-B", bounds=bounds,
                   options={"maxiter": 2000, "maxfun": 100_000, "ftol": 1e-12, "gtol": 1e-7, "eps": 1e-7})
    return res.x, res


def _steps(x: np.ndarray, bounds: list[tuple[float, float]], h: float) -> tuple[np.ndarray, np.ndarray]:
    """Finite-difference steps that stay inside the bounds: (+step, -step) per coordinate."""
    up = np.array([min(h, hi - xi) for xi, (_, hi) in zip(x, bounds, strict=True)])
    down = np.array([min(h, xi - lo) for xi, (lo, _) in zip(x, bounds, strict=True)])
    return up, down


def _central_differences(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, bounds, h: float,
                         shape: tuple[int, ...]) -> np.ndarray:
    """(k, *shape) derivative of ``f`` (values of ``shape``) along each coordinate of ``x``, by
    central differences with steps that stay inside the bounds (zero for a coordinate pinned at
    both bounds)."""
    up, down = _steps(x, bounds, h)
    out = np.zeros((x.size, *shape))
    for j in range(x.size):
        xp, xm = x.copy(), x.copy()
        xp[j] += up[j]
        xm[j] -= down[j]
        width = up[j] + down[j]
        if width > 0:
            out[j] = (f(xp) - f(xm)) / width
    return out


def _scores(x: np.ndarray, b: Battles, fixed: dict[str, float], bounds, h: float = 1e-4) -> np.ndarray:
    """(n battles, k constants) gradient of each battle's log-likelihood on the working scale."""
    return np.ascontiguousarray(_central_differences(lambda y: per_battle_log_likelihood(_values(y), b, fixed),
                                                     x, bounds, h, (len(b),)).T)


def _hessian(x: np.ndarray, b: Battles, fixed: dict[str, float], bounds, h: float = 1e-3) -> np.ndarray:
    """Numerical Hessian of the negative log-likelihood: differences of the summed scores."""
    hess = -_central_differences(lambda y: _scores(y, b, fixed, bounds).sum(axis=0), x, bounds, h, (x.size,))
    return 0.5 * (hess + hess.T)


def fit(b: Battles, *, fixed: dict[str, float] | None = None, start: dict[str, float] | None = None,
        standard_errors: bool = True) -> Fit:
    """Fit `CONSTANTS` to the battles (module doc). ``fixed`` defaults to `fixed_values`,
    ``start`` to `start_values`."""
    _check(b)
    fixed = fixed_values() if fixed is None else fixed
    start = start_values() if start is None else start
    x, res = _optimise(b, fixed, start)
    values = _values(x)
    bounds = [c.work_bounds() for c in CONSTANTS]
    at_limit = {c.name: bool(min(abs(xi - lo), abs(hi - xi)) < 1e-6)
                for c, xi, (lo, hi) in zip(CONSTANTS, x, bounds, strict=True)}
    se = {name: math.nan for name in NAMES}
    if standard_errors:
        se = _sandwich_se(x, b, fixed, bounds)
    return Fit(values=values, se=se, at_limit=at_limit, log_likelihood=log_likelihood(values, b, fixed),
               n_battles=len(b), iterations=int(res.nit), converged=bool(res.success), message=str(res.message))


def _sandwich_se(x: np.ndarray, b: Battles, fixed: dict[str, float], bounds) -> dict[str, float]:
    hess = _hessian(x, b, fixed, bounds)
    scores = _scores(x, b, fixed, bounds)
    meat = scores.T @ scores
    try:
        bread = np.linalg.pinv(hess, rcond=1e-10, hermitian=True)
    except np.linalg.LinAlgError:  # pragma: no cover - pinv of a symmetric matrix converges
        return {name: math.nan for name in NAMES}
    cov = bread @ meat @ bread
    out = {}
    for j, c in enumerate(CONSTANTS):
        sd_work = math.sqrt(max(cov[j, j], 0.0))
        value = c.from_work(float(x[j]))
        if c.transform == "log":
            out[c.name] = value * sd_work
        elif c.transform == "log1p":
            out[c.name] = (1.0 + value) * sd_work
        else:
            out[c.name] = sd_work
    return out
