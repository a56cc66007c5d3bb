"""Every JSON document Flashpoint writes is strict JSON: no NaN or Infinity; a missing value is null."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from flashpoint.outputs import finite_json, json_text

BDM_TABLE = (Path(__file__).parents[2] / "src/flashpoint/engine/strategy/bargaining/data/bdm"
             / "eu_emissions_scholz_jmckib.csv")


def strict_loads(text: str):
    """Parse ``text`` as RFC 8259 JSON: Python's reader takes NaN and Infinity unless told not to."""
    def refuse(name):
        raise AssertionError(f"not JSON: {name}")
    return json.loads(text, parse_constant=refuse)


def test_non_finite_numbers_become_null():
    doc = {"p": math.nan, "ci": [-math.inf, 0.5, np.float64("inf")], "n": np.int64(3),
           "a": np.array([1.0, np.nan]), "t": (1, math.nan), "s": "nan"}
    assert finite_json(doc) == {"p": None, "ci": [None, 0.5, None], "n": 3, "a": [1.0, None], "t": [1, None],
                                "s": "nan"}
    assert strict_loads(json_text(doc)) == finite_json(doc)
    assert "NaN" not in json_text(doc) and "Infinity" not in json_text(doc)


def test_a_value_json_cannot_hold_is_an_error_not_a_bad_document():
    with pytest.raises(TypeError):
        json_text({"x": object()})


def test_run_json_summary_and_manifest_are_strict(cli, tmp_path, minimal_toml):
    result = cli("run", minimal_toml, "--runs", 250, "--workers", 1, "--out", tmp_path, "--json")
    assert result.exit_code == 0, result.output
    strict_loads(result.stdout)
    (folder,) = [p for p in tmp_path.iterdir() if not p.name.startswith(".")]
    for name in ("summary.json", "manifest.json"):
        strict_loads((folder / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("model", ["smp", "bdm"])
def test_bargain_json_is_strict(cli, model):
    result = cli("bargain", BDM_TABLE, "--model", model, "--json")
    assert result.exit_code == 0, result.output
    doc = strict_loads(result.stdout)
    assert doc["model"] == model


def test_list_json_is_strict(cli):
    result = cli("list", "--json")
    assert result.exit_code == 0, result.output
    assert strict_loads(result.stdout)
