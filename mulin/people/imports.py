"""Spreadsheet import of a compound's registry: buildings, units, owners, residents, vehicles.

The file format is defined here once (`SHEETS`); the template, the registry export and the
import all use it, so an export re-imports cleanly. Every row is validated before anything is
written, and all problems are reported together with sheet, row, column and reason; the file is
written in one transaction or not at all. Re-importing a file updates the rows it finds again
instead of adding duplicates.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cached_property
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections, router, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from python_calamine import CalamineWorkbook

from mulin.core import access, audit, privacy
from mulin.core.models import AuditEvent
from mulin.places.codes import UnitCodeError, floor_from_number, parse_unit_code
from mulin.places.models import (
    AreaSource,
    Building,
    Compound,
    Entrance,
    Unit,
    UnitStatus,
    UnitUse,
    natural_key,
)

from .models import Company, Gender, Ownership, Person, Residency, Vehicle
from .naming import name_keys

# ---------------------------------------------------------------------------------------------
# The file format
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Vocab:
    """Words accepted in a column, mapped to stored values; `labels` are what exports write."""

    labels: dict[str, str]
    extra: dict[str, str] = field(default_factory=dict)

    @cached_property
    def _lookup(self) -> dict[str, str]:
        words = {_norm(value): value for value in self.labels}
        words.update({_norm(label): value for value, label in self.labels.items()})
        words.update({_norm(word): value for word, value in self.extra.items()})
        return words

    def parse(self, word: str) -> str | None:
        return self._lookup.get(_norm(word))

    def label(self, value: str) -> str:
        return self.labels.get(value, value or "")


USE = Vocab(
    {
        UnitUse.RESIDENTIAL: "住宅",
        UnitUse.COMMERCIAL: "商业",
        UnitUse.PARKING: "车位",
        UnitUse.OTHER: "其他",
    },
    {"商铺": UnitUse.COMMERCIAL, "居住": UnitUse.RESIDENTIAL, "车库": UnitUse.PARKING},
)
AREA_SOURCE = Vocab(
    {AreaSource.REGISTER: "产权登记", AreaSource.SURVEY: "测绘", AreaSource.CONTRACT: "合同"},
    {
        "不动产登记": AreaSource.REGISTER,
        "登记": AreaSource.REGISTER,
        "产权证": AreaSource.REGISTER,
        "实测": AreaSource.SURVEY,
        "测绘报告": AreaSource.SURVEY,
        "购房合同": AreaSource.CONTRACT,
        "预售合同": AreaSource.CONTRACT,
    },
)
STATUS = Vocab(
    {
        UnitStatus.OCCUPIED: "自住",
        UnitStatus.VACANT: "空置",
        UnitStatus.RENTED: "出租",
        UnitStatus.RENOVATING: "装修中",
    },
    {"入住": UnitStatus.OCCUPIED, "已入住": UnitStatus.OCCUPIED, "装修": UnitStatus.RENOVATING},
)
GENDER = Vocab(
    {Gender.MALE: "男", Gender.FEMALE: "女"},
    {"m": Gender.MALE, "f": Gender.FEMALE},
)
RELATION = Vocab(
    {
        Residency.Relation.OWNER: "业主",
        Residency.Relation.FAMILY: "家属",
        Residency.Relation.TENANT: "租户",
        Residency.Relation.OTHER: "其他",
    },
    {
        "家庭成员": Residency.Relation.FAMILY,
        "家人": Residency.Relation.FAMILY,
        "租客": Residency.Relation.TENANT,
        "房东": Residency.Relation.OWNER,
    },
)
YES_WORDS = {"是", "有", "yes", "y", "true", "1", "√", "✓", "对"}
NO_WORDS = {"否", "无", "没有", "no", "n", "false", "0", "×", "✗", "不是"}


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the Chinese header the template and the export write
    english: str  # the English header, also accepted on import
    kind: str  # how cells are read: see _Reader.cell()
    required: bool = False
    aliases: tuple[str, ...] = ()
    help: Promise | str = ""
    example: str = ""
    vocab: Vocab | None = None
    max_length: int = 200

    def names(self) -> set[str]:
        return {_norm(n) for n in (self.header, self.english, *self.aliases)}


@dataclass(frozen=True)
class SheetSpec:
    kind: str
    title: str  # sheet name in the template and the export
    label: Promise | str
    words: tuple[str, ...]  # words that identify the sheet by its name
    columns: tuple[Column, ...]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


_UNIT_COLUMN = Column(
    "unit",
    "房屋编号",
    "unit code",
    "unit_code",
    required=True,
    aliases=("房号", "房屋", "门牌", "unit", "unit no", "home"),
    help=gettext_lazy("Building-entrance-room, e.g. 63-2-301 or 63幢2单元301."),
    example="63-2-301",
)

SHEETS: tuple[SheetSpec, ...] = (
    SheetSpec(
        "buildings",
        "楼栋 buildings",
        gettext_lazy("Buildings"),
        ("楼栋", "楼宇", "building"),
        (
            Column(
                "number",
                "楼栋号",
                "building number",
                "building",
                required=True,
                aliases=("楼栋", "楼号", "幢号", "building", "building no"),
                help=gettext_lazy("The building's number, e.g. 63."),
                example="63",
            ),
            Column(
                "floors",
                "层数",
                "floors",
                "floors",
                aliases=("楼层数", "总层数"),
                help=gettext_lazy("Number of floors above ground."),
                example="6",
            ),
            Column(
                "has_lift",
                "电梯",
                "has lift",
                "bool",
                aliases=("有无电梯", "是否有电梯", "lift", "elevator"),
                help=gettext_lazy("是 (yes) or 否 (no)."),
                example="否",
            ),
            Column(
                "year_built",
                "建成年份",
                "year built",
                "year",
                aliases=("建成年代", "建造年份", "built"),
                help=gettext_lazy("Four-digit year, not in the future."),
                example="1986",
            ),
        ),
    ),
    SheetSpec(
        "units",
        "房屋 units",
        gettext_lazy("Units"),
        ("房屋", "住户单元", "unit", "home"),
        (
            _UNIT_COLUMN,
            Column(
                "use",
                "用途",
                "use",
                "choice",
                aliases=("房屋用途",),
                help=gettext_lazy(
                    "住宅, 商业, 车位 or 其他 (residential, commercial, parking, other)."
                ),
                example="住宅",
                vocab=USE,
            ),
            Column(
                "area",
                "专有面积",
                "area",
                "area",
                aliases=("面积", "专有部分面积", "area m2", "exclusive area"),
                help=gettext_lazy("Exclusive area in m², greater than 0."),
                example="72.35",
            ),
            Column(
                "area_source",
                "面积来源",
                "area source",
                "choice",
                help=gettext_lazy("产权登记, 测绘 or 合同 (register, survey, contract)."),
                example="产权登记",
                vocab=AREA_SOURCE,
            ),
            Column(
                "status",
                "状态",
                "status",
                "choice",
                aliases=("房屋状态", "居住状态"),
                help=gettext_lazy(
                    "自住, 空置, 出租 or 装修中 (occupied, vacant, rented, renovating)."
                ),
                example="自住",
                vocab=STATUS,
            ),
        ),
    ),
    SheetSpec(
        "owners",
        "业主 owners",
        gettext_lazy("Owners"),
        ("业主", "产权人", "owner"),
        (
            _UNIT_COLUMN,
            Column(
                "name",
                "业主姓名",
                "owner name",
                "name",
                aliases=("业主", "产权人", "产权人姓名", "owner"),
                help=gettext_lazy("A person's name; leave empty for a company owner."),
                example="林美华",
            ),
            Column(
                "phone",
                "手机",
                "phone",
                "phone",
                aliases=("手机号", "电话", "联系电话", "mobile"),
                help=gettext_lazy("11-digit mobile or landline with area code."),
                example="13812345678",
            ),
            Column(
                "id_number",
                "身份证号",
                "ID number",
                "id_number",
                aliases=("身份证", "身份证号码", "证件号码", "id"),
                help=gettext_lazy("Optional; 18 characters, checked and stored encrypted."),
                example="",
            ),
            Column(
                "share",
                "份额",
                "share",
                "share",
                aliases=("产权份额", "所占份额"),
                help=gettext_lazy(
                    "Co-owners' part of the unit, more than 0 and at most 1 (0.5 for half); "
                    "empty means equal parts."
                ),
                example="1",
            ),
            Column(
                "started_on",
                "产权登记日期",
                "owner since",
                "date",
                aliases=("登记日期", "取得日期", "产权日期"),
                help=gettext_lazy("Date of registration, e.g. 2003-05-01; not in the future."),
                example="2003-05-01",
            ),
            Column(
                "company",
                "单位名称",
                "company name",
                "text",
                aliases=("公司名称", "企业名称", "company"),
                help=gettext_lazy("For a company owner instead of a person."),
                example="",
            ),
            Column(
                "is_developer",
                "是否开发商",
                "is developer",
                "bool",
                aliases=("开发商", "developer"),
                help=gettext_lazy("是 when the company owner is the developer."),
                example="",
            ),
        ),
    ),
    SheetSpec(
        "residents",
        "居民 residents",
        gettext_lazy("Residents"),
        ("居民", "住户", "人口", "resident"),
        (
            _UNIT_COLUMN,
            Column(
                "name",
                "姓名",
                "name",
                "name",
                required=True,
                aliases=("居民姓名", "full name"),
                help=gettext_lazy("The resident's name."),
                example="陈晓明",
            ),
            Column(
                "phone",
                "手机",
                "phone",
                "phone",
                aliases=("手机号", "电话", "联系电话", "mobile"),
                help=gettext_lazy("11-digit mobile or landline with area code."),
                example="13912345678",
            ),
            Column(
                "id_number",
                "身份证号",
                "ID number",
                "id_number",
                aliases=("身份证", "身份证号码", "证件号码", "id"),
                help=gettext_lazy("Optional; 18 characters, checked and stored encrypted."),
                example="",
            ),
            Column(
                "gender",
                "性别",
                "gender",
                "choice",
                aliases=("sex",),
                help=gettext_lazy("男 or 女."),
                example="男",
                vocab=GENDER,
            ),
            Column(
                "birth_date",
                "出生日期",
                "birth date",
                "birth",
                aliases=("出生年月", "出生年份", "生日", "birth year", "born"),
                help=gettext_lazy("A date like 1948-03-12, or just the year."),
                example="1948-03-12",
            ),
            Column(
                "relation",
                "居住身份",
                "relation",
                "choice",
                aliases=("身份", "关系", "与房屋关系"),
                help=gettext_lazy("业主, 家属, 租户 or 其他 (owner, family, tenant, other)."),
                example="家属",
                vocab=RELATION,
            ),
            Column(
                "is_head",
                "户主",
                "head of household",
                "bool",
                aliases=("是否户主", "head"),
                help=gettext_lazy("是 for the head of the household (one per unit)."),
                example="是",
            ),
            Column(
                "moved_in_on",
                "入住日期",
                "moved in",
                "date",
                aliases=("迁入日期", "move in date", "moved in on"),
                help=gettext_lazy("Date of moving in; not in the future."),
                example="2010-09-01",
            ),
        ),
    ),
    SheetSpec(
        "vehicles",
        "车辆 vehicles",
        gettext_lazy("Vehicles"),
        ("车辆", "车牌", "vehicle"),
        (
            Column(
                "plate",
                "车牌号",
                "plate",
                "plate",
                required=True,
                aliases=("车牌", "车牌号码", "licence plate", "license plate"),
                help=gettext_lazy("Chinese plate, e.g. 浙A12345 or new-energy 浙AD12345."),
                example="浙A12345",
            ),
            Column(
                "owner_name",
                "车主姓名",
                "owner name",
                "name",
                aliases=("车主", "vehicle owner"),
                help=gettext_lazy("The owner's name, as in the residents sheet."),
                example="陈晓明",
            ),
            Column(
                "owner_phone",
                "车主手机",
                "owner phone",
                "phone",
                aliases=("车主电话",),
                help=gettext_lazy("The owner's phone, used to find the owner."),
                example="13912345678",
            ),
            Column(
                "unit",
                "房屋编号",
                "unit code",
                "unit_code",
                aliases=_UNIT_COLUMN.aliases,
                help=gettext_lazy("The owner's home, e.g. 63-2-301."),
                example="63-2-301",
            ),
            Column(
                "brand",
                "品牌颜色",
                "make and colour",
                "text",
                aliases=("品牌", "颜色", "make", "make and color"),
                help=gettext_lazy("Optional, e.g. 白色大众."),
                example="白色大众",
                max_length=50,
            ),
        ),
    ),
)
SHEET_BY_KIND = {spec.kind: spec for spec in SHEETS}
INSTRUCTIONS_TITLE = "说明 instructions"
_INSTRUCTION_WORDS = ("说明", "填写说明", "instruction", "readme", "示例", "example")

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
TEXT_SUFFIXES = {".csv", ".txt"}
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MASKED_PHONE = re.compile(r"^[\d*]*\*{2,}[\d*]*$")
_HEADER_SCAN_ROWS = 10
# 2003-05-01, 2003/5/1, 2003.5.1, 2003年5月1日, 20030501 (a time after the date is ignored).
_DATE_RE = re.compile(
    r"^(\d{4})(?:[-/.年]\s*(\d{1,2})[-/.月]\s*(\d{1,2})日?|(\d{2})(\d{2}))(?:[ T].*)?$"
)


def _norm(text: Any) -> str:
    """Header and word matching ignores case, spaces, punctuation and a unit in brackets."""
    value = str(text or "").strip().lower()
    value = re.sub(r"[（(][^）)]*[)）]", "", value)
    return re.sub(r"[\s_\-.:：*＊/]", "", value)


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportIssue:
    """One problem: where it is (sheet, spreadsheet row number, column header) and why."""

    sheet: str
    row: int | None
    column: str
    message: str


@dataclass
class KindCount:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


COUNT_KINDS = (
    "buildings",
    "entrances",
    "units",
    "persons",
    "companies",
    "ownerships",
    "residencies",
    "vehicles",
)
COUNT_LABELS = {
    "buildings": gettext_lazy("Buildings"),
    "entrances": gettext_lazy("Entrances"),
    "units": gettext_lazy("Units"),
    "persons": gettext_lazy("Persons"),
    "companies": gettext_lazy("Companies"),
    "ownerships": gettext_lazy("Ownerships"),
    "residencies": gettext_lazy("Residencies"),
    "vehicles": gettext_lazy("Vehicles"),
}


@dataclass
class ImportResult:
    filename: str
    digest: str
    dry_run: bool
    errors: list[ImportIssue] = field(default_factory=list)
    counts: dict[str, KindCount] = field(
        default_factory=lambda: {kind: KindCount() for kind in COUNT_KINDS}
    )
    rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run

    @property
    def created(self) -> int:
        return sum(c.created for c in self.counts.values())

    @property
    def updated(self) -> int:
        return sum(c.updated for c in self.counts.values())

    def count_rows(self) -> list[tuple[str, KindCount]]:
        """(label, counts) for the kinds the file touched, for the preview and result pages."""
        return [
            (str(COUNT_LABELS[kind]), count)
            for kind, count in self.counts.items()
            if count.created or count.updated or count.unchanged
        ]

    def summary(self) -> dict:
        return {
            kind: {"created": c.created, "updated": c.updated, "unchanged": c.unchanged}
            for kind, c in self.counts.items()
        }


class _FileRejected(Exception):
    pass


class _CellError(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# Reading the file
# ---------------------------------------------------------------------------------------------


@dataclass
class _RawSheet:
    name: str
    rows: list[list[Any]]
    named: bool = True  # a workbook sheet's name may say what it holds; a CSV's file name does not


def _decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030 — what Excel in China saves."""
    if data.startswith(codecs.BOM_UTF8):
        candidates = [("utf-8-sig", data)]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = [("utf-16", data)]
    else:
        candidates = [("utf-8", data), ("gb18030", data)]
    for encoding, raw in candidates:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise _FileRejected


