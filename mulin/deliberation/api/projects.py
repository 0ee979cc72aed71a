"""API of deliberation: public projects (实事项目).

Reading: staff with a deliberation permission in the compound see all its projects; residents
of the compound and the projects' supervisors see its public ones; anyone else gets 404 (an
anonymous caller 401). Only public fields go out: supervisors by masked name, no unit, phone or
author. Writes go through `services_projects`, which check who may make them (staff:
`DELIBERATION_MANAGE`; inspections: the supervisor; ratings: a household of the compound).
"""

from datetime import date
from decimal import Decimal

from django.http import Http404
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from mulin.core.api import idempotent
from mulin.core.privacy import mask_name
from mulin.core.schemas import Id, PageParams, page_of, paginate, responses, text
from mulin.places.models import Compound

from .. import selectors_projects as selectors
from .. import services_projects as services
from ..models import Inspection, Project, ProjectUpdate

router = Router(tags=["deliberation"])


class ProjectOut(Schema):
    id: int
    title: str
    summary: str
    kind: str
    status: str
    status_label: str
    progress: int
    public: bool
    planned_start: date | None
    planned_end: date | None
    started_on: date | None
    finished_on: date | None
    funded: Decimal = Field(..., description="Sum of the funding lines, yuan.")
    spent: Decimal = Field(..., description="Sum of the spending lines, yuan.")
    late_milestones: int
    topic_id: int | None
    resolution_id: int | None


class MilestoneOut(Schema):
    id: int
    title: str
    planned_on: date
    done_on: date | None
    late: bool


class FundingOut(Schema):
    source: str
    source_label: str
    amount: Decimal


class SpendingOut(Schema):
    id: int
    spent_on: date
    amount: Decimal
    payee: str
    description: str


class SupervisorOut(Schema):
    id: int
    name: str = Field(..., description="Masked (张**).")
    skill: str


class RatingsOut(Schema):
    count: int
    average: float | None
    satisfied_percent: int | None
    distribution: dict[str, int]


class ProjectDetailOut(ProjectOut):
    contractor: str
    milestones: list[MilestoneOut]
    funding: list[FundingOut]
    spending: list[SpendingOut]
    supervisors: list[SupervisorOut]
    accepted_on: date | None
    ratings: RatingsOut


class ProjectPhotoOut(Schema):
    id: int
    url: str


class UpdateOut(Schema):
    id: int
    body: str
    progress: int | None
    created_at: str
    photos: list[ProjectPhotoOut]


class InspectionOut(Schema):
    id: int
    supervisor: str = Field(..., description="Masked name.")
    verdict: str
    body: str
    answer: str
    settled: bool
    created_at: str
    photos: list[ProjectPhotoOut]


ProjectPage = page_of(ProjectOut, "ProjectPage")
UpdatePage = page_of(UpdateOut, "UpdatePage")
InspectionPage = page_of(InspectionOut, "InspectionPage")


class ProjectIn(Schema):
    title: text(120)
    summary: text(5000)
    kind: str
    contractor: text(120) = ""
    planned_start: date | None = None
    planned_end: date | None = None
    public: bool = True


class ProjectPatch(Schema):
    title: text(120) | None = None
    summary: text(5000) | None = None
    kind: str | None = None
    contractor: text(120) | None = None
    planned_start: date | None = None
    planned_end: date | None = None
    public: bool | None = None


class StatusIn(Schema):
    status: str


class FundingIn(Schema):
    source: str
    amount: Decimal
    note: text(200) = ""


class SpendingIn(Schema):
    spent_on: date
    amount: Decimal
    payee: text(120)
    description: text(200)


class MilestoneIn(Schema):
    title: text(120)
    planned_on: date


class UpdateIn(Schema):
    body: text(5000)
    progress: int | None = None


class SupervisorIn(Schema):
    person_id: Id
    skill: text(32)


class InspectionIn(Schema):
    verdict: str
    body: text(5000)


class AnswerIn(Schema):
    answer: text(5000)
    settle: bool = True


class AcceptanceIn(Schema):
    accepted_on: date
    survey_closes_on: date
    note: text(5000) = ""


class ProjectRatingIn(Schema):
    score: int
    comment: text(200) = ""


# ---------------------------------------------------------------- reading


def _compound(code: str) -> Compound:
    compound = Compound.objects.filter(code=code).first()
    if compound is None:
        raise Http404
    return compound


def _project(user, pk: int) -> Project:
    project = Project.objects.select_related("compound", "acceptance").filter(pk=pk).first()
    if project is None:
        raise Http404
    if not selectors.projects_for(user, project.compound).filter(pk=pk).exists():
        raise Http404
    return project


def _out(p: Project) -> dict:
    return {
        **{
            name: getattr(p, name)
            for name in (
                "id",
                "title",
                "summary",
                "kind",
                "status",
                "progress",
                "public",
                "planned_start",
                "planned_end",
                "started_on",
                "finished_on",
                "topic_id",
                "resolution_id",
            )
        },
        "status_label": p.get_status_display(),
        "funded": selectors.money(p.funded),
        "spent": selectors.money(p.spent),
        "late_milestones": p.late_milestones,
    }


