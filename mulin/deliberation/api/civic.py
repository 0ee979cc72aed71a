"""API of deliberation: civic — rules and their versions (with the differences between two),
notice boards, announcements (opening one records a read receipt), the praise wall (list and
post), pioneers and evaluations (rate). Residents of the compound and its staff only: anyone
else gets 404, as if the compound did not exist.

Staff writes (adopt, amend and repeal rules, publish announcements, moderate praise, nominate
and choose pioneers, open evaluations) need `deliberation.manage` in the compound; a notice
board is saved by the organisation's members and those staff. Everyone else gets 404, like the
pages."""

from datetime import date, datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from mulin.core.api import idempotent
from mulin.core.schemas import Id, PageParams, paginate, responses, text
from mulin.orgs.models import Organisation
from mulin.places.models import Compound

from .. import diff as rule_diff
from .. import selectors_civic as sel
from .. import services_civic as services
from ..models import Announcement, Evaluation, PioneerNomination, Praise, Resolution, Rule

router = Router(tags=["deliberation"])


def _compound(user, code: str) -> Compound:
    compound = Compound.objects.select_related("community").filter(code=code).first()
    if compound is None or not sel.may_see(user, compound):
        raise Http404
    return compound


# ---------------------------------------------------------------- shapes


class VersionOut(Schema):
    number: int
    text: str
    summary: str
    adopted_on: date
    effective_on: date
    resolution_id: int | None
    motion_id: int | None
    vote_id: int | None = None
    passed: bool | None = Field(None, description="The linked motion's published result.")


class RuleOut(Schema):
    id: int
    kind: str
    title: str
    repealed_on: date | None
    current: VersionOut | None
    versions: int


class RuleDetailOut(RuleOut):
    history: list[VersionOut]


class DiffOut(Schema):
    rule_id: int
    from_version: int
    to_version: int
    added: int
    removed: int
    rows: list[dict]


class BoardOut(Schema):
    organisation_id: int
    organisation: str
    kind: str
    responsible: str = ""
    responsible_phone: str = ""
    commitments: str = ""
    results: str = ""
    area: str = ""
    featured_service: str = ""
    updated_at: datetime | None = None


class AnnouncementOut(Schema):
    id: int
    title: str
    body: str
    scope: str
    building: str | None
    publisher: str | None
    published_at: datetime | None
    expires_on: date | None
    pinned: bool
    read: bool = False


class PraiseOut(Schema):
    id: int
    to_name: str
    to_organisation_id: int | None
    body: str
    status: str
    created_at: datetime


class PraiseIn(Schema):
    to_name: text(60)
    body: text(1000)
    to_organisation_id: Id | None = None


class OrgFiguresOut(Schema):
    organisation_id: int
    organisation: str
    households: int
    average: str | None
    distribution: dict[str, int]


class EvaluationOut(Schema):
    id: int
    title: str
    opens_on: date
    closes_on: date
    open: bool
    organisations: list[OrgFiguresOut]


class EvaluationRatingIn(Schema):
    organisation_id: Id
    score: int = Field(..., ge=1, le=5)
    comment: text(200) = ""


class EvaluationRatingOut(Schema):
    evaluation_id: int
    organisation_id: int
    score: int
    comment: str


def _page(name, item):
    from mulin.core.schemas import page_of

    return page_of(item, name)


RulePage = _page("RulePage", RuleOut)
BoardPage = _page("BoardPage", BoardOut)
AnnouncementPage = _page("AnnouncementPage", AnnouncementOut)
PraisePage = _page("PraisePage", PraiseOut)
EvaluationPage = _page("EvaluationPage", EvaluationOut)


def _version(v) -> dict | None:
    if v is None:
        return None
    outcome = sel.motion_outcome(v.motion)
    return {
        "number": v.number,
        "text": v.text,
        "summary": v.summary,
        "adopted_on": v.adopted_on,
        "effective_on": v.effective_on,
        "resolution_id": v.resolution_id,
        "motion_id": v.motion_id,
        "vote_id": v.motion.vote_id if v.motion else None,
        "passed": outcome["passed"] if outcome else None,
    }


