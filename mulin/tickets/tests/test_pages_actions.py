"""Every action of the request page, posted by the party who may take it (it happens) and by one
who may not (the page says why, nothing changes)."""

import io
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from mulin.core.models import AuditEvent
from mulin.tickets.models import (
    Category,
    EventKind,
    Rating,
    Ticket,
    TicketEvent,
    TicketPhoto,
)
from mulin.tickets.states import Status


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def jpeg(name="after.jpg"):
    buf = io.BytesIO()
    Image.new("RGB", (30, 30), "green").save(buf, format="JPEG")
    buf.seek(0)
    buf.name = name
    return buf


def act(client, ticket, action, htmx=False, **fields):
    url = reverse("tickets:act", args=[ticket.pk, action])
    data = {f"{action}-{k}" if k != "next" else k: v for k, v in fields.items()}
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(url, data, **extra)


def fresh(ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def assert_refused(response, ticket, status, message):
    """The page is shown again with the reason, and the request is as it was."""
    assert response.status_code == 400
    assert message in response.content.decode()
    assert fresh(ticket).status == status


# --- moves of the state machine ---------------------------------------------------------------


def test_team_leader_accepts(desk, login, submit):
    ticket = submit()
    response = act(login(desk.leader), ticket, "accepted")
    assert response.status_code == 302
    assert response.url == reverse("tickets:detail", args=[ticket.pk])
    assert fresh(ticket).status == Status.ACCEPTED
    assert fresh(ticket).responded_at is not None


def test_resident_cannot_accept_their_own_request(world, login, submit):
    ticket = submit()
    response = act(login(world.resident), ticket, "accepted")
    assert_refused(response, ticket, Status.SUBMITTED, "You may not take a request from")


def test_reject_needs_a_reason_the_resident_will_see(world, desk, login, submit):
    ticket = submit()
    client = login(desk.leader)
    response = act(client, ticket, "rejected", note="")
    assert_refused(response, ticket, Status.SUBMITTED, "Give a reason; the resident will see it.")
    act(client, ticket, "rejected", note="不属于物业范围")
    assert fresh(ticket).status == Status.REJECTED
    page = login(world.resident).get(reverse("tickets:detail", args=[ticket.pk]))
    assert "不属于物业范围" in page.content.decode()


def test_leader_assigns_a_handler_of_the_team(desk, login, at_status):
    ticket = at_status(Status.ACCEPTED)
    act(login(desk.leader), ticket, "assigned", assignee=desk.handler2.pk, note="请今天上门")
    assert fresh(ticket).assignee == desk.handler2
    assert fresh(ticket).status == Status.ASSIGNED


def test_a_handler_from_outside_the_team_cannot_be_picked(world, desk, login, at_status):
    ticket = at_status(Status.ACCEPTED)
    response = act(login(desk.leader), ticket, "assigned", assignee=world.outsider.pk)
    assert_refused(response, ticket, Status.ACCEPTED, "Choose a handler of the handling team.")


def test_handler_cannot_assign(desk, login, at_status):
    ticket = at_status(Status.ACCEPTED)
    response = act(login(desk.handler), ticket, "assigned", assignee=desk.handler2.pk)
    assert_refused(response, ticket, Status.ACCEPTED, "You may not take a request from")


def test_leader_hands_an_assigned_request_to_another_handler(desk, login, at_status):
    ticket = at_status(Status.ASSIGNED)
    act(login(desk.leader), ticket, "assigned", assignee=desk.handler2.pk)
    assert fresh(ticket).assignee == desk.handler2
    assert fresh(ticket).status == Status.ASSIGNED


def test_handler_claims_from_the_pool_once(desk, login, at_status):
    ticket = at_status(Status.ACCEPTED)
    act(login(desk.handler2), ticket, "claim")
    assert fresh(ticket).assignee == desk.handler2
    response = act(login(desk.handler), ticket, "claim")
    assert response.status_code == 400
    assert "already been taken" in response.content.decode()
    assert fresh(ticket).assignee == desk.handler2


def test_assigned_handler_starts_and_another_handler_may_not(desk, login, at_status):
    ticket = at_status(Status.ASSIGNED)
    response = act(login(desk.handler2), ticket, "in_progress")
    assert_refused(response, ticket, Status.ASSIGNED, "You may not take a request from")
    act(login(desk.handler), ticket, "in_progress")
    assert fresh(ticket).status == Status.IN_PROGRESS


def test_pause_needs_a_reason_and_a_later_resume_date(desk, login, at_status):
    ticket = at_status(Status.IN_PROGRESS)
    client = login(desk.handler)
    today = timezone.localdate()
    response = act(client, ticket, "paused", note="等配件", paused_until=today.isoformat())
    assert_refused(response, ticket, Status.IN_PROGRESS, "The resume date must be after today.")
    response = act(client, ticket, "paused", note="等配件", paused_until="")
    assert_refused(response, ticket, Status.IN_PROGRESS, "Give the date work resumes.")
    later = today + timedelta(days=3)
    act(client, ticket, "paused", note="等配件", paused_until=later.isoformat())
    assert fresh(ticket).status == Status.PAUSED
    assert fresh(ticket).paused_until == later
    act(client, ticket, "in_progress")
    assert fresh(ticket).status == Status.IN_PROGRESS


def test_resolve_with_after_photo_and_cost_lines(world, desk, login, at_status):
    Category.objects.filter(pk=desk.cats["leak"].pk).update(chargeable=True)
    ticket = at_status(Status.IN_PROGRESS)
    url = reverse("tickets:act", args=[ticket.pk, "resolved"])
    response = login(desk.handler).post(
        url,
        {
            "resolved-note": "换了接头",
            "resolved-photos": [jpeg()],
            "resolved-cost_item": ["水管接头", "人工", ""],
            "resolved-cost_amount": ["35.50", "20", ""],
        },
    )
    assert response.status_code == 302
    assert fresh(ticket).status == Status.RESOLVED
    event = TicketEvent.objects.get(ticket=ticket, action="resolved")
    assert event.cost_lines == [
        {"item": "水管接头", "amount": "35.50"},
        {"item": "人工", "amount": "20.00"},
    ]
    assert TicketPhoto.objects.get(event=event).stage == "after"
    page = login(world.resident).get(reverse("tickets:detail", args=[ticket.pk]))
    assert "55.50" in page.content.decode()


def test_a_bad_cost_line_is_named_and_nothing_is_resolved(desk, login, at_status):
    Category.objects.filter(pk=desk.cats["leak"].pk).update(chargeable=True)
    ticket = at_status(Status.IN_PROGRESS)
    url = reverse("tickets:act", args=[ticket.pk, "resolved"])
    response = login(desk.handler).post(
        url, {"resolved-cost_item": ["水管接头"], "resolved-cost_amount": ["三十五"]}
    )
    assert_refused(response, ticket, Status.IN_PROGRESS, "Cost line 1 needs an amount in yuan")
    assert response.context["forms"]["resolved"].cost_rows[0] == ("水管接头", "三十五")


def test_free_categories_refuse_cost_lines(desk, login, at_status):
    ticket = at_status(Status.IN_PROGRESS)
    url = reverse("tickets:act", args=[ticket.pk, "resolved"])
    response = login(desk.handler).post(
        url, {"resolved-cost_item": ["人工"], "resolved-cost_amount": ["20"]}
    )
    assert_refused(response, ticket, Status.IN_PROGRESS, "This category is free of charge")


def test_transfer_to_another_organisation_serving_the_compound(desk, login, at_status):
    ticket = at_status(Status.ACCEPTED)
    client = login(desk.leader)
    response = act(client, ticket, "transferred", organisation=desk.other_team.pk, note="")
    assert_refused(response, ticket, Status.ACCEPTED, "Give a reason; the resident will see it.")
    act(client, ticket, "transferred", organisation=desk.other_team.pk, note="归准物业管")
    assert fresh(ticket).organisation == desk.other_team


def test_resident_closes_a_resolved_request(world, login, at_status):
    ticket = at_status(Status.RESOLVED)
    act(login(world.resident), ticket, "closed")
    assert fresh(ticket).status == Status.CLOSED


def test_handler_cannot_close(desk, login, at_status):
    ticket = at_status(Status.RESOLVED)
    response = act(login(desk.handler), ticket, "closed")
    assert_refused(response, ticket, Status.RESOLVED, "You may not take a request from")


def test_resident_reopens_within_7_days_with_a_reason(world, login, at_status):
    ticket = at_status(Status.RESOLVED)
    client = login(world.resident)
    response = act(client, ticket, "reopened", note="")
    assert_refused(response, ticket, Status.RESOLVED, "Give a reason")
    act(client, ticket, "reopened", note="又漏了")
    assert fresh(ticket).status == Status.ASSIGNED
    assert fresh(ticket).reopen_count == 1


def test_resident_cannot_reopen_after_7_days(world, login, at_status):
    ticket = at_status(Status.RESOLVED)
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        client = login(world.resident)
        page = client.get(reverse("tickets:detail", args=[ticket.pk]))
        assert "reopened" not in page.context["page"].actions
        response = act(client, ticket, "reopened", note="又漏了")
    assert_refused(response, ticket, Status.RESOLVED, "within 7 days")


# --- the resident's actions ---------------------------------------------------------------------


def test_resident_urges_once_an_hour_and_is_told_when_again(world, login, submit):
    ticket = submit()
    client = login(world.resident)
    act(client, ticket, "urge")
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.URGE).count() == 1
    page = client.get(reverse("tickets:detail", args=[ticket.pk]))
    assert "urge" not in page.context["page"].actions
    assert "you can urge again from" in page.content.decode()
    response = act(client, ticket, "urge")
    assert response.status_code == 400
    assert "you can urge again at" in response.content.decode()
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.URGE).count() == 1


