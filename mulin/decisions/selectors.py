"""Reads of owners' decisions. Pages and API call these; each owns its joins and counts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404

from mulin.core import access

from .models import Ballot, Candidate, Elector, Motion, Option, Vote, VoteDocument
from .states import VoteStatus


def with_contents(queryset: QuerySet) -> QuerySet:
    """Votes with their motions, candidates, options and documents, in four more queries."""
    return queryset.select_related("compound", "assembly").prefetch_related(
        Prefetch(
            "motions",
            queryset=Motion.objects.order_by("position", "id").prefetch_related(
                Prefetch("candidates", queryset=Candidate.objects.order_by("position", "id")),
                Prefetch("options", queryset=Option.objects.order_by("position", "id")),
            ),
        ),
        Prefetch("documents", queryset=VoteDocument.objects.order_by("id")),
    )


def staff_votes(user, compound) -> QuerySet:
    """Every vote of `compound` for its staff (drafts included), with ballot and motion counts.
    404 unless the user may view or record votes there."""
    if not (
        access.can_in_compound(user, access.DECISIONS_VIEW, compound)
        or access.can_in_compound(user, access.DECISIONS_RECORD, compound)
    ):
        raise Http404
    votes = Vote.objects.filter(compound=compound)
    if not access.can_in_compound(user, access.DECISIONS_VIEW, compound):
        votes = votes.public()
    return votes.annotate(
        ballot_count=Count("ballots", distinct=True), motion_count=Count("motions", distinct=True)
    ).order_by("-opens_at", "-id")


def staff_vote(user, compound, vote_id: int, *, perm: str = access.DECISIONS_VIEW) -> Vote:
    """One vote of `compound` the user may see as staff (`perm`), with its contents; 404 else.
    Recorders (DECISIONS_RECORD) see published votes only."""
    if not access.can_in_compound(user, perm, compound):
        raise Http404
    votes = Vote.objects.filter(compound=compound)
    if perm == access.DECISIONS_RECORD and not access.can_in_compound(
        user, access.DECISIONS_VIEW, compound
    ):
        votes = votes.public()
    try:
        return with_contents(votes).get(pk=vote_id)
    except (Vote.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def owner_compound_ids(user) -> set[int]:
    """Compounds where the user owns a home now (through their registry record)."""
    if not getattr(user, "is_authenticated", False) or not user.person_id:
        return set()
    from mulin.people.models import Ownership

    return set(
        Ownership.objects.current()
        .filter(person_id=user.person_id)
        .values_list("unit__compound_id", flat=True)
    )


def owner_votes(user) -> QuerySet:
    """Published votes of the compounds where the user is an owner, newest first."""
    return (
        Vote.objects.public()
        .filter(compound_id__in=owner_compound_ids(user))
        .select_related("compound")
        .order_by("-opens_at", "-id")
    )


def owner_vote(user, vote_id: int) -> Vote:
    """A published vote of one of the user's compounds, with its contents; 404 otherwise."""
    try:
        return with_contents(owner_votes(user)).get(pk=vote_id)
    except (Vote.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def elector_of(user, vote: Vote) -> Elector | None:
    """The owner party the user votes for in `vote` (their own or a co-owned home)."""
    if not getattr(user, "is_authenticated", False) or not user.person_id:
        return None
    return (
        Elector.objects.filter(vote=vote, people__id=user.person_id)
        .select_related("ballot", "building")
        .first()
    )


def electors_of(user, votes) -> dict[int, Elector]:
    """{vote id: elector} for the user over several votes, with the ballot, in one query."""
    if not getattr(user, "is_authenticated", False) or not user.person_id:
        return {}
    found = {}
    for elector in Elector.objects.filter(
        vote__in=list(votes), people__id=user.person_id
    ).select_related("ballot"):
        found.setdefault(elector.vote_id, elector)
    return found


def ballot_or_none(elector: Elector | None) -> Ballot | None:
    if elector is None:
        return None
    try:
        return elector.ballot
    except Ballot.DoesNotExist:
        return None


@dataclass
class Turnout:
    """Participation so far, without a word of how anyone voted (safe while voting is open)."""

    building: str
    total_owners: int
    total_area: Decimal
    voted_owners: int
    voted_area: Decimal
    pending: int
    contacted: int
    unreachable: int

    @property
    def owners_percent(self) -> int:
        return round(100 * self.voted_owners / self.total_owners) if self.total_owners else 0

    @property
    def area_percent(self) -> int:
        return round(100 * self.voted_area / self.total_area) if self.total_area else 0


def turnout(vote: Vote) -> tuple[Turnout, list[Turnout]]:
    """(whole compound, per building) participation and canvass counts, in one query."""
    rows = Elector.objects.filter(vote=vote).values_list(
        "building__number", "area", "canvass_status", "ballot__id"
    )
    groups: dict[str, list] = defaultdict(lambda: [0, Decimal("0"), 0, Decimal("0"), 0, 0, 0])
    for number, area, canvass, ballot_id in rows:
        for key in ("", number or "—"):
            g = groups[key]
            g[0] += 1
            g[1] += area
            if ballot_id:
                g[2] += 1
                g[3] += area
            elif canvass == "pending":
                g[4] += 1
            elif canvass == "contacted":
                g[5] += 1
            elif canvass == "unreachable":
                g[6] += 1
    whole = Turnout("", *groups.pop("", [0, Decimal("0"), 0, Decimal("0"), 0, 0, 0]))
    buildings = [Turnout(number, *groups[number]) for number in sorted(groups, key=_natural)]
    return whole, buildings


def _natural(number: str):
    digits = "".join(ch for ch in number if ch.isdigit())
    return (int(digits) if digits else 10**9, number)


def public_results(compound) -> QuerySet:
    """Votes of `compound` whose results are published (the public result pages)."""
    return Vote.objects.filter(
        compound=compound, status__in=[VoteStatus.RESULT_PUBLISHED, VoteStatus.ARCHIVED]
    ).order_by("-result_published_at")
