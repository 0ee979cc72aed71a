# ruff: noqa: F811  (fixtures imported from test_civic_common)
"""The civic API: rules with versions and their diff, boards, announcements (detail marks read),
praise (list, create) and evaluations (list, rate). Anonymous 401, outsiders 404."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from mulin.deliberation import services_civic as services
from mulin.deliberation.models import AnnouncementRead, EvaluationRating, Praise
from mulin.testing import factories as f

from .test_civic_common import adopt, civic  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(world, civic):
    first = adopt(world)
    adopt(
        world,
        rule=first.rule,
        text="第一条 车辆有序停放\n第二条 不占消防通道",
        effective_on=date(2021, 1, 1),
    )
    services.board_save(
        actor=world.staff, organisation=civic.org, responsible="李四", commitments="承诺"
    )
    notice = services.announcement_publish(
        actor=world.staff, compound=world.compound, scope="compound", title="通知", body="正文"
    )
    water = services.announcement_publish(
        actor=world.staff,
        compound=world.compound,
        scope="building",
        building=world.unit.building,
        title="停水",
        body="停水",
    )
    today = timezone.localdate()
    evaluation = services.evaluation_open(
        actor=world.staff,
        compound=world.compound,
        title="评价",
        opens_on=today,
        closes_on=today + timedelta(days=5),
        organisations=[civic.org, civic.property],
    )
    return {"rule": first.rule, "notice": notice, "water": water, "evaluation": evaluation}


def endpoints(world, data):
    code = world.compound.code
    rule = data["rule"].pk
    return [
        f"/compounds/{code}/rules",
        f"/rules/{rule}",
        f"/rules/{rule}/diff?from=1&to=2",
        f"/compounds/{code}/boards",
        f"/compounds/{code}/announcements",
        f"/announcements/{data['notice'].pk}",
        f"/compounds/{code}/praise",
        f"/compounds/{code}/evaluations",
    ]


@pytest.mark.parametrize("who", ["anonymous", "outsider", "resident", "staff"])
def test_every_read_endpoint_access(world, data, api, who):
    user = {
        "anonymous": None,
        "outsider": world.outsider,
        "resident": world.resident,
        "staff": world.staff,
    }[who]
    client = api(user)
    for path in endpoints(world, data):
        response = client.get(path)
        expected = {"anonymous": 401, "outsider": 404}.get(who, 200)
        assert response.status_code == expected, (path, response.content)


def test_rules_and_diff(world, data, api):
    client = api(world.resident)
    rules = client.get(f"/compounds/{world.compound.code}/rules").json()
    assert rules["count"] == 1 and rules["items"][0]["current"]["number"] == 2
    detail = client.get(f"/rules/{data['rule'].pk}").json()
    assert [v["number"] for v in detail["history"]] == [1, 2]
    d = client.get(f"/rules/{data['rule'].pk}/diff?from=1&to=2").json()
    assert d["added"] == 2 and d["rows"][0]["kind"] == "changed"
    assert client.get(f"/rules/{data['rule'].pk}/diff?from=1&to=7").status_code == 404


def test_announcements_scope_and_read_receipt(world, data, api):
    other_unit = f.UnitFactory(
        entrance__building__compound=world.compound, entrance__building__number="64"
    )
    person = f.PersonFactory(compound=world.compound)
    f.ResidencyFactory(unit=other_unit, person=person)
    elsewhere = f.UserFactory(username="elsewhere", person=person)
    mine = {
        a["title"]
        for a in api(world.resident)
        .get(f"/compounds/{world.compound.code}/announcements")
        .json()["items"]
    }
    theirs = {
        a["title"]
        for a in api(elsewhere)
        .get(f"/compounds/{world.compound.code}/announcements")
        .json()["items"]
    }
    assert mine == {"通知", "停水"} and theirs == {"通知"}
    assert api(elsewhere).get(f"/announcements/{data['water'].pk}").status_code == 404
    client = api(world.resident)
    assert client.get(f"/announcements/{data['water'].pk}").json()["read"] is True
    client.get(f"/announcements/{data['water'].pk}")
    assert AnnouncementRead.objects.filter(announcement=data["water"]).count() == 1


def test_praise_create_and_list(world, data, api):
    client = api(world.resident)
    response = client.post(
        f"/compounds/{world.compound.code}/praise", {"to_name": "保安小李", "body": "谢谢"}
    )
    assert response.status_code == 201 and response.json()["status"] == "pending"
    assert client.get(f"/compounds/{world.compound.code}/praise").json()["count"] == 0
    assert api(world.staff).get(f"/compounds/{world.compound.code}/praise").json()["count"] == 1
    bad = client.post(f"/compounds/{world.compound.code}/praise", {"to_name": "", "body": "谢谢"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "to_name"
    assert (
        api(world.outsider)
        .post(f"/compounds/{world.compound.code}/praise", {"to_name": "x", "body": "y"})
        .status_code
        == 404
    )
    assert (
        api()
        .post(f"/compounds/{world.compound.code}/praise", {"to_name": "x", "body": "y"})
        .status_code
        == 401
    )
    assert Praise.objects.count() == 1


def test_rate(world, civic, data, api):
    evaluation = data["evaluation"]
    client = api(world.resident)
    url = f"/evaluations/{evaluation.pk}/ratings"
    assert client.post(url, {"organisation_id": civic.org.pk, "score": 5}).status_code == 201
    again = client.post(url, {"organisation_id": civic.org.pk, "score": 4})
    assert again.status_code == 422
    assert client.post(url, {"organisation_id": civic.property.pk, "score": 0}).status_code == 422
    assert (
        api(world.outsider).post(url, {"organisation_id": civic.org.pk, "score": 5}).status_code
        == 404
    )
    assert (
        api(world.staff).post(url, {"organisation_id": civic.org.pk, "score": 5}).status_code == 404
    )
    assert EvaluationRating.objects.count() == 1
    figures = client.get(f"/compounds/{world.compound.code}/evaluations").json()["items"][0]
    assert figures["organisations"][0]["average"] == "5.00"
    assert figures["organisations"][0]["distribution"]["5"] == 1


def test_list_endpoints_do_not_grow(world, civic, data, api, constant_queries):
    code = world.compound.code
    counter = iter(range(1000))

    def grow_rules():
        for _ in range(2):
            v = adopt(world, title=f"规定{next(counter)}")
            adopt(world, rule=v.rule, text="改", effective_on=date(2022, 1, 1))

    def grow_boards():
        for _ in range(2):
            org = f.OrganisationFactory(compound=world.compound)
            services.board_save(
                actor=world.staff, organisation=org, responsible="某", commitments="诺"
            )

    def grow_notices():
        for _ in range(2):
            services.announcement_publish(
                actor=world.staff,
                compound=world.compound,
                scope="compound",
                title="又一条",
                body="x",
                publisher=civic.property,
            )

    def grow_praise():
        for _ in range(2):
            post = services.praise_submit(
                actor=world.resident, compound=world.compound, to_name="甲", body="谢"
            )
            services.praise_moderate(actor=world.staff, praise=post, show=True)

    def grow_evaluations():
        for _ in range(2):
            today = timezone.localdate()
            ev = services.evaluation_open(
                actor=world.staff,
                compound=world.compound,
                title="又评",
                opens_on=today,
                closes_on=today,
                organisations=[civic.org],
            )
            services.evaluation_rate(
                actor=world.resident, evaluation=ev, organisation=civic.org, score=3
            )

    grow_praise()
    client = api(world.resident)
    constant_queries(client, f"/compounds/{code}/rules", grow_rules, 12)
    constant_queries(client, f"/compounds/{code}/boards", grow_boards, 12)
    constant_queries(client, f"/compounds/{code}/announcements", grow_notices, 14)
    constant_queries(client, f"/compounds/{code}/praise", grow_praise, 12)
    constant_queries(client, f"/compounds/{code}/evaluations", grow_evaluations, 14)
    constant_queries(api(world.staff), f"/compounds/{code}/announcements", grow_notices, 14)
