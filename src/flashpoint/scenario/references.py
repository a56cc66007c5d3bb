"""Checks that relate one part of a scenario to another.

Field types and ranges are checked by the schema; here we check that every id a scenario uses is
defined (actors, camps, places, routes, sources, rungs, outcomes, plans), that nothing is defined twice
in ways TOML cannot catch, and that each number can be traced to a source.
"""

from __future__ import annotations

import functools
import math
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flashpoint.scenario.distributions import quantity_bounds
from flashpoint.scenario.schema import METRIC_KINDS, Parameter, Predicate, Scenario, Sourced

ENGINE_PARAMETERS = Path(__file__).resolve().parents[1] / "engine" / "parameters.toml"
"""The engine's model constants, each with the limits its meaning allows (read here as a file, so
that checking a scenario does not load the engine)."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario: where (a path of keys), the value, and what is allowed."""

    loc: tuple[str | int, ...]
    value: Any
    message: str


def _known(kind: str, value: str, known: Iterable[str], loc: tuple) -> Iterator[Problem]:
    known = sorted(known)
    if value not in known:
        listed = ", ".join(known[:12]) + (", ..." if len(known) > 12 else "")
        yield Problem(loc, value, f"unknown {kind} '{value}'; known: {listed or '(none)'}")


def _sources(obj: Sourced, scenario: Scenario, loc: tuple) -> Iterator[Problem]:
    refs = [obj.source] if isinstance(obj.source, str) else obj.source
    if not refs:
        yield Problem(loc + ("source",), refs, "cite at least one source id from [sources]")
    for i, ref in enumerate(refs):
        where = loc + ("source",) if isinstance(obj.source, str) else loc + ("source", i)
        yield from _known("source", ref, scenario.sources, where)


def _metric_kind(kind: str, value: str, loc: tuple) -> Iterator[Problem]:
    """A metric key's quantity must be one the summary can report (all of them listed, in order)."""
    if kind not in METRIC_KINDS:
        yield Problem(loc, value, f"unknown quantity '{kind}'; known: {', '.join(METRIC_KINDS)}")


def _predicate(p: Predicate, s: Scenario, loc: tuple) -> Iterator[Problem]:
    if p.holds is not None:
        yield from _known("camp", p.holds.camp, s.camps, loc + ("holds", "camp"))
        for i, place in enumerate(p.holds.places):
            yield from _known("place", place, s.places, loc + ("holds", "places", i))
    if p.route_held is not None:
        yield from _known("route", p.route_held.route, s.routes, loc + ("route_held", "route"))
        if p.route_held.camp is not None:
            yield from _known("camp", p.route_held.camp, s.camps, loc + ("route_held", "camp"))
    if p.escalation_at_least is not None:
        yield from _known("escalation rung", p.escalation_at_least,
                          [r.id for r in s.escalation.rungs], loc + ("escalation_at_least",))
    if p.metric is not None:
        actor, kind = p.metric.key.split(".")
        yield from _known("actor", actor, s.actors, loc + ("metric", "key"))
        yield from _metric_kind(kind, p.metric.key, loc + ("metric", "key"))
    for key in ("all", "any"):
        for i, sub in enumerate(getattr(p, key) or []):
            yield from _predicate(sub, s, loc + (key, i))
    if p.not_ is not None:
        yield from _predicate(p.not_, s, loc + ("not",))


def _claims(s: Scenario) -> Iterator[Problem]:
    """Claims name known sources, interventions and columns (an option of a decision may come
    with an intervention, so only its actor is checked here)."""
    rungs = [r.id for r in s.escalation.rungs]
    for cid, claim in s.claims.items():
        loc = ("claims", cid)
        yield from _sources(claim, s, loc)
        lists = [("under", claim.under)]
        if claim.compare is not None:
            lists += [("compare", "with", claim.compare.with_), ("compare", "against", claim.compare.against)]
        for *where, names in lists:
            for i, name in enumerate(names):
                yield from _known("intervention", name, s.interventions, loc + tuple(where) + (i,))
        kind, _, name = claim.quantity.partition(":")
        qloc = loc + ("quantity",)
        if kind == "outcome":
            yield from _known("outcome", name, s.outcomes, qloc)
        elif kind == "escalation":
            yield from _known("escalation rung", name, rungs, qloc)
        elif kind in ("metric", "decision"):
            actor, _, rest = name.partition(".")
            yield from _known("actor", actor, s.actors, qloc)
            if kind == "metric":
                yield from _metric_kind(rest, claim.quantity, qloc)


