"""KTAB Spatial Model of Politics (SMP) with KTAB's default switches.

A restatement of the KAPSARC Toolkit for Behavioral Analysis (KTAB, MIT licence), files
``examples/smp/libsrc/smp.cpp``, ``examples/smp/libsrc/smpbcn.cpp`` and
``KTAB/kmodel/libsrc/kmodel.cpp``, with the defaults VictoryProbModel=Linear,
VotingRule=Proportional, PCEModel=Conditional, StateTransitions=Deterministic, BigRRange=Mid,
BigRAdjust=OneThird, ThirdPartyCommit=SemiCommit, InterVecBrgn=S2P2, BargnModel=InitOnlyInterp
and the identity ideal-accommodation matrix.

Notation: n actors, capability c_i, salience s_id (0-1) with total sigma_i = sum_d s_id,
position x_i in [0, 1]^D (the input scale is mapped onto [0, 1]); ideals equal positions.

1. Distance (``bvDiff``): d_ij = sqrt( sum_d (s_id (x_id - x_jd))^2 / sum_d s_id^2 ).
2. Utility (``bsUtil``): u(d, R) = (1 - d)(1 + d R) for d <= 1, else (1 - d)(1 + R);
   R = +1 is risk averse, R = -1 risk seeking.
3. Risk attitudes (``setAllAUtil``), recomputed in every state: with U0_ij = u(d_ij, 0),
   coalitions C(i:j) = 1e-8 + sum_k max(0, c_k (U0_ki - U0_kj)), victory probabilities
   P_ij = C(i:j) / (C(i:j) + C(j:i)) with P_ii = 1/2, conditional PCE p_i ~ prod_j P_ij, and
   R_i = (3 p_i - (p_max + 2 p_min)) / (2 (p_max - p_min)).
4. Perceived utilities: h estimates i's risk attitude as (2 R_h + R_i) / 3 and
   U^h_ij = u(d_ij, (2 R_h + R_i) / 3).
5. Challenge evaluation (``probEduChlg(h, k, i, j)``) with weights w = sigma c: the principals'
   votes w_i (U^h_ii - U^h_ij) and w_j (U^h_ji - U^h_jj) start the coalitions C_ij, C_ji
   (each from 1e-10). Each third party m sees the "little contest" p = C_i / (C_i + C_j) after
   adding its own vote w_m (U_mi - U_mj), and votes (SemiCommit)
   v_m = w_m [p (2U_mi + U_mm) + (1-p) 3U_mj - p 3U_mi - (1-p)(2U_mj + U_mm)].
   P^h(i>j) = C_ij / (C_ij + C_ji) and k's gain is
   dEU = (1 - sigma_j) 2U_ki + sigma_j (P 2U_ki + (1-P) 2U_kj) - (U_ki + U_kj).
6. Each i challenges the first j maximising its own dEU(i, i, i, j), if that exceeds 1e-5.
7. Bargain (S2P2, initiator's perspective) with p = P^i(i>j), per dimension:
   w_i = s_id^2 p^2, w_j = s_jd^2 (1-p)^2,
   b_i = ((w_i + 1e-6) x_i + w_j x_j) / (w_i + 1e-6 + w_j),
   b_j = (w_i x_i + (w_j + 1e-6) x_j) / (w_i + 1e-6 + w_j), both rounded to 4 decimals.
8. Resolution (``doBCN``): each actor's queue holds its status quo then every bargain it is in;
   actor a values bargain m as (1/n)[u_a(b_init) + u_a(b_rcvr) + sum_other U^a_ax] with its own
   R_a; a conditional PCE with weights c over the queue picks the first most likely bargain;
   all actors move at once, against the old state.
9. Stop (``smpStopFn``): after at least 2 and at most 100 steps, when
   sum_i |x_i(t) - x_i(t-1)| / (sum_i |x_i(1) - x_i(0)| + 1e-4) < 0.02.
10. Reported probability per actor (``pDist(-1)``): conditional PCE over the unique positions
    (Euclidean distance below 1e-3 counts as the same) with utilities u(d_ij, R_i) and weights
    c; actors sharing a position show the same number, so the column can sum to more than 1.

Sums and products are taken in the order KTAB takes them, so the reference runs are reproduced
to their printed precision.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from flashpoint.errors import FlashpointError

from .table import BargainingHistory, IssueTable

MIN_COALITION = 1e-8  # Model::coalitions
MIN_CHALLENGE_COALITION = 1e-10  # SMPState::probEduChlg
MIN_BARGAIN_WEIGHT = 1e-6  # SMPActor::interpBrgnSnPm
MIN_SIGNIFICANT_GAIN = 1e-5  # SMPState::bestChallenge
POSITION_TOLERANCE = 1e-3  # SMPModel::posTol
MIN_SIGNIFICANT_DELTA = 1e-4  # smpStopFn minSigDelta


@dataclass(frozen=True)
class Bargain:
    """A bargain proposed by ``initiator`` to ``receiver`` (positions on the [0, 1] scale)."""

    initiator: int
    receiver: int
    initiator_position: np.ndarray
    receiver_position: np.ndarray
    probability: float
    gain: float


@dataclass(frozen=True, eq=False)
class SMPStateAnalysis:
    """Everything the SMP derives from one state before anyone moves.

    Arrays are indexed by actor; ``utilities[h, i, j]`` is h's estimate of the utility to i of
    j's position; ``targets[i]`` is -1 when i has no worthwhile challenge.
    """

    positions: np.ndarray
    distances: np.ndarray
    risk_neutral_utilities: np.ndarray
    risk: np.ndarray
    utilities: np.ndarray
    targets: np.ndarray
    target_probabilities: np.ndarray
    target_gains: np.ndarray
    bargains: tuple[Bargain, ...]
    probabilities: np.ndarray


@dataclass(frozen=True, eq=False)
class SMPResult(BargainingHistory):
    """History of an SMP run.

    ``positions`` has shape (states, actors, dimensions) on the input's scale;
    ``probabilities`` and ``risk`` have shape (states, actors); ``chosen[t, k]`` is the queue
    index of the bargain actor k adopted between state t and t+1 (0 = status quo).
    """

    table: IssueTable
    positions: np.ndarray
    probabilities: np.ndarray
    risk: np.ndarray
    bargains: tuple[tuple[Bargain, ...], ...]
    chosen: np.ndarray
    model: str = "smp"


def weighted_distance(ideals: np.ndarray, points: np.ndarray, salience: np.ndarray) -> np.ndarray:
    """KTAB ``bvDiff`` between every ideal i (with salience s_i) and every point j.

    ``ideals`` and ``salience`` are (n, D), ``points`` is (m, D); returns (n, m).
    """
    n, dims = ideals.shape
    ds_sq = np.zeros((n, points.shape[0]))
    ss_sq = np.zeros(n)
    for d in range(dims):
        ds = (ideals[:, None, d] - points[None, :, d]) * salience[:, None, d]
        ds_sq = ds_sq + ds * ds
        ss_sq = ss_sq + salience[:, d] * salience[:, d]
    return np.sqrt(ds_sq / ss_sq[:, None])


def utility(d: np.ndarray, risk: np.ndarray) -> np.ndarray:
    """KTAB ``bsUtil``: u(d, R) = (1 - d)(1 + d R) for d <= 1, else (1 - d)(1 + R)."""
    d = np.asarray(d, dtype=float)
    return np.where(d <= 1.0, (1.0 - d) * (1.0 + d * risk), (1.0 - d) * (1.0 + risk))


def conditional_pce(weights: np.ndarray, utilities: np.ndarray) -> np.ndarray:
    """KTAB ``Model::scalarPCE`` with Proportional voting, Linear victory, Conditional PCE.

    ``utilities[k, o]`` is voter k's utility for option o; returns the probability of each
    option: p_o ~ prod_q C(o:q) / (C(o:q) + C(q:o)).
    """
    n_voters, n_opts = utilities.shape
    strength = np.full((n_opts, n_opts), MIN_COALITION)
    for k in range(n_voters):
        vote = weights[k] * (utilities[k][:, None] - utilities[k][None, :])
        strength = strength + np.where(vote > 0.0, vote, 0.0)
    victory = strength / (strength + strength.T)
    np.fill_diagonal(victory, 0.5)
    prod = np.ones(n_opts)
    for q in range(n_opts):
        prod = prod * victory[:, q]
    total = 0.0
    for value in prod:
        total = total + value
    return prod / total


def risk_from_probabilities(p: np.ndarray) -> np.ndarray:
    """BigRRange Mid: R_i = (3 p_i - (p_max + 2 p_min)) / (2 (p_max - p_min)).

    When every probability is equal (all actors at one position) the attitudes are undefined;
    they are then taken as risk neutral (0).
    """
    p_min, p_max = float(np.min(p)), float(np.max(p))
    if p_max == p_min:
        return np.zeros_like(p)
    return (3.0 * p - (p_max + 2.0 * p_min)) / (2.0 * (p_max - p_min))


def prob_edu_challenge(
    utilities: np.ndarray,
    weights: np.ndarray,
    salience_total: np.ndarray,
    h: np.ndarray | int,
    k: np.ndarray | int,
    i: np.ndarray | int,
    j: np.ndarray | int,
) -> tuple[np.ndarray, np.ndarray]:
    """KTAB ``probEduChlg``: h's estimate of P(i beats j) and of k's gain if i challenges j.

    ``utilities`` is the (n, n, n) array of perceived utilities U^h_ab, ``weights`` is
    sigma * c; the indices broadcast against each other.
    """
    h, k, i, j = np.broadcast_arrays(*(np.asarray(a, dtype=int) for a in (h, k, i, j)))
    u = utilities
    c_i = weights[i] * (u[h, i, i] - u[h, i, j])
    c_j = weights[j] * (u[h, j, i] - u[h, j, j])
    chij = np.full(i.shape, MIN_CHALLENGE_COALITION)
    chji = np.full(i.shape, MIN_CHALLENGE_COALITION)
    chij = chij + np.where(c_i > 0.0, c_i, 0.0)
    chji = chji - np.where(c_i < 0.0, c_i, 0.0)
    chij = chij + np.where(c_j > 0.0, c_j, 0.0)
    chji = chji - np.where(c_j < 0.0, c_j, 0.0)
    principal_i, principal_j = chij, chji
    for m in range(u.shape[1]):
        third = (m != i) & (m != j)
        w_m = weights[m]
        u_mi, u_mj, u_mm = u[h, m, i], u[h, m, j], u[h, m, m]
        own = w_m * (u_mi - u_mj)
        c_mi = np.where(own > 0.0, principal_i + own, principal_i)
        c_mj = np.where(own < 0.0, principal_j - own, principal_j)
        p_in = c_mi / (c_mi + c_mj)
        p_jn = 1.0 - p_in
        u_ik_j = p_in * (u_mi + u_mi + u_mm) + p_jn * (u_mj + u_mj + u_mj)
        u_i_jk = p_in * (u_mi + u_mi + u_mi) + p_jn * (u_mj + u_mj + u_mm)
        vote = w_m * (u_ik_j - u_i_jk)
        chij = chij + np.where(third & (vote > 0.0), vote, 0.0)
        chji = chji - np.where(third & (vote < 0.0), vote, 0.0)
    p_ij = chij / (chij + chji)
    p_ji = chji / (chij + chji)
    u_ki, u_kj = u[h, k, i], u[h, k, j]
    eu_sq = u_ki + u_kj
    eu_vict = u_ki + u_ki
    eu_contest = p_ij * eu_vict + p_ji * (u_kj + u_kj)
    s_j = salience_total[j]
    eu_challenge = (1.0 - s_j) * eu_vict + s_j * eu_contest
    return p_ij, eu_challenge - eu_sq


def round4(x: np.ndarray) -> np.ndarray:
    """KTAB's ``round4``: (int)(0.5 + 10000 x) / 10000 for x >= 0."""
    return np.floor(0.5 + np.asarray(x) * 10000.0) / 10000.0


