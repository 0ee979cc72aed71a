"""The electorate page: totals, how owners were counted here, the buildings, every owner party
with masked names, the objections and their answers, and rebuilding from the registry while the
notice runs."""

from decimal import Decimal

import pytest
from django.urls import reverse

from mulin.decisions import services
from mulin.decisions.models import Objection
from mulin.decisions.states import VoteStatus
from mulin.places.models import AreaSource
from mulin.testing import factories as f

from .conftest import vote_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(world, hall):
    return vote_at(VoteStatus.PUBLISHED, world.staff, world.compound)


def page(world, vote) -> str:
    return reverse("decisions:electorate", args=[world.compound.code, vote.pk])


def objection(hall, vote, i=1, text="我家面积登记错了") -> Objection:
    user = hall.users[i]
    return services.objection_raise(
        actor=user, vote=vote, elector=vote.electors.get(people=user.person), text=text
    )


def test_totals_and_how_owners_were_counted_here(world, hall, published, login):
    html = login(world.staff).get(page(world, published)).content.decode()
    assert "720.00 m²" in html
    assert ">7<" in html  # owner parties
    assert "Here: 1 owner holds several homes (2 units in all)." in html
    assert "Here: the developer holds no unsold unit." in html
    assert "Here: no unit has several owners." in html
    assert "Here they do not: parking spaces are left out." in html


def test_co_owners_developer_and_parking_are_reported_when_they_apply(world, hall, login):
    from mulin.places.models import UnitUse
    from mulin.testing.factories import OwnershipFactory, PersonFactory, UnitFactory

    spouse = PersonFactory(compound=world.compound, name="业主1的配偶")
    OwnershipFactory(unit=hall.units[1], person=spouse)
    developer = _developer(world)
    for number in ("501", "502"):
        unit = UnitFactory(entrance=hall.units[4].entrance, number=number, code=f"64-1-{number}")
        f.OwnershipFactory(unit=unit, person=None, company=developer)
    parking = UnitFactory(
        entrance=hall.units[4].entrance, number="P1", code="64-P1", use=UnitUse.PARKING
    )
    f.OwnershipFactory(unit=parking, person=hall.owners[2])
    world.compound.parking_counts_as_units = True
    world.compound.save()
    vote = vote_at(VoteStatus.PUBLISHED, world.staff, world.compound)
    html = login(world.staff).get(page(world, vote)).content.decode()
    assert "Here: 1 owner is a group of co-owners." in html
    assert "Here: the developer still holds 2 units, counted as one owner." in html
    assert "Here they do: 1 parking space is counted." in html
    assert "The developer (unsold units)" in html


def _developer(world):
    from mulin.people.models import Company

    return Company.objects.create(
        name="某某置业有限公司", is_developer=True, compound=world.compound
    )


def test_buildings_add_up_to_the_totals(world, hall, published, login):
    response = login(world.staff).get(page(world, published))
    rows = {b.number: b for b in response.context["buildings"]}
    assert (rows["63"].owners, rows["63"].units, rows["63"].area) == (4, 4, Decimal("400.00"))
    assert (rows["64"].owners, rows["64"].units, rows["64"].area) == (3, 4, Decimal("320.00"))
    assert (rows["63"].area_percent, rows["64"].area_percent) == ("55.56", "44.44")


def test_every_owner_with_units_area_source_and_masked_name(world, hall, published, login):
    unit = hall.units[5]
    unit.area_source = AreaSource.SURVEY
    unit.save()
    services.electorate_refresh(actor=world.staff, vote=published)
    html = login(world.staff).get(page(world, published)).content.decode()
    assert "64-1-201 +1" in html  # the buyer of two homes: one owner
    assert "64-1-201" in html and "64-1-202" in html
    assert "80.00 m²" in html and "160.00" in html
    assert "Survey report" in html and "Property register" in html
    assert "业**" in html and "张*" in html
    assert "业主1" not in html and "张三" not in html


def test_search_by_unit_code_or_name(world, hall, published, login):
    client = login(world.staff)
    by_code = client.get(page(world, published), {"q": "64-1-20"})
    assert [e.label for e in by_code.context["electors"]] == ["64-1-201 +1"]
    by_name = client.get(page(world, published), {"q": "业主3"})
    assert [e.label for e in by_name.context["electors"]] == ["63-2-304"]
    nothing = client.get(page(world, published), {"q": "99-9-999"})
    assert "No owner matches “99-9-999”." in nothing.content.decode()


