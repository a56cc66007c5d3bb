"""The scenario data model (pydantic v2): what a crisis file may say, field by field.

Field-level rules (types, ranges, allowed words) live here; rules that relate one part of the
file to another (an actor named by a force must exist, a route must join known places, ...) live
in :mod:`flashpoint.scenario.references`. ``docs/scenario-format.md`` is the reference for users.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from functools import partial
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from flashpoint.scenario.distributions import Quantity, quantity_bounds

ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
"""Identifiers are kebab-case slugs: lower-case letters and digits joined by single hyphens."""

SourceRef = str | list[str]


def _in_range(lo: float, hi: float, q: Any) -> Any:
    a, b = quantity_bounds(q)
    if math.isnan(a) or math.isnan(b):
        raise ValueError("must be a number, not NaN")
    if a < lo or b > hi:
        allowed = f"between {lo:g} and {hi:g}" if hi < math.inf else f"at least {lo:g}"
        if a == b:
            raise ValueError(f"must be {allowed}")
        raise ValueError(f"the distribution ranges from {a:g} to {b:g}; values must be {allowed}")
    return q


def Q(lo: float = 0.0, hi: float = math.inf):  # noqa: N802 - reads as a type
    """A quantity (number or distribution) whose every possible value lies in [lo, hi]."""
    return Annotated[Quantity, AfterValidator(partial(_in_range, lo, hi))]


Count = Q(0.0)
Share = Q(0.0, 1.0)
Probability = Q(0.0, 1.0)


def _iso_date(value: Any) -> Any:
    """A date written as ISO text ("2020-02-01") is a date too (strict fields refuse text otherwise)."""
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    return value


Date = Annotated[dt.date, BeforeValidator(_iso_date)]

MAX_DAY = 3650
"""The last day a scenario may name (ten years, the longest horizon)."""

Day = Annotated[int, Field(ge=0, le=MAX_DAY)]


class Model(BaseModel):
    # strict: a number is written as a number (no `true`, no "30"); finite: no inf or nan
    model_config = ConfigDict(extra="forbid", populate_by_name=True, strict=True, allow_inf_nan=False)


class Sourced(Model):
    source: SourceRef = Field(description="id(s) of entries in [sources] that back the numbers")
    note: str | None = None


# ----------------------------------------------------------------------------------------- meta
class Meta(Model):
    id: Id
    title: str = Field(min_length=1)
    description: str = ""
    start: Date
    horizon_days: int = Field(ge=1, le=MAX_DAY)
    question: str = ""
    key_places: list[Id] = Field(default_factory=list, description="places the answer reports first")


class Source(Model):
    citation: str = Field(min_length=1)
    url: str | None = None
    file: str | None = Field(None, description="shipped data file and row, e.g. idlib/places.csv#Saraqib")
    accessed: Date | None = None


class Camp(Model):
    name: str
    hostile_to: list[Id] = Field(default_factory=list)


class Theatre(Sourced):
    name: str
    description: str = ""


# --------------------------------------------------------------------------------------- actors
class Faction(Model):
    name: str
    weight: Share
    hawkishness: Q(-1.0, 1.0) = 0.0
    description: str = ""


class CostTolerance(Model):
    """How many losses of each kind the actor accepts before they weigh as much as its stakes."""

    personnel: Count = 1000.0
    aircraft: Count = 10.0
    uav: Count = 20.0
    air_defence: Count = 10.0


class Actor(Sourced):
    name: str
    camp: Id
    kind: Literal["state", "non-state"] = "state"
    principal: bool = Field(False, description="a principal sponsor whose consent ends the war")
    stakes: dict[Id, Q(-1000.0, 1000.0)] = Field(default_factory=dict)
    territory: Q(0.0, 1000.0) = Field(
        0.0, description="what holding every place (weighted by value) is worth, in the units of stakes")
    cost_tolerance: CostTolerance = Field(default_factory=CostTolerance)
    resolve: Share = 0.5
    reputation: Share = 0.0
    exposure: dict[Id, Share] = Field(default_factory=dict)
    factions: dict[Id, Faction] = Field(default_factory=dict)
    fires_on: list[Id] | None = Field(
        None, description="actors this one engages; default: every actor of a hostile camp")


# ---------------------------------------------------------------------------------- geography
PlaceKind = Literal[
    "city", "town", "village", "airbase", "observation-post", "crossing", "high-ground", "port", "sea"]
Terrain = Literal["urban", "open", "mixed", "rough", "mountain"]


class Place(Sourced):
    name: str
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    kind: PlaceKind
    terrain: Terrain = "mixed"
    value: float = Field(1.0, ge=0, description="what holding it is worth, relative to a town")
    country: str | None = None


class Route(Sourced):
    name: str
    road: str = Field(description="road name, e.g. M4")
    kind: Literal["motorway", "road", "track"] = "road"
    places: list[Id] = Field(min_length=2)
    lengths_km: list[Annotated[float, Field(gt=0)]] | None = Field(
        None, description="length of each leg; default: great-circle distance x road_factor")


class Post(Sourced):
    place: Id
    actor: Id
    personnel: Count = 0.0


# ------------------------------------------------------------------------------------- forces
Posture = Literal["attack", "defend", "hold", "reserve"]
Mission = Literal["counter-air", "sead", "cas", "interdiction", "strike"]


class GroundFormation(Sourced):
    name: str
    owner: Id
    place: Id
    personnel: Count
    tanks: Count = 0.0
    ifvs: Count = 0.0
    artillery: Count = 0.0
    quality: Q(0.1, 5.0) = 1.0
    morale: Share = 0.7
    posture: Posture = "defend"
    breakpoint: Share = Field(0.3, description="share of strength lost at which it breaks")
    commitment: Share = Field(1.0, description="share of the formation that fights")
    pulls_out: bool = Field(False, description="withdraws rather than fight a superior attack")
    arrives_day: Day = 0


class AirWing(Sourced):
    name: str
    owner: Id
    base: Id
    aircraft_type: str
    aircraft: Count
    sortie_rate: Q(0.0, 10.0) = Field(description="sorties per available aircraft per day")
    missions: dict[Mission, Annotated[float, Field(ge=0)]] = Field(min_length=1)
    range_km: float = Field(gt=0)
    air_to_air: Probability = Field(0.0, description="kill probability per counter-air engagement")
    strike_kills: Count = Field(0.0, description="ground kills (personnel) per CAS/strike sortie")
    sead_kills: Probability = Field(0.0, description="probability a SEAD sortie kills a battery")
    commitment: Share = 1.0
    arrives_day: Day = 0


class DroneUnit(Sourced):
    name: str
    owner: Id
    base: Id
    drone_type: str
    count: Count
    sorties_per_day: Q(0.0, 10.0) = 1.0
    endurance_h: float = Field(gt=0)
    strike_kills: Count = Field(0.0, description="ground kills (personnel) per drone sortie")
    armour_kills: Count = Field(0.0, description="tanks, IFVs or guns destroyed per sortie")
    sead_kills: Probability = Field(0.0, description="probability a sortie kills a battery")
    range_km: float = Field(gt=0)
    commitment: Share = 1.0
    arrives_day: Day = 0


class AirDefenceBattery(Sourced):
    name: str
    owner: Id
    place: Id
    system: str
    range_km: float = Field(gt=0)
    engagement_prob: Probability
    kill_prob: Probability
    missiles: Count
    reload_per_day: Count = 0.0
    arrives_day: Day = 0


class Forces(Model):
    ground: dict[Id, GroundFormation] = Field(default_factory=dict)
    air: dict[Id, AirWing] = Field(default_factory=dict)
    drones: dict[Id, DroneUnit] = Field(default_factory=dict)
    air_defence: dict[Id, AirDefenceBattery] = Field(default_factory=dict)


# ------------------------------------------------------------------------------- model constants
class Parameter(Sourced):
    value: Quantity
    unit: str = ""
    description: str = ""
    low: float | None = Field(None, description="smallest value --set may give")
    high: float | None = Field(None, description="largest value --set may give")

    @model_validator(mode="after")
    def _value_within_limits(self) -> Parameter:
        for name in ("low", "high"):
            if getattr(self, name) is not None and math.isnan(getattr(self, name)):
                raise ValueError(f"{name} must be a number, not NaN")
        lo = -math.inf if self.low is None else self.low
        hi = math.inf if self.high is None else self.high
        if lo >= hi:
            raise ValueError(f"low ({lo:g}) must be below high ({hi:g})")
        _in_range(lo, hi, self.value)
        return self

    def limits(self) -> tuple[float, float]:
        lo = -math.inf if self.low is None else self.low
        hi = math.inf if self.high is None else self.high
        return lo, hi


# ------------------------------------------------------------------------------- interventions
class Intervention(Model):
    """A named patch of the scenario: values to set (or add) and entries to remove."""

    description: str = Field(min_length=1)
    set: dict[str, Any] = Field(default_factory=dict)
    remove: list[str] = Field(default_factory=list)
    conflicts: list[Id] = Field(default_factory=list)
    source: SourceRef | None = None


# ----------------------------------------------------------------------------------- decisions
LossKind = Literal["personnel_killed", "tanks_lost", "ifvs_lost", "artillery_lost", "aircraft_lost", "uav_lost",
                   "air_defence_lost"]
LOSS_KINDS: tuple[str, ...] = get_args(LossKind)
"""The losses the engine records for every actor (metric keys are ``actor.kind``)."""


class TriggerLosses(Model):
    on: Literal["losses"]
    quantity: LossKind
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


# ----------------------------------------------------------------------------------- outcomes
class HoldsSpec(Model):
    camp: Id
    places: list[Id] = Field(min_length=1)
    share: float = Field(1.0, gt=0, le=1, description="share of the places (by count) to hold")


class RouteHeldSpec(Model):
    route: Id
    camp: Id | None = Field(None, description="default: any single camp (the road is not cut)")


class MetricSpec(Model):
    key: str = Field(pattern=r"^[a-z0-9-]+\.[a-z_]+$")
    at_least: float | None = None
    at_most: float | None = None

    @model_validator(mode="after")
    def _one_bound(self) -> MetricSpec:
        if self.at_least is None and self.at_most is None:
            raise ValueError("give at_least, at_most or both")
        return self


class Predicate(Model):
    """Exactly one of the forms below; ``all``, ``any`` and ``not`` combine predicates."""

    holds: HoldsSpec | None = None
    route_held: RouteHeldSpec | None = None
    escalation_at_least: Id | None = None
    metric: MetricSpec | None = None
    ceasefire: bool | None = None
    all: list[Predicate] | None = None
    any: list[Predicate] | None = None
    not_: Predicate | None = Field(None, alias="not")

    @model_validator(mode="after")
    def _exactly_one(self) -> Predicate:
        given = [name for name in type(self).model_fields if getattr(self, name) is not None]
        if len(given) != 1:
            forms = "holds, route_held, escalation_at_least, metric, ceasefire, all, any, not"
            raise ValueError(f"give exactly one of {forms} ({len(given)} given)")
        return self


class Outcome(Model):
    description: str = Field(min_length=1)
    when: Predicate


# ------------------------------------------------------------------------------------- claims
QUANTITY_PATTERN = (r"^(outcome:[a-z0-9]+(-[a-z0-9]+)*|metric:[a-z0-9]+(-[a-z0-9]+)*\.[a-z_]+"
                    r"|escalation:[a-z0-9]+(-[a-z0-9]+)*|decision:[a-z0-9]+(-[a-z0-9]+)*\.[a-z0-9]+(-[a-z0-9]+)*"
                    r"|ceasefire)$")
Interventions = Annotated[list[Id], BeforeValidator(lambda v: [v] if isinstance(v, str) else v)]


class ClaimCompare(Model):
    """Two variants of the scenario: ``with`` (the interventions whose effect is claimed; an empty
    list is the scenario as written) against ``against`` (default: the scenario as written)."""

    with_: Interventions = Field(alias="with")
    against: Interventions = Field(default_factory=list)

    @model_validator(mode="after")
    def _different(self) -> ClaimCompare:
        if list(self.with_) == list(self.against):
            raise ValueError("'with' and 'against' name the same variant; compare two different ones")
        return self


class Claim(Sourced):
    """A statement the scenario's sources make, as a query over the simulated futures.

    ``quantity`` names a column of every run: ``outcome:<id>`` (0/1), ``metric:<actor>.<quantity>``
    (losses), ``escalation:<rung>`` (the rung reached at least), ``decision:<actor>.<option>``
    (chosen at least once) or ``ceasefire`` (a ceasefire in the run). With ``compare`` the claim is
    about the paired difference (intervention minus baseline): ``expect`` is ``increase`` or
    ``decrease`` by more than ``threshold`` (default 0). Without it the claim is about the level
    (probability, or mean for a metric) in the variant ``under`` (default: the scenario as
    written): ``expect`` is ``above`` or ``below`` ``threshold``."""

    text: str = Field(min_length=1)
    quantity: str = Field(pattern=QUANTITY_PATTERN)
    expect: Literal["increase", "decrease", "above", "below"]
    compare: ClaimCompare | None = None
    under: Interventions = Field(default_factory=list)
    threshold: float | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Claim:
        if self.expect in ("increase", "decrease"):
            if self.compare is None:
                raise ValueError(f"expect = '{self.expect}' needs compare = {{ with = [...] }}")
            if self.under:
                raise ValueError("give either compare (a difference) or under (a level), not both")
            if self.threshold is not None and self.threshold < 0:
                raise ValueError("threshold of an increase or decrease is the size of the change: give 0 or more")
        else:
            if self.compare is not None:
                raise ValueError(f"expect = '{self.expect}' is about a level: drop compare, "
                                 "or expect 'increase' or 'decrease'")
            if self.threshold is None:
                raise ValueError(f"expect = '{self.expect}' needs a threshold")
        return self


# ----------------------------------------------------------------------------------- backtest
class BacktestEvent(Sourced):
    """A dated change of control the backtest scores: ``camp`` comes to hold every place of
    ``places`` (or of ``route``) on a day between ``first`` and ``last``; with ``retaken`` the
    camp takes them back after having lost one of them (a counter-attack). ``cites`` holds
    phrases separated by ``|`` that one row of the cited source's file must all contain."""

    description: str = Field(min_length=1)
    camp: Id
    places: list[Id] = Field(default_factory=list)
    route: Id | None = None
    first: dt.date
    last: dt.date | None = None
    retaken: bool = False
    cites: str = Field(min_length=1)

    @model_validator(mode="after")
    def _where_and_when(self) -> BacktestEvent:
        if bool(self.places) == (self.route is not None):
            raise ValueError("give either places (at least one) or route, not both")
        if self.last is not None and self.last < self.first:
            raise ValueError(f"last ({self.last}) is before first ({self.first})")
        return self


