"""Quantal-response decisions: actors choose among their options by expected utility, with noise.

The strategy used for every scenario that declares ``[decisions]``. At the start of each day, for
every deciding actor a, the runs where a decides today (every ``every_days`` days, and on its
triggers, while the fighting goes on) are handled at once:

1. **Projection** (:mod:`.projection`): for each available option o, the control of places after
   ``H = decision-horizon`` days of the recent trend (times the option's advance multipliers; a
   ceasefire option freezes the line), a's losses of each kind over H days, and the distribution
   of the highest escalation rung (:func:`.escalation.climb_distribution`, from the rung the
   option puts the run on).
2. **Utility** of option o to faction f of actor a, in units of a's largest stake ``s_a``::

       U_f(o) = [ S(o) + T(o) - (1 - h_f)(C(o) + E(o) + X(o)) + (1 + h_f) R(o) ] / s_a

   - S: stakes, ``sum_k stake_k P(outcome k)``, the scenario's outcome predicates evaluated on
     the projected state at each rung level, weighted by the rung distribution;
   - T: territory, ``territory_a x`` the value-weighted share of places a's camp holds;
   - C: losses, ``2 (1 - resolve_a) s_a sum_kind projected_kind / tolerance_kind``: losses equal
     to the cost tolerance weigh as much as the largest stake at resolve 0.5;
   - E: escalation risk, ``escalation-weight x s_a x sum over rungs above today's of
     P(rung) x severity / 60``: rungs scored by the escalation table (60 is its top class);
   - X: linked theatres, ``s_a x sum_t exposure_t x P(a rung that spills over)``;
   - R: credibility, ``reputation_a x credibility(o) x s_a``;
   - h_f: the faction's hawkishness (-1 dove ... +1 hawk): hawks discount costs and value
     credibility. An actor without factions is one faction with h = 0.
3. **Choice** (:mod:`.choice`): logit probabilities per faction with ``rationality`` lambda, mixed
   by faction weight; one uniform number per actor, run and day (always drawn, so runs keep their
   random numbers whatever the block) picks the option.
4. **Effects** patch the state: rules of engagement (``fires_on_add/remove``), commitments,
   activated forces (a ground formation goes to attack posture; an air wing or drone unit to full
   commitment), escalation (``escalate_to``, one rung at a time).
5. **Ceasefire**: an actor that chose a ceasefire option stands by it until its next decision.
   The fighting stops on the day every principal sponsor that has a ceasefire option stands by
   one - and those principals belong to at least two hostile camps. The line (control) and the
   battlefield's update of bargaining capability are recorded that day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from flashpoint.engine.draws import Draws, RunDraws
from flashpoint.engine.outcomes import FinalState, compile_outcomes
from flashpoint.engine.rng import Streams
from flashpoint.engine.state import State
from flashpoint.engine.strategy.choice import faction_mixture, logit_probabilities, sample_choice
from flashpoint.engine.strategy.escalation import (
    DECISION,
    climb_distributions,
    may_escalate_to,
    reach,
)
from flashpoint.engine.strategy.projection import (
    AIR_KINDS,
    TOLERANCE_FIELDS,
    TRACKED,
    Trend,
    project_options,
)
from flashpoint.engine.strategy.settlement import capability_multipliers, place_weights, strength_snapshot, value_share
from flashpoint.engine.theatre import POSTURES, CompiledTheatre
from flashpoint.scenario.distributions import is_uncertain
from flashpoint.scenario.schema import METRIC_KINDS, Predicate

ATTACK = POSTURES.index("attack")
SEVERITY_TOP = 60.0
"""Score of the escalation table's most severe class (nuclear; source ``escalation-table`` in
``engine/parameters.toml``, the table shipped in ``scenario/data/escalation``): severities are read
against it."""
PROJECTION_FIELDS = ("own_advance", "enemy_advance", "own_losses", "air_losses", "escalation_risk")


def decision_inputs(th: CompiledTheatre) -> dict[str, Any]:
    """The uncertain inputs the decisions draw per run, path -> distribution, in the order they are
    drawn: each rung's climb risk (by position), then for each deciding actor its options'
    projections and credibility, its stakes, territory, cost tolerance, exposure, factions, the
    options' commitments, its resolve and reputation."""
    s = th.scenario
    out: dict[str, Any] = {f"escalation.rungs.{i}.climb_risk": r.climb_risk for i, r in enumerate(s.escalation.rungs)}
    for aid, spec in s.decisions.items():
        actor, opts = s.actors[aid], spec.options.items()
        out.update({f"decisions.{aid}.options.{oid}.projection.{f}": getattr(o.projection, f)
                    for f in PROJECTION_FIELDS for oid, o in opts})
        out.update({f"decisions.{aid}.options.{oid}.credibility": o.credibility for oid, o in opts})
        out.update({f"actors.{aid}.stakes.{oid}": q for oid, q in actor.stakes.items()})
        out[f"actors.{aid}.territory"] = actor.territory
        out.update({f"actors.{aid}.cost_tolerance.{f}": getattr(actor.cost_tolerance, f) for f in TOLERANCE_FIELDS})
        out.update({f"actors.{aid}.exposure.{tid}": q for tid, q in actor.exposure.items()})
        for attr in ("weight", "hawkishness"):
            out.update({f"actors.{aid}.factions.{fid}.{attr}": getattr(f, attr) for fid, f in actor.factions.items()})
        for attr in ("air_commitment", "ground_commitment"):
            out.update({f"decisions.{aid}.options.{oid}.effects.{attr}": getattr(o.effects, attr) for oid, o in opts
                        if getattr(o.effects, attr) is not None})
        out[f"actors.{aid}.resolve"] = actor.resolve
        out[f"actors.{aid}.reputation"] = actor.reputation
    return {path: q for path, q in out.items() if is_uncertain(q)}


