"""Exports: the registry in the import format (xlsx and CSV), the import template, and a person's
own data (PIPL Art. 45 data-subject request) as JSON or xlsx.

Registry exports are streamed: rows come from `registry_export_rows()` reading `values()` in
chunks, CSV goes out as it is produced, and xlsx is written with xlsxwriter's constant-memory
mode to a temporary file that is then streamed, so memory stays flat however big the compound.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

import xlsxwriter
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from mulin.core import access, audit, privacy
from mulin.core.models import AuditEvent, BindingRequest
from mulin.orgs.models import DutyShift, Membership, PartyMembership
from mulin.places.models import Building, Compound, Unit

from .imports import (
    AREA_SOURCE,
    GENDER,
    INSTRUCTIONS_TITLE,
    RELATION,
    SHEET_BY_KIND,
    SHEETS,
    STATUS,
    USE,
)
from .models import CareTag, Consent, Ownership, Person, PersonSkill, Residency, Vehicle

CHUNK = 2000
YES, NO = "是", "否"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


# ---------------------------------------------------------------------------------------------
# Registry export
# ---------------------------------------------------------------------------------------------


def registry_export_start(
    *, actor, compound: Compound, fmt: str, full: bool, sheet: str = ""
) -> bool:
    """Check that `actor` may export `compound` and record the export; returns whether the
    export shows full phones and ID numbers (only with `full` and the reveal permission)."""
    if not access.scope_for(actor, access.REGISTRY_IMPORT).covers_compound(compound.id):
        raise Http404
    full = full and access.scope_for(actor, access.PERSON_REVEAL).covers_compound(compound.id)
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="registry.export.reveal" if full else "registry.export",
            target=compound,
            compound_id=compound.id,
            changes={"format": fmt, "full": full, "sheet": sheet or "all"},
        )
    return full


def _unit_order(prefix: str = "") -> list[str]:
    return [
        f"{prefix}building__sort_key",
        f"{prefix}building__number",
        f"{prefix}entrance__number",
        f"{prefix}floor",
        f"{prefix}number",
    ]


def _yes_no(value: bool | None) -> str:
    if value is None:
        return ""
    return YES if value else NO


def registry_export_rows(
    compound: Compound, *, full: bool = False, kinds: Iterable[str] | None = None
) -> Iterator[tuple[str, list[Any]]]:
    """`(sheet kind, row)` for the compound's current registry, sheet after sheet, in the
    columns of the import format. Phones are masked and ID numbers left out unless `full`
    (the caller checks the permission and audits). Rows are read in chunks, never all at once."""
    wanted = set(kinds) if kinds is not None else {spec.kind for spec in SHEETS}

    def phone(value: str) -> str:
        return value if full else privacy.mask_phone(value)

    def id_number(encrypted: str) -> str:
        return privacy.decrypt(encrypted) if full and encrypted else ""

    if "buildings" in wanted:
        rows = (
            Building.objects.filter(compound=compound)
            .order_by("sort_key", "number")
            .values_list("number", "floors", "has_lift", "year_built")
        )
        for number, floors, has_lift, year_built in rows.iterator(chunk_size=CHUNK):
            yield "buildings", [number, floors, _yes_no(has_lift), year_built]
    if "units" in wanted:
        rows = (
            Unit.objects.filter(compound=compound)
            .order_by(*_unit_order())
            .values_list("code", "use", "area", "area_source", "status")
        )
        for code, use, area, area_source, status in rows.iterator(chunk_size=CHUNK):
            yield (
                "units",
                [code, USE.label(use), area, AREA_SOURCE.label(area_source), STATUS.label(status)],
            )
    if "owners" in wanted:
        rows = (
            Ownership.objects.current()
            .filter(unit__compound=compound)
            .order_by(*_unit_order("unit__"), "id")
            .values_list(
                "unit__code",
                "person__name",
                "person__phone",
                "person__id_number_encrypted",
                "share",
                "started_on",
                "company__name",
                "company__is_developer",
            )
        )
        for code, name, tel, encrypted, share, started_on, company, developer in rows.iterator(
            chunk_size=CHUNK
        ):
            yield (
                "owners",
                [
                    code,
                    name or "",
                    phone(tel or ""),
                    id_number(encrypted or ""),
                    share,
                    started_on,
                    company or "",
                    _yes_no(developer) if company else "",
                ],
            )
    if "residents" in wanted:
        rows = (
            Residency.objects.current()
            .filter(unit__compound=compound)
            .order_by(*_unit_order("unit__"), "-is_head", "id")
            .values_list(
                "unit__code",
                "person__name",
                "person__phone",
                "person__id_number_encrypted",
                "person__gender",
                "person__birth_date",
                "person__birth_year",
                "relation",
                "is_head",
                "moved_in_on",
            )
        )
        for row in rows.iterator(chunk_size=CHUNK):
            code, name, tel, encrypted, gender, born, birth_year, relation, head, moved_in = row
            yield (
                "residents",
                [
                    code,
                    name,
                    phone(tel),
                    id_number(encrypted),
                    GENDER.label(gender),
                    born or birth_year,
                    RELATION.label(relation),
                    _yes_no(head),
                    moved_in,
                ],
            )
    if "vehicles" in wanted:
        rows = (
            Vehicle.objects.filter(compound=compound, removed_on__isnull=True)
            .order_by("plate")
            .values_list("plate", "person__name", "person__phone", "unit__code", "brand")
        )
        for plate, name, tel, code, brand in rows.iterator(chunk_size=CHUNK):
            yield "vehicles", [plate, name or "", phone(tel or ""), code or "", brand]


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (date, Decimal)):
        return str(value)
    return str(value)


def registry_csv(rows: Iterable[tuple[str, list[Any]]], kind: str) -> Iterator[bytes]:
    """One sheet as UTF-8 CSV with a BOM (so Excel opens it right), chunk by chunk."""
    writer = csv.writer(_Echo())
    yield ("\ufeff" + writer.writerow([c.header for c in SHEET_BY_KIND[kind].columns])).encode()
    buffer: list[str] = []
    for row_kind, row in rows:
        if row_kind != kind:
            continue
        buffer.append(writer.writerow([_csv_value(v) for v in row]))
        if len(buffer) >= CHUNK:
            yield "".join(buffer).encode()
            buffer = []
    if buffer:
        yield "".join(buffer).encode()


class _Formats:
    def __init__(self, workbook: xlsxwriter.Workbook):
        self.header = workbook.add_format({"bold": True, "bg_color": "#E7F1EC", "border": 1})
        self.text = workbook.add_format({"num_format": "@"})
        self.date = workbook.add_format({"num_format": "yyyy-mm-dd"})
        self.title = workbook.add_format({"bold": True, "font_size": 14})
        self.bold = workbook.add_format({"bold": True})
        self.wrap = workbook.add_format({"text_wrap": True, "valign": "top"})


# Columns typed as text so that Excel keeps leading zeros and all 18 digits of an ID number.
_TEXT_KINDS = {"unit_code", "phone", "id_number", "building", "name", "text", "plate"}


def _prepare_sheet(workbook, formats: _Formats, kind: str):
    spec = SHEET_BY_KIND[kind]
    sheet = workbook.add_worksheet(spec.title)
    for col, column in enumerate(spec.columns):
        width = 20 if column.kind in {"id_number", "text"} else 14
        sheet.set_column(col, col, width, formats.text if column.kind in _TEXT_KINDS else None)
        sheet.write_string(0, col, column.header, formats.header)
    sheet.freeze_panes(1, 0)
    return sheet


def _write_cell(sheet, row: int, col: int, value: Any, formats: _Formats) -> None:
    if value is None or value == "":
        return
    if isinstance(value, datetime):
        sheet.write_datetime(row, col, value.replace(tzinfo=None), formats.date)
    elif isinstance(value, date):
        sheet.write_datetime(row, col, value, formats.date)
    elif isinstance(value, Decimal):
        sheet.write_number(row, col, float(value))
    elif isinstance(value, bool):
        sheet.write_string(row, col, _yes_no(value))
    elif isinstance(value, (int, float)):
        sheet.write_number(row, col, value)
    else:
        sheet.write_string(row, col, str(value))


def write_registry_xlsx(
    rows: Iterable[tuple[str, list[Any]]], path: str, *, instructions: bool = False
) -> None:
    """The registry workbook (all five sheets, headers even when empty) at `path`."""
    workbook = xlsxwriter.Workbook(path, {"constant_memory": True})
    formats = _Formats(workbook)
    if instructions:
        _write_instructions(workbook, formats)
    sheets = {spec.kind: _prepare_sheet(workbook, formats, spec.kind) for spec in SHEETS}
    next_row = dict.fromkeys(sheets, 1)
    for kind, row in rows:
        sheet, r = sheets[kind], next_row[kind]
        for col, value in enumerate(row):
            _write_cell(sheet, r, col, value, formats)
        next_row[kind] = r + 1
    workbook.close()


def _write_instructions(workbook, formats: _Formats) -> None:
    sheet = workbook.add_worksheet(INSTRUCTIONS_TITLE)
    sheet.set_column(0, 0, 18)
    sheet.set_column(1, 1, 20)
    sheet.set_column(2, 2, 10)
    sheet.set_column(3, 3, 60, formats.wrap)
    sheet.set_column(4, 4, 18)
    lines = [
        _("Mulin registry import template"),
        _(
            "Fill in the sheets you need and leave the others empty. Keep the header row; "
            "the Chinese or the English column names both work."
        ),
        _(
            "Every row is checked before anything is saved. If any row has a problem you get "
            "the full list (sheet, row, column, reason) and nothing is saved."
        ),
        _(
            "Importing the same file again updates what it finds instead of adding it twice: "
            "buildings by number, units by code, people by ID number, phone and name, or name "
            "within the unit."
        ),
        _(
            "Empty cells leave stored values unchanged. Masked phones like 138****5678 (as in an "
            "export) also mean “no change”."
        ),
        _("A CSV file holds one sheet; its header row says which one."),
    ]
    row = 0
    sheet.write_string(row, 0, lines[0], formats.title)
    for line in lines[1:]:
        row += 1
        sheet.write_string(row, 0, line)
    for spec in SHEETS:
        row += 2
        sheet.write_string(row, 0, spec.title, formats.title)
        row += 1
        for col, label in enumerate(
            [_("Column"), _("English name"), _("Required"), _("What to enter"), _("Example")]
        ):
            sheet.write_string(row, col, label, formats.header)
        for column in spec.columns:
            row += 1
            sheet.write_string(row, 0, column.header, formats.bold)
            sheet.write_string(row, 1, column.english)
            sheet.write_string(row, 2, _("Yes") if column.required else "")
            sheet.write_string(row, 3, str(column.help), formats.wrap)
            if column.example:
                sheet.write_string(row, 4, column.example)
        row += 2
        sheet.write_string(row, 0, _("Example row:"), formats.bold)
        row += 1
        for col, column in enumerate(spec.columns):
            sheet.write_string(row, col, column.header, formats.header)
        row += 1
        for col, column in enumerate(spec.columns):
            if column.example:
                sheet.write_string(row, col, column.example)


def temporary_xlsx() -> str:
    handle, path = tempfile.mkstemp(prefix="mulin-", suffix=".xlsx")
    os.close(handle)
    return path


def open_and_unlink(path: str) -> IO[bytes]:
    """Open the finished file for streaming and remove its name at once (POSIX keeps the data
    until the handle closes), so no copy is left behind."""
    handle = open(path, "rb")  # noqa: SIM115 - closed by the response after streaming
    os.unlink(path)
    return handle


def template_csv(kind: str) -> bytes:
    return b"".join(registry_csv((), kind))


# ---------------------------------------------------------------------------------------------
# A person's own data
# ---------------------------------------------------------------------------------------------


def person_for_export(user, pk: int) -> Person:
    """The person whose data `user` may export: their own record, or one where they hold
    PERSON_EXPORT. Anyone else gets 404, as if the person did not exist."""
    if getattr(user, "is_authenticated", False) and user.person_id == pk:
        return Person.objects.select_related("compound").get(pk=pk)
    return access.get_or_404(
        user, access.PERSON_EXPORT, Person.objects.select_related("compound"), pk=pk
    )


@transaction.atomic
def person_export_record(*, actor, person: Person, fmt: str) -> None:
    """Audit a data-subject export: who exported whose data, in which format."""
    audit.record(
        actor=actor,
        action="person.export",
        target=person,
        changes={"format": fmt, "by_self": actor.person_id == person.pk},
    )


def _section(title: str, columns: list[tuple[str, str]], rows: list[dict]) -> dict:
    return {"title": title, "columns": columns, "rows": rows}


def person_data(person: Person) -> dict[str, dict]:
    """Everything Mulin holds about `person`, unmasked, grouped in sections. Each section has a
    translated title, its columns (key, translated label) and rows of plain values; the same
    structure becomes the JSON document and the xlsx workbook."""
    sections: dict[str, dict] = {}
    user = getattr(person, "user", None)  # the reverse one-to-one raises when there is none
    sections["person"] = _section(
        _("Personal details"),
        [
            ("name", _("Name")),
            ("gender", _("Gender")),
            ("birth_date", _("Birth date")),
            ("birth_year", _("Birth year")),
            ("phone", _("Phone")),
            ("id_number", _("ID number")),
            ("note", _("Note")),
            ("deceased_on", _("Date of death")),
            ("compound", _("Compound")),
            ("created_at", _("Recorded")),
            ("updated_at", _("Last changed")),
        ],
        [
            {
                "name": person.name,
                "gender": person.get_gender_display() if person.gender else "",
                "birth_date": person.birth_date,
                "birth_year": person.birth_year,
                "phone": person.phone,
                "id_number": privacy.decrypt(person.id_number_encrypted),
                "note": person.note,
                "deceased_on": person.deceased_on,
                "compound": person.compound.name,
                "created_at": person.created_at,
                "updated_at": person.updated_at,
            }
        ],
    )
    if user is not None:
        sections["account"] = _section(
            _("Account"),
            [
                ("username", _("Username")),
                ("phone", _("Phone")),
                ("language", _("Language")),
                ("elder_mode", _("Large-text mode")),
                ("date_joined", _("Registered")),
                ("last_login", _("Last sign-in")),
            ],
            [
                {
                    "username": user.username,
                    "phone": user.phone or "",
                    "language": user.language,
                    "elder_mode": user.elder_mode,
                    "date_joined": user.date_joined,
                    "last_login": user.last_login,
                }
            ],
        )
    ownerships = list(
        Ownership.objects.filter(person=person)
        .select_related("unit__compound")
        .order_by("started_on", "id")
    )
    residencies = list(
        Residency.objects.filter(person=person)
        .select_related("unit__compound")
        .order_by("moved_in_on", "id")
    )
    today = timezone.localdate()
    homes = {}
    for link in [*ownerships, *residencies]:
        ended = getattr(link, "ended_on", None) or getattr(link, "moved_out_on", None)
        if not ended or ended > today:
            homes[link.unit_id] = link.unit
    sections["homes"] = _section(
        _("Homes"),
        [("compound", _("Compound")), ("unit", _("Unit")), ("area", _("Exclusive area (m²)"))],
        [{"compound": u.compound.name, "unit": u.code, "area": u.area} for u in homes.values()],
    )
    sections["ownerships"] = _section(
        _("Ownerships"),
        [
            ("unit", _("Unit")),
            ("share", _("Share")),
            ("started_on", _("Owner since")),
            ("date_kind", _("Date is")),
            ("ended_on", _("Ended")),
        ],
        [
            {
                "unit": f"{o.unit.compound.name} {o.unit.code}",
                "share": o.share,
                "started_on": o.started_on,
                "date_kind": o.get_date_kind_display(),
                "ended_on": o.ended_on,
            }
            for o in ownerships
        ],
    )
    sections["residencies"] = _section(
        _("Residencies"),
        [
            ("unit", _("Unit")),
            ("relation", _("Relation")),
            ("is_head", _("Head of household")),
            ("moved_in_on", _("Moved in")),
            ("moved_out_on", _("Moved out")),
        ],
        [
            {
                "unit": f"{r.unit.compound.name} {r.unit.code}",
                "relation": r.get_relation_display(),
                "is_head": r.is_head,
                "moved_in_on": r.moved_in_on,
                "moved_out_on": r.moved_out_on,
            }
            for r in residencies
        ],
    )
    sections["vehicles"] = _section(
        _("Vehicles"),
        [
            ("plate", _("Plate")),
            ("energy", _("Energy")),
            ("brand", _("Make and colour")),
            ("unit", _("Unit")),
            ("removed_on", _("Removed")),
        ],
        [
            {
                "plate": v.plate,
                "energy": v.get_energy_display(),
                "brand": v.brand,
                "unit": v.unit.code if v.unit else "",
                "removed_on": v.removed_on,
            }
            for v in Vehicle.objects.filter(person=person).select_related("unit").order_by("id")
        ],
    )
    sections["care_tags"] = _section(
        _("Care groups"),
        [
            ("kind", _("Care group")),
            ("note", _("Note")),
            ("started_on", _("Since")),
            ("ended_on", _("Until")),
        ],
        [
            {
                "kind": t.get_kind_display(),
                "note": t.note,
                "started_on": t.started_on,
                "ended_on": t.ended_on,
            }
            for t in CareTag.objects.filter(person=person).order_by("started_on", "id")
        ],
    )
    sections["skills"] = _section(
        _("Skills"),
        [("skill", _("Skill")), ("note", _("Note"))],
        [
            {"skill": s.get_skill_display(), "note": s.note}
            for s in PersonSkill.objects.filter(person=person).order_by("skill")
        ],
    )
    sections["consents"] = _section(
        _("Consents"),
        [
            ("purpose", _("Purpose")),
            ("method", _("How given")),
            ("granted_at", _("Given")),
            ("withdrawn_at", _("Withdrawn")),
        ],
        [
            {
                "purpose": c.get_purpose_display(),
                "method": c.get_method_display(),
                "granted_at": c.granted_at,
                "withdrawn_at": c.withdrawn_at,
            }
            for c in Consent.objects.filter(person=person).order_by("granted_at", "id")
        ],
    )
    sections["memberships"] = _section(
        _("Memberships"),
        [
            ("organisation", _("Organisation")),
            ("role", _("Role")),
            ("portfolio", _("Portfolio")),
            ("term_start", _("Term starts")),
            ("term_end", _("Term ends")),
            ("phone", _("Duty phone")),
        ],
        [
            {
                "organisation": m.organisation.name,
                "role": m.get_role_display(),
                "portfolio": m.portfolio,
                "term_start": m.term_start,
                "term_end": m.term_end,
                "phone": m.phone,
            }
            for m in Membership.objects.filter(person=person)
            .select_related("organisation")
            .order_by("term_start", "id")
        ],
    )
    sections["party_memberships"] = _section(
        _("Party membership"),
        [
            ("organisation", _("Organisation")),
            ("status", _("Status")),
            ("home_organisation", _("Home party organisation")),
            ("joined_on", _("Reported / registered on")),
            ("left_on", _("Left on")),
        ],
        [
            {
                "organisation": p.organisation.name,
                "status": p.get_status_display(),
                "home_organisation": p.home_organisation,
                "joined_on": p.joined_on,
                "left_on": p.left_on,
            }
            for p in PartyMembership.objects.filter(person=person)
            .select_related("organisation")
            .order_by("joined_on", "id")
        ],
    )
    sections["duty_shifts"] = _section(
        _("Duty shifts"),
        [
            ("organisation", _("Organisation")),
            ("starts_at", _("Starts")),
            ("ends_at", _("Ends")),
            ("phone", _("Duty phone")),
            ("note", _("Note")),
        ],
        [
            {
                "organisation": s.organisation.name,
                "starts_at": s.starts_at,
                "ends_at": s.ends_at,
                "phone": s.phone,
                "note": s.note,
            }
            for s in DutyShift.objects.filter(person=person)
            .select_related("organisation")
            .order_by("starts_at", "id")
        ],
    )
    if user is not None:
        sections["binding_requests"] = _section(
            _("Requests to link a home"),
            [
                ("unit", _("Unit")),
                ("relation", _("Relation")),
                ("status", _("Status")),
                ("created_at", _("Asked")),
                ("reason", _("Reason")),
            ],
            [
                {
                    "unit": b.unit.code,
                    "relation": b.get_relation_display(),
                    "status": b.get_status_display(),
                    "created_at": b.created_at,
                    "reason": b.reason,
                }
                for b in BindingRequest.objects.filter(user=user)
                .select_related("unit")
                .order_by("created_at")
            ],
        )
    events = (
        AuditEvent.objects.filter(
            Q(subject_person=person)
            | Q(on_behalf_of=person)
            | Q(target_type=Person._meta.label_lower, target_id=str(person.pk))
        )
        .select_related("actor")
        .order_by("created_at", "id")
    )
    sections["audit_events"] = _section(
        _("Record of changes and access"),
        [
            ("created_at", _("Time")),
            ("action", _("Action")),
            ("actor", _("By")),
            ("target", _("Record")),
            ("changes", _("Changes")),
        ],
        [
            {
                "created_at": e.created_at,
                "action": e.action,
                "actor": str(e.actor) if e.actor else "",
                "target": e.target_repr,
                "changes": e.changes,
            }
            for e in events
        ],
    )
    return sections


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return (
            timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def person_json(person: Person) -> bytes:
    sections = person_data(person)
    document = {
        "exported_at": timezone.localtime().isoformat(),
        "person_id": person.pk,
        **{
            key: [{k: _plain(v) for k, v in row.items()} for row in s["rows"]]
            for key, s in sections.items()
        },
    }
    if "person" in document:
        document["person"] = document["person"][0]
    if "account" in document:
        document["account"] = document["account"][0]
    return json.dumps(document, ensure_ascii=False, indent=2, default=str).encode()


def _sheet_name(title: str, used: set[str]) -> str:
    name = "".join(ch for ch in title if ch not in "[]:*?/\\")[:31] or "-"
    base, n = name, 2
    while name in used:
        name = f"{base[:28]} {n}"
        n += 1
    used.add(name)
    return name


def write_person_xlsx(person: Person, path: str) -> None:
    """A workbook with one sheet per section of `person_data()`."""
    workbook = xlsxwriter.Workbook(path)
    formats = _Formats(workbook)
    used: set[str] = set()
    for section in person_data(person).values():
        sheet = workbook.add_worksheet(_sheet_name(section["title"], used))
        for col, (_key, label) in enumerate(section["columns"]):
            sheet.set_column(col, col, 18)
            sheet.write_string(0, col, label, formats.header)
        for r, row in enumerate(section["rows"], start=1):
            for col, (key, _label) in enumerate(section["columns"]):
                value = row.get(key)
                if isinstance(value, datetime):
                    value = timezone.localtime(value) if timezone.is_aware(value) else value
                    sheet.write_string(r, col, value.strftime("%Y-%m-%d %H:%M"))
                elif isinstance(value, (dict, list)):
                    sheet.write_string(r, col, json.dumps(value, ensure_ascii=False, default=str))
                else:
                    _write_cell(sheet, r, col, value, formats)
    workbook.close()
