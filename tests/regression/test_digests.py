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
    ('idlib-2020', (), 1): 'd83d019e01dcfd9bee43a5d1a4ee1054dbfd53fd2bbcc6ea336ff9d484998f85',
    ('idlib-2020', (), 7): '2ec73405c1b761dbef717c5dc10c44496227225bbfb832a2c9b01cfb369ee2e5',
    ('idlib-2020', ('coalition-air-support',), 1):
        '31ddafed92364f4f9a5643a912b54413063bb40f73fc9ca29ee6200d7d759b67',
    ('idlib-2020', ('coalition-air-support',), 7):
        '3dfde01285400ad0ad6bf656e80dc89a195e2ef6198df775dc3c98584c32908d',
    ('idlib-2020', ('no-drones',), 1): '84493e6f34e22d9926ea84468bc02c5ba72e8226348457cfc442efc1d0e34b3b',
    ('idlib-2020', ('no-drones',), 7): 'd22530d4501366df86e766c33bc3b71bdfc4dadf8cfdaf4000b65c2f13c0fcdc',
    ('idlib-2019-offensive', (), 1): '6b9e0fedf56dd44fb580f482265489e55a75eb7d263733cfe0d423f2e27a939e',
    ('idlib-2019-offensive', (), 7): 'dddbecff5edbadc9371ad47c118dd0f9f038e05e8ea53038645bcbcc81aeeb52',
    ('idlib-2019-offensive', ('russia-stands-aside',), 1):
        'c0a7cf3d82bfafe9cae9336780d583168fa1c3d715844dc0aa5c3524b322e9a4',
    ('idlib-2019-offensive', ('russia-stands-aside',), 7):
        '2eb5cc69eab767920a218d4a1a2a085cd6b9f3527eed8f65eb3dcab7986814d6',
    ('karabakh-2020', (), 1): 'cd4e4ec53853cdbf7a10828efc99f6f7dedb2b026011dc2096de82125c6ebb14',
    ('karabakh-2020', (), 7): '13a1fb35c589f55b9a84ce12a4fbbc4226e005aa14aad62fc033ae5836302e96',
}
SPLITS = ((250, 1), (1000, 2))          # (--block-size, --workers)
# (scenario, interventions, seed) -> sha256 of the summary.json that `flashpoint run` writes, the
# same at every layout in LAYOUTS (json.dumps(summary, indent=2): the document with nothing left out)
SUMMARY_DIGESTS = {
    ("idlib-2020", ("coalition-air-support",), 1): "47c56d28bcdb9c7340c990ff7c39cd408824b8626324fe319bb14ae35a31888a",
    ("idlib-2019-offensive", (), 1): "da0a30e4d86429987c14b47e565cae3c2327d64a513fc3bbcdfce8abb1f87fd5",
}
LAYOUTS = ((250, 1), (1000, 1), (250, 2), (1000, 2))      # SPLITS and two more
BACKTEST = ("backtest", "idlib-2019-offensive", "--json")
# the second theatre: loitering munitions with a stock, stand-off, learning defenders, by-cause counts
BACKTEST_KARABAKH = ("backtest", "karabakh-2020", "--runs", 500, "--workers", 2, "--json")
# the same command as test_seam_digests.py's "compare", so that it runs once
COMPARE = ("compare", "idlib-2020", "--with", "coalition-air-support", "--runs", RUNS, "--workers", 2, "--json")
OTHER_DIGESTS = {
    BACKTEST: '0f3e0f24b298c92a209c5b0066c1f7245f2c5fd92e6791fbcd9a893cb5e2790e',
    BACKTEST_KARABAKH: 'f71ce4d082fec669a5192abdfdb1b981e90e0e1ab248ded85eddc4f60ae00172',
    COMPARE: 'df131426bf57d23f827f87f5981b3e8bcf8d6da82901b6e3cb4533a78d61f623',
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
