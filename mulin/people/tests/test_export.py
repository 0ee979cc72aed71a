"""The import template and the registry export: same format as the import, so an export
re-imports without changes; phones masked unless revealed, ID numbers only in a full export."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from mulin.core.models import AuditEvent
from mulin.people.exports import registry_export_rows
from mulin.people.imports import INSTRUCTIONS_TITLE, SHEETS, registry_import
from mulin.people.tests.files.spreadsheets import (
    id_number,
    read_xlsx,
    registry_counts,
    registry_workbook,
)
from mulin.testing import factories as f

ID = id_number("33010519800101123")


@pytest.fixture(autouse=True)
def english(settings):
    """Assertions read the English source messages, whatever catalogues are compiled."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def registry(world):
    """The world compound filled through an import, with every sheet used."""
    content = registry_workbook(
        buildings=[["64", 6, "否", 1986], ["63", 6, "是", 1985]],
        units=[
            ["64-1-101", "住宅", 72.35, "产权登记", "自住"],
            ["64-1-102", "车位", 12, "合同", "空置"],
            ["64-1-1001", "商业", 99.99, "测绘", "出租"],
        ],
        owners=[
            ["64-1-101", "王大伟", "13900001111", ID, 0.5, "2003-05-01", None, None],
            ["64-1-101", "李小红", None, None, 0.5, None, None, None],
            ["64-1-102", None, None, None, None, None, "锦绣地产", "是"],
        ],
        residents=[
            ["64-1-101", "王大伟", "13900001111", None, "男", "1950", "业主", "是", "2003-06-01"],
            ["64-1-101", "李小红", None, None, "女", "1952-03-04", "家属", "否", None],
            ["64-1-1001", "赵租户", "0571-87654321", None, None, None, "租户", "是", None],
        ],
        vehicles=[
            ["浙A12345", "王大伟", "13900001111", "64-1-101", "白色大众"],
            ["浙AD12345", None, None, None, None],
        ],
    )
    result = registry_import(
        actor=world.staff, compound=world.compound, file=io.BytesIO(content), filename="r.xlsx"
    )
    assert result.ok, result.errors
    return world


def export_url(world, fmt="xlsx", query=""):
    return reverse("people:registry_export", args=[world.compound.code, fmt]) + query


def download(response) -> bytes:
    return b"".join(response.streaming_content)


# -- template -------------------------------------------------------------------------------


