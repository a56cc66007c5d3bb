"""The Python API: ``flashpoint.load("idlib-2020").apply("coalition-air-support")``."""

from __future__ import annotations

from flashpoint.scenario import Scenario, builtin_names
from flashpoint.scenario import load as _load


def load(name_or_path: str) -> Scenario:
    """A built-in scenario by id, or a scenario file by path, validated."""
    return _load(name_or_path)


__all__ = ["Scenario", "builtin_names", "load"]
