"""Open311 GeoReport v2 at /open311/v2/: every resource in JSON and XML, the spec's errors, what
public reads may show, and POST with an API token."""

import json
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.test import Client
from django.utils import timezone

from mulin.core.models import ApiToken, Role
from mulin.orgs.models import OrgKind
from mulin.places.models import Compound
from mulin.testing import factories as f
from mulin.testing.api import token_for
from mulin.tickets import services
from mulin.tickets.models import Channel, LocationKind, Priority, Ticket
from mulin.tickets.states import Status

BASE = "/open311/v2/"
FORMATS = ["json", "xml"]
SECRETS = [
    "63-2-301",
    "63幢2单元301",
    "厨房天花板漏水",
    "张三",
    "13812345678",
    "138****5678",
    "单元",
]


def get(client, path: str, fmt: str = "json", *, language: str = "en", **params):
    return client.get(f"{BASE}{path}.{fmt}", params, headers={"Accept-Language": language})


def post(client, fmt: str = "json", *, language: str = "en", headers=None, **data):
    return client.post(
        f"{BASE}requests.{fmt}", data, headers={"Accept-Language": language, **(headers or {})}
    )


def xml(response) -> ElementTree.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ElementTree.fromstring(response.content)


def body(response):
    assert response["Content-Type"] == "application/json", response.content
    return json.loads(response.content)


def errors(response, fmt: str) -> list[tuple[int, str]]:
    """The spec's error list, in either format."""
    if fmt == "json":
        return [(row["code"], row["description"]) for row in body(response)]
    root = xml(response)
    assert root.tag == "errors"
    return [(int(e.findtext("code")), e.findtext("description")) for e in root.findall("error")]


def xml_rows(response, item: str) -> list[dict]:
    return [{child.tag: child.text or "" for child in row} for row in xml(response).findall(item)]


@pytest.fixture
def jx(world):
    """The jurisdiction of the compound under test."""
    return {"jurisdiction_id": world.compound.code}


@pytest.fixture
def board(world, desk, submit, at_status):
    """Requests of world.compound: one open, one resolved, one the resident hid; and one in the
    other compound."""
    shown = submit()
    resolved = at_status(Status.RESOLVED)
    hidden = submit(description="不想公开的事")
    services.ticket_set_public(actor=world.resident, ticket=hidden, shown=False)
    services.categories_ensure_defaults(actor=world.outsider, compound=world.other)
    elsewhere = services.ticket_submit(
        actor=world.outsider,
        compound=world.other,
        category=world.other.ticket_categories.get(code="leak"),
        description="别处的漏水",
        location_kind=LocationKind.UNIT,
        unit=world.other_unit,
        channel=Channel.PHONE,
        idempotency_key="elsewhere",
    )
    return {"shown": shown, "resolved": resolved, "hidden": hidden, "elsewhere": elsewhere}


def _ids(response, fmt: str) -> set[int]:
    assert response.status_code == 200, response.content
    if fmt == "json":
        return {row["service_request_id"] for row in body(response)}
    return {int(row["service_request_id"]) for row in xml_rows(response, "request")}


# --- discovery --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery_names_the_spec_and_both_formats(client, db, fmt):
    response = get(client, "discovery", fmt)
    assert response.status_code == 200
    if fmt == "json":
        endpoint = body(response)["endpoints"][0]
        formats = endpoint["formats"]
    else:
        root = xml(response)
        assert root.tag == "discovery"
        endpoint = {c.tag: c.text for c in root.find("endpoints/endpoint")}
        formats = [e.text for e in root.findall("endpoints/endpoint/formats/format")]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["type"] == "production"
    assert formats == ["text/xml", "application/json"]


def test_root_leads_to_discovery(client, db):
    response = client.get(BASE)
    assert response.status_code == 302
    assert response["Location"] == "/open311/v2/discovery.xml"


def test_unknown_format_is_404_in_the_spec_format(client, world, jx):
    response = get(client, "services", "csv", **jx)
    assert response.status_code == 404
    assert errors(response, "xml") == [(404, "format: Only .json and .xml are served.")]


