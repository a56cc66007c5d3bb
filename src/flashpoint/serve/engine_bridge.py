"""Everything the workbench asks of the engine, in one module: loading and validating scenario text,
describing a scenario for its page, running a job, comparing two variants and rendering the report.

The rest of the server never imports the engine, the analyses or the report directly, so a change of
their internals touches this file (and serve/run_parts.py, the steps of a run job) only. Functions
here are called in worker processes (``compare_job``) or in the server (the others, which are quick).

Every import of the scenario loader, the engine, the analyses, the report or Plotly is made inside the function that
needs it: the web server's process starts without them, and its job workers load them.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flashpoint.errors import FlashpointError
from flashpoint.version import __version__

VERSION = __version__


def _model_digest() -> str:
    """sha256 of the model's own files: the engine's code, constants and calibrations, and the
    built-in scenarios (the same version can hold different models while it is worked on)."""
    root = Path(__file__).resolve().parents[1]
    files = sorted([*(root / "engine").rglob("*.py"), *(root / "engine").rglob("*.toml"),
                    *(root / "engine" / "calibration").glob("*.json"), *(root / "scenario").rglob("*.py"),
                    *(root / "scenario" / "library").glob("*.toml")])
    h = hashlib.sha256()
    for f in files:
        h.update(f.relative_to(root).as_posix().encode())
        h.update(f.read_bytes())
    return h.hexdigest()


MODEL = f"{__version__}+{_model_digest()[:12]}"
"""What a stored result was computed with: the version and a digest of the model's files. A
request asked again with the same scenario, inputs and MODEL is answered from the database; a
changed engine or constant computes it anew."""
SCENARIO_FILE = "scenario.toml"
"""The name validation messages give to scenario text sent by a client (it has no file)."""


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------------- scenarios
def builtin_scenarios() -> dict[str, str]:
    """The TOML text of every built-in scenario, by id."""
    # lazy: see the module docstring
    from flashpoint.scenario.loader import builtin_names, builtin_path, read_text

    return {name: read_text(builtin_path(name)) for name in builtin_names()}


@functools.lru_cache(maxsize=32)
def _parse(digest: str, text: str):
    # lazy: see the module docstring
    from flashpoint.scenario.loader import parse_toml, validate_data

    return validate_data(parse_toml(text, SCENARIO_FILE), SCENARIO_FILE, text)


def scenario_from_text(text: str):
    """The validated scenario written in ``text`` (TOML); FlashpointError with the CLI's messages
    when it is not valid. Scenario text is data: it is parsed, never executed."""
    return _parse(text_hash(text), text)


@functools.lru_cache(maxsize=32)
def _variant(digest: str, text: str, interventions: tuple[str, ...]):
    s = _parse(digest, text)
    return s.apply(*interventions) if interventions else s


def variant_from_text(text: str, interventions: list[str] | tuple[str, ...]):
    """The scenario of ``text`` with ``interventions`` applied in order, kept for the next question
    on the same text (applying them validates the scenario again: 10-20 ms for the flagship)."""
    return _variant(text_hash(text), text, tuple(interventions))


_LINE = re.compile(r"^(?P<file>[^:\n]+?)(?::(?P<line>\d+))?: (?:(?P<field>\(top level\)|[^\s:]+): )?(?P<message>.*)$")
_GOT = re.compile(r" \(got (?P<value>.*)\)$")
_ALLOWED = (re.compile(r"; allowed: (?P<allowed>.*)$"), re.compile(r"must be (?P<allowed>one of .*|between .*)$"),
            re.compile(r"; known: (?P<allowed>.*)$"))


def _structured(message: str) -> dict[str, Any]:
    """One line of the CLI's validation message as {line, field, value, allowed, message}."""
    out: dict[str, Any] = {"line": None, "field": None, "value": None, "allowed": None, "message": message}
    found = _LINE.match(message)
    if not found or found["file"] not in (SCENARIO_FILE,):
        return out
    if found["line"]:
        out["line"] = int(found["line"])
    field = found["field"]
    if field and not field.startswith("TOML"):
        out["field"] = field
    rest = found["message"]
    got = _GOT.search(rest)
    if got:
        out["value"] = got["value"]
        rest = rest[: got.start()]
    for pattern in _ALLOWED:
        allowed = pattern.search(rest)
        if allowed:
            out["allowed"] = allowed["allowed"]
            break
    return out


def validate_text(text: str) -> list[dict[str, Any]]:
    """The problems of a scenario's TOML text, each {line, field, value, allowed, message}, with the
    messages ``flashpoint`` prints for a file (empty when the scenario is valid)."""
    try:
        scenario_from_text(text)
    except FlashpointError as exc:
        return [_structured(line) for line in str(exc).splitlines() if line.strip()]
    return []


def _number(q: Any) -> float:
    # lazy: see the module docstring
    from flashpoint.scenario.distributions import quantity_mean

    return float(quantity_mean(q))


def _citations(ref: Any, sources: dict) -> list[str]:
    ids = [ref] if isinstance(ref, str) else list(ref or [])
    return [getattr(sources.get(i), "citation", i) for i in ids]


