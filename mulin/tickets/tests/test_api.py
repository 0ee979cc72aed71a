"""API of residents' requests, reading: categories, the request list and the request page —
access for every side, masking, filters, query counts, and the OpenAPI document.

Writes are in `test_api_write.py`, the whole walk through the API in `test_api_walk.py`; the
fixtures and helpers here are shared with them."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from mulin.core.models import Role
from mulin.testing import factories as f
from mulin.testing.api import ids
from mulin.tickets import services
from mulin.tickets.models import Category, Channel, Deadline, RoutingRule, Ticket
from mulin.tickets.states import Status, Target

# ---------------------------------------------------------------- shared fixtures and helpers


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def make_neighbour(world):
    """A resident of the flat next door (world.neighbour_unit), with an account."""
    person = f.PersonFactory(compound=world.compound, name="李四", phone="13900001111")
    f.ResidencyFactory(unit=world.neighbour_unit, person=person, relation="tenant")
    user = f.UserFactory(username="neighbour", person=person)
    f.grant(user, Role.RESIDENT, world.compound)
    return user


@pytest.fixture
def neighbour(world):
    return make_neighbour(world)


def jpeg(name: str = "photo.jpg", size=(40, 30), kind: str = "JPEG") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, "teal").save(out, format=kind)
    return SimpleUploadedFile(name, out.getvalue(), content_type=f"image/{kind.lower()}")


def upload(client, ticket_id: int, photos, **fields):
    """A multipart POST of `photos` (and form `fields`) to a request's photos endpoint."""
    return client.client.post(
        f"/api/v1/requests/{ticket_id}/photos",
        {**fields, "photos": photos},
        headers=client.headers,
    )


def move(client, ticket_id: int, to: str, **body):
    return client.post(f"/requests/{ticket_id}/transitions", {"to": to, **body})


# ---------------------------------------------------------------- categories


def test_categories_show_handling_team_dispatch_and_deadlines(world, desk, api):
    Deadline.objects.create(
        category=desk.cats["leak"], priority="emergency", respond_minutes=15, resolve_minutes=90
    )
    RoutingRule.objects.create(
        compound=world.compound, category=desk.cats["noise"], organisation=desk.other_team
    )
    Category.objects.filter(pk=desk.cats["praise"].pk).update(active=False)
    response = api(world.resident).get(f"/compounds/{world.compound.code}/request-categories")
    assert response.status_code == 200, response.content
    data = response.json()
    rows = {row["code"]: row for row in data["items"]}
    assert data["count"] == 14 and "praise" not in rows  # inactive ones are not offered
    leak = rows["leak"]
    assert leak["name"] == "Leak"
    assert leak["organisation"] == {"id": desk.team.id, "name": "工程部"}
    assert (leak["dispatch_mode"], leak["chargeable"]) == ("manual", False)
    assert {
        d["priority"]: (d["respond_minutes"], d["resolve_minutes"]) for d in leak["deadlines"]
    } == {
        "normal": (24 * 60, 7 * 24 * 60),
        "urgent": (2 * 60, 24 * 60),
        "emergency": (15, 90),  # the compound's own deadline row
    }
    assert rows["major_repair"]["deadlines"][0] == {
        "priority": "normal",
        "respond_minutes": 24 * 60,
        "resolve_minutes": 15 * 24 * 60,
    }
    assert rows["noise"]["organisation"]["name"] == "准物业"  # the routing rule wins
    assert rows["plumbing"]["chargeable"] is True


def test_categories_access(world, desk, api, neighbour):
    path = f"/compounds/{world.compound.code}/request-categories"
    assert api().get(path).status_code == 401
    assert api(world.outsider).get(path).status_code == 404
    assert api(world.staff).get(path).status_code == 200
    assert api(desk.handler).get(path).status_code == 200
    assert api(neighbour).get(path).status_code == 200
    assert (
        api(world.outsider).get(f"/compounds/{world.other.code}/request-categories").json()["count"]
        == 0
    )
    assert api(world.staff).get("/compounds/nope/request-categories").status_code == 404


def test_category_list_queries_do_not_grow(world, desk, api, constant_queries):
    def grow():
        for n in range(30):
            category = Category.objects.create(compound=world.compound, code=f"extra{n}", name="X")
            Deadline.objects.create(
                category=category, priority="urgent", respond_minutes=5, resolve_minutes=50
            )

    constant_queries(
        api(world.staff), f"/compounds/{world.compound.code}/request-categories", grow, 8
    )


