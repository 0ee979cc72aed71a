"""Writes to the people registry: persons, homes they own or live in, vehicles, care, consent.

History is never overwritten: moving out, selling, withdrawing consent or ending a care tag
closes the row with a date.
"""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from mulin.core import access, audit, privacy
from mulin.places.models import Compound, Unit

from .models import (
    CareKind,
    CareTag,
    Company,
    Consent,
    ConsentPurpose,
    Ownership,
    Person,
    PersonSkill,
    Residency,
    Skill,
    Vehicle,
)

PERSON_FIELDS = [
    "name",
    "gender",
    "birth_date",
    "birth_year",
    "phone",
    "id_number_masked",
    "note",
    "deceased_on",
]


def _require(actor, perm: str, compound_id: int) -> None:
    if not access.scope_for(actor, perm).covers_compound(compound_id):
        raise Http404


def validate_person(
    *, name: str, phone: str = "", id_number: str = "", birth_date: date | None = None
) -> dict:
    """Field errors for a person's data, in the user's language; empty when valid."""
    errors: dict[str, str] = {}
    if not (name or "").strip():
        errors["name"] = _("Enter the person's name.")
    if phone and (message := privacy.phone_error(phone)):
        errors["phone"] = message
    if id_number and (message := privacy.id_number_error(id_number)):
        errors["id_number"] = message
    if birth_date and birth_date > timezone.localdate():
        errors["birth_date"] = _("The birth date cannot be in the future.")
    return errors


def _set_id_number(person: Person, id_number: str) -> None:
    id_number = (id_number or "").strip().upper()
    person.id_number_encrypted = privacy.encrypt(id_number)
    person.id_number_digest = privacy.digest(id_number)
    person.id_number_masked = privacy.mask_id_number(id_number)


def _clean_phone(phone: str) -> str:
    phone = (phone or "").strip()
    normalised = privacy.normalise_phone(phone)
    return normalised if privacy.PHONE_RE.match(normalised) else phone


@transaction.atomic
def person_create(
    *,
    actor,
    compound: Compound,
    name: str,
    phone: str = "",
    gender: str = "",
    birth_date: date | None = None,
    birth_year: int | None = None,
    id_number: str = "",
    note: str = "",
    on_behalf_of: Person | None = None,
) -> Person:
    _require(actor, access.REGISTRY_EDIT, compound.id)
    errors = validate_person(name=name, phone=phone, id_number=id_number, birth_date=birth_date)
    if errors:
        raise ValidationError(errors)
    person = Person(
        compound=compound,
        name=name.strip(),
        phone=_clean_phone(phone),
        gender=gender,
        birth_date=birth_date,
        birth_year=birth_year,
        note=note,
    )
    _set_id_number(person, id_number)
    person.save()
    audit.record(
        actor=actor,
        action="person.create",
        target=person,
        changes=audit.snapshot(person, PERSON_FIELDS),
        on_behalf_of=on_behalf_of,
    )
    return person


@transaction.atomic
def person_update(*, actor, person: Person, on_behalf_of: Person | None = None, **fields) -> Person:
    """Change a person's details. `id_number` replaces the stored (encrypted) number."""
    _require(actor, access.REGISTRY_EDIT, person.compound_id)
    allowed = {
        "name",
        "phone",
        "gender",
        "birth_date",
        "birth_year",
        "id_number",
        "note",
        "deceased_on",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"person_update cannot change {sorted(unknown)}")
    errors = validate_person(
        name=fields.get("name", person.name),
        phone=fields.get("phone", ""),
        id_number=fields.get("id_number", ""),
        birth_date=fields.get("birth_date"),
    )
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(person, PERSON_FIELDS)
    if "id_number" in fields:
        _set_id_number(person, fields.pop("id_number"))
    if "phone" in fields:
        fields["phone"] = _clean_phone(fields["phone"])
    for name, value in fields.items():
        setattr(person, name, value)
    person.save()
    changes = audit.diff(before, audit.snapshot(person, PERSON_FIELDS))
    if changes:
        audit.record(
            actor=actor,
            action="person.update",
            target=person,
            changes=changes,
            on_behalf_of=on_behalf_of,
        )
    return person


@transaction.atomic
def person_reveal(*, actor, person: Person, field: str, reason: str = "") -> str:
    """The full phone or ID number, for a user allowed to see it; every reveal is audited."""
    _require(actor, access.PERSON_REVEAL, person.compound_id)
    if field == "phone":
        value = person.phone
    elif field == "id_number":
        value = privacy.decrypt(person.id_number_encrypted)
    else:
        raise ValidationError({"field": _("Only the phone or the ID number can be revealed.")})
    audit.record(
        actor=actor, action=f"person.reveal.{field}", target=person, changes={"reason": reason}
    )
    return value


