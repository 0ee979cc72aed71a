"""Open311: `POST requests` — a request filed with an `api_key`."""

from __future__ import annotations

import hashlib
import re

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from mulin.core import access
from mulin.core.api_auth import BearerToken
from mulin.core.models import Role
from mulin.core.selectors import unit_by_code
from mulin.people.models import Person
from mulin.places.codes import UnitCodeError, parse_unit_code

from .. import services
from ..models import Channel, LocationKind, Priority, Ticket
from .common import (
    _BUILDING_NUMBER,
    _PARAMETER_OF,
    KEY_PREFIX,
    MAX_CLIENT_KEY,
    RETRY_WINDOW,
    Open311Error,
    _about,
    _jurisdiction,
    _render,
    _service,
)

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
