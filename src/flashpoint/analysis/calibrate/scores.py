"""How well the kernel reproduces CDB90, out of sample, against two baselines.

**Cross-validation**: the battles are dealt into ``folds`` groups, stratified by outcome (attacker
won, draw, attacker lost, not known), in an order drawn from ``numpy.random.default_rng(seed)``.
Each group is predicted by the kernel fitted on the other groups (and by the baselines fitted on
them), so every battle gets one out-of-sample prediction.

**Baselines**:

* ``base_rate``: every battle gets the training battles' share of attacker victories (and of
  draws) and their median casualty fraction per side (CDB90's base rate).
* ``force_ratio``: logistic regression of attacker victory on log(STRA / STRD), and least
  squares of each side's log casualty fraction on the same, the fraction predicted as
  exp(fitted value) (force ratio alone).

**Scores** of the probability p that the attacker wins, with y = 1 when it won (a draw or a loss
is not a victory), over the n battles with a known outcome:

* Brier score ``mean((p - y)^2)`` (0 is perfect; always saying 0.5 scores 0.25);
* log loss ``-mean(y log p + (1 - y) log(1 - p))``, p clipped to [1e-6, 1 - 1e-6];
* calibration curve: battles binned by p in tenths, with the mean p and the share won per bin;

and of the casualty fractions c (per side, battles with known casualties): mean absolute error
``mean|c_hat - c|`` and median absolute log error ``median|log(c_hat / c)|`` (a factor).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from flashpoint.analysis.calibrate.data import Battles
from flashpoint.analysis.calibrate.fitting import fit
from flashpoint.analysis.calibrate.kernel import predict
from flashpoint.engine.dask_executor import as_executor
from flashpoint.engine.executor import Executor, SerialExecutor

__all__ = ["Predictions", "brier", "calibration_curve", "cross_validate", "fold_ids", "log_loss", "score"]

P_CLIP = 1e-6
CALIBRATION_BINS = 10
MODELS = ("model", "force_ratio", "base_rate")


@dataclass
class Predictions:
    """Out-of-sample predictions for every battle, by model."""

    p_win: dict[str, np.ndarray]
    frac_a: dict[str, np.ndarray]
    frac_d: dict[str, np.ndarray]


def fold_ids(b: Battles, folds: int, seed: int) -> np.ndarray:
    """Fold of each battle: stratified by outcome, dealt round-robin in a seeded random order."""
    rng = np.random.default_rng(seed)
    out = np.empty(len(b), dtype=np.int64)
    strata = np.where(np.isnan(b.wina), 9, b.wina)
    start = 0
    for value in (1.0, 0.0, -1.0, 9.0):
        idx = np.flatnonzero(strata == value)
        idx = idx[rng.permutation(idx.size)]
        out[idx] = (start + np.arange(idx.size)) % folds
        start = (start + idx.size) % folds
    return out


def _logistic(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Maximum-likelihood intercept and slope of logit P(y) = a + b x (Newton-Raphson)."""
    design = np.column_stack([np.ones_like(x), x])
    beta = np.zeros(2)
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-design @ beta))
        grad = design.T @ (y - p)
        hess = design.T @ (design * (p * (1 - p))[:, None])
        step = np.linalg.solve(hess + 1e-9 * np.eye(2), grad)
        beta += step
        if np.max(np.abs(step)) < 1e-10:
            break
    return float(beta[0]), float(beta[1])


def _won(b: Battles) -> tuple[np.ndarray, np.ndarray]:
    known = ~np.isnan(b.wina)
    return known, (b.wina == 1).astype(float)


