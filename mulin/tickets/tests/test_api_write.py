"""API of residents' requests, writing: submitting (idempotent), moves on the state machine and
photos — who may, what is refused with which message (in English and Chinese), and that a
refusal changes nothing."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from django.utils.translation import gettext

from mulin.core.models import AuditEvent
from mulin.testing import factories as f
from mulin.tickets import photos as photo_rules
from mulin.tickets import services
from mulin.tickets.models import Ticket, TicketEvent, TicketPhoto
from mulin.tickets.states import Status, Target

from .test_api import jpeg, make_neighbour, move, upload

KEY = {"Idempotency-Key": "tap-1"}


@pytest.fixture(name="neighbour")
def _neighbour(world):
    return make_neighbour(world)


def _body(world, **changes) -> dict:
    body = {
        "compound": world.compound.code,
        "category": "leak",
        "description": "卫生间天花板在滴水",
        "unit_id": world.unit.id,
    }
    return body | changes


def _not_an_image() -> SimpleUploadedFile:
    return SimpleUploadedFile("photo.jpg", b"this is not a picture", content_type="image/jpeg")


def _chinese(text: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in text)


# ---------------------------------------------------------------- submitting


def test_resident_submits_and_a_retry_with_the_same_key_answers_the_same_request(world, desk, api):
    client = api(world.resident)
    first = client.post("/requests", _body(world), **KEY)
    assert first.status_code == 201, first.content
    again = client.post("/requests", _body(world), **KEY)
    assert again.status_code == 200
    assert again.json() == first.json()
    data = first.json()
    assert (data["status"], data["category"]["code"], data["channel"]) == (
        "submitted",
        "leak",
        "self_service",
    )
    assert data["organisation"]["name"] == "工程部"
    assert data["location"]["unit"] == "63-2-301"
    assert Ticket.objects.count() == 1
    assert Ticket.objects.get().idempotency_key == "tap-1"
    assert AuditEvent.objects.filter(action="tickets.submit").count() == 1
    # Another key is another request.
    assert client.post("/requests", _body(world), **{"Idempotency-Key": "tap-2"}).status_code == 201
    assert Ticket.objects.count() == 2


def test_submit_needs_an_idempotency_key(world, desk, api):
    missing = api(world.resident).post("/requests", _body(world))
    assert missing.status_code == 422
    assert missing.json()["detail"] == [
        {"field": "Idempotency-Key", "message": "This field is required."}
    ]
    blank = api(world.resident).post("/requests", _body(world), **{"Idempotency-Key": "  "})
    assert blank.status_code == 422
    assert blank.json()["detail"] == [
        {"field": "Idempotency-Key", "message": "Every request needs a submission key."}
    ]
    too_long = api(world.resident).post("/requests", _body(world), **{"Idempotency-Key": "k" * 65})
    assert too_long.status_code == 422
    assert not Ticket.objects.exists()


def test_staff_submit_on_behalf_of_a_resident_with_the_channel(world, desk, api):
    body = _body(world, channel="phone", on_behalf_of=world.resident_person.id, priority="urgent")
    response = api(world.staff).post("/requests", body, **KEY)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["channel"] == "phone"
    assert data["requester"] == {
        "id": world.resident_person.id,
        "name": "张三",
        "phone": "138****5678",
    }
    assert data["on_behalf_of"] == {"id": world.resident_person.id, "name": "张三"}
    ticket = Ticket.objects.get()
    assert (ticket.requester, ticket.on_behalf_of, ticket.submitted_by) == (
        world.resident_person,
        world.resident_person,
        world.staff,
    )
    event = AuditEvent.objects.get(action="tickets.submit")
    assert event.on_behalf_of_id == world.resident_person.id
    # The resident finds it among their own.
    assert [r["id"] for r in api(world.resident).get("/requests").json()["items"]] == [ticket.id]


def test_a_handler_records_an_anonymous_request_for_a_common_area(world, desk, api):
    body = _body(
        world,
        unit_id=None,
        location_kind="common_area",
        place="北门绿化带",
        category="greening",
        channel="patrol",
    )
    response = api(desk.handler).post("/requests", body, **KEY)
    assert response.status_code == 201, response.content
    assert response.json()["requester"] is None
    assert response.json()["location"] == {
        "kind": "common_area",
        "building": None,
        "unit": None,
        "place": "北门绿化带",
    }


@pytest.mark.parametrize(
    ("who", "changes", "field", "message"),
    [
        (
            "resident",
            {"channel": "phone"},
            "channel",
            "Only staff record requests that came through other channels.",
        ),
        (
            "resident",
            {"on_behalf_of": "person"},
            "on_behalf_of",
            "Only staff submit requests for another resident.",
        ),
        (
            "resident",
            {"unit_id": "neighbour_unit"},
            "unit_id",
            "Choose one of your own homes in this compound.",
        ),
        (
            "resident",
            {"unit_id": 999999},
            "unit_id",
            "Choose one of your own homes in this compound.",
        ),
        (
            "resident",
            {"category": "nope"},
            "category",
            "Choose one of this compound's request categories.",
        ),
        (
            "resident",
            {"location_kind": "building", "building": "99"},
            "building",
            "Choose a building of this compound.",
        ),
        (
            "resident",
            {"location_kind": "common_area", "unit_id": None},
            "place",
            "Say where in the compound the problem is.",
        ),
        ("resident", {"description": "   "}, "description", "Describe the problem."),
        (
            "staff",
            {"on_behalf_of": "other_person"},
            "on_behalf_of",
            "The resident must belong to this compound.",
        ),
        (
            "resident",
            {"priority": "whenever"},
            "priority",
            "Select a valid choice. That choice is not one of the available choices.",
        ),
    ],
)
def test_submit_refusals_name_the_field_and_create_nothing(
    world, desk, api, who, changes, field, message
):
    other_person = f.PersonFactory(compound=world.other)
    stand_ins = {
        "person": world.resident_person.id,
        "other_person": other_person.id,
        "neighbour_unit": world.neighbour_unit.id,
    }
    changes = {k: stand_ins.get(v, v) if isinstance(v, str) else v for k, v in changes.items()}
    response = api(getattr(world, who)).post("/requests", _body(world, **changes), **KEY)
    assert response.status_code == 422, response.content
    assert {"field": field, "message": message} in response.json()["detail"]
    assert not Ticket.objects.exists()


def test_submit_access(world, desk, api, neighbour):
    assert api().post("/requests", _body(world), **KEY).status_code == 401
    assert api(world.outsider).post("/requests", _body(world), **KEY).status_code == 404
    elsewhere = _body(world, compound=world.other.code, unit_id=world.other_unit.id)
    assert api(world.resident).post("/requests", elsewhere, **KEY).status_code == 404
    assert (
        api(world.resident).post("/requests", _body(world, compound="nope"), **KEY).status_code
        == 404
    )
    mine = _body(world, unit_id=world.neighbour_unit.id)
    assert api(neighbour).post("/requests", mine, **KEY).status_code == 201
    assert Ticket.objects.count() == 1


# ---------------------------------------------------------------- transitions


def test_illegal_move_is_refused_with_the_service_message(world, desk, api, submit):
    ticket = submit()
    response = move(api(desk.leader), ticket.id, "resolved")
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"field": None, "message": "A request that is “Submitted” cannot go to “Resolve”."}
    ]
    ticket.refresh_from_db()
    assert ticket.status == Status.SUBMITTED


def test_a_resident_may_not_accept_their_own_request(world, desk, api, submit):
    ticket = submit()
    response = move(api(world.resident), ticket.id, "accepted")
    assert response.status_code == 422
    assert response.json()["detail"][0]["message"] == (
        "You may not take a request from “Submitted” to “Accept”."
    )


def test_moves_are_404_for_outsiders_and_neighbours(world, desk, api, submit, neighbour):
    ticket = submit()
    assert move(api(), ticket.id, "accepted").status_code == 401
    assert move(api(world.outsider), ticket.id, "accepted").status_code == 404
    assert move(api(neighbour), ticket.id, "accepted").status_code == 404
    assert move(api(desk.leader), 999999, "accepted").status_code == 404
    ticket.refresh_from_db()
    assert ticket.status == Status.SUBMITTED


@pytest.mark.parametrize(
    ("status", "to", "body", "field", "message"),
    [
        (Status.ACCEPTED, "assigned", {}, "assignee_id", "Choose the handler."),
        (
            Status.ACCEPTED,
            "assigned",
            {"assignee_id": "resident"},
            "assignee_id",
            "The handler must be able to handle this request.",
        ),
        (
            Status.ACCEPTED,
            "assigned",
            {"assignee_id": 999999},
            "assignee_id",
            "The handler must be able to handle this request.",
        ),
        (
            Status.ACCEPTED,
            "transferred",
            {"note": "不归我们管"},
            "organisation_id",
            "Choose the organisation to transfer to.",
        ),
        (Status.SUBMITTED, "rejected", {}, "note", "Give a reason; the resident will see it."),
        (
            Status.IN_PROGRESS,
            "paused",
            {"note": "等配件"},
            "paused_until",
            "Give the date work resumes.",
        ),
        (
            Status.IN_PROGRESS,
            "resolved",
            {"cost_lines": [{"item": "水管接头", "amount": "35.00"}]},
            "cost_lines",
            "This category is free of charge; remove the cost lines.",
        ),
        (Status.IN_PROGRESS, "finished", {}, "to", None),
    ],
)
def test_move_refusals_name_the_field(
    world, desk, api, at_status, status, to, body, field, message
):
    ticket = at_status(status)
    if body.get("assignee_id") == "resident":
        body = {**body, "assignee_id": world.resident.id}
    events = TicketEvent.objects.filter(ticket=ticket).count()
    response = move(api(desk.leader), ticket.id, to, **body)
    assert response.status_code == 422, response.content
    [error] = response.json()["detail"]
    assert error["field"] == field
    if message:
        assert error["message"] == message
    assert TicketEvent.objects.filter(ticket=ticket).count() == events


def test_resolving_a_chargeable_job_records_its_cost_lines(world, desk, api, submit):
    ticket = submit(category=desk.cats["plumbing"])
    for who, to, extra in [
        (desk.leader, Target.ACCEPTED, {}),
        (desk.leader, Target.ASSIGNED, {"assignee": desk.handler}),
        (desk.handler, Target.IN_PROGRESS, {}),
    ]:
        services.ticket_transition(actor=who, ticket=ticket, to=to, **extra)
    bad = move(
        api(desk.handler), ticket.id, "resolved", cost_lines=[{"item": "接头", "amount": "3.555"}]
    )
    assert bad.status_code == 422
    assert bad.json()["detail"] == [
        {"field": "cost_lines", "message": "Cost line 1 needs an amount in yuan, such as 35.50."}
    ]
    lines = [{"item": "水管接头", "amount": "35.5"}, {"item": "人工", "amount": 50}]
    response = move(api(desk.handler), ticket.id, "resolved", note="换了接头", cost_lines=lines)
    assert response.status_code == 200, response.content
    last = response.json()["events"][-1]
    assert (last["action"], last["note"]) == ("resolved", "换了接头")
    assert last["cost_lines"] == [
        {"item": "水管接头", "amount": "35.50"},
        {"item": "人工", "amount": "50.00"},
    ]


def test_a_retried_move_with_the_same_key_moves_once(world, desk, api, submit):
    ticket = submit()
    client = api(desk.leader)
    first = client.post(
        f"/requests/{ticket.id}/transitions", {"to": "accepted"}, **{"Idempotency-Key": "m-1"}
    )
    again = client.post(
        f"/requests/{ticket.id}/transitions", {"to": "accepted"}, **{"Idempotency-Key": "m-1"}
    )
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert TicketEvent.objects.filter(ticket=ticket, action="accepted").count() == 1
    # Without the key the second try is a real one, and the state machine refuses it.
    assert move(client, ticket.id, "accepted").status_code == 422


# ---------------------------------------------------------------- photos


def test_resident_adds_photos_with_a_note(world, desk, api, submit):
    ticket = submit()
    response = upload(
        api(world.resident), ticket.id, [jpeg(), jpeg("b.png", kind="PNG")], note="又漏了一处"
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert [p["stage"] for p in data["photos"]] == ["report", "report"]
    note = data["events"][-1]
    assert (note["kind"], note["note"]) == ("note", "又漏了一处")
    assert note["photos"] == [p["id"] for p in data["photos"]]
    stored = TicketPhoto.objects.filter(ticket=ticket)
    assert all(p.image.name.endswith(".jpg") for p in stored)


def test_team_photos_with_a_pause_are_before_photos(world, desk, api, at_status):
    ticket = at_status(Status.IN_PROGRESS)
    resume = timezone.localdate() + timedelta(days=2)
    response = upload(
        api(desk.handler),
        ticket.id,
        [jpeg()],
        note="等配件",
        to="paused",
        paused_until=str(resume),
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["status"], data["paused_until"]) == ("paused", str(resume))
    assert [p["stage"] for p in data["photos"]] == ["before"]


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (lambda: [_not_an_image()], "Photo 1 is not a JPEG, PNG or HEIC picture."),
        (lambda: [jpeg(f"{n}.jpg") for n in range(7)], "Send at most 6 photos."),
        (lambda: [jpeg(), _not_an_image()], "Photo 2 is not a JPEG, PNG or HEIC picture."),
    ],
)
def test_bad_photos_are_refused_with_the_photo_rules_message(
    world, desk, api, submit, files, message
):
    ticket = submit()
    response = upload(api(world.resident), ticket.id, files(), note="照片")
    assert response.status_code == 422
    assert response.json()["detail"] == [{"field": "photos", "message": message}]
    assert not TicketPhoto.objects.exists()
    assert TicketEvent.objects.filter(ticket=ticket).count() == 1


def test_a_photo_over_the_size_limit_is_refused(world, desk, api, submit, monkeypatch):
    monkeypatch.setattr(photo_rules, "MAX_BYTES", 100)
    ticket = submit()
    response = upload(api(world.resident), ticket.id, [jpeg(size=(200, 200))], note="照片")
    assert response.status_code == 422
    assert response.json()["detail"][0]["message"] == (
        "Photo 1 is larger than 10 MB; send a smaller one."
    )


def test_photos_need_files_a_note_and_access(world, desk, api, submit, neighbour):
    ticket = submit()
    none = api(world.resident).client.post(
        f"/api/v1/requests/{ticket.id}/photos", {"note": "x"}, headers=api(world.resident).headers
    )
    assert none.status_code == 422
    assert none.json()["detail"] == [{"field": "photos", "message": "This field is required."}]
    no_note = upload(api(world.resident), ticket.id, [jpeg()])
    assert no_note.json()["detail"] == [{"field": "note", "message": "Write the note."}]
    assert upload(api(), ticket.id, [jpeg()], note="x").status_code == 401
    assert upload(api(world.outsider), ticket.id, [jpeg()], note="x").status_code == 404
    assert upload(api(neighbour), ticket.id, [jpeg()], note="x").status_code == 404
    assert not TicketPhoto.objects.exists()


# ---------------------------------------------------------------- in Chinese


@pytest.mark.parametrize(
    ("make", "msgid", "names"),
    [
        # Messages already in the zh_Hans catalogue: the answer must really be Chinese.
        (
            lambda c, t, w: c.post(f"/requests/{t.id}/transitions", {"to": "resolved"}),
            "A request that is “%(status)s” cannot go to “%(target)s”.",
            {"status": "已提交", "target": "解决"},
        ),
        (
            lambda c, t, w: c.post(f"/requests/{t.id}/transitions", {"to": "rejected"}),
            "Give a reason; the resident will see it.",
            None,
        ),
        (
            lambda c, t, w: c.post("/requests", {"compound": w.compound.code}, **KEY),
            "This field is required.",
            None,
        ),
    ],
)
def test_refusals_are_in_chinese_when_asked(world, desk, api, submit, make, msgid, names):
    ticket = submit()
    response = make(api(desk.leader, language="zh-hans"), ticket, world)
    assert response.status_code == 422
    message = response.json()["detail"][0]["message"]
    with translation.override("zh-hans"):
        expected = gettext(msgid) % names if names else gettext(msgid)
    assert message == expected
    assert _chinese(message), message


def test_new_messages_go_through_the_catalogue(world, desk, api, submit):
    """Structure only: these msgids are new with the API (or the photo rules) and read Chinese
    once the lead compiles the catalogues; until then gettext gives the English back. The
    answer must be whatever the zh-hans catalogue says, never a hard-coded string."""
    ticket = submit()
    client = api(world.resident, language="zh-hans")
    cases = [
        (client.get("/requests", assignee="him"), "Give “me” or a user id."),
        (
            api(desk.leader, language="zh-hans").post(
                f"/requests/{ticket.id}/merge", {"into": 999999}
            ),
            "There is no such request.",
        ),
        (
            upload(client, ticket.id, [_not_an_image()], note="x"),
            "Photo %(number)s is not a JPEG, PNG or HEIC picture.",
        ),
    ]
    for response, msgid in cases:
        assert response.status_code == 422
        with translation.override("zh-hans"):
            expected = gettext(msgid).replace("%(number)s", "1")
        assert response.json()["detail"][0]["message"] == expected


def test_api_clients_fetch_a_photo_with_their_token_and_others_get_404(
    world, desk, api, submit, neighbour
):
    ticket = submit()
    data = upload(api(world.resident), ticket.id, [jpeg()], note="照片").json()
    [photo] = data["photos"]
    assert photo["api_url"] == f"/api/v1/requests/{ticket.id}/photos/{photo['id']}"
    path = f"/requests/{ticket.id}/photos/{photo['id']}"
    got = api(desk.handler).get(path)
    assert got.status_code == 200
    assert got["Content-Type"] == "image/jpeg"
    assert b"".join(got.streaming_content)[:2] == b"\xff\xd8"  # a JPEG
    for stranger in (world.outsider, neighbour):
        assert api(stranger).get(path).status_code == 404
    assert api(None).get(path).status_code == 401
    assert api(world.resident).get(f"/requests/{ticket.id}/photos/999999").status_code == 404