def _read_sheets(data: bytes, filename: str) -> list[_RawSheet]:
    suffix = Path(filename).suffix.lower()
    not_a_spreadsheet = _(
        "“%(name)s” is not a spreadsheet. Upload an Excel file (.xlsx) or a CSV file (.csv)."
    ) % {"name": filename}
    if data.startswith((_ZIP_MAGIC, _OLE_MAGIC)):
        if suffix not in WORKBOOK_SUFFIXES:
            raise _FileRejected(not_a_spreadsheet)
        try:
            workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
            return [
                _RawSheet(name, workbook.get_sheet_by_name(name).to_python(skip_empty_area=False))
                for name in workbook.sheet_names
            ]
        except Exception as exc:  # calamine raises several error types for broken files
            raise _FileRejected(not_a_spreadsheet) from exc
    if suffix not in TEXT_SUFFIXES:
        raise _FileRejected(not_a_spreadsheet)
    try:
        text = _decode_text(data)
    except _FileRejected as exc:
        raise _FileRejected(not_a_spreadsheet) from exc
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    return [_RawSheet(filename, rows, named=False)]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@dataclass
class _Record:
    sheet: str
    row: int
    headers: dict[str, str]  # column key → header as written in the file
    values: dict[str, Any]
    ok: bool = True

    def header(self, key: str) -> str:
        return self.headers.get(key, "")


