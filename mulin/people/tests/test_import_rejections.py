"""Every kind of bad file is refused with a message naming where the problem is, and nothing —
not even the valid rows next to it — is written."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone, translation

from mulin.people.imports import registry_import
from mulin.people.tests.files.spreadsheets import (
    csv_text,
    headers,
    registry_counts,
    registry_workbook,
    upload,
    xlsx,
)


@pytest.fixture(autouse=True)
def english(settings):
    """Assertions read the English source messages, whatever catalogues are compiled."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


GOOD_BUILDING = ["64", 6, "否", 1986]
GOOD_UNIT = ["64-1-101", "住宅", 72.5, "产权登记", "自住"]


def run(world, content: bytes, filename: str = "registry.xlsx"):
    before = registry_counts()
    result = registry_import(
        actor=world.staff, compound=world.compound, file=io.BytesIO(content), filename=filename
    )
    assert not result.ok
    assert registry_counts() == before, "a refused file must write nothing"
    return result


def only_error(result):
    assert len(result.errors) == 1, result.errors
    return result.errors[0]


def test_a_picture_named_xlsx_is_not_a_spreadsheet(world):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
    error = only_error(run(world, png, "registry.xlsx"))
    assert "is not a spreadsheet" in error.message and "registry.xlsx" in error.message


def test_a_binary_file_named_csv_is_not_a_spreadsheet(world):
    pdf = b"%PDF-1.7\n" + bytes(range(256)) * 4
    error = only_error(run(world, pdf, "residents.csv"))
    assert "is not a spreadsheet" in error.message


def test_a_word_document_is_refused_even_though_it_is_a_zip(world):
    fake_docx = b"PK\x03\x04" + b"\x14\x00" * 100
    error = only_error(run(world, fake_docx, "registry.docx"))
    assert "is not a spreadsheet" in error.message


def test_a_file_over_the_size_limit_is_refused_before_reading(world, settings):
    settings.IMPORT_MAX_BYTES = 20 * 1024 * 1024
    content = b"x" * (20 * 1024 * 1024 + 1)
    result = registry_import(
        actor=world.staff,
        compound=world.compound,
        file=upload("big.csv", content, "text/csv"),
        filename="big.csv",
    )
    error = only_error(result)
    assert "20 MB" in error.message
    assert result.rows == 0


def test_missing_required_columns_are_named(world):
    content = xlsx({"房屋 units": [["用途", "专有面积"], ["住宅", 80]]})
    error = only_error(run(world, content))
    assert error.sheet == "房屋 units"
    assert "房屋编号" in error.message and "unit code" in error.message
    assert error.column == "房屋编号"


def test_missing_name_column_in_a_residents_csv_is_named(world):
    content = csv_text([["房屋编号", "手机", "性别"], ["63-2-301", "13900001111", "男"]]).encode()
    error = only_error(run(world, content, "residents.csv"))
    assert "姓名" in error.message


def test_duplicate_unit_codes_within_the_file(world):
    content = registry_workbook(
        buildings=[GOOD_BUILDING],
        units=[
            GOOD_UNIT,
            ["64-1-102", "住宅", 60, "测绘", "自住"],
            ["64幢1单元101", "住宅", 70, "测绘", "自住"],
        ],
    )
    error = only_error(run(world, content))
    assert (error.sheet, error.row, error.column) == ("房屋 units", 4, "房屋编号")
    assert "64-1-101" in error.message and "row 2" in error.message


def test_unit_of_an_unknown_building(world):
    content = registry_workbook(
        buildings=[GOOD_BUILDING], units=[GOOD_UNIT, ["99-1-101", "住宅", 60, "测绘", "自住"]]
    )
    error = only_error(run(world, content))
    assert (error.sheet, error.row, error.column) == ("房屋 units", 3, "房屋编号")
    assert "Building 99" in error.message


@pytest.mark.parametrize("area", [0, -12.5])
def test_area_must_be_greater_than_zero(world, area):
    content = registry_workbook(units=[["63-2-303", "住宅", area, "产权登记", "自住"]])
    error = only_error(run(world, content))
    assert (error.row, error.column) == (2, "专有面积")
    assert "greater than 0" in error.message


def test_area_must_be_a_number(world):
    content = registry_workbook(units=[["63-2-303", "住宅", "八十", "产权登记", "自住"]])
    error = only_error(run(world, content))
    assert (error.row, error.column) == (2, "专有面积")
    assert "八十" in error.message and "not a number" in error.message


def test_bad_phone(world):
    content = registry_workbook(
        residents=[
            ["63-2-301", "李四", "13900001111", None, "男", None, "家属", "否", None],
            ["63-2-302", "王五", "12345", None, "男", None, "家属", "否", None],
        ]
    )
    error = only_error(run(world, content))
    assert (error.sheet, error.row, error.column) == ("居民 residents", 3, "手机")
    assert "12345" in error.message


def test_bad_id_number_checksum(world):
    content = registry_workbook(
        owners=[["63-2-302", "王五", "13900001111", "110105194912310021", 1, None, None, None]]
    )
    error = only_error(run(world, content))
    assert (error.sheet, error.row, error.column) == ("业主 owners", 2, "身份证号")
    assert "check digit" in error.message


