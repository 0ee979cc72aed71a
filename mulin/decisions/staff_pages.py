"""What the staff pages of owners' votes show, computed from the models, the rules and the
selectors: the stepper, the notice rule that applies, motions with their article, the
electorate's counting facts, owner search for nominations and meeting-request support.

Reads only; the writes are the services'. Each function names its queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mulin.core import access
from mulin.core.privacy import mask_name

from . import results, rules, selectors
from .models import (
    Assembly,
    Elector,
    ElectorUnit,
    MeetingKind,
    MeetingRequest,
    Motion,
    MotionKind,
    Objection,
    Vote,
)
from .states import Move, VoteStatus, allowed_moves

# ---------------------------------------------------------------- who may do what


@dataclass(frozen=True)
class Powers:
    """The decisions permissions of one user in one compound (for showing buttons)."""

    view: bool  # drafts, the electorate, the rules
    manage: bool  # run votes
    record: bool  # record ballots that did not come in online

    @classmethod
    def of(cls, user, compound) -> Powers:
        return cls(
            view=access.can_in_compound(user, access.DECISIONS_VIEW, compound),
            manage=access.can_in_compound(user, access.DECISIONS_MANAGE, compound),
            record=access.can_in_compound(user, access.DECISIONS_RECORD, compound),
        )

    @property
    def any(self) -> bool:
        return self.view or self.manage or self.record


def percent(part, whole) -> str:
    """`part / whole` as a percentage with two decimals, computed exactly ("28.57")."""
    if not whole:
        return "0.00"
    value = Decimal(part) * 100 / Decimal(whole)
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


# ---------------------------------------------------------------- the lifecycle

ORDER = [
    VoteStatus.DRAFT,
    VoteStatus.PUBLISHED,
    VoteStatus.OPEN,
    VoteStatus.CLOSED,
    VoteStatus.TALLIED,
    VoteStatus.RESULT_PUBLISHED,
    VoteStatus.ARCHIVED,
]
STEP_LABELS = {
    VoteStatus.DRAFT: gettext_lazy("Draft"),
    VoteStatus.PUBLISHED: gettext_lazy("Notice"),
    VoteStatus.OPEN: gettext_lazy("Voting open"),
    VoteStatus.CLOSED: gettext_lazy("Closed"),
    VoteStatus.TALLIED: gettext_lazy("Tallied"),
    VoteStatus.RESULT_PUBLISHED: gettext_lazy("Result published"),
    VoteStatus.ARCHIVED: gettext_lazy("Archived"),
}
STEP_TIMES = {
    VoteStatus.DRAFT: "created_at",
    VoteStatus.PUBLISHED: "published_at",
    VoteStatus.OPEN: "opened_at",
    VoteStatus.CLOSED: "closed_at",
    VoteStatus.TALLIED: "tallied_at",
    VoteStatus.RESULT_PUBLISHED: "result_published_at",
    VoteStatus.ARCHIVED: "archived_at",
}


@dataclass
class Step:
    label: str
    state: str  # done / current / todo
    at: datetime | None


def steps(vote: Vote) -> list[Step]:
    """The stepper draft → notice → open → closed → tallied → result published → archived. A
    cancelled vote shows the steps it reached as done and none as current."""
    if vote.status == VoteStatus.CANCELLED:
        reached = 1 if vote.published_at else 0
        current = None
    else:
        reached = current = ORDER.index(vote.status)
    out = []
    for i, status in enumerate(ORDER):
        if current is not None and i == current:
            state = "current"
        elif i < reached or (current is None and i == reached):
            state = "done"
        else:
            state = "todo"
        at = getattr(vote, STEP_TIMES[status]) if state != "todo" else None
        out.append(Step(str(STEP_LABELS[status]), state, at))
    return out


STATUS_STYLE = {
    VoteStatus.DRAFT: ("neutral", "pencil"),
    VoteStatus.PUBLISHED: ("pending", "megaphone"),
    VoteStatus.OPEN: ("approved", "box-arrow-in-down"),
    VoteStatus.CLOSED: ("pending", "lock"),
    VoteStatus.TALLIED: ("neutral", "calculator"),
    VoteStatus.RESULT_PUBLISHED: ("approved", "check-circle-fill"),
    VoteStatus.ARCHIVED: ("neutral", "archive"),
    VoteStatus.CANCELLED: ("rejected", "x-circle-fill"),
}


@dataclass
class MoveButton:
    move: str
    label: str
    confirm: str  # what happens, in plain words
    hint: str  # why it may still be refused now
    danger: bool = False


def move_buttons(vote: Vote, schedule: Schedule, now: datetime) -> list[MoveButton]:
    """One button per move `states.allowed_moves` gives for the vote's status."""
    fmt = "%Y-%m-%d %H:%M"

    def local(moment):
        return timezone.localtime(moment).strftime(fmt) if moment else ""

    out = []
    for move in allowed_moves(vote.status):
        hint = ""
        if move == Move.PUBLISH:
            confirm = _(
                "The notice goes up for the owners with the motions, candidates and documents "
                "as they are now, and the list of owners entitled to vote is built from the "
                "registry. After this nothing can be added or changed. Voting opens on %(opens)s."
            ) % {"opens": local(vote.opens_at)}
            if schedule.problems:
                hint = " ".join(schedule.problems.values())
        elif move == Move.OPEN:
            confirm = _(
                "The list of owners is rebuilt one last time and frozen, and ballots are "
                "accepted on every channel until %(closes)s. Mulin also opens voting by itself "
                "at the announced time."
            ) % {"closes": local(vote.closes_at)}
            if now < vote.opens_at:
                hint = _("Voting opens at %(when)s, as the notice said; not before.") % {
                    "when": local(vote.opens_at)
                }
        elif move == Move.CLOSE:
            confirm = _(
                "No more ballots are accepted on any channel. This cannot be undone. Mulin also "
                "closes voting by itself when the window ends."
            )
            if now < vote.closes_at:
                hint = _(
                    "The window ends at %(when)s; owners were promised it, so it cannot close "
                    "earlier."
                ) % {"when": local(vote.closes_at)}
        elif move == Move.TALLY:
            confirm = _(
                "Every motion is counted under the law and the result is frozen: the count and "
                "its SHA-256 fingerprint are sealed and never change again."
            )
        elif move == Move.PUBLISH_RESULT:
            confirm = _(
                "The frozen result goes on the public result page for owners, for at least "
                "%(days)d days. Candidates elected to the owners' committee take their seats for "
                "the new term."
            ) % {"days": vote.assembly.result_shown_days}
        elif move == Move.ARCHIVE:
            confirm = _(
                "The result leaves public show. The ballots and the frozen count are kept, as "
                "a court may review the decision."
            )
            if schedule.shown_until and now < schedule.shown_until:
                hint = _("The result stays on public show until %(when)s.") % {
                    "when": local(schedule.shown_until)
                }
        else:  # cancel
            confirm = _(
                "The vote is withdrawn and owners see the reason you give. This cannot be "
                "undone; a new vote would need a new notice."
            )
        out.append(MoveButton(move, str(Move(move).label), confirm, hint, move == Move.CANCEL))
    return out


