"""The engine's numbers, held fixed: sha256 digests of what the commands print as JSON.

Each digest is of the command's JSON output with the package version removed (the only field that
is not a result). A change that moves any number of any built-in scenario, with or without
interventions, with decisions (idlib-2020) or without (idlib-2019-offensive, karabakh-2020), at any block size or
worker count, fails here. When a change of the model is meant to move numbers, run this file as a
script (``python tests/regression/test_digests.py``) to print the new digests, and say why in the
commit.

Every distinct command runs once per session (``run_outputs`` here, ``command_output`` in
conftest.py): a `run` gives both the digest of what it prints and that of the ``summary.json`` it
writes, and the comparison is shared with test_seam_digests.py.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

RUNS = 2000
# (scenario, interventions, seed) -> sha256 of `flashpoint run ... --json`, the same at every
# block size and worker count in SPLITS
RUN_DIGESTS = {
    ('idlib-2020', (), 1): 'b8cd0863b81cc43632eab168e044887379dbc05071830c3790354d269f692330',
    ('idlib-2020', (), 7): 'ee73e54c2f912173afb12d86efbe26e73d7ac0385b894116d8a7a245a360aeaf',
    ('idlib-2020', ('coalition-air-support',), 1):
        'fb5e8eab3aead948e0bb8aaa54d81bea87651bf8ca8050fa3c2246d8682387c7',
    ('idlib-2020', ('coalition-air-support',), 7):
        '636335ddc1df032a67cce8c2e4859ce453a2b4bddc08b5644c2fcb44e796b5a1',
    ('idlib-2020', ('no-drones',), 1): '4e38ea6ab171e566e89100265283e4a9fb2c876c8e65e12c3cf957960e319510',
    ('idlib-2020', ('no-drones',), 7): 'a905f7b7e8d4296cccaa737321db9d83d144aa6f3509cd5732fcc8ac77eb64e4',
    ('idlib-2019-offensive', (), 1): 'c1f298842f3d372b9d28a96b69c6ce38a011dc2fb29e9ad6128cea7c1f3e6041',
    ('idlib-2019-offensive', (), 7): '6c6adb2e4bb7a523e35490c308d7e477602f642cfd24ecf586890e9892356386',
    ('idlib-2019-offensive', ('russia-stands-aside',), 1):
        'caf85b526e3b2c8bc6c8f04b4b7cbd044d551e2050db52df4561c5b8ddb54490',
    ('idlib-2019-offensive', ('russia-stands-aside',), 7):
        'c5fbef7f9938fb58c7c40816d684c774334c5a2261ab44ac8f24e0c164c71ce6',
    ('karabakh-2020', (), 1): 'd9b316bf86b294331ae9fe26014cc5e12d0db630a29847503209d92576ff33ee',
    ('karabakh-2020', (), 7): 'b80d455c4d449fc418ce5897ae6a2b14f0cbf5064d1df93a52de9459564b155d',
}
SPLITS = ((250, 1), (1000, 2))          # (--block-size, --workers)
# (scenario, interventions, seed) -> sha256 of the summary.json that `flashpoint run` writes, the
# same at every layout in LAYOUTS (json.dumps(summary, indent=2): the document with nothing left out)
SUMMARY_DIGESTS = {
    ("idlib-2020", ("coalition-air-support",), 1): "91dcb28c20032e01b5edcd6791e6bceadf10bc2a1f23a34ddd14af96d6553749",
    ("idlib-2019-offensive", (), 1): "c5767092d0789d4a881b5ee6cec4a43ea3b2cb24bb3aafcf2547020c90455c8d",
}
LAYOUTS = ((250, 1), (1000, 1), (250, 2), (1000, 2))      # SPLITS and two more
BACKTEST = ("backtest", "idlib-2019-offensive", "--json")
# the second theatre: loitering munitions with a stock, stand-off, learning defenders, by-cause counts
BACKTEST_KARABAKH = ("backtest", "karabakh-2020", "--runs", 500, "--workers", 2, "--json")
# the same command as test_seam_digests.py's "compare", so that it runs once
COMPARE = ("compare", "idlib-2020", "--with", "coalition-air-support", "--runs", RUNS, "--workers", 2, "--json")
OTHER_DIGESTS = {
    BACKTEST: '4c991bbe7208179cec3e38768418d5b59a033efa91918a85dad973d2af4f3597',
    BACKTEST_KARABAKH: 'c68b964ad0e6245e77bc13a4af87ab6af55a230ac6edb15d47816d6942a0d2ca',
    COMPARE: '498d7d87cedc8b8d6ec58588339704055b57a724acfbf108e43706c39d012230',
}


def digest(text: str) -> str:
    doc = json.loads(text)
    if isinstance(doc, dict):
        doc.pop("version", None)
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


def run_args(scenario: str, interventions: tuple[str, ...], seed: int, block: int, workers: int,
             out) -> list:
    with_ = [x for i in interventions for x in ("--with", i)]
    return ["run", scenario, *with_, "--runs", RUNS, "--seed", seed, "--block-size", block,
            "--workers", workers, "--out", out, "--json"]


def _output(cli, args) -> str:
    result = cli(*args)
    assert result.exit_code == 0, result.output
    return result.output


def run_once(cli, out: Path, key: tuple, layout: tuple[int, int]) -> tuple[str, str]:
    """What `flashpoint run` prints and the text of the summary.json it writes into ``out``."""
    out.mkdir(exist_ok=True)
    printed = _output(cli, run_args(*key, *layout, out))
    (folder,) = out.iterdir()
    return printed, (folder / "summary.json").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def run_outputs(cli, tmp_path_factory):
    """``run_outputs(key, layout)``: `run_once`, once per session for each key and layout."""
    done: dict[tuple, tuple[str, str]] = {}

    def get(key: tuple, layout: tuple[int, int]) -> tuple[str, str]:
        if (key, layout) not in done:
            done[key, layout] = run_once(cli, tmp_path_factory.mktemp("run"), key, layout)
        return done[key, layout]

    return get


def _key_id(key: tuple) -> str:
    return "-".join(map(str, (key[0], *key[1], key[2])))


@pytest.mark.parametrize("key", list(RUN_DIGESTS), ids=_key_id)
@pytest.mark.parametrize("split", SPLITS, ids=lambda s: f"block{s[0]}-workers{s[1]}")
def test_run_summary_unchanged(run_outputs, key, split):
    assert digest(run_outputs(key, split)[0]) == RUN_DIGESTS[key]


@pytest.mark.parametrize("key", list(SUMMARY_DIGESTS), ids=_key_id)
@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda s: f"block{s[0]}-workers{s[1]}")
def test_summary_json_is_unchanged_at_every_block_size_and_worker_count(run_outputs, key, layout):
    text = run_outputs(key, layout)[1]
    assert hashlib.sha256(text.encode("utf-8")).hexdigest() == SUMMARY_DIGESTS[key]


@pytest.mark.parametrize("args", list(OTHER_DIGESTS), ids=lambda a: a[0])
def test_backtest_and_compare_unchanged(command_output, args):
    assert digest(command_output(*args)) == OTHER_DIGESTS[args]


if __name__ == "__main__":      # print the digests of the present code, in this file's layout
    import tempfile

    from typer.testing import CliRunner

    from flashpoint.cli import app

    runner = CliRunner(env={"NO_COLOR": "1", "COLUMNS": "200"})

    def cli(*args):
        return runner.invoke(app, [str(a) for a in args])

    cases = [(s, i, seed) for s, i in (("idlib-2020", ()), ("idlib-2020", ("coalition-air-support",)),
                                       ("idlib-2020", ("no-drones",)),
                                       ("idlib-2019-offensive", ()), ("idlib-2019-offensive", ("russia-stands-aside",)),
                                       ("karabakh-2020", ()))
             for seed in (1, 7)]

    with tempfile.TemporaryDirectory() as tmp:
        print("RUN_DIGESTS = {")
        for key in cases:
            found = {digest(_output(cli, run_args(*key, *split, tempfile.mkdtemp(dir=tmp)))) for split in SPLITS}
            assert len(found) == 1, (key, found)
            print(f"    {key!r}: {found.pop()!r},")
        print("}")
        print("SUMMARY_DIGESTS = {")
        for key in SUMMARY_DIGESTS:
            texts = {run_once(cli, Path(tempfile.mkdtemp(dir=tmp)) / "out", key, layout)[1] for layout in LAYOUTS}
            assert len(texts) == 1, key
            print(f"    {key!r}: {hashlib.sha256(texts.pop().encode('utf-8')).hexdigest()!r},")
        print("}")
        print("OTHER_DIGESTS = {")
        for args in (BACKTEST, BACKTEST_KARABAKH, COMPARE):
            print(f"    {args!r}: {digest(_output(cli, args))!r},")
        print("}")
