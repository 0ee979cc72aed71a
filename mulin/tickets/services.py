"""Writes of tickets. Every service checks access, validates, writes, writes a timeline event and
an audit row in one transaction."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mulin.core import access, audit

from . import deadlines, dispatch, selectors
from .models import (
    Category,
    Channel,
    DispatchMode,
    EventKind,
    LocationKind,
    PhotoStage,
    Priority,
    Rating,
    Ticket,
    TicketEvent,
    TicketPhoto,
)
from .photos import clean_photos
from .states import OPEN, REOPEN_WITHIN_DAYS, Party, Status, Target, rule_for

URGE_INTERVAL = timedelta(hours=1)
MAX_DESCRIPTION = 4000


def category_defaults() -> list[tuple[str, str, bool]]:
    """(code, name, chargeable) of the categories every compound starts with."""
    return [
        ("leak", _("Leak"), False),
        ("plumbing", _("Plumbing"), True),
        ("electrical", _("Electrical"), True),
        ("lift", _("Lift"), False),
        ("sanitation", _("Sanitation"), False),
        ("greening", _("Greening"), False),
        ("parking", _("Parking"), False),
        ("noise", _("Noise"), False),
        ("security", _("Security"), False),
        ("neighbour_dispute", _("Neighbour dispute"), False),
        ("major_repair", _("Major house repair"), True),
        ("public_facilities", _("Public facilities"), False),
        ("suggestion", _("Suggestion"), False),
        ("complaint", _("Complaint"), False),
        ("praise", _("Praise"), False),
    ]


def _require_manage_compound(actor, compound) -> None:
    if not access.can_in_compound(actor, access.TICKETS_MANAGE, compound):
        raise Http404


@transaction.atomic
def categories_ensure_defaults(*, actor, compound) -> list[Category]:
    """Create the default categories a compound lacks; returns the ones created."""
    _require_manage_compound(actor, compound)
    existing = set(Category.objects.filter(compound=compound).values_list("code", flat=True))
    created = []
    for position, (code, name, chargeable) in enumerate(category_defaults()):
        if code in existing:
            continue
        category = Category.objects.create(
            compound=compound,
            code=code,
            name=str(name),
            chargeable=chargeable,
            position=position,
        )
        audit.record(
            actor=actor,
            action="tickets.category_create",
            target=category,
            changes={"code": code, "name": str(name)},
        )
        created.append(category)
    return created


# --- who is who -------------------------------------------------------------------------------


def parties(actor, ticket: Ticket) -> set[str]:
    """How `actor` stands to `ticket` (see `states.Party`)."""
    found: set[str] = set()
    if not getattr(actor, "is_authenticated", False):
        return found
    if ticket.submitted_by_id == actor.pk or (
        actor.person_id and ticket.requester_id == actor.person_id
    ):
        found.add(Party.REQUESTER)
    if access.can(actor, access.TICKETS_HANDLE, ticket):
        found.add(Party.HANDLER)
        if ticket.assignee_id == actor.pk:
            found.add(Party.ASSIGNEE)
    if access.can(actor, access.TICKETS_MANAGE, ticket):
        found.add(Party.MANAGER)
    return found


def _locked(actor, ticket: Ticket) -> tuple[Ticket, set[str]]:
    """Lock the ticket's row; 404 when `actor` may not see it at all."""
    fresh = Ticket.objects.select_for_update().select_related("category").get(pk=ticket.pk)
    found = parties(actor, fresh)
    if not found and not access.can(actor, access.TICKETS_VIEW, fresh):
        raise Http404
    return fresh, found


def _event(ticket: Ticket, *, kind: str, actor, **fields) -> TicketEvent:
    return TicketEvent.objects.create(ticket=ticket, kind=kind, actor=actor, **fields)


def _status_label(value: str) -> str:
    return str(Status(value).label)


def _target_label(value: str) -> str:
    return str(Target(value).label)


# --- submission -------------------------------------------------------------------------------


