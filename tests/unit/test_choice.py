"""The logit (quantal-response) choice rule and its use by the decisions of the engine."""

from __future__ import annotations

import tomllib

import numpy as np
import pytest

from flashpoint.api import run
from flashpoint.engine.strategy.choice import faction_mixture, logit_probabilities, sample_choice


# --------------------------------------------------------------------------- the rule itself
def test_a_dominant_option_is_chosen_with_probability_tending_to_one():
    u = np.array([[1.0, 0.5, 0.0]])
    shares = [logit_probabilities(u, np.array([lam]))[0, 0] for lam in (0.0, 1.0, 5.0, 20.0, 100.0)]
    assert shares[0] == pytest.approx(1 / 3)
    assert all(b > a for a, b in zip(shares, shares[1:], strict=False))
    assert 1 - shares[-1] < 1e-20
    tail = np.exp(-10) + np.exp(-20)
    assert 1 - shares[-2] == pytest.approx(tail / (1 + tail), rel=1e-6)


@pytest.mark.parametrize("lam", [0.0, 0.3, 7.0, 1e4])
def test_equal_utilities_give_equal_shares(lam):
    u = np.full((4, 3), 2.5)
    p = logit_probabilities(u, np.full(4, lam))
    assert np.allclose(p, 1 / 3, atol=1e-15)


def test_equal_utilities_share_equally_among_the_available_options_only():
    u = np.array([[1.0, 1.0, 9.0, 1.0]])
    ok = np.array([[True, True, False, True]])
    p = logit_probabilities(u, np.array([3.0]), ok)
    assert p[0, 2] == 0.0
    assert p[0, [0, 1, 3]] == pytest.approx([1 / 3] * 3)


def test_rows_with_nothing_available_choose_nothing():
    p = logit_probabilities(np.zeros((2, 2)), np.ones(2), np.array([[False, False], [True, False]]))
    assert p.tolist() == [[0.0, 0.0], [1.0, 0.0]]
    assert sample_choice(p, np.array([0.5, 0.99])).tolist() == [-1, 0]


def test_huge_utilities_do_not_overflow():
    p = logit_probabilities(np.array([[1e6, 1e6 - 1.0]]), np.array([50.0]))
    assert np.isfinite(p).all() and p.sum() == pytest.approx(1.0)


def test_rationality_must_be_non_negative():
    with pytest.raises(ValueError, match="rationality"):
        logit_probabilities(np.zeros((1, 2)), np.array([-1.0]))


def test_sampling_follows_the_probabilities_and_never_picks_an_impossible_option():
    rng = np.random.default_rng(3)
    p = np.tile([0.2, 0.0, 0.5, 0.3, 0.0], (200_000, 1))
    pick = sample_choice(p, rng.random(len(p)))
    freq = np.bincount(pick, minlength=5) / len(p)
    assert freq[1] == 0 and freq[4] == 0
    assert freq[[0, 2, 3]] == pytest.approx([0.2, 0.5, 0.3], abs=0.005)
    edge = sample_choice(np.array([[0.5, 0.5, 0.0]]), np.array([1 - 1e-16]))
    assert edge.tolist() == [1]


def test_factions_weigh_in_by_their_weights():
    dove = np.array([[0.9, 0.1], [0.5, 0.5]])
    hawk = np.array([[0.2, 0.8], [0.0, 1.0]])
    w = np.array([[0.7, 0.3], [0.25, 0.75]])
    p = faction_mixture(np.stack([dove, hawk]), w)
    assert p[0] == pytest.approx(0.7 * dove[0] + 0.3 * hawk[0])
    assert p[1] == pytest.approx(0.25 * dove[1] + 0.75 * hawk[1])
    assert p.sum(axis=1) == pytest.approx([1.0, 1.0])


# --------------------------------------------------------------------------- in the engine
DECISIONS = """
[actors.redland.factions.doves]
name = "Doves"
weight = {dove_weight}
hawkishness = -1.0

[actors.redland.factions.hawks]
name = "Hawks"
weight = {hawk_weight}
hawkishness = 1.0

[decisions.redland]
every_days = 5

[decisions.redland.options.hold]
description = "carry on"

[decisions.redland.options.boast]
description = "a show of resolve"
credibility = 1.0

[decisions.redland.options.grovel]
description = "a public climb-down"
credibility = -1.0
"""


def _scenario(scenario_builder, hawk_weight: float, reputation: float = 1.0):
    return scenario_builder(DECISIONS.format(dove_weight=1 - hawk_weight, hawk_weight=hawk_weight), name="choice.toml",
                            replace={'stakes = { blue-holds-b = -10 }':
                                     f'stakes = {{ blue-holds-b = -10 }}\nreputation = {reputation}'})


def test_a_dominant_option_wins_every_decision_when_rationality_is_high(scenario_builder):
    s = _scenario(scenario_builder, hawk_weight=1.0)
    shares = run(s, runs=250, seed=2, days=10, set={"rationality": 200.0}).summary()["decisions"]["redland"]
    assert shares == {"hold": 0.0, "boast": 1.0, "grovel": 0.0}


def test_a_faction_that_does_not_care_dilutes_the_choice_by_its_weight(scenario_builder):
    # doves (hawkishness -1) give credibility no weight: they pick at random; hawks boast
    s = _scenario(scenario_builder, hawk_weight=0.6)
    shares = run(s, runs=4000, seed=3, days=5, set={"rationality": 200.0}).summary()["decisions"]["redland"]
    assert shares["boast"] == pytest.approx(0.6 + 0.4 / 3, abs=0.025)
    assert shares["hold"] == pytest.approx(0.4 / 3, abs=0.025)
    assert shares["grovel"] == pytest.approx(0.4 / 3, abs=0.025)


def test_without_rationality_every_option_is_as_likely(scenario_builder):
    s = _scenario(scenario_builder, hawk_weight=0.5)
    shares = run(s, runs=2000, seed=2, days=5, set={"rationality": 0.0}).summary()["decisions"]["redland"]
    # one decision (day 5): each option is chosen in a third of the runs
    for option in ("hold", "boast", "grovel"):
        assert shares[option] == pytest.approx(1 / 3, abs=0.04)


def test_nothing_at_stake_leaves_the_choice_to_chance(scenario_builder):
    s = _scenario(scenario_builder, hawk_weight=0.5, reputation=0.0)
    shares = run(s, runs=2000, seed=4, days=5, set={"rationality": 200.0}).summary()["decisions"]["redland"]
    for option in ("hold", "boast", "grovel"):
        assert shares[option] == pytest.approx(1 / 3, abs=0.04)


def test_decisions_in_a_theatre_without_roads_are_taken(scenario_builder):
    # no route: no leg for a projection to follow, so every option keeps today's control
    stake = 'stakes = { blue-holds-b = -10 }'
    text = scenario_builder.text(DECISIONS.format(dove_weight=0, hawk_weight=1), {stake: f"{stake}\nreputation = 1"})
    data = tomllib.loads(text)
    del data["routes"]
    data["outcomes"] = {k: v for k, v in data["outcomes"].items() if "route_held" not in v["when"]}
    s = scenario_builder.from_data(data)
    shares = run(s, runs=200, seed=2, days=10, set={"rationality": 200.0}).summary()["decisions"]["redland"]
    assert shares == {"hold": 0.0, "boast": 1.0, "grovel": 0.0}