def test_dates_in_the_future(world):
    tomorrow = timezone.localdate() + timedelta(days=1)
    content = registry_workbook(
        residents=[["63-2-302", "王五", "13900001111", None, "男", None, "租户", "是", tomorrow]]
    )
    error = only_error(run(world, content))
    assert (error.row, error.column) == (2, "入住日期")
    assert "in the future" in error.message


def test_birth_dates_and_owner_since_in_the_future_too(world):
    future = (timezone.localdate() + timedelta(days=30)).isoformat()
    content = registry_workbook(
        owners=[["63-2-302", "王五", "13900001111", None, 1, future, None, None]],
        residents=[["63-2-302", "王五", "13900001111", None, "男", future, "业主", "是", None]],
    )
    result = run(world, content)
    assert {(e.sheet, e.column) for e in result.errors} == {
        ("业主 owners", "产权登记日期"),
        ("居民 residents", "出生日期"),
    }


def test_bad_plate(world):
    content = registry_workbook(
        vehicles=[
            ["浙A12345", "张三", "13812345678", "63-2-301", None],
            ["ABC123", None, None, None, None],
        ]
    )
    error = only_error(run(world, content))
    assert (error.sheet, error.row, error.column) == ("车辆 vehicles", 3, "车牌号")
    assert "ABC123" in error.message


@pytest.mark.parametrize("share", [0, 1.5, "120%"])
def test_share_outside_zero_to_one(world, share):
    content = registry_workbook(
        owners=[["63-2-302", "王五", "13900001111", None, share, None, None, None]]
    )
    error = only_error(run(world, content))
    assert (error.row, error.column) == (2, "份额")
    assert "at most 1" in error.message


def test_co_owner_shares_summing_over_one(world):
    content = registry_workbook(
        owners=[
            ["63-2-302", "王五", "13900001111", None, 0.6, None, None, None],
            ["63-2-302", "赵六", "13900002222", None, 0.5, None, None, None],
        ]
    )
    error = only_error(run(world, content))
    assert (error.row, error.column) == (3, "份额")
    assert "63-2-302" in error.message and "1.1" in error.message


def test_new_owner_over_a_registered_owner_counts_the_registered_share(world):
    # 63-2-301 is owned (share 1) by 张三; adding another whole owner would exceed 100 %.
    content = registry_workbook(
        owners=[["63-2-301", "王五", "13900001111", None, 1, None, None, None]]
    )
    error = only_error(run(world, content))
    assert "already registered" in error.message


def test_all_errors_come_back_together(world):
    content = registry_workbook(
        buildings=[GOOD_BUILDING],
        units=[
            ["64-1-101", "住宅", -1, "产权登记", "自住"],
            ["99-1-1", "住宅", 50, "测绘", "自住"],
        ],
        residents=[["64-1-101", "李四", "999", "123", "男", None, "家属", "否", None]],
        vehicles=[["XX", None, None, None, None]],
    )
    result = run(world, content)
    assert [(e.sheet, e.row, e.column) for e in result.errors] == [
        ("房屋 units", 2, "专有面积"),
        ("房屋 units", 3, "房屋编号"),
        ("居民 residents", 2, "手机"),
        ("居民 residents", 2, "身份证号"),
        ("车辆 vehicles", 2, "车牌号"),
    ]


def test_an_unknown_unit_in_the_residents_sheet(world):
    content = registry_workbook(
        residents=[["63-9-909", "李四", "13900001111", None, "男", None, "家属", "否", None]]
    )
    error = only_error(run(world, content))
    assert (error.row, error.column) == (2, "房屋编号")
    assert "63-9-909" in error.message


def test_a_csv_whose_header_says_nothing_known(world):
    content = csv_text([["foo", "bar"], ["1", "2"]]).encode()
    error = only_error(run(world, content, "data.csv"))
    assert "Cannot tell" in error.message


def test_an_empty_template_has_no_rows(world):
    content = xlsx({"房屋 units": [headers("units")]})
    error = only_error(run(world, content))
    assert "no rows" in error.message


def test_an_id_number_typed_as_a_number_is_refused(world):
    content = registry_workbook(
        owners=[["63-2-302", "王五", "13900001111", 350203199001011234, 1, None, None, None]]
    )
    error = only_error(run(world, content))
    assert error.column == "身份证号" and "as text" in error.message


def test_text_longer_than_the_field_is_refused(world):
    content = registry_workbook(vehicles=[["浙A12345", None, None, None, "很长的描述" * 11]])
    error = only_error(run(world, content))
    assert (error.row, error.column) == (2, "品牌颜色") and "50" in error.message


def test_a_year_in_a_date_column_is_not_taken_for_a_date(world):
    content = registry_workbook(
        residents=[["63-2-302", "王五", None, None, None, None, "租户", "否", 2003]]
    )
    error = only_error(run(world, content))
    assert error.column == "入住日期" and "not a date" in error.message
