"""Category settings: the page, editing in place, adding, routing rules and the defaults —
each write audited, bad input named and nothing changed."""

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse

from mulin.core.models import AuditEvent, Role
from mulin.orgs.models import OrgKind
from mulin.testing import factories as f
from mulin.tickets import config, selectors
from mulin.tickets.models import Category, Deadline, DispatchMode, RoutingRule

HX = {"HX-Request": "true"}
PRIORITIES = ("emergency", "urgent", "normal")


def page_url(world) -> str:
    return reverse("tickets:categories", args=[world.compound.code])


def edit_url(world, category) -> str:
    return reverse("tickets:category_edit", args=[world.compound.code, category.pk])


def deadline_post(prefix: str, **overrides) -> dict:
    """Deadlines as the form posts them (hours and minutes), the defaults unless overridden:
    `emergency_respond=(0, 20)` means 0 h 20 min."""
    values = {
        "emergency_respond": (0, 30),
        "emergency_resolve": (2, 0),
        "urgent_respond": (2, 0),
        "urgent_resolve": (24, 0),
        "normal_respond": (24, 0),
        "normal_resolve": (168, 0),
        **overrides,
    }
    data = {}
    for key, (hours, minutes) in values.items():
        data[f"{prefix}-{key}_h"] = "" if hours is None else str(hours)
        data[f"{prefix}-{key}_m"] = "" if minutes is None else str(minutes)
    return data


def edit_post(category, **overrides) -> dict:
    deadlines = {k: v for k, v in overrides.items() if k.split("_")[0] in PRIORITIES}
    fields = {k: v for k, v in overrides.items() if k not in deadlines}
    data = {
        "edit-name": category.name,
        "edit-organisation": category.organisation_id or "",
        "edit-dispatch_mode": category.dispatch_mode,
        "edit-active": "on" if category.active else "",
        **deadline_post("edit", **deadlines),
    }
    data.update({f"edit-{k}": v for k, v in fields.items()})
    return {k: v for k, v in data.items() if v != ""}


def snapshot(compound) -> list:
    rows = Category.objects.filter(compound=compound).order_by("id")
    return [
        (
            c.code,
            c.name,
            c.organisation_id,
            c.dispatch_mode,
            c.chargeable,
            c.active,
            sorted(c.deadlines.values_list("priority", "respond_minutes", "resolve_minutes")),
        )
        for c in rows
    ] + sorted(
        RoutingRule.objects.filter(compound=compound).values_list("category_id", "organisation_id")
    )


# ---------------------------------------------------------------- access


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(page_url(world))
    assert response.status_code == 302
    assert response.url.startswith(reverse("core:login"))


@pytest.mark.parametrize("who", ["outsider", "resident"])
def test_outsider_and_resident_get_404(world, desk, login, who):
    assert login(getattr(world, who)).get(page_url(world)).status_code == 404


def test_handler_gets_404(world, desk, login):
    assert login(desk.handler).get(page_url(world)).status_code == 404


def test_staff_of_one_building_gets_404(world, desk, login):
    keeper = f.UserFactory()
    f.grant(keeper, Role.COMMUNITY_STAFF, world.unit.building)
    assert login(keeper).get(page_url(world)).status_code == 404


@pytest.mark.parametrize("who", ["leader", "staff"])
def test_team_leader_and_community_staff_manage(world, desk, login, who):
    user = world.staff if who == "staff" else desk.leader
    response = login(user).get(page_url(world))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Leak" in html and "工程部" in html
    assert "Emergency: 30 min / 2 h" in html and "Normal: 24 h / 7 days" in html
    assert "overrides the category's handling organisation" in html


@pytest.mark.parametrize("name", ["category_add", "route_set", "categories_defaults"])
def test_writes_are_404_for_outsiders_and_handlers(world, desk, login, name):
    before = snapshot(world.compound)
    for user in (world.outsider, desk.handler, world.resident):
        response = login(user).post(reverse(f"tickets:{name}", args=[world.compound.code]), {})
        assert response.status_code == 404
    assert snapshot(world.compound) == before


def test_outsider_cannot_edit_through_their_own_compound(world, desk, login):
    leak = desk.cats["leak"]
    url = reverse("tickets:category_edit", args=[world.other.code, leak.pk])
    response = login(world.outsider).post(url, edit_post(leak, name="改名"))
    assert response.status_code == 404
    assert Category.objects.get(pk=leak.pk).name == leak.name


# ---------------------------------------------------------------- editing


def test_edit_in_place_opens_the_form_in_the_list(world, desk, login):
    leak = desk.cats["leak"]
    response = login(desk.leader).get(
        page_url(world), {"edit": leak.pk}, headers={**HX, "HX-Target": "category-list"}
    )
    html = response.content.decode()
    assert 'id="category-list"' in html and "<html" not in html
    assert 'name="edit-name"' in html and 'value="Leak"' in html
    assert 'name="edit-emergency_respond_m" value="30"' in html


