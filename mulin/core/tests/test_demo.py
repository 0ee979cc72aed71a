"""`mulin demo` reproduces the two reference compounds of DESIGN.md §3 with exact counts."""

from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import models, transaction
from django.db.models import Count, F, Q
from django.test import override_settings

from mulin.core.models import Role, RoleGrant, User
from mulin.core.privacy import plate_error
from mulin.demo.logins import LOGINS, PASSWORD
from mulin.orgs.models import (
    PARTY_KINDS,
    DutyShift,
    MemberRole,
    Membership,
    Organisation,
    OrgKind,
    PartyMembership,
    ResponsibilityArea,
)
from mulin.people.models import CareTag, Ownership, Person, PersonSkill, Residency, Vehicle
from mulin.places.models import (
    AreaSource,
    Building,
    CityRuleSet,
    Compound,
    ParkingSpace,
    Unit,
    UnitStatus,
    UnitUse,
)

SEED_NAMES = ["马承凤", "尤芳论", "江晖", "黄煊", "吴昌年", "戴静", "周锡根", "魏国成"]
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo loaded once for this module, rolled back afterwards."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHER),
        transaction.atomic(),
    ):
        out = StringIO()
        call_command("demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def jinxiu(demo, db):
    return Compound.objects.get(code="jinxiu-jinshan")


@pytest.fixture
def cangji(demo, db):
    return Compound.objects.get(code="cangji-xincun")


def households(compound) -> int:
    return (
        Residency.objects.current()
        .filter(unit__compound=compound, unit__use=UnitUse.RESIDENTIAL)
        .values("unit")
        .distinct()
        .count()
    )


def residents(compound) -> int:
    return (
        Residency.objects.current()
        .filter(unit__compound=compound)
        .values("person")
        .distinct()
        .count()
    )


def orgs(compound, kind):
    return Organisation.objects.filter(compound=compound, kind=kind)


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for label in ("core", "places", "people", "orgs")
        for model in apps.get_app_config(label).get_models()
    }


# ---- 锦绣金山小区 --------------------------------------------------------------------------


def test_jinxiu_has_252_households_and_about_1900_residents(jinxiu):
    assert households(jinxiu) == 252
    assert 1900 * 0.98 <= residents(jinxiu) <= 1900 * 1.02
    assert jinxiu.delivered_year == 2003
    assert jinxiu.city_rule_set == CityRuleSet.XIAMEN
    assert "新加坡" in jinxiu.description and "两轮改造" in jinxiu.description
    community = jinxiu.community
    assert (community.name, community.subdistrict.name) == ("金山社区", "金山街道")
    assert community.subdistrict.district.name == "湖里区"
    assert community.subdistrict.district.city == "厦门市"


def test_jinxiu_branch_has_18_registered_and_19_reporting_members(jinxiu):
    branch = orgs(jinxiu, OrgKind.PARTY_BRANCH).get()
    members = PartyMembership.objects.filter(organisation=branch)
    assert members.filter(status=PartyMembership.Status.REGISTERED).count() == 18
    reporting = members.filter(status=PartyMembership.Status.REPORTING)
    assert reporting.count() == 19
    assert not reporting.filter(home_organisation="").exists()
    seats = Membership.objects.current().filter(organisation=branch)
    assert seats.filter(role=MemberRole.FIRST_SECRETARY).count() == 1
    assert seats.filter(role=MemberRole.SECRETARY).count() == 1
    assert branch.parent.kind == OrgKind.PARTY_COMMITTEE


def test_jinxiu_owners_committee_elected_2017_11_23_with_7_members_and_2_alternates(jinxiu):
    committee = orgs(jinxiu, OrgKind.OWNERS_COMMITTEE).get()
    assert committee.founded_on == date(2017, 11, 23)
    seats = Membership.objects.current().filter(organisation=committee)
    assert seats.exclude(role=MemberRole.ALTERNATE).count() == 7
    assert seats.filter(role=MemberRole.ALTERNATE).count() == 2
    assert seats.filter(role=MemberRole.DIRECTOR).count() == 1
    deputies = seats.filter(role=MemberRole.DEPUTY_DIRECTOR)
    assert sorted(deputies.values_list("portfolio", flat=True)) == ["小区建设", "资源引进"]
    assert seats.filter(role=MemberRole.COMMITTEE_MEMBER).count() == 4
    # Committee members are owners of homes in the compound.
    for seat in seats:
        assert Ownership.objects.current().filter(person=seat.person).exists()


def test_jinxiu_has_mediation_committee_property_company_and_two_partners(jinxiu):
    assert orgs(jinxiu, OrgKind.MEDIATION_COMMITTEE).count() == 1
    assert orgs(jinxiu, OrgKind.PROPERTY_COMPANY).count() == 1
    partners = set(orgs(jinxiu, OrgKind.PARTNER).values_list("name", flat=True))
    assert partners == {"农商银行金山支行", "湖里技师学院"}


def test_jinxiu_parking_includes_former_vegetable_plots(jinxiu):
    spaces = ParkingSpace.objects.filter(compound=jinxiu)
    assert spaces.count() > 0
    assert spaces.filter(note__contains="菜地").exists()