def test_staff_cannot_urge(desk, login, submit):
    ticket = submit()
    response = act(login(desk.leader), ticket, "urge")
    assert response.status_code == 400
    assert "Only the resident who made the request can urge it." in response.content.decode()
    assert not TicketEvent.objects.filter(ticket=ticket, kind=EventKind.URGE).exists()


def test_resident_rates_a_resolved_request(world, login, at_status):
    ticket = at_status(Status.RESOLVED)
    client = login(world.resident)
    response = act(client, ticket, "rate", overall=5, speed=4, attitude=5, comment="很及时")
    assert response.status_code == 302
    rating = Rating.objects.get(ticket=ticket)
    assert (rating.overall, rating.speed, rating.attitude, rating.comment) == (5, 4, 5, "很及时")
    page = client.get(reverse("tickets:detail", args=[ticket.pk]))
    assert "rate" not in page.context["page"].actions
    assert page.context["page"].rating == rating


def test_rating_needs_every_score(world, login, at_status):
    ticket = at_status(Status.RESOLVED)
    response = act(login(world.resident), ticket, "rate", overall=5, speed=9)
    assert response.status_code == 400
    form = response.context["forms"]["rate"]
    assert form.errors["speed"] and form.errors["attitude"]
    assert not Rating.objects.exists()


