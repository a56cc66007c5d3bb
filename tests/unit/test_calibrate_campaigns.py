"""Campaign-level speed of advance: the shipped legs, the fits, leave-one-campaign-out, bad rows."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest

from flashpoint.analysis.calibrate.campaigns import (
    COLUMNS,
    Legs,
    default_file,
    fit_speed,
    leave_one_campaign_out,
    load_legs,
)
from flashpoint.errors import FlashpointError


def _rows() -> list[dict[str, str]]:
    with default_file().open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def test_the_shipped_legs_are_sourced_and_consistent():
    rows = _rows()
    legs = load_legs()
    assert len(legs) == len(rows) == 16
    assert set(legs.campaign) == {"karabakh-2020", "peace-spring-2019", "olive-branch-2018"}
    assert not any("idlib" in r["campaign"] for r in rows)   # the backtest's campaign stays out
    for r in rows:
        for url in (r["date_url"], *r["distance_url"].split(" ; ")):
            assert url.startswith(("http://", "https://")), r
        if r["distance_basis"].startswith("great-circle"):
            km = _great_circle_km(*(float(r[k]) for k in ("from_lat", "from_lon", "to_lat", "to_lon")))
            assert float(r["distance_km"]) == pytest.approx(km, abs=0.06), r["to_place"]
    assert legs.days.min() >= 1


def synthetic(speeds: dict[str, float], n: int = 20, seed: int = 1, noise: float = 0.0) -> Legs:
    rng = np.random.default_rng(seed)
    campaign, dist, days = [], [], []
    for name, v in speeds.items():
        d = rng.uniform(5, 40, n)
        campaign += [name] * n
        dist.append(d)
        days.append(d / v * np.exp(noise * rng.standard_normal(n)))
    return Legs(np.array(campaign), np.concatenate(dist), np.concatenate(days))


def test_a_constant_speed_is_recovered_by_both_models():
    fit = fit_speed(synthetic({"a": 3.0, "b": 3.0, "c": 3.0}))
    assert fit.median_km_per_day == pytest.approx(3.0)
    assert fit.sigma == pytest.approx(0.0, abs=1e-9)
    assert fit.b == pytest.approx(1.0) and math.exp(-fit.a) == pytest.approx(3.0)


def test_every_campaign_weighs_the_same():
    legs = synthetic({"a": 2.0, "b": 8.0}, n=5)
    many = Legs(np.concatenate([legs.campaign, np.full(50, "b")]),
                np.concatenate([legs.distance_km, np.full(50, 10.0)]),
                np.concatenate([legs.days, np.full(50, 10.0 / 8.0)]))
    assert fit_speed(many).median_km_per_day == pytest.approx(4.0)   # geometric mean of 2 and 8


def test_leaving_one_campaign_out_beats_a_wrong_prior():
    legs = synthetic({"a": 2.5, "b": 3.0, "c": 3.5, "d": 3.0}, noise=0.2)
    loco = leave_one_campaign_out(legs, prior_km_per_day=10.0)
    summary = loco["mean_abs_log_error"]
    assert summary["pooled_speed"] < 0.35 < math.log(10 / 3.5) < summary["engine_prior"]
    assert set(loco["campaigns"]) == {"a", "b", "c", "d"}
    assert loco["campaigns"]["a"]["predicted_km_per_day"] == pytest.approx(3.17, rel=0.1)
    with pytest.raises(FlashpointError, match="expected at least 3 to leave one out"):
        leave_one_campaign_out(legs.take(np.isin(legs.campaign, ["a", "b"])), 3.0)


def _write(tmp_path: Path, change: dict[str, str]) -> Path:
    rows = _rows()
    rows[3].update(change)
    path = tmp_path / "legs.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS)
        w.writeheader()
        w.writerows(rows)
    return path


@pytest.mark.parametrize(("change", "message"), [
    ({"date_url": ""}, "line 5, field date_url is ''; expected the URL"),
    ({"distance_km": "inf"}, "line 5, field distance_km is 'inf'; expected a distance in km above 0"),
    ({"distance_km": "0"}, "line 5, field distance_km is '0'"),
    ({"to_date": "2020-10-01"}, "line 5, field to_date is '2020-10-01'; expected a date after from_date"),
    ({"from_date": "10/09/2020"}, "line 5, field from_date is '10/09/2020'; expected a date YYYY-MM-DD"),
])
def test_a_bad_row_is_refused_naming_line_and_field(tmp_path, change, message):
    with pytest.raises(FlashpointError, match=message):
        load_legs(_write(tmp_path, change))


def test_the_command_writes_the_fit(cli, tmp_path):
    out = tmp_path / "speed.json"
    result = cli("calibrate", "--campaigns", "--out", out)
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text("utf-8"))
    assert doc["fit"]["legs"] == 16 and len(doc["loco"]["campaigns"]) == 3
    assert "engine prior" in result.output
    bad = _write(tmp_path, {"distance_km": "-3"})
    result = cli("calibrate", "--campaigns", "--legs", bad, "--out", tmp_path / "again.json")
    assert result.exit_code == 2 and "field distance_km is '-3'" in result.output
    assert not (tmp_path / "again.json").exists()
    result = cli("calibrate", "--legs", bad, "--out", tmp_path / "again.json")
    assert result.exit_code == 2 and "--legs is read with --campaigns only" in result.output
