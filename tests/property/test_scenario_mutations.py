"""Whatever is wrong with a scenario file, loading it fails with a FlashpointError that names the file.

Random mutations of the fixture (of its parsed data, and of its raw text) either load, or raise a
FlashpointError whose message starts with the file name: never any other exception. Mutated files
that do load must also survive the TOML round trip.
"""

from __future__ import annotations

import copy
import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.fixtures import MINIMAL

from flashpoint.errors import FlashpointError
from flashpoint.scenario import Scenario, load_file
from flashpoint.scenario.distributions import DIST_NAMES
from flashpoint.scenario.loader import validate_data

RAW = MINIMAL.read_bytes()
DATA = tomllib.loads(RAW.decode("utf-8"))

SETTINGS = settings(max_examples=200, deadline=None, derandomize=True, database=None)

KeyPath = tuple[str | int, ...]


def all_paths(node: Any, prefix: KeyPath = ()) -> list[KeyPath]:
    """Every key and list index below ``node``, as paths from the top."""
    out: list[KeyPath] = []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for key, value in items:
        out.append(prefix + (key,))
        out.extend(all_paths(value, prefix + (key,)))
    return out


def all_keys(node: Any) -> list[str]:
    return sorted({p[-1] for p in all_paths(node) if isinstance(p[-1], str)})


KEYS = all_keys(DATA)


def get(data: Any, path: KeyPath) -> Any:
    for key in path:
        data = data[key]
    return data


def tables(data: Any) -> list[KeyPath]:
    return [p for p in all_paths(data) if isinstance(get(data, p), dict)]


# --------------------------------------------------------------------------- random values
text = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
names = st.one_of(st.sampled_from(KEYS + ["", "x", "A_B", "red 1", "forces.ground", "made-down"]), text)
floats = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0.0, -1.0, 0.5, 1.0, 1e9]))
scalars = st.one_of(
    text,
    names,
    st.integers(-(10**6), 10**6),
    st.integers(-(2**70), 2**70),
    floats,
    st.just(float("nan")),
    st.booleans(),
    st.dates(),
    st.times(),
    st.datetimes(),
)
distributions = st.dictionaries(
    st.sampled_from(["dist", "mean", "sd", "low", "mode", "high", "median", "gsd", "a", "b"]),
    st.one_of(st.sampled_from([*DIST_NAMES, "gamma"]), floats),
    max_size=5,
)
values = st.one_of(
    st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(names, inner, max_size=3),
                 max_leaves=6),
    distributions,
)


# --------------------------------------------------------------------------- data mutations
def delete_key(data: dict, draw) -> None:
    path = draw(st.sampled_from(all_paths(data)))
    del get(data, path[:-1])[path[-1]]


def replace_value(data: dict, draw) -> None:
    path = draw(st.sampled_from(all_paths(data)))
    get(data, path[:-1])[path[-1]] = draw(values)


def rename_key(data: dict, draw) -> None:
    keyed = [p for p in all_paths(data) if isinstance(p[-1], str)]
    path = draw(st.sampled_from(keyed))
    parent = get(data, path[:-1])
    parent[draw(names)] = parent.pop(path[-1])  # may land on a sibling's name: a duplicate id


def copy_entry(data: dict, draw) -> None:
    """An entry copied under an id that is already in use, in the same table or a sibling one."""
    source = draw(st.sampled_from([p for p in tables(data) if len(p) >= 2]))
    entry = copy.deepcopy(get(data, source))
    targets = [p for p in tables(data) if len(p) == len(source) - 1] or [source[:-1]]
    target = get(data, draw(st.sampled_from(targets)))
    new_id = draw(st.one_of(st.just(source[-1]), st.sampled_from(all_keys(data) or ["x"])))
    target[new_id] = entry


def point_elsewhere(data: dict, draw) -> None:
    """A text value replaced by an id of some other kind (a place where an actor belongs, ...)."""
    strings = [p for p in all_paths(data) if isinstance(get(data, p), str)]
    if strings:
        path = draw(st.sampled_from(strings))
        get(data, path[:-1])[path[-1]] = draw(st.sampled_from(all_keys(data)))


