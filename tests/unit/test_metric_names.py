# ruff: noqa: F811 - the tests take the fixture imported as "make" by name
"""Every metric the summary reports may be named wherever a scenario names one: an outcome's
``metric``, a claim's ``metric:`` quantity, a decision's ``losses`` trigger and a backtest loss.
The air mechanisms' counts (losses by cause, munitions used, batteries destroyed by drones) are
counted by a scenario that names one even if it uses no mechanism; an unknown name is refused
with the file, line, field, value and every allowed name.

The known answers use the made-up theatre of test_air_rules.py: Red's 20 aircraft fly one strike
sortie each a day over Blue's battery (e = 0.5, pk = 0.4, plenty of missiles) and nobody has
fighters, so on day 1 Red loses Binomial(20, 0.2) aircraft, all of them to air defence.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from test_air_rules import SEED
from test_air_rules import build as make  # noqa: F401 - its fixture, taken by the tests below as "make"

from flashpoint.engine.simulate import simulate_block
from flashpoint.errors import FlashpointError
from flashpoint.scenario import load_file
from flashpoint.scenario.metrics import counts_tally, named_kinds, reported_kinds
from flashpoint.scenario.schema import LOSS_KINDS, METRIC_KINDS, TALLY_KINDS

RUNS = 4000
P_FIVE = float(stats.binom.sf(4, 20, 0.2))      # P(Binomial(20, 0.2) >= 5) = 0.370


def outcome(key: str, **bounds: float) -> dict:
    return {"description": f"{key} within {bounds}", "when": {"metric": {"key": key, **bounds}}}


def with_outcomes(**outcomes: dict):
    def change(d):
        d["outcomes"] = outcomes
    return change


def assert_share(hits: np.ndarray, p: float) -> None:
    """The share of runs within 4 standard errors of p."""
    se = math.sqrt(p * (1 - p) / len(hits))
    assert abs(hits.mean() - p) <= 4 * se, (hits.mean(), p, se)


# --------------------------------------------------------------------------- known answers
def test_an_outcome_on_losses_to_air_defence_has_the_binomial_answer(make):
    th = make(with_outcomes(five=outcome("redland.aircraft_lost_to_air_defence", at_least=5),
                            fighters=outcome("redland.aircraft_lost_to_fighters", at_least=1)))
    assert th.tally      # named, so counted, though the scenario uses no air mechanism
    out = simulate_block(th, SEED, 0, RUNS, days=1)
    lost = out.final.metrics["redland.aircraft_lost"]
    assert np.array_equal(out.final.metrics["redland.aircraft_lost_to_air_defence"], lost)
    assert np.array_equal(out.outcomes["five"], lost >= 5)
    assert_share(out.outcomes["five"], P_FIVE)
    assert not out.outcomes["fighters"].any()     # nobody has fighters


def test_a_losses_trigger_on_losses_by_cause_fires_when_the_total_is_reached(make):
    """Decisions come at the start of a day: on day 2, Red decides (one of two options that change
    nothing) in the runs where it lost at least 5 aircraft to air defence on day 1. (The strategy
    layer needs a road: one from A to B.)"""
    def change(d):
        d["routes"] = {"a-b": {"name": "A-B", "road": "R1", "places": ["a", "b"], "source": "made-up"}}
        d["decisions"] = {"redland": {
            "triggers": [{"on": "losses", "quantity": "aircraft_lost_to_air_defence", "at_least": 5}],
            "options": {"continue": {"description": "go on"}, "also-continue": {"description": "go on too"}}}}

    th = make(change)
    assert th.tally
    out = simulate_block(th, SEED, 0, RUNS, days=2)
    decided = out.chosen[:, 0, :2].any(axis=1)
    assert_share(decided, P_FIVE)


def test_a_scenario_that_names_no_count_does_not_count_them(make):
    th = make(with_outcomes(lost=outcome("redland.aircraft_lost", at_least=5)))
    assert not th.tally
    out = simulate_block(th, SEED, 0, 50, days=1)
    assert not any(k.endswith("_lost_to_air_defence") for k in out.final.metrics)


def test_the_names_a_scenario_uses_decide_what_it_reports(scenario_builder):
    plain = scenario_builder()
    assert not counts_tally(plain) and reported_kinds(plain) == LOSS_KINDS
    claim = ('\n[claims.drones]\ntext = "Blue loses drones to fighters"\nsource = "made-up"\n'
             'quantity = "metric:blueland.uav_lost_to_fighters"\nunder = []\nexpect = "above"\nthreshold = 0\n')
    s = scenario_builder(claim)
    assert named_kinds(s) == {"uav_lost_to_fighters"}
    assert reported_kinds(s) == LOSS_KINDS + TALLY_KINDS == METRIC_KINDS


BACKTEST_LOSS = '''
[backtest.losses.sam-by-drones]
description = "Blue batteries destroyed by drones"
actors = ["blueland"]
quantity = "air_defence_lost_to_drones"
low = 1
counting = "estimate"
cites = "nothing"
source = "made-up"
'''
TRIGGER = '''
[decisions.redland]
triggers = [{ on = "losses", quantity = "munitions_used", at_least = 3 }]

[decisions.redland.options.continue]
description = "go on"
'''


@pytest.mark.parametrize("extra, kind", [
    ('\n[outcomes.x]\ndescription = "x"\nwhen = { metric = { key = "redland.uav_lost_to_air_defence", '
     'at_least = 1 } }\n', "uav_lost_to_air_defence"),
    ('\n[outcomes.x]\ndescription = "x"\nwhen = { not = { any = [{ metric = { key = "blueland.munitions_used", '
     'at_most = 0 } }] } }\n', "munitions_used"),
    (BACKTEST_LOSS, "air_defence_lost_to_drones"),
    (TRIGGER, "munitions_used"),
])
def test_every_count_may_be_named_and_turns_counting_on(scenario_builder, extra, kind):
    s = scenario_builder(extra)
    assert named_kinds(s) >= {kind} and counts_tally(s)


# --------------------------------------------------------------------------- unknown names
ALLOWED = ", ".join(METRIC_KINDS)


def problem_row(tmp_path: Path, extra: str, line: str, field: str) -> str:
    text = (Path(__file__).parents[1] / "fixtures" / "minimal.toml").read_text(encoding="utf-8") + extra
    path = tmp_path / "scenario.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FlashpointError) as info:
        load_file(path)
    prefix = f"{path}:{text.split(chr(10)).index(line) + 1}: {field}: "
    rows = [row for row in str(info.value).splitlines() if row.startswith(prefix)]
    assert len(rows) == 1, f"expected one problem starting {prefix!r} in:\n{info.value}"
    return rows[0]


def test_an_unknown_quantity_in_an_outcome_lists_every_name(tmp_path):
    line = 'when = { metric = { key = "redland.uav_lost_to_sam", at_least = 1 } }'
    row = problem_row(tmp_path, f'\n[outcomes.x]\ndescription = "x"\n{line}\n', line, "outcomes.x.when.metric.key")
    assert f"unknown quantity 'uav_lost_to_sam'; known: {ALLOWED}" in row
    assert row.endswith("(got 'redland.uav_lost_to_sam')")


def test_an_unknown_quantity_in_a_claim_lists_every_name(tmp_path):
    line = 'quantity = "metric:redland.drones_lost_to_fighters"'
    extra = f'\n[claims.x]\ntext = "x"\nsource = "made-up"\n{line}\nunder = []\nexpect = "above"\nthreshold = 1\n'
    row = problem_row(tmp_path, extra, line, "claims.x.quantity")
    assert f"unknown quantity 'drones_lost_to_fighters'; known: {ALLOWED}" in row
    assert row.endswith("(got 'metric:redland.drones_lost_to_fighters')")


@pytest.mark.parametrize("extra, line, field", [
    (TRIGGER.replace("munitions_used", "munitions_spent"),
     'triggers = [{ on = "losses", quantity = "munitions_spent", at_least = 3 }]',
     "decisions.redland.triggers[0].quantity"),
    (BACKTEST_LOSS.replace("air_defence_lost_to_drones", "sams_lost_to_drones"),
     'quantity = "sams_lost_to_drones"', "backtest.losses.sam-by-drones.quantity"),
])
def test_an_unknown_quantity_in_a_trigger_or_backtest_loss_lists_every_name(tmp_path, extra, line, field):
    row = problem_row(tmp_path, extra, line, field)
    assert all(f"'{kind}'" in row for kind in METRIC_KINDS), row
    assert "munitions_spent" in row or "sams_lost_to_drones" in row


@pytest.mark.parametrize("claimed", [False, True])
def test_trajectories_write_the_metric_columns_the_summary_reports(scenario_builder, claimed):
    """trajectories.nc (written from the scenario) and summary.json (from the compiled theatre)
    list the same metric keys, with the counts of the air mechanisms only where they are named."""
    from flashpoint.analysis.results import _metric_keys
    from flashpoint.engine.reduce import Accumulator
    from flashpoint.engine.theatre import compile_theatre

    claim = ('\n[claims.c]\ntext = "c"\nsource = "made-up"\nquantity = "metric:redland.munitions_used"\n'
             'under = []\nexpect = "above"\nthreshold = 0\n')
    s = scenario_builder(claim if claimed else "")
    keys = _metric_keys(s)
    assert keys == Accumulator(compile_theatre(s), 3).metric_keys
    assert ("redland.munitions_used" in keys) == claimed
