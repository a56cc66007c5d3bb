"""Claims: the [claims.<id>] table (schema and references), the verdict rule, claims answered on a
small scenario where the answer is plain, the article's claims of idlib-2020, and the claims
command."""

from __future__ import annotations

import json
import math

import pytest

import flashpoint
from flashpoint.analysis.claims import ClaimResult, claim_variants, evaluate_claims, verdict, wilson
from flashpoint.analysis.compare import compare_runs
from flashpoint.errors import FlashpointError
from flashpoint.scenario import load_file

CLAIMS = '''
[claims.fewer-red-aircraft]
text = "Without Blue's SAM, Red loses fewer aircraft"
source = "made-up"
quantity = "metric:redland.aircraft_lost"
compare = { with = "no-sam" }
expect = "decrease"

[claims.more-red-aircraft]
text = "Without Blue's SAM, Red loses more aircraft"
source = "made-up"
quantity = "metric:redland.aircraft_lost"
compare = { with = ["no-sam"] }
expect = "increase"

[claims.ten-fewer-red-aircraft]
text = "Without Blue's SAM, Red loses at least ten aircraft fewer on average"
source = "made-up"
quantity = "metric:redland.aircraft_lost"
compare = { with = ["no-sam"] }
expect = "decrease"
threshold = 10

[interventions.decoy]
description = "A dummy battery that never engages: it changes nothing but the random numbers drawn"

[interventions.decoy.set."forces.air_defence.decoy"]
name = "Decoy"
owner = "blueland"
place = "c"
system = "dummy"
range_km = 1
engagement_prob = 0
kill_prob = 0
missiles = 1
source = "made-up"

[claims.red-infantry]
text = "A battery that never fires makes Red lose more infantry (it cannot: only noise differs)"
source = "made-up"
quantity = "metric:redland.personnel_killed"
compare = { with = ["decoy"] }
expect = "increase"

[claims.red-ifvs]
text = "Red loses more IFVs without Blue's SAM (Red has none)"
source = "made-up"
quantity = "metric:redland.ifvs_lost"
compare = { with = ["no-sam"] }
expect = "increase"

[claims.blue-holds-b-often]
text = "Blue holds B in more than 30% of the futures"
source = "made-up"
quantity = "outcome:blue-holds-b"
expect = "above"
threshold = 0.3

[claims.blue-rarely-holds-b]
text = "Blue holds B in fewer than 30% of the futures"
source = "made-up"
quantity = "outcome:blue-holds-b"
expect = "below"
threshold = 0.3

[claims.red-loses-aircraft]
text = "Red loses more than one aircraft on average with Blue's SAM"
source = "made-up"
quantity = "metric:redland.aircraft_lost"
under = []
expect = "above"
threshold = 1
'''
EXPECTED = {"fewer-red-aircraft": "supports", "more-red-aircraft": "contradicts",
            "ten-fewer-red-aircraft": "contradicts", "red-infantry": "inconclusive",
            "red-ifvs": "contradicts", "blue-holds-b-often": "supports",
            "blue-rarely-holds-b": "contradicts", "red-loses-aircraft": "supports"}
RUNS, SEED = 500, 1


def scenario_with(scenario_builder, claims: str = CLAIMS):
    return scenario_builder(claims, name="with-claims.toml")


# ---------------------------------------------------------------------------- verdict
@pytest.mark.parametrize("expect, lo, hi, threshold, want", [
    ("increase", 0.1, 0.3, 0.0, "supports"),
    ("increase", -0.1, 0.3, 0.0, "inconclusive"),
    ("increase", -0.3, -0.1, 0.0, "contradicts"),
    ("increase", 0.0, 0.0, 0.0, "contradicts"),          # no change at all is no increase
    ("increase", 0.1, 0.3, 0.2, "inconclusive"),
    ("decrease", -0.3, -0.1, 0.0, "supports"),
    ("decrease", -0.3, -0.1, 0.2, "inconclusive"),
    ("decrease", -0.3, -0.1, 0.05, "supports"),
    ("decrease", 0.1, 0.3, 0.0, "contradicts"),
    ("above", 0.6, 0.7, 0.5, "supports"),
    ("above", 0.4, 0.6, 0.5, "inconclusive"),
    ("above", 0.3, 0.5, 0.5, "contradicts"),
    ("below", 0.01, 0.04, 0.05, "supports"),
    ("below", 0.01, 0.06, 0.05, "inconclusive"),
    ("below", 0.05, 0.06, 0.05, "contradicts"),
    ("above", None, None, 0.5, "inconclusive"),
])
def test_verdict(expect, lo, hi, threshold, want):
    assert verdict(expect, lo, hi, threshold) == want


def test_wilson_interval():
    lo, hi = wilson(30, 100)             # the textbook example: 0.219 to 0.396
    assert lo == pytest.approx(0.2189, abs=1e-4) and hi == pytest.approx(0.3958, abs=1e-4)
    lo, hi = wilson(0, 100)
    assert lo == 0 and 0.03 < hi < 0.04


# ----------------------------------------------------------------- claims on a small scenario
def test_claims_on_a_plain_case_get_the_verdicts_they_should(scenario_builder):
    s = scenario_with(scenario_builder)
    assert claim_variants(s) == [(), ("no-sam",), ("decoy",)]      # each variant simulated once
    results = evaluate_claims(s, runs=RUNS, seed=SEED)
    got = {r.id: r.verdict for r in results}
    assert got == EXPECTED, {r.id: (r.value, r.ci95) for r in results}
    for r in results:
        assert isinstance(r, ClaimResult)
        doc = r.to_json()
        assert {"id", "text", "source", "value", "ci95", "verdict", "detail"} <= set(doc)
        json.dumps(doc, allow_nan=False)
        assert r.detail.startswith(r.quantity)


