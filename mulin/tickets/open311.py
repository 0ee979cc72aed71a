"""Open311 GeoReport v2 at `/open311/v2/` (http://wiki.open311.org/GeoReport_v2), in JSON and XML.

- A jurisdiction is a compound (`jurisdiction_id` = its code); a service is one of its active
  request categories; a service request is a ticket.
- Public reads show only what the public progress board shows (`selectors.public_tickets`):
  category, building number, status and times. Never the unit, the place text, the description,
  photos or any person (DESIGN §6), so no `description`, `address_id` or `media_url` either.
  Compounds carry no coordinates, so `lat`/`long` are left out.
- `POST requests` takes a Mulin API token as `api_key` and submits through
  `services.ticket_submit`, so access, validation, routing, deadlines and the audit trail are the
  same as on the pages.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, time, timedelta
from functools import wraps
from xml.etree.ElementTree import Element, SubElement, tostring

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from mulin.core import access
from mulin.core.api_auth import BearerToken
from mulin.core.models import Role
from mulin.core.selectors import unit_by_code
from mulin.people.models import Person
from mulin.places.codes import UnitCodeError, parse_unit_code
from mulin.places.models import Compound

from . import selectors, services
from .models import Category, Channel, LocationKind, Priority, Ticket
from .states import FINISHED, OPEN, Status

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


# --- discovery and services -------------------------------------------------------------------


@open311
def discovery(request, fmt: str):
    _only(request, "GET", "HEAD")
    data = {
        "changeset": CHANGESET,
        "contact": _("Write to %(email)s or ask your community office.")
        % {"email": settings.DEFAULT_FROM_EMAIL},
        "key_service": _(
            "An api_key is a Mulin API token: ask your community office, who create one "
            "with “mulin token create USERNAME”."
        ),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": request.build_absolute_uri(reverse("open311:root")).rstrip("/"),
                "changeset": CHANGESET,
                "type": "production",
                "formats": [CONTENT_TYPES["xml"].split(";")[0], CONTENT_TYPES["json"]],
            }
        ],
    }
    return _render(fmt, "discovery", None, data)


def _service_row(category: Category) -> dict:
    organisation = category.organisation.name if category.organisation_id else ""
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": _("Handled by %(organisation)s.") % {"organisation": organisation}
        if organisation
        else "",
        # Every service has the attributes of `_attributes`.
        "metadata": True,
        "type": "realtime",
        "keywords": "",
        "group": organisation,
    }


@open311
def service_list(request, fmt: str):
    _only(request, "GET", "HEAD")
    compound = _jurisdiction(request.GET)
    rows = [_service_row(c) for c in _services(compound)]
    return _render(fmt, "services", "service", rows)


def _choices(enum) -> list[dict]:
    return [{"key": value, "name": str(label)} for value, label in enum.choices]


def _attributes() -> list[dict]:
    """What a POST may add as `attribute[code]`: all optional single-value lists."""

    def attribute(order: int, code: str, description: str, hint: str, enum) -> dict:
        return {
            "variable": True,
            "code": code,
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": hint,
            "order": order,
            "description": description,
            "values": _choices(enum),
        }

    return [
        attribute(
            1,
            "priority",
            _("How urgent is it?"),
            _("Normal unless someone is in danger or the damage is spreading."),
            Priority,
        ),
        attribute(
            2,
            "location_kind",
            _("Where is the problem?"),
            _(
                "A home (give its unit code as address_id), a building (its number as "
                "address_id) or a common area (described in address_string)."
            ),
            LocationKind,
        ),
        attribute(
            3,
            "channel",
            _("How did the request reach you? (staff only)"),
            _("Residents always submit as self-service; staff default to phone."),
            Channel,
        ),
    ]


@open311
def service_definition(request, fmt: str, code: str):
    _only(request, "GET", "HEAD")
    compound = _jurisdiction(request.GET)
    category = _service(compound, code)
    data = {"service_code": category.code, "attributes": _attributes()}
    return _render(fmt, "service_definition", None, data)


# --- public reads of requests -----------------------------------------------------------------


def _open311_status(status: str) -> str:
    return "closed" if status in FINISHED else "open"


# The only columns a public row reads: no unit, place, description or person is ever fetched.
_PUBLIC_FIELDS = (
    "pk",
    "status",
    "category__name",
    "category__code",
    "organisation__name",
    "created_at",
    "updated_at",
    "resolve_by",
    "building__number",
)


def _public(compound):
    return selectors.public_tickets(compound).values(*_PUBLIC_FIELDS)


def _public_rows(rows, compound: Compound) -> list[dict]:
    """Requests as the public board shows them; the address is the compound and building."""
    notes = {value: str(label) for value, label in Status.choices}
    building = _("Building %(number)s")
    return [
        {
            "service_request_id": row["pk"],
            "status": _open311_status(row["status"]),
            "status_notes": notes[row["status"]],
            "service_name": row["category__name"],
            "service_code": row["category__code"],
            "agency_responsible": row["organisation__name"] or "",
            "requested_datetime": row["created_at"],
            "updated_datetime": row["updated_at"],
            "expected_datetime": row["resolve_by"],
            "address": f"{compound.name} {building % {'number': row['building__number']}}"
            if row["building__number"]
            else compound.name,
            "zipcode": "",
        }
        for row in rows
    ]


def _filtered(compound, params):
    """The spec's filters. `service_request_id` overrides all the others."""
    rows = _public(compound)
    wanted = _listed(params.get("service_request_id", ""))
    if wanted:
        if len(wanted) > MAX_RESULTS or not all(_REQUEST_ID.match(part) for part in wanted):
            raise Open311Error(
                400,
                _about(
                    "service_request_id",
                    _("Give up to 1000 request numbers separated by commas, such as 12,15."),
                ),
            )
        return rows.filter(pk__in=[int(part) for part in wanted])

    codes = _listed(params.get("service_code", ""))
    if codes:
        known = set(
            Category.objects.filter(compound=compound, code__in=codes).values_list(
                "code", flat=True
            )
        )
        unknown = [code for code in codes if code not in known]
        if unknown:
            raise Open311Error(400, *[_about("service_code", _no_service(c)) for c in unknown])
        rows = rows.filter(category__code__in=codes)

    statuses = {part.lower() for part in _listed(params.get("status", ""))}
    if statuses - {"open", "closed"}:
        raise Open311Error(400, _about("status", _("Choose open or closed.")))
    if statuses == {"open"}:
        rows = rows.filter(status__in=OPEN)
    elif statuses == {"closed"}:
        rows = rows.filter(status__in=FINISHED)

    start = end = None
    if params.get("start_date", "").strip():
        start = _parse_w3c(params["start_date"], "start_date")
    if params.get("end_date", "").strip():
        end = _parse_w3c(params["end_date"], "end_date")
    if start is None and end is None:
        end = timezone.now()
    if start is None:
        start = end - WINDOW
    if end is None:
        end = start + WINDOW
    if end < start:
        raise Open311Error(400, _about("end_date", _("The end date must be after the start date.")))
    if end - start > WINDOW:
        raise Open311Error(400, _about("end_date", _("The dates may not span more than 90 days.")))
    return rows.filter(created_at__gte=start, created_at__lte=end)


