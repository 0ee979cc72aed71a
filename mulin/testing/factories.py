"""factory_boy factories for tests (and nothing else)."""

from decimal import Decimal

import factory
from django.utils import timezone

from mulin.core.models import Role, RoleGrant, ScopeKind, User
from mulin.orgs.models import MemberRole, Membership, Organisation, OrgKind
from mulin.people.models import Ownership, Person, Residency
from mulin.places.models import (
    AreaSource,
    Building,
    Community,
    Compound,
    District,
    Entrance,
    Subdistrict,
    Unit,
)


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District

    name = factory.Sequence(lambda n: f"区{n}")
    code = factory.Sequence(lambda n: f"district-{n}")


class SubdistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subdistrict

    district = factory.SubFactory(DistrictFactory)
    name = factory.Sequence(lambda n: f"街道{n}")
    code = factory.Sequence(lambda n: f"subdistrict-{n}")


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community

    subdistrict = factory.SubFactory(SubdistrictFactory)
    name = factory.Sequence(lambda n: f"社区{n}")
    code = factory.Sequence(lambda n: f"community-{n}")


class CompoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Compound

    community = factory.SubFactory(CommunityFactory)
    name = factory.Sequence(lambda n: f"小区{n}")
    code = factory.Sequence(lambda n: f"compound-{n}")
    delivered_year = 2003


class BuildingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Building

    compound = factory.SubFactory(CompoundFactory)
    # Numbers from 100 up, clear of the small numbers tests choose themselves (e.g. building 63).
    number = factory.Sequence(lambda n: str(n + 100))
    floors = 6


class EntranceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Entrance

    building = factory.SubFactory(BuildingFactory)
    number = factory.Sequence(lambda n: str(n % 9 + 1))


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    entrance = factory.SubFactory(EntranceFactory)
    building = factory.SelfAttribute("entrance.building")
    compound = factory.SelfAttribute("building.compound")
    floor = 3
    # 100, 101, … 199, 200, …: unique for the whole run, so codes never clash within an entrance.
    number = factory.Sequence(lambda n: f"{n // 100 + 1}{n % 100:02d}")
    code = factory.LazyAttribute(lambda u: f"{u.building.number}-{u.entrance.number}-{u.number}")
    area = Decimal("88.50")
    area_source = AreaSource.REGISTER


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    compound = factory.SubFactory(CompoundFactory)
    name = factory.Iterator(["张三", "李四", "王五", "赵六", "陈晓明", "林美华"])
    phone = factory.Sequence(lambda n: f"138{n:08d}")
    gender = "female"
    birth_year = 1960


class ResidencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Residency

    unit = factory.SubFactory(UnitFactory)
    person = factory.SubFactory(PersonFactory, compound=factory.SelfAttribute("..unit.compound"))
    relation = Residency.Relation.OWNER
    is_head = True


class OwnershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ownership

    unit = factory.SubFactory(UnitFactory)
    person = factory.SubFactory(PersonFactory, compound=factory.SelfAttribute("..unit.compound"))
    share = Decimal("1")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = OrgKind.PARTY_BRANCH
    name = factory.Sequence(lambda n: f"党支部{n}")
    compound = factory.SubFactory(CompoundFactory)
    community = factory.SelfAttribute("compound.community")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organisation = factory.SubFactory(OrganisationFactory)
    person = factory.SubFactory(
        PersonFactory, compound=factory.SelfAttribute("..organisation.compound")
    )
    role = MemberRole.MEMBER


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-42")

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def grant(user: User, role: str, scope_obj=None) -> RoleGrant:
    """Give `user` a role on a scope object (a Subdistrict, Community, Compound, Building,
    Organisation), or on the whole platform when `scope_obj` is None."""
    if scope_obj is None:
        return RoleGrant.objects.create(
            user=user, role=role, scope=ScopeKind.PLATFORM, starts_at=timezone.now()
        )
    kind = type(scope_obj).__name__.lower()
    return RoleGrant.objects.create(user=user, role=role, scope=kind, **{kind: scope_obj})


__all__ = [name for name in dir() if name.endswith("Factory")] + ["Role", "grant"]
