"""Public projects (实事项目 · 改造工程), the writes: a project and its status moves, funding and
spending lines, milestones, progress updates with photos, resident supervisors and their
inspection notes, acceptance (验收) and the residents' satisfaction ratings.

Every write runs in one transaction, checks who may make it (staff: `DELIBERATION_MANAGE` in the
compound; an inspection: the supervisor's own account; a rating: a resident of the compound,
once per household) and writes one audit event. Refusals raise `ValidationError` naming the
field, and nothing is changed.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from mulin.core import access, audit

from .models import (
    Acceptance,
    Funding,
    FundingSource,
    Inspection,
    InspectionVerdict,
    Milestone,
    Project,
    ProjectKind,
    ProjectPhoto,
    ProjectStatus,
    ProjectUpdate,
    Satisfaction,
    Spending,
    Supervisor,
)

S = ProjectStatus
# The status moves staff may make: planned → under way → acceptance → done; suspended and back.
MOVES: dict[str, set[str]] = {
    S.PLANNED: {S.IN_PROGRESS, S.SUSPENDED},
    S.IN_PROGRESS: {S.ACCEPTANCE, S.SUSPENDED},
    S.ACCEPTANCE: {S.DONE, S.IN_PROGRESS},
    S.SUSPENDED: {S.PLANNED, S.IN_PROGRESS},
    S.DONE: set(),
}
EDITABLE_FIELDS = (
    "title",
    "summary",
    "kind",
    "contractor",
    "planned_start",
    "planned_end",
    "public",
    "lead_organisation",
)
MAX_AMOUNT = Decimal("9999999999.99")


def _require_manage(actor, compound) -> None:
    if not access.can_in_compound(actor, access.DELIBERATION_MANAGE, compound):
        raise Http404


def clean_amount(value, field: str = "amount") -> Decimal:
    """A positive amount of yuan with at most two decimals, else a message naming the field."""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Amount: enter a number of yuan.")}) from None
    if not amount.is_finite() or amount <= 0:
        raise ValidationError({field: _("Amount: enter an amount above zero.")})
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({field: _("Amount: at most two decimal places (fen).")})
    if amount > MAX_AMOUNT:
        raise ValidationError({field: _("Amount: too large.")})
    return amount.quantize(Decimal("0.01"))


def clean_progress(value, field: str = "progress") -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError({field: _("Progress: enter a whole number from 0 to 100.")}) from None
    if not 0 <= number <= 100:
        raise ValidationError({field: _("Progress: enter a whole number from 0 to 100.")})
    return number


def _clean_project_fields(fields: dict) -> dict:
    title = (fields.get("title") or "").strip()
    if "title" in fields and not title:
        raise ValidationError({"title": _("Title: say what the project is.")})
    if "title" in fields:
        fields["title"] = title[:120]
    if "summary" in fields:
        summary = (fields.get("summary") or "").strip()
        if not summary:
            raise ValidationError({"summary": _("What it will do: describe the project.")})
        fields["summary"] = summary
    if "kind" in fields and fields["kind"] not in ProjectKind.values:
        raise ValidationError({"kind": _("Kind: choose one of the list.")})
    start, end = fields.get("planned_start"), fields.get("planned_end")
    if start and end and end < start:
        raise ValidationError({"planned_end": _("Planned end: it cannot be before the start.")})
    return fields


@transaction.atomic
def project_create(
    *, actor, compound, title, summary, kind, resolution=None, topic=None, **fields
) -> Project:
    """A new project of `compound`, planned, optionally born of a resolution and its topic."""
    _require_manage(actor, compound)
    unknown = set(fields) - set(EDITABLE_FIELDS) - {"progress"}
    if unknown:
        raise TypeError(f"unknown project fields: {sorted(unknown)}")
    data = _clean_project_fields({"title": title, "summary": summary, "kind": kind, **fields})
    if resolution is not None and topic is None:
        topic = getattr(resolution, "topic", None)
    for linked in (resolution, topic):
        if linked is not None and _compound_id_of(linked) not in (None, compound.id):
            raise ValidationError(_("The resolution or topic belongs to another compound."))
    project = Project.objects.create(
        compound=compound, resolution=resolution, topic=topic, created_by=actor, **data
    )
    audit.record(
        actor=actor,
        action="project.create",
        target=project,
        changes={"title": project.title, "resolution": getattr(resolution, "pk", None)},
    )
    return project


def _compound_id_of(obj) -> int | None:
    if hasattr(obj, "compound_id"):
        return obj.compound_id
    meeting = getattr(obj, "meeting", None)
    return getattr(meeting, "compound_id", None)


@transaction.atomic
def project_edit(*, actor, project: Project, **fields) -> Project:
    _require_manage(actor, project.compound)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"unknown project fields: {sorted(unknown)}")
    data = _clean_project_fields(dict(fields))
    before = audit.snapshot(project, data.keys())
    for name, value in data.items():
        setattr(project, name, value)
    project.save()
    changes = audit.diff(before, audit.snapshot(project, data.keys()))
    if changes:
        audit.record(actor=actor, action="project.edit", target=project, changes=changes)
    return project


@transaction.atomic
def project_move(*, actor, project: Project, status: str, on: date | None = None) -> Project:
    """Move the project along planned → under way → acceptance → done (or suspend it)."""
    _require_manage(actor, project.compound)
    Project.objects.select_for_update().filter(pk=project.pk).first()  # one move at a time
    project.refresh_from_db()
    if status not in MOVES.get(project.status, set()):
        raise ValidationError(
            {
                "status": _("Status: a project cannot go from “%(from)s” to that.")
                % {"from": project.get_status_display()}
            }
        )
    day = on or timezone.localdate()
    before = project.status
    project.status = status
    if status == S.IN_PROGRESS and project.started_on is None:
        project.started_on = day
    if status == S.DONE:
        project.finished_on = project.finished_on or day
        project.progress = 100
    project.save()
    audit.record(
        actor=actor,
        action="project.move",
        target=project,
        changes={"status": [before, status]},
    )
    return project


# ---------------------------------------------------------------- money


@transaction.atomic
def funding_add(*, actor, project: Project, source: str, amount, note: str = "", organisation=None):
    _require_manage(actor, project.compound)
    if source not in FundingSource.values:
        raise ValidationError({"source": _("Source: choose one of the list.")})
    line = Funding.objects.create(
        project=project,
        source=source,
        amount=clean_amount(amount),
        note=(note or "").strip()[:200],
        organisation=organisation,
    )
    audit.record(
        actor=actor,
        action="project.funding",
        target=project,
        changes={"source": source, "amount": str(line.amount)},
    )
    return line


@transaction.atomic
def spending_add(
    *, actor, project: Project, spent_on: date, amount, payee: str, description: str, invoice=None
) -> Spending:
    _require_manage(actor, project.compound)
    if not isinstance(spent_on, date):
        raise ValidationError({"spent_on": _("Date: enter the day it was paid.")})
    if spent_on > timezone.localdate():
        raise ValidationError({"spent_on": _("Date: it cannot be in the future.")})
    payee, description = (payee or "").strip(), (description or "").strip()
    if not payee:
        raise ValidationError({"payee": _("Paid to: say who was paid.")})
    if not description:
        raise ValidationError({"description": _("For: say what it paid for.")})
    line = Spending(
        project=project,
        spent_on=spent_on,
        amount=clean_amount(amount),
        payee=payee[:120],
        description=description[:200],
        recorded_by=actor,
    )
    if invoice is not None:
        if invoice.size > 10 * 1024 * 1024:
            raise ValidationError({"invoice": _("Invoice: the file is larger than 10 MB.")})
        name = "".join(c for c in (invoice.name or "invoice")[-40:] if c.isalnum() or c in "._-")
        line.invoice.save(name or "invoice", invoice, save=False)
    line.save()
    audit.record(
        actor=actor,
        action="project.spending",
        target=project,
        changes={"amount": str(line.amount), "payee": line.payee, "on": str(spent_on)},
    )
    return line


# ---------------------------------------------------------------- milestones and updates


@transaction.atomic
def milestone_add(*, actor, project: Project, title: str, planned_on: date, note: str = ""):
    _require_manage(actor, project.compound)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Milestone: name it.")})
    if not isinstance(planned_on, date):
        raise ValidationError({"planned_on": _("Planned: enter a date.")})
    position = project.milestones.count() + 1
    milestone = Milestone.objects.create(
        project=project, position=position, title=title[:120], planned_on=planned_on, note=note
    )
    audit.record(actor=actor, action="project.milestone", target=project, changes={"title": title})
    return milestone


@transaction.atomic
def milestone_done(*, actor, milestone: Milestone, done_on: date | None = None) -> Milestone:
    _require_manage(actor, milestone.project.compound)
    day = done_on or timezone.localdate()
    if day > timezone.localdate():
        raise ValidationError({"done_on": _("Done: it cannot be in the future.")})
    milestone.done_on = day
    milestone.save(update_fields=["done_on"])
    audit.record(
        actor=actor,
        action="project.milestone_done",
        target=milestone.project,
        changes={"milestone": milestone.title, "done_on": str(day)},
    )
    return milestone


def _save_photos(photos, *, project, actor, update=None, inspection=None) -> None:
    for photo in photos:
        row = ProjectPhoto(
            project=project,
            update=update,
            inspection=inspection,
            size_bytes=photo.size,
            uploaded_by=actor,
        )
        row.image.save("photo.jpg", photo.content, save=False)
        row.save()


@transaction.atomic
def update_post(
    *, actor, project: Project, body: str, progress=None, photos=(), milestone=None
) -> ProjectUpdate:
    """A progress update (晒进度) with cleaned photos and, optionally, the new progress %."""
    _require_manage(actor, project.compound)
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("What happened: write the update.")})
    progress = clean_progress(progress)
    if milestone is not None and milestone.project_id != project.pk:
        raise ValidationError({"milestone": _("Milestone: choose one of this project.")})
    update = ProjectUpdate.objects.create(
        project=project, body=body, progress=progress, author=actor, milestone=milestone
    )
    _save_photos(photos, project=project, actor=actor, update=update)
    changes = {"update": update.pk, "photos": len(photos)}
    if progress is not None and progress != project.progress:
        changes["progress"] = [project.progress, progress]
        project.progress = progress
        project.save(update_fields=["progress", "updated_at"])
    audit.record(actor=actor, action="project.update", target=project, changes=changes)
    return update


# ---------------------------------------------------------------- supervisors and inspections


@transaction.atomic
def supervisor_appoint(*, actor, project: Project, person, skill: str) -> Supervisor:
    """Appoint a person of the compound as a resident supervisor (民间达人) of the works."""
    _require_manage(actor, project.compound)
    if person is None or person.compound_id != project.compound_id:
        raise ValidationError({"person": _("Person: choose someone of this compound.")})
    skill = (skill or "").strip()[:32]
    if not skill:
        raise ValidationError({"skill": _("Skill: say what they supervise.")})
    if project.supervisors.filter(person=person).exists():
        raise ValidationError({"person": _("Person: already a supervisor of this project.")})
    supervisor = Supervisor.objects.create(project=project, person=person, skill=skill)
    audit.record(
        actor=actor,
        action="project.supervisor",
        target=project,
        changes={"person": person.pk, "skill": skill},
        subject_person=person,
    )
    return supervisor


def supervisor_of(user, project: Project) -> Supervisor | None:
    """The user's own supervisor appointment on the project, if any."""
    if not getattr(user, "is_authenticated", False) or not user.person_id:
        return None
    return project.supervisors.filter(person_id=user.person_id).first()


