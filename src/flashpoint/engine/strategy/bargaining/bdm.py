"""Bueno de Mesquita's expected-utility model as unravelled by Scholz, Calbert & Smith (2011).

Source: J. B. Scholz, G. J. Calbert and G. A. Smith, "Unravelling Bueno De Mesquita's group
decision model", Journal of Theoretical Politics 23(4):510-531 (2011). The ``"scholz_code"``
variant follows the choices of Scholz's own code as replicated by jmckib's
``bdm_scholz_model.py`` (github.com/jmckib/bdm-scholz-expected-utility-model, commit e9d86fe,
"Perfect replication of bdm-scholz results up to 10 rounds"); the ``"paper"`` variant follows the
published equations (share of positive votes in the i:j contest, the full Q/T expected utility,
capitulation, smallest move). Only the first has a reference run to check against.

One issue dimension. Actor i has position x_i, capability c_i, salience s_i in [0, 1] and a risk
exponent r_i; Delta = x_max - x_min of the starting positions.

Utilities seen by actor h (exponent r_h) when i challenges j, with d = |x_i - x_j| / Delta:
    U_s = 2 - 4 (0.5 - 0.5 d)^r_h        (success)
    U_f = 2 - 4 (0.5 + 0.5 d)^r_h        (failure)
    U_b = 2 - 4 (0.5 - 0.25 (|x_i - mu| + |x_i - x_j|) / Delta)^r_h   (things get better)
    U_w = 2 - 4 (0.5 + 0.25 (|x_i - mu| + |x_i - x_j|) / Delta)^r_h   (things get worse)
    U_sq = 2 - 4 (0.5)^r_h               (status quo)
Expected utility to h of i challenging j (s_j is the probability that j resists):
    E^h(U_ij) = s_j [P U_s + (1 - P) U_f] + (1 - s_j) U_s - {Q U_sq + (1 - Q)[T U_b + (1 - T) U_w]}
with Q = T = 1 by default (Scholz's code keeps only Q U_sq).

Probability that i beats j:
    paper:        P = sum_{k: v_k > 0} v_k / sum_k |v_k|, v_k = c_k s_k (U^k_ki - U^k_kj),
                  U^k_kx = 1 - 2 |x_k - x| / Delta;
    scholz_code:  P = sum_k max(0, v_k) / sum_{k, a, b} |v_k(a, b)| with
                  v_k(a, b) = c_k s_k ((|x_k - x_b| / Delta)^r_k - (|x_k - x_a| / Delta)^r_k),
                  i.e. the denominator runs over every pair of positions (Scholz's code), which
                  gives very small probabilities; P = 0 when x_i = x_j.

Risk (each round, from the positions at its start): with every r = 1, k's danger is
S_k = sum_{j != k} E^k(U_jk); R_k = (2 S_k - max S - min S) / (max S - min S) and
r_k = (1 - R_k / 3) / (1 + R_k / 3), in [0.5, 2].

Offers: i compares E_ij = E^i(U_ij) with E_ji = E^i(U_ji) for every j at another position:
    conflict      E_ji > E_ij > 0                     i moves to x_j
    compromise    E_ji > 0 > E_ij and |E_ij| < E_ji   i moves to x_i + (x_j - x_i) |E_ij / E_ji|
    capitulation  E_ji > 0 > E_ij and |E_ij| > E_ji   i moves to x_j
paper: i takes the offer that moves it least. scholz_code: capitulation never fires (the test in
the replicated code compares E_ji with |E_ji|); conflicts win over compromises, the nearest one is
taken, and among compromises the one with the smallest EU-weighted position
(|E_ij| x_i + |E_ji| x_j) / (|E_ij| + |E_ji|). All actors move at once.

Forecasts per round: the weighted mean sum c s x / sum c s and the weighted median, the
Condorcet winner of sum_k c_k s_k (|x_k - x_b| - |x_k - x_a|) found by a sequential pairwise
tournament over the distinct positions in ascending order, a challenger replacing the incumbent
only on a strictly positive vote (the replicated code visits them in Python ``set`` order; that
matters only for exact ties and gives the same forecasts on the reference run).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from flashpoint.errors import FlashpointError

from .table import BargainingHistory, IssueTable

BDMVariant = Literal["scholz_code", "paper"]
OfferKind = Literal["conflict", "compromise", "capitulation"]


@dataclass(frozen=True)
class Offer:
    """An offer accepted by ``actor`` from ``proposer``: ``eu`` is E^actor(U_actor,proposer),
    ``other_eu`` is E^actor(U_proposer,actor), ``position`` is where the actor moves."""

    actor: int
    proposer: int
    kind: OfferKind
    eu: float
    other_eu: float
    position: float


@dataclass(frozen=True, eq=False)
class BDMResult(BargainingHistory):
    """History of a BDM run.

    ``positions`` has shape (rounds + 1, actors, 1) on the input's scale; ``median`` and
    ``mean`` are the forecasts of each state; ``risk_exponents[t]`` are the r used in round
    t + 1 and ``offers[t]`` the offers accepted in it.
    """

    table: IssueTable
    variant: BDMVariant
    positions: np.ndarray
    median: np.ndarray
    mean: np.ndarray
    risk_exponents: np.ndarray
    offers: tuple[tuple[Offer, ...], ...]
    model: str = "bdm"


def _pow(base: np.ndarray, exponent: np.ndarray | float) -> np.ndarray:
    """Elementwise power through the C library's ``pow`` (as Python floats use it), so results
    do not depend on which vectorised power routine NumPy picks on a given CPU."""
    base, exponent = np.broadcast_arrays(np.asarray(base, float), np.asarray(exponent, float))
    out = [math.pow(b, e) for b, e in zip(base.ravel().tolist(), exponent.ravel().tolist(), strict=True)]
    return np.array(out, dtype=float).reshape(base.shape)


def _seq_sum(values: np.ndarray) -> float:
    """Left-to-right sum, as Python's ``sum`` takes it."""
    total = 0.0
    for v in np.asarray(values, dtype=float).reshape(-1):
        total = total + float(v)
    return total