def test_a_claim_value_is_the_paired_comparison(scenario_builder):
    s = scenario_with(scenario_builder)
    results = {r.id: r for r in evaluate_claims(s, runs=RUNS, seed=SEED)}
    comp = compare_runs(s, s.apply("no-sam"), runs=RUNS, seed=SEED).to_json()
    m = comp["metrics"]["redland.aircraft_lost"]
    r = results["fewer-red-aircraft"]
    assert r.kind == "difference" and r.baseline == "baseline" and r.intervention == "no-sam"
    assert r.value == m["diff_mean"] and r.ci95 == m["ci95"]
    level = results["blue-holds-b-often"]
    p = comp["outcomes"]["blue-holds-b"]["p_base"]
    assert level.kind == "level" and level.value == pytest.approx(p)
    assert level.ci95[0] < p < level.ci95[1]


# ------------------------------------------------------------------------ bad claims
@pytest.mark.parametrize("claim, message", [
    ('quantity = "metric:redland.aircraft_lost"\nexpect = "increase"', "needs compare"),
    ('quantity = "outcome:blue-holds-b"\nexpect = "above"', "needs a threshold"),
    ('quantity = "outcome:blue-holds-b"\ncompare = { with = "no-sam", against = ["no-sam"] }\nexpect = "increase"',
     "name the same variant"),
    ('quantity = "outcome:blue-holds-b"\ncompare = { with = "no-sam" }\nexpect = "above"\nthreshold = 0.5',
     "is about a level"),
    ('quantity = "outcome:blue-holds-c"\ncompare = { with = "no-sam" }\nexpect = "increase"',
     "unknown outcome 'blue-holds-c'"),
    ('quantity = "metric:redland.tanks"\ncompare = { with = "no-sam" }\nexpect = "increase"',
     "unknown quantity 'tanks'"),
    ('quantity = "outcome:blue-holds-b"\ncompare = { with = "air-strikes" }\nexpect = "increase"',
     "unknown intervention 'air-strikes'"),
    ('quantity = "holds:b"\ncompare = { with = "no-sam" }\nexpect = "increase"', "quantity"),
    ('quantity = "outcome:blue-holds-b"\ncompare = { with = "no-sam" }\nexpect = "rise"', "expect"),
])
def test_bad_claims_are_refused_with_where_and_why(scenario_builder, claim, message):
    text = f'\n[claims.bad]\ntext = "a claim"\nsource = "made-up"\n{claim}\n'
    with pytest.raises(FlashpointError) as err:
        scenario_with(scenario_builder, text)
    assert "claims.bad" in str(err.value) and message in str(err.value)


def test_a_claim_about_an_option_that_does_not_exist_is_a_clear_error(scenario_builder):
    text = ('\n[claims.bad]\ntext = "a claim"\nsource = "made-up"\nquantity = "decision:redland.surrender"\n'
            'under = []\nexpect = "above"\nthreshold = 0.5\n')
    s = scenario_with(scenario_builder, text)
    with pytest.raises(FlashpointError, match="claim 'bad': no quantity 'decision:redland.surrender'"):
        evaluate_claims(s, runs=250, seed=1, days=3)


def test_no_claims_is_a_clear_error():
    with pytest.raises(FlashpointError, match="no \\[claims"):
        evaluate_claims(flashpoint.load("idlib-2019-offensive"), runs=250, seed=1, days=3)


# ------------------------------------------------------------------- the article's claims
ARTICLE = {"russia-loses-much", "russia-loses-the-m5", "turkey-alone-takes-casualties", "regime-needs-russia",
           "russia-backs-down", "hts-withdrawal-decided", "spillover-risk", "putin-avoids-the-risk"}


def test_idlib_carries_the_articles_claims_and_they_survive_a_round_trip(tmp_path):
    s = flashpoint.load("idlib-2020")
    assert set(s.claims) == ARTICLE
    assert all("article" in ([c.source] if isinstance(c.source, str) else c.source) for c in s.claims.values())
    path = tmp_path / "idlib.toml"
    path.write_text(s.to_toml(), encoding="utf-8")
    assert load_file(path).claims == s.claims
    assert set(claim_variants(s)) == {(), ("coalition-air-support",), ("russia-stands-aside",), ("hts-resists",)}


def test_claims_command_json_on_idlib(cli):
    res = cli("claims", "idlib-2020", "--runs", "250", "--days", "5", "--json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert {c["id"] for c in doc["claims"]} == ARTICLE
    assert sum(doc["verdicts"].values()) == len(ARTICLE)
    for c in doc["claims"]:
        assert c["verdict"] in ("supports", "contradicts", "inconclusive")
        assert c["value"] is None or math.isfinite(c["value"])
    turkey = next(c for c in doc["claims"] if c["id"] == "turkey-alone-takes-casualties")
    assert turkey["baseline"] == "coalition-air-support" and turkey["intervention"] == "baseline"


def test_claims_command_table(tmp_path, cli, scenario_builder):
    s_path = tmp_path / "with-claims.toml"
    s_path.write_text(scenario_builder.text(CLAIMS), encoding="utf-8")
    res = cli("claims", s_path, "--runs", "250")
    assert res.exit_code == 0, res.output
    for cid in EXPECTED:
        assert cid in res.stdout
    assert "supports" in res.stdout and "contradicts" in res.stdout


@pytest.mark.parametrize("args, message", [
    (["idlib-2019-offensive"], "has no [claims"),
    (["idlib-2020", "--runs", "0"], "--runs 0"),
    (["no-such-scenario"], "no-such-scenario"),
])
def test_claims_command_bad_input(args, message, cli):
    res = cli("claims", *args)
    assert res.exit_code == 2
    assert message in res.stderr and len(res.stderr.strip().splitlines()) == 1
