"""Plain-text descriptions of scenario values for tables (shared by the CLI and the report)."""

from __future__ import annotations

from flashpoint.scenario.distributions import is_uncertain, quantity_bounds


def fmt_number(x: float) -> str:
    if x == int(x) and abs(x) >= 10:
        return f"{int(x):,}"
    return f"{x:,.3g}" if abs(x) < 1000 else f"{x:,.0f}"


def fmt_quantity(q) -> str:
    """``1,200`` for a fixed number, ``4,000-10,000`` for a distribution's range."""
    if q is None:
        return ""
    if not is_uncertain(q):
        return fmt_number(float(q))
    lo, hi = quantity_bounds(q)
    if hi == float("inf"):
        return f"{q.dist}, mean {fmt_number(q.mean())}"
    return f"{fmt_number(lo)}-{fmt_number(hi)}"


def fmt_sources(ref) -> str:
    return ref if isinstance(ref, str) else ", ".join(ref)
