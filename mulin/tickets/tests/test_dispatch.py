"""Who hears and who gets it: followers, messages on each move, round-robin dispatch, emergency
paging, merges carrying followers, cost lines."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from mulin.core.models import Notification, NotificationKind
from mulin.orgs.models import DutyShift, MemberRole, OrgKind, ResponsibilityArea
from mulin.testing import factories as f
from mulin.tickets import services
from mulin.tickets.models import (
    DispatchMode,
    EventKind,
    Follower,
    Priority,
    Ticket,
    TicketEvent,
)
from mulin.tickets.states import Status, Target


def inbox(user, kind=None):
    rows = Notification.objects.filter(recipient=user)
    if kind:
        rows = rows.filter(kind=kind)
    return list(rows)


def test_the_resident_follows_their_request_and_hears_of_each_move(world, desk, submit):
    ticket = submit()
    assert list(Follower.objects.filter(ticket=ticket).values_list("user", flat=True)) == [
        world.resident.pk
    ]
    services.ticket_transition(actor=desk.leader, ticket=ticket, to=Target.ACCEPTED)
    messages = inbox(world.resident, NotificationKind.STATUS)
    assert len(messages) == 1
    assert f"#{ticket.pk}" in messages[0].title
    assert "Accepted" in messages[0].body
    assert messages[0].url == f"/requests/{ticket.pk}/"


def test_the_one_who_moves_a_request_is_not_told_about_it(world, desk, submit):
    ticket = submit()
    services.ticket_transition(actor=desk.leader, ticket=ticket, to=Target.ACCEPTED)
    assert inbox(desk.leader) == []


def test_assignment_tells_the_handler(world, desk, at_status):
    ticket = at_status(Status.ASSIGNED)
    messages = inbox(desk.handler, NotificationKind.ASSIGNMENT)
    assert [m.target_id for m in messages] == [str(ticket.pk)]
    services.ticket_assign(actor=desk.leader, ticket=ticket, assignee=desk.handler2)
    assert len(inbox(desk.handler2, NotificationKind.ASSIGNMENT)) == 1


def test_resolving_asks_the_resident_for_a_rating_instead_of_a_status_message(
    world, desk, at_status
):
    ticket = at_status(Status.IN_PROGRESS)
    before = len(inbox(world.resident, NotificationKind.STATUS))
    services.ticket_transition(actor=desk.handler, ticket=ticket, to=Target.RESOLVED)
    assert len(inbox(world.resident, NotificationKind.RATING)) == 1
    assert len(inbox(world.resident, NotificationKind.STATUS)) == before


def test_staff_submission_on_behalf_makes_the_residents_account_follow(world, desk):
    ticket = services.ticket_submit(
        actor=world.staff,
        compound=world.compound,
        category=desk.cats["lift"],
        description="电梯停在三楼不动",
        unit=world.unit,
        channel="phone",
        on_behalf_of=world.resident_person,
        idempotency_key="phone-1",
    )
    followers = set(Follower.objects.filter(ticket=ticket).values_list("user", flat=True))
    assert followers == {world.resident.pk}


def test_merge_carries_the_duplicates_followers_to_the_kept_request(world, desk, submit):
    kept = submit()
    neighbour = f.UserFactory(username="neighbour")
    dup = services.ticket_submit(
        actor=world.staff,
        compound=world.compound,
        category=desk.cats["leak"],
        description="楼上漏水",
        unit=world.neighbour_unit,
        channel="phone",
        idempotency_key="dup-1",
    )
    Follower.objects.create(ticket=dup, user=neighbour)
    services.ticket_merge(actor=desk.leader, ticket=dup, into=kept)
    followers = set(Follower.objects.filter(ticket=kept).values_list("user", flat=True))
    assert followers == {world.resident.pk, neighbour.pk}
    services.ticket_transition(actor=desk.leader, ticket=kept, to=Target.ACCEPTED)
    assert len(inbox(neighbour, NotificationKind.STATUS)) == 1


def test_urging_tells_the_handler_or_the_whole_team_while_nobody_has_it(world, desk, at_status):
    accepted = at_status(Status.ACCEPTED)
    services.ticket_urge(actor=world.resident, ticket=accepted, note="还没人来")
    for user in (desk.leader, desk.handler, desk.handler2):
        [message] = inbox(user, NotificationKind.STATUS)
        assert "urging" in message.title and "还没人来" in message.body
    Notification.objects.all().delete()
    assigned = at_status(Status.ASSIGNED)
    Notification.objects.all().delete()
    services.ticket_urge(actor=world.resident, ticket=assigned)
    assert [n.recipient for n in Notification.objects.filter(kind=NotificationKind.STATUS)] == [
        desk.handler
    ]


# --- round-robin -----------------------------------------------------------------------------


def test_round_robin_gives_accepted_requests_to_each_handler_in_turn(world, desk, submit):
    desk.cats["leak"].dispatch_mode = DispatchMode.ROUND_ROBIN
    desk.cats["leak"].save()
    got = []
    for _ in range(3):
        ticket = services.ticket_transition(actor=desk.leader, ticket=submit(), to=Target.ACCEPTED)
        ticket.refresh_from_db()
        assert ticket.status == Status.ASSIGNED
        got.append(ticket.assignee)
    # The team's handlers are the leader (property manager) and two staff, in account order.
    team = sorted([desk.leader, desk.handler, desk.handler2], key=lambda u: u.pk)
    assert got == team
    event = TicketEvent.objects.filter(kind=EventKind.ASSIGNMENT, action="round_robin").first()
    assert event.actor is None and event.data["assignee"] == team[0].pk


def test_manual_dispatch_leaves_accepted_requests_for_the_leader(world, desk, submit):
    ticket = services.ticket_transition(actor=desk.leader, ticket=submit(), to=Target.ACCEPTED)
    assert ticket.status == Status.ACCEPTED
    assert ticket.assignee is None


def test_round_robin_with_no_handlers_leaves_the_request_accepted(world, desk, submit):
    empty = f.OrganisationFactory(kind=OrgKind.MEDIATION_COMMITTEE, compound=world.compound)
    cat = desk.cats["neighbour_dispute"]
    cat.organisation = empty
    cat.dispatch_mode = DispatchMode.ROUND_ROBIN
    cat.save()
    ticket = services.ticket_transition(
        actor=world.staff, ticket=submit(category=cat), to=Target.ACCEPTED
    )
    assert (ticket.status, ticket.assignee) == (Status.ACCEPTED, None)


# --- emergencies -----------------------------------------------------------------------------


@pytest.fixture
def on_call(world, desk):
    """A person on duty now and the party member who answers for building 63, each with an
    account."""
    now = timezone.now()
    duty_person = f.PersonFactory(compound=world.compound, name="值班员")
    DutyShift.objects.create(
        organisation=desk.team,
        person=duty_person,
        starts_at=now - timedelta(hours=2),
        ends_at=now + timedelta(hours=6),
        phone="13900000001",
    )
    duty_user = f.UserFactory(username="duty", person=duty_person)
    branch = f.OrganisationFactory(kind=OrgKind.PARTY_BRANCH, compound=world.compound)
    member = f.MembershipFactory(organisation=branch, role=MemberRole.SECRETARY)
    ResponsibilityArea.objects.create(membership=member, building=world.unit.building)
    secretary = f.UserFactory(username="secretary", person=member.person)
    return duty_user, secretary


def test_an_emergency_pages_the_person_on_duty_and_the_responsible_party_member(
    world, desk, submit, on_call
):
    duty_user, secretary = on_call
    ticket = submit(priority=Priority.EMERGENCY, description="凌晨客厅卧室渗水严重")
    for user in (duty_user, secretary):
        [message] = inbox(user, NotificationKind.EMERGENCY)
        assert f"#{ticket.pk}" in message.title
        assert world.unit.code in message.body
    page = TicketEvent.objects.get(ticket=ticket, kind=EventKind.PAGE)
    assert sorted(page.data["user_ids"]) == sorted([duty_user.pk, secretary.pk])
    # Those paged hear of the progress too.
    assert Follower.objects.filter(ticket=ticket, user=duty_user).exists()


def test_a_normal_request_pages_nobody(world, desk, submit, on_call):
    submit()
    assert Notification.objects.filter(kind=NotificationKind.EMERGENCY).count() == 0
    assert not TicketEvent.objects.filter(kind=EventKind.PAGE).exists()


def test_a_shift_that_has_ended_is_not_paged(world, desk, submit, on_call):
    duty_user, _secretary = on_call
    DutyShift.objects.update(ends_at=timezone.now() - timedelta(minutes=1))
    submit(priority=Priority.EMERGENCY)
    assert inbox(duty_user, NotificationKind.EMERGENCY) == []


# --- cost lines ------------------------------------------------------------------------------


def _in_progress_plumbing(world, desk, submit):
    ticket = submit(category=desk.cats["plumbing"])
    services.ticket_transition(actor=desk.leader, ticket=ticket, to=Target.ACCEPTED)
    services.ticket_transition(
        actor=desk.leader, ticket=ticket, to=Target.ASSIGNED, assignee=desk.handler
    )
    return services.ticket_transition(actor=desk.handler, ticket=ticket, to=Target.IN_PROGRESS)


def test_cost_lines_are_kept_as_exact_yuan(world, desk, submit):
    ticket = _in_progress_plumbing(world, desk, submit)
    services.ticket_transition(
        actor=desk.handler,
        ticket=ticket,
        to=Target.RESOLVED,
        cost_lines=[{"item": "水管接头", "amount": "35.5"}, {"item": "人工", "amount": 80}],
    )
    event = TicketEvent.objects.filter(ticket=ticket, action=Target.RESOLVED).get()
    assert event.cost_lines == [
        {"item": "水管接头", "amount": "35.50"},
        {"item": "人工", "amount": "80.00"},
    ]
    assert sum(Decimal(line["amount"]) for line in event.cost_lines) == Decimal("115.50")


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ({"item": "", "amount": "10"}, "needs what was paid for"),
        ({"item": "接头", "amount": "-1"}, "amount in yuan"),
        ({"item": "接头", "amount": "1.005"}, "amount in yuan"),
        ({"item": "接头", "amount": "abc"}, "amount in yuan"),
        ({"item": "接头", "amount": "NaN"}, "amount in yuan"),
        ({"item": "接头", "amount": "100000"}, "amount in yuan"),
    ],
)
def test_bad_cost_lines_are_refused_and_change_nothing(world, desk, submit, line, fragment):
    ticket = _in_progress_plumbing(world, desk, submit)
    with pytest.raises(ValidationError) as caught:
        services.ticket_transition(
            actor=desk.handler, ticket=ticket, to=Target.RESOLVED, cost_lines=[line]
        )
    assert fragment in " ".join(caught.value.messages)
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS


# --- notes, visibility, exclusion ------------------------------------------------------------


def test_resident_adds_a_note_and_a_stranger_cannot(world, desk, submit):
    ticket = submit()
    event = services.ticket_comment(actor=world.resident, ticket=ticket, note="下午三点后在家")
    assert event.note == "下午三点后在家"
    with pytest.raises(ValidationError):
        services.ticket_comment(actor=world.resident, ticket=ticket, note="  ")
    from django.http import Http404

    with pytest.raises(Http404):
        services.ticket_comment(actor=world.outsider, ticket=ticket, note="看看")


def test_only_the_requester_hides_their_request_from_the_board(world, desk, submit):
    ticket = submit()
    services.ticket_set_public(actor=world.resident, ticket=ticket, shown=False)
    assert Ticket.objects.get(pk=ticket.pk).public_hidden is True
    with pytest.raises(ValidationError):
        services.ticket_set_public(actor=desk.leader, ticket=ticket, shown=True)
    assert Ticket.objects.get(pk=ticket.pk).public_hidden is True


def test_a_manager_excludes_a_malicious_repeat_with_a_reason_and_a_handler_cannot(
    world, desk, submit
):
    ticket = submit()
    with pytest.raises(ValidationError):
        services.ticket_exclude(actor=desk.handler, ticket=ticket, reason="恶意重复")
    services.ticket_exclude(actor=desk.leader, ticket=ticket, reason="同一问题第五次恶意重复")
    assert Ticket.objects.get(pk=ticket.pk).excluded_reason == "同一问题第五次恶意重复"
    services.ticket_exclude(actor=desk.leader, ticket=ticket, reason="")
    assert Ticket.objects.get(pk=ticket.pk).excluded_reason == ""
