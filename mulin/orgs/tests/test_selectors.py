"""Organisation selectors: who answers for a home, who is on duty, the "3+X" chart."""

from datetime import date, datetime, timedelta

from django.utils import timezone

from mulin.orgs import selectors
from mulin.orgs.models import (
    DutyShift,
    MemberRole,
    Organisation,
    OrgKind,
    PartyMembership,
    ResponsibilityArea,
)
from mulin.testing import factories as f


def test_responsible_for_unit_lists_unit_entrance_building_nearest_first(world, branch):
    building_m = f.MembershipFactory(organisation=branch, role=MemberRole.SECRETARY)
    entrance_m = f.MembershipFactory(organisation=branch)
    unit_m = f.MembershipFactory(organisation=branch)
    # Created farthest first, so the order below comes from the selector, not from ids.
    ResponsibilityArea.objects.create(membership=building_m, building=world.unit.building)
    ResponsibilityArea.objects.create(membership=entrance_m, entrance=world.unit.entrance)
    ResponsibilityArea.objects.create(membership=unit_m, unit=world.unit)
    ResponsibilityArea.objects.create(membership=unit_m, unit=world.neighbour_unit)

    areas = selectors.responsible_for_unit(world.unit)

    assert [a.membership for a in areas] == [unit_m, entrance_m, building_m]


def test_responsible_for_unit_leaves_out_ended_terms(world, branch):
    ended = f.MembershipFactory(
        organisation=branch, term_start=date(2015, 1, 1), term_end=date(2019, 12, 31)
    )
    current = f.MembershipFactory(organisation=branch)
    ResponsibilityArea.objects.create(membership=ended, unit=world.unit)
    ResponsibilityArea.objects.create(membership=current, building=world.unit.building)

    assert [a.membership for a in selectors.responsible_for_unit(world.unit)] == [current]


def test_responsible_for_unit_is_one_query(world, branch, django_assert_num_queries):
    for _ in range(3):
        m = f.MembershipFactory(organisation=branch)
        ResponsibilityArea.objects.create(membership=m, unit=world.unit)
    with django_assert_num_queries(1):
        areas = selectors.responsible_for_unit(world.unit)
        names = [(a.membership.person.name, a.membership.organisation.name) for a in areas]
    assert len(names) == 3


def test_on_duty_now_is_one_query_and_only_serving_shifts(
    world, branch, committee, django_assert_num_queries
):
    now = timezone.now()
    elsewhere = f.OrganisationFactory(compound=world.other)

    def shift(org, start, hours):
        return DutyShift.objects.create(
            organisation=org,
            person=f.PersonFactory(compound=org.compound or world.compound),
            starts_at=now + timedelta(hours=start),
            ends_at=now + timedelta(hours=start + hours),
            phone="0571-85001234",
        )

    on_now = shift(branch, -1, 4)
    community_now = shift(committee, -2, 4)
    shift(branch, 2, 4)  # later today
    shift(branch, -6, 2)  # already over
    shift(elsewhere, -1, 4)  # another compound's

    with django_assert_num_queries(1):
        found = [
            (s.id, s.person.name, s.organisation.name)
            for s in selectors.on_duty_now(compound=world.compound, at=now)
        ]
    assert [row[0] for row in found] == [community_now.id, on_now.id]


def test_organisations_serving_counts_current_members_and_party_members(world, branch, committee):
    f.MembershipFactory(organisation=branch, role=MemberRole.MEMBER)
    secretary = f.MembershipFactory(organisation=branch, role=MemberRole.SECRETARY)
    f.MembershipFactory(organisation=branch, term_start=date(2010, 1, 1), term_end=date(2012, 1, 1))
    for status, home in (("registered", ""), ("registered", ""), ("reporting", "市局党支部")):
        PartyMembership.objects.create(
            organisation=branch,
            person=f.PersonFactory(compound=world.compound),
            status=status,
            home_organisation=home,
        )
    PartyMembership.objects.create(
        organisation=branch,
        person=f.PersonFactory(compound=world.compound),
        status="registered",
        left_on=date(2020, 1, 1),
    )
    f.OrganisationFactory(compound=world.other)  # not serving this compound

    orgs = {o.id: o for o in selectors.organisations_serving(world.staff, world.compound)}

    assert set(orgs) == {branch.id, committee.id}
    assert orgs[branch.id].member_count == 2
    assert orgs[branch.id].leader == secretary
    assert (orgs[branch.id].registered_count, orgs[branch.id].reporting_count) == (2, 1)
    assert orgs[committee.id].leader is None


