from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from mulin.core.models import AuditEvent
from mulin.people import services
from mulin.people.models import Consent, Ownership, Person
from mulin.testing import factories as f


def test_person_create_writes_audit_row_and_encrypts_id(world):
    person = services.person_create(
        actor=world.staff,
        compound=world.compound,
        name="李四",
        phone="139 1234 5678",
        id_number="11010519491231002X",
    )
    assert person.phone == "13912345678"
    assert person.id_number_masked == "1101**********002X"
    assert "11010519491231002X" not in person.id_number_encrypted
    event = AuditEvent.objects.get(action="person.create")
    assert (
        event.actor == world.staff
        and event.subject_person == person
        and event.compound_id == world.compound.id
    )


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("phone", {"phone": "12345"}),
        ("id_number", {"id_number": "110105194912310021"}),
        ("name", {"name": " "}),
    ],
)
def test_bad_person_data_is_refused_and_nothing_written(world, field, kwargs):
    before = Person.objects.count()
    data = {"name": "王五"} | kwargs
    with pytest.raises(ValidationError) as exc:
        services.person_create(actor=world.staff, compound=world.compound, **data)
    assert field in exc.value.message_dict
    assert Person.objects.count() == before
    assert not AuditEvent.objects.filter(action="person.create").exists()


def test_outsider_cannot_create_in_another_compound(world):
    with pytest.raises(Http404):
        services.person_create(actor=world.outsider, compound=world.compound, name="王五")


def test_reveal_needs_permission_and_is_audited(world):
    services.person_update(
        actor=world.staff, person=world.resident_person, id_number="11010519491231002X"
    )
    assert (
        services.person_reveal(actor=world.staff, person=world.resident_person, field="id_number")
        == "11010519491231002X"
    )
    assert (
        AuditEvent.objects.filter(action="person.reveal.id_number", actor=world.staff).count() == 1
    )
    with pytest.raises(Http404):
        services.person_reveal(actor=world.resident, person=world.resident_person, field="phone")


def test_co_owners_shares_cannot_exceed_whole(world):
    with pytest.raises(ValidationError):
        services.ownership_add(
            actor=world.staff,
            unit=world.unit,
            person=f.PersonFactory(compound=world.compound),
            share=Decimal("0.5"),
        )
    assert Ownership.objects.filter(unit=world.unit).count() == 1


def test_selling_keeps_history(world):
    ownership = Ownership.objects.get(unit=world.unit)
    services.ownership_end(actor=world.staff, ownership=ownership)
    buyer = f.PersonFactory(compound=world.compound)
    services.ownership_add(actor=world.staff, unit=world.unit, person=buyer)
    assert Ownership.objects.filter(unit=world.unit).count() == 2
    assert list(
        Ownership.objects.current().filter(unit=world.unit).values_list("person", flat=True)
    ) == [buyer.id]


def test_consent_withdrawal_stops_the_purpose(world):
    person = world.resident_person
    services.consent_grant(actor=world.staff, person=person, purpose="public_display")
    assert services.consent_active(person, "public_display")
    assert (
        services.consent_withdraw(actor=world.resident, person=person, purpose="public_display")
        == 1
    )
    assert not services.consent_active(person, "public_display")
    assert Consent.objects.filter(person=person).count() == 1  # kept as history
    assert AuditEvent.objects.filter(action="consent.withdraw", actor=world.resident).exists()


def test_residency_future_move_in_refused(world):
    with pytest.raises(ValidationError):
        services.residency_add(
            actor=world.staff,
            unit=world.neighbour_unit,
            person=world.resident_person,
            relation="family",
            moved_in_on=timezone.localdate() + timedelta(days=3),
        )


@pytest.mark.parametrize("plate", ["闽D12345", "浙AD12345", "浙A12345D", "粤B8888学"])
def test_valid_plates_accepted(world, plate):
    vehicle = services.vehicle_add(actor=world.staff, compound=world.compound, plate=plate)
    assert vehicle.energy == ("new_energy" if len(plate) == 8 else "fuel")


@pytest.mark.parametrize("plate", ["ABC123", "闽I12345", "闽D1234", "京A123456"])
def test_invalid_plates_refused(world, plate):
    with pytest.raises(ValidationError):
        services.vehicle_add(actor=world.staff, compound=world.compound, plate=plate)