def test_edit_saves_settings_and_deadlines_and_is_audited(world, desk, login):
    leak = desk.cats["leak"]
    response = login(desk.leader).post(
        edit_url(world, leak),
        edit_post(
            leak,
            name="漏水（含楼顶）",
            organisation=desk.other_team.pk,
            dispatch_mode=DispatchMode.POOL,
            chargeable="on",
            emergency_respond=(0, 20),
            emergency_resolve=(1, 30),
        ),
        headers=HX,
    )
    assert response.status_code == 200
    assert "The category “漏水（含楼顶）” was saved." in response.content.decode()
    leak.refresh_from_db()
    assert leak.name == "漏水（含楼顶）" and leak.organisation == desk.other_team
    assert leak.dispatch_mode == DispatchMode.POOL and leak.chargeable is True
    # Only the deadline that changed gets a row of its own.
    assert list(
        Deadline.objects.filter(category=leak).values_list(
            "priority", "respond_minutes", "resolve_minutes"
        )
    ) == [("emergency", 20, 90)]
    event = AuditEvent.objects.get(action="tickets.category_update", target_id=str(leak.pk))
    assert event.actor == desk.leader
    assert event.changes["deadline_emergency"] == [[30, 120], [20, 90]]
    assert event.changes["name"] == ["Leak", "漏水（含楼顶）"]


def test_switching_a_category_off(world, desk, login):
    lift = desk.cats["lift"]
    data = edit_post(lift)
    data.pop("edit-active")
    login(world.staff).post(edit_url(world, lift), data, headers=HX)
    assert Category.objects.get(pk=lift.pk).active is False


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"urgent_respond": (3, 0), "urgent_resolve": (2, 0)},
            "Urgent: the time to resolve cannot be shorter than the time to respond.",
        ),
        ({"emergency_respond": (0, 0)}, "Emergency: the time to respond must be more than zero."),
        ({"normal_resolve": (None, None)}, "Normal: the time to resolve must be more than zero."),
        ({"emergency_respond": (0, 75)}, "Ensure this value is less than or equal to 59."),
        ({"name": "  "}, "Give the category a name."),
        ({"organisation": "999999"}, "Select a valid choice."),
        ({"dispatch_mode": "lottery"}, "Select a valid choice."),
    ],
)
def test_bad_input_is_named_and_nothing_changes(world, desk, login, overrides, message):
    leak = desk.cats["leak"]
    before = snapshot(world.compound)
    response = login(desk.leader).post(
        edit_url(world, leak), edit_post(leak, **{"name": "新名字", **overrides}), headers=HX
    )
    html = response.content.decode()
    assert message in html
    assert 'name="edit-name"' in html  # the form is still open, with the input kept
    assert snapshot(world.compound) == before
    assert not AuditEvent.objects.filter(action="tickets.category_update").exists()


def test_bad_input_without_htmx_answers_400(world, desk, login):
    leak = desk.cats["leak"]
    response = login(desk.leader).post(
        edit_url(world, leak), edit_post(leak, emergency_respond=(0, 0))
    )
    assert response.status_code == 400


def test_organisation_of_another_compound_is_refused_by_the_service(world, desk):
    foreign = f.OrganisationFactory(compound=world.other, kind=OrgKind.PROPERTY_COMPANY)
    leak = desk.cats["leak"]
    with pytest.raises(ValidationError) as caught:
        config.category_update(
            actor=world.staff,
            category=leak,
            name="漏水",
            organisation=foreign,
            dispatch_mode="manual",
            chargeable=False,
            active=True,
            deadlines=dict.fromkeys(PRIORITIES, (30, 120)),
        )
    assert "organisation" in caught.value.message_dict
    assert Category.objects.get(pk=leak.pk).name == leak.name


def test_community_wide_organisations_may_handle(world, desk, login):
    station = f.OrganisationFactory(
        kind=OrgKind.PARTNER, name="房管站", compound=None, community=world.compound.community
    )
    repair = desk.cats["major_repair"]
    login(world.staff).post(
        edit_url(world, repair),
        edit_post(repair, organisation=station.pk, normal_resolve=(360, 0)),
        headers=HX,
    )
    assert Category.objects.get(pk=repair.pk).organisation == station


def test_service_refuses_outsiders(world, desk):
    with pytest.raises(Http404):
        config.category_update(
            actor=world.outsider,
            category=desk.cats["leak"],
            name="x",
            dispatch_mode="manual",
            chargeable=False,
            active=True,
            deadlines=dict.fromkeys(PRIORITIES, (30, 120)),
        )


# ---------------------------------------------------------------- adding


