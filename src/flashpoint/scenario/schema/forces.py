"""The forces: ground formations, air wings, drone units and air-defence batteries."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    Field,
)

from flashpoint.scenario.schema.base import Count, Day, Id, Model, Probability, Q, Share, Sourced

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
    standoff_km: float = Field(0.0, ge=0, description="strikes from this far: batteries of shorter reach do not "
                               "engage its CAS, strike and interdiction sorties")
    standoff_kills: Q(0.0, 10.0) = Field(1.0, description="kills per stand-off sortie, as a multiple of strike_kills")


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
    stock: Count | None = Field(None, description="loitering munitions: launches in all, each used up when it "
                                "flies (none: a reusable drone)")
    standoff_km: float = Field(0.0, ge=0, description="strikes from this far: batteries of shorter reach do not "
                               "engage its sorties")
    standoff_kills: Q(0.0, 10.0) = Field(1.0, description="kills per sortie when striking from stand-off, as a "
                                         "multiple of strike_kills and armour_kills")


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


class Jammer(Sourced):
    """Electronic warfare: cuts the engagement odds of enemy batteries, and the kills of enemy drone
    sorties, within its reach on the days it operates (docs/model.md, "Air", 8)."""

    name: str
    owner: Id
    place: Id
    system: str
    reach_km: float = Field(gt=0)
    from_day: Day = 0
    until_day: Day | None = Field(None, description="last day it operates (none: to the end)")
    air_defence_cut: Share = Field(0.0, description="share of enemy batteries' engagements it prevents")
    drone_cut: Share = Field(0.0, description="share of enemy drone sorties' kills it prevents")


class Adaptation(Sourced):
    """A defender that learns (docs/model.md, "Air", 10): kills per sortie against its formations
    decay toward a floor as they disperse and hide; its air-defence crews engage more often."""

    owner: Id
    dispersal_half_life_days: Q(0.1, 3650.0) | None = Field(
        None, description="days for kills per sortie to fall half-way to the floor (none: no dispersal)")
    dispersal_floor: Share = Field(1.0, description="kills per sortie at the end, as a share of the first day's")
    crew_gain: Q(0.0, 10.0) = Field(0.0, description="relative gain of its batteries' engagement odds")
    crew_days: Q(1.0, 3650.0) = Field(30.0, description="days of war over which the gain comes (default a month: a "
                                  "placeholder, not a sourced figure; a scenario using crew_gain should set it)")


class Forces(Model):
    ground: dict[Id, GroundFormation] = Field(default_factory=dict)
    air: dict[Id, AirWing] = Field(default_factory=dict)
    drones: dict[Id, DroneUnit] = Field(default_factory=dict)
    air_defence: dict[Id, AirDefenceBattery] = Field(default_factory=dict)
    jammers: dict[Id, Jammer] = Field(default_factory=dict)
    adaptation: dict[Id, Adaptation] = Field(default_factory=dict)


