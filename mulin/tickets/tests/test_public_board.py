"""The public progress board (晒进度): open without login, recent requests with category, building,
status and times in words, this month's and last month's figures — and never a person, a home,
a place text, a description or a photo."""

import io
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from mulin.tickets import figures, services
from mulin.tickets.models import LocationKind, Rating, Ticket
from mulin.tickets.states import Status, Target

# 2030-07-15 12:00 in Shanghai; the fixtures' grants start before it.
NOW = datetime(2030, 7, 15, 4, 0, tzinfo=UTC)
H = timedelta(hours=1)


@pytest.fixture(autouse=True)
def _at_now():
    """Every test runs at NOW, so sessions, grants and "this month" agree."""
    with time_machine.travel(NOW, tick=False):
        yield


def local(day: int, hour: int = 10, minute: int = 0, month: int = 7) -> datetime:
    return figures.local_start(date(2030, month, day)) + timedelta(hours=hour, minutes=minute)


def board_url(world) -> str:
    return reverse("tickets:progress", args=[world.compound.code])


def backdate(ticket: Ticket, created: datetime, **times) -> Ticket:
    """Move a request's times: `responded=`/`resolved=` are durations after `created`."""
    fields = {
        "created_at": created,
        "respond_by": created + 24 * H,
        "resolve_by": created + 168 * H,
    }
    for name in ("responded", "resolved"):
        if name in times:
            fields[f"{name}_at"] = created + times.pop(name)
    fields.update(times)
    Ticket.objects.filter(pk=ticket.pk).update(**fields)
    ticket.refresh_from_db()
    return ticket


def jpeg() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, "JPEG")
    return SimpleUploadedFile("zhangsan-home.jpg", out.getvalue(), content_type="image/jpeg")


# --- access -------------------------------------------------------------------------------


def test_anyone_may_read_the_board_without_signing_in(client, world, submit):
    backdate(submit(), local(3))
    response = client.get(board_url(world))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Leak" in html and "Building 63" in html and "Submitted" in html


@pytest.mark.parametrize("who", ["resident", "staff", "outsider"])
def test_signed_in_users_see_the_same_public_board(world, login, submit, who):
    backdate(submit(), local(3))
    response = login(getattr(world, who)).get(board_url(world))
    assert response.status_code == 200
    assert len(response.context["rows"]) == 1


def test_board_of_an_unknown_compound_is_404(client, world):
    assert client.get(reverse("tickets:progress", args=["no-such-place"])).status_code == 404


def test_public_compound_page_links_to_the_board(client, world):
    html = client.get(reverse("places:public", args=[world.compound.code])).content.decode()
    assert f'href="{board_url(world)}"' in html


# --- no personal data ---------------------------------------------------------------------


