"""Open311: constants, the spec's errors, JSON and XML rendering, and parameters."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from functools import wraps
from xml.etree.ElementTree import Element, SubElement, tostring

from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from mulin.places.models import Compound

from ..models import Category

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this endpoint's behaviour last changed (the discovery document's `changeset`).
CHANGESET = "2025-06-01T00:00:00+08:00"
CONTENT_TYPES = {"json": "application/json", "xml": "text/xml; charset=utf-8"}
WINDOW = timedelta(days=90)  # the spec's default and widest date range
MAX_RESULTS = 1000  # the spec's "first 1000 requests"
# Without an Idempotency-Key header, an identical POST by the same token within one or two of
# these windows is taken as a retry and answers the first request.
RETRY_WINDOW = timedelta(minutes=10)
KEY_PREFIX = "o311:"
MAX_CLIENT_KEY = 64 - len(KEY_PREFIX)

# Child element names of lists in the XML form.
_XML_ITEMS = {
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}
_XML_INVALID = re.compile(r"[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_REQUEST_ID = re.compile(r"^[0-9]{1,18}$")  # fits a 64-bit key
_BUILDING_NUMBER = re.compile(r"^(?P<number>[0-9A-Za-z]+)\s*(?:幢|栋|号楼|号|楼)?$")

# Our field names (from `ticket_submit`'s ValidationError) as the Open311 parameters they came in.
_PARAMETER_OF = {
    "category": "service_code",
    "unit": "address_id",
    "building": "address_id",
    "place": "address_string",
    "description": "description",
    "priority": "attribute[priority]",
    "location_kind": "attribute[location_kind]",
    "channel": "attribute[channel]",
    "on_behalf_of": "phone",
    "idempotency_key": "Idempotency-Key",
}


class Open311Error(Exception):
    """An answer in the spec's error format: `[{"code": 400, "description": "…"}]`."""

    def __init__(self, status: int, *descriptions: str):
        super().__init__(descriptions)
        self.status = status
        self.descriptions = descriptions


def _about(field: str, message: str) -> str:
    return _("%(field)s: %(message)s") % {"field": field, "message": message}


# --- rendering --------------------------------------------------------------------------------


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return _w3c(value)
    return _XML_INVALID.sub("", str(value))


def _xml_fill(element: Element, name: str, value) -> None:
    child = SubElement(element, name)
    if isinstance(value, dict):
        for key, inner in value.items():
            _xml_fill(child, key, inner)
    elif isinstance(value, list):
        for inner in value:
            _xml_fill(child, _XML_ITEMS[name], inner)
    else:
        child.text = _text(value)


def _xml(root: str, item: str | None, data) -> bytes:
    element = Element(root)
    if item is None:
        for key, value in data.items():
            _xml_fill(element, key, value)
    else:
        for row in data:
            _xml_fill(element, item, row)
    body = tostring(element, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode("utf-8")


def _json_ready(value):
    if isinstance(value, datetime):
        return _w3c(value)
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_ready(v) for v in value]
    return value


def _render(fmt: str, root: str, item: str | None, data, status: int = 200) -> HttpResponse:
    """`data` is a list of rows (`root` holding one `item` element per row in XML) or, with
    `item` None, one object whose fields go straight under `root`."""
    if fmt == "json":
        return JsonResponse(
            _json_ready(data), safe=False, status=status, json_dumps_params={"ensure_ascii": False}
        )
    return HttpResponse(_xml(root, item, data), status=status, content_type=CONTENT_TYPES["xml"])


def _error_response(fmt: str, status: int, descriptions) -> HttpResponse:
    rows = [{"code": status, "description": str(d)} for d in descriptions]
    return _render(fmt, "errors", "error", rows, status=status)


def open311(view):
    """Serve `view(request, fmt, …)` in the requested format; 404 for any other format, and
    `Open311Error` as the spec's error list."""

    @wraps(view)
    def wrapper(request, fmt: str, **kwargs):
        fmt = fmt.lower()
        if fmt not in CONTENT_TYPES:
            # XML is the spec's required format, so an unknown one is answered in XML.
            return _error_response(
                "xml", 404, [_about("format", _("Only .json and .xml are served."))]
            )
        try:
            return view(request, fmt, **kwargs)
        except Open311Error as exc:
            return _error_response(fmt, exc.status, exc.descriptions)

    return wrapper


def _only(request, *methods: str) -> None:
    if request.method not in methods:
        raise Open311Error(405, _("This method is not allowed here."))


# --- parameters -------------------------------------------------------------------------------


def _jurisdiction(params) -> Compound:
    """The compound named by `jurisdiction_id`; it may be left out only while there is one."""
    code = (params.get("jurisdiction_id") or "").strip()
    if not code:
        only = list(Compound.objects.order_by("id")[:2])
        if len(only) == 1:
            return only[0]
        raise Open311Error(
            400, _about("jurisdiction_id", _("Give the compound's code as jurisdiction_id."))
        )
    compound = Compound.objects.filter(code=code).first()
    if compound is None:
        raise Open311Error(
            404,
            _about(
                "jurisdiction_id",
                _("There is no compound with the code “%(code)s”.") % {"code": code[:60]},
            ),
        )
    return compound


def _w3c(value: datetime) -> str:
    """W3C date-time in Shanghai time with its offset, e.g. 2025-07-01T04:05:00+08:00."""
    return timezone.localtime(value).isoformat(timespec="seconds")


def _parse_w3c(raw: str, field: str) -> datetime:
    text = raw.strip()
    # An unencoded "+08:00" in a query string arrives as " 08:00".
    text = re.sub(r"(T[\d:.]+) (\d\d:?\d\d)$", r"\1+\2", text)
    try:
        moment = parse_datetime(text)
        if moment is None:
            day = parse_date(text)
            moment = datetime.combine(day, time.min) if day is not None else None
    except ValueError:
        moment = None
    if moment is not None and not 1970 <= moment.year <= 9000:
        moment = None  # far outside any request's life, and date arithmetic would overflow
    if moment is None:
        raise Open311Error(
            400,
            _about(field, _("Write the date in W3C format, such as 2025-01-31T08:00:00+08:00.")),
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _listed(raw: str) -> list[str]:
    return [part.strip() for part in (raw or "").split(",") if part.strip()]


def _services(compound) -> list[Category]:
    return list(
        Category.objects.filter(compound=compound, active=True)
        .select_related("organisation")
        .order_by("position", "code")
    )


def _service(compound, code: str) -> Category:
    category = (
        Category.objects.filter(compound=compound, code=code, active=True)
        .select_related("organisation")
        .first()
    )
    if category is None:
        raise Open311Error(404, _about("service_code", _no_service(code)))
    return category


def _no_service(code: str) -> str:
    return _("There is no service “%(code)s” in this compound.") % {"code": code[:60]}