# --- services ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_services_are_the_compounds_active_categories(client, world, desk, jx, fmt):
    desk.cats["praise"].active = False
    desk.cats["praise"].save()
    response = get(client, "services", fmt, **jx)
    assert response.status_code == 200
    rows = body(response) if fmt == "json" else xml_rows(response, "service")
    codes = [row["service_code"] for row in rows]
    assert codes[:3] == ["leak", "plumbing", "electrical"]
    assert "praise" not in codes and len(codes) == 14
    leak = rows[0]
    assert leak["service_name"] == "Leak"
    assert leak["group"] == "工程部"
    assert leak["description"] == "Handled by 工程部."
    assert leak["type"] == "realtime"
    assert leak["metadata"] in (True, "true")


def test_services_in_chinese(client, world, desk, jx):
    rows = body(get(client, "services", language="zh-hans", **jx))
    assert rows[0]["description"] == "由工程部负责处理。"


@pytest.mark.parametrize("fmt", FORMATS)
def test_services_need_a_jurisdiction_when_there_are_several_compounds(client, world, desk, fmt):
    response = get(client, "services", fmt)
    assert response.status_code == 400
    assert errors(response, fmt) == [
        (400, "jurisdiction_id: Give the compound's code as jurisdiction_id.")
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_jurisdiction_is_404(client, world, fmt):
    response = get(client, "services", fmt, jurisdiction_id="nowhere")
    assert response.status_code == 404
    assert errors(response, fmt) == [
        (404, "jurisdiction_id: There is no compound with the code “nowhere”.")
    ]


def test_missing_jurisdiction_message_is_translated(client, world):
    response = get(client, "services", language="zh-hans")
    [(code, description)] = errors(response, "json")
    assert code == 400 and description.startswith("jurisdiction_id")
    assert "小区" in description


def test_a_single_compound_needs_no_jurisdiction(client, db, desk_alone):
    rows = body(get(client, "services"))
    assert rows[0]["service_code"] == "leak"


@pytest.fixture
def desk_alone(db):
    compound = f.CompoundFactory(code="only-one")
    staff = f.UserFactory()
    f.grant(staff, Role.COMMUNITY_STAFF, compound.community)
    services.categories_ensure_defaults(actor=staff, compound=compound)
    assert Compound.objects.count() == 1
    return compound


# --- service definition -----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_definition_lists_priority_and_location_kind(client, world, desk, jx, fmt):
    response = get(client, "services/leak", fmt, **jx)
    assert response.status_code == 200
    if fmt == "json":
        data = body(response)
        attributes = {a["code"]: a for a in data["attributes"]}
        code = data["service_code"]
        values = {k: [v["key"] for v in a["values"]] for k, a in attributes.items()}
        datatypes = {k: a["datatype"] for k, a in attributes.items()}
        required = {k: a["required"] for k, a in attributes.items()}
    else:
        root = xml(response)
        assert root.tag == "service_definition"
        code = root.findtext("service_code")
        found = root.findall("attributes/attribute")
        values = {
            a.findtext("code"): [v.text for v in a.findall("values/value/key")] for a in found
        }
        datatypes = {a.findtext("code"): a.findtext("datatype") for a in found}
        required = {a.findtext("code"): a.findtext("required") for a in found}
    assert code == "leak"
    assert values["priority"] == ["normal", "urgent", "emergency"]
    assert values["location_kind"] == ["unit", "building", "common_area"]
    assert "partner" in values["channel"]
    assert set(datatypes.values()) == {"singlevaluelist"}
    assert set(required.values()) <= {False, "false"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_service_code_is_404(client, world, desk, jx, fmt):
    response = get(client, "services/teleport", fmt, **jx)
    assert response.status_code == 404
    assert errors(response, fmt) == [
        (404, "service_code: There is no service “teleport” in this compound.")
    ]


def test_another_compounds_category_is_not_a_service_here(client, world, desk):
    response = get(client, "services/leak", jurisdiction_id=world.other.code)
    assert response.status_code == 404


# --- public reads -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_requests_list_shows_what_the_public_board_shows(client, world, board, jx, fmt):
    response = get(client, "requests", fmt, **jx)
    assert _ids(response, fmt) == {board["shown"].pk, board["resolved"].pk}
    rows = body(response) if fmt == "json" else xml_rows(response, "request")
    row = next(r for r in rows if int(r["service_request_id"]) == board["shown"].pk)
    assert row["status"] == "open"
    assert row["status_notes"] == "Submitted"
    assert row["service_code"] == "leak" and row["service_name"] == "Leak"
    assert row["agency_responsible"] == "工程部"
    assert row["address"] == "锦绣测试小区 Building 63"
    assert row["zipcode"] in ("", None)
    assert row["requested_datetime"].endswith("+08:00")
    assert row["expected_datetime"] == timezone.localtime(board["shown"].resolve_by).isoformat(
        timespec="seconds"
    )
    assert "updated_datetime" in row
    for field in ("description", "media_url", "address_id", "lat", "long"):
        assert field not in row
    done = next(r for r in rows if int(r["service_request_id"]) == board["resolved"].pk)
    assert done["status"] == "closed"


@pytest.mark.parametrize("fmt", FORMATS)
def test_public_reads_never_show_unit_place_description_or_person(
    client, world, desk, board, submit, jx, api, fmt
):
    submit(
        location_kind=LocationKind.COMMON_AREA,
        unit=None,
        place="2单元门口的花坛",
        description="张三说花坛塌了",
    )
    staff_key = token_for(world.staff)
    for response in (
        get(client, "requests", fmt, **jx),
        get(client, "requests", fmt, api_key=staff_key, **jx),  # a token shows no more
        get(client, f"requests/{board['shown'].pk}", fmt, **jx),
    ):
        assert response.status_code == 200
        raw = response.content.decode()
        for secret in [*SECRETS, "花坛", "resident"]:
            assert secret not in raw, secret


def test_address_in_chinese_is_compound_and_building(client, world, board, jx):
    rows = body(get(client, "requests", language="zh-hans", **jx))
    assert {r["address"] for r in rows} == {"锦绣测试小区 63幢"}
    assert {r["status_notes"] for r in rows} == {"已提交", "已解决"}


def test_common_area_without_building_is_the_compound_alone(client, world, desk, submit, jx):
    ticket = submit(location_kind=LocationKind.COMMON_AREA, unit=None, place="大门口")
    [row] = body(get(client, f"requests/{ticket.pk}", **jx))
    assert row["address"] == "锦绣测试小区"


@pytest.mark.parametrize("fmt", FORMATS)
def test_hidden_request_appears_nowhere(client, world, board, jx, fmt):
    assert board["hidden"].pk not in _ids(get(client, "requests", fmt, **jx), fmt)
    listed = get(client, "requests", fmt, service_request_id=str(board["hidden"].pk), **jx)
    assert _ids(listed, fmt) == set()
    single = get(client, f"requests/{board['hidden'].pk}", fmt, **jx)
    assert single.status_code == 404


def test_merged_request_is_not_shown(client, world, desk, board, jx):
    services.ticket_merge(actor=world.staff, ticket=board["shown"], into=board["resolved"])
    assert _ids(get(client, "requests", **jx), "json") == {board["resolved"].pk}


@pytest.mark.parametrize("fmt", FORMATS)
def test_single_request(client, world, board, jx, fmt):
    response = get(client, f"requests/{board['resolved'].pk}", fmt, **jx)
    assert response.status_code == 200
    if fmt == "json":
        [row] = body(response)
    else:
        root = xml(response)
        assert root.tag == "service_requests"
        [row] = xml_rows(response, "request")
    assert int(row["service_request_id"]) == board["resolved"].pk
    assert row["status"] == "closed"
    assert row["status_notes"] == "Resolved"


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_request_is_404(client, world, board, jx, fmt):
    for missing in ("999999999", "abc", "²", "9" * 30):
        response = get(client, f"requests/{missing}", fmt, **jx)
        assert response.status_code == 404
        [(code, description)] = errors(response, fmt)
        assert code == 404 and description.startswith("service_request_id:")


def test_another_compounds_request_is_404_here(client, world, board, jx):
    response = get(client, f"requests/{board['elsewhere'].pk}", **jx)
    assert response.status_code == 404
    there = get(client, f"requests/{board['elsewhere'].pk}", jurisdiction_id=world.other.code)
    assert there.status_code == 200


def test_requests_need_a_jurisdiction(client, world, board):
    assert get(client, "requests").status_code == 400
    assert get(client, f"requests/{board['shown'].pk}").status_code == 400


# --- filters ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_filter_by_status(client, world, board, jx, fmt):
    shown, resolved = board["shown"].pk, board["resolved"].pk
    assert _ids(get(client, "requests", fmt, status="open", **jx), fmt) == {shown}
    assert _ids(get(client, "requests", fmt, status="closed", **jx), fmt) == {resolved}
    assert _ids(get(client, "requests", fmt, status="open,closed", **jx), fmt) == {shown, resolved}


def test_filter_by_service_code(client, world, desk, board, submit, jx):
    lift = submit(category=desk.cats["lift"])
    assert _ids(get(client, "requests", service_code="lift", **jx), "json") == {lift.pk}
    both = get(client, "requests", service_code="lift,leak", **jx)
    assert _ids(both, "json") == {lift.pk, board["shown"].pk, board["resolved"].pk}


def test_filter_by_ids_overrides_the_others(client, world, board, jx):
    wanted = f"{board['shown'].pk},{board['resolved'].pk},{board['elsewhere'].pk}"
    response = get(client, "requests", service_request_id=wanted, status="open", **jx)
    # Another compound's request stays out even when asked for by number.
    assert _ids(response, "json") == {board["shown"].pk, board["resolved"].pk}


def test_default_window_is_the_last_90_days(client, world, board, jx):
    Ticket.objects.filter(pk=board["resolved"].pk).update(
        created_at=timezone.now() - timedelta(days=91)
    )
    assert _ids(get(client, "requests", **jx), "json") == {board["shown"].pk}
    old = (timezone.now() - timedelta(days=100)).isoformat(timespec="seconds")
    assert _ids(get(client, "requests", start_date=old, **jx), "json") == {board["resolved"].pk}


def test_filter_by_dates(client, world, board, jx):
    Ticket.objects.filter(pk=board["resolved"].pk).update(
        created_at=timezone.now() - timedelta(days=10)
    )
    cut = (timezone.now() - timedelta(days=5)).isoformat(timespec="seconds")
    assert _ids(get(client, "requests", start_date=cut, **jx), "json") == {board["shown"].pk}
    assert _ids(get(client, "requests", end_date=cut, **jx), "json") == {board["resolved"].pk}
    utc = (timezone.now() - timedelta(days=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert _ids(get(client, "requests", start_date=utc, **jx), "json") == {board["shown"].pk}


def test_unencoded_plus_in_offset_is_understood(client, world, board):
    start = (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")
    url = f"{BASE}requests.json?jurisdiction_id={world.compound.code}&start_date={start}+08:00"
    assert _ids(client.get(url), "json") == {board["shown"].pk, board["resolved"].pk}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start_date": "yesterday"}, "start_date"),
        ({"end_date": "2025-13-45T00:00:00Z"}, "end_date"),
        ({"start_date": "9999-12-31T00:00:00+14:00"}, "start_date"),
        ({"end_date": "0001-01-01"}, "end_date"),
        ({"start_date": "2025-01-01T00:00:00Z", "end_date": "2025-06-01T00:00:00Z"}, "end_date"),
        ({"start_date": "2025-02-01T00:00:00Z", "end_date": "2025-01-01T00:00:00Z"}, "end_date"),
        ({"status": "pending"}, "status"),
        ({"service_code": "teleport"}, "service_code"),
        ({"service_request_id": "12,abc"}, "service_request_id"),
        ({"service_request_id": "9" * 30}, "service_request_id"),
    ],
)
def test_bad_filters_are_400_naming_the_field(client, world, board, jx, fmt, params, field):
    response = get(client, "requests", fmt, **params, **jx)
    assert response.status_code == 400
    [(code, description)] = errors(response, fmt)
    assert code == 400 and description.startswith(f"{field}: ")


def test_bad_date_message_is_translated(client, world, board, jx):
    response = get(client, "requests", language="zh-hans", start_date="昨天", **jx)
    [(code, description)] = errors(response, "json")
    assert code == 400 and description.startswith("start_date")
    assert "W3C" in description and "日期" in description


def test_at_most_1000_requests(client, world, desk, board, jx, monkeypatch):
    from mulin.tickets.open311 import views

    monkeypatch.setattr(views, "MAX_RESULTS", 1)
    rows = body(get(client, "requests", **jx))
    assert [r["service_request_id"] for r in rows] == [board["resolved"].pk]  # the newest


def test_requests_list_query_count_does_not_grow(
    client, world, desk, submit, jx, count_queries, django_assert_max_num_queries
):
    def grow(n: int):
        for _ in range(n):
            submit()
            submit(category=desk.cats["lift"], priority=Priority.URGENT)

    grow(2)
    params = {"service_code": "leak,lift", "status": "open", **jx}
    with count_queries() as before, django_assert_max_num_queries(3):
        first = get(client, "requests", **params)
    grow(4)
    with count_queries() as after:
        second = get(client, "requests", "xml", **params)
    assert len(body(first)) == 4
    assert len(xml_rows(second, "request")) == 12
    assert before.count == after.count, after.dump()


def test_services_query_count_is_constant(
    client, world, desk, jx, count_queries, django_assert_max_num_queries
):
    with django_assert_max_num_queries(2):
        assert len(body(get(client, "services", **jx))) == 15


def test_methods_other_than_get_are_refused(client, world, desk, jx):
    response = client.delete(f"{BASE}services.json?jurisdiction_id={world.compound.code}")
    assert response.status_code == 405
    assert errors(response, "json") == [(405, "This method is not allowed here.")]


# --- POST -------------------------------------------------------------------------------------


def _leak(world, **extra):
    return {
        "jurisdiction_id": world.compound.code,
        "service_code": "leak",
        "description": "卫生间天花板滴水",
        **extra,
    }


def _receipt(response, fmt: str) -> dict:
    if fmt == "json":
        [row] = body(response)
        return row
    root = xml(response)
    assert root.tag == "service_requests"
    [row] = xml_rows(response, "request")
    row["service_request_id"] = int(row["service_request_id"])
    return row


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("address_id", ["63-2-301", "63幢2单元301"])
def test_resident_posts_for_their_home(client, world, desk, fmt, address_id):
    key = token_for(world.resident)
    response = post(
        client,
        fmt,
        **_leak(world, api_key=key, address_id=address_id),
        **{"attribute[priority]": "urgent"},
    )
    assert response.status_code == 201, response.content
    receipt = _receipt(response, fmt)
    ticket = Ticket.objects.get(pk=receipt["service_request_id"])
    assert ticket.unit == world.unit and ticket.location_kind == LocationKind.UNIT
    assert ticket.building == world.unit.building
    assert ticket.requester == world.resident_person
    assert ticket.submitted_by == world.resident
    assert ticket.channel == Channel.SELF_SERVICE and ticket.on_behalf_of is None
    assert ticket.priority == Priority.URGENT
    assert ticket.description == "卫生间天花板滴水"
    assert ticket.organisation == desk.team
    assert receipt["account_id"] == str(world.resident.pk)
    assert receipt["service_notice"].startswith("Received. 工程部 will respond by ")
    # It is on the public list now, without the unit.
    listed = get(client, "requests", fmt, jurisdiction_id=world.compound.code)
    assert ticket.pk in _ids(listed, fmt)
    assert "301" not in listed.content.decode().replace(str(ticket.pk), "")


def test_address_string_alone_is_a_common_area(client, world, desk):
    key = token_for(world.resident)
    response = post(client, **_leak(world, api_key=key, address_string="北门岗亭旁"))
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get(pk=body(response)[0]["service_request_id"])
    assert ticket.location_kind == LocationKind.COMMON_AREA
    assert ticket.place == "北门岗亭旁" and ticket.unit is None and ticket.building is None


def test_building_kind_takes_the_building_number(client, world, desk):
    key = token_for(world.resident)
    data = _leak(world, api_key=key, address_id="63幢", **{"attribute[location_kind]": "building"})
    response = post(client, **data)
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get(pk=body(response)[0]["service_request_id"])
    assert ticket.location_kind == LocationKind.BUILDING
    assert ticket.building == world.unit.building and ticket.unit is None


def test_staff_posts_on_behalf_by_phone(client, world, desk):
    key = token_for(world.staff)
    data = _leak(world, api_key=key, address_id="63-2-301", phone="138-1234-5678")
    response = post(client, **data)
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get(pk=body(response)[0]["service_request_id"])
    assert ticket.channel == Channel.PHONE
    assert ticket.on_behalf_of == world.resident_person
    assert ticket.requester == world.resident_person
    assert ticket.submitted_by == world.staff


def test_staff_without_a_known_phone_records_an_anonymous_request(client, world, desk):
    key = token_for(world.staff)
    data = _leak(world, api_key=key, address_string="垃圾房", phone="13000000000")
    data["attribute[channel]"] = "wechat_group"
    response = post(client, **data)
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get(pk=body(response)[0]["service_request_id"])
    assert ticket.requester is None and ticket.on_behalf_of is None
    assert ticket.channel == Channel.WECHAT_GROUP


def test_partner_contact_posts_through_the_partner_channel(client, world, desk):
    partner = f.OrganisationFactory(kind=OrgKind.PARTNER, compound=world.compound, name="房管站")
    contact = f.UserFactory()
    f.grant(contact, Role.PARTNER_CONTACT, partner)
    response = post(client, **_leak(world, api_key=token_for(contact), address_string="63幢屋顶"))
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get(pk=body(response)[0]["service_request_id"])
    assert ticket.channel == Channel.PARTNER and ticket.submitted_by == contact


def test_post_needs_no_csrf_token(world, desk):
    strict = Client(enforce_csrf_checks=True)
    response = post(
        strict, **_leak(world, api_key=token_for(world.resident), address_id="63-2-301")
    )
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("api_key", [None, "", "mulin_not-a-token"])
def test_bad_api_key_is_403_and_creates_nothing(client, world, desk, fmt, api_key):
    data = _leak(world, address_id="63-2-301")
    if api_key is not None:
        data["api_key"] = api_key
    response = post(client, fmt, **data)
    assert response.status_code == 403
    assert errors(response, fmt) == [(403, "api_key: The api_key is missing or not valid.")]
    assert not Ticket.objects.exists()


def test_revoked_token_is_403(client, world, desk):
    key = token_for(world.resident)
    ApiToken.objects.update(revoked_at=timezone.now())
    assert post(client, **_leak(world, api_key=key, address_id="63-2-301")).status_code == 403


@pytest.mark.parametrize("fmt", FORMATS)
def test_outsider_cannot_post_into_another_compound(client, world, desk, fmt):
    key = token_for(world.outsider)
    for address in ({"address_id": "63-2-301"}, {"address_id": "63-9-999"}):
        response = post(client, fmt, **_leak(world, api_key=key, **address))
        assert response.status_code == 403
        assert errors(response, fmt) == [
            (403, "api_key: This api_key may not submit requests in this compound.")
        ]
    assert not Ticket.objects.exists()


def test_resident_cannot_post_for_a_neighbours_home(client, world, desk):
    key = token_for(world.resident)
    response = post(client, **_leak(world, api_key=key, address_id="63-2-302"))
    assert response.status_code == 400
    assert errors(response, "json") == [
        (400, "address_id: Choose one of your own homes in this compound.")
    ]
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"address_id": None}, 400, "address_id"),  # no location at all
        ({"address_id": "楼上"}, 400, "address_id"),
        ({"address_id": "63-2-999"}, 400, "address_id"),
        ({"service_code": None}, 400, "service_code"),
        ({"service_code": "teleport"}, 404, "service_code"),
        ({"description": ""}, 400, "description"),
        ({"attribute[priority]": "whenever"}, 400, "attribute[priority]"),
        ({"attribute[location_kind]": "roof"}, 400, "attribute[location_kind]"),
        ({"attribute[channel]": "phone"}, 400, "attribute[channel]"),  # residents: self-service
        ({"jurisdiction_id": None}, 400, "jurisdiction_id"),
        ({"jurisdiction_id": "nowhere"}, 404, "jurisdiction_id"),
    ],
)
def test_post_errors_name_the_field_and_create_nothing(
    client, world, desk, fmt, change, status, field
):
    data = _leak(world, api_key=token_for(world.resident), address_id="63-2-301")
    for key, value in change.items():
        if value is None:
            data.pop(key)
        else:
            data[key] = value
    response = post(client, fmt, **data)
    assert response.status_code == status, response.content
    found = errors(response, fmt)
    assert found and all(code == status for code, _ in found)
    assert found[0][1].startswith(f"{field}: "), found
    assert not Ticket.objects.exists()


