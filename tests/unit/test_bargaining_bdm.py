"""The Scholz et al. (2011) expected-utility model against the jmckib replication's output."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from flashpoint.engine.strategy.bargaining import (
    ExpectedUtilityState,
    IssueTable,
    example_path,
    read_issue_table,
    risk_exponents,
    run_bdm,
    to_json,
)
from flashpoint.engine.strategy.bargaining.bdm import candidate_offers
from flashpoint.errors import FlashpointError

TOL = {"rel": 1e-12, "abs": 1e-12}
_KIND = {"compromises with": "compromise", "loses confrontation to": "conflict",
         "capitulates to": "capitulation"}


def _eu_table() -> IssueTable:
    return read_issue_table(example_path("bdm/eu_emissions_scholz_jmckib.csv"))


def _parse_rounds() -> tuple[list[float], list[float], list[list[tuple]]]:
    """Median and mean of every state and the offers printed for every round."""
    text = example_path("bdm/ref-jmckib-eu_emissions-10rounds.txt").read_text(encoding="utf-8")
    medians = [float(v) for v in re.findall(r"Median position: (\S+)", text)]
    means = [float(v) for v in re.findall(r"Mean position: (\S+)", text)]
    rounds: list[list[tuple]] = []
    for chunk in re.split(r"ROUND \d+", text)[1:]:
        offers = re.findall(
            r"(\S+) (compromises with|loses confrontation to|capitulates to) (\S+)\n"
            r"\t(\S+) vs (\S+)\n\tnew_pos = (\S+)", chunk)
        rounds.append([(a, _KIND[k], b, float(e1), float(e2), float(p))
                       for a, k, b, e1, e2, p in offers])
    return medians, means, rounds


@pytest.fixture(scope="module")
def scholz_run():
    return run_bdm(_eu_table(), rounds=10, variant="scholz_code")


def test_ten_round_forecasts_match_the_reference(scholz_run):
    medians, means, rounds = _parse_rounds()
    assert len(rounds) == 10 and len(medians) == len(means) == 11
    assert scholz_run.n_states == 11
    assert list(scholz_run.median) == pytest.approx(medians, **TOL)
    assert list(scholz_run.mean) == pytest.approx(means, **TOL)


def test_every_offer_of_every_round_matches_the_reference(scholz_run):
    _medians, _means, rounds = _parse_rounds()
    actors = scholz_run.actors
    assert sum(len(r) for r in rounds) == 30
    for number, (printed, mine) in enumerate(zip(rounds, scholz_run.offers, strict=True), 1):
        assert [(a, k, b) for a, k, b, *_ in printed] == [
            (actors[o.actor], o.kind, actors[o.proposer]) for o in mine
        ], f"round {number}"
        for (*_, e1, e2, pos), o in zip(printed, mine, strict=True):
            assert (o.eu, o.other_eu, o.position) == pytest.approx((e1, e2, pos), **TOL)


def test_positions_follow_the_accepted_offers(scholz_run):
    for t, offers in enumerate(scholz_run.offers):
        before, after = scholz_run.positions[t, :, 0], scholz_run.positions[t + 1, :, 0]
        moved = {o.actor: o.position for o in offers}
        for a in range(len(before)):
            assert after[a] == moved.get(a, before[a])


def _internals() -> dict:
    text = example_path("bdm/ref-jmckib-eu_emissions-round1-internals.txt").read_text("utf-8")
    head = re.search(r"range (\S+) median (\S+) mean (\S+)", text)
    return {
        "range": head[1], "median": head[2], "mean": head[3],
        "r": dict(re.findall(r"^(\S+) r=(\S+)$", text, flags=re.M)),
        "p_fra_bel": re.search(r"P\(France beats Belgium\)=(\S+)", text)[1],
        "p_bel_fra": re.search(r"P\(Bel>Fra\)=(\S+)", text)[1],
        "eu_bel_fra": re.search(r"EU\^Belgium\(Bel->Fra\)=(\S+)", text)[1],
        "eu_fra_bel": re.search(r"EU\^Belgium\(Fra->Bel\)=(\S+)", text)[1],
    }


def test_round_one_internals_match_the_reference():
    table = _eu_table()
    ref = _internals()
    x, c, s = table.positions[:, 0], table.capability, table.salience[:, 0]
    delta = float(x.max() - x.min())
    assert f"{delta:.1f}" == ref["range"]
    result = run_bdm(table, rounds=1)
    assert f"{result.median[0]:.1f}" == ref["median"]
    assert f"{result.mean[0]:.6f}" == ref["mean"]
    r = risk_exponents(ExpectedUtilityState(x, c, s, np.ones(len(x)), delta))
    assert list(ref["r"]) == list(table.actors)
    assert [f"{v:.6f}" for v in r] == list(ref["r"].values())
    assert np.array_equal(r, result.risk_exponents[0])
    state = ExpectedUtilityState(x, c, s, r, delta)
    prob = state.probability_matrix()
    fra, bel = table.actors.index("France"), table.actors.index("Belgium")
    assert f"{prob[fra, bel]:.6f}" == ref["p_fra_bel"]
    assert f"{prob[bel, fra]:.6f}" == ref["p_bel_fra"]
    assert f"{state.expected_utility(prob, bel, bel, fra):.6f}" == ref["eu_bel_fra"]
    assert f"{state.expected_utility(prob, bel, fra, bel):.6f}" == ref["eu_fra_bel"]


def test_risk_exponents_span_half_to_two():
    table = _eu_table()
    r = run_bdm(table, rounds=3).risk_exponents
    assert np.allclose(r.min(axis=1), 0.5) and np.allclose(r.max(axis=1), 2.0)


def test_percent_saliences_give_the_same_run():
    percent = read_issue_table(example_path("bdm/eu_emissions_scholz_dmasad.csv"))
    fraction = _eu_table()
    assert percent.salience_scale == 100.0 and fraction.salience_scale == 1.0
    a, b = run_bdm(percent), run_bdm(fraction)
    assert np.allclose(a.positions, b.positions, rtol=0, atol=1e-12)
    assert np.allclose(a.median, b.median, rtol=0, atol=1e-12)


# ---------------------------------------------------------------- the published-equation variant


def _capitulation_table() -> IssueTable:
    return IssueTable(
        actors=("A", "B", "C"), capability=np.array([9.0, 1.0, 8.0]),
        positions=np.array([[5.0], [6.0], [3.0]]), salience=np.array([[0.7], [0.3], [0.8]]),
        dimensions=("p",), scale=(3.0, 6.0),
    )


def test_paper_variant_lets_actors_capitulate_where_scholz_code_cannot():
    table = _capitulation_table()
    paper = run_bdm(table, rounds=1, variant="paper").offers[0]
    capitulations = [o for o in paper if o.kind == "capitulation"]
    assert capitulations, "A should capitulate to C"
    o = capitulations[0]
    assert (table.actors[o.actor], table.actors[o.proposer]) == ("A", "C")
    assert o.other_eu > 0 > o.eu and abs(o.eu) > o.other_eu
    assert o.position == 3.0
    scholz = run_bdm(table, rounds=1, variant="scholz_code").offers[0]
    assert all(o.kind != "capitulation" for o in scholz)
    assert 0 not in {o.actor for o in scholz}


def test_paper_variant_takes_the_smallest_move_and_has_complementary_probabilities():
    table = _eu_table()
    x, c, s = table.positions[:, 0], table.capability, table.salience[:, 0]
    state = ExpectedUtilityState(x, c, s, np.ones(len(x)), 6.0, variant="paper")
    p = state.probability_matrix()
    differ = x[:, None] != x[None, :]
    assert np.allclose((p + p.T)[differ], 1.0)
    result = run_bdm(table, rounds=1, variant="paper")
    state1 = ExpectedUtilityState(x, c, s, result.risk_exponents[0], 6.0, variant="paper",
                                  mu=float(result.median[0]))
    prob = state1.probability_matrix()
    for o in result.offers[0]:
        options = candidate_offers(state1, prob, o.actor)
        assert abs(o.position - x[o.actor]) == min(abs(q.position - x[o.actor]) for q in options)


def test_multi_dimensional_or_flat_tables_are_rejected():
    soe = read_issue_table(example_path("ktab/SOE-Pol-Comp.csv"))
    with pytest.raises(FlashpointError, match=r"SOE-Pol-Comp\.csv: 2 issue dimensions"):
        run_bdm(soe)
    flat = IssueTable(actors=("A", "B"), capability=np.ones(2), positions=np.full((2, 1), 4.0),
                      salience=np.full((2, 1), 0.5), dimensions=("p",), scale=(4.0, 4.0),
                      source="flat.csv")
    with pytest.raises(FlashpointError, match=r"flat\.csv: every actor is at position 4"):
        run_bdm(flat)
    with pytest.raises(FlashpointError, match="variant 'bogus'"):
        run_bdm(_eu_table(), variant="bogus")  # type: ignore[arg-type]


def test_to_json_for_the_expected_utility_model(scholz_run):
    out = json.loads(json.dumps(to_json(scholz_run)))
    assert out["model"] == "bdm" and out["states"] == 11
    assert out["actors"] == list(scholz_run.actors)
    assert out["positions"]["Belgium"][0][:2] == [7.0, pytest.approx(8.415932315426764)]
    assert out["probabilities"]["UK"] == [None] * 11
    assert out["median"][-1] == pytest.approx(7.0)