def duplicate_list_item(data: dict, draw) -> None:
    lists = [p for p in all_paths(data) if isinstance(get(data, p), list) and get(data, p)]
    if lists:
        items = get(data, draw(st.sampled_from(lists)))
        items.append(copy.deepcopy(draw(st.sampled_from(items))))


MUTATIONS = [delete_key, replace_value, rename_key, copy_entry, point_elsewhere, duplicate_list_item]


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("mutations")


def assert_loads_or_names_the_file(path: Path) -> Scenario | None:
    try:
        scenario = load_file(path)
    except FlashpointError as exc:
        assert str(exc).startswith(str(path)), str(exc)
        return None
    again = path.with_name("again.toml")
    again.write_text(scenario.to_toml(), encoding="utf-8")
    assert load_file(again) == scenario
    return scenario


@SETTINGS
@given(st.data())
def test_mutated_data_loads_or_names_the_file(folder, data):
    mutated = copy.deepcopy(DATA)
    for mutation in data.draw(st.lists(st.sampled_from(MUTATIONS), min_size=1, max_size=3)):
        if all_paths(mutated):
            mutation(mutated, data.draw)
    try:
        validate_data(mutated, "mutated.toml")
    except FlashpointError as exc:
        assert str(exc).startswith("mutated.toml"), str(exc)
    path = folder / "mutated.toml"
    path.write_text(tomli_w.dumps(mutated), encoding="utf-8")
    assert_loads_or_names_the_file(path)


# --------------------------------------------------------------------------- text mutations
def byte_edit(raw: bytes, draw) -> bytes:
    at = draw(st.integers(0, len(raw)))
    cut = draw(st.integers(0, 4))
    new = draw(st.binary(max_size=4) | st.sampled_from([b"=", b"[", b"]", b'"', b"\n", b"{", b",", b"#", b"\xff"]))
    return raw[:at] + new + raw[at + cut:]


def line_edit(raw: bytes, draw) -> bytes:
    lines = raw.split(b"\n")
    i = draw(st.integers(0, len(lines) - 1))
    j = draw(st.integers(0, len(lines) - 1))
    kind = draw(st.sampled_from(["delete", "duplicate", "swap", "new-value", "new-line"]))
    if kind == "delete":
        del lines[i]
    elif kind == "duplicate":
        lines.insert(j, lines[i])
    elif kind == "swap":
        lines[i], lines[j] = lines[j], lines[i]
    elif kind == "new-value" and b"=" in lines[i]:
        key = lines[i].split(b"=", 1)[0]
        value = draw(st.sampled_from([b'"x"', b"-1", b"nan", b"inf", b"1e999", b"true", b"[]", b"{}",
                                      b"2020-02-30", b'{ dist = "uniform", low = 2, high = 1 }',
                                      b'"made-down"', b"9" * 30]))
        lines[i] = key + b"= " + value
    else:
        lines.insert(j, draw(text).encode("utf-8"))
    return b"\n".join(lines)


@SETTINGS
@given(st.data())
def test_mutated_text_loads_or_names_the_file(folder, data):
    raw = RAW
    for _ in range(data.draw(st.integers(1, 3))):
        raw = data.draw(st.sampled_from([byte_edit, line_edit]))(raw, data.draw)
    path = folder / "edited.toml"
    path.write_bytes(raw)
    assert_loads_or_names_the_file(path)


# --------------------------------------------------------------------------- found by the above
def test_a_time_of_day_inside_an_intervention_writes_back(folder):
    mutated = copy.deepcopy(DATA)
    mutated["interventions"]["blue-reinforced"]["set"]["forces.ground.blue-2"]["note"] = dt.time(7, 30)
    path = folder / "time.toml"
    path.write_text(tomli_w.dumps(mutated), encoding="utf-8")
    with pytest.raises(FlashpointError) as info:  # the patched note is not text, so the intervention fails
        load_file(path)
    assert str(info.value).startswith(f"{path}:")
    assert "interventions.blue-reinforced" in str(info.value)


def test_the_unmutated_fixture_loads(folder):
    path = folder / "same.toml"
    path.write_bytes(RAW)
    assert assert_loads_or_names_the_file(path) is not None
