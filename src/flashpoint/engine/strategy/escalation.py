"""The escalation ladder: which rungs each run has reached, when, and why.

A scenario lists rungs in order; the first is where the crisis starts (reached on day 0). A rung
is reached in two declared ways only:

* its ``reached_when`` trigger: on the first day one of its ``by`` actors has fired on (or, with
  ``what = "aircraft-kill"``, downed an aircraft or drone of) one of its ``on`` actors, and with
  ``mutual`` both ways;
* a decision: an option with ``escalate_to = <rung>``. Such an option is only open to an actor in
  runs that stand on the rung just below it or higher (:func:`may_escalate_to`): a decision climbs
  the ladder one rung at a time.

So the ladder never skips a rung without a declared trigger. ``st.rung`` is the highest rung
reached; ``st.reached_day[:, k]`` the day rung k was first reached (-1: never) and
``st.reached_by[:, k]`` how (:data:`START`, :data:`TRIGGER` or :data:`DECISION`).

For the strategy layer, :func:`climb_distribution` gives what an actor expects of the ladder over
its projection horizon: from the rung an option puts the run on, the crisis climbs one more rung
with probability ``climb_risk`` of that rung (times the option's ``escalation_risk`` multiplier),
and from there one more with the next rung's ``climb_risk``, and so on.
:func:`climb_distributions` is the same for every option of an actor at once, compiled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numba
import numpy as np

from flashpoint.engine.state import State
from flashpoint.engine.theatre import CompiledTheatre

NOT_REACHED, START, TRIGGER, DECISION = 0, 1, 2, 3


@dataclass(frozen=True)
class RungRule:
    index: int
    by: np.ndarray
    on: np.ndarray
    aircraft: bool
    mutual: bool


class RungTriggers(NamedTuple):
    """The rules as arrays for the compiled check (J rules)."""

    index: np.ndarray          # (J,) int: the rung
    by: np.ndarray             # (J, width) int: the ``by`` actors, padded with -1
    on: np.ndarray             # (J, width) int: the ``on`` actors, padded with -1
    aircraft: np.ndarray       # (J,) bool: an aircraft or drone downed, not just fire
    mutual: np.ndarray         # (J,) bool: both ways


@dataclass(frozen=True)
class Ladder:
    """The scenario's rung triggers, and the same as arrays for the compiled check."""

    rules: list[RungRule]
    arrays: RungTriggers


def ladder_rules(th: CompiledTheatre) -> Ladder:
    rules = []
    for i, rung in enumerate(th.scenario.escalation.rungs):
        t = rung.reached_when
        if t is None:
            continue
        rules.append(RungRule(i, np.array([th.actor_index(a) for a in t.by]),
                              np.array([th.actor_index(a) for a in t.on]),
                              t.what == "aircraft-kill", t.mutual))
    return Ladder(rules, _rule_arrays(rules))


def _rule_arrays(rules: list[RungRule]) -> RungTriggers:
    """The rules as arrays for the compiled check."""
    width = max([1] + [max(len(r.by), len(r.on)) for r in rules])
    by = np.full((len(rules), width), -1, dtype=np.int64)
    on = np.full((len(rules), width), -1, dtype=np.int64)
    for j, rule in enumerate(rules):
        by[j, :len(rule.by)] = rule.by
        on[j, :len(rule.on)] = rule.on
    return RungTriggers(np.array([r.index for r in rules], dtype=np.int64), by, on,
                        np.array([r.aircraft for r in rules], dtype=np.bool_),
                        np.array([r.mutual for r in rules], dtype=np.bool_))


def init_ladder(th: CompiledTheatre, st: State) -> None:
    """Every run starts on the first rung, on day 0."""
    k = len(th.rung_ids)
    st.reached_day = np.full((st.n, k), -1, dtype=np.int64)
    st.reached_by = np.zeros((st.n, k), dtype=np.int8)
    if k:
        st.reached_day[:, 0] = 0
        st.reached_by[:, 0] = START


def reach(st: State, k: int, mask: np.ndarray, cause: int) -> None:
    """Runs ``mask`` reach rung ``k`` today (a rung reached before keeps its first day and cause)."""
    if st.reached_day is None:
        raise RuntimeError("init_ladder must run before rungs are reached")
    new = mask & (st.reached_day[:, k] < 0)
    st.reached_day[new, k] = st.day
    st.reached_by[new, k] = cause
    st.rung[:] = np.where(mask, np.maximum(st.rung, k), st.rung)


