"""Digests of what the commands write: restructuring the runner, the executor or the layers of the
package must not move a single number.

Each digest is the sha256 of a document exactly as the command writes it (``summary.json`` is
``json.dumps(summary, indent=2)``), less the wall-clock timings, which are the only content that
changes from one run to the next. Summaries are checked at several block sizes and worker counts:
one digest holds for all of them. ``FLASHPOINT_RECORD_DIGESTS=1 pytest -s`` prints the digests
instead of checking them (for a deliberate change of results, to be explained in its commit).
"""

from __future__ import annotations

import hashlib
import json
import os

import pytest

import flashpoint
from flashpoint.api import run

RECORD = os.environ.get("FLASHPOINT_RECORD_DIGESTS") == "1"
RUNS = 2000

# (scenario, interventions, seed) -> sha256 of summary.json
SUMMARIES = {      # the others are held by test_digests.py (two layouts each); these two at four layouts
    ("idlib-2020", ("coalition-air-support",), 1): "88d3f7ac3d3db8045955b0d2c046dd263f6534c327e5c57853fd9a12db658806",
    ("idlib-2019-offensive", (), 1): "5d1cf3b8a000752d24ec88deea8fd7eb05c5d6aecf29ae345c5ed7eacc7235b5",
}
# (block size, workers): every one gives the same summary
LAYOUTS = [(250, 1), (1000, 1), (250, 2), (1000, 2)]

COMMANDS = {
    "backtest": ["backtest", "idlib-2019-offensive", "--runs", "500", "--workers", "1", "--json"],
    "compare": ["compare", "idlib-2020", "--with", "coalition-air-support", "--runs", "2000", "--workers", "2",
                "--json"],
    "compare-serial": ["compare", "idlib-2020", "--with", "coalition-air-support", "--runs", "2000", "--workers",
                       "1", "--block-size", "500", "--json"],
    "sensitivity": ["sensitivity", "idlib-2020", "-o", "m5-held-by-regime", "--method", "morris", "--samples", "4",
                    "--days", "20", "--workers", "2", "--json"],
    "claims": ["claims", "idlib-2020", "--runs", "500", "--days", "20", "--workers", "2", "--json"],
}
COMMAND_DIGESTS = {
    "backtest": "e3d09b636b56d4347c9409c6522d4f7e2c8f92fb1521551e6cad176f2235d66e",
    "compare": "9313c68c51d6e2a0091482a0538e6bac9b4ebbcc5b1bd3f797eeb7636ce033cb",
    "compare-serial": "9313c68c51d6e2a0091482a0538e6bac9b4ebbcc5b1bd3f797eeb7636ce033cb",
    "sensitivity": "eef9739acf812c054064296e3aa6b37e0cbe87a7f99c7a4c32db2b2555e1d3ab",
    "claims": "e15b2d5bdb69a246c94cd3e547e27ba0b9c2da93c0aed85d2bf5b524a7a174b5",
}
CALIBRATION_DIGEST = "d1882cac47aee6d701cca9f3456c8906b830b5b478acf2f1480cbef821c200e5"
TIMINGS = ("seconds",)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _check(key, got: str, want: str) -> None:
    if RECORD:
        print(f"\nDIGEST {key!r}: {got!r}")
        return
    assert got == want, f"{key}: the document changed (sha256 {got}, was {want})"


def _layouts(seed: int) -> list[tuple[int, int]]:
    """All layouts for seed 1; for other seeds one serial and one parallel (the test's time)."""
    return LAYOUTS if seed == 1 else [LAYOUTS[0], LAYOUTS[3]]


@pytest.mark.parametrize(("scenario", "interventions", "seed"), list(SUMMARIES))
def test_summary_json_is_unchanged_at_every_block_size_and_worker_count(scenario, interventions, seed):
    s = flashpoint.load(scenario)
    if interventions:
        s = s.apply(*interventions)
    for block_size, workers in _layouts(seed):
        results = run(s, runs=RUNS, seed=seed, block_size=block_size, workers=workers)
        got = _sha(json.dumps(results.summary(), indent=2))
        _check((scenario, interventions, seed, block_size, workers), got, SUMMARIES[(scenario, interventions, seed)])


def _without_timings(doc):
    if isinstance(doc, dict):
        return {k: _without_timings(v) for k, v in doc.items() if k not in TIMINGS}
    if isinstance(doc, list):
        return [_without_timings(v) for v in doc]
    return doc


@pytest.mark.parametrize("name", list(COMMANDS))
def test_command_json_is_unchanged(cli, name):
    result = cli(*COMMANDS[name])
    assert result.exit_code == 0, result.output
    doc = _without_timings(json.loads(result.stdout))
    _check(name, _sha(json.dumps(doc, indent=2)), COMMAND_DIGESTS[name])


def test_shipped_calibration_values_are_unchanged():
    """The fitted numbers of the shipped calibration file (the file may gain fields that describe
    it, such as the digest of the formula it was fitted with, but not other numbers)."""
    from importlib import resources

    data = json.loads(resources.files("flashpoint.engine.calibration").joinpath("cdb90.json").read_text("utf-8"))
    values = {k: data[k] for k in ("seed", "folds", "fixed", "constants", "fit", "scores", "air_superiority")}
    values["data"] = data["data"]
    _check("calibration", _sha(json.dumps(values, indent=2, sort_keys=True)), CALIBRATION_DIGEST)