def _mean(q: Any) -> float:
    return float(q) if isinstance(q, int | float) else float(q.mean())


def _issues(s: Scenario) -> Iterator[Problem]:
    """The political issue table: known actors, camps and places, a capability for every actor
    on it, a full table (every actor placed on every issue), attention of at most 100%."""
    if s.issues and s.bargaining is None:
        yield Problem(("issues",), sorted(s.issues),
                      "an issue table needs a [bargaining] section with the actors' capability")
    if s.bargaining is None:
        return
    b = s.bargaining
    yield from _sources(b, s, ("bargaining",))
    for aid in b.capability:
        yield from _known("actor", aid, s.actors, ("bargaining", "capability", aid))
    if not s.issues:
        yield Problem(("bargaining",), None, "give at least one [issues.<id>] table for the bargaining model")
    table = sorted(b.capability)
    attention = dict.fromkeys(table, 0.0)
    for iid, issue in s.issues.items():
        loc = ("issues", iid)
        yield from _sources(issue, s, loc)
        for key in ("positions", "salience"):
            given = getattr(issue, key)
            for aid in given:
                if aid not in s.actors:
                    yield from _known("actor", aid, s.actors, loc + (key, aid))
                elif aid not in b.capability:
                    yield Problem(loc + (key, aid), aid,
                                  f"actor '{aid}' has no capability in [bargaining]; "
                                  "add it there or drop it here")
            missing = [a for a in table if a not in given]
            if missing:
                yield Problem(loc + (key,), sorted(given),
                              "every actor of the bargaining table needs a value here; missing: "
                              + ", ".join(missing))
        for aid, q in issue.salience.items():
            if aid in attention:
                attention[aid] += _mean(q)
        if issue.battlefield is not None:
            yield from _known("camp", issue.battlefield.camp, s.camps, loc + ("battlefield", "camp"))
            for i, pid in enumerate(issue.battlefield.places):
                yield from _known("place", pid, s.places, loc + ("battlefield", "places", i))
    for aid, total in attention.items():
        if total > 100.0 + 1e-9:
            yield Problem(("issues",), round(total, 6),
                          f"actor '{aid}': saliences add up to more than 100 over the issues "
                          "(percent of attention)")
        if s.issues and total <= 0.0:
            yield Problem(("issues",), 0, f"actor '{aid}': every salience is 0; give at least one positive")


def _legs(s: Scenario) -> set[frozenset[str]]:
    """The pairs of places next to each other on some route."""
    return {frozenset(pair) for r in s.routes.values() for pair in zip(r.places[:-1], r.places[1:], strict=True)}


