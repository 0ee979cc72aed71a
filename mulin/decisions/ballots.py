"""Ballots on every channel: one owner party, one ballot.

Online, a bound owner votes for themselves. Everything else is recorded by staff holding
`decisions.record`: a paper ballot found by its one-time token (the scan and the owner's
signature required), a door-to-door ballot with the signature drawn on screen, a proxy with the
written authorisation (at most the city's number of proxies per person), or a ballot handed in
at the meeting. The unique constraint on `Ballot.elector` makes a second ballot impossible,
however two submissions race; the loser is told how and when the first was cast.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
from datetime import UTC

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from mulin.core import access, audit

from .models import (
    Ballot,
    CanvassStatus,
    Channel,
    Elector,
    MotionKind,
    Verification,
    Vote,
)
from .services import chain_of, require_manage
from .states import VoteStatus

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
STAFF_CHANNELS = {
    Channel.PAPER: Verification.TOKEN,
    Channel.CANVASS: Verification.SIGNATURE,
    Channel.PROXY: Verification.AUTHORISATION,
    Channel.ONSITE: Verification.IN_PERSON,
}
YES_NO = ("yes", "no", "abstain")
MAX_TEXT = 2000


def content_sha256(ballot: Ballot) -> str:
    """The hash of what a ballot says and how it came in; sealed in the vote's chain."""
    payload = json.dumps(
        [
            ballot.vote_id,
            ballot.elector_id,
            ballot.channel,
            ballot.verification,
            ballot.choices,
            ballot.cast_at.astimezone(UTC).isoformat(),
            ballot.voter_id,
            ballot.proxy_id,
        ],
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def clean_choices(vote: Vote, raw: dict, *, strict: bool) -> dict[str, object]:
    """Validate a ballot's answers against the vote's motions; {motion id: answer}.

    Every motion needs an answer. `strict` (an owner voting online) refuses an election ballot
    approving more candidates than seats; recorded paper keeps what the owner marked, which the
    tally counts as a void ballot (it participates and approves nobody)."""
    errors: dict[str, str] = {}
    cleaned: dict[str, object] = {}
    for motion in vote.motions.all():
        key = str(motion.pk)
        field = f"motion_{motion.pk}"
        value = raw.get(key, raw.get(motion.pk))
        if motion.kind in (MotionKind.ORDINARY, MotionKind.SPECIAL, MotionKind.CONSULTATION):
            value = {"同意": "yes", "反对": "no", "弃权": "abstain"}.get(value, value)
            if value not in YES_NO:
                errors[field] = gettext("“%(title)s”: choose yes, no or abstain.") % {
                    "title": motion.title
                }
                continue
            cleaned[key] = value
        elif motion.kind == MotionKind.ELECTION:
            keys = {c.key for c in motion.candidates.all()}
            if value == "abstain" or value == []:
                cleaned[key] = "abstain"
                continue
            if not isinstance(value, (list, tuple)) or not value:
                errors[field] = gettext(
                    "“%(title)s”: approve up to %(seats)d candidates, or abstain."
                ) % {"title": motion.title, "seats": motion.seats}
                continue
            chosen = sorted(set(value))
            if set(chosen) - keys:
                errors[field] = gettext(
                    "“%(title)s”: an approved candidate is not on the list."
                ) % {"title": motion.title}
                continue
            if strict and len(chosen) > motion.seats:
                errors[field] = gettext(
                    "“%(title)s”: you approved %(count)d candidates but there are %(seats)d "
                    "seats; a ballot with more would not count."
                ) % {"title": motion.title, "count": len(chosen), "seats": motion.seats}
                continue
            cleaned[key] = chosen
        elif motion.kind in (MotionKind.SINGLE, MotionKind.MULTIPLE):
            keys = {o.key for o in motion.options.all()}
            if not strict and value == []:  # left blank on paper: takes part, answers nothing
                cleaned[key] = []
                continue
            picked = [value] if isinstance(value, str) else list(value or [])
            picked = sorted(set(picked))
            if not picked or set(picked) - keys:
                errors[field] = gettext("“%(title)s”: choose an answer.") % {"title": motion.title}
                continue
            if motion.kind == MotionKind.SINGLE and len(picked) != 1:
                errors[field] = gettext("“%(title)s”: choose one answer.") % {"title": motion.title}
                continue
            cleaned[key] = picked
        elif motion.kind == MotionKind.TEXT:
            text = (value.get("text") if isinstance(value, dict) else value) or ""
            text = str(text).strip()
            if len(text) > MAX_TEXT:
                errors[field] = gettext("“%(title)s”: at most %(count)d characters.") % {
                    "title": motion.title,
                    "count": MAX_TEXT,
                }
                continue
            cleaned[key] = {"text": text}
    if errors:
        raise ValidationError(errors)
    return cleaned


def first_ballot(elector: Elector) -> Ballot | None:
    """The owner's ballot if one was cast. A friendly early answer only: two submissions can both
    pass it, and then the unique constraint decides."""
    return Ballot.objects.filter(elector=elector).first()


def check_window(vote: Vote, now) -> None:
    """Refuse a ballot outside the voting window, saying when it opens or when it closed."""
    if vote.status != VoteStatus.OPEN or not vote.opens_at <= now < vote.closes_at:
        if now < vote.opens_at or vote.status in (VoteStatus.DRAFT, VoteStatus.PUBLISHED):
            raise ValidationError(
                gettext("Voting has not opened yet: it opens at %(when)s.")
                % {"when": timezone.localtime(vote.opens_at).strftime("%Y-%m-%d %H:%M")}
            )
        raise ValidationError(
            gettext("Voting closed at %(when)s; no more ballots can be taken.")
            % {"when": timezone.localtime(vote.closes_at).strftime("%Y-%m-%d %H:%M")}
        )


def already_voted_message(ballot: Ballot) -> str:
    return gettext(
        "This owner has already voted: %(channel)s, on %(when)s. One owner has one ballot; "
        "a mistake can be corrected only by the owners' committee."
    ) % {
        "channel": Channel(ballot.channel).label,
        "when": timezone.localtime(ballot.cast_at).strftime("%Y-%m-%d %H:%M"),
    }


def _upload(upload, field: str, *, required_message: str) -> ContentFile | None:
    if upload is None or not getattr(upload, "size", 0):
        if required_message:
            raise ValidationError({field: required_message})
        return None
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError({field: gettext("A file can be at most 10 MB.")})
    return upload


MIN_INK_PIXELS = 50  # a tap or a dot is not a signature


def signature_from_data_url(data_url: str) -> ContentFile | None:
    """The PNG a signature pad posts as `data:image/png;base64,…`; None when it is not a PNG or
    carries no real stroke (an empty pad, a dot)."""
    from PIL import Image, UnidentifiedImageError

    prefix = "data:image/png;base64,"
    if not data_url or not data_url.startswith(prefix):
        return None
    try:
        raw = base64.b64decode(data_url[len(prefix) :], validate=True)
    except (binascii.Error, ValueError):
        return None
    if not raw.startswith(b"\x89PNG\r\n\x1a\n") or len(raw) > MAX_UPLOAD_BYTES:
        return None
    try:
        image = Image.open(io.BytesIO(raw))
        if image.width * image.height > 4096 * 4096:
            return None
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        return None
    if "A" in image.getbands():
        ink = image.getchannel("A").point(lambda v: 255 if v > 0 else 0)
    else:
        ink = image.convert("L").point(lambda v: 255 if v < 128 else 0)
    if ink.histogram()[255] < MIN_INK_PIXELS:
        return None
    return ContentFile(raw, name="signature.png")


@transaction.atomic
def ballot_cast(
    *,
    actor,
    vote: Vote,
    elector: Elector,
    choices: dict,
    channel: str = Channel.ONLINE,
    voter=None,
    proxy=None,
    scan=None,
    signature=None,
    authorisation=None,
    signed: bool = False,
    now=None,
) -> Ballot:
    """Take one owner party's ballot. Online: `actor` is the owner or a co-owner. Otherwise
    `actor` records it for the owner, who is `voter` (or `proxy` holds the authorisation)."""
    now = now or timezone.now()
    vote = Vote.objects.select_related("compound", "assembly").get(pk=vote.pk)
    if elector.vote_id != vote.pk:
        raise Http404
    person = getattr(actor, "person", None)
    if channel == Channel.ONLINE:
        if person is None or not elector.people.filter(pk=person.pk).exists():
            raise Http404
        if not vote.online:
            raise ValidationError(
                gettext("This vote does not take online ballots: please use the paper ballot.")
            )
        voter, verification = person, Verification.ACCOUNT
    elif channel in STAFF_CHANNELS:
        if not access.can_in_compound(actor, access.DECISIONS_RECORD, vote.compound):
            raise Http404
        verification = STAFF_CHANNELS[channel]
    else:
        raise ValidationError({"channel": gettext("Choose how the ballot came in.")})
    check_window(vote, now)
    existing = first_ballot(elector)
    if existing is not None:
        raise ValidationError(already_voted_message(existing))
    cleaned = clean_choices(vote, choices, strict=channel == Channel.ONLINE)

    files: dict[str, object] = {}
    if channel == Channel.PAPER:
        if not signed:
            raise ValidationError(
                {"signed": gettext("A paper ballot counts only with the owner's signature on it.")}
            )
        files["scan"] = _upload(
            scan, "scan", required_message=gettext("Attach the scan or photo of the signed ballot.")
        )
    elif channel == Channel.CANVASS:
        drawn = signature if isinstance(signature, ContentFile) else None
        if drawn is None:
            raise ValidationError(
                {
                    "signature": gettext(
                        "The owner must sign on the screen before the ballot counts."
                    )
                }
            )
        files["signature"] = drawn
    elif channel == Channel.PROXY:
        if proxy is None:
            raise ValidationError({"proxy": gettext("Say who holds the proxy.")})
        files["authorisation"] = _upload(
            authorisation,
            "authorisation",
            required_message=gettext("Attach the owner's written authorisation."),
        )
        held = Ballot.objects.select_for_update().filter(vote=vote, proxy=proxy).count()
        limit = vote.compound.max_proxies_per_person
        if held >= limit:
            raise ValidationError(
                {
                    "proxy": gettext(
                        "%(name)s already holds %(held)d proxies; the rules allow %(limit)d per "
                        "person."
                    )
                    % {"name": proxy.name, "held": held, "limit": limit}
                }
            )
    elif channel == Channel.ONSITE and scan is not None:
        files["scan"] = _upload(scan, "scan", required_message="")

    ballot = Ballot(
        vote=vote,
        elector=elector,
        channel=channel,
        verification=verification,
        choices=cleaned,
        cast_at=now,
        voter=voter,
        proxy=proxy if channel == Channel.PROXY else None,
        recorded_by=None if channel == Channel.ONLINE else actor,
    )
    for name, upload in files.items():
        if upload is not None:
            getattr(ballot, name).save(getattr(upload, "name", name) or name, upload, save=False)
    ballot.content_sha256 = content_sha256(ballot)
    try:
        with transaction.atomic():
            ballot.save()
    except IntegrityError as exc:
        first = Ballot.objects.filter(elector=elector).first()
        if first is None:  # some other constraint failed
            raise
        raise ValidationError(already_voted_message(first)) from exc
    if channel != Channel.ONLINE:
        Elector.objects.filter(pk=elector.pk).update(
            canvass_status=CanvassStatus.COMPLETED, canvassed_at=now, canvassed_by=actor
        )
    else:
        Elector.objects.filter(pk=elector.pk).update(canvass_status=CanvassStatus.COMPLETED)
    audit.record(
        actor=actor,
        action="ballot.cast",
        target=ballot,
        compound_id=vote.compound_id,
        on_behalf_of=voter if channel != Channel.ONLINE else None,
        changes={
            "vote": vote.pk,
            "elector": elector.pk,
            "channel": channel,
            "content_sha256": ballot.content_sha256,
        },
        chain=chain_of(vote),
    )
    return ballot


@transaction.atomic
def ballot_correct(*, actor, ballot: Ballot, choices: dict, reason: str, now=None) -> Ballot:
    """Correct a ballot recorded wrongly (a misread paper ballot): owners' committee or community
    staff only, with a reason, before the tally is frozen. Audited in the vote's chain; for a
    secret vote the audit keeps only the hashes, not the answers."""
    vote = ballot.vote
    require_manage(actor, vote.compound)
    ballot = Ballot.objects.select_for_update().get(pk=ballot.pk)
    if vote.status not in (VoteStatus.OPEN, VoteStatus.CLOSED):
        raise ValidationError(gettext("Ballots can be corrected only until the tally is frozen."))
    if not reason.strip():
        raise ValidationError({"reason": gettext("Give the reason for the correction.")})
    cleaned = clean_choices(vote, choices, strict=ballot.channel == Channel.ONLINE)
    before_hash, before = ballot.content_sha256, ballot.choices
    ballot.choices = cleaned
    ballot.corrections += 1
    ballot.content_sha256 = content_sha256(ballot)
    ballot.save(update_fields=["choices", "corrections", "content_sha256", "updated_at"])
    changes = {
        "vote": vote.pk,
        "elector": ballot.elector_id,
        "reason": reason.strip(),
        "content_sha256": ballot.content_sha256,
        "previous_sha256": before_hash,
    }
    if not vote.secret:
        changes["choices"] = [before, cleaned]
    audit.record(
        actor=actor,
        action="ballot.correct",
        target=ballot,
        compound_id=vote.compound_id,
        changes=changes,
        chain=chain_of(vote),
    )
    return ballot


@transaction.atomic
def canvass_mark(*, actor, elector: Elector, status: str, note: str = "", now=None) -> Elector:
    """Record a door-to-door visit that did not bring a ballot (contacted, unreachable)."""
    vote = elector.vote
    if not access.can_in_compound(actor, access.DECISIONS_RECORD, vote.compound):
        raise Http404
    if vote.status not in (VoteStatus.PUBLISHED, VoteStatus.OPEN):
        raise ValidationError(gettext("Door-to-door visits are recorded until voting closes."))
    if status not in (CanvassStatus.CONTACTED, CanvassStatus.UNREACHABLE, CanvassStatus.PENDING):
        raise ValidationError({"status": gettext("Choose how the visit went.")})
    if Ballot.objects.filter(elector=elector).exists():
        raise ValidationError(gettext("This owner has already voted."))
    before = elector.canvass_status
    elector.canvass_status, elector.canvass_note = status, note.strip()[:200]
    elector.canvassed_at, elector.canvassed_by = now or timezone.now(), actor
    elector.save(update_fields=["canvass_status", "canvass_note", "canvassed_at", "canvassed_by"])
    audit.record(
        actor=actor,
        action="ballot.canvass",
        target=elector,
        compound_id=vote.compound_id,
        changes={"canvass_status": [before, status], "note": elector.canvass_note},
    )
    return elector


@audit.seal_check
def ballots_match_their_seals() -> list[str]:
    """Every ballot must still say what the newest chained event about it sealed."""
    from mulin.core.models import AuditEvent

    sealed: dict[str, str] = {}
    for target_id, changes in (
        AuditEvent.objects.filter(target_type="decisions.ballot")
        .exclude(chain="")
        .order_by("id")
        .values_list("target_id", "changes")
    ):
        sealed[target_id] = changes.get("content_sha256", "")
    problems = []
    for ballot in Ballot.objects.order_by("id").iterator():
        expected = sealed.pop(str(ballot.pk), None)
        if expected is None:
            problems.append(f"ballot {ballot.pk}: no chained event records it")
        elif content_sha256(ballot) != expected or ballot.content_sha256 != expected:
            problems.append(
                f"ballot {ballot.pk}: changed after it was cast (vote {ballot.vote_id})"
            )
    for target_id in sealed:
        problems.append(f"ballot {target_id}: deleted after it was cast")
    return problems