def _request_list(request, fmt: str):
    compound = _jurisdiction(request.GET)
    rows = _public_rows(_filtered(compound, request.GET)[:MAX_RESULTS], compound)
    return _render(fmt, "service_requests", "request", rows)


@open311
def request_detail(request, fmt: str, id: str):
    _only(request, "GET", "HEAD")
    compound = _jurisdiction(request.GET)
    # Hidden, merged, another compound's or missing: all answer the same 404.
    rows = (
        _public_rows(_public(compound).filter(pk=int(id)), compound)
        if _REQUEST_ID.match(id)
        else []
    )
    if not rows:
        raise Open311Error(
            404,
            _about("service_request_id", _("There is no request %(id)s here.") % {"id": id[:20]}),
        )
    return _render(fmt, "service_requests", "request", rows)


# --- submitting a request ---------------------------------------------------------------------


def _token_user(request, params):
    raw = (params.get("api_key") or "").strip()
    user = BearerToken().authenticate(request, raw) if raw else None
    if user is None:
        raise Open311Error(403, _about("api_key", _("The api_key is missing or not valid.")))
    return user


def _may_submit(user, compound) -> bool:
    """Staff who handle requests here, or a resident living here — checked before looking at
    addresses, so that a token from elsewhere learns nothing about this compound's homes."""
    if access.can_in_compound(user, access.TICKETS_HANDLE, compound):
        return True
    own = access.own_unit_ids(user)
    return bool(own) and compound.units.filter(id__in=own).exists()


