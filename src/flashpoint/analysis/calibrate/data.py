"""A battle's initial conditions and its outcome, as arrays the battle kernel reads.

Each CDB90 battle (the frame of `flashpoint.analysis.history.cdb90.load_battles`) becomes:

* **personnel** ``STRA``/``STRD``: the strength CDB90 records for each side (initial strength
  or total engaged, per ``CODEA``/``CODED``). Required: a battle without it cannot be run.
* **tanks** ``TANKA``/``TANKD`` and **guns** ``ARTYA``/``ARTYD``. When one side's count is not
  available (-1) it is given the other side's count per man, so that the unknown count leaves
  the power ratio as personnel alone would set it; when both are unknown both are 0 (same
  effect on the ratio).
* **posture** of the defender ``POST1``: HD (hasty defence) is the engine's ``defend`` posture,
  PD (prepared) and FD (fortified) its ``hold`` posture; DL (delay), WD (withdrawal) and OO (not
  known) carry no multiplier.
* **terrain** from ``TERRA1``, mapped to the engine's terrain classes: feature U -> urban; relief
  G (rugged) -> mountain; cover W (wooded) -> rough; relief R (rolling) with cover M (mixed) ->
  mixed; everything else, and 000 (not known), -> open (no multiplier).
* **surprise** ``SURPA``: +1/+2/+3 minor/substantial/complete surprise by the attacker, negative
  by the defender; 9 (not known) -> 0.
* **air superiority** ``AEROA``: +1 attacker, -1 defender, 0 neither; 9 (not known) -> 0. As a
  degree (the engine's form: 0 the enemy owns the air, 0.5 even, 1 the attacker owns it) the
  attacker's is ``g = (air + 1) / 2`` (`Battles.air_degree`).
* **duration** ``duration_days`` (calendar days, first to last day of the active periods).
  Required.
* **width of front** ``WOFD1``, the defender's, in km (the duration model's; NaN if not known).

Observed outcome: ``WINA`` (+1 attacker won, 0 draw, -1 attacker lost; -9 not known) and the
casualty fractions ``CASA/STRA``, ``CASD/STRD`` (clipped to ``FRACTION_CLIP``: some battles record
casualties beyond their strength, e.g. FIRST SOMME, for the attacker as for the defender).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import pandas as pd

from flashpoint.engine.ground import OPEN
from flashpoint.engine.theatre import TERRAINS
from flashpoint.errors import FlashpointError

__all__ = ["Battles", "REQUIRED", "battles_from_frame"]

REQUIRED = {
    "strength_a": "STRA",
    "strength_d": "STRD",
    "duration_days": "ATPBYR1 ... ATPEDA10 (duration)",
}
"""Columns of `load_battles` without which a battle cannot be run, and CDB90's field names."""

POSTURE_CODES = {"HD": 1, "PD": 2, "FD": 2}
"""CDB90 POST1 -> 1 (engine posture ``defend``) or 2 (``hold``); others 0 (no multiplier)."""

FRACTION_CLIP = (1e-4, 0.999)
"""Casualty fractions (casualties / strength) are clipped into this range before the fit, which
takes their logarithms: the ends keep them finite. A numerical choice made here, not a fitted or
published value. In the shipped battles the lower end never acts (the smallest fractions are
0.0012 for attackers and 0.00033 for defenders; none is 0); the upper end acts on 2 attackers and
6 defenders recorded as losing 99.9% or more, some more than their strength (up to 1.12 and 1.71
times)."""