# ---------------------------------------------------------------- the notice rule


@dataclass
class NoticeRule:
    label: str
    days: str
    source: str
    applies: bool = False


def assembly_or_default(compound) -> Assembly:
    """The compound's assembly, or an unsaved one with the default rules (no write on a GET)."""
    return Assembly.objects.filter(compound=compound).first() or Assembly(compound=compound)


def notice_rules(compound, assembly: Assembly, meeting_kind: str = "") -> list[NoticeRule]:
    """Every notice and window rule a new vote may fall under, the chosen kind marked."""
    days = _("%(n)d days")
    return [
        NoticeRule(
            str(MeetingKind.REGULAR.label),
            days % {"n": compound.assembly_notice_days},
            _("this compound's rule (%(city)s)") % {"city": compound.get_city_rule_set_display()},
            meeting_kind == MeetingKind.REGULAR,
        ),
        NoticeRule(
            str(MeetingKind.EXTRAORDINARY.label),
            days % {"n": assembly.extraordinary_notice_days},
            _("the assembly's rule for extraordinary meetings"),
            meeting_kind == MeetingKind.EXTRAORDINARY,
        ),
        NoticeRule(
            _("Election of the owners' committee"),
            _("at least %(n)d days") % {"n": rules.ELECTION_NOTICE_DAYS},
            _("the candidate list is up %(n)d days before the vote, and at least %(shown)d days")
            % {"n": rules.ELECTION_NOTICE_DAYS, "shown": rules.CANDIDATE_LIST_SHOWN_DAYS},
        ),
        NoticeRule(
            str(MeetingKind.CONSULTATION.label),
            _("no notice needed"),
            _("advisory: no legal threshold"),
            meeting_kind == MeetingKind.CONSULTATION,
        ),
        NoticeRule(
            _("Voting window"),
            _("%(low)d–%(high)d days")
            % {"low": assembly.min_window_days, "high": assembly.max_window_days},
            _("a consultation may last from 1 day"),
        ),
    ]


