"""Flashpoint: simulate "what happens if...?" questions about armed crises."""

__version__ = "0.1.0"

from flashpoint.api import Scenario, builtin_names, load  # noqa: E402

__all__ = ["Scenario", "__version__", "builtin_names", "load"]