def _rule(rule) -> dict:
    return {
        "id": rule.pk,
        "kind": rule.kind,
        "title": rule.title,
        "repealed_on": rule.repealed_on,
        "current": _version(rule.current),
        "versions": rule.version_count,
    }


def _list(items: list, page: PageParams) -> dict:
    return {
        "count": len(items),
        "limit": page.limit,
        "offset": page.offset,
        "items": items[page.offset : page.offset + page.limit],
    }


def _announcement(a, read: set[int]) -> dict:
    return {
        "id": a.pk,
        "title": a.title,
        "body": a.body,
        "scope": "building" if a.building_id else "compound" if a.compound_id else "community",
        "building": a.building.number if a.building_id else None,
        "publisher": a.publisher.name if a.publisher_id else None,
        "published_at": a.published_at,
        "expires_on": a.expires_on,
        "pinned": a.pinned,
        "read": a.pk in read,
    }


def _visible_announcements(user, compound):
    if sel.is_staff_viewer(user, compound):
        return sel.announcements_staff(compound).filter(published_at__isnull=False)
    return sel.announcements_for_homes(sel.home_units(user, compound))


# ---------------------------------------------------------------- rules


@router.get(
    "/compounds/{code}/rules", response=responses(200, RulePage), summary="Rules of a compound"
)
def rule_list(request, code: str, page: Query[PageParams]):
    """Rules in force (not repealed), each with the version in force today."""
    compound = _compound(request.auth, code)
    return _list([_rule(r) for r in sel.rules_of(compound)], page)


def _rule_of(user, pk: int):
    rule = get_object_or_404(Rule.objects.select_related("compound"), pk=pk)
    if not sel.may_see(user, rule.compound):
        raise Http404
    detail = sel.rule_detail(rule.compound, pk)
    return detail


@router.get("/rules/{id}", response=responses(200, RuleDetailOut), summary="One rule")
def rule_detail(request, id: Id):
    """A rule with the version in force and every version (oldest first)."""
    rule = _rule_of(request.auth, id)
    rule.version_count = len(rule.all_versions)
    return _rule(rule) | {"history": [_version(v) for v in rule.all_versions]}


@router.get("/rules/{id}/diff", response=responses(200, DiffOut), summary="Compare two versions")
def rule_version_diff(
    request, id: Id, from_version: int = Query(..., alias="from"), to: int = Query(...)
):
    """Line by line, and character by character within a changed line: each row has `kind`
    (same, added, removed, changed) and the old and new line as segments (`op`: same, added,
    removed)."""
    rule = _rule_of(request.auth, id)
    numbers = {v.number: v for v in rule.all_versions}
    if from_version not in numbers or to not in numbers:
        raise Http404
    comparison = rule_diff.compare(numbers[from_version].text, numbers[to].text)
    return {"rule_id": rule.pk, "from_version": from_version, "to_version": to} | rule_diff.as_json(
        comparison
    )


# ---------------------------------------------------------------- boards


@router.get("/compounds/{code}/boards", response=responses(200, BoardPage), summary="Notice boards")
def board_list(request, code: str, page: Query[PageParams]):
    """Every active organisation of the compound with its notice board (empty when not filled)."""
    compound = _compound(request.auth, code)
    items = []
    for org in sel.boards_of(compound):
        board = getattr(org, "board", None)
        row = {"organisation_id": org.pk, "organisation": org.name, "kind": org.kind}
        if board is not None:
            row |= {f: getattr(board, f) for f in services.BOARD_FIELDS}
            row["updated_at"] = board.updated_at
        items.append(row)
    return _list(items, page)


# ---------------------------------------------------------------- announcements


@router.get(
    "/compounds/{code}/announcements",
    response=responses(200, AnnouncementPage),
    summary="Announcements",
)
def announcement_list(request, code: str, page: Query[PageParams]):
    """Residents: the notices that reach their homes (community, compound, their building).
    Staff: every notice of the compound and its community."""
    user = request.auth
    compound = _compound(user, code)
    rows = _visible_announcements(user, compound)
    result = paginate(rows, page)
    read = sel.read_ids(user, result["items"])
    result["items"] = [_announcement(a, read) for a in result["items"]]
    return result


