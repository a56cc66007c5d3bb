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
    ('idlib-2020', (), 1): 'cbbb20ed80509bc0894c7ac3dceb83f86618acd47164b18acc3696db78b9aa42',
    ('idlib-2020', (), 7): 'd8f3dc096572bb6925640f0196f0b6410e39bcb4525293606e5118845135628f',
    ('idlib-2020', ('coalition-air-support',), 1): 'b969951d3886bb319f5dd1265faf9b8af75ec2b7025543b0f2285234d14290ce',
    ('idlib-2020', ('coalition-air-support',), 7): 'a4f0e56bee32906eae39930b6c55a865c54482a04182d3281540acc0943a4013',
    ('idlib-2020', ('no-drones',), 1): '4c693cc603c722f9e5f2ded465214d0cd726838d9c3d0eb461a07f44f54c6910',
    ('idlib-2020', ('no-drones',), 7): '561ec4a76af247967f02690cccbec8c16dbc18f3d7dbdd77dfbfd5f46f4e045e',
    ('idlib-2019-offensive', (), 1): '95d70348c0980b055b51b9f31f004f4335228036d29bac548df4f5d37f9f6c32',
    ('idlib-2019-offensive', (), 7): '79ff479afc6c18e3824abbc01dc4421707815c757f954e3c1c7e01cc4b319b1a',
    ('idlib-2019-offensive', ('russia-stands-aside',), 1):
        '52e205f8cc59444af124b50bea731b52bd251e9f9fef7f0de73b8a18f7a1263c',
    ('idlib-2019-offensive', ('russia-stands-aside',), 7):
        '78840fc5a3cdc57b5b42cf34437d1fe9ff8385bc51e08c38937df42fa045b0da',
}
SPLITS = ((250, 1), (1000, 2))          # (--block-size, --workers)
BACKTEST = ("backtest", "idlib-2019-offensive", "--json")
COMPARE = ("compare", "idlib-2020", "--with", "coalition-air-support", "--runs", RUNS, "--json")
OTHER_DIGESTS = {
    BACKTEST: '91da8740c5fa06e8cd95177264bf4aa4015327103ce15aeb574c6d0ddd320bb9',
    COMPARE: 'e3b716722758f2f44fef58004438533ef1bd73a62b49d7f0d0f31798760a8e06',
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
