"""The executor seam: jobs are plain data, blocks are made lazily, partial summaries merge in any
order to the same bytes, and any executor that implements ``map`` can run a job."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
import warnings

import pytest

import flashpoint
from flashpoint.analysis.results import Results
from flashpoint.engine.executor import Block, Executor, SerialExecutor, Variant, block_bounds
from flashpoint.engine.runner import RunSpec, cores, run_scenario
from flashpoint.errors import FlashpointError, FlashpointWarning

RUNS, DAYS = 1000, 15


@pytest.fixture(scope="module")
def idlib():
    return flashpoint.load("idlib-2020").apply("coalition-air-support")


class BackwardsExecutor(Executor):
    """Runs every block in this process, then hands the partials back last first (as a cluster
    may): the summary must not notice."""

    def map(self, variants, blocks, theatres=None):
        parts = list(SerialExecutor().map(variants, blocks, theatres))
        parts = [pickle.loads(pickle.dumps(p)) for p in parts]     # as if sent from another machine
        yield from reversed(parts)


def _summary(s, job) -> str:
    return json.dumps(Results(job, s.meta.id, list(s.applied)).summary(), indent=2)


def test_any_executor_gives_the_same_summary_in_any_order(idlib):
    spec = RunSpec.for_scenario(idlib, RUNS, 3, days=DAYS, block_size=250)
    serial = run_scenario(idlib, spec, executor=SerialExecutor())
    backwards = run_scenario(idlib, spec, executor=BackwardsExecutor())
    assert serial.accumulator.runs == backwards.accumulator.runs == RUNS
    assert _summary(idlib, serial) == _summary(idlib, backwards)


def test_a_partial_summary_travels_without_its_theatre(idlib):
    spec = RunSpec.for_scenario(idlib, 250, 3, days=DAYS)
    part = next(SerialExecutor().map([Variant(idlib)], spec.blocks()))
    assert part.accumulator.th is not None
    sent = pickle.loads(pickle.dumps(part.accumulator))
    assert sent.th is None and sent.settlement.th is None
    assert sent.runs == 250 and (sent.hist == part.accumulator.hist).all()


def test_blocks_are_made_one_at_a_time():
    blocks = block_bounds(10**15, 250)
    assert iter(blocks) is blocks                       # a generator, not a list of 4e12 pairs
    assert next(blocks) == (0, 250) and next(blocks) == (250, 500)
    spec = RunSpec(runs=10**15, days=1, seed=1, block_size=5000)
    assert spec.n_blocks == 2 * 10**11
    assert next(spec.blocks()) == Block(0, 1, 0, 5000, 1, False, False)


def test_the_job_records_the_block_size_the_engine_uses(idlib):
    assert RunSpec.for_scenario(idlib, 2000, 1, block_size=1).block_size == 250
    assert RunSpec.for_scenario(idlib, 2000, 1, block_size=260).block_size == 500
    assert RunSpec.for_scenario(idlib, 2000, 1, block_size=2_000_000).block_size == 2000
    assert RunSpec.for_scenario(idlib, 2000, 1, workers=2).block_size == 1000
    assert RunSpec.for_scenario(idlib, 2000, 1).days == idlib.meta.horizon_days


def test_a_block_too_large_for_memory_is_refused_before_anything_runs(idlib):
    with pytest.raises(FlashpointError, match=r"--block-size 2000000: at most 50,000 runs per block"):
        RunSpec.for_scenario(idlib, 2_000_000, 1, block_size=2_000_000)
    assert RunSpec.for_scenario(idlib, 2_000_000, 1, block_size=50_000).block_size == 50_000


def test_more_workers_than_cores_warns_once_and_goes_on(idlib):
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        RunSpec.for_scenario(idlib, 1000, 1, workers=cores() + 1)
        RunSpec.for_scenario(idlib, 1000, 1, workers=cores())
    assert [str(w.message).split(":")[0] for w in seen if w.category is FlashpointWarning] == [
        f"--workers {cores() + 1}"]


def test_the_manifest_records_the_block_size_and_workers_used(cli, tmp_path):
    out = tmp_path / "runs"
    out.mkdir()
    result = cli("run", "idlib-2020", "--runs", "250", "--days", "5", "--block-size", "7", "--workers", "2",
                 "--out", out)
    assert result.exit_code == 0, result.output
    manifest = json.loads(next(out.iterdir()).joinpath("manifest.json").read_text("utf-8"))
    assert manifest["block_size"] == 250
    assert manifest["workers"] == 1                     # one block: it ran in this process


def test_the_command_line_says_so_in_one_line(tmp_path):
    cmd = [sys.executable, "-c", "from flashpoint.cli import app; app()", "run", "idlib-2020", "--runs", "250",
           "--days", "2", "--workers", str(cores() + 1), "--out", str(tmp_path)]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    said = [line for line in result.stderr.splitlines() if line.strip()]
    assert said == [f"warning: --workers {cores() + 1}: more than the {cores()} cores of this machine; "
                    "the extra workers only share them"]