@router.get(
    "/announcements/{id}", response=responses(200, AnnouncementOut), summary="One announcement"
)
def announcement_detail(request, id: Id):
    """Opening a notice that reaches the caller's home records their read receipt (once)."""
    user = request.auth
    announcement = get_object_or_404(
        Announcement.objects.select_related("compound", "building", "publisher"), pk=id
    )
    candidates = (
        [announcement.compound]
        if announcement.compound_id
        else Compound.objects.filter(community_id=announcement.community_id).order_by("id")
    )
    found = None
    for compound in candidates:
        if sel.may_see(user, compound):
            found = _visible_announcements(user, compound).filter(pk=id).first()
            if found is not None:
                break
    if found is None:
        raise Http404
    if sel.announcement_reaches(found, user):
        services.announcement_read(user=user, announcement=found)
    return _announcement(found, sel.read_ids(user, [found]))


# ---------------------------------------------------------------- praise


@router.get("/compounds/{code}/praise", response=responses(200, PraisePage), summary="Praise wall")
def praise_list(request, code: str, page: Query[PageParams]):
    """The thank-yous on the wall; staff who moderate also see pending and hidden ones."""
    user = request.auth
    compound = _compound(user, code)
    rows = (
        sel.praise_queue(compound) if sel.is_manager(user, compound) else sel.praise_wall(compound)
    )
    return paginate(rows, page)


@router.post(
    "/compounds/{code}/praise",
    response=responses(201, PraiseOut, write=True),
    summary="Thank someone",
)
@idempotent
def praise_create(request, code: str, payload: PraiseIn):
    """A resident's thank-you; it waits for moderation (status `pending`)."""
    user = request.auth
    compound = _compound(user, code)
    organisation = None
    if payload.to_organisation_id:
        organisation = Organisation.objects.filter(pk=payload.to_organisation_id).first()
        if organisation is None:
            raise ValidationError(
                {"to_organisation_id": _("Choose an organisation of this compound.")}
            )
    praise = services.praise_submit(
        actor=user,
        compound=compound,
        to_name=payload.to_name,
        body=payload.body,
        to_organisation=organisation,
    )
    return Status(201, PraiseOut.from_orm(praise))


# ---------------------------------------------------------------- evaluations


def _evaluation(f) -> dict:
    return {
        "id": f.evaluation.pk,
        "title": f.evaluation.title,
        "opens_on": f.evaluation.opens_on,
        "closes_on": f.evaluation.closes_on,
        "open": f.open,
        "organisations": [
            {
                "organisation_id": o.organisation.pk,
                "organisation": o.organisation.name,
                "households": o.households,
                "average": str(o.average) if o.average is not None else None,
                "distribution": {str(score): n for score, n, _ in o.distribution},
            }
            for o in f.organisations
        ],
    }


@router.get(
    "/compounds/{code}/evaluations",
    response=responses(200, EvaluationPage),
    summary="Evaluations and their results",
)
def evaluation_list(request, code: str, page: Query[PageParams]):
    compound = _compound(request.auth, code)
    return _list([_evaluation(f) for f in sel.evaluations_of(compound)], page)


@router.post(
    "/evaluations/{id}/ratings",
    response=responses(201, EvaluationRatingOut, write=True),
    summary="Rate an organisation",
)
@idempotent
def evaluation_rate(request, id: Id, payload: EvaluationRatingIn):
    """A household's rating (1–5) of one organisation, once per evaluation; a second answers 422."""
    user = request.auth
    evaluation = get_object_or_404(Evaluation.objects.select_related("compound"), pk=id)
    if not sel.is_resident(user, evaluation.compound):
        raise Http404
    organisation = Organisation.objects.filter(pk=payload.organisation_id).first()
    rating = services.evaluation_rate(
        actor=user,
        evaluation=evaluation,
        organisation=organisation,
        score=payload.score,
        comment=payload.comment,
    )
    return Status(
        201,
        EvaluationRatingOut(
            evaluation_id=evaluation.pk,
            organisation_id=rating.organisation_id,
            score=rating.score,
            comment=rating.comment,
        ),
    )


# ---------------------------------------------------------------- staff and member writes