def test_xlsx_template_is_a_workbook_with_every_sheet_and_instructions(world, login):
    response = login(world.staff).get(reverse("people:import_template", args=["xlsx"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheets = read_xlsx(download(response))
    assert list(sheets) == [INSTRUCTIONS_TITLE, *[s.title for s in SHEETS]]
    for spec in SHEETS:
        assert sheets[spec.title][0] == [c.header for c in spec.columns]
    instructions = [cell for row in sheets[INSTRUCTIONS_TITLE] for cell in row if cell]
    assert "63-2-301" in instructions and "房屋编号" in instructions


def test_importing_the_untouched_template_says_there_are_no_rows(world, login):
    content = download(login(world.staff).get(reverse("people:import_template", args=["xlsx"])))
    result = registry_import(
        actor=world.staff, compound=world.compound, file=io.BytesIO(content), filename="t.xlsx"
    )
    assert [e.message for e in result.errors] == ["The file has no rows to import."]


@pytest.mark.parametrize("kind", [s.kind for s in SHEETS])
def test_csv_template_has_the_sheet_headers(world, login, kind):
    url = reverse("people:import_template", args=["csv"]) + f"?sheet={kind}"
    response = login(world.staff).get(url)
    assert response.status_code == 200
    text = response.content.decode("utf-8")
    spec = next(s for s in SHEETS if s.kind == kind)
    assert text == "\ufeff" + ",".join(c.header for c in spec.columns) + "\r\n"


def test_template_needs_an_import_role(world, login, client):
    url = reverse("people:import_template", args=["xlsx"])
    assert client.get(url).status_code == 302
    assert login(world.resident).get(url).status_code == 404
    assert (
        login(world.staff).get(reverse("people:import_template", args=["pdf"])).status_code == 404
    )


# -- registry export ------------------------------------------------------------------------


def test_export_reimports_without_changes(registry, login):
    content = download(login(registry.staff).get(export_url(registry)))
    before = registry_counts()
    result = registry_import(
        actor=registry.staff,
        compound=registry.compound,
        file=io.BytesIO(content),
        filename="e.xlsx",
    )
    assert result.ok, result.errors
    assert result.created == 0 and result.updated == 0, result.summary()
    assert result.counts["units"].unchanged == 5  # 3 imported + 2 from the world fixture
    assert result.counts["vehicles"].unchanged == 2
    after = registry_counts()
    assert after.pop("AuditEvent") == before.pop("AuditEvent") + 1
    assert after == before


def test_full_export_reimports_without_changes(registry, login):
    content = download(login(registry.staff).get(export_url(registry, query="?full=1")))
    result = registry_import(
        actor=registry.staff,
        compound=registry.compound,
        file=io.BytesIO(content),
        filename="e.xlsx",
    )
    assert result.ok, result.errors
    assert result.created == 0 and result.updated == 0, result.summary()


def test_csv_export_of_one_sheet_reimports_without_changes(registry, login):
    response = login(registry.staff).get(export_url(registry, "csv", "?sheet=residents"))
    assert response.streaming
    content = download(response)
    assert content.startswith("\ufeff".encode())
    result = registry_import(
        actor=registry.staff,
        compound=registry.compound,
        file=io.BytesIO(content),
        filename="residents.csv",
    )
    assert result.ok, result.errors
    assert result.created == 0 and result.updated == 0
    assert result.counts["residencies"].unchanged == 4


def test_export_masks_phones_and_leaves_out_id_numbers(registry, login):
    sheets = read_xlsx(download(login(registry.staff).get(export_url(registry))))
    owners = sheets["业主 owners"]
    wang = next(row for row in owners if row[1] == "王大伟")
    assert wang[2] == "139****1111" and wang[3] is None
    flat = repr(sheets)
    assert "13900001111" not in flat and ID not in flat
    event = AuditEvent.objects.get(action="registry.export")
    assert event.actor == registry.staff and event.changes["full"] is False


def test_full_export_shows_phones_and_id_numbers_and_is_audited_as_a_reveal(registry, login):
    sheets = read_xlsx(download(login(registry.staff).get(export_url(registry, query="?full=1"))))
    wang = next(row for row in sheets["业主 owners"] if row[1] == "王大伟")
    assert wang[2] == "13900001111" and wang[3] == ID
    event = AuditEvent.objects.get(action="registry.export.reveal")
    assert event.actor == registry.staff and event.compound_id == registry.compound.id


def test_csv_export_masks_phones_too(registry, login):
    text = download(login(registry.staff).get(export_url(registry, "csv", "?sheet=owners")))
    assert "139****1111" in text.decode() and "13900001111" not in text.decode()


def test_export_rows_follow_the_import_columns(registry):
    rows = list(registry_export_rows(registry.compound, kinds=["units", "vehicles"]))
    units = [row for kind, row in rows if kind == "units"]
    assert units[2] == ["64-1-101", "住宅", Decimal("72.35"), "产权登记", "自住"]
    assert [row[0] for row in units] == [
        "63-2-301",
        "63-2-302",
        "64-1-101",
        "64-1-102",
        "64-1-1001",
    ]
    assert ("vehicles", ["浙AD12345", "", "", "", ""]) in rows


@pytest.mark.parametrize("who", ["outsider", "resident"])
def test_export_is_404_for_outsiders_and_residents(registry, login, who):
    client = login(getattr(registry, who))
    assert client.get(export_url(registry)).status_code == 404
    assert client.get(export_url(registry, "csv")).status_code == 404
    assert not AuditEvent.objects.filter(action__startswith="registry.export").exists()


def test_export_anonymous_goes_to_login(registry, client):
    response = client.get(export_url(registry))
    assert response.status_code == 302 and reverse("core:login") in response["Location"]


def test_export_of_an_unknown_format_is_404(registry, login):
    assert login(registry.staff).get(export_url(registry, "pdf")).status_code == 404


def test_export_query_count_does_not_grow_with_the_registry(world, login, count_queries):
    client = login(world.staff)
    download(client.get(export_url(world)))
    with count_queries() as small:
        download(client.get(export_url(world)))
    for i in range(40):
        unit = f.UnitFactory(
            entrance=world.unit.entrance, number=f"5{i:02d}", code=f"63-2-5{i:02d}"
        )
        f.ResidencyFactory(unit=unit, person__compound=world.compound)
        f.OwnershipFactory(unit=unit, person__compound=world.compound)
    with count_queries() as large:
        content = download(client.get(export_url(world)))
    assert len(read_xlsx(content)["居民 residents"]) == 42
    assert large.count == small.count, large.dump()
