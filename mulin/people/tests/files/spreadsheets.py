"""Build import files in tests instead of committing binaries: xlsx with xlsxwriter, CSV as text."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date

import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile

from mulin.people.imports import SHEET_BY_KIND

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def headers(kind: str) -> list[str]:
    """The template's Chinese headers for a sheet kind."""
    return [c.header for c in SHEET_BY_KIND[kind].columns]


def xlsx(sheets: dict[str, Sequence[Sequence]]) -> bytes:
    """A workbook with one sheet per item: {sheet name: [header row, data rows...]}."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for name, rows in sheets.items():
        sheet = workbook.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, date):
                    sheet.write_datetime(r, c, value, date_format)
                elif isinstance(value, str):
                    sheet.write_string(r, c, value)
                else:
                    sheet.write(r, c, value)
    workbook.close()
    return buffer.getvalue()


def csv_text(rows: Iterable[Sequence]) -> str:
    return "".join(",".join("" if v is None else str(v) for v in row) + "\r\n" for row in rows)


def upload(name: str, content: bytes, content_type: str = XLSX_TYPE) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def registry_workbook(
    *,
    buildings: Sequence[Sequence] = (),
    units: Sequence[Sequence] = (),
    owners: Sequence[Sequence] = (),
    residents: Sequence[Sequence] = (),
    vehicles: Sequence[Sequence] = (),
) -> bytes:
    """A workbook in the template's layout holding the given data rows (headers added)."""
    sheets = {}
    for kind, rows in (
        ("buildings", buildings),
        ("units", units),
        ("owners", owners),
        ("residents", residents),
        ("vehicles", vehicles),
    ):
        if rows:
            sheets[SHEET_BY_KIND[kind].title] = [headers(kind), *rows]
    return xlsx(sheets)


def registry_counts() -> dict[str, int]:
    """Row counts of every model an import can write, to show that nothing changed."""
    from mulin.core.models import AuditEvent
    from mulin.people.models import Company, Ownership, Person, Residency, Vehicle
    from mulin.places.models import Building, Entrance, Unit

    models = (Building, Entrance, Unit, Person, Company, Ownership, Residency, Vehicle, AuditEvent)
    return {model.__name__: model.objects.count() for model in models}


def read_xlsx(content: bytes) -> dict[str, list[list]]:
    """Every sheet of a workbook as rows of values (openpyxl, independent of the importer)."""
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    return {
        sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)]
        for sheet in workbook.worksheets
    }


def id_number(first17: str) -> str:
    """A valid GB 11643 ID number: the 17 digits given and their check character."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return first17 + "10X98765432"[total % 11]
