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
    ('idlib-2020', (), 1): '23c627839001b66ac227d251e022538d77d41b327cf35a65d7baa16ba6868a00',
    ('idlib-2020', (), 7): 'dbe15e0f8839d8a128ced931b5e5d364a9263671ccb0a2f1a2c84fff850f7134',
    ('idlib-2020', ('coalition-air-support',), 1):
        '4e0646122e08b615302503fd3384878f49eb2f73a2a53ca53879811041431196',
    ('idlib-2020', ('coalition-air-support',), 7):
        '6c33774766829f91cf7e81eb910309baa1dcc715b9f1927c08617228ea9af800',
    ('idlib-2020', ('no-drones',), 1): 'f95b95424f6a7f2ec7b776cdc4f4b2f4e65c8ecce8c1755f983112e2485da5bb',
    ('idlib-2020', ('no-drones',), 7): '7464c2948acc10544765687031580be269b06504acfb5bd16bd1b2220dec5e46',
    ('idlib-2019-offensive', (), 1): 'af232518c0d4e9c2a6f79b6701e0684c4708bea3194658a55c25b9eb4dc4134e',
    ('idlib-2019-offensive', (), 7): 'ab417a933daee094ccb19807300e74b870f657fa304ff58c81073a8f9cf76274',
    ('idlib-2019-offensive', ('russia-stands-aside',), 1):
        '655c8b3d42d1c52b96c2fae067449432630f0e0f94000025840488eaa2e6cdbf',
    ('idlib-2019-offensive', ('russia-stands-aside',), 7):
        '8a9aa47bc1fb9fa13677f55a9a8fde2a0390bac92fdbb20a20cec2675dbfd8e1',
    ('karabakh-2020', (), 1): 'd9b316bf86b294331ae9fe26014cc5e12d0db630a29847503209d92576ff33ee',
    ('karabakh-2020', (), 7): 'b80d455c4d449fc418ce5897ae6a2b14f0cbf5064d1df93a52de9459564b155d',
}
SPLITS = ((250, 1), (1000, 2))          # (--block-size, --workers)
# (scenario, interventions, seed) -> sha256 of the summary.json that `flashpoint run` writes, the
# same at every layout in LAYOUTS (json.dumps(summary, indent=2): the document with nothing left out)
SUMMARY_DIGESTS = {
    ("idlib-2020", ("coalition-air-support",), 1): "995a22e1e9e512f3a8ad8b6c7ce1cf44a4d259a6be997e9b2357e213c7e679af",
    ("idlib-2019-offensive", (), 1): "1b3f3d4fecc33819efc797df4fc474d1b8dae32275e740a270e9fe52692b9413",
}
LAYOUTS = ((250, 1), (1000, 1), (250, 2), (1000, 2))      # SPLITS and two more
BACKTEST = ("backtest", "idlib-2019-offensive", "--json")
# the second theatre: loitering munitions with a stock, stand-off, learning defenders, by-cause counts
BACKTEST_KARABAKH = ("backtest", "karabakh-2020", "--runs", 500, "--workers", 2, "--json")
# the same command as test_seam_digests.py's "compare", so that it runs once
COMPARE = ("compare", "idlib-2020", "--with", "coalition-air-support", "--runs", RUNS, "--workers", 2, "--json")
OTHER_DIGESTS = {
    BACKTEST: 'f14e3d129f57cefb9c4520587ba1bb38aeca55621a65db52b7ae6f63c8833424',
    BACKTEST_KARABAKH: 'c68b964ad0e6245e77bc13a4af87ab6af55a230ac6edb15d47816d6942a0d2ca',
    COMPARE: '7e0966db104b5d04a292427f1116f60843244b7961b86ffc3446474cc84abfc3',
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
