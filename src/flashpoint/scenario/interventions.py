"""Interventions: named, composable patches of a scenario.

An intervention sets values (``set = { "actors.usa.camp" = "opposition" }``), adds entries (a
path whose last key is new, under a table of entries such as ``forces.air``) and removes entries
(``remove = ["forces.drones.tb2-idlib"]``). Paths are the scenario's own keys joined by dots.
Applying interventions in order gives a new scenario that is validated like any file.
"""

from __future__ import annotations

import copy
import typing
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

from flashpoint.errors import FlashpointError
from flashpoint.scenario.schema import Intervention, Scenario


class PatchError(Exception):
    def __init__(self, path: str, message: str):
        super().__init__(f"'{path}': {message}")
        self.path, self.message = path, message


def _listed(keys: Iterable[str]) -> str:
    keys = sorted(keys)
    return "; known: " + (", ".join(keys[:12]) + (", ..." if len(keys) > 12 else "") or "(none)")


def _is_table_field(keys: list[str]) -> bool:
    """Whether ``keys`` names a table of the schema (such as ``forces.drones``) that may be left out."""
    # cycle: loader and diagnostics import this module
    from flashpoint.scenario.diagnostics import _model_at, _unwrap

    model = _model_at(Scenario, keys[:-1])
    field = model.model_fields.get(keys[-1]) if model is not None else None
    if field is None or field.is_required():
        return False
    return any(typing.get_origin(t) is dict or (isinstance(t, type) and issubclass(t, BaseModel))
               for t in _unwrap(field.annotation))


def _walk(data: dict, path: str) -> tuple[dict, str]:
    """The table that holds the last key of ``path``, and that key."""
    keys = path.split(".")
    node: Any = data
    for i, key in enumerate(keys[:-1]):
        if isinstance(node, dict) and key not in node and _is_table_field(keys[: i + 1]):
            node[key] = {}  # a table the file left out because it is empty, e.g. forces.drones
        if not isinstance(node, dict) or key not in node:
            where = ".".join(keys[: i + 1])
            known = _listed(node) if isinstance(node, dict) else ""
            raise PatchError(path, f"'{where}' does not exist in the scenario{known}")
        node = node[key]
    if not isinstance(node, dict):
        raise PatchError(path, f"'{'.'.join(keys[:-1])}' is a value, not a table")
    return node, keys[-1]


def patch_data(data: dict[str, Any], intervention: Intervention) -> dict[str, Any]:
    """A patched copy of scenario data (raises PatchError on a path that does not fit)."""
    out = copy.deepcopy(data)
    for path in intervention.remove:
        parent, key = _walk(out, path)
        if key not in parent:
            raise PatchError(path, "nothing to remove: no such entry" + _listed(parent))
        del parent[key]
    for path, value in intervention.set.items():
        parent, key = _walk(out, path)
        parent[key] = copy.deepcopy(value)
    return out


def _order(scenario: Scenario, names: Iterable[str]) -> list[str]:
    names = list(names)
    known = sorted(scenario.interventions)
    for name in names:
        if name not in scenario.interventions:
            raise FlashpointError(
                f"unknown intervention '{name}' for scenario '{scenario.meta.id}'; "
                f"known: {', '.join(known) or '(none)'}")
    everything = list(scenario.applied) + names
    for i, name in enumerate(everything):
        if name in everything[:i]:
            raise FlashpointError(f"intervention '{name}' is given twice")
        for other in everything[:i]:
            a, b = scenario.interventions[name], scenario.interventions[other]
            if other in a.conflicts or name in b.conflicts:
                raise FlashpointError(f"interventions '{other}' and '{name}' cannot be combined "
                                      "(the scenario declares them in conflict)")
    return names


def apply_interventions(scenario: Scenario, names: Iterable[str]) -> Scenario:
    """A new scenario with the named interventions applied in order, then validated."""
    # cycle: loader and diagnostics import this module
    from flashpoint.scenario.loader import scenario_data, validate_data

    names = _order(scenario, names)
    data = scenario_data(scenario)
    for name in names:
        try:
            data = patch_data(data, scenario.interventions[name])
        except PatchError as exc:
            raise FlashpointError(
                f"scenario '{scenario.meta.id}', intervention '{name}': cannot patch "
                f"{exc}") from None
    data["applied"] = list(scenario.applied) + names
    heading = f"scenario '{scenario.meta.id}' with {', '.join(data['applied'])} is not valid:\n"
    return validate_data(data, f"{scenario.meta.id} + {'+'.join(names)}", None, heading)


def check_interventions(scenario: Scenario, file: str, text: str | None) -> None:
    """Each intervention, alone, must patch existing fields and leave a valid scenario."""
    # cycle: loader and diagnostics import this module
    from flashpoint.scenario.diagnostics import locate_line

    if scenario.applied:
        return  # checked when the file it came from was loaded
    # cycle: loader and diagnostics import this module
    from flashpoint.scenario.loader import scenario_data

    problems = []
    data = scenario_data(scenario)
    for name, intervention in scenario.interventions.items():
        line = locate_line(text, ("interventions", name)) if text else None
        where = f"{file}:{line}" if line else file
        try:
            patch_data(data, intervention)
            apply_interventions(scenario, [name])
        except PatchError as exc:
            problems.append(f"{where}: interventions.{name}: cannot patch {exc}")
        except FlashpointError as exc:
            problems.append(f"{where}: interventions.{name}: {exc}")
    if problems:
        raise FlashpointError("\n".join(problems))
