"""The registry of uncertain inputs (engine/inputs.py) is what the engine reads, path by path."""

from __future__ import annotations

import numpy as np
import pytest

import flashpoint
from flashpoint.engine.inputs import uncertain_inputs
from flashpoint.engine.simulate import start_block
from flashpoint.engine.theatre import compile_theatre


@pytest.mark.parametrize("name", flashpoint.builtin_names())
def test_every_registered_input_is_drawn_under_its_path_and_nothing_else(name):
    th = compile_theatre(flashpoint.load(name))
    paths = uncertain_inputs(th)
    assert any(p.startswith("forces.") for p in paths) and any(p.startswith("parameters.") for p in paths)
    block = start_block(th, 1, 0, 3, quantiles={p: np.full(3, 0.5) for p in paths})
    assert block.draws.used == set(paths)          # each one read under its one spelling
    assert block.draws.drawn == set(paths)         # and no uncertain value outside the registry
    assert list(block.parameters) == list(paths)   # reported in the registry's order
    for p, q in paths.items():
        np.testing.assert_allclose(block.parameters[p], q.ppf(np.full(3, 0.5)), err_msg=p)


def test_decisions_declare_their_inputs():
    th = compile_theatre(flashpoint.load("idlib-2020"))
    paths = uncertain_inputs(th)
    assert th.scenario.decisions
    assert "actors.russia.resolve" in paths
    assert any(p.startswith("escalation.rungs.") and p.endswith(".climb_risk") for p in paths)
    extra = set(paths) - set(th.uncertain)
    assert extra and all(p.startswith(("actors.", "decisions.", "escalation.")) for p in extra)
