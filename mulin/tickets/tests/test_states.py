"""The state machine: every move outside the table is refused, every move in it is allowed for
the parties the table names and refused for everyone else."""

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from mulin.core.models import AuditEvent
from mulin.tickets import services
from mulin.tickets.models import EventKind, TicketEvent
from mulin.tickets.states import TRANSITIONS, Party, Status, Target

from .conftest import extra_args

ILLEGAL = [(s, t) for s in Status.values for t in Target.values if (s, t) not in TRANSITIONS]
LEGAL = sorted(TRANSITIONS)

# How each test user stands to a ticket assigned to `handler` (written out, not computed).
ACTOR_PARTIES = {
    "resident": {Party.REQUESTER},
    "handler": {Party.ASSIGNEE, Party.HANDLER},
    "handler2": {Party.HANDLER},
    "leader": {Party.HANDLER, Party.MANAGER},
    "staff": {Party.HANDLER, Party.MANAGER},
}


def _user(name, world, desk):
    return getattr(world, name, None) or getattr(desk, name)


@pytest.mark.parametrize(("status", "target"), ILLEGAL)
def test_every_illegal_transition_is_refused_naming_both_states(
    status, target, world, desk, at_status
):
    ticket = at_status(status)
    events = TicketEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.ticket_transition(
            actor=world.admin, ticket=ticket, to=target, note="x", **extra_args(target, desk)
        )
    message = caught.value.messages[0]
    assert str(Status(status).label) in message
    assert str(Target(target).label) in message
    ticket.refresh_from_db()
    assert ticket.status == status
    assert TicketEvent.objects.count() == events


@pytest.mark.parametrize(("status", "target"), LEGAL)
@pytest.mark.parametrize("who", sorted(ACTOR_PARTIES))
def test_legal_transition_is_allowed_only_for_the_parties_the_table_names(
    status, target, who, world, desk, at_status
):
    ticket = at_status(status)
    actor = _user(who, world, desk)
    parties = set(ACTOR_PARTIES[who])
    if ticket.assignee_id is None:
        parties.discard(Party.ASSIGNEE)
    rule = TRANSITIONS[(status, target)]
    allowed = bool(parties & rule.parties)
    audits = AuditEvent.objects.filter(action=f"tickets.{target}").count()
    call = {
        "actor": actor,
        "ticket": ticket,
        "to": target,
        "note": "理由",
        **extra_args(target, desk),
    }
    if allowed:
        moved = services.ticket_transition(**call)
        assert moved.status == rule.lands_in
        event = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.TRANSITION).last()
        assert (event.from_status, event.to_status, event.actor) == (status, rule.lands_in, actor)
        assert AuditEvent.objects.filter(action=f"tickets.{target}").count() == audits + 1
    else:
        with pytest.raises(ValidationError):
            services.ticket_transition(**call)
        ticket.refresh_from_db()
        assert ticket.status == status


@pytest.mark.parametrize(("status", "target"), LEGAL)
def test_outsider_gets_404_for_every_move(status, target, world, desk, at_status):
    ticket = at_status(status)
    with pytest.raises(Http404):
        services.ticket_transition(
            actor=world.outsider, ticket=ticket, to=target, note="x", **extra_args(target, desk)
        )
    ticket.refresh_from_db()
    assert ticket.status == status


@pytest.mark.parametrize(
    "target", [Target.REJECTED, Target.TRANSFERRED, Target.PAUSED, Target.REOPENED]
)
def test_moves_that_need_a_reason_refuse_an_empty_note(target, world, desk, at_status):
    status = next(s for (s, t) in LEGAL if t == target)
    ticket = at_status(status)
    actor = world.resident if target == Target.REOPENED else desk.leader
    with pytest.raises(ValidationError) as caught:
        services.ticket_transition(
            actor=actor, ticket=ticket, to=target, note="  ", **extra_args(target, desk)
        )
    assert "note" in caught.value.message_dict
    ticket.refresh_from_db()
    assert ticket.status == status


def test_reject_reason_is_on_the_timeline(world, desk, at_status):
    ticket = at_status(Status.SUBMITTED)
    services.ticket_transition(actor=desk.leader, ticket=ticket, to=Target.REJECTED, note="不属实")
    event = TicketEvent.objects.get(ticket=ticket, action=Target.REJECTED)
    assert event.note == "不属实"
    ticket.refresh_from_db()
    assert ticket.closed_at is not None


def test_transfer_lands_in_accepted_for_the_new_team(desk, at_status):
    ticket = at_status(Status.IN_PROGRESS)
    moved = services.ticket_transition(
        actor=desk.handler,
        ticket=ticket,
        to=Target.TRANSFERRED,
        note="属于准物业",
        organisation=desk.other_team,
    )
    assert moved.status == Status.ACCEPTED
    assert moved.organisation == desk.other_team
    assert moved.assignee is None


def test_pause_needs_a_future_resume_date(desk, at_status):
    from django.utils import timezone

    ticket = at_status(Status.IN_PROGRESS)
    for bad in (None, timezone.localdate()):
        with pytest.raises(ValidationError) as caught:
            services.ticket_transition(
                actor=desk.handler, ticket=ticket, to=Target.PAUSED, note="等配件", paused_until=bad
            )
        assert "paused_until" in caught.value.message_dict


def test_assign_needs_a_handler_who_may_handle_it(world, desk, at_status):
    ticket = at_status(Status.ACCEPTED)
    with pytest.raises(ValidationError) as caught:
        services.ticket_assign(actor=desk.leader, ticket=ticket, assignee=world.outsider)
    assert "assignee" in caught.value.message_dict
    moved = services.ticket_assign(actor=desk.leader, ticket=ticket, assignee=desk.handler2)
    assert (moved.status, moved.assignee) == (Status.ASSIGNED, desk.handler2)
    again = services.ticket_assign(actor=desk.leader, ticket=moved, assignee=desk.handler)
    assert (again.status, again.assignee) == (Status.ASSIGNED, desk.handler)
    with pytest.raises(ValidationError):
        services.ticket_assign(actor=desk.handler, ticket=again, assignee=desk.handler2)


def test_unknown_target_is_refused(desk, at_status):
    ticket = at_status(Status.SUBMITTED)
    with pytest.raises(ValidationError) as caught:
        services.ticket_transition(actor=desk.leader, ticket=ticket, to="done")
    assert "to" in caught.value.message_dict


def test_cost_lines_only_on_chargeable_categories(world, desk, submit):
    ticket = submit()
    services.ticket_transition(actor=desk.leader, ticket=ticket, to=Target.ACCEPTED)
    services.ticket_assign(actor=desk.leader, ticket=ticket, assignee=desk.handler)
    services.ticket_transition(actor=desk.handler, ticket=ticket, to=Target.IN_PROGRESS)
    lines = [{"item": "水管", "amount": "35.00"}]
    with pytest.raises(ValidationError) as caught:
        services.ticket_transition(
            actor=desk.handler, ticket=ticket, to=Target.RESOLVED, cost_lines=lines
        )
    assert "cost_lines" in caught.value.message_dict
    paid = submit(category=desk.cats["plumbing"])
    services.ticket_transition(actor=desk.leader, ticket=paid, to=Target.ACCEPTED)
    services.ticket_assign(actor=desk.leader, ticket=paid, assignee=desk.handler)
    services.ticket_transition(actor=desk.handler, ticket=paid, to=Target.IN_PROGRESS)
    services.ticket_transition(
        actor=desk.handler, ticket=paid, to=Target.RESOLVED, cost_lines=lines
    )
    assert TicketEvent.objects.get(ticket=paid, action=Target.RESOLVED).cost_lines == lines