@dataclass
class _Mention:
    """A person named in a row (an owner, a resident, a vehicle's owner)."""

    rec: _Record
    name_key: str  # the column holding the name in this row
    name: str
    phone: str = ""
    masked_phone: str = ""
    id_number: str = ""
    digest: str = ""
    unit_code: str | None = None
    gender: str | None = None
    birth_date: date | None = None
    birth_year: int | None = None


@dataclass
class _PersonPlan:
    mentions: list[_Mention]
    obj: Person | None = None
    created: bool = False
    changes: dict = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# The import
# ---------------------------------------------------------------------------------------------


def registry_import(
    *, actor, compound: Compound, file, filename: str, dry_run: bool = False
) -> ImportResult:
    """Import a registry spreadsheet (xlsx or CSV) into `compound`, all or nothing.

    Every row is validated before anything is written, and all problems come back at once in
    `result.errors`; a file with any error writes nothing. `dry_run` validates and counts what
    would change without writing. Rows are matched so that a re-import updates instead of
    duplicating: buildings by number, units by code, persons by ID-number digest, else by phone
    and name, else by name within the unit; ownerships and residencies by unit and person;
    vehicles by plate. Masked phones (as in a default export) and empty cells mean "no change".

    Audit: writing 10,000 rows with one audit event each would dominate the import, so an import
    writes one `registry.import` event on the compound (file name, SHA-256, counts) plus one
    `<kind>.update` event for every existing row whose fields it changed (old → new). Rows it
    creates are covered by the summary event and its request id.
    """
    if not access.scope_for(actor, access.REGISTRY_IMPORT).covers_compound(compound.id):
        raise Http404
    limit = settings.IMPORT_MAX_BYTES
    size = getattr(file, "size", None)
    data = b"" if size is not None and size > limit else file.read()
    if isinstance(data, str):
        data = data.encode()
    size = size if size is not None else len(data)
    result = ImportResult(
        filename=filename, digest=hashlib.sha256(data).hexdigest(), dry_run=dry_run
    )
    if size > limit:
        result.errors.append(
            ImportIssue(
                filename,
                None,
                "",
                _("The file is %(size)s MB; files up to %(limit)s MB can be imported.")
                % {"size": f"{size / 1024 / 1024:.1f}", "limit": f"{limit / 1024 / 1024:g}"},
            )
        )
        return result
    try:
        sheets = _read_sheets(data, filename)
    except _FileRejected as exc:
        result.errors.append(ImportIssue(filename, None, "", str(exc.args[0])))
        return result
    importer = _Importer(actor=actor, compound=compound, result=result)
    if dry_run:
        importer.run(sheets, write=False)
    else:
        with transaction.atomic():
            importer.run(sheets, write=True)
    return result


def _json_value(value: Any) -> Any:
    if hasattr(value, "_meta"):
        return value.pk
    if isinstance(value, (Decimal, date)):
        return str(value)
    return value


