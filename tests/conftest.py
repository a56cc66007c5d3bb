"""Fixtures shared by the test suite."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def cli():
    """``cli(*args)`` runs the ``flashpoint`` command with those arguments (any objects, as strings)
    and returns Click's result; output is plain text, 200 columns wide."""
    from typer.testing import CliRunner

    from flashpoint.cli import app

    runner = CliRunner(env={"NO_COLOR": "1", "COLUMNS": "200"})
    return lambda *args: runner.invoke(app, [str(a) for a in args])


MINIMAL = Path(__file__).parent / "fixtures" / "minimal.toml"


@pytest.fixture
def scenario_builder(tmp_path):
    """``scenario_builder(extra="", replace={}, name="scenario.toml")``: the minimal scenario
    (tests/fixtures/minimal.toml) with each ``replace`` pair substituted once (a pair that does not
    match fails the test, so a fixture edit cannot silently disable it) and TOML ``extra`` appended,
    written to a temporary file and loaded as a user's file would be."""
    from flashpoint.scenario import load_file

    def build(extra: str = "", replace: dict[str, str] | None = None, name: str = "scenario.toml"):
        text = MINIMAL.read_text(encoding="utf-8")
        for old, new in (replace or {}).items():
            assert old in text, f"scenario_builder: {old!r} is not in {MINIMAL.name}"
            text = text.replace(old, new, 1)
        path = tmp_path / name
        path.write_text(text + extra, encoding="utf-8")
        return load_file(path)

    return build