def _managed(user, code: str) -> Compound:
    """The compound if the caller manages deliberation there, else 404."""
    compound = Compound.objects.select_related("community").filter(code=code).first()
    if compound is None or not sel.is_manager(user, compound):
        raise Http404
    return compound


def _renamed(exc: ValidationError, names: dict[str, str]) -> ValidationError:
    """A service's error with its fields named as in the request body."""
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError(
        {names.get(name, name): errors for name, errors in exc.error_dict.items()}
    )


class RuleVersionIn(Schema):
    text: text(20000)
    effective_on: date
    adopted_on: date
    resolution_id: Id | None = Field(None, description="The meeting resolution adopting it.")
    motion_id: Id | None = Field(None, description="The owners' vote motion adopting it.")
    summary: text(200) = ""


class RuleIn(RuleVersionIn):
    kind: str = Field(..., description="regulation, convention, management or other.")
    title: text(120)


class RuleRepealIn(Schema):
    repealed_on: date | None = Field(None, description="Today when left out.")


_ADOPTION_NAMES = {"resolution": "resolution_id", "motion": "motion_id"}


def _adoption_links(compound, payload: RuleVersionIn):
    from mulin.decisions.models import Motion

    resolution = motion = None
    if payload.resolution_id:
        resolution = Resolution.objects.filter(pk=payload.resolution_id, compound=compound).first()
        if resolution is None:
            raise ValidationError(
                {"resolution_id": _("The resolution belongs to another compound.")}
            )
    if payload.motion_id:
        motion = (
            Motion.objects.select_related("vote")
            .filter(pk=payload.motion_id, vote__compound=compound)
            .first()
        )
        if motion is None:
            raise ValidationError({"motion_id": _("The motion belongs to another compound.")})
    return resolution, motion


def _rule_out(compound, pk: int) -> RuleDetailOut:
    rule = sel.rule_detail(compound, pk)
    rule.version_count = len(rule.all_versions)
    return RuleDetailOut(**_rule(rule), history=[_version(v) for v in rule.all_versions])


def _managed_rule(user, pk: int) -> Rule:
    rule = Rule.objects.select_related("compound__community").filter(pk=pk).first()
    if rule is None or not sel.is_manager(user, rule.compound):
        raise Http404
    return rule


@router.post(
    "/compounds/{code}/rules",
    response=responses(201, RuleDetailOut, write=True),
    summary="Adopt a rule (staff)",
)
@idempotent
def rule_create(request, code: str, payload: RuleIn):
    """A new rule and its first version, adopted by a resolution or a motion (either may be
    given). `deliberation.manage`; others get 404."""
    user = request.auth
    compound = _managed(user, code)
    resolution, motion = _adoption_links(compound, payload)
    try:
        version = services.rule_adopt(
            actor=user,
            compound=compound,
            kind=payload.kind,
            title=payload.title,
            text=payload.text,
            summary=payload.summary,
            effective_on=payload.effective_on,
            adopted_on=payload.adopted_on,
            resolution=resolution,
            motion=motion,
        )
    except ValidationError as exc:
        raise _renamed(exc, _ADOPTION_NAMES) from exc
    return Status(201, _rule_out(compound, version.rule_id))


@router.post(
    "/rules/{id}/versions",
    response=responses(201, RuleDetailOut, write=True),
    summary="Amend a rule (staff)",
)
@idempotent
def rule_amend(request, id: Id, payload: RuleVersionIn):
    """The rule's next version; it must take effect after the current one. Compare versions
    with `GET /rules/{id}/diff`. `deliberation.manage`; others get 404."""
    user = request.auth
    rule = _managed_rule(user, id)
    resolution, motion = _adoption_links(rule.compound, payload)
    try:
        services.rule_adopt(
            actor=user,
            compound=rule.compound,
            kind=rule.kind,
            title=rule.title,
            text=payload.text,
            summary=payload.summary,
            effective_on=payload.effective_on,
            adopted_on=payload.adopted_on,
            resolution=resolution,
            motion=motion,
            rule=rule,
        )
    except ValidationError as exc:
        raise _renamed(exc, _ADOPTION_NAMES) from exc
    return Status(201, _rule_out(rule.compound, rule.pk))