def _attribute(params, code: str, enum, default: str) -> str:
    value = (params.get(f"attribute[{code}]") or "").strip()
    if not value:
        return default
    if value not in enum.values:
        raise Open311Error(
            400,
            _about(
                f"attribute[{code}]",
                _("Choose one of: %(choices)s.") % {"choices": ", ".join(enum.values)},
            ),
        )
    return value


def _building(compound, text: str):
    match = _BUILDING_NUMBER.match(text.replace(" ", ""))
    building = (
        compound.buildings.filter(number__iexact=match.group("number")).first() if match else None
    )
    if building is None:
        raise Open311Error(
            400,
            _about(
                "address_id",
                _("“%(value)s” is not a building of this compound.") % {"value": text[:60]},
            ),
        )
    return building


def _unit(compound, text: str):
    try:
        code = parse_unit_code(text)
    except UnitCodeError as exc:
        raise Open311Error(400, _about("address_id", str(exc))) from exc
    unit = unit_by_code(compound, code)
    if unit is None:
        raise Open311Error(
            400,
            _about(
                "address_id",
                _("There is no home %(code)s in this compound.") % {"code": code.short},
            ),
        )
    return unit


def _location(compound, params) -> dict:
    """Where the problem is. `address_id` names a home (`63-2-301`, `63幢2单元301`) or, with
    `attribute[location_kind]=building` or `common_area`, a building (`63`, `63幢`);
    `address_string` alone means a common area described in those words."""
    address_id = (params.get("address_id") or "").strip()
    address_string = (params.get("address_string") or "").strip()
    default = LocationKind.UNIT if address_id else LocationKind.COMMON_AREA
    kind = _attribute(params, "location_kind", LocationKind, default)
    if not address_id and not address_string:
        raise Open311Error(
            400,
            _about(
                "address_id",
                _(
                    "Say where: give address_id (a home such as 63-2-301, or a building such "
                    "as 63) or address_string (a place in the compound)."
                ),
            ),
        )
    where = {"location_kind": kind, "unit": None, "building": None, "place": address_string}
    if kind == LocationKind.UNIT:
        if not address_id:
            raise Open311Error(
                400, _about("address_id", _("Give the home's unit code, such as 63-2-301."))
            )
        where["unit"] = _unit(compound, address_id)
    elif kind == LocationKind.BUILDING:
        if not address_id:
            raise Open311Error(
                400, _about("address_id", _("Give the building's number, such as 63."))
            )
        where["building"] = _building(compound, address_id)
    elif address_id:
        where["building"] = _building(compound, address_id)
    return where


def _requester(user, compound, params):
    """Staff may name the resident by `phone`: a registry record of this compound they may see
    with exactly that number. Otherwise the request is anonymous (names sent as first_name or
    last_name are not kept: the registry holds people)."""
    phone = re.sub(r"\D", "", params.get("phone") or "")
    if not phone:
        return None
    people = list(
        access.visible(
            user, access.REGISTRY_VIEW, Person.objects.filter(compound=compound, phone=phone)
        )[:2]
    )
    return people[0] if len(people) == 1 else None


