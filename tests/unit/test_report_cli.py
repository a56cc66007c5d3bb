"""The report command and ``flashpoint.api.report``: the numbers on the page are the runs' numbers, and a
bad ``--out`` exits with code 2 leaving nothing behind."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import flashpoint
from flashpoint.api import report

ARGS = ["--runs", "200", "--days", "10", "--seed", "3"]


def page_data(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    m = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', text, flags=re.S)
    assert m, "the page embeds its numbers"
    return json.loads(m.group(1))


@pytest.fixture(scope="module")
def written(tmp_path_factory, cli, minimal_toml) -> Path:
    out = tmp_path_factory.mktemp("report") / "r.html"
    result = cli("report", minimal_toml, "--with", "blue-reinforced", *ARGS, "--out", out)
    assert result.exit_code == 0, result.output
    assert f"written: {out}" in result.output
    return out


def test_report_shows_the_runs_it_made(written, minimal_toml):
    s = flashpoint.load(str(minimal_toml))
    base = s.run(runs=200, seed=3, days=10).summary()
    inter = s.apply("blue-reinforced").run(runs=200, seed=3, days=10).summary()
    data = page_data(written)
    assert data["baseline"]["outcomes"] == json.loads(json.dumps(base["outcomes"]))
    assert data["intervention"]["outcomes"] == json.loads(json.dumps(inter["outcomes"]))
    assert data["intervention"]["territory"] == json.loads(json.dumps(inter["territory"]))
    for oid, d in data["differences"].items():
        assert d["p_base"] == pytest.approx(base["outcomes"][oid]["p"])
        assert d["p_int"] == pytest.approx(inter["outcomes"][oid]["p"])


def test_report_has_every_section_and_figure(written):
    text = written.read_text(encoding="utf-8")
    for section in ("outcomes", "map", "time", "losses", "politics", "sensitivity", "discovery", "claims",
                    "validation", "assumptions"):
        assert f'<h2 id="{section}">' in text
    for fig in ("fig-outcomes", "fig-map", "fig-territory", "fig-losses", "fig-ceasefire", "fig-calibration"):
        assert f'id="{fig}"' in text
    assert "blue-2" in text             # the force the intervention adds, in the assumptions table
    assert "Invented numbers for the test suite" in text      # the sources table
    assert sorted(p.name for p in written.parent.iterdir()) == ["r.html"]   # no temporary file left


@pytest.mark.parametrize("bad", ["file/report.html", "missing/report.html", "."])
def test_unwritable_out_exits_2_and_leaves_nothing(tmp_path, bad, cli, minimal_toml):
    (tmp_path / "file").write_text("not a folder")
    before = sorted(p.name for p in tmp_path.rglob("*"))
    out = tmp_path / bad
    result = cli("report", minimal_toml, "--with", "blue-reinforced", *ARGS, "--out", out)
    assert result.exit_code == 2, result.output
    assert "--out" in result.output and "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


def test_report_needs_an_intervention(tmp_path, cli, minimal_toml):
    result = cli("report", minimal_toml, *ARGS, "--out", tmp_path / "r.html")
    assert result.exit_code == 2
    assert "--with" in result.output and "blue-reinforced" in result.output
    assert not list(tmp_path.iterdir())


def test_a_failure_while_building_leaves_nothing(tmp_path, monkeypatch, minimal_toml):
    def boom(*_args, **_kwargs):
        raise RuntimeError("while rendering")

    monkeypatch.setattr("flashpoint.report.build.render", boom)
    with pytest.raises(RuntimeError):
        report(str(minimal_toml), with_=["blue-reinforced"], runs=200, days=5, out=str(tmp_path / "r.html"))
    assert not list(tmp_path.iterdir())