@router.post(
    "/rules/{id}/repeal",
    response=responses(200, RuleDetailOut, write=True),
    summary="Repeal a rule (staff)",
)
@idempotent
def rule_repeal(request, id: Id, payload: RuleRepealIn | None = None):
    user = request.auth
    rule = _managed_rule(user, id)
    repealed_on = (payload.repealed_on if payload else None) or timezone.localdate()
    services.rule_repeal(actor=user, rule=rule, repealed_on=repealed_on)
    return Status(200, _rule_out(rule.compound, rule.pk))


class BoardIn(Schema):
    responsible: text(60)
    responsible_phone: text(30) = ""
    commitments: text(4000)
    results: text(4000) = ""
    area: text(200) = ""
    featured_service: text(200) = ""


@router.post(
    "/organisations/{id}/board",
    response=responses(200, BoardOut, write=True),
    summary="Save a notice board",
)
@idempotent
def board_update(request, id: Id, payload: BoardIn):
    """Create or replace the organisation's notice board (every field, like a PUT). Members of
    the organisation and staff with `deliberation.manage`; others get 404."""
    user = request.auth
    organisation = Organisation.objects.active().filter(pk=id, compound__isnull=False).first()
    if organisation is None or not sel.may_edit_board(user, organisation):
        raise Http404
    board = services.board_save(actor=user, organisation=organisation, **payload.model_dump())
    return Status(
        200,
        BoardOut(
            organisation_id=organisation.pk,
            organisation=organisation.name,
            kind=organisation.kind,
            updated_at=board.updated_at,
            **{f: getattr(board, f) for f in services.BOARD_FIELDS},
        ),
    )


class AnnouncementIn(Schema):
    scope: Literal["community", "compound", "building"] = "compound"
    building: text(20) | None = Field(None, description="The building number, for `building`.")
    title: text(120)
    body: text(10000)
    publisher_id: Id | None = Field(None, description="An organisation of the community.")
    expires_on: date | None = None
    pinned: bool = False


@router.post(
    "/compounds/{code}/announcements",
    response=responses(201, AnnouncementOut, write=True),
    summary="Publish an announcement (staff)",
)
@idempotent
def announcement_create(request, code: str, payload: AnnouncementIn):
    """A notice to the compound's community, the compound or one of its buildings, optionally
    in an organisation's name. `deliberation.manage`; others get 404."""
    from mulin.places.models import Building

    user = request.auth
    compound = _managed(user, code)
    building = None
    if payload.scope == "building":
        building = Building.objects.filter(
            compound=compound, number__iexact=payload.building or ""
        ).first()
    publisher = None
    if payload.publisher_id:
        publisher = Organisation.objects.filter(
            pk=payload.publisher_id, community_id=compound.community_id
        ).first()
        if publisher is None:
            raise ValidationError({"publisher_id": _("Choose an organisation of this community.")})
    try:
        announcement = services.announcement_publish(
            actor=user,
            compound=compound,
            scope=payload.scope,
            building=building,
            title=payload.title,
            body=payload.body,
            publisher=publisher,
            expires_on=payload.expires_on,
            pinned=payload.pinned,
        )
    except ValidationError as exc:
        raise _renamed(exc, {"publisher": "publisher_id"}) from exc
    found = Announcement.objects.select_related("building", "publisher").get(pk=announcement.pk)
    return Status(201, AnnouncementOut(**_announcement(found, set())))


class PraiseModerationIn(Schema):
    show: bool
    reason: text(200) = Field("", description="Required when hiding.")


class PraiseModerationOut(PraiseOut):
    moderation_reason: str
    moderated_at: datetime | None


@router.post(
    "/praise/{id}/moderation",
    response=responses(200, PraiseModerationOut, write=True),
    summary="Show or hide a thank-you (staff)",
)
@idempotent
def praise_moderation(request, id: Id, payload: PraiseModerationIn):
    """Show it on the wall (`show: true`) or hide it with a `reason`. `deliberation.manage`;
    others get 404."""
    user = request.auth
    praise = Praise.objects.select_related("compound").filter(pk=id).first()
    if praise is None or not sel.is_manager(user, praise.compound):
        raise Http404
    praise = services.praise_moderate(
        actor=user, praise=praise, show=payload.show, reason=payload.reason
    )
    return Status(200, PraiseModerationOut.from_orm(praise))


