"""Scenario discovery: PRIM finds a planted box with its known density and coverage, drops inputs
that do not matter, says it in plain words, and refuses inputs it cannot work with."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from flashpoint.analysis.discovery import Box, discover, prim
from flashpoint.errors import FlashpointError


def planted(n: int = 4000, d: int = 12, seed: int = 0, inside_rate: float = 0.9, outside_rate: float = 0.05):
    """Inputs uniform on [0, 1]; the outcome has probability 0.9 in the box a < 0.4, b > 0.5 and
    0.05 elsewhere; the other inputs do nothing."""
    rng = np.random.default_rng(seed)
    names = ["a", "b"] + [f"idle{i}" for i in range(d - 2)]
    x = rng.random((n, d))
    box = (x[:, 0] < 0.4) & (x[:, 1] > 0.5)
    y = np.where(box, rng.random(n) < inside_rate, rng.random(n) < outside_rate).astype(np.int8)
    frame = pd.DataFrame({f"input:{k}": x[:, j] for j, k in enumerate(names)})
    frame["outcome:hit"] = y
    frame["metric:x.killed"] = rng.random(n)
    return frame, box, y


def test_prim_recovers_a_planted_box_with_its_density_and_coverage():
    frame, box, y = planted()
    boxes = discover(frame, "hit", max_boxes=1)
    assert len(boxes) == 1
    b = boxes[0]
    assert set(b.limits) == {"a", "b"}
    assert b.limits["a"][0] is None and b.limits["a"][1] == pytest.approx(0.4, abs=0.03)
    assert b.limits["b"][1] is None and b.limits["b"][0] == pytest.approx(0.5, abs=0.03)
    true_density = y[box].mean()
    true_coverage = y[box].sum() / y.sum()
    assert b.density == pytest.approx(true_density, abs=0.03)
    assert b.coverage == pytest.approx(true_coverage, abs=0.04)
    assert b.support == pytest.approx(box.sum(), rel=0.08)
    inside = b.contains(frame)
    assert inside.sum() == b.support and y[inside].mean() == pytest.approx(b.density)
    assert b.base_rate == pytest.approx(y.mean()) and b.runs == len(frame) and b.cases == y.sum()


def test_describe_names_the_inputs_bounds_and_measures():
    frame, _, _ = planted()
    b = discover(frame, "hit", max_boxes=1, outcome_text="The target is hit.")[0]
    text = b.describe()
    assert text.startswith("When a is at most 0.4")
    assert "and b is at least 0.5" in text
    assert f"{b.density:.0%} of such futures end with hit (The target is hit)" in text
    assert f"covering {b.coverage:.0%}" in text and f"{b.support:,} of 4,000 futures" in text
    doc = json.loads(json.dumps(b.to_json()))
    assert doc["limits"]["a"]["low"] is None and doc["description"] == text


def test_at_most_max_dims_restrictions():
    rng = np.random.default_rng(1)
    n = 3000
    x = rng.random((n, 4))
    y = ((x[:, 0] < 0.6) & (x[:, 1] < 0.7) & (x[:, 2] < 0.8) & (x[:, 3] < 0.8)).astype(int)
    frame = pd.DataFrame({f"input:v{j}": x[:, j] for j in range(4)})
    frame["outcome:o"] = y
    for dims in (1, 2, 4):
        b = discover(frame, "o", max_boxes=1, max_dims=dims)[0]
        assert 1 <= len(b.limits) <= dims
    assert "v0" in discover(frame, "o", max_boxes=1, max_dims=1)[0].limits   # the tightest edge first


def test_covering_finds_a_second_box_among_the_rest():
    rng = np.random.default_rng(2)
    n = 6000
    x = rng.random((n, 5))
    y = ((x[:, 0] < 0.25) | (x[:, 1] > 0.8)).astype(int)
    frame = pd.DataFrame({f"input:v{j}": x[:, j] for j in range(5)})
    frame["outcome:o"] = y
    boxes = discover(frame, "o", max_boxes=2)
    assert [b.rank for b in boxes] == [1, 2]
    found = {name for b in boxes for name in b.limits}
    assert found == {"v0", "v1"}
    assert boxes[1].runs == n - boxes[0].support
    assert boxes[1].describe().startswith("Otherwise, when")
    assert all(b.density > 0.95 for b in boxes)


def test_noise_alone_gives_no_confident_box():
    rng = np.random.default_rng(3)
    n = 2000
    frame = pd.DataFrame({f"input:v{j}": rng.random(n) for j in range(3)})
    frame["outcome:o"] = (rng.random(n) < 0.3).astype(int)
    for b in discover(frame, "o"):
        assert b.density < 0.3 + 0.15


def test_prim_trajectory_grows_denser_as_it_peels():
    frame, _, y = planted(n=2000)
    x = frame[[c for c in frame if c.startswith("input:")]].to_numpy()
    lo, hi, trajectory = prim(x, y)
    assert trajectory[0] == {"density": pytest.approx(y.mean()), "coverage": 1.0, "support": 2000}
    assert trajectory[-1]["support"] <= 0.05 * 2000 + 0.05 * 2000
    assert trajectory[-1]["density"] > trajectory[0]["density"]
    assert all(a["support"] > b["support"] for a, b in zip(trajectory, trajectory[1:], strict=False))


def test_box_contains_uses_closed_bounds():
    b = Box(outcome="o", limits={"a": (0.2, 0.5)}, density=1, coverage=1, support=2, runs=3, cases=2,
            base_rate=0.5)
    frame = pd.DataFrame({"input:a": [0.2, 0.5, 0.6]})
    assert b.contains(frame).tolist() == [True, True, False]


# ------------------------------------------------------------------------------ bad inputs
def test_bad_inputs_are_clear_errors():
    frame, _, _ = planted(n=200)
    with pytest.raises(FlashpointError, match="not an outcome of these runs; known: hit"):
        discover(frame, "miss")
    with pytest.raises(FlashpointError, match="needs a 0/1 outcome"):
        discover(frame, "metric:x.killed")
    with pytest.raises(FlashpointError, match="at least 50 runs, got 20"):
        discover(frame.head(20), "hit")
    rare = frame.copy()
    rare["outcome:hit"] = 0
    rare.loc[:2, "outcome:hit"] = 1
    with pytest.raises(FlashpointError, match="happened in 3 of 200 runs: discovery needs at least 5"):
        discover(rare, "hit")
    with pytest.raises(FlashpointError, match="input nope: not an uncertain input"):
        discover(frame, "hit", inputs=["nope"])


def test_cli_discover(cli, minimal_toml):
    out = cli("discover", str(minimal_toml), "--outcome", "blue-holds-b", "--runs", "500", "--days", "20", "--json")
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    assert doc["runs"] == 500 and doc["outcome"] == "blue-holds-b"
    for b in doc["boxes"]:
        assert 0 < b["coverage"] <= 1 and b["density"] > b["base_rate"] and b["description"]
    out = cli("discover", str(minimal_toml), "--outcome", "blue-holds-b", "--runs", "500", "--days", "20")
    assert out.exit_code == 0, out.output
    assert "density" in out.output and "coverage" in out.output


@pytest.mark.parametrize("args, message", [
    (("--outcome", "nope"), "not an outcome of scenario 'minimal'; known: blue-holds-b, road-open"),
    (("--outcome", "blue-holds-b", "--runs", "20"), "at least 50 runs, got 20"),
    (("--outcome", "blue-holds-b", "--runs", "0"), "--runs 0"),
    (("--outcome", "blue-holds-b", "--boxes", "0"), "--boxes 0"),
])
def test_cli_discover_bad_input_exits_2(cli, args, message, minimal_toml):
    out = cli("discover", str(minimal_toml), "--days", "5", *args)
    assert out.exit_code == 2, out.output
    assert message in out.output and "Traceback" not in out.output
