"""Open311: discovery, services, public reads of requests, and the requests endpoint."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from mulin.places.models import Compound

from .. import selectors
from ..models import Category, Channel, LocationKind, Priority
from ..states import FINISHED, OPEN, Status
from .common import (
    _REQUEST_ID,
    CHANGESET,
    CONTENT_TYPES,
    MAX_RESULTS,
    SPECIFICATION,
    WINDOW,
    Open311Error,
    _about,
    _jurisdiction,
    _listed,
    _no_service,
    _only,
    _parse_w3c,
    _render,
    _service,
    _services,
    open311,
)
from .submit import _create_request

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