@dataclass(frozen=True, eq=False)
class ExpectedUtilityState:
    """Positions, weights and risk exponents of one moment of a BDM run."""

    x: np.ndarray
    capability: np.ndarray
    salience: np.ndarray
    risk: np.ndarray
    delta: float
    variant: BDMVariant = "scholz_code"
    q: float = 1.0
    t: float = 1.0
    mu: float = 0.0

    def _votes(self) -> np.ndarray:
        """votes[k, a, b] = k's vote for a over b."""
        cs = self.capability * self.salience
        gap = np.abs(self.x[:, None] - self.x[None, :])
        if self.variant == "scholz_code":
            dist = _pow(gap / self.delta, self.risk[:, None])
            return cs[:, None, None] * (dist[:, None, :] - dist[:, :, None])
        util = 1.0 - 2.0 * gap / self.delta
        return cs[:, None, None] * (util[:, :, None] - util[:, None, :])

    def probability_matrix(self) -> np.ndarray:
        """P[i, j]: probability that i's position beats j's."""
        votes = self._votes()
        positive = np.zeros(votes.shape[1:])
        absolute = np.zeros(votes.shape[1:])
        for k in range(votes.shape[0]):
            positive = positive + np.maximum(0.0, votes[k])
            absolute = absolute + np.abs(votes[k])
        if self.variant == "scholz_code":
            total = _seq_sum(np.abs(votes))
            if total == 0.0:   # no actor prefers any position to another: no position beats another
                return np.zeros(votes.shape[1:])
            p = positive / total
            return np.where(self.x[:, None] == self.x[None, :], 0.0, p)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(absolute > 0.0, positive / absolute, 0.5)

    def expected_utility(
        self, prob: np.ndarray, h: np.ndarray | int, i: np.ndarray | int, j: np.ndarray | int
    ) -> np.ndarray:
        """E^h(U_ij) for broadcastable index arrays, given ``prob = probability_matrix()``."""
        x, r, s = self.x, self.risk[h], self.salience[j]
        gap = np.abs(x[i] - x[j])
        u_s = 2.0 - 4.0 * _pow(0.5 - 0.5 * gap / self.delta, r)
        u_f = 2.0 - 4.0 * _pow(0.5 + 0.5 * gap / self.delta, r)
        u_sq = 2.0 - 4.0 * _pow(0.5, r)
        p = prob[i, j]
        eu = s * (p * u_s + (1.0 - p) * u_f) + (1.0 - s) * u_s
        if self.variant == "scholz_code":
            return eu - self.q * u_sq
        spread = 0.25 * (np.abs(x[i] - self.mu) + gap) / self.delta
        u_b = 2.0 - 4.0 * _pow(0.5 - spread, r)
        u_w = 2.0 - 4.0 * _pow(0.5 + spread, r)
        return eu - (self.q * u_sq + (1.0 - self.q) * (self.t * u_b + (1.0 - self.t) * u_w))


def risk_exponents(state: ExpectedUtilityState) -> np.ndarray:
    """r_k from the dangers S_k = sum_{j != k} E^k(U_jk), all computed with r = 1."""
    n = state.x.size
    neutral = replace(state, risk=np.ones(n))
    prob = neutral.probability_matrix()
    kk, jj = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    eu = neutral.expected_utility(prob, kk, jj, kk)  # eu[k, j] = E^k(U_jk)
    danger = np.array([_seq_sum(eu[k][np.arange(n) != k]) for k in range(n)])
    s_max, s_min = float(np.max(danger)), float(np.min(danger))
    if s_max == s_min:
        return np.ones(n)
    big_r = (2.0 * danger - s_max - s_min) / (s_max - s_min)
    return (1.0 - big_r / 3.0) / (1.0 + big_r / 3.0)


def weighted_mean(x: np.ndarray, capability: np.ndarray, salience: np.ndarray) -> float:
    """sum c s x / sum c s."""
    cs = capability * salience
    return _seq_sum(cs * x) / _seq_sum(cs)


