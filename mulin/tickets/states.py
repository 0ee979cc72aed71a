"""The ticket state machine: one table of every allowed move and who may make it.

A move is named by its target. Most targets are statuses; two are actions that land in a status:
`transferred` (to another organisation, with a reason) lands in `accepted` for the new team, and
`reopened` (by the requester within 7 days of resolution) lands in `assigned` again.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    PAUSED = "paused", _("Paused")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")


class Target(models.TextChoices):
    """Where a transition goes: a status, or an action that lands in one."""

    ACCEPTED = "accepted", _("Accept")
    ASSIGNED = "assigned", _("Assign")
    IN_PROGRESS = "in_progress", _("Start or resume work")
    PAUSED = "paused", _("Pause")
    RESOLVED = "resolved", _("Resolve")
    CLOSED = "closed", _("Close")
    REJECTED = "rejected", _("Reject")
    TRANSFERRED = "transferred", _("Transfer")
    REOPENED = "reopened", _("Reopen")


class Party(models.TextChoices):
    """Who stands where to a ticket. Managers (team leaders, community staff) may also do what a
    handler may."""

    REQUESTER = "requester", _("Requester")
    ASSIGNEE = "assignee", _("Assigned handler")
    HANDLER = "handler", _("Handler of the team")
    MANAGER = "manager", _("Team leader or staff")


OPEN = frozenset(
    {Status.SUBMITTED, Status.ACCEPTED, Status.ASSIGNED, Status.IN_PROGRESS, Status.PAUSED}
)
FINISHED = frozenset({Status.RESOLVED, Status.CLOSED, Status.REJECTED})


@dataclass(frozen=True)
class Rule:
    lands_in: Status
    parties: frozenset[str]
    needs_note: bool = False  # a reason the resident is shown


_H = frozenset({Party.HANDLER, Party.MANAGER})
_WORK = frozenset({Party.ASSIGNEE, Party.MANAGER})

# (current status, target) -> rule. Anything not in this table is refused.
TRANSITIONS: dict[tuple[str, str], Rule] = {
    (Status.SUBMITTED, Target.ACCEPTED): Rule(Status.ACCEPTED, _H),
    (Status.SUBMITTED, Target.REJECTED): Rule(Status.REJECTED, _H, needs_note=True),
    (Status.ACCEPTED, Target.ASSIGNED): Rule(Status.ASSIGNED, frozenset({Party.MANAGER})),
    (Status.ACCEPTED, Target.REJECTED): Rule(Status.REJECTED, _H, needs_note=True),
    (Status.ACCEPTED, Target.TRANSFERRED): Rule(Status.ACCEPTED, _H, needs_note=True),
    (Status.ASSIGNED, Target.IN_PROGRESS): Rule(Status.IN_PROGRESS, _WORK),
    (Status.ASSIGNED, Target.TRANSFERRED): Rule(Status.ACCEPTED, _WORK, needs_note=True),
    (Status.IN_PROGRESS, Target.PAUSED): Rule(Status.PAUSED, _WORK, needs_note=True),
    (Status.IN_PROGRESS, Target.RESOLVED): Rule(Status.RESOLVED, _WORK),
    (Status.IN_PROGRESS, Target.TRANSFERRED): Rule(Status.ACCEPTED, _WORK, needs_note=True),
    (Status.PAUSED, Target.IN_PROGRESS): Rule(Status.IN_PROGRESS, _WORK),
    (Status.RESOLVED, Target.CLOSED): Rule(
        Status.CLOSED, frozenset({Party.REQUESTER, Party.MANAGER})
    ),
    (Status.RESOLVED, Target.REOPENED): Rule(
        Status.ASSIGNED, frozenset({Party.REQUESTER}), needs_note=True
    ),
}

REOPEN_WITHIN_DAYS = 7

# The one way out of `closed`: 14 days after closing the requester is asked "is it still
# fixed?" and a "no" reopens the request for its handler (`followups.ticket_recheck_answer`);
# it is not a move anyone can pick, so it stays out of TRANSITIONS.
RECHECK_REOPEN = Rule(Status.ASSIGNED, frozenset({Party.REQUESTER}), needs_note=True)


def rule_for(status: str, target: str) -> Rule | None:
    return TRANSITIONS.get((status, target))


def targets_from(status: str) -> list[str]:
    return [t for (s, t) in TRANSITIONS if s == status]