class PioneerNominationIn(Schema):
    person_id: Id = Field(..., description="A party member of the compound.")
    year: int
    story: text(4000)


class PioneerNominationOut(Schema):
    id: int
    year: int
    person_id: int
    person: str
    story: str
    support_count: int
    chosen_at: datetime | None


def _nomination_out(nomination) -> PioneerNominationOut:
    return PioneerNominationOut(
        id=nomination.pk,
        year=nomination.year,
        person_id=nomination.person_id,
        person=nomination.person.name,
        story=nomination.story,
        support_count=nomination.support_count,
        chosen_at=nomination.chosen_at,
    )


def _nomination(pk: int) -> PioneerNomination:
    nomination = (
        PioneerNomination.objects.select_related("compound", "person").filter(pk=pk).first()
    )
    if nomination is None:
        raise Http404
    return nomination


@router.post(
    "/compounds/{code}/pioneer-nominations",
    response=responses(201, PioneerNominationOut, write=True),
    summary="Nominate a pioneer (staff)",
)
@idempotent
def pioneer_nominate(request, code: str, payload: PioneerNominationIn):
    """The party organisation nominates a party member of the compound for the year, with their
    story. `deliberation.manage`; others get 404."""
    user = request.auth
    compound = _managed(user, code)
    person = sel.party_members_of(compound).filter(pk=payload.person_id).first()
    try:
        nomination = services.pioneer_nominate(
            actor=user, compound=compound, year=payload.year, person=person, story=payload.story
        )
    except ValidationError as exc:
        raise _renamed(exc, {"person": "person_id"}) from exc
    return Status(201, _nomination_out(nomination))


@router.post(
    "/pioneer-nominations/{id}/support",
    response=responses(201, PioneerNominationOut, write=True),
    summary="Support a nomination",
)
@idempotent
def pioneer_support(request, id: Id):
    """The caller's household supports the nomination, once (a second answers 422). Residents
    of the compound; others get 404."""
    user = request.auth
    nomination = _nomination(id)
    if not sel.is_resident(user, nomination.compound):
        raise Http404
    services.pioneer_support(actor=user, nomination=nomination)
    return Status(201, _nomination_out(nomination))


@router.post(
    "/pioneer-nominations/{id}/choose",
    response=responses(200, PioneerNominationOut, write=True),
    summary="Choose a pioneer (staff)",
)
@idempotent
def pioneer_choose(request, id: Id):
    user = request.auth
    nomination = _nomination(id)
    if not sel.is_manager(user, nomination.compound):
        raise Http404
    services.pioneer_choose(actor=user, nomination=nomination)
    return Status(200, _nomination_out(nomination))


class EvaluationIn(Schema):
    title: text(120)
    opens_on: date
    closes_on: date
    organisation_ids: list[Id] = Field(
        ..., description="The compound's party organisations and property services to rate."
    )


@router.post(
    "/compounds/{code}/evaluations",
    response=responses(201, EvaluationOut, write=True),
    summary="Open an evaluation (staff)",
)
@idempotent
def evaluation_create(request, code: str, payload: EvaluationIn):
    """A period in which households rate the organisations. `deliberation.manage`; others get
    404."""
    user = request.auth
    compound = _managed(user, code)
    wanted = set(payload.organisation_ids)
    organisations = list(Organisation.objects.filter(pk__in=wanted, compound=compound))
    if len(organisations) != len(wanted):
        raise ValidationError(
            {
                "organisation_ids": _(
                    "Only the compound's party organisations and property services can be rated."
                )
            }
        )
    try:
        evaluation = services.evaluation_open(
            actor=user,
            compound=compound,
            title=payload.title,
            opens_on=payload.opens_on,
            closes_on=payload.closes_on,
            organisations=organisations,
        )
    except ValidationError as exc:
        raise _renamed(exc, {"organisations": "organisation_ids"}) from exc
    figures = next(f for f in sel.evaluations_of(compound) if f.evaluation.pk == evaluation.pk)
    return Status(201, EvaluationOut(**_evaluation(figures)))