@transaction.atomic
def ticket_submit(
    *,
    actor,
    compound,
    category: Category,
    description: str,
    idempotency_key: str,
    priority: str = Priority.NORMAL,
    location_kind: str = LocationKind.UNIT,
    unit=None,
    building=None,
    place: str = "",
    channel: str = Channel.SELF_SERVICE,
    on_behalf_of=None,
    photos=(),
) -> Ticket:
    """Open a request. A second call by the same submitter with the same key returns the first.

    Residents submit for themselves (self-service) in a compound where they live; staff holding
    TICKETS_HANDLE submit on a resident's behalf (`on_behalf_of`, or nobody for anonymous) with
    the channel it came through."""
    if not getattr(actor, "is_authenticated", False):
        raise Http404
    key = (idempotency_key or "").strip()
    if not key or len(key) > 64:
        raise ValidationError({"idempotency_key": gettext("Every request needs a submission key.")})
    existing = Ticket.objects.filter(submitted_by=actor, idempotency_key=key).first()
    if existing is not None:
        return existing

    staff = access.can_in_compound(actor, access.TICKETS_HANDLE, compound)
    own_units = access.own_unit_ids(actor)
    lives_here = bool(own_units) and compound.units.filter(id__in=own_units).exists()
    if not staff and not lives_here:
        raise Http404

    errors: dict[str, str] = {}
    if category.compound_id != compound.id or not category.active:
        errors["category"] = gettext("Choose one of this compound's request categories.")
    description = (description or "").strip()
    if not description:
        errors["description"] = gettext("Describe the problem.")
    elif len(description) > MAX_DESCRIPTION:
        errors["description"] = gettext("Keep the description under 4000 characters.")
    if priority not in Priority.values:
        errors["priority"] = gettext("Choose normal, urgent or emergency.")
    if channel not in Channel.values:
        errors["channel"] = gettext("Choose the channel the request came through.")
    elif channel != Channel.SELF_SERVICE and not staff:
        errors["channel"] = gettext("Only staff record requests that came through other channels.")
    if on_behalf_of is not None:
        if not staff:
            errors["on_behalf_of"] = gettext("Only staff submit requests for another resident.")
        elif on_behalf_of.compound_id != compound.id:
            errors["on_behalf_of"] = gettext("The resident must belong to this compound.")
    requester = on_behalf_of if staff and on_behalf_of is not None else None
    if not staff:
        requester = actor.person

    if location_kind == LocationKind.UNIT:
        if unit is None:
            errors["unit"] = gettext("Choose the home the request is about.")
        elif unit.compound_id != compound.id or (not staff and unit.id not in own_units):
            errors["unit"] = gettext("Choose one of your own homes in this compound.")
        else:
            building = unit.building
    elif location_kind == LocationKind.BUILDING:
        unit = None
        if building is None or building.compound_id != compound.id:
            errors["building"] = gettext("Choose a building of this compound.")
    elif location_kind == LocationKind.COMMON_AREA:
        unit = None
        if building is not None and building.compound_id != compound.id:
            errors["building"] = gettext("Choose a building of this compound.")
        if not place.strip():
            errors["place"] = gettext("Say where in the compound the problem is.")
    else:
        errors["location_kind"] = gettext("Choose your home, a building or a common area.")
    cleaned_photos = []
    try:
        cleaned_photos = clean_photos(photos)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    respond_by, resolve_by = deadlines.due_times(category, priority, now)
    ticket = Ticket(
        compound=compound,
        category=category,
        priority=priority,
        channel=channel,
        requester=requester,
        submitted_by=actor,
        on_behalf_of=on_behalf_of if staff else None,
        location_kind=location_kind,
        unit=unit,
        building=building,
        place=place.strip()[:200],
        description=description,
        organisation=selectors.route_for(compound, category),
        respond_by=respond_by,
        resolve_by=resolve_by,
        idempotency_key=key,
    )
    try:
        with transaction.atomic():
            ticket.save()
    except IntegrityError:
        # A concurrent double tap won the race: hand back its ticket.
        return Ticket.objects.get(submitted_by=actor, idempotency_key=key)
    event = _event(ticket, kind=EventKind.SUBMISSION, actor=actor, to_status=Status.SUBMITTED)
    _save_photos(ticket, event, cleaned_photos, stage=PhotoStage.REPORT, actor=actor)
    audit.record(
        actor=actor,
        action="tickets.submit",
        target=ticket,
        changes={
            **audit.snapshot(
                ticket, ["category_id", "priority", "channel", "location_kind", "unit_id"]
            ),
            "photos": len(cleaned_photos),
        },
        on_behalf_of=on_behalf_of if staff else None,
        subject_person=requester,
    )
    dispatch.follow(ticket, dispatch.requester_users(ticket))
    if priority == Priority.EMERGENCY:
        dispatch.page_for_emergency(ticket)
    return ticket


