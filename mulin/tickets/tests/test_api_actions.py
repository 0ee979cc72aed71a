"""API of residents' requests, the other actions: assign, claim, urge, rate, merge, notes, the
public board switch, exclusion from the figures, "is it still fixed?" and follow-up calls."""

from datetime import timedelta

import pytest
from django.utils import timezone

from mulin.testing.api import ids
from mulin.tickets import services
from mulin.tickets.models import (
    Category,
    DispatchMode,
    FollowUp,
    FollowUpStatus,
    Rating,
    Ticket,
    TicketEvent,
)
from mulin.tickets.states import Status, Target

from .test_api import make_neighbour


@pytest.fixture(name="neighbour")
def _neighbour(world):
    return make_neighbour(world)


def _detail(response) -> dict:
    assert response.status_code == 200, response.content
    return response.json()


def _refusal(response) -> tuple[str | None, str]:
    assert response.status_code == 422, response.content
    [error] = response.json()["detail"]
    return error["field"], error["message"]


# ---------------------------------------------------------------- assign and claim


def test_leader_assigns_and_reassigns(world, desk, api, at_status):
    ticket = at_status(Status.ACCEPTED)
    path = f"/requests/{ticket.id}/assign"
    data = _detail(api(desk.leader).post(path, {"assignee_id": desk.handler.id}))
    assert (data["status"], data["assignee"]["id"]) == ("assigned", desk.handler.id)
    again = _detail(api(world.staff).post(path, {"assignee_id": desk.handler2.id, "note": "换人"}))
    assert again["assignee"]["id"] == desk.handler2.id
    assert again["events"][-1]["action"] == "reassign"


def test_assign_refusals(world, desk, api, at_status, neighbour):
    ticket = at_status(Status.ASSIGNED)
    path = f"/requests/{ticket.id}/assign"
    assert _refusal(api(desk.handler).post(path, {"assignee_id": desk.handler2.id})) == (
        None,
        "Only a team leader or community staff may assign.",
    )
    assert _refusal(api(desk.leader).post(path, {"assignee_id": world.resident.id})) == (
        "assignee_id",
        "The handler must be able to handle this request.",
    )
    assert _refusal(api(desk.leader).post(path, {})) == ("assignee_id", "This field is required.")
    assert api(world.outsider).post(path, {"assignee_id": desk.handler.id}).status_code == 404
    assert api(neighbour).post(path, {"assignee_id": desk.handler.id}).status_code == 404
    ticket.refresh_from_db()
    assert ticket.assignee == desk.handler


def test_a_handler_claims_from_the_pool_once(world, desk, api, submit):
    Category.objects.filter(pk=desk.cats["leak"].pk).update(dispatch_mode=DispatchMode.POOL)
    ticket = submit()
    services.ticket_transition(actor=desk.leader, ticket=ticket, to=Target.ACCEPTED)
    path = f"/requests/{ticket.id}/claim"
    assert "claim" in _detail(api(desk.handler).get(f"/requests/{ticket.id}"))["actions"]
    assert _refusal(api(world.resident).post(path)) == (
        None,
        "Only the handling team can claim a request.",
    )
    data = _detail(api(desk.handler).post(path))
    assert (data["status"], data["assignee"]["id"]) == ("assigned", desk.handler.id)
    assert _refusal(api(desk.handler2).post(path)) == (None, "This request has already been taken.")
    assert api(world.outsider).post(path).status_code == 404


# ---------------------------------------------------------------- urge


def test_resident_urges_once_an_hour(world, desk, api, submit):
    ticket = submit()
    path = f"/requests/{ticket.id}/urge"
    data = _detail(api(world.resident).post(path, {"note": "还在漏"}))
    assert (data["events"][-1]["kind"], data["events"][-1]["note"]) == ("urge", "还在漏")
    field, message = _refusal(api(world.resident).post(path, {}))
    assert field is None and message.startswith("You urged this request less than an hour ago")
    assert _refusal(api(desk.leader).post(path, {})) == (
        None,
        "Only the resident who made the request can urge it.",
    )
    assert TicketEvent.objects.filter(ticket=ticket, kind="urge").count() == 1


# ---------------------------------------------------------------- rating


def test_resident_rates_once_and_a_retry_rates_once(world, desk, api, at_status):
    ticket = at_status(Status.RESOLVED)
    client = api(world.resident)
    path = f"/requests/{ticket.id}/rating"
    body = {"overall": 5, "speed": 4, "attitude": 5, "comment": "师傅很负责"}
    first = client.post(path, body, **{"Idempotency-Key": "rate-1"})
    again = client.post(path, body, **{"Idempotency-Key": "rate-1"})
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert first.json()["rating"]["overall"] == 5
    assert first.json()["rating"]["comment"] == "师傅很负责"
    assert "rate" not in first.json()["actions"]
    assert Rating.objects.filter(ticket=ticket).count() == 1
    assert _refusal(client.post(path, body)) == (None, "This request has already been rated.")