def test_handler_cannot_rate_their_own_work(desk, login, at_status):
    ticket = at_status(Status.RESOLVED)
    response = act(login(desk.handler), ticket, "rate", overall=5, speed=5, attitude=5)
    assert response.status_code == 400
    assert "Only the resident who made the request can rate it." in response.content.decode()
    assert not Rating.objects.exists()


def test_still_fixed_answers(world, login, at_status):
    yes, no = at_status(Status.CLOSED), at_status(Status.CLOSED)
    Ticket.objects.filter(pk__in=[yes.pk, no.pk]).update(recheck_asked_at=timezone.now())
    client = login(world.resident)
    assert "recheck" in client.get(reverse("tickets:detail", args=[yes.pk])).context["page"].actions
    act(client, yes, "recheck", still_fixed="yes")
    assert fresh(yes).recheck_answer == "yes" and fresh(yes).status == Status.CLOSED
    response = act(client, no, "recheck", still_fixed="no", note="")
    assert_refused(response, no, Status.CLOSED, "Say what is wrong again")
    act(client, no, "recheck", still_fixed="no", note="又坏了")
    assert fresh(no).status == Status.ASSIGNED


def test_resident_hides_and_shows_on_the_public_board(world, login, submit):
    ticket = submit()
    client = login(world.resident)
    act(client, ticket, "public", shown="0")
    assert fresh(ticket).public_hidden
    act(client, ticket, "public", shown="1")
    assert not fresh(ticket).public_hidden


