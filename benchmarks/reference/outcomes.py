"""The scenario's outcomes, evaluated on the final state of one run of the reference model.

``holds``: the camp holds at least ``share`` of the places (by count); ``route_held``: one camp
(the given one, if any) holds every place on the route; ``escalation_at_least``: the run reached
that rung or a higher one; ``metric``: an ``actor.quantity`` loss within the bounds (0 when the
actor has no such losses); ``ceasefire``: whether a ceasefire was agreed; ``all``/``any``/``not``
combine them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flashpoint.scenario.schema import Predicate

if TYPE_CHECKING:
    from benchmarks.reference.model import TheatreModel


def holds(m: TheatreModel, pred: Predicate) -> bool:
    th = m.theatre
    if pred.holds is not None:
        camp = th.camps.index(pred.holds.camp)
        held = sum(m.holder_camp(th.places.index(p)) == camp for p in pred.holds.places)
        return held / len(pred.holds.places) >= pred.holds.share - 1e-12
    if pred.route_held is not None:
        camps = {m.holder_camp(th.places.index(p)) for p in th.scenario.routes[pred.route_held.route].places}
        if len(camps) != 1:
            return False
        return pred.route_held.camp is None or camps == {th.camps.index(pred.route_held.camp)}
    if pred.escalation_at_least is not None:
        return m.rung >= th.rung_ids.index(pred.escalation_at_least)
    if pred.metric is not None:
        value = m.metrics().get(pred.metric.key, 0.0)
        low, high = pred.metric.at_least, pred.metric.at_most
        return (low is None or value >= low) and (high is None or value <= high)
    if pred.ceasefire is not None:
        return (m.ceasefire_day >= 0) == pred.ceasefire
    if pred.all is not None:
        return all(holds(m, q) for q in pred.all)
    if pred.any is not None:
        return any(holds(m, q) for q in pred.any)
    return not holds(m, pred.not_)


def outcomes(m: TheatreModel) -> dict[str, bool]:
    return {oid: holds(m, o.when) for oid, o in m.theatre.scenario.outcomes.items()}
