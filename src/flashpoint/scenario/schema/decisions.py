"""What may change: interventions, the actors' decisions and their triggers, escalation, political issues
and bargaining."""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import (
    Field,
)

from flashpoint.scenario.schema.base import MAX_DAY, Day, Id, Model, Probability, Q, Share, Sourced, SourceRef


# ------------------------------------------------------------------------------- interventions
class Intervention(Model):
    """A named patch of the scenario: values to set (or add) and entries to remove."""

    description: str = Field(min_length=1)
    set: dict[str, Any] = Field(default_factory=dict)
    remove: list[str] = Field(default_factory=list)
    conflicts: list[Id] = Field(default_factory=list)
    source: SourceRef | None = None


# ----------------------------------------------------------------------------------- decisions
LossKind = Literal["personnel_killed", "personnel_lost", "tanks_lost", "ifvs_lost", "artillery_lost", "aircraft_lost",
                   "uav_lost", "air_defence_lost"]
LOSS_KINDS: tuple[str, ...] = get_args(LossKind)
"""The losses the engine records for every actor (metric keys are ``actor.kind``): ``personnel_lost``
counts everyone put out of action (killed, wounded, missing, captured), ``personnel_killed`` the dead
among them."""
TallyKind = Literal["aircraft_lost_to_air_defence", "aircraft_lost_to_fighters", "uav_lost_to_air_defence",
                    "uav_lost_to_fighters", "munitions_used", "air_defence_lost_to_drones"]
TALLY_KINDS: tuple[str, ...] = get_args(TallyKind)
"""What the air mechanisms count for every actor (losses by cause, loitering munitions used,
batteries destroyed by drones; docs/model.md, "Air", 9), counted by a scenario that uses a
mechanism or names one of them."""
MetricKind = Literal[LossKind, TallyKind]
METRIC_KINDS: tuple[str, ...] = LOSS_KINDS + TALLY_KINDS
"""Every quantity a metric key (``actor.kind``) may name: what ``summary.json`` can report."""


class TriggerLosses(Model):
    on: Literal["losses"]
    quantity: MetricKind
    at_least: float = Field(gt=0)


class TriggerPlaceLost(Model):
    on: Literal["place-lost"]
    place: Id


class TriggerAircraftDown(Model):
    on: Literal["aircraft-shot-down"]
    by: Id | None = Field(None, description="only aircraft shot down by this actor")
    of: Id | None = Field(None, description="only aircraft of this actor")


class TriggerDay(Model):
    on: Literal["day"]
    day: Day


Trigger = Annotated[TriggerLosses | TriggerPlaceLost | TriggerAircraftDown | TriggerDay,
                    Field(discriminator="on")]


class Effects(Model):
    """What choosing an option does to the running campaign."""

    ceasefire: bool = False
    escalate_to: Id | None = None
    fires_on_add: list[Id] = Field(default_factory=list)
    fires_on_remove: list[Id] = Field(default_factory=list)
    air_commitment: Share | None = None
    ground_commitment: Share | None = None
    activate: list[Id] = Field(
        default_factory=list,
        description="forces held back until chosen: a ground formation goes to attack posture, an air wing "
                    "or drone unit to full commitment")


class Projection(Model):
    """How the deciding actor expects an option to change the trend of the last days: a small
    look-up of multipliers (1 = no change), so that choosing needs no simulation of its own."""

    own_advance: Q(0.0, 100.0) = Field(1.0, description="x the advance of the actor's camp")
    enemy_advance: Q(0.0, 100.0) = Field(1.0, description="x the advance of the camps hostile to it")
    own_losses: Q(0.0, 100.0) = Field(1.0, description="x the actor's personnel and equipment losses")
    air_losses: Q(0.0, 100.0) = Field(1.0, description="x the actor's aircraft and drone losses")
    escalation_risk: Q(0.0, 100.0) = Field(
        1.0, description="x the chance of climbing to the next escalation rung (the rung's climb_risk)")


class Option(Model):
    description: str = ""
    effects: Effects = Field(default_factory=Effects)
    projection: Projection = Field(default_factory=Projection)
    credibility: Q(-1.0, 1.0) = Field(
        0.0, description="what choosing it does to the actor's credibility: -1 a public climb-down, "
                         "+1 a threat carried out; weighed by the actor's reputation at stake")
    requires: Id | None = Field(None, description="only available once the run has reached this rung")
    source: SourceRef | None = None
    note: str | None = None


class DecisionSpec(Model):
    every_days: int | None = Field(None, ge=1, le=MAX_DAY)
    triggers: list[Trigger] = Field(default_factory=list)
    options: dict[Id, Option] = Field(min_length=1)


class RungTrigger(Model):
    """A rung is reached on the first day one of ``by`` fires on (or downs an aircraft of) one of ``on``."""

    by: list[Id] = Field(min_length=1)
    on: list[Id] = Field(min_length=1)
    what: Literal["fire", "aircraft-kill"] = "fire"
    mutual: bool = Field(False, description="both directions must have happened (by the end of a day)")


class Rung(Sourced):
    id: Id
    name: str
    severity: float = Field(ge=0)
    action: str | None = Field(None, description="the matching action of the escalation table")
    description: str = ""
    reached_when: RungTrigger | None = None
    climb_risk: Probability = Field(
        0.0, description="what actors believe: the chance that, from this rung, the crisis climbs to the "
                         "next one within their projection horizon")
    spills_over: bool = Field(False, description="at this rung the crisis reaches the linked theatres")


class Escalation(Model):
    rungs: list[Rung] = Field(default_factory=list)


# ------------------------------------------------------------------------- political issues
class BattlefieldLine(Model):
    """Where the fighting puts an issue: 100 x the value-weighted share of ``places`` that ``camp``
    holds (0 when it holds none of them)."""

    camp: Id
    places: list[Id] = Field(min_length=1)


class Issue(Sourced):
    """One dimension of the political bargain, on a 0-100 scale, with each actor's position and
    salience (percent of its attention, at most 100 in total over the issues)."""

    name: str = Field(min_length=1)
    description: str = ""
    low: str = Field("", description="what position 0 means")
    high: str = Field("", description="what position 100 means")
    positions: dict[Id, Q(0.0, 100.0)]
    salience: dict[Id, Q(0.0, 100.0)]
    battlefield: BattlefieldLine | None = Field(
        None, description="the issue's position implied by control of places (e.g. the ceasefire line)")


class Bargaining(Sourced):
    """The settlement model: which bargaining model, and the actors' capabilities before the
    battlefield updates them."""

    model: Literal["smp", "bdm"] = "smp"
    capability: dict[Id, Q(0.0, 1e9)] = Field(min_length=2)