def test_staff_cannot_hide_a_residents_request_from_the_board(desk, login, submit):
    ticket = submit()
    response = act(login(desk.leader), ticket, "public", shown="0")
    assert response.status_code == 400
    assert not fresh(ticket).public_hidden


# --- notes, merging, figures --------------------------------------------------------------------


def test_resident_and_team_add_notes_with_photos(world, desk, login, submit):
    ticket = submit()
    url = reverse("tickets:act", args=[ticket.pk, "comment"])
    login(world.resident).post(url, {"comment-note": "下午在家", "comment-photos": [jpeg()]})
    login(desk.handler).post(url, {"comment-note": "三点上门"})
    notes = list(
        TicketEvent.objects.filter(ticket=ticket, kind=EventKind.NOTE).values_list(
            "note", flat=True
        )
    )
    assert notes == ["下午在家", "三点上门"]
    assert TicketPhoto.objects.filter(ticket=ticket, stage="report").count() == 1


def test_an_empty_note_is_refused(world, login, submit):
    ticket = submit()
    response = act(login(world.resident), ticket, "comment", note=" ")
    assert response.status_code == 400
    assert not TicketEvent.objects.filter(ticket=ticket, kind=EventKind.NOTE).exists()


def test_staff_merge_a_duplicate_into_the_first_report(world, desk, login, submit):
    first = submit()
    second = submit()
    page = login(desk.handler).get(reverse("tickets:detail", args=[second.pk]))
    assert [t.pk for t in page.context["forms"]["merge"].options] == [first.pk]
    act(login(desk.handler), second, "merge", into=first.pk)
    assert fresh(second).duplicate_of == first
    assert fresh(second).status == Status.CLOSED


def test_resident_cannot_merge(world, login, submit):
    first, second = submit(), submit()
    response = act(login(world.resident), second, "merge", into=first.pk)
    assert response.status_code == 400
    assert fresh(second).duplicate_of is None


def test_leader_excludes_from_the_figures_and_a_handler_may_not(desk, login, submit):
    ticket = submit()
    response = act(login(desk.handler), ticket, "exclude", reason="恶意重复")
    assert response.status_code == 400
    assert "Only a team leader or community staff" in response.content.decode()
    assert fresh(ticket).excluded_reason == ""
    act(login(desk.leader), ticket, "exclude", reason="恶意重复")
    assert fresh(ticket).excluded_reason == "恶意重复"
    assert AuditEvent.objects.filter(action="tickets.exclude").count() == 1


# --- how the page answers -------------------------------------------------------------------


def test_outsider_posting_an_action_gets_404(world, login, submit):
    ticket = submit()
    assert act(login(world.outsider), ticket, "accepted").status_code == 404
    assert fresh(ticket).status == Status.SUBMITTED


def test_unknown_action_is_404(desk, login, submit):
    assert act(login(desk.leader), submit(), "teleport").status_code == 404


def test_anonymous_post_is_sent_to_login(client, submit):
    response = act(client, submit(), "accepted")
    assert response.status_code == 302
    assert response.url.startswith(reverse("core:login"))


def test_htmx_gets_the_page_body_with_the_result(desk, login, submit):
    ticket = submit()
    response = act(login(desk.leader), ticket, "accepted", htmx=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'id="request-body"' in html
    assert "You accepted the request." in html
    assert fresh(ticket).status == Status.ACCEPTED


def test_htmx_refusal_shows_the_message_in_the_body(world, login, submit):
    ticket = submit()
    response = act(login(world.resident), ticket, "accepted", htmx=True)
    html = response.content.decode()
    assert 'id="request-body"' in html and "You may not take a request from" in html
    assert fresh(ticket).status == Status.SUBMITTED


def test_urging_from_my_requests_returns_there(world, login, submit):
    ticket = submit()
    client = login(world.resident)
    response = act(client, ticket, "urge", next="mine")
    assert response.url == reverse("tickets:mine")
    response = act(client, ticket, "urge", next="mine", htmx=True)
    html = response.content.decode()
    assert f'id="request-{ticket.pk}"' in html and "you can urge again at" in html
