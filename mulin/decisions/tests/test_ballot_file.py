"""Reading the ballot file into the electorate, and every kind of rejected row with its line."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.utils import translation

from mulin.decisions.ballot_file import BallotFileError, read_ballot_file
from mulin.decisions.tally import ABSTAIN, NO, VOID, YES

HEADER = "unit_code,area,area_source,owner_key,choice\n"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def read(text: str | bytes, **kwargs):
    data = text.encode() if isinstance(text, str) else text
    return read_ballot_file(io.BytesIO(data), **kwargs)


def problems(text: str | bytes, **kwargs) -> list[str]:
    with pytest.raises(BallotFileError) as caught:
        read(text, **kwargs)
    return [str(p) for p in caught.value.problems]


def test_rows_sharing_an_owner_key_are_one_owner_with_their_areas_added():
    electorate = read(
        HEADER
        + "63-2-301,120.50,register,o1,yes\n"
        + "63-2-302,80,survey,o2,no\n"
        + "63-2-303,0.25,contract,o1,yes\n"
        + "63-2-304,90.1,register,dev,\n"
    )
    assert [(o.key, o.area, o.choice) for o in electorate.owners] == [
        ("o1", Decimal("120.75"), YES),
        ("o2", Decimal("80"), NO),
        ("dev", Decimal("90.1"), None),
    ]
    assert electorate.units == 4
    assert all(isinstance(o.area, Decimal) for o in electorate.owners)


def test_choices_in_chinese_any_case_and_spaced():
    electorate = read(
        HEADER
        + "1,10,register,a, 同意 \n"
        + "2,10,register,b,反对\n"
        + "3,10,register,c,弃权\n"
        + "4,10,register,d, YES\n"
        + "5,10,register,e,Abstain\n"
        + "6,10,register,f,  \n"
    )
    assert [o.choice for o in electorate.owners] == [YES, NO, ABSTAIN, YES, ABSTAIN, None]


def test_a_bom_extra_columns_any_column_order_and_crlf_are_accepted():
    data = (
        "\ufeffnote,choice,owner_key,area_source,area,unit_code\r\n"
        "x,yes,o1,register,10,u1\r\n"
        '"a, b",no,o2,survey,20.5,u2\r\n'
    ).encode()
    electorate = read(data)
    assert [(o.key, o.area, o.choice) for o in electorate.owners] == [
        ("o1", Decimal("10"), YES),
        ("o2", Decimal("20.5"), NO),
    ]


def test_blank_lines_are_skipped_and_lines_still_counted():
    assert problems(HEADER + "\n" + "u1,10,register,o1,yes\n\n" + "u1,10,register,o2,no\n") == [
        "line 5: unit u1 appears twice (first on line 3)"
    ]


def test_election_ballots():
    electorate = read(
        HEADER
        + "1,10,register,a,x; y\n"
        + "2,10,register,b,x;y;z\n"
        + "3,10,register,c,abstain\n"
        + "4,10,register,d,弃权\n"
        + "5,10,register,e,\n"
        + "6,10,register,f,y;y\n",
        election=True,
        seats=2,
        candidates=["w"],
    )
    assert [o.choice for o in electorate.owners] == [
        frozenset({"x", "y"}),
        VOID,
        frozenset(),
        frozenset(),
        None,
        frozenset({"y"}),
    ]
    assert electorate.candidates == ["w", "x", "y", "z"]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (
            "63-2-301,10,register,o1,yes\n63-2-302,10,register,o2,yes\n"
            "63-2-301,10,register,o3,no\n",
            "line 4: unit 63-2-301 appears twice (first on line 2)",
        ),
        (
            "u1,10,register,o1,yes\nu2,10,register,o1,no\n",
            "line 3: owner o1 chose 'no' here but 'yes' on line 2",
        ),
        (
            "u1,10,register,o1,yes\nu2,10,register,o1,\n",
            "line 3: owner o1 chose '' here but 'yes' on line 2",
        ),
        (
            "u1,abc,register,o1,yes\n",
            "line 2: area 'abc' is not a number of square metres above 0, such as 88.50",
        ),
        (
            "u1,,register,o1,yes\n",
            "line 2: area '' is not a number of square metres above 0, such as 88.50",
        ),
        (
            "u1,-5,register,o1,yes\n",
            "line 2: area '-5' is not a number of square metres above 0, such as 88.50",
        ),
        (
            "u1,1e3,register,o1,yes\n",
            "line 2: area '1e3' is not a number of square metres above 0, such as 88.50",
        ),
        ("u1,0.00,register,o1,yes\n", "line 2: area 0.00 is not greater than 0"),
        ("u1,12.345,register,o1,yes\n", "line 2: area 12.345 has more than 2 decimal places"),
        (
            "u1,10,deed,o1,yes\n",
            "line 2: unknown area_source 'deed' (register, survey or contract)",
        ),
        (
            "u1,10,register,o1,maybe\n",
            "line 2: unknown choice 'maybe' (yes, no, abstain, 同意, 反对, 弃权 or empty)",
        ),
        ("u1,10,register,,yes\n", "line 2: owner_key is empty"),
        (",10,register,o1,yes\n", "line 2: unit_code is empty"),
    ],
)
def test_each_kind_of_bad_row_is_named_with_its_line(rows, expected):
    assert problems(HEADER + rows) == [expected]


def test_every_problem_is_reported_not_only_the_first():
    found = problems(
        HEADER + "u1,10,register,o1,yes\n" + "u1,0,foo,o1,no\n" + "u3,1.234,survey,o3,perhaps\n"
    )
    assert found == [
        "line 3: unit u1 appears twice (first on line 2)",
        "line 3: area 0 is not greater than 0",
        "line 3: unknown area_source 'foo' (register, survey or contract)",
        "line 3: owner o1 chose 'no' here but 'yes' on line 2",
        "line 4: area 1.234 has more than 2 decimal places",
        "line 4: unknown choice 'perhaps' (yes, no, abstain, 同意, 反对, 弃权 or empty)",
    ]


def test_an_inconsistent_election_owner_is_refused():
    found = problems(HEADER + "u1,10,register,o1,x\nu2,10,register,o1,y\n", election=True, seats=1)
    assert found == ["line 3: owner o1 chose 'y' here but 'x' on line 2"]


def test_missing_columns_are_named():
    assert problems("unit_code,area,owner_key\nu1,10,o1\n") == [
        "line 1: missing column area_source",
        "line 1: missing column choice",
    ]


@pytest.mark.parametrize("text", ["", "\n\n", "\ufeff"])
def test_an_empty_file_is_refused(text):
    assert problems(text) == ["line 1: the file is empty"]


def test_a_file_that_is_not_utf8_is_refused_on_its_line():
    data = (HEADER + "u1,10,register,o1,yes\n").encode() + "u2,10,register,张,no\n".encode("gbk")
    assert problems(data) == ["line 3: the file is not UTF-8 text"]


def test_a_whole_gbk_file_is_refused():
    data = (HEADER + "u1,10,register,o1,同意\n").encode("gbk")
    assert problems(data) == ["line 2: the file is not UTF-8 text"]


def test_a_header_only_file_is_an_empty_electorate():
    assert read(HEADER).owners == []


def test_a_file_wrong_on_every_row_lists_the_first_thousand_problems():
    rows = "".join(f"u{i},0,register,o{i},yes\n" for i in range(1500))
    with pytest.raises(BallotFileError) as caught:
        read(HEADER + rows)
    assert len(caught.value.problems) == 1000 and caught.value.more == 500
    assert str(caught.value.problems[-1]) == "line 1001: area 0 is not greater than 0"


def test_a_quoted_field_across_lines_keeps_the_row_numbers_right():
    data = HEADER + 'u1,10,register,"o\n1",yes\n' + "u1,10,register,o2,yes\n"
    assert problems(data) == ["line 4: unit u1 appears twice (first on line 2)"]


def test_a_long_gbk_file_is_capped_too():
    rows = "".join(f"u{i},10,register,o{i},同意\n" for i in range(1500))
    with pytest.raises(BallotFileError) as caught:
        read((HEADER + rows).encode("gbk"))
    assert len(caught.value.problems) == 1000 and caught.value.more == 500
