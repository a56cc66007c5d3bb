"""Fixtures shared by the test suite."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def cli():
    """``cli(*args)`` runs the ``flashpoint`` command with those arguments (any objects, as strings)
    and returns Click's result; output is plain text, 200 columns wide."""
    from typer.testing import CliRunner

    from flashpoint.cli import app

    runner = CliRunner(env={"NO_COLOR": "1", "COLUMNS": "200"})
    return lambda *args: runner.invoke(app, [str(a) for a in args])
