"""Fixtures shared by the test suite."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.fixtures import MINIMAL, minimal_data


@pytest.fixture(scope="session")
def cli():
    """``cli(*args)`` runs the ``flashpoint`` command with those arguments (any objects, as strings)
    and returns Click's result; output is plain text, 200 columns wide."""
    from typer.testing import CliRunner

    from flashpoint.cli import app

    runner = CliRunner(env={"NO_COLOR": "1", "COLUMNS": "200"})
    return lambda *args: runner.invoke(app, [str(a) for a in args])




@pytest.fixture(scope="session")
def minimal_toml() -> Path:
    """The path of the minimal scenario, tests/fixtures/minimal.toml."""
    return MINIMAL


def minimal_text(extra: str = "", replace: dict[str, str] | None = None) -> str:
    text = MINIMAL.read_text(encoding="utf-8")
    for old, new in (replace or {}).items():
        assert old in text, f"scenario_builder: {old!r} is not in {MINIMAL.name}"
        text = text.replace(old, new, 1)
    return text + extra


@pytest.fixture
def scenario_builder(tmp_path):
    """``scenario_builder(extra="", replace={}, name="scenario.toml")``: the minimal scenario
    (tests/fixtures/minimal.toml) with each ``replace`` pair substituted once (a pair that does not
    match fails the test, so a fixture edit cannot silently disable it) and TOML ``extra`` appended,
    written to a temporary file and loaded as a user's file would be.

    ``scenario_builder.text(extra, replace)`` is that text, unwritten; ``scenario_builder.data()``
    the minimal scenario as a fresh dict to edit, and ``scenario_builder.from_data(data)`` that dict
    checked as a scenario (no file: errors name "test-scenario")."""
    from flashpoint.scenario import load_file
    from flashpoint.scenario.loader import validate_data

    def build(extra: str = "", replace: dict[str, str] | None = None, name: str = "scenario.toml"):
        path = tmp_path / name
        path.write_text(minimal_text(extra, replace), encoding="utf-8")
        return load_file(path)

    build.text = minimal_text
    build.data = minimal_data
    build.from_data = lambda data: validate_data(data, "test-scenario")
    return build
