"""The printable work-order slip: only the handling team prints it, the phone stays masked,
and the QR code leads to the request page."""

import pytest
from django.urls import reverse

from mulin.core.models import Role
from mulin.testing import factories as f
from mulin.tickets.models import Channel, LocationKind, Priority
from mulin.tickets.states import Status


def slip_url(ticket) -> str:
    return reverse("tickets:slip", args=[ticket.pk])


def test_anonymous_is_sent_to_login(client, world, desk, submit):
    response = client.get(slip_url(submit()))
    assert response.status_code == 302
    assert response.url.startswith(reverse("core:login"))


@pytest.mark.parametrize("who", ["outsider", "resident"])
def test_outsider_and_even_the_requester_get_404(world, desk, login, submit, who):
    # The slip is the team's working paper; the resident has the request page.
    assert login(getattr(world, who)).get(slip_url(submit())).status_code == 404


def test_a_reader_without_handling_rights_gets_404(world, desk, login, submit):
    member = f.UserFactory()
    f.grant(member, Role.PARTY_MEMBER, world.compound)
    assert login(member).get(slip_url(submit())).status_code == 404


def test_missing_request_is_404(world, desk, login):
    assert login(desk.handler).get(reverse("tickets:slip", args=[999999])).status_code == 404


def test_slip_has_what_the_handler_needs_at_the_door(world, desk, login, at_status):
    ticket = at_status(Status.ASSIGNED)
    response = login(desk.handler).get(slip_url(ticket))
    assert response.status_code == 200
    html = response.content.decode()
    assert f"#{ticket.pk} {ticket.category.name}" in html
    assert world.unit.code in html and "Building 63" in html
    assert "张三" in html
    assert "138****5678" in html
    assert "13812345678" not in html  # never the full phone
    assert ticket.description in html
    assert desk.handler.display_name in html and desk.team.name in html
    assert "Respond by" in html and "Resolve by" in html
    # Lines to fill in on site.
    assert "Work done" in html and "Materials and cost" in html
    assert "Resident's signature:" in html and "Date and time:" in html
    # A QR code (SVG) and the address it stands for: the request page.
    assert "<svg" in html and 'class="slip-qr"' in html
    assert "http://testserver" + reverse("tickets:detail", args=[ticket.pk]) in html


def test_slip_is_print_styled_a5_by_default_and_a4_on_request(world, desk, login, submit):
    ticket = submit(priority=Priority.URGENT)
    client = login(desk.leader)
    html = client.get(slip_url(ticket)).content.decode()
    assert "@media print" in html and "size: A5 portrait" in html
    assert 'class="slip-toolbar d-print-none"' in html
    assert "Urgent" in html
    html = client.get(slip_url(ticket), {"paper": "a4"}).content.decode()
    assert "size: A4 portrait" in html


def test_anonymous_request_in_a_common_area(world, desk, login, submit):
    ticket = submit(
        actor=world.staff,
        channel=Channel.PATROL,
        location_kind=LocationKind.COMMON_AREA,
        unit=None,
        place="北门车棚",
    )
    html = login(world.staff).get(slip_url(ticket)).content.decode()
    assert "北门车棚" in html and "Anonymous" in html and "Patrol" in html
