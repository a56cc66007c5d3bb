"""Digests of what the commands write: restructuring the runner, the executor or the layers of the
package must not move a single number.

Each digest is the sha256 of a document exactly as the command writes it (``summary.json`` is
``json.dumps(summary, indent=2)``), less the wall-clock timings, which are the only content that
changes from one run to the next. The summary.json of `flashpoint run` is checked at several block
sizes and worker counts in test_digests.py, with the runs it shares with that file's other
digests; each command here runs once per session (``command_output``, conftest.py), the comparison
shared with test_digests.py. ``FLASHPOINT_RECORD_DIGESTS=1 pytest -s`` prints the digests instead of
checking them (for a deliberate change of results, to be explained in its commit).
"""

from __future__ import annotations

import hashlib
import json
import os

import pytest

RECORD = os.environ.get("FLASHPOINT_RECORD_DIGESTS") == "1"

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
    "backtest": "c6a9b84e97c3932e5b40a9bdec0c489c20505e7ce7914fb09b6062dc6fc78a0b",
    "compare": "4d8abd2fafa719aebd4e48ce786829181e9db07b0738118614d426d4432185e0",
    "compare-serial": "4d8abd2fafa719aebd4e48ce786829181e9db07b0738118614d426d4432185e0",
    "sensitivity": "915eddc9430f1884c996163cc7d0219636d759e5811d93e74be06c60f52fe870",
    "claims": "388829ca799a2be06280281b62f57286aaa6c598fe5ba58bfd120fdc88618295",
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


def _without_timings(doc):
    if isinstance(doc, dict):
        return {k: _without_timings(v) for k, v in doc.items() if k not in TIMINGS}
    if isinstance(doc, list):
        return [_without_timings(v) for v in doc]
    return doc


@pytest.mark.parametrize("name", list(COMMANDS))
def test_command_json_is_unchanged(command_output, name):
    doc = _without_timings(json.loads(command_output(*COMMANDS[name])))
    _check(name, _sha(json.dumps(doc, indent=2)), COMMAND_DIGESTS[name])


def test_shipped_calibration_values_are_unchanged():
    """The fitted numbers of the shipped calibration file (the file may gain fields that describe
    it, such as the digest of the formula it was fitted with, but not other numbers)."""
    from importlib import resources

    data = json.loads(resources.files("flashpoint.engine.calibration").joinpath("cdb90.json").read_text("utf-8"))
    values = {k: data[k] for k in ("seed", "folds", "fixed", "constants", "fit", "scores", "air_superiority")}
    values["data"] = data["data"]
    _check("calibration", _sha(json.dumps(values, indent=2, sort_keys=True)), CALIBRATION_DIGEST)
