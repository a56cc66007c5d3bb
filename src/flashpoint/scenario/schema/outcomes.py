"""What we ask of the futures: outcomes (predicates over control and metrics), claims to test, and the
backtest's record of history."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import (
    BeforeValidator,
    Field,
    model_validator,
)

from flashpoint.scenario.schema.base import Id, Model, Sourced
from flashpoint.scenario.schema.decisions import MetricKind


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
    quantity: MetricKind
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


