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
    ('idlib-2020', (), 1): '80b09812f6f3a9da583a5531459480b054064b18a66d0b4a4769338699aa4d54',
    ('idlib-2020', (), 7): '4b9e0e95d378e7d1a93415ee6c1719792c8b04feaab992b04154cf5bc2846410',
    ('idlib-2020', ('coalition-air-support',), 1): 'f7ee9b724f3ca30620f08a5617c47a4d910f1cfb180f35795167157c38f23873',
    ('idlib-2020', ('coalition-air-support',), 7): '9ae8b4d23c9ad6c7262f1cebe8eeaa0e42d1841529b027f15d7873e0f4ab91b1',
    ('idlib-2020', ('no-drones',), 1): '846548e2d5404f4eaaa424b775c87aa89d9ae1130daaf90b60777474b45054aa',
    ('idlib-2020', ('no-drones',), 7): '9f13efae296e0e72a5b86c4f1c0f646b8188b75f7a9bbba0a25c9e815c9c6162',
    ('idlib-2019-offensive', (), 1): 'aeab77acfc2a39f2bd3c3383f5fa8e92a30e2a08214da8b11b6f24827e009789',
    ('idlib-2019-offensive', (), 7): '4a03b0d5ceed0716c05533df4a122aed1f50dec5134e3f43d948273ca555101e',
    ('idlib-2019-offensive', ('russia-stands-aside',), 1):
        '50462ad6791870e4236ce033acc2b63b5f1c4b45a4f4dc82cc85df1e50bb2220',
    ('idlib-2019-offensive', ('russia-stands-aside',), 7):
        'fa13aa371046dd78b89635a8be7eb8fb098f3c9241be460c114cf1b5b151d272',
}
SPLITS = ((250, 1), (1000, 2))          # (--block-size, --workers)
BACKTEST = ("backtest", "idlib-2019-offensive", "--json")
COMPARE = ("compare", "idlib-2020", "--with", "coalition-air-support", "--runs", RUNS, "--json")
OTHER_DIGESTS = {
    BACKTEST: '20dc4dba165636d8b7464497d288b3e9def63bc583961712bff0861148e9bb4e',
    COMPARE: 'ce87f452d060321af78aa794290a72d0bf32139cf822f47fd30cfa85a9650b98',
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
