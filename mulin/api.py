"""The REST API at /api/v1/ (django-ninja); each app contributes a router.

Errors have one shape: 401 and 404 answer `{"detail": "…"}`; bad input answers 422 with
`{"detail": [{"field": …, "message": …}]}`, the messages in the request's language
(Accept-Language; Simplified Chinese by default).
"""

from django import forms
from django.core import validators
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import ValidationError as NinjaValidationError

from mulin.core.api_auth import BearerToken, SessionAuth

api = NinjaAPI(
    title="Mulin API",
    version="1",
    description=(
        "Registry and organisations of residential compounds; residents' requests (诉求·工单): "
        "report, route, handle, rate and follow up; and owners' votes (业主大会表决·业委会选举·"
        "征求意见): the votes and their motions, an owner's online ballot, turnout, the frozen "
        "tally with its SHA-256 and the ballot file anyone can recount. Authenticate with "
        "`Authorization: Bearer <token>` (`mulin token create USERNAME`) or a signed-in browser "
        "session (writes then need the CSRF token). Lists take `limit` and `offset` and answer "
        "`count`. Phone and ID numbers are always masked; `POST /persons/{id}/reveal` shows one "
        "in full to those allowed, and is audited."
    ),
    auth=[BearerToken(), SessionAuth()],
    urls_namespace="api",
)


def _field_errors(exc: DjangoValidationError) -> list[dict]:
    if hasattr(exc, "error_dict"):
        return [
            {"field": None if field == "__all__" else field, "message": message}
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    return [{"field": None, "message": message} for message in exc.messages]


def _schema_message(error: dict) -> str:
    """Pydantic's English message for bad input, replaced by Django's translated one."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return str(forms.Field.default_error_messages["required"])
    if kind.startswith("int_"):
        return str(forms.IntegerField.default_error_messages["invalid"])
    if kind.startswith(("decimal_", "float_")) and kind not in {
        "decimal_max_digits",
        "decimal_max_places",
        "decimal_whole_digits",
    }:
        return str(forms.DecimalField.default_error_messages["invalid"])
    if kind == "decimal_max_places":
        return validators.DecimalValidator.messages["max_decimal_places"] % {
            "max": ctx.get("decimal_places", 0)
        }
    if kind in {"decimal_max_digits", "decimal_whole_digits"}:
        return validators.DecimalValidator.messages["max_digits"] % {
            "max": ctx.get("max_digits", ctx.get("whole_digits", 0))
        }
    if kind.startswith("datetime_"):
        return str(forms.DateTimeField.default_error_messages["invalid"])
    if kind.startswith("date_"):
        return str(forms.DateField.default_error_messages["invalid"])
    if kind in {"enum", "literal_error"}:
        if error.get("input") in (None, ""):  # the value is not always reported back
            return str(forms.ModelChoiceField.default_error_messages["invalid_choice"])
        return forms.ChoiceField.default_error_messages["invalid_choice"] % {
            "value": error.get("input")
        }
    if kind in {"greater_than_equal", "greater_than"}:
        limit = ctx.get("ge", ctx.get("gt"))
        return validators.MinValueValidator.message % {"limit_value": limit}
    if kind in {"less_than_equal", "less_than"}:
        limit = ctx.get("le", ctx.get("lt"))
        return validators.MaxValueValidator.message % {"limit_value": limit}
    if kind == "string_too_long":
        value = error.get("input") or ""
        return validators.MaxLengthValidator.message % {
            "limit_value": ctx.get("max_length", 0),
            "show_value": len(value) if isinstance(value, str) else 0,
        }
    if kind == "null_characters":
        return str(validators.ProhibitNullCharactersValidator.message)
    return str(validators.RegexValidator.message)  # "Enter a valid value."


def _schema_field(loc: list) -> str | None:
    # ("body", "payload", "name") → "name"; ("query", "limit") → "limit"; ("path", "id") → "id"
    parts = [str(p) for p in loc[1:]]
    if loc and loc[0] == "body" and len(parts) > 1:
        parts = parts[1:]
    return ".".join(parts) or None


@api.exception_handler(DjangoValidationError)
def validation_error(request, exc: DjangoValidationError):
    return api.create_response(request, {"detail": _field_errors(exc)}, status=422)


@api.exception_handler(NinjaValidationError)
def schema_validation_error(request, exc: NinjaValidationError):
    detail = [
        {"field": _schema_field(list(e.get("loc", []))), "message": _schema_message(e)}
        for e in exc.errors
    ]
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(Http404)
def not_found(request, exc: Http404):
    # The same answer for "missing" and "not yours" (DESIGN.md §6: deny like a missing object).
    return api.create_response(request, {"detail": "Not found"}, status=404)


from mulin.core.api import router as core_router  # noqa: E402
from mulin.decisions.api import router as decisions_router  # noqa: E402
from mulin.deliberation.api import router as deliberation_router  # noqa: E402
from mulin.orgs.api import router as orgs_router  # noqa: E402
from mulin.people.api import router as people_router  # noqa: E402
from mulin.places.api import router as places_router  # noqa: E402
from mulin.tickets.api import router as tickets_router  # noqa: E402

api.add_router("/", core_router)
api.add_router("/", places_router)
api.add_router("/", people_router)
api.add_router("/", orgs_router)
api.add_router("/", tickets_router)
api.add_router("/", decisions_router)
api.add_router("/", deliberation_router)