def interpolate_bargain(
    x_i: np.ndarray, s_i: np.ndarray, x_j: np.ndarray, s_j: np.ndarray, p: float
) -> tuple[np.ndarray, np.ndarray]:
    """S2P2 bargain between i at x_i and j at x_j when i wins with probability p."""
    w_i = s_i**2 * p**2
    w_j = s_j**2 * (1.0 - p) ** 2
    denom = w_i + MIN_BARGAIN_WEIGHT + w_j
    b_i = round4(((w_i + MIN_BARGAIN_WEIGHT) * x_i + w_j * x_j) / denom)
    b_j = round4((w_i * x_i + (MIN_BARGAIN_WEIGHT + w_j) * x_j) / denom)
    return b_i, b_j


def _unique_positions(x: np.ndarray, tol: float) -> tuple[list[int], np.ndarray]:
    """KTAB ``ueIndices`` plus ``posProb``: representatives and each actor's class index."""
    n = x.shape[0]
    close = np.sqrt(np.sum((x[:, None, :] - x[None, :, :]) ** 2, axis=2)) < tol
    reps: list[int] = []
    for a in range(n):
        if not any(close[a, r] for r in reps):
            reps.append(a)
    # posProb takes the last representative equivalent to the actor.
    klass = np.array([max(m for m, r in enumerate(reps) if close[a, r]) for a in range(n)])
    return reps, klass


