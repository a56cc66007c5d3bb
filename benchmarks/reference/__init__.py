"""A plainly written, object-per-formation implementation of the engine's daily rules with Mesa.

It is the statistical cross-check of the vectorised engine (``tests/statistical``) and the speed
baseline of the benchmarks. See :mod:`benchmarks.reference.model` for the day and
:data:`ENGINE_DEVIATIONS` for the known places where the engine's code departs from its rules.
"""

from benchmarks.reference.model import ENGINE_DEVIATIONS, TheatreModel
from benchmarks.reference.runs import ReferenceResults, run_model, run_reference

__all__ = ["ENGINE_DEVIATIONS", "ReferenceResults", "TheatreModel", "run_model", "run_reference"]
