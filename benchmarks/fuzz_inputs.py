"""Hostile inputs: mutated scenario files and bargaining tables through the command line.

Every built-in scenario, the test fixtures and the shipped bargaining tables are mutated at random
(hypothesis): values replaced by inf, nan, huge, negative, boolean or text values, keys deleted,
renamed or unknown ones added, entries duplicated, files truncated, syntax broken. Each mutated
file goes through ``flashpoint validate`` (scenarios) or ``flashpoint bargain --json`` (tables),
and each case must end with exit code 0 or 2, no traceback, a message that names the file (and
the field, for a scenario that parses), and, when it is accepted, only finite numbers: a scenario
that validates must hold no inf or nan and survive a tiny run; a table's JSON must be strict.

    python -m benchmarks.fuzz_inputs --cases 10000

The test suite runs a few hundred cases of the same checks (tests/property/test_fuzz_inputs.py).
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import math
import re
import sys
import time
import tomllib
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import tomli_w
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "src/flashpoint/scenario/library").glob("*.toml")) + sorted(
    (ROOT / "tests/fixtures").glob("*.toml"))
TABLES = sorted((ROOT / "src/flashpoint/engine/strategy/bargaining/data").glob("*/*.csv"))

Draw = Callable[[Any], Any]
KeyPath = tuple[str | int, ...]

# --------------------------------------------------------------------------------- values
HOSTILE = [math.inf, -math.inf, math.nan, 1e308, -1e308, 10**30, -(10**30), 10**400, -5, -1, 0, 0.0, 1e-300,
           True, False, "30", "35.0", "inf", "", "x" * 300, [], {}, {"dist": "uniform", "low": 1, "high": 0},
           {"dist": "normal", "mean": 0, "sd": 0}, {"dist": "lognormal", "median": 1, "gsd": 1e300},
           {"dist": "beta", "a": 0, "b": 1}, {"dist": "uniform", "low": 0, "high": 1, "extra": 2},
           {"dist": "triangular", "low": 0, "mode": 1, "high": math.inf}, 99999999999999999999]
values = st.one_of(st.sampled_from(HOSTILE), st.floats(), st.integers(), st.text(max_size=8), st.booleans())


def paths(node: Any, prefix: KeyPath = ()) -> list[KeyPath]:
    """Every key and list index below ``node``."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    out: list[KeyPath] = []
    for key, value in items:
        out.append(prefix + (key,))
        out.extend(paths(value, prefix + (key,)))
    return out


def at(node: Any, path: KeyPath) -> Any:
    for key in path:
        node = node[key]
    return node


# ------------------------------------------------------------------------- data mutations
def replace_value(data: dict, draw: Draw) -> None:
    numbers = [p for p in paths(data) if isinstance(at(data, p), int | float)]
    path = draw(st.sampled_from(numbers or paths(data)))
    at(data, path[:-1])[path[-1]] = copy.deepcopy(draw(values))   # a copy: later mutations must not edit HOSTILE


def delete_key(data: dict, draw: Draw) -> None:
    path = draw(st.sampled_from(paths(data)))
    del at(data, path[:-1])[path[-1]]


def unknown_key(data: dict, draw: Draw) -> None:
    tables = [p for p in paths(data) if isinstance(at(data, p), dict)] or [()]
    at(data, draw(st.sampled_from(tables)))[draw(st.sampled_from(["tankz", "nmae", "sd", "mode", "x"]))] = \
        copy.deepcopy(draw(values))


def duplicate_entry(data: dict, draw: Draw) -> None:
    tables = [p for p in paths(data) if isinstance(at(data, p), dict) and len(p) >= 2
              and isinstance(at(data, p[:-1]), dict)]
    if tables:
        path = draw(st.sampled_from(tables))
        at(data, path[:-1])[f"{path[-1]}-copy"] = copy.deepcopy(at(data, path))


DATA_MUTATIONS = [replace_value, replace_value, replace_value, delete_key, unknown_key, duplicate_entry]


# ------------------------------------------------------------------------- text mutations
def truncate(text: str, draw: Draw) -> str:
    return text[: draw(st.integers(0, len(text)))]


