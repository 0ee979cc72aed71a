"""`mulin recount`: the JSON on stdout for a valid file, exit 2 with every problem for a bad one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

HEADER = "unit_code,area,area_source,owner_key,choice\n"
MULIN = Path(sys.executable).with_name("mulin")

# Three owners of 100 m²; o1 holds two units. 2 of 3 owners and 300 of 400 m² vote: quorum met.
MOTION = (
    HEADER
    + "63-2-301,100.00,register,o1,yes\n"
    + "63-2-302,100,survey,o1,同意\n"
    + "63-2-303,100.5,contract,o2,no\n"
    + "63-2-304,99.5,register,o3,\n"
)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def recount(tmp_path, text: str | bytes, *args) -> tuple[dict, str]:
    path = tmp_path / "ballots.csv"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    out, err = StringIO(), StringIO()
    call_command("recount", str(path), *args, stdout=out, stderr=err)
    return json.loads(out.getvalue()), err.getvalue()


def run(*args, stdin: bytes = b"") -> subprocess.CompletedProcess:
    env = {**os.environ, "MULIN_LANGUAGE": "en"}
    return subprocess.run(
        [str(MULIN), "recount", *args], input=stdin, capture_output=True, env=env, check=False
    )


def test_a_motion_result_is_exactly_the_documented_json(tmp_path):
    result, err = recount(tmp_path, MOTION, "--kind", "ordinary")
    assert err == ""
    assert result == {
        "kind": "ordinary",
        "total": {"area": "400.00", "owners": 3},
        "participating": {"area": "300.50", "owners": 2},
        "yes": {"area": "200.00", "owners": 1},
        "no": {"area": "100.50", "owners": 1},
        "abstain": {"area": "0.00", "owners": 0},
        "quorum_met": True,
        "passed": False,  # 1 of 2 participating owners: not more than half
    }


def test_special_and_consultation_kinds(tmp_path):
    rows = HEADER + "".join(f"u{i},100,register,o{i},{c}\n" for i, c in enumerate("yyyn"))
    rows = rows.replace(",y\n", ",yes\n").replace(",n\n", ",no\n")
    special, _ = recount(tmp_path, rows, "--kind", "special")
    assert special["passed"] is True  # exactly 3/4
    consultation, _ = recount(tmp_path, rows, "--kind", "consultation")
    assert consultation["kind"] == "consultation" and consultation["passed"] is False
    assert consultation["yes"] == {"area": "300.00", "owners": 3}


def test_the_silent_owner_rule_is_marked(tmp_path):
    rows = HEADER + "u1,100,register,o1,yes\nu2,100,register,o2,yes\nu3,100,register,o3,\n"
    rows += "u4,100,register,o4,\nu5,100,register,o5,no\n"
    plain, _ = recount(tmp_path, rows, "--kind", "ordinary")
    assert plain["quorum_met"] is False and "silent_owners_counted_with" not in plain
    ruled, _ = recount(tmp_path, rows, "--kind", "ordinary", "--silent-with-majority")
    assert ruled["passed"] is True
    assert ruled["silent_owners_counted_with"] == "yes"
    assert ruled["silent"] == {"area": "200.00", "owners": 2}


def test_an_election_result(tmp_path):
    rows = HEADER + "".join(
        f"u{i},100,register,o{i},{choice}\n"
        for i, choice in enumerate(["a;b", "a;b", "a;c", "a;b;c", "abstain", ""])
    )
    result, _ = recount(
        tmp_path,
        rows,
        "--kind",
        "election",
        "--seats",
        "2",
        "--alternates",
        "1",
        "--candidates",
        "d",
    )
    assert result == {
        "kind": "election",
        "total": {"area": "600.00", "owners": 6},
        "participating": {"area": "500.00", "owners": 5},
        "void": {"area": "100.00", "owners": 1},
        "quorum_met": True,
        "seats": 2,
        "alternate_seats": 1,
        "candidates": [
            {"key": "a", "area": "300.00", "owners": 3, "qualified": True},
            {"key": "b", "area": "200.00", "owners": 2, "qualified": False},
            {"key": "c", "area": "100.00", "owners": 1, "qualified": False},
            {"key": "d", "area": "0.00", "owners": 0, "qualified": False},
        ],
        "elected": ["a"],
        "alternates": [],
        "ties": [],
    }


def test_an_election_tie_is_reported(tmp_path):
    rows = HEADER + "u1,100,register,o1,x;y\nu2,100,register,o2,x;z\nu3,100,register,o3,y;z\n"
    result, _ = recount(tmp_path, rows, "--kind", "election", "--seats", "2")
    assert result["elected"] == [] and result["ties"] == [["x", "y", "z"]]


def test_bom_and_chinese_choices(tmp_path):
    rows = "\ufeff" + HEADER + "u1,100,register,o1,同意\nu2,100,register,o2,反对\n"
    rows += "u3,100,register,o3,弃权\nu4,100,register,o4, Yes \n"
    result, _ = recount(tmp_path, rows, "--kind", "ordinary")
    assert result["yes"]["owners"] == 2 and result["no"]["owners"] == 1
    assert result["abstain"] == {"area": "100.00", "owners": 1}


def test_an_invalid_file_lists_every_problem_and_prints_nothing(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        HEADER
        + "63-2-301,100,register,o1,yes\n"
        + "63-2-302,100.123,register,o2,yes\n"
        + "63-2-301,100,register,o3,yes\n"
        + "63-2-304,100,register,o1,no\n"
        + "63-2-305,100,deed,o5,maybe\n"
    )
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("recount", str(path), "--kind", "ordinary", stdout=out, stderr=err)
    assert caught.value.returncode == 2
    assert out.getvalue() == ""
    assert err.getvalue().splitlines() == [
        "line 3: area 100.123 has more than 2 decimal places",
        "line 4: unit 63-2-301 appears twice (first on line 2)",
        "line 5: owner o1 chose 'no' here but 'yes' on line 2",
        "line 6: unknown area_source 'deed' (register, survey or contract)",
        "line 6: unknown choice 'maybe' (yes, no, abstain, 同意, 反对, 弃权 or empty)",
    ]
    assert str(caught.value) == "invalid ballot file, problems found: 5"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "line 1: the file is empty"),
        (b"unit_code,area,choice\n", "line 1: missing column area_source"),
        (
            (HEADER + "u1,10,register,o1,\u540c\u610f\n").encode("gbk"),
            "line 2: the file is not UTF-8 text",
        ),
        ((HEADER + "u1,0,register,o1,yes\n").encode(), "line 2: area 0 is not greater than 0"),
    ],
)
def test_the_command_exits_2_with_the_problem_on_stderr(data, expected):
    done = run("-", "--kind", "ordinary", stdin=data)
    assert done.returncode == 2
    assert done.stdout == b""
    assert expected in done.stderr.decode().splitlines()


def test_stdin_through_the_console_script():
    done = run("-", "--kind", "ordinary", stdin=MOTION.encode())
    assert done.returncode == 0, done.stderr.decode()
    result = json.loads(done.stdout)
    assert result["total"] == {"area": "400.00", "owners": 3}
    assert result["passed"] is False


def test_a_failed_vote_still_exits_0(tmp_path):
    path = tmp_path / "b.csv"
    path.write_text(HEADER + "u1,10,register,o1,no\n")
    done = run(str(path), "--kind", "special")
    assert done.returncode == 0 and json.loads(done.stdout)["passed"] is False


def test_a_missing_file_and_missing_seats_exit_2(tmp_path):
    assert run(str(tmp_path / "nope.csv"), "--kind", "ordinary").returncode == 2
    path = tmp_path / "b.csv"
    path.write_text(HEADER)
    with pytest.raises(CommandError) as caught:
        call_command("recount", str(path), "--kind", "election", stdout=StringIO())
    assert caught.value.returncode == 2
    with pytest.raises(CommandError) as caught:
        call_command(
            "recount", str(path), "--kind", "election", "--seats", "7", "--silent-with-majority"
        )
    assert caught.value.returncode == 2


def test_too_many_problems_are_summed_up_on_stderr():
    rows = "".join(f"u{i},10,register,o{i},maybe\n" for i in range(1200))
    done = run("-", "--kind", "ordinary", stdin=(HEADER + rows).encode())
    lines = done.stderr.decode().splitlines()
    assert done.returncode == 2 and len(lines) == 1002
    assert lines[-2:] == [
        "… 200 more problems not listed",
        "CommandError: invalid ballot file, problems found: 1200",
    ]
