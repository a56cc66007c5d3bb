"""The bargain command: KTAB's reference runs line by line, the JSON layout, BDM without invented
probabilities, and one clear message with exit code 2 for a bad table."""

from __future__ import annotations

import json
import re

import pytest

from flashpoint.engine.strategy.bargaining import example_path


def _reference_lines(name: str) -> list[str]:
    """The position and probability lines of a KTAB reference log, whitespace-normalised."""
    text = example_path(f"ktab/{name}").read_text(encoding="utf-8")
    return [" ".join(line.split()) for line in text.splitlines() if re.match(r"^[^,]+, [^:]+:\s*[-\d]", line)]


@pytest.mark.parametrize("table, reference", [("dummyData_3Dim.csv", "ref-final-dummyData_3Dim.txt"),
                                              ("SOE-Pol-Comp.csv", "ref-final-SOE-Pol-Comp.txt")])
def test_smp_history_matches_ktab_reference_run(cli, table, reference):
    result = cli("bargain", example_path(f"ktab/{table}"))
    assert result.exit_code == 0, result.output
    printed = [" ".join(line.split()) for line in result.output.splitlines()]
    wanted = _reference_lines(reference)
    assert len(wanted) > 20
    missing = [line for line in wanted if line not in printed]
    assert not missing, f"{len(missing)} reference lines differ, first: {missing[:2]}"


def test_smp_json_layout(cli):
    result = cli("bargain", example_path("ktab/SOE-Pol-Comp.csv"), "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["model"] == "smp" and doc["states"] == 28
    assert len(doc["actors"]) == 13
    for actor in doc["actors"]:
        pos = doc["positions"][actor]
        assert len(pos) == 2 and all(len(dim) == 28 for dim in pos)
        assert all(0 <= v <= 100 for dim in pos for v in dim)        # the input's 0-100 scale
        assert len(doc["probabilities"][actor]) == 28
    # KTAB's reference: MK .4340 -> .1104, WY never moves from (15, 60)
    assert doc["probabilities"]["MK"][0] == pytest.approx(0.4340, abs=5e-5)
    assert doc["probabilities"]["MK"][-1] == pytest.approx(0.1104, abs=5e-5)
    assert doc["positions"]["WY"] == [[15.0] * 28, [60.0] * 28]


def test_bdm_says_it_has_no_win_probabilities(cli):
    path = example_path("bdm/eu_emissions_scholz_jmckib.csv")
    text = cli("bargain", path, "--model", "bdm")
    assert text.exit_code == 0, text.output
    assert "no per-actor probability" in text.output
    assert "prob :" not in text.output
    doc = json.loads(cli("bargain", path, "--model", "bdm", "--json").output)
    assert doc["model"] == "bdm" and doc["states"] == 11
    assert all(p is None for p in doc["probabilities"].values())
    assert "no per-actor probability" in doc["note"]
    # jmckib's ten rounds: medians 8.4159, 9.6109, 9.9620 ... 7.0
    median = doc["median"]["Position"]
    assert median[1] == pytest.approx(8.4159, abs=5e-5) and median[10] == pytest.approx(7.0)
    assert doc["positions"]["Belgium"][0][1] == pytest.approx(8.415932, abs=1e-6)


def test_bdm_runs_a_ktab_table_one_dimension_at_a_time(cli):
    doc = json.loads(cli("bargain", example_path("ktab/dummyData_3Dim.csv"), "--model", "bdm", "--rounds", "4",
                         "--json").output)
    assert doc["states"] == 5 and len(doc["positions"]["SActor-00"]) == 3
    assert set(doc["median"]) == {"Pstn1", "Pstn2", "Pstn3"}


GOOD = "Actor,Capability,Position,Salience\nA,10,20,50\nB,5,80,40\n"


@pytest.mark.parametrize("name, text, expected", [
    ("missing-column", "Actor,Capability,Position\nA,10,20\nB,5,80\n", "no salience column"),
    ("salience-over-100", GOOD.replace("B,5,80,40", "B,5,80,140"), "out of range"),
    ("ktab-saliences-over-100", "demo,d,2,2\nActor,Desc,Cap,P1,S1,P2,S2\nA,a,10,20,60,30,50\nB,b,5,80,40,20,30\n",
     "saliences add up to 110"),
    ("not-a-number", GOOD.replace("A,10,20,50", "A,ten,20,50"), "'ten' is not a number"),
    ("one-actor", "Actor,Capability,Position,Salience\nA,10,20,50\n", "at least 2 actors"),
    ("empty", "", "the file is empty"),
])
def test_bad_tables_exit_2_with_one_clear_message(cli, tmp_path, name, text, expected):
    path = tmp_path / f"{name}.csv"
    path.write_text(text, encoding="utf-8")
    for model in ("smp", "bdm"):
        result = cli("bargain", path, "--model", model)
        assert result.exit_code == 2, result.output
        assert expected in result.output and str(path.name) in result.output
        assert "Traceback" not in result.output


def test_bad_options_and_missing_files_exit_2(cli, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text(GOOD, encoding="utf-8")
    assert cli("bargain", good).exit_code == 0
    bad_model = cli("bargain", good, "--model", "ktab")
    assert bad_model.exit_code == 2 and "--model 'ktab'" in bad_model.output
    assert cli("bargain", good, "--model", "bdm", "--rounds", "0").exit_code == 2
    missing = cli("bargain", tmp_path / "nope.csv")
    assert missing.exit_code == 2 and "nope.csv: file not found" in missing.output
