"""The compiled kernels' cache is named after their sources: a change to any of them (not only to
the file of the kernel itself) gives a fresh cache."""

from __future__ import annotations

from pathlib import Path

import numba

from flashpoint.engine import kernel_cache_dir, kernel_sources


def test_the_cache_in_use_is_named_after_the_kernel_sources():
    expected = kernel_cache_dir(kernel_sources(), Path(numba.config.CACHE_DIR).parent)
    assert Path(numba.config.CACHE_DIR) == expected
    names = {p.name for p in kernel_sources()}
    assert {"air.py", "ground.py", "rng.py", "escalation.py", "projection.py", "kernel.py"} <= names


def test_a_change_to_any_source_moves_the_cache(tmp_path):
    a, b = tmp_path / "rng.py", tmp_path / "air.py"
    a.write_text("x = 1\n")
    b.write_text("y = 2\n")
    first = kernel_cache_dir([a, b], tmp_path)
    assert kernel_cache_dir([a, b], tmp_path) == first          # stable
    a.write_text("x = 3\n")                                       # a helper the kernel inlines
    assert kernel_cache_dir([a, b], tmp_path) != first
    assert kernel_cache_dir([a, b], tmp_path).parent == tmp_path
