"""The base map of a theatre: coastlines and land borders from Natural Earth (1:10m countries, as
TopoJSON from the npm package world-atlas, shipped in ``data/``), clipped to the scenario's extent.

An arc of the countries' topology used by one country only is a coastline; one shared by two is a
land border. ``python -m flashpoint.serve.basemap fetch`` fetches the file again (``npm pack``) and
checks it against the digest in data/SOURCE.txt.
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


def _data() -> Path:
    return Path(str(resources.files("flashpoint.serve") / "data"))


def _walk_arcs(geometry: dict):
    """Every arc index of a TopoJSON polygon or multipolygon (negative: the arc reversed, ~i)."""
    rings = geometry["arcs"] if geometry["type"] == "Polygon" else [r for p in geometry["arcs"] for r in p]
    for ring in rings:
        yield from ring


@functools.cache
def _world() -> tuple[list[np.ndarray], list[int]]:
    """The decoded arcs (arrays of (lon, lat) rows) and how many countries use each."""
    topo = json.loads((_data() / FILE).read_text())
    scale, translate = np.array(topo["transform"]["scale"]), np.array(topo["transform"]["translate"])
    arcs = [np.cumsum(np.array(arc, dtype=np.int64), axis=0) * scale + translate for arc in topo["arcs"]]
    uses: Counter[int] = Counter()
    for geometry in topo["objects"]["countries"]["geometries"]:
        if geometry["type"] in ("Polygon", "MultiPolygon"):
            for i in _walk_arcs(geometry):
                uses[i if i >= 0 else ~i] += 1
    return arcs, [uses[i] for i in range(len(arcs))]


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


def basemap(box: tuple[float, float, float, float]) -> dict[str, list[list[float | None]]]:
    """Coastlines and land borders inside ``box`` (west, south, east, north in degrees) as
    {"coast": [xs, ys], "borders": [xs, ys]}, lines separated by None (Plotly's gaps)."""
    arcs, uses = _world()
    out: dict[str, list[list[float | None]]] = {"coast": [[], []], "borders": [[], []]}
    for points, n in zip(arcs, uses, strict=True):
        if not _inside(points, box).any():
            continue
        xs, ys = _clip(points, box)
        kind = out["coast" if n == 1 else "borders"]
        kind[0].extend([*xs, None])
        kind[1].extend([*ys, None])
    return out


def warm() -> None:
    """Read and decode the world once (about 2 s), so that the first map does not wait for it."""
    _world()


def fetch() -> Path:
    """Fetch world-atlas with npm, check it against data/SOURCE.txt, and write it into data/."""
    expected = re.search(r"sha256\(countries-10m.json\) = ([0-9a-f]{64})", (_data() / "SOURCE.txt").read_text())[1]
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", PACKAGE, "--silent"], cwd=tmp, check=True, capture_output=True)
        tgz = next(Path(tmp).glob("world-atlas-*.tgz"))
        with tarfile.open(tgz) as tar:
            text = tar.extractfile(f"package/{FILE}").read()
            licence = tar.extractfile("package/LICENSE").read()
    digest = hashlib.sha256(text).hexdigest()
    if digest != expected:
        raise SystemExit(f"{PACKAGE}/{FILE}: sha256 {digest}, expected {expected} (data/SOURCE.txt)")
    (_data() / FILE).write_bytes(text)
    (_data() / "world-atlas-LICENSE").write_bytes(licence)
    return _data() / FILE


if __name__ == "__main__":
    if sys.argv[1:] != ["fetch"]:
        raise SystemExit("usage: python -m flashpoint.serve.basemap fetch")
    print(f"written: {fetch()}")
