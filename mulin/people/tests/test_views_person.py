"""The person page: details masked, homes, organisations, care, skills and consents."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from mulin.core.models import AuditEvent, Role
from mulin.orgs.models import MemberRole, Membership, PartyMembership
from mulin.people import services
from mulin.people.models import CareTag, Consent, Person, PersonSkill
from mulin.places.tests.conftest import new_home
from mulin.testing import factories as f

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def person_url(person) -> str:
    return reverse("people:person", args=[person.pk])


@pytest.fixture
def family(world):
    """A second member of the resident's household, and a neighbour next door."""
    spouse = f.ResidencyFactory(
        unit=world.unit,
        person=f.PersonFactory(compound=world.compound, name="李梅", phone="13900001111"),
        relation="family",
        is_head=False,
    ).person
    CareTag.objects.create(person=spouse, kind="disabled")
    neighbour = f.ResidencyFactory(
        unit=world.neighbour_unit, person=f.PersonFactory(compound=world.compound, name="邻居")
    ).person
    return spouse, neighbour


# ---------------------------------------------------------------- access


def test_person_sends_anonymous_to_login(client, world):
    response = client.get(person_url(world.resident_person))
    assert response.status_code == 302
    assert response.url.startswith(reverse("core:login"))


def test_person_is_404_for_an_outsider(world, login):
    assert login(world.outsider).get(person_url(world.resident_person)).status_code == 404


def test_resident_opens_their_own_page(world, login):
    response = login(world.resident).get(person_url(world.resident_person))
    assert response.status_code == 200
    assert response.context["is_self"] and response.context["full_view"]


def test_resident_opens_a_household_members_page_without_the_sensitive_parts(world, login, family):
    spouse, _neighbour = family
    response = login(world.resident).get(person_url(spouse))
    assert response.status_code == 200
    html = response.content.decode()
    assert "李梅" in html and "139****1111" in html
    # Care groups, party membership and consents stay with the person and the staff.
    assert "Disability" not in html
    assert not response.context["full_view"]


def test_resident_gets_404_for_a_neighbour(world, login, family):
    _spouse, neighbour = family
    assert login(world.resident).get(person_url(neighbour)).status_code == 404


def test_staff_see_everything_masked(world, login, family):
    spouse, _neighbour = family
    services.person_update(actor=world.staff, person=spouse, id_number="11010519491231002X")
    response = login(world.staff).get(person_url(spouse))
    html = response.content.decode()
    assert response.status_code == 200
    assert "139****1111" in html and "13900001111" not in html
    assert "1101**********002X" in html and "11010519491231002X" not in html
    assert "Disability" in html
    assert reverse("people:reveal", args=[spouse.pk]) in html
    assert reverse("core:audit_person", args=[spouse.pk]) in html


def test_staff_without_reveal_get_no_reveal_button_and_no_full_phone(world, login):
    member = f.UserFactory()
    f.grant(member, Role.PARTY_MEMBER, world.compound)
    response = login(member).get(person_url(world.resident_person))
    html = response.content.decode()
    assert response.status_code == 200
    assert "138****5678" in html and "13812345678" not in html
    assert reverse("people:reveal", args=[world.resident_person.pk]) not in html
    assert reverse("people:person_editor", args=[world.resident_person.pk, "person"]) not in html


