"""Run folders: unique, complete or absent, with normal permissions; disk space checked before the
work; trajectories written to disk block by block."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import flashpoint
from flashpoint import outputs
from flashpoint.analysis import results as results_module
from flashpoint.analysis.results import Results, TrajectoryWriter, run_id, write_run_dir
from flashpoint.engine.runner import RunSpec, run_scenario
from flashpoint.errors import FlashpointError
from flashpoint.outputs import PARTIAL, RunFolder, remove_stale_partials, short_name

FILES = {"summary.json", "scenario.toml", "manifest.json"}


def run_dirs(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if not p.name.startswith("."))


def dead_pid() -> int:
    """The id of a process that has ended."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_three_concurrent_runs_into_one_folder_give_three_complete_folders(tmp_path, minimal_toml):
    out = tmp_path / "same"
    command = [str(Path(sys.executable).with_name("flashpoint")), "run", str(minimal_toml), "--runs", "2000",
               "--workers", "1", "--out", str(out)]
    procs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    for proc in procs:
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
    folders = run_dirs(out)
    assert len(folders) == 3, folders
    for folder in folders:
        assert {p.name for p in folder.iterdir()} == FILES
        assert json.loads((folder / "summary.json").read_text(encoding="utf-8"))["runs"] == 2000
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_publishing_never_replaces_another_run_folder(tmp_path):
    names = []
    for text in ("first", "second", "third"):
        with RunFolder(tmp_path) as target:
            (target.path / "summary.json").write_text(text, encoding="utf-8")
            names.append(target.publish("same-name"))
    assert [p.name for p in names] == ["same-name", "same-name-2", "same-name-3"]
    assert [(p / "summary.json").read_text(encoding="utf-8") for p in names] == ["first", "second", "third"]


def test_partial_folders_of_dead_processes_are_removed_by_the_next_run(tmp_path):
    stale = tmp_path / f"{PARTIAL}{dead_pid()}-abc123"
    stale.mkdir()
    (stale / "summary.json").write_text("{}", encoding="utf-8")
    mine = tmp_path / f"{PARTIAL}{os.getpid()}-live"     # a process still writing: left alone
    mine.mkdir()
    other = tmp_path / "notes"                           # not a partial folder: left alone
    other.mkdir()
    assert remove_stale_partials(tmp_path) == [stale]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([mine.name, "notes"])


def test_a_run_removes_a_stale_partial_folder(cli, tmp_path, minimal_toml):
    stale = tmp_path / f"{PARTIAL}{dead_pid()}-xyz"
    stale.mkdir()
    (stale / "scenario.toml").write_text("half", encoding="utf-8")
    result = cli("run", minimal_toml, "--runs", 250, "--workers", 1, "--out", tmp_path)
    assert result.exit_code == 0, result.output
    assert not stale.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_run_folders_have_normal_permissions(cli, tmp_path, minimal_toml):
    result = cli("run", minimal_toml, "--runs", 250, "--workers", 1, "--out", tmp_path)
    assert result.exit_code == 0, result.output
    (folder,) = run_dirs(tmp_path)
    umask = os.umask(0)
    os.umask(umask)
    assert folder.stat().st_mode & 0o777 == 0o777 & ~umask


def test_long_intervention_names_are_shortened_with_a_hash():
    names = [f"intervention-with-a-very-long-descriptive-name-number-{i}" for i in range(8)]
    one, other = run_id("idlib-2020", names, 1), run_id("idlib-2020", names[::-1], 1)
    assert len(one.encode()) < 255 and len(other.encode()) < 255
    assert one != other
    assert short_name("short") == "short"
    long = "x" * 300
    assert len(short_name(long).encode()) == outputs.NAME_BYTES
    assert short_name(long) != short_name(long + "y")


def test_a_run_with_long_intervention_names_is_written(tmp_path, minimal_toml):
    s = flashpoint.load(str(minimal_toml))
    res = s.run(runs=250, days=3)
    res.interventions = [f"intervention-with-a-very-long-descriptive-name-number-{i}" for i in range(8)]
    folder = write_run_dir(res, tmp_path, s.to_toml(), ["flashpoint"])
    assert {p.name for p in folder.iterdir()} == FILES