@dataclass
class Schedule:
    notice_days: int
    notice_reason: str
    notice_ends: datetime | None  # published + notice days; for a draft, if published now
    window: timedelta
    window_low: int
    window_high: int
    problems: dict[str, str] = field(default_factory=dict)  # drafts: if published now
    window_ended: bool = False
    result_due: datetime | None = None
    result_late: bool = False
    shown_until: datetime | None = None


def schedule(vote: Vote, now: datetime) -> Schedule:
    """The dates of a vote and the rules they follow (rules.notice_days / schedule_problems)."""
    assembly = vote.assembly
    days = rules.notice_days(vote)
    election = any(m.kind == MotionKind.ELECTION for m in vote.motions.all())
    if vote.meeting_kind == MeetingKind.CONSULTATION:
        reason = _("A consultation is advisory and needs no notice period.")
    elif vote.meeting_kind == MeetingKind.EXTRAORDINARY:
        reason = _("An extraordinary meeting: %(n)d days, the assembly's rule.") % {
            "n": assembly.extraordinary_notice_days
        }
    else:
        reason = _("A regular meeting: %(n)d days, this compound's rule.") % {
            "n": vote.compound.assembly_notice_days
        }
    if election and days == rules.ELECTION_NOTICE_DAYS and vote.meeting_kind != "consultation":
        reason += " " + _(
            "The vote elects the owners' committee, so the candidate list is up at least "
            "%(n)d days before it opens."
        ) % {"n": rules.ELECTION_NOTICE_DAYS}
    low = 1 if vote.meeting_kind == MeetingKind.CONSULTATION else assembly.min_window_days
    out = Schedule(
        notice_days=days,
        notice_reason=reason,
        notice_ends=(vote.published_at or now) + timedelta(days=days),
        window=vote.closes_at - vote.opens_at,
        window_low=low,
        window_high=assembly.max_window_days,
    )
    if vote.status == VoteStatus.DRAFT:
        out.problems = rules.schedule_problems(vote, now=now)
    if vote.status == VoteStatus.OPEN:
        out.window_ended = now >= vote.closes_at
    out.result_due = results.publish_due_by(vote)
    if vote.status in (VoteStatus.CLOSED, VoteStatus.TALLIED) and out.result_due:
        out.result_late = now > out.result_due
    if vote.result_published_at:
        out.shown_until = vote.result_published_at + timedelta(days=assembly.result_shown_days)
    return out


def window_words(window: timedelta) -> str:
    days, rest = divmod(int(window.total_seconds()), 86400)
    hours = rest // 3600
    if hours:
        return _("%(days)d days %(hours)d hours") % {"days": days, "hours": hours}
    return _("%(days)d days") % {"days": days}


# ---------------------------------------------------------------- motions


@dataclass
class MotionRow:
    motion: Motion
    kind_label: str
    matter_label: str
    article: str  # the article the matter falls under, "Civil Code Art. 278 (6)"
    rule: str  # what it takes to pass


def motion_rows(vote: Vote) -> list[MotionRow]:
    """The vote's motions (prefetched by `selectors.with_contents`) with their law."""
    out = []
    for motion in vote.motions.all():
        matter = rules.MATTERS.get(motion.matter)
        rule = rules.ARTICLE.get(motion.kind)
        if rule is None:
            rule = _("A question: Mulin reports the answers by owners and by area.")
        out.append(
            MotionRow(
                motion=motion,
                kind_label=str(MotionKind(motion.kind).label),
                matter_label=str(matter.label) if matter else "",
                article=str(matter.article) if matter else "",
                rule=str(rule),
            )
        )
    return out


