"""Pages of deliberation: civic — rules (定规矩), notice boards (微阵地), announcements (公告), the
praise wall (夸夸墙), pioneers (先锋党员) and evaluations (评价).

Public pages under /c/<code>/ need no login and show no resident's name, phone or unit (pioneers
and boards' responsible people are public by their role). Residents' own notices are on
/me/announcements/; staff pages under /compounds/<code>/ answer 404 to anyone without the
permission, like a missing compound."""

from __future__ import annotations

from datetime import date

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mulin.core import access
from mulin.core.privacy import mask_name
from mulin.orgs.models import Organisation
from mulin.places.forms import apply_errors
from mulin.places.models import Compound

from .. import diff as rule_diff
from .. import forms_civic as forms
from .. import selectors_civic as sel
from .. import services_civic as services
from ..models import (
    Announcement,
    Evaluation,
    PioneerNomination,
    Praise,
    PraiseStatus,
    Rule,
)

T = "deliberation/civic/"


ANNOUNCEMENTS_PER_PAGE = 20


def _public_compound(code: str) -> Compound:
    return get_object_or_404(Compound.objects.select_related("community"), code=code)


def _staff_compound(request: HttpRequest, code: str, perm: str) -> Compound:
    return access.get_or_404(
        request.user, perm, Compound.objects.select_related("community"), code=code
    )


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, border=1)
    svg = image.to_string(encoding="unicode")
    return svg.replace("<svg ", '<svg class="civic-qr" aria-hidden="true" focusable="false" ', 1)


def _nav(compound: Compound, here: str) -> dict:
    return {"public_compound": compound, "civic_here": here}


# ================================================================ rules


def rules_public(request: HttpRequest, code: str) -> HttpResponse:
    compound = _public_compound(code)
    rules = sel.rules_of(compound)
    return render(
        request,
        T + "rules/list.html",
        _nav(compound, "rules")
        | {
            "groups": sel.rules_by_kind(rules),
            "may_manage": sel.is_manager(request.user, compound),
        },
    )


def _version_number(value, versions, default):
    numbers = {v.number: v for v in versions}
    try:
        return numbers[int(value)]
    except (TypeError, ValueError, KeyError):
        return default


