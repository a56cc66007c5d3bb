"""Issue tables for the bargaining models: who the actors are, how strong they are, where they
stand and how much they care.

Two CSV layouts are read into one :class:`IssueTable`.

KTAB layout (``SMPModel::csvRead`` in KTAB ``examples/smp/libsrc/smpread.cpp``)::

    <scenario name>,<description>,<number of actors>,<number of dimensions>[, ...]
    Actor,Description,<capability header>,<dim 1 position>,<dim 1 salience>,...
    <name>,<description>,<capability>,<position 1>,<salience 1>,...

Positions are on a 0-100 scale, saliences are percentages of attention (each in 0-100 and at
most 100 in total per actor), capability is a positive number on any scale.

BDM layout (the actor tables of the Scholz, Calbert & Smith 2011 replications by jmckib and
dmasad)::

    Actor,Capability,Position,Salience
    <name>,<capability>,<position>,<salience>

Column names are matched case-insensitively; ``Stakeholder``/``Name`` are accepted for the actor
column and ``Resources``/``Power``/``Influence`` for capability. Positions are on any numeric
scale; salience is either a fraction (every value at most 1) or a percentage (0-100).
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from flashpoint.errors import FlashpointError

TableFormat = Literal["ktab", "bdm"]

KTAB_SCALE = (0.0, 100.0)

MAX_TABLE_BYTES = 16 * 2**20
"""The largest table read (16 MiB, some 200,000 actor rows: far beyond what the models can run)."""

MAX_VALUE = 1e12
"""The largest capability, and the largest position (either sign) of a BDM table: the models sum
products of capabilities, saliences and squared distances over every pair of actors, which must
stay far from the largest float (1.8e308); real tables use 0-100 scales and capabilities below 1e6."""

_BDM_COLUMNS: dict[str, tuple[str, ...]] = {
    "actor": ("actor", "stakeholder", "name"),
    "capability": ("capability", "resources", "power", "influence"),
    "position": ("position",),
    "salience": ("salience",),
}


@dataclass(frozen=True, eq=False)
class IssueTable:
    """Actors on one or more issue dimensions.

    ``positions`` are on the input's scale (``scale`` gives its ends: 0-100 for KTAB tables, the
    lowest and highest position for BDM tables). ``salience`` is the share of attention, 0-1,
    whatever scale the file used (``salience_scale`` records it: 100 or 1).
    """

    actors: tuple[str, ...]
    capability: np.ndarray
    positions: np.ndarray
    salience: np.ndarray
    dimensions: tuple[str, ...]
    scale: tuple[float, float]
    name: str = ""
    descriptions: tuple[str, ...] = ()
    source: str = ""
    format: TableFormat = "ktab"
    salience_scale: float = 100.0

    def __post_init__(self) -> None:
        n, d = len(self.actors), len(self.dimensions)
        capability = np.asarray(self.capability, dtype=float).reshape(-1)
        positions = np.asarray(self.positions, dtype=float).reshape(n, d)
        salience = np.asarray(self.salience, dtype=float).reshape(n, d)
        if capability.shape != (n,):
            raise ValueError(f"capability has {capability.size} values for {n} actors")
        for arr in (capability, positions, salience):
            arr.setflags(write=False)
        object.__setattr__(self, "capability", capability)
        object.__setattr__(self, "positions", positions)
        object.__setattr__(self, "salience", salience)
        if not self.descriptions:
            object.__setattr__(self, "descriptions", ("",) * n)

    @property
    def n_actors(self) -> int:
        return len(self.actors)

    @property
    def n_dimensions(self) -> int:
        return len(self.dimensions)

    def unit_positions(self) -> np.ndarray:
        """Positions mapped onto [0, 1]: (x - low) / (high - low)."""
        lo, hi = self.scale
        return (self.positions - lo) / (hi - lo)

    def from_unit(self, unit: np.ndarray) -> np.ndarray:
        """Inverse of :meth:`unit_positions`."""
        lo, hi = self.scale
        return lo + np.asarray(unit, dtype=float) * (hi - lo)


def read_issue_table(path: str | Path) -> IssueTable:
    """Read a KTAB or BDM actor table (the layout is recognised from the first row).

    Raises :class:`FlashpointError` naming the file, the row/column, the bad value and what is
    allowed.
    """
    path = Path(path)
    rows = _read_rows(path)
    first = rows[0][1]
    if len(first) >= 4 and _is_int(first[2]) and _is_int(first[3]):
        return _parse_ktab(path, rows)
    known = {alias for aliases in _BDM_COLUMNS.values() for alias in aliases}
    if any(c.lower() in known for c in first):
        return _parse_bdm(path, rows)
    raise FlashpointError(
        f"{path}: row {rows[0][0]}: unrecognised table layout {','.join(first)!r}; allowed: a "
        "KTAB first row 'scenario,description,<number of actors>,<number of dimensions>' or a "
        "BDM header 'Actor,Capability,Position,Salience'"
    )


def _read_rows(path: Path) -> list[tuple[int, list[str]]]:
    """Non-blank CSV rows as (1-based line number, stripped cells without trailing empties)."""
    # lazy: the engine does not otherwise load the scenario loader (192 modules); only reading a table does
    from flashpoint.scenario.loader import read_bytes

    raw = read_bytes(path, "CSV table", MAX_TABLE_BYTES)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise FlashpointError(
            f"{path}: line {line}: byte 0x{raw[exc.start]:02x} at offset {exc.start} is not "
            "UTF-8; allowed: a UTF-8 text file"
        ) from None
    rows: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text, newline=""), skipinitialspace=True, strict=True)
    try:
        end = 0
        for cells in reader:
            start, end = end + 1, reader.line_num
            if end > start:   # a quoted value ran over the end of its line: its closing quote is missing
                raise FlashpointError(
                    f"{path}: line {start}: a double quote opened on this line is not closed on it (the value "
                    f"runs on to line {end}); allowed: one row per line, each quote closed on its line"
                )
            stripped = [c.strip() for c in cells]
            while stripped and stripped[-1] == "":
                stripped.pop()
            if stripped:
                rows.append((reader.line_num, stripped))
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            raise FlashpointError(
                f"{path}: line {end + 1}: a double quote opened on this line is never closed; allowed: "
                "each quote closed on its line"
            ) from None
        raise FlashpointError(
            f"{path}: line {reader.line_num}: malformed CSV ({exc}); allowed: comma-separated "
            "values, optionally in double quotes"
        ) from None
    if not rows:
        raise FlashpointError(f"{path}: the file is empty; allowed: a KTAB or BDM actor table")
    return rows


def _is_int(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True


def _number(path: Path, line: int, col: int, column: str, text: str, allowed: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise FlashpointError(
            f"{path}: row {line}, column {col} ({column}): {text!r} is not a number; "
            f"allowed: {allowed}"
        )
    return value


def _capability(path: Path, line: int, col: int, column: str, text: str) -> float:
    allowed = f"a positive number up to {MAX_VALUE:g}"
    value = _number(path, line, col, column, text, allowed)
    if value <= 0:
        raise FlashpointError(
            f"{path}: row {line}, column {col} ({column}): {value:g} is not positive; allowed: {allowed}"
        )
    _check_range(path, line, col, column, value, 0.0, MAX_VALUE, allowed)
    return value


def _check_range(
    path: Path, line: int, col: int, column: str, value: float, lo: float, hi: float, allowed: str
) -> None:
    if not lo <= value <= hi:
        raise FlashpointError(
            f"{path}: row {line}, column {col} ({column}): {value:g} is out of range; "
            f"allowed: {allowed}"
        )


def _check_actors(path: Path, names: list[str], lines: list[int]) -> None:
    if len(names) < 2:
        raise FlashpointError(
            f"{path}: {len(names)} actor row(s); allowed: at least 2 actors"
        )
    seen: dict[str, int] = {}
    for name, line in zip(names, lines, strict=True):
        if name in seen:
            raise FlashpointError(
                f"{path}: row {line}, column 1 (actor): {name!r} already appears on row "
                f"{seen[name]}; allowed: unique actor names"
            )
        seen[name] = line


def _parse_ktab(path: Path, rows: list[tuple[int, list[str]]]) -> IssueTable:
    line0, first = rows[0]
    n_act, n_dim = int(first[2]), int(first[3])
    if n_dim < 1:
        raise FlashpointError(
            f"{path}: row {line0}, column 4 (number of dimensions): {n_dim}; "
            "allowed: an integer of at least 1"
        )
    if n_act < 2:
        raise FlashpointError(
            f"{path}: row {line0}, column 3 (number of actors): {n_act}; "
            "allowed: an integer of at least 2"
        )
    if len(rows) < 2:
        raise FlashpointError(
            f"{path}: no column header row after row {line0}; allowed: a row "
            "'Actor,Description,Capability,<position>,<salience>,...'"
        )
    line1, head = rows[1]
    n_cols = 3 + 2 * n_dim
    if len(head) < n_cols:
        raise FlashpointError(
            f"{path}: row {line1}: {len(head)} column header(s) {','.join(head)!r} for {n_dim} "
            f"dimension(s); allowed: {n_cols} columns (Actor, Description, Capability, then a "
            "position and a salience column per dimension)"
        )
    dims = tuple(head[3 + 2 * d] for d in range(n_dim))
    body = rows[2:]
    if len(body) != n_act:
        raise FlashpointError(
            f"{path}: row {line0}, column 3 (number of actors): the header says {n_act} actors "
            f"but the file has {len(body)} actor row(s); allowed: the two must agree"
        )
    names: list[str] = []
    descs: list[str] = []
    lines: list[int] = []
    cap = np.empty(n_act)
    pos = np.empty((n_act, n_dim))
    sal = np.empty((n_act, n_dim))
    for a, (line, cells) in enumerate(body):
        if len(cells) < n_cols:
            raise FlashpointError(
                f"{path}: row {line}: {len(cells)} value(s), column {len(cells) + 1} "
                f"({head[len(cells)]}) is missing; allowed: {n_cols} values per actor row"
            )
        if not cells[0]:
            raise FlashpointError(
                f"{path}: row {line}, column 1 ({head[0]}): empty actor name; "
                "allowed: a non-empty name"
            )
        names.append(cells[0])
        descs.append(cells[1])
        lines.append(line)
        cap[a] = _capability(path, line, 3, head[2], cells[2])
        for d in range(n_dim):
            pc, sc = 4 + 2 * d, 5 + 2 * d
            p = _number(path, line, pc, head[pc - 1], cells[pc - 1], "a number from 0 to 100")
            _check_range(path, line, pc, head[pc - 1], p, 0.0, 100.0, "a number from 0 to 100")
            s = _number(path, line, sc, head[sc - 1], cells[sc - 1], "a number from 0 to 100")
            _check_range(path, line, sc, head[sc - 1], s, 0.0, 100.0, "a number from 0 to 100")
            pos[a, d], sal[a, d] = p, s
        total = float(np.sum(sal[a]))
        if total > 100.0:
            raise FlashpointError(
                f"{path}: row {line}: saliences add up to {total:g}; allowed: a total of at "
                "most 100 per actor (percent of attention over all dimensions)"
            )
        if total <= 0.0:
            raise FlashpointError(
                f"{path}: row {line}: every salience is 0; allowed: at least one positive "
                "salience per actor"
            )
    _check_actors(path, names, lines)
    return IssueTable(
        actors=tuple(names),
        capability=cap,
        positions=pos,
        salience=sal / 100.0,
        dimensions=dims,
        scale=KTAB_SCALE,
        name=first[0],
        descriptions=tuple(descs),
        source=str(path),
        format="ktab",
        salience_scale=100.0,
    )


def _parse_bdm(path: Path, rows: list[tuple[int, list[str]]]) -> IssueTable:
    line0, head = rows[0]
    lower = [h.lower() for h in head]
    col: dict[str, int] = {}
    for key, aliases in _BDM_COLUMNS.items():
        found = [i for i, h in enumerate(lower) if h in aliases]
        if not found:
            raise FlashpointError(
                f"{path}: row {line0}: no {key} column in header {','.join(head)!r}; "
                f"allowed names: {', '.join(a.capitalize() for a in aliases)}"
            )
        col[key] = found[0]
    width = max(col.values()) + 1
    body = rows[1:]
    names: list[str] = []
    lines: list[int] = []
    cap = np.empty(len(body))
    pos = np.empty(len(body))
    sal = np.empty(len(body))
    for a, (line, cells) in enumerate(body):
        if len(cells) < width:
            missing = next(k for k, c in col.items() if c >= len(cells))
            raise FlashpointError(
                f"{path}: row {line}: {len(cells)} value(s), column {col[missing] + 1} "
                f"({head[col[missing]]}) is missing; allowed: a value in every column"
            )
        name = cells[col["actor"]]
        if not name:
            raise FlashpointError(
                f"{path}: row {line}, column {col['actor'] + 1} ({head[col['actor']]}): empty "
                "actor name; allowed: a non-empty name"
            )
        names.append(name)
        lines.append(line)
        c = col["capability"]
        cap[a] = _capability(path, line, c + 1, head[c], cells[c])
        c = col["position"]
        allowed = f"a number from {-MAX_VALUE:g} to {MAX_VALUE:g}"
        pos[a] = _number(path, line, c + 1, head[c], cells[c], allowed)
        _check_range(path, line, c + 1, head[c], pos[a], -MAX_VALUE, MAX_VALUE, allowed)
        c = col["salience"]
        allowed = "a number from 0 to 1, or from 0 to 100 for percentages"
        sal[a] = _number(path, line, c + 1, head[c], cells[c], allowed)
        _check_range(path, line, c + 1, head[c], sal[a], 0.0, 100.0, allowed)
    _check_actors(path, names, lines)
    if not np.any(sal > 0.0):
        c = col["salience"]
        raise FlashpointError(
            f"{path}: column {c + 1} ({head[c]}): every salience is 0, so no actor cares about the "
            "issue; allowed: at least one positive salience"
        )
    salience_scale = 100.0 if float(np.max(sal)) > 1.0 else 1.0
    lo, hi = float(np.min(pos)), float(np.max(pos))
    return IssueTable(
        actors=tuple(names),
        capability=cap,
        positions=pos.reshape(-1, 1),
        salience=(sal / salience_scale).reshape(-1, 1),
        dimensions=(head[col["position"]],),
        scale=(lo, hi),
        name=path.stem,
        source=str(path),
        format="bdm",
        salience_scale=salience_scale,
    )


class BargainingHistory:
    """What the results of both bargaining models share: the table and the history of positions."""

    table: IssueTable
    positions: np.ndarray

    @property
    def actors(self) -> tuple[str, ...]:
        return self.table.actors

    @property
    def n_states(self) -> int:
        return int(self.positions.shape[0])
