"""The registry of a scenario's uncertain inputs: every number drawn once per run, by path.

Two declare them, each under one spelling, path -> distribution:

- the compiled theatre (:func:`.theatre.compile_theatre`): ``forces.<kind>.<id>.<attribute>`` and
  ``parameters.<name>``, in ``CompiledTheatre.uncertain``;
- the strategy the scenario is played with (:meth:`.strategy.decisions.Strategy.inputs`; for
  decisions :func:`.strategy.quantal.decision_inputs`): ``actors.*``, ``decisions.*`` and
  ``escalation.rungs.<position>.climb_risk``.

The engine draws each of them from its keyed stream through :class:`.draws.Draws` under exactly
that path, so the runs' ``input:`` columns (``per_run()``), the experimental designs of the
sensitivity analysis (quantiles fixed by path) and the common random numbers of a comparison (a
path keeps its stream in every variant) all read this one list.
"""

from __future__ import annotations

from typing import Any

from flashpoint.engine.theatre import CompiledTheatre


def strategy_inputs(th: CompiledTheatre) -> dict[str, Any]:
    """The uncertain inputs of the strategy the theatre is played with by default."""
    if th.scenario.decisions:
        # lazy: only scenarios with decisions load the quantal-response module (16 modules, 0.17 s at load 12)
        from flashpoint.engine.strategy.quantal import decision_inputs

        return decision_inputs(th)
    return {}


def uncertain_inputs(th: CompiledTheatre) -> dict[str, Any]:
    """Every uncertain input, path -> distribution: the theatre's, then its default strategy's."""
    return {**th.uncertain, **{p: q for p, q in strategy_inputs(th).items() if p not in th.uncertain}}
