"""orgs:detail — one organisation: members and their areas, history, party members, shifts,
and the edits ORGS_EDIT holders make there."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from mulin.core.models import AuditEvent
from mulin.orgs.models import (
    DutyShift,
    MemberRole,
    Membership,
    Organisation,
    OrgKind,
    PartyMembership,
    ResponsibilityArea,
)
from mulin.testing import factories as f

from .conftest import populate


def url(org, **query):
    base = reverse("orgs:detail", args=[org.pk])
    if query:
        base += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return base


# Access ---------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, branch):
    response = client.get(url(branch))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))


def test_outsider_gets_404(login, world, branch):
    assert login(world.outsider).get(url(branch)).status_code == 404


def test_resident_gets_404(login, world, branch):
    assert login(world.resident).get(url(branch)).status_code == 404


def test_staff_sees_members_history_areas_and_party(login, world, branch):
    secretary = f.MembershipFactory(
        organisation=branch,
        role=MemberRole.SECRETARY,
        person=world.resident_person,
        portfolio="党建",
        term_start=date(2021, 6, 1),
    )
    ResponsibilityArea.objects.create(membership=secretary, building=world.unit.building)
    ResponsibilityArea.objects.create(membership=secretary, unit=world.neighbour_unit)
    f.MembershipFactory(
        organisation=branch,
        role=MemberRole.DIRECTOR,
        person__name="陈旧任",
        term_start=date(2016, 1, 1),
        term_end=date(2020, 12, 31),
    )
    PartyMembership.objects.create(
        organisation=branch,
        person=f.PersonFactory(compound=world.compound, name="林在职"),
        status="reporting",
        home_organisation="区税务局机关党支部",
    )
    response = login(world.staff).get(url(branch))
    assert response.status_code == 200
    body = response.content.decode()
    page = response.context["page"]
    assert page.members == [secretary]
    assert [m.person.name for m in page.history] == ["陈旧任"]
    assert "138****5678" in body and "13812345678" not in body  # masked phone
    assert "63-2-302" in body  # the unit the secretary answers for
    assert "区税务局机关党支部" in body and "林在职" in body
    assert response.context["compound"] == world.compound


def test_community_wide_organisation_keeps_the_compound_it_was_opened_from(login, world, committee):
    response = login(world.staff).get(url(committee, compound=world.compound.code))
    assert response.status_code == 200
    assert response.context["compound"] == world.compound
    other = login(world.staff).get(url(committee, compound=world.other.code))
    assert other.context["compound"] is None


def test_volunteer_sees_without_edit_forms(login, world, branch, volunteer):
    response = login(volunteer).get(url(branch))
    assert response.status_code == 200
    assert response.context["forms"] is None
    assert 'name="action"' not in response.content.decode()


@pytest.mark.parametrize(
    "action", ["member_add", "member_end", "area_assign", "area_remove", "party_add", "update"]
)
def test_volunteer_edit_post_is_404(login, world, branch, volunteer, action):
    membership = f.MembershipFactory(organisation=branch, person=world.resident_person)
    response = login(volunteer).post(
        url(branch),
        {
            "action": action,
            "membership": membership.pk,
            "term_end": "2024-01-01",
            "member-person": world.resident_person.pk,
            "member-role": MemberRole.LEADER,
            "name": "改名",
        },
    )
    assert response.status_code == 404
    membership.refresh_from_db()
    assert membership.term_end is None
    assert Membership.objects.count() == 1
    assert Organisation.objects.get(pk=branch.pk).name == "锦绣党支部"
    assert not AuditEvent.objects.exists()


def test_unknown_action_is_a_bad_request(login, world, branch):
    assert login(world.staff).post(url(branch), {"action": "explode"}).status_code == 400


# Members --------------------------------------------------------------------------------------


def test_staff_adds_a_member(login, world, branch):
    response = login(world.staff).post(
        url(branch),
        {
            "action": "member_add",
            "member-person": world.resident_person.pk,
            "member-role": MemberRole.DEPUTY_DIRECTOR,
            "member-portfolio": "工程建设",
            "member-term_start": "2023-11-23",
        },
    )
    assert response.status_code == 302
    membership = Membership.objects.get()
    assert (membership.role, membership.portfolio) == (MemberRole.DEPUTY_DIRECTOR, "工程建设")
    assert AuditEvent.objects.filter(action="membership.add").count() == 1


def test_htmx_member_add_returns_the_people_partial(login, world, branch):
    response = login(world.staff).post(
        url(branch),
        {
            "action": "member_add",
            "member-person": world.resident_person.pk,
            "member-role": MemberRole.MEMBER,
        },
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<section id="people"')
    assert "张三" in body and "<html" not in body


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"member-role": MemberRole.MEMBER}, "person"),
        ({"member-person": "OTHER", "member-role": MemberRole.MEMBER}, "person"),
        ({"member-person": "SELF", "member-role": "emperor"}, "role"),
        (
            {
                "member-person": "SELF",
                "member-role": MemberRole.MEMBER,
                "member-term_start": "2024-01-01",
                "member-term_end": "2023-01-01",
            },
            "term_end",
        ),
        (
            {"member-person": "SELF", "member-role": MemberRole.MEMBER, "member-phone": "abc"},
            "phone",
        ),
    ],
)
def test_member_add_bad_input_names_the_field_and_changes_nothing(
    login, world, branch, data, field
):
    stranger = f.PersonFactory(compound=world.other)
    values = {"action": "member_add", **data}
    for key, value in values.items():
        if value == "SELF":
            values[key] = world.resident_person.pk
        elif value == "OTHER":
            values[key] = stranger.pk
    response = login(world.staff).post(url(branch), values, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert field in response.context["forms"].member_add.errors
    assert f'id="id_member-{field}_error"' in response.content.decode()
    assert not Membership.objects.exists()
    assert not AuditEvent.objects.exists()


def test_holding_the_same_role_twice_is_refused(login, world, branch):
    f.MembershipFactory(organisation=branch, person=world.resident_person, role=MemberRole.MEMBER)
    response = login(world.staff).post(
        url(branch),
        {
            "action": "member_add",
            "member-person": world.resident_person.pk,
            "member-role": MemberRole.MEMBER,
        },
    )
    assert "person" in response.context["forms"].member_add.errors
    assert Membership.objects.count() == 1


def test_ending_a_term_moves_it_to_history(login, world, branch):
    membership = f.MembershipFactory(
        organisation=branch, person=world.resident_person, term_start=date(2020, 1, 1)
    )
    yesterday = timezone.localdate() - timedelta(days=1)
    response = login(world.staff).post(
        url(branch),
        {"action": "member_end", "membership": membership.pk, "term_end": yesterday.isoformat()},
        HTTP_HX_REQUEST="true",
    )
    page = response.context["page"]
    assert page.members == [] and page.history == [membership]
    membership.refresh_from_db()
    assert membership.term_end == yesterday
    assert AuditEvent.objects.filter(action="membership.end").count() == 1


def test_ending_a_term_before_it_started_shows_the_error_on_that_row(login, world, branch):
    membership = f.MembershipFactory(organisation=branch, term_start=date(2022, 5, 1))
    response = login(world.staff).post(
        url(branch),
        {"action": "member_end", "membership": membership.pk, "term_end": "2022-01-01"},
        HTTP_HX_REQUEST="true",
    )
    assert response.context["row_errors"]["member_end"]["pk"] == membership.pk
    assert f'id="end-{membership.pk}-error"' in response.content.decode()
    membership.refresh_from_db()
    assert membership.term_end is None


def test_another_organisations_membership_cannot_be_ended_here(login, world, branch):
    elsewhere = f.MembershipFactory(organisation=f.OrganisationFactory(compound=world.other))
    login(world.staff).post(
        url(branch), {"action": "member_end", "membership": elsewhere.pk, "term_end": "2024-01-01"}
    )
    elsewhere.refresh_from_db()
    assert elsewhere.term_end is None


# Responsibility areas ------------------------------------------------------------------------


def test_assigning_a_unit_by_code(login, world, branch):
    membership = f.MembershipFactory(organisation=branch)
    response = login(world.staff).post(
        url(branch),
        {
            "action": "area_assign",
            "area-membership": membership.pk,
            "area-unit_code": "63幢2单元301",
        },
    )
    assert response.status_code == 302
    area = ResponsibilityArea.objects.get()
    assert area.unit == world.unit
    assert AuditEvent.objects.filter(action="responsibility.assign").count() == 1


def test_assigning_an_entrance_and_releasing_it(login, world, branch):
    membership = f.MembershipFactory(organisation=branch)
    client = login(world.staff)
    client.post(
        url(branch),
        {
            "action": "area_assign",
            "area-membership": membership.pk,
            "area-entrance": world.unit.entrance_id,
        },
    )
    area = ResponsibilityArea.objects.get()
    assert area.entrance == world.unit.entrance
    response = client.post(
        url(branch), {"action": "area_remove", "area": area.pk}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert not ResponsibilityArea.objects.exists()
    assert AuditEvent.objects.filter(action="responsibility.remove").count() == 1


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({}, None),  # no place at all
        ({"area-unit_code": "63-2-999"}, "unit_code"),
        ({"area-unit_code": "nonsense!"}, "unit_code"),
        ({"area-building": "OTHER_BUILDING"}, "building"),
        ({"area-building": "BUILDING", "area-unit_code": "63-2-301"}, None),  # two places
    ],
)
def test_area_bad_input_names_the_problem_and_changes_nothing(login, world, branch, extra, field):
    membership = f.MembershipFactory(organisation=branch)
    values = {"action": "area_assign", "area-membership": membership.pk}
    for key, value in extra.items():
        values[key] = {
            "OTHER_BUILDING": world.other_unit.building_id,
            "BUILDING": world.unit.building_id,
        }.get(value, value)
    response = login(world.staff).post(url(branch), values, HTTP_HX_REQUEST="true")
    form = response.context["forms"].area_assign
    assert form.errors
    if field:
        assert field in form.errors
    else:
        assert form.non_field_errors()
    assert not ResponsibilityArea.objects.exists()
    assert not AuditEvent.objects.exists()


# Party members --------------------------------------------------------------------------------


def test_reporting_party_member_without_home_organisation_is_refused(login, world, branch):
    response = login(world.staff).post(
        url(branch),
        {
            "action": "party_add",
            "party-person": world.resident_person.pk,
            "party-status": "reporting",
            "party-home_organisation": "",
        },
        HTTP_HX_REQUEST="true",
    )
    assert "home_organisation" in response.context["forms"].party_add.errors
    assert not PartyMembership.objects.exists()


def test_staff_adds_and_ends_a_party_member(login, world, branch):
    client = login(world.staff)
    response = client.post(
        url(branch),
        {
            "action": "party_add",
            "party-person": world.resident_person.pk,
            "party-status": "reporting",
            "party-home_organisation": "市住建局机关党支部",
            "party-joined_on": "2022-03-05",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.content.decode().lstrip().startswith('<section id="party"')
    pm = PartyMembership.objects.get()
    assert pm.home_organisation == "市住建局机关党支部"
    client.post(
        url(branch),
        {"action": "party_end", "party_membership": pm.pk, "left_on": "2024-01-31"},
    )
    pm.refresh_from_db()
    assert pm.left_on == date(2024, 1, 31)


def test_party_actions_do_not_exist_for_other_kinds(login, world):
    committee = f.OrganisationFactory(compound=world.compound, kind=OrgKind.OWNERS_COMMITTEE)
    response = login(world.staff).post(
        url(committee),
        {
            "action": "party_add",
            "party-person": world.resident_person.pk,
            "party-status": "registered",
        },
    )
    assert response.status_code == 400
    assert not PartyMembership.objects.exists()


# Organisation details ------------------------------------------------------------------------


def test_staff_edits_the_details(login, world, branch, committee):
    response = login(world.staff).post(
        url(branch),
        {
            "action": "update",
            "name": "锦绣金山党支部",
            "parent": committee.pk,
            "phone": "0592-5551234",
            "description": "小区党支部",
        },
        HTTP_HX_REQUEST="true",
    )
    # The new name belongs in the heading and breadcrumbs too, so HTMX reloads the page.
    assert response["HX-Redirect"] == url(branch)
    branch.refresh_from_db()
    assert (branch.name, branch.parent, branch.phone) == (
        "锦绣金山党支部",
        committee,
        "0592-5551234",
    )
    assert AuditEvent.objects.filter(action="organisation.update").count() == 1


def test_dissolving_before_founding_is_refused(login, world, branch):
    response = login(world.staff).post(
        url(branch),
        {
            "action": "update",
            "name": branch.name,
            "founded_on": "2020-01-01",
            "dissolved_on": "2019-01-01",
        },
    )
    assert "dissolved_on" in response.context["forms"].update.errors
    assert 'id="id_dissolved_on_error"' in response.content.decode()
    branch.refresh_from_db()
    assert branch.dissolved_on is None and branch.founded_on is None
    assert not AuditEvent.objects.exists()


# Person picker --------------------------------------------------------------------------------


def test_picker_search_returns_only_the_matching_select(login, world, branch):
    f.PersonFactory(compound=world.compound, name="李小红")
    response = login(world.staff).get(
        url(branch, picker="member", member_q="lxh"), HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="member-person-field">')
    assert "李小红" in body and "张三" not in body


def test_picker_without_javascript_filters_the_page(login, world, branch):
    f.PersonFactory(compound=world.compound, name="李小红", phone="13900001234")
    response = login(world.staff).get(url(branch, member_q="1234"))
    field = response.context["forms"].member_add.fields["person"]
    labels = [str(label) for _pk, label in field.widget.choices]
    assert labels[1:] == ["李小红 · 139****1234"]


# Shifts on the page ---------------------------------------------------------------------------


def test_duty_phone_is_full_for_duty_viewers_masked_for_volunteers(login, world, branch, volunteer):
    now = timezone.now()
    DutyShift.objects.create(
        organisation=branch,
        person=world.resident_person,
        starts_at=now,
        ends_at=now + timedelta(hours=4),
        phone="13900001111",
    )
    assert "13900001111" in login(world.staff).get(url(branch)).content.decode()
    body = login(volunteer).get(url(branch)).content.decode()
    assert "13900001111" not in body and "139****1111" in body


# Query count ----------------------------------------------------------------------------------


def test_query_count_does_not_grow_with_members(
    login, world, count_queries, django_assert_max_num_queries
):
    (org,) = populate(world.compound, 1)
    client = login(world.staff)

    def add_members(n):
        for _ in range(n):
            m = f.MembershipFactory(organisation=org)
            ResponsibilityArea.objects.create(membership=m, unit=world.unit)
            PartyMembership.objects.create(organisation=org, person=m.person, status="registered")
            f.OrganisationFactory(compound=world.compound, parent=org)

    add_members(3)
    client.get(url(org))
    with count_queries() as small:
        client.get(url(org))
    add_members(6)
    with django_assert_max_num_queries(30), count_queries() as large:
        response = client.get(url(org))
    assert len(response.context["page"].members) == 11
    assert large.count == small.count, large.dump()