@transaction.atomic
def residency_add(
    *,
    actor,
    unit: Unit,
    person: Person,
    relation: str,
    is_head: bool = False,
    moved_in_on: date | None = None,
    on_behalf_of: Person | None = None,
) -> Residency:
    _require(actor, access.REGISTRY_EDIT, unit.compound_id)
    if relation not in Residency.Relation.values:
        raise ValidationError({"relation": _("Choose how the person relates to the home.")})
    if moved_in_on and moved_in_on > timezone.localdate():
        raise ValidationError({"moved_in_on": _("The move-in date cannot be in the future.")})
    if Residency.objects.current().filter(unit=unit, person=person).exists():
        raise ValidationError(
            {
                "person": _("%(name)s already lives in %(unit)s.")
                % {"name": person.name, "unit": unit.code}
            }
        )
    if is_head:
        Residency.objects.current().filter(unit=unit, is_head=True).update(is_head=False)
    residency = Residency.objects.create(
        unit=unit, person=person, relation=relation, is_head=is_head, moved_in_on=moved_in_on
    )
    audit.record(
        actor=actor,
        action="residency.add",
        target=residency,
        subject_person=person,
        on_behalf_of=on_behalf_of,
        changes=audit.snapshot(
            residency, ["unit_id", "person_id", "relation", "is_head", "moved_in_on"]
        ),
    )
    return residency


@transaction.atomic
def residency_end(*, actor, residency: Residency, moved_out_on: date | None = None) -> Residency:
    _require(actor, access.REGISTRY_EDIT, residency.unit.compound_id)
    moved_out_on = moved_out_on or timezone.localdate()
    if residency.moved_out_on:
        raise ValidationError({"moved_out_on": _("This person has already moved out.")})
    if residency.moved_in_on and moved_out_on < residency.moved_in_on:
        raise ValidationError({"moved_out_on": _("The move-out date is before the move-in date.")})
    residency.moved_out_on = moved_out_on
    residency.save(update_fields=["moved_out_on", "updated_at"])
    audit.record(
        actor=actor,
        action="residency.end",
        target=residency,
        subject_person=residency.person,
        changes={"moved_out_on": [None, str(moved_out_on)]},
    )
    return residency


@transaction.atomic
def ownership_add(
    *,
    actor,
    unit: Unit,
    person: Person | None = None,
    company: Company | None = None,
    share: Decimal = Decimal("1"),
    started_on: date | None = None,
    date_kind: str = Ownership.DateKind.REGISTERED,
) -> Ownership:
    """Add an owner. Co-owners' shares on a unit may not add up to more than 1."""
    _require(actor, access.REGISTRY_EDIT, unit.compound_id)
    if (person is None) == (company is None):
        raise ValidationError({"person": _("An owner is either a person or a company.")})
    if not (Decimal("0") < share <= Decimal("1")):
        raise ValidationError({"share": _("A share is more than 0 and at most 1.")})
    if started_on and started_on > timezone.localdate():
        raise ValidationError({"started_on": _("The ownership date cannot be in the future.")})
    current = Ownership.objects.current().filter(unit=unit)
    if sum((o.share for o in current), Decimal("0")) + share > Decimal("1"):
        raise ValidationError(
            {
                "share": _("The owners' shares of %(unit)s would add up to more than 100%%.")
                % {"unit": unit.code}
            }
        )
    ownership = Ownership.objects.create(
        unit=unit,
        person=person,
        company=company,
        share=share,
        started_on=started_on,
        date_kind=date_kind,
    )
    audit.record(
        actor=actor,
        action="ownership.add",
        target=ownership,
        subject_person=person,
        changes=audit.snapshot(
            ownership, ["unit_id", "person_id", "company_id", "share", "started_on", "date_kind"]
        ),
    )
    return ownership


@transaction.atomic
def ownership_end(*, actor, ownership: Ownership, ended_on: date | None = None) -> Ownership:
    _require(actor, access.REGISTRY_EDIT, ownership.unit.compound_id)
    ended_on = ended_on or timezone.localdate()
    if ownership.ended_on:
        raise ValidationError({"ended_on": _("This ownership has already ended.")})
    ownership.ended_on = ended_on
    ownership.save(update_fields=["ended_on", "updated_at"])
    audit.record(
        actor=actor,
        action="ownership.end",
        target=ownership,
        subject_person=ownership.person,
        changes={"ended_on": [None, str(ended_on)]},
    )
    return ownership