def rule_public(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    compound = _public_compound(code)
    try:
        rule = sel.rule_detail(compound, pk)
    except Rule.DoesNotExist as exc:
        raise Http404 from exc
    versions = rule.all_versions
    if not versions:
        raise Http404
    current = rule.current or versions[-1]
    newer = _version_number(request.GET.get("to"), versions, current)
    before = [v for v in versions if v.number < newer.number]
    older = _version_number(request.GET.get("from"), versions, before[-1] if before else None)
    comparison = None
    if older is not None and older.number != newer.number:
        if older.number > newer.number:
            older, newer = newer, older
        comparison = rule_diff.compare(older.text, newer.text)
    view = "side" if request.GET.get("view") == "side" else "inline"
    for version in versions:
        version.outcome = sel.motion_outcome(version.motion)
    return render(
        request,
        T + "rules/detail.html",
        _nav(compound, "rules")
        | {
            "rule": rule,
            "current": rule.current,
            "versions": list(reversed(versions)),
            "older": older,
            "newer": newer,
            "comparison": comparison,
            "view": view,
            "may_manage": sel.is_manager(request.user, compound),
        },
    )


@login_required
def rules_manage(request: HttpRequest, code: str) -> HttpResponse:
    compound = _staff_compound(request, code, access.DELIBERATION_MANAGE)
    form = forms.RuleAdoptForm(request.POST or None, compound=compound)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            version = services.rule_adopt(
                actor=request.user,
                compound=compound,
                kind=data["kind"],
                title=data["title"],
                text=data["text"],
                summary=data["summary"],
                effective_on=data["effective_on"],
                adopted_on=data["adopted_on"],
                resolution=data["resolution"],
                motion=data["motion"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The rule was adopted."))
            return redirect("deliberation:rule_public", compound.code, version.rule_id)
    return render(
        request,
        T + "rules/manage.html",
        {
            "compound": compound,
            "rules": sel.rules_of(compound, with_repealed=True),
            "form": form,
        },
        status=422 if form.errors else 200,
    )


@login_required
def rule_amend(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    compound = _staff_compound(request, code, access.DELIBERATION_MANAGE)
    rule = get_object_or_404(Rule, compound=compound, pk=pk)
    last = rule.versions.order_by("-number").first()
    form = forms.RuleAmendForm(
        request.POST or None,
        compound=compound,
        initial={"text": last.text if last else ""},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.rule_adopt(
                actor=request.user,
                compound=compound,
                kind=rule.kind,
                title=rule.title,
                text=data["text"],
                summary=data["summary"],
                effective_on=data["effective_on"],
                adopted_on=data["adopted_on"],
                resolution=data["resolution"],
                motion=data["motion"],
                rule=rule,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The new version was adopted."))
            return redirect("deliberation:rule_public", compound.code, rule.pk)
    return render(
        request,
        T + "rules/amend.html",
        {
            "compound": compound,
            "rule": rule,
            "last": last,
            "form": form,
            "repeal_form": forms.RuleRepealForm(initial={"repealed_on": timezone.localdate()}),
        },
        status=422 if form.errors else 200,
    )


@login_required
@require_POST
def rule_repeal(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    compound = _staff_compound(request, code, access.DELIBERATION_MANAGE)
    rule = get_object_or_404(Rule, compound=compound, pk=pk)
    form = forms.RuleRepealForm(request.POST)
    if form.is_valid():
        try:
            services.rule_repeal(
                actor=request.user, rule=rule, repealed_on=form.cleaned_data["repealed_on"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The rule was repealed."))
            return redirect("deliberation:rules_manage", compound.code)
    else:
        messages.error(request, _("Repealed on: enter a valid date."))
    return redirect("deliberation:rule_amend", compound.code, rule.pk)


# ================================================================ notice boards


def boards_public(request: HttpRequest, code: str) -> HttpResponse:
    compound = _public_compound(code)
    organisations = sel.boards_of(compound)
    editable = {o.pk for o in organisations if sel.may_edit_board(request.user, o)}
    return render(
        request,
        T + "boards/list.html",
        _nav(compound, "boards")
        | {
            "organisations": [o for o in organisations if getattr(o, "board", None)],
            "without_board": [o for o in organisations if not getattr(o, "board", None)],
            "editable": editable,
        },
    )


def _compound_org(compound: Compound, org_id: int) -> Organisation:
    return get_object_or_404(
        Organisation.objects.active().select_related("board"), compound=compound, pk=org_id
    )


def board_public(request: HttpRequest, code: str, org_id: int) -> HttpResponse:
    compound = _public_compound(code)
    organisation = _compound_org(compound, org_id)
    return render(
        request,
        T + "boards/detail.html",
        _nav(compound, "boards")
        | {
            "organisation": organisation,
            "board": getattr(organisation, "board", None),
            "may_edit": sel.may_edit_board(request.user, organisation),
        },
    )


@login_required
def board_edit(request: HttpRequest, code: str, org_id: int) -> HttpResponse:
    compound = _public_compound(code)
    organisation = _compound_org(compound, org_id)
    if not sel.may_edit_board(request.user, organisation):
        raise Http404
    board = getattr(organisation, "board", None)
    initial = {f: getattr(board, f) for f in services.BOARD_FIELDS} if board else {}
    form = forms.BoardForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.board_save(actor=request.user, organisation=organisation, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The notice board was updated."))
            return redirect("deliberation:board_public", compound.code, organisation.pk)
    return render(
        request,
        T + "boards/edit.html",
        _nav(compound, "boards") | {"organisation": organisation, "board": board, "form": form},
        status=422 if form.errors else 200,
    )


# ================================================================ announcements


def announcements_public(request: HttpRequest, code: str) -> HttpResponse:
    compound = _public_compound(code)
    page = Paginator(sel.announcements_public(compound), ANNOUNCEMENTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = list(page.object_list)
    return render(
        request,
        T + "announcements/list.html",
        _nav(compound, "announcements")
        | {
            "page": page,
            "announcements": rows,
            "read": sel.read_ids(request.user, rows),
            "is_resident": sel.is_resident(request.user, compound),
        },
    )


def _announcement(request: HttpRequest, compound: Compound, pk: int) -> Announcement:
    """A notice of the compound or its community. Building notices (and expired ones) only for
    the homes they reach and the compound's staff."""
    announcement = get_object_or_404(
        Announcement.objects.select_related("publisher", "compound", "building", "community"),
        Q(community_id=compound.community_id, compound__isnull=True) | Q(compound=compound),
        pk=pk,
        published_at__isnull=False,
    )
    today = timezone.localdate()
    public = announcement.building_id is None and (
        announcement.expires_on is None or announcement.expires_on >= today
    )
    if public:
        return announcement
    if sel.is_staff_viewer(request.user, compound) or sel.announcement_reaches(
        announcement, request.user
    ):
        return announcement
    if not request.user.is_authenticated:
        raise _LoginFirst
    raise Http404


class _LoginFirst(Exception):
    pass


def announcement_public(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    compound = _public_compound(code)
    try:
        announcement = _announcement(request, compound, pk)
    except _LoginFirst:
        return redirect_to_login(request.get_full_path())
    if sel.announcement_reaches(announcement, request.user):
        services.announcement_read(user=request.user, announcement=announcement)
    return render(
        request,
        T + "announcements/detail.html",
        _nav(compound, "announcements")
        | {
            "announcement": announcement,
            "may_see_reads": sel.is_staff_viewer(request.user, compound),
        },
    )


def announcement_print(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    compound = _public_compound(code)
    try:
        announcement = _announcement(request, compound, pk)
    except _LoginFirst:
        return redirect_to_login(request.get_full_path())
    url = request.build_absolute_uri(
        reverse("deliberation:announcement_public", args=[compound.code, announcement.pk])
    )
    return render(
        request,
        T + "announcements/print.html",
        _nav(compound, "announcements")
        | {
            "announcement": announcement,
            "online_url": url,
            "qr_svg": mark_safe(_qr_svg(url)),  # our own SVG: no user text in it
        },
    )


@login_required
def my_announcements(request: HttpRequest) -> HttpResponse:
    from mulin.places.models import Unit

    units = list(
        Unit.objects.filter(id__in=access.own_unit_ids(request.user)).select_related(
            "compound", "building"
        )
    )
    page = Paginator(sel.announcements_for_homes(units), ANNOUNCEMENTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = list(page.object_list)
    return render(
        request,
        T + "announcements/mine.html",
        {
            "page": page,
            "announcements": rows,
            "read": sel.read_ids(request.user, rows),
            "units": units,
        },
    )


@login_required
def announcements_manage(request: HttpRequest, code: str) -> HttpResponse:
    compound = _staff_compound(request, code, access.DELIBERATION_VIEW)
    may_manage = sel.is_manager(request.user, compound)
    form = forms.AnnouncementForm(request.POST or None, compound=compound)
    if request.method == "POST":
        if not may_manage:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            try:
                announcement = services.announcement_publish(
                    actor=request.user,
                    compound=compound,
                    scope=data["scope"],
                    building=data["building"],
                    title=data["title"],
                    body=data["body"],
                    publisher=data["publisher"],
                    expires_on=data["expires_on"],
                    pinned=data["pinned"],
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The notice was published."))
                return redirect("deliberation:announcement_reads", compound.code, announcement.pk)
    rows = list(sel.announcements_staff(compound)[:200])
    return render(
        request,
        T + "announcements/manage.html",
        {"compound": compound, "announcements": rows, "form": form, "may_manage": may_manage},
        status=422 if form.errors else 200,
    )


@login_required
def announcement_reads(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    compound = _staff_compound(request, code, access.DELIBERATION_VIEW)
    announcement = get_object_or_404(sel.announcements_staff(compound), pk=pk)
    reads = sel.readers(announcement)
    for read in reads:
        person = read.user.person
        read.masked = mask_name(person.name if person else (read.user.first_name or "—"))
    return render(
        request,
        T + "announcements/reads.html",
        {"compound": compound, "announcement": announcement, "reads": reads},
    )


# ================================================================ praise


def praise_wall(request: HttpRequest, code: str) -> HttpResponse:
    compound = _public_compound(code)
    is_resident = sel.is_resident(request.user, compound)
    form = forms.PraiseForm(request.POST or None, compound=compound)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_resident:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.praise_submit(
                    actor=request.user,
                    compound=compound,
                    to_name=data["to_name"],
                    to_organisation=data["to_organisation"],
                    body=data["body"],
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(
                    request, _("Thank you. Your post shows on the wall once it has been checked.")
                )
                return redirect("deliberation:praise_wall", compound.code)
    return render(
        request,
        T + "praise/wall.html",
        _nav(compound, "praise")
        | {
            "posts": list(sel.praise_wall(compound)[:200]),
            "form": form,
            "is_resident": is_resident,
            "may_manage": sel.is_manager(request.user, compound),
        },
        status=422 if form.errors else 200,
    )


@login_required
def praise_manage(request: HttpRequest, code: str) -> HttpResponse:
    compound = _staff_compound(request, code, access.DELIBERATION_MANAGE)
    status = request.GET.get("status", PraiseStatus.PENDING)
    if status not in PraiseStatus.values:
        status = PraiseStatus.PENDING
    rows = list(sel.praise_queue(compound).filter(status=status)[:200])
    for row in rows:
        person_name = row.author.first_name or row.author.username
        row.author_masked = mask_name(person_name)
    return render(
        request,
        T + "praise/manage.html",
        {
            "compound": compound,
            "posts": rows,
            "status": status,
            "statuses": PraiseStatus.choices,
        },
    )


@login_required
@require_POST
def praise_moderate(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    compound = _staff_compound(request, code, access.DELIBERATION_MANAGE)
    praise = get_object_or_404(Praise.objects.select_related("compound"), compound=compound, pk=pk)
    form = forms.ModerateForm(request.POST)
    if form.is_valid():
        try:
            services.praise_moderate(
                actor=request.user,
                praise=praise,
                show=form.cleaned_data["decision"] == "show",
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            messages.error(
                request, _("Reason for hiding: %(error)s") % {"error": " ".join(exc.messages)}
            )
        else:
            messages.success(request, _("The post was moderated."))
    else:
        messages.error(request, _("Choose to show or hide the post."))
    return redirect(reverse("deliberation:praise_manage", args=[compound.code]))


# ================================================================ pioneers


def pioneers_public(request: HttpRequest, code: str) -> HttpResponse:
    compound = _public_compound(code)
    year = timezone.localdate().year
    chosen = list(sel.pioneers_chosen(compound)[:200])
    years: dict[int, list] = {}
    for nomination in chosen:
        years.setdefault(nomination.year, []).append(nomination)
    open_rows = list(sel.nominations_open(compound, year))
    units = sel.home_units(request.user, compound)
    return render(
        request,
        T + "pioneers/list.html",
        _nav(compound, "pioneers")
        | {
            "years": sorted(years.items(), reverse=True),
            "nominations": open_rows,
            "supported": sel.supported_ids(units, open_rows),
            "is_resident": bool(units),
            "year": year,
        },
    )


@require_POST
def pioneer_support(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("deliberation:pioneers_public", args=[code]))
    compound = _public_compound(code)
    nomination = get_object_or_404(
        PioneerNomination.objects.select_related("compound"), compound=compound, pk=pk
    )
    if not sel.is_resident(request.user, compound):
        raise Http404
    try:
        services.pioneer_support(actor=request.user, nomination=nomination)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Your household's support was recorded."))
    return redirect("deliberation:pioneers_public", compound.code)


@login_required
def pioneers_manage(request: HttpRequest, code: str) -> HttpResponse:
    compound = _staff_compound(request, code, access.DELIBERATION_MANAGE)
    form = forms.NominationForm(request.POST or None, compound=compound)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.pioneer_nominate(
                actor=request.user,
                compound=compound,
                year=data["year"],
                person=data["person"],
                story=data["story"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The nomination was added."))
            return redirect("deliberation:pioneers_manage", compound.code)
    rows = list(
        PioneerNomination.objects.filter(compound=compound)
        .select_related("person")
        .order_by("-year", "-support_count", "id")[:200]
    )
    return render(
        request,
        T + "pioneers/manage.html",
        {"compound": compound, "nominations": rows, "form": form},
        status=422 if form.errors else 200,
    )


@login_required
@require_POST
def pioneer_choose(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    compound = _staff_compound(request, code, access.DELIBERATION_MANAGE)
    nomination = get_object_or_404(
        PioneerNomination.objects.select_related("compound", "person"), compound=compound, pk=pk
    )
    try:
        services.pioneer_choose(actor=request.user, nomination=nomination)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("%(name)s was chosen as pioneer.") % {"name": nomination.person.name}
        )
    return redirect("deliberation:pioneers_manage", compound.code)


# ================================================================ evaluations


def evaluations_public(request: HttpRequest, code: str) -> HttpResponse:
    compound = _public_compound(code)
    figures = sel.evaluations_of(compound)
    units = sel.home_units(request.user, compound)
    done = sel.my_ratings(units, [f.evaluation for f in figures])
    for f in figures:
        for o in f.organisations:
            o.rated = (f.evaluation.pk, o.organisation.pk) in done
            o.rateable = bool(units) and f.open and not o.rated
    return render(
        request,
        T + "evaluations/list.html",
        _nav(compound, "evaluations")
        | {
            "figures": figures,
            "done": done,
            "is_resident": bool(units),
            "today": timezone.localdate(),
        },
    )


@require_POST
def evaluation_rate(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("deliberation:evaluations_public", args=[code]))
    compound = _public_compound(code)
    evaluation = get_object_or_404(
        Evaluation.objects.select_related("compound"), compound=compound, pk=pk
    )
    if not sel.is_resident(request.user, compound):
        raise Http404
    form = forms.RatingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Rating: choose from 1 to 5 stars."))
        return redirect("deliberation:evaluations_public", compound.code)
    organisation = Organisation.objects.filter(
        pk=form.cleaned_data["organisation"], compound=compound
    ).first()
    try:
        services.evaluation_rate(
            actor=request.user,
            evaluation=evaluation,
            organisation=organisation,
            score=form.cleaned_data["score"],
            comment=form.cleaned_data["comment"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Thank you: your household's rating was recorded."))
    return redirect("deliberation:evaluations_public", compound.code)


@login_required
def evaluations_manage(request: HttpRequest, code: str) -> HttpResponse:
    compound = _staff_compound(request, code, access.DELIBERATION_MANAGE)
    today = timezone.localdate()
    form = forms.EvaluationForm(
        request.POST or None,
        compound=compound,
        initial={
            "title": _("%(year)s evaluation of the party organisation and the property")
            % {"year": today.year},
            "opens_on": today,
            "closes_on": date(today.year, 12, 31),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.evaluation_open(
                actor=request.user,
                compound=compound,
                title=data["title"],
                opens_on=data["opens_on"],
                closes_on=data["closes_on"],
                organisations=data["organisations"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The evaluation was opened."))
            return redirect("deliberation:evaluations_manage", compound.code)
    return render(
        request,
        T + "evaluations/manage.html",
        {
            "compound": compound,
            "figures": sel.evaluations_of(compound, with_comments=True),
            "form": form,
        },
        status=422 if form.errors else 200,
    )


urlpatterns = [
    path("c/<slug:code>/rules/", rules_public, name="rules_public"),
    path("c/<slug:code>/rules/<int:pk>/", rule_public, name="rule_public"),
    path("compounds/<slug:code>/rules/", rules_manage, name="rules_manage"),
    path("compounds/<slug:code>/rules/<int:pk>/amend/", rule_amend, name="rule_amend"),
    path("compounds/<slug:code>/rules/<int:pk>/repeal/", rule_repeal, name="rule_repeal"),
    path("c/<slug:code>/boards/", boards_public, name="boards_public"),
    path("c/<slug:code>/boards/<int:org_id>/", board_public, name="board_public"),
    path("c/<slug:code>/boards/<int:org_id>/edit/", board_edit, name="board_edit"),
    path("c/<slug:code>/announcements/", announcements_public, name="announcements_public"),
    path(
        "c/<slug:code>/announcements/<int:pk>/",
        announcement_public,
        name="announcement_public",
    ),
    path(
        "c/<slug:code>/announcements/<int:pk>/print/",
        announcement_print,
        name="announcement_print",
    ),
    path("me/announcements/", my_announcements, name="my_announcements"),
    path(
        "compounds/<slug:code>/announcements/",
        announcements_manage,
        name="announcements_manage",
    ),
    path(
        "compounds/<slug:code>/announcements/<int:pk>/",
        announcement_reads,
        name="announcement_reads",
    ),
    path("c/<slug:code>/praise/", praise_wall, name="praise_wall"),
    path("compounds/<slug:code>/praise/", praise_manage, name="praise_manage"),
    path(
        "compounds/<slug:code>/praise/<int:pk>/moderate/", praise_moderate, name="praise_moderate"
    ),
    path("c/<slug:code>/pioneers/", pioneers_public, name="pioneers_public"),
    path("c/<slug:code>/pioneers/<int:pk>/support/", pioneer_support, name="pioneer_support"),
    path("compounds/<slug:code>/pioneers/", pioneers_manage, name="pioneers_manage"),
    path("compounds/<slug:code>/pioneers/<int:pk>/choose/", pioneer_choose, name="pioneer_choose"),
    path("c/<slug:code>/evaluations/", evaluations_public, name="evaluations_public"),
    path("c/<slug:code>/evaluations/<int:pk>/rate/", evaluation_rate, name="evaluation_rate"),
    path("compounds/<slug:code>/evaluations/", evaluations_manage, name="evaluations_manage"),
]