def test_the_page_carries_no_name_phone_home_place_description_or_photo(
    client, world, desk, submit, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    home = submit(description="张三家厨房天花板漏水，电话13812345678", photos=[jpeg()])
    common = submit(
        actor=world.staff,
        channel="phone",
        on_behalf_of=world.resident_person,
        location_kind=LocationKind.COMMON_AREA,
        unit=None,
        place="张三家门口的自行车棚",
        description="车棚顶漏雨",
    )
    services.ticket_transition(actor=desk.leader, ticket=home, to=Target.ACCEPTED)
    services.ticket_transition(
        actor=desk.leader, ticket=home, to=Target.ASSIGNED, assignee=desk.handler
    )
    services.ticket_transition(
        actor=desk.leader, ticket=common, to=Target.REJECTED, note="已转交张三所在楼栋处理"
    )
    backdate(home, local(3), responded=H)
    backdate(common, local(4), responded=H)
    response = client.get(board_url(world))
    html = response.content.decode()
    assert "Building 63" in html and "Common area" in html  # what it does show
    person = world.resident_person
    secrets = [
        person.name,
        person.phone,
        person.masked_phone,
        world.unit.code,  # 63-2-301
        "2-301",
        "厨房天花板",
        "车棚",
        "已转交",
        desk.handler.first_name,
        desk.leader.first_name,
        world.staff.first_name,
        world.resident.first_name,
        home.photos.get().image.name,
        "/media/",
        "zhangsan-home",
    ]
    for secret in secrets:
        assert secret not in html, secret


# --- what is listed -----------------------------------------------------------------------


def test_hidden_and_merged_requests_never_show_nor_count(client, world, desk, submit):
    shown = backdate(submit(), local(3), responded=H)
    hidden = backdate(submit(), local(3), responded=H)
    services.ticket_set_public(actor=world.resident, ticket=hidden, shown=False)
    duplicate = backdate(submit(), local(3))
    services.ticket_merge(actor=desk.leader, ticket=duplicate, into=shown)
    response = client.get(board_url(world))
    assert [row.number for row in response.context["rows"]] == [shown.pk]
    html = response.content.decode()
    assert f"No. {hidden.pk}<" not in html and f"No. {duplicate.pk}<" not in html
    assert response.context["this_month"].total == 1


def test_times_read_in_words_with_on_time_or_late(client, world, submit):
    backdate(submit(), local(10), responded=2 * H + timedelta(minutes=10), resolved=200 * H)
    backdate(submit(), local(12), status=Status.IN_PROGRESS, responded=30 * H)
    backdate(submit(), local(15, 11))  # an hour old: not yet due
    rows = client.get(board_url(world)).context["rows"]
    fresh, waiting, done = rows
    assert (done.response, done.response_late) == ("2 hours 10 minutes", False)
    assert (done.resolution, done.resolution_late) == ("8 days 8 hours", True)
    assert (waiting.response, waiting.response_late) == ("1 day 6 hours", True)
    assert (waiting.resolution, waiting.resolution_late) == ("Being handled", None)
    assert (fresh.response, fresh.response_late) == ("Not yet answered", None)
    assert fresh.status_label == "Submitted"


def test_this_and_last_months_figures(client, world, submit):
    # July: 4 answered, 3 on time; 2 resolved, 1 on time; ratings 5 and 3.
    for hours in (1, 2, 3, 30):  # still being handled, well within 30 days
        backdate(submit(), local(2), responded=hours * H, resolve_by=local(2) + 720 * H)
    done = backdate(submit(), local(3), responded=H, resolved=5 * H, status=Status.RESOLVED)
    late = backdate(submit(), local(3), responded=H, resolved=200 * H, status=Status.RESOLVED)
    Rating.objects.create(ticket=done, overall=5, speed=5, attitude=5)
    Rating.objects.create(ticket=late, overall=3, speed=3, attitude=3)
    # June (00:30 on 1 July local is July, 23:30 on 30 June is June): one late answer.
    backdate(submit(), local(30, 23, 30, month=6), responded=48 * H)
    backdate(submit(), local(1, 0, 30), responded=H, resolve_by=local(1) + 720 * H)
    response = client.get(board_url(world))
    july, june = response.context["this_month"], response.context["last_month"]
    assert july.total == 7 and june.total == 1
    assert str(july.on_time_response) == "85.7%"  # 6 of 7
    assert str(july.on_time_resolution) == "50%"
    assert str(july.rated_well) == "50%" and july.rating_average_text == "4"
    assert (july.open, july.resolved) == (5, 2)
    assert str(june.on_time_response) == "0%"
    html = response.content.decode()
    assert "July 2030" in html and "June 2030" in html
    assert "85.7%" in html and "average 4 of 5, 2 rated" in html
    assert "What these figures mean" in html


def test_excluded_requests_stay_listed_but_leave_the_figures(client, world, desk, submit):
    backdate(submit(), local(2), responded=H)
    noisy = backdate(submit(), local(2), responded=90 * H)
    services.ticket_exclude(actor=desk.leader, ticket=noisy, reason="恶意重复")
    response = client.get(board_url(world))
    assert str(response.context["this_month"].on_time_response) == "100%"
    assert "恶意重复" not in response.content.decode()


# --- paging -------------------------------------------------------------------------------


def test_show_more_over_htmx_returns_only_the_next_rows(client, world, submit):
    for day in range(1, 26):
        backdate(submit(), local(day % 14 + 1))
    first = client.get(board_url(world))
    assert len(first.context["rows"]) == 20
    assert "Show more requests" in first.content.decode()
    # htmx sends the id of the element it swaps: the "show more" row itself
    assert 'id="board-more"' in first.content.decode()
    assert 'hx-target="#board-more"' in first.content.decode()
    more = client.get(
        board_url(world),
        data={"page": 2},
        headers={"HX-Request": "true", "HX-Target": "board-more"},
    )
    html = more.content.decode()
    assert more.status_code == 200
    assert "<html" not in html and "What these figures mean" not in html
    assert html.count("<li") == 5 and "Show more requests" not in html
    assert html.count("data-board-focus") == 1  # keyboard focus lands on the first new row
    plain = client.get(board_url(world), data={"page": 2})
    assert "<html" in plain.content.decode() and len(plain.context["rows"]) == 5


# --- queries ------------------------------------------------------------------------------


def test_query_count_does_not_grow_with_the_requests(client, world, submit, count_queries):
    def grow(n):
        for i in range(n):
            ticket = backdate(
                submit(), local(1 + i % 14, month=6 + i % 2), responded=H, resolved=5 * H
            )
            Rating.objects.create(ticket=ticket, overall=4, speed=4, attitude=4)

    grow(4)
    with count_queries() as small:
        client.get(board_url(world))
    grow(8)
    with count_queries() as large:
        response = client.get(board_url(world))
    assert len(response.context["rows"]) == 12
    assert small.count == large.count, large.dump()
    assert large.count <= 3, large.dump()  # the compound, the page of rows, the figures


@pytest.mark.parametrize("page", ["0", "-1", "abc", "999999999"])
def test_a_page_that_is_not_a_page_number_shows_the_newest(client, world, submit, page):
    backdate(submit(), local(3))
    response = client.get(board_url(world), {"page": page})
    assert response.status_code == 200
    assert len(response.context["rows"]) == 1


def test_a_page_beyond_the_last_is_empty_and_says_so(client, world, submit):
    backdate(submit(), local(3))
    response = client.get(board_url(world), {"page": "5"})
    assert response.context["rows"] == []
    assert "No request has been made yet." not in response.content.decode()
    assert "Back to the newest" in response.content.decode()
