"""The procedural law of owners' votes: which matter is which kind, and the schedule a vote must
keep (DESIGN §7; Civil Code Art. 278; the Ministry of Housing's 业主大会和业主委员会指导规则)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import MeetingKind, MotionKind


@dataclass(frozen=True)
class Matter:
    code: str
    label: str
    kind: str
    article: str


# Civil Code Art. 278, items (1)–(9): items (6)–(8) need three quarters, the rest a majority.
MATTERS: dict[str, Matter] = {
    m.code: m
    for m in [
        Matter(
            "procedure_rules",
            _("Adopt or amend the assembly's rules of procedure"),
            MotionKind.ORDINARY,
            _("Civil Code Art. 278 (1)"),
        ),
        Matter(
            "management_code",
            _("Adopt or amend the management code (管理规约)"),
            MotionKind.ORDINARY,
            _("Civil Code Art. 278 (2)"),
        ),
        Matter(
            "committee",
            _("Elect or replace members of the owners' committee"),
            MotionKind.ORDINARY,
            _("Civil Code Art. 278 (3)"),
        ),
        Matter(
            "property_manager",
            _("Hire or dismiss the property company or another manager"),
            MotionKind.ORDINARY,
            _("Civil Code Art. 278 (4)"),
        ),
        Matter(
            "fund_use",
            _("Use the maintenance fund"),
            MotionKind.ORDINARY,
            _("Civil Code Art. 278 (5)"),
        ),
        Matter(
            "fund_raise",
            _("Raise the maintenance fund"),
            MotionKind.SPECIAL,
            _("Civil Code Art. 278 (6)"),
        ),
        Matter(
            "rebuild",
            _("Rebuild or alter buildings and their facilities"),
            MotionKind.SPECIAL,
            _("Civil Code Art. 278 (7)"),
        ),
        Matter(
            "common_parts",
            _("Change the use of common parts or run a business on them"),
            MotionKind.SPECIAL,
            _("Civil Code Art. 278 (8)"),
        ),
        Matter(
            "other",
            _("Another major matter of common ownership and management"),
            MotionKind.ORDINARY,
            _("Civil Code Art. 278 (9)"),
        ),
    ]
}

ARTICLE = {
    MotionKind.ORDINARY: _(
        "Civil Code Art. 278: passes with more than half of the participating area and more than "
        "half of the participating owners, once owners holding two thirds of the area and two "
        "thirds of the owners took part."
    ),
    MotionKind.SPECIAL: _(
        "Civil Code Art. 278: passes with at least three quarters of the participating area and "
        "at least three quarters of the participating owners, once owners holding two thirds of "
        "the area and two thirds of the owners took part."
    ),
    MotionKind.ELECTION: _(
        "Civil Code Art. 278 (3): a candidate is elected with more than half of the "
        "participating area and owners; seats go to the qualified with most votes."
    ),
    MotionKind.CONSULTATION: _(
        "A consultation is advisory: Mulin reports the support by owners and by area, with no "
        "legal threshold."
    ),
}

# Elections are always given the full notice: the candidate list must be up at least 15 days
# before the vote (and stay up at least 7).
ELECTION_NOTICE_DAYS = 15
CANDIDATE_LIST_SHOWN_DAYS = 7


def kind_for_matter(matter: str) -> str | None:
    found = MATTERS.get(matter)
    return found.kind if found else None


def notice_days(vote) -> int:
    """Days between publication and opening this vote needs."""
    if vote.meeting_kind == MeetingKind.CONSULTATION:
        return 0
    days = (
        vote.assembly.extraordinary_notice_days
        if vote.meeting_kind == MeetingKind.EXTRAORDINARY
        else vote.compound.assembly_notice_days
    )
    if any(m.kind == MotionKind.ELECTION for m in vote.motions.all()):
        days = max(days, ELECTION_NOTICE_DAYS)
    return days


def schedule_problems(vote, *, now) -> dict[str, str]:
    """What is wrong with the vote's dates if it were published at `now` ({field: message})."""
    problems: dict[str, str] = {}
    assembly = vote.assembly
    days = notice_days(vote)
    if vote.opens_at < now + timedelta(days=days):
        problems["opens_at"] = gettext(
            "Voting may open no earlier than %(days)d days after the notice is published."
        ) % {"days": days}
    window = vote.closes_at - vote.opens_at
    if vote.meeting_kind == MeetingKind.CONSULTATION:
        low, high = timedelta(days=1), timedelta(days=assembly.max_window_days)
        low_days = 1
    else:
        low = timedelta(days=assembly.min_window_days)
        high = timedelta(days=assembly.max_window_days)
        low_days = assembly.min_window_days
    if not low <= window <= high:
        problems["closes_at"] = gettext(
            "The voting window must last between %(low)d and %(high)d days."
        ) % {"low": low_days, "high": assembly.max_window_days}
    return problems


def seat_problems(assembly, seats: int | None, alternates: int | None) -> dict[str, str]:
    """Committee seats: odd, within the assembly's range (or the small-compound number);
    alternates no more than the seats."""
    problems: dict[str, str] = {}
    allowed_small = assembly.small_compound_seats
    if seats is None or seats < 1:
        problems["seats"] = gettext("An election needs a number of seats.")
    elif seats % 2 == 0:
        problems["seats"] = gettext("The committee needs an odd number of seats.")
    elif not (
        assembly.committee_min_seats <= seats <= assembly.committee_max_seats
        or (allowed_small and seats == allowed_small)
    ):
        problems["seats"] = gettext(
            "The committee has between %(low)d and %(high)d seats here."
        ) % {"low": assembly.committee_min_seats, "high": assembly.committee_max_seats}
    if alternates is None or alternates < 0:
        problems["alternate_seats"] = gettext("Give the number of alternates (0 for none).")
    elif seats and alternates > seats:
        problems["alternate_seats"] = gettext("There can be no more alternates than seats.")
    return problems
