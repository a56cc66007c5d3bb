"""Which metrics a scenario names and which it reports.

Every run reports, for each actor that owns a force, the eight losses of ``LOSS_KINDS``. The air
mechanisms' counts (``TALLY_KINDS``: losses by cause, loitering munitions used, batteries destroyed
by drones; docs/model.md, "Air", 9) are counted only by a scenario that uses a mechanism or names
one of them in an outcome, a claim, a decision trigger or a backtest loss: splitting losses by cause
draws random numbers, so a scenario that does neither runs as before.
"""

from __future__ import annotations

from collections.abc import Iterator

from flashpoint.scenario.schema import LOSS_KINDS, TALLY_KINDS, Predicate, Scenario


def uses_air_mechanism(s: Scenario) -> bool:
    """Whether the scenario uses an air mechanism of docs/model.md, "Air", 8-10 (stock, stand-off,
    jammers, adaptation)."""
    f = s.forces
    return bool(f.jammers or f.adaptation or any(d.stock is not None or d.standoff_km > 0 for d in f.drones.values())
                or any(w.standoff_km > 0 for w in f.air.values()))


def _predicate_kinds(p: Predicate) -> Iterator[str]:
    if p.metric is not None:
        yield p.metric.key.partition(".")[2]
    for sub in (p.all or []) + (p.any or []) + ([p.not_] if p.not_ is not None else []):
        yield from _predicate_kinds(sub)


def named_kinds(s: Scenario) -> set[str]:
    """The metric kinds (``tanks_lost``, ``munitions_used``...) the scenario's outcomes, claims,
    decision triggers and backtest losses name."""
    kinds = {k for o in s.outcomes.values() for k in _predicate_kinds(o.when)}
    kinds |= {c.quantity.partition(":")[2].partition(".")[2] for c in s.claims.values()
              if c.quantity.startswith("metric:")}
    kinds |= {t.quantity for spec in s.decisions.values() for t in spec.triggers if t.on == "losses"}
    if s.backtest is not None:
        kinds |= {loss.quantity for loss in s.backtest.losses.values()}
    return kinds


def counts_tally(s: Scenario) -> bool:
    """Whether runs of the scenario count (and report) the kinds of ``TALLY_KINDS``."""
    return uses_air_mechanism(s) or bool(named_kinds(s) & set(TALLY_KINDS))


def reported_kinds(s: Scenario) -> tuple[str, ...]:
    """The metric kinds ``summary.json`` reports for each actor that owns a force."""
    return LOSS_KINDS + (TALLY_KINDS if counts_tally(s) else ())
