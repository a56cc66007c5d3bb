"""The decision phase at the start of each day: the hook through which actors change the war.

A strategy sees the state of every run and may patch it (rules of engagement, commitments,
postures, ceasefire, escalation rung). A scenario that declares ``[decisions]`` is played by
:class:`~flashpoint.engine.strategy.quantal.QuantalResponse` (expected utility with logit noise);
one without decisions by :class:`Continue`, the baseline "everyone continues": nobody changes
course, so the campaign runs on its initial set-up.
"""

from __future__ import annotations

from typing import Any, Protocol

from flashpoint.engine.draws import Draws, RunDraws
from flashpoint.engine.rng import Streams
from flashpoint.engine.state import State
from flashpoint.engine.theatre import CompiledTheatre


class Strategy(Protocol):
    def inputs(self, th: CompiledTheatre) -> dict[str, Any]:
        """The uncertain inputs the strategy draws per run, path -> distribution (read through the
        block's :class:`.Draws` under exactly these paths)."""

    def decide(self, th: CompiledTheatre, st: State, rng: Streams) -> None:
        """Patch ``st`` in place at the start of day ``st.day``."""


class Continue:
    """Every actor keeps its course: no decision changes the state."""

    name = "continue"

    def inputs(self, th: CompiledTheatre) -> dict[str, Any]:
        return {}

    def decide(self, th: CompiledTheatre, st: State, rng: Streams) -> None:
        return None


def default_strategy(th: CompiledTheatre, st: State, draws: Draws, run: RunDraws) -> Strategy:
    """Quantal-response decisions when the scenario declares any, else :class:`Continue`."""
    if th.scenario.decisions:
        # lazy: only scenarios with decisions load the quantal-response module (10 modules, 0.1 s at load 12)
        from flashpoint.engine.strategy.quantal import QuantalResponse

        return QuantalResponse(th, st, draws, run)
    return Continue()