# ---------------------------------------------------------------- the request list


@pytest.fixture
def three(world, desk, submit, at_status):
    """The resident's leak, a lift request staff took by phone for building 63, and an
    assigned leak."""
    own = submit()
    lift = submit(
        actor=world.staff,
        category=desk.cats["lift"],
        location_kind="building",
        unit=None,
        building=world.unit.building,
        channel=Channel.PHONE,
        priority="urgent",
        on_behalf_of=f.PersonFactory(compound=world.compound, name="王奶奶"),
        description="电梯停在三楼不动",
    )
    assigned = at_status(Status.ASSIGNED)
    return own, lift, assigned


def test_residents_see_their_own_staff_their_compound_outsiders_nothing(
    world, desk, api, three, neighbour
):
    own, lift, assigned = three
    assert ids(api(world.resident).get("/requests")) == {own.id, assigned.id}
    assert ids(api(neighbour).get("/requests")) == set()
    assert ids(api(world.outsider).get("/requests")) == set()
    everything = {own.id, lift.id, assigned.id}
    assert ids(api(world.staff).get("/requests")) == everything
    assert ids(api(desk.leader).get("/requests")) == everything
    assert ids(api(desk.handler).get("/requests")) == everything
    assert api().get("/requests").status_code == 401


def test_list_items_show_the_request_and_newest_come_first(world, desk, api, three):
    own, lift, assigned = three
    data = api(world.staff).get("/requests").json()
    assert [row["id"] for row in data["items"]] == [assigned.id, lift.id, own.id]
    row = data["items"][0]
    assert row["compound"] == world.compound.code
    assert row["category"] == {"code": "leak", "name": "Leak"}
    assert (row["status"], row["status_label"]) == ("assigned", "Assigned")
    assert row["location"] == {"kind": "unit", "building": "63", "unit": "63-2-301", "place": ""}
    assert row["organisation"] == {"id": desk.team.id, "name": "工程部"}
    assert row["assignee"] == {"id": desk.handler.id, "name": desk.handler.display_name}
    assert row["overdue"] is False
    assert row["respond_by"] and row["resolve_by"] and row["responded_at"]
    assert row["resolved_at"] is None
    lift_row = data["items"][1]
    assert lift_row["location"]["kind"] == "building" and lift_row["location"]["unit"] is None
    assert (lift_row["channel"], lift_row["priority"]) == ("phone", "urgent")
    body = api(world.staff).get("/requests").content.decode()
    assert "13812345678" not in body  # no phones, not even masked, in a list


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "submitted"}, {"own", "lift"}),
        ({"status": ["submitted", "assigned"]}, {"own", "lift", "assigned"}),
        ({"status": "assigned,submitted"}, {"own", "lift", "assigned"}),
        ({"category": "lift"}, {"lift"}),
        ({"category": "leak", "building": "63"}, {"own", "assigned"}),
        ({"building": "64"}, set()),
        ({"priority": "urgent"}, {"lift"}),
        ({"channel": "phone"}, {"lift"}),
        ({"channel": "self_service"}, {"own", "assigned"}),
        ({"queue": "unassigned"}, {"own", "lift"}),
        ({"queue": "overdue"}, {"own"}),
        ({"q": "电梯"}, {"lift"}),
        ({"compound": "other-test"}, set()),
    ],
)
def test_list_filters(world, desk, api, three, params, expected):
    own, lift, assigned = three
    Ticket.objects.filter(pk=own.pk).update(respond_by=timezone.now() - timedelta(minutes=1))
    named = {"own": own, "lift": lift, "assigned": assigned}
    assert ids(api(world.staff).get("/requests", **params)) == {named[n].id for n in expected}


def test_list_filters_by_assignee_queue_id_and_dates(world, desk, api, three):
    own, lift, assigned = three
    handler = api(desk.handler)
    assert ids(handler.get("/requests", assignee="me")) == {assigned.id}
    assert ids(handler.get("/requests", queue="mine")) == {assigned.id}
    assert ids(api(world.staff).get("/requests", assignee=str(desk.handler.id))) == {assigned.id}
    assert ids(api(world.staff).get("/requests", queue="mine")) == set()
    # The team queue: open requests of the organisations the caller handles for.
    assert ids(handler.get("/requests", queue="team")) == {own.id, lift.id, assigned.id}
    assert ids(api(world.staff).get("/requests", queue="team")) == set()
    assert ids(api(world.staff).get("/requests", q=str(lift.id))) == {lift.id}
    assert ids(api(world.staff).get("/requests", q=f"#{lift.id}")) == {lift.id}
    Ticket.objects.filter(pk=own.pk).update(created_at=timezone.now() - timedelta(days=10))
    today = timezone.localdate()
    recent = api(world.staff).get("/requests", created_after=str(today - timedelta(days=1)))
    assert ids(recent) == {lift.id, assigned.id}
    older = api(world.staff).get("/requests", created_before=str(today - timedelta(days=9)))
    assert ids(older) == {own.id}
    assert ids(api(world.staff).get("/requests", created_before="9999-12-31")) == {
        own.id,
        lift.id,
        assigned.id,
    }