def check_table(table: IssueTable) -> None:
    """Raise :class:`FlashpointError` if the SMP cannot run on ``table``."""
    where = table.source or table.name or "issue table"
    if table.n_actors < 2:
        raise FlashpointError(f"{where}: {table.n_actors} actor(s); allowed: at least 2")
    lo, hi = table.scale
    if not hi > lo:
        raise FlashpointError(
            f"{where}: position scale {lo:g} to {hi:g} is empty; allowed: positions that are "
            "not all equal"
        )
    totals = np.sum(table.salience, axis=1)
    if np.any(totals <= 0.0):
        bad = table.actors[int(np.argmin(totals))]
        raise FlashpointError(
            f"{where}: actor {bad!r} has zero salience on every dimension; allowed: at least "
            "one positive salience per actor"
        )


def analyse_state(table: IssueTable, unit_positions: np.ndarray | None = None) -> SMPStateAnalysis:
    """Risk attitudes, perceived utilities, best challenges, bargains and position probabilities
    for one state (positions on the [0, 1] scale; the table's own positions by default)."""
    check_table(table)
    x = table.unit_positions() if unit_positions is None else np.asarray(unit_positions, float)
    s = table.salience
    c = table.capability
    n = x.shape[0]
    sigma = np.zeros(n)
    for d in range(s.shape[1]):
        sigma = sigma + s[:, d]
    weights = sigma * c

    dist = weighted_distance(x, x, s)
    rn_util = utility(dist, 0.0)
    risk = risk_from_probabilities(conditional_pce(c, rn_util))
    r_hat = ((2.0 * risk)[:, None] + risk[None, :]) / 3.0
    util = utility(dist[None, :, :], r_hat[:, :, None])

    own = np.arange(n)
    hh, jj = np.meshgrid(own, own, indexing="ij")
    p_all, gain_all = prob_edu_challenge(util, weights, sigma, hh, hh, hh, jj)
    gain_masked = np.where(hh == jj, -np.inf, gain_all)
    best = np.argmax(gain_masked, axis=1)
    best_gain = gain_masked[own, best]
    has_target = best_gain > MIN_SIGNIFICANT_GAIN
    targets = np.where(has_target, best, -1)
    target_p = np.where(has_target, p_all[own, best], np.nan)
    target_gain = np.where(has_target, best_gain, np.nan)

    bargains = []
    for a in range(n):
        b = targets[a]
        if b < 0:
            continue
        b_i, b_j = interpolate_bargain(x[a], s[a], x[b], s[b], float(target_p[a]))
        bargains.append(Bargain(a, int(b), b_i, b_j, float(target_p[a]), float(target_gain[a])))

    reps, klass = _unique_positions(x, POSITION_TOLERANCE)
    self_util = util[own, own, :]
    p_unique = conditional_pce(c, self_util[:, reps])
    return SMPStateAnalysis(
        positions=x,
        distances=dist,
        risk_neutral_utilities=rn_util,
        risk=risk,
        utilities=util,
        targets=targets,
        target_probabilities=target_p,
        target_gains=target_gain,
        bargains=tuple(bargains),
        probabilities=p_unique[klass],
    )


