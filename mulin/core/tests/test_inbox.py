"""The inbox page: own messages only, newest first, mark one or all read, constant queries."""

import pytest
from django.urls import reverse

from mulin.core.models import Notification
from mulin.testing import factories as f

INBOX = reverse("core:inbox")


def _note(user, title="Hello", **extra):
    return Notification.objects.create(recipient=user, title=title, **extra)


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(INBOX)
    assert response.status_code == 302
    assert response.url.startswith(reverse("core:login"))


def test_anonymous_cannot_mark_read(client, world):
    note = _note(world.resident)
    response = client.post(reverse("core:inbox_read", args=[note.pk]))
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.read_at is None


def test_resident_sees_own_messages_newest_first(world, login):
    _note(world.resident, "Older")
    _note(world.resident, "Newer", url="/me/")
    _note(world.staff, "Somebody else's")
    page = login(world.resident).get(INBOX).content.decode()
    assert page.index("Newer") < page.index("Older")
    assert "Somebody else" not in page
    assert 'href="/me/"' in page
    assert "Unread" in page  # emphasised with text, not only colour


def test_badge_counts_unread(world, login):
    _note(world.staff)
    _note(world.staff)
    page = login(world.staff).get(reverse("core:me")).content.decode()
    assert "Inbox, 2 unread messages" in page


def test_mark_one_read(world, login):
    note = _note(world.resident)
    response = login(world.resident).post(reverse("core:inbox_read", args=[note.pk]))
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.read_at is not None


def test_mark_read_over_htmx_swaps_the_row_and_badge(world, login):
    note = _note(world.resident, "Water off")
    _note(world.resident, "Still unread")
    response = login(world.resident).post(
        reverse("core:inbox_read", args=[note.pk]), HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert f'id="notification-{note.pk}"' in html
    assert "Water off" in html
    assert "<html" not in html
    assert 'hx-swap-oob="true"' in html
    assert "Inbox, 1 unread message" in html


def test_another_users_message_is_404(world, login):
    note = _note(world.staff)
    response = login(world.outsider).post(reverse("core:inbox_read", args=[note.pk]))
    assert response.status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_mark_read_needs_post(world, login):
    note = _note(world.resident)
    assert login(world.resident).get(reverse("core:inbox_read", args=[note.pk])).status_code == 405


def test_mark_all_read_touches_only_own(world, login):
    for _ in range(3):
        _note(world.resident)
    theirs = _note(world.staff)
    response = login(world.resident).post(reverse("core:inbox_read_all"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="inbox-list"' in html
    assert "Mark all as read" not in html  # nothing left to mark
    assert not Notification.objects.filter(recipient=world.resident, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_empty_inbox_says_so(world, login):
    assert "No messages yet" in login(world.resident).get(INBOX).content.decode()


def test_inbox_is_paginated(world, login):
    Notification.objects.bulk_create(
        Notification(recipient=world.resident, title=f"N{i}") for i in range(35)
    )
    page2 = login(world.resident).get(INBOX + "?page=2").content.decode()
    assert "Page 2 of 2" in page2


@pytest.mark.parametrize("n", [5])
def test_query_count_does_not_grow(world, login, count_queries, django_assert_max_num_queries, n):
    client = login(world.resident)

    def measure() -> int:
        with count_queries() as q:
            assert client.get(INBOX).status_code == 200
        return q.count

    Notification.objects.bulk_create(
        Notification(recipient=world.resident, title=f"A{i}", url="/me/") for i in range(n)
    )
    small = measure()
    Notification.objects.bulk_create(
        Notification(recipient=world.resident, title=f"B{i}") for i in range(2 * n)
    )
    assert measure() == small
    with django_assert_max_num_queries(small):
        client.get(INBOX)


def test_badge_costs_one_query_and_none_for_anonymous(client, world, login, count_queries):
    with count_queries() as anon:
        client.get(reverse("core:login"))
    assert "notification" not in anon.dump().lower()
    client = login(f.UserFactory())
    with count_queries() as q:
        client.get(reverse("core:password_change"))
    assert sum("core_notification" in line for line in q.dump().splitlines()) == 1
