"""The setting of a crisis: its metadata and sources, camps and actors, theatres, places, routes and posts."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    Field,
)

from flashpoint.scenario.schema.base import MAX_DAY, Count, Date, Id, Model, Q, Share, Sourced


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


