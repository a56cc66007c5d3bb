"""Flashpoint: simulate "what happens if...?" questions about armed crises."""

__version__ = "0.1.0"