def _photo_url(project: Project, photo) -> str:
    from django.urls import reverse

    return reverse("deliberation:project_photo", args=[project.compound.code, project.pk, photo.pk])


@router.get(
    "/compounds/{code}/projects",
    response=responses(200, ProjectPage),
    summary="A compound's projects",
)
def project_list(request, code: str, page: Query[PageParams]):
    compound = _compound(code)
    rows = selectors.list_rows(selectors.projects_for(request.auth, compound))
    result = paginate(rows, page)
    result["items"] = [_out(p) for p in result["items"]]
    return result


@router.get("/projects/{id}", response=responses(200, ProjectDetailOut), summary="One project")
def project_detail(request, id: Id):
    project = _project(request.auth, id)
    return _detail(project)


def _detail(project: Project) -> dict:
    row = selectors.with_list_figures(Project.objects.filter(pk=project.pk)).get()
    page = selectors.project_page(project, staff=False)
    ratings = page.ratings
    acceptance = getattr(project, "acceptance", None) if hasattr(project, "acceptance") else None
    return {
        **_out(row),
        "contractor": project.contractor,
        "milestones": [
            {
                "id": m.pk,
                "title": m.title,
                "planned_on": m.planned_on,
                "done_on": m.done_on,
                "late": m.late,
            }
            for m in page.milestones
        ],
        "funding": [
            {"source": code, "source_label": label, "amount": total}
            for code, label, total in page.budget.by_source
        ],
        "spending": [
            {
                "id": s.pk,
                "spent_on": s.spent_on,
                "amount": s.amount,
                "payee": s.payee,
                "description": s.description,
            }
            for s in page.spending
        ],
        "supervisors": [
            {"id": s.pk, "name": s.masked_name, "skill": s.skill} for s in page.supervisors
        ],
        "accepted_on": acceptance.accepted_on if acceptance else None,
        "ratings": _ratings(ratings),
    }


def _ratings(ratings) -> dict:
    return {
        "count": ratings.count,
        "average": ratings.average,
        "satisfied_percent": ratings.satisfied_percent,
        "distribution": {str(stars): n for stars, n, _pct in ratings.distribution},
    }


@router.get(
    "/projects/{id}/updates", response=responses(200, UpdatePage), summary="Progress updates"
)
def update_list(request, id: Id, page: Query[PageParams]):
    project = _project(request.auth, id)
    rows = ProjectUpdate.objects.filter(project=project).prefetch_related("photos")
    result = paginate(rows.order_by("-created_at", "-id"), page)
    result["items"] = [
        {
            "id": u.pk,
            "body": u.body,
            "progress": u.progress,
            "created_at": u.created_at.isoformat(),
            "photos": [{"id": ph.pk, "url": _photo_url(project, ph)} for ph in u.photos.all()],
        }
        for u in result["items"]
    ]
    return result


@router.get(
    "/projects/{id}/inspections",
    response=responses(200, InspectionPage),
    summary="Supervisors' inspection notes",
)
def inspection_list(request, id: Id, page: Query[PageParams]):
    project = _project(request.auth, id)
    rows = (
        Inspection.objects.filter(project=project)
        .select_related("supervisor__person")
        .prefetch_related("photos")
        .order_by("-created_at", "-id")
    )
    result = paginate(rows, page)
    result["items"] = [_inspection_out(project, i) for i in result["items"]]
    return result


def _inspection_out(project, i: Inspection) -> dict:
    return {
        "id": i.pk,
        "supervisor": mask_name(i.supervisor.person.name),
        "verdict": i.verdict,
        "body": i.body,
        "answer": i.answer,
        "settled": i.settled_at is not None,
        "created_at": i.created_at.isoformat(),
        "photos": [{"id": ph.pk, "url": _photo_url(project, ph)} for ph in i.photos.all()],
    }


@router.get(
    "/projects/{id}/ratings", response=responses(200, RatingsOut), summary="Satisfaction results"
)
def rating_results(request, id: Id):
    project = _project(request.auth, id)
    return _ratings(selectors.ratings_of(project))


# ---------------------------------------------------------------- writing


def _staff_project(user, pk: int) -> Project:
    project = _project(user, pk)
    if not selectors.can_manage(user, project.compound):
        raise Http404
    return project


@router.post(
    "/compounds/{code}/projects",
    response=responses(201, ProjectDetailOut, write=True),
    summary="Create a project (staff)",
)
@idempotent
def project_create(request, code: str, payload: ProjectIn):
    compound = _compound(code)
    if not selectors.can_manage(request.auth, compound):
        raise Http404
    project = services.project_create(actor=request.auth, compound=compound, **payload.dict())
    return Status(201, ProjectDetailOut(**_detail(project)))


