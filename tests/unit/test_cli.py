"""The command line: list, show and validate, and one clear message with exit code 2 on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer.main
from tests.fixtures import MINIMAL

from flashpoint.cli import app
from flashpoint.errors import FlashpointError
from flashpoint.scenario import builtin_names, load, load_file

TEXT = MINIMAL.read_text(encoding="utf-8")
COMMANDS = typer.main.get_command(app).commands


def load_error(target: str | Path) -> str:
    """The message the loader gives for a bad input (what the CLI must print)."""
    with pytest.raises(FlashpointError) as info:
        load(str(target))
    return str(info.value)


# --------------------------------------------------------------------------- help
def test_no_arguments_prints_usage(cli):
    result = cli()
    assert "Usage:" in result.output
    for name in COMMANDS:
        assert name in result.output


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_help_on_every_command(cli, name):
    result = cli(name, "--help")
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    assert COMMANDS[name].help in result.output
    for param in COMMANDS[name].params:
        for opt in param.opts:
            if opt.startswith("--"):
                assert opt in result.output


def test_version(cli):
    from flashpoint import __version__

    result = cli("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"flashpoint {__version__}"


# --------------------------------------------------------------------------- list
def test_list_shows_every_builtin_scenario(cli):
    result = cli("list")
    assert result.exit_code == 0, result.output
    for name in builtin_names():
        assert name in result.stdout
        for intervention in load(name).interventions:
            assert intervention in result.stdout


def test_list_json(cli):
    result = cli("list", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [row["id"] for row in rows] == builtin_names()
    for row in rows:
        scenario = load(row["id"])
        assert row == {
            "id": scenario.meta.id,
            "title": scenario.meta.title,
            "start": scenario.meta.start.isoformat(),
            "horizon_days": scenario.meta.horizon_days,
            "interventions": sorted(scenario.interventions),
        }


# --------------------------------------------------------------------------- show
def table(output: str, title: str) -> list[str]:
    """The lines of the table with this title."""
    lines = output.splitlines()
    starts = [i for i, line in enumerate(lines) if line.strip() == title]
    assert len(starts) == 1, f"no single table {title!r} in:\n{output}"
    end = next(i for i in range(starts[0], len(lines)) if lines[i].startswith("└"))
    return lines[starts[0]:end]


def row_of(output: str, title: str, first_cell: str) -> str:
    """The row of table ``title`` whose first cell is ``first_cell``."""
    rows = [line for line in table(output, title) if line.startswith(f"│ {first_cell} ")]
    assert len(rows) == 1, f"no single row for {first_cell!r} in table {title!r}:\n{output}"
    return rows[0]


def test_show_builtin(cli):
    scenario = load("idlib-2020")
    result = cli("show", "idlib-2020")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith(scenario.meta.title + "\n")
    assert f"horizon {scenario.meta.horizon_days} days" in out
    for aid, actor in scenario.actors.items():
        assert f" {actor.camp} " in row_of(out, "Actors", aid)
    for fid, force in scenario.forces.ground.items():
        assert f" {force.owner} " in row_of(out, "Ground forces", fid)
    for fid, force in [*scenario.forces.air.items(), *scenario.forces.drones.items()]:
        assert f" {force.owner} " in row_of(out, "Air wings and drones", fid)
    for fid, force in scenario.forces.air_defence.items():
        assert f" {force.owner} " in row_of(out, "Air defence", fid)
    for iid in scenario.interventions:
        assert " yes " not in row_of(out, "Interventions", iid)


def test_show_with_an_intervention_shows_the_patched_scenario(cli):
    base = load("idlib-2020")
    patched = base.apply("coalition-air-support")
    result = cli("show", "idlib-2020", "--with", "coalition-air-support")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith(f"{patched.meta.title} with coalition-air-support\n")
    # The US changes camp ...
    assert base.actors["usa"].camp != patched.actors["usa"].camp == "opposition"
    assert " opposition " in row_of(out, "Actors", "usa")
    # ... and its air wings appear.
    new_wings = sorted(set(patched.forces.air) - set(base.forces.air))
    assert any(patched.forces.air[w].owner == "usa" for w in new_wings)
    for wing in new_wings:
        assert f" {patched.forces.air[wing].owner} " in row_of(out, "Air wings and drones", wing)
    assert " yes " in row_of(out, "Interventions", "coalition-air-support")
    before = table(cli("show", "idlib-2020").stdout, "Air wings and drones")
    assert not any(line.startswith(f"│ {w} ") for w in new_wings for line in before)


def test_show_with_two_interventions_applies_both_in_order(cli):
    result = cli("show", "idlib-2020", "-w", "no-drones", "-w", "russia-stands-aside")
    assert result.exit_code == 0, result.output
    assert "with no-drones, russia-stands-aside\n" in result.stdout
    assert " bystanders " in row_of(result.stdout, "Actors", "russia")
    drones = load("idlib-2020").forces.drones
    assert drones
    air = table(result.stdout, "Air wings and drones")
    assert not any(line.startswith(f"│ {d} ") for d in drones for line in air)


def test_show_toml_loads_back(cli, tmp_path):
    result = cli("show", "idlib-2020", "--with", "coalition-air-support", "--toml")
    assert result.exit_code == 0, result.output
    path = tmp_path / "resolved.toml"
    path.write_text(result.stdout, encoding="utf-8")
    assert load_file(path) == load("idlib-2020").apply("coalition-air-support")


def test_show_a_file_by_path(cli):
    result = cli("show", str(MINIMAL))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(load_file(MINIMAL).meta.title)


# --------------------------------------------------------------------------- validate
def test_validate_a_good_file(cli):
    scenario = load_file(MINIMAL)
    result = cli("validate", str(MINIMAL))
    assert result.exit_code == 0, result.output
    forces = sum(len(t) for t in (scenario.forces.ground, scenario.forces.air, scenario.forces.drones,
                                  scenario.forces.air_defence))
    assert result.stdout.strip() == (
        f"ok: {MINIMAL}: scenario '{scenario.meta.id}', {len(scenario.actors)} actors, "
        f"{len(scenario.places)} places, {forces} forces, {len(scenario.interventions)} interventions, "
        f"{len(scenario.outcomes)} outcomes")


def test_validate_the_example_of_the_format_reference(cli, tmp_path):
    doc = (Path(__file__).parents[2] / "docs" / "scenario-format.md").read_text(encoding="utf-8")
    example = doc.split("## A complete example", 1)[1].split("```toml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "example.toml"
    path.write_text(example, encoding="utf-8")
    result = cli("validate", str(path))
    assert result.exit_code == 0, result.output
    scenario = load_file(path)
    assert result.stdout.startswith(f"ok: {path}: scenario '{scenario.meta.id}'")
    for name in scenario.interventions:
        assert scenario.apply(name).applied == [name]


@pytest.mark.parametrize("name", builtin_names())
def test_validate_a_builtin_scenario(cli, name):
    result = cli("validate", name)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"ok: {name}: scenario '{name}'")


BAD_FILES = {
    "syntax": TEXT.replace("horizon_days = 30", "horizon_days = = 30"),
    "wrong-type": TEXT.replace("tanks = 40", 'tanks = "many"'),
    "missing-field": TEXT.replace("range_km = 600\n", ""),
    "bad-reference": TEXT.replace('camp = "red"', 'camp = "green"'),
    "impossible-distribution": TEXT.replace("low = 3000, mode = 4000, high = 5000",
                                            "low = 5000, mode = 4000, high = 3000"),
    "bad-patch": TEXT.replace('remove = ["forces.air_defence.blue-sam"]', 'remove = ["forces.drones.x"]'),
    "several-problems": TEXT.replace("horizon_days = 30", "horizon_days = 0")
                            .replace("lat = 35.0", "lat = 95"),
    "not-utf8": TEXT.replace('"Blue SAM"', '"Blue SAM \u00e9"').encode("latin-1"),
}


@pytest.mark.parametrize("content", list(BAD_FILES.values()), ids=list(BAD_FILES))
def test_validate_a_bad_file_prints_one_message_and_exits_2(cli, tmp_path, content):
    assert content != TEXT
    path = tmp_path / "bad.toml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    expected = load_error(path)
    assert expected.startswith(str(path))
    result = cli("validate", str(path))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"error: {expected}\n"
    assert "Traceback" not in result.output


@pytest.mark.parametrize("target", ["missing.toml", "folder", "no-such-scenario"])
def test_validate_something_that_is_not_a_scenario_file(cli, tmp_path, monkeypatch, target):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "folder").mkdir()
    expected = load_error(target)
    result = cli("validate", target)
    assert result.exit_code == 2
    assert result.stderr == f"error: {expected}\n"
    assert target in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", ["show", "validate"])
def test_bad_input_never_gives_a_traceback(cli, tmp_path, command):
    path = tmp_path / "bad.toml"
    path.write_text(TEXT.replace("[meta]", "[meta\n"), encoding="utf-8")
    result = cli(command, str(path))
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert result.stderr.startswith(f"error: {path}:")


def test_unknown_intervention_exits_2_and_lists_the_known_ones(cli):
    result = cli("show", "idlib-2020", "--with", "carpet-bombing")
    assert result.exit_code == 2
    assert result.stdout == ""
    known = sorted(load("idlib-2020").interventions)
    assert result.stderr == (f"error: unknown intervention 'carpet-bombing' for scenario 'idlib-2020'; "
                             f"known: {', '.join(known)}\n")


def test_conflict_or_repeat_exits_2(cli):
    result = cli("show", "idlib-2020", "-w", "no-drones", "-w", "no-drones")
    assert result.exit_code == 2
    assert result.stderr == "error: intervention 'no-drones' is given twice\n"


MARKUP_LIKE = {
    "closing-tag-in-a-value": TEXT.replace("horizon_days = 30", 'horizon_days = "[/b] days"'),
    "table-header-in-a-syntax-error": TEXT + '\n[places.a]\nname = "again"\n',
}


@pytest.mark.parametrize("content", list(MARKUP_LIKE.values()), ids=list(MARKUP_LIKE))
def test_messages_are_printed_verbatim_even_with_square_brackets(cli, tmp_path, content):
    path = tmp_path / "bad.toml"
    path.write_text(content, encoding="utf-8")
    expected = load_error(path)
    assert "[" in expected
    result = cli("validate", str(path))
    assert result.exit_code == 2
    assert result.stderr == f"error: {expected}\n"