def _plans(s: Scenario) -> Iterator[Problem]:
    """Plans name a known actor (one plan each), known places along routes and its own formations."""
    legs, planned = _legs(s), {}
    for pid, plan in s.plans.items():
        loc = ("plans", pid)
        yield from _sources(plan, s, loc)
        yield from _known("actor", plan.actor, s.actors, loc + ("actor",))
        if plan.actor in planned:
            yield Problem(loc + ("actor",), plan.actor, f"actor already has a plan ([plans.{planned[plan.actor]}]); "
                          "give each actor one plan")
        planned.setdefault(plan.actor, pid)
        for xid, axis in plan.axes.items():
            xloc = loc + ("axes", xid)
            yield from _sources(axis, s, xloc)
            for i, place in enumerate(axis.places):
                yield from _known("place", place, s.places, xloc + ("places", i))
            if len(set(axis.places)) != len(axis.places):
                yield Problem(xloc + ("places",), axis.places, "an axis may not visit a place twice")
            for i, (u, v) in enumerate(zip(axis.places[:-1], axis.places[1:], strict=True)):
                if u in s.places and v in s.places and frozenset((u, v)) not in legs:
                    yield Problem(xloc + ("places", i + 1), v,
                                  f"'{u}' and '{v}' are not next to each other on any route; an axis runs "
                                  "along routes: list every place in between, or add the road to [routes]")
        for oid, obj in plan.objectives.items():
            yield from _sources(obj, s, loc + ("objectives", oid))
            yield from _known("place", obj.place, s.places, loc + ("objectives", oid, "place"))
        for fid, res in plan.reserves.items():
            rloc = loc + ("reserves", fid)
            yield from _sources(res, s, rloc)
            formation = s.forces.ground.get(fid)
            if formation is None:
                yield from _known("ground formation", fid, s.forces.ground, rloc)
            elif formation.owner != plan.actor:
                yield Problem(rloc, fid, f"formation of '{formation.owner}', not of the plan's actor '{plan.actor}'")
            elif formation.posture != "reserve":
                yield Problem(rloc, fid, f"formation in posture '{formation.posture}'; a reserve starts in "
                              "posture 'reserve'")
            if res.place is not None:
                yield from _known("place", res.place, s.places, rloc + ("place",))
            if res.axis is not None:
                yield from _known("axis of this plan", res.axis, plan.axes, rloc + ("axis",))


def _backtest(s: Scenario) -> Iterator[Problem]:
    if s.backtest is None:
        return
    for eid, ev in s.backtest.events.items():
        loc = ("backtest", "events", eid)
        yield from _sources(ev, s, loc)
        yield from _known("camp", ev.camp, s.camps, loc + ("camp",))
        for i, pid in enumerate(ev.places):
            yield from _known("place", pid, s.places, loc + ("places", i))
        if ev.route is not None:
            yield from _known("route", ev.route, s.routes, loc + ("route",))
        if ev.first < s.meta.start:
            yield Problem(loc + ("first",), ev.first.isoformat(), f"before the scenario's start ({s.meta.start})")
    for lid, loss in s.backtest.losses.items():
        loc = ("backtest", "losses", lid)
        yield from _sources(loss, s, loc)
        for i, aid in enumerate(loss.actors):
            yield from _known("actor", aid, s.actors, loc + ("actors", i))


def _air_mechanisms(s: Scenario) -> Iterator[Problem]:
    """Jammers operate from one day to a later one; an actor learns under one entry of
    forces.adaptation, which names a known actor and cites its sources; a drone unit strikes from
    closer than its range (docs/model.md, "Air", 8-10)."""
    for jid, j in s.forces.jammers.items():
        if j.until_day is not None and j.until_day < j.from_day:
            yield Problem(("forces", "jammers", jid, "until_day"), j.until_day,
                          f"the last day it operates must not come before from_day ({j.from_day})")
    owners: dict[str, str] = {}
    for aid, ad in s.forces.adaptation.items():
        loc = ("forces", "adaptation", aid)
        yield from _known("actor", ad.owner, s.actors, loc + ("owner",))
        yield from _sources(ad, s, loc)
        if ad.owner in owners:
            yield Problem(loc + ("owner",), ad.owner,
                          f"already adapts under forces.adaptation.{owners[ad.owner]}; one entry per actor")
        owners.setdefault(ad.owner, aid)
    for kind, table in (("air", s.forces.air), ("drones", s.forces.drones)):
        for fid, f in table.items():
            if f.standoff_km >= f.range_km:
                yield Problem(("forces", kind, fid, "standoff_km"), f.standoff_km,
                              f"must be shorter than the unit's range_km ({f.range_km:g})")


@functools.cache
def engine_limits() -> dict[str, tuple[float, float]]:
    """The smallest and largest value each engine constant may take (-inf or inf: no limit)."""
    table = tomllib.loads(ENGINE_PARAMETERS.read_text(encoding="utf-8"))["parameters"]
    return {name: Parameter.model_validate(entry).limits() for name, entry in table.items()}


