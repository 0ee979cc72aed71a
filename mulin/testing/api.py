"""API test helpers, available to every test through the root conftest: `api(user)` gives a
JSON client signed in with a bearer token, `neighbourhood` adds a neighbour, organisations, duty
and vehicles to `world`, and `constant_queries` pins a list endpoint's query count and shows it
does not grow with the data."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from mulin.core.models import ApiToken
from mulin.orgs.models import DutyShift, MemberRole, Membership, Organisation, ResponsibilityArea
from mulin.people.models import Person, Vehicle
from mulin.places.models import Unit
from mulin.testing import factories as f


def token_for(user) -> str:
    raw = ApiToken.new_raw()
    ApiToken.objects.create(user=user, key_hash=ApiToken.hash(raw), hint=raw[-4:])
    return raw


class Api:
    """A JSON client for /api/v1/, signed in with a bearer token (or anonymous)."""

    def __init__(self, client: Client, user=None, language: str = "en"):
        self.client = client
        self.headers = {"Accept-Language": language}
        if user is not None:
            self.headers["Authorization"] = f"Bearer {token_for(user)}"

    def _url(self, path: str) -> str:
        return "/api/v1" + path

    def get(self, path: str, **params):
        return self.client.get(self._url(path), params, headers=self.headers)

    def post(self, path: str, data=None, **headers):
        return self.client.post(
            self._url(path),
            data if data is not None else {},
            content_type="application/json",
            headers=self.headers | headers,
        )

    def patch(self, path: str, data, **headers):
        return self.client.patch(
            self._url(path), data, content_type="application/json", headers=self.headers | headers
        )


@pytest.fixture
def api(client):
    """`api(user)` — a client for `user` (None: anonymous); `language=` sets Accept-Language."""

    def make(user=None, language: str = "en") -> Api:
        return Api(client, user, language)

    return make


@dataclass
class Neighbourhood:
    neighbour: Person  # lives in world.neighbour_unit
    other_person: Person  # lives in world.other_unit (another community)
    org: Organisation  # a party branch of world.compound
    other_org: Organisation
    membership: Membership  # the neighbour is secretary of `org`, answering for building 63
    other_membership: Membership
    area: ResponsibilityArea
    shift: DutyShift  # on duty now
    other_shift: DutyShift
    vehicle: Vehicle  # the resident's car
    other_vehicle: Vehicle


@pytest.fixture
def neighbourhood(world) -> Neighbourhood:
    neighbour = f.PersonFactory(compound=world.compound, name="李四", phone="13900001111")
    f.ResidencyFactory(unit=world.neighbour_unit, person=neighbour, relation="tenant")
    other_person = f.PersonFactory(compound=world.other, name="王五", phone="13700002222")
    f.ResidencyFactory(unit=world.other_unit, person=other_person)
    org = f.OrganisationFactory(compound=world.compound, name="锦绣党支部")
    other_org = f.OrganisationFactory(compound=world.other, name="别处党支部")
    membership = f.MembershipFactory(
        organisation=org, person=neighbour, role=MemberRole.SECRETARY, phone="13900001111"
    )
    other_membership = f.MembershipFactory(organisation=other_org, person=other_person)
    area = ResponsibilityArea.objects.create(membership=membership, building=world.unit.building)
    now = timezone.now()
    shift = DutyShift.objects.create(
        organisation=org,
        person=neighbour,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=1),
        phone="13900001111",
    )
    other_shift = DutyShift.objects.create(
        organisation=other_org,
        person=other_person,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=1),
        phone="13700002222",
    )
    vehicle = Vehicle.objects.create(
        compound=world.compound, plate="闽D12345", unit=world.unit, person=world.resident_person
    )
    other_vehicle = Vehicle.objects.create(
        compound=world.other, plate="浙A54321", unit=world.other_unit, person=other_person
    )
    return Neighbourhood(
        neighbour,
        other_person,
        org,
        other_org,
        membership,
        other_membership,
        area,
        shift,
        other_shift,
        vehicle,
        other_vehicle,
    )


@pytest.fixture
def constant_queries(count_queries, django_assert_max_num_queries):
    """`constant_queries(client, path, grow, pin, **params)`: `path` runs at most `pin` queries,
    and exactly as many again after `grow()` has added more rows."""

    def check(client: Api, path: str, grow, pin: int, **params):
        client.get(path, **params)  # warm-up: the token's last-use stamp is written once a minute
        with count_queries() as before, django_assert_max_num_queries(pin):
            first = client.get(path, **params)
        grow()
        with count_queries() as after:
            second = client.get(path, **params)
        assert first.status_code == second.status_code == 200, second.content
        assert second.json()["count"] > first.json()["count"] > 0
        assert before.count == after.count, after.dump()

    return check


def add_unit(entrance) -> Unit:
    """Another home in `entrance`, numbered so that it never clashes with the world's 301/302."""
    return f.UnitFactory(entrance=entrance, number=f"9{Unit.objects.count():03d}")


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["items"]}
