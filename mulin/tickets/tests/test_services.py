"""Submission, claiming, urging, reopening, rating, merging, routing and defaults."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import Http404

from mulin.core.models import AuditEvent
from mulin.testing import factories as f
from mulin.tickets import selectors, services
from mulin.tickets.models import (
    Category,
    Channel,
    EventKind,
    LocationKind,
    Rating,
    RoutingRule,
    Ticket,
    TicketEvent,
)
from mulin.tickets.states import Status, Target

T0 = datetime(2030, 7, 1, 4, 0, tzinfo=UTC)  # after the fixtures' role grants start


# --- submission ---------------------------------------------------------------------------


def test_resident_submits_for_their_home_and_it_is_routed_and_audited(world, desk, submit):
    ticket = submit()
    assert ticket.status == Status.SUBMITTED
    assert ticket.requester == world.resident_person
    assert ticket.building == world.unit.building
    assert ticket.organisation == desk.team
    assert ticket.channel == Channel.SELF_SERVICE
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.SUBMISSION).count() == 1
    row = AuditEvent.objects.get(action="tickets.submit", target_id=str(ticket.pk))
    assert row.actor == world.resident
    assert row.subject_person == world.resident_person


def test_same_key_by_the_same_submitter_returns_the_first_request(world, desk, submit):
    first = submit(idempotency_key="tap-1")
    second = submit(idempotency_key="tap-1", description="又一次")
    assert second.pk == first.pk
    assert Ticket.objects.count() == 1
    assert AuditEvent.objects.filter(action="tickets.submit").count() == 1


def test_same_key_by_another_submitter_is_a_new_request(world, desk, submit):
    first = submit(idempotency_key="tap-1")
    other = submit(
        actor=world.staff,
        idempotency_key="tap-1",
        channel=Channel.PHONE,
        on_behalf_of=world.resident_person,
    )
    assert other.pk != first.pk


def test_idempotency_key_is_unique_per_submitter_in_the_database(submit):
    ticket = submit()
    ticket.pk = None
    with pytest.raises(IntegrityError):
        ticket.save()


def test_submission_without_a_key_is_refused(submit):
    with pytest.raises(ValidationError) as caught:
        submit(idempotency_key=" ")
    assert "idempotency_key" in caught.value.message_dict
    assert Ticket.objects.count() == 0


def test_staff_submit_on_behalf_with_the_channel_and_it_is_in_the_audit_trail(world, desk, submit):
    ticket = submit(
        actor=world.staff,
        channel=Channel.PHONE,
        on_behalf_of=world.resident_person,
        unit=world.neighbour_unit,
    )
    assert ticket.channel == Channel.PHONE
    assert ticket.requester == world.resident_person
    assert ticket.on_behalf_of == world.resident_person
    row = AuditEvent.objects.get(action="tickets.submit")
    assert (row.actor, row.on_behalf_of) == (world.staff, world.resident_person)


def test_staff_may_record_an_anonymous_request(world, desk, submit):
    ticket = submit(
        actor=world.staff,
        channel=Channel.PATROL,
        location_kind=LocationKind.COMMON_AREA,
        unit=None,
        place="东门垃圾站",
    )
    assert ticket.requester is None
    assert ticket.place == "东门垃圾站"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"description": "  "}, "description"),
        ({"description": "x" * 4001}, "description"),
        ({"priority": "whenever"}, "priority"),
        ({"channel": Channel.PHONE}, "channel"),
        ({"unit": None}, "unit"),
        ({"location_kind": LocationKind.BUILDING, "unit": None}, "building"),
        ({"location_kind": LocationKind.COMMON_AREA, "unit": None, "place": ""}, "place"),
        ({"location_kind": "roof"}, "location_kind"),
    ],
)
def test_bad_submission_names_the_field_and_creates_nothing(overrides, field, submit):
    with pytest.raises(ValidationError) as caught:
        submit(**overrides)
    assert field in caught.value.message_dict
    assert Ticket.objects.count() == 0
    assert AuditEvent.objects.filter(action="tickets.submit").count() == 0


def test_resident_cannot_report_for_a_neighbours_home(world, submit):
    with pytest.raises(ValidationError) as caught:
        submit(unit=world.neighbour_unit)
    assert "unit" in caught.value.message_dict


def test_resident_cannot_submit_for_someone_else(world, submit):
    with pytest.raises(ValidationError) as caught:
        submit(on_behalf_of=world.resident_person)
    assert "on_behalf_of" in caught.value.message_dict


def test_category_of_another_compound_is_refused(world, desk, submit):
    foreign = Category.objects.create(compound=world.other, code="leak", name="Leak")
    with pytest.raises(ValidationError) as caught:
        submit(category=foreign)
    assert "category" in caught.value.message_dict


def test_outsider_cannot_submit_in_a_compound_they_do_not_serve(world, submit):
    with pytest.raises(Http404):
        submit(actor=world.outsider, channel=Channel.PHONE, unit=world.unit)
    assert Ticket.objects.count() == 0


# --- duplicates ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("later", "duplicate"),
    [
        (timedelta(hours=24), True),
        (timedelta(hours=24, seconds=1), False),
        (timedelta(minutes=5), True),
    ],
)
def test_duplicate_window_is_24_hours_in_the_same_building_and_category(
    later, duplicate, world, desk, submit
):
    with time_machine.travel(T0, tick=False):
        first = submit()
    with time_machine.travel(T0 + later, tick=False):
        second = submit(actor=world.staff, channel=Channel.PHONE, unit=world.neighbour_unit)
    assert (first in selectors.duplicate_candidates(second)) is duplicate


def test_other_building_or_category_is_no_duplicate(world, desk, submit):
    submit()
    other_category = submit(category=desk.cats["noise"])
    other_building = submit(
        actor=world.staff,
        channel=Channel.PHONE,
        location_kind=LocationKind.BUILDING,
        unit=None,
        building=f.BuildingFactory(compound=world.compound, number="64"),
    )
    assert list(selectors.duplicate_candidates(other_category)) == []
    assert list(selectors.duplicate_candidates(other_building)) == []


# --- claim, route, merge ------------------------------------------------------------------


def test_handler_claims_from_the_pool_once(desk, at_status):
    ticket = at_status(Status.ACCEPTED)
    claimed = services.ticket_claim(actor=desk.handler2, ticket=ticket)
    assert (claimed.status, claimed.assignee) == (Status.ASSIGNED, desk.handler2)
    with pytest.raises(ValidationError):
        services.ticket_claim(actor=desk.handler, ticket=ticket)
    assert AuditEvent.objects.filter(action="tickets.claim").count() == 1


def test_resident_cannot_claim_and_outsider_gets_404(world, desk, at_status):
    ticket = at_status(Status.ACCEPTED)
    with pytest.raises(ValidationError):
        services.ticket_claim(actor=world.resident, ticket=ticket)
    with pytest.raises(Http404):
        services.ticket_claim(actor=world.outsider, ticket=ticket)


def test_routing_rule_sends_the_category_to_its_organisation(world, desk, submit):
    RoutingRule.objects.create(
        compound=world.compound,
        category=desk.cats["neighbour_dispute"],
        organisation=desk.other_team,
    )
    ticket = submit(category=desk.cats["neighbour_dispute"])
    assert ticket.organisation == desk.other_team
    RoutingRule.objects.all().delete()
    routed = services.ticket_route(actor=desk.leader, ticket=ticket)
    assert routed.organisation == desk.team
    with pytest.raises(ValidationError):
        services.ticket_route(actor=desk.handler, ticket=ticket)


def test_merge_closes_the_duplicate_and_links_it(world, desk, submit):
    first = submit()
    second = submit(actor=world.staff, channel=Channel.PHONE, unit=world.neighbour_unit)
    merged = services.ticket_merge(actor=desk.leader, ticket=second, into=first)
    assert (merged.status, merged.duplicate_of) == (Status.CLOSED, first)
    assert TicketEvent.objects.filter(ticket=first, kind=EventKind.MERGE).count() == 1
    assert AuditEvent.objects.filter(action="tickets.merge").count() == 1
    with pytest.raises(ValidationError):
        services.ticket_merge(actor=desk.leader, ticket=first, into=first)
    third = submit()
    with pytest.raises(ValidationError):
        services.ticket_merge(actor=world.resident, ticket=third, into=first)
    with pytest.raises(Http404):
        services.ticket_merge(actor=world.outsider, ticket=first, into=merged)


# --- urge ---------------------------------------------------------------------------------


def test_requester_urges_at_most_once_an_hour(world, desk, submit):
    with time_machine.travel(T0, tick=False):
        ticket = submit()
        services.ticket_urge(actor=world.resident, ticket=ticket)
    with time_machine.travel(T0 + timedelta(minutes=59, seconds=59), tick=False):
        with pytest.raises(ValidationError) as caught:
            services.ticket_urge(actor=world.resident, ticket=ticket)
        assert "an hour" in caught.value.messages[0]
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        services.ticket_urge(actor=world.resident, ticket=ticket)
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.URGE).count() == 2
    assert AuditEvent.objects.filter(action="tickets.urge").count() == 2


def test_only_the_requester_urges_and_outsider_gets_404(world, desk, submit):
    ticket = submit()
    with pytest.raises(ValidationError):
        services.ticket_urge(actor=desk.handler, ticket=ticket)
    with pytest.raises(Http404):
        services.ticket_urge(actor=world.outsider, ticket=ticket)


def test_finished_requests_cannot_be_urged(world, at_status):
    ticket = at_status(Status.RESOLVED)
    with pytest.raises(ValidationError):
        services.ticket_urge(actor=world.resident, ticket=ticket)


# --- reopen -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("after", "allowed"),
    [(timedelta(days=7), True), (timedelta(days=7, seconds=1), False)],
)
def test_requester_reopens_only_within_7_days_of_resolution(after, allowed, world, at_status):
    with time_machine.travel(T0, tick=False):
        ticket = at_status(Status.RESOLVED)
    with time_machine.travel(T0 + after, tick=False):
        if allowed:
            moved = services.ticket_transition(
                actor=world.resident, ticket=ticket, to=Target.REOPENED, note="又漏了"
            )
            assert (moved.status, moved.resolved_at) == (Status.ASSIGNED, None)
        else:
            with pytest.raises(ValidationError) as caught:
                services.ticket_transition(
                    actor=world.resident, ticket=ticket, to=Target.REOPENED, note="又漏了"
                )
            assert "7 days" in caught.value.messages[0]
            ticket.refresh_from_db()
            assert ticket.status == Status.RESOLVED


# --- rating -------------------------------------------------------------------------------


@pytest.mark.parametrize("score", [1, 5])
def test_requester_rates_a_resolved_request(score, world, at_status):
    ticket = at_status(Status.RESOLVED)
    rating = services.ticket_rate(
        actor=world.resident, ticket=ticket, overall=score, speed=score, attitude=score
    )
    assert rating.overall == score
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.RATING).count() == 1
    assert AuditEvent.objects.filter(action="tickets.rate").count() == 1
    with pytest.raises(ValidationError):
        services.ticket_rate(actor=world.resident, ticket=ticket, overall=3, speed=3, attitude=3)


@pytest.mark.parametrize("field", ["overall", "speed", "attitude"])
@pytest.mark.parametrize("bad", [0, 6, True])
def test_rating_outside_1_to_5_names_the_field(field, bad, world, at_status):
    ticket = at_status(Status.RESOLVED)
    scores = {"overall": 4, "speed": 4, "attitude": 4, field: bad}
    with pytest.raises(ValidationError) as caught:
        services.ticket_rate(actor=world.resident, ticket=ticket, **scores)
    assert field in caught.value.message_dict
    assert Rating.objects.count() == 0


def test_database_refuses_scores_outside_1_to_5(at_status):
    ticket = at_status(Status.RESOLVED)
    with pytest.raises(IntegrityError):
        Rating.objects.create(ticket=ticket, overall=6, speed=1, attitude=1)


def test_rating_before_resolution_or_by_others_is_refused(world, desk, at_status):
    open_ticket = at_status(Status.IN_PROGRESS)
    with pytest.raises(ValidationError):
        services.ticket_rate(
            actor=world.resident, ticket=open_ticket, overall=5, speed=5, attitude=5
        )
    resolved = at_status(Status.RESOLVED)
    with pytest.raises(ValidationError):
        services.ticket_rate(actor=desk.handler, ticket=resolved, overall=5, speed=5, attitude=5)
    with pytest.raises(Http404):
        services.ticket_rate(actor=world.outsider, ticket=resolved, overall=5, speed=5, attitude=5)
    assert Rating.objects.count() == 0


# --- categories and visibility ------------------------------------------------------------


def test_default_categories_are_created_once(world, desk):
    assert len(desk.cats) == len(services.category_defaults()) == 15
    assert services.categories_ensure_defaults(actor=world.staff, compound=world.compound) == []
    assert desk.cats["major_repair"].chargeable


def test_outsider_cannot_create_categories_in_another_compound(world):
    with pytest.raises(Http404):
        services.categories_ensure_defaults(actor=world.outsider, compound=world.compound)
    assert Category.objects.count() == 0


def test_resident_sees_their_own_requests_staff_their_compound_outsider_none(world, desk, submit):
    mine = submit()
    theirs = submit(
        actor=world.staff, channel=Channel.PHONE, unit=world.neighbour_unit, on_behalf_of=None
    )
    assert set(selectors.tickets_for(world.resident)) == {mine}
    assert set(selectors.tickets_for(desk.handler)) == {mine, theirs}
    assert set(selectors.tickets_for(world.staff)) == {mine, theirs}
    assert list(selectors.tickets_for(world.outsider)) == []
