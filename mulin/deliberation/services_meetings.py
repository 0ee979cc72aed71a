"""Writes of meetings, minutes, resolutions and tasks. Each service checks access, validates,
writes in one transaction and leaves an audit row. A refused write raises `ValidationError`
(with the field at fault) and changes nothing; acting without the permission raises 404."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from mulin.core import access, audit

from .models import (
    AccessRequestStatus,
    AgendaItem,
    Attendance,
    AttendanceMethod,
    Meeting,
    MeetingAttachment,
    MeetingKind,
    MeetingStatus,
    MinutesRequest,
    Resolution,
    ResolutionStatus,
    Task,
    Topic,
    TopicStatus,
)

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
# A topic put on an agenda moves from selected to discussion; later states are left alone.
LATER_THAN_SELECTED = {TopicStatus.DISCUSSION, TopicStatus.RESOLVED, TopicStatus.DONE}


def require_manage(actor, compound) -> None:
    if not access.can_in_compound(actor, access.DELIBERATION_MANAGE, compound):
        raise Http404


def resident_unit_ids(user, compound) -> set[int]:
    """The user's current homes in `compound` (lives there or owns one)."""
    return set(access.own_unit_ids_in(user, compound))


def is_owner_in(user, compound) -> bool:
    from mulin.people.models import Ownership

    if not getattr(user, "is_authenticated", False) or not user.person_id:
        return False
    return (
        Ownership.objects.current()
        .filter(person_id=user.person_id, unit__compound=compound)
        .exists()
    )


# ---------------------------------------------------------------- meetings


def _clean_meeting(compound, fields: dict) -> dict:
    errors = {}
    if fields.get("kind") not in MeetingKind.values:
        errors["kind"] = gettext("Choose what kind of meeting this is.")
    if not (fields.get("title") or "").strip():
        errors["title"] = gettext("Give the meeting a title.")
    if not (fields.get("place") or "").strip():
        errors["place"] = gettext("Say where the meeting takes place.")
    starts, ends = fields.get("starts_at"), fields.get("ends_at")
    if not starts:
        errors["starts_at"] = gettext("Give the time the meeting starts.")
    if not ends:
        errors["ends_at"] = gettext("Give the time the meeting ends.")
    if starts and ends and ends <= starts:
        errors["ends_at"] = gettext("The meeting must end after it starts.")
    organiser = fields.get("organiser")
    if organiser is not None and not _org_of(organiser, compound):
        errors["organiser"] = gettext("The organiser must be an organisation of this compound.")
    for org in fields.get("invited_organisations") or ():
        if not _org_of(org, compound):
            errors["invited_organisations"] = gettext(
                "Invite organisations of this compound or its community."
            )
    for person in fields.get("invited_people") or ():
        if person.compound_id != compound.id:
            errors["invited_people"] = gettext("Invite people registered in this compound.")
    if errors:
        raise ValidationError(errors)
    return fields


def _org_of(org, compound) -> bool:
    return org.compound_id == compound.id or (
        org.compound_id is None and org.community_id == compound.community_id
    )


def _set_agenda(actor, meeting: Meeting, agenda) -> None:
    """Replace the agenda: `agenda` is a list of (topic or None, title). A selected topic moves
    to discussion."""
    from .services_topics import topic_move

    meeting.agenda.all().delete()
    rows = []
    for position, (topic, title) in enumerate(agenda, start=1):
        if topic is not None and topic.compound_id != meeting.compound_id:
            raise ValidationError({"agenda": gettext("Agenda topics must be of this compound.")})
        title = (title or (topic.title if topic else "")).strip()[:120]
        if not title:
            continue
        rows.append(AgendaItem(meeting=meeting, position=position, topic=topic, title=title))
    AgendaItem.objects.bulk_create(rows)
    for item in rows:
        topic = item.topic
        if topic is not None and topic.status == TopicStatus.SELECTED:
            topic_move(actor=actor, topic=topic, to=TopicStatus.DISCUSSION)


