"""Scenarios: the crisis as data (schema, loading, interventions, distributions, built-in files)."""

from flashpoint.scenario.distributions import Distribution
from flashpoint.scenario.loader import builtin_names, load, load_file
from flashpoint.scenario.schema import Scenario

__all__ = ["Distribution", "Scenario", "builtin_names", "load", "load_file"]