def _save_photos(ticket: Ticket, event, cleaned, *, stage: str, actor) -> list[TicketPhoto]:
    saved = []
    for photo in cleaned:
        row = TicketPhoto(
            ticket=ticket, event=event, stage=stage, size_bytes=photo.size, uploaded_by=actor
        )
        row.image.save("photo.jpg", photo.content, save=False)
        row.save()
        saved.append(row)
    return saved


MAX_COST_LINES = 20
MAX_COST = Decimal("99999.99")


def clean_cost_lines(lines) -> list[dict]:
    """Cost lines of a chargeable job: `[{"item": "水管接头", "amount": "35.00"}, …]`, each amount a
    positive number of yuan with at most two decimals; stored as strings so no float ever
    touches money."""
    cleaned = []
    if len(lines) > MAX_COST_LINES:
        raise ValidationError({"cost_lines": gettext("Enter at most 20 cost lines.")})
    for number, line in enumerate(lines, start=1):
        item = str((line or {}).get("item", "")).strip()
        raw = str((line or {}).get("amount", "")).strip()
        names = {"number": number}
        if not item or len(item) > 100:
            raise ValidationError(
                {"cost_lines": gettext("Cost line %(number)s needs what was paid for.") % names}
            )
        try:
            amount = Decimal(raw)
        except InvalidOperation:
            amount = None
        if (
            amount is None
            or not amount.is_finite()
            or amount <= 0
            or amount > MAX_COST
            or amount != amount.quantize(Decimal("0.01"))
        ):
            raise ValidationError(
                {
                    "cost_lines": gettext(
                        "Cost line %(number)s needs an amount in yuan, such as 35.50."
                    )
                    % names
                }
            )
        cleaned.append({"item": item, "amount": str(amount.quantize(Decimal("0.01")))})
    return cleaned


# --- routing ------------------------------------------------------------------------------


@transaction.atomic
def ticket_route(*, actor, ticket: Ticket) -> Ticket:
    """Send an open request to the organisation its compound's routing rule names."""
    ticket, found = _locked(actor, ticket)
    if Party.MANAGER not in found:
        raise ValidationError(gettext("Only a team leader or community staff may reroute."))
    if ticket.status not in OPEN:
        raise ValidationError(gettext("Only open requests can be rerouted."))
    before = ticket.organisation_id
    ticket.organisation = selectors.route_for(ticket.compound, ticket.category)
    ticket.save(update_fields=["organisation", "updated_at"])
    _event(
        ticket,
        kind=EventKind.NOTE,
        actor=actor,
        action="route",
        data={"organisation": ticket.organisation_id},
    )
    audit.record(
        actor=actor,
        action="tickets.route",
        target=ticket,
        changes={"organisation_id": [before, ticket.organisation_id]},
    )
    return ticket


# --- transitions ----------------------------------------------------------------------------


def _illegal(ticket: Ticket, to: str) -> ValidationError:
    return ValidationError(
        gettext("A request that is “%(status)s” cannot go to “%(target)s”.")
        % {"status": _status_label(ticket.status), "target": _target_label(to)},
        code="illegal_transition",
    )