def test_the_edit_forms_load_when_opened_and_never_print_the_stored_phone(world, login):
    person = world.resident_person
    services.person_update(actor=world.staff, person=person, id_number="11010519491231002X")
    client = login(world.staff)
    page = client.get(person_url(person)).content.decode()
    editor = reverse("people:person_editor", args=[person.pk, "person"])
    assert editor in page
    response = client.get(editor, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'name="name"' in html and 'value="张三"' in html
    assert "13812345678" not in html and "11010519491231002X" not in html
    for name in ("care", "skills", "consent"):
        url = reverse("people:person_editor", args=[person.pk, name])
        assert client.get(url, **HTMX).status_code == 200
    assert client.get(reverse("people:person_editor", args=[person.pk, "nope"])).status_code == 404


def test_the_edit_forms_are_404_for_those_who_may_not_edit(world, login):
    member = f.UserFactory()
    f.grant(member, Role.PARTY_MEMBER, world.compound)
    url = reverse("people:person_editor", args=[world.resident_person.pk, "person"])
    for user in (member, world.resident, world.outsider):
        assert login(user).get(url).status_code == 404


# ---------------------------------------------------------------- content


def test_person_page_shows_homes_organisations_and_party_membership(world, login):
    person = world.resident_person
    branch = f.OrganisationFactory(compound=world.compound, name="第一党支部")
    f.MembershipFactory(organisation=branch, person=person, role=MemberRole.SECRETARY)
    committee = f.OrganisationFactory(compound=world.compound, name="第一届业委会")
    Membership.objects.create(
        organisation=committee,
        person=person,
        role=MemberRole.DIRECTOR,
        term_start=date(2017, 11, 23),
        term_end=date(2020, 11, 22),
    )
    PartyMembership.objects.create(
        person=person, organisation=branch, status=PartyMembership.Status.REGISTERED
    )
    f.ResidencyFactory(
        unit=world.neighbour_unit,
        person=person,
        is_head=False,
        moved_out_on=timezone.localdate() - timedelta(days=400),
    )
    response = login(world.staff).get(person_url(person))
    html = response.content.decode()
    page = response.context["page"]
    assert [h.unit for h in page.homes] == [world.unit]
    assert page.homes[0].residency and page.homes[0].ownership  # lives in and owns it
    assert [r.unit for r in page.past_residencies] == [world.neighbour_unit]
    assert [m.organisation for m in page.memberships] == [branch]
    assert [m.organisation for m in page.past_memberships] == [committee]
    for text in ["63-2-301", "63幢2单元301", "第一党支部", "第一届业委会", "Registered member"]:
        assert text in html


def test_homes_the_viewer_may_not_see_are_left_out(world, login):
    person = world.resident_person
    f.OwnershipFactory(unit=world.other_unit, person=person)
    page = login(world.staff).get(person_url(person)).context["page"]
    assert world.other_unit not in [h.unit for h in page.homes]


def test_person_page_query_count_does_not_grow(
    world, login, count_queries, django_assert_max_num_queries
):
    person = world.resident_person
    client = login(world.staff)

    def add(n: int) -> None:
        for i in range(n):
            org = f.OrganisationFactory(compound=world.compound)
            f.MembershipFactory(organisation=org, person=person)
            PartyMembership.objects.create(
                person=person, organisation=org, status=PartyMembership.Status.REGISTERED
            )
            unit = new_home(world)
            f.ResidencyFactory(unit=unit, person=person, is_head=False)
            f.OwnershipFactory(unit=unit, person=person)
            CareTag.objects.create(
                person=person, kind="other", note=str(i), ended_on=timezone.localdate()
            )

    add(2)
    with count_queries() as small:
        client.get(person_url(person))
    add(4)
    with django_assert_max_num_queries(30), count_queries() as large:
        response = client.get(person_url(person))
    assert len(response.context["page"].homes) == 7
    assert small.count == large.count, large.dump()


# ---------------------------------------------------------------- editing


def test_staff_edit_a_persons_details(world, login):
    person = world.resident_person
    data = {"name": "张三丰", "phone": "139 8765 4321", "gender": "male", "note": "腿脚不便"}
    response = login(world.staff).post(
        reverse("people:person_edit", args=[person.pk]), data, **HTMX
    )
    assert response.status_code == 200
    assert "The person&#x27;s details were saved." in response.content.decode()
    person.refresh_from_db()
    assert (person.name, person.phone, person.gender, person.note) == (
        "张三丰",
        "13987654321",
        "male",
        "腿脚不便",
    )
    assert person.name_initials == "zsf"
    assert AuditEvent.objects.filter(action="person.update", target_id=str(person.pk)).exists()


def test_an_empty_phone_keeps_the_stored_one_and_the_box_removes_it(world, login):
    person = world.resident_person
    client = login(world.staff)
    url = reverse("people:person_edit", args=[person.pk])
    client.post(url, {"name": "张三"}, **HTMX)
    person.refresh_from_db()
    assert person.phone == "13812345678"
    client.post(url, {"name": "张三", "remove_phone": "on"}, **HTMX)
    person.refresh_from_db()
    assert person.phone == ""


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "张三", "phone": "12345"}, "is not a valid phone number"),
        ({"name": "张三", "id_number": "110105194912310021"}, "check digit is wrong"),
        ({"name": "张三", "birth_date": "2999-01-01"}, "The birth date cannot be in the future."),
        ({"name": ""}, "This field is required."),
        ({"name": "   "}, "This field is required."),
    ],
)
def test_bad_person_data_shows_the_message_and_changes_nothing(world, login, data, message):
    person = world.resident_person
    before = Person.objects.filter(pk=person.pk).values().get()
    events = AuditEvent.objects.count()
    response = login(world.staff).post(
        reverse("people:person_edit", args=[person.pk]), data, **HTMX
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Person.objects.filter(pk=person.pk).values().get() == before
    assert AuditEvent.objects.count() == events


def test_edits_are_404_for_residents_and_outsiders(world, login):
    person = world.resident_person
    for user in (world.resident, world.outsider):
        client = login(user)
        for name in ("person_edit", "care_tag_add", "skills_set"):
            url = reverse(f"people:{name}", args=[person.pk])
            assert client.post(url, {"name": "改名", "kind": "disabled"}).status_code == 404
    person.refresh_from_db()
    assert person.name == "张三" and not person.care_tags.exists()


def test_staff_add_and_end_a_care_group(world, login):
    person = world.resident_person
    client = login(world.staff)
    response = client.post(
        reverse("people:care_tag_add", args=[person.pk]), {"kind": "living_alone"}, **HTMX
    )
    assert "Living alone" in response.content.decode()
    tag = CareTag.objects.get(person=person)
    again = client.post(
        reverse("people:care_tag_add", args=[person.pk]), {"kind": "living_alone"}, **HTMX
    )
    assert "already recorded" in again.content.decode()
    assert CareTag.objects.filter(person=person).count() == 1
    client.post(reverse("people:care_tag_end", args=[person.pk, tag.pk]), **HTMX)
    tag.refresh_from_db()
    assert tag.ended_on == timezone.localdate()


def test_staff_set_skills(world, login):
    person = world.resident_person
    url = reverse("people:skills_set", args=[person.pk])
    login(world.staff).post(url, {"skills": ["construction", "legal"]}, **HTMX)
    assert set(PersonSkill.objects.filter(person=person).values_list("skill", flat=True)) == {
        "construction",
        "legal",
    }
    response = login(world.staff).post(url, {"skills": ["astrology"]}, **HTMX)
    assert "Select a valid choice" in response.content.decode()
    assert PersonSkill.objects.filter(person=person).count() == 2


# ---------------------------------------------------------------- consent


def test_a_resident_withdraws_their_own_consent(world, login):
    person = world.resident_person
    Consent.objects.create(person=person, purpose="public_display")
    response = login(world.resident).post(
        reverse("people:consent_withdraw", args=[person.pk]), {"purpose": "public_display"}, **HTMX
    )
    assert response.status_code == 200
    assert "The consent was withdrawn." in response.content.decode()
    assert not services.consent_active(person, "public_display")
    event = AuditEvent.objects.get(action="consent.withdraw")
    assert event.actor == world.resident and event.subject_person == person


def test_a_resident_cannot_withdraw_a_household_members_consent(world, login, family):
    spouse, _neighbour = family
    Consent.objects.create(person=spouse, purpose="notifications")
    url = reverse("people:consent_withdraw", args=[spouse.pk])
    response = login(world.resident).post(url, {"purpose": "notifications"})
    assert response.status_code == 404
    assert services.consent_active(spouse, "notifications")


def test_staff_record_and_withdraw_consent_for_a_person(world, login):
    person = world.resident_person
    client = login(world.staff)
    client.post(
        reverse("people:consent_grant", args=[person.pk]),
        {"purpose": "registry", "method": "paper"},
        **HTMX,
    )
    consent = Consent.objects.get(person=person)
    assert consent.method == "paper" and consent.recorded_by == world.staff
    client.post(
        reverse("people:consent_withdraw", args=[person.pk]), {"purpose": "registry"}, **HTMX
    )
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None


def test_a_resident_gives_consent_online(world, login):
    person = world.resident_person
    login(world.resident).post(
        reverse("people:consent_grant", args=[person.pk]),
        {"purpose": "notifications", "method": "paper"},
        **HTMX,
    )
    assert Consent.objects.get(person=person).method == "online"


def test_withdrawing_an_unknown_purpose_is_404(world, login):
    url = reverse("people:consent_withdraw", args=[world.resident_person.pk])
    assert login(world.resident).post(url, {"purpose": "marketing"}).status_code == 404
