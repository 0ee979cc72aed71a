"""Writes of assemblies and votes: drafting, the notice, the electorate, opening and closing.

Every service checks access, validates, writes and audits in one transaction. Moves of a vote's
lifecycle, its ballots, tally and publications are hash-chained per vote (chain `vote:<id>`), so
`mulin audit verify` notices an edit behind Mulin's back.

Ballots are in `ballots.py`; the tally and publication in `results.py`.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from mulin.core import access, audit

from . import rules
from .electorate import ElectorateError, compound_units, owner_parties, party_key
from .models import (
    Assembly,
    Candidate,
    Elector,
    ElectorUnit,
    MeetingKind,
    MeetingRequest,
    MeetingSupport,
    Motion,
    MotionKind,
    Objection,
    Option,
    Vote,
    VoteDocument,
)
from .states import EDITABLE, Move, VoteStatus, target

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
MEETING_REQUEST_SHARE = Decimal("0.2")


def chain_of(vote: Vote) -> str:
    return f"vote:{vote.pk}"


def require_manage(actor, compound) -> None:
    if not access.can_in_compound(actor, access.DECISIONS_MANAGE, compound):
        raise Http404


def _lock(vote: Vote) -> Vote:
    return Vote.objects.select_for_update().select_related("assembly", "compound").get(pk=vote.pk)


def _require_editable(vote: Vote) -> None:
    if vote.status not in EDITABLE:
        raise ValidationError(
            gettext("This vote is published: nothing can be added to it or changed.")
        )


# Assembly ------------------------------------------------------------------------------------

ASSEMBLY_RULES = (
    "established_on",
    "extraordinary_notice_days",
    "min_window_days",
    "max_window_days",
    "committee_min_seats",
    "committee_max_seats",
    "small_compound_seats",
    "term_years",
    "result_publish_days",
    "result_shown_days",
    "disclose_unit_detail",
    "owners_committee",
)
COMPOUND_RULES = (
    "city_rule_set",
    "parking_counts_as_units",
    "silent_owners_follow_majority",
    "assembly_notice_days",
    "max_proxies_per_person",
    "requires_city_evoting",
)


def assembly_of(compound) -> Assembly:
    """The compound's assembly; created with the default rules the first time it is needed."""
    assembly, _created = Assembly.objects.select_related("compound").get_or_create(
        compound=compound
    )
    return assembly


@transaction.atomic
def assembly_update(*, actor, assembly: Assembly, **fields) -> Assembly:
    """Change the assembly's rules (and the compound's vote rules). Votes already published keep
    the rules they were published under only where they froze them (the electorate)."""
    require_manage(actor, assembly.compound)
    unknown = set(fields) - set(ASSEMBLY_RULES) - set(COMPOUND_RULES)
    if unknown:
        raise ValueError(f"unknown assembly rules {sorted(unknown)}")
    compound = assembly.compound
    before = audit.snapshot(assembly, [f for f in ASSEMBLY_RULES if f != "owners_committee"])
    before.update(audit.snapshot(compound, COMPOUND_RULES))
    for name, value in fields.items():
        setattr(compound if name in COMPOUND_RULES else assembly, name, value)
    errors = {}
    if assembly.min_window_days < 1:
        errors["min_window_days"] = gettext("The window lasts at least one day.")
    if assembly.max_window_days < assembly.min_window_days:
        errors["max_window_days"] = gettext(
            "The longest window cannot be shorter than the shortest."
        )
    if assembly.committee_max_seats < assembly.committee_min_seats:
        errors["committee_max_seats"] = gettext("The most seats cannot be fewer than the fewest.")
    committee = assembly.owners_committee
    if committee is not None and committee.compound_id != compound.id:
        errors["owners_committee"] = gettext("Choose this compound's owners' committee.")
    if errors:
        # The caller's objects must not keep the refused values.
        assembly.refresh_from_db()
        compound.refresh_from_db()
        raise ValidationError(errors)
    assembly.save()
    compound.save(update_fields=[*COMPOUND_RULES, "updated_at"])
    after = audit.snapshot(assembly, [f for f in ASSEMBLY_RULES if f != "owners_committee"])
    after.update(audit.snapshot(compound, COMPOUND_RULES))
    audit.record(
        actor=actor, action="assembly.update", target=assembly, changes=audit.diff(before, after)
    )
    return assembly


