"""Template tags of owners' decisions for other pages: the resident home's card of votes.

(Reconstructed by the "results" helper after deleting the owners helper's original by mistake;
the owners helper should compare it with their version.)
"""

from __future__ import annotations

from django import template
from django.utils import timezone

from ..models import Elector, Vote
from ..states import VoteStatus

register = template.Library()


@register.inclusion_tag("decisions/owners/home_card.html")
def owner_votes_card(user) -> dict:
    """Open votes still waiting for the owner's ballot and votes coming up, in two queries;
    nothing, and no query, for someone without a registry record."""
    person_id = (
        getattr(user, "person_id", None) if getattr(user, "is_authenticated", False) else None
    )
    if not person_id:
        return {"waiting": [], "upcoming": []}
    from mulin.people.models import Ownership

    compounds = Ownership.objects.current().filter(person_id=person_id).values("unit__compound_id")
    votes = list(
        Vote.objects.filter(
            compound_id__in=compounds, status__in=[VoteStatus.OPEN, VoteStatus.PUBLISHED]
        ).order_by("opens_at", "id")
    )
    open_ids = [v.pk for v in votes if v.status == VoteStatus.OPEN]
    mine = set()
    if open_ids:
        mine = set(
            Elector.objects.filter(
                vote_id__in=open_ids, people__id=person_id, ballot__isnull=True
            ).values_list("vote_id", flat=True)
        )
    now = timezone.now()
    waiting = sorted(
        (v for v in votes if v.pk in mine and v.opens_at <= now < v.closes_at),
        key=lambda v: v.closes_at,
    )
    upcoming = [v for v in votes if v.status == VoteStatus.PUBLISHED]
    return {"waiting": waiting, "upcoming": upcoming}