@dataclass
class OwnerMatch:
    person_id: int
    name: str
    units: list[str]
    nominated: bool = False


OWNER_SEARCH_LIMIT = 10


def owner_matches(compound, text: str, *, motion: Motion | None = None) -> tuple[list, bool]:
    """Current owners of `compound` whose name, pinyin or unit code matches `text`, with their
    units: (matches, more). One query (two with `motion`, to mark who is already nominated)."""
    from mulin.people.models import Ownership

    text = (text or "").strip()[:60]
    if not text:
        return [], False
    rows = (
        Ownership.objects.current()
        .filter(unit__compound=compound, person__isnull=False)
        .filter(
            Q(person__name__icontains=text)
            | Q(person__name_pinyin__istartswith=text.lower())
            | Q(unit__code__istartswith=text)
        )
        .order_by("person__name_pinyin", "person_id", "unit__code")
        .values_list("person_id", "person__name", "unit__code")[:200]
    )
    found: dict[int, OwnerMatch] = {}
    for person_id, name, code in rows:
        match = found.setdefault(person_id, OwnerMatch(person_id, name, []))
        if code not in match.units:
            match.units.append(code)
    matches = list(found.values())
    if motion is not None:
        taken = set(motion.candidates.values_list("person_id", flat=True))
        for match in matches:
            match.nominated = match.person_id in taken
    return matches[:OWNER_SEARCH_LIMIT], len(matches) > OWNER_SEARCH_LIMIT


def is_current_owner(compound, person_id: int) -> bool:
    from mulin.people.models import Ownership

    return Ownership.objects.current().filter(unit__compound=compound, person_id=person_id).exists()


# ---------------------------------------------------------------- turnout


@dataclass
class TurnoutRow:
    building: str
    total_owners: int
    total_area: Decimal
    voted_owners: int
    voted_area: Decimal
    owners_percent: str
    area_percent: str
    pending: int
    contacted: int
    unreachable: int


def turnout_rows(vote: Vote) -> tuple[TurnoutRow, list[TurnoutRow]]:
    """Participation so far (selectors.turnout: who voted, never how), with exact percents."""
    whole, buildings = selectors.turnout(vote)

    def row(t) -> TurnoutRow:
        return TurnoutRow(
            t.building,
            t.total_owners,
            t.total_area,
            t.voted_owners,
            t.voted_area,
            percent(t.voted_owners, t.total_owners),
            percent(t.voted_area, t.total_area),
            t.pending,
            t.contacted,
            t.unreachable,
        )

    return row(whole), [row(b) for b in buildings]


# ---------------------------------------------------------------- the electorate


def has_electorate(vote: Vote) -> bool:
    """The electorate exists from publication (kept if the vote was cancelled afterwards)."""
    return vote.status not in (VoteStatus.DRAFT, VoteStatus.CANCELLED) or bool(vote.published_at)


@dataclass
class CountingFacts:
    """How owners were counted in this electorate (SPC interpretation Art. 8, 9)."""

    owners: int
    several_units_owners: int  # one buyer's several units = one owner
    several_units: int
    developer_units: int  # the developer's unsold units = one owner
    co_owned: int  # co-owners sharing one vote
    parking_counts: bool
    parking_units: int


def counting_facts(vote: Vote) -> CountingFacts:
    """Two queries: the owner parties, and the parking units in the electorate."""
    from mulin.places.models import UnitUse

    facts = Elector.objects.filter(vote=vote).aggregate(
        owners=Count("id"),
        several=Count("id", filter=Q(unit_count__gt=1) & ~Q(key="developer")),
        several_units=Sum("unit_count", filter=Q(unit_count__gt=1) & ~Q(key="developer")),
        developer=Sum("unit_count", filter=Q(key="developer")),
        co_owned=Count("id", filter=Q(key__contains="+")),
    )
    parking = ElectorUnit.objects.filter(vote=vote, unit__use=UnitUse.PARKING).count()
    return CountingFacts(
        owners=facts["owners"] or 0,
        several_units_owners=facts["several"] or 0,
        several_units=facts["several_units"] or 0,
        developer_units=facts["developer"] or 0,
        co_owned=facts["co_owned"] or 0,
        parking_counts=vote.compound.parking_counts_as_units,
        parking_units=parking,
    )


