"""The lifecycle of a vote: one table of every allowed move, and what each move requires.

draft → published (the notice runs) → open → closed → tallied (frozen) → result published →
archived. A draft or a published vote that has not opened may be cancelled with a reason.
Nothing can be added to a vote once it is published: its motions, candidates and documents are
what the owners were given notice of.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class VoteStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Notice period")
    OPEN = "open", _("Voting open")
    CLOSED = "closed", _("Voting closed")
    TALLIED = "tallied", _("Tallied")
    RESULT_PUBLISHED = "result_published", _("Result published")
    ARCHIVED = "archived", _("Archived")
    CANCELLED = "cancelled", _("Cancelled")


class Move(models.TextChoices):
    PUBLISH = "publish", _("Publish the notice")
    OPEN = "open", _("Open voting")
    CLOSE = "close", _("Close voting")
    TALLY = "tally", _("Tally and freeze")
    PUBLISH_RESULT = "publish_result", _("Publish the result")
    ARCHIVE = "archive", _("Archive")
    CANCEL = "cancel", _("Cancel the vote")


# (from, move) -> to. Anything not here is refused.
TRANSITIONS: dict[tuple[str, str], str] = {
    (VoteStatus.DRAFT, Move.PUBLISH): VoteStatus.PUBLISHED,
    (VoteStatus.DRAFT, Move.CANCEL): VoteStatus.CANCELLED,
    (VoteStatus.PUBLISHED, Move.OPEN): VoteStatus.OPEN,
    (VoteStatus.PUBLISHED, Move.CANCEL): VoteStatus.CANCELLED,
    (VoteStatus.OPEN, Move.CLOSE): VoteStatus.CLOSED,
    (VoteStatus.CLOSED, Move.TALLY): VoteStatus.TALLIED,
    (VoteStatus.TALLIED, Move.PUBLISH_RESULT): VoteStatus.RESULT_PUBLISHED,
    (VoteStatus.RESULT_PUBLISHED, Move.ARCHIVE): VoteStatus.ARCHIVED,
}

EDITABLE = frozenset({VoteStatus.DRAFT})
# The electorate exists (built at publication) and owners may look up their entry.
WITH_ELECTORATE = frozenset(
    {
        VoteStatus.PUBLISHED,
        VoteStatus.OPEN,
        VoteStatus.CLOSED,
        VoteStatus.TALLIED,
        VoteStatus.RESULT_PUBLISHED,
        VoteStatus.ARCHIVED,
    }
)
FROZEN = frozenset({VoteStatus.TALLIED, VoteStatus.RESULT_PUBLISHED, VoteStatus.ARCHIVED})
# Choices may be seen (by the tally, and per owner on an open vote) only once voting closed.
RESULTS_VISIBLE = frozenset({VoteStatus.CLOSED}) | FROZEN
PUBLIC_RESULT = frozenset({VoteStatus.RESULT_PUBLISHED, VoteStatus.ARCHIVED})


def allowed_moves(status: str) -> list[str]:
    return [move for (start, move) in TRANSITIONS if start == status]


def target(status: str, move: str) -> str | None:
    return TRANSITIONS.get((status, move))
