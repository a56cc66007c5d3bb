"""Building blocks of the scenario model: identifiers, dates, quantities within limits, the strict base
model, sourced entries and the model constants (``[parameters]``)."""

from __future__ import annotations

import datetime as dt
import math
from functools import partial
from typing import Annotated, Any

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