@transaction.atomic
def ticket_transition(
    *,
    actor,
    ticket: Ticket,
    to: str,
    note: str = "",
    assignee=None,
    organisation=None,
    paused_until: date | None = None,
    cost_lines: list[dict] | None = None,
    photos=(),
) -> Ticket:
    """Move a ticket along the state machine (`states.TRANSITIONS`). Photos are kept as
    "after" photos when resolving and "before" photos otherwise."""
    ticket, found = _locked(actor, ticket)
    if to not in Target.values:
        raise ValidationError({"to": gettext("Choose a valid next step.")})
    rule = rule_for(ticket.status, to)
    if rule is None:
        raise _illegal(ticket, to)
    if not (found & rule.parties):
        raise ValidationError(
            gettext("You may not take a request from “%(status)s” to “%(target)s”.")
            % {"status": _status_label(ticket.status), "target": _target_label(to)},
            code="not_allowed",
        )
    note = (note or "").strip()
    now = timezone.now()
    errors: dict[str, str] = {}
    if rule.needs_note and not note:
        errors["note"] = gettext("Give a reason; the resident will see it.")
    if to == Target.ASSIGNED:
        if assignee is None:
            errors["assignee"] = gettext("Choose the handler.")
        elif not access.can(assignee, access.TICKETS_HANDLE, ticket):
            errors["assignee"] = gettext("The handler must be able to handle this request.")
    if to == Target.TRANSFERRED:
        if organisation is None:
            errors["organisation"] = gettext("Choose the organisation to transfer to.")
        elif organisation.pk == ticket.organisation_id:
            errors["organisation"] = gettext("Choose a different organisation.")
        elif organisation.compound_id not in (None, ticket.compound_id) or (
            organisation.compound_id is None
            and organisation.community_id != ticket.compound.community_id
        ):
            errors["organisation"] = gettext("Choose an organisation serving this compound.")
    if to == Target.PAUSED:
        if paused_until is None:
            errors["paused_until"] = gettext("Give the date work resumes.")
        elif paused_until <= timezone.localdate(now):
            errors["paused_until"] = gettext("The resume date must be after today.")
    if to == Target.REOPENED and (
        ticket.resolved_at is None or now > ticket.resolved_at + timedelta(days=REOPEN_WITHIN_DAYS)
    ):
        errors["to"] = gettext("A request can be reopened only within 7 days of being resolved.")
    if cost_lines and not ticket.category.chargeable:
        errors["cost_lines"] = gettext("This category is free of charge; remove the cost lines.")
    elif cost_lines:
        try:
            cost_lines = clean_cost_lines(cost_lines)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    cleaned_photos = []
    try:
        cleaned_photos = clean_photos(photos)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)

    before = audit.snapshot(ticket, _TRACKED)
    from_status = ticket.status
    ticket.status = rule.lands_in
    if to == Target.ACCEPTED and ticket.responded_at is None:
        ticket.responded_at = now
    elif to == Target.ASSIGNED:
        ticket.assignee = assignee
    elif to == Target.TRANSFERRED:
        ticket.organisation = organisation
        ticket.assignee = None
        if ticket.paused_at is not None:
            ticket.resolve_by = deadlines.extend_for_pause(ticket.resolve_by, ticket.paused_at, now)
            ticket.paused_at = ticket.paused_until = None
    elif to == Target.PAUSED:
        ticket.paused_at = now
        ticket.paused_until = paused_until
    elif to == Target.IN_PROGRESS and from_status == Status.PAUSED:
        ticket.resolve_by = deadlines.extend_for_pause(ticket.resolve_by, ticket.paused_at, now)
        ticket.paused_at = ticket.paused_until = None
    elif to == Target.RESOLVED:
        ticket.resolved_at = now
    elif to == Target.CLOSED:
        ticket.closed_at = now
    elif to == Target.REJECTED:
        ticket.closed_at = now
        if ticket.responded_at is None:
            ticket.responded_at = now
    elif to == Target.REOPENED:
        ticket.resolved_at = None
        ticket.reopen_count += 1
    ticket.save()
    event = _event(
        ticket,
        kind=EventKind.TRANSITION,
        actor=actor,
        action=to,
        from_status=from_status,
        to_status=ticket.status,
        note=note,
        cost_lines=cost_lines or [],
    )
    stage = PhotoStage.AFTER if to == Target.RESOLVED else PhotoStage.BEFORE
    _save_photos(ticket, event, cleaned_photos, stage=stage, actor=actor)
    audit.record(
        actor=actor,
        action=f"tickets.{to}",
        target=ticket,
        changes={
            **audit.diff(before, audit.snapshot(ticket, _TRACKED)),
            **({"photos": len(cleaned_photos)} if cleaned_photos else {}),
        },
    )
    _after_move(ticket, actor=actor, to=to, from_status=from_status, note=note)
    return ticket


