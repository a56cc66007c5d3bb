"""The KTAB Spatial Model of Politics against KTAB's own reference runs (shipped copies)."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flashpoint.engine.strategy.bargaining import (
    IssueTable,
    analyse_state,
    example_path,
    read_issue_table,
    run_smp,
    to_json,
)
from flashpoint.engine.strategy.bargaining.smp import interpolate_bargain, prob_edu_challenge
from flashpoint.errors import FlashpointError

REFERENCE_RUNS = [
    ("ktab/SOE-Pol-Comp.csv", "ktab/ref-final-SOE-Pol-Comp.txt", 28),
    ("ktab/dummyData_3Dim.csv", "ktab/ref-final-dummyData_3Dim.txt", 11),
]
_HISTORY_LINE = re.compile(r"^(?P<actor>[^,]+), (?P<what>[^:]+?)\s*:\s+(?P<values>[-+0-9. ]+)$")


def _parse_final(name: str) -> tuple[int, dict[tuple[str, str], list[str]], dict[str, list[str]]]:
    """States, {(actor, dimension): printed positions}, {actor: printed probabilities}."""
    text = example_path(name).read_text(encoding="utf-8")
    states = int(re.search(r"There were (\d+) states", text).group(1))
    positions: dict[tuple[str, str], list[str]] = {}
    probs: dict[str, list[str]] = {}
    for line in text.splitlines():
        m = _HISTORY_LINE.match(line.strip())
        if not m:
            continue
        values = m.group("values").split()
        if m.group("what") == "prob":
            probs[m.group("actor")] = values
        else:
            positions[(m.group("actor"), m.group("what"))] = values
    return states, positions, probs


@pytest.fixture(scope="module", params=REFERENCE_RUNS, ids=lambda p: p[0].split("/")[1])
def reference_run(request):
    csv_name, ref_name, states = request.param
    table = read_issue_table(example_path(csv_name))
    return table, run_smp(table), _parse_final(ref_name), states


def test_reference_run_has_the_same_number_of_states(reference_run):
    _table, result, (ref_states, _pos, _prob), expected = reference_run
    assert ref_states == expected
    assert result.n_states == ref_states
    assert result.positions.shape[0] == result.probabilities.shape[0] == ref_states


def test_every_reference_position_is_reproduced_to_the_printed_decimal(reference_run):
    table, result, (_states, ref_positions, _probs), _ = reference_run
    assert len(ref_positions) == table.n_actors * table.n_dimensions
    mismatches = []
    for (actor, dim), printed in ref_positions.items():
        a, d = table.actors.index(actor), table.dimensions.index(dim)
        mine = [f"{v:.1f}" for v in result.positions[:, a, d]]
        if mine != printed:
            mismatches.append((actor, dim, printed, mine))
    assert mismatches == []


def test_every_reference_probability_is_reproduced_to_four_decimals(reference_run):
    table, result, (_states, _pos, ref_probs), _ = reference_run
    assert set(ref_probs) == set(table.actors)
    mismatches = []
    for actor, printed in ref_probs.items():
        mine = [f"{v:.4f}" for v in result.probabilities[:, table.actors.index(actor)]]
        if mine != printed:
            mismatches.append((actor, printed, mine))
    assert mismatches == []


# ---------------------------------------------------------------- turn-0 internals, SOE-Pol-Comp


def _turn0_sections() -> dict[str, list[str]]:
    lines = example_path("ktab/ref-turn0-SOE-Pol-Comp.txt").read_text(encoding="utf-8")
    sections: dict[str, list[str]] = {}
    current = None
    for raw in lines.splitlines():
        line = raw.strip()
        if line.startswith("Raw actor-pos value matrix"):
            current = "raw"
        elif line.startswith("Inferred risk attitudes"):
            current = "risk"
        elif line.startswith("Risk-aware actor-pos utility matrix"):
            current = "objective"
        elif re.match(r"^[+-]\d", line) and current:
            sections.setdefault(current, []).append(line)
        elif line:
            current = None
    return sections


def _turn0_blocks() -> list[dict]:
    """Each 'In turn 0 actor i has most advantageous target j' block with its estimates and the
    initiator-perspective bargain."""
    text = example_path("ktab/ref-turn0-SOE-Pol-Comp.txt").read_text(encoding="utf-8")
    blocks: list[dict] = []
    brgn_from = None
    for raw in text.splitlines():
        line = re.sub(r"^\d+[:-]", "", raw).strip()  # the file keeps grep's line prefixes
        m = re.match(r"In turn 0 actor (\d+) has most advantageous target (\d+) worth (\S+)", line)
        if m:
            blocks.append({"i": int(m[1]), "j": int(m[2]), "worth": m[3], "est": [],
                           "proposals": [], "detail": None})
            continue
        m = re.match(r"turn 0 , i (\d+) , j (\d+) , bestEU worth (\S+) , piiJ\s+(\S+)", line)
        if m:
            blocks[-1]["detail"] = (m[3], m[4])
            continue
        m = re.match(
            r"Est by\s+(\d+) of prob (\S+) that \[\s*(\d+)>\s*(\d+)\], with expected gain to\s+"
            r"(\d+) of (\S+)", line)
        if m:
            blocks[-1]["est"].append((int(m[1]), int(m[5]), int(m[3]), int(m[4]), m[2], m[6]))
            continue
        m = re.match(r"Bargain \[\d+, (\d+):(\d+)\] from (\d+)'s perspective", line)
        if m:
            brgn_from = int(m[3])
            continue
        m = re.match(r"(\d+) proposes (\d+) adopt:\s+(.+)$", line)
        if m and brgn_from == blocks[-1]["i"]:
            blocks[-1]["proposals"].append((int(m[2]), m[3].split()))
    return blocks


@pytest.fixture(scope="module")
def soe():
    table = read_issue_table(example_path("ktab/SOE-Pol-Comp.csv"))
    return table, analyse_state(table)


def test_turn0_risk_neutral_value_matrix(soe):
    table, state = soe
    rows = _turn0_sections()["raw"]
    assert len(rows) == table.n_actors
    for i, row in enumerate(rows):
        assert [f"{v:+.3f}" for v in state.risk_neutral_utilities[i]] == row.split()


def test_turn0_inferred_risk_attitudes(soe):
    _table, state = soe
    printed = [line.split()[0] for line in _turn0_sections()["risk"]]
    assert [f"{r:+.3f}" for r in state.risk] == printed
    assert state.risk.max() == pytest.approx(1.0) and state.risk.min() == pytest.approx(-0.5)


def test_turn0_risk_aware_objective_utilities(soe):
    _table, state = soe
    rows = _turn0_sections()["objective"]
    assert rows, "the reference keeps at least the first rows of this matrix"
    for i, row in enumerate(rows):
        objective = state.utilities[i, i]  # U^i_ij uses (2 R_i + R_i) / 3 = R_i
        assert [f"{v:+.4f}" for v in objective] == row.split()


def test_turn0_best_targets_estimates_and_bargains(soe):
    table, state = soe
    blocks = _turn0_blocks()
    assert len(blocks) >= 8
    sigma = table.salience.sum(axis=1)
    weights = sigma * table.capability
    checked = 0
    for b in blocks:
        i, j = b["i"], b["j"]
        assert state.targets[i] == j
        assert f"{state.target_gains[i]:.3f}" == b["worth"]
        if b["detail"] is not None:
            assert f"{state.target_gains[i]:.6g}" == b["detail"][0]
            assert f"{state.target_probabilities[i]:.6g}" == b["detail"][1]
        for h, k, ii, jj, prob, gain in b["est"]:
            p, g = prob_edu_challenge(state.utilities, weights, sigma, h, k, ii, jj)
            assert (f"{float(p):.4f}", f"{float(g):+.4f}") == (prob, gain), (h, k, ii, jj)
            checked += 1
        bargain = next(x for x in state.bargains if x.initiator == i)
        assert bargain.receiver == j
        for who, coords in b["proposals"]:
            pos = bargain.initiator_position if who == i else bargain.receiver_position
            assert [f"{100 * v:.3f}" for v in pos] == coords
    assert checked >= 25


def test_s2p2_bargain_rounds_to_four_decimals_and_favours_the_likely_winner():
    x_i, x_j = np.array([0.30, 0.20]), np.array([0.50, 0.50])
    s_i, s_j = np.array([0.24, 0.48]), np.array([0.447, 0.478])
    b_i, b_j = interpolate_bargain(x_i, s_i, x_j, s_j, 0.9)
    assert np.allclose(np.round(b_i * 1e4), b_i * 1e4, rtol=0, atol=1e-9)
    assert np.all(np.abs(b_i - x_i) < np.abs(b_i - x_j))
    b_lo, _ = interpolate_bargain(x_i, s_i, x_j, s_j, 0.1)
    assert np.all(np.abs(b_lo - x_j) < np.abs(b_lo - x_i))


# ---------------------------------------------------------------- behaviour


def test_runs_are_deterministic():
    table = read_issue_table(example_path("ktab/dummyData_3Dim.csv"))
    a, b = run_smp(table), run_smp(table)
    assert np.array_equal(a.positions, b.positions)
    assert np.array_equal(a.probabilities, b.probabilities)


def test_iteration_limits_bound_the_history():
    table = read_issue_table(example_path("ktab/SOE-Pol-Comp.csv"))
    short = run_smp(table, max_iterations=3)
    assert short.n_states == 4
    full = run_smp(table)
    assert np.array_equal(short.positions, full.positions[:4])
    assert run_smp(table, min_iterations=40, max_iterations=40).n_states == 41
    with pytest.raises(FlashpointError, match=r"minimum 5, maximum 3; allowed"):
        run_smp(table, min_iterations=5, max_iterations=3)


def test_to_json_layout_matches_the_result():
    table = read_issue_table(example_path("ktab/SOE-Pol-Comp.csv"))
    result = run_smp(table)
    out = json.loads(json.dumps(to_json(result)))
    assert out["model"] == "smp"
    assert out["states"] == result.n_states == 28
    assert out["actors"] == list(table.actors)
    xj = out["positions"]["XJ"]
    assert len(xj) == 2 and all(len(dim) == 28 for dim in xj)
    assert xj[0][0] == pytest.approx(30.0) and xj[1][-1] == pytest.approx(43.3, abs=0.05)
    assert out["positions"]["WY"] == [[15.0] * 28, [60.0] * 28]
    assert out["probabilities"]["MK"][0] == pytest.approx(result.probabilities[0, 3])
    assert len(out["probabilities"]["MK"]) == 28


def test_actor_without_salience_is_rejected():
    table = IssueTable(
        actors=("A", "B"), capability=np.array([1.0, 2.0]),
        positions=np.array([[10.0], [90.0]]), salience=np.array([[0.5], [0.0]]),
        dimensions=("d",), scale=(0.0, 100.0), source="inline",
    )
    with pytest.raises(FlashpointError, match=r"'B'.*zero salience"):
        run_smp(table)


@st.composite
def _tables(draw):
    n = draw(st.integers(2, 6))
    dims = draw(st.integers(1, 3))
    pos = draw(st.lists(st.lists(st.integers(0, 100), min_size=dims, max_size=dims),
                        min_size=n, max_size=n))
    sal = draw(st.lists(st.lists(st.integers(1, 100 // dims), min_size=dims, max_size=dims),
                        min_size=n, max_size=n))
    cap = draw(st.lists(st.integers(1, 200), min_size=n, max_size=n))
    return IssueTable(
        actors=tuple(f"A{i}" for i in range(n)), capability=np.array(cap, float),
        positions=np.array(pos, float), salience=np.array(sal, float) / 100.0,
        dimensions=tuple(f"d{d}" for d in range(dims)), scale=(0.0, 100.0),
    )


@settings(max_examples=40, deadline=None)
@given(_tables())
def test_any_valid_table_gives_a_well_formed_history(table):
    result = run_smp(table, max_iterations=15)
    s = result.n_states
    assert 3 <= s <= 16
    assert result.positions.shape == (s, table.n_actors, table.n_dimensions)
    assert np.allclose(result.positions[0], table.positions, rtol=0, atol=1e-9)
    assert np.all(result.positions >= -1e-9) and np.all(result.positions <= 100 + 1e-9)
    assert np.all((result.probabilities >= 0) & (result.probabilities <= 1 + 1e-12))
    for t in range(s):
        x = result.positions[t]
        gaps = np.sqrt(((x[:, None, :] - x[None, :, :]) ** 2).sum(axis=2))
        same = gaps == 0.0
        p = result.probabilities[t]
        # actors at one position share its probability ...
        assert np.array_equal(np.where(same, p[None, :], 0.0), np.where(same, p[:, None], 0.0))
        # ... and when every position is clearly distinct, the probabilities sum to one
        if np.all(gaps[~np.eye(table.n_actors, dtype=bool)] > 0.2):
            assert p.sum() == pytest.approx(1.0, abs=1e-9)