def _update_rows(model, objs: list, fields: list[str]) -> None:
    """Write `fields` of existing rows with one UPDATE … FROM (VALUES …) per batch.

    `bulk_update` builds a CASE expression per row and field, which costs about a millisecond a
    cell in Python: a re-import changing thousands of rows took minutes. A VALUES list is one
    cheap parameter per cell. SQLite older than 3.33 lacks UPDATE … FROM and keeps bulk_update.
    """
    connection = connections[router.db_for_write(model)]
    vendor = connection.vendor
    if vendor not in ("postgresql", "sqlite") or (
        vendor == "sqlite" and connection.Database.sqlite_version_info < (3, 33)
    ):
        model.objects.bulk_update(objs, fields, batch_size=1000)
        return
    meta = model._meta
    columns = [meta.pk, *(meta.get_field(name) for name in fields)]
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    if vendor == "postgresql":
        refs = [f"CAST(v.c{i} AS {f.db_type(connection)})" for i, f in enumerate(columns)]
        alias = "v(" + ", ".join(f"c{i}" for i in range(len(columns))) + ")"
    else:  # SQLite names the columns of a VALUES list column1, column2, …
        refs = [f"v.column{i + 1}" for i in range(len(columns))]
        alias = "v"
    assignments = ", ".join(
        f"{quote(f.column)} = {ref}" for f, ref in zip(columns[1:], refs[1:], strict=True)
    )
    placeholder = "(" + ", ".join(["%s"] * len(columns)) + ")"
    limit = connection.features.max_query_params
    size = min(1000, limit // len(columns)) if limit else 1000
    with connection.cursor() as cursor:
        for start in range(0, len(objs), size):
            chunk = objs[start : start + size]
            params = []
            for obj in chunk:
                # Copies the ids of related objects saved after they were assigned.
                obj._prepare_related_fields_for_save(operation_name="bulk_update", fields=columns)
                params.extend(
                    f.get_db_prep_save(getattr(obj, f.attname), connection) for f in columns
                )
            cursor.execute(
                f"UPDATE {table} SET {assignments} "
                f"FROM (VALUES {', '.join([placeholder] * len(chunk))}) AS {alias} "
                f"WHERE {table}.{quote(meta.pk.column)} = {refs[0]}",
                params,
            )


_SINGULAR = {
    "buildings": "building",
    "entrances": "entrance",
    "units": "unit",
    "persons": "person",
    "companies": "company",
    "ownerships": "ownership",
    "residencies": "residency",
    "vehicles": "vehicle",
}


class _Importer:
    """One import: read the sheets, load what exists, plan every change, then write it."""

    def __init__(self, *, actor, compound: Compound, result: ImportResult):
        self.actor = actor
        self.compound = compound
        self.result = result
        self.today = timezone.localdate()
        self.sheet_names: list[str] = []
        self.records: dict[str, list[_Record]] = {spec.kind: [] for spec in SHEETS}
        # Per kind: objects to create, existing objects changed (pk → [obj, changes, person])
        # and existing objects the file matched.
        self.new: dict[str, list] = {kind: [] for kind in COUNT_KINDS}
        self.changed: dict[str, dict[int, list]] = {kind: {} for kind in COUNT_KINDS}
        self.matched: dict[str, set[int]] = {kind: set() for kind in COUNT_KINDS}

    def run(self, sheets: list[_RawSheet], *, write: bool) -> None:
        for sheet in sheets:
            self._classify(sheet)
        self.result.rows = sum(len(recs) for recs in self.records.values())
        if not self.result.rows:
            if not self.result.errors:
                self.issue(None, "", _("The file has no rows to import."))
            return
        if write:
            # One import at a time per compound: a second one waits here, then sees our rows.
            Compound.objects.select_for_update().filter(pk=self.compound.pk).first()
        self._load()
        self._plan_buildings()
        self._plan_units()
        self._plan_persons()
        self._plan_ownerships()
        self._plan_residencies()
        self._plan_vehicles()
        for kind, count in self.result.counts.items():
            count.created = len(self.new[kind])
            count.updated = len(self.changed[kind])
            count.unchanged = len(self.matched[kind] - self.changed[kind].keys())
        order = {name: i for i, name in enumerate(self.sheet_names)}
        self.result.errors.sort(key=lambda i: (order.get(i.sheet, -1), i.row or 0))
        if write and self.result.ok:
            self._write()

    # -- problems and changes ----------------------------------------------------------------

    def issue(self, rec: _Record | None, key: str, message: str, *, sheet: str = "") -> None:
        if rec is None:
            self.result.errors.append(
                ImportIssue(sheet or self.result.filename, None, key, message)
            )
            return
        rec.ok = False
        self.result.errors.append(ImportIssue(rec.sheet, rec.row, rec.header(key), message))

    def _update(self, kind: str, obj, values: dict, *, person=None, extra=None) -> None:
        """Set the file's non-empty values on an existing object and remember what changed."""
        self.matched[kind].add(obj.pk)
        changes = dict(extra or {})
        for name, value in values.items():
            if value is None:
                continue
            old = getattr(obj, name)
            if old != value:
                changes[name] = [old, value]
                setattr(obj, name, value)
        self._changed(kind, obj, changes, person)

    def _changed(self, kind: str, obj, changes: dict, person=None) -> None:
        if not changes:
            return
        entry = self.changed[kind].setdefault(obj.pk, [obj, {}, person])
        for name, (old, new) in changes.items():
            if name in entry[1]:
                entry[1][name][1] = new
            else:
                entry[1][name] = [old, new]

    # -- reading the sheets ------------------------------------------------------------------

    def _classify(self, sheet: _RawSheet) -> None:
        self.sheet_names.append(sheet.name)
        rows = sheet.rows
        if all(_blank(v) for row in rows for v in row):
            return
        name = _norm(sheet.name) if sheet.named else ""
        if name and any(word in name for word in _INSTRUCTION_WORDS):
            return
        spec = next((s for s in SHEETS if name and any(_norm(w) in name for w in s.words)), None)
        if spec is None:
            spec, header_index = self._detect_by_headers(rows)
            if spec is None:
                self.issue(
                    None,
                    "",
                    _(
                        "Cannot tell what sheet “%(sheet)s” holds. Use the template's column "
                        "headers (for example 房屋编号, 姓名, 手机)."
                    )
                    % {"sheet": sheet.name},
                    sheet=sheet.name,
                )
                return
        else:
            header_index = next(
                (
                    i
                    for i, row in enumerate(rows[:_HEADER_SCAN_ROWS])
                    if self._header_score(spec, row)
                ),
                0,
            )
        columns: dict[str, int] = {}
        headers: dict[str, str] = {}
        for index, cell in enumerate(rows[header_index]):
            key = self._column_key(spec, cell)
            if key and key not in columns:
                columns[key] = index
                headers[key] = str(cell).strip()
        missing = [c for c in spec.columns if c.required and c.key not in columns]
        if missing:
            self.issue(
                None,
                ", ".join(c.header for c in missing),
                _("Sheet “%(sheet)s” is missing the required column(s): %(columns)s.")
                % {
                    "sheet": sheet.name,
                    "columns": ", ".join(f"{c.header} ({c.english})" for c in missing),
                },
                sheet=sheet.name,
            )
            return
        for column in spec.columns:
            headers.setdefault(column.key, column.header)
        for number, row in enumerate(rows[header_index + 1 :], start=header_index + 2):
            if all(_blank(v) for v in row):
                continue
            rec = _Record(sheet.name, number, headers, {})
            for column in spec.columns:
                index = columns.get(column.key)
                raw = row[index] if index is not None and index < len(row) else None
                try:
                    rec.values[column.key] = self.cell(column, raw)
                except _CellError as exc:
                    rec.values[column.key] = None
                    self.issue(rec, column.key, str(exc.args[0]))
            self.records[spec.kind].append(rec)

    @staticmethod
    def _column_key(spec: SheetSpec, cell: Any) -> str | None:
        name = _norm(cell)
        if not name:
            return None
        return next((c.key for c in spec.columns if name in c.names()), None)

    def _header_score(self, spec: SheetSpec, row: list[Any]) -> int:
        return len({key for cell in row if (key := self._column_key(spec, cell))})

    def _detect_by_headers(self, rows: list[list[Any]]) -> tuple[SheetSpec | None, int]:
        """The kind whose headers the first header-like row matches best; None when tied."""
        for index, row in enumerate(rows[:_HEADER_SCAN_ROWS]):
            scores = sorted(((self._header_score(s, row), s) for s in SHEETS), key=lambda p: -p[0])
            (best, spec), (runner_up, _spec) = scores[0], scores[1]
            if best == 0:
                continue
            return (spec if best > runner_up else None), index
        return None, 0

    # -- cells -------------------------------------------------------------------------------

    def cell(self, column: Column, raw: Any) -> Any:
        """Read one cell as the column's kind; raise _CellError with a message for bad input."""
        if _blank(raw):
            if column.required:
                raise _CellError(_("This column is required; enter a value."))
            return None
        return getattr(self, f"_cell_{column.kind}")(raw, column)

    @staticmethod
    def _text(raw: Any) -> str:
        if isinstance(raw, float) and raw.is_integer():
            return str(int(raw))
        if isinstance(raw, datetime):
            return raw.date().isoformat()
        return str(raw).strip()

    def _cell_text(self, raw, column) -> str:
        text = self._text(raw)
        if len(text) > column.max_length:
            raise _CellError(
                _("Write at most %(count)s characters here.") % {"count": column.max_length}
            )
        return text

    def _cell_name(self, raw, column) -> str:
        name = re.sub(r"\s+", " ", self._text(raw))
        if len(name) > 50:
            raise _CellError(_("A name can have at most 50 characters."))
        return name

    def _cell_building(self, raw, column) -> str:
        number = re.sub(r"\s*(幢|栋|号楼|号|楼)$", "", self._text(raw)).upper()
        if not re.fullmatch(r"[0-9A-Z]{1,20}", number):
            raise _CellError(
                _("“%(value)s” is not a building number (letters and digits, e.g. 63).")
                % {"value": self._text(raw)}
            )
        return number

    def _cell_unit_code(self, raw, column):
        try:
            code = parse_unit_code(self._text(raw))
        except UnitCodeError as exc:
            raise _CellError(str(exc)) from exc
        parts = (code.building, code.entrance or "", code.number)
        if any(len(part) > 20 for part in parts):
            raise _CellError(
                _("Building, entrance and room numbers have at most 20 characters each.")
            )
        return code

    def _number(self, raw) -> Decimal:
        if isinstance(raw, bool):
            raise _CellError(_("“%(value)s” is not a number.") % {"value": raw})
        if isinstance(raw, (int, float)):
            return Decimal(str(raw))
        text = str(raw).strip().replace(",", "").replace("，", "")
        text = re.sub(r"\s*(㎡|m²|m2|平方米|平米)$", "", text, flags=re.IGNORECASE)
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite():
            raise _CellError(_("“%(value)s” is not a number.") % {"value": raw})
        return value

    def _cell_floors(self, raw, column) -> int:
        value = self._number(raw)
        if value != value.to_integral_value() or not 1 <= value <= 200:
            raise _CellError(_("The number of floors is a whole number from 1 to 200."))
        return int(value)

    def _cell_year(self, raw, column) -> int:
        value = self._number(raw)
        if value != value.to_integral_value() or not 1800 <= value <= 9999:
            raise _CellError(_("Write the year with four digits, e.g. 1986."))
        if value > self.today.year:
            raise _CellError(_("The year %(year)s is in the future.") % {"year": int(value)})
        return int(value)

    def _cell_area(self, raw, column) -> Decimal:
        value = self._number(raw)
        if value <= 0:
            raise _CellError(_("The area must be greater than 0 m²."))
        if value >= Decimal("100000000"):
            raise _CellError(_("The area is too large; give it in m²."))
        return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    def _cell_share(self, raw, column) -> Decimal:
        text = raw.strip() if isinstance(raw, str) else raw
        percent = isinstance(text, str) and text.endswith(("%", "％"))
        value = self._number(text[:-1] if percent else text)
        if percent:
            value = value / 100
        value = value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
        if not Decimal("0") < value <= Decimal("1"):
            raise _CellError(_("A share is more than 0 and at most 1, for example 0.5 for half."))
        return value

    def _cell_bool(self, raw, column) -> bool:
        if isinstance(raw, bool):
            return raw
        word = _norm(self._text(raw))
        if word in YES_WORDS:
            return True
        if word in NO_WORDS:
            return False
        raise _CellError(_("Write 是 or 否 (yes or no)."))

    def _cell_choice(self, raw, column) -> str:
        value = column.vocab.parse(self._text(raw))
        if value is None:
            raise _CellError(
                _("“%(value)s” is not one of: %(choices)s.")
                % {"value": self._text(raw), "choices": "、".join(column.vocab.labels.values())}
            )
        return value

    def _to_date(self, raw) -> date:
        if isinstance(raw, datetime):
            return raw.date()
        if isinstance(raw, date):
            return raw
        if isinstance(raw, (int, float)) and not isinstance(raw, bool) and 10000 < raw < 80000:
            # A date cell without a date format arrives as Excel's day count (1927 to 2118).
            return date(1899, 12, 30) + timedelta(days=int(raw))
        text = self._text(raw)
        match = _DATE_RE.match(text)
        if match:
            try:
                return date(*(int(part) for part in match.groups() if part is not None))
            except ValueError:
                pass
        raise _CellError(
            _("“%(value)s” is not a date; write it like 2003-05-01.") % {"value": text}
        )

    def _not_future(self, value: date) -> date:
        if value > self.today:
            raise _CellError(_("The date %(date)s is in the future.") % {"date": value.isoformat()})
        return value

    def _cell_date(self, raw, column) -> date:
        return self._not_future(self._to_date(raw))

    def _cell_birth(self, raw, column) -> date | int:
        """A birth date, or only the year (returned as an int)."""
        text = self._text(raw)
        if re.fullmatch(r"\d{4}年?", text):
            year = int(text[:4])
            if year > self.today.year:
                raise _CellError(_("The year %(year)s is in the future.") % {"year": year})
            if year < 1880:
                raise _CellError(_("Write the year with four digits, e.g. 1948."))
            return year
        return self._not_future(self._to_date(raw))

    def _cell_phone(self, raw, column) -> tuple[str, str]:
        text = self._text(raw)
        compact = text.replace(" ", "")
        if "*" in compact and _MASKED_PHONE.match(compact):
            return ("masked", compact)  # as a default export shows it: keep what is stored
        if message := privacy.phone_error(text):
            raise _CellError(message)
        normalised = privacy.normalise_phone(text)
        return ("phone", normalised if privacy.PHONE_RE.match(normalised) else compact)

    def _cell_id_number(self, raw, column) -> str | None:
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            raise _CellError(
                _(
                    "The ID number was stored as a number and Excel may have changed its last "
                    "digits; format the column as text and type it again."
                )
            )
        text = self._text(raw).upper().replace(" ", "")
        if "*" in text:
            return None  # a masked number, as lists show it: keep what is stored
        if message := privacy.id_number_error(text, today=self.today):
            raise _CellError(message)
        return text

    def _cell_plate(self, raw, column) -> str:
        text = self._text(raw)
        if message := privacy.plate_error(text):
            raise _CellError(message)
        return privacy.normalise_plate(text)

    # -- what is there already ---------------------------------------------------------------

    def _load(self) -> None:
        """Everything the import compares against, in a fixed number of queries."""
        compound = self.compound
        self.buildings = {
            b.number: b for b in Building.objects.filter(compound=compound).order_by()
        }
        number_of = {b.pk: number for number, b in self.buildings.items()}
        self.entrances = {
            (number_of[e.building_id], e.number): e
            for e in Entrance.objects.filter(building__compound=compound).order_by()
        }
        self.units = {u.code: u for u in Unit.objects.filter(compound=compound).order_by()}
        # Whole rows: a deferred field would cost one query per object when the update reads it.
        persons = list(Person.objects.filter(compound=compound).order_by())
        self.persons_by_id = {p.pk: p for p in persons}
        self.by_digest = {p.id_number_digest: p for p in persons if p.id_number_digest}
        self.by_phone_name = {(p.phone, p.name): p for p in persons if p.phone}
        self.by_masked_name: dict[tuple[str, str], Person] = {}
        self.by_name: dict[str, list[Person]] = defaultdict(list)
        for p in persons:
            if p.phone:
                self.by_masked_name.setdefault((privacy.mask_phone(p.phone), p.name), p)
            self.by_name[p.name].append(p)
        self.ownerships = list(
            Ownership.objects.current(self.today).filter(unit__compound=compound)
        )
        self.residencies = list(
            Residency.objects.current(self.today).filter(unit__compound=compound)
        )
        self.by_unit_name: dict[tuple[int, str], Person] = {}
        for link in [*self.ownerships, *self.residencies]:
            person = self.persons_by_id.get(link.person_id)
            if person is not None:
                self.by_unit_name.setdefault((link.unit_id, person.name), person)
        self.companies = {c.name: c for c in Company.objects.filter(compound=compound)}
        self.vehicles = {
            v.plate: v for v in Vehicle.objects.filter(compound=compound, removed_on__isnull=True)
        }

    # -- planning ------------------------------------------------------------------------------

    def _plan_buildings(self) -> None:
        seen: dict[str, _Record] = {}
        for rec in self.records["buildings"]:
            number = rec.values.get("number")
            if not number:
                continue
            if number in seen:
                self.issue(
                    rec,
                    "number",
                    _(
                        "Building %(number)s appears more than once in this file "
                        "(first in row %(row)s)."
                    )
                    % {"number": number, "row": seen[number].row},
                )
                continue
            seen[number] = rec
            values = {k: rec.values.get(k) for k in ("floors", "has_lift", "year_built")}
            existing = self.buildings.get(number)
            if existing is not None:
                self._update("buildings", existing, values)
                continue
            building = Building(
                compound=self.compound,
                number=number,
                floors=values["floors"],
                has_lift=bool(values["has_lift"]),
                year_built=values["year_built"],
                sort_key=natural_key(number),
            )
            self.buildings[number] = building
            self.new["buildings"].append(building)

    def _plan_units(self) -> None:
        self.file_units: dict[str, _Record] = {}
        no_source = _("Say where the area comes from: 产权登记, 测绘 or 合同.")
        for rec in self.records["units"]:
            code = rec.values.get("unit")
            if code is None:
                continue
            if code.short in self.file_units:
                self.issue(
                    rec,
                    "unit",
                    _("Unit %(code)s appears more than once in this file (first in row %(row)s).")
                    % {"code": code.short, "row": self.file_units[code.short].row},
                )
                continue
            self.file_units[code.short] = rec
            values = {k: rec.values.get(k) for k in ("use", "area", "area_source", "status")}
            existing = self.units.get(code.short)
            if existing is not None:
                if values["area"] is not None and not (
                    values["area_source"] or existing.area_source
                ):
                    self.issue(rec, "area_source", no_source)
                if existing.area is None and values["area"] is None:
                    values["area_source"] = None
                self._update("units", existing, values)
                continue
            building = self.buildings.get(code.building)
            if building is None:
                self.issue(
                    rec,
                    "unit",
                    _(
                        "Building %(building)s of unit %(code)s is neither in this file's "
                        "buildings sheet nor registered in this compound."
                    )
                    % {"building": code.building, "code": code.short},
                )
                continue
            if values["area"] is not None and not values["area_source"]:
                self.issue(rec, "area_source", no_source)
            entrance = None
            if code.entrance:
                entrance = self.entrances.get((code.building, code.entrance))
                if entrance is None:
                    entrance = Entrance(building=building, number=code.entrance)
                    self.entrances[(code.building, code.entrance)] = entrance
                    self.new["entrances"].append(entrance)
            unit = Unit(
                compound=self.compound,
                building=building,
                entrance=entrance,
                number=code.number,
                floor=floor_from_number(code.number),
                code=code.short,
                use=values["use"] or UnitUse.RESIDENTIAL,
                area=values["area"],
                area_source=(values["area_source"] or "") if values["area"] is not None else "",
                status=values["status"] or UnitStatus.OCCUPIED,
            )
            self.units[code.short] = unit
            self.new["units"].append(unit)

    def _unit_for(self, rec: _Record) -> Unit | None:
        """The unit a row refers to, from this file or the compound; reports it when unknown."""
        code = rec.values.get("unit")
        if code is None:
            return None
        unit = self.units.get(code.short)
        if unit is None and code.short not in self.file_units:
            self.issue(
                rec,
                "unit",
                _(
                    "Unit %(code)s is neither in this file's units sheet nor registered in this "
                    "compound."
                )
                % {"code": code.short},
            )
        return unit

    def _mention(self, rec: _Record, *, name_key: str, phone_key: str) -> _Mention:
        phone = rec.values.get(phone_key)
        code = rec.values.get("unit")
        id_number = rec.values.get("id_number") or ""
        birth = rec.values.get("birth_date")
        return _Mention(
            rec=rec,
            name_key=name_key,
            name=rec.values.get(name_key) or "",
            phone=phone[1] if phone and phone[0] == "phone" else "",
            masked_phone=phone[1] if phone and phone[0] == "masked" else "",
            id_number=id_number,
            digest=privacy.digest(id_number) if id_number else "",
            unit_code=code.short if code else None,
            gender=rec.values.get("gender"),
            birth_date=birth if isinstance(birth, date) else None,
            birth_year=birth if isinstance(birth, int) else None,
        )

    def _plan_persons(self) -> None:
        """Find each person named in the file once: in the file, then in the compound."""
        mentions: list[_Mention] = []
        for rec in self.records["owners"]:
            name, company = rec.values.get("name"), rec.values.get("company")
            if name and company:
                self.issue(
                    rec, "company", _("Give either the owner's name or a company name, not both.")
                )
            elif name:
                mentions.append(self._mention(rec, name_key="name", phone_key="phone"))
            elif not company and rec.ok:
                self.issue(rec, "name", _("Enter the owner's name or the company's name."))
        for rec in self.records["residents"]:
            if rec.values.get("name"):
                mentions.append(self._mention(rec, name_key="name", phone_key="phone"))
        for rec in self.records["vehicles"]:
            if rec.values.get("owner_name"):
                mentions.append(self._mention(rec, name_key="owner_name", phone_key="owner_phone"))
            elif rec.values.get("owner_phone"):
                self.issue(rec, "owner_name", _("Enter the owner's name as well as the phone."))

        # Mentions sharing an ID number, a phone and name, or a unit and name are one person.
        parent = list(range(len(mentions)))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        first_with: dict[tuple, int] = {}
        for index, m in enumerate(mentions):
            keys: list[tuple] = []
            if m.digest:
                keys.append(("id", m.digest))
            if m.phone:
                keys.append(("phone", m.phone, m.name))
            if m.masked_phone:
                keys.append(("masked", m.masked_phone, m.name))
            if m.unit_code:
                keys.append(("unit", m.unit_code, m.name))
            if not keys:
                keys.append(("name", m.name))
            for key in keys:
                if key in first_with:
                    parent[find(index)] = find(first_with[key])
                else:
                    first_with[key] = index
        groups: dict[int, list[_Mention]] = defaultdict(list)
        for index, m in enumerate(mentions):
            groups[find(index)].append(m)
        self.plan_of: dict[int, _PersonPlan] = {}  # id(record) → the person it names
        for members in groups.values():
            plan = _PersonPlan(members)
            for m in members:
                self.plan_of[id(m.rec)] = plan
            self._resolve_person(plan)

    def _match_person(self, members: list[_Mention]) -> tuple[Person | None, bool]:
        """The registered person these mentions name, and whether the ID number matched."""
        for m in members:
            if m.digest and m.digest in self.by_digest:
                return self.by_digest[m.digest], True
        for m in members:
            if m.phone and (m.phone, m.name) in self.by_phone_name:
                return self.by_phone_name[(m.phone, m.name)], False
        for m in members:
            if m.masked_phone and (m.masked_phone, m.name) in self.by_masked_name:
                return self.by_masked_name[(m.masked_phone, m.name)], False
        for m in members:
            unit = self.units.get(m.unit_code) if m.unit_code else None
            if unit is not None and unit.pk and (unit.pk, m.name) in self.by_unit_name:
                return self.by_unit_name[(unit.pk, m.name)], False
        return None, False

    def _resolve_person(self, plan: _PersonPlan) -> None:
        members = plan.mentions
        with_id = [m for m in members if m.digest]
        for m in with_id[1:]:
            if m.digest != with_id[0].digest:
                self.issue(
                    m.rec,
                    "id_number",
                    _("%(name)s has a different ID number in row %(row)s of sheet “%(sheet)s”.")
                    % {"name": m.name, "row": with_id[0].rec.row, "sheet": with_id[0].rec.sheet},
                )
        existing, via_id = self._match_person(members)
        first = members[0]
        if existing is None and not any(
            m.digest or m.phone or m.masked_phone or m.unit_code for m in members
        ):
            same_name = self.by_name.get(first.name, [])
            if len(same_name) > 1:
                self.issue(
                    first.rec,
                    first.name_key,
                    _(
                        "Several people in this compound are called %(name)s; add the owner's "
                        "phone or unit code to say which one."
                    )
                    % {"name": first.name},
                )
                return
            existing = same_name[0] if same_name else None
        if existing is None and not any(m.phone for m in members):
            masked = next((m for m in members if m.masked_phone), None)
            if masked is not None:
                self.issue(
                    masked.rec,
                    "phone" if masked.name_key == "name" else "owner_phone",
                    _(
                        "The phone %(phone)s is masked and no one called %(name)s is registered "
                        "with it; enter the full number."
                    )
                    % {"phone": masked.masked_phone, "name": masked.name},
                )
                return

        def first_value(attr: str):
            return next((getattr(m, attr) for m in members if getattr(m, attr)), None)

        values = {
            "phone": first_value("phone"),
            "gender": first_value("gender"),
            "birth_date": first_value("birth_date"),
            "birth_year": first_value("birth_year"),
        }
        if values["birth_date"]:
            values["birth_year"] = values["birth_date"].year
        id_number = first_value("id_number")
        if existing is None:
            person = Person(compound=self.compound, name=first.name, gender="", note="")
            for name, value in values.items():
                if value is not None:
                    setattr(person, name, value)
            if id_number:
                self._set_id_number(person, id_number)
            plan.obj = person
            self.new["persons"].append(person)
            return
        plan.obj = existing
        if via_id:
            values["name"] = first.name
        extra = {}
        if id_number and privacy.digest(id_number) != existing.id_number_digest:
            old_masked = existing.id_number_masked
            self._set_id_number(existing, id_number)
            extra["id_number_masked"] = [old_masked, existing.id_number_masked]
        self._update("persons", existing, values, person=existing, extra=extra)

    @staticmethod
    def _set_id_number(person: Person, id_number: str) -> None:
        person.id_number_encrypted = privacy.encrypt(id_number)
        person.id_number_digest = privacy.digest(id_number)
        person.id_number_masked = privacy.mask_id_number(id_number)

    @staticmethod
    def _prepare_person(person: Person) -> None:
        """What Person.save() derives, for bulk writes that do not call save()."""
        person.name_pinyin, person.name_initials = name_keys(person.name)
        person.phone_tail = person.phone[-4:] if person.phone else ""
        if person.birth_date:
            person.birth_year = person.birth_date.year

    def _plan_ownerships(self) -> None:
        existing = {}
        by_unit_id: dict[int, list[Ownership]] = defaultdict(list)
        for o in self.ownerships:
            party = ("person", o.person_id) if o.person_id else ("company", o.company_id)
            existing[(o.unit_id, party)] = o
            by_unit_id[o.unit_id].append(o)
        seen: dict[tuple, _Record] = {}
        by_unit: dict[str, list[_Record]] = defaultdict(list)
        companies: dict[str, Company] = {}
        self.owned: set[tuple[str, int]] = set()  # (unit code, id(person plan)) owned in the file
        for rec in self.records["owners"]:
            self._unit_for(rec)
            code, company_name = rec.values.get("unit"), rec.values.get("company")
            plan = self.plan_of.get(id(rec))
            if code is None or (plan is None and not company_name):
                continue
            party_key = ("plan", id(plan)) if plan else ("company", company_name)
            if (code.short, party_key) in seen:
                self.issue(
                    rec,
                    "name" if plan else "company",
                    _("This owner of %(unit)s is already listed in row %(row)s.")
                    % {"unit": code.short, "row": seen[(code.short, party_key)].row},
                )
                continue
            seen[(code.short, party_key)] = rec
            by_unit[code.short].append(rec)
            if plan:
                self.owned.add((code.short, id(plan)))
            elif company_name not in companies:
                company = self.companies.get(company_name)
                developer = rec.values.get("is_developer")
                if company is None:
                    company = Company(
                        compound=self.compound, name=company_name, is_developer=bool(developer)
                    )
                    self.new["companies"].append(company)
                else:
                    self._update("companies", company, {"is_developer": developer})
                companies[company_name] = company

        for code, rows in by_unit.items():
            unit = self.units.get(code)
            planned = []  # (row, "person" or "company", party, registered ownership or None)
            for rec in rows:
                plan = self.plan_of.get(id(rec))
                kind = "person" if plan else "company"
                party = plan.obj if plan else companies.get(rec.values.get("company"))
                found = None
                if unit is not None and unit.pk and party is not None and party.pk:
                    found = existing.get((unit.pk, (kind, party.pk)))
                planned.append((rec, kind, party, found))
            matched = {found.pk for *_rest, found in planned if found is not None}
            registered = by_unit_id.get(unit.pk, []) if unit is not None and unit.pk else []
            others = sum((o.share for o in registered if o.pk not in matched), Decimal(0))
            # An empty share keeps a registered owner's share; new owners without one split
            # what is left of the unit equally.
            kept = sum(
                (
                    rec.values.get("share") or found.share
                    for rec, _k, _p, found in planned
                    if rec.values.get("share") or found is not None
                ),
                Decimal(0),
            )
            blanks = sum(
                1 for rec, *_r, found in planned if not rec.values.get("share") and not found
            )
            rest = Decimal(1) - kept - others
            default = (
                (rest / blanks).quantize(Decimal("0.0001"), rounding=ROUND_DOWN)
                if blanks
                else Decimal(0)
            )
            total = Decimal(0)
            for rec, kind, party, found in planned:
                share = rec.values.get("share")
                if share is None and found is None and default <= 0:
                    self.issue(
                        rec,
                        "share",
                        _("Give this owner's share: the other owners of %(unit)s hold all of it.")
                        % {"unit": code},
                    )
                    continue
                total += share or (found.share if found is not None else default)
                if unit is None or party is None:
                    continue
                started_on = rec.values.get("started_on")
                if found is None:
                    self.new["ownerships"].append(
                        Ownership(
                            unit=unit,
                            share=share or default,
                            started_on=started_on,
                            **{kind: party},
                        )
                    )
                else:
                    self._update(
                        "ownerships",
                        found,
                        {"share": share, "started_on": started_on},
                        person=party if kind == "person" else None,
                    )
            if total + others > 1:
                if others:
                    message = _(
                        "The owners' shares of %(unit)s add up to %(total)s with the owners "
                        "already registered, more than 1. End the old ownership first or correct "
                        "the shares."
                    ) % {"unit": code, "total": f"{total + others:g}"}
                else:
                    message = _(
                        "The co-owners' shares of %(unit)s add up to %(total)s, more than 1."
                    ) % {"unit": code, "total": f"{total:g}"}
                self.issue(rows[-1], "share", message)

    def _plan_residencies(self) -> None:
        existing = {(r.unit_id, r.person_id): r for r in self.residencies}
        owners_in_db = {(o.unit_id, o.person_id) for o in self.ownerships if o.person_id}
        seen: dict[tuple[str, int], _Record] = {}
        heads: dict[str, _Record] = {}
        new_head_of: dict[int, int | None] = {}  # unit pk → residency pk made head (None: new)
        for rec in self.records["residents"]:
            unit = self._unit_for(rec)
            code, plan = rec.values.get("unit"), self.plan_of.get(id(rec))
            if code is None or plan is None:
                continue
            key = (code.short, id(plan))
            if key in seen:
                self.issue(
                    rec,
                    "name",
                    _("%(name)s is already listed as living in %(unit)s in row %(row)s.")
                    % {"name": rec.values["name"], "unit": code.short, "row": seen[key].row},
                )
                continue
            seen[key] = rec
            is_head = rec.values.get("is_head")
            if is_head and code.short in heads:
                self.issue(
                    rec,
                    "is_head",
                    _("%(unit)s already has a head of household in row %(row)s.")
                    % {"unit": code.short, "row": heads[code.short].row},
                )
                continue
            if is_head:
                heads[code.short] = rec
            person = plan.obj
            if unit is None or person is None:
                continue
            found = existing.get((unit.pk, person.pk)) if unit.pk and person.pk else None
            if is_head and unit.pk:
                new_head_of[unit.pk] = found.pk if found else None
            values = {
                "relation": rec.values.get("relation"),
                "is_head": is_head,
                "moved_in_on": rec.values.get("moved_in_on"),
            }
            if found is not None:
                self._update("residencies", found, values, person=person)
                continue
            relation = values["relation"]
            if relation is None:
                owns = key in self.owned or (unit.pk, person.pk) in owners_in_db
                relation = Residency.Relation.OWNER if owns else Residency.Relation.OTHER
            self.new["residencies"].append(
                Residency(
                    unit=unit,
                    person=person,
                    relation=relation,
                    is_head=bool(is_head),
                    moved_in_on=values["moved_in_on"],
                )
            )
        # One head per household: a head named in the file replaces the registered one.
        for r in self.residencies:
            if r.is_head and r.unit_id in new_head_of and new_head_of[r.unit_id] != r.pk:
                r.is_head = False
                self._changed(
                    "residencies",
                    r,
                    {"is_head": [True, False]},
                    self.persons_by_id.get(r.person_id),
                )

    def _plan_vehicles(self) -> None:
        seen: dict[str, _Record] = {}
        for rec in self.records["vehicles"]:
            unit = self._unit_for(rec)
            plate = rec.values.get("plate")
            if not plate:
                continue
            if plate in seen:
                self.issue(
                    rec,
                    "plate",
                    _("Plate %(plate)s appears more than once in this file (first in row %(row)s).")
                    % {"plate": plate, "row": seen[plate].row},
                )
                continue
            seen[plate] = rec
            plan = self.plan_of.get(id(rec))
            person = plan.obj if plan else None
            brand = rec.values.get("brand")
            found = self.vehicles.get(plate)
            if found is None:
                self.new["vehicles"].append(
                    Vehicle(
                        compound=self.compound,
                        plate=plate,
                        energy=Vehicle.Energy.NEW_ENERGY
                        if len(plate) == 8
                        else Vehicle.Energy.FUEL,
                        person=person,
                        unit=unit,
                        brand=brand or "",
                    )
                )
                continue
            # Compare foreign keys by id: reading found.person would cost a query per row.
            extra = {}
            for name, related in (("person", person), ("unit", unit)):
                old = getattr(found, f"{name}_id")
                if related is not None and (related.pk is None or related.pk != old):
                    extra[f"{name}_id"] = [old, related]
                    setattr(found, name, related)
            self._update("vehicles", found, {"brand": brand}, person=person, extra=extra)

    # -- writing -------------------------------------------------------------------------------

    def _write(self) -> None:
        """Bulk writes in dependency order: a fixed number of statements, whatever the rows."""
        batch = 1000
        now = timezone.now()
        for person in self.new["persons"]:
            self._prepare_person(person)
        for entry in self.changed["persons"].values():
            self._prepare_person(entry[0])
        fields = {
            "buildings": (Building, ["floors", "has_lift", "year_built"]),
            "entrances": (Entrance, []),
            "units": (Unit, ["use", "area", "area_source", "status"]),
            "persons": (
                Person,
                [
                    "name",
                    "name_pinyin",
                    "name_initials",
                    "phone",
                    "phone_tail",
                    "gender",
                    "birth_date",
                    "birth_year",
                    "id_number_encrypted",
                    "id_number_digest",
                    "id_number_masked",
                ],
            ),
            "companies": (Company, ["is_developer"]),
            "ownerships": (Ownership, ["share", "started_on"]),
            "residencies": (Residency, ["relation", "is_head", "moved_in_on"]),
            "vehicles": (Vehicle, ["person", "unit", "brand"]),
        }
        for kind in COUNT_KINDS:  # in dependency order: each kind's new rows get ids first
            model, update_fields = fields[kind]
            # bulk_create and _update_rows copy the ids of related objects created earlier on.
            model.objects.bulk_create(self.new[kind], batch_size=batch)
            changed = [entry[0] for entry in self.changed[kind].values()]
            if changed and update_fields:
                for obj in changed:
                    obj.updated_at = now
                _update_rows(model, changed, [*update_fields, "updated_at"])

        audit.record(
            actor=self.actor,
            action="registry.import",
            target=self.compound,
            compound_id=self.compound.id,
            changes={
                "file": self.result.filename,
                "sha256": self.result.digest,
                "rows": self.result.rows,
                "counts": self.result.summary(),
            },
        )
        context = audit.current_request.get() or {}
        actor = self.actor if getattr(self.actor, "is_authenticated", False) else None
        events = []
        for kind in COUNT_KINDS:
            for obj, changes, person in self.changed[kind].values():
                events.append(
                    AuditEvent(
                        created_at=now,
                        actor=actor,
                        action=f"{_SINGULAR[kind]}.update",
                        target_type=obj._meta.label_lower,
                        target_id=str(obj.pk),
                        target_repr=str(obj)[:200],
                        subject_person=person,
                        compound_id=self.compound.id,
                        changes={
                            name: [_json_value(old), _json_value(new)]
                            for name, (old, new) in changes.items()
                        },
                        request_id=context.get("request_id", ""),
                        ip=context.get("ip"),
                    )
                )
        AuditEvent.objects.bulk_create(events, batch_size=batch)