def test_search_answers_htmx_with_the_list_only(world, hall, published, login):
    response = login(world.staff).get(
        page(world, published), {"q": "63-2"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="elector-list"
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="elector-list">')
    assert len(response.context["electors"]) == 4


def test_electorate_query_count_does_not_grow_with_owners(
    world, hall, published, login, count_queries, django_assert_max_num_queries
):
    client = login(world.staff)
    objection(hall, published, 1)
    with count_queries() as small:
        client.get(page(world, published))
    building = hall.units[4].building
    entrance = hall.units[4].entrance
    for i in range(6):
        unit = f.UnitFactory(entrance=entrance, building=building, number=f"3{i:02d}")
        f.OwnershipFactory(unit=unit, person=f.PersonFactory(compound=world.compound))
    services.electorate_refresh(actor=world.staff, vote=published)
    objection(hall, published, 2)
    objection(hall, published, 3)
    with django_assert_max_num_queries(25), count_queries() as large:
        response = client.get(page(world, published))
    assert len(response.context["electors"]) == 13
    assert len(response.context["objections"]) == 3
    assert small.count == large.count, large.dump()


# ---------------------------------------------------------------- objections


def test_open_objections_come_first_with_an_answer_form(world, hall, published, login):
    answered = objection(hall, published, 1, "旧的异议")
    services.objection_answer(
        actor=world.staff, objection=answered, accepted=False, answer="面积无误"
    )
    waiting = objection(hall, published, 2, "新的异议")
    response = login(world.staff).get(page(world, published))
    assert [o.pk for o in response.context["objections"]] == [waiting.pk, answered.pk]
    html = response.content.decode()
    assert "面积无误" in html
    assert (
        reverse(
            "decisions:staff_objection_answer", args=[world.compound.code, published.pk, waiting.pk]
        )
        in html
    )
    assert (
        reverse(
            "decisions:staff_objection_answer",
            args=[world.compound.code, published.pk, answered.pk],
        )
        not in html
    )


def answer_url(world, vote, obj) -> str:
    return reverse("decisions:staff_objection_answer", args=[world.compound.code, vote.pk, obj.pk])


def test_answer_an_objection(world, hall, published, login):
    obj = objection(hall, published)
    response = login(hall.committee).post(
        answer_url(world, published, obj),
        {f"o{obj.pk}-decision": "accepted", f"o{obj.pk}-answer": "已按不动产登记更正"},
    )
    assert response.status_code == 302
    obj.refresh_from_db()
    assert obj.state == Objection.State.ACCEPTED
    assert obj.answer == "已按不动产登记更正"
    assert obj.answered_by == hall.committee


def test_answer_without_words_is_refused(world, hall, published, login):
    obj = objection(hall, published)
    response = login(world.staff).post(
        answer_url(world, published, obj), {f"o{obj.pk}-decision": "rejected"}
    )
    assert response.status_code == 400
    assert "Tell the owner what was decided and why." in response.content.decode()
    obj.refresh_from_db()
    assert obj.state == Objection.State.OPEN


def test_an_open_objection_holds_back_opening(world, hall, published, login):
    import time_machine

    objection(hall, published)
    with time_machine.travel(published.opens_at, tick=False):
        client = login(world.staff)
        url = reverse("decisions:staff_vote_act", args=[world.compound.code, published.pk, "open"])
        response = client.post(url)
    assert response.status_code == 400
    assert "Answer every objection to the electorate before voting opens." in (
        response.content.decode()
    )
    published.refresh_from_db()
    assert published.status == VoteStatus.PUBLISHED


# ---------------------------------------------------------------- rebuilding


def refresh_url(world, vote) -> str:
    return reverse("decisions:staff_electorate_refresh", args=[world.compound.code, vote.pk])


def test_rebuild_from_the_registry_during_the_notice(world, hall, published, login):
    unit = hall.units[0]
    unit.area = Decimal("110.00")
    unit.save()
    client = login(world.staff)
    assert "Rebuild from the registry" in client.get(page(world, published)).content.decode()
    response = client.post(refresh_url(world, published))
    assert response.status_code == 302
    published.refresh_from_db()
    assert published.total_area == Decimal("730.00")
    assert "7 owners, 730.00 m²" in client.get(response.url).content.decode()


def test_rebuild_that_cannot_count_a_unit_changes_nothing(world, hall, published, login):
    f.UnitFactory(entrance=hall.units[0].entrance, number="305", code="63-2-305")  # no owner
    response = login(world.staff).post(refresh_url(world, published))
    assert response.status_code == 400
    assert "63-2-305: no owner" in response.content.decode()
    published.refresh_from_db()
    assert published.total_owners == 7
    assert published.electors.count() == 7


def test_frozen_electorate_cannot_be_rebuilt(world, hall, login):
    vote = vote_at(VoteStatus.OPEN, world.staff, world.compound)
    client = login(world.staff)
    html = client.get(page(world, vote)).content.decode()
    assert "Frozen when voting opened" in html
    assert "Rebuild from the registry" not in html
    response = client.post(refresh_url(world, vote))
    assert response.status_code == 400
    assert "The electorate is frozen once voting opens." in response.content.decode()


def test_viewer_without_manage_cannot_rebuild_or_answer(world, hall, published, login):
    from mulin.core.models import Role

    secretary = f.UserFactory(username="secretary")
    f.grant(secretary, Role.PARTY_SECRETARY, world.compound)
    obj = objection(hall, published)
    client = login(secretary)
    html = client.get(page(world, published)).content.decode()
    assert "Rebuild from the registry" not in html and "Answer the objection" not in html
    assert client.post(refresh_url(world, published)).status_code == 404
    response = client.post(
        answer_url(world, published, obj),
        {f"o{obj.pk}-decision": "accepted", f"o{obj.pk}-answer": "好"},
    )
    assert response.status_code == 404
    obj.refresh_from_db()
    assert obj.state == Objection.State.OPEN