class Reached(NamedTuple):
    """What the trigger kernel reads and writes of the state."""

    fired: np.ndarray
    downed: np.ndarray
    rung: np.ndarray
    reached_day: np.ndarray
    reached_by: np.ndarray


class Rungs(NamedTuple):
    """The trigger kernel's two arguments as one: the ladder's rules and the state they change."""

    rules: RungTriggers
    reached: Reached


def reached(st: State) -> Reached:
    """The trigger kernel's view of the state."""
    if st.reached_day is None or st.reached_by is None:
        raise RuntimeError("init_ladder must run before rungs are reached")
    return Reached(st.fired, st.downed, st.rung, st.reached_day, st.reached_by)


@numba.njit(cache=True, nogil=True)
def _any_between(events, r, first, second):
    """Has an actor of ``first`` fired on (downed an aircraft of) an actor of ``second`` in run r?"""
    for a in first:
        if a < 0:
            break
        for b in second:
            if b < 0:
                break
            if events[r, a, b]:
                return True
    return False


@numba.njit(cache=True, nogil=True)
def triggers_kernel(lo, hi, day, rules, st):
    """For each run of [lo, hi) and rule of ``rules`` (:class:`RungTriggers`): has one of ``by``
    fired on (downed an aircraft of) one of ``on`` (and, if ``mutual``, the other way round)? Then
    the run reaches the rule's rung today (written into ``st``, a :class:`Reached`)."""
    for r in range(lo, hi):
        for j in range(rules.index.shape[0]):
            k = rules.index[j]
            if st.reached_day[r, k] >= 0:
                continue        # reached before (the run's rung is then at least k): nothing to do
            events = st.downed if rules.aircraft[j] else st.fired
            if not _any_between(events, r, rules.by[j], rules.on[j]):
                continue
            if rules.mutual[j] and not _any_between(events, r, rules.on[j], rules.by[j]):
                continue
            st.reached_day[r, k] = day
            st.reached_by[r, k] = TRIGGER
            if k > st.rung[r]:
                st.rung[r] = k


def may_escalate_to(rung: np.ndarray, k: int) -> np.ndarray:
    """Runs where a decision may put the crisis on rung ``k``: those on rung k - 1 or higher."""
    return rung >= k - 1


def climb_distribution(start: np.ndarray, climb: np.ndarray, multiplier: np.ndarray,
                       n_rungs: int) -> np.ndarray:
    """(R, K) probability that the highest rung within the horizon is each rung, from ``start``
    (R,) with per-rung climb risks ``climb`` (R, K) and the option's risk ``multiplier`` (R,)."""
    runs = len(start)
    out = np.zeros((runs, n_rungs))
    if n_rungs == 0:
        return out
    r = np.arange(runs)
    p_here = np.ones(runs)
    level = start.copy()
    for _ in range(n_rungs):
        top = level >= n_rungs - 1
        q = np.where(top, 0.0, np.clip(climb[r, np.minimum(level, n_rungs - 1)] * multiplier, 0.0, 1.0))
        out[r, np.minimum(level, n_rungs - 1)] += p_here * (1 - q)
        p_here = p_here * q
        level = np.minimum(level + 1, n_rungs - 1)
        if not p_here.any():
            break
    out[r, level] += p_here
    return out


def climb_distributions(start: np.ndarray, climb: np.ndarray, multiplier: np.ndarray, n_rungs: int) -> np.ndarray:
    """(O, R, K) :func:`climb_distribution` for each option o, from ``start[o]`` (R,) with the risk
    ``multiplier[o]`` (R,) (both (O, R)) and the per-rung climb risks ``climb`` (R, K)."""
    out = np.zeros(start.shape + (n_rungs,))
    if n_rungs:
        _climb_kernel(start, climb, multiplier, out)
    return out


@numba.njit(cache=True, nogil=True)
def _climb_kernel(start, climb, multiplier, out):
    """:func:`climb_distribution` run by run (a run stops climbing once nothing is left to climb)."""
    n_opt, runs, n_rungs = out.shape
    top = n_rungs - 1
    for o in range(n_opt):
        for r in range(runs):
            p_here = 1.0
            level = min(start[o, r], top)
            for _ in range(n_rungs):
                q = 0.0
                if level < top:
                    q = climb[r, level] * multiplier[o, r]
                    if q < 0.0:
                        q = 0.0
                    elif q > 1.0:
                        q = 1.0
                out[o, r, level] += p_here * (1 - q)
                p_here = p_here * q
                level = min(level + 1, top)
                if p_here == 0.0:
                    break
            out[o, r, level] += p_here
