"""Fixtures of the regression digests."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def command_output(cli):
    """``command_output(*args)``: what ``flashpoint *args`` prints (it must succeed), each distinct
    command run once per session however many digests are taken of it."""
    done: dict[tuple[str, ...], str] = {}

    def get(*args) -> str:
        key = tuple(str(a) for a in args)
        if key not in done:
            result = cli(*key)
            assert result.exit_code == 0, result.output
            done[key] = result.stdout
        return done[key]

    return get