def describe(scenario) -> dict[str, Any]:
    """What the library and the scenario page show: title, question, actors, interventions,
    outcomes, and the model parameters a client may set, with their ranges and sources."""
    # lazy: see the module docstring
    from flashpoint.describe import fmt_quantity
    from flashpoint.engine.theatre import default_parameters, parameter_sources

    s = scenario
    params = default_parameters()
    params.update(s.parameters)
    sources = {**parameter_sources(), **s.sources}
    parameters = []
    for name in sorted(params):
        p = params[name]
        lo, hi = p.limits()
        if not (math.isfinite(lo) and math.isfinite(hi)):
            continue  # a slider needs both ends
        parameters.append({"name": name, "value": _number(p.value), "written": fmt_quantity(p.value),
                           "low": lo, "high": hi, "unit": p.unit, "description": p.description,
                           "sources": _citations(p.source, sources)})
    return {
        "id": s.meta.id, "title": s.meta.title, "question": s.meta.question, "description": s.meta.description,
        "start": str(s.meta.start), "horizon_days": s.meta.horizon_days,
        "actors": [{"id": a, "name": actor.name, "camp": actor.camp} for a, actor in s.actors.items()],
        "interventions": [{"id": i, "description": v.description, "conflicts": list(v.conflicts)}
                          for i, v in s.interventions.items()],
        "outcomes": [{"id": o, "description": v.description} for o, v in s.outcomes.items()],
        "parameters": parameters,
    }


def check_request(scenario, interventions: list[str], runs: int, days: int | None, seed: int,
                  overrides: dict[str, float]) -> int:
    """Refuse, before queueing, what the engine would refuse: unknown or conflicting interventions,
    days beyond the horizon, a parameter unknown or out of range. Returns the number of days."""
    # lazy: see the module docstring
    from flashpoint.engine.runner import RunSpec
    from flashpoint.engine.theatre import compile_theatre

    variant = scenario.apply(*interventions) if interventions else scenario
    n_days = RunSpec.for_scenario(variant, runs=runs, seed=seed, days=days, overrides=overrides).days
    if overrides:
        compile_theatre(variant, overrides)
    return n_days


# ---------------------------------------------------------------------------------- jobs
BLOCK = 1000
"""Runs per block in the workbench's jobs: progress (and a cancel) is heard after each block.
Results do not depend on the block size (engine/runner.py)."""


def compare_job(text: str, with_: list[str], against: list[str], runs: int, days: int, seed: int,
                overrides: dict[str, float], progress: Callable[[int, int], None]) -> dict[str, Any]:
    """The paired comparison of the scenario with ``with_`` against it with ``against`` (or as
    written): the document of ``flashpoint compare --json``; ``progress(n, total)`` after each block
    of n runs."""
    # lazy: see the module docstring
    from flashpoint.analysis.compare import compare_runs

    s = scenario_from_text(text)
    base = s.apply(*against) if against else s
    variant = s.apply(*with_)
    return compare_runs(base, variant, runs=runs, seed=seed, days=days, set=overrides or None,
                        block_size=BLOCK, progress=lambda n, _total=None: progress(n, 2 * runs)).to_json()


def front_map(text: str, interventions: list[str], control: dict[str, Any]) -> dict[str, Any]:
    """The run page's map (the report's front line by day, report/frontline.py) as Plotly's JSON:
    {data, layout, frames}."""
    # lazy: see the module docstring
    from flashpoint.report.frontline import front_map as _front_map

    return json.loads(_front_map(variant_from_text(text, interventions), control).to_json())


# ---------------------------------------------------------------------------------- the answer
def _report_data(text: str, interventions: list[str], summary: dict, details: dict):
    # lazy: see the module docstring
    from flashpoint.report.build import ReportData, headline_outcome

    s = scenario_from_text(text)
    variant = variant_from_text(text, interventions)
    comparison = details["comparison"]
    data = ReportData(base_s=s, int_s=variant, base=details["baseline"], inter=summary,
                      differences=comparison["outcomes"], comparison=comparison,
                      losses_time_base=details["losses_time_base"], losses_time_int=details["losses_time_int"],
                      seconds=details.get("seconds") or 0.0, claims=details.get("claims"),
                      claims_error=details.get("claims_error"), control_by_day=details.get("control_by_day"))
    parts = details.get("parts") or {}
    for part in ("sensitivity", "discovery", "backtest"):
        setattr(data, part, details.get(part))
        setattr(data, f"{part}_error", details.get(f"{part}_error"))
    for part in ("claims", "sensitivity", "discovery", "backtest"):
        if parts.get(part) == "pending":
            setattr(data, f"{part}_error", PENDING)
    data.headline_outcome = headline_outcome(data.differences)
    return data


PENDING = "still being computed: the run's page shows it as soon as it is done"


def _names(interventions: list[str]) -> tuple[str, str]:
    applied = ", ".join(interventions)
    return (f"without {applied}", f"with {applied}") if interventions else ("as written", "as written")


def headline(text: str, interventions: list[str], summary: dict, details: dict) -> list[str]:
    """The answer in plain words (the report's headline sentences)."""
    # lazy: see the module docstring
    from flashpoint.report.build import headline as _headline

    return _headline(_report_data(text, interventions, summary, details), *_names(interventions))


def report_html(text: str, interventions: list[str], summary: dict, details: dict) -> str:
    """The report page of a stored run (the same page as ``flashpoint report``, from the stored
    numbers: nothing is simulated again)."""
    # lazy: see the module docstring
    from flashpoint.report.build import render

    html, _figures = render(_report_data(text, interventions, summary, details), *_names(interventions))
    return html


def plotly_js_path() -> Path:
    """plotly.min.js of the installed plotly package."""
    # lazy: see the module docstring
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
