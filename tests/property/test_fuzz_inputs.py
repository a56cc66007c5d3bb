"""Hostile inputs through the command line: mutated built-in scenarios, fixtures and bargaining
tables end with exit 0 or 2, never a traceback, a message naming the file (and the field), and
only finite numbers in what is accepted. A few hundred cases here; ``python -m
benchmarks.fuzz_inputs --cases 10000`` runs the same checks at length (benchmarks/RESULTS.md)."""

from __future__ import annotations

import pytest
from benchmarks.fuzz_inputs import SCENARIOS, TABLES, run


def test_every_shipped_input_is_mutated():
    names = {p.name for p in SCENARIOS}
    assert {"idlib-2020.toml", "idlib-2019-offensive.toml", "minimal.toml"} <= names
    assert {p.parent.name for p in TABLES} == {"ktab", "bdm"}


@pytest.mark.parametrize("cases", [300])
def test_mutated_inputs_get_an_answer_never_a_traceback(tmp_path, cases):
    out = run(cases, tmp_path)
    assert out["stopped"] is None, out["stopped"]
    assert out["failed"] == 0, "\n".join(out["failures"])
    assert out["cases"] == cases
    # both kinds of input, both answers: the mutations reach past the parser
    for key in ("scenario ok", "scenario refused", "table ok", "table refused"):
        assert out["tally"].get(key, 0) > 0, out["tally"]