def weighted_median(x: np.ndarray, capability: np.ndarray, salience: np.ndarray, delta: float) -> float:
    """Winner of a sequential pairwise tournament over the distinct positions in ascending
    order: a challenger replaces the incumbent when
    sum_k c_k s_k (|x_k - incumbent| - |x_k - challenger|) / Delta > 0."""
    candidates = sorted({float(v) for v in x})
    cs = capability * salience
    median = candidates[0]
    for cand in candidates[1:]:
        votes = cs * (np.abs(x - median) / delta - np.abs(x - cand) / delta)
        if _seq_sum(votes) > 0.0:
            median = cand
    return median


def candidate_offers(state: ExpectedUtilityState, prob: np.ndarray, a: int) -> list[Offer]:
    """Every offer actor ``a`` receives in ``state`` (in actor order), before it picks one."""
    n = state.x.size
    others = np.array([b for b in range(n) if state.x[b] != state.x[a]], dtype=int)
    if others.size == 0:
        return []
    eu_ab = state.expected_utility(prob, a, a, others)
    eu_ba = state.expected_utility(prob, a, others, a)
    offers = []
    for b, e_ij, e_ji in zip(others, eu_ab, eu_ba, strict=True):
        e_ij, e_ji = float(e_ij), float(e_ji)
        x_a, x_b = float(state.x[a]), float(state.x[b])
        if e_ji > e_ij > 0.0:
            offers.append(Offer(a, int(b), "conflict", e_ij, e_ji, x_b))
        elif e_ji > 0.0 > e_ij and e_ji > abs(e_ij):
            offers.append(Offer(a, int(b), "compromise", e_ij, e_ji,
                                x_a + (x_b - x_a) * abs(e_ij / e_ji)))
        elif e_ji > 0.0 > e_ij and abs(e_ij) > e_ji and state.variant == "paper":
            offers.append(Offer(a, int(b), "capitulation", e_ij, e_ji, x_b))
    return offers


def _best_offer(state: ExpectedUtilityState, offers: list[Offer]) -> Offer | None:
    if not offers:
        return None
    x = state.x
    if state.variant == "paper":
        return min(offers, key=lambda o: abs(float(x[o.actor]) - o.position))
    conflicts = [o for o in offers if o.kind == "conflict"]
    if conflicts:
        return min(conflicts, key=lambda o: abs(float(x[o.actor]) - o.position))

    def weighted_position(o: Offer) -> float:
        top = abs(o.eu) * float(x[o.actor]) + abs(o.other_eu) * float(x[o.proposer])
        return top / (abs(o.eu) + abs(o.other_eu))

    return min(offers, key=weighted_position)


def run_bdm(
    table: IssueTable,
    *,
    rounds: int = 10,
    variant: BDMVariant = "scholz_code",
    q: float = 1.0,
    t: float = 1.0,
    reference: Literal["median", "mean"] = "median",
) -> BDMResult:
    """Run ``rounds`` rounds of the expected-utility model on a one-dimensional table.

    ``q`` and ``t`` are Scholz's Q and T; ``reference`` picks the position mu used by U_b and
    U_w (only the ``"paper"`` variant uses them, and only when Q < 1).
    """
    where = table.source or table.name
    if table.n_dimensions != 1:
        raise FlashpointError(
            f"{where}: {table.n_dimensions} issue dimensions; allowed: exactly 1 for the "
            "expected-utility model (run one dimension at a time)"
        )
    if variant not in ("scholz_code", "paper"):
        raise FlashpointError(
            f"BDM variant {variant!r} is unknown; allowed: 'scholz_code' or 'paper'"
        )
    if rounds < 0:
        raise FlashpointError(f"BDM rounds {rounds}; allowed: 0 or more")
    x = table.positions[:, 0].astype(float).copy()
    c = table.capability
    s = table.salience[:, 0]
    delta = float(np.max(x) - np.min(x))
    if delta <= 0.0:
        raise FlashpointError(
            f"{where}: every actor is at position {x[0]:g}; allowed: at least two different "
            "positions"
        )
    history = [x.copy()]
    medians = [weighted_median(x, c, s, delta)]
    means = [weighted_mean(x, c, s)]
    risks = []
    accepted: list[tuple[Offer, ...]] = []
    for _ in range(rounds):
        mu = medians[-1] if reference == "median" else means[-1]
        base = ExpectedUtilityState(x, c, s, np.ones(x.size), delta, variant, q, t, mu)
        r = risk_exponents(base)
        state = ExpectedUtilityState(x, c, s, r, delta, variant, q, t, mu)
        prob = state.probability_matrix()
        chosen = [_best_offer(state, candidate_offers(state, prob, a)) for a in range(x.size)]
        new_x = x.copy()
        for offer in chosen:
            if offer is not None:
                new_x[offer.actor] = offer.position
        x = new_x
        risks.append(r)
        accepted.append(tuple(o for o in chosen if o is not None))
        history.append(x.copy())
        medians.append(weighted_median(x, c, s, delta))
        means.append(weighted_mean(x, c, s))
    return BDMResult(
        table=table,
        variant=variant,
        positions=np.array(history)[:, :, None],
        median=np.array(medians),
        mean=np.array(means),
        risk_exponents=np.array(risks).reshape(rounds, x.size),
        offers=tuple(accepted),
    )
