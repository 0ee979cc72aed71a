"""My requests (`tickets:mine`): the resident's own requests, newest first, status in words, what
happens next and what they can do now; queries that do not grow with the list."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from mulin.core.models import Role
from mulin.testing import factories as f
from mulin.tickets import services
from mulin.tickets.models import Channel, Ticket
from mulin.tickets.states import Status, Target

URL = reverse("tickets:mine")


def rows(response):
    return response.context["rows"]


# --- access -----------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("core:login"))


def test_resident_sees_only_their_own_requests_newest_first(world, desk, login, submit):
    older, newer = submit(), submit()
    neighbour = f.PersonFactory(compound=world.compound)
    f.ResidencyFactory(unit=world.neighbour_unit, person=neighbour, relation="owner")
    services.ticket_submit(
        actor=desk.handler,
        compound=world.compound,
        category=desk.cats["noise"],
        description="邻居来电",
        unit=world.neighbour_unit,
        channel=Channel.PHONE,
        on_behalf_of=neighbour,
        idempotency_key="other",
    )
    response = login(world.resident).get(URL)
    assert response.status_code == 200
    assert [r.ticket.pk for r in rows(response)] == [newer.pk, older.pk]


def test_requests_staff_recorded_for_the_resident_are_theirs_too(world, desk, login):
    ticket = services.ticket_submit(
        actor=desk.handler,
        compound=world.compound,
        category=desk.cats["lift"],
        description="电话报修",
        unit=world.unit,
        channel=Channel.PHONE,
        on_behalf_of=world.resident_person,
        idempotency_key="phone-1",
    )
    assert [r.ticket.pk for r in rows(login(world.resident).get(URL))] == [ticket.pk]


def test_outsider_sees_an_empty_list_not_anyone_elses(world, login, submit):
    submit()
    response = login(world.outsider).get(URL)
    assert response.status_code == 200
    assert rows(response) == []
    assert "You have not reported anything yet." in response.content.decode()


def test_the_report_button_is_there_for_residents_with_a_home(world, login):
    html = login(world.resident).get(URL).content.decode()
    assert reverse("tickets:report") in html
    homeless = f.UserFactory()
    f.grant(homeless, Role.RESIDENT, world.compound)
    assert reverse("tickets:report") not in login(homeless).get(URL).content.decode()


# --- what each row says and offers --------------------------------------------------------------


def test_status_in_words_and_what_happens_next(world, desk, login, at_status):
    desk.handler.first_name = "王师傅"
    desk.handler.save()
    at_status(Status.ASSIGNED)
    response = login(world.resident).get(URL)
    row = rows(response)[0]
    assert "王师傅 will handle it" in row.next_step
    html = response.content.decode()
    assert "Assigned" in html  # the status word, next to its icon


def test_urge_is_offered_once_an_hour(world, login, submit):
    ticket = submit()
    client = login(world.resident)
    assert rows(client.get(URL))[0].actions.urge
    services.ticket_urge(actor=world.resident, ticket=ticket)
    row = rows(client.get(URL))[0]
    assert not row.actions.urge
    assert row.actions.urge_again_at is not None
    assert "you can urge again from" in client.get(URL).content.decode()
    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        assert rows(login(world.resident).get(URL))[0].actions.urge


def test_rate_and_reopen_are_offered_after_resolution_reopen_only_for_7_days(
    world, login, at_status
):
    at_status(Status.RESOLVED)
    actions = rows(login(world.resident).get(URL))[0].actions
    assert actions.rate and actions.reopen and not actions.urge
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        actions = rows(login(world.resident).get(URL))[0].actions
    assert actions.rate and not actions.reopen


def test_still_fixed_question_is_offered_until_answered(world, login, at_status):
    ticket = at_status(Status.CLOSED)
    client = login(world.resident)
    assert not rows(client.get(URL))[0].actions.recheck
    Ticket.objects.filter(pk=ticket.pk).update(recheck_asked_at=timezone.now())
    assert rows(client.get(URL))[0].actions.recheck
    client.post(
        reverse("tickets:act", args=[ticket.pk, "recheck"]),
        {"recheck-still_fixed": "yes", "next": "mine"},
    )
    assert not rows(client.get(URL))[0].actions.recheck


def test_rejection_reason_is_shown(world, desk, login, submit):
    services.ticket_transition(
        actor=desk.leader, ticket=submit(), to=Target.REJECTED, note="请联系调委会"
    )
    assert "请联系调委会" in rows(login(world.resident).get(URL))[0].next_step


def test_merged_request_points_to_the_one_that_is_handled(world, desk, login, submit):
    first, second = submit(), submit()
    services.ticket_merge(actor=desk.handler, ticket=second, into=first)
    row = next(r for r in rows(login(world.resident).get(URL)) if r.ticket.pk == second.pk)
    assert f"#{first.pk}" in row.next_step


# --- pages and queries ------------------------------------------------------------------------


def test_pages_of_ten(world, login, submit):
    for _ in range(12):
        submit()
    client = login(world.resident)
    assert len(rows(client.get(URL))) == 10
    assert len(rows(client.get(URL, {"page": 2}))) == 2


def _mixed(submit, desk, world, n):
    """n requests, each urged and every other one rejected, so each row needs its extras."""
    for i in range(n):
        ticket = submit()
        services.ticket_urge(actor=world.resident, ticket=ticket)
        if i % 2:
            services.ticket_transition(
                actor=desk.leader, ticket=ticket, to=Target.REJECTED, note="x"
            )


@pytest.mark.parametrize("n", [3])
def test_query_count_does_not_grow_with_the_list(n, world, desk, login, submit, count_queries):
    client = login(world.resident)

    def count() -> tuple[int, int]:
        with count_queries() as q:
            response = client.get(URL)
        assert response.status_code == 200
        return q.count, len(rows(response))

    _mixed(submit, desk, world, n)
    few, shown_few = count()
    _mixed(submit, desk, world, 2 * n)
    many, shown_many = count()
    assert (shown_few, shown_many) == (n, 3 * n)
    assert many == few, "My requests runs more queries for more requests"
    assert few <= 12