def baseline_predictions(train: Battles, test: Battles) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(p_win, frac_a, frac_d) of each baseline for ``test``, fitted on ``train``."""
    known, won = _won(train)
    share = float(won[known].mean())
    n = len(test)
    out = {"base_rate": (np.full(n, share), np.full(n, np.nanmedian(train.frac_a)),
                         np.full(n, np.nanmedian(train.frac_d)))}
    x_train, x_test = np.log(train.force_ratio), np.log(test.force_ratio)
    a, slope = _logistic(x_train[known], won[known])
    fracs = []
    for frac in (train.frac_a, train.frac_d):
        ok = ~np.isnan(frac)
        coef = np.polyfit(x_train[ok], np.log(frac[ok]), 1)
        fracs.append(np.exp(np.polyval(coef, x_test)))
    out["force_ratio"] = (1.0 / (1.0 + np.exp(-(a + slope * x_test))), fracs[0], fracs[1])
    return out


def _fold(b: Battles, fixed: dict[str, float], test: np.ndarray) -> dict[str, tuple]:
    """One fold: fit on the other battles, predict the held-out ones (a task of an executor)."""
    train_b, test_b = b.take(~test), b.take(test)
    fitted = fit(train_b, fixed=fixed, standard_errors=False)
    pred = predict({**fitted.values, **fixed}, test_b)
    return {"model": (pred.p_win, pred.frac_a, pred.frac_d), **baseline_predictions(train_b, test_b)}


def cross_validate(b: Battles, fixed: dict[str, float], *, folds: int = 10, seed: int = 1,
                   executor: Executor | None = None) -> Predictions:
    """Out-of-sample predictions of the kernel and the baselines for every battle (module doc);
    the folds are fitted on ``executor`` (default: here, one after another). Each fold's fit
    depends on its battles only, so the predictions do not depend on the executor."""
    ids = fold_ids(b, folds, seed)
    preds = Predictions({m: np.full(len(b), np.nan) for m in MODELS},
                        {m: np.full(len(b), np.nan) for m in MODELS},
                        {m: np.full(len(b), np.nan) for m in MODELS})
    tests = [ids == k for k in range(folds) if (ids == k).any()]
    fitted = (as_executor(executor) or SerialExecutor()).map_calls(_fold, [(b, fixed, test) for test in tests])
    for test, rows in zip(tests, fitted, strict=True):
        for m, (p, fa, fd) in rows.items():
            preds.p_win[m][test] = p
            preds.frac_a[m][test] = fa
            preds.frac_d[m][test] = fd
    return preds


def brier(p: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((p - y) ** 2))


def log_loss(p: np.ndarray, y: np.ndarray) -> float:
    q = np.clip(p, P_CLIP, 1 - P_CLIP)
    return float(-np.mean(y * np.log(q) + (1 - y) * np.log(1 - q)))


def calibration_curve(p: np.ndarray, y: np.ndarray, bins: int = CALIBRATION_BINS) -> list[dict]:
    """Per bin of p (tenths): its range, the number of battles, mean p and the share won."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    out = []
    for k in range(bins):
        sel = which == k
        if not sel.any():
            continue
        out.append({"low": round(float(edges[k]), 2), "high": round(float(edges[k + 1]), 2), "n": int(sel.sum()),
                    "mean_p": float(p[sel].mean()), "observed": float(y[sel].mean())})
    return out


def _casualty_errors(pred: np.ndarray, obs: np.ndarray) -> dict[str, float]:
    ok = ~np.isnan(obs) & ~np.isnan(pred) & (pred > 0)
    return {"n": int(ok.sum()), "mae": float(np.mean(np.abs(pred[ok] - obs[ok]))),
            "median_abs_log_error": float(np.median(np.abs(np.log(pred[ok] / obs[ok]))))}


def score(b: Battles, preds: Predictions) -> dict:
    """Scores of every model (module doc) and the kernel's calibration curve."""
    known, won = _won(b)
    out: dict = {"n_battles": int(known.sum()), "attacker_win_share": float(won[known].mean())}
    for m in MODELS:
        p = preds.p_win[m][known]
        out[m] = {
            "brier": brier(p, won[known]),
            "log_loss": log_loss(p, won[known]),
            "casualties_attacker": _casualty_errors(preds.frac_a[m], b.frac_a),
            "casualties_defender": _casualty_errors(preds.frac_d[m], b.frac_d),
        }
    out["calibration_curve"] = calibration_curve(preds.p_win["model"][known], won[known])
    out["brier_skill_vs_force_ratio"] = 1.0 - out["model"]["brier"] / out["force_ratio"]["brier"]
    out["brier_skill_vs_base_rate"] = 1.0 - out["model"]["brier"] / out["base_rate"]["brier"]
    return out
