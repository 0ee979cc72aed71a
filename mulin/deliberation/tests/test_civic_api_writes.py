# ruff: noqa: F811  (fixtures imported from test_civic_common)
"""The civic API's staff and member writes: rules (adopt, amend, repeal), notice boards,
announcements, praise moderation, pioneers (nominate, support, choose) and evaluations (open).
Each: the outcome, a retry with the same Idempotency-Key writing once, bad input 422 with
nothing written, and access (anonymous 401, outsider 404, resident 404, the right role)."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from mulin.deliberation import services_civic as services
from mulin.deliberation.models import (
    Announcement,
    BoardEntry,
    Evaluation,
    PioneerNomination,
    PioneerSupport,
    Praise,
    PraiseStatus,
    Rule,
    RuleVersion,
)
from mulin.orgs.models import PartyMembership
from mulin.testing import factories as f

from .test_civic_common import adopt, civic  # noqa: F401

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def key(value: str) -> dict:
    return {"Idempotency-Key": value}


def fields(response) -> set:
    assert response.status_code == 422, response.content
    return {e["field"] for e in response.json()["detail"]}


def rule_body(**kw):
    body = {
        "kind": "regulation",
        "title": "停车管理规定",
        "text": "第一条 车辆停放\n第二条 不占消防通道",
        "effective_on": "2020-01-01",
        "adopted_on": "2019-12-01",
    }
    return body | kw


# ---------------------------------------------------------------- access, every endpoint


@pytest.fixture
def targets(world, civic):
    rule = adopt(world).rule
    praise = services.praise_submit(
        actor=world.resident, compound=world.compound, to_name="保安老陈", body="谢谢"
    )
    PartyMembership.objects.create(
        person=civic.member.person, organisation=civic.org, status="registered"
    )
    nomination = services.pioneer_nominate(
        actor=world.staff,
        compound=world.compound,
        year=TODAY().year,
        person=civic.member.person,
        story="照顾独居老人十年。",
    )
    return {"rule": rule, "praise": praise, "nomination": nomination}


def staff_writes(world, civic, t):
    code = world.compound.code
    today = TODAY()
    return [
        (f"/compounds/{code}/rules", rule_body(title="养犬公约")),
        (
            f"/rules/{t['rule'].pk}/versions",
            {"text": "第一条 新", "effective_on": "2021-01-01", "adopted_on": "2020-12-01"},
        ),
        (f"/rules/{t['rule'].pk}/repeal", {}),
        (
            f"/compounds/{code}/announcements",
            {"scope": "compound", "title": "通知", "body": "正文"},
        ),
        (f"/praise/{t['praise'].pk}/moderation", {"show": True}),
        (
            f"/compounds/{code}/pioneer-nominations",
            {"person_id": civic.member.person_id, "year": today.year - 1, "story": "故事"},
        ),
        (f"/pioneer-nominations/{t['nomination'].pk}/choose", {}),
        (
            f"/compounds/{code}/evaluations",
            {
                "title": "评价",
                "opens_on": today.isoformat(),
                "closes_on": (today + timedelta(days=9)).isoformat(),
                "organisation_ids": [civic.org.pk],
            },
        ),
    ]


def test_staff_writes_refuse_anonymous_outsider_resident_and_viewer(api, world, civic, targets):
    for path, body in staff_writes(world, civic, targets):
        assert api(None).post(path, body).status_code == 401, path
        for user in (world.outsider, world.resident, civic.member, civic.viewer):
            assert api(user).post(path, body).status_code == 404, (path, user)
    assert Rule.objects.count() == 1 and RuleVersion.objects.count() == 1
    assert not Rule.objects.filter(repealed_on__isnull=False).exists()
    assert not Announcement.objects.exists() and not Evaluation.objects.exists()
    assert Praise.objects.get().status == PraiseStatus.PENDING
    assert PioneerNomination.objects.get().chosen_at is None


def test_staff_writes_succeed_for_the_manager(api, world, civic, targets):
    client = api(world.staff)
    for path, body in staff_writes(world, civic, targets):
        response = client.post(path, body)
        assert response.status_code in (200, 201), (path, response.content)


def test_member_writes_refuse_others(api, world, civic, targets):
    board = f"/organisations/{civic.org.pk}/board"
    support = f"/pioneer-nominations/{targets['nomination'].pk}/support"
    body = {"responsible": "李四", "commitments": "承诺"}
    assert api(None).post(board, body).status_code == 401
    assert api(None).post(support).status_code == 401
    for user in (world.outsider, world.resident, civic.property_member, civic.viewer):
        assert api(user).post(board, body).status_code == 404, user
    for user in (world.outsider, civic.viewer):
        assert api(user).post(support).status_code == 404, user
    assert not BoardEntry.objects.exists() and not PioneerSupport.objects.exists()


# ---------------------------------------------------------------- rules


def test_adopt_then_amend_gives_version_two_and_its_diff(api, world):
    client = api(world.staff)
    response = client.post(f"/compounds/{world.compound.code}/rules", rule_body())
    assert response.status_code == 201, response.content
    rule = response.json()
    assert rule["versions"] == 1 and rule["current"]["number"] == 1
    response = client.post(
        f"/rules/{rule['id']}/versions",
        {
            "text": "第一条 车辆有序停放\n第二条 不占消防通道",
            "effective_on": "2021-01-01",
            "adopted_on": "2020-12-01",
            "summary": "有序",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["versions"] == 2 and body["current"]["number"] == 2
    assert [v["summary"] for v in body["history"]] == ["", "有序"]
    diff = client.get(f"/rules/{rule['id']}/diff?from=1&to=2").json()
    assert [row["kind"] for row in diff["rows"]] == ["changed", "same"]
    assert {"op": "added", "text": "有序"} in diff["rows"][0]["new"]
    repealed = client.post(f"/rules/{rule['id']}/repeal", {"repealed_on": "2025-01-01"})
    assert repealed.status_code == 200 and repealed.json()["repealed_on"] == "2025-01-01"


def test_adopt_retried_with_the_same_key_writes_once(api, world):
    client = api(world.staff)
    path = f"/compounds/{world.compound.code}/rules"
    first = client.post(path, rule_body(), **key("rule-1"))
    again = client.post(path, rule_body(), **key("rule-1"))
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert Rule.objects.count() == 1 and RuleVersion.objects.count() == 1


def test_rule_bad_input_is_422_naming_the_field(api, world):
    client = api(world.staff)
    path = f"/compounds/{world.compound.code}/rules"
    assert fields(client.post(path, rule_body(kind="nonsense"))) == {"kind"}
    assert fields(client.post(path, rule_body(title=" "))) == {"title"}
    assert fields(client.post(path, rule_body(effective_on="2019-01-01"))) == {"effective_on"}
    assert fields(client.post(path, rule_body(adopted_on="not a date"))) == {"adopted_on"}
    assert fields(client.post(path, rule_body(resolution_id=999999))) == {"resolution_id"}
    assert not Rule.objects.exists()
    rule = adopt(world).rule
    late = {"text": "新", "effective_on": "2019-06-01", "adopted_on": "2019-05-01"}
    assert fields(client.post(f"/rules/{rule.pk}/versions", late)) == {"effective_on"}
    assert RuleVersion.objects.count() == 1


# ---------------------------------------------------------------- boards


def test_board_saved_by_a_member_and_by_staff(api, world, civic):
    path = f"/organisations/{civic.org.pk}/board"
    body = {"responsible": "李四", "responsible_phone": "0591-1234", "commitments": "每周走访"}
    response = api(civic.member).post(path, body)
    assert response.status_code == 200, response.content
    assert response.json()["commitments"] == "每周走访"
    board = BoardEntry.objects.get(organisation=civic.org)
    assert board.responsible == "李四" and board.updated_by == civic.member
    response = api(world.staff).post(path, body | {"results": "修好路灯"})
    assert response.status_code == 200 and BoardEntry.objects.get().results == "修好路灯"


def test_board_bad_input_and_retry(api, world, civic):
    client = api(civic.member)
    path = f"/organisations/{civic.org.pk}/board"
    assert fields(client.post(path, {"responsible": "李四", "commitments": " "})) == {"commitments"}
    assert fields(client.post(path, {"commitments": "x"})) == {"responsible"}
    assert not BoardEntry.objects.exists()
    body = {"responsible": "李四", "commitments": "承诺"}
    first = client.post(path, body, **key("b"))
    again = client.post(path, body, **key("b"))
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert BoardEntry.objects.count() == 1


# ---------------------------------------------------------------- announcements


def test_building_announcement_reaches_only_that_building(api, world):
    elsewhere = f.UnitFactory(
        entrance__building__compound=world.compound, entrance__building__number="64"
    )
    person = f.PersonFactory(compound=world.compound, name="孙七")
    f.ResidencyFactory(unit=elsewhere, person=person)
    far = f.UserFactory(username="far", person=person)
    response = api(world.staff).post(
        f"/compounds/{world.compound.code}/announcements",
        {
            "scope": "building",
            "building": "63",
            "title": "停水",
            "body": "明天停水",
            "pinned": True,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["scope"] == "building" and body["building"] == "63" and body["pinned"]
    path = f"/compounds/{world.compound.code}/announcements"
    assert [a["title"] for a in api(world.resident).get(path).json()["items"]] == ["停水"]
    assert api(far).get(path).json()["items"] == []


def test_announcement_bad_input_and_retry(api, world, civic):
    client = api(world.staff)
    path = f"/compounds/{world.compound.code}/announcements"
    good = {"scope": "compound", "title": "通知", "body": "正文"}
    assert fields(client.post(path, good | {"scope": "building", "building": "99"})) == {"building"}
    assert fields(client.post(path, good | {"scope": "street"})) == {"scope"}
    assert fields(client.post(path, good | {"title": ""})) == {"title"}
    past = (TODAY() - timedelta(days=1)).isoformat()
    assert fields(client.post(path, good | {"expires_on": past})) == {"expires_on"}
    assert fields(client.post(path, good | {"publisher_id": civic.org.pk + 999})) == {
        "publisher_id"
    }
    assert not Announcement.objects.exists()
    first = client.post(path, good | {"publisher_id": civic.org.pk}, **key("a"))
    again = client.post(path, good | {"publisher_id": civic.org.pk}, **key("a"))
    assert first.status_code == again.status_code == 201
    assert first.json()["publisher"] == civic.org.name
    assert Announcement.objects.count() == 1


# ---------------------------------------------------------------- praise


def test_moderation_hides_with_a_reason(api, world, targets):
    client = api(world.staff)
    path = f"/praise/{targets['praise'].pk}/moderation"
    assert fields(client.post(path, {"show": False})) == {"reason"}
    assert Praise.objects.get().status == PraiseStatus.PENDING
    response = client.post(path, {"show": False, "reason": "含电话号码"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "hidden"
    praise = Praise.objects.get()
    assert praise.status == PraiseStatus.HIDDEN and praise.moderation_reason == "含电话号码"
    wall = api(world.resident).get(f"/compounds/{world.compound.code}/praise").json()
    assert wall["count"] == 0
    shown = client.post(path, {"show": True}, **key("p"))
    again = client.post(path, {"show": True}, **key("p"))
    assert shown.json() == again.json() and again["Idempotent-Replayed"] == "true"
    assert api(world.resident).get(f"/compounds/{world.compound.code}/praise").json()["count"]


# ---------------------------------------------------------------- pioneers


def test_one_support_per_household_then_chosen(api, world, civic, targets):
    nomination = targets["nomination"]
    path = f"/pioneer-nominations/{nomination.pk}/support"
    housemate = f.PersonFactory(compound=world.compound, name="张小三")
    f.ResidencyFactory(unit=world.unit, person=housemate)
    same_home = f.UserFactory(username="housemate", person=housemate)
    first = api(world.resident).post(path)
    assert first.status_code == 201, first.content
    assert first.json()["support_count"] == 1
    assert fields(api(same_home).post(path)) == {None}
    assert api(civic.member).post(path).json()["support_count"] == 2  # another home
    assert PioneerSupport.objects.count() == 2
    chosen = api(world.staff).post(f"/pioneer-nominations/{nomination.pk}/choose")
    assert chosen.status_code == 200 and chosen.json()["chosen_at"]
    assert fields(api(world.staff).post(f"/pioneer-nominations/{nomination.pk}/choose")) == {None}


def test_support_retried_with_the_same_key_writes_once(api, world, targets):
    client = api(world.resident)
    path = f"/pioneer-nominations/{targets['nomination'].pk}/support"
    first = client.post(path, **key("s"))
    again = client.post(path, **key("s"))
    assert first.status_code == again.status_code == 201
    assert PioneerSupport.objects.count() == 1
    assert PioneerNomination.objects.get().support_count == 1


def test_nominate_bad_input_and_retry(api, world, civic, targets):
    client = api(world.staff)
    path = f"/compounds/{world.compound.code}/pioneer-nominations"
    year = TODAY().year
    good = {"person_id": civic.member.person_id, "year": year + 1, "story": "故事"}
    assert fields(client.post(path, good | {"person_id": world.resident_person.pk})) == {
        "person_id"
    }
    assert fields(client.post(path, good | {"year": 1999})) == {"year"}
    assert fields(client.post(path, good | {"story": ""})) == {"story"}
    assert fields(client.post(path, good | {"year": year})) == {"person_id"}  # already
    assert PioneerNomination.objects.count() == 1
    first = client.post(path, good, **key("n"))
    again = client.post(path, good, **key("n"))
    assert first.status_code == again.status_code == 201
    assert first.json()["person"] == civic.member.person.name
    assert PioneerNomination.objects.count() == 2


# ---------------------------------------------------------------- evaluations


def test_evaluation_opened_and_rateable(api, world, civic):
    today = TODAY()
    response = api(world.staff).post(
        f"/compounds/{world.compound.code}/evaluations",
        {
            "title": "年度评价",
            "opens_on": today.isoformat(),
            "closes_on": (today + timedelta(days=30)).isoformat(),
            "organisation_ids": [civic.org.pk, civic.property.pk],
        },
        **key("e"),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["open"] is True
    assert {o["organisation_id"] for o in body["organisations"]} == {
        civic.org.pk,
        civic.property.pk,
    }
    again = api(world.staff).post(
        f"/compounds/{world.compound.code}/evaluations",
        {
            "title": "年度评价",
            "opens_on": today.isoformat(),
            "closes_on": (today + timedelta(days=30)).isoformat(),
            "organisation_ids": [civic.org.pk, civic.property.pk],
        },
        **key("e"),
    )
    assert again.json() == body and Evaluation.objects.count() == 1
    rated = api(world.resident).post(
        f"/evaluations/{body['id']}/ratings", {"organisation_id": civic.org.pk, "score": 5}
    )
    assert rated.status_code == 201, rated.content


def test_evaluation_bad_input_is_422(api, world, civic, neighbourhood):
    client = api(world.staff)
    path = f"/compounds/{world.compound.code}/evaluations"
    good = {
        "title": "评价",
        "opens_on": "2026-03-01",
        "closes_on": "2026-03-31",
        "organisation_ids": [civic.org.pk],
    }
    assert fields(client.post(path, good | {"closes_on": "2026-02-01"})) == {"closes_on"}
    assert fields(client.post(path, good | {"organisation_ids": []})) == {"organisation_ids"}
    other = good | {"organisation_ids": [neighbourhood.other_org.pk]}
    assert fields(client.post(path, other)) == {"organisation_ids"}
    assert fields(client.post(path, good | {"title": ""})) == {"title"}
    assert not Evaluation.objects.exists()
    assert date.fromisoformat(good["opens_on"])  # dates in ISO form
