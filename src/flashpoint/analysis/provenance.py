"""Is the engine's calibration still tied to its data and its formula?

The shipped calibration file records the hash of the battle data it was fitted on and a digest of
the source of the formula it was fitted with (:mod:`flashpoint.analysis.calibrate.kernel`). When
either differs from the package's own, the constants may no longer fit: a run goes on, with a
warning that says which and how to refit. The version string plays no part.
"""

from __future__ import annotations

import hashlib
import warnings
from functools import lru_cache
from pathlib import Path

from flashpoint.analysis.history.cdb90 import data_hash
from flashpoint.engine.calibration import Calibration, shipped_calibration
from flashpoint.errors import FlashpointWarning

FORMULA = Path(__file__).parent / "calibrate" / "kernel.py"
"""The fitting formula's module, read as a file (the fitting package itself records its digest)."""
REFIT = "refit with 'flashpoint calibrate --out src/flashpoint/engine/calibration/cdb90.json' (docs/validation.md)"


def formula_digest() -> str:
    """SHA-256 (hex) of the source of the fitting formula's module."""
    return hashlib.sha256(FORMULA.read_bytes()).hexdigest()


def stale(cal: Calibration) -> list[str]:
    """What no longer matches between a calibration file and this package, one sentence each."""
    out = []
    here = data_hash()
    if cal.data_hash != here:
        out.append(f"{cal.path}: fitted on battle data with hash {cal.data_hash[:12]}..., but the shipped data "
                   f"hashes to {here[:12]}...; {REFIT}")
    formula = formula_digest()
    if cal.kernel_digest is None:
        out.append(f"{cal.path}: records no digest of the formula it was fitted with; {REFIT}")
    elif cal.kernel_digest != formula:
        out.append(f"{cal.path}: fitted with a formula whose source has digest {cal.kernel_digest[:12]}..., but "
                   f"flashpoint.analysis.calibrate.kernel now has {formula[:12]}...; {REFIT}")
    return out


@lru_cache(maxsize=1)
def warn_if_stale() -> None:
    """Warn (once per process) when the shipped calibration no longer matches its data or formula."""
    for message in stale(shipped_calibration()):
        warnings.warn(message, FlashpointWarning, stacklevel=2)
