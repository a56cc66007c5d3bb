"""Numbers and phrases shared by the terminal output and the HTML report."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def pct(p: float | None, digits: int = 1, missing: str = "") -> str:
    """A probability as a percentage, ``missing`` when there is none."""
    return missing if p is None else f"{100 * p:.{digits}f}%"


def points(d: float | None, missing: str = "") -> str:
    """A difference of probabilities in percentage points, signed."""
    return missing if d is None else f"{100 * d:+.1f}"


def ceasefire(cf: Mapping[str, Any]) -> str:
    """When a ceasefire comes, from summary.json's ``ceasefire_day``."""
    if cf["share_none"] >= 1:
        return "none in any future"
    return (f"none in {pct(cf['share_none'])} of futures; otherwise on day {cf['q50']:.0f} "
            f"(median; 90% interval {cf['q05']:.0f}-{cf['q95']:.0f})")


def median_interval(q: Mapping[str, Any] | None) -> str:
    """``median [q05-q95]`` of a quantile summary, rounded; empty when there is none."""
    return "" if not q else f"{q['q50']:.0f} [{q['q05']:.0f}-{q['q95']:.0f}]"
