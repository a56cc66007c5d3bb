"""The engine's numbers, held fixed: sha256 digests of what the commands print as JSON.

Each digest is of the command's JSON output with the package version removed (the only field that
is not a result). A change that moves any number of any built-in scenario, with or without
interventions, with decisions (idlib-2020) or without (idlib-2019-offensive), at any block size or
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
    ('idlib-2020', (), 1): '9cb61594f64e1b06ceabf9f0357e4282b2997bafcd6ebcc25ea21bdbc2de26ba',
    ('idlib-2020', (), 7): 'd0bc73c5a1c07594d6265b4fccd58b70510690d2aaf51ff49d0b5fc838cc1258',
    ('idlib-2020', ('coalition-air-support',), 1): 'c74ed5345fa0202b4e203bfbe34d67fdbdad40da7074abbe02d492da40c74c0a',
    ('idlib-2020', ('coalition-air-support',), 7): 'b29b963ee61be09c83c3c7cffacc11e2ea8a09275441a30ae214b282a469e219',
    ('idlib-2020', ('no-drones',), 1): '1dc2132b7ae7b72d9788e7076b83b9f62e295620525b953017d1598d400fdac1',
    ('idlib-2020', ('no-drones',), 7): '3f36cca7f54afa928fcf99628cb6686743367a7a6c0ad82134a9c03146bd3b5e',
    ('idlib-2019-offensive', (), 1): '3af3723008e465ad8b207b267429d9788c49384117522b8bd20fc9a200e06f4d',
    ('idlib-2019-offensive', (), 7): 'de306e829097ce43f8d1ce60228a354c11a77b6baf05939af3e5263ed5645b4c',
    ('idlib-2019-offensive', ('russia-stands-aside',), 1):
        '9591e503baa018647637232c0fbc3d2b861a48a24c6805982eaf17bccfaf8fa5',
    ('idlib-2019-offensive', ('russia-stands-aside',), 7):
        '9532ab360dc16687ee170c8815e82863daabc8251235742b5daecfcd82c2658e',
}
SPLITS = ((250, 1), (1000, 2))          # (--block-size, --workers)
# (scenario, interventions, seed) -> sha256 of the summary.json that `flashpoint run` writes, the
# same at every layout in LAYOUTS (json.dumps(summary, indent=2): the document with nothing left out)
SUMMARY_DIGESTS = {
    ("idlib-2020", ("coalition-air-support",), 1): "9c66093025a1e60dc3a568b17896a492b56cc5575ae206a64ef9adb19789c0d6",
    ("idlib-2019-offensive", (), 1): "ec56b1c22e83ecfc644b121d69dd696aabcd6993a611d7138855c7ff61becf8b",
}
LAYOUTS = ((250, 1), (1000, 1), (250, 2), (1000, 2))      # SPLITS and two more
BACKTEST = ("backtest", "idlib-2019-offensive", "--json")
# the same command as test_seam_digests.py's "compare", so that it runs once
COMPARE = ("compare", "idlib-2020", "--with", "coalition-air-support", "--runs", RUNS, "--workers", 2, "--json")
OTHER_DIGESTS = {
    BACKTEST: '43bb68112eb01ef2acb586e0fd1edfd5a8ad696c4ec83f4cdc1c46d921b8f686',
    COMPARE: '28930befbc925d1d3306df9b079cfbdc90327d152e17e4a627f06af88b50c6c2',
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
                                       ("idlib-2019-offensive", ()), ("idlib-2019-offensive", ("russia-stands-aside",)))
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
        for args in (BACKTEST, COMPARE):
            print(f"    {args!r}: {digest(_output(cli, args))!r},")
        print("}")
