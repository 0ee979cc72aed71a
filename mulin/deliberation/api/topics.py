"""API of deliberation: topics (议题清单).

Callers are residents of the compound (a current home there) or its staff with
`deliberation.view`; anyone else gets 404, as for a missing compound or topic. Lists and pages
carry the public fields only (never a name, phone or unit: buildings only); hidden topics and
comments are left out for residents and marked for staff. Writes go through `services_topics`.
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from mulin.core import access
from mulin.core.api import idempotent
from mulin.core.schemas import Id, PageParams, page_of, paginate, responses, text
from mulin.places.models import Building, Compound, Unit

from .. import selectors_topics as selectors
from .. import services_topics as services
from ..models import Topic, TopicCategory, TopicComment, TopicSource, TopicStatus

router = Router(tags=["deliberation"])


# ------------------------------------------------------------------------------------ schemas


class TopicOut(Schema):
    id: int
    title: str
    category: str
    category_label: str
    status: str
    status_label: str
    status_reason: str = Field(..., description="Published with a declined topic.")
    source: str
    buildings: list[str] = Field(..., description="Building numbers affected.")
    support_count: int = Field(..., description="Households supporting (one per home).")
    comment_count: int
    difficulty: int | None = Field(None, description="1 low, 2 medium, 3 high; null: not marked.")
    urgency: int | None = None
    supported: bool = Field(..., description="Whether the caller's household supports it.")
    hidden: bool = Field(False, description="Staff only see hidden topics (marked here).")
    created_at: datetime


class CommentOut(Schema):
    id: int
    body: str
    created_at: datetime
    hidden: bool = False
    hidden_reason: str = ""


class ChangeOut(Schema):
    from_status: str
    to_status: str
    reason: str
    at: datetime


class TopicDetailOut(TopicOut):
    description: str
    photos: list[str] = Field(..., description="URLs of the photos (access-checked).")
    comments: list[CommentOut]
    timeline: list[ChangeOut]
    moves: list[str] = Field(..., description="Statuses the caller may move it to.")


TopicPage = page_of(TopicOut, "TopicPage")


class TopicFilters(Schema):
    status: TopicStatus | None = None
    sort: str = Field("support", pattern="^(support|hardest|newest)$")


class TopicIn(Schema):
    title: text(120)
    description: text(4000)
    category: TopicCategory
    buildings: list[text(20)] = Field([], description="Building numbers.")
    source: TopicSource = Field(
        TopicSource.ONLINE, description="Staff: meeting, suggestion_box, wechat, visit, …"
    )
    raised_by_id: Id | None = Field(None, description="Staff: the resident it is raised for.")
    organisation_id: Id | None = Field(None, description="Staff: the organisation raising it.")


class SupportIn(Schema):
    unit_id: Id | None = Field(None, description="Staff recording a home's support offline.")


class SupportOut(Schema):
    created: bool = Field(..., description="False: the household already supported it.")
    support_count: int


class TopicCommentIn(Schema):
    body: text(2000)


class MoveIn(Schema):
    to: TopicStatus
    reason: text(4000) = ""


class ReasonIn(Schema):
    reason: text(200) = ""


class AssessIn(Schema):
    difficulty: int | None = Field(None, ge=1, le=3)
    urgency: int | None = Field(None, ge=1, le=3)


# ------------------------------------------------------------------------------------ helpers


def _compound(user, code: str) -> tuple[Compound, bool]:
    """The compound if the caller lives there or is its staff (and whether staff), else 404."""
    compound = Compound.objects.filter(code=code).first()
    if compound is None:
        raise Http404
    staff = access.can_in_compound(user, access.DELIBERATION_VIEW, compound)
    if not staff and not services.homes_in(user, compound):
        raise Http404
    return compound, staff


def _topic(user, id: int) -> tuple[Topic, bool]:
    topic = Topic.objects.select_related("compound").filter(pk=id).first()
    if topic is None:
        raise Http404
    _compound_obj, staff = _compound(user, topic.compound.code)
    if topic.hidden and not staff:
        raise Http404
    return topic, staff


def _out(topic: Topic, supported: set[int]) -> Topic:
    topic.category_label = topic.get_category_display()
    topic.status_label = topic.get_status_display()
    topic.buildings_out = [b.number for b in topic.buildings.all()]
    topic.supported = topic.pk in supported
    return topic


def _row(topic: Topic) -> dict:
    return {
        "id": topic.pk,
        "title": topic.title,
        "category": topic.category,
        "category_label": topic.category_label,
        "status": topic.status,
        "status_label": topic.status_label,
        "status_reason": topic.status_reason,
        "source": topic.source,
        "buildings": topic.buildings_out,
        "support_count": topic.support_count,
        "comment_count": topic.comment_count,
        "difficulty": topic.difficulty,
        "urgency": topic.urgency,
        "supported": topic.supported,
        "hidden": topic.hidden,
        "created_at": topic.created_at,
    }


def _detail(user, topic_id: int) -> dict:
    topic, staff = _topic(user, topic_id)
    page = selectors.topic_page(topic.compound, topic.pk, staff=staff)
    homes = services.homes_in(user, topic.compound)
    _out(page, selectors.supported_topic_ids(homes, [page.pk]))
    code = topic.compound.code
    manage = access.can_in_compound(user, access.DELIBERATION_MANAGE, topic.compound)
    return {
        **_row(page),
        "description": page.description,
        "photos": [f"/c/{code}/topics/{page.pk}/photos/{p.pk}/" for p in page.photos.all()],
        "comments": [
            {
                "id": c.pk,
                "body": c.body,
                "created_at": c.created_at,
                "hidden": c.hidden,
                "hidden_reason": c.hidden_reason if staff else "",
            }
            for c in page.comments.all()
        ],
        "timeline": [
            {"from_status": c.from_status, "to_status": c.to_status, "reason": c.reason, "at": c.at}
            for c in page.changes.all()
        ],
        "moves": list(services.allowed_moves(page)) if manage else [],
    }


# ------------------------------------------------------------------------------------- routes


@router.get(
    "/compounds/{code}/topics", response=responses(200, TopicPage), summary="A compound's topics"
)
def topic_list(request, code: str, filters: Query[TopicFilters], page: Query[PageParams]):
    """The compound's topics, sorted by support (`support`), difficulty (`hardest`) or date
    (`newest`), optionally of one `status`. Residents and staff of the compound."""
    user = request.auth
    compound, staff = _compound(user, code)
    rows = selectors.board(compound, status=filters.status or "", sort=filters.sort, staff=staff)
    homes = services.homes_in(user, compound)

    def attach(items):
        supported = selectors.supported_topic_ids(homes, [t.pk for t in items])
        for item in items:
            _out(item, supported)

    result = paginate(rows, page, attach=attach)
    result["items"] = [_row(t) for t in result["items"]]
    return result


@router.get("/topics/{id}", response=responses(200, TopicDetailOut), summary="A topic")
def topic_detail(request, id: Id):
    """A topic with its description, photo URLs, comments and status timeline."""
    return _detail(request.auth, id)


@router.post(
    "/compounds/{code}/topics",
    response=responses(201, TopicDetailOut, write=True),
    summary="Raise a topic",
)
@idempotent
def topic_create(request, code: str, payload: TopicIn):
    """A resident raises a topic online (`source` online). Staff with `deliberation.view`
    type one in from a meeting, the suggestion box, a WeChat group or a visit, for a resident
    (`raised_by_id`) or an organisation (`organisation_id`). Photos: use the web form."""
    from mulin.orgs.models import Organisation
    from mulin.people.models import Person

    user = request.auth
    compound, _staff = _compound(user, code)
    numbers = [n.upper() for n in payload.buildings]
    buildings = list(Building.objects.filter(compound=compound, number__in=numbers))
    if len(buildings) != len(set(numbers)):
        raise ValidationError({"buildings": _("Choose buildings of this compound.")})
    raised_by = organisation = None
    if payload.source != TopicSource.ONLINE:
        if payload.raised_by_id:
            raised_by = Person.objects.filter(pk=payload.raised_by_id, compound=compound).first()
            if raised_by is None:
                raise ValidationError({"raised_by_id": _("Choose a resident of this compound.")})
        if payload.organisation_id:
            organisation = Organisation.objects.filter(
                pk=payload.organisation_id, compound=compound
            ).first()
            if organisation is None:
                raise ValidationError(
                    {"organisation_id": _("Choose an organisation of this compound.")}
                )
    topic = services.topic_raise(
        actor=user,
        compound=compound,
        title=payload.title,
        description=payload.description,
        category=payload.category,
        buildings=buildings,
        source=payload.source,
        raised_by=raised_by,
        organisation=organisation,
    )
    return Status(201, TopicDetailOut(**_detail(user, topic.pk)))


@router.post(
    "/topics/{id}/support",
    response={**responses(201, SupportOut, write=True), 200: SupportOut},
    summary="Support a topic",
)
@idempotent
def topic_support(request, id: Id, payload: SupportIn | None = None):
    """The caller's household supports the topic (201); 200 with `created: false` when the
    household already did. Staff record a home's support offline with `unit_id`."""
    user = request.auth
    topic, _staff = _topic(user, id)
    unit = None
    if payload is not None and payload.unit_id:
        unit = Unit.objects.filter(pk=payload.unit_id, compound=topic.compound).first()
        if unit is None:
            raise ValidationError({"unit_id": _("Choose a home of this compound.")})
    _support, created = services.topic_support(actor=user, topic=topic, unit=unit)
    topic.refresh_from_db(fields=["support_count"])
    return Status(
        201 if created else 200, {"created": created, "support_count": topic.support_count}
    )


