"""Global sensitivity: SALib's wiring against the Ishigami function's known indices, the quantile
design through the engine, a scenario where one input plainly dominates, and bad inputs."""

from __future__ import annotations

import json

import numpy as np
import pytest
from tests.fixtures import MINIMAL

import flashpoint
from flashpoint.analysis.sensitivity import (
    DUMMY,
    analyse,
    check_samples,
    design,
    input_label,
    problem,
    scenario_inputs,
    select_inputs,
    sensitivity,
)
from flashpoint.errors import FlashpointError


def ishigami(levels: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    """Ishigami and Homma (1990) on inputs uniform on [-pi, pi], given as levels in [0, 1]."""
    x = -np.pi + 2 * np.pi * levels
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


# Analytical indices of Ishigami with a = 7, b = 0.1 (Sobol' and Levitan 1999; SALib's test values)
ISHIGAMI_S1 = {"x1": 0.3139, "x2": 0.4424, "x3": 0.0}
ISHIGAMI_ST = {"x1": 0.5576, "x2": 0.4424, "x3": 0.2437}


def test_sobol_wiring_recovers_ishigami_indices():
    prob = problem(["x1", "x2", "x3"])
    x = design(prob, "sobol", 4096, seed=3)
    assert x.shape == (4096 * 5, 3) and x.min() >= 0 and x.max() <= 1
    rows = {r["input"]: r for r in analyse(prob, x, ishigami(x), "sobol", seed=3)}
    for name in ISHIGAMI_S1:
        assert rows[name]["S1"] == pytest.approx(ISHIGAMI_S1[name], abs=0.04)
        assert rows[name]["ST"] == pytest.approx(ISHIGAMI_ST[name], abs=0.04)
        assert 0 < rows[name]["ST_conf"] < 0.1
    # ranked by ST: x1, x2, x3
    assert [r["input"] for r in analyse(prob, x, ishigami(x), "sobol", seed=3)] == ["x1", "x2", "x3"]


def test_morris_wiring_gives_the_slopes_of_a_linear_function_and_flags_an_interaction():
    """Y = 3 u1 - u2 + 2 u3 u4: mu* of u1 and u2 are their slopes (per whole quantile range) with
    no spread; u3 and u4 act only together (sigma > 0); an idle input scores 0."""
    prob = problem(["u1", "u2", "u3", "u4", "idle"])
    x = design(prob, "morris", 50, seed=5)
    assert x.shape == (50 * 6, 5)
    assert set(np.unique(x)) == {0.125, 0.375, 0.625, 0.875}   # bin centres, never 0 or 1
    y = 3 * x[:, 0] - x[:, 1] + 2 * x[:, 2] * x[:, 3]
    rows = analyse(prob, x, y, "morris", seed=5)
    by = {r["input"]: r for r in rows}
    assert [r["input"] for r in rows][0] == "u1" and rows[-1]["input"] == "idle"
    assert by["u1"]["mu_star"] == pytest.approx(3.0) and by["u1"]["sigma"] == pytest.approx(0.0, abs=1e-9)
    assert by["u2"]["mu_star"] == pytest.approx(1.0) and by["u2"]["mu"] == pytest.approx(-1.0)
    for n in ("u3", "u4"):   # effect 2 u_other, u_other in {1/8, ..., 7/8}: mean 1, spread > 0
        assert 0.5 < by[n]["mu_star"] < 1.5 and by[n]["sigma"] > 0.3
    assert by["idle"]["mu_star"] == 0 and by["idle"]["mu_star_conf"] == 0


def test_scenario_inputs_include_the_strategy_layer_and_read_back():
    s = flashpoint.load("idlib-2020")
    known = scenario_inputs(s)
    assert "parameters.rationality" in known.keys and "actors.russia.resolve" in known.keys
    assert any(p.startswith("forces.air_defence.") for p in known.keys)
    rung = next(p for p in known.keys if p.startswith("escalation.rungs."))
    assert rung.endswith(".climb_risk")
    assert "m5-held-by-regime" in known.outcomes and "russia.aircraft_lost" in known.metrics


def test_design_levels_fix_the_inputs_run_by_run():
    """The values the engine used are the inputs' quantiles at the design's levels."""
    s = flashpoint.load(str(MINIMAL))
    levels = np.linspace(0.01, 0.99, 20)
    res = s.run(runs=20, seed=2, keep_runs=True, days=5,
                quantiles={"forces.ground.red-1.personnel": levels, "parameters.attrition-rate": levels[::-1]})
    frame = res.per_run()
    assert np.all(np.diff(frame["input:forces.ground.red-1.personnel"]) > 0)
    assert frame["input:parameters.attrition-rate"].iloc[0] == pytest.approx(0.005 + 0.015 * 0.99)


WIDE = MINIMAL.read_text(encoding="utf-8").replace(
    'personnel = { dist = "triangular", low = 3000, mode = 4000, high = 5000 }',
    'personnel = { dist = "uniform", low = 100, high = 12000 }')
# ... with the speed of advance fixed: the campaign fit's spread, drawn per run and not among the
# inputs studied, would otherwise be most of each run's own chance
STEADY = WIDE + """
[parameters.advance-km-per-day]
value = 3.0
unit = "km per day"
source = "made-up"
low = 0.0
"""


@pytest.fixture(scope="module")
def wide(tmp_path_factory):
    path = tmp_path_factory.mktemp("wide") / "wide.toml"
    path.write_text(WIDE, encoding="utf-8")
    return flashpoint.load(str(path))


@pytest.fixture(scope="module")
def steady(tmp_path_factory):
    path = tmp_path_factory.mktemp("steady") / "steady.toml"
    path.write_text(STEADY, encoding="utf-8")
    return flashpoint.load(str(path))


def test_a_dominant_input_ranks_first_with_sobol(steady):
    """Red's strength from 100 to 12,000 men decides whether Blue holds B."""
    r = steady.sensitivity("blue-holds-b", method="sobol", base_samples=128, seed=4, days=20,
                         inputs=["forces.*", "parameters.attrition-rate", "parameters.terrain-urban"])
    assert r.runs == 128 * (3 + 1 + 2)
    first = r.rows[0]
    assert first["input"] == "forces.ground.red-1.personnel"
    assert first["S1"] - first["S1_conf"] > 0.1 and first["above_noise"]
    # the run's own chance raises every ST; the dummy measures by how much
    assert 0.1 < r.noise["ST"] < first["ST"]
    assert not any(row["above_noise"] for row in r.rows[1:])
    assert r.ranked[0] == {"input": first["input"], "label": "red-1 personnel", "value": first["ST"],
                           "conf": first["ST_conf"], "above_noise": True}
    assert 0 < r.mean < 1 and r.kind == "outcome"
    doc = json.loads(json.dumps(r.to_json()))
    assert doc["indices"][0]["input"] == first["input"] and doc["method"] == "sobol"
    assert DUMMY not in [row["input"] for row in r.rows]


def test_a_dominant_input_ranks_first_with_morris_on_a_metric(wide):
    r = sensitivity(wide, "blueland.personnel_killed", method="morris", base_samples=8, seed=1, days=20,
                    inputs=["forces.*", "parameters.loss-dispersion", "parameters.road-factor"], replicates=2)
    assert r.kind == "metric" and r.runs == 8 * 5 * 2
    assert r.rows[0]["input"] == "forces.ground.red-1.personnel"
    assert r.ranked[0]["value"] == 1.0 and all(0 <= x["value"] <= 1 for x in r.ranked)


def test_same_seed_same_indices(wide):
    a = sensitivity(wide, "blue-holds-b", method="morris", base_samples=4, days=5, inputs=["parameters.*"])
    b = sensitivity(wide, "blue-holds-b", method="morris", base_samples=4, days=5, inputs=["parameters.*"])
    assert a.rows == b.rows


def test_labels():
    assert input_label("actors.russia.resolve") == "russia resolve"
    assert input_label("parameters.attrition-rate") == "attrition-rate (parameter)"
    assert input_label("forces.air_defence.sy-buk-hama.kill_prob") == "sy-buk-hama kill prob"
    assert input_label("escalation.rungs.proxy-war.climb_risk") == "proxy-war climb risk"
    assert input_label("decisions.usa.options.stand-down.credibility") == "usa stand-down credibility"


# ------------------------------------------------------------------------------ bad inputs
def test_too_few_samples_say_how_many_runs_are_needed():
    with pytest.raises(FlashpointError, match=r"at least 16 base samples, that is 1,648 runs for the 100 inputs"):
        check_samples("sobol", 8, 100)
    with pytest.raises(FlashpointError, match=r"at least 4 trajectories, that is 408 runs"):
        check_samples("morris", 3, 100)
    with pytest.raises(FlashpointError, match="power of 2.*e.g. 64 or 128"):
        check_samples("sobol", 100, 10)
    assert check_samples("morris", 10, 100, replicates=3) == 10 * 102 * 3


def test_unknown_target_method_and_input(wide):
    with pytest.raises(FlashpointError, match="not an outcome or a metric.*blue-holds-b, road-open"):
        sensitivity(wide, "sochi-line-restored")
    with pytest.raises(FlashpointError, match="--method fast: unknown"):
        sensitivity(wide, "blue-holds-b", method="fast")
    with pytest.raises(FlashpointError, match="input forces.air.nope: not an uncertain input"):
        select_inputs(["forces.ground.red-1.personnel"], ["forces.air.nope"])


def test_a_target_that_never_varies_is_an_error(wide):
    with pytest.raises(FlashpointError, match="does not vary"):
        sensitivity(wide, "blueland.aircraft_lost", method="morris", base_samples=4, days=3, inputs=["parameters.*"])


def test_cli_sensitivity_table_and_json(cli, tmp_path):
    path = tmp_path / "wide.toml"
    path.write_text(WIDE, encoding="utf-8")
    out = cli("sensitivity", str(path), "--outcome", "blue-holds-b", "--method", "morris", "--samples", "4",
              "--days", "10", "--input", "forces.*", "--input", "parameters.terrain-urban")
    assert out.exit_code == 0, out.output
    assert "red-1.personnel" in out.output and "beyond chance" in out.output and "dummy" in out.output
    out = cli("sensitivity", str(path), "--outcome", "blue-holds-b", "--method", "sobol", "--samples", "16",
              "--days", "10", "--input", "forces.*", "--json")
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    assert doc["runs"] == 16 * 4 and doc["indices"][0]["input"] == "forces.ground.red-1.personnel"


@pytest.mark.parametrize("args, message", [
    (("--outcome", "nope"), "not an outcome or a metric"),
    (("--outcome", "blue-holds-b", "--samples", "8"), "needs at least 16 base samples"),
    (("--outcome", "blue-holds-b", "--method", "morris", "--samples", "2"), "needs at least 4 trajectories"),
    (("--outcome", "blue-holds-b", "--method", "anova"), "unknown; use one of sobol, morris"),
    (("--outcome", "blue-holds-b", "--days", "99", "--samples", "16"), "--days 99"),
])
def test_cli_sensitivity_bad_input_exits_2(cli, args, message):
    out = cli("sensitivity", str(MINIMAL), *args)
    assert out.exit_code == 2, out.output
    assert message in out.output and "Traceback" not in out.output