def decision_table(th: CompiledTheatre) -> list[tuple[str, list[str]]]:
    """Deciding actors and their options, in the scenario's order (the layout of ``st.chosen``)."""
    return [(aid, list(spec.options)) for aid, spec in th.scenario.decisions.items()]


def _metric_keys(p: Predicate | None, out: set[str]) -> set[str]:
    if p is None:
        return out
    if p.metric is not None:
        out.add(p.metric.key)
    for sub in (p.all or []) + (p.any or []):
        _metric_keys(sub, out)
    _metric_keys(p.not_, out)
    return out


def _reads_rung(p: Predicate | None) -> bool:
    """Whether the predicate looks at the escalation rung (the only part of a projected state that
    differs between the rung levels of the climb distribution)."""
    if p is None:
        return False
    return (p.escalation_at_least is not None or any(_reads_rung(sub) for sub in (p.all or []) + (p.any or []))
            or _reads_rung(p.not_))


@dataclass
class ActorPlan:
    """One deciding actor, compiled: option effects as arrays, per-run draws of its attributes."""

    name: str
    index: int
    camp: int
    options: list[str]
    every: int | None
    triggers: list
    ceasefire: np.ndarray            # (O,) bool
    escalate: np.ndarray             # (O,) rung index or -1
    requires: np.ndarray             # (O,) rung index or -1
    fires_add: list[np.ndarray]
    fires_remove: list[np.ndarray]
    air_commit: list[np.ndarray | None]
    ground_commit: list[np.ndarray | None]
    act_ground: list[np.ndarray]
    act_air: list[np.ndarray]
    act_drones: list[np.ndarray]
    proj: dict[str, np.ndarray]      # field -> (O, R)
    credibility: np.ndarray          # (R, O)
    stakes: np.ndarray               # (R, n_outcomes)
    territory: np.ndarray            # (R,)
    unit: np.ndarray                 # (R,)
    tolerance: np.ndarray            # (R, 4)
    resolve: np.ndarray
    reputation: np.ndarray
    exposure: np.ndarray             # (R,) sum over linked theatres
    faction_w: np.ndarray            # (R, F) rows sum to 1
    faction_h: np.ndarray            # (R, F)
    principal: bool
    own_metrics: list[tuple[str, int]] = field(default_factory=list)   # metric key, index in TRACKED

    # per-run terms of the utility that do not change from day to day
    @cached_property
    def credit(self) -> np.ndarray:
        """(R, O) reputation x credibility x unit."""
        return self.reputation[:, None] * self.credibility * self.unit[:, None]

    @cached_property
    def tolerance_floor(self) -> np.ndarray:
        """(R, 4) cost tolerance, at least 1e-9."""
        return np.maximum(self.tolerance, 1e-9)

    @cached_property
    def kappa(self) -> np.ndarray:
        """(R,) weight of the losses, 2 (1 - resolve)."""
        return 2.0 * (1.0 - self.resolve)