@dataclass
class BuildingRow:
    number: str
    owners: int
    units: int
    area: Decimal
    area_percent: str


def building_rows(vote: Vote) -> list[BuildingRow]:
    """The electorate per building: units and area where the units are, owners where their
    first unit is (so the owners add up to the total). Two queries."""
    units = {
        number or "—": (count, area)
        for number, count, area in ElectorUnit.objects.filter(vote=vote)
        .values("building__number")
        .annotate(n=Count("id"), a=Sum("area"))
        .values_list("building__number", "n", "a")
    }
    owners = {
        number or "—": count
        for number, count in Elector.objects.filter(vote=vote)
        .values("building__number")
        .annotate(n=Count("id"))
        .values_list("building__number", "n")
    }
    total = vote.total_area or sum((a for _n, a in units.values()), Decimal("0"))
    numbers = sorted(set(units) | set(owners), key=_natural)
    return [
        BuildingRow(
            number,
            owners.get(number, 0),
            units.get(number, (0, Decimal("0")))[0],
            units.get(number, (0, Decimal("0")))[1],
            percent(units.get(number, (0, Decimal("0")))[1], total),
        )
        for number in numbers
    ]


def _natural(number: str):
    """Building "9" before "10"; numbers without digits last."""
    digits = "".join(ch for ch in number if ch.isdigit())
    return (int(digits) if digits else 10**9, number)


ELECTORS_PER_PAGE = 50


def electors(vote: Vote, text: str = ""):
    """The electorate's owner parties for the staff list, searchable by unit code or owner name,
    with their units and masked names (prefetched: two more queries per page)."""
    rows = Elector.objects.filter(vote=vote)
    text = (text or "").strip()[:60]
    if text:
        people = Elector.people.through.objects.filter(
            elector_id=OuterRef("pk"), person__name__icontains=text
        )
        units = ElectorUnit.objects.filter(elector_id=OuterRef("pk"), unit_code__icontains=text)
        rows = rows.filter(Q(label__icontains=text) | Q(Exists(units)) | Q(Exists(people)))
    return rows.prefetch_related(
        Prefetch("units", queryset=ElectorUnit.objects.order_by("unit_code", "id")),
        "people",
    ).order_by("label", "id")


def masked_owners(elector: Elector) -> list[str]:
    return [mask_name(p.name) for p in sorted(elector.people.all(), key=lambda p: p.pk)]


def objections(vote: Vote) -> list[Objection]:
    """Open objections first, then the answered, newest first. One query."""
    rows = list(
        Objection.objects.filter(vote=vote)
        .select_related("elector", "person", "answered_by")
        .order_by("-created_at", "-id")
    )
    rows.sort(key=lambda o: o.state != Objection.State.OPEN)
    for row in rows:
        row.person_masked = mask_name(row.person.name)
    return rows


# ---------------------------------------------------------------- extraordinary-meeting requests


@dataclass
class RequestRow:
    request: MeetingRequest
    supports: int
    area: Decimal
    area_percent: str
    owners_percent: str
    area_met: bool
    owners_met: bool
    started_by: str
    votes: list[Vote]

    @property
    def reached(self) -> bool:
        return self.area_met and self.owners_met


def meeting_request_rows(requests) -> list[RequestRow]:
    """Requests with their support against 20 % of the area and 20 % of the owners, compared
    exactly (area sum ≥ total area / 5, supporters ≥ total owners / 5)."""
    out = []
    for r in requests:
        area = r.support_area or Decimal("0")
        count = r.support_count or 0
        out.append(
            RequestRow(
                request=r,
                supports=count,
                area=area,
                area_percent=percent(area, r.total_area),
                owners_percent=percent(count, r.total_owners),
                area_met=area * 5 >= r.total_area,
                owners_met=count * 5 >= r.total_owners,
                started_by=mask_name(r.started_by.name),
                votes=list(r.votes.all()),
            )
        )
    return out


def meeting_requests(compound):
    return (
        MeetingRequest.objects.filter(compound=compound)
        .select_related("started_by")
        .annotate(support_area=Sum("supports__area"), support_count=Count("supports"))
        .prefetch_related(Prefetch("votes", queryset=Vote.objects.order_by("-id")))
        .order_by("-created_at", "-id")
    )