def _after_move(ticket: Ticket, *, actor, to: str, from_status: str, note: str) -> None:
    """Round-robin dispatch on acceptance, and the messages a move sends."""
    if (
        to in (Target.ACCEPTED, Target.TRANSFERRED)
        and ticket.category.dispatch_mode == DispatchMode.ROUND_ROBIN
        and ticket.organisation_id
        and ticket.assignee_id is None
    ):
        handler = dispatch.next_round_robin(ticket.organisation)
        if handler is not None:
            ticket.assignee = handler
            ticket.status = Status.ASSIGNED
            ticket.save(update_fields=["assignee", "status", "updated_at"])
            _event(
                ticket,
                kind=EventKind.ASSIGNMENT,
                actor=None,
                action="round_robin",
                from_status=Status.ACCEPTED,
                to_status=Status.ASSIGNED,
                data={"assignee": handler.pk},
            )
            audit.record(
                actor=None,
                action="tickets.round_robin",
                target=ticket,
                changes={"assignee_id": [None, handler.pk], "status": [from_status, "assigned"]},
            )
    if ticket.assignee_id and (to == Target.ASSIGNED or ticket.status == Status.ASSIGNED):
        dispatch.tell_assignee(ticket, actor=actor)
    names = {
        "number": ticket.pk,
        "category": ticket.category.name,
        "status": _status_label(ticket.status),
    }
    body = gettext("Your %(category)s request #%(number)s is now “%(status)s”.") % names
    if note:
        body = f"{body}\n{note}"
    asked = []
    if to == Target.RESOLVED:
        # The resident gets the rating request instead of a plain status message.
        asked = dispatch.requester_users(ticket)
        dispatch.ask_for_rating(ticket)
    dispatch.tell_followers(
        ticket,
        actor=actor,
        title=gettext("Request #%(number)s: %(status)s") % names,
        body=body,
        without=asked,
    )


_TRACKED = [
    "status",
    "assignee_id",
    "organisation_id",
    "responded_at",
    "resolved_at",
    "closed_at",
    "paused_until",
    "resolve_by",
]


@transaction.atomic
def ticket_assign(*, actor, ticket: Ticket, assignee, note: str = "") -> Ticket:
    """Give an accepted request to a handler, or hand an assigned one to another handler."""
    ticket, _found = _locked(actor, ticket)
    if ticket.status == Status.ACCEPTED:
        return ticket_transition(
            actor=actor, ticket=ticket, to=Target.ASSIGNED, assignee=assignee, note=note
        )
    return _reassign(actor=actor, ticket=ticket, assignee=assignee, note=note)


@transaction.atomic
def _reassign(*, actor, ticket: Ticket, assignee, note: str) -> Ticket:
    ticket, found = _locked(actor, ticket)
    if Party.MANAGER not in found:
        raise ValidationError(gettext("Only a team leader or community staff may assign."))
    if ticket.status not in (Status.ASSIGNED, Status.IN_PROGRESS, Status.PAUSED):
        raise _illegal(ticket, Target.ASSIGNED)
    if assignee is None or not access.can(assignee, access.TICKETS_HANDLE, ticket):
        raise ValidationError(
            {"assignee": gettext("The handler must be able to handle this request.")}
        )
    before = ticket.assignee_id
    ticket.assignee = assignee
    ticket.save(update_fields=["assignee", "updated_at"])
    _event(
        ticket,
        kind=EventKind.ASSIGNMENT,
        actor=actor,
        action="reassign",
        note=note.strip(),
        data={"assignee": assignee.pk},
    )
    audit.record(
        actor=actor,
        action="tickets.reassign",
        target=ticket,
        changes={"assignee_id": [before, assignee.pk]},
    )
    dispatch.tell_assignee(ticket, actor=actor)
    return ticket