@router.delete(
    "/topics/{id}/support",
    response=responses(200, SupportOut, write=True),
    summary="Withdraw support",
)
def topic_unsupport(request, id: Id):
    """Withdraw the caller's household's support (`created` is false)."""
    user = request.auth
    topic, _staff = _topic(user, id)
    services.topic_unsupport(actor=user, topic=topic)
    topic.refresh_from_db(fields=["support_count"])
    return {"created": False, "support_count": topic.support_count}


@router.post(
    "/topics/{id}/comments",
    response=responses(201, CommentOut, write=True),
    summary="Comment on a topic",
)
@idempotent
def topic_comment(request, id: Id, payload: TopicCommentIn):
    user = request.auth
    topic, _staff = _topic(user, id)
    comment = services.topic_comment(actor=user, topic=topic, body=payload.body)
    return Status(201, CommentOut.from_orm(comment))


@router.post(
    "/topics/{id}/move",
    response=responses(200, TopicDetailOut, write=True),
    summary="Move a topic (staff)",
)
@idempotent
def topic_move(request, id: Id, payload: MoveIn):
    """open → selected / discussion / declined; selected → discussion / declined / open;
    discussion → resolved / declined; resolved → done. Declining needs a `reason` (published).
    `deliberation.manage`; others get 404."""
    user = request.auth
    topic, _staff = _topic(user, id)
    services.topic_move(actor=user, topic=topic, to=payload.to, reason=payload.reason)
    return Status(200, TopicDetailOut(**_detail(user, topic.pk)))


