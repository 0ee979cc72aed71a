"""The request page every party shares: who may see it, what it shows to whom, and a query count
that does not grow with the timeline."""

import io

import pytest
from django.urls import reverse
from PIL import Image

from mulin.core.models import Role
from mulin.testing import factories as f
from mulin.tickets import services
from mulin.tickets.models import Category, Ticket
from mulin.tickets.states import Status, Target


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def neighbour(world):
    """A resident of the flat next door, with an account."""
    person = f.PersonFactory(compound=world.compound, name="李四", phone="13900001111")
    f.ResidencyFactory(unit=world.neighbour_unit, person=person, relation="owner", is_head=True)
    user = f.UserFactory(username="neighbour", person=person)
    f.grant(user, Role.RESIDENT, world.compound)
    return user


def jpeg(name="photo.jpg", colour="red"):
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(buf, format="JPEG")
    buf.seek(0)
    buf.name = name
    return buf


def url(ticket) -> str:
    return reverse("tickets:detail", args=[ticket.pk])


# --- access -----------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, submit):
    response = client.get(url(submit()))
    assert response.status_code == 302
    assert response.url.startswith(reverse("core:login"))


def test_outsider_gets_404(world, login, submit):
    assert login(world.outsider).get(url(submit())).status_code == 404


def test_missing_request_is_404_like_a_forbidden_one(world, login):
    assert login(world.staff).get(reverse("tickets:detail", args=[999999])).status_code == 404


def test_resident_sees_their_own_request(world, login, submit):
    ticket = submit()
    response = login(world.resident).get(url(ticket))
    assert response.status_code == 200
    assert response.context["page"].parties == {"requester"}


def test_neighbour_gets_404_for_a_residents_request(neighbour, login, submit):
    assert login(neighbour).get(url(submit())).status_code == 404


def test_handler_of_the_team_sees_it(desk, login, submit):
    assert login(desk.handler2).get(url(submit())).status_code == 200


def test_handler_of_another_compounds_team_gets_404(world, login, submit):
    team = f.OrganisationFactory(name="别处物业", compound=world.other)
    stranger = f.UserFactory()
    f.grant(stranger, Role.PROPERTY_STAFF, team)
    assert login(stranger).get(url(submit())).status_code == 404


def test_party_member_of_another_building_gets_404_of_this_one_200(world, login, submit):
    ticket = submit()
    here = f.UserFactory()
    f.grant(here, Role.PARTY_MEMBER, world.unit.building)
    elsewhere = f.UserFactory()
    f.grant(elsewhere, Role.PARTY_MEMBER, f.BuildingFactory(compound=world.compound, number="9"))
    assert login(here).get(url(ticket)).status_code == 200
    assert login(elsewhere).get(url(ticket)).status_code == 404


# --- what each party sees ---------------------------------------------------------------------


def test_staff_see_requester_name_and_masked_phone_never_the_full_number(desk, login, submit):
    html = login(desk.handler).get(url(submit())).content.decode()
    assert "张三" in html
    assert "138****5678" in html
    assert "13812345678" not in html


def test_resident_sees_team_and_handler_first_name(world, desk, login, at_status):
    desk.handler.first_name = "王师傅"
    desk.handler.save()
    ticket = at_status(Status.ASSIGNED)
    html = login(world.resident).get(url(ticket)).content.decode()
    assert "工程部" in html
    assert "王师傅" in html
    assert "138****5678" not in html  # their own phone is not repeated back as "requester"


def test_timeline_shows_every_event_with_actor_note_and_costs(world, desk, login, at_status):
    Category.objects.filter(pk=desk.cats["leak"].pk).update(chargeable=True)
    ticket = at_status(Status.IN_PROGRESS)
    services.ticket_transition(
        actor=desk.handler,
        ticket=ticket,
        to=Target.RESOLVED,
        note="换了水管接头",
        cost_lines=[{"item": "水管接头", "amount": "35.50"}, {"item": "人工", "amount": "20"}],
        photos=[jpeg("after.jpg", "blue")],
    )
    response = login(world.resident).get(url(ticket))
    page = response.context["page"]
    titles = [e.title for e in page.entries]
    assert titles == [
        "Submitted",
        "Accepted",
        "Handler chosen",
        "Work started",
        "Marked as fixed",
    ]
    resolved = page.entries[-1]
    assert resolved.actor == desk.handler.display_name
    assert resolved.event.note == "换了水管接头"
    assert [p.stage for p in resolved.photos] == ["after"]
    assert str(resolved.cost_total) == "55.50"
    html = response.content.decode()
    assert "55.50" in html
    assert reverse("tickets:photo", args=[ticket.pk, resolved.photos[0].pk]) in html


def test_times_are_shown_in_shanghai_time(world, login, submit):
    ticket = submit()
    Ticket.objects.filter(pk=ticket.pk).update(
        created_at="2030-07-01T04:00:00+00:00", respond_by="2030-07-02T04:00:00+00:00"
    )
    html = login(world.resident).get(url(ticket)).content.decode()
    assert "2030-07-01 12:00" in html  # 04:00 UTC


def test_report_photos_show_as_thumbnails_linking_to_full_size(world, login, submit):
    ticket = submit(photos=[jpeg()])
    photo = ticket.photos.get()
    html = login(world.resident).get(url(ticket)).content.decode()
    full = reverse("tickets:photo", args=[ticket.pk, photo.pk])
    assert f'href="{full}"' in html
    assert f'src="{full}?size=thumb"' in html


def test_actions_offered_follow_the_party(world, desk, login, submit):
    ticket = submit()
    resident_actions = login(world.resident).get(url(ticket)).context["page"].actions
    assert resident_actions == {"urge", "comment", "public"}
    leader_actions = login(desk.leader).get(url(ticket)).context["page"].actions
    assert {"accepted", "rejected", "comment", "exclude"} <= leader_actions
    assert "urge" not in leader_actions and "assigned" not in leader_actions


def test_rejected_request_shows_the_reason_to_the_resident(world, desk, login, submit):
    ticket = services.ticket_transition(
        actor=desk.leader, ticket=submit(), to=Target.REJECTED, note="不属于物业范围"
    )
    html = login(world.resident).get(url(ticket)).content.decode()
    assert "不属于物业范围" in html


# --- query count ------------------------------------------------------------------------------


def _comments(ticket, user, n):
    for i in range(n):
        services.ticket_comment(actor=user, ticket=ticket, note=f"第{i}条", photos=[jpeg()])


@pytest.mark.parametrize("who", ["resident", "leader"])
def test_query_count_does_not_grow_with_the_timeline(
    who, world, desk, login, submit, count_queries
):
    user = world.resident if who == "resident" else desk.leader
    ticket = submit()
    client = login(user)

    def queries(n_more):
        _comments(ticket, world.resident, n_more)
        with count_queries() as q:
            response = client.get(url(ticket))
        assert response.status_code == 200
        return q.count, len(response.context["page"].entries)

    few, events_few = queries(3)
    many, events_many = queries(6)
    assert events_many == events_few + 6
    assert many == few, "the request page's queries grow with its timeline"
    assert few <= 20
