"""Writing the files a command produces: checked before any work, written whole or not at all."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import math
import os
import re
import shutil
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


SPACE_MARGIN = 16 * 2**20
"""Free space kept in hand beyond the estimate of what a command writes (16 MiB): the estimate
leaves out file-system overhead, and a disk filled to the last byte troubles everything else."""


def _size(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n:,.1f} TiB"


def check_out_folder(folder: Path, option: str = "--out", need_bytes: int = 0) -> Path:
    """Create ``folder`` if needed and fail before any simulation if files cannot be written in it,
    or if its disk has less free space than ``need_bytes`` (an estimate of what will be written)
    plus :data:`SPACE_MARGIN`."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise FlashpointError(f"{option} {folder}: is a file, not a folder; give a folder to hold the run folders")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
        free = shutil.disk_usage(folder).free
    except OSError as exc:
        raise FlashpointError(f"{option} {folder}: cannot write there ({exc.strerror or exc})") from None
    if free < need_bytes + SPACE_MARGIN:
        raise FlashpointError(f"{option} {folder}: {_size(free)} free on its disk, and this command writes "
                              f"about {_size(need_bytes)} (with {_size(SPACE_MARGIN)} kept in hand); free "
                              "some space or give another folder. Nothing was simulated")
    return folder


# ----------------------------------------------------------------------------- run folders
PARTIAL = ".partial-"
"""Prefix of a run folder being written: ``.partial-<pid>-<random>``, renamed when complete."""

NAME_BYTES = 120
"""The longest run-folder name before its end is replaced by a hash (file systems allow 255)."""


def short_name(name: str, limit: int = NAME_BYTES) -> str:
    """``name`` if it fits in ``limit`` bytes, else its start and a hash of the whole (so that
    different long names stay different)."""
    raw = name.encode("utf-8")
    if len(raw) <= limit:
        return name
    digest = hashlib.sha256(raw).hexdigest()[:12]
    head = raw[: limit - len(digest) - 1].decode("utf-8", errors="ignore").rstrip("+_-")
    return f"{head}-{digest}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True   # someone else's process
    return True


def remove_stale_partials(folder: Path) -> list[Path]:
    """Remove the half-written run folders left in ``folder`` by processes that died (killed while
    writing); returns what was removed."""
    removed = []
    with contextlib.suppress(OSError):
        for entry in Path(folder).iterdir():
            found = re.fullmatch(rf"{re.escape(PARTIAL)}(\d+)-.+", entry.name)
            if found and entry.is_dir() and not _alive(int(found[1])):
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry)
    return removed


def _normal_mode() -> int:
    """The permissions a new folder gets from the user's umask (``mkdtemp`` gives 0700)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o777 & ~umask


def write_error(option: str, folder: Path, exc: BaseException) -> FlashpointError:
    """A clear message for a failure while writing into ``folder`` (full disk, folder removed, ...)."""
    code = getattr(exc, "errno", None)
    if code in (errno.ENOSPC, errno.EDQUOT):
        return FlashpointError(f"{option} {folder}: the disk is full ({os.strerror(code)}); nothing was written")
    if not Path(folder).is_dir():
        return FlashpointError(f"{option} {folder}: the folder was removed while the command ran; nothing was "
                               "written")
    text = getattr(exc, "strerror", None) or str(exc)
    return FlashpointError(f"{option} {folder}: cannot write there ({text}); nothing was written")


class RunFolder:
    """A run folder written whole or not at all: files go into a hidden ``.partial-<pid>-...``
    folder in ``folder`` (made with the user's normal permissions), which :meth:`publish` renames
    to a name no other run has taken; leaving the ``with`` block without publishing removes it.
    Entering removes the partial folders of processes that died."""

    def __init__(self, folder: Path, option: str = "--out"):
        self.folder, self.option = Path(folder), option
        self.path: Path | None = None
        self.final: Path | None = None

    def __enter__(self) -> RunFolder:
        remove_stale_partials(self.folder)
        try:
            self.path = Path(tempfile.mkdtemp(prefix=f"{PARTIAL}{os.getpid()}-", dir=self.folder))
            os.chmod(self.path, _normal_mode())
        except OSError as exc:
            raise write_error(self.option, self.folder, exc) from None
        return self

    def __exit__(self, kind, exc, tb) -> None:
        if self.final is None and self.path is not None:
            shutil.rmtree(self.path, ignore_errors=True)
        if isinstance(exc, OSError):
            raise write_error(self.option, self.folder, exc) from None

    def publish(self, name: str) -> Path:
        """Rename the partial folder to ``name`` (shortened with a hash when too long), or to
        ``name-2``, ``name-3``... when another run has it: renaming onto a run folder, which is never
        empty, fails instead of replacing it, so concurrent runs cannot take each other's name."""
        assert self.path is not None
        base = short_name(name)
        for n in range(1, 10_000):
            final = self.folder / (base if n == 1 else f"{base}-{n}")
            try:
                os.rename(self.path, final)
            except OSError as exc:
                if exc.errno in (errno.EEXIST, errno.ENOTEMPTY, errno.ENOTDIR, errno.EISDIR):
                    continue
                raise
            self.final = final
            return final
        raise FlashpointError(f"{self.option} {self.folder}: 10,000 run folders named {base}-N already")


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
