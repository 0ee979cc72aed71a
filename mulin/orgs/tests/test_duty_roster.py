"""orgs:duty — who is on duty now, today's and upcoming shifts, a week table, adding shifts."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from mulin.core.models import AuditEvent, Role
from mulin.orgs.models import DutyShift
from mulin.testing import factories as f

from .conftest import populate


def url(world, **query):
    base = reverse("orgs:duty", args=[world.compound.code])
    if query:
        base += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return base


def make_shift(org, person, start_hours, hours, phone="0571-85001234"):
    now = timezone.now()
    return DutyShift.objects.create(
        organisation=org,
        person=person,
        starts_at=now + timedelta(hours=start_hours),
        ends_at=now + timedelta(hours=start_hours + hours),
        phone=phone,
    )


def local_input(dt: datetime) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


# Access ---------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(url(world))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))


def test_outsider_gets_404(login, world):
    assert login(world.outsider).get(url(world)).status_code == 404


def test_resident_gets_404(login, world):
    assert login(world.resident).get(url(world)).status_code == 404


def test_volunteer_without_duty_view_gets_404(login, world, volunteer):
    assert login(volunteer).get(url(world)).status_code == 404


def test_party_member_may_view_but_not_add(login, world, branch):
    member = f.UserFactory()
    f.grant(member, Role.PARTY_MEMBER, world.compound)
    client = login(member)
    response = client.get(url(world))
    assert response.status_code == 200 and response.context["form"] is None
    post = client.post(
        url(world),
        {
            "action": "shift_add",
            "organisation": branch.pk,
            "person": world.resident_person.pk,
            "starts_at": local_input(timezone.now()),
            "ends_at": local_input(timezone.now() + timedelta(hours=4)),
            "phone": "0571-85001234",
        },
    )
    assert post.status_code == 404
    assert not DutyShift.objects.exists()


# The roster -----------------------------------------------------------------------------------


def test_on_duty_now_shows_the_full_duty_phone(login, world, branch, committee):
    now_shift = make_shift(branch, world.resident_person, -1, 4, phone="13900001111")
    make_shift(committee, f.PersonFactory(compound=world.compound, name="值班员"), 2, 4)
    make_shift(f.OrganisationFactory(compound=world.other), f.PersonFactory(), -1, 4)
    response = login(world.staff).get(url(world))
    assert response.status_code == 200
    assert response.context["on_duty"] == [now_shift]
    body = response.content.decode()
    assert 'href="tel:13900001111"' in body
    assert [s.person.name for s in response.context["upcoming"]] == ["张三", "值班员"]


def test_week_view_moves_by_week_and_answers_htmx_with_the_week_only(login, world, branch):
    client = login(world.staff)
    next_monday = client.get(url(world)).context["next_week"]
    start = timezone.make_aware(datetime.combine(next_monday, datetime.min.time())) + timedelta(
        hours=8
    )
    DutyShift.objects.create(
        organisation=branch,
        person=world.resident_person,
        starts_at=start,
        ends_at=start + timedelta(hours=12),
        phone="0571-85001234",
    )
    response = client.get(url(world, week=next_monday.isoformat()), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<section class="mb-4" id="week"')
    assert "08:00–20:00</span>张三" in body
    assert "<html" not in body


def test_a_bad_week_parameter_falls_back_to_this_week(login, world):
    response = login(world.staff).get(url(world, week="not-a-date"))
    assert response.status_code == 200
    assert response.context["week_start"] == response.context["this_week"]


# Adding and removing shifts -------------------------------------------------------------------


def test_staff_adds_a_shift_in_beijing_time(login, world, branch):
    response = login(world.staff).post(
        url(world),
        {
            "action": "shift_add",
            "organisation": branch.pk,
            "person": world.resident_person.pk,
            "starts_at": "2030-08-01T20:00",
            "ends_at": "2030-08-02T08:00",
            "phone": "0571-85001234",
            "note": "台风值班",
        },
    )
    assert response.status_code == 302
    shift = DutyShift.objects.get()
    assert timezone.localtime(shift.starts_at).hour == 20
    assert shift.starts_at.astimezone(UTC).hour == 12  # stored in UTC
    assert AuditEvent.objects.filter(action="duty.add").count() == 1


def test_property_manager_may_add_shifts(login, world, branch, property_manager):
    response = login(property_manager).post(
        url(world),
        {
            "action": "shift_add",
            "organisation": branch.pk,
            "person": world.resident_person.pk,
            "starts_at": "2030-08-01T08:00",
            "ends_at": "2030-08-01T20:00",
            "phone": "13900001111",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<div id="roster">')
    assert DutyShift.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"ends_at": "2030-08-01T07:00"}, "ends_at"),
        ({"ends_at": "2030-08-01T08:00"}, "ends_at"),
        ({"phone": ""}, "phone"),
        ({"phone": "not a phone"}, "phone"),
        ({"starts_at": "tomorrow"}, "starts_at"),
        ({"organisation": "OTHER"}, "organisation"),
        ({"person": "STRANGER"}, "person"),
    ],
)
def test_bad_shift_names_the_field_and_changes_nothing(login, world, branch, overrides, field):
    values = {
        "action": "shift_add",
        "organisation": branch.pk,
        "person": world.resident_person.pk,
        "starts_at": "2030-08-01T08:00",
        "ends_at": "2030-08-01T20:00",
        "phone": "0571-85001234",
        **overrides,
    }
    if values["organisation"] == "OTHER":
        values["organisation"] = f.OrganisationFactory(compound=world.other).pk
    if values["person"] == "STRANGER":
        values["person"] = f.PersonFactory(compound=world.other).pk
    response = login(world.staff).post(url(world), values, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not DutyShift.objects.exists()
    assert not AuditEvent.objects.exists()


def test_staff_removes_an_upcoming_shift_but_not_a_finished_one(login, world, branch):
    upcoming = make_shift(branch, world.resident_person, 2, 4)
    finished = make_shift(branch, world.resident_person, -10, 4)
    client = login(world.staff)
    response = client.post(
        url(world), {"action": "shift_remove", "shift": finished.pk}, HTTP_HX_REQUEST="true"
    )
    assert response.context["remove_error"]
    assert DutyShift.objects.filter(pk=finished.pk).exists()
    client.post(url(world), {"action": "shift_remove", "shift": upcoming.pk})
    assert not DutyShift.objects.filter(pk=upcoming.pk).exists()
    assert AuditEvent.objects.filter(action="duty.remove").count() == 1


# Query count ----------------------------------------------------------------------------------


def test_query_count_does_not_grow_with_shifts(
    login, world, count_queries, django_assert_max_num_queries
):
    client = login(world.staff)
    populate(world.compound, 3)
    client.get(url(world))
    with count_queries() as small:
        client.get(url(world))
    populate(world.compound, 6)
    with django_assert_max_num_queries(25), count_queries() as large:
        response = client.get(url(world))
    assert len(response.context["on_duty"]) == 9
    assert large.count == small.count, large.dump()
