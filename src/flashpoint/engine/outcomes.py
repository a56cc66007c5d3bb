"""Outcomes: the scenario's named predicates, evaluated on the final state of every run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from flashpoint.engine.theatre import CompiledTheatre
from flashpoint.scenario.schema import Predicate


@dataclass
class FinalState:
    """What outcomes may look at: control, escalation, ceasefire and losses of each run."""

    control: np.ndarray            # (R, P) actor
    camp_control: np.ndarray       # (R, P) camp
    rung: np.ndarray               # (R,)
    ceasefire_day: np.ndarray      # (R,)
    metrics: dict[str, np.ndarray]  # "actor.quantity" -> (R,)


Evaluator = Callable[[FinalState], np.ndarray]


def compile_predicate(th: CompiledTheatre, pred: Predicate) -> Evaluator:
    if pred.holds is not None:
        camp = th.camps.index(pred.holds.camp)
        idx = np.array([th.places.index(p) for p in pred.holds.places])
        need = pred.holds.share

        def holds(f: FinalState) -> np.ndarray:
            return (f.camp_control[:, idx] == camp).mean(axis=1) >= need - 1e-12

        return holds
    if pred.route_held is not None:
        idx = th.routes[pred.route_held.route]
        camp = None if pred.route_held.camp is None else th.camps.index(pred.route_held.camp)

        def route_held(f: FinalState) -> np.ndarray:
            on = f.camp_control[:, idx]
            same = (on == on[:, :1]).all(axis=1)
            return same if camp is None else same & (on[:, 0] == camp)

        return route_held
    if pred.escalation_at_least is not None:
        level = th.rung_ids.index(pred.escalation_at_least)
        return lambda f: f.rung >= level
    if pred.metric is not None:
        m = pred.metric

        def metric(f: FinalState) -> np.ndarray:
            value = f.metrics.get(m.key, np.zeros(len(f.rung)))
            ok = np.ones(len(value), dtype=bool)
            if m.at_least is not None:
                ok &= value >= m.at_least
            if m.at_most is not None:
                ok &= value <= m.at_most
            return ok

        return metric
    if pred.ceasefire is not None:
        want = pred.ceasefire
        return lambda f: (f.ceasefire_day >= 0) == want
    if pred.all is not None:
        parts = [compile_predicate(th, p) for p in pred.all]
        return lambda f: np.logical_and.reduce([e(f) for e in parts])
    if pred.any is not None:
        parts = [compile_predicate(th, p) for p in pred.any]
        return lambda f: np.logical_or.reduce([e(f) for e in parts])
    inner = compile_predicate(th, pred.not_)
    return lambda f: ~inner(f)


def compile_outcomes(th: CompiledTheatre) -> dict[str, Evaluator]:
    return {oid: compile_predicate(th, o.when) for oid, o in th.scenario.outcomes.items()}