@transaction.atomic
def ticket_claim(*, actor, ticket: Ticket) -> Ticket:
    """A handler takes an accepted, unassigned request from the team pool (抢单)."""
    ticket, found = _locked(actor, ticket)
    if not found & {Party.HANDLER, Party.MANAGER}:
        raise ValidationError(gettext("Only the handling team can claim a request."))
    if ticket.status != Status.ACCEPTED or ticket.assignee_id is not None:
        raise ValidationError(gettext("This request has already been taken."))
    now = timezone.now()
    taken = Ticket.objects.filter(
        pk=ticket.pk, status=Status.ACCEPTED, assignee__isnull=True
    ).update(assignee=actor, status=Status.ASSIGNED, updated_at=now)
    if taken != 1:
        raise ValidationError(gettext("This request has already been taken."))
    ticket.refresh_from_db()
    _event(
        ticket,
        kind=EventKind.TRANSITION,
        actor=actor,
        action="claim",
        from_status=Status.ACCEPTED,
        to_status=Status.ASSIGNED,
    )
    audit.record(
        actor=actor,
        action="tickets.claim",
        target=ticket,
        changes={"status": [Status.ACCEPTED, Status.ASSIGNED], "assignee_id": [None, actor.pk]},
    )
    names = {"number": ticket.pk, "category": ticket.category.name}
    dispatch.tell_followers(
        ticket,
        actor=actor,
        title=gettext("Request #%(number)s: %(status)s")
        % {**names, "status": _status_label(ticket.status)},
        body=gettext("A handler has taken your %(category)s request #%(number)s.") % names,
    )
    return ticket


@transaction.atomic
def ticket_urge(*, actor, ticket: Ticket, note: str = "") -> TicketEvent:
    """The requester presses for an open request (催单), at most once an hour."""
    ticket, found = _locked(actor, ticket)
    if Party.REQUESTER not in found:
        raise ValidationError(gettext("Only the resident who made the request can urge it."))
    if ticket.status not in OPEN:
        raise ValidationError(gettext("Only open requests can be urged."))
    now = timezone.now()
    last = (
        TicketEvent.objects.filter(ticket=ticket, kind=EventKind.URGE)
        .order_by("-created_at")
        .first()
    )
    if last is not None and last.created_at > now - URGE_INTERVAL:
        again = timezone.localtime(last.created_at + URGE_INTERVAL)
        raise ValidationError(
            gettext("You urged this request less than an hour ago; you can urge again at %(time)s.")
            % {"time": again.strftime("%H:%M")},
            code="too_soon",
        )
    event = _event(ticket, kind=EventKind.URGE, actor=actor, note=(note or "").strip())
    audit.record(actor=actor, action="tickets.urge", target=ticket)
    dispatch.tell_of_urge(ticket, actor=actor, note=event.note)
    return event


@transaction.atomic
def ticket_rate(
    *, actor, ticket: Ticket, overall: int, speed: int, attitude: int, comment: str = ""
) -> Rating:
    """The requester rates a resolved (or closed) request, once."""
    ticket, found = _locked(actor, ticket)
    if Party.REQUESTER not in found:
        raise ValidationError(gettext("Only the resident who made the request can rate it."))
    if ticket.status not in (Status.RESOLVED, Status.CLOSED) or ticket.resolved_at is None:
        raise ValidationError(gettext("A request can be rated once it has been resolved."))
    if Rating.objects.filter(ticket=ticket).exists():
        raise ValidationError(gettext("This request has already been rated."))
    errors = {}
    for field, value in (("overall", overall), ("speed", speed), ("attitude", attitude)):
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
            errors[field] = gettext("Give a score from 1 to 5.")
    if errors:
        raise ValidationError(errors)
    rating = Rating.objects.create(
        ticket=ticket,
        overall=overall,
        speed=speed,
        attitude=attitude,
        comment=(comment or "").strip(),
        rated_by=actor,
    )
    _event(
        ticket,
        kind=EventKind.RATING,
        actor=actor,
        note=rating.comment,
        data={"overall": overall, "speed": speed, "attitude": attitude},
    )
    audit.record(
        actor=actor,
        action="tickets.rate",
        target=ticket,
        changes={"overall": overall, "speed": speed, "attitude": attitude},
    )
    from .followups import followup_schedule_after_rating

    followup_schedule_after_rating(ticket, rating)
    return rating


