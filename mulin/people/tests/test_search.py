"""The one search box: name, pinyin initials or full pinyin, phone tail, unit code."""

import pytest
from django.urls import reverse

from mulin.people.selectors import person_filter
from mulin.testing import factories as f

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def people(world):
    """Neighbours with names that share letters with 张三, and a 张三 in another community."""
    f.ResidencyFactory(
        unit=world.neighbour_unit,
        person=f.PersonFactory(compound=world.compound, name="李四", phone="13900004321"),
    )
    f.PersonFactory(compound=world.compound, name="张珊珊", phone="13700001234")
    f.PersonFactory(compound=world.compound, name="周爽", phone="13600009999")
    f.PersonFactory(compound=world.other, name="张三", phone="13500005678")


def search(client, q: str, **extra):
    return client.get(reverse("people:search"), {"q": q}, **extra)


def names(response) -> list[str]:
    return [p.name for p in response.context["results"].persons]


def test_search_sends_anonymous_to_login(client, world):
    response = search(client, "zs")
    assert response.status_code == 302
    assert response.url.startswith(reverse("core:login"))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("zs", ["张三", "张珊珊", "周爽"]),  # initials: zs, zss, zs
        ("ZS", ["张三", "张珊珊", "周爽"]),
        ("zhangsan", ["张三"]),
        ("zhang san", ["张三"]),
        ("zhang", ["张三", "张珊珊"]),
        ("zhangshan", ["张珊珊"]),
        ("张", ["张三", "张珊珊"]),
        ("珊", ["张珊珊"]),
        ("5678", ["张三"]),
        ("678", ["张三"]),
        ("13812345678", ["张三"]),
        ("4321", ["李四"]),
        ("xyz", []),
    ],
)
def test_search_finds_people(world, login, people, query, expected):
    response = search(login(world.staff), query)
    assert response.status_code == 200
    assert sorted(names(response)) == sorted(expected)


@pytest.mark.parametrize("code", ["63-2-301", "63幢2单元301", "63栋2单元301室", "６３－２－３０１"])
def test_search_finds_a_unit_by_code_in_either_form(world, login, code):
    response = search(login(world.staff), code)
    assert [u.pk for u in response.context["results"].units] == [world.unit.pk]
    assert reverse("places:unit", args=[world.unit.pk]) in response.content.decode()


def test_a_partial_code_finds_every_home_of_the_entrance(world, login):
    response = search(login(world.staff), "63-2")
    units = {u.pk for u in response.context["results"].units}
    assert units == {world.unit.pk, world.neighbour_unit.pk}


def test_a_code_being_typed_already_finds_the_homes_it_could_be(world, login):
    response = search(login(world.staff), "63幢2单元30")
    codes = [u.code for u in response.context["results"].units]
    assert codes == ["63-2-301", "63-2-302"]


def test_search_is_scoped_to_what_the_user_may_see(world, login, people):
    outsider = search(login(world.outsider), "zhangsan")
    assert [p.compound for p in outsider.context["results"].persons] == [world.other]
    assert search(login(world.outsider), "63-2-301").context["results"].units == []
    staff = search(login(world.staff), "zhangsan")
    assert [p.compound for p in staff.context["results"].persons] == [world.compound]


def test_a_resident_finds_only_their_own_household(world, login, people):
    response = search(login(world.resident), "zs")
    assert names(response) == ["张三"]


def test_results_show_masked_phone_home_and_compound_never_the_full_phone(world, login, people):
    response = search(login(world.staff), "zhangsan")
    html = response.content.decode()
    assert "138****5678" in html and "13812345678" not in html
    assert "63-2-301" in html and world.compound.name in html
    assert reverse("people:person", args=[world.resident_person.pk]) in html


def test_live_search_returns_only_the_results(world, login, people):
    response = search(login(world.staff), "zs", **HTMX)
    html = response.content.decode()
    assert "<html" not in html and 'id="search-results"' in html and "张三" in html


def test_an_unusable_query_says_what_to_type(world, login):
    response = search(login(world.staff), "12")
    assert "Type at least part of a name" in response.content.decode()


def test_the_picker_searches_one_compound_for_editors_only(world, login, people):
    url = reverse("people:search")
    params = {"q": "zs", "pick": world.compound.code, "field": "resident-person"}
    response = login(world.staff).get(url, params, **HTMX)
    html = response.content.decode()
    assert 'name="resident-person"' in html and "张三" in html and "13812345678" not in html
    assert login(world.resident).get(url, params).status_code == 404
    assert login(world.outsider).get(url, params).status_code == 404


def test_search_understands_what_was_typed():
    assert person_filter("")[0] == ""
    assert person_filter("zs")[0] == "pinyin"
    assert person_filter("张")[0] == "name"
    assert person_filter("5678")[0] == "phone"
    assert person_filter("12")[0] == ""


def test_search_query_count_does_not_grow(
    world, login, count_queries, django_assert_max_num_queries
):
    client = login(world.staff)

    def add(n: int) -> None:
        for _ in range(n):
            person = f.PersonFactory(compound=world.compound, name="张伟")
            f.ResidencyFactory(
                unit=f.UnitFactory(entrance__building__compound=world.compound), person=person
            )
            f.OwnershipFactory(
                unit=f.UnitFactory(entrance__building__compound=world.compound), person=person
            )

    add(3)
    with count_queries() as small:
        response = search(client, "zw")
    assert len(response.context["results"].persons) == 3
    add(6)
    with django_assert_max_num_queries(12), count_queries() as large:
        response = search(client, "zw")
    assert len(response.context["results"].persons) == 9
    assert small.count == large.count, large.dump()


def test_search_shows_at_most_twenty_and_says_there_are_more(world, login):
    for _ in range(24):
        f.PersonFactory(compound=world.compound, name="王芳")
    response = search(login(world.staff), "wf")
    assert len(response.context["results"].persons) == 20
    assert response.context["results"].more
    assert "type more to narrow the search" in response.content.decode()
