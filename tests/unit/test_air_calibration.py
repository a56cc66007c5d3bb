"""The air and drone calibration: its likelihood pieces against hand-computed cases, the counting
biases, the shipped data's coding, the command (the shipped file is what it regenerates) and its
errors on bad input."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest
from scipy import integrate, stats

from flashpoint.analysis.calibrate.air import (
    fit_bias,
    pln_cdf,
    pln_interval_logprob,
    pln_logpmf,
    pln_logsf,
    pln_quantile,
)
from flashpoint.analysis.history.air_war import Count, Pair, data_hash, default_folder, load_record

SHIPPED = Path(__file__).parents[2] / "src" / "flashpoint" / "engine" / "calibration" / "air.json"


# ------------------------------------------------------------------ likelihood pieces, by hand
def test_without_spread_the_count_is_poisson():
    # Poisson(2): P(Y = 3) = e^-2 2^3 / 3!
    assert pln_logpmf(3, math.log(2.0), 0.0) == pytest.approx(-2 + 3 * math.log(2) - math.log(6), abs=1e-9)
    # a lower bound: P(Y >= 2 | mean 1) = 1 - e^-1 (1 + 1)
    assert math.exp(pln_logsf(2, 0.0, 0.0)) == pytest.approx(1 - 2 / math.e, abs=1e-9)
    assert pln_logsf(0, 5.0, 1.0) == 0.0
    # a range: P(1 <= Y <= 2 | mean 1) = e^-1 (1 + 1/2)
    assert math.exp(pln_interval_logprob(1, 2, 0.0, 0.0)) == pytest.approx(1.5 / math.e, abs=1e-9)
    assert pln_cdf(2, 0.0, 0.0) == pytest.approx(2.5 / math.e, abs=1e-9)


@pytest.mark.parametrize(("y", "m", "s"), [(0, 0.5, 1.0), (4, 1.0, 1.3), (40, 3.5, 0.8), (200, 5.0, 2.0)])
def test_the_log_normal_mixture_matches_numerical_integration(y, m, s):
    def integrand(z):
        return stats.norm.pdf(z) * stats.poisson.pmf(y, math.exp(m + s * z))

    expected = integrate.quad(integrand, -10, 10, points=[(math.log(max(y, 0.5)) - m) / s], limit=200)[0]
    assert math.exp(pln_logpmf(y, m, s)) == pytest.approx(expected, rel=2e-3)
    # the range and the lower bound are sums of the same probabilities
    total = sum(math.exp(pln_logpmf(k, m, s)) for k in range(y, y + 3))
    assert math.exp(pln_interval_logprob(y, y + 2, m, s)) == pytest.approx(total, rel=1e-9)
    below = sum(math.exp(pln_logpmf(k, m, s)) for k in range(y))
    assert math.exp(pln_logsf(y, m, s)) == pytest.approx(1 - below, rel=1e-6, abs=1e-12)


def test_quantiles_are_those_of_the_poisson_without_spread_and_widen_with_it():
    for q in (0.05, 0.5, 0.95):
        assert pln_quantile(q, math.log(3.0), 0.0) == stats.poisson.ppf(q, 3.0)
    assert pln_quantile(0.95, math.log(3.0), 1.0) > stats.poisson.ppf(0.95, 3.0)
    assert pln_quantile(0.05, math.log(30.0), 1.0) < stats.poisson.ppf(0.05, 30.0)


def _count(n: float) -> Count:
    return Count(low=n, high=n, rows=("x.csv:2",), urls=("https://example.org",), countings=("",))


def test_a_claim_bias_is_the_mean_log_ratio_corrected_for_the_reference_coverage():
    # two pairs with the same measurement variance: the estimate is their mean log ratio plus the log
    # coverage of an independent reference (log 4 - log 4 = 0, so exactly log 0.7)
    pairs = [Pair("a", "c1", "claim", _count(40), _count(10), "independent", ""),
             Pair("b", "c2", "claim", _count(10), _count(40), "independent", "")]
    fit = fit_bias(pairs, "claim", (0.7, 1.35))
    assert fit.mu == pytest.approx(math.log(0.7), abs=1e-6)
    # a record reference needs no coverage correction: claims twice the truth -> factor 2
    pairs = [Pair("a", "c1", "claim", _count(200), _count(100), "record", ""),
             Pair("b", "c2", "claim", _count(400), _count(200), "record", "")]
    assert fit_bias(pairs, "claim", (0.7, 1.35)).median == pytest.approx(2.0, rel=1e-6)


# ------------------------------------------------------------------ the shipped data
def test_every_count_of_the_coding_resolves_to_its_rows_and_no_idlib_fact_is_held_out():
    record = load_record()
    assert len(record.observations) >= 15 and len(record.pairs) >= 10
    for o in record.observations:
        assert o.count.rows and o.count.urls and o.exposure.median > 0
        if o.campaign == "nw_syria_feb_2020":
            assert o.end.isoformat() <= "2020-02-26"
    rows = record.files["drone-wars.csv"]
    for r in rows:
        if r["campaign"].startswith("NW Syria"):
            assert r["end"] <= "2020-02-26", r


# ------------------------------------------------------------------ the command
@pytest.fixture(scope="module")
def regenerated(cli, tmp_path_factory):
    shipped = json.loads(SHIPPED.read_text("utf-8"))
    out = tmp_path_factory.mktemp("air") / "air.json"
    result = cli("calibrate-air", "--out", out, "--date", shipped["date"], "--loco")
    assert result.exit_code == 0, result.output
    return out, result.output


def _same(a, b, where="") -> None:
    """Equal documents, numbers within float noise (another machine's BLAS may move the optimiser's
    last digits; on the machine that wrote the file the bytes are identical)."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), where
        for k in a:
            _same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and not isinstance(b, bool | str) and b is not None:
        assert b == pytest.approx(a, rel=1e-4, abs=1e-12), where
    else:
        assert a == b, where