def test_out_that_is_a_file_is_named_as_such(cli, tmp_path, minimal_toml):
    afile = tmp_path / "afile"
    afile.write_text("x", encoding="utf-8")
    result = cli("run", minimal_toml, "--runs", 250, "--out", afile)
    assert result.exit_code == 2
    assert f"--out {afile}: is a file, not a folder" in result.stderr
    assert "File exists" not in result.output


def test_too_little_free_space_refuses_before_simulating(cli, tmp_path, monkeypatch, minimal_toml):
    simulated = []
    monkeypatch.setattr("flashpoint.engine.runner.run_scenario", lambda *a, **k: simulated.append(1))
    monkeypatch.setattr(outputs.shutil, "disk_usage", lambda path: type("Usage", (), {"free": 1000})())
    result = cli("run", minimal_toml, "--runs", 250, "--out", tmp_path)
    assert result.exit_code == 2
    assert "free on its disk" in result.stderr and "Nothing was simulated" in result.stderr
    assert not simulated


def test_trajectories_need_their_size_on_disk(cli, tmp_path, monkeypatch, minimal_toml):
    """With --save-trajectories the estimate grows with the runs: 10^6 runs need gigabytes."""
    free = 10 * 2**30
    monkeypatch.setattr(outputs.shutil, "disk_usage", lambda path: type("Usage", (), {"free": free})())
    result = cli("run", minimal_toml, "--runs", 100_000_000, "--save-trajectories", "--out", tmp_path)
    assert result.exit_code == 2, result.output
    assert "free on its disk" in result.stderr
    assert not any(tmp_path.iterdir())


def test_a_full_disk_while_writing_leaves_nothing(cli, tmp_path, monkeypatch, minimal_toml):
    real = Path.write_text

    def full(self, text, *args, **kwargs):
        if self.name == "manifest.json":
            real(self, text[:10], *args, **kwargs)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(self, text, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", full)
    result = cli("run", minimal_toml, "--runs", 250, "--workers", 1, "--out", tmp_path)
    assert result.exit_code == 2
    assert f"--out {tmp_path}: the disk is full" in result.stderr
    assert "Traceback" not in result.output
    assert not any(tmp_path.iterdir())


def test_out_removed_during_the_run_is_named(cli, tmp_path, monkeypatch, minimal_toml):
    out = tmp_path / "runs"
    real = run_scenario

    def run_then_remove(*args, **kwargs):
        outcome = real(*args, **kwargs)
        shutil.rmtree(out)
        return outcome

    monkeypatch.setattr("flashpoint.analysis.results.run_scenario", run_then_remove)
    result = cli("run", minimal_toml, "--runs", 250, "--workers", 1, "--out", out)
    assert result.exit_code == 2, result.output
    assert f"--out {out}: the folder was removed while the command ran" in result.stderr
    assert "Traceback" not in result.output


def test_streamed_trajectories_equal_the_ones_kept_in_memory(tmp_path, minimal_toml):
    s = flashpoint.load(str(minimal_toml))
    spec = RunSpec(runs=750, days=6, seed=3, block_size=250, workers=2, trajectories=True)
    writer = TrajectoryWriter(tmp_path / "t.nc", s, spec.days)
    streamed = run_scenario(s, spec, on_block=writer.append)
    writer.close()
    assert streamed.blocks is None                      # nothing kept in memory
    kept = Results(run_scenario(s, RunSpec(runs=750, days=6, seed=3, block_size=250, trajectories=True)),
                   s.meta.id, []).trajectories()
    with xr.open_dataset(tmp_path / "t.nc") as ds:
        assert set(ds.data_vars) == set(kept.data_vars)
        for name in kept.data_vars:
            np.testing.assert_array_equal(ds[name].values, kept[name].values, err_msg=name)
            assert ds[name].dims == kept[name].dims
        for coord in ("run", "day", "place", "actor", "camp"):
            np.testing.assert_array_equal(ds[coord].values, kept[coord].values)


def test_a_disk_error_while_streaming_is_a_message(tmp_path, monkeypatch, minimal_toml):
    s = flashpoint.load(str(minimal_toml))
    writer = TrajectoryWriter(tmp_path / "t.nc", s, 3)

    def hdf_error(block):
        raise RuntimeError("NetCDF: HDF error")

    monkeypatch.setattr(writer, "_append", hdf_error)
    monkeypatch.setattr(results_module.shutil, "disk_usage", lambda path: type("Usage", (), {"free": 0})())
    with pytest.raises(FlashpointError, match="the disk is full"):
        writer.append(None)
