"""PNG export of the report's figures through a headless Chromium.

Plotly's own static export (Kaleido) needs a Chrome it downloads at run time; this module uses the
Chromium (or Chrome) already installed instead: each figure is written to a small page of its own
(plotly.js inline, nothing loaded from elsewhere) and Chromium takes a screenshot of it
(``--headless --screenshot``). The browser is the first of ``$FLASHPOINT_CHROMIUM``, ``chromium``,
``chromium-browser``, ``google-chrome`` and ``chrome`` found on the PATH.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from flashpoint.errors import FlashpointError
from flashpoint.outputs import check_out_folder

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
                  "--host-resolver-rules=MAP * ~NOTFOUND")
WIDTH = 1200


def find_chromium() -> str | None:
    """The path of a Chromium or Chrome binary, or None."""
    wanted = os.environ.get("FLASHPOINT_CHROMIUM")
    if wanted:
        return shutil.which(wanted) or (wanted if Path(wanted).is_file() else None)
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def check_png_dir(folder: Path) -> Path:
    """The folder for the PNG files, created; FlashpointError if it cannot be written or no browser is found."""
    if find_chromium() is None:
        raise FlashpointError(f"--png {folder}: PNG export needs Chromium or Chrome on the PATH (e.g. Debian's "
                              "'chromium' package) or FLASHPOINT_CHROMIUM naming one; none was found")
    return check_out_folder(folder, "--png")


def figure_page(fig: go.Figure, width: int, height: int) -> str:
    body = fig.to_html(full_html=False, include_plotlyjs=False, div_id="figure",
                       config={"staticPlot": True, "displayModeBar": False},
                       default_width=f"{width}px", default_height=f"{height}px")
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><script>{get_plotlyjs()}</script>'
            f"<style>body{{margin:0;background:#fff}}</style></head><body>{body}</body></html>")


def export_png(figures: Mapping[str, go.Figure], folder: Path, width: int = WIDTH, timeout: float = 60.0) -> list[Path]:
    """Write ``<folder>/<id>.png`` for each figure; returns the paths written."""
    browser = find_chromium()
    if browser is None:
        raise FlashpointError("PNG export needs Chromium or Chrome; none was found")
    written = []
    with tempfile.TemporaryDirectory(prefix="flashpoint-png-") as tmp:
        for div_id, fig in figures.items():
            height = int(fig.layout.height or 500)
            page = Path(tmp) / f"{div_id}.html"
            page.write_text(figure_page(fig, width, height), encoding="utf-8")
            target = Path(folder) / f"{div_id.removeprefix('fig-')}.png"
            partial = Path(tmp) / f"{div_id}.png"
            cmd = [browser, *CHROMIUM_FLAGS, f"--user-data-dir={tmp}/profile", f"--window-size={width},{height}",
                   f"--screenshot={partial}", "--virtual-time-budget=5000", page.as_uri()]
            try:
                subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
            except subprocess.TimeoutExpired:
                raise FlashpointError(f"PNG export of {div_id}: {browser} did not finish in {timeout:.0f} s") from None
            if not partial.is_file() or partial.stat().st_size == 0:
                raise FlashpointError(f"PNG export of {div_id}: {browser} wrote no screenshot")
            shutil.move(str(partial), target)
            written.append(target)
    return written
