"""Bulk assignment and claiming from the workbench: each row succeeds or fails on its own, a
failed row is left exactly as it was, and the answer says which and why."""

import pytest
from django.urls import reverse

from mulin.core.models import AuditEvent, Role
from mulin.testing import factories as f
from mulin.tickets import services
from mulin.tickets.models import Ticket, TicketEvent
from mulin.tickets.states import Status, Target

HX = {"HX-Request": "true", "HX-Target": "workbench-list"}


def assign_url(world) -> str:
    return reverse("tickets:workbench_assign", args=[world.compound.code])


def claim_url(world, ticket) -> str:
    return reverse("tickets:workbench_claim", args=[world.compound.code, ticket.pk])


def state(ticket) -> tuple:
    fresh = Ticket.objects.get(pk=ticket.pk)
    return fresh.status, fresh.assignee_id, TicketEvent.objects.filter(ticket=ticket).count()


# ---------------------------------------------------------------- bulk assign


def test_leader_assigns_accepted_and_submitted_rows_in_one_go(world, desk, login, at_status):
    accepted = at_status(Status.ACCEPTED)
    submitted = at_status(Status.SUBMITTED)
    response = login(desk.leader).post(
        assign_url(world),
        {
            "ticket": [accepted.pk, submitted.pk],
            "assignee": desk.handler2.pk,
            "note": "今天上午去",
            "listing": "tab=unassigned",
        },
        headers=HX,
    )
    assert response.status_code == 200
    for ticket in (accepted, submitted):
        fresh = Ticket.objects.get(pk=ticket.pk)
        assert fresh.status == Status.ASSIGNED and fresh.assignee == desk.handler2
    # The submitted one was accepted first, on its timeline and in the audit trail.
    assert AuditEvent.objects.filter(
        action="tickets.accepted", target_id=str(submitted.pk)
    ).exists()
    assert AuditEvent.objects.filter(action="tickets.assigned").count() == 2
    html = response.content.decode()
    assert "Assigned: 2. Not assigned: 0." in html
    assert f"#{accepted.pk} is assigned to {desk.handler2.display_name}." in html
    # The answer is the list again, still on the tab the leader was on (now empty).
    assert 'id="workbench-list"' in html and "<html" not in html
    assert response.context["tab"] == "unassigned"
    assert response.context["rows"] == []
    # The tab counts come along out of band, already counting the change.
    assert 'id="workbench-tabs"' in html and 'hx-swap-oob="true"' in html
    counts = {name: n for name, _label, n, _q in response.context["tabs"]}
    assert counts["unassigned"] == 0 and counts["team"] == 2


def test_reassigning_an_assigned_row_moves_it_to_the_other_handler(world, desk, login, at_status):
    ticket = at_status(Status.IN_PROGRESS)
    login(desk.leader).post(
        assign_url(world), {"ticket": [ticket.pk], "assignee": desk.handler2.pk}, headers=HX
    )
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert fresh.assignee == desk.handler2 and fresh.status == Status.IN_PROGRESS
    assert AuditEvent.objects.filter(action="tickets.reassign", target_id=str(ticket.pk)).exists()


def test_partial_failure_reports_each_row_and_changes_nothing_for_the_failed(
    world, desk, login, at_status
):
    good = at_status(Status.ACCEPTED)
    closed = at_status(Status.CLOSED)
    other_team = at_status(Status.SUBMITTED)
    Ticket.objects.filter(pk=other_team.pk).update(organisation=desk.other_team)
    before_closed, before_other = state(closed), state(other_team)
    response = login(world.staff).post(
        assign_url(world),
        {"ticket": [good.pk, closed.pk, other_team.pk], "assignee": desk.handler.pk},
        headers=HX,
    )
    html = response.content.decode()
    assert Ticket.objects.get(pk=good.pk).assignee == desk.handler
    assert state(closed) == before_closed
    # The submitted row of the other team was not even accepted.
    assert state(other_team) == before_other
    assert "Assigned: 1. Not assigned: 2." in html
    assert (
        f"#{closed.pk} is not assigned: A request that is “Closed” cannot go to “Assign”." in html
    )
    assert (
        f"#{other_team.pk} is not assigned: {desk.handler.display_name} is not a handler of "
        f"{desk.other_team.name}, the team handling it."
    ) in html
    results = {r.number: r.ok for r in response.context["results"]}
    assert results == {good.pk: True, closed.pk: False, other_team.pk: False}


