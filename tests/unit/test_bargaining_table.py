"""Reading KTAB and BDM actor tables, and the errors bad tables give."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from flashpoint.engine.strategy.bargaining import example_path, read_issue_table
from flashpoint.errors import FlashpointError

KTAB_OK = (
    "Test scenario,A test,3,2,\n"
    "Actor,Description,Power,Econ Position,Econ Salience,Security Position,Security Salience,\n"
    "AA,First actor,100,30,24,20,48,\n"
    "BB,Second actor,60.5,45,44.7,65,41.3,\n"
    "CC,\"Third, with a comma\",35,30,28.9,15,65.1,\n"
)
BDM_OK = "Actor,Capability,Position,Salience\nA,0.5,4,0.8\nB,0.3,7,0.4\nC,0.2,10,0.6\n"


def _write(tmp_path: Path, text: str | bytes, name: str = "table.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_reads_the_soe_ktab_table():
    table = read_issue_table(example_path("ktab/SOE-Pol-Comp.csv"))
    assert table.format == "ktab"
    assert table.n_actors == 13 and table.n_dimensions == 2
    assert table.actors[:3] == ("XJ", "LK", "ZG") and table.actors[-1] == "WY"
    assert table.descriptions[-1] == "CNOOC - Wang Yilin"
    assert table.dimensions == ("Policy Position", "Competitive Position")
    assert table.scale == (0.0, 100.0)
    assert table.capability[0] == 100.0 and table.capability[1] == 60.2
    assert table.positions[0].tolist() == [30.0, 20.0]
    assert table.salience[0].tolist() == pytest.approx([0.24, 0.48])
    assert table.name == "China Policy/Competitive; scen 2"


def test_reads_quoted_fields_and_maps_positions_to_the_unit_scale(tmp_path):
    table = read_issue_table(_write(tmp_path, KTAB_OK))
    assert table.actors == ("AA", "BB", "CC")
    assert table.descriptions[2] == "Third, with a comma"
    assert table.dimensions == ("Econ Position", "Security Position")
    assert np.allclose(table.unit_positions(), table.positions / 100.0)
    assert np.allclose(table.from_unit(table.unit_positions()), table.positions)
    three = read_issue_table(example_path("ktab/dummyData_3Dim.csv"))
    assert three.n_actors == 7 and three.n_dimensions == 3 and three.dimensions[2] == "Pstn3"


def test_reads_bdm_tables_with_either_salience_scale():
    fraction = read_issue_table(example_path("bdm/eu_emissions_scholz_jmckib.csv"))
    percent = read_issue_table(example_path("bdm/eu_emissions_scholz_dmasad.csv"))
    for table in (fraction, percent):
        assert table.format == "bdm" and table.n_dimensions == 1
        assert table.actors[0] == "Netherlands" and table.n_actors == 10
        assert table.scale == (4.0, 10.0)
    assert fraction.salience_scale == 1.0 and percent.salience_scale == 100.0
    assert np.allclose(fraction.salience, percent.salience)
    assert fraction.salience[8, 0] == 1.0  # Denmark


def test_bdm_column_aliases_and_order(tmp_path):
    text = "Salience,Position,Stakeholder,Resources\n50,10,Zeming,80\n80,15,Lipeng,90\n"
    table = read_issue_table(_write(tmp_path, text))
    assert table.actors == ("Zeming", "Lipeng")
    assert table.capability.tolist() == [80.0, 90.0]
    assert table.positions[:, 0].tolist() == [10.0, 15.0]
    assert table.salience[:, 0].tolist() == [0.5, 0.8]


# ---------------------------------------------------------------- bad tables

BAD_TABLES = {
    # name: (file content, fragments the message must contain)
    "ktab header with too few columns": (
        "S,D,2,2,\nActor,Description,Power,P1,S1,P2,\nA,a,1,10,10,20,20,\nB,b,1,30,30,40,40,\n",
        ["row 2", "6 column header(s)", "allowed: 7 columns"],
    ),
    "ktab actor row with a missing value": (
        "S,D,2,1,\nActor,Description,Power,P1,S1,\nA,a,1,10,\nB,b,1,30,30,\n",
        ["row 3", "column 5 (S1) is missing", "allowed: 5 values"],
    ),
    "bdm without a salience column": (
        "Actor,Capability,Position\nA,1,4\nB,1,7\n",
        ["row 1", "no salience column", "allowed names: Salience"],
    ),
    "bdm row with a missing value": (
        "Actor,Capability,Position,Salience\nA,1,4,0.5\nB,1,7\n",
        ["row 3", "column 4 (Salience) is missing"],
    ),
    "ktab salience over 100": (
        "S,D,2,1,\nActor,Description,Power,P1,S1,\nA,a,1,10,120,\nB,b,1,30,30,\n",
        ["row 3, column 5 (S1)", "120", "allowed: a number from 0 to 100"],
    ),
    "ktab saliences adding up to over 100": (
        "S,D,2,2,\nActor,Description,Power,P1,S1,P2,S2,\nA,a,1,10,60,20,50,\nB,b,1,30,30,40,40,\n",
        ["row 3", "add up to 110", "at most 100"],
    ),
    "bdm salience over 100": (
        "Actor,Capability,Position,Salience\nA,1,4,50\nB,1,7,150\n",
        ["row 3, column 4 (Salience)", "150", "allowed: a number from 0 to 1"],
    ),
    "ktab non-numeric capability": (
        "S,D,2,1,\nActor,Description,Power,P1,S1,\nA,a,strong,10,10,\nB,b,1,30,30,\n",
        ["row 3, column 3 (Power)", "'strong' is not a number", "allowed: a positive number"],
    ),
    "ktab non-numeric position": (
        "S,D,2,1,\nActor,Description,Power,P1,S1,\nA,a,1,10,10,\nB,b,1,high,30,\n",
        ["row 4, column 4 (P1)", "'high' is not a number"],
    ),
    "bdm non-numeric salience": (
        "Actor,Capability,Position,Salience\nA,1,4,0.5\nB,1,7,lots\n",
        ["row 3, column 4 (Salience)", "'lots' is not a number"],
    ),
    "bdm not-a-number value": (
        "Actor,Capability,Position,Salience\nA,1,nan,0.5\nB,1,7,0.5\n",
        ["row 2, column 3 (Position)", "'nan' is not a number"],
    ),
    "ktab position out of range": (
        "S,D,2,1,\nActor,Description,Power,P1,S1,\nA,a,1,101,10,\nB,b,1,30,30,\n",
        ["row 3, column 4 (P1)", "101", "allowed: a number from 0 to 100"],
    ),
    "ktab zero capability": (
        "S,D,2,1,\nActor,Description,Power,P1,S1,\nA,a,0,10,10,\nB,b,1,30,30,\n",
        ["row 3, column 3 (Power)", "not positive"],
    ),
    "bdm negative capability": (
        "Actor,Capability,Position,Salience\nA,-1,4,0.5\nB,1,7,0.5\n",
        ["row 2, column 2 (Capability)", "-1 is not positive"],
    ),
    "ktab actor without salience": (
        "S,D,2,2,\nActor,Description,Power,P1,S1,P2,S2,\nA,a,1,10,0,20,0,\nB,b,1,30,30,40,40,\n",
        ["row 3", "every salience is 0"],
    ),
    "ktab header saying one actor": (
        "S,D,1,1,\nActor,Description,Power,P1,S1,\nA,a,1,10,10,\n",
        ["column 3 (number of actors): 1", "at least 2"],
    ),
    "bdm with one actor": (
        "Actor,Capability,Position,Salience\nA,1,4,0.5\n",
        ["1 actor row(s)", "at least 2 actors"],
    ),
    "ktab actor count disagreeing with its rows": (
        "S,D,3,1,\nActor,Description,Power,P1,S1,\nA,a,1,10,10,\nB,b,1,30,30,\n",
        ["header says 3 actors", "2 actor row(s)"],
    ),
    "ktab zero dimensions": (
        "S,D,2,0,\nActor,Description,Power,\nA,a,1,\nB,b,1,\n",
        ["number of dimensions): 0", "at least 1"],
    ),
    "duplicate actor names": (
        "Actor,Capability,Position,Salience\nA,1,4,0.5\nA,1,7,0.5\n",
        ["row 3, column 1", "'A' already appears on row 2", "unique actor names"],
    ),
    "empty actor name": (
        "Actor,Capability,Position,Salience\n\"\",1,4,0.5\nB,1,7,0.5\n",
        ["row 2, column 1 (Actor)", "empty actor name"],
    ),
    "unrecognised layout": (
        "x,y\n1,2\n3,4\n",
        ["row 1", "unrecognised table layout", "allowed: a KTAB first row"],
    ),
    "empty file": ("\n\n", ["the file is empty"]),
    "not utf-8": (
        "Actor,Capability,Position,Salience\nM\u00fcnchen,1,4,0.5\nB,1,7,0.5\n".encode("latin-1"),
        ["line 2", "byte 0xfc", "not UTF-8", "allowed: a UTF-8 text file"],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_TABLES))
def test_bad_tables_name_the_file_and_the_problem(tmp_path, case):
    content, fragments = BAD_TABLES[case]
    path = _write(tmp_path, content, name=re.sub(r"\W+", "_", case) + ".csv")
    with pytest.raises(FlashpointError) as info:
        read_issue_table(path)
    message = str(info.value)
    assert str(path) in message
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def test_missing_and_unreadable_files(tmp_path):
    missing = tmp_path / "nowhere.csv"
    with pytest.raises(FlashpointError, match=r"nowhere\.csv: file not found"):
        read_issue_table(missing)
    with pytest.raises(FlashpointError, match=r": is a folder, not a CSV table"):
        read_issue_table(tmp_path)


def test_a_utf8_byte_order_mark_is_accepted(tmp_path):
    path = _write(tmp_path, b"\xef\xbb\xbf" + BDM_OK.encode("utf-8"))
    assert read_issue_table(path).actors == ("A", "B", "C")
