"""Simulation engine: the models that turn a scenario into futures.

The engine's kernels are compiled by Numba and cached on disk. Numba keys a kernel's cache on its
own source file only, so a kernel that inlines a function of another module (the air and ground
kernels use :func:`.rng.poisson`) would keep stale code after that module changed. The cache
directory is therefore named after a digest of every source file that holds kernels, and any
change to them starts a fresh cache.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numba

_PACKAGE = Path(__file__).resolve().parent.parent


def kernel_sources(package: Path = _PACKAGE) -> list[Path]:
    """The source files whose code the compiled kernels may contain."""
    return sorted([*(package / "engine").rglob("*.py"), *(package / "analysis" / "calibrate").glob("*.py")])


def kernel_cache_dir(sources: list[Path], base: Path) -> Path:
    """``base/numba-<digest of the sources' names and contents>``."""
    digest = hashlib.sha256()
    for path in sources:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return base / f"numba-{digest.hexdigest()[:16]}"


numba.config.CACHE_DIR = str(kernel_cache_dir(
    kernel_sources(), Path(os.environ.get("NUMBA_CACHE_DIR") or _PACKAGE / "engine" / "__pycache__")))
