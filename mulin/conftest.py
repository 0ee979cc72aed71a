"""Shared fixtures: two compounds in two communities, and a user for each side of every access test.

`world.compound` is the compound under test; `world.other` belongs to a different community, and
`world.outsider` is community staff there — the outsider who must get 404.
"""

from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mulin.core.models import Role, User
from mulin.people.models import Person
from mulin.places.models import Compound, Unit
from mulin.testing import factories as f
from mulin.testing.api import api, constant_queries, neighbourhood  # noqa: F401  (API test fixtures)

PASSWORD = "correct-horse-42"


@dataclass
class World:
    compound: Compound
    other: Compound
    unit: Unit
    neighbour_unit: Unit
    other_unit: Unit
    resident_person: Person
    staff: User  # community staff of `compound`
    resident: User  # lives in `unit`
    outsider: User  # community staff of `other`
    admin: User  # platform admin


@pytest.fixture
def world(db) -> World:
    compound = f.CompoundFactory(code="jinxiu-test", name="锦绣测试小区")
    other = f.CompoundFactory(code="other-test", name="别处小区")
    unit = f.UnitFactory(
        entrance__building__compound=compound,
        entrance__building__number="63",
        entrance__number="2",
        number="301",
    )
    neighbour_unit = f.UnitFactory(entrance=unit.entrance, number="302", code="63-2-302")
    other_unit = f.UnitFactory(entrance__building__compound=other)
    resident_person = f.PersonFactory(compound=compound, name="张三", phone="13812345678")
    f.ResidencyFactory(unit=unit, person=resident_person, relation="owner", is_head=True)
    f.OwnershipFactory(unit=unit, person=resident_person)

    staff = f.UserFactory(username="staff")
    f.grant(staff, Role.COMMUNITY_STAFF, compound.community)
    resident = f.UserFactory(username="resident", phone="13812345678", person=resident_person)
    f.grant(resident, Role.RESIDENT, compound)
    outsider = f.UserFactory(username="outsider")
    f.grant(outsider, Role.COMMUNITY_STAFF, other.community)
    admin = f.UserFactory(username="admin", is_superuser=True, is_staff=True)
    return World(
        compound,
        other,
        unit,
        neighbour_unit,
        other_unit,
        resident_person,
        staff,
        resident,
        outsider,
        admin,
    )


@pytest.fixture
def login(client):
    """`login(user)` logs the test client in as `user` and returns the client."""

    def _login(user: User):
        client.force_login(user)
        return client

    return _login


class _QueryCounter:
    def __init__(self):
        self.ctx = CaptureQueriesContext(connection)

    def __enter__(self):
        self.ctx.__enter__()
        return self

    def __exit__(self, *exc):
        self.ctx.__exit__(*exc)

    @property
    def count(self) -> int:
        return len(self.ctx.captured_queries)

    def dump(self) -> str:
        return "\n".join(f"{i + 1}. {q['sql']}" for i, q in enumerate(self.ctx.captured_queries))


@pytest.fixture
def count_queries():
    """`with count_queries() as q: ...` then `q.count`; `q.dump()` prints every statement."""
    return _QueryCounter


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Argon2 is the production hasher (tested in core); tests elsewhere need not pay for it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    """Tests read English unless they ask for Chinese (zh-hans stays the product's default:
    `mulin/core/tests/test_language.py` checks that)."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