def break_syntax(text: str, draw: Draw) -> str:
    at_ = draw(st.integers(0, len(text)))
    broken = draw(st.sampled_from(['"', "[", "]]", "=", "{", "\n[[", "\x00", "\ufeff", "= inf"]))
    return text[:at_] + broken + text[at_:]


def duplicate_line(text: str, draw: Draw) -> str:
    lines = text.split("\n")
    i = draw(st.integers(0, len(lines) - 1))
    lines.insert(draw(st.integers(0, len(lines))), lines[i])
    return "\n".join(lines)


def replace_number_text(text: str, draw: Draw) -> str:
    spots = [m.span() for m in re.finditer(r"(?<![\w.-])-?\d+(\.\d+)?(e-?\d+)?(?![\w.-])", text)]
    if not spots:
        return text
    a, b = draw(st.sampled_from(spots))
    new = draw(st.sampled_from(["inf", "nan", "-inf", "1e999", "9" * 30, "9" * 5000, "true", '"7"', "-5", "0",
                                "1e308", "", "0x10", "1_000"]))
    return text[:a] + new + text[b:]


TEXT_MUTATIONS = [truncate, break_syntax, duplicate_line, replace_number_text]


# ----------------------------------------------------------------------------- checks
class Case:
    """One mutated input and what the command said about it."""

    def __init__(self, kind: str, source: Path, path: Path, mutation: str):
        self.kind, self.source, self.path, self.mutation = kind, source, path, mutation


def _finite(node: Any, where: str = "") -> list[str]:
    """Where a loaded scenario holds a number that is not finite."""
    if isinstance(node, dict):
        return [w for k, v in node.items() for w in _finite(v, f"{where}.{k}")]
    if isinstance(node, list | tuple):
        return [w for i, v in enumerate(node) for w in _finite(v, f"{where}[{i}]")]
    if isinstance(node, float) and not math.isfinite(node):
        return [where]
    return []


def check_scenario(invoke: Callable, path: Path, parsed: bool) -> str:
    """Validate ``path`` through the CLI; raise AssertionError when the answer breaks a rule.
    Returns "ok" (accepted) or "refused"."""
    import flashpoint
    from flashpoint.errors import FlashpointError

    result = invoke("validate", str(path))
    output = result.output
    assert result.exit_code in (0, 2), f"exit {result.exit_code}: {output[-2000:]}"
    assert "Traceback" not in output, output[-2000:]
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    if result.exit_code == 2:
        first = result.stderr.strip().splitlines()[0]
        assert first.startswith(f"error: {path}"), first
        if parsed and "TOML syntax error" not in first:
            # the problem is named by a field path (or the file: too large, not UTF-8...)
            assert re.match(rf"error: {re.escape(str(path))}(:\d+)?: (\S+: |.*)", first), first
        return "refused"
    scenario = flashpoint.load(str(path))
    bad = _finite(scenario.model_dump())
    assert not bad, f"non-finite values accepted: {bad[:5]}"
    with contextlib.suppress(FlashpointError):   # a clear message is an answer too
        scenario.run(runs=10, days=min(2, scenario.meta.horizon_days))
    return "ok"


def check_table(invoke: Callable, path: Path, model: str) -> str:
    result = invoke("bargain", str(path), "--model", model, "--json", "--rounds", "3")
    output = result.output
    assert result.exit_code in (0, 2), f"exit {result.exit_code}: {output[-2000:]}"
    assert "Traceback" not in output and "Warning" not in output, output[-2000:]
    if result.exit_code == 2:
        first = result.stderr.strip().splitlines()[0]
        assert first.startswith("error: ") and (str(path) in first or "bargaining run" in first), first
        return "refused"

    def refuse(name):
        raise AssertionError(f"not strict JSON: {name}")

    json.loads(result.stdout, parse_constant=refuse)
    return "ok"