@dataclass(frozen=True)
class Battles:
    """Initial conditions and outcomes of n battles, as aligned arrays."""

    isqno: np.ndarray          # (n,) int
    pers_a: np.ndarray         # (n,) personnel
    pers_d: np.ndarray
    tanks_a: np.ndarray
    tanks_d: np.ndarray
    guns_a: np.ndarray
    guns_d: np.ndarray
    posture: np.ndarray        # (n,) 0 none, 1 hasty (engine 'defend'), 2 prepared/fortified ('hold')
    terrain: np.ndarray        # (n,) index into engine TERRAINS
    surprise: np.ndarray       # (n,) -3 ... 3
    air: np.ndarray            # (n,) -1, 0, 1
    days: np.ndarray           # (n,) float, >= 1
    year: np.ndarray           # (n,) float
    front_width_d: np.ndarray  # (n,) defender's width of front at the start, km, or NaN
    wina: np.ndarray           # (n,) -1, 0, 1 or NaN
    frac_a: np.ndarray         # (n,) observed casualty fraction or NaN
    frac_d: np.ndarray

    def __len__(self) -> int:
        return int(self.isqno.size)

    def take(self, index: np.ndarray) -> Battles:
        """The battles at ``index`` (integer positions or a boolean mask)."""
        return Battles(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    @property
    def air_degree(self) -> np.ndarray:
        """The attacker's degree of air superiority: 1 it holds it, 0.5 neither side, 0 the defender."""
        return (self.air + 1.0) / 2.0

    @property
    def force_ratio(self) -> np.ndarray:
        """Attacker's over defender's personnel (the force-ratio baseline's only input)."""
        return self.pers_a / self.pers_d


def _terrain(frame: pd.DataFrame) -> np.ndarray:
    code = frame["terrain1"].astype(object).fillna("000").astype(str)
    relief, cover, feature = code.str[0], code.str[1], code.str[2]
    out = np.full(len(frame), OPEN, dtype=np.int64)
    out[((relief == "R") & (cover == "M")).to_numpy()] = TERRAINS.index("mixed")
    out[(cover == "W").to_numpy()] = TERRAINS.index("rough")
    out[(relief == "G").to_numpy()] = TERRAINS.index("mountain")
    out[(feature == "U").to_numpy()] = TERRAINS.index("urban")
    return out


def _equipment(mine: pd.Series, other: pd.Series, pers: pd.Series, pers_other: pd.Series) -> np.ndarray:
    """Counts with an unknown one set to the opponent's count per man (0 if both unknown)."""
    per_man = (other / pers_other).where(other.notna(), 0.0)
    return mine.fillna(per_man * pers).fillna(0.0).to_numpy(dtype=float)


def battles_from_frame(frame: pd.DataFrame, *, source: Path | str = "battles", strict: bool = False) -> Battles:
    """The battles of a `load_battles` frame that can be run.

    A battle missing a `REQUIRED` field (a missing-value code in CDB90) is left out, or, with
    ``strict``, raises `FlashpointError` naming ``source``, the field and the battle.
    """
    needed = list(REQUIRED) + [
        "tanks_a", "tanks_d", "artillery_a", "artillery_d", "post1", "terrain1", "surpa", "aeroa",
        "year", "wina", "casualties_a", "casualties_d", "front_width_d_km",
    ]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise FlashpointError(f"{source}: column {missing[0]} is missing; expected the frame of load_battles()")
    complete = pd.Series(True, index=frame.index)
    for col, field in REQUIRED.items():
        ok = frame[col].notna() & (frame[col] > 0)
        if strict and not ok.all():
            isqno = frame.index[~ok.to_numpy()][0]
            raise FlashpointError(
                f"{source}: field {field} of battle isqno {isqno} is not available (a missing-value code); "
                "expected a positive number: the battle kernel needs it to run the battle"
            )
        complete &= ok
    f = frame.loc[complete]
    pers_a, pers_d = f["strength_a"].astype(float), f["strength_d"].astype(float)
    cas_a = (f["casualties_a"] / pers_a).clip(*FRACTION_CLIP)
    cas_d = (f["casualties_d"] / pers_d).clip(*FRACTION_CLIP)
    return Battles(
        isqno=f.index.to_numpy(dtype=np.int64),
        pers_a=pers_a.to_numpy(),
        pers_d=pers_d.to_numpy(),
        tanks_a=_equipment(f["tanks_a"], f["tanks_d"], pers_a, pers_d),
        tanks_d=_equipment(f["tanks_d"], f["tanks_a"], pers_d, pers_a),
        guns_a=_equipment(f["artillery_a"], f["artillery_d"], pers_a, pers_d),
        guns_d=_equipment(f["artillery_d"], f["artillery_a"], pers_d, pers_a),
        posture=f["post1"].map(POSTURE_CODES).fillna(0).to_numpy(dtype=np.int64),
        terrain=_terrain(f),
        surprise=f["surpa"].fillna(0).to_numpy(dtype=float),
        air=f["aeroa"].fillna(0).to_numpy(dtype=float),
        days=f["duration_days"].to_numpy(dtype=float),
        year=f["year"].to_numpy(dtype=float),
        front_width_d=f["front_width_d_km"].to_numpy(dtype=float),
        wina=f["wina"].to_numpy(dtype=float),
        frac_a=cas_a.to_numpy(dtype=float),
        frac_d=cas_d.to_numpy(dtype=float),
    )