MEETING_FIELDS = ("kind", "title", "description", "organiser", "starts_at", "ends_at", "place")


@transaction.atomic
def meeting_create(
    *,
    actor,
    compound,
    kind: str,
    title: str,
    starts_at,
    ends_at,
    place: str,
    description: str = "",
    organiser=None,
    invited_organisations=(),
    invited_people=(),
    public: bool = True,
    agenda=(),
) -> Meeting:
    """Schedule a meeting (睦邻圆桌会, 议事会 …) with its agenda."""
    require_manage(actor, compound)
    fields = _clean_meeting(
        compound,
        {
            "kind": kind,
            "title": title,
            "description": description,
            "organiser": organiser,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "place": place,
            "invited_organisations": invited_organisations,
            "invited_people": invited_people,
        },
    )
    meeting = Meeting.objects.create(
        compound=compound,
        created_by=actor,
        public=public,
        **{
            k: (v.strip() if isinstance(v, str) else v)
            for k, v in fields.items()
            if k in MEETING_FIELDS
        },
    )
    meeting.invited_organisations.set(invited_organisations)
    meeting.invited_people.set(invited_people)
    _set_agenda(actor, meeting, agenda)
    audit.record(
        actor=actor,
        action="meeting.create",
        target=meeting,
        compound_id=compound.id,
        changes={"title": meeting.title, "starts_at": meeting.starts_at.isoformat()},
    )
    return meeting


@transaction.atomic
def meeting_update(
    *,
    actor,
    meeting: Meeting,
    kind: str,
    title: str,
    starts_at,
    ends_at,
    place: str,
    description: str = "",
    organiser=None,
    invited_organisations=(),
    invited_people=(),
    public: bool = True,
    agenda=None,
) -> Meeting:
    """Change a meeting; its iCalendar SEQUENCE goes up so calendars take the new version."""
    require_manage(actor, meeting.compound)
    meeting = Meeting.objects.select_for_update().select_related("compound").get(pk=meeting.pk)
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(gettext("A cancelled meeting cannot be changed."))
    fields = _clean_meeting(
        meeting.compound,
        {
            "kind": kind,
            "title": title,
            "description": description,
            "organiser": organiser,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "place": place,
            "invited_organisations": invited_organisations,
            "invited_people": invited_people,
        },
    )
    changes = {}
    for name in MEETING_FIELDS:
        value = fields[name].strip() if isinstance(fields[name], str) else fields[name]
        if getattr(meeting, name) != value:
            changes[name] = str(value)
            setattr(meeting, name, value)
    if meeting.public != public:
        changes["public"] = public
        meeting.public = public
    meeting.sequence += 1
    meeting.save()
    meeting.invited_organisations.set(invited_organisations)
    meeting.invited_people.set(invited_people)
    if agenda is not None:
        _set_agenda(actor, meeting, agenda)
    audit.record(
        actor=actor,
        action="meeting.update",
        target=meeting,
        compound_id=meeting.compound_id,
        changes=changes | {"sequence": meeting.sequence},
    )
    return meeting


@transaction.atomic
def meeting_cancel(*, actor, meeting: Meeting, reason: str = "") -> Meeting:
    require_manage(actor, meeting.compound)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status != MeetingStatus.PLANNED:
        raise ValidationError(gettext("Only a planned meeting can be cancelled."))
    meeting.status = MeetingStatus.CANCELLED
    meeting.sequence += 1
    meeting.save(update_fields=["status", "sequence", "updated_at"])
    audit.record(
        actor=actor,
        action="meeting.cancel",
        target=meeting,
        compound_id=meeting.compound_id,
        changes={"reason": reason.strip()[:200]},
    )
    return meeting


# ---------------------------------------------------------------- attendance


