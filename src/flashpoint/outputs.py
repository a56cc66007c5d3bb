"""Writing the files a command produces: checked before any work, written whole or not at all."""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

from flashpoint.errors import FlashpointError


def finite_json(value: Any) -> Any:
    """``value`` with every number JSON can hold: NaN and infinities (a missing or undefined
    value: a probability of no runs, a ratio over zero) become None (``null``), NumPy scalars and
    arrays become Python numbers and lists."""
    if isinstance(value, dict):
        return {k: finite_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite_json(v) for v in value]
    if hasattr(value, "tolist") and not isinstance(value, str):  # NumPy scalars and arrays
        return finite_json(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def json_text(doc: Any, indent: int | None = 2, **options: Any) -> str:
    """``doc`` as strict JSON (RFC 8259): no ``NaN`` or ``Infinity`` (a missing value is ``null``)."""
    return json.dumps(finite_json(doc), indent=indent, allow_nan=False, **options)


def check_out_folder(folder: Path, option: str = "--out") -> Path:
    """Create ``folder`` if needed and fail before any simulation if files cannot be written in it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise FlashpointError(f"{option} {folder}: cannot write there ({exc.strerror or exc})") from None
    return folder


def check_out_file(out: str | Path) -> Path:
    """Fail before any simulation if the file ``out`` cannot be written (FlashpointError, exit 2)."""
    out = Path(out)
    if out.is_dir():
        raise FlashpointError(f"--out {out}: is a folder; give the path of the file to write")
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.exists():
        raise FlashpointError(f"--out {out}: folder {folder} does not exist")
    if not folder.is_dir():
        raise FlashpointError(f"--out {out}: {folder} is not a folder")
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise FlashpointError(f"--out {out}: cannot write there ({exc.strerror or exc})") from None
    if out.exists() and not os.access(out, os.W_OK):
        raise FlashpointError(f"--out {out}: the file exists and cannot be overwritten")
    return out


def write_text_atomic(out: str | Path, text: str) -> Path:
    """Write ``text`` to a hidden temporary file in ``out``'s folder, then rename it onto ``out``: a
    reader never sees half a file, and a failure (or Ctrl-C) leaves nothing behind."""
    out = Path(out)
    folder = out.parent if str(out.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".partial", dir=folder)
    except OSError as exc:
        raise FlashpointError(f"--out {out}: cannot write there ({exc.strerror or exc})") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise FlashpointError(f"--out {out}: cannot write there ({exc.strerror or exc})") from None
        raise
    return out
