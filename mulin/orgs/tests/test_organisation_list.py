"""orgs:list — a compound's organisations grouped the "new three parties" way."""

import pytest
from django.urls import reverse

from mulin.core.models import AuditEvent
from mulin.orgs.models import MemberRole, Organisation, OrgKind
from mulin.testing import factories as f

from .conftest import populate


def url(world):
    return reverse("orgs:list", args=[world.compound.code])


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(url(world))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))


def test_outsider_gets_404(login, world):
    assert login(world.outsider).get(url(world)).status_code == 404


def test_resident_gets_404(login, world):
    assert login(world.resident).get(url(world)).status_code == 404


def test_unknown_compound_is_404(login, world):
    response = login(world.staff).get(reverse("orgs:list", args=["no-such-compound"]))
    assert response.status_code == 404


def test_staff_sees_compound_and_community_wide_organisations_grouped(
    login, world, branch, committee
):
    f.MembershipFactory(organisation=branch, role=MemberRole.SECRETARY, person__name="王书记")
    f.OrganisationFactory(compound=world.compound, kind=OrgKind.PARTNER, name="农商银行金山支行")
    f.OrganisationFactory(compound=world.other, name="别处党支部")
    response = login(world.staff).get(url(world))
    assert response.status_code == 200
    groups = {g.key: [o.name for o in g.organisations] for g in response.context["groups"]}
    assert groups["party"] == ["社区党委", "锦绣党支部"]
    assert groups["partners"] == ["农商银行金山支行"]
    body = response.content.decode()
    assert "王书记" in body and "别处党支部" not in body
    assert response.context["compound"] == world.compound


def test_volunteer_sees_the_list_without_the_add_form(login, world, branch, volunteer):
    response = login(volunteer).get(url(world))
    assert response.status_code == 200
    assert response.context["form"] is None
    assert 'id="add-organisation"' not in response.content.decode()


def test_volunteer_post_is_404_and_creates_nothing(login, world, volunteer):
    response = login(volunteer).post(
        url(world), {"kind": OrgKind.PARTNER, "name": "某单位", "scope": "compound"}
    )
    assert response.status_code == 404
    assert not Organisation.objects.exists()


def test_staff_adds_a_community_wide_organisation_and_is_sent_to_it(login, world, branch):
    response = login(world.staff).post(
        url(world),
        {
            "kind": OrgKind.PARTNER,
            "name": "区残联",
            "scope": "community",
            "parent": "",
            "phone": "0571-85001234",
            "founded_on": "2010-05-01",
            "description": "助残服务",
        },
    )
    org = Organisation.objects.get(name="区残联")
    assert org.compound is None and org.community == world.compound.community
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("orgs:detail", args=[org.pk]) + f"?compound={world.compound.code}"
    )
    assert AuditEvent.objects.filter(action="organisation.create").count() == 1


def test_htmx_add_returns_the_list_partial_with_the_new_organisation(login, world):
    response = login(world.staff).post(
        url(world),
        {"kind": OrgKind.VOLUNTEER_TEAM, "name": "绿化自治小队", "scope": "compound"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="organisations">')
    assert "绿化自治小队" in body and "<html" not in body


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "", "name": "某队", "scope": "compound"}, "kind"),
        ({"kind": OrgKind.PARTNER, "name": "", "scope": "compound"}, "name"),
        ({"kind": OrgKind.PARTNER, "name": "某单位", "scope": "compound", "phone": "123"}, "phone"),
        (
            {
                "kind": OrgKind.PARTNER,
                "name": "某单位",
                "scope": "compound",
                "founded_on": "2999-01-01",
            },
            "founded_on",
        ),
    ],
)
def test_bad_input_names_the_field_and_creates_nothing(login, world, data, field):
    response = login(world.staff).post(url(world), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Organisation.objects.exists()
    assert not AuditEvent.objects.exists()


def test_parent_from_another_compound_is_not_offered(login, world):
    foreign = f.OrganisationFactory(compound=world.other)
    response = login(world.staff).post(
        url(world),
        {
            "kind": OrgKind.STAIRWELL_GROUP,
            "name": "楼道党小组",
            "scope": "compound",
            "parent": foreign.pk,
        },
    )
    assert "parent" in response.context["form"].errors
    assert Organisation.objects.count() == 1


def test_query_count_does_not_grow_with_organisations(
    login, world, count_queries, django_assert_max_num_queries
):
    client = login(world.staff)
    populate(world.compound, 3)
    client.get(url(world))  # warm the session and the per-request caches
    with count_queries() as small:
        client.get(url(world))
    populate(world.compound, 6)
    with django_assert_max_num_queries(20), count_queries() as large:
        response = client.get(url(world))
    assert sum(len(g.organisations) for g in response.context["groups"]) == 9
    assert large.count == small.count, large.dump()
