"""What the recording pages (views/ballots.py, views/ballots_manage.py) share: the vote of the
URL behind its access check, why no ballot can be taken now, the page's common context."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils import timezone

from mulin.core import access
from mulin.places.models import Compound

from .. import ballots, selectors
from ..models import Vote

VOTE_PATH = "compounds/<slug:code>/votes/<int:vote_id>"


def vote_or_404(request: HttpRequest, code: str, vote_id: int, *, perm: str, statuses) -> Vote:
    """The vote of the URL with its motions, when the user holds `perm` in its compound and the
    vote is in one of `statuses`; else 404 (a recorder never sees drafts)."""
    compound = Compound.objects.filter(code=code).first()
    if compound is None:
        raise Http404
    vote = selectors.staff_vote(request.user, compound, vote_id, perm=perm)
    if vote.status not in statuses:
        raise Http404
    return vote


def recording_refusal(vote: Vote, now=None) -> str:
    """Why no ballot can be taken now ("" when it can), in the service's own words."""
    try:
        ballots.check_window(vote, now or timezone.now())
    except ValidationError as exc:
        return " ".join(exc.messages)
    return ""


def page_context(request: HttpRequest, vote: Vote, tab: str, **extra) -> dict:
    return {
        "vote": vote,
        "compound": vote.compound,
        "tab": tab,
        "can_manage": access.can_in_compound(request.user, access.DECISIONS_MANAGE, vote.compound),
        **extra,
    }
