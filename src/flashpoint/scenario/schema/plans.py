"""Operational plans: each side's axes of advance, objectives, pauses and reserves (``[plans.<id>]``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from flashpoint.scenario.schema.base import Day, Id, Share, Sourced


class Axis(Sourced):
    """An axis of advance: places in the order the plan means to take them, each next to the one
    before along a route."""

    places: list[Id] = Field(min_length=2, description="ordered places, consecutive along routes")
    priority: float = Field(1.0, gt=0, description="weight of its places, relative to the plan's other entries")
    first_day: Day = Field(0, description="first day it is followed (before it, its places carry no weight)")


class Objective(Sourced):
    """A place the plan means to take, how much it matters, and the pause that follows its capture."""

    place: Id
    priority: float = Field(1.0, gt=0, description="weight of the place, relative to the plan's other entries")
    pause_days: Day = Field(0, description="days without new attacks after taking it (to consolidate)")
    first_day: Day = Field(0, description="first day it is pursued")


class Reserve(Sourced):
    """Where a formation held in reserve is committed: a place, or the front end of an axis."""

    place: Id | None = None
    axis: Id | None = None
    day: Day = Field(0, description="first day it is committed")
    posture: Literal["attack", "defend", "hold"] = Field("attack", description="its posture once committed")

    @model_validator(mode="after")
    def _one_destination(self) -> Reserve:
        if (self.place is None) == (self.axis is None):
            raise ValueError("give exactly one of place or axis")
        return self


class Plan(Sourced):
    """One actor's operational plan: the daily choice of target follows it (docs/model.md, "Plans")."""

    actor: Id
    opportunism: Share = Field(
        0.5, description="0: targets by the plan's priorities alone; 1: by value x force ratio alone; drawn per run")
    axes: dict[Id, Axis] = Field(default_factory=dict)
    objectives: dict[Id, Objective] = Field(default_factory=dict)
    reserves: dict[Id, Reserve] = Field(default_factory=dict, description="formation id -> where it is committed")

    @model_validator(mode="after")
    def _something_planned(self) -> Plan:
        if not self.axes and not self.objectives:
            raise ValueError("give at least one axis or objective")
        return self
