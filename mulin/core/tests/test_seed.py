"""`mulin seed` generates a synthetic district with bulk inserts (COPY on PostgreSQL)."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Q

from mulin.demo.seed import Tables, seed_compound
from mulin.orgs.models import OrgKind, PartyMembership, ResponsibilityArea
from mulin.people.models import Ownership, Person, Residency
from mulin.people.naming import name_keys
from mulin.places.models import Community, Compound, District, Subdistrict, Unit, UnitStatus
from mulin.testing import factories as f


def seed(compounds: int, units: int, **extra) -> str:
    out = StringIO()
    call_command("seed", compounds=compounds, units_per_compound=units, stdout=out, **extra)
    return out.getvalue()


@pytest.mark.django_db
def test_seed_builds_a_district_of_subdistricts_communities_and_compounds():
    output = seed(7, 30)
    district = District.objects.get(code="seed-district")
    assert Subdistrict.objects.filter(district=district).count() == 1
    assert Community.objects.filter(subdistrict__district=district).count() == 2
    compounds = Compound.objects.filter(community__subdistrict__district=district)
    assert sorted(compounds.values_list("code", flat=True)) == [
        f"seed-{n:04d}" for n in range(1, 8)
    ]
    assert Unit.objects.filter(compound__in=compounds).count() == 7 * 30
    # 2.5 persons a home (residents plus owners living elsewhere) and two property staff.
    assert Person.objects.filter(compound__in=compounds).count() == 7 * (75 + 2)
    assert "Seeded 7 compounds" in output


@pytest.mark.django_db
def test_seeded_persons_have_pinyin_keys_and_phone_tails():
    seed(2, 20)
    persons = list(Person.objects.all())
    assert persons
    for person in persons:
        assert (person.name_pinyin, person.name_initials) == name_keys(person.name)
        assert person.phone_tail == person.phone[-4:]
        assert person.birth_year == person.birth_date.year


@pytest.mark.django_db
def test_every_seeded_home_has_an_owner_and_a_responsible_party_member():
    seed(3, 40)
    units = Unit.objects.all()
    owned = Ownership.objects.current().values("unit")
    assert not units.exclude(id__in=owned).exists()
    assert Residency.objects.current().values("unit").distinct().count() >= 3 * 40 * 0.9
    covered = ResponsibilityArea.objects.filter(
        membership__organisation__kind=OrgKind.PARTY_BRANCH
    ).values("entrance_id")
    assert not units.exclude(entrance_id__in=covered).exists()
    staff = ResponsibilityArea.objects.filter(
        membership__organisation__kind=OrgKind.PROPERTY_COMPANY
    ).values("building_id")
    assert not units.exclude(building_id__in=staff).exists()
    per_branch = PartyMembership.objects.values("organisation").annotate(
        registered=Count("id", filter=Q(status="registered")),
        reporting=Count("id", filter=Q(status="reporting")),
    )
    assert len(per_branch) == 3
    assert all(row["registered"] and row["reporting"] for row in per_branch)


@pytest.mark.django_db
def test_seeding_again_continues_the_district_and_new_rows_get_fresh_ids():
    seed(2, 10)
    seed(2, 10)
    codes = set(Compound.objects.values_list("code", flat=True))
    assert codes == {"seed-0001", "seed-0002", "seed-0003", "seed-0004"}
    # Explicit ids were written; the sequences must have moved past them.
    compound = Compound.objects.get(code="seed-0004")
    person = Person.objects.create(compound=compound, name="新来的")
    assert person.pk > Person.objects.exclude(pk=person.pk).order_by("-pk").first().pk
    unit = f.UnitFactory(entrance__building__compound=compound, entrance__building__number="99")
    assert Unit.objects.filter(pk=unit.pk).count() == 1


@pytest.mark.django_db
def test_persons_per_unit_sets_the_size_of_the_population():
    seed(1, 100, persons_per_unit=1.5)
    assert Person.objects.count() == 150 + 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    "arguments",
    [
        {"compounds": 0, "units_per_compound": 10},
        {"compounds": 1, "units_per_compound": 0},
        {"compounds": 1, "units_per_compound": 10, "persons_per_unit": 9},
    ],
)
def test_bad_arguments_are_refused_and_nothing_is_written(arguments):
    with pytest.raises(CommandError):
        call_command("seed", stdout=StringIO(), **arguments)
    assert not Compound.objects.exists()


@pytest.mark.django_db
def test_a_compound_written_in_several_flushes_is_consistent(monkeypatch):
    # Big compounds are written in parts to bound memory; nothing may be lost between parts.
    monkeypatch.setattr(Tables, "FLUSH_ROWS", 100)
    stats = seed_compound(code="big", units=120)
    compound = Compound.objects.get(code="big")
    assert (stats.units, stats.persons) == (120, 300 + 2)
    assert Unit.objects.filter(compound=compound).count() == 120
    assert Person.objects.filter(compound=compound).count() == 302
    lived_in = Residency.objects.filter(unit__compound=compound).values("unit")
    units = Unit.objects.filter(compound=compound)
    assert not units.filter(status=UnitStatus.VACANT, id__in=lived_in).exists()
    assert not units.exclude(status=UnitStatus.VACANT).exclude(id__in=lived_in).exists()
    tenants = Residency.objects.filter(unit__compound=compound, relation="tenant")
    assert set(units.filter(id__in=tenants.values("unit")).values_list("status", flat=True)) == {
        UnitStatus.RENTED
    }