@transaction.atomic
def attendance_sign_in(*, user, meeting: Meeting) -> tuple[Attendance, bool]:
    """A resident of the compound signs in with the meeting's QR code; a second tap returns
    the first sign-in (created=False)."""
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(gettext("This meeting was cancelled."))
    if not user.person_id or not resident_unit_ids(user, meeting.compound):
        raise ValidationError(
            gettext("Only residents of this compound sign in here; guests give their name.")
        )
    found = Attendance.objects.filter(meeting=meeting, person_id=user.person_id).first()
    if found:
        return found, False
    try:
        with transaction.atomic():
            attendance = Attendance.objects.create(
                meeting=meeting,
                person_id=user.person_id,
                name=user.person.name[:60],
                method=AttendanceMethod.QR,
                recorded_by=user,
            )
    except IntegrityError:  # two taps at once: the constraint keeps one
        return Attendance.objects.get(meeting=meeting, person_id=user.person_id), False
    audit.record(
        actor=user,
        action="meeting.sign_in",
        target=meeting,
        compound_id=meeting.compound_id,
        subject_person=user.person,
    )
    return attendance, True


@transaction.atomic
def attendance_guest(*, meeting: Meeting, name: str, actor=None) -> Attendance:
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(gettext("This meeting was cancelled."))
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": gettext("Give your name to sign in.")})
    if len(name) > 60:
        raise ValidationError({"name": gettext("A name has at most 60 characters.")})
    attendance = Attendance.objects.create(
        meeting=meeting, name=name, method=AttendanceMethod.QR, recorded_by=actor
    )
    audit.record(
        actor=actor,
        action="meeting.sign_in_guest",
        target=meeting,
        compound_id=meeting.compound_id,
    )
    return attendance


@transaction.atomic
def attendance_record(
    *, actor, meeting: Meeting, person=None, name: str = "", organisation=None
) -> Attendance:
    """Staff record someone who came: a registered person, or a name (a guest)."""
    require_manage(actor, meeting.compound)
    name = (name or "").strip()
    if person is None and not name:
        raise ValidationError({"name": gettext("Choose a person or give a name.")})
    if person is not None and person.compound_id != meeting.compound_id:
        raise ValidationError({"person": gettext("Choose a person registered in this compound.")})
    if organisation is not None and not _org_of(organisation, meeting.compound):
        raise ValidationError({"organisation": gettext("Choose an organisation of this compound.")})
    if person is not None and Attendance.objects.filter(meeting=meeting, person=person).exists():
        raise ValidationError(
            {"person": gettext("%(name)s is already on the list.") % {"name": person.name}}
        )
    attendance = Attendance.objects.create(
        meeting=meeting,
        person=person,
        name=(person.name if person else name)[:60],
        organisation=organisation,
        method=AttendanceMethod.STAFF,
        recorded_by=actor,
    )
    audit.record(
        actor=actor,
        action="meeting.attendance",
        target=meeting,
        compound_id=meeting.compound_id,
        subject_person=person,
        changes={"organisation": organisation.pk if organisation else None},
    )
    return attendance


# ---------------------------------------------------------------- minutes


@transaction.atomic
def minutes_save(*, actor, meeting: Meeting, minutes: str, publish: bool | None = None) -> Meeting:
    """Write the minutes; `publish=True` publishes them (masked for the public), `False`
    withdraws them. Notes may be drafted beforehand; once the meeting has started, a meeting
    with minutes has been held, and only then can they be published."""
    require_manage(actor, meeting.compound)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(gettext("A cancelled meeting has no minutes."))
    minutes = (minutes or "").strip()
    if publish and not minutes:
        raise ValidationError({"minutes": gettext("Write the minutes before publishing them.")})
    started = meeting.starts_at <= timezone.now()
    if publish and not started:
        raise ValidationError(
            {"minutes": gettext("Minutes can be published once the meeting has started.")}
        )
    meeting.minutes = minutes
    if publish is True and not meeting.minutes_published_at:
        meeting.minutes_published_at = timezone.now()
    elif publish is False:
        meeting.minutes_published_at = None
    if minutes and started and meeting.status == MeetingStatus.PLANNED:
        meeting.status = MeetingStatus.HELD
    meeting.save()
    audit.record(
        actor=actor,
        action="meeting.minutes",
        target=meeting,
        compound_id=meeting.compound_id,
        changes={"length": len(minutes), "published": bool(meeting.minutes_published_at)},
    )
    return meeting