def test_post_errors_are_translated(client, world, desk):
    data = _leak(world, api_key=token_for(world.resident), address_id="63-2-301", description="")
    [(code, description)] = errors(post(client, language="zh-hans", **data), "json")
    assert code == 400 and description == "description：请描述问题。"


@pytest.mark.parametrize("fmt", FORMATS)
def test_same_idempotency_key_creates_one_request(client, world, desk, fmt):
    data = _leak(world, api_key=token_for(world.resident), address_id="63-2-301")
    headers = {"Idempotency-Key": "tap-1"}
    first = post(client, fmt, headers=headers, **data)
    second = post(client, fmt, headers=headers, **data)
    assert (first.status_code, second.status_code) == (201, 200)
    assert second["Idempotent-Replayed"] == "true"
    assert _receipt(first, fmt)["service_request_id"] == _receipt(second, fmt)["service_request_id"]
    assert Ticket.objects.count() == 1
    other = post(client, fmt, headers={"Idempotency-Key": "tap-2"}, **data)
    assert other.status_code == 201 and Ticket.objects.count() == 2


def test_retried_identical_post_without_a_key_creates_one_request(client, world, desk):
    data = _leak(world, api_key=token_for(world.resident), address_id="63-2-301")
    first = post(client, **data)
    second = post(client, **data)
    assert (first.status_code, second.status_code) == (201, 200)
    assert Ticket.objects.count() == 1
    different = post(client, **{**data, "description": "另一个问题"})
    assert different.status_code == 201 and Ticket.objects.count() == 2


def test_identical_post_after_the_retry_window_is_a_new_request(client, world, desk):
    from mulin.tickets.open311 import submit

    data = _leak(world, api_key=token_for(world.resident), address_id="63-2-301")
    assert post(client, **data).status_code == 201
    later = timezone.now() + 2 * submit.RETRY_WINDOW + timedelta(seconds=1)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(submit.timezone, "now", lambda: later)
        assert post(client, **data).status_code == 201
    assert Ticket.objects.count() == 2


def test_too_long_idempotency_key_is_400(client, world, desk):
    data = _leak(world, api_key=token_for(world.resident), address_id="63-2-301")
    response = post(client, headers={"Idempotency-Key": "x" * 80}, **data)
    assert response.status_code == 400
    assert errors(response, "json")[0][1].startswith("Idempotency-Key: ")
    assert not Ticket.objects.exists()