def scenario_case(draw: Draw, folder: Path) -> tuple[Path, bool, str]:
    """A mutated copy of a scenario file: (its path, whether the text still parses, what was done)."""
    source = draw(st.sampled_from(SCENARIOS))
    text = source.read_text(encoding="utf-8")
    if draw(st.booleans()):
        data = tomllib.loads(text)
        done = []
        for _ in range(draw(st.integers(1, 3))):
            if paths(data):
                mutation = draw(st.sampled_from(DATA_MUTATIONS))
                mutation(data, draw)
                done.append(mutation.__name__)
        try:
            text = tomli_w.dumps(data)
        except (TypeError, ValueError):   # a value TOML cannot write (nan keys...): write what it can
            text = tomli_w.dumps({k: v for k, v in data.items() if k == "meta"})
        parsed = True
    else:
        mutation = draw(st.sampled_from(TEXT_MUTATIONS))
        text = mutation(text, draw)
        done, parsed = [mutation.__name__], False
    path = folder / f"fuzz-{source.stem}.toml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return path, parsed, f"{source.name}: {'+'.join(done)}"


def table_case(draw: Draw, folder: Path) -> tuple[Path, str]:
    source = draw(st.sampled_from(TABLES))
    lines = source.read_text(encoding="utf-8").split("\n")
    done = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["cell", "cell", "delete-row", "duplicate-row", "truncate", "quote"]))
        i = draw(st.integers(0, len(lines) - 1))
        if kind == "cell":
            cells = lines[i].split(",")
            j = draw(st.integers(0, len(cells) - 1))
            cells[j] = draw(st.sampled_from(["inf", "nan", "-inf", "1e308", "-1e308", "0", "-5", "true", "",
                                             "abc", "1e-320", "9" * 400, "100.5", '"x']))
            lines[i] = ",".join(cells)
        elif kind == "delete-row":
            del lines[i]
        elif kind == "duplicate-row":
            lines.insert(i, lines[i])
        elif kind == "truncate":
            lines = lines[: i + 1]
            lines[-1] = lines[-1][: draw(st.integers(0, len(lines[-1])))]
        else:
            lines[i] = '"' + lines[i]
        done.append(kind)
        if not lines:
            lines = [""]
    path = folder / f"fuzz-{source.stem}.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path, f"{source.parent.name}/{source.name}: {'+'.join(done)}"


def cli_invoker() -> Callable:
    from typer.testing import CliRunner

    from flashpoint.cli import app

    runner = CliRunner(env={"NO_COLOR": "1", "COLUMNS": "200"})
    return lambda *args: runner.invoke(app, [str(a) for a in args])


def run(cases: int, folder: Path) -> dict[str, Any]:
    """``cases`` mutated inputs (about two thirds scenarios, one third tables): the tally of the
    answers, and the first 20 cases that broke a rule (with what was done to the input)."""
    invoke = cli_invoker()
    tally: Counter[str] = Counter()
    failures: list[str] = []

    @settings(max_examples=cases, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.generate])
    @given(st.data())
    def one(data):
        # every choice is drawn before any check runs, so that what a check does (a failure, the
        # memory available) cannot change the draws of a case hypothesis replays
        kind = "scenario" if data.draw(st.integers(0, 2)) < 2 else "table"
        if kind == "scenario":
            path, parsed, what = scenario_case(data.draw, folder)
        else:
            path, what = table_case(data.draw, folder)
            model = data.draw(st.sampled_from(["smp", "bdm"]))
        try:
            answer = check_scenario(invoke, path, parsed) if kind == "scenario" else check_table(invoke, path, model)
        except Exception as exc:   # noqa: BLE001 - every failure is a finding, counted and kept
            answer = "FAILED"
            if len(failures) < 20:
                failures.append(f"{what}: {type(exc).__name__}: {str(exc)[:500]}")
        tally[f"{kind} {answer}"] += 1

    t0 = time.perf_counter()
    stopped = None
    try:
        one()
    except Exception as exc:   # noqa: BLE001 - hypothesis itself gave up: report how far it got
        stopped = f"{type(exc).__name__}: {str(exc)[:300]}"
    return {"cases": sum(tally.values()), "tally": dict(sorted(tally.items())),
            "failed": sum(n for k, n in tally.items() if k.endswith("FAILED")), "failures": failures,
            "stopped": stopped, "seconds": round(time.perf_counter() - t0, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--folder", type=Path, default=Path("fuzz-inputs"))
    args = ap.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    out = run(args.cases, args.folder)
    print(json.dumps(out, indent=2))
    sys.exit(1 if out["failed"] or out["stopped"] else 0)


if __name__ == "__main__":
    main()
