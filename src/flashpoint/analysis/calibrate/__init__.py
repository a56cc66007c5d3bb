"""Calibration of the engine's combat constants on CDB90, and how well they reproduce it.

* `data`: a battle's initial conditions and outcome from the CDB90 frame;
* `kernel`: the engine's attrition law and breakpoint rule run on one battle;
* `fitting`: maximum likelihood, sandwich standard errors;
* `scores`: cross-validation against the force-ratio and base-rate baselines;
* `checks`: the effect of air superiority, predicted vs observed;
* `pipeline`: the ``calibrate`` and ``predict-battles`` commands as functions;
* `air`: the air and drone loss and kill rates fitted to the documented campaigns
  (``calibrate-air``; ``docs/model.md``, "The air and drone war").

The equations are in ``docs/model.md`` ("Calibration on CDB90"); how to reproduce the shipped
calibration is in ``docs/validation.md``.
"""

from flashpoint.analysis.calibrate.data import Battles, battles_from_frame
from flashpoint.analysis.calibrate.fitting import Fit, fit, fixed_values
from flashpoint.analysis.calibrate.kernel import CONSTANTS, Prediction, predict
from flashpoint.analysis.calibrate.pipeline import calibrate, predict_battles

__all__ = [
    "CONSTANTS",
    "Battles",
    "Fit",
    "Prediction",
    "battles_from_frame",
    "calibrate",
    "fit",
    "fixed_values",
    "predict",
    "predict_battles",
]
