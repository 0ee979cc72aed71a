"""Staff pages for ballots that did not come in online (DESIGN §7: no owner is left out for
lacking a smartphone).

- `paper_ballots`: printable A4 ballots, one per owner party, each with its one-time token in
  letters and as a QR code that opens `record_token` with the token filled in.
- `record_token`: type or scan the token, copy the answers off the paper, attach the scan.
- `canvass` / `canvass_elector`: the door-to-door board (扫楼) and one owner party's phone page:
  the ballot signed on screen, or the visit marked contacted / unreachable. Proxy and on-site
  ballots are the same page with `?channel=proxy` / `?channel=onsite` (one form, one set of
  checks, one place staff look for an owner).
- `ballot_list`, `ballot_correct`, `ballot_attachment` (views/ballots_manage.py): the
  managers' view of every ballot, corrections with a reason, the stored files.

Every page needs `decisions.record` in the compound (the managers' pages `decisions.manage`);
a denied page is a 404. Writes go through `mulin.decisions.ballots`; a refusal shows its message
and changes nothing.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from mulin.core import access
from mulin.people import selectors as people_selectors
from mulin.people.models import Person
from mulin.places.forms import apply_errors

from .. import ballots, recording, selectors
from ..forms_ballots import (
    CanvassBallotForm,
    CanvassFilterForm,
    CanvassMarkForm,
    OnsiteBallotForm,
    PaperBallotForm,
    ProxyBallotForm,
    TokenForm,
)
from ..models import Ballot, Channel, Elector, Vote
from ..states import WITH_ELECTORATE, VoteStatus
from . import ballots_manage
from .ballots_common import VOTE_PATH, page_context, recording_refusal, vote_or_404

PRINTABLE = frozenset({VoteStatus.PUBLISHED, VoteStatus.OPEN})
CANVASS_PAGE = 120  # owner parties on one page of the board: a big building on one screen
RETRY_WINDOW = timedelta(minutes=5)  # a double tap's second copy is not "already voted"
ELECTOR_CHANNELS = (Channel.CANVASS, Channel.PROXY, Channel.ONSITE)
PEOPLE = Prefetch("people", queryset=Person.objects.order_by("id"))


def _first_ballot(elector: Elector) -> Ballot | None:
    return Ballot.objects.filter(elector=elector).select_related("recorded_by").first()


def _just_recorded(elector: Elector, user, channel: str, now) -> Ballot | None:
    """The ballot `user` recorded for `elector` on `channel` moments ago: a second tap on
    "record" is answered as the first was, not as a double vote."""
    first = _first_ballot(elector)
    if (
        first is not None
        and first.recorded_by_id == user.pk
        and first.channel == channel
        and now - first.cast_at < RETRY_WINDOW
    ):
        return first
    return None


def _recorded_message(elector: Elector, channel: str, form) -> str:
    message = _("Ballot of %(owner)s recorded (%(channel)s).") % {
        "owner": elector.label,
        "channel": Channel(channel).label,
    }
    void = form.void_elections()
    if void:
        message += " " + _(
            "Note: “%(title)s” approves more candidates than there are seats; that part of the "
            "ballot is void (it counts as taking part and approves nobody)."
        ) % {"title": void[0].title}
    return message


def _people_of(elector: Elector) -> list[Person]:
    """Who may sign for the owner party (prefetched in id order by the pages' queries)."""
    return list(elector.people.all())


def _cast(request: HttpRequest, form, *, vote: Vote, elector: Elector, channel: str, **files):
    """Record one ballot; True when it is in (or was just put in by this user), else the form
    carries the refusal. Nothing is saved on a refusal."""
    now = timezone.now()
    try:
        ballots.ballot_cast(
            actor=request.user,
            vote=vote,
            elector=elector,
            choices=form.choices(),
            channel=channel,
            now=now,
            **files,
        )
    except ValidationError as exc:
        if _just_recorded(elector, request.user, channel, now) is not None:
            return True
        apply_errors(form, exc)
        return False
    return True


# ---------------------------------------------------------------- paper ballots


@login_required
def paper_ballots(request: HttpRequest, code: str, vote_id: int) -> HttpResponse:
    """Printable A4 ballots, one page per owner party: all, one building (`?building=63`) or one
    owner (`?elector=<id>`). Owners get them during the notice, so from publication on. Three
    queries for the electors whatever their number; owners who already voted are left out."""
    vote = vote_or_404(request, code, vote_id, perm=access.DECISIONS_RECORD, statuses=PRINTABLE)
    electors = recording.electors_for(request.user, vote)
    building = request.GET.get("building", "").strip()[:20]
    elector_id = request.GET.get("elector", "").strip()
    if building:
        electors = electors.filter(building__number=building)
    if elector_id:
        valid = elector_id.isdigit() and len(elector_id) < 12
        electors = electors.filter(pk=int(elector_id)) if valid else electors.none()
    rows = list(recording.with_units(electors))
    voted = recording.voted_ids(rows)
    record_url = request.build_absolute_uri(
        reverse("decisions:record_token", args=[vote.compound.code, vote.pk])
    )
    qr = recording.QrMaker()
    printing = [e for e in rows if e.pk not in voted]
    total = len(printing)
    # Plain gettext per sheet rather than template tags, and the shared parts rendered once:
    # 1,000 ballots take 1.6–1.9 s of CPU, most of it drawing the QR codes.
    sheets = [
        {
            "elector": e,
            "name": _("Ballot of %(label)s") % {"label": e.label},
            "units": ", ".join(u.unit_code for u in e.units.all()),
            "area": _("%(area)s m²") % {"area": e.area},
            "token": recording.token_groups(e.token),
            "qr_svg": mark_safe(qr.svg(f"{record_url}?token={e.token}")),  # our own SVG
            "count": _("Ballot %(n)s of %(total)s") % {"n": number, "total": total},
        }
        for number, e in enumerate(printing, start=1)
    ]
    numbers = Elector.objects.filter(vote=vote, building__isnull=False).values_list(
        "building__number", flat=True
    )
    buildings = sorted(set(numbers.distinct()), key=lambda n: (len(n), n))
    # What every ballot shares is rendered once: 1,000 ballots are 1,000 QR codes, not 1,000
    # renders of the motions.
    shared = {
        "vote": vote,
        "compound": vote.compound,
        "motions": list(vote.motions.all()),
        "printed_at": timezone.now(),
    }
    heading = render_to_string("decisions/record/paper.html#heading", shared, request)
    body = render_to_string("decisions/record/paper.html#body", shared, request)
    foot = render_to_string("decisions/record/paper.html#foot", shared, request)
    return render(
        request,
        "decisions/record/paper.html",
        page_context(
            request,
            vote,
            "paper",
            sheets=sheets,
            heading=mark_safe(heading),  # our templates, rendered with autoescape
            body=mark_safe(body),
            foot=mark_safe(foot),
            skipped=len(voted),
            building=building,
            buildings=buildings,
        ),
    )


# ---------------------------------------------------------------- record by token


def _elector_by_token(request: HttpRequest, vote: Vote, token: str) -> Elector | None:
    return (
        recording.with_units(recording.electors_for(request.user, vote).filter(token=token))
        .prefetch_related(PEOPLE)
        .first()
    )


def _wrong_token_message(vote: Vote, token: str) -> str:
    other = (
        Elector.objects.filter(token=token, vote__compound=vote.compound)
        .exclude(vote=vote)
        .select_related("vote")
        .first()
    )
    if other is not None:
        return _("The token “%(token)s” is on a ballot of another vote: “%(title)s”.") % {
            "token": token,
            "title": other.vote.title,
        }
    return _(
        "No ballot of this vote has the token “%(token)s”. Check it letter by letter: tokens "
        "have 10 characters and never use 0, 1, I, L or O."
    ) % {"token": token}


@login_required
def record_token(request: HttpRequest, code: str, vote_id: int) -> HttpResponse:
    """Record a paper ballot by its token: whose it is, then the answers as marked, the scan and
    the signature check. A second ballot for the owner is refused with how and when the first
    came in."""
    vote = vote_or_404(
        request, code, vote_id, perm=access.DECISIONS_RECORD, statuses=WITH_ELECTORATE
    )
    posted = request.method == "POST"
    raw = request.POST.get("token") if posted else request.GET.get("token")
    token_form = TokenForm({"token": raw} if raw is not None else None)
    elector = ballot = form = None
    if raw is not None and token_form.is_valid():
        token = token_form.cleaned_data["token"]
        elector = _elector_by_token(request, vote, token)
        if elector is None:
            token_form.add_error("token", _wrong_token_message(vote, token))
    refusal = recording_refusal(vote)
    if elector is not None:
        ballot = _first_ballot(elector)
        if (
            posted
            and ballot is not None
            and _just_recorded(elector, request.user, Channel.PAPER, timezone.now())
        ):
            messages.info(request, _("This ballot is already recorded."))
            return redirect("decisions:record_token", code=code, vote_id=vote.pk)
        if ballot is None and not refusal:
            form = PaperBallotForm(
                request.POST if posted else None,
                request.FILES if posted else None,
                vote=vote,
                elector=elector,
                people=_people_of(elector),
                initial={"token": elector.token},
            )
            if posted and form.is_valid():
                cast = _cast(
                    request,
                    form,
                    vote=vote,
                    elector=elector,
                    channel=Channel.PAPER,
                    scan=form.cleaned_data["scan"],
                    signed=form.cleaned_data["signed"],
                    voter=form.voter(),
                )
                if cast:
                    messages.success(request, _recorded_message(elector, Channel.PAPER, form))
                    return redirect("decisions:record_token", code=code, vote_id=vote.pk)
    status = 200
    if token_form.errors or (posted and elector is None):
        status = 400
    elif posted:
        status = 409 if ballot is not None else 400
    context = page_context(
        request,
        vote,
        "record",
        token_form=token_form,
        elector=elector,
        units=[u.unit_code for u in elector.units.all()] if elector else [],
        ballot=ballot,
        already=ballots.already_voted_message(ballot) if ballot else "",
        refusal=refusal,
        form=form,
    )
    return render(request, "decisions/record/record.html", context, status=status)


# ---------------------------------------------------------------- door to door


@login_required
def canvass(request: HttpRequest, code: str, vote_id: int) -> HttpResponse:
    """The door-to-door board (扫楼): participation per building, then the owner parties of the
    chosen building and status, each a big tap target. It never shows how anyone voted."""
    vote = vote_or_404(
        request, code, vote_id, perm=access.DECISIONS_RECORD, statuses=WITH_ELECTORATE
    )
    whole, per_building = selectors.turnout(vote)
    numbers = [t.building for t in per_building if t.building != "—"]
    filters = CanvassFilterForm(request.GET or None, buildings=numbers)
    building, status = filters.value("building"), filters.value("status")
    electors = recording.electors_for(request.user, vote)
    if building:
        electors = electors.filter(building__number=building)
    if status == "voted":
        electors = electors.filter(ballot__isnull=False)
    elif status:
        electors = electors.filter(ballot__isnull=True, canvass_status=status)
    # A big compound's owners are listed a building (or a status) at a time: a phone on the
    # stairs needs the one stairwell, not a thousand rows.
    listed = bool(building or status) or whole.total_owners <= CANVASS_PAGE
    page = Paginator(electors if listed else electors.none(), CANVASS_PAGE).get_page(
        request.GET.get("page")
    )
    voted = recording.voted_ids(page.object_list)
    groups: list[dict] = []
    for elector in page.object_list:
        number = elector.building.number if elector.building_id else "—"
        if not groups or groups[-1]["building"] != number:
            groups.append({"building": number, "rows": []})
        groups[-1]["rows"].append(
            {"elector": elector, "state": recording.canvass_state(elector, elector.pk in voted)}
        )
    progress = [_progress(t) for t in per_building]
    context = page_context(
        request,
        vote,
        "canvass",
        whole=_progress(whole),
        progress=progress,
        filters=filters,
        building=building,
        status=status,
        page=page,
        groups=groups,
        listed=listed,
        refusal=recording_refusal(vote),
    )
    return render(request, "decisions/record/canvass.html", context)


def _progress(turnout) -> dict:
    return {
        "building": turnout.building,
        "turnout": turnout,
        "owners_percent": recording.percent(turnout.voted_owners, turnout.total_owners),
        "area_percent": recording.percent(turnout.voted_area, turnout.total_area),
    }


PROXY_OPTIONS = people_selectors.PICK_LIMIT


def _people_here(request: HttpRequest, vote: Vote):
    return access.visible(
        request.user,
        access.REGISTRY_VIEW,
        Person.objects.filter(compound=vote.compound, deceased_on__isnull=True),
    )


def _proxy_options(request: HttpRequest, vote: Vote, query: str, selected=None) -> list:
    """People found for "who holds the proxy", each with the proxies they hold in this vote."""
    found = []
    if query:
        found = people_selectors.search(
            request.user, query, compound=vote.compound, limit=PROXY_OPTIONS
        ).persons
    if selected is not None:
        found = [selected, *[p for p in found if p.pk != selected.pk]]
    held = dict(
        Ballot.objects.filter(vote=vote, proxy_id__in=[p.pk for p in found])
        .values_list("proxy_id")
        .annotate(n=Count("id"))
        .values_list("proxy_id", "n")
    )
    limit = vote.compound.max_proxies_per_person
    for person in found:
        person.proxies_held = held.get(person.pk, 0)
        person.proxy_full = person.proxies_held >= limit
        person.home_codes = [h.unit.code for h in getattr(person, "homes", [])]
    return found


def _elector_form(request: HttpRequest, channel: str, vote: Vote, elector: Elector, people):
    posted = request.method == "POST" and request.POST.get("action") != "mark"
    data = (request.POST, request.FILES) if posted else (None, None)
    if channel == Channel.PROXY:
        return ProxyBallotForm(*data, vote=vote, people_here=_people_here(request, vote))
    if channel == Channel.ONSITE:
        return OnsiteBallotForm(*data, vote=vote, elector=elector, people=people)
    return CanvassBallotForm(*data, vote=vote, elector=elector, people=people)


def _files_for(channel: str, form) -> dict:
    data = form.cleaned_data
    if channel == Channel.PROXY:
        return {
            "proxy": data["proxy"],
            "voter": data["proxy"],
            "authorisation": data["authorisation"],
        }
    if channel == Channel.ONSITE:
        return {"scan": data.get("scan"), "voter": form.voter()}
    return {"signature": data["signature"], "voter": form.voter()}


@login_required
def canvass_elector(request: HttpRequest, code: str, vote_id: int, elector_id: int):
    """One owner party on the phone: record the ballot signed on screen, by proxy
    (`?channel=proxy`) or handed in at the meeting (`?channel=onsite`); or mark the visit."""
    vote = vote_or_404(
        request, code, vote_id, perm=access.DECISIONS_RECORD, statuses=WITH_ELECTORATE
    )
    elector = (
        recording.with_units(recording.electors_for(request.user, vote))
        .select_related("canvassed_by")
        .prefetch_related(PEOPLE)
        .filter(pk=elector_id)
        .first()
    )
    if elector is None:
        raise Http404
    wanted = request.POST.get("channel") or request.GET.get("channel") or Channel.CANVASS
    channel = wanted if wanted in ELECTOR_CHANNELS else Channel.CANVASS
    query = request.GET.get("q", "").strip()[:60]
    if request.htmx and "picker" in request.GET:
        return render(
            request,
            "decisions/record/canvass_elector.html#proxies",
            {"options": _proxy_options(request, vote, query), "query": query, "selected": None},
        )
    board = reverse("decisions:canvass", args=[code, vote.pk])
    back = f"{board}?building={elector.building.number}" if elector.building_id else board
    posted = request.method == "POST"
    marking = posted and request.POST.get("action") == "mark"
    ballot = _first_ballot(elector)
    if (
        posted
        and not marking
        and ballot is not None
        and _just_recorded(elector, request.user, channel, timezone.now())
    ):
        messages.info(request, _("This ballot is already recorded."))
        return redirect(back)
    refusal = recording_refusal(vote)
    people = _people_of(elector)
    form = mark_form = selected = None
    status = 200
    if ballot is None:
        if not refusal:
            form = _elector_form(request, channel, vote, elector, people)
        if vote.status in (VoteStatus.PUBLISHED, VoteStatus.OPEN):
            mark_form = CanvassMarkForm(request.POST if marking else None)
        if marking and mark_form is not None and mark_form.is_valid():
            if _mark(request, mark_form, elector):
                return redirect(back)
        elif posted and not marking and form is not None and form.is_valid():
            if isinstance(form, ProxyBallotForm):
                selected = form.cleaned_data["proxy"]
            files = _files_for(channel, form)
            if _cast(request, form, vote=vote, elector=elector, channel=channel, **files):
                messages.success(request, _recorded_message(elector, channel, form))
                return redirect(back)
        if posted:
            status = 400
    elif posted:
        status = 409
    if isinstance(form, ProxyBallotForm) and selected is None and form.is_bound:
        selected = _posted_person(form)
    options = _proxy_options(request, vote, query, selected) if channel == Channel.PROXY else []
    context = page_context(
        request,
        vote,
        "canvass",
        elector=elector,
        units=[u.unit_code for u in elector.units.all()],
        state=recording.canvass_state(elector, ballot is not None),
        ballot=ballot,
        already=ballots.already_voted_message(ballot) if ballot else "",
        refusal=refusal,
        channel=channel,
        channels=[
            (Channel.CANVASS, _("Signed on the phone")),
            (Channel.PROXY, _("By proxy")),
            (Channel.ONSITE, _("At the meeting")),
        ],
        form=form,
        mark_form=mark_form,
        back=back,
        options=options,
        query=query,
        selected=selected,
        proxy_limit=vote.compound.max_proxies_per_person,
    )
    return render(request, "decisions/record/canvass_elector.html", context, status=status)


def _posted_person(form: ProxyBallotForm):
    """The proxy holder chosen in a form that failed elsewhere, to show them chosen again."""
    raw = form.data.get("proxy", "")
    if not str(raw).isdigit():
        return None
    return form.fields["proxy"].queryset.filter(pk=int(raw)).first()


def _mark(request: HttpRequest, form: CanvassMarkForm, elector: Elector) -> bool:
    try:
        ballots.canvass_mark(
            actor=request.user,
            elector=elector,
            status=form.cleaned_data["status"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as exc:
        apply_errors(form, exc)
        return False
    label = dict(form.fields["status"].choices)[form.cleaned_data["status"]]
    messages.success(
        request,
        _("Visit to %(owner)s recorded: %(status)s.") % {"owner": elector.label, "status": label},
    )
    return True


urlpatterns = [
    path(f"{VOTE_PATH}/paper/", paper_ballots, name="paper_ballots"),
    path(f"{VOTE_PATH}/record/", record_token, name="record_token"),
    path(f"{VOTE_PATH}/canvass/", canvass, name="canvass"),
    path(f"{VOTE_PATH}/canvass/<int:elector_id>/", canvass_elector, name="canvass_elector"),
    *ballots_manage.urlpatterns,
]