@transaction.atomic
def inspection_post(*, actor, project: Project, verdict: str, body: str, photos=()) -> Inspection:
    """An inspection note by one of the project's supervisors, signed in as themselves."""
    supervisor = supervisor_of(actor, project)
    if supervisor is None:
        raise Http404
    if verdict not in InspectionVerdict.values:
        raise ValidationError({"verdict": _("Verdict: choose one of the list.")})
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Inspection note: say what you saw.")})
    inspection = Inspection.objects.create(
        project=project, supervisor=supervisor, verdict=verdict, body=body, author=actor
    )
    _save_photos(photos, project=project, actor=actor, inspection=inspection)
    audit.record(
        actor=actor,
        action="project.inspection",
        target=project,
        changes={"inspection": inspection.pk, "verdict": verdict},
    )
    return inspection


@transaction.atomic
def inspection_answer(*, actor, inspection: Inspection, answer: str, settle: bool = True):
    _require_manage(actor, inspection.project.compound)
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": _("Answer: say what the works did about it.")})
    inspection.answer = answer
    if settle and inspection.settled_at is None:
        inspection.settled_at = timezone.now()
    inspection.save(update_fields=["answer", "settled_at"])
    audit.record(
        actor=actor,
        action="project.inspection_answer",
        target=inspection.project,
        changes={"inspection": inspection.pk, "settled": bool(inspection.settled_at)},
    )
    return inspection


