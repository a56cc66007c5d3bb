"""The decision phase at the start of each day: the hook through which actors change the war.

A strategy sees the state of every run and may patch it (rules of engagement, commitments,
postures, ceasefire, escalation rung). A scenario that declares ``[decisions]`` is played by
:class:`~flashpoint.engine.strategy.quantal.QuantalResponse` (expected utility with logit noise);
one without decisions by :class:`Continue`, the baseline "everyone continues": nobody changes
course, so the campaign runs on its initial set-up.
"""

from __future__ import annotations

from typing import Protocol

from flashpoint.engine.rng import Streams
from flashpoint.engine.state import State
from flashpoint.engine.theatre import Draws, Theatre


class Strategy(Protocol):
    def decide(self, th: Theatre, st: State, rng: Streams) -> None:
        """Patch ``st`` in place at the start of day ``st.day``."""


class Continue:
    """Every actor keeps its course: no decision changes the state."""

    name = "continue"

    def decide(self, th: Theatre, st: State, rng: Streams) -> None:
        return None


def default_strategy(th: Theatre, st: State, draws: Draws) -> Strategy:
    """Quantal-response decisions when the scenario declares any, else :class:`Continue`."""
    if th.scenario.decisions:
        from flashpoint.engine.strategy.quantal import QuantalResponse

        return QuantalResponse(th, st, draws)
    return Continue()