@transaction.atomic
def ticket_merge(*, actor, ticket: Ticket, into: Ticket, note: str = "") -> Ticket:
    """Close `ticket` as a duplicate of `into`; its requester follows `into` from now on."""
    if ticket.pk == into.pk:
        raise ValidationError({"into": gettext("A request cannot be merged into itself.")})
    ticket, found = _locked(actor, ticket)
    into, found_into = _locked(actor, into)
    if not found & {Party.HANDLER, Party.MANAGER} or not found_into & {
        Party.HANDLER,
        Party.MANAGER,
    }:
        raise ValidationError(gettext("Only the handling team can merge requests."))
    errors = {}
    if ticket.status not in OPEN:
        errors["ticket"] = gettext("Only open requests can be merged.")
    if into.compound_id != ticket.compound_id:
        errors["into"] = gettext("Merge only requests of the same compound.")
    elif into.duplicate_of_id is not None or into.status == Status.REJECTED:
        errors["into"] = gettext("Merge into a request that is still its own.")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    from_status = ticket.status
    ticket.duplicate_of = into
    ticket.status = Status.CLOSED
    ticket.closed_at = now
    if ticket.responded_at is None:
        ticket.responded_at = now
    ticket.save()
    note = (note or "").strip()
    _event(
        ticket,
        kind=EventKind.MERGE,
        actor=actor,
        from_status=from_status,
        to_status=Status.CLOSED,
        note=note,
        data={"into": into.pk},
    )
    _event(into, kind=EventKind.MERGE, actor=actor, note=note, data={"merged": ticket.pk})
    dispatch.follow(into, dispatch.followers(ticket))
    audit.record(
        actor=actor,
        action="tickets.merge",
        target=ticket,
        changes={"duplicate_of_id": [None, into.pk], "status": [from_status, Status.CLOSED]},
    )
    return ticket


@transaction.atomic
def ticket_comment(*, actor, ticket: Ticket, note: str, photos=()) -> TicketEvent:
    """A note on the timeline (and photos) from the requester or anyone handling the request."""
    ticket, found = _locked(actor, ticket)
    if not found:
        raise ValidationError(gettext("Only the resident and the handling team can add notes."))
    note = (note or "").strip()
    errors = {}
    if not note:
        errors["note"] = gettext("Write the note.")
    elif len(note) > MAX_DESCRIPTION:
        errors["note"] = gettext("Keep the note under 4000 characters.")
    cleaned = []
    try:
        cleaned = clean_photos(photos)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    event = _event(ticket, kind=EventKind.NOTE, actor=actor, action="comment", note=note)
    stage = PhotoStage.REPORT if found == {Party.REQUESTER} else PhotoStage.BEFORE
    _save_photos(ticket, event, cleaned, stage=stage, actor=actor)
    audit.record(
        actor=actor,
        action="tickets.comment",
        target=ticket,
        changes={"photos": len(cleaned)} if cleaned else {},
    )
    return event


@transaction.atomic
def ticket_set_public(*, actor, ticket: Ticket, shown: bool) -> Ticket:
    """The requester decides whether their request appears on the public progress board."""
    ticket, found = _locked(actor, ticket)
    if Party.REQUESTER not in found:
        raise ValidationError(
            gettext("Only the resident who made the request can choose whether it is shown.")
        )
    hidden = not shown
    if ticket.public_hidden == hidden:
        return ticket
    ticket.public_hidden = hidden
    ticket.save(update_fields=["public_hidden", "updated_at"])
    _event(ticket, kind=EventKind.VISIBILITY, actor=actor, action="hide" if hidden else "show")
    audit.record(
        actor=actor,
        action="tickets.visibility",
        target=ticket,
        changes={"public_hidden": [not hidden, hidden]},
    )
    return ticket


@transaction.atomic
def ticket_exclude(*, actor, ticket: Ticket, reason: str) -> Ticket:
    """Take an unreasonable request or a malicious repeat out of the figures (DESIGN §9), with a
    reason; an empty reason puts it back."""
    ticket, found = _locked(actor, ticket)
    if Party.MANAGER not in found:
        raise ValidationError(
            gettext("Only a team leader or community staff may exclude a request from the figures.")
        )
    reason = (reason or "").strip()
    if len(reason) > 200:
        raise ValidationError({"reason": gettext("Keep the reason under 200 characters.")})
    if reason == ticket.excluded_reason:
        return ticket
    before = ticket.excluded_reason
    ticket.excluded_reason = reason
    ticket.save(update_fields=["excluded_reason", "updated_at"])
    _event(
        ticket,
        kind=EventKind.NOTE,
        actor=actor,
        action="exclude" if reason else "include",
        note=reason,
    )
    audit.record(
        actor=actor,
        action="tickets.exclude" if reason else "tickets.include",
        target=ticket,
        changes={"excluded_reason": [before, reason]},
    )
    return ticket
