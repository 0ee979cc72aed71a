"""The staff workbench: access, the queues and their counts, filters and search, deadlines in
words, live refresh, and the query count that must not grow with the rows."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from mulin.core.models import Role
from mulin.testing import factories as f
from mulin.tickets import services
from mulin.tickets.models import Channel, LocationKind, Priority, Ticket
from mulin.tickets.states import Status, Target


def url(world, **params) -> str:
    base = reverse("tickets:workbench", args=[world.compound.code])
    return base if not params else base + "?" + "&".join(f"{k}={v}" for k, v in params.items())


def numbers(response) -> list[int]:
    return [row.ticket.pk for row in response.context["rows"]]


def by_staff(world, **kw) -> dict:
    """A request community staff record on the resident's behalf (phone by default)."""
    args = {
        "channel": Channel.PHONE,
        "on_behalf_of": world.resident_person,
        "actor": world.staff,
    }
    args.update(kw)
    return args


@pytest.fixture
def other_team_ticket(world, desk, submit):
    """An accepted request routed to the other team."""
    ticket = submit()
    Ticket.objects.filter(pk=ticket.pk).update(organisation=desk.other_team)
    return services.ticket_transition(actor=world.staff, ticket=ticket, to=Target.ACCEPTED)


# ---------------------------------------------------------------- access


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(url(world))
    assert response.status_code == 302
    assert response.url.startswith(reverse("core:login"))


def test_outsider_gets_404(world, desk, login):
    assert login(world.outsider).get(url(world)).status_code == 404


def test_resident_gets_404(world, desk, login, submit):
    submit()
    assert login(world.resident).get(url(world)).status_code == 404


def test_unknown_compound_is_404(world, login):
    response = login(world.staff).get(reverse("tickets:workbench", args=["no-such"]))
    assert response.status_code == 404


def test_handler_starts_on_their_own_queue_without_bulk_assign(world, desk, login, at_status):
    mine = at_status(Status.ASSIGNED)
    response = login(desk.handler).get(url(world))
    assert response.status_code == 200
    assert response.context["tab"] == "mine"
    assert numbers(response) == [mine.pk]
    html = response.content.decode()
    assert 'name="ticket"' not in html and 'name="assignee"' not in html
    assert reverse("tickets:slip", args=[mine.pk]) in html
    assert reverse("tickets:detail", args=[mine.pk]) in html


def test_leader_and_community_staff_start_on_the_team_queue_with_bulk_assign(
    world, desk, login, submit
):
    ticket = submit()
    for user in (desk.leader, world.staff):
        response = login(user).get(url(world))
        assert response.context["tab"] == "team"
        assert numbers(response) == [ticket.pk]
        html = response.content.decode()
        assert f'name="ticket" value="{ticket.pk}"' in html
        assert 'name="assignee"' in html
        assert reverse("tickets:followups", args=[world.compound.code]) in html


def test_party_member_of_a_building_sees_only_that_building(world, desk, login, submit):
    here = submit()
    elsewhere_unit = f.UnitFactory(entrance__building__compound=world.compound)
    elsewhere = submit(
        **by_staff(world), location_kind=LocationKind.BUILDING, building=elsewhere_unit.building
    )
    member = f.UserFactory()
    f.grant(member, Role.PARTY_MEMBER, world.unit.building)
    response = login(member).get(url(world, tab="all"))
    assert response.status_code == 200
    assert numbers(response) == [here.pk]
    assert elsewhere.pk not in numbers(response)


# ---------------------------------------------------------------- queues


def test_my_queue_holds_my_open_requests_only(world, desk, login, at_status):
    assigned = at_status(Status.ASSIGNED)
    working = at_status(Status.IN_PROGRESS)
    at_status(Status.RESOLVED)  # finished: not in the queue
    others = at_status(Status.ACCEPTED)
    services.ticket_assign(actor=desk.leader, ticket=others, assignee=desk.handler2)
    response = login(desk.handler).get(url(world, tab="mine"))
    assert sorted(numbers(response)) == sorted([assigned.pk, working.pk])
    assert response.context["tabs"][0][2] == 2


def test_team_queue_is_my_organisations_open_requests(
    world, desk, login, at_status, other_team_ticket
):
    ours = at_status(Status.ACCEPTED)
    at_status(Status.CLOSED)
    response = login(desk.handler).get(url(world, tab="team"))
    assert numbers(response) == [ours.pk]
    # Community staff answer for every team.
    response = login(world.staff).get(url(world, tab="team"))
    assert sorted(numbers(response)) == sorted([ours.pk, other_team_ticket.pk])