def test_the_shipped_file_is_what_the_command_regenerates(regenerated):
    out, _ = regenerated
    _same(json.loads(SHIPPED.read_text("utf-8")), json.loads(out.read_text("utf-8")))
    doc = json.loads(out.read_text("utf-8"))
    assert doc["data"]["hash"] == data_hash()
    assert doc["command"].startswith("flashpoint calibrate-air") and doc["sources"]
    for kinds in doc["rates"]["loss_per_sortie"].values():
        for r in kinds.values():
            n = r["new_campaign"]
            assert n["dist"] == "lognormal" and n["q05"] < n["median"] < n["q95"] and n["gsd"] > 1
            assert r["ci90"][0] < r["median"] < r["ci90"][1]


def test_sortie_rates_are_the_ratio_of_two_log_normal_ranges():
    from flashpoint.analysis.calibrate.air_document import sortie_rate
    from flashpoint.analysis.history.air_war import SortieRate

    # 100 sorties a day from exactly 50 aircraft: 2; a range 80-90 over 50-70 is log-normal with
    # median sqrt(80 x 90) / sqrt(50 x 70) and log-sd the two 90% ranges' log-sds added in quadrature
    r = sortie_rate(SortieRate("x", "c", _count(100), _count(50), "", ""))
    assert r["median"] == pytest.approx(2.0) and r["gsd"] == pytest.approx(1.0)
    wide = SortieRate("x", "c", Count(80, 90, (), (), ()), Count(50, 70, (), (), ()), "", "")
    r = sortie_rate(wide)
    sd = math.hypot(math.log(90 / 80), math.log(70 / 50)) / (2 * 1.6448536269514722)
    assert r["median"] == pytest.approx(math.sqrt(80 * 90 / (50 * 70)))
    assert r["q95"] == pytest.approx(r["median"] * math.exp(1.6448536269514722 * sd))


def test_the_same_date_gives_the_same_bytes_and_the_json_of_the_loco_table(cli, regenerated, tmp_path):
    out, _ = regenerated
    again = tmp_path / "again.json"
    date = json.loads(out.read_text("utf-8"))["date"]
    result = cli("calibrate-air", "--out", again, "--date", date, "--loco", "--json")
    assert result.exit_code == 0, result.output
    assert again.read_bytes() == out.read_bytes()
    assert json.loads(result.output) == json.loads(out.read_text("utf-8"))["leave_one_campaign_out"]


def test_the_leave_one_campaign_out_table_is_printed_and_consistent(regenerated):
    out, output = regenerated
    loco = json.loads(out.read_text("utf-8"))["leave_one_campaign_out"]
    campaigns = {r["campaign"] for r in loco["rows"]}
    assert len(campaigns) >= 8
    for r in loco["rows"]:
        assert r["campaign"] in output and r["observation"] in output
        if r["inside"] is not None:
            assert r["q05"] <= r["q50"] <= r["q95"]
    docs = loco["summary"]["documented_losses"]
    assert docs["inside"] == sum(1 for r in loco["rows"] if r["documented_loss"] and r["inside"])
    assert f"documented loss counts: {docs['inside']} of {docs['predicted']}" in output


@pytest.mark.parametrize(("damage", "message"), [
    ("no-coding", "coding.toml: cannot read it"),
    ("bad-row", "matches 0 rows of air-campaigns.csv"),
    ("bad-counting", "counting is 'rumour'; expected one of record"),
    ("bad-number", "is not a number"),
])
def test_bad_data_gives_one_clear_message_and_writes_nothing(cli, tmp_path, damage, message):
    folder = tmp_path / "air"
    shutil.copytree(default_folder(), folder)
    coding = folder / "coding.toml"
    text = coding.read_text("utf-8")
    if damage == "no-coding":
        coding.unlink()
    elif damage == "bad-row":
        coding.write_text(text.replace('quantity = "aircraft_lost_to_sam" }', 'quantity = "aircraft_lost_to_ufo" }', 1),
                          encoding="utf-8")
    elif damage == "bad-counting":
        coding.write_text(text.replace('counting = "record"', 'counting = "rumour"', 1), encoding="utf-8")
    else:
        csv = folder / "air-campaigns.csv"
        csv.write_text(csv.read_text("utf-8").replace(",37,41,", ",37,forty-one,", 1), encoding="utf-8")
    out = tmp_path / "out" / "air.json"
    out.parent.mkdir()
    result = cli("calibrate-air", "--data", folder, "--out", out, "--date", "2026-01-01")
    assert result.exit_code == 2, result.output
    assert message in result.output.replace("\n", "")
    assert list(out.parent.iterdir()) == []


def test_a_bad_date_is_refused(cli):
    result = cli("calibrate-air", "--date", "yesterday")
    assert result.exit_code == 2 and "--date 'yesterday': expected a date YYYY-MM-DD" in result.output
