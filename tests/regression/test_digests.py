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
    ('idlib-2020', (), 1): 'b09d11226f5c2b12b378edf81cdfb20eb1aa0afcd9a5985af602dfd7b0c01b57',
    ('idlib-2020', (), 7): '990505a00c4cd1fd6f74b8f97265fa56709f5a2a1f91bc1f5361508aa6c489f0',
    ('idlib-2020', ('coalition-air-support',), 1):
        '6199403358265e09a0616fd79cf780fcc78f716f23b1ae5cbbac7dcb91abade3',
    ('idlib-2020', ('coalition-air-support',), 7):
        'd0bf2678931ef8cc50c0aa82668e7090f4ae158033930f4774d968e62a0a1e13',
    ('idlib-2020', ('no-drones',), 1): 'a193bb85209434b26ec96ed494816749a93ff6ed5e99ae4aa71555ed379fc285',
    ('idlib-2020', ('no-drones',), 7): '8651eebb63ab2f088ae8ddb35f9d3927d87f9df999042329789b24012194dd59',
    ('idlib-2019-offensive', (), 1): '6b9e0fedf56dd44fb580f482265489e55a75eb7d263733cfe0d423f2e27a939e',
    ('idlib-2019-offensive', (), 7): 'dddbecff5edbadc9371ad47c118dd0f9f038e05e8ea53038645bcbcc81aeeb52',
    ('idlib-2019-offensive', ('russia-stands-aside',), 1):
        'c0a7cf3d82bfafe9cae9336780d583168fa1c3d715844dc0aa5c3524b322e9a4',
    ('idlib-2019-offensive', ('russia-stands-aside',), 7):
        '2eb5cc69eab767920a218d4a1a2a085cd6b9f3527eed8f65eb3dcab7986814d6',
    ('karabakh-2020', (), 1): '39a9786fa0842e638ff62ac40a3b7bc54a1256e52aab15438cd6e6086b4e0bb4',
    ('karabakh-2020', (), 7): '28066d93251e49d453adec40aa5d06c090262ad5d0fede8d5be3382ea03ffd76',
}
SPLITS = ((250, 1), (1000, 2))          # (--block-size, --workers)
# (scenario, interventions, seed) -> sha256 of the summary.json that `flashpoint run` writes, the
# same at every layout in LAYOUTS (json.dumps(summary, indent=2): the document with nothing left out)
SUMMARY_DIGESTS = {
    ("idlib-2020", ("coalition-air-support",), 1): "c937d560b0e0b9ef0aa97f67f10f9aefeb31e390f3661a76131cd9f098475d2d",
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
    BACKTEST_KARABAKH: '1c35714c3bb0a3e153163065cddca8b5736bfeb85c4962a4b2c590f2bda39f43',
    COMPARE: 'a92c69a418527d0a522dd32113d7fda505ccefdbb03ef08275e858743e518a7e',
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
