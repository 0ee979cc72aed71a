"""Pages of the topic list (议题清单 · 列清单、挑难点).

- Public, no login: the board `/c/<code>/topics/` (sorted by support, difficulty or date, with
  status tabs) and a topic's page with photos, comments and its timeline. Never a name, phone
  or unit number: buildings only.
- Residents of the compound: raise a topic, support it (one per household), comment; their own
  topics under `/me/topics/`.
- Staff (`DELIBERATION_VIEW` to see and type in, `DELIBERATION_MANAGE` to mark, move and
  moderate): `/compounds/<code>/topics/…`, with hidden items marked.

Every write goes through `services_topics`; a refused action shows its message and changes
nothing. Forms post plainly and redirect.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mulin.core import access
from mulin.core.privacy import mask_name
from mulin.core.selectors import unit_by_code
from mulin.orgs.models import Organisation
from mulin.people.models import Person
from mulin.places.codes import UnitCodeError, parse_unit_code
from mulin.places.forms import apply_errors
from mulin.places.models import Building, Compound

from .. import selectors_topics as selectors
from .. import services_topics as services
from ..forms_topics import (
    CATEGORY_ICONS,
    AssessForm,
    CommentForm,
    MoveForm,
    PromoteForm,
    RaiseForm,
    ReasonForm,
    StaffRaiseForm,
    SupportForStaffForm,
)
from ..models import Topic, TopicCategory, TopicComment, TopicPhoto, TopicStatus

BOARD_PAGE_SIZE = 20
STAFF_PAGE_SIZE = 30
STATUS_TABS = [
    TopicStatus.OPEN,
    TopicStatus.SELECTED,
    TopicStatus.DISCUSSION,
    TopicStatus.RESOLVED,
    TopicStatus.DONE,
    TopicStatus.DECLINED,
]
STATUS_CLASS = {
    TopicStatus.OPEN: "pending",
    TopicStatus.SELECTED: "pending",
    TopicStatus.DISCUSSION: "pending",
    TopicStatus.RESOLVED: "approved",
    TopicStatus.DONE: "approved",
    TopicStatus.DECLINED: "rejected",
}
WINDOWS = (30, 90)


def _compound(code: str) -> Compound:
    return get_object_or_404(Compound.objects.select_related("community"), code=code)


def _staff_compound(user, code: str, perm: str = access.DELIBERATION_VIEW) -> Compound:
    compound = Compound.objects.select_related("community").filter(code=code).first()
    if compound is None or not access.can_in_compound(user, perm, compound):
        raise Http404
    return compound


def _tabs(counts: dict, status: str) -> list[dict]:
    labels = dict(TopicStatus.choices)
    tabs = [{"value": "", "label": _("All"), "count": counts.get("all", 0), "on": not status}]
    for value in STATUS_TABS:
        tabs.append(
            {
                "value": value,
                "label": labels[value],
                "count": counts.get(value, 0),
                "on": status == value,
            }
        )
    return tabs


def _decorate(topics, supported: set[int] = frozenset()):
    for topic in topics:
        topic.status_class = STATUS_CLASS.get(topic.status, "neutral")
        topic.icon = CATEGORY_ICONS.get(topic.category, "chat-square-text")
        topic.building_numbers = [b.number for b in topic.buildings.all()]
        topic.supported = topic.pk in supported
    return topics


def _sorts(sort: str) -> list[dict]:
    return [
        {"value": "support", "label": _("Most supported"), "on": sort == "support"},
        {"value": "hardest", "label": _("Hardest first"), "on": sort == "hardest"},
        {"value": "newest", "label": _("Newest"), "on": sort == "newest"},
    ]


# ------------------------------------------------------------------------ the public board


def board(request: HttpRequest, code: str) -> HttpResponse:
    compound = _compound(code)
    status = request.GET.get("status", "")
    status = status if status in TopicStatus.values else ""
    sort = request.GET.get("sort", selectors.DEFAULT_SORT)
    sort = sort if sort in selectors.SORTS else selectors.DEFAULT_SORT
    page = Paginator(selectors.board(compound, status=status, sort=sort), BOARD_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    topics = list(page.object_list)
    homes = services.homes_in(request.user, compound)
    supported = selectors.supported_topic_ids(homes, [t.pk for t in topics])
    counts = selectors.status_counts(compound)
    context = {
        "public_compound": compound,
        "compound": compound,
        "page": page,
        "topics": _decorate(topics, supported),
        "tabs": _tabs(counts, status),
        "sorts": _sorts(sort),
        "status": status,
        "sort": sort,
        "is_resident": bool(homes),
        "is_staff": access.can_in_compound(request.user, access.DELIBERATION_VIEW, compound),
    }
    return render(request, "deliberation/topics/board.html", context)


def _public_topic(request, compound, pk: int) -> Topic:
    topic = selectors.topic_page(compound, pk)
    if topic is None:
        raise Http404
    return topic


def _timeline(topic: Topic) -> list[dict]:
    labels = dict(TopicStatus.choices)
    steps = [{"label": _("Raised"), "at": topic.created_at, "reason": "", "cls": "neutral"}]
    for change in topic.changes.all():
        steps.append(
            {
                "label": labels.get(change.to_status, change.to_status),
                "at": change.at,
                "reason": change.reason,
                "cls": STATUS_CLASS.get(change.to_status, "neutral"),
            }
        )
    return steps


def _comment_rows(topic: Topic, *, staff: bool) -> list[dict]:
    rows = []
    for comment in topic.comments.all():
        if staff:
            author = comment.author.person.name if comment.author.person_id else str(comment.author)
            who = mask_name(author)
        elif comment.on_behalf_of_id:
            who = _("A resident (recorded by the office)")
        elif comment.author_id == topic.submitted_by_id and not topic.source_is_staff:
            who = _("The neighbour who raised it")
        else:
            who = _("A neighbour")
        rows.append({"comment": comment, "who": who})
    return rows


def _source_words(topic: Topic) -> str:
    if topic.raised_by_organisation_id:
        return _("Raised by %(organisation)s") % {"organisation": topic.raised_by_organisation.name}
    return topic.get_source_display()


def topic_detail(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    compound = _compound(code)
    topic = _public_topic(request, compound, pk)
    topic.source_is_staff = topic.source != "online"
    homes = services.homes_in(request.user, compound)
    supported = selectors.supported_topic_ids(homes, [topic.pk])
    _decorate([topic], supported)
    can_take_part = bool(homes) or access.can_in_compound(
        request.user, access.DELIBERATION_VIEW, compound
    )
    context = {
        "public_compound": compound,
        "compound": compound,
        "topic": topic,
        "source_words": _source_words(topic),
        "timeline": _timeline(topic),
        "comments": _comment_rows(topic, staff=False),
        "is_resident": bool(homes),
        "can_take_part": can_take_part,
        "may_support": bool(homes) and topic.status in services.SUPPORTABLE,
        "comment_form": CommentForm(),
        "is_staff": access.can_in_compound(request.user, access.DELIBERATION_VIEW, compound),
    }
    return render(request, "deliberation/topics/detail.html", context)


def topic_photo(request: HttpRequest, code: str, pk: int, photo_id: int) -> FileResponse:
    """A topic's photo, for whoever may see the topic (anyone for a shown topic, staff for a
    hidden one); never served from the media directory."""
    compound = _compound(code)
    staff = access.can_in_compound(request.user, access.DELIBERATION_VIEW, compound)
    row = (
        TopicPhoto.objects.filter(pk=photo_id, topic_id=pk, topic__compound=compound)
        .select_related("topic")
        .first()
    )
    if row is None or (row.topic.hidden and not staff):
        raise Http404
    try:
        handle = row.image.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ------------------------------------------------------------------------------ residents


@login_required
def raise_topic(request: HttpRequest, code: str) -> HttpResponse:
    compound = _compound(code)
    if not services.homes_in(request.user, compound):
        if access.can_in_compound(request.user, access.DELIBERATION_VIEW, compound):
            return redirect("deliberation:topics_staff_new", code=compound.code)
        raise Http404
    buildings = Building.objects.filter(compound=compound).order_by("sort_key", "number")
    post = request.method == "POST"
    form = RaiseForm(
        request.POST if post else None, request.FILES if post else None, buildings=buildings
    )
    if post and form.is_valid():
        data = form.cleaned_data
        try:
            topic = services.topic_raise(
                actor=request.user,
                compound=compound,
                title=data["title"],
                description=data["description"],
                category=data["category"],
                buildings=list(data["buildings"]),
                photos=data["photos"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("Your topic is on the list. Neighbours can now support it."),
            )
            return redirect("deliberation:topic", code=compound.code, pk=topic.pk)
    categories = [
        {"value": value, "label": label, "icon": CATEGORY_ICONS.get(value, "tag")}
        for value, label in TopicCategory.choices
    ]
    return render(
        request,
        "deliberation/topics/raise.html",
        {"form": form, "compound": compound, "categories": categories},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def support(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    compound = _compound(code)
    topic = get_object_or_404(Topic, compound=compound, pk=pk, hidden=False)
    if not services.homes_in(request.user, compound):
        raise Http404
    try:
        if request.POST.get("action") == "withdraw":
            services.topic_unsupport(actor=request.user, topic=topic)
            messages.success(request, _("Your household's support is withdrawn."))
        else:
            _support, created = services.topic_support(actor=request.user, topic=topic)
            if created:
                messages.success(request, _("Thank you: your household supports this topic."))
            else:
                messages.info(
                    request,
                    _(
                        "Your household already supports this topic (one support per home); "
                        "nothing changed."
                    ),
                )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("deliberation:topic", code=compound.code, pk=topic.pk)


@login_required
@require_POST
def comment(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    compound = _compound(code)
    topic = get_object_or_404(Topic, compound=compound, pk=pk, hidden=False)
    if not services.may_take_part(request.user, compound):
        raise Http404
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.topic_comment(actor=request.user, topic=topic, body=form.cleaned_data["body"])
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Your comment is published."))
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect(reverse("deliberation:topic", args=[compound.code, topic.pk]) + "#comments")


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    units = sorted(access.own_unit_ids(request.user))
    page = Paginator(selectors.my_topics(request.user, units), STAFF_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    topics = list(page.object_list)
    supported = selectors.supported_topic_ids(units, [t.pk for t in topics])
    for topic in topics:
        topic.status_class = STATUS_CLASS.get(topic.status, "neutral")
        topic.supported = topic.pk in supported
        topic.mine = topic.submitted_by_id == request.user.pk or (
            request.user.person_id and topic.raised_by_id == request.user.person_id
        )
    compounds = list(
        Compound.objects.filter(units__id__in=units).distinct().order_by("name")
        if units
        else Compound.objects.none()
    )
    return render(
        request,
        "deliberation/topics/mine.html",
        {"page": page, "topics": topics, "compounds": compounds},
    )


# -------------------------------------------------------------------------------------- staff


@login_required
def staff_list(request: HttpRequest, code: str) -> HttpResponse:
    compound = _staff_compound(request.user, code)
    status = request.GET.get("status", "")
    status = status if status in TopicStatus.values else ""
    sort = request.GET.get("sort", "newest")
    sort = sort if sort in selectors.SORTS else "newest"
    hidden = request.GET.get("hidden", "")
    q = request.GET.get("q", "")
    rows = selectors.staff_list(compound, status=status, sort=sort, hidden=hidden, q=q)
    page = Paginator(rows, STAFF_PAGE_SIZE).get_page(request.GET.get("page"))
    topics = _decorate(list(page.object_list))
    for topic in topics:
        topic.raiser = (
            topic.raised_by_organisation.name
            if topic.raised_by_organisation_id
            else mask_name(topic.raised_by.name)
            if topic.raised_by_id
            else ""
        )
    counts = selectors.status_counts(compound, staff=True)
    return render(
        request,
        "deliberation/topics/staff_list.html",
        {
            "compound": compound,
            "page": page,
            "topics": topics,
            "tabs": _tabs(counts, status),
            "sorts": _sorts(sort),
            "status": status,
            "sort": sort,
            "hidden": hidden,
            "q": q,
            "can_manage": access.can_in_compound(
                request.user, access.DELIBERATION_MANAGE, compound
            ),
            "levels": AssessForm().fields["difficulty"].choices,
        },
    )


RESIDENT_OPTIONS = 12  # residents offered for one search


@login_required
def staff_new(request: HttpRequest, code: str) -> HttpResponse:
    from mulin.people import selectors as people_selectors

    compound = _staff_compound(request.user, code)
    post = request.method == "POST"
    people = access.visible(
        request.user,
        access.REGISTRY_VIEW,
        Person.objects.filter(compound=compound, deceased_on__isnull=True),
    )
    # The resident is found with the registry's search box (name, pinyin, phone tail), never
    # picked from a list of everyone in the compound.
    query = request.GET.get("q", "").strip()
    options: list = []
    if query:
        found = people_selectors.search(
            request.user, query, compound=compound, limit=RESIDENT_OPTIONS
        )
        options = list(people.filter(pk__in=[p.pk for p in found.persons]).order_by("name", "id"))
    if request.htmx and "picker" in request.GET:
        return render(
            request,
            "deliberation/topics/staff_new.html#people",
            {"options": options, "query": query, "selected": None},
        )
    form = StaffRaiseForm(
        request.POST if post else None,
        request.FILES if post else None,
        buildings=Building.objects.filter(compound=compound).order_by("sort_key", "number"),
        people=people,
        organisations=Organisation.objects.filter(compound=compound).order_by("name"),
    )
    selected = None
    if post and request.POST.get("raised_by", "").isdigit():
        selected = people.filter(pk=request.POST["raised_by"]).first()
    if selected is not None and selected not in options:
        options = [selected, *options]
    if post and form.is_valid():
        data = form.cleaned_data
        try:
            topic = services.topic_raise(
                actor=request.user,
                compound=compound,
                title=data["title"],
                description=data["description"],
                category=data["category"],
                buildings=list(data["buildings"]),
                photos=data["photos"],
                source=data["source"],
                raised_by=data["raised_by"],
                organisation=data["organisation"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The topic is on the list."))
            return redirect("deliberation:topics_staff_topic", code=compound.code, pk=topic.pk)
    return render(
        request,
        "deliberation/topics/staff_new.html",
        {
            "form": form,
            "compound": compound,
            "options": options,
            "query": query,
            "selected": selected,
        },
        status=400 if form.errors else 200,
    )


@login_required
def from_requests(request: HttpRequest, code: str) -> HttpResponse:
    """每月一题: the compound's most frequent request categories, and making one a topic."""
    compound = _staff_compound(request.user, code, access.DELIBERATION_MANAGE)
    days = request.GET.get("days") or request.POST.get("days") or "30"
    days = int(days) if days.isdigit() and int(days) in WINDOWS else 30
    rows = selectors.recurring_requests(compound, days)
    wanted = request.GET.get("requests") or request.POST.get("requests") or ""
    chosen = next((r for r in rows if str(r["category_id"]) == wanted), None)
    form = None
    if chosen is not None:
        from mulin.tickets.models import Ticket

        tickets = selectors.requests_in(compound, chosen["category_id"], days)
        post = request.method == "POST"
        form = PromoteForm(
            request.POST if post else None,
            tickets=Ticket.objects.filter(pk__in=[t.pk for t in tickets]).order_by("-created_at"),
            initial={
                "title": chosen["category__name"],
                "tickets": [t.pk for t in tickets],
                "category": TopicCategory.FACILITIES,
                "description": _(
                    "%(count)s requests about “%(category)s” in the last %(days)s days."
                )
                % {"count": chosen["n"], "category": chosen["category__name"], "days": days},
            },
        )
        if post and form.is_valid():
            data = form.cleaned_data
            try:
                topic = services.topic_promote(
                    actor=request.user,
                    compound=compound,
                    tickets=list(data["tickets"].select_related("building")),
                    title=data["title"],
                    description=data["description"],
                    category=data["category"],
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The requests are now one topic on the list."))
                return redirect("deliberation:topics_staff_topic", code=compound.code, pk=topic.pk)
    return render(
        request,
        "deliberation/topics/from_requests.html",
        {
            "compound": compound,
            "rows": rows,
            "days": days,
            "windows": WINDOWS,
            "chosen": chosen,
            "form": form,
        },
        status=400 if form is not None and form.errors else 200,
    )


def _staff_topic(user, compound, pk: int) -> Topic:
    topic = selectors.topic_page(compound, pk, staff=True)
    if topic is None:
        raise Http404
    return topic


@login_required
def staff_topic(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    compound = _staff_compound(request.user, code)
    topic = _staff_topic(request.user, compound, pk)
    topic.source_is_staff = topic.source != "online"
    _decorate([topic])
    labels = dict(TopicStatus.choices)
    can_manage = access.can_in_compound(request.user, access.DELIBERATION_MANAGE, compound)
    return render(
        request,
        "deliberation/topics/staff_topic.html",
        {
            "compound": compound,
            "topic": topic,
            "source_words": _source_words(topic),
            "raiser": mask_name(topic.raised_by.name) if topic.raised_by_id else "",
            "timeline": _timeline(topic),
            "comments": _comment_rows(topic, staff=True),
            "moves": [(to, labels[to]) for to in services.allowed_moves(topic)],
            "can_manage": can_manage,
            "assess_form": AssessForm(
                initial={"difficulty": topic.difficulty, "urgency": topic.urgency}
            ),
            "move_form": MoveForm(),
            "reason_form": ReasonForm(),
            "support_form": SupportForStaffForm(),
        },
    )


STAFF_ACTIONS = {"assess", "move", "hide", "unhide", "support", "comment_hide", "comment_unhide"}
MANAGE_ACTIONS = STAFF_ACTIONS - {"support"}


def _errors_to_messages(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@login_required
@require_POST
def staff_act(request: HttpRequest, code: str, pk: int, action: str) -> HttpResponse:
    if action not in STAFF_ACTIONS:
        raise Http404
    perm = access.DELIBERATION_MANAGE if action in MANAGE_ACTIONS else access.DELIBERATION_VIEW
    compound = _staff_compound(request.user, code, perm)
    topic = get_object_or_404(Topic.objects.select_related("compound"), compound=compound, pk=pk)
    user, data = request.user, request.POST
    back = reverse("deliberation:topics_staff_topic", args=[compound.code, topic.pk])
    if data.get("next") == "list":
        back = reverse("deliberation:topics_staff", args=[compound.code])
    try:
        if action == "assess":
            services.topic_assess(
                actor=user,
                topic=topic,
                difficulty=data.get("difficulty"),
                urgency=data.get("urgency"),
            )
            messages.success(request, _("Difficulty and urgency are saved."))
        elif action == "move":
            services.topic_move(
                actor=user, topic=topic, to=data.get("to", ""), reason=data.get("reason", "")
            )
            messages.success(request, _("The topic has moved on."))
        elif action == "hide":
            services.topic_hide(actor=user, topic=topic, reason=data.get("reason", ""))
            messages.success(request, _("The topic is hidden from residents and the public."))
        elif action == "unhide":
            services.topic_unhide(actor=user, topic=topic)
            messages.success(request, _("The topic is shown again."))
        elif action in ("comment_hide", "comment_unhide"):
            cid = data.get("comment", "")
            found = TopicComment.objects.filter(
                topic=topic, pk=int(cid) if cid.isdigit() and len(cid) < 12 else 0
            ).first()
            if found is None:
                raise Http404
            found.topic = topic
            if action == "comment_hide":
                services.comment_hide(actor=user, comment=found, reason=data.get("reason", ""))
                messages.success(request, _("The comment is hidden."))
            else:
                services.comment_unhide(actor=user, comment=found)
                messages.success(request, _("The comment is shown again."))
        elif action == "support":
            try:
                unit = unit_by_code(compound, parse_unit_code(data.get("unit", "")))
            except UnitCodeError:
                unit = None
            if unit is None:
                raise ValidationError({"unit": _("No home of this compound has that unit code.")})
            _support, created = services.topic_support(actor=user, topic=topic, unit=unit)
            if created:
                messages.success(request, _("The household's support is recorded."))
            else:
                messages.info(request, _("That household already supports this topic."))
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    return redirect(back)


urlpatterns: list = [
    path("c/<slug:code>/topics/", board, name="topics"),
    path("c/<slug:code>/topics/new/", raise_topic, name="topic_new"),
    path("c/<slug:code>/topics/<int:pk>/", topic_detail, name="topic"),
    path("c/<slug:code>/topics/<int:pk>/support/", support, name="topic_support"),
    path("c/<slug:code>/topics/<int:pk>/comment/", comment, name="topic_comment"),
    path("c/<slug:code>/topics/<int:pk>/photos/<int:photo_id>/", topic_photo, name="topic_photo"),
    path("me/topics/", mine, name="my_topics"),
    path("compounds/<slug:code>/topics/", staff_list, name="topics_staff"),
    path("compounds/<slug:code>/topics/new/", staff_new, name="topics_staff_new"),
    path(
        "compounds/<slug:code>/topics/from-requests/",
        from_requests,
        name="topics_from_requests",
    ),
    path("compounds/<slug:code>/topics/<int:pk>/", staff_topic, name="topics_staff_topic"),
    path(
        "compounds/<slug:code>/topics/<int:pk>/do/<slug:action>/",
        staff_act,
        name="topics_staff_act",
    ),
]