# ---------------------------------------------------------------- acceptance and ratings


@transaction.atomic
def acceptance_record(
    *, actor, project: Project, accepted_on: date, survey_closes_on: date, note: str = ""
) -> Acceptance:
    _require_manage(actor, project.compound)
    if project.status not in (S.ACCEPTANCE, S.DONE):
        raise ValidationError({"accepted_on": _("Accepted: move the project to acceptance first.")})
    if hasattr(project, "acceptance"):
        raise ValidationError({"accepted_on": _("Accepted: the acceptance is already recorded.")})
    if accepted_on > timezone.localdate():
        raise ValidationError({"accepted_on": _("Accepted: it cannot be in the future.")})
    if survey_closes_on < accepted_on:
        raise ValidationError(
            {"survey_closes_on": _("Survey open until: it cannot be before the acceptance.")}
        )
    acceptance = Acceptance.objects.create(
        project=project,
        accepted_on=accepted_on,
        survey_closes_on=survey_closes_on,
        note=(note or "").strip(),
        accepted_by=actor,
    )
    audit.record(
        actor=actor,
        action="project.acceptance",
        target=project,
        changes={"accepted_on": str(accepted_on), "survey_closes_on": str(survey_closes_on)},
    )
    return acceptance


def rating_unit(user, project: Project):
    """The household the user rates for: their first home in the project's compound."""
    from mulin.places.models import Unit

    units = access.own_unit_ids(user)
    if not units:
        return None
    return (
        Unit.objects.filter(pk__in=units, entrance__building__compound_id=project.compound_id)
        .order_by("pk")
        .first()
    )


@transaction.atomic
def rating_add(*, actor, project: Project, score, comment: str = "") -> Satisfaction:
    """A household's rating of the accepted project, 1–5, once per household."""
    unit = rating_unit(actor, project)
    if unit is None or not project.public:
        raise Http404
    acceptance = Acceptance.objects.filter(project=project).first()
    if acceptance is None:
        raise ValidationError({"score": _("Rating: the project has not been accepted yet.")})
    if timezone.localdate() > acceptance.survey_closes_on:
        raise ValidationError({"score": _("Rating: the survey has closed.")})
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = 0
    if not 1 <= score <= 5:
        raise ValidationError({"score": _("Rating: choose from 1 to 5 stars.")})
    if Satisfaction.objects.filter(project=project, unit=unit).exists():
        raise ValidationError({"score": _("Rating: your household has rated this project.")})
    try:
        with transaction.atomic():
            rating = Satisfaction.objects.create(
                project=project,
                unit=unit,
                user=actor,
                score=score,
                comment=(comment or "").strip()[:200],
            )
    except IntegrityError:
        raise ValidationError(
            {"score": _("Rating: your household has rated this project.")}
        ) from None
    audit.record(actor=actor, action="project.rating", target=project, changes={"score": score})
    return rating
