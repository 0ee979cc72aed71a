"""A person's own data export (PIPL Art. 45): everything held about them, unmasked, for the
person themself and for staff allowed to export it; everyone else gets 404. Every export is
audited."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from mulin.core.models import AuditEvent
from mulin.orgs.models import DutyShift, PartyMembership
from mulin.people import services
from mulin.people.models import Vehicle
from mulin.people.tests.files.spreadsheets import id_number, read_xlsx
from mulin.testing import factories as f

ID = id_number("35020319580101123")


@pytest.fixture(autouse=True)
def english(settings):
    """Assertions read the English source messages, whatever catalogues are compiled."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def rich(world):
    """The resident with something in every section."""
    person = world.resident_person
    services.person_update(actor=world.staff, person=person, id_number=ID, note="腿脚不便")
    services.care_tag_add(actor=world.staff, person=person, kind="living_alone")
    services.skill_set(actor=world.staff, person=person, skills=["legal"])
    services.consent_grant(actor=world.staff, person=person, purpose="notifications")
    Vehicle.objects.create(
        compound=world.compound, plate="浙A54321", person=person, unit=world.unit
    )
    membership = f.MembershipFactory(
        organisation__compound=world.compound, person=person, role="secretary"
    )
    PartyMembership.objects.create(
        person=person,
        organisation=membership.organisation,
        status="reporting",
        home_organisation="市卫健委机关党委",
    )
    now = timezone.now()
    DutyShift.objects.create(
        organisation=membership.organisation,
        person=person,
        starts_at=now,
        ends_at=now + timedelta(hours=8),
        phone="13812345678",
    )
    return world


def url(person, fmt="json"):
    return reverse("people:export", args=[person.pk, fmt])


def test_resident_exports_their_own_data_unmasked(rich, login):
    response = login(rich.resident).get(url(rich.resident_person))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["person"]["name"] == "张三"
    assert data["person"]["phone"] == "13812345678"
    assert data["person"]["id_number"] == ID
    assert data["person"]["note"] == "腿脚不便"
    assert data["account"]["username"] == "resident"
    assert [h["unit"] for h in data["homes"]] == ["63-2-301"]
    assert data["ownerships"][0]["share"] == str(Decimal("1.0000"))
    assert data["residencies"][0]["is_head"] is True
    assert data["vehicles"][0]["plate"] == "浙A54321"
    assert data["care_tags"][0]["kind"] == "Living alone"
    assert data["skills"][0]["skill"] == "Legal"
    assert data["consents"][0]["purpose"] == "Receive notifications"
    assert data["memberships"][0]["role"] == "Secretary"
    assert data["party_memberships"][0]["home_organisation"] == "市卫健委机关党委"
    assert data["duty_shifts"][0]["phone"] == "13812345678"
    actions = {e["action"] for e in data["audit_events"]}
    assert {"person.update", "care_tag.add", "consent.grant", "person.export"} <= actions


def test_each_export_is_audited(rich, login):
    login(rich.resident).get(url(rich.resident_person))
    event = AuditEvent.objects.get(action="person.export")
    assert event.actor == rich.resident and event.subject_person == rich.resident_person
    assert event.changes == {"format": "json", "by_self": True}


def test_staff_with_the_export_permission_gets_json_and_xlsx(rich, login):
    client = login(rich.staff)
    assert client.get(url(rich.resident_person)).status_code == 200
    response = client.get(url(rich.resident_person, "xlsx"))
    assert response.status_code == 200
    sheets = read_xlsx(b"".join(response.streaming_content))
    assert "Personal details" in sheets and "Vehicles" in sheets
    details = sheets["Personal details"]
    assert details[1][details[0].index("ID number")] == ID
    event = AuditEvent.objects.filter(action="person.export").latest("id")
    assert event.changes == {"format": "xlsx", "by_self": False}


def test_anonymous_goes_to_login(rich, client):
    response = client.get(url(rich.resident_person))
    assert response.status_code == 302 and reverse("core:login") in response["Location"]


def test_outsider_gets_404(rich, login):
    assert login(rich.outsider).get(url(rich.resident_person)).status_code == 404
    assert not AuditEvent.objects.filter(action="person.export").exists()


def test_resident_cannot_export_a_household_member(rich, login):
    # A family member in the same home is still someone else: their data is theirs to ask for.
    spouse = f.PersonFactory(compound=rich.compound, name="李四")
    f.ResidencyFactory(unit=rich.unit, person=spouse, relation="family", is_head=False)
    client = login(rich.resident)
    assert client.get(url(spouse)).status_code == 404
    assert client.get(url(spouse, "xlsx")).status_code == 404


def test_unknown_format_is_404(rich, login):
    assert login(rich.resident).get(url(rich.resident_person, "pdf")).status_code == 404


def test_a_person_without_an_account_exports_without_account_sections(world, login):
    person = f.PersonFactory(compound=world.compound, name="王五")
    data = json.loads(login(world.staff).get(url(person)).content)
    assert "account" not in data and "binding_requests" not in data
    assert data["person"]["name"] == "王五" and data["homes"] == []


def test_export_query_count_is_fixed(rich, login, django_assert_max_num_queries):
    client = login(rich.staff)
    with django_assert_max_num_queries(25):
        client.get(url(rich.resident_person))