def test_rating_refusals(world, desk, api, at_status, submit, neighbour):
    resolved = at_status(Status.RESOLVED)
    path = f"/requests/{resolved.id}/rating"
    good = {"overall": 5, "speed": 5, "attitude": 5}
    assert _refusal(api(world.resident).post(path, {**good, "overall": 6})) == (
        "overall",
        "Ensure this value is less than or equal to 5.",
    )
    assert _refusal(api(desk.handler).post(path, good)) == (
        None,
        "Only the resident who made the request can rate it.",
    )
    assert api(neighbour).post(path, good).status_code == 404
    open_one = submit()
    assert _refusal(api(world.resident).post(f"/requests/{open_one.id}/rating", good)) == (
        None,
        "A request can be rated once it has been resolved.",
    )
    assert not Rating.objects.exists()


# ---------------------------------------------------------------- merge


def test_team_merges_a_duplicate(world, desk, api, submit, neighbour):
    first = submit()
    second = submit(actor=neighbour, unit=world.neighbour_unit)
    path = f"/requests/{second.id}/merge"
    own_again = submit()
    assert _refusal(
        api(world.resident).post(f"/requests/{own_again.id}/merge", {"into": first.id})
    ) == (None, "Only the handling team can merge requests.")
    assert api(world.resident).post(path, {"into": first.id}).status_code == 404
    assert _refusal(api(neighbour).post(path, {"into": first.id})) == (
        "into",
        "There is no such request.",  # the neighbour cannot see the first one
    )
    assert _refusal(api(desk.leader).post(path, {"into": 999999})) == (
        "into",
        "There is no such request.",
    )
    assert _refusal(api(desk.leader).post(path, {"into": second.id})) == (
        "into",
        "A request cannot be merged into itself.",
    )
    data = _detail(api(desk.leader).post(path, {"into": first.id, "note": "同一处漏水"}))
    assert (data["status"], data["duplicate_of"]) == ("closed", first.id)
    # The neighbour now follows the request that goes on.
    assert first.followers.filter(user=neighbour).exists()


# ---------------------------------------------------------------- notes


def test_notes_from_the_resident_and_the_team(world, desk, api, submit, neighbour):
    ticket = submit()
    path = f"/requests/{ticket.id}/comments"
    assert _detail(api(world.resident).post(path, {"note": "下午在家"}))["events"][-1]["note"] == (
        "下午在家"
    )
    assert _detail(api(desk.handler).post(path, {"note": "三点上门"}))["events"][-1]["actor"] == (
        desk.handler.display_name
    )
    assert _refusal(api(world.resident).post(path, {"note": "  "})) == ("note", "Write the note.")
    assert _refusal(api(world.resident).post(path, {})) == ("note", "This field is required.")
    assert api(neighbour).post(path, {"note": "x"}).status_code == 404
    assert api(world.outsider).post(path, {"note": "x"}).status_code == 404
    assert api().post(path, {"note": "x"}).status_code == 401


# ---------------------------------------------------------------- the public board, figures


def test_resident_hides_their_request_from_the_public_board(world, desk, api, submit):
    ticket = submit()
    path = f"/requests/{ticket.id}/visibility"
    assert _detail(api(world.resident).get(f"/requests/{ticket.id}"))["shown_publicly"] is True
    assert _detail(api(world.resident).post(path, {"shown": False}))["shown_publicly"] is False
    assert Ticket.objects.get(pk=ticket.pk).public_hidden is True
    assert _refusal(api(world.staff).post(path, {"shown": True})) == (
        None,
        "Only the resident who made the request can choose whether it is shown.",
    )
    assert _refusal(api(world.resident).post(path, {})) == ("shown", "This field is required.")


def test_staff_exclude_a_request_from_the_figures_with_a_reason(world, desk, api, submit):
    ticket = submit()
    path = f"/requests/{ticket.id}/exclusion"
    assert _refusal(api(desk.handler).post(path, {"reason": "恶意重复"})) == (
        None,
        "Only a team leader or community staff may exclude a request from the figures.",
    )
    assert _refusal(api(world.staff).post(path, {"reason": "长" * 201}))[0] == "reason"
    data = _detail(api(world.staff).post(path, {"reason": "恶意重复"}))
    assert data["excluded_reason"] == "恶意重复"
    assert _detail(api(desk.leader).post(path, {"reason": ""}))["excluded_reason"] == ""
    assert api(world.resident).post(path, {"reason": "x"}).status_code == 422


# ---------------------------------------------------------------- is it still fixed?


