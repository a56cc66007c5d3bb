"""Analyses of historical combat data that calibrate and check the simulation."""