@transaction.atomic
def attachment_add(*, actor, meeting: Meeting, upload, name: str = "", public: bool = False):
    require_manage(actor, meeting.compound)
    if upload is None:
        raise ValidationError({"file": gettext("Choose a file.")})
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError({"file": gettext("A file may be at most 20 MB.")})
    attachment = MeetingAttachment.objects.create(
        meeting=meeting,
        file=upload,
        name=(name or upload.name).strip()[:120],
        size_bytes=upload.size,
        public=public,
        uploaded_by=actor,
    )
    audit.record(
        actor=actor,
        action="meeting.attachment",
        target=meeting,
        compound_id=meeting.compound_id,
        changes={"name": attachment.name, "public": public},
    )
    return attachment


@transaction.atomic
def minutes_request_create(*, actor, meeting: Meeting, reason: str) -> MinutesRequest:
    """An owner asks to consult the full minutes (Civil Code Art. 281: owners may consult the
    records of the compound's common affairs)."""
    if not is_owner_in(actor, meeting.compound):
        raise ValidationError(gettext("Only owners of this compound can ask for the full minutes."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": gettext("Say why you need the full minutes.")})
    if MinutesRequest.objects.filter(
        meeting=meeting, requester=actor, status=AccessRequestStatus.PENDING
    ).exists():
        raise ValidationError(gettext("Your request is already waiting for an answer."))
    request = MinutesRequest.objects.create(meeting=meeting, requester=actor, reason=reason[:200])
    audit.record(
        actor=actor,
        action="minutes_request.create",
        target=request,
        compound_id=meeting.compound_id,
    )
    return request


@transaction.atomic
def minutes_request_decide(
    *, actor, request: MinutesRequest, grant: bool, answer: str = ""
) -> MinutesRequest:
    require_manage(actor, request.meeting.compound)
    request = MinutesRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != AccessRequestStatus.PENDING:
        raise ValidationError(gettext("This request was already answered."))
    answer = (answer or "").strip()
    if not grant and not answer:
        raise ValidationError({"answer": gettext("Tell the owner why the request is refused.")})
    request.status = AccessRequestStatus.GRANTED if grant else AccessRequestStatus.REFUSED
    request.answer = answer[:200]
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.save()
    audit.record(
        actor=actor,
        action="minutes_request.grant" if grant else "minutes_request.refuse",
        target=request,
        compound_id=request.meeting.compound_id,
        changes={"answer": request.answer},
    )
    from mulin.core.notifications import notify

    notify(
        recipients=[request.requester],
        kind="status",
        title=gettext("Your request for the full minutes was answered"),
        body=request.answer or gettext("You may now read the full minutes."),
        target=request.meeting,
    )
    return request


def may_read_full_minutes(user, meeting: Meeting) -> bool:
    """Staff of the compound, and owners whose request was granted."""
    if not getattr(user, "is_authenticated", False):
        return False
    if access.can_in_compound(user, access.DELIBERATION_VIEW, meeting.compound):
        return True
    return MinutesRequest.objects.filter(
        meeting=meeting, requester=user, status=AccessRequestStatus.GRANTED
    ).exists()


# ---------------------------------------------------------------- resolutions


@transaction.atomic
def resolution_create(
    *,
    actor,
    compound,
    text: str,
    meeting: Meeting | None = None,
    topic: Topic | None = None,
    responsible_organisation=None,
    responsible_person=None,
    due_on: date | None = None,
) -> Resolution:
    """Record what a meeting (or the committee) decided. A topic in discussion is resolved."""
    require_manage(actor, compound)
    errors = {}
    text = (text or "").strip()
    if not text:
        errors["text"] = gettext("Write what was decided.")
    if meeting is not None and meeting.compound_id != compound.id:
        errors["meeting"] = gettext("Choose a meeting of this compound.")
    if topic is not None and topic.compound_id != compound.id:
        errors["topic"] = gettext("Choose a topic of this compound.")
    if responsible_organisation is not None and not _org_of(responsible_organisation, compound):
        errors["responsible_organisation"] = gettext("Choose an organisation of this compound.")
    if responsible_person is not None and responsible_person.compound_id != compound.id:
        errors["responsible_person"] = gettext("Choose a person registered in this compound.")
    if errors:
        raise ValidationError(errors)
    resolution = Resolution.objects.create(
        compound=compound,
        meeting=meeting,
        topic=topic,
        text=text,
        responsible_organisation=responsible_organisation,
        responsible_person=responsible_person,
        due_on=due_on,
        created_by=actor,
    )
    audit.record(
        actor=actor,
        action="resolution.create",
        target=resolution,
        compound_id=compound.id,
        changes={"text": text[:200], "topic": topic.pk if topic else None},
    )
    if topic is not None and topic.status == TopicStatus.DISCUSSION:
        from .services_topics import topic_move

        topic_move(actor=actor, topic=topic, to=TopicStatus.RESOLVED)
    return resolution


@transaction.atomic
def resolution_update(
    *, actor, resolution: Resolution, status: str, outcome: str = ""
) -> Resolution:
    require_manage(actor, resolution.compound)
    if status not in ResolutionStatus.values:
        raise ValidationError({"status": gettext("Choose a status.")})
    resolution = Resolution.objects.select_for_update().get(pk=resolution.pk)
    before = resolution.status
    resolution.status = status
    resolution.outcome = (outcome or "").strip()
    if status == ResolutionStatus.DONE and not resolution.done_at:
        resolution.done_at = timezone.now()
    elif status != ResolutionStatus.DONE:
        resolution.done_at = None
    resolution.save()
    audit.record(
        actor=actor,
        action="resolution.update",
        target=resolution,
        compound_id=resolution.compound_id,
        changes={"status": [before, status]},
    )
    return resolution


@transaction.atomic
def resolution_to_project(*, actor, resolution: Resolution, title: str, summary: str, kind: str):
    """Hand a resolution to the public projects (实事项目)."""
    from .services_projects import project_create

    require_manage(actor, resolution.compound)
    if resolution.projects.exists():
        raise ValidationError(gettext("This resolution already has a project."))
    project = project_create(
        actor=actor,
        compound=resolution.compound,
        title=title,
        summary=summary,
        kind=kind,
        resolution=resolution,
        topic=resolution.topic,
    )
    audit.record(
        actor=actor,
        action="resolution.to_project",
        target=resolution,
        compound_id=resolution.compound_id,
        changes={"project": project.pk},
    )
    return project


@transaction.atomic
def resolution_to_motion(
    *, actor, resolution: Resolution, vote, kind: str, matter: str = "", title: str, text: str = ""
):
    """Put a resolution to the owners' vote: a motion of a draft vote (decisions.manage)."""
    from mulin.decisions import services as decisions

    if resolution.motion_id:
        raise ValidationError(gettext("This resolution is already a motion."))
    if vote.compound_id != resolution.compound_id:
        raise ValidationError({"vote": gettext("Choose a vote of this compound.")})
    motion = decisions.motion_add(
        actor=actor, vote=vote, kind=kind, title=title, text=text, matter=matter
    )
    resolution.motion = motion
    resolution.save(update_fields=["motion", "updated_at"])
    audit.record(
        actor=actor,
        action="resolution.to_motion",
        target=resolution,
        compound_id=resolution.compound_id,
        changes={"motion": motion.pk, "vote": vote.pk},
    )
    return motion


@transaction.atomic
def resolution_to_rule(
    *,
    actor,
    resolution: Resolution,
    kind: str,
    title: str,
    text: str,
    effective_on,
    adopted_on,
    summary: str = "",
):
    """Turn a resolution into a rule or convention (定规矩)."""
    from .services_civic import rule_adopt

    require_manage(actor, resolution.compound)
    version = rule_adopt(
        actor=actor,
        compound=resolution.compound,
        kind=kind,
        title=title,
        text=text,
        effective_on=effective_on,
        adopted_on=adopted_on,
        resolution=resolution,
        summary=summary,
    )
    audit.record(
        actor=actor,
        action="resolution.to_rule",
        target=resolution,
        compound_id=resolution.compound_id,
        changes={"rule_version": version.pk},
    )
    return version


# ---------------------------------------------------------------- tasks


@transaction.atomic
def task_create(
    *, actor, resolution: Resolution, title: str, due_on, owner=None, owner_organisation=None
) -> Task:
    require_manage(actor, resolution.compound)
    errors = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = gettext("Say what is to be done.")
    if not due_on:
        errors["due_on"] = gettext("Give the date it is due.")
    if owner is None and owner_organisation is None:
        errors["owner"] = gettext("Say who does it: a person or an organisation.")
    if owner_organisation is not None and not _org_of(owner_organisation, resolution.compound):
        errors["owner_organisation"] = gettext("Choose an organisation of this compound.")
    if owner is not None and not access.can_in_compound(
        owner, access.DELIBERATION_VIEW, resolution.compound
    ):
        errors["owner"] = gettext("The person doing it must be staff of this compound.")
    if errors:
        raise ValidationError(errors)
    task = Task.objects.create(
        resolution=resolution,
        title=title[:160],
        due_on=due_on,
        owner=owner,
        owner_organisation=owner_organisation,
    )
    if resolution.status == ResolutionStatus.OPEN:
        resolution.status = ResolutionStatus.IN_PROGRESS
        resolution.save(update_fields=["status", "updated_at"])
    audit.record(
        actor=actor,
        action="task.create",
        target=task,
        compound_id=resolution.compound_id,
        changes={"title": task.title, "due_on": str(due_on)},
    )
    if owner is not None and owner != actor:
        from mulin.core.notifications import notify

        notify(
            recipients=[owner],
            kind="assignment",
            title=gettext("A task for you: %(title)s") % {"title": task.title},
            body=resolution.text[:200],
            target=task,
            url=task_url(task),
        )
    return task


def task_url(task: Task) -> str:
    from django.urls import reverse

    return reverse("deliberation:tasks", args=[task.resolution.compound.code])


def may_do_task(user, task: Task) -> bool:
    return task.owner_id == user.pk or access.can_in_compound(
        user, access.DELIBERATION_MANAGE, task.resolution.compound
    )


@transaction.atomic
def task_done(*, actor, task: Task, note: str = "") -> Task:
    if not may_do_task(actor, task):
        raise Http404
    task = Task.objects.select_for_update().get(pk=task.pk)
    if task.done_at:
        raise ValidationError(gettext("This task is already done."))
    task.done_at = timezone.now()
    task.done_by = actor
    task.note = (note or "").strip()[:200]
    task.save()
    audit.record(
        actor=actor,
        action="task.done",
        target=task,
        compound_id=task.resolution.compound_id,
        changes={"note": task.note},
    )
    return task


def tasks_remind_overdue(today: date | None = None) -> int:
    """One reminder a day to the owner of each overdue task (Task.reminded_on keeps it to one):
    each task is claimed with a conditional UPDATE, so two tickers never remind twice."""
    from mulin.core.notifications import notify

    today = today or timezone.localdate()
    due = (
        Task.objects.filter(done_at__isnull=True, due_on__lt=today, owner__isnull=False)
        .exclude(reminded_on=today)
        .select_related("owner", "resolution__compound")
    )
    sent = 0
    for task in due:
        with transaction.atomic():
            claimed = (
                Task.objects.filter(pk=task.pk, done_at__isnull=True)
                .exclude(reminded_on=today)
                .update(reminded_on=today)
            )
            if not claimed:
                continue
            notify(
                recipients=[task.owner],
                kind="overdue",
                title=gettext("Overdue since %(day)s: %(title)s")
                % {"day": task.due_on.isoformat(), "title": task.title},
                body=task.resolution.text[:200],
                target=task,
                url=task_url(task),
            )
            sent += 1
    return sent
