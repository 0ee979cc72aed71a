"""Unit codes as residents write them (63幢2单元301) and as staff type them (63-2-301)."""

import pytest
from django.utils import translation

from mulin.places.codes import UnitCode, UnitCodeError, floor_from_number, parse_unit_code


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("63-2-301", UnitCode("63", "2", "301")),
        ("63幢2单元301", UnitCode("63", "2", "301")),
        ("63栋2单元301室", UnitCode("63", "2", "301")),
        ("63号楼301", UnitCode("63", None, "301")),
        ("63-301", UnitCode("63", None, "301")),
        ("６３幢２单元３０１", UnitCode("63", "2", "301")),
        ("６３－２－３０１", UnitCode("63", "2", "301")),
        (" 63 幢 2 单元 301 ", UnitCode("63", "2", "301")),
        ("a-1-101", UnitCode("A", "1", "101")),
        ("12号2门502", UnitCode("12", "2", "502")),
    ],
)
def test_parse_unit_code(text, expected):
    assert parse_unit_code(text) == expected


@pytest.mark.parametrize(
    ("short", "chinese"),
    [("63-2-301", "63幢2单元301"), ("63-301", "63幢301"), ("A-1-101", "A幢1单元101")],
)
def test_codes_print_both_ways_and_round_trip(short, chinese):
    code = parse_unit_code(short)
    assert code.chinese == chinese
    assert code.short == short
    assert parse_unit_code(chinese) == code
    assert str(code) == short


@pytest.mark.parametrize(
    "text", ["", "   ", "301", "63幢", "hello", "63--301", "63-2-301-4", "幢301"]
)
def test_bad_codes_raise_a_clear_error(text):
    with translation.override("en"), pytest.raises(UnitCodeError) as exc:
        parse_unit_code(text)
    message = str(exc.value)
    assert "is not a unit code" in message
    assert "63-2-301" in message and "63幢2单元301" in message


def test_the_error_quotes_what_was_typed():
    with translation.override("en"), pytest.raises(UnitCodeError, match="“楼下小卖部”"):
        parse_unit_code("楼下小卖部")


def test_unit_code_error_is_a_value_error():
    assert issubclass(UnitCodeError, ValueError)


@pytest.mark.parametrize(
    ("number", "floor"), [("301", 3), ("1203", 12), ("101", 1), ("12", None), ("B1", None)]
)
def test_floor_from_room_number(number, floor):
    assert floor_from_number(number) == floor


def test_a_unit_prints_its_codes(world):
    assert world.unit.code == "63-2-301"
    assert world.unit.chinese_code == "63幢2单元301"