def test_overdue_queue_lists_late_requests_but_not_paused_ones(world, desk, login, at_status):
    now = timezone.now()
    late_reply = at_status(Status.SUBMITTED)
    Ticket.objects.filter(pk=late_reply.pk).update(respond_by=now - timedelta(hours=3))
    late_fix = at_status(Status.IN_PROGRESS)
    Ticket.objects.filter(pk=late_fix.pk).update(resolve_by=now - timedelta(minutes=5))
    paused = at_status(Status.PAUSED)
    Ticket.objects.filter(pk=paused.pk).update(resolve_by=now - timedelta(hours=1))
    at_status(Status.ACCEPTED)  # on time
    response = login(world.staff).get(url(world, tab="overdue"))
    assert numbers(response) == [late_reply.pk, late_fix.pk]
    html = response.content.decode()
    assert "overdue by 3 h" in html


def test_unassigned_queue_holds_submitted_and_accepted_without_handler(
    world, desk, login, at_status
):
    submitted = at_status(Status.SUBMITTED)
    accepted = at_status(Status.ACCEPTED)
    at_status(Status.ASSIGNED)
    at_status(Status.REJECTED)
    response = login(desk.leader).get(url(world, tab="unassigned"))
    assert sorted(numbers(response)) == sorted([submitted.pk, accepted.pk])


def test_all_holds_every_request_newest_first(world, desk, login, at_status):
    closed = at_status(Status.CLOSED)
    rejected = at_status(Status.REJECTED)
    submitted = at_status(Status.SUBMITTED)
    response = login(world.staff).get(url(world, tab="all"))
    assert numbers(response) == [submitted.pk, rejected.pk, closed.pk]


def test_tab_counts_match_each_queue(world, desk, login, at_status):
    at_status(Status.SUBMITTED)
    at_status(Status.ACCEPTED)
    at_status(Status.ASSIGNED)
    at_status(Status.CLOSED)
    client = login(desk.handler)
    counts = {name: count for name, _l, count, _q in client.get(url(world)).context["tabs"]}
    assert counts == {"mine": 1, "team": 3, "overdue": 0, "unassigned": 2, "all": 4}
    for name, count in counts.items():
        assert len(numbers(client.get(url(world, tab=name)))) == count


def test_open_queues_put_the_nearest_deadline_first(world, desk, login, at_status):
    later = at_status(Status.SUBMITTED)
    sooner = at_status(Status.SUBMITTED)
    now = timezone.now()
    Ticket.objects.filter(pk=sooner.pk).update(respond_by=now + timedelta(minutes=40))
    Ticket.objects.filter(pk=later.pk).update(respond_by=now + timedelta(hours=5))
    response = login(world.staff).get(url(world, tab="team"))
    assert numbers(response) == [sooner.pk, later.pk]
    html = response.content.decode()
    assert "due in 40 min" in html or "due in 39 min" in html
    assert "due in 5 h" in html or "due in 4 h" in html


def test_priority_and_status_show_in_words_not_colour_only(world, desk, login, submit):
    submit(priority=Priority.EMERGENCY)
    html = login(world.staff).get(url(world)).content.decode()
    assert "Emergency" in html and "bi-exclamation-octagon-fill" in html
    assert "Submitted" in html


def test_where_shows_building_and_unit_code_to_staff(world, desk, login, submit):
    submit()
    html = login(world.staff).get(url(world)).content.decode()
    assert world.unit.code in html
    assert "Building 63" in html


# ---------------------------------------------------------------- filters and search


@pytest.fixture
def mixed(world, desk, submit):
    """Four requests that differ in one thing each."""
    other_building = f.UnitFactory(entrance__building__compound=world.compound).building
    return {
        "leak": submit(),
        "lift": submit(category=desk.cats["lift"], description="电梯卡在三楼"),
        "emergency": submit(priority=Priority.EMERGENCY, description="水管爆裂 满地是水"),
        "phone": submit(
            **by_staff(world),
            location_kind=LocationKind.BUILDING,
            building=other_building,
            description="楼道灯坏了",
        ),
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"priority": "emergency"}, ["emergency"]),
        ({"channel": "phone"}, ["phone"]),
        ({"status": "submitted"}, ["leak", "lift", "emergency", "phone"]),
        ({"status": "accepted"}, []),
        ({"q": "电梯"}, ["lift"]),
        ({"q": "水管 满地"}, ["emergency"]),
        ({"q": "水管 电梯"}, []),
    ],
)
def test_filters_and_search(world, login, mixed, params, expected):
    response = login(world.staff).get(url(world, tab="all"), params)
    assert sorted(numbers(response)) == sorted(mixed[name].pk for name in expected)


def test_filter_by_category_and_building(world, desk, login, mixed):
    client = login(world.staff)
    response = client.get(url(world, tab="all"), {"category": desk.cats["lift"].pk})
    assert numbers(response) == [mixed["lift"].pk]
    response = client.get(url(world, tab="all"), {"building": mixed["phone"].building_id})
    assert numbers(response) == [mixed["phone"].pk]


def test_search_by_request_number(world, login, mixed):
    wanted = mixed["lift"]
    for text in (str(wanted.pk), f"#{wanted.pk}"):
        response = login(world.staff).get(url(world, tab="all"), {"q": text})
        assert numbers(response) == [wanted.pk]


