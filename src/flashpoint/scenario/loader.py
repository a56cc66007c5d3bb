"""Read scenario files (built-in by name, or any TOML file by path) and write them back."""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import ValidationError

from flashpoint.errors import FlashpointError
from flashpoint.scenario.calibrated import resolve_calibrated
from flashpoint.scenario.diagnostics import raise_problems, validation_messages
from flashpoint.scenario.references import check_references
from flashpoint.scenario.schema import Scenario

LIBRARY = "flashpoint.scenario.library"


def builtin_names() -> list[str]:
    """Ids of the scenarios that ship with Flashpoint."""
    folder = resources.files(LIBRARY)
    return sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml"))


def builtin_path(name: str) -> Path:
    return Path(str(resources.files(LIBRARY).joinpath(f"{name}.toml")))


def load(name_or_path: str | Path) -> Scenario:
    """A built-in scenario by id (``"idlib-2020"``), or a scenario file by path."""
    text = str(name_or_path)
    if text in builtin_names():
        return load_file(builtin_path(text))
    path = Path(text)
    if path.suffix == ".toml" or path.exists() or "/" in text:
        return load_file(path)
    raise FlashpointError(
        f"unknown scenario '{text}': not a built-in scenario ({', '.join(builtin_names())}) "
        "and not a file; give a built-in id or the path of a .toml file")


MAX_FILE_BYTES = 16 * 2**20
"""The largest scenario file read (16 MiB): the largest shipped one is about 60 KB, and a file of
this size already holds hundreds of thousands of entries."""


def read_bytes(path: Path, what: str = "scenario file", max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of an input file, with a clear error when it is missing, a folder, not a regular
    file (a device, or a pipe that may never end: checked before opening, which would wait for a
    writer) or larger than ``max_bytes``, which is all that is read."""
    not_regular = f"{path}: not a regular file (a device, pipe or socket); give the path of a {what}"
    too_large = f"; a {what} may have at most {max_bytes:,} bytes"
    try:
        if path.exists() and not path.is_dir() and not path.is_file():
            raise FlashpointError(not_regular)
        with open(path, "rb") as fh:
            info = os.fstat(fh.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise FlashpointError(not_regular)
            if info.st_size > max_bytes:
                raise FlashpointError(f"{path}: {info.st_size:,} bytes{too_large}")
            raw = fh.read(max_bytes + 1)
    except FileNotFoundError:
        raise FlashpointError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise FlashpointError(f"{path}: is a folder, not a {what}") from None
    except PermissionError:
        raise FlashpointError(f"{path}: permission denied") from None
    except OSError as exc:
        raise FlashpointError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    if len(raw) > max_bytes:  # it grew while being read
        raise FlashpointError(f"{path}: more than {max_bytes:,} bytes{too_large}")
    return raw


def read_text(path: Path) -> str:
    """The file's text (:func:`read_bytes`), with a clear error when it is not UTF-8."""
    raw = read_bytes(path)
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")  # a byte-order mark is not content
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise FlashpointError(
            f"{path}:{line}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
            "save the file as UTF-8") from None


_LONG_NUMBER = re.compile(r"[0-9_]{4300,}")
_AT = re.compile(r" \(at line (\d+), column (\d+)\)$")


def parse_toml(text: str, file: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise FlashpointError(f"{file}: TOML syntax error: arrays or tables nested too deeply") from None
    except ValueError as exc:  # TOMLDecodeError, or an integer too long to convert
        if "integer string conversion" in str(exc):
            long = _LONG_NUMBER.search(text)
            line = text.count("\n", 0, long.start()) + 1 if long else None
            where = f"{file}:{line}" if line else file
            raise FlashpointError(f"{where}: a number with more than 4300 digits; numbers must be finite, "
                                  "at most about 1.8e308") from None
        # tomllib's message ends with "(at line L, column C)"; keep the line in our prefix and
        # quote the offending line, so that the bad text shows in the message.
        message, line = str(exc), None
        found = _AT.search(message)
        if found:
            line, column = int(found[1]), int(found[2])
            message = message[: found.start()]
            lines = text.split("\n")  # tomllib counts lines by "\n" only
            if line <= len(lines):
                quoted = lines[line - 1].rstrip("\r")
                quoted = quoted if len(quoted) <= 80 else quoted[:77] + "..."
                message += f" at column {column} of {quoted!r}"
        message = message.replace(" (at end of document)", " at the end of the file")
        where = f"{file}:{line}" if line else file
        raise FlashpointError(f"{where}: TOML syntax error: {message}") from None


def validate_data(data: dict[str, Any], file: str, text: str | None = None,
                  heading: str = "") -> Scenario:
    """A scenario from parsed TOML data, with every problem reported at once. Calibrated values
    (``{ calibrated = "air:..." }``, :mod:`.calibrated`) are replaced by their distributions first."""
    data = resolve_calibrated(data, file, text, heading)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise_problems(file, text, validation_messages(exc, data, Scenario), heading)
    problems = check_references(scenario)
    if problems:
        raise_problems(file, text, problems, heading)
    # cycle: interventions imports the loader
    from flashpoint.scenario.interventions import check_interventions

    check_interventions(scenario, file, text)
    return scenario


def load_file(path: str | Path) -> Scenario:
    path = Path(path)
    text = read_text(path)
    return validate_data(parse_toml(text, str(path)), str(path), text)


def _plain(value: Any) -> Any:
    """Data ready for tomli_w: no None, dates kept, tuples as lists."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date | dt.time | str | int | float | bool):
        return value
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def scenario_data(scenario: Scenario) -> dict[str, Any]:
    """The scenario as plain data, as it would be read from TOML (defaults left out)."""
    return _plain(scenario.model_dump(mode="python", by_alias=True, exclude_unset=True))


def dump_toml(scenario: Scenario) -> str:
    return tomli_w.dumps(scenario_data(scenario))
