"""The version of Flashpoint (one home, imported by the layers that record it)."""

__version__ = "0.1.0"
