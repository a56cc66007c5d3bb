"""Flashpoint: simulate "what happens if...?" questions about armed crises."""

import importlib

from flashpoint.version import __version__

__all__ = ["Scenario", "Study", "__version__", "builtin_names", "load"]


def __getattr__(name: str):
    # The API (and with it pydantic, SciPy and the engine) is imported on first use, so that importing
    # one module of the package (flashpoint.engine.rng, flashpoint.errors) does not import them all.
    if name in ("Scenario", "Study", "api", "builtin_names", "load"):
        api = importlib.import_module("flashpoint.api")
        return api if name == "api" else getattr(api, name)
    raise AttributeError(f"module 'flashpoint' has no attribute {name!r}")