def test_org_chart_renders_three_plus_x_with_counts(world, committee):
    """仓基新村: 1 committee, 9 branches, 27 stairwell groups, 8 self-governance teams."""
    for b in range(9):
        branch_org = f.OrganisationFactory(
            compound=world.compound, kind=OrgKind.PARTY_BRANCH, parent=committee
        )
        for _ in range(3):
            group = f.OrganisationFactory(
                compound=world.compound, kind=OrgKind.STAIRWELL_GROUP, parent=branch_org
            )
            f.MembershipFactory(organisation=group, role=MemberRole.LEADER)
        if b == 0:
            PartyMembership.objects.create(
                organisation=branch_org,
                person=f.PersonFactory(compound=world.compound),
                status="reporting",
                home_organisation="区老干部局党支部",
            )
    for _ in range(8):
        f.OrganisationFactory(
            compound=world.compound, kind=OrgKind.SELF_GOVERNANCE_TEAM, parent=committee
        )
    f.OrganisationFactory(compound=world.compound, kind=OrgKind.HOUSEHOLD_COMMITTEE)
    f.OrganisationFactory(compound=world.compound, kind=OrgKind.QUASI_PROPERTY)

    chart = selectors.org_chart(selectors.organisations_serving(world.staff, world.compound))

    counts = {kind: n for kind, _label, n in chart.kind_counts}
    assert counts == {
        OrgKind.PARTY_COMMITTEE: 1,
        OrgKind.PARTY_BRANCH: 9,
        OrgKind.STAIRWELL_GROUP: 27,
        OrgKind.SELF_GOVERNANCE_TEAM: 8,
        OrgKind.HOUSEHOLD_COMMITTEE: 1,
        OrgKind.QUASI_PROPERTY: 1,
    }
    party = next(s for s in chart.sections if s.key == "party")
    (root,) = party.roots
    assert root.org == committee
    # Branches first, then the teams hung under the committee (the "X").
    assert [n.org.kind for n in root.children] == [OrgKind.PARTY_BRANCH] * 9 + [
        OrgKind.SELF_GOVERNANCE_TEAM
    ] * 8
    assert all(len(n.children) == 3 for n in root.children[:9])
    assert root.total_members == 27
    assert (root.total_registered, root.total_reporting) == (0, 1)
    assert party.organisation_count == 45
    residents = next(s for s in chart.sections if s.key == "residents")
    assert [r.org.kind for r in residents.roots] == [OrgKind.HOUSEHOLD_COMMITTEE]


def test_org_chart_leaves_out_dissolved_organisations(world, branch):
    f.OrganisationFactory(
        compound=world.compound, kind=OrgKind.VOLUNTEER_TEAM, dissolved_on=date(2020, 1, 1)
    )
    chart = selectors.org_chart(selectors.organisations_serving(world.staff, world.compound))
    assert [(k, n) for k, _label, n in chart.kind_counts] == [(OrgKind.PARTY_BRANCH, 1)]


def test_week_table_puts_a_night_shift_on_both_days(world, branch):
    tz = timezone.get_current_timezone()
    monday = date(2024, 7, 22)
    night = DutyShift(
        organisation=branch,
        person=world.resident_person,
        starts_at=datetime(2024, 7, 23, 20, 0, tzinfo=tz),
        ends_at=datetime(2024, 7, 24, 8, 0, tzinfo=tz),
        phone="110",
    )
    to_midnight = DutyShift(
        organisation=branch,
        person=world.resident_person,
        starts_at=datetime(2024, 7, 26, 16, 0, tzinfo=tz),
        ends_at=datetime(2024, 7, 27, 0, 0, tzinfo=tz),
        phone="110",
    )
    days, rows = selectors.week_table([night, to_midnight], monday)
    assert days[0] == monday and len(days) == 7
    (row,) = rows
    assert [len(cell) for cell in row.days] == [0, 1, 1, 0, 1, 0, 0]
    tuesday, wednesday = row.days[1][0], row.days[2][0]
    assert (tuesday.from_day_before, tuesday.into_day_after) == (False, True)
    assert (wednesday.from_day_before, wednesday.into_day_after) == (True, False)
    assert (row.days[4][0].from_day_before, row.days[4][0].into_day_after) == (False, False)


def test_person_candidates_match_name_pinyin_initials_and_phone_tail(world, branch):
    li = f.PersonFactory(compound=world.compound, name="李小红", phone="13900001111")
    f.PersonFactory(compound=world.other, name="李小明")  # another community
    staff = world.staff

    def found(query):
        return set(
            selectors.person_candidates(
                staff, community_id=branch.community_id, compound_id=branch.compound_id, query=query
            )
        )

    assert found("小红") == {li}
    assert found("lxh") == {li}
    assert found("lixiao") == {li}
    assert found("1111") == {li}
    assert world.resident_person in found("")
    assert not any(p.compound_id == world.other.id for p in found(""))


def test_person_candidates_follow_the_editors_access(world, branch, volunteer):
    # A volunteer holds no registry access: nobody to pick from.
    assert not selectors.person_candidates(
        volunteer, community_id=branch.community_id, compound_id=branch.compound_id
    ).exists()


def test_community_organisations_reach_every_compound_of_the_community(world, committee):
    sibling = f.CompoundFactory(community=world.compound.community)
    theirs = f.OrganisationFactory(compound=sibling)
    ours = f.OrganisationFactory(compound=world.compound)
    found = {o.id for o in selectors.community_organisations(world.staff, world.compound.community)}
    assert found == {committee.id, theirs.id, ours.id}
    assert Organisation.objects.count() == 3
