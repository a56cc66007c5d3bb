"""Simulation engine: the models that turn a scenario into futures."""
