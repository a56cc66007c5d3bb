"""`flashpoint stalls`: what held back a camp's attack on a place, day by day."""

from __future__ import annotations

import re

import pytest
from tests.fixtures import MINIMAL

import flashpoint
from flashpoint.analysis.stalls import CLASSES, stalls
from flashpoint.errors import FlashpointError


def test_every_day_before_the_capture_is_counted_once():
    s = flashpoint.load(MINIMAL)
    runs, days = 60, 20
    out = stalls(s, "blue", ["a", "b", "c"], runs=runs, days=days, seed=3)
    for p in out["places"]:
        counted = sum(p["days"][k] for k in CLASSES)
        if p["runs_held_at_start"] == runs:
            assert counted == 0 and p["runs_taken"] == 0, p
            continue
        never = runs - p["runs_held_at_start"] - p["runs_taken"]
        # a run that takes the place on day d counted days 1..d; one that never takes it, every day
        assert never * days + p["runs_taken"] <= counted <= never * days + p["runs_taken"] * days, p
        if p["runs_taken"]:
            assert 1 <= p["median_day_taken"] <= days
    assert any(p["runs_held_at_start"] == 0 for p in out["places"])
    assert out == stalls(s, "blue", ["a", "b", "c"], runs=runs, days=days, seed=3)   # the seed fixes it


def test_karabakh_the_northern_group_goes_for_agdam_not_madagiz():
    """The finding docs/validation.md reports ("Campaign: Karabakh"): Madagiz waits because the
    attackers at Tartar go for Agdam, not because their force ratio is too low."""
    out = stalls("karabakh-2020", "azerbaijan", ["madagiz"], runs=100, days=44)["places"][0]
    assert max(out["attacking_instead"], key=out["attacking_instead"].get) == "tartar -> agdam"
    assert out["days"]["attacking_elsewhere"] > 10 * out["days"]["below_min_ratio"]


@pytest.mark.parametrize(("args", "message"), [
    ({"camp": "green", "places": ["a"]}, "--camp 'green': not a camp of minimal; expected one of red, blue"),
    ({"camp": "blue", "places": ["z"]}, "--places: 'z' is not a place of minimal"),
    ({"camp": "blue", "places": []}, "--places: empty"),
    ({"camp": "blue", "places": ["a"], "runs": 0}, "--runs 0: expected 1 to 5000"),
    ({"camp": "blue", "places": ["a"], "days": 400}, "--days 400: expected 1 to 365"),
])
def test_bad_arguments_are_refused_by_name(args, message):
    with pytest.raises(FlashpointError, match=re.escape(message)):
        stalls(flashpoint.load(MINIMAL), **args)


def test_the_command_prints_the_table_and_refuses_a_bad_place(cli):
    result = cli("stalls", MINIMAL, "--camp", "blue", "--places", "a,b", "--runs", "20", "--days", "10")
    assert result.exit_code == 0, result.output
    assert "holding" in result.output and "attacked" in result.output and " of 20 " in result.output
    result = cli("stalls", MINIMAL, "--camp", "blue", "--places", "a,nowhere", "--runs", "20")
    assert result.exit_code == 2 and "'nowhere' is not a place of minimal" in result.output