def test_a_no_to_still_fixed_reopens_the_request(world, desk, api, at_status):
    ticket = at_status(Status.CLOSED)
    path = f"/requests/{ticket.id}/recheck"
    assert _refusal(api(world.resident).post(path, {"still_fixed": True})) == (
        None,
        "This request is not waiting for your answer.",
    )
    Ticket.objects.filter(pk=ticket.pk).update(recheck_asked_at=timezone.now())
    assert "recheck" in _detail(api(world.resident).get(f"/requests/{ticket.id}"))["actions"]
    assert _refusal(api(world.resident).post(path, {"still_fixed": False})) == (
        "note",
        "Say what is wrong again; the team will see it.",
    )
    assert _refusal(api(desk.leader).post(path, {"still_fixed": True})) == (
        None,
        "Only the resident who made the request can answer this.",
    )
    data = _detail(api(world.resident).post(path, {"still_fixed": False, "note": "又漏了"}))
    assert (data["status"], data["recheck_answer"], data["reopen_count"]) == ("assigned", "no", 1)


# ---------------------------------------------------------------- follow-up calls


@pytest.fixture
def low_rated(world, desk, at_status):
    ticket = at_status(Status.RESOLVED)
    services.ticket_rate(actor=world.resident, ticket=ticket, overall=2, speed=3, attitude=3)
    return FollowUp.objects.get(ticket=ticket)


def test_follow_up_calls_are_listed_for_those_who_call(world, desk, api, low_rated, neighbour):
    data = api(world.staff).get("/follow-ups", status="pending").json()
    [row] = data["items"]
    assert (row["id"], row["reason"], row["status"], row["overall"]) == (
        low_rated.id,
        "low_rating",
        "pending",
        2,
    )
    assert row["request"]["id"] == low_rated.ticket_id
    assert row["request"]["category"] == {"code": "leak", "name": "Leak"}
    assert row["requester"] == {
        "id": world.resident_person.id,
        "name": "张三",
        "phone": "138****5678",
    }
    assert "13812345678" not in api(world.staff).get("/follow-ups").content.decode()
    assert ids(api(desk.leader).get("/follow-ups")) == {low_rated.id}
    assert ids(api(desk.handler).get("/follow-ups")) == set()  # handlers do not grade their work
    assert ids(api(world.outsider).get("/follow-ups")) == set()
    assert ids(api(world.resident).get("/follow-ups")) == set()
    assert ids(api(world.staff).get("/follow-ups", status="done")) == set()
    assert ids(api(world.staff).get("/follow-ups", compound=world.other.code)) == set()
    assert api().get("/follow-ups").status_code == 401


def test_staff_record_a_follow_up_call(world, desk, api, low_rated):
    path = f"/follow-ups/{low_rated.id}"
    assert api(world.outsider).post(path, {"status": "unreachable"}).status_code == 404
    assert api(world.resident).post(path, {"status": "unreachable"}).status_code == 404
    assert _refusal(api(desk.handler).post(path, {"status": "unreachable"})) == (
        None,
        "Only a team leader or community staff may record a follow-up call.",
    )
    incomplete = api(world.staff).post(path, {"status": "done", "solved": True})
    assert incomplete.status_code == 422
    assert {e["field"] for e in incomplete.json()["detail"]} == {
        "contacted_in_time",
        "satisfaction",
    }
    body = {
        "status": "done",
        "contacted_in_time": True,
        "solved": True,
        "satisfaction": "basic",
        "note": "已回访，基本满意",
    }
    response = api(world.staff).post(path, body)
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["status"], data["satisfaction"], data["done_by"]["id"]) == (
        "done",
        "basic",
        world.staff.id,
    )
    assert FollowUp.objects.get(pk=low_rated.pk).status == FollowUpStatus.DONE
    assert _refusal(api(world.staff).post(path, body)) == (
        None,
        "This follow-up call has already been recorded.",
    )
    # The call is on the team's timeline, not the resident's.
    ticket_path = f"/requests/{low_rated.ticket_id}"
    assert "follow_up" in [e["kind"] for e in api(world.staff).get(ticket_path).json()["events"]]
    mine = api(world.resident).get(ticket_path).json()
    assert "follow_up" not in [e["kind"] for e in mine["events"]]
    assert mine["follow_up"] is None


def test_follow_up_list_queries_do_not_grow(world, desk, api, at_status, constant_queries):
    def add(n):
        for _ in range(n):
            ticket = at_status(Status.RESOLVED)
            services.ticket_rate(
                actor=world.resident, ticket=ticket, overall=1, speed=1, attitude=1
            )

    add(3)
    constant_queries(api(world.staff), "/follow-ups", lambda: add(6), 6)


def test_reopen_window_matches_the_moves_offered(world, desk, api, at_status):
    ticket = at_status(Status.RESOLVED)
    Ticket.objects.filter(pk=ticket.pk).update(resolved_at=timezone.now() - timedelta(days=8))
    refused = api(world.resident).post(
        f"/requests/{ticket.id}/transitions", {"to": "reopened", "note": "又坏了"}
    )
    assert _refusal(refused) == (
        "to",
        "A request can be reopened only within 7 days of being resolved.",
    )
