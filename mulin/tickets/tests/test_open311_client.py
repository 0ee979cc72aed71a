"""Open311 checked with an independent client: the `georeport` package from PyPI, driven against
the live test server in both of its output formats.

georeport 0.3.1 covers the spec's GET calls (services, service definition, requests, one
request). It has no discovery call and no POST, so `Client311` adds those two in georeport's own
manner — `requests` for HTTP, `raise_for_status()`, `xmltodict` for XML — leaving its GET calls
untouched."""

import pytest
import requests
import xmltodict
from georeport import GeoReport

from mulin.testing.api import token_for
from mulin.tickets.models import LocationKind, Ticket
from mulin.tickets.states import Status

FORMATS = ["json", "xml"]


class Client311(GeoReport):
    def get_discovery(self) -> dict:
        response = requests.get(f"{self.root_address}/discovery.{self.output_format}")
        response.raise_for_status()
        if self.output_format == "json":
            return response.json()
        return xmltodict.parse(response.content)["discovery"]

    def post_service_request(self, service_code: str, headers=None, **fields) -> dict:
        data = {"service_code": service_code, **fields}
        if self.jurisdiction:
            data["jurisdiction_id"] = self.jurisdiction
        if self.api_key:
            data["api_key"] = self.api_key
        response = requests.post(
            f"{self.root_address}/requests.{self.output_format}", data=data, headers=headers
        )
        response.raise_for_status()
        if self.output_format == "json":
            return response.json()[0]
        return xmltodict.parse(response.content)["service_requests"]["request"]


def spec_errors(exc: requests.HTTPError, fmt: str) -> list[dict]:
    """The spec's error list from a failed call, parsed the client's way."""
    if fmt == "json":
        return exc.response.json()
    found = xmltodict.parse(exc.response.content)["errors"]["error"]
    return found if isinstance(found, list) else [found]


def as_list(value) -> list:
    """xmltodict gives a lone element as a dict, several as a list."""
    return value if isinstance(value, list) else [value]


@pytest.fixture
def open311(live_server, world, desk):
    def make(fmt: str, user=None, jurisdiction: str | None = "") -> Client311:
        return Client311(
            f"{live_server.url}/open311/v2/",
            jurisdiction=world.compound.code if jurisdiction == "" else jurisdiction,
            api_key=token_for(user) if user is not None else None,
            output_format=fmt,
        )

    return make


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery(open311, live_server, fmt):
    found = open311(fmt).get_discovery()
    endpoint = found["endpoints"][0] if fmt == "json" else found["endpoints"]["endpoint"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == f"{live_server.url}/open311/v2"
    formats = endpoint["formats"] if fmt == "json" else endpoint["formats"]["format"]
    assert set(formats) == {"text/xml", "application/json"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_list(open311, fmt):
    services = open311(fmt).get_service_list()
    assert [s["service_code"] for s in services][:2] == ["leak", "plumbing"]
    assert len(services) == 15
    assert services[0]["service_name"] == "Leak"
    assert str(services[0]["metadata"]).lower() == "true"


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_definition(open311, fmt):
    definition = open311(fmt).get_service_definition("leak")
    assert definition["service_code"] == "leak"
    attributes = definition["attributes"]
    if fmt == "xml":
        attributes = as_list(attributes["attribute"])
        for attribute in attributes:
            attribute["values"] = as_list(attribute["values"]["value"])
    by_code = {a["code"]: a for a in attributes}
    assert by_code["priority"]["datatype"] == "singlevaluelist"
    assert [v["key"] for v in by_code["priority"]["values"]] == ["normal", "urgent", "emergency"]
    assert [v["key"] for v in by_code["location_kind"]["values"]] == [
        "unit",
        "building",
        "common_area",
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_requests_list_and_single_request(open311, world, submit, at_status, fmt):
    shown = submit()
    resolved = at_status(Status.RESOLVED)
    client = open311(fmt)
    listed = as_list(client.get_service_requests())
    assert {int(r["service_request_id"]) for r in listed} == {shown.pk, resolved.pk}
    opened = as_list(client.get_service_requests(status="open"))
    assert [int(r["service_request_id"]) for r in opened] == [shown.pk]
    one = client.get_service_request(str(resolved.pk))
    assert int(one["service_request_id"]) == resolved.pk
    assert one["status"] == "closed"
    assert one["address"] == "锦绣测试小区 Building 63"
    assert "description" not in one and "media_url" not in one
    several = as_list(client.get_service_requests(service_request_id=f"{shown.pk},{resolved.pk}"))
    assert len(several) == 2


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_then_read_back(open311, world, fmt):
    client = open311(fmt, user=world.resident)
    receipt = client.post_service_request(
        "leak",
        address_id="63幢2单元301",
        description="阳台顶上渗水",
        **{"attribute[priority]": "urgent"},
    )
    ticket = Ticket.objects.get(pk=int(receipt["service_request_id"]))
    assert ticket.unit == world.unit and ticket.priority == "urgent"
    assert ticket.location_kind == LocationKind.UNIT
    assert receipt["service_notice"].startswith("Received.")
    assert receipt["account_id"] == str(world.resident.pk)
    back = client.get_service_request(str(ticket.pk))
    assert back["status"] == "open" and back["service_code"] == "leak"


@pytest.mark.parametrize("fmt", FORMATS)
def test_same_idempotency_key_creates_one_request(open311, world, fmt):
    client = open311(fmt, user=world.resident)
    headers = {"Idempotency-Key": "double-tap"}
    fields = {"address_id": "63-2-301", "description": "水管爆了"}
    first = client.post_service_request("leak", headers=headers, **fields)
    second = client.post_service_request("leak", headers=headers, **fields)
    assert first["service_request_id"] == second["service_request_id"]
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize("fmt", FORMATS)
def test_spec_errors_through_the_client(open311, world, fmt):
    cases = [
        (lambda: open311(fmt, jurisdiction=None).get_service_list(), 400, "jurisdiction_id"),
        (lambda: open311(fmt).get_service_definition("teleport"), 404, "service_code"),
        (lambda: open311(fmt).get_service_request("999999999"), 404, "service_request_id"),
        (lambda: open311(fmt).get_service_requests(start_date="last week"), 400, "start_date"),
        (
            lambda: Client311(
                open311(fmt).root_address,
                jurisdiction=world.compound.code,
                api_key="mulin_wrong",
                output_format=fmt,
            ).post_service_request("leak", address_id="63-2-301", description="漏水"),
            403,
            "api_key",
        ),
        (
            lambda: open311(fmt, user=world.resident).post_service_request(
                "leak", description="漏水"
            ),
            400,
            "address_id",
        ),
        (
            lambda: open311(fmt, user=world.outsider).post_service_request(
                "leak", address_id="63-2-301", description="漏水"
            ),
            403,
            "api_key",
        ),
    ]
    for call, status, field in cases:
        with pytest.raises(requests.HTTPError) as caught:
            call()
        assert caught.value.response.status_code == status
        [error] = spec_errors(caught.value, fmt)
        assert int(error["code"]) == status
        assert error["description"].startswith(f"{field}: ")
    assert not Ticket.objects.exists()
