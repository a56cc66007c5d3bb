"""The scenario data model (pydantic v2): what a crisis file may say, field by field.

Field-level rules (types, ranges, allowed words) live here, one module per part of the file:
:mod:`.base` (identifiers, quantities within limits, the strict base model, ``[parameters]``),
:mod:`.setting` (meta, sources, camps, actors, theatres, places, routes, posts), :mod:`.forces`,
:mod:`.plans` (operational plans), :mod:`.decisions` (interventions, decisions, escalation, issues,
bargaining) and :mod:`.outcomes` (outcomes, claims, backtest). Rules that relate one part of the
file to another (an actor named by a force must exist, a route must join known places, ...) live in
:mod:`flashpoint.scenario.references`.
``docs/scenario-format.md`` is the reference for users.
"""

from __future__ import annotations

from pydantic import Field

from flashpoint.scenario.schema.base import (
    ID_PATTERN,
    MAX_DAY,
    Count,
    Date,
    Day,
    Id,
    Model,
    Parameter,
    Probability,
    Q,
    Share,
    Sourced,
    SourceRef,
)
from flashpoint.scenario.schema.decisions import (
    LOSS_KINDS,
    METRIC_KINDS,
    TALLY_KINDS,
    Bargaining,
    BattlefieldLine,
    DecisionSpec,
    Effects,
    Escalation,
    Intervention,
    Issue,
    LossKind,
    MetricKind,
    Option,
    Projection,
    Rung,
    RungTrigger,
    TriggerAircraftDown,
    TriggerDay,
    TriggerLosses,
    TriggerPlaceLost,
)
from flashpoint.scenario.schema.forces import (
    Adaptation,
    AirDefenceBattery,
    AirWing,
    DroneUnit,
    Forces,
    GroundFormation,
    Jammer,
)
from flashpoint.scenario.schema.outcomes import (
    Backtest,
    BacktestEvent,
    BacktestLoss,
    Claim,
    ClaimCompare,
    HoldsSpec,
    MetricSpec,
    Outcome,
    Predicate,
    RouteHeldSpec,
)
from flashpoint.scenario.schema.plans import Axis, Objective, Plan, Reserve
from flashpoint.scenario.schema.setting import (
    Actor,
    Camp,
    CostTolerance,
    Faction,
    Meta,
    Place,
    Post,
    Route,
    Source,
    Theatre,
)

__all__ = [
    "ID_PATTERN", "LOSS_KINDS", "MAX_DAY", "METRIC_KINDS", "TALLY_KINDS", "Q", "Actor", "Adaptation",
    "AirDefenceBattery", "AirWing", "Axis", "Backtest", "BacktestEvent", "BacktestLoss", "Bargaining",
    "BattlefieldLine", "Camp", "Claim", "ClaimCompare", "CostTolerance", "Count", "Date", "Day", "DecisionSpec",
    "DroneUnit", "Effects", "Escalation", "Faction", "Forces", "GroundFormation", "HoldsSpec", "Id", "Intervention",
    "Issue", "Jammer", "LossKind", "Meta", "MetricKind", "MetricSpec", "Model", "Objective", "Option", "Outcome",
    "Parameter", "Place", "Plan", "Post", "Predicate", "Probability", "Projection", "Reserve", "Route",
    "RouteHeldSpec", "Rung", "RungTrigger", "Scenario", "Share", "Source", "SourceRef", "Sourced", "Theatre",
    "TriggerAircraftDown", "TriggerDay", "TriggerLosses", "TriggerPlaceLost",
]


# ----------------------------------------------------------------------------------- scenario
class Scenario(Model):
    """A whole crisis: who, where, with what, what may change, and what we ask of the futures."""

    meta: Meta
    sources: dict[Id, Source] = Field(min_length=1)
    camps: dict[Id, Camp] = Field(min_length=2)
    theatres: dict[Id, Theatre] = Field(default_factory=dict)
    actors: dict[Id, Actor] = Field(min_length=2)
    places: dict[Id, Place] = Field(min_length=1)
    routes: dict[Id, Route] = Field(default_factory=dict)
    control: dict[Id, Id] = Field(default_factory=dict)
    posts: dict[Id, Post] = Field(default_factory=dict)
    forces: Forces = Field(default_factory=Forces)
    parameters: dict[Id, Parameter] = Field(default_factory=dict)
    plans: dict[Id, Plan] = Field(default_factory=dict, description="each side's operational plan")
    interventions: dict[Id, Intervention] = Field(default_factory=dict)
    decisions: dict[Id, DecisionSpec] = Field(default_factory=dict)
    escalation: Escalation = Field(default_factory=Escalation)
    bargaining: Bargaining | None = None
    issues: dict[Id, Issue] = Field(default_factory=dict)
    outcomes: dict[Id, Outcome] = Field(default_factory=dict)
    claims: dict[Id, Claim] = Field(default_factory=dict,
                                    description="statements of the sources, tested against the futures")
    backtest: Backtest | None = Field(None, description="what history recorded, scored by flashpoint backtest")
    applied: list[Id] = Field(default_factory=list,
                              description="interventions already applied to this scenario")

    def apply(self, *names: str) -> Scenario:
        """A copy of the scenario with the named interventions applied, in order (``flashpoint.load``
        returns a :class:`flashpoint.api.Study`, which also runs)."""
        from flashpoint.scenario.interventions import apply_interventions  # that module imports this one

        return apply_interventions(self, names)

    def to_toml(self) -> str:
        """The scenario as a TOML document that loads back to an equal scenario."""
        # cycle: the loader imports the schema
        from flashpoint.scenario.loader import dump_toml

        return dump_toml(self)

    def camp_of(self, actor: str) -> str:
        return self.actors[actor].camp


Predicate.model_rebuild()