def _within_engine_limits(name: str, param: Parameter, engine: dict[str, tuple[float, float]]) -> Iterator[Problem]:
    """A scenario's constant replaces the engine's: its value and its own limits must stay within
    the engine's limits, which say what the constant can mean (a rate is not negative)."""
    loc = ("parameters", name)
    if name not in engine:
        known = sorted(engine)
        yield Problem(loc, name, f"unknown parameter '{name}': the engine does not use it; known: "
                      + ", ".join(known[:12]) + (", ..." if len(known) > 12 else ""))
        return
    lo, hi = engine[name]
    allowed = f"between {lo:g} and {hi:g}" if math.isfinite(hi) else f"at least {lo:g}"
    a, b = quantity_bounds(param.value)
    if a < lo or b > hi:
        what = f"{a:g}" if a == b else f"values from {a:g} to {b:g}"
        yield Problem(loc + ("value",), None, f"{what} outside the engine's limits: must be {allowed}")
    for key, limit in (("low", param.low), ("high", param.high)):
        if limit is not None and not lo <= limit <= hi:
            yield Problem(loc + (key,), limit, f"must lie within the engine's limits: {allowed}")


def check_references(s: Scenario) -> list[Problem]:
    """Every cross-reference problem in the scenario (an empty list when it is consistent)."""
    out: list[Problem] = []
    add = out.extend
    actors, places = s.actors, s.places

    for cid, camp in s.camps.items():
        for i, other in enumerate(camp.hostile_to):
            add(_known("camp", other, s.camps, ("camps", cid, "hostile_to", i)))
            if other == cid:
                out.append(Problem(("camps", cid, "hostile_to", i), other,
                                   "a camp cannot be hostile to itself"))
    if not any(c.hostile_to for c in s.camps.values()):
        out.append(Problem(("camps",), sorted(s.camps), "at least one camp must be hostile_to another"))

    for tid, theatre in s.theatres.items():
        add(_sources(theatre, s, ("theatres", tid)))

    outcome_ids = set(s.outcomes)
    for aid, actor in s.actors.items():
        loc = ("actors", aid)
        add(_known("camp", actor.camp, s.camps, loc + ("camp",)))
        add(_sources(actor, s, loc))
        for oid in actor.stakes:
            add(_known("outcome", oid, outcome_ids, loc + ("stakes", oid)))
        for tid in actor.exposure:
            add(_known("theatre", tid, s.theatres, loc + ("exposure", tid)))
        for i, other in enumerate(actor.fires_on or []):
            add(_known("actor", other, actors, loc + ("fires_on", i)))
        if actor.factions:
            total = sum(float(f.weight) if isinstance(f.weight, int | float) else f.weight.mean()
                        for f in actor.factions.values())
            if abs(total - 1.0) > 1e-6:
                out.append(Problem(loc + ("factions",), round(total, 6),
                                   "faction weights must add up to 1"))

    for pid, place in places.items():
        add(_sources(place, s, ("places", pid)))
    for i, pid in enumerate(s.meta.key_places):
        add(_known("place", pid, places, ("meta", "key_places", i)))

    for rid, route in s.routes.items():
        loc = ("routes", rid)
        add(_sources(route, s, loc))
        for i, pid in enumerate(route.places):
            add(_known("place", pid, places, loc + ("places", i)))
        if len(set(route.places)) != len(route.places):
            out.append(Problem(loc + ("places",), route.places, "a route may not visit a place twice"))
        if route.lengths_km is not None and len(route.lengths_km) != len(route.places) - 1:
            out.append(Problem(loc + ("lengths_km",), route.lengths_km,
                               f"give one length per leg: {len(route.places) - 1} for "
                               f"{len(route.places)} places"))

    for pid, holder in s.control.items():
        add(_known("place", pid, places, ("control", pid)))
        add(_known("actor", holder, actors, ("control", pid)))
    uncontrolled = sorted(set(places) - set(s.control))
    if uncontrolled:
        out.append(Problem(("control",), uncontrolled,
                           "every place needs a holder at the start; missing: "
                           + ", ".join(uncontrolled[:10])))

    for oid, post in s.posts.items():
        loc = ("posts", oid)
        add(_known("place", post.place, places, loc + ("place",)))
        add(_known("actor", post.actor, actors, loc + ("actor",)))
        add(_sources(post, s, loc))

    for kind, table in (("ground", s.forces.ground), ("air", s.forces.air), ("drones", s.forces.drones),
                        ("air_defence", s.forces.air_defence), ("jammers", s.forces.jammers)):
        for fid, force in table.items():
            loc = ("forces", kind, fid)
            add(_known("actor", force.owner, actors, loc + ("owner",)))
            where = "place" if hasattr(force, "place") else "base"
            add(_known("place", getattr(force, where), places, loc + (where,)))
            add(_sources(force, s, loc))
    add(_air_mechanisms(s))
    kinds = (("ground", s.forces.ground), ("air", s.forces.air), ("drones", s.forces.drones),
             ("air_defence", s.forces.air_defence), ("jammers", s.forces.jammers))
    force_ids = [fid for _, table in kinds for fid in table]
    seen: dict[str, str] = {}
    for kind, table in kinds:
        for fid in table:
            if fid in seen:
                out.append(Problem(("forces", kind, fid), fid,
                                   f"force id already used in forces.{seen[fid]}; "
                                   "force ids must be unique across all force kinds"))
            seen.setdefault(fid, kind)

    engine = engine_limits()
    for name, param in s.parameters.items():
        add(_sources(param, s, ("parameters", name)))
        add(_within_engine_limits(name, param, engine))

    rung_ids = [r.id for r in s.escalation.rungs]
    for i, rid in enumerate(rung_ids):
        if rid in rung_ids[:i]:
            out.append(Problem(("escalation", "rungs", i, "id"), rid, "duplicate rung id"))
        rung = s.escalation.rungs[i]
        add(_sources(rung, s, ("escalation", "rungs", i)))
        if rung.reached_when is not None:
            for key in ("by", "on"):
                for j, aid in enumerate(getattr(rung.reached_when, key)):
                    add(_known("actor", aid, actors, ("escalation", "rungs", i, "reached_when", key, j)))

    for aid, spec in s.decisions.items():
        loc = ("decisions", aid)
        add(_known("actor", aid, actors, loc))
        for i, trig in enumerate(spec.triggers):
            if getattr(trig, "place", None) is not None:
                add(_known("place", trig.place, places, loc + ("triggers", i, "place")))
            for key in ("by", "of"):
                if getattr(trig, key, None) is not None:
                    add(_known("actor", getattr(trig, key), actors, loc + ("triggers", i, key)))
        for oid, option in spec.options.items():
            eff, oloc = option.effects, loc + ("options", oid, "effects")
            if eff.escalate_to is not None:
                add(_known("escalation rung", eff.escalate_to, rung_ids, oloc + ("escalate_to",)))
            for key in ("fires_on_add", "fires_on_remove"):
                for i, other in enumerate(getattr(eff, key)):
                    add(_known("actor", other, actors, oloc + (key, i)))
            for i, fid in enumerate(eff.activate):
                add(_known("force", fid, set(force_ids), oloc + ("activate", i)))
            if option.requires is not None:
                add(_known("escalation rung", option.requires, rung_ids, loc + ("options", oid, "requires")))
            if option.source is not None:
                refs = [option.source] if isinstance(option.source, str) else option.source
                for i, ref in enumerate(refs):
                    add(_known("source", ref, s.sources, loc + ("options", oid, "source")
                               + ((i,) if isinstance(option.source, list) else ())))

    add(_issues(s))

    for oid, outcome in s.outcomes.items():
        add(_predicate(outcome.when, s, ("outcomes", oid, "when")))

    add(_claims(s))
    add(_plans(s))
    add(_backtest(s))

    for iid, intervention in s.interventions.items():
        for i, other in enumerate(intervention.conflicts):
            add(_known("intervention", other, s.interventions, ("interventions", iid, "conflicts", i)))
        if intervention.source is not None:
            refs = [intervention.source] if isinstance(intervention.source, str) else intervention.source
            for ref in refs:
                add(_known("source", ref, s.sources, ("interventions", iid, "source")))
    for i, iid in enumerate(s.applied):
        add(_known("intervention", iid, s.interventions, ("applied", i)))
    return out
