"""The unit page: who owns and lives in a home, and who answers for it."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from mulin.core.models import Role
from mulin.orgs.models import DutyShift, OrgKind, ResponsibilityArea
from mulin.people.models import CareTag, Company, Ownership, Vehicle
from mulin.testing import factories as f

pytestmark = pytest.mark.usefixtures("english")


def unit_url(unit) -> str:
    return reverse("places:unit", args=[unit.pk])


def test_unit_sends_anonymous_to_login(client, world):
    response = client.get(unit_url(world.unit))
    assert response.status_code == 302
    assert response.url.startswith(reverse("core:login"))


def test_unit_is_404_for_an_outsider(world, login):
    assert login(world.outsider).get(unit_url(world.unit)).status_code == 404


def test_resident_opens_their_own_home(world, login):
    response = login(world.resident).get(unit_url(world.unit))
    assert response.status_code == 200
    html = response.content.decode()
    assert "张三" in html
    # A resident reads their home; they get no editing forms and no reveal buttons.
    assert reverse("places:unit_editor", args=[world.unit.pk, "unit"]) not in html
    assert reverse("people:reveal", args=[world.resident_person.pk]) not in html
    assert response.context["compound"] is None  # no staff navigation context


def test_resident_gets_404_for_the_neighbours_home(world, login):
    assert login(world.resident).get(unit_url(world.neighbour_unit)).status_code == 404


def test_unit_shows_both_code_forms_use_area_and_status(world, login):
    response = login(world.staff).get(unit_url(world.unit))
    assert response.status_code == 200
    html = response.content.decode()
    assert "63-2-301" in html and "63幢2单元301" in html
    assert "88.50 m²" in html and "Property register" in html
    assert "Residential" in html and "Occupied" in html


def test_unit_lists_current_and_past_owners_and_residents(world, login):
    today = timezone.localdate()
    seller = f.PersonFactory(compound=world.compound, name="前业主")
    Ownership.objects.create(
        unit=world.unit, person=seller, started_on=today - timedelta(days=4000), ended_on=today
    )
    mover = f.PersonFactory(compound=world.compound, name="搬走的人")
    f.ResidencyFactory(
        unit=world.unit, person=mover, is_head=False, moved_out_on=today - timedelta(days=1)
    )
    developer = Company.objects.create(name="锦绣置业", compound=world.compound, is_developer=True)
    Ownership.objects.create(unit=world.neighbour_unit, company=developer)
    response = login(world.staff).get(unit_url(world.unit))
    page = response.context["page"]
    assert [o.person for o in page.ownerships] == [world.resident_person]
    assert [o.person for o in page.past_ownerships] == [seller]
    assert [r.person for r in page.residencies] == [world.resident_person]
    assert [r.person for r in page.past_residencies] == [mover]
    html = response.content.decode()
    assert "前业主" in html and "搬走的人" in html
    assert "锦绣置业" in login(world.staff).get(unit_url(world.neighbour_unit)).content.decode()


def test_unit_masks_phones_and_offers_reveal_to_staff_with_the_permission(world, login):
    response = login(world.staff).get(unit_url(world.unit))
    html = response.content.decode()
    assert "138****5678" in html
    assert "13812345678" not in html
    assert reverse("people:reveal", args=[world.resident_person.pk]) in html


def test_unit_hides_reveal_from_staff_without_the_permission(world, login):
    member = f.UserFactory()
    f.grant(member, Role.PARTY_MEMBER, world.compound)
    response = login(member).get(unit_url(world.unit))
    html = response.content.decode()
    assert response.status_code == 200
    assert "138****5678" in html and "13812345678" not in html
    assert reverse("people:reveal", args=[world.resident_person.pk]) not in html
    assert reverse("places:unit_editor", args=[world.unit.pk, "unit"]) not in html


def test_unit_answers_who_is_responsible_and_who_is_on_duty(world, login):
    branch = f.OrganisationFactory(
        compound=world.compound, kind=OrgKind.PARTY_BRANCH, name="第八党支部"
    )
    group = f.OrganisationFactory(
        compound=world.compound, kind=OrgKind.STAIRWELL_GROUP, name="63幢党小组", parent=branch
    )
    member = f.MembershipFactory(
        organisation=group, person=f.PersonFactory(compound=world.compound, name="楼道党员")
    )
    ResponsibilityArea.objects.create(membership=member, entrance=world.unit.entrance)
    property_org = f.OrganisationFactory(compound=world.compound, kind=OrgKind.PROPERTY_COMPANY)
    staff_member = f.MembershipFactory(
        organisation=property_org, person=f.PersonFactory(compound=world.compound, name="物业管家")
    )
    ResponsibilityArea.objects.create(membership=staff_member, building=world.unit.building)
    now = timezone.now()
    DutyShift.objects.create(
        organisation=property_org,
        person=f.PersonFactory(compound=world.compound, name="值班人"),
        starts_at=now - timedelta(hours=2),
        ends_at=now + timedelta(hours=2),
        phone="0592-5551234",
    )
    html = login(world.resident).get(unit_url(world.unit)).content.decode()
    for text in ["楼道党员", "63幢党小组", "第八党支部", "物业管家", "值班人", "0592-5551234"]:
        assert text in html


def test_unit_shows_vehicles_and_care_tags(world, login):
    Vehicle.objects.create(
        compound=world.compound, plate="浙A12345", unit=world.unit, person=world.resident_person
    )
    CareTag.objects.create(person=world.resident_person, kind="empty_nest")
    html = login(world.staff).get(unit_url(world.unit)).content.decode()
    assert "浙A12345" in html
    assert "Empty-nest elder" in html


@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("unit", 'name="area"'),
        ("owner", 'name="owner-share"'),
        ("resident", 'name="resident-relation"'),
        ("vehicle", 'name="vehicle-plate"'),
    ],
)
def test_editing_forms_load_when_their_panel_opens(world, login, name, field):
    client = login(world.staff)
    url = reverse("places:unit_editor", args=[world.unit.pk, name])
    assert url in client.get(unit_url(world.unit)).content.decode()
    response = client.get(url, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html and field in html
    for user in (world.resident, world.outsider):
        assert login(user).get(url).status_code == 404


def test_an_unknown_editing_form_is_404(world, login):
    url = reverse("places:unit_editor", args=[world.unit.pk, "roof"])
    assert login(world.staff).get(url).status_code == 404


def test_unit_links_to_its_change_history_for_auditors(world, login):
    html = login(world.staff).get(unit_url(world.unit)).content.decode()
    assert reverse("core:audit_object", args=["places.unit", world.unit.pk]) in html


def test_unit_query_count_does_not_grow(world, login, count_queries, django_assert_max_num_queries):
    client = login(world.staff)

    def add(n: int) -> None:
        today = timezone.localdate()
        for _ in range(n):
            person = f.ResidencyFactory(unit=world.unit, is_head=False).person
            CareTag.objects.create(person=person, kind="disabled")
            f.ResidencyFactory(unit=world.unit, is_head=False, moved_out_on=today)
            Ownership.objects.create(
                unit=world.unit, person=person, share=Decimal("0.1"), ended_on=today
            )
            Vehicle.objects.create(
                compound=world.compound,
                plate=f"浙A{Vehicle.objects.count():05d}",
                unit=world.unit,
                person=person,
            )
            member = f.MembershipFactory(
                organisation=f.OrganisationFactory(compound=world.compound)
            )
            ResponsibilityArea.objects.create(membership=member, unit=world.unit)

    add(2)
    with count_queries() as small:
        client.get(unit_url(world.unit))
    add(4)
    with django_assert_max_num_queries(30), count_queries() as large:
        response = client.get(unit_url(world.unit))
    assert len(response.context["page"].residencies) == 7
    assert small.count == large.count, large.dump()