def test_overdue_paused_and_finished_requests_are_not_overdue(world, desk, api, at_status):
    paused = at_status(Status.PAUSED)
    resolved = at_status(Status.RESOLVED)
    late = timezone.now() - timedelta(days=30)
    Ticket.objects.filter(pk__in=[paused.pk, resolved.pk]).update(resolve_by=late)
    rows = api(world.staff).get("/requests").json()["items"]
    assert [row["overdue"] for row in rows] == [False, False]
    assert ids(api(world.staff).get("/requests", queue="overdue")) == set()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "open,shut"}, "status"),
        ({"assignee": "him"}, "assignee"),
        ({"queue": "all"}, "queue"),
        ({"priority": "high"}, "priority"),
        ({"created_after": "yesterday"}, "created_after"),
    ],
)
def test_bad_filters_are_422_naming_the_parameter(world, api, params, field):
    response = api(world.staff).get("/requests", **params)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["field"] == field
    assert error["message"]


def test_request_list_queries_do_not_grow(world, desk, api, submit, constant_queries):
    def add(n):
        for _ in range(n):
            ticket = submit()
            services.ticket_transition(actor=desk.leader, ticket=ticket, to=Target.ACCEPTED)
            services.ticket_assign(actor=desk.leader, ticket=ticket, assignee=desk.handler)

    add(3)
    constant_queries(api(world.staff), "/requests", lambda: add(6), 5)
    constant_queries(api(world.resident), "/requests", lambda: add(6), 5)


# ---------------------------------------------------------------- the request page


def test_detail_access_for_every_side(world, desk, api, submit, neighbour):
    ticket = submit()
    path = f"/requests/{ticket.id}"
    assert api().get(path).status_code == 401
    assert api(world.outsider).get(path).status_code == 404
    assert api(neighbour).get(path).status_code == 404
    assert api(world.resident).get(path).status_code == 200
    assert api(desk.handler).get(path).status_code == 200
    assert api(desk.leader).get(path).status_code == 200
    assert api(world.staff).get(path).status_code == 200
    missing = api(world.staff).get("/requests/999999")
    assert (missing.status_code, missing.json()) == (404, {"detail": "Not found"})


def test_staff_see_the_requester_with_a_masked_phone_residents_do_not(world, desk, api, submit):
    ticket = submit()
    staff = api(world.staff).get(f"/requests/{ticket.id}")
    data = staff.json()
    assert data["requester"] == {
        "id": world.resident_person.id,
        "name": "张三",
        "phone": "138****5678",
    }
    assert data["submitted_by"]["id"] == world.resident.id
    assert "13812345678" not in staff.content.decode()
    own = api(world.resident).get(f"/requests/{ticket.id}").json()
    assert own["requester"] is None and own["submitted_by"] is None
    assert own["location"]["unit"] == "63-2-301"  # the requester sees their own home
    assert own["description"] == "厨房天花板漏水"


def test_detail_shows_timeline_photos_and_the_moves_this_user_may_make(
    world, desk, api, submit, login
):
    ticket = submit(photos=[jpeg()])
    services.ticket_transition(actor=desk.leader, ticket=ticket, to=Target.ACCEPTED)
    leader = api(desk.leader).get(f"/requests/{ticket.id}").json()
    assert [(e["kind"], e["to_status"]) for e in leader["events"]] == [
        ("submission", "submitted"),
        ("transition", "accepted"),
    ]
    [photo] = leader["photos"]
    assert (photo["stage"], photo["width"], photo["height"]) == ("report", 40, 30)
    assert leader["events"][0]["photos"] == [photo["id"]]
    assert photo["url"] == f"/requests/{ticket.id}/photos/{photo['id']}/"
    assert login(desk.leader).get(photo["url"])["Content-Type"] == "image/jpeg"
    assert leader["events"][0]["actor"] == world.resident.display_name
    assert leader["events"][1]["actor"] == desk.leader.display_name
    assert {m["to"] for m in leader["moves"]} == {"assigned", "rejected", "transferred"}
    assert {"assign", "claim", "merge", "comment", "exclusion"} <= set(leader["actions"])
    handler = api(desk.handler).get(f"/requests/{ticket.id}").json()
    assert {m["to"]: m["needs_note"] for m in handler["moves"]} == {
        "rejected": True,
        "transferred": True,
    }
    resident = api(world.resident).get(f"/requests/{ticket.id}").json()
    assert resident["moves"] == []
    assert set(resident["actions"]) == {"urge", "comment", "visibility"}