@router.post(
    "/topics/{id}/assess",
    response=responses(200, TopicDetailOut, write=True),
    summary="Mark difficulty and urgency (staff)",
)
@idempotent
def topic_assess(request, id: Id, payload: AssessIn):
    user = request.auth
    topic, _staff = _topic(user, id)
    services.topic_assess(
        actor=user, topic=topic, difficulty=payload.difficulty, urgency=payload.urgency
    )
    return Status(200, TopicDetailOut(**_detail(user, topic.pk)))


@router.post(
    "/topics/{id}/hide",
    response=responses(200, TopicDetailOut, write=True),
    summary="Hide a topic (staff)",
)
@idempotent
def topic_hide(request, id: Id, payload: ReasonIn):
    user = request.auth
    topic, _staff = _topic(user, id)
    services.topic_hide(actor=user, topic=topic, reason=payload.reason)
    return Status(200, TopicDetailOut(**_detail(user, topic.pk)))


@router.post(
    "/topics/{id}/unhide",
    response=responses(200, TopicDetailOut, write=True),
    summary="Show a hidden topic again (staff)",
)
@idempotent
def topic_unhide(request, id: Id):
    user = request.auth
    topic, _staff = _topic(user, id)
    services.topic_unhide(actor=user, topic=topic)
    return Status(200, TopicDetailOut(**_detail(user, topic.pk)))


def _comment(user, id: int) -> TopicComment:
    comment = TopicComment.objects.select_related("topic__compound").filter(pk=id).first()
    if comment is None:
        raise Http404
    _topic(user, comment.topic_id)
    return comment


@router.post(
    "/topic-comments/{id}/hide",
    response=responses(200, CommentOut, write=True),
    summary="Hide a comment (staff)",
)
@idempotent
def comment_hide(request, id: Id, payload: ReasonIn):
    comment = _comment(request.auth, id)
    hidden = services.comment_hide(actor=request.auth, comment=comment, reason=payload.reason)
    return Status(200, CommentOut.from_orm(hidden))


@router.post(
    "/topic-comments/{id}/unhide",
    response=responses(200, CommentOut, write=True),
    summary="Show a hidden comment again (staff)",
)
@idempotent
def comment_unhide(request, id: Id):
    comment = _comment(request.auth, id)
    shown = services.comment_unhide(actor=request.auth, comment=comment)
    return Status(200, CommentOut.from_orm(shown))
