"""Organisation services: every write checks access, validates, writes and audits — or changes
nothing at all."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from mulin.core.models import AuditEvent
from mulin.orgs import services
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


def audit_actions(target) -> list[str]:
    return list(
        AuditEvent.objects.filter(target_type=target._meta.label_lower, target_id=str(target.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


# Organisations -------------------------------------------------------------------------------


def test_organisation_create_writes_an_audit_row(world):
    org = services.organisation_create(
        actor=world.staff,
        kind=OrgKind.OWNERS_COMMITTEE,
        name=" 业主委员会 ",
        community=world.compound.community,
        compound=world.compound,
        founded_on=date(2017, 11, 23),
    )
    assert org.name == "业主委员会"
    event = AuditEvent.objects.get(action="organisation.create")
    assert event.actor == world.staff and event.target_id == str(org.pk)
    assert event.compound_id == world.compound.id


def test_organisation_create_for_another_community_is_404(world):
    with pytest.raises(Http404):
        services.organisation_create(
            actor=world.outsider,
            kind=OrgKind.PARTNER,
            name="共建单位",
            community=world.compound.community,
            compound=world.compound,
        )
    assert not Organisation.objects.exists()


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("name", {"name": "  "}),
        ("kind", {"kind": "club"}),
        ("phone", {"phone": "12345"}),
        ("founded_on", {"founded_on": date.today() + timedelta(days=30)}),
    ],
)
def test_organisation_create_bad_input_names_the_field_and_writes_nothing(world, field, kwargs):
    values = {"kind": OrgKind.PARTNER, "name": "农商银行", **kwargs}
    with pytest.raises(ValidationError) as caught:
        services.organisation_create(
            actor=world.staff,
            community=world.compound.community,
            compound=world.compound,
            **values,
        )
    assert field in caught.value.message_dict
    assert not Organisation.objects.exists()
    assert not AuditEvent.objects.exists()


def test_community_wide_organisation_cannot_hang_under_a_compound_one(world, branch):
    with pytest.raises(ValidationError) as caught:
        services.organisation_create(
            actor=world.staff,
            kind=OrgKind.VOLUNTEER_TEAM,
            name="社区志愿队",
            community=world.compound.community,
            compound=None,
            parent=branch,
        )
    assert "parent" in caught.value.message_dict


def test_organisation_update_refuses_a_loop_in_the_tree(world, committee):
    branch = f.OrganisationFactory(compound=world.compound, parent=committee)
    group = f.OrganisationFactory(
        compound=world.compound, parent=branch, kind=OrgKind.STAIRWELL_GROUP
    )
    with pytest.raises(ValidationError) as caught:
        services.organisation_update(actor=world.staff, organisation=branch, parent=group)
    assert "parent" in caught.value.message_dict
    branch.refresh_from_db()
    assert branch.parent_id == committee.id


def test_organisation_update_records_what_changed(world, branch):
    services.organisation_update(
        actor=world.staff, organisation=branch, name="锦绣第一党支部", phone="0592-5551234"
    )
    event = AuditEvent.objects.get(action="organisation.update")
    assert event.changes["name"] == ["锦绣党支部", "锦绣第一党支部"]
    assert event.changes["phone"] == ["", "0592-5551234"]


# Memberships ----------------------------------------------------------------------------------


def test_membership_end_keeps_the_term_as_history(world, branch):
    membership = services.membership_add(
        actor=world.staff,
        organisation=branch,
        person=world.resident_person,
        role=MemberRole.SECRETARY,
        term_start=date(2021, 1, 1),
    )
    services.membership_end(actor=world.staff, membership=membership, term_end=date(2023, 12, 31))
    membership.refresh_from_db()
    assert membership.term_end == date(2023, 12, 31)
    assert Membership.objects.filter(pk=membership.pk).exists()
    assert not Membership.objects.current().filter(pk=membership.pk).exists()
    assert audit_actions(membership) == ["membership.add", "membership.end"]
    event = AuditEvent.objects.get(action="membership.end")
    assert event.subject_person == world.resident_person
    assert event.changes == {"term_end": [None, "2023-12-31"]}


def test_membership_end_before_the_term_started_is_refused(world, branch):
    membership = f.MembershipFactory(organisation=branch, term_start=date(2022, 5, 1))
    with pytest.raises(ValidationError) as caught:
        services.membership_end(actor=world.staff, membership=membership, term_end=date(2022, 1, 1))
    assert "term_end" in caught.value.message_dict
    membership.refresh_from_db()
    assert membership.term_end is None


def test_a_person_from_another_community_cannot_join(world, branch):
    stranger = f.PersonFactory(compound=world.other)
    with pytest.raises(ValidationError) as caught:
        services.membership_add(actor=world.staff, organisation=branch, person=stranger)
    assert "person" in caught.value.message_dict
    assert not Membership.objects.exists()


def test_membership_add_without_orgs_edit_is_404(world, branch, volunteer):
    with pytest.raises(Http404):
        services.membership_add(actor=volunteer, organisation=branch, person=world.resident_person)
    assert not Membership.objects.exists()


# Party membership ----------------------------------------------------------------------------


def test_reporting_member_needs_a_home_organisation(world, branch):
    with pytest.raises(ValidationError) as caught:
        services.party_membership_add(
            actor=world.staff,
            organisation=branch,
            person=world.resident_person,
            status=PartyMembership.Status.REPORTING,
            home_organisation="  ",
        )
    assert "home_organisation" in caught.value.message_dict
    assert not PartyMembership.objects.exists()


def test_reporting_member_is_recorded_with_home_organisation_and_audited(world, branch):
    pm = services.party_membership_add(
        actor=world.staff,
        organisation=branch,
        person=world.resident_person,
        status=PartyMembership.Status.REPORTING,
        home_organisation="区税务局机关党支部",
    )
    assert pm.home_organisation == "区税务局机关党支部"
    assert audit_actions(pm) == ["party_membership.add"]


def test_party_members_belong_to_party_organisations(world):
    committee = f.OrganisationFactory(compound=world.compound, kind=OrgKind.OWNERS_COMMITTEE)
    with pytest.raises(ValidationError) as caught:
        services.party_membership_add(
            actor=world.staff,
            organisation=committee,
            person=world.resident_person,
            status=PartyMembership.Status.REGISTERED,
        )
    assert "organisation" in caught.value.message_dict


def test_a_current_party_member_is_not_added_twice(world, branch):
    kwargs = {
        "actor": world.staff,
        "organisation": branch,
        "person": world.resident_person,
        "status": PartyMembership.Status.REGISTERED,
    }
    services.party_membership_add(**kwargs)
    with pytest.raises(ValidationError) as caught:
        services.party_membership_add(**kwargs)
    assert "person" in caught.value.message_dict
    assert PartyMembership.objects.count() == 1


def test_party_membership_end_keeps_the_row(world, branch):
    pm = PartyMembership.objects.create(
        organisation=branch, person=world.resident_person, status="registered"
    )
    services.party_membership_end(actor=world.staff, party_membership=pm, left_on=date(2024, 3, 1))
    pm.refresh_from_db()
    assert pm.left_on == date(2024, 3, 1)
    assert audit_actions(pm) == ["party_membership.end"]


# Responsibility areas (包楼包户) --------------------------------------------------------------


def test_responsibility_outside_the_organisations_compound_is_refused(world, branch):
    membership = f.MembershipFactory(organisation=branch)
    with pytest.raises(ValidationError) as caught:
        services.responsibility_assign(
            actor=world.staff, membership=membership, place=world.other_unit
        )
    assert "place" in caught.value.message_dict
    assert not ResponsibilityArea.objects.exists()
    assert not AuditEvent.objects.filter(action="responsibility.assign").exists()


def test_community_wide_organisation_cannot_take_a_place_in_another_community(world, committee):
    membership = f.MembershipFactory(
        organisation=committee, person=f.PersonFactory(compound=world.compound)
    )
    with pytest.raises(ValidationError):
        services.responsibility_assign(
            actor=world.staff, membership=membership, place=world.other_unit.building
        )
    area = services.responsibility_assign(
        actor=world.staff, membership=membership, place=world.unit.entrance
    )
    assert area.entrance == world.unit.entrance


def test_an_ended_term_takes_no_new_area(world, branch):
    membership = f.MembershipFactory(
        organisation=branch, term_start=date(2018, 1, 1), term_end=date(2020, 1, 1)
    )
    with pytest.raises(ValidationError) as caught:
        services.responsibility_assign(
            actor=world.staff, membership=membership, place=world.unit.building
        )
    assert "membership" in caught.value.message_dict


def test_responsibility_assign_and_remove_are_audited(world, branch):
    membership = f.MembershipFactory(organisation=branch)
    area = services.responsibility_assign(
        actor=world.staff, membership=membership, place=world.unit
    )
    again = services.responsibility_assign(
        actor=world.staff, membership=membership, place=world.unit
    )
    assert again.pk == area.pk  # assigning twice is a no-op, audited once
    area_id = area.pk
    services.responsibility_remove(actor=world.staff, area=area)
    assert not ResponsibilityArea.objects.exists()
    actions = list(
        AuditEvent.objects.filter(target_id=str(area_id), target_type="orgs.responsibilityarea")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["responsibility.assign", "responsibility.remove"]
    removed = AuditEvent.objects.get(action="responsibility.remove")
    assert removed.changes == {"unit": world.unit.pk, "membership_id": membership.pk}


def test_responsibility_remove_without_orgs_edit_is_404(world, branch, volunteer):
    area = ResponsibilityArea.objects.create(
        membership=f.MembershipFactory(organisation=branch), building=world.unit.building
    )
    with pytest.raises(Http404):
        services.responsibility_remove(actor=volunteer, area=area)
    assert ResponsibilityArea.objects.filter(pk=area.pk).exists()


# Duty roster ----------------------------------------------------------------------------------


def shift_kwargs(world, branch, **overrides):
    start = timezone.now() + timedelta(hours=1)
    values = {
        "actor": world.staff,
        "organisation": branch,
        "person": world.resident_person,
        "starts_at": start,
        "ends_at": start + timedelta(hours=8),
        "phone": "0571-85001234",
    }
    values.update(overrides)
    return values


@pytest.mark.parametrize(
    ("field", "overrides"),
    [
        ("ends_at", {"ends_at": timezone.now()}),
        ("phone", {"phone": "  "}),
        ("phone", {"phone": "call me"}),
    ],
)
def test_duty_shift_bad_input_names_the_field_and_writes_nothing(world, branch, field, overrides):
    with pytest.raises(ValidationError) as caught:
        services.duty_shift_add(**shift_kwargs(world, branch, **overrides))
    assert field in caught.value.message_dict
    assert not DutyShift.objects.exists()
    assert not AuditEvent.objects.exists()


def test_duty_shift_add_is_audited(world, branch):
    shift = services.duty_shift_add(**shift_kwargs(world, branch, note="台风值班"))
    assert shift.note == "台风值班"
    event = AuditEvent.objects.get(action="duty.add")
    assert event.target_id == str(shift.pk) and event.subject_person == world.resident_person


def test_duty_shift_needs_duty_edit(world, branch, volunteer, property_manager):
    with pytest.raises(Http404):
        services.duty_shift_add(**shift_kwargs(world, branch, actor=volunteer))
    assert services.duty_shift_add(**shift_kwargs(world, branch, actor=property_manager))


def test_duty_shift_remove_is_audited_but_an_ended_shift_stays(world, branch):
    now = timezone.now()
    past = DutyShift.objects.create(
        organisation=branch,
        person=world.resident_person,
        starts_at=now - timedelta(hours=10),
        ends_at=now - timedelta(hours=2),
        phone="0571-85001234",
    )
    with pytest.raises(ValidationError):
        services.duty_shift_remove(actor=world.staff, shift=past)
    assert DutyShift.objects.filter(pk=past.pk).exists()
    future = services.duty_shift_add(**shift_kwargs(world, branch))
    future_id = future.pk
    services.duty_shift_remove(actor=world.staff, shift=future)
    assert not DutyShift.objects.filter(pk=future_id).exists()
    event = AuditEvent.objects.get(action="duty.remove")
    assert event.target_id == str(future_id) and event.changes["phone"] == "0571-85001234"
