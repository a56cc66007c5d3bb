"""The JSON the API takes and gives (pydantic models: the OpenAPI schema at /openapi.json)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Status = Literal["queued", "running", "done", "failed", "cancelled"]
Name = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Problem(BaseModel):
    """One problem of a scenario's text, as ``flashpoint`` reports it for a file."""

    line: int | None = Field(description="line of the TOML text (1-based), when known")
    field: str | None = Field(description="dotted path of the field, e.g. forces.ground.saa-25th.morale")
    value: str | None = Field(description="the bad value, as written")
    allowed: str | None = Field(description="what is allowed there, when the message says")
    message: str = Field(description="the whole message, as the command line prints it")


class Validation(BaseModel):
    ok: bool
    errors: list[Problem]


class Error(BaseModel):
    detail: str


class SaveError(BaseModel):
    detail: str
    errors: list[Problem]


class Actor(BaseModel):
    id: str
    name: str
    camp: str


class Intervention(BaseModel):
    id: str
    description: str
    conflicts: list[str]


class Outcome(BaseModel):
    id: str
    description: str


class Parameter(BaseModel):
    name: str
    value: float = Field(description="the value used (the mean of its distribution when uncertain)")
    written: str = Field(description="the value as the scenario or the engine's defaults write it")
    low: float
    high: float
    unit: str
    description: str
    sources: list[str]


class ScenarioInfo(BaseModel):
    id: str
    title: str
    question: str
    builtin: bool
    parent: str | None
    hash: str
    actors: list[Actor]
    interventions: list[Intervention]
    outcomes: list[Outcome]


class ScenarioDetail(ScenarioInfo):
    description: str
    start: str
    horizon_days: int
    parameters: list[Parameter]


class SaveScenario(Strict):
    toml: str = Field(max_length=900_000, description="the scenario as TOML text")
    parent: str | None = Field(None, max_length=80, description="the scenario it was forked from")


class RunRequest(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"scenario": "idlib-2020", "interventions": ["coalition-air-support"], "runs": 250, "days": 5, "seed": 1}]})

    scenario: str = Name
    interventions: list[str] = Field(default_factory=list, max_length=20)
    runs: int = Field(2000, ge=1, description="futures to simulate (at most the server's cap, 100,000 by default)")
    days: int | None = Field(None, ge=1, description="days to simulate (default: the scenario's horizon)")
    seed: int = Field(1, ge=0, le=2**63 - 1)
    set: dict[str, float] = Field(default_factory=dict, max_length=50,
                                  description="model parameters to override, NAME: VALUE")
    trajectories: bool = Field(False, description="also keep every run, day by day, as NetCDF")


class CompareRequest(Strict):
    scenario: str = Name
    with_: list[str] = Field(alias="with", min_length=1, max_length=20)
    against: list[str] = Field(default_factory=list, max_length=20)
    runs: int = Field(2000, ge=1)
    days: int | None = Field(None, ge=1)
    seed: int = Field(1, ge=0, le=2**63 - 1)
    set: dict[str, float] = Field(default_factory=dict, max_length=50)

    model_config = ConfigDict(extra="forbid", populate_by_name=True, json_schema_extra={"examples": [
        {"scenario": "idlib-2020", "with": ["coalition-air-support"], "runs": 250, "days": 5, "seed": 1}]})


class Accepted(BaseModel):
    id: str
    status: Status
    cached: bool = Field(description="true when a stored result (or the same job, still running) answers it")
    url: str


class _Status(BaseModel):
    id: str
    status: Status
    progress: float
    scenario: str
    set: dict[str, float]
    runs: int
    days: int
    seed: int
    version: str
    created: dt.datetime
    started: dt.datetime | None
    finished: dt.datetime | None
    seconds: float | None
    error: str | None


PartState = Literal["pending", "done", "failed"]


class Answer(BaseModel):
    """The answer to the question, stored as soon as both variants are simulated (before the parts
    that follow it)."""

    headline: list[str] = Field(description="the answer in plain words (the report's headline sentences)")
    outcomes: dict[str, dict[str, Any]] = Field(
        description="per outcome, the paired difference against the scenario as written: p_base, p_int, diff, "
                    "ci95 (the outcomes of the comparison document, docs/summary-json.md)")


class RunStatus(_Status):
    interventions: list[str]
    ready: bool = Field(description="the answer is ready (it comes before the run is done: the settlement, "
                                    "claims, sensitivity, discovery and backtest follow it)")
    answer: Answer | None = Field(description="the answer, once ready")
    parts: dict[str, PartState] | None = Field(
        description="what follows the answer (settlement, claims, sensitivity, discovery, backtest) and the "
                    "state of each, once ready")
    summary: dict[str, Any] | None = Field(description="summary.json (docs/summary-json.md), when done")


class CompareStatus(_Status):
    with_: list[str] = Field(alias="with")
    against: list[str]
    comparison: dict[str, Any] | None = Field(description="the comparison document (docs/summary-json.md), when done")

    model_config = ConfigDict(populate_by_name=True)
