"""Bargaining and sensitivity inputs that used to crash, hang or warn: each now gets a message
(or runs cleanly), and work too large for the machine is refused before it starts."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parents[2] / "src/flashpoint/engine/strategy/bargaining/data"
HEADER = "Actor,Capability,Position,Salience\n"


def table(tmp_path: Path, rows: list[str], name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def many_actors(tmp_path: Path, n: int) -> Path:
    return table(tmp_path, [f"a{i},{1 + i % 7},{(37 * i) % 101},{0.1 + (i % 9) / 10}" for i in range(n)])


def refused(result, *words: str) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "Warning" not in result.output
    for word in words:
        assert word in result.stderr, (word, result.stderr)
    return result.stderr


@pytest.mark.parametrize("model", ["smp", "bdm"])
def test_a_huge_position_is_out_of_range(cli, tmp_path, model):
    path = table(tmp_path, ["A,1,1e308,0.5", "B,1,0,0.5", "C,2,-1e308,0.3"])
    refused(cli("bargain", path, "--model", model), f"{path}: row 2, column 3 (Position): 1e+308 is out of range",
            "allowed: a number from -1e+12 to 1e+12")


def test_every_salience_zero_is_named(cli, tmp_path):
    path = table(tmp_path, ["A,1,10,0", "B,1,0,0", "C,2,30,0"])
    refused(cli("bargain", path, "--model", "bdm"), f"{path}: column 4 (Salience): every salience is 0")


def test_an_unclosed_quote_is_reported_on_its_own_line(cli, tmp_path):
    path = table(tmp_path, ['"A,1,10,0.5', "B,1,0,0.5", "C,2,30,0.3"])
    refused(cli("bargain", path), f"{path}: line 2: a double quote opened on this line is never closed")
    path = table(tmp_path, ['"A,1,10,0.5', 'B",1,0,0.5', "C,2,30,0.3"], "closed-later.csv")
    refused(cli("bargain", path), f"{path}: line 2: a double quote opened on this line is not closed on it")


def test_a_thousand_actors_with_bdm_are_refused_before_running(cli, tmp_path):
    refused(cli("bargain", many_actors(tmp_path, 1000), "--model", "bdm"), "this bargaining run")


@pytest.mark.parametrize("n", [300, 10_000])
def test_a_large_smp_table_is_refused_with_the_option_that_allows_it(cli, tmp_path, n):
    message = refused(cli("bargain", many_actors(tmp_path, n)), "this bargaining run")
    assert "--max-seconds" in message or "memory" in message


@pytest.mark.parametrize("rounds", [1_000_000, 100_000_000_000])
def test_too_many_rounds_are_refused(cli, tmp_path, rounds):
    path = DATA / "bdm" / "eu_emissions_scholz_jmckib.csv"
    refused(cli("bargain", path, "--model", "bdm", "--rounds", rounds), "this bargaining run", "rounds")


def test_raising_the_limit_runs_it(cli):
    path = DATA / "bdm" / "eu_emissions_scholz_jmckib.csv"
    refused(cli("bargain", path, "--model", "bdm", "--rounds", 200, "--max-seconds", 1), "--max-seconds 1 s")
    assert cli("bargain", path, "--model", "bdm", "--rounds", 200).exit_code == 0


def test_bdm_on_the_shipped_ktab_table_gives_no_warning(cli, recwarn):
    result = cli("bargain", DATA / "ktab" / "dummyData_3Dim.csv", "--model", "bdm")
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output.lower()
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_sensitivity_seed_must_be_in_range(cli, minimal_toml):
    refused(cli("sensitivity", minimal_toml, "-o", "blue-holds-b", "--seed", -1), "--seed -1: must be a whole number")


def test_sensitivity_samples_beyond_the_limit_are_refused(cli, minimal_toml):
    message = refused(cli("sensitivity", minimal_toml, "-o", "blue-holds-b", "--samples", 1099511627776),
                      "--samples 1099511627776", "--max-runs")
    assert "runs" in message
