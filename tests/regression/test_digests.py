"""The engine's numbers, held fixed: sha256 digests of what the commands print as JSON.

Each digest is of the command's JSON output with the package version removed (the only field that
is not a result). A change that moves any number of any built-in scenario, with or without
interventions, with decisions (idlib-2020) or without (idlib-2019-offensive), at any block size or
worker count, fails here. When a change of the model is meant to move numbers, run this file as a
script (``python tests/regression/test_digests.py``) to print the new digests, and say why in the
commit.
"""

from __future__ import annotations

import hashlib
import json

import pytest

pytestmark = pytest.mark.slow

RUNS = 2000
# (scenario, interventions, seed) -> sha256 of `flashpoint run ... --json`, the same at every
# block size and worker count in SPLITS
RUN_DIGESTS = {
    ('idlib-2020', (), 1): '914cb8d9497c17d56d7133f1a87f6744f09ff05ad97686779f6df153b20b27f1',
    ('idlib-2020', (), 7): '4e0097117f55f07d88fb3c5cd7e77a51e6142517181c7a2794cd9be51ed82820',
    ('idlib-2020', ('coalition-air-support',), 1): '21f6bcf7f3bd5632e4e54aa5daa5f3bd43011b08757b71d571bd5b9f11395f73',
    ('idlib-2020', ('coalition-air-support',), 7): '0959704add6e80c959c3ba47722dc852b08edb7989d1aa8ba5eb3563c6eec2ee',
    ('idlib-2020', ('no-drones',), 1): 'b871049ffb6085002867fa7f9fd7b9cb1ad0efc654dfd7941b51d907c162d549',
    ('idlib-2020', ('no-drones',), 7): '4d05ca034d3dd03d849c3c6ee671f10982a931115b56b47f684c485726e27e1b',
    ('idlib-2019-offensive', (), 1): 'dd5326ff5bd743f442180f1a09ab5eae17c0ce3fae6d65f564539fa95df7dd5c',
    ('idlib-2019-offensive', (), 7): '83fd1a75e44e3f904eef4f27652d7a5c65522d45eb22eea7c4532bf8bf626b4d',
    ('idlib-2019-offensive', ('russia-stands-aside',), 1):
        'f11ea3df5831100ed886951a939a4f96b13e091af11dfb51dc43136b07adb290',
    ('idlib-2019-offensive', ('russia-stands-aside',), 7):
        '9b1e12a9e43a283b02a3285932078a3c5ac8a6248335ad692a243b3f009bee54',
}
SPLITS = ((250, 1), (1000, 2))          # (--block-size, --workers)
BACKTEST = ("backtest", "idlib-2019-offensive", "--json")
COMPARE = ("compare", "idlib-2020", "--with", "coalition-air-support", "--runs", RUNS, "--json")
OTHER_DIGESTS = {
    BACKTEST: '97b540765e58e34b93a41f3127daa64ee6547fc04de56fa4e5a2efa56a46ecee',
    COMPARE: '761a7a18d0262686eac20b00ae35c46aee38b434404f0f08ddf623a0eeaed7a8',
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


@pytest.mark.parametrize("key", list(RUN_DIGESTS), ids=lambda k: "-".join(map(str, (k[0], *k[1], k[2]))))
@pytest.mark.parametrize("split", SPLITS, ids=lambda s: f"block{s[0]}-workers{s[1]}")
def test_run_summary_unchanged(cli, tmp_path, key, split):
    scenario, interventions, seed = key
    assert digest(_output(cli, run_args(scenario, interventions, seed, *split, tmp_path))) == RUN_DIGESTS[key]


@pytest.mark.parametrize("args", list(OTHER_DIGESTS), ids=lambda a: a[0])
def test_backtest_and_compare_unchanged(cli, args):
    assert digest(_output(cli, args)) == OTHER_DIGESTS[args]


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
        print("OTHER_DIGESTS = {")
        for args in (BACKTEST, COMPARE):
            print(f"    {args!r}: {digest(_output(cli, args))!r},")
        print("}")