def test_a_request_without_a_team_is_not_assigned(world, desk, login, at_status):
    ticket = at_status(Status.SUBMITTED)
    Ticket.objects.filter(pk=ticket.pk).update(organisation=None)
    before = state(ticket)
    response = login(world.staff).post(
        assign_url(world), {"ticket": [ticket.pk], "assignee": desk.handler.pk}, headers=HX
    )
    assert state(ticket) == before
    assert "It has no handling team yet" in response.content.decode()


def test_requests_of_another_compound_are_refused_by_row(world, desk, login, at_status):
    foreign_category = services.categories_ensure_defaults(actor=world.admin, compound=world.other)[
        0
    ]
    foreign = services.ticket_submit(
        actor=world.admin,
        compound=world.other,
        category=foreign_category,
        description="别处的诉求",
        unit=world.other_unit,
        channel="phone",
        idempotency_key="foreign-1",
    )
    ours = at_status(Status.ACCEPTED)
    response = login(world.staff).post(
        assign_url(world),
        {"ticket": [foreign.pk, ours.pk], "assignee": desk.handler.pk},
        headers=HX,
    )
    assert Ticket.objects.get(pk=foreign.pk).status == Status.SUBMITTED
    assert Ticket.objects.get(pk=ours.pk).assignee == desk.handler
    assert f"#{foreign.pk}: no such request here." in response.content.decode()


def test_no_selection_or_no_handler_is_a_clear_error(world, desk, login, at_status):
    ticket = at_status(Status.ACCEPTED)
    client = login(desk.leader)
    html = client.post(
        assign_url(world), {"assignee": desk.handler.pk}, headers=HX
    ).content.decode()
    assert "Select at least one request to assign." in html
    html = client.post(assign_url(world), {"ticket": [ticket.pk]}, headers=HX).content.decode()
    assert "Choose the handler to assign the selected requests to." in html
    # A handler the leader does not assign for is not a valid choice.
    html = client.post(
        assign_url(world), {"ticket": [ticket.pk], "assignee": world.outsider.pk}, headers=HX
    ).content.decode()
    assert "Select a valid choice" in html
    assert Ticket.objects.get(pk=ticket.pk).assignee_id is None


def test_without_htmx_the_results_come_back_as_messages(world, desk, login, at_status):
    ticket = at_status(Status.ACCEPTED)
    client = login(desk.leader)
    response = client.post(
        assign_url(world),
        {"ticket": [ticket.pk], "assignee": desk.handler.pk, "listing": "tab=all"},
        follow=True,
    )
    assert response.redirect_chain[-1][0].endswith("?tab=all")
    assert f"#{ticket.pk} is assigned to" in response.content.decode()


def test_handler_may_not_bulk_assign(world, desk, login, at_status):
    ticket = at_status(Status.ACCEPTED)
    response = login(desk.handler).post(
        assign_url(world), {"ticket": [ticket.pk], "assignee": desk.handler.pk}
    )
    assert response.status_code == 404
    assert Ticket.objects.get(pk=ticket.pk).assignee_id is None


@pytest.mark.parametrize("who", ["anonymous", "outsider", "resident"])
def test_others_cannot_bulk_assign(client, world, desk, login, at_status, who):
    ticket = at_status(Status.ACCEPTED)
    if who != "anonymous":
        client = login(getattr(world, who))
    response = client.post(assign_url(world), {"ticket": [ticket.pk], "assignee": desk.handler.pk})
    assert response.status_code in (302, 404)
    if who != "anonymous":
        assert response.status_code == 404
    assert Ticket.objects.get(pk=ticket.pk).assignee_id is None


