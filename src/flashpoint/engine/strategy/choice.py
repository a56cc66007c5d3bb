"""The logit (quantal-response) choice rule, for many runs at once.

An actor with utilities ``U_o`` over its available options chooses option o with probability

    P(o) = exp(lambda U_o) / sum_{o' available} exp(lambda U_o')

(McKelvey and Palfrey 1995, the logit quantal response). ``lambda`` is the rationality: at 0 every
available option is equally likely, and as it grows the best option is chosen with probability
tending to 1. Utilities are in units of the actor's largest stake, so ``lambda`` has the same
meaning for every actor.

An actor with factions is a mixture: faction f, of weight w_f, has its own utilities and its own
logit probabilities, and the actor chooses o with probability ``sum_f w_f P_f(o)`` - as if the
faction that carries the day were drawn by weight.
"""

from __future__ import annotations

import numpy as np


def logit_probabilities(utility: np.ndarray, rationality: np.ndarray,
                        available: np.ndarray | None = None) -> np.ndarray:
    """(R, O) choice probabilities from utilities (R, O) and rationality (R,).

    Options not ``available`` get probability 0; a row with no available option is all zeros.
    """
    u = np.asarray(utility, dtype=float)
    lam = np.asarray(rationality, dtype=float).reshape(-1, 1)
    if np.any(lam < 0) or np.any(~np.isfinite(lam)):
        raise ValueError("rationality must be a finite number >= 0")
    ok = np.ones(u.shape, dtype=bool) if available is None else np.asarray(available, dtype=bool)
    z = np.where(ok, lam * u, -np.inf)
    top = np.max(z, axis=1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    e = np.where(ok, np.exp(z - top), 0.0)
    total = e.sum(axis=1, keepdims=True)
    return np.divide(e, total, out=np.zeros_like(e), where=total > 0)


def faction_mixture(probabilities: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Mix per-faction probabilities (F, R, O) by faction weights (R, F) whose rows sum to 1."""
    p = np.asarray(probabilities, dtype=float)
    w = np.asarray(weights, dtype=float)
    return np.einsum("fro,rf->ro", p, w)


def sample_choice(probabilities: np.ndarray, uniform: np.ndarray) -> np.ndarray:
    """The option chosen in each run: inverse CDF of the row at ``uniform`` (R,) in [0, 1).

    Rows that are all zero (nothing available) give -1.
    """
    p = np.asarray(probabilities, dtype=float)
    cum = np.cumsum(p, axis=1)
    total = cum[:, -1:] if p.shape[1] else np.zeros((p.shape[0], 1))
    u = np.asarray(uniform, dtype=float).reshape(-1, 1) * total
    pick = (cum <= u).sum(axis=1)
    # never pick an option of probability 0 through rounding at the top of the row
    last = p.shape[1] - 1 - np.argmax((p > 0)[:, ::-1], axis=1) if p.shape[1] else np.zeros(len(p), int)
    pick = np.minimum(pick, last)
    return np.where(total[:, 0] > 0, pick, -1)