def _resolve(table: IssueTable, state: SMPStateAnalysis) -> tuple[np.ndarray, np.ndarray]:
    """Each actor picks from its queue (status quo first, then its bargains by initiator)."""
    x, s, c = state.positions, table.salience, table.capability
    n = x.shape[0]
    own = np.arange(n)
    self_util = state.utilities[own, own, :]  # U^a_ax, a's own view
    sq_value = np.zeros(n)
    for other in range(n):
        sq_value = sq_value + self_util[:, other]
    sq_value = sq_value / n
    values = []
    for b in state.bargains:
        u_init = utility(weighted_distance(x, b.initiator_position[None, :], s)[:, 0], state.risk)
        u_rcvr = utility(weighted_distance(x, b.receiver_position[None, :], s)[:, 0], state.risk)
        total = 0.0 + u_init
        total = total + u_rcvr
        for other in range(n):
            if other not in (b.initiator, b.receiver):
                total = total + self_util[:, other]
        values.append(total / n)
    new_x = x.copy()
    chosen = np.zeros(n, dtype=int)
    for k in range(n):
        queue = [m for m, b in enumerate(state.bargains) if k in (b.initiator, b.receiver)]
        if not queue:
            continue
        u_im = np.column_stack([sq_value] + [values[m] for m in queue])
        pick = int(np.argmax(conditional_pce(c, u_im)))
        chosen[k] = pick
        if pick > 0:
            b = state.bargains[queue[pick - 1]]
            new_x[k] = b.initiator_position if b.initiator == k else b.receiver_position
    return new_x, chosen