class QuantalResponse:
    """Expected-utility decisions with logit noise, for the scenario's ``[decisions]``."""

    name = "quantal-response"

    def __init__(self, th: CompiledTheatre, st: State, draws: Draws, run: RunDraws):
        s = th.scenario
        self.th = th
        self.params = draws.params       # every model parameter, (R,) per run
        self.outcome_ids = list(s.outcomes)
        evaluators = compile_outcomes(th)
        self.evaluators = [evaluators[o] for o in self.outcome_ids]
        self.by_rung = np.array([_reads_rung(s.outcomes[o].when) for o in self.outcome_ids], dtype=bool)
        self.metric_keys = sorted(set().union(*[_metric_keys(o.when, set()) for o in s.outcomes.values()]))
        # the metrics outcomes read of an actor: key -> (metric kind, actor index)
        self.metric_losses = {k: (k.split(".")[1], th.actor_index(k.split(".")[0])) for k in self.metric_keys
                              if k.split(".")[1] in METRIC_KINDS and k.split(".")[0] in th.actors}
        hostile = np.zeros((len(th.camps), len(th.camps)), dtype=bool)
        for cid, camp in s.camps.items():
            for other in camp.hostile_to:
                hostile[th.camps.index(cid), th.camps.index(other)] = True
        self.camp_hostile = hostile | hostile.T
        self.rungs = s.escalation.rungs
        self.n_rungs = len(self.rungs)
        self.severity = np.array([r.severity for r in self.rungs], dtype=float)
        self.spills = np.array([r.spills_over for r in self.rungs], dtype=bool)
        self.climb = (np.stack([draws.value(f"escalation.rungs.{i}.climb_risk", r.climb_risk)
                                for i, r in enumerate(self.rungs)], axis=1)
                      if self.rungs else np.zeros((st.n, 0)))
        self.value = place_weights(th)
        self.plans = [self._plan(th, draws, aid, spec) for aid, spec in s.decisions.items()]
        self.n_options = max((len(p.options) for p in self.plans), default=0)
        st.chosen = np.zeros((st.n, len(self.plans), self.n_options), dtype=bool)
        self.accepts = np.zeros((st.n, len(self.plans)), dtype=bool)
        self.trend = Trend(th, st, run.legs.length_km, self.params["trend-days"],
                           np.array([p.index for p in self.plans], dtype=np.int64))
        triggers = [t for plan in self.plans for t in plan.triggers]
        self.watch = {t.on for t in triggers}
        self.watch_losses = sorted({t.quantity for t in triggers if t.on == "losses"})
        self._remember(th, st)
        self.start_strength = strength_snapshot(th, st, self.params)
        self.start_control = st.control.copy()
        self.cease_ready = self._ceasefire_parties(th)
        st.ceasefire_control = np.full((st.n, th.n_places), -1, dtype=np.int64)
        st.ceasefire_capability = np.full((st.n, th.n_actors), np.nan)

    # ------------------------------------------------------------------------------ compiling
    def _plan(self, th: CompiledTheatre, draws: Draws, aid: str, spec) -> ActorPlan:
        s = th.scenario
        actor = s.actors[aid]
        a = th.actor_index(aid)
        n = draws.n

        def val(path: str, q) -> np.ndarray:     # the paths of decision_inputs
            return draws.value(path, q)

        opts = list(spec.options.values())
        rung_ids = th.rung_ids
        proj = {f: np.stack([val(f"decisions.{aid}.options.{oid}.projection.{f}", getattr(o.projection, f))
                             for oid, o in spec.options.items()]) for f in PROJECTION_FIELDS}
        cred = np.stack([val(f"decisions.{aid}.options.{oid}.credibility", o.credibility)
                         for oid, o in spec.options.items()], axis=1)
        stakes = np.zeros((n, len(self.outcome_ids)))
        for oid, q in actor.stakes.items():
            stakes[:, self.outcome_ids.index(oid)] = val(f"actors.{aid}.stakes.{oid}", q)
        territory = val(f"actors.{aid}.territory", actor.territory)
        unit = np.max(np.abs(np.concatenate([stakes, territory[:, None]], axis=1)), axis=1)
        unit = np.where(unit > 0, unit, 1.0)
        tol = np.stack([val(f"actors.{aid}.cost_tolerance.{f}", getattr(actor.cost_tolerance, f))
                        for f in TOLERANCE_FIELDS], axis=1)
        exposure = np.zeros(n)
        for tid, q in actor.exposure.items():
            exposure = exposure + val(f"actors.{aid}.exposure.{tid}", q)
        if actor.factions:
            w = np.stack([val(f"actors.{aid}.factions.{fid}.weight", f.weight)
                          for fid, f in actor.factions.items()], axis=1)
            h = np.stack([val(f"actors.{aid}.factions.{fid}.hawkishness", f.hawkishness)
                          for fid, f in actor.factions.items()], axis=1)
            total = w.sum(axis=1, keepdims=True)
            w = np.where(total > 0, w / np.where(total > 0, total, 1.0), 1.0 / w.shape[1])
        else:
            w, h = np.ones((n, 1)), np.zeros((n, 1))

        def idx(ids, table):
            return np.array([table.index(x) for x in ids], dtype=np.int64)

        def commit(o, attr, oid):
            q = getattr(o.effects, attr)
            return None if q is None else val(f"decisions.{aid}.options.{oid}.effects.{attr}", q)

        return ActorPlan(
            name=aid, index=a, camp=int(th.actor_camp[a]), options=list(spec.options),
            every=spec.every_days, triggers=list(spec.triggers),
            ceasefire=np.array([o.effects.ceasefire for o in opts], dtype=bool),
            escalate=np.array([-1 if o.effects.escalate_to is None else rung_ids.index(o.effects.escalate_to)
                               for o in opts], dtype=np.int64),
            requires=np.array([-1 if o.requires is None else rung_ids.index(o.requires) for o in opts],
                              dtype=np.int64),
            fires_add=[idx(o.effects.fires_on_add, th.actors) for o in opts],
            fires_remove=[idx(o.effects.fires_on_remove, th.actors) for o in opts],
            air_commit=[commit(o, "air_commitment", oid) for oid, o in spec.options.items()],
            ground_commit=[commit(o, "ground_commitment", oid) for oid, o in spec.options.items()],
            act_ground=[idx([f for f in o.effects.activate if f in th.formation_ids], th.formation_ids) for o in opts],
            act_air=[idx([f for f in o.effects.activate if f in th.wing_ids], th.wing_ids) for o in opts],
            act_drones=[idx([f for f in o.effects.activate if f in th.drone_ids], th.drone_ids) for o in opts],
            proj=proj, credibility=cred, stakes=stakes, territory=territory, unit=unit, tolerance=tol,
            resolve=val(f"actors.{aid}.resolve", actor.resolve),
            reputation=val(f"actors.{aid}.reputation", actor.reputation),
            exposure=exposure, faction_w=w, faction_h=h, principal=actor.principal,
            own_metrics=[(f"{aid}.{kind}", i) for i, kind in enumerate(TRACKED)
                         if f"{aid}.{kind}" in self.metric_losses],
        )

    def _ceasefire_parties(self, th: CompiledTheatre) -> np.ndarray:
        """Which plans must stand by a ceasefire for the fighting to stop (empty: never)."""
        parties = [i for i, p in enumerate(self.plans) if p.principal and p.ceasefire.any()]
        camps = {self.plans[i].camp for i in parties}
        if not any(self.camp_hostile[c, d] for c in camps for d in camps):
            return np.zeros(0, dtype=np.int64)
        return np.array(parties, dtype=np.int64)

    # ------------------------------------------------------------------------------ each day
    def inputs(self, th: CompiledTheatre) -> dict[str, Any]:
        """The uncertain inputs the decisions draw per run (:func:`decision_inputs`)."""
        return decision_inputs(th)

    def decide(self, th: CompiledTheatre, st: State, rng: Streams) -> None:
        if st.day > 1:
            self.trend.update(th, st, np.flatnonzero(st.fighting))   # nobody decides where it stopped
        uniforms = rng.random(len(self.plans)) if self.plans else None
        fighting = st.fighting
        choices = []
        for j, plan in enumerate(self.plans):
            due = fighting & self._due(th, st, plan)
            idx = np.flatnonzero(due)
            if idx.size == 0:
                choices.append((idx, idx))
                continue
            probs = self.probabilities(st, plan, idx)
            choices.append((idx, sample_choice(probs, uniforms[idx, j])))
        for j, (plan, (idx, pick)) in enumerate(zip(self.plans, choices, strict=True)):
            ok = pick >= 0
            idx, pick = idx[ok], pick[ok]
            if idx.size == 0:
                continue
            st.chosen[idx, j, pick] = True
            self.accepts[idx, j] = plan.ceasefire[pick]
            for o in range(len(plan.options)):
                self._apply(st, plan, o, idx[pick == o])
        self._ceasefire(th, st)
        self._remember(th, st)

    def _remember(self, th: CompiledTheatre, st: State) -> None:
        """What triggers compare tomorrow's state with (what some trigger looks at)."""
        self.prev_camp = th.actor_camp[st.control] if "place-lost" in self.watch else None
        self.prev_aircraft = st.losses.aircraft_lost.copy() if "aircraft-shot-down" in self.watch else None
        self.prev_losses = {k: st.total(k).copy() for k in self.watch_losses}

    def _due(self, th: CompiledTheatre, st: State, plan: ActorPlan) -> np.ndarray:
        n, a, day = st.n, plan.index, st.day
        due = np.full(n, plan.every is not None and day % plan.every == 0)
        for trig in plan.triggers:
            if trig.on == "day":
                due |= day == trig.day
            elif trig.on == "losses":
                now = st.total(trig.quantity)[:, a]
                before = self.prev_losses[trig.quantity][:, a]
                due |= (now >= trig.at_least) & (before < trig.at_least)
            elif trig.on == "place-lost":
                p = th.places.index(trig.place)
                now = th.actor_camp[st.control[:, p]]
                due |= (self.prev_camp[:, p] == plan.camp) & (now != plan.camp)
            elif trig.on == "aircraft-shot-down":
                of = slice(None) if trig.of is None else th.actor_index(trig.of)
                lost = st.losses.aircraft_lost[:, of] > self.prev_aircraft[:, of]
                lost = lost if lost.ndim == 1 else lost.any(axis=1)
                if trig.by is not None:
                    b = th.actor_index(trig.by)
                    hit = st.downed[:, b, of]
                    lost &= hit if hit.ndim == 1 else hit.any(axis=1)
                due |= lost
        return due

    # ------------------------------------------------------------------------------ utilities
    def available(self, st: State, plan: ActorPlan, idx: np.ndarray) -> np.ndarray:
        rung = st.rung[idx]
        ok = np.ones((idx.size, len(plan.options)), dtype=bool)
        for o in range(len(plan.options)):
            if plan.escalate[o] >= 0:
                ok[:, o] &= may_escalate_to(rung, int(plan.escalate[o]))
            if plan.requires[o] >= 0:
                ok[:, o] &= rung >= plan.requires[o]
        return ok

    def utilities(self, st: State, plan: ActorPlan, idx: np.ndarray) -> np.ndarray:
        """(F, n, O) utility of each option to each faction, in units of the largest stake.

        Every option is evaluated at once: the terms are (O, n) arrays, and the outcome predicates
        look at the projected states of all options as O x n rows (option-major)."""
        th = self.th
        n, n_opt = idx.size, len(plan.options)
        rows = n_opt * n
        p = self.params
        horizon = p["decision-horizon"][idx]
        rung = st.rung[idx]
        unit = plan.unit[idx]
        cease = plan.ceasefire[:, None]                                             # (O, 1)
        m = {f: plan.proj[f][:, idx] for f in PROJECTION_FIELDS}                    # (O, n)

        # projection: control, own losses and the rung distribution after H days
        ctrl, moved = project_options(th, st, self.trend, idx, plan.camp, self.camp_hostile[plan.camp], horizon,
                                      m["own_advance"], m["enemy_advance"], plan.ceasefire)   # (O, n, P), (O, n)
        own_loss = self.trend.loss_rates(idx, plan.index)                          # (n, 4)
        mult = np.where(AIR_KINDS, m["air_losses"][:, :, None], m["own_losses"][:, :, None])
        projected = own_loss * horizon[:, None] * mult                              # (O, n, 4)
        projected[plan.ceasefire] = 0.0
        start = np.where(plan.escalate[:, None] < 0, rung, np.maximum(rung, plan.escalate[:, None]))
        risk = np.where(cease, 0.0, m["escalation_risk"])
        dist = climb_distributions(start, self.climb[idx], risk, self.n_rungs)    # (O, n, K)

        # territory: the value share its camp holds (today's where the projection moved no place)
        camp_ctrl = th.actor_camp[ctrl]
        share = np.repeat(value_share(self.value, th.actor_camp[st.control[idx]], plan.camp)[None], n_opt, axis=0)
        share[moved] = value_share(self.value, camp_ctrl[moved], plan.camp)
        territory = plan.territory[idx] * share

        # stakes: the outcomes at each rung level, weighted by the rung distribution (a level no
        # run reaches adds nothing); an outcome that does not look at the rung is evaluated once
        metrics = {k: np.tile(st.total(kind)[idx, a], n_opt) for k, (kind, a) in self.metric_losses.items()}
        for key, i in plan.own_metrics:
            metrics[key] = metrics[key] + projected[:, :, i].ravel()
        cease_day = np.repeat(np.where(plan.ceasefire, st.day, -1), n).astype(np.int64)
        ctrl, camp_ctrl = ctrl.reshape(rows, -1), camp_ctrl.reshape(rows, -1)
        stakes = plan.stakes[idx]                                                   # (n, outcomes)
        stakes_value = np.zeros((n_opt, n))
        levels = np.flatnonzero(dist.sum(axis=(0, 1)) > 0) if self.n_rungs else np.array([0])
        hit = np.zeros((rows, len(self.evaluators)), dtype=bool)
        for step, lv in enumerate(levels):
            final = FinalState(ctrl, camp_ctrl, np.full(rows, lv, dtype=np.int64), cease_day, metrics)
            fresh = step == 0
            for k, ev in enumerate(self.evaluators):
                if step == 0 or self.by_rung[k]:
                    now = ev(final)
                    if not fresh and np.array_equal(now, hit[:, k]):
                        continue
                    hit[:, k] = now
                    fresh = True
            if fresh:
                value = (hit.reshape(n_opt, n, len(self.evaluators)) * stakes).sum(axis=2)
            stakes_value += (dist[:, :, lv] if self.n_rungs else 1.0) * value

        # costs: losses, escalation risk and linked theatres (a ceasefire option risks no escalation)
        above = np.arange(self.n_rungs)[None, :] > rung[:, None]                   # (n, K)
        escalation = 0.0 if not self.n_rungs else np.where(
            cease, 0.0, p["escalation-weight"][idx] * unit * (dist * above * self.severity).sum(axis=2) / SEVERITY_TOP)
        linked = 0.0 if not self.spills.any() else np.where(
            cease, 0.0, unit * plan.exposure[idx] * dist[:, :, self.spills].sum(axis=2))
        losses = plan.kappa[idx] * unit * (projected / plan.tolerance_floor[idx]).sum(axis=2)
        gains = (stakes_value + territory).T                                        # (n, O)
        costs = (losses + escalation + linked).T
        h = plan.faction_h[idx].T[:, :, None]                                      # (F, n, 1)
        total = gains[None] - (1 - h) * costs[None] + (1 + h) * plan.credit[idx][None]
        return total / unit[None, :, None]

    def probabilities(self, st: State, plan: ActorPlan, idx: np.ndarray) -> np.ndarray:
        """(n, O) choice probabilities of ``plan``'s actor in runs ``idx``."""
        u = self.utilities(st, plan, idx)
        ok = self.available(st, plan, idx)
        lam = self.params["rationality"][idx]
        n_f, n, n_opt = u.shape
        per_faction = logit_probabilities(u.reshape(n_f * n, n_opt), np.tile(lam, n_f), np.tile(ok, (n_f, 1)))
        return faction_mixture(per_faction.reshape(n_f, n, n_opt), plan.faction_w[idx])

    # ------------------------------------------------------------------------------ effects
    def _apply(self, st: State, plan: ActorPlan, o: int, idx: np.ndarray) -> None:
        if idx.size == 0:
            return
        a = plan.index
        if plan.escalate[o] >= 0:
            mask = np.zeros(st.n, dtype=bool)
            mask[idx] = True
            reach(st, int(plan.escalate[o]), mask, DECISION)
        if plan.fires_add[o].size:
            st.fires_on[np.ix_(idx, [a], plan.fires_add[o])] = True
        if plan.fires_remove[o].size:
            st.fires_on[np.ix_(idx, [a], plan.fires_remove[o])] = False
        if plan.air_commit[o] is not None:
            st.air_commitment[idx, a] = plan.air_commit[o][idx]
        if plan.ground_commit[o] is not None:
            st.ground_commitment[idx, a] = plan.ground_commit[o][idx]
        if plan.act_ground[o].size:
            st.formations.posture[np.ix_(idx, plan.act_ground[o])] = ATTACK
        if plan.act_air[o].size:
            st.wings.commitment[np.ix_(idx, plan.act_air[o])] = 1.0
        if plan.act_drones[o].size:
            st.drone_units.commitment[np.ix_(idx, plan.act_drones[o])] = 1.0

    def _ceasefire(self, th: CompiledTheatre, st: State) -> None:
        if self.cease_ready.size == 0:
            return
        agree = st.fighting & self.accepts[:, self.cease_ready].all(axis=1)
        if not agree.any():
            return
        st.ceasefire_day[agree] = st.day
        st.ceasefire_control[agree] = st.control[agree]
        st.ceasefire_capability[agree] = capability_multipliers(
            th, st, self.params, np.flatnonzero(agree), self.start_strength, self.start_control)