# Drafting ------------------------------------------------------------------------------------

VOTE_FIELDS = (
    "title",
    "description",
    "meeting_kind",
    "secret",
    "opens_at",
    "closes_at",
    "meeting_place",
    "online",
)


def _clean_vote(vote: Vote) -> None:
    errors = {}
    if not vote.title.strip():
        errors["title"] = gettext("Give the vote a title.")
    if vote.meeting_kind not in MeetingKind.values:
        errors["meeting_kind"] = gettext("Choose the kind of meeting.")
    if vote.opens_at and vote.closes_at and vote.closes_at <= vote.opens_at:
        errors["closes_at"] = gettext("Voting must close after it opens.")
    if vote.online and vote.compound.requires_city_evoting:
        errors["online"] = gettext(
            "Online votes in this compound go through the city's e-voting system: record paper "
            "and door-to-door ballots here and import the official result."
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def vote_create(*, actor, compound, title: str, opens_at, closes_at, **fields) -> Vote:
    require_manage(actor, compound)
    unknown = set(fields) - set(VOTE_FIELDS)
    if unknown:
        raise ValueError(f"unknown vote fields {sorted(unknown)}")
    vote = Vote(
        assembly=assembly_of(compound),
        compound=compound,
        title=title.strip(),
        opens_at=opens_at,
        closes_at=closes_at,
        created_by=actor,
        **fields,
    )
    if compound.requires_city_evoting and "online" not in fields:
        vote.online = False
    _clean_vote(vote)
    vote.save()
    audit.record(
        actor=actor,
        action="vote.create",
        target=vote,
        changes=audit.snapshot(vote, VOTE_FIELDS),
    )
    return vote


@transaction.atomic
def vote_update(*, actor, vote: Vote, **fields) -> Vote:
    require_manage(actor, vote.compound)
    vote = _lock(vote)
    _require_editable(vote)
    before = audit.snapshot(vote, VOTE_FIELDS)
    for name, value in fields.items():
        if name not in VOTE_FIELDS:
            raise ValueError(f"unknown vote field {name!r}")
        setattr(vote, name, value.strip() if name == "title" else value)
    _clean_vote(vote)
    vote.save()
    audit.record(
        actor=actor,
        action="vote.update",
        target=vote,
        changes=audit.diff(before, audit.snapshot(vote, VOTE_FIELDS)),
    )
    return vote


def _clean_options(kind: str, options) -> list[str]:
    labels = [str(label).strip() for label in options or () if str(label).strip()]
    if kind in (MotionKind.SINGLE, MotionKind.MULTIPLE):
        if len(labels) < 2:
            raise ValidationError({"options": gettext("A question needs at least two answers.")})
        if len(set(labels)) != len(labels):
            raise ValidationError({"options": gettext("Two answers are the same.")})
        if len(labels) > 20:
            raise ValidationError({"options": gettext("A question has at most 20 answers.")})
    elif labels:
        raise ValidationError({"options": gettext("Only choice questions have answers to pick.")})
    return labels


@transaction.atomic
def motion_add(
    *,
    actor,
    vote: Vote,
    kind: str,
    title: str,
    text: str = "",
    matter: str = "",
    seats: int | None = None,
    alternate_seats: int | None = None,
    options=(),
) -> Motion:
    """Add a motion to a draft vote. Ordinary and special motions name their matter, and the
    matter decides the kind (Civil Code Art. 278): a special matter cannot be put as ordinary."""
    require_manage(actor, vote.compound)
    vote = _lock(vote)
    _require_editable(vote)
    errors = {}
    if kind not in MotionKind.values:
        raise ValidationError({"kind": gettext("Choose what kind of motion this is.")})
    if not title.strip():
        errors["title"] = gettext("Give the motion a title.")
    if kind in (MotionKind.ORDINARY, MotionKind.SPECIAL):
        if matter not in rules.MATTERS:
            errors["matter"] = gettext("Choose the matter the owners decide.")
        elif rules.kind_for_matter(matter) != kind:
            errors["matter"] = gettext("%(matter)s is a %(kind)s under %(article)s.") % {
                "matter": rules.MATTERS[matter].label,
                "kind": str(MotionKind(rules.kind_for_matter(matter)).label).lower(),
                "article": rules.MATTERS[matter].article,
            }
    elif kind == MotionKind.ELECTION:
        matter = "committee"
        errors.update(rules.seat_problems(vote.assembly, seats, alternate_seats))
    elif matter:
        errors["matter"] = gettext("Only ordinary and special motions decide a matter.")
    if kind != MotionKind.ELECTION:
        seats = alternate_seats = None
    if vote.meeting_kind == MeetingKind.CONSULTATION and kind not in (
        MotionKind.CONSULTATION,
        MotionKind.SINGLE,
        MotionKind.MULTIPLE,
        MotionKind.TEXT,
    ):
        errors["kind"] = gettext(
            "A consultation asks for support and answers; binding motions need an assembly vote."
        )
    try:
        labels = _clean_options(kind, options)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        labels = []
    if errors:
        raise ValidationError(errors)
    motion = Motion.objects.create(
        vote=vote,
        kind=kind,
        matter=matter,
        title=title.strip(),
        text=text.strip(),
        seats=seats,
        alternate_seats=alternate_seats,
        position=vote.motions.count() + 1,
    )
    Option.objects.bulk_create(
        Option(motion=motion, key=f"o{i}", label=label, position=i)
        for i, label in enumerate(labels, start=1)
    )
    audit.record(
        actor=actor,
        action="motion.add",
        target=motion,
        compound_id=vote.compound_id,
        changes={"vote": vote.pk, "kind": kind, "matter": matter, "title": motion.title},
    )
    return motion


@transaction.atomic
def motion_remove(*, actor, motion: Motion) -> None:
    require_manage(actor, motion.vote.compound)
    vote = _lock(motion.vote)
    _require_editable(vote)
    audit.record(
        actor=actor,
        action="motion.remove",
        target=motion,
        compound_id=vote.compound_id,
        changes={"vote": vote.pk, "title": motion.title},
    )
    motion.delete()


@transaction.atomic
def candidate_add(
    *,
    actor,
    motion: Motion,
    person,
    nomination: str = Candidate.Nomination.SELF,
    statement: str = "",
    display_name: str = "",
) -> Candidate:
    """Nominate an owner of the compound for an election motion of a draft vote."""
    from mulin.people.models import Ownership

    require_manage(actor, motion.vote.compound)
    vote = _lock(motion.vote)
    _require_editable(vote)
    if motion.kind != MotionKind.ELECTION:
        raise ValidationError(gettext("Only an election has candidates."))
    if nomination not in Candidate.Nomination.values:
        raise ValidationError({"nomination": gettext("Say who nominated the candidate.")})
    if not Ownership.objects.current().filter(person=person, unit__compound=vote.compound).exists():
        raise ValidationError({"person": gettext("A candidate must be an owner in this compound.")})
    if motion.candidates.filter(person=person).exists():
        raise ValidationError({"person": gettext("This owner is already a candidate.")})
    number = (
        motion.candidates.order_by("-position").values_list("position", flat=True).first() or 0
    ) + 1
    candidate = Candidate.objects.create(
        motion=motion,
        key=f"c{number}",
        person=person,
        display_name=(display_name or person.name).strip()[:60],
        statement=statement.strip(),
        nomination=nomination,
        position=number,
    )
    audit.record(
        actor=actor,
        action="candidate.add",
        target=candidate,
        compound_id=vote.compound_id,
        subject_person=person,
        changes={"motion": motion.pk, "key": candidate.key, "nomination": nomination},
    )
    return candidate


@transaction.atomic
def candidate_remove(*, actor, candidate: Candidate) -> None:
    vote = candidate.motion.vote
    require_manage(actor, vote.compound)
    vote = _lock(vote)
    _require_editable(vote)
    audit.record(
        actor=actor,
        action="candidate.remove",
        target=candidate,
        compound_id=vote.compound_id,
        subject_person=candidate.person,
        changes={"motion": candidate.motion_id, "key": candidate.key},
    )
    candidate.delete()


@transaction.atomic
def document_add(*, actor, vote: Vote, title: str, upload) -> VoteDocument:
    require_manage(actor, vote.compound)
    vote = _lock(vote)
    _require_editable(vote)
    if not title.strip():
        raise ValidationError({"title": gettext("Give the document a title.")})
    if upload is None or not upload.size:
        raise ValidationError({"file": gettext("Choose a file.")})
    if upload.size > MAX_DOCUMENT_BYTES:
        raise ValidationError({"file": gettext("A document can be at most 20 MB.")})
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    document = VoteDocument(vote=vote, title=title.strip(), sha256=digest.hexdigest())
    document.file.save(upload.name, upload, save=False)
    document.save()
    audit.record(
        actor=actor,
        action="vote.document_add",
        target=document,
        compound_id=vote.compound_id,
        changes={"vote": vote.pk, "title": document.title, "sha256": document.sha256},
    )
    return document


# The electorate ------------------------------------------------------------------------------


def electorate_build(vote: Vote) -> tuple[Decimal, int]:
    """(Re)build the vote's electorate from the registry as it stands now: one elector per owner
    party (SPC Art. 9) with its units. An elector that stays keeps its ballot token and canvass
    status, so printed ballots stay valid. Returns (total area, owners). Raises a ValidationError
    naming every unit without an area or an owner."""
    holdings = compound_units(vote.compound)
    try:
        parties = owner_parties(holdings)
    except ElectorateError as exc:
        raise ValidationError(
            gettext("The electorate cannot be counted until these units are fixed: %(units)s")
            % {"units": str(exc)}
        ) from exc
    if not parties:
        raise ValidationError(gettext("This compound has no units with owners to vote."))
    by_code = {h.unit_code: h for h in holdings}
    old = {e.key: e for e in Elector.objects.filter(vote=vote)}
    keep = {p.key for p in parties}
    gone = [e.pk for key, e in old.items() if key not in keep]
    if gone:
        ElectorUnit.objects.filter(elector_id__in=gone).delete()
        Elector.people.through.objects.filter(elector_id__in=gone).delete()
        Elector.objects.filter(pk__in=gone).delete()
    ElectorUnit.objects.filter(vote=vote).delete()
    Elector.people.through.objects.filter(elector__vote=vote).delete()
    fresh, changed = [], []
    for party in parties:
        first = by_code[party.units[0]]
        label = (
            party.units[0] if len(party.units) == 1 else f"{party.units[0]} +{len(party.units) - 1}"
        )
        elector = old.get(party.key)
        if elector is None:
            fresh.append(
                Elector(
                    vote=vote,
                    key=party.key,
                    area=party.area,
                    unit_count=len(party.units),
                    label=label[:200],
                    building_id=first.building_id,
                )
            )
        else:
            values = (party.area, len(party.units), label[:200], first.building_id)
            if (elector.area, elector.unit_count, elector.label, elector.building_id) != values:
                elector.area, elector.unit_count, elector.label, elector.building_id = values
                changed.append(elector)
    Elector.objects.bulk_create(fresh, batch_size=1000)
    Elector.objects.bulk_update(
        changed, ["area", "unit_count", "label", "building"], batch_size=1000
    )
    ids = dict(Elector.objects.filter(vote=vote).values_list("key", "id"))
    units, people = [], []
    for holding in holdings:
        key = party_key(holding)
        units.append(
            ElectorUnit(
                elector_id=ids[key],
                vote=vote,
                unit_id=holding.unit_id,
                unit_code=holding.unit_code,
                building_id=holding.building_id,
                area=holding.area,
                area_source=holding.area_source,
            )
        )
        for owner in holding.owners:
            if owner.startswith("p:"):
                people.append((ids[key], int(owner[2:])))
    ElectorUnit.objects.bulk_create(units, batch_size=1000)
    Through = Elector.people.through
    Through.objects.bulk_create(
        [Through(elector_id=e, person_id=p) for e, p in sorted(set(people))], batch_size=1000
    )
    total_area = sum((p.area for p in parties), Decimal("0"))
    return total_area, len(parties)


def _move(vote: Vote, move: str) -> str:
    to = target(vote.status, move)
    if to is None:
        raise ValidationError(
            gettext("A vote that is “%(status)s” cannot be moved to “%(move)s”.")
            % {"status": VoteStatus(vote.status).label, "move": Move(move).label}
        )
    return to


def _chained(vote: Vote, *, actor, action: str, changes: dict) -> None:
    audit.record(
        actor=actor,
        action=action,
        target=vote,
        changes={"status": vote.status, **changes},
        chain=chain_of(vote),
    )


@transaction.atomic
def vote_publish(*, actor, vote: Vote, now=None) -> Vote:
    """Publish the notice: the motions, candidates and documents are fixed, the electorate is
    built for owners to check, and the notice period runs until voting opens."""
    require_manage(actor, vote.compound)
    now = now or timezone.now()
    vote = _lock(vote)
    to = _move(vote, Move.PUBLISH)
    motions = list(vote.motions.prefetch_related("candidates", "options"))
    errors: dict[str, str] = {}
    if not motions:
        errors["motions"] = gettext("Add at least one motion before publishing.")
    for motion in motions:
        if motion.kind == MotionKind.ELECTION and len(motion.candidates.all()) < 1:
            errors["motions"] = gettext("The election “%(title)s” has no candidates.") % {
                "title": motion.title
            }
    errors.update(rules.schedule_problems(vote, now=now))
    if errors:
        raise ValidationError(errors)
    total_area, total_owners = electorate_build(vote)
    vote.status, vote.published_at = to, now
    vote.total_area, vote.total_owners = total_area, total_owners
    vote.save()
    _chained(
        vote,
        actor=actor,
        action="vote.publish",
        changes={
            "opens_at": vote.opens_at,
            "closes_at": vote.closes_at,
            "motions": [[m.pk, m.kind, m.title] for m in motions],
            "total_area": total_area,
            "total_owners": total_owners,
        },
    )
    return vote


@transaction.atomic
def electorate_refresh(*, actor, vote: Vote) -> Vote:
    """Rebuild the electorate during the notice period, after the registry was corrected."""
    require_manage(actor, vote.compound)
    vote = _lock(vote)
    if vote.status != VoteStatus.PUBLISHED:
        raise ValidationError(gettext("The electorate is frozen once voting opens."))
    before = (vote.total_area, vote.total_owners)
    vote.total_area, vote.total_owners = electorate_build(vote)
    vote.save(update_fields=["total_area", "total_owners", "updated_at"])
    audit.record(
        actor=actor,
        action="vote.electorate_refresh",
        target=vote,
        changes={"total": [list(before), [vote.total_area, vote.total_owners]]},
    )
    return vote


@transaction.atomic
def vote_open(*, actor=None, vote: Vote, now=None) -> Vote:
    """Open voting at its time: the electorate is rebuilt one last time and frozen. `actor` None
    is the scheduler."""
    if actor is not None:
        require_manage(actor, vote.compound)
    now = now or timezone.now()
    vote = _lock(vote)
    to = _move(vote, Move.OPEN)
    if now < vote.opens_at:
        raise ValidationError(
            gettext("Voting opens at %(when)s, as the notice said.")
            % {"when": timezone.localtime(vote.opens_at).strftime("%Y-%m-%d %H:%M")}
        )
    if vote.objections.filter(state=Objection.State.OPEN).exists():
        raise ValidationError(
            gettext("Answer every objection to the electorate before voting opens.")
        )
    vote.total_area, vote.total_owners = electorate_build(vote)
    vote.status, vote.opened_at, vote.electorate_frozen_at = to, now, now
    vote.save()
    digest = hashlib.sha256()
    for key, area in vote.electors.order_by("key").values_list("key", "area"):
        digest.update(f"{key},{area:.2f}\n".encode())
    _chained(
        vote,
        actor=actor,
        action="vote.open",
        changes={
            "total_area": vote.total_area,
            "total_owners": vote.total_owners,
            "electorate_sha256": digest.hexdigest(),
        },
    )
    return vote


@transaction.atomic
def vote_close(*, actor=None, vote: Vote, now=None) -> Vote:
    """Close voting once its window has ended (never earlier: owners were promised the window)."""
    if actor is not None:
        require_manage(actor, vote.compound)
    now = now or timezone.now()
    vote = _lock(vote)
    to = _move(vote, Move.CLOSE)
    if now < vote.closes_at:
        raise ValidationError(
            gettext("Voting closes at %(when)s, as the notice said; it cannot close earlier.")
            % {"when": timezone.localtime(vote.closes_at).strftime("%Y-%m-%d %H:%M")}
        )
    vote.status, vote.closed_at = to, now
    vote.save()
    _chained(vote, actor=actor, action="vote.close", changes={"ballots": vote.ballots.count()})
    return vote


@transaction.atomic
def vote_cancel(*, actor, vote: Vote, reason: str, now=None) -> Vote:
    require_manage(actor, vote.compound)
    vote = _lock(vote)
    to = _move(vote, Move.CANCEL)
    if not reason.strip():
        raise ValidationError({"reason": gettext("Say why the vote is cancelled.")})
    vote.status, vote.cancelled_at, vote.cancel_reason = to, now or timezone.now(), reason.strip()
    vote.save()
    _chained(vote, actor=actor, action="vote.cancel", changes={"reason": vote.cancel_reason})
    return vote


@transaction.atomic
def vote_archive(*, actor=None, vote: Vote, now=None) -> Vote:
    """Archive a published result once it has been on show for the assembly's days."""
    if actor is not None:
        require_manage(actor, vote.compound)
    now = now or timezone.now()
    vote = _lock(vote)
    to = _move(vote, Move.ARCHIVE)
    until = vote.result_published_at + timedelta(days=vote.assembly.result_shown_days)
    if now < until:
        raise ValidationError(
            gettext("The result stays on public show until %(when)s.")
            % {"when": timezone.localtime(until).strftime("%Y-%m-%d")}
        )
    vote.status, vote.archived_at = to, now
    vote.save()
    _chained(vote, actor=actor, action="vote.archive", changes={})
    return vote


def advance_due(now=None) -> dict[str, int]:
    """The scheduler's part: open votes whose time came, close those whose window ended, archive
    results shown long enough. A vote that cannot move (an open objection) waits for staff."""
    now = now or timezone.now()
    moved = {"opened": 0, "closed": 0, "archived": 0}
    for vote in Vote.objects.filter(status=VoteStatus.PUBLISHED, opens_at__lte=now):
        try:
            vote_open(vote=vote, now=now)
            moved["opened"] += 1
        except ValidationError:
            continue
    for vote in Vote.objects.filter(status=VoteStatus.OPEN, closes_at__lte=now):
        vote_close(vote=vote, now=now)
        moved["closed"] += 1
    for vote in Vote.objects.filter(status=VoteStatus.RESULT_PUBLISHED).select_related("assembly"):
        if now >= vote.result_published_at + timedelta(days=vote.assembly.result_shown_days):
            vote_archive(vote=vote, now=now)
            moved["archived"] += 1
    return moved


# Objections ----------------------------------------------------------------------------------


@transaction.atomic
def objection_raise(*, actor, vote: Vote, elector: Elector, text: str) -> Objection:
    """An owner objects to their own entry (area, co-owners, a missing unit) during the notice."""
    person = getattr(actor, "person", None)
    if person is None or not elector.people.filter(pk=person.pk).exists():
        raise Http404
    if vote.status != VoteStatus.PUBLISHED:
        raise ValidationError(gettext("Objections can be raised only while the notice runs."))
    if not text.strip():
        raise ValidationError({"text": gettext("Say what is wrong with the entry.")})
    objection = Objection.objects.create(
        vote=vote, elector=elector, person=person, text=text.strip()[:2000]
    )
    audit.record(
        actor=actor,
        action="vote.objection_raise",
        target=objection,
        compound_id=vote.compound_id,
        subject_person=person,
        changes={"vote": vote.pk, "elector": elector.label},
    )
    return objection


@transaction.atomic
def objection_answer(*, actor, objection: Objection, accepted: bool, answer: str) -> Objection:
    vote = objection.vote
    require_manage(actor, vote.compound)
    if objection.state != Objection.State.OPEN:
        raise ValidationError(gettext("This objection was already answered."))
    if vote.status != VoteStatus.PUBLISHED:
        raise ValidationError(gettext("Objections are answered during the notice period."))
    if not answer.strip():
        raise ValidationError({"answer": gettext("Tell the owner what was decided and why.")})
    objection.state = Objection.State.ACCEPTED if accepted else Objection.State.REJECTED
    objection.answer, objection.answered_by = answer.strip(), actor
    objection.answered_at = timezone.now()
    objection.save()
    audit.record(
        actor=actor,
        action="vote.objection_answer",
        target=objection,
        compound_id=vote.compound_id,
        subject_person=objection.person,
        changes={"state": objection.state},
    )
    return objection


# Extraordinary-meeting requests --------------------------------------------------------------


def _owner_party_of(person, compound) -> tuple[str, Decimal] | None:
    """The owner party `person` belongs to in `compound` today, with its area."""
    holdings = compound_units(compound)
    mine = {h.unit_code for h in holdings if f"p:{person.pk}" in h.owners}
    if not mine:
        return None
    for party in owner_parties(h for h in holdings if h.area and (h.owners or h.developer)):
        if mine & set(party.units):
            return party.key, party.area
    return None


@transaction.atomic
def meeting_request_start(*, actor, compound, title: str, reason: str, person=None):
    """An owner (or staff for them) starts collecting support for an extraordinary meeting."""
    person = person or getattr(actor, "person", None)
    if person is None:
        raise Http404
    if person != getattr(actor, "person", None):
        require_manage(actor, compound)
    errors = {}
    if not title.strip():
        errors["title"] = gettext("Say what the meeting should decide.")
    if not reason.strip():
        errors["reason"] = gettext("Say why a meeting is needed.")
    if errors:
        raise ValidationError(errors)
    holdings = [h for h in compound_units(compound) if h.area and (h.owners or h.developer)]
    parties = owner_parties(holdings)
    request = MeetingRequest.objects.create(
        compound=compound,
        title=title.strip()[:200],
        reason=reason.strip(),
        started_by=person,
        total_area=sum((p.area for p in parties), Decimal("0")),
        total_owners=len(parties),
    )
    audit.record(
        actor=actor,
        action="meeting_request.start",
        target=request,
        subject_person=person,
        changes={"title": request.title},
    )
    meeting_request_support(actor=actor, request=request, person=person)
    return request


@transaction.atomic
def meeting_request_support(*, actor, request: MeetingRequest, person=None) -> MeetingSupport:
    """Add one owner party's support; the request is due once supporters hold ≥ 20 % of the
    area and ≥ 20 % of the owners."""
    person = person or getattr(actor, "person", None)
    if person is None:
        raise Http404
    own = person == getattr(actor, "person", None)
    if not own:
        require_manage(actor, request.compound)
    request = MeetingRequest.objects.select_for_update().get(pk=request.pk)
    if request.state not in (MeetingRequest.State.COLLECTING, MeetingRequest.State.REACHED):
        raise ValidationError(gettext("This request no longer collects support."))
    party = _owner_party_of(person, request.compound)
    if party is None:
        raise ValidationError(gettext("Only owners of this compound can support the request."))
    key, area = party
    if request.supports.filter(owner_key=key).exists():
        raise ValidationError(gettext("Your home already supports this request."))
    support = MeetingSupport.objects.create(
        request=request,
        owner_key=key,
        area=area,
        person=person,
        recorded_by=None if own else actor,
    )
    area_sum = sum(request.supports.values_list("area", flat=True), Decimal("0"))
    owners = request.supports.count()
    if (
        request.state == MeetingRequest.State.COLLECTING
        and area_sum >= request.total_area * MEETING_REQUEST_SHARE
        and owners * 5 >= request.total_owners
    ):
        request.state, request.reached_at = MeetingRequest.State.REACHED, timezone.now()
        request.save(update_fields=["state", "reached_at", "updated_at"])
    audit.record(
        actor=actor,
        action="meeting_request.support",
        target=request,
        subject_person=person,
        changes={"owner": key, "area": area, "state": request.state},
    )
    return support


@transaction.atomic
def meeting_request_convene(*, actor, request: MeetingRequest, vote: Vote) -> MeetingRequest:
    """Answer a request that reached its threshold with the extraordinary meeting's vote."""
    require_manage(actor, request.compound)
    request = MeetingRequest.objects.select_for_update().get(pk=request.pk)
    if request.state != MeetingRequest.State.REACHED:
        raise ValidationError(gettext("Only a request that reached its threshold is convened."))
    if vote.compound_id != request.compound_id:
        raise Http404
    vote = _lock(vote)
    vote.meeting_request = request
    vote.save(update_fields=["meeting_request", "updated_at"])
    request.state = MeetingRequest.State.CONVENED
    request.save(update_fields=["state", "updated_at"])
    audit.record(
        actor=actor,
        action="meeting_request.convene",
        target=request,
        changes={"vote": vote.pk},
    )
    return request