def test_filter_by_date_range(world, login, mixed):
    today = timezone.localdate()
    Ticket.objects.filter(pk=mixed["leak"].pk).update(
        created_at=timezone.now() - timedelta(days=10)
    )
    client = login(world.staff)
    since = (today - timedelta(days=1)).isoformat()
    response = client.get(url(world, tab="all"), {"created_from": since})
    assert mixed["leak"].pk not in numbers(response) and len(numbers(response)) == 3
    until = (today - timedelta(days=5)).isoformat()
    response = client.get(url(world, tab="all"), {"created_to": until})
    assert numbers(response) == [mixed["leak"].pk]


def test_bad_filters_are_named_and_left_out(world, login, mixed):
    today = timezone.localdate()
    response = login(world.staff).get(
        url(world, tab="all"),
        {
            "created_from": today.isoformat(),
            "created_to": (today - timedelta(days=3)).isoformat(),
            "priority": "whenever",
        },
    )
    assert response.status_code == 200
    assert len(numbers(response)) == 4  # nothing valid left to filter by
    html = response.content.decode()
    assert "These filters were not applied" in html
    assert "“Reported until” is before “Reported from”" in html
    assert "Priority:" in html


def test_filters_narrow_the_counts_too(world, login, mixed):
    response = login(world.staff).get(url(world), {"priority": "emergency"})
    counts = {name: count for name, _l, count, _q in response.context["tabs"]}
    assert counts["all"] == 1 and counts["unassigned"] == 1


# ---------------------------------------------------------------- live updates (HTMX)


def test_list_partial_refreshes_every_30s_keeping_the_filters(world, login, mixed):
    response = login(world.staff).get(
        url(world),
        {"tab": "all", "priority": "emergency"},
        headers={"HX-Request": "true", "HX-Target": "workbench-list"},
    )
    html = response.content.decode()
    assert "<html" not in html and 'id="workbench-list"' in html
    assert 'id="workbench-tabs"' not in html  # a refresh alone brings no out-of-band counts
    assert "every 30s [mulinWorkbenchIdle('workbench-list')]" in html
    assert "priority=emergency" in html and "tab=all" in html
    assert numbers(response) == [mixed["emergency"].pk]


def test_tabs_partial_is_the_counts_only(world, login, mixed):
    response = login(world.staff).get(
        url(world), headers={"HX-Request": "true", "HX-Target": "workbench-tabs"}
    )
    html = response.content.decode()
    assert 'id="workbench-tabs"' in html and 'id="workbench-list"' not in html
    assert "every 30s" in html


def test_body_partial_carries_the_tab_to_the_filter_form(world, login, mixed):
    response = login(world.staff).get(
        url(world, tab="unassigned"), headers={"HX-Request": "true", "HX-Target": "workbench-body"}
    )
    html = response.content.decode()
    assert 'id="workbench-body"' in html
    assert 'id="wb-tab" name="tab" value="unassigned" hx-swap-oob="true"' in html


def test_new_request_button_only_when_the_intake_page_exists(world, login, mixed):
    from django.urls import NoReverseMatch

    html = login(world.staff).get(url(world)).content.decode()
    try:
        intake = reverse("tickets:new", args=[world.compound.code])
    except NoReverseMatch:
        assert "New request" not in html
    else:
        assert intake in html


# ---------------------------------------------------------------- pagination and query counts


def test_list_is_paginated(world, desk, login, submit):
    for _ in range(27):
        submit()
    client = login(world.staff)
    first = client.get(url(world, tab="all"))
    assert len(numbers(first)) == 25
    second = client.get(url(world, tab="all", page=2))
    assert len(numbers(second)) == 2
    assert "tab=all" in second.content.decode()


def _make_rows(world, desk, at_status, n: int) -> None:
    """n requests in each of several states, on two teams and in two buildings."""
    now = timezone.now()
    for _ in range(n):
        at_status(Status.SUBMITTED)
        at_status(Status.ASSIGNED)
        late = at_status(Status.ACCEPTED)
        Ticket.objects.filter(pk=late.pk).update(respond_by=now - timedelta(hours=2))
        other = at_status(Status.IN_PROGRESS)
        Ticket.objects.filter(pk=other.pk).update(organisation=desk.other_team)


@pytest.mark.parametrize("tab", ["mine", "team", "overdue", "unassigned", "all"])
@pytest.mark.parametrize("who", ["handler", "leader", "staff"])
def test_query_count_does_not_grow_with_rows(
    world, desk, login, at_status, count_queries, django_assert_max_num_queries, tab, who
):
    user = world.staff if who == "staff" else getattr(desk, who)
    client = login(user)
    _make_rows(world, desk, at_status, 1)
    with count_queries() as small:
        first = client.get(url(world, tab=tab))
    _make_rows(world, desk, at_status, 2)  # 3N in all
    with django_assert_max_num_queries(20), count_queries() as large:
        response = client.get(url(world, tab=tab))
    assert response.status_code == 200
    if tab in ("team", "all") and who == "staff":
        assert len(response.context["rows"]) == 3 * len(first.context["rows"])
    assert small.count == large.count, large.dump()
