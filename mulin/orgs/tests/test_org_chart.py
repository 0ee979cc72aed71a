"""orgs:chart — the "3+X" structure as nested lists with headings and counts."""

from django.urls import reverse

from mulin.orgs.models import MemberRole, OrgKind, PartyMembership
from mulin.testing import factories as f

from .conftest import populate


def url(world, **query):
    base = reverse("orgs:chart", args=[world.compound.code])
    return base + ("?scope=community" if query.get("community") else "")


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(url(world))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))


def test_outsider_gets_404(login, world):
    assert login(world.outsider).get(url(world)).status_code == 404


def test_resident_gets_404(login, world):
    assert login(world.resident).get(url(world)).status_code == 404


def test_volunteer_may_view(login, world, volunteer, branch):
    assert login(volunteer).get(url(world)).status_code == 200


def test_chart_nests_committee_branches_groups_and_teams(login, world, committee):
    branch = f.OrganisationFactory(
        compound=world.compound, kind=OrgKind.PARTY_BRANCH, parent=committee, name="第一党支部"
    )
    group = f.OrganisationFactory(
        compound=world.compound, kind=OrgKind.STAIRWELL_GROUP, parent=branch, name="63幢党小组"
    )
    f.MembershipFactory(organisation=group, role=MemberRole.LEADER)
    PartyMembership.objects.create(
        organisation=branch,
        person=f.PersonFactory(compound=world.compound),
        status="reporting",
        home_organisation="区老干部局党支部",
    )
    f.OrganisationFactory(
        compound=world.compound,
        kind=OrgKind.SELF_GOVERNANCE_TEAM,
        parent=committee,
        name="消防巡查队",
    )
    f.OrganisationFactory(compound=world.compound, kind=OrgKind.QUASI_PROPERTY, name="准物业")
    response = login(world.staff).get(url(world))
    assert response.status_code == 200
    body = response.content.decode()
    # Accessible nesting: the committee heads its tree, the branch list holds the group list.
    assert '<h3 class="h6 mb-1 mulin-tree-label">' in body
    committee_at = body.index("社区党委")
    assert committee_at < body.index("第一党支部") < body.index("63幢党小组")
    assert body.index("63幢党小组") < body.index("消防巡查队")
    assert body.count('<ul class="mulin-tree"') == 2
    chart = response.context["chart"]
    assert (chart.registered, chart.reporting, chart.members) == (0, 1, 1)
    assert 'id="chart-data"' in body  # the data for the optional ECharts diagram


def test_community_scope_shows_the_other_compounds_organisations(login, world, committee):
    sibling = f.CompoundFactory(community=world.compound.community, name="隔壁小区")
    f.OrganisationFactory(compound=sibling, name="隔壁党支部")
    client = login(world.staff)
    assert "隔壁党支部" not in client.get(url(world)).content.decode()
    body = client.get(url(world, community=True)).content.decode()
    assert "隔壁党支部" in body and "隔壁小区" in body


def test_query_count_does_not_grow_with_organisations(
    login, world, committee, count_queries, django_assert_max_num_queries
):
    client = login(world.staff)
    populate(world.compound, 3, parent=committee)
    client.get(url(world))
    with count_queries() as small:
        client.get(url(world))
    populate(world.compound, 6, parent=committee)
    with django_assert_max_num_queries(20), count_queries() as large:
        client.get(url(world))
    assert large.count == small.count, large.dump()
