"""Shared fixtures of the civic tests (rules, boards, announcements, praise, pioneers,
evaluations): a compound with a party branch whose secretary is a resident, a property company
with its own member, and helpers to pin a page's query count."""

from dataclasses import dataclass
from datetime import date

import pytest

from mulin.core.models import AuditEvent, Role, User
from mulin.deliberation import services_civic as services
from mulin.orgs.models import MemberRole, Organisation, OrgKind
from mulin.testing import factories as f


@dataclass
class Civic:
    org: Organisation  # party branch of world.compound
    property: Organisation  # property company of world.compound
    member: User  # the branch secretary; lives in world.neighbour_unit
    property_member: User  # a member of the property company, resident of the compound
    manager: User  # community staff (deliberation.manage)
    viewer: User  # property manager (deliberation.view only)


@pytest.fixture
def civic(world, neighbourhood) -> Civic:
    member = f.UserFactory(username="member", person=neighbourhood.neighbour)
    f.grant(member, Role.RESIDENT, world.compound)
    prop = f.OrganisationFactory(
        compound=world.compound, kind=OrgKind.PROPERTY_COMPANY, name="锦绣物业", order=5
    )
    unit = f.UnitFactory(entrance=world.unit.entrance, number="501")
    person = f.PersonFactory(compound=world.compound, name="赵六")
    f.ResidencyFactory(unit=unit, person=person)
    f.MembershipFactory(organisation=prop, person=person, role=MemberRole.MANAGER)
    property_member = f.UserFactory(username="propmember", person=person)
    viewer = f.UserFactory(username="viewer")
    f.grant(viewer, Role.PROPERTY_MANAGER, world.compound)
    return Civic(neighbourhood.org, prop, member, property_member, world.staff, viewer)


def adopt(world, *, title="停车管理规定", text="第一条 车辆停放\n第二条 不占消防通道", **kw):
    values = {
        "actor": world.staff,
        "compound": world.compound,
        "kind": "regulation",
        "title": title,
        "text": text,
        "effective_on": date(2020, 1, 1),
        "adopted_on": date(2019, 12, 1),
    }
    values.update(kw)
    return services.rule_adopt(**values)


def audited(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


@pytest.fixture
def pin(count_queries, django_assert_max_num_queries):
    """`pin(client, url, grow, most)`: the page runs at most `most` queries, and the same number
    again after `grow()` added rows (N vs 3N)."""

    def check(client, url: str, grow, most: int):
        client.get(url)  # warm-up (session, language)
        with count_queries() as before, django_assert_max_num_queries(most):
            first = client.get(url)
        grow()
        grow()
        with count_queries() as after:
            second = client.get(url)
        assert first.status_code == second.status_code == 200
        assert before.count == after.count, after.dump()
        return first, second

    return check


def test_fixture_builds(civic, world):
    assert civic.org.compound == world.compound