class BacktestLoss(Sourced):
    """A documented loss count the backtest scores: the total of ``quantity`` over ``actors`` at
    the end of the simulated days, against the observed ``low`` (to ``high``). ``counting`` says
    how the figure was counted: ``documented`` (a visual count, a lower bound), ``official``,
    ``claimed`` (by the enemy) or ``estimate``."""

    description: str = Field(min_length=1)
    actors: list[Id] = Field(min_length=1)
    quantity: LossKind
    low: float = Field(ge=0, allow_inf_nan=False)
    high: float | None = Field(None, ge=0, allow_inf_nan=False)
    counting: Literal["documented", "official", "claimed", "estimate"]
    cites: str = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> BacktestLoss:
        if self.high is not None and self.high < self.low:
            raise ValueError(f"high ({self.high:g}) is below low ({self.low:g})")
        return self


class Backtest(Model):
    """What history recorded, for ``flashpoint backtest``: dated changes of control and loss counts."""

    horizon_days: int | None = Field(None, ge=1, le=3650, description="days simulated by the backtest "
                                     "(default: meta.horizon_days)")
    events: dict[Id, BacktestEvent] = Field(default_factory=dict)
    losses: dict[Id, BacktestLoss] = Field(default_factory=dict)


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
        from flashpoint.scenario.loader import dump_toml

        return dump_toml(self)

    def camp_of(self, actor: str) -> str:
        return self.actors[actor].camp


Predicate.model_rebuild()

SLUG = re.compile(ID_PATTERN)