def _idempotency_keys(request, compound, params) -> list[str]:
    """The submission keys to try, newest first. An `Idempotency-Key` header is used as it is;
    without one the key is derived from what was sent, in 10-minute windows (this one and the
    one before), so that a retried identical POST answers the first request."""
    sent = (request.headers.get("Idempotency-Key") or "").strip()
    if sent:
        if len(sent) > MAX_CLIENT_KEY:
            raise Open311Error(
                400,
                _about(
                    "Idempotency-Key",
                    _("Keep the Idempotency-Key to at most %(n)s characters.")
                    % {"n": MAX_CLIENT_KEY},
                ),
            )
        return [KEY_PREFIX + sent]
    fields = ["service_code", "description", "address_id", "address_string", "phone"]
    fields += sorted(k for k in params if k.startswith("attribute["))
    content = "\x1f".join([str(compound.pk), *(f"{k}={params.get(k, '')}" for k in fields)])
    digest = hashlib.sha256(content.encode("utf-8")).hexdigest()[:32]
    window = int(timezone.now().timestamp() // RETRY_WINDOW.total_seconds())
    return [f"{KEY_PREFIX}auto:{digest}:{w}" for w in (window, window - 1)]


def _submission_errors(exc: ValidationError) -> list[str]:
    return [
        _about(_PARAMETER_OF.get(field, field), message)
        for field, messages in exc.message_dict.items()
        for message in messages
    ]


def _notice(ticket: Ticket) -> str:
    names = {"time": timezone.localtime(ticket.respond_by).strftime("%Y-%m-%d %H:%M")}
    if ticket.organisation_id:
        names["organisation"] = ticket.organisation.name
        return _("Received. %(organisation)s will respond by %(time)s.") % names
    return _("Received. Someone will respond by %(time)s.") % names


def _create_request(request, fmt: str):
    params = request.POST
    compound = _jurisdiction(params)
    user = _token_user(request, params)
    if not _may_submit(user, compound):
        raise Open311Error(
            403, _about("api_key", _("This api_key may not submit requests in this compound."))
        )
    code = (params.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, _about("service_code", _("This field is required.")))
    category = _service(compound, code)
    priority = _attribute(params, "priority", Priority, Priority.NORMAL)
    where = _location(compound, params)

    staff = access.can_in_compound(user, access.TICKETS_HANDLE, compound)
    if staff:
        # A partner organisation's contact brings requests from the partner; other staff
        # typing in a call most often took it by phone.
        usual = Channel.PARTNER if Role.PARTNER_CONTACT in access.roles(user) else Channel.PHONE
    else:
        usual = Channel.SELF_SERVICE
    channel = _attribute(params, "channel", Channel, usual)
    on_behalf_of = _requester(user, compound, params) if staff else None

    keys = _idempotency_keys(request, compound, params)
    earlier = (
        Ticket.objects.filter(submitted_by=user, idempotency_key__in=keys)
        .select_related("organisation")
        .order_by("id")
        .first()
    )
    if earlier is not None:
        response = _render(fmt, "service_requests", "request", [_receipt(earlier, user)])
        response["Idempotent-Replayed"] = "true"
        return response
    try:
        ticket = services.ticket_submit(
            actor=user,
            compound=compound,
            category=category,
            description=params.get("description", ""),
            idempotency_key=keys[0],
            priority=priority,
            channel=channel,
            on_behalf_of=on_behalf_of,
            **where,
        )
    except ValidationError as exc:
        raise Open311Error(400, *_submission_errors(exc)) from exc
    except Http404 as exc:
        raise Open311Error(
            403, _about("api_key", _("This api_key may not submit requests in this compound."))
        ) from exc
    return _render(fmt, "service_requests", "request", [_receipt(ticket, user)], status=201)


def _receipt(ticket: Ticket, user) -> dict:
    return {
        "service_request_id": ticket.pk,
        "service_notice": _notice(ticket),
        "account_id": str(user.pk),
    }


@csrf_exempt  # an API authenticated by its api_key, never by a browser session
@open311
def requests_endpoint(request, fmt: str):
    """GET: the public list with the spec's filters. POST: submit a request."""
    _only(request, "GET", "HEAD", "POST")
    if request.method == "POST":
        return _create_request(request, fmt)
    return _request_list(request, fmt)


def root(request):
    """`/open311/v2/` itself leads to the discovery document."""
    return HttpResponseRedirect(reverse("open311:discovery", kwargs={"fmt": "xml"}))
