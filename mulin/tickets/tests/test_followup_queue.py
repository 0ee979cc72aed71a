"""The follow-up queue (回访): who may use it, the order of the calls, masked phones with the
audited reveal, recording a call over HTMX, and the done calls by month."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from mulin.core.models import AuditEvent, Role
from mulin.testing import factories as f
from mulin.tickets import followups, services
from mulin.tickets.models import FollowUp, FollowUpReason, FollowUpStatus, Satisfaction
from mulin.tickets.states import Status

HX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _no_random_sample(settings):
    settings.MULIN_FOLLOWUP_SAMPLE = 0.0


def page_url(world) -> str:
    return reverse("tickets:followups", args=[world.compound.code])


def record_url(world, call) -> str:
    return reverse("tickets:followup_record", args=[world.compound.code, call.pk])


@pytest.fixture
def call_for(world, desk, at_status):
    """`call_for(reason)`: a resolved request with a pending follow-up call of that kind."""

    def _make(reason: str) -> FollowUp:
        ticket = at_status(Status.RESOLVED)
        if reason == FollowUpReason.LOW_RATING:
            services.ticket_rate(
                actor=world.resident, ticket=ticket, overall=2, speed=2, attitude=3, comment="太慢"
            )
            return FollowUp.objects.get(ticket=ticket)
        if reason == FollowUpReason.SAMPLE:
            services.ticket_rate(
                actor=world.resident, ticket=ticket, overall=5, speed=5, attitude=5
            )
        return FollowUp.objects.create(ticket=ticket, reason=reason)

    return _make


def calls_listed(response) -> list[int]:
    return [call.pk for call, _form in response.context["calls"]]


# ---------------------------------------------------------------- access


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(page_url(world))
    assert response.status_code == 302
    assert response.url.startswith(reverse("core:login"))


@pytest.mark.parametrize("who", ["outsider", "resident"])
def test_outsider_and_resident_get_404(world, desk, login, who):
    assert login(getattr(world, who)).get(page_url(world)).status_code == 404


def test_handler_gets_404(world, desk, login):
    # The handler who did the work does not grade it.
    assert login(desk.handler).get(page_url(world)).status_code == 404


@pytest.mark.parametrize("who", ["leader", "staff"])
def test_team_leader_and_community_staff_see_the_queue(world, desk, login, call_for, who):
    call = call_for(FollowUpReason.LOW_RATING)
    user = world.staff if who == "staff" else desk.leader
    response = login(user).get(page_url(world))
    assert response.status_code == 200
    assert calls_listed(response) == [call.pk]


@pytest.mark.parametrize("who", ["outsider", "resident", "handler"])
def test_others_cannot_record_a_call(world, desk, login, call_for, who):
    call = call_for(FollowUpReason.LOW_RATING)
    user = desk.handler if who == "handler" else getattr(world, who)
    response = login(user).post(
        record_url(world, call),
        {"status": "done", f"fu{call.pk}-contacted_in_time": "yes"},
    )
    assert response.status_code == 404
    assert FollowUp.objects.get(pk=call.pk).status == FollowUpStatus.PENDING


# ---------------------------------------------------------------- the queue


def test_low_ratings_first_then_the_sample_then_the_unrated(world, desk, login, call_for):
    unrated = call_for(FollowUpReason.NOT_RATED)
    sample = call_for(FollowUpReason.SAMPLE)
    low = call_for(FollowUpReason.LOW_RATING)
    low_later = call_for(FollowUpReason.LOW_RATING)
    response = login(world.staff).get(page_url(world))
    assert calls_listed(response) == [low.pk, low_later.pk, sample.pk, unrated.pk]
    html = response.content.decode()
    assert "Overall 2/5 · speed 2/5 · attitude 3/5" in html and "太慢" in html
    assert "Not rated" in html


def test_phone_is_masked_with_an_audited_call_button_for_who_may_reveal(
    world, desk, login, call_for
):
    call_for(FollowUpReason.LOW_RATING)
    html = login(world.staff).get(page_url(world)).content.decode()
    assert "张三" in html and "138****5678" in html
    assert "13812345678" not in html
    reveal = reverse("people:reveal", args=[world.resident_person.pk])
    assert reveal in html
    # The reveal itself is the people app's audited one.
    response = login(world.staff).post(reveal, {"field": "phone"}, headers=HX)
    assert "13812345678" in response.content.decode()
    assert AuditEvent.objects.filter(
        action="person.reveal.phone", target_id=str(world.resident_person.pk)
    ).exists()


def test_no_call_button_without_the_reveal_permission(world, desk, login, call_for):
    call_for(FollowUpReason.LOW_RATING)
    html = login(desk.leader).get(page_url(world)).content.decode()
    assert "138****5678" in html and "13812345678" not in html
    assert reverse("people:reveal", args=[world.resident_person.pk]) not in html


# ---------------------------------------------------------------- recording


def test_record_a_call_over_htmx_and_the_row_shows_done(world, desk, login, call_for):
    call = call_for(FollowUpReason.LOW_RATING)
    p = f"fu{call.pk}"
    response = login(world.staff).post(
        record_url(world, call),
        {
            "status": "done",
            f"{p}-contacted_in_time": "yes",
            f"{p}-solved": "no",
            f"{p}-satisfaction": Satisfaction.BASIC,
            f"{p}-note": "说水还在渗",
        },
        headers=HX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and f'id="call-{call.pk}"' in html
    assert "Done: the resident was reached." in html and "Basically satisfied" in html
    assert "<form" not in html
    call.refresh_from_db()
    assert call.status == FollowUpStatus.DONE
    assert (call.contacted_in_time, call.solved, call.satisfaction) == (True, False, "basic")
    assert call.note == "说水还在渗" and call.done_by == world.staff
    assert AuditEvent.objects.filter(action="tickets.follow_up").count() == 1
    # It leaves the queue and shows among the calls made.
    response = login(world.staff).get(page_url(world))
    assert calls_listed(response) == []
    assert [c.pk for c in response.context["done"].object_list] == [call.pk]


def test_missing_answers_are_named_and_nothing_is_recorded(world, desk, login, call_for):
    call = call_for(FollowUpReason.LOW_RATING)
    response = login(world.staff).post(
        record_url(world, call), {"status": "done", f"fu{call.pk}-solved": "yes"}, headers=HX
    )
    html = response.content.decode()
    assert "Ask whether the resident was contacted in time." in html
    assert "Ask how satisfied the resident is." in html
    assert "<form" in html  # the form stays, with the errors
    call.refresh_from_db()
    assert call.status == FollowUpStatus.PENDING and call.done_at is None
    assert not AuditEvent.objects.filter(action="tickets.follow_up").exists()


def test_could_not_reach_keeps_the_call_in_the_queue_after_the_untried(
    world, desk, login, call_for
):
    tried = call_for(FollowUpReason.LOW_RATING)
    untried = call_for(FollowUpReason.LOW_RATING)
    response = login(world.staff).post(
        record_url(world, tried),
        {"status": "unreachable", f"fu{tried.pk}-note": "无人接听"},
        headers=HX,
    )
    assert "Not reached on" in response.content.decode()
    tried.refresh_from_db()
    assert tried.status == FollowUpStatus.UNREACHABLE
    response = login(world.staff).get(page_url(world))
    assert calls_listed(response) == [untried.pk, tried.pk]
    assert list(response.context["done"].object_list) == []


def test_record_without_htmx_redirects_with_a_message(world, desk, login, call_for):
    call = call_for(FollowUpReason.SAMPLE)
    p = f"fu{call.pk}"
    response = login(desk.leader).post(
        record_url(world, call),
        {
            "status": "done",
            f"{p}-contacted_in_time": "yes",
            f"{p}-solved": "yes",
            f"{p}-satisfaction": "satisfied",
        },
        follow=True,
    )
    assert "The follow-up call was recorded." in response.content.decode()
    assert FollowUp.objects.get(pk=call.pk).status == FollowUpStatus.DONE


# ---------------------------------------------------------------- done calls by month


def _done(world, call, when):
    followups.followup_record(
        actor=world.staff,
        follow_up=call,
        status="done",
        contacted_in_time=True,
        solved=True,
        satisfaction="satisfied",
    )
    FollowUp.objects.filter(pk=call.pk).update(done_at=when)


def test_done_calls_filter_by_month(world, desk, login, call_for):
    now = timezone.now()
    this_month, last_month = call_for("sample"), call_for("sample")
    _done(world, this_month, now)
    _done(world, last_month, now.replace(day=1) - timedelta(days=3))
    client = login(world.staff)
    response = client.get(page_url(world))
    assert [c.pk for c in response.context["done"].object_list] == [this_month.pk, last_month.pk]
    month = timezone.localdate().strftime("%Y-%m")
    response = client.get(
        page_url(world), {"month": month}, headers={**HX, "HX-Target": "followups-done"}
    )
    assert [c.pk for c in response.context["done"].object_list] == [this_month.pk]
    html = response.content.decode()
    assert 'id="followups-done"' in html and "<html" not in html
    # A month that is not a month shows everything rather than failing.
    for bad in ("soon", "2026-13"):
        response = client.get(page_url(world), {"month": bad})
        assert len(response.context["done"].object_list) == 2


def test_outsider_sees_no_call_of_this_compound_through_their_own(world, desk, login, call_for):
    call_for(FollowUpReason.LOW_RATING)
    other_page = reverse("tickets:followups", args=[world.other.code])
    response = login(world.outsider).get(other_page)
    assert response.status_code == 200
    assert calls_listed(response) == []


# ---------------------------------------------------------------- query counts


def test_query_count_does_not_grow(
    world, desk, login, call_for, count_queries, django_assert_max_num_queries
):
    def make(n):
        for _ in range(n):
            call_for(FollowUpReason.LOW_RATING)
            call_for(FollowUpReason.NOT_RATED)
            _done(world, call_for(FollowUpReason.SAMPLE), timezone.now())

    client = login(world.staff)
    make(1)
    with count_queries() as small:
        client.get(page_url(world))
    make(2)
    with django_assert_max_num_queries(15), count_queries() as large:
        response = client.get(page_url(world))
    assert len(response.context["calls"]) == 6
    assert len(response.context["done"].object_list) == 3
    assert small.count == large.count, large.dump()


def test_party_member_reader_gets_404(world, desk, login):
    member = f.UserFactory()
    f.grant(member, Role.PARTY_MEMBER, world.compound)
    assert login(member).get(page_url(world)).status_code == 404
