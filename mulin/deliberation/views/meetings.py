"""Pages of meetings (睦邻圆桌会 · 议事会), minutes, resolutions and tasks.

Staff pages (/compounds/<code>/…) answer 404 to anyone without `deliberation.view` in the
compound; writes need `deliberation.manage` (a task's owner may also mark it done). Public pages
(/c/<code>/…) show the meetings open to residents, without login, with the minutes masked; the
sign-in page (/m/<token>/) is what the meeting's QR code opens. Every write is a plain POST that
redirects; a refused one shows the page again with the message and status 400.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mulin.core import access
from mulin.people.models import Person
from mulin.places.forms import apply_errors
from mulin.places.models import Compound

from .. import calendar
from .. import minutes as minutes_format
from .. import selectors_meetings as selectors
from .. import services_meetings as services
from ..forms_meetings import (
    AttachmentForm,
    AttendanceForm,
    CancelForm,
    DecideRequestForm,
    GuestForm,
    MeetingForm,
    MinutesForm,
    MinutesRequestForm,
    MotionHandoffForm,
    ProjectHandoffForm,
    ResolutionForm,
    ResolutionStatusForm,
    RuleHandoffForm,
    TaskDoneForm,
    TaskForm,
)
from ..models import (
    AccessRequestStatus,
    Meeting,
    MeetingAttachment,
    MeetingStatus,
    MinutesRequest,
    Task,
)

PAGE_SIZE = 25


@dataclass(frozen=True)
class Powers:
    view: bool
    manage: bool
    decisions: bool

    @classmethod
    def of(cls, user, compound: Compound) -> Powers:
        return cls(
            view=access.can_in_compound(user, access.DELIBERATION_VIEW, compound),
            manage=access.can_in_compound(user, access.DELIBERATION_MANAGE, compound),
            decisions=access.can_in_compound(user, access.DECISIONS_MANAGE, compound),
        )


def _staff(request: HttpRequest, code: str) -> tuple[Compound, Powers]:
    compound = selectors.compound_or_404(code)
    powers = Powers.of(request.user, compound)
    if not powers.view:
        raise Http404
    return compound, powers


def _manage(powers: Powers) -> None:
    if not powers.manage:
        raise Http404


def _errors(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


# ---------------------------------------------------------------- staff: meetings


@login_required
def meetings(request: HttpRequest, code: str) -> HttpResponse:
    compound, powers = _staff(request, code)
    page = Paginator(selectors.staff_meetings(request.user, compound), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "deliberation/meetings/staff_list.html",
        {"compound": compound, "powers": powers, "page": page},
    )


def _form_page(request, compound, form, meeting=None, status=200):
    return render(
        request,
        "deliberation/meetings/meeting_form.html",
        {"compound": compound, "form": form, "meeting": meeting},
        status=status,
    )


@login_required
def meeting_new(request: HttpRequest, code: str) -> HttpResponse:
    compound, powers = _staff(request, code)
    _manage(powers)
    if request.method == "POST":
        form = MeetingForm(request.POST, compound=compound)
        if form.is_valid():
            try:
                meeting = services.meeting_create(
                    actor=request.user, compound=compound, **form.meeting_fields()
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The meeting was scheduled."))
                return redirect("deliberation:meeting", code=compound.code, meeting_id=meeting.pk)
        return _form_page(request, compound, form, status=400)
    initial = {"public": True}
    if request.GET.get("topic"):
        initial["topics"] = [request.GET["topic"]]
    return _form_page(request, compound, MeetingForm(compound=compound, initial=initial))


@login_required
def meeting_edit(request: HttpRequest, code: str, meeting_id: int) -> HttpResponse:
    compound, powers = _staff(request, code)
    _manage(powers)
    meeting = selectors.meeting_for_staff(request.user, compound, meeting_id)
    if request.method == "POST":
        form = MeetingForm(request.POST, compound=compound)
        if form.is_valid():
            try:
                services.meeting_update(
                    actor=request.user, meeting=meeting, **form.meeting_fields()
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(
                    request, _("The meeting was changed; calendars get the new version.")
                )
                return redirect("deliberation:meeting", code=compound.code, meeting_id=meeting.pk)
        return _form_page(request, compound, form, meeting, status=400)
    agenda = selectors.agenda(meeting)
    form = MeetingForm(
        compound=compound,
        initial={
            "kind": meeting.kind,
            "title": meeting.title,
            "description": meeting.description,
            "organiser": meeting.organiser_id,
            "starts_at": meeting.starts_at,
            "ends_at": meeting.ends_at,
            "place": meeting.place,
            "public": meeting.public,
            "invited_organisations": list(
                meeting.invited_organisations.values_list("id", flat=True)
            ),
            "invited_people": ", ".join(meeting.invited_people.values_list("name", flat=True)),
            "topics": [i.topic_id for i in agenda if i.topic_id],
            "items": "\n".join(i.title for i in agenda if not i.topic_id),
        },
    )
    return _form_page(request, compound, form, meeting)


@login_required
@require_POST
def meeting_cancel(request: HttpRequest, code: str, meeting_id: int) -> HttpResponse:
    compound, powers = _staff(request, code)
    _manage(powers)
    meeting = selectors.meeting_for_staff(request.user, compound, meeting_id)
    form = CancelForm(request.POST)
    form.is_valid()
    try:
        services.meeting_cancel(
            actor=request.user, meeting=meeting, reason=form.cleaned_data.get("reason", "")
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("The meeting was cancelled; calendars show it as cancelled."))
    return redirect("deliberation:meeting", code=compound.code, meeting_id=meeting.pk)


def _meeting_context(request, compound, powers, meeting, **extra) -> dict:
    query = (request.GET.get("q") or "").strip()
    found = []
    if query and powers.manage:
        found = list(
            Person.objects.filter(compound=compound)
            .filter(Q(phone_tail=query[-4:]) if query.isdigit() else Q(name__contains=query))
            .order_by("name")[:10]
        )
    return {
        "compound": compound,
        "powers": powers,
        "meeting": meeting,
        "agenda": selectors.agenda(meeting),
        "attendance": selectors.attendance(meeting),
        "attachments": selectors.attachments(meeting, public_only=False),
        "requests": selectors.minutes_requests(meeting),
        "resolutions": selectors.meeting_resolutions(meeting),
        "minutes_html": minutes_format.render(meeting.minutes),
        "attendance_form": extra.pop("attendance_form", None) or AttendanceForm(compound=compound),
        "attachment_form": extra.pop("attachment_form", None) or AttachmentForm(),
        "resolution_form": extra.pop("resolution_form", None)
        or ResolutionForm(compound=compound, initial=_resolution_initial(meeting)),
        "query": query,
        "found": found,
        **extra,
    }


def _resolution_initial(meeting):
    first = next((i.topic_id for i in meeting.agenda.all() if i.topic_id), None)
    return {"topic": first, "responsible_organisation": meeting.organiser_id}


@login_required
def meeting(request: HttpRequest, code: str, meeting_id: int) -> HttpResponse:
    compound, powers = _staff(request, code)
    meeting = selectors.meeting_for_staff(request.user, compound, meeting_id)
    return render(
        request,
        "deliberation/meetings/staff_meeting.html",
        _meeting_context(request, compound, powers, meeting),
    )


@login_required
@require_POST
def attendance_add(request: HttpRequest, code: str, meeting_id: int) -> HttpResponse:
    compound, powers = _staff(request, code)
    _manage(powers)
    meeting = selectors.meeting_for_staff(request.user, compound, meeting_id)
    form = AttendanceForm(request.POST, compound=compound)
    if form.is_valid():
        try:
            attendance = services.attendance_record(
                actor=request.user,
                meeting=meeting,
                person=form.cleaned_data.get("person"),
                name=form.cleaned_data.get("name", ""),
                organisation=form.cleaned_data.get("organisation"),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request, _("%(name)s is on the attendance list.") % {"name": attendance.name}
            )
            return redirect(
                reverse("deliberation:meeting", args=[compound.code, meeting.pk]) + "#attendance"
            )
    context = _meeting_context(request, compound, powers, meeting, attendance_form=form)
    return render(request, "deliberation/meetings/staff_meeting.html", context, status=400)


@login_required
@require_POST
def attachment_add(request: HttpRequest, code: str, meeting_id: int) -> HttpResponse:
    compound, powers = _staff(request, code)
    _manage(powers)
    meeting = selectors.meeting_for_staff(request.user, compound, meeting_id)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.attachment_add(
                actor=request.user,
                meeting=meeting,
                upload=form.cleaned_data["file"],
                name=form.cleaned_data.get("name", ""),
                public=form.cleaned_data.get("public", False),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The file was attached."))
            return redirect(
                reverse("deliberation:meeting", args=[compound.code, meeting.pk]) + "#files"
            )
    context = _meeting_context(request, compound, powers, meeting, attachment_form=form)
    return render(request, "deliberation/meetings/staff_meeting.html", context, status=400)


@login_required
def minutes_edit(request: HttpRequest, code: str, meeting_id: int) -> HttpResponse:
    compound, powers = _staff(request, code)
    _manage(powers)
    meeting = selectors.meeting_for_staff(request.user, compound, meeting_id)
    status = 200
    if request.method == "POST":
        form = MinutesForm(request.POST)
        action = request.POST.get("action", "save")
        publish = {"publish": True, "withdraw": False}.get(action)
        if form.is_valid():
            try:
                services.minutes_save(
                    actor=request.user,
                    meeting=meeting,
                    minutes=form.cleaned_data["minutes"],
                    publish=publish,
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(
                    request,
                    {
                        "publish": _("The minutes were published (masked for the public)."),
                        "withdraw": _("The minutes were withdrawn from the public page."),
                    }.get(action, _("The minutes were saved.")),
                )
                return redirect(
                    "deliberation:minutes_edit", code=compound.code, meeting_id=meeting.pk
                )
        status = 400
        text = request.POST.get("minutes", "")
    else:
        form = MinutesForm(initial={"minutes": meeting.minutes})
        text = meeting.minutes
    names = minutes_format.names_to_mask(meeting)
    return render(
        request,
        "deliberation/meetings/minutes_edit.html",
        {
            "compound": compound,
            "powers": powers,
            "meeting": meeting,
            "form": form,
            "full_html": minutes_format.render(text),
            "public_html": minutes_format.render(minutes_format.mask(text, names)),
        },
        status=status,
    )


@login_required
@require_POST
def minutes_request_decide(request: HttpRequest, code: str, meeting_id: int, request_id: int):
    compound, powers = _staff(request, code)
    _manage(powers)
    meeting = selectors.meeting_for_staff(request.user, compound, meeting_id)
    asked = MinutesRequest.objects.filter(meeting=meeting, pk=request_id).first()
    if asked is None:
        raise Http404
    form = DecideRequestForm(request.POST)
    if form.is_valid():
        try:
            services.minutes_request_decide(
                actor=request.user,
                request=asked,
                grant=form.cleaned_data["decision"] == "grant",
                answer=form.cleaned_data.get("answer", ""),
            )
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("The owner was answered."))
    else:
        messages.error(request, _("Choose to grant or refuse."))
    return redirect(reverse("deliberation:meeting", args=[compound.code, meeting.pk]) + "#requests")


@login_required
def signin_sheet(request: HttpRequest, code: str, meeting_id: int) -> HttpResponse:
    import qrcode
    import qrcode.image.svg

    compound, _powers = _staff(request, code)
    meeting = selectors.meeting_for_staff(request.user, compound, meeting_id)
    link = request.build_absolute_uri(reverse("deliberation:signin", args=[meeting.signin_token]))
    image = qrcode.make(link, image_factory=qrcode.image.svg.SvgPathImage, box_size=12, border=2)
    svg = image.to_string(encoding="unicode")
    return render(
        request,
        "deliberation/meetings/signin_sheet.html",
        {
            "compound": compound,
            "meeting": meeting,
            "link": link,
            "qr_svg": svg,
            "agenda": selectors.agenda(meeting),
            "rows": range(12),
        },
    )


# ---------------------------------------------------------------- staff: resolutions and tasks


def _resolution_page(request, compound, powers, resolution, status=200, **forms):
    from mulin.decisions.models import Vote
    from mulin.decisions.states import VoteStatus

    votes = Vote.objects.filter(compound=compound, status=VoteStatus.DRAFT).order_by("-id")
    return render(
        request,
        "deliberation/meetings/resolution.html",
        {
            "compound": compound,
            "powers": powers,
            "resolution": resolution,
            "status_form": forms.get("status_form")
            or ResolutionStatusForm(
                initial={"status": resolution.status, "outcome": resolution.outcome}
            ),
            "task_form": forms.get("task_form") or TaskForm(compound=compound),
            "project_form": forms.get("project_form")
            or ProjectHandoffForm(
                initial={"title": resolution.text[:120], "summary": resolution.text}
            ),
            "motion_form": forms.get("motion_form")
            or MotionHandoffForm(
                votes=votes, initial={"title": resolution.text[:200], "text": resolution.text}
            ),
            "rule_form": forms.get("rule_form")
            or RuleHandoffForm(initial={"text": resolution.text}),
            "draft_votes": list(votes) if powers.decisions else [],
            "projects": list(resolution.projects.all()),
            "rules": list(resolution.rule_versions.select_related("rule")),
        },
        status=status,
    )


@login_required
def resolution_new(request: HttpRequest, code: str) -> HttpResponse:
    """A resolution of a meeting (?meeting=<id>) or of a committee without one."""
    compound, powers = _staff(request, code)
    _manage(powers)
    meeting = None
    meeting_id = request.POST.get("meeting") or request.GET.get("meeting")
    if meeting_id and str(meeting_id).isdigit():
        meeting = selectors.meeting_for_staff(request.user, compound, int(meeting_id))
    if request.method == "POST":
        form = ResolutionForm(request.POST, compound=compound)
        if form.is_valid():
            try:
                resolution = services.resolution_create(
                    actor=request.user, compound=compound, meeting=meeting, **form.cleaned_data
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The resolution was recorded."))
                return redirect(
                    "deliberation:resolution", code=compound.code, resolution_id=resolution.pk
                )
        status = 400
    else:
        form = ResolutionForm(
            compound=compound, initial=_resolution_initial(meeting) if meeting else {}
        )
        status = 200
    return render(
        request,
        "deliberation/meetings/resolution_new.html",
        {"compound": compound, "powers": powers, "form": form, "meeting": meeting},
        status=status,
    )


@login_required
def resolutions(request: HttpRequest, code: str) -> HttpResponse:
    compound, powers = _staff(request, code)
    page = Paginator(selectors.staff_resolutions(request.user, compound), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "deliberation/meetings/resolutions.html",
        {"compound": compound, "powers": powers, "page": page},
    )


@login_required
def resolution(request: HttpRequest, code: str, resolution_id: int) -> HttpResponse:
    compound, powers = _staff(request, code)
    found = selectors.resolution_for_staff(request.user, compound, resolution_id)
    if request.method == "POST":
        _manage(powers)
        form = ResolutionStatusForm(request.POST)
        if form.is_valid():
            services.resolution_update(actor=request.user, resolution=found, **form.cleaned_data)
            messages.success(request, _("The resolution was updated."))
            return redirect("deliberation:resolution", code=compound.code, resolution_id=found.pk)
        return _resolution_page(request, compound, powers, found, 400, status_form=form)
    return _resolution_page(request, compound, powers, found)


@login_required
@require_POST
def task_add(request: HttpRequest, code: str, resolution_id: int) -> HttpResponse:
    compound, powers = _staff(request, code)
    _manage(powers)
    found = selectors.resolution_for_staff(request.user, compound, resolution_id)
    form = TaskForm(request.POST, compound=compound)
    if form.is_valid():
        try:
            services.task_create(actor=request.user, resolution=found, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The task was added."))
            return redirect("deliberation:resolution", code=compound.code, resolution_id=found.pk)
    return _resolution_page(request, compound, powers, found, 400, task_form=form)


@login_required
@require_POST
def handoff(request: HttpRequest, code: str, resolution_id: int, to: str) -> HttpResponse:
    """A resolution becomes a project, a motion of a draft vote, or a rule."""
    from mulin.decisions.models import Vote
    from mulin.decisions.states import VoteStatus

    compound, powers = _staff(request, code)
    _manage(powers)
    found = selectors.resolution_for_staff(request.user, compound, resolution_id)
    if to == "project":
        form = ProjectHandoffForm(request.POST)
        call = lambda d: services.resolution_to_project(actor=request.user, resolution=found, **d)  # noqa: E731
        done = _("The project was created from the resolution.")
    elif to == "motion":
        if not powers.decisions:
            raise Http404
        votes = Vote.objects.filter(compound=compound, status=VoteStatus.DRAFT)
        form = MotionHandoffForm(request.POST, votes=votes)
        call = lambda d: services.resolution_to_motion(actor=request.user, resolution=found, **d)  # noqa: E731
        done = _("The motion was added to the draft vote.")
    elif to == "rule":
        form = RuleHandoffForm(request.POST)
        call = lambda d: services.resolution_to_rule(actor=request.user, resolution=found, **d)  # noqa: E731
        done = _("The rule was adopted from the resolution.")
    else:
        raise Http404
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("deliberation:resolution", code=compound.code, resolution_id=found.pk)
    return _resolution_page(request, compound, powers, found, 400, **{f"{to}_form": form})


@login_required
def tasks(request: HttpRequest, code: str) -> HttpResponse:
    compound, powers = _staff(request, code)
    which = request.GET.get("show", "mine")
    if which not in selectors.TASK_FILTERS:
        which = "mine"
    page = Paginator(selectors.tasks(request.user, compound, which), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "deliberation/meetings/tasks.html",
        {
            "compound": compound,
            "powers": powers,
            "page": page,
            "which": which,
            "counts": selectors.task_counts(request.user, compound),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_POST
def task_done(request: HttpRequest, code: str, task_id: int) -> HttpResponse:
    compound, _powers = _staff(request, code)
    task = access.get_or_404(
        request.user,
        access.DELIBERATION_VIEW,
        Task.objects.filter(resolution__compound=compound).select_related("resolution__compound"),
        pk=task_id,
    )
    form = TaskDoneForm(request.POST)
    form.is_valid()
    try:
        services.task_done(actor=request.user, task=task, note=form.cleaned_data.get("note", ""))
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("“%(title)s” is done.") % {"title": task.title})
    back = request.POST.get("next", "")
    if back.startswith("/") and not back.startswith("//"):
        return redirect(back)
    return redirect("deliberation:tasks", code=compound.code)


# ---------------------------------------------------------------- public pages


def public_meetings(request: HttpRequest, code: str) -> HttpResponse:
    compound = selectors.compound_or_404(code)
    page = Paginator(selectors.public_meetings(compound), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "deliberation/meetings/public_list.html",
        {
            "public_compound": compound,
            "page": page,
            "upcoming": selectors.upcoming_public(compound),
        },
    )


def _public_context(request, compound, meeting, form=None) -> dict:
    user = request.user
    full = services.may_read_full_minutes(user, meeting)
    published = bool(meeting.minutes_published_at)
    text = ""
    if published:
        text = meeting.minutes if full else minutes_format.public_text(meeting)
    mine = []
    owner = False
    if user.is_authenticated:
        mine = list(MinutesRequest.objects.filter(meeting=meeting, requester=user))
        owner = services.is_owner_in(user, compound)
    return {
        "public_compound": compound,
        "meeting": meeting,
        "agenda": selectors.agenda(meeting),
        "minutes_html": minutes_format.render(text),
        "full": full,
        "published": published,
        "attachments": selectors.attachments(meeting, public_only=True) if published else [],
        "resolutions": selectors.meeting_resolutions(meeting),
        "attendance_count": meeting.attendance.count(),
        "my_requests": mine,
        "pending": any(r.status == AccessRequestStatus.PENDING for r in mine),
        "owner": owner,
        "request_form": form or MinutesRequestForm(),
        "staff": access.can_in_compound(user, access.DELIBERATION_VIEW, compound),
    }


def public_meeting(request: HttpRequest, code: str, meeting_id: int) -> HttpResponse:
    compound = selectors.compound_or_404(code)
    meeting = selectors.public_meeting(compound, meeting_id)
    return render(
        request,
        "deliberation/meetings/public_meeting.html",
        _public_context(request, compound, meeting),
    )


@require_POST
def minutes_request(request: HttpRequest, code: str, meeting_id: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("deliberation:public_meeting", args=[code, meeting_id]))
    compound = selectors.compound_or_404(code)
    meeting = selectors.public_meeting(compound, meeting_id)
    form = MinutesRequestForm(request.POST)
    if form.is_valid():
        try:
            services.minutes_request_create(
                actor=request.user, meeting=meeting, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Your request was sent; staff will answer it."))
            return redirect(
                "deliberation:public_meeting", code=compound.code, meeting_id=meeting.pk
            )
    context = _public_context(request, compound, meeting, form)
    return render(request, "deliberation/meetings/public_meeting.html", context, status=400)


def attachment(request: HttpRequest, code: str, meeting_id: int, attachment_id: int):
    """A file of a meeting: public ones with published minutes for anyone, every one for staff."""
    compound = selectors.compound_or_404(code)
    found = (
        MeetingAttachment.objects.filter(
            pk=attachment_id, meeting_id=meeting_id, meeting__compound=compound
        )
        .select_related("meeting")
        .first()
    )
    if found is None:
        raise Http404
    staff = access.can_in_compound(request.user, access.DELIBERATION_VIEW, compound)
    shown = found.public and found.meeting.public and found.meeting.minutes_published_at
    if not (staff or shown):
        raise Http404
    return FileResponse(found.file.open("rb"), as_attachment=True, filename=found.name)


def invitation(request: HttpRequest, code: str, meeting_id: int) -> HttpResponse:
    """The meeting as an .ics invitation (public meetings; internal ones for staff)."""
    compound = selectors.compound_or_404(code)
    meeting = (
        Meeting.objects.filter(compound=compound, pk=meeting_id).select_related("compound").first()
    )
    if meeting is None or not (
        meeting.public or access.can_in_compound(request.user, access.DELIBERATION_VIEW, compound)
    ):
        raise Http404
    response = HttpResponse(
        calendar.meeting_invitation(meeting), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.ics"'
    return response


def calendar_feed(request: HttpRequest, code: str) -> HttpResponse:
    compound = selectors.compound_or_404(code)
    response = HttpResponse(calendar.feed(compound), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{compound.code}.ics"'
    return response


def signin(request: HttpRequest, token: str) -> HttpResponse:
    """What the QR code opens: a resident of the compound signs in with one tap, a guest gives
    a name."""
    meeting = Meeting.objects.filter(signin_token=token).select_related("compound").first()
    if meeting is None:
        raise Http404
    user = request.user
    resident = user.is_authenticated and bool(services.resident_unit_ids(user, meeting.compound))
    mine = None
    if resident:
        mine = meeting.attendance.filter(person_id=user.person_id).first()
    form = GuestForm()
    status = 200
    if request.method == "POST" and request.POST.get("action") == "me":
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            mine, created = services.attendance_sign_in(user=user, meeting=meeting)
        except ValidationError as exc:
            _errors(request, exc)
            status = 400
        else:
            if created:
                messages.success(request, _("You are signed in. Welcome!"))
            else:
                messages.info(request, _("You had already signed in."))
            return redirect("deliberation:signin", token=token)
    elif request.method == "POST":
        form = GuestForm(request.POST)
        if form.is_valid():
            try:
                services.attendance_guest(
                    meeting=meeting,
                    name=form.cleaned_data["name"],
                    actor=user if user.is_authenticated else None,
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Thank you, you are signed in."))
                return redirect("deliberation:signin", token=token)
        status = 400
    return render(
        request,
        "deliberation/meetings/signin.html",
        {
            "public_compound": meeting.compound,
            "meeting": meeting,
            "resident": resident,
            "mine": mine,
            "form": form,
            "cancelled": meeting.status == MeetingStatus.CANCELLED,
        },
        status=status,
    )


urlpatterns = [
    path("compounds/<slug:code>/meetings/", meetings, name="meetings"),
    path("compounds/<slug:code>/meetings/new/", meeting_new, name="meeting_new"),
    path("compounds/<slug:code>/meetings/<int:meeting_id>/", meeting, name="meeting"),
    path(
        "compounds/<slug:code>/meetings/<int:meeting_id>/edit/", meeting_edit, name="meeting_edit"
    ),
    path(
        "compounds/<slug:code>/meetings/<int:meeting_id>/cancel/",
        meeting_cancel,
        name="meeting_cancel",
    ),
    path(
        "compounds/<slug:code>/meetings/<int:meeting_id>/attendance/",
        attendance_add,
        name="attendance_add",
    ),
    path(
        "compounds/<slug:code>/meetings/<int:meeting_id>/files/",
        attachment_add,
        name="attachment_add",
    ),
    path(
        "compounds/<slug:code>/meetings/<int:meeting_id>/minutes/",
        minutes_edit,
        name="minutes_edit",
    ),
    path(
        "compounds/<slug:code>/meetings/<int:meeting_id>/sheet/",
        signin_sheet,
        name="signin_sheet",
    ),
    path(
        "compounds/<slug:code>/meetings/<int:meeting_id>/requests/<int:request_id>/",
        minutes_request_decide,
        name="minutes_request_decide",
    ),
    path("compounds/<slug:code>/resolutions/", resolutions, name="resolutions"),
    path("compounds/<slug:code>/resolutions/new/", resolution_new, name="resolution_new"),
    path("compounds/<slug:code>/resolutions/<int:resolution_id>/", resolution, name="resolution"),
    path(
        "compounds/<slug:code>/resolutions/<int:resolution_id>/tasks/",
        task_add,
        name="task_add",
    ),
    path(
        "compounds/<slug:code>/resolutions/<int:resolution_id>/to/<slug:to>/",
        handoff,
        name="resolution_handoff",
    ),
    path("compounds/<slug:code>/tasks/", tasks, name="tasks"),
    path("compounds/<slug:code>/tasks/<int:task_id>/done/", task_done, name="task_done"),
    path("c/<slug:code>/meetings/", public_meetings, name="public_meetings"),
    path("c/<slug:code>/meetings/<int:meeting_id>/", public_meeting, name="public_meeting"),
    path(
        "c/<slug:code>/meetings/<int:meeting_id>/request/",
        minutes_request,
        name="minutes_request",
    ),
    path(
        "c/<slug:code>/meetings/<int:meeting_id>/files/<int:attachment_id>/",
        attachment,
        name="meeting_attachment",
    ),
    path("c/<slug:code>/meetings/<int:meeting_id>/invite.ics", invitation, name="meeting_ics"),
    path("c/<slug:code>/calendar.ics", calendar_feed, name="calendar"),
    path("m/<str:token>/", signin, name="signin"),
]