# ---- 仓基新村 --------------------------------------------------------------------------------


def test_cangji_has_the_3_plus_x_party_structure(cangji):
    committees = Organisation.objects.filter(
        community=cangji.community, kind=OrgKind.PARTY_COMMITTEE
    )
    assert committees.count() == 1
    branches = orgs(cangji, OrgKind.PARTY_BRANCH)
    assert branches.count() == 9
    assert set(branches.values_list("parent", flat=True)) == {committees.get().id}
    groups = orgs(cangji, OrgKind.STAIRWELL_GROUP)
    assert groups.count() == 27
    per_branch = groups.values("parent").annotate(n=Count("id"))
    assert {row["n"] for row in per_branch} == {3}
    assert orgs(cangji, OrgKind.SELF_GOVERNANCE_TEAM).count() == 8
    # Every stairwell group answers for the entrances of its building.
    for group in groups:
        areas = ResponsibilityArea.objects.filter(membership__organisation=group)
        assert areas.exists()
        assert not areas.filter(entrance__isnull=True).exists()


def test_cangji_has_household_committee_quasi_property_and_17_partners(cangji):
    assert orgs(cangji, OrgKind.HOUSEHOLD_COMMITTEE).count() == 1
    assert orgs(cangji, OrgKind.QUASI_PROPERTY).count() == 1
    assert not orgs(cangji, OrgKind.OWNERS_COMMITTEE).exists()
    assert not orgs(cangji, OrgKind.PROPERTY_COMPANY).exists()
    partners = set(orgs(cangji, OrgKind.PARTNER).values_list("name", flat=True))
    assert len(partners) == 17
    assert {"拱墅区委老干部局", "拱墅区残疾人联合会", "拱墅区房管站"} <= partners


def test_cangji_is_a_1980s_compound_of_realistic_size(cangji):
    assert 1980 <= cangji.delivered_year <= 1989
    assert cangji.city_rule_set == CityRuleSet.HANGZHOU
    assert 600 <= households(cangji) <= 900
    assert households(cangji) * 2 <= residents(cangji) <= households(cangji) * 3.5
    community = cangji.community
    assert (community.name, community.subdistrict.name) == ("仓基新村社区", "湖墅街道")
    assert community.subdistrict.district.name == "拱墅区"


def test_building_63_answers_to_the_secretary_of_branch_8(cangji):
    building = Building.objects.get(compound=cangji, number="63")
    branch8 = orgs(cangji, OrgKind.PARTY_BRANCH).get(name__contains="第八")
    area = ResponsibilityArea.objects.select_related("membership").get(
        building=building, membership__organisation=branch8
    )
    assert area.membership.role == MemberRole.SECRETARY


def test_typhoon_night_shift_is_on_the_cangji_roster(cangji):
    night = DutyShift.objects.filter(
        organisation__community=cangji.community, note__contains="抗台"
    )
    assert night.exists()
    shift = night.first()
    assert (shift.starts_at.month, shift.ends_at.day) == (8, 10)


# ---- both -------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["jinxiu-jinshan", "cangji-xincun"])
def test_someone_is_on_duty_now(demo, db, code):
    compound = Compound.objects.get(code=code)
    on_duty = DutyShift.objects.on_duty().filter(organisation__compound=compound)
    assert on_duty.exists()
    assert on_duty.first().phone


@pytest.mark.parametrize("code", ["jinxiu-jinshan", "cangji-xincun"])
def test_every_home_has_a_responsible_party_member_and_property_staff(demo, db, code):
    compound = Compound.objects.get(code=code)
    units = Unit.objects.filter(compound=compound, use=UnitUse.RESIDENTIAL)
    areas = ResponsibilityArea.objects.filter(membership__organisation__compound=compound)

    def covered(area_qs) -> set[int]:
        place = Q(building_id__in=area_qs.values("building_id")) | Q(
            entrance_id__in=area_qs.values("entrance_id")
        )
        return set(units.filter(place).values_list("id", flat=True))

    party = areas.filter(membership__organisation__kind__in=PARTY_KINDS)
    staff = areas.filter(
        membership__organisation__kind__in=[OrgKind.PROPERTY_COMPANY, OrgKind.QUASI_PROPERTY]
    )
    all_units = set(units.values_list("id", flat=True))
    assert covered(party) == all_units
    assert covered(staff) == all_units


