"""The escalation ladder: the highest rung each run has reached.

A scenario lists rungs in order; the first is where the crisis starts. A rung with a
``reached_when`` trigger is reached on the first day one of its ``by`` actors has fired on (or,
with ``what = "aircraft-kill"``, downed an aircraft or drone of) one of its ``on`` actors, and with
``mutual`` both ways. Decisions of the strategy layer may also move a run up the ladder.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from flashpoint.engine.state import State
from flashpoint.engine.theatre import Theatre


@dataclass(frozen=True)
class RungRule:
    index: int
    by: np.ndarray
    on: np.ndarray
    aircraft: bool
    mutual: bool


def ladder_rules(th: Theatre) -> list[RungRule]:
    rules = []
    for i, rung in enumerate(th.scenario.escalation.rungs):
        t = rung.reached_when
        if t is None:
            continue
        rules.append(RungRule(i, np.array([th.actor_index(a) for a in t.by]),
                              np.array([th.actor_index(a) for a in t.on]),
                              t.what == "aircraft-kill", t.mutual))
    return rules


def update_rungs(rules: list[RungRule], st: State) -> None:
    for rule in rules:
        events = st.downed if rule.aircraft else st.fired
        forward = events[:, rule.by][:, :, rule.on].any(axis=(1, 2))
        if rule.mutual:
            forward &= events[:, rule.on][:, :, rule.by].any(axis=(1, 2))
        st.rung = np.where(forward, np.maximum(st.rung, rule.index), st.rung)
