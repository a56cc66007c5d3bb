"""The package's layers, as a user meets them: importing a leaf of the engine does not import the
scenario format (pydantic) or the API; the API is there on first use."""

from __future__ import annotations

import subprocess
import sys


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", f"import sys; {code}; print(' '.join(sys.modules))"],
                         capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_importing_a_leaf_of_the_engine_imports_neither_the_format_nor_the_api():
    loaded = _modules_after("import flashpoint.engine.rng")
    assert "pydantic" not in loaded
    assert "flashpoint.api" not in loaded and "flashpoint.analysis" not in loaded


def test_the_api_is_loaded_on_first_use():
    loaded = _modules_after("import flashpoint; flashpoint.load; flashpoint.api.run")
    assert "flashpoint.api" in loaded