def test_resident_offered_close_and_reopen_once_resolved(world, desk, api, at_status):
    ticket = at_status(Status.RESOLVED)
    data = api(world.resident).get(f"/requests/{ticket.id}").json()
    assert [m["to"] for m in data["moves"]] == ["closed", "reopened"]
    assert "rate" in data["actions"]
    Ticket.objects.filter(pk=ticket.pk).update(resolved_at=timezone.now() - timedelta(days=8))
    later = api(world.resident).get(f"/requests/{ticket.id}").json()
    assert [m["to"] for m in later["moves"]] == ["closed"]  # past the 7 days to reopen


def test_team_notes_and_exclusion_stay_with_the_team(world, desk, api, submit):
    ticket = submit()
    services.ticket_exclude(actor=world.staff, ticket=ticket, reason="恶意重复")
    staff = api(world.staff).get(f"/requests/{ticket.id}").json()
    assert staff["excluded_reason"] == "恶意重复"
    assert [e["action"] for e in staff["events"]] == ["", "exclude"]
    own = api(world.resident).get(f"/requests/{ticket.id}")
    assert own.json()["excluded_reason"] == ""
    assert [e["kind"] for e in own.json()["events"]] == ["submission"]
    assert "恶意重复" not in own.content.decode()


def test_staff_see_possible_duplicates(world, desk, api, submit, neighbour):
    first = submit()
    second = submit(actor=neighbour, unit=world.neighbour_unit)
    data = api(world.staff).get(f"/requests/{second.id}").json()
    assert data["possible_duplicates"] == [first.id]
    assert api(neighbour).get(f"/requests/{second.id}").json()["possible_duplicates"] == []


def test_detail_queries_do_not_grow_with_the_timeline(world, desk, api, submit, count_queries):
    ticket = submit(photos=[jpeg()])
    client = api(world.staff)
    client.get(f"/requests/{ticket.id}")
    with count_queries() as before:
        assert client.get(f"/requests/{ticket.id}").status_code == 200
    for n in range(5):
        services.ticket_comment(actor=world.staff, ticket=ticket, note=f"第{n}次", photos=[jpeg()])
    with count_queries() as after:
        data = client.get(f"/requests/{ticket.id}").json()
    assert len(data["events"]) == 6 and len(data["photos"]) == 6
    assert before.count == after.count, after.dump()


# ---------------------------------------------------------------- the OpenAPI document


def test_openapi_lists_the_request_endpoints_with_their_schemas(db, client):
    document = client.get("/api/v1/openapi.json").json()
    paths = document["paths"]
    expected = {
        "/api/v1/compounds/{code}/request-categories": {"get"},
        "/api/v1/requests": {"get", "post"},
        "/api/v1/requests/{id}": {"get"},
        "/api/v1/follow-ups": {"get"},
        "/api/v1/follow-ups/{id}": {"post"},
        **{
            f"/api/v1/requests/{{id}}/{action}": {"post"}
            for action in (
                "transitions",
                "photos",
                "assign",
                "claim",
                "urge",
                "rating",
                "merge",
                "comments",
                "visibility",
                "exclusion",
                "recheck",
            )
        },
    }
    for path, methods in expected.items():
        assert methods <= set(paths[path]), path
    schemas = document["components"]["schemas"]
    assert {"RequestPage", "RequestDetailOut", "RequestIn", "TransitionIn", "FollowUpPage"} <= set(
        schemas
    )
    detail = schemas["RequestDetailOut"]["properties"]
    assert {"events", "photos", "moves", "rating", "requester"} <= set(detail)
    submit = paths["/api/v1/requests"]["post"]
    [key] = [p for p in submit["parameters"] if p["name"] == "Idempotency-Key"]
    assert key["required"] is True
    assert {"200", "201", "422"} <= set(submit["responses"])
    upload_body = paths["/api/v1/requests/{id}/photos"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in upload_body