@router.patch(
    "/projects/{id}", response=responses(200, ProjectDetailOut, write=True), summary="Edit"
)
@idempotent
def project_edit(request, id: Id, payload: ProjectPatch):
    project = _staff_project(request.auth, id)
    fields = payload.dict(exclude_unset=True)
    services.project_edit(actor=request.auth, project=project, **fields)
    return Status(200, ProjectDetailOut(**_detail(_project(request.auth, id))))


@router.post(
    "/projects/{id}/status",
    response=responses(200, ProjectDetailOut, write=True),
    summary="Move the project's status (staff)",
)
@idempotent
def project_status(request, id: Id, payload: StatusIn):
    project = _staff_project(request.auth, id)
    services.project_move(actor=request.auth, project=project, status=payload.status)
    return Status(200, ProjectDetailOut(**_detail(_project(request.auth, id))))


@router.post(
    "/projects/{id}/funding",
    response=responses(201, ProjectDetailOut, write=True),
    summary="Add a funding line (staff)",
)
@idempotent
def funding_add(request, id: Id, payload: FundingIn):
    project = _staff_project(request.auth, id)
    services.funding_add(actor=request.auth, project=project, **payload.dict())
    return Status(201, ProjectDetailOut(**_detail(project)))


@router.post(
    "/projects/{id}/spending",
    response=responses(201, ProjectDetailOut, write=True),
    summary="Add a spending line (staff)",
)
@idempotent
def spending_add(request, id: Id, payload: SpendingIn):
    project = _staff_project(request.auth, id)
    services.spending_add(actor=request.auth, project=project, **payload.dict())
    return Status(201, ProjectDetailOut(**_detail(project)))


@router.post(
    "/projects/{id}/milestones",
    response=responses(201, ProjectDetailOut, write=True),
    summary="Add a milestone (staff)",
)
@idempotent
def milestone_add(request, id: Id, payload: MilestoneIn):
    project = _staff_project(request.auth, id)
    services.milestone_add(actor=request.auth, project=project, **payload.dict())
    return Status(201, ProjectDetailOut(**_detail(project)))


@router.post(
    "/projects/{id}/updates",
    response=responses(201, ProjectDetailOut, write=True),
    summary="Post a progress update (staff)",
)
@idempotent
def update_post(request, id: Id, payload: UpdateIn):
    project = _staff_project(request.auth, id)
    services.update_post(
        actor=request.auth, project=project, body=payload.body, progress=payload.progress
    )
    return Status(201, ProjectDetailOut(**_detail(_project(request.auth, id))))


@router.post(
    "/projects/{id}/supervisors",
    response=responses(201, ProjectDetailOut, write=True),
    summary="Appoint a resident supervisor (staff)",
)
@idempotent
def supervisor_appoint(request, id: Id, payload: SupervisorIn):
    from mulin.people.models import Person

    project = _staff_project(request.auth, id)
    person = Person.objects.filter(pk=payload.person_id, compound=project.compound).first()
    services.supervisor_appoint(
        actor=request.auth, project=project, person=person, skill=payload.skill
    )
    return Status(201, ProjectDetailOut(**_detail(project)))


@router.post(
    "/projects/{id}/inspections",
    response=responses(201, InspectionOut, write=True),
    summary="Post an inspection note (the project's supervisors)",
)
@idempotent
def inspection_post(request, id: Id, payload: InspectionIn):
    project = _project(request.auth, id)
    inspection = services.inspection_post(
        actor=request.auth, project=project, verdict=payload.verdict, body=payload.body
    )
    return Status(201, InspectionOut(**_inspection_out(project, inspection)))


@router.post(
    "/projects/{id}/inspections/{inspection_id}/answer",
    response=responses(200, InspectionOut, write=True),
    summary="Answer an inspection note (staff)",
)
@idempotent
def inspection_answer(request, id: Id, inspection_id: Id, payload: AnswerIn):
    project = _staff_project(request.auth, id)
    inspection = Inspection.objects.filter(pk=inspection_id, project=project).first()
    if inspection is None:
        raise Http404
    services.inspection_answer(
        actor=request.auth, inspection=inspection, answer=payload.answer, settle=payload.settle
    )
    return Status(200, InspectionOut(**_inspection_out(project, inspection)))


@router.post(
    "/projects/{id}/acceptance",
    response=responses(201, ProjectDetailOut, write=True),
    summary="Record the acceptance (staff)",
)
@idempotent
def acceptance_record(request, id: Id, payload: AcceptanceIn):
    project = _staff_project(request.auth, id)
    services.acceptance_record(actor=request.auth, project=project, **payload.dict())
    return Status(201, ProjectDetailOut(**_detail(_project(request.auth, id))))


@router.post(
    "/projects/{id}/ratings",
    response=responses(201, RatingsOut, write=True),
    summary="Rate the accepted project, once per household (residents)",
)
@idempotent
def rating_add(request, id: Id, payload: ProjectRatingIn):
    project = _project(request.auth, id)
    services.rating_add(
        actor=request.auth, project=project, score=payload.score, comment=payload.comment
    )
    return Status(201, RatingsOut(**_ratings(selectors.ratings_of(project))))