def test_assignees_offered_are_the_handlers_of_the_leaders_team(world, desk, login, at_status):
    at_status(Status.ACCEPTED)
    outside = f.UserFactory(first_name="别队师傅")
    f.grant(outside, Role.PROPERTY_STAFF, desk.other_team)
    html = (
        login(desk.leader)
        .get(reverse("tickets:workbench", args=[world.compound.code]))
        .content.decode()
    )
    assert desk.handler2.display_name in html
    assert "别队师傅" not in html
    # Community staff assign for every team serving the compound.
    html = (
        login(world.staff)
        .get(reverse("tickets:workbench", args=[world.compound.code]))
        .content.decode()
    )
    assert "别队师傅" in html and desk.handler2.display_name in html


# ---------------------------------------------------------------- claim


def test_handler_claims_from_the_team_pool(world, desk, login, at_status):
    ticket = at_status(Status.ACCEPTED)
    client = login(desk.handler)
    html = client.get(
        reverse("tickets:workbench", args=[world.compound.code]) + "?tab=unassigned"
    ).content.decode()
    assert claim_url(world, ticket) in html
    response = client.post(claim_url(world, ticket), {"listing": "tab=unassigned"}, headers=HX)
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert fresh.status == Status.ASSIGNED and fresh.assignee == desk.handler
    assert AuditEvent.objects.filter(action="tickets.claim", target_id=str(ticket.pk)).exists()
    html = response.content.decode()
    assert f"You took request #{ticket.pk}; it is in your queue now." in html
    assert response.context["tab"] == "unassigned"


def test_a_taken_request_cannot_be_claimed_again(world, desk, login, at_status):
    ticket = at_status(Status.ACCEPTED)
    services.ticket_claim(actor=desk.handler2, ticket=ticket)
    response = login(desk.handler).post(claim_url(world, ticket), headers=HX)
    assert "This request has already been taken." in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).assignee == desk.handler2


def test_no_claim_button_for_other_teams_or_taken_requests(world, desk, login, at_status):
    other = at_status(Status.ACCEPTED)
    Ticket.objects.filter(pk=other.pk).update(organisation=desk.other_team)
    taken = at_status(Status.ASSIGNED)
    html = (
        login(desk.handler)
        .get(reverse("tickets:workbench", args=[world.compound.code]) + "?tab=all")
        .content.decode()
    )
    assert claim_url(world, other) not in html
    assert claim_url(world, taken) not in html


@pytest.mark.parametrize("who", ["outsider", "resident"])
def test_outsiders_and_residents_cannot_claim(world, desk, login, at_status, who):
    ticket = at_status(Status.ACCEPTED)
    assert login(getattr(world, who)).post(claim_url(world, ticket)).status_code == 404
    assert Ticket.objects.get(pk=ticket.pk).assignee_id is None


def test_claim_without_htmx_redirects_with_a_message(world, desk, login, at_status):
    ticket = at_status(Status.ACCEPTED)
    response = login(desk.handler).post(claim_url(world, ticket), follow=True)
    assert "it is in your queue now" in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).assignee == desk.handler


def test_transferred_request_lands_in_the_new_teams_pool(world, desk, login, at_status):
    ticket = at_status(Status.ACCEPTED)
    services.ticket_transition(
        actor=desk.leader,
        ticket=ticket,
        to=Target.TRANSFERRED,
        organisation=desk.other_team,
        note="归准物业",
    )
    html = (
        login(desk.handler)
        .get(reverse("tickets:workbench", args=[world.compound.code]) + "?tab=unassigned")
        .content.decode()
    )
    assert claim_url(world, ticket) not in html


def test_too_many_rows_at_once_are_refused_whole(world, desk, login, at_status):
    ticket = at_status(Status.ACCEPTED)
    ids = [ticket.pk, *range(10**6, 10**6 + 100)]
    response = login(desk.leader).post(
        assign_url(world), {"ticket": ids, "assignee": desk.handler.pk}, headers=HX
    )
    assert "Assign at most 100 requests at a time." in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).assignee_id is None