def test_add_a_category(world, desk, login):
    data = {
        "add-code": "Bicycle_shed",
        "add-name": "车棚",
        "add-organisation": desk.team.pk,
        "add-dispatch_mode": "round_robin",
        **deadline_post("add", normal_resolve=(72, 0)),
    }
    response = login(desk.leader).post(
        reverse("tickets:category_add", args=[world.compound.code]), data, headers=HX
    )
    assert "The category “车棚” was added." in response.content.decode()
    shed = Category.objects.get(compound=world.compound, code="bicycle_shed")
    assert shed.organisation == desk.team and shed.dispatch_mode == "round_robin"
    assert shed.position > desk.cats["praise"].position
    assert list(shed.deadlines.values_list("priority", "resolve_minutes")) == [("normal", 72 * 60)]
    assert AuditEvent.objects.filter(
        action="tickets.category_create", target_id=str(shed.pk)
    ).exists()


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("leak", "This compound already has a category with this code."),
        ("车棚", "Use only lower-case letters, digits"),
        ("", "Give the category a short code"),
    ],
)
def test_add_refuses_a_bad_code(world, desk, login, code, message):
    before = snapshot(world.compound)
    data = {
        "add-code": code,
        "add-name": "车棚",
        "add-dispatch_mode": "manual",
        **deadline_post("add"),
    }
    response = login(desk.leader).post(
        reverse("tickets:category_add", args=[world.compound.code]), data, headers=HX
    )
    assert message in response.content.decode()
    assert snapshot(world.compound) == before


# ---------------------------------------------------------------- routing rules


def test_set_change_and_remove_a_routing_rule(world, desk, login):
    noise = desk.cats["noise"]
    mediation = f.OrganisationFactory(
        kind=OrgKind.MEDIATION_COMMITTEE, name="调委会", compound=world.compound
    )
    client = login(world.staff)
    set_url = reverse("tickets:route_set", args=[world.compound.code])
    response = client.post(
        set_url, {"route-category": noise.pk, "route-organisation": mediation.pk}, headers=HX
    )
    assert "New Noise requests now go to 调委会." in response.content.decode()
    assert selectors.route_for(world.compound, noise) == mediation
    html = response.content.decode()
    assert "by a routing rule" in html and "instead of 工程部" in html
    # Setting it again changes the one rule.
    client.post(
        set_url, {"route-category": noise.pk, "route-organisation": desk.other_team.pk}, headers=HX
    )
    rule = RoutingRule.objects.get(compound=world.compound)
    assert rule.organisation == desk.other_team
    assert AuditEvent.objects.filter(action="tickets.route_set").count() == 2
    response = client.post(
        reverse("tickets:route_delete", args=[world.compound.code, rule.pk]), headers=HX
    )
    assert "The routing rule for Noise was removed" in response.content.decode()
    assert not RoutingRule.objects.exists()
    assert selectors.route_for(world.compound, noise) == desk.team
    assert AuditEvent.objects.filter(action="tickets.route_delete").exists()


def test_routing_to_a_foreign_organisation_is_refused(world, desk, login):
    foreign = f.OrganisationFactory(compound=world.other)
    response = login(world.staff).post(
        reverse("tickets:route_set", args=[world.compound.code]),
        {"route-category": desk.cats["noise"].pk, "route-organisation": foreign.pk},
        headers=HX,
    )
    assert "Select a valid choice." in response.content.decode()
    assert not RoutingRule.objects.exists()
    with pytest.raises(ValidationError):
        config.routing_rule_set(
            actor=world.staff,
            compound=world.compound,
            category=desk.cats["noise"],
            organisation=foreign,
        )
    assert not RoutingRule.objects.exists()


def test_removing_another_compounds_rule_is_404(world, desk, login):
    foreign_cat = Category.objects.create(compound=world.other, code="x", name="X")
    rule = RoutingRule.objects.create(
        compound=world.other,
        category=foreign_cat,
        organisation=f.OrganisationFactory(compound=world.other),
    )
    response = login(world.staff).post(
        reverse("tickets:route_delete", args=[world.compound.code, rule.pk])
    )
    assert response.status_code == 404
    assert RoutingRule.objects.filter(pk=rule.pk).exists()


# ---------------------------------------------------------------- defaults


def test_restore_the_default_categories(world, desk, login):
    Category.objects.filter(pk__in=[desk.cats["praise"].pk, desk.cats["complaint"].pk]).delete()
    client = login(desk.leader)
    url = reverse("tickets:categories_defaults", args=[world.compound.code])
    response = client.post(url, headers=HX)
    assert "Default categories added: Complaint, Praise." in response.content.decode()
    assert Category.objects.filter(compound=world.compound).count() == 15
    response = client.post(url, headers=HX)
    assert "All the default categories are already here" in response.content.decode()
    assert Category.objects.filter(compound=world.compound).count() == 15


# ---------------------------------------------------------------- query count


def test_query_count_does_not_grow(
    world, desk, login, count_queries, django_assert_max_num_queries
):
    client = login(world.staff)
    Category.objects.filter(compound=world.compound).exclude(
        pk__in=[c.pk for c in list(desk.cats.values())[:3]]
    ).delete()

    def add(n, start):
        for i in range(start, start + n):
            category = Category.objects.create(
                compound=world.compound, code=f"c{i}", name=f"类{i}", organisation=desk.team
            )
            Deadline.objects.create(
                category=category, priority="urgent", respond_minutes=60, resolve_minutes=600
            )
            RoutingRule.objects.create(
                compound=world.compound, category=category, organisation=desk.other_team
            )

    add(3, 0)
    with count_queries() as small:
        client.get(page_url(world))
    add(12, 100)
    with count_queries() as large, django_assert_max_num_queries(15):
        response = client.get(page_url(world))
    assert len(response.context["rows"]) == 18
    assert small.count == large.count, large.dump()
