"""Shapes shared by every API router: pages, errors, text fields, the current user."""

from datetime import UTC, datetime
from typing import Annotated, Any

from django.core.validators import ProhibitNullCharactersValidator
from django.utils import timezone
from ninja import Field, Schema
from pydantic import AfterValidator, StringConstraints, create_model
from pydantic_core import PydanticCustomError

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
# Far beyond any registry, and small enough for every database's OFFSET.
MAX_OFFSET = 10_000_000


def _no_nul(value: str) -> str:
    # PostgreSQL cannot store or compare NUL; refuse it as bad input rather than fail later.
    if "\x00" in value:
        raise PydanticCustomError("null_characters", str(ProhibitNullCharactersValidator.message))
    return value


def text(max_length: int | None = None) -> Any:
    """A string field: stripped, at most `max_length` characters, no NUL characters."""
    return Annotated[
        str,
        StringConstraints(strip_whitespace=True, max_length=max_length),
        AfterValidator(_no_nul),
    ]


Code = text(60)  # a compound, community or unit code in a filter or a body
# A row's id in a filter or a body: within a 64-bit integer, which SQLite cannot exceed.
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


def _to_utc(moment: datetime) -> datetime:
    # Without an offset a time is local (Asia/Shanghai); stored and compared in UTC, which also
    # keeps offsets the database cannot take (pydantic allows ±24 h) out of the SQL.
    try:
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment.astimezone(UTC)
    except (OverflowError, ValueError) as exc:
        raise PydanticCustomError("datetime_range", "datetime out of range") from exc


Moment = Annotated[datetime, AfterValidator(_to_utc)]


class PageParams(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Rows per page.")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Rows to skip.")


def page_of(item: type[Schema], name: str) -> type[Schema]:
    """`{"count", "limit", "offset", "items"}` for a list of `item`."""
    return create_model(
        name,
        __base__=Schema,
        count=(int, Field(..., description="Rows matching the filters, on every page.")),
        limit=(int, ...),
        offset=(int, ...),
        items=(list[item], ...),
    )


def paginate(queryset, page: PageParams, attach=None) -> dict:
    """One page of `queryset` and the total count: two queries, plus whatever `attach` adds
    to the page's rows (a fixed number of grouped queries, never one per row)."""
    count = queryset.count()
    items = list(queryset[page.offset : page.offset + page.limit]) if count > page.offset else []
    if attach is not None and items:
        attach(items)
    return {"count": count, "limit": page.limit, "offset": page.offset, "items": items}


class FieldError(Schema):
    field: str | None = Field(..., description="The field at fault; null for the whole request.")
    message: str = Field(..., description="What is wrong, in the request's language.")


class ValidationErrorOut(Schema):
    detail: list[FieldError]


class MessageOut(Schema):
    detail: str


def responses(ok_status: int, schema: Any, *, write: bool = False) -> dict:
    """The documented answers of an operation: its success, and the errors it can give."""
    out: dict[int, Any] = {ok_status: schema, 401: MessageOut, 404: MessageOut}
    out[422] = ValidationErrorOut
    if write:
        out[400] = MessageOut  # a body that is not JSON
        out[403] = MessageOut  # a session write without a valid CSRF token
    return out


class Ref(Schema):
    """A related object, by id and a human label."""

    id: int
    label: str


class PersonRef(Schema):
    id: int
    name: str


class CommunityRef(Schema):
    id: int
    code: str
    name: str


class CompoundRef(Schema):
    id: int
    code: str
    name: str


# ---------------------------------------------------------------- the current user


class RoleOut(Schema):
    role: str
    label: str
    scope: str
    scope_id: int | None
    scope_name: str


class MyUnitOut(Schema):
    id: int
    code: str
    compound: CompoundRef
    relations: list[str] = Field(..., description="`owner` and/or `resident`.")


class MeOut(Schema):
    id: int
    username: str
    name: str
    phone: str = Field(..., description="Masked.")
    language: str
    elder_mode: bool
    is_staff: bool = Field(..., description="Holds a staff role somewhere.")
    person: PersonRef | None
    roles: list[RoleOut]
    compounds: list[CompoundRef] = Field(
        ..., description="Compounds whose registry the user may see, in whole or in part."
    )
    units: list[MyUnitOut] = Field(..., description="The homes the user lives in or owns.")
