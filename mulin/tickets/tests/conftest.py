"""Fixtures for tickets: a property team with a leader and two handlers, the default categories,
and `at_status(name)` which drives a fresh leak request to any status through the services."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from mulin.core.models import Role, User
from mulin.orgs.models import MemberRole, Organisation, OrgKind
from mulin.testing import factories as f
from mulin.tickets import services
from mulin.tickets.models import Category, Ticket
from mulin.tickets.states import Status, Target


@dataclass
class Desk:
    team: Organisation
    other_team: Organisation
    leader: User  # property manager of the team (team leader)
    handler: User  # property staff; the one assigned
    handler2: User  # property staff of the same team, not assigned
    cats: dict[str, Category]


@pytest.fixture
def desk(world) -> Desk:
    team = f.OrganisationFactory(
        kind=OrgKind.PROPERTY_COMPANY, name="工程部", compound=world.compound
    )
    other_team = f.OrganisationFactory(
        kind=OrgKind.QUASI_PROPERTY, name="准物业", compound=world.compound
    )
    leader = f.UserFactory(username="leader")
    f.grant(leader, Role.PROPERTY_MANAGER, team)
    f.MembershipFactory(organisation=team, role=MemberRole.LEADER)
    handler = f.UserFactory(username="handler")
    f.grant(handler, Role.PROPERTY_STAFF, team)
    handler2 = f.UserFactory(username="handler2")
    f.grant(handler2, Role.PROPERTY_STAFF, team)
    services.categories_ensure_defaults(actor=world.staff, compound=world.compound)
    cats = {c.code: c for c in Category.objects.filter(compound=world.compound)}
    Category.objects.filter(compound=world.compound).update(organisation=team)
    for c in cats.values():
        c.organisation = team
    return Desk(team, other_team, leader, handler, handler2, cats)


_keys = iter(range(10**9))


@pytest.fixture
def submit(world, desk):
    """`submit(**overrides)`: the resident reports a leak in their home."""

    def _submit(**kw) -> Ticket:
        args = {
            "actor": world.resident,
            "compound": world.compound,
            "category": desk.cats["leak"],
            "description": "厨房天花板漏水",
            "unit": world.unit,
            "idempotency_key": f"k-{next(_keys)}",
        }
        args.update(kw)
        return services.ticket_submit(**args)

    return _submit


# How each status is reached from the one before it, by whom, with what.
_PATH = {
    Status.ACCEPTED: (Status.SUBMITTED, "leader", Target.ACCEPTED, {}),
    Status.ASSIGNED: (Status.ACCEPTED, "leader", Target.ASSIGNED, {"assignee": "handler"}),
    Status.IN_PROGRESS: (Status.ASSIGNED, "handler", Target.IN_PROGRESS, {}),
    Status.PAUSED: (Status.IN_PROGRESS, "handler", Target.PAUSED, {"paused_until": True}),
    Status.RESOLVED: (Status.IN_PROGRESS, "handler", Target.RESOLVED, {}),
    Status.CLOSED: (Status.RESOLVED, "leader", Target.CLOSED, {}),
    Status.REJECTED: (Status.SUBMITTED, "leader", Target.REJECTED, {}),
}


def extra_args(target: str, desk: Desk) -> dict:
    """The arguments a move to `target` needs."""
    if target == Target.ASSIGNED:
        return {"assignee": desk.handler}
    if target == Target.TRANSFERRED:
        return {"organisation": desk.other_team}
    if target == Target.PAUSED:
        return {"paused_until": timezone.localdate() + timedelta(days=3)}
    return {}


@pytest.fixture
def at_status(submit, desk):
    def _at(status: str) -> Ticket:
        if status == Status.SUBMITTED:
            return submit()
        before, who, target, _ = _PATH[status]
        ticket = _at(before)
        return services.ticket_transition(
            actor=getattr(desk, who),
            ticket=ticket,
            to=target,
            note="原因说明",
            **extra_args(target, desk),
        )

    return _at