@pytest.mark.parametrize("code", ["jinxiu-jinshan", "cangji-xincun"])
def test_homes_have_realistic_areas_and_ownership(demo, db, code):
    compound = Compound.objects.get(code=code)
    units = Unit.objects.filter(compound=compound)
    assert not units.filter(Q(area__lt=Decimal(60)) | Q(area__gt=Decimal(140))).exists()
    sources = dict(units.values_list("area_source").annotate(n=Count("id")))
    assert sources[AreaSource.REGISTER] > units.count() * 0.7
    assert sources[AreaSource.SURVEY] > 0 and sources[AreaSource.CONTRACT] > 0
    owned = Ownership.objects.current().filter(unit__compound=compound)
    # Some owners hold several homes; some homes are co-owned with shares summing to one.
    assert owned.exclude(person=None).values("person").annotate(n=Count("id")).filter(n__gt=1)
    co_owned = owned.values("unit").annotate(n=Count("id")).filter(n__gt=1)
    assert co_owned.exists()
    for unit_id in co_owned.values_list("unit", flat=True)[:20]:
        shares = owned.filter(unit_id=unit_id).values_list("share", flat=True)
        assert sum(shares) == Decimal(1)
    assert owned.filter(company__is_developer=True).count() >= 2
    # Every home has a current owner; rented ones have tenants, vacant ones nobody.
    assert not units.exclude(id__in=owned.values("unit")).exists()
    rented = units.filter(status=UnitStatus.RENTED)
    assert rented.exists()
    tenants = Residency.objects.current().filter(unit__in=rented)
    assert set(tenants.values_list("relation", flat=True)) == {Residency.Relation.TENANT}
    vacant = units.filter(status=UnitStatus.VACANT)
    assert vacant.exists()
    assert not Residency.objects.current().filter(unit__in=vacant).exists()


@pytest.mark.parametrize(("code", "prefix"), [("jinxiu-jinshan", "闽D"), ("cangji-xincun", "浙A")])
def test_vehicles_care_tags_and_experts(demo, db, code, prefix):
    compound = Compound.objects.get(code=code)
    plates = list(Vehicle.objects.filter(compound=compound).values_list("plate", "energy"))
    assert plates
    assert all(plate.startswith(prefix) and plate_error(plate) is None for plate, _ in plates)
    assert any(energy == Vehicle.Energy.NEW_ENERGY for _, energy in plates)
    kinds = set(CareTag.objects.filter(person__compound=compound).values_list("kind", flat=True))
    assert {"living_alone", "empty_nest", "disabled"} <= kinds
    skills = set(
        PersonSkill.objects.filter(person__compound=compound).values_list("skill", flat=True)
    )
    assert {"medical", "legal"} <= skills
    assert skills & {"construction", "fire_safety"}


def test_persons_have_pinyin_keys_like_saved_ones(demo, db):
    person = Person.objects.filter(compound__code="cangji-xincun").exclude(phone="").first()
    stored = (person.name_pinyin, person.name_initials, person.phone_tail)
    person.save()
    assert (person.name_pinyin, person.name_initials, person.phone_tail) == stored
    assert stored[0] and stored[1] and stored[2]


def test_no_real_name_from_the_seed_articles_appears_anywhere(demo, db):
    for label in ("core", "places", "people", "orgs"):
        for model in apps.get_app_config(label).get_models():
            fields = [
                f.name
                for f in model._meta.get_fields()
                if isinstance(f, models.CharField | models.TextField) and not f.is_relation
            ]
            if not fields:
                continue
            q = Q()
            for field in fields:
                for name in SEED_NAMES:
                    q |= Q(**{f"{field}__contains": name})
            assert not model._default_manager.filter(q).exists(), model._meta.label


def test_every_demo_login_authenticates_with_the_demo_password(demo, db):
    users = {u.username: u for u in User.objects.filter(username__in=[x.username for x in LOGINS])}
    assert set(users) == {x.username for x in LOGINS}
    for login in LOGINS:
        assert authenticate(username=login.username, password=PASSWORD) == users[login.username]
        grant = RoleGrant.objects.current().filter(user=users[login.username], role=login.role)
        assert grant.exists(), login.username
    assert users["admin"].is_superuser


def test_resident_logins_live_in_their_compound_and_log_in_by_phone(demo, db):
    for login in [x for x in LOGINS if x.role == Role.RESIDENT]:
        user = User.objects.get(username=login.username)
        assert (
            Residency.objects.current()
            .filter(person=user.person, unit__compound__code=login.compound)
            .exists()
        )
        assert authenticate(username=user.phone, password=PASSWORD) == user


def test_the_command_prints_the_logins(demo):
    assert "mulin-demo" in demo
    for login in LOGINS:
        assert login.username in demo


def test_loading_again_changes_nothing(demo, db):
    before = row_counts()
    out = StringIO()
    call_command("demo", stdout=out)
    assert row_counts() == before
    assert "exists already" in out.getvalue()


def test_reset_rebuilds_without_duplicates(demo, db):
    before = row_counts()
    call_command("demo", "--reset", stdout=StringIO())
    after = row_counts()
    # Pinyin-sorted names, places and logins come back the same; nothing is doubled.
    assert after == before
    assert Compound.objects.filter(code__in=["jinxiu-jinshan", "cangji-xincun"]).count() == 2
    assert households(Compound.objects.get(code="jinxiu-jinshan")) == 252


def test_loading_again_after_the_roster_ran_out_puts_someone_on_duty(jinxiu):
    shifts = DutyShift.objects.filter(organisation__compound=jinxiu)
    month = timedelta(days=30)
    shifts.update(starts_at=F("starts_at") - month, ends_at=F("ends_at") - month)
    assert not shifts.on_duty().exists()
    call_command("demo", stdout=StringIO())
    assert shifts.on_duty().exists()