@transaction.atomic
def vehicle_add(
    *,
    actor,
    compound: Compound,
    plate: str,
    person: Person | None = None,
    unit: Unit | None = None,
    brand: str = "",
) -> Vehicle:
    _require(actor, access.REGISTRY_EDIT, compound.id)
    if message := privacy.plate_error(plate):
        raise ValidationError({"plate": message})
    plate = privacy.normalise_plate(plate)
    if Vehicle.objects.filter(compound=compound, plate=plate, removed_on__isnull=True).exists():
        raise ValidationError(
            {"plate": _("%(plate)s is already registered in this compound.") % {"plate": plate}}
        )
    energy = Vehicle.Energy.NEW_ENERGY if len(plate) == 8 else Vehicle.Energy.FUEL
    vehicle = Vehicle.objects.create(
        compound=compound, plate=plate, person=person, unit=unit, brand=brand, energy=energy
    )
    audit.record(
        actor=actor,
        action="vehicle.add",
        target=vehicle,
        subject_person=person,
        changes=audit.snapshot(vehicle, ["plate", "energy", "person_id", "unit_id"]),
    )
    return vehicle


@transaction.atomic
def care_tag_add(*, actor, person: Person, kind: str, note: str = "") -> CareTag:
    _require(actor, access.REGISTRY_EDIT, person.compound_id)
    if kind not in CareKind.values:
        raise ValidationError({"kind": _("Choose a care group.")})
    if CareTag.objects.current().filter(person=person, kind=kind).exists():
        raise ValidationError({"kind": _("This care group is already recorded for the person.")})
    tag = CareTag.objects.create(person=person, kind=kind, note=note)
    audit.record(
        actor=actor,
        action="care_tag.add",
        target=tag,
        subject_person=person,
        changes={"kind": kind},
    )
    return tag


@transaction.atomic
def care_tag_end(*, actor, tag: CareTag) -> CareTag:
    _require(actor, access.REGISTRY_EDIT, tag.person.compound_id)
    tag.ended_on = timezone.localdate()
    tag.save(update_fields=["ended_on", "updated_at"])
    audit.record(
        actor=actor,
        action="care_tag.end",
        target=tag,
        subject_person=tag.person,
        changes={"ended_on": [None, str(tag.ended_on)]},
    )
    return tag


@transaction.atomic
def skill_set(*, actor, person: Person, skills: list[str]) -> None:
    """Replace the person's skill tags (民间达人)."""
    _require(actor, access.REGISTRY_EDIT, person.compound_id)
    bad = [s for s in skills if s not in Skill.values]
    if bad:
        raise ValidationError(
            {"skills": _("Unknown skill: %(skill)s.") % {"skill": ", ".join(bad)}}
        )
    before = sorted(person.skills.values_list("skill", flat=True))
    person.skills.exclude(skill__in=skills).delete()
    existing = set(person.skills.values_list("skill", flat=True))
    PersonSkill.objects.bulk_create(
        [PersonSkill(person=person, skill=s) for s in skills if s not in existing]
    )
    after = sorted(set(skills))
    if before != after:
        audit.record(
            actor=actor, action="person.skills", target=person, changes={"skills": [before, after]}
        )


def consent_active(person: Person, purpose: str) -> bool:
    """Does the person currently agree to `purpose`? Withdrawal stops the purpose at once."""
    return Consent.objects.active().filter(person=person, purpose=purpose).exists()


@transaction.atomic
def consent_grant(
    *, actor, person: Person, purpose: str, method: str = Consent.Method.PAPER
) -> Consent:
    """Record consent. The person themself may do it online; staff record paper or verbal consent."""
    if purpose not in ConsentPurpose.values:
        raise ValidationError({"purpose": _("Choose what the consent is for.")})
    _require_self_or(actor, person, access.REGISTRY_EDIT)
    existing = Consent.objects.active().filter(person=person, purpose=purpose).first()
    if existing:
        return existing
    consent = Consent.objects.create(
        person=person,
        purpose=purpose,
        method=method,
        recorded_by=actor if actor.is_authenticated else None,
    )
    audit.record(
        actor=actor,
        action="consent.grant",
        target=consent,
        subject_person=person,
        changes={"purpose": purpose, "method": method},
    )
    return consent


@transaction.atomic
def consent_withdraw(*, actor, person: Person, purpose: str) -> int:
    """Withdraw consent for a purpose; returns how many active consents were closed."""
    _require_self_or(actor, person, access.REGISTRY_EDIT)
    rows = list(Consent.objects.active().select_for_update().filter(person=person, purpose=purpose))
    now = timezone.now()
    for consent in rows:
        consent.withdrawn_at = now
        consent.save(update_fields=["withdrawn_at", "updated_at"])
        audit.record(
            actor=actor,
            action="consent.withdraw",
            target=consent,
            subject_person=person,
            changes={"purpose": purpose},
        )
    return len(rows)


def _require_self_or(actor, person: Person, perm: str) -> None:
    if getattr(actor, "person_id", None) == person.pk:
        return
    _require(actor, perm, person.compound_id)
