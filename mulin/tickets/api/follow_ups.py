"""API: follow-up calls (回访) — the queue and recording a call."""

from ninja import Query
from ninja.responses import Status

from mulin.core import access
from mulin.core.api import idempotent
from mulin.core.schemas import Id, PageParams, paginate, responses

from .. import followups
from ..models import (
    FollowUp,
    Rating,
)
from ..schemas import (
    FollowUpFilters,
    FollowUpIn,
    FollowUpOut,
    FollowUpPage,
)
from . import router


def _follow_ups():
    return FollowUp.objects.select_related(
        "ticket__compound", "ticket__category", "ticket__requester", "done_by"
    )


def _attach_overall(rows: list[FollowUp]) -> None:
    overall = dict(
        Rating.objects.filter(ticket_id__in=[r.ticket_id for r in rows]).values_list(
            "ticket_id", "overall"
        )
    )
    for row in rows:
        row.api_overall = overall.get(row.ticket_id)


@router.get("/follow-ups", response=responses(200, FollowUpPage), summary="List follow-up calls")
def follow_up_list(request, filters: Query[FollowUpFilters], page: Query[PageParams]):
    """Follow-up calls (回访) for team leaders and community staff to make: low ratings and a
    sample of the rest. Newest first; `status=pending` for the calls still to make."""
    rows = access.visible(request.auth, access.TICKETS_MANAGE, _follow_ups())
    if filters.compound:
        rows = rows.filter(ticket__compound__code=filters.compound)
    if filters.status:
        rows = rows.filter(status=filters.status.value)
    return paginate(rows.order_by("-created_at", "-id"), page, attach=_attach_overall)


@router.post(
    "/follow-ups/{id}",
    response=responses(200, FollowUpOut, write=True),
    summary="Record a follow-up call",
)
@idempotent
def follow_up_record(request, id: Id, payload: FollowUpIn):
    """Reached (`done`, with whether they were contacted in time, whether it is solved and how
    satisfied they are) or `unreachable`. The handler who did the work does not grade it."""
    user = request.auth
    follow_up = access.get_or_404(user, access.TICKETS_VIEW, _follow_ups(), pk=id)
    followups.followup_record(
        actor=user,
        follow_up=follow_up,
        status=payload.status,
        contacted_in_time=payload.contacted_in_time,
        solved=payload.solved,
        satisfaction=payload.satisfaction.value if payload.satisfaction else "",
        note=payload.note,
    )
    row = _follow_ups().get(pk=follow_up.pk)
    _attach_overall([row])
    return Status(200, FollowUpOut.from_orm(row))