def _state_distance(a: np.ndarray, b: np.ndarray) -> float:
    total = 0.0
    for norm in np.sqrt(np.sum((a - b) ** 2, axis=1)):
        total = total + float(norm)
    return total


def run_smp(
    table: IssueTable,
    *,
    min_iterations: int = 2,
    max_iterations: int = 100,
    stop_ratio: float = 0.02,
) -> SMPResult:
    """Run the SMP from the table's positions until the stopping rule of ``smpStopFn`` holds.

    Deterministic: the same table always gives the same history.
    """
    if min_iterations < 1 or max_iterations < min_iterations:
        raise FlashpointError(
            f"SMP iterations: minimum {min_iterations}, maximum {max_iterations}; allowed: "
            "1 <= minimum <= maximum"
        )
    state = analyse_state(table)
    history = [state.positions]
    probabilities = [state.probabilities]
    risk = [state.risk]
    bargains: list[tuple[Bargain, ...]] = []
    chosen: list[np.ndarray] = []
    first_step = 0.0
    iteration = 0
    while True:
        iteration += 1
        new_x, picks = _resolve(table, state)
        bargains.append(state.bargains)
        chosen.append(picks)
        history.append(new_x)
        state = analyse_state(table, new_x)
        probabilities.append(state.probabilities)
        risk.append(state.risk)
        if iteration == 1:
            first_step = _state_distance(history[1], history[0]) + MIN_SIGNIFICANT_DELTA
        step = _state_distance(history[-1], history[-2])
        quiet = step / first_step < stop_ratio
        if iteration >= max_iterations or (iteration >= min_iterations and quiet):
            break

    return SMPResult(
        table=table,
        positions=table.from_unit(np.array(history)),
        probabilities=np.array(probabilities),
        risk=np.array(risk),
        bargains=tuple(bargains),
        chosen=np.array(chosen).reshape(len(chosen), table.n_actors),
    )
