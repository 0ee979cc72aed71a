"""`/me`, and what every router shares: idempotent writes and looking up objects a body names."""

import functools
import json
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router
from ninja.responses import NinjaJSONEncoder, Status
from ninja.utils import contribute_operation_callback
from pydantic import BaseModel

from . import access
from .models import IdempotencyKey, Role, RoleGrant, ScopeKind
from .privacy import mask_phone
from .schemas import MeOut, responses

router = Router(tags=["me"])

IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_MAX = 100
IDEMPOTENCY_TTL = timedelta(hours=24)

_IDEMPOTENCY_PARAMETER = {
    "in": "header",
    "name": IDEMPOTENCY_HEADER,
    "required": False,
    "schema": {"type": "string", "maxLength": IDEMPOTENCY_KEY_MAX},
    "description": (
        "Any unique string (e.g. a UUID). A retry with the same key by the same user within "
        "24 hours returns the first answer and writes nothing."
    ),
}


def _document_idempotency(operation) -> None:
    extra = dict(operation.openapi_extra or {})
    extra["parameters"] = [*extra.get("parameters", []), _IDEMPOTENCY_PARAMETER]
    operation.openapi_extra = extra


def _stored_answer(result) -> tuple[int, object]:
    status, value = (
        (result.status_code, result.value) if isinstance(result, Status) else (200, result)
    )
    if not isinstance(value, BaseModel):
        raise TypeError("an idempotent view returns Status(code, <schema instance>)")
    # Through the API's own encoder, so that a replay is byte-for-byte the first answer.
    return status, json.loads(json.dumps(value.model_dump(), cls=NinjaJSONEncoder))


def _replay(request: HttpRequest, earlier: IdempotencyKey) -> HttpResponse:
    if earlier.method != request.method or earlier.path != request.path:
        raise ValidationError(
            {
                IDEMPOTENCY_HEADER: _(
                    "This Idempotency-Key was already used for a different request."
                )
            }
        )
    response = HttpResponse(
        json.dumps(earlier.body, cls=NinjaJSONEncoder),
        status=earlier.status,
        content_type="application/json; charset=utf-8",
    )
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(view):
    """Honour an `Idempotency-Key` header on a write: the first answer is stored with the write
    in one transaction, and a retry with the same key gets that answer back without writing.

    The view must return `Status(code, <schema instance>)`. Errors are not stored: a refused
    request wrote nothing, so trying it again is safe.
    """

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
        if not key:
            return view(request, *args, **kwargs)
        if len(key) > IDEMPOTENCY_KEY_MAX:
            raise ValidationError(
                {IDEMPOTENCY_HEADER: _("An Idempotency-Key has at most 100 characters.")}
            )
        user = request.auth
        now = timezone.now()
        IdempotencyKey.objects.filter(user=user, created_at__lt=now - IDEMPOTENCY_TTL).delete()
        earlier = IdempotencyKey.objects.filter(user=user, key=key).first()
        if earlier is not None:
            return _replay(request, earlier)
        try:
            with transaction.atomic():
                result = view(request, *args, **kwargs)
                status, body = _stored_answer(result)
                IdempotencyKey.objects.create(
                    user=user,
                    key=key,
                    method=request.method,
                    path=request.path[:300],
                    status=status,
                    body=body,
                    created_at=now,
                )
        except IntegrityError:
            # The same key twice at once: the other request stored its answer first, and this
            # one's write was rolled back with the failed insert.
            earlier = IdempotencyKey.objects.filter(user=user, key=key).first()
            if earlier is None:
                raise
            return _replay(request, earlier)
        return result

    contribute_operation_callback(wrapper, _document_idempotency)
    return wrapper


def reference(user, perm: str, queryset: QuerySet, pk: int | None, *, field: str, message: str):
    """An object a request body names by id, which the user may use; otherwise a 422 on `field`
    (missing and forbidden read the same)."""
    if pk is None:
        return None
    try:
        return access.visible(user, perm, queryset).get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError) as exc:
        raise ValidationError({field: message}) from exc


def label(obj: Model | None) -> str:
    return str(obj) if obj is not None else ""


# ---------------------------------------------------------------- /me


def _role_rows(user) -> list[dict]:
    grants = (
        RoleGrant.objects.current()
        .filter(user=user)
        .select_related("subdistrict", "community", "compound", "building", "organisation")
        .order_by("id")
    )
    rows = []
    for grant in grants:
        scope_obj = None if grant.scope == ScopeKind.PLATFORM else getattr(grant, grant.scope)
        rows.append(
            {
                "role": grant.role,
                "label": str(grant.get_role_display()),
                "scope": grant.scope,
                "scope_id": scope_obj.pk if scope_obj is not None else None,
                "scope_name": str(grant.scope_object),
            }
        )
    if user.is_superuser and not any(r["scope"] == ScopeKind.PLATFORM for r in rows):
        rows.append(
            {
                "role": Role.PLATFORM_ADMIN,
                "label": str(Role.PLATFORM_ADMIN.label),
                "scope": ScopeKind.PLATFORM,
                "scope_id": None,
                "scope_name": str(ScopeKind.PLATFORM.label),
            }
        )
    return rows


def _my_units(user) -> list[dict]:
    from mulin.people.models import Ownership, Residency
    from mulin.places.models import Unit

    if not user.person_id:
        return []
    lives = set(
        Residency.objects.current()
        .filter(person_id=user.person_id)
        .values_list("unit_id", flat=True)
    )
    owns = set(
        Ownership.objects.current()
        .filter(person_id=user.person_id)
        .values_list("unit_id", flat=True)
    )
    units = Unit.objects.filter(id__in=lives | owns).select_related("compound").order_by("code")
    return [
        {
            "id": unit.id,
            "code": unit.code,
            "compound": unit.compound,
            "relations": [
                name for name, ids in (("owner", owns), ("resident", lives)) if unit.id in ids
            ],
        }
        for unit in units
    ]


@router.get("/me", response=responses(200, MeOut), summary="The current user")
def me(request):
    """Who is calling: their roles and where they hold them, the compounds they may see and the
    homes they live in or own."""
    user = request.auth
    compounds = access.compounds(user, access.REGISTRY_VIEW).order_by("code")
    return {
        "id": user.id,
        "username": user.username,
        "name": user.display_name,
        "phone": mask_phone(user.phone or ""),
        "language": user.language,
        "elder_mode": user.elder_mode,
        "is_staff": access.is_staff_user(user),
        "person": {"id": user.person_id, "name": user.person.name} if user.person_id else None,
        "roles": _role_rows(user),
        "compounds": list(compounds.only("id", "code", "name")),
        "units": _my_units(user),
    }
