"""The tally, its publication, the ballot file, and results imported from a city system.

The tally is computed from the frozen electorate and the ballots with `tally.py`, written once
as canonical JSON with its SHA-256, and sealed in the vote's chain. The ballot file of a motion
is the file `mulin recount` and the recount page read; recounting it gives the same JSON as the
tally. Unit codes and owner keys in it are pseudonyms derived from the vote's secret, unless the
assembly's rules require per-unit disclosure of an open ballot.
"""

from __future__ import annotations

import csv
import gc
import hashlib
import hmac
import io
import json
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from mulin.core import audit

from . import tally
from .ballot_file import BallotFileError, read_ballot_file
from .models import (
    QUESTION_KINDS,
    Ballot,
    Elector,
    ElectorUnit,
    Motion,
    MotionKind,
    Vote,
)
from .services import _chained, _lock, _move, require_manage
from .states import Move, VoteStatus

RECOUNTABLE = frozenset(
    {MotionKind.ORDINARY, MotionKind.SPECIAL, MotionKind.CONSULTATION, MotionKind.ELECTION}
)


def canonical(data) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _choice(motion: Motion, answer):
    """A stored answer as `tally.Owner.choice`."""
    if answer is None:
        return None
    if motion.kind == MotionKind.ELECTION:
        if answer == "abstain":
            return frozenset()
        keys = frozenset(answer)
        return tally.VOID if len(keys) > motion.seats else keys
    return answer


def _motion_result(motion: Motion, owners: list[tally.Owner], *, silent: bool) -> dict:
    if motion.kind == MotionKind.ELECTION:
        return tally.election_tally(
            owners,
            candidates=[c.key for c in motion.candidates.all()],
            seats=motion.seats,
            alternates=motion.alternate_seats or 0,
        ).as_json()
    return tally.motion_tally(
        owners,
        kind=motion.kind,
        silent_with_majority=silent and motion.kind != MotionKind.CONSULTATION,
    ).as_json()


# An amount of the electorate is one integer: (area in hundredths of a m²) << 32 | owners. Each
# owner adds (its hundredths << 32) + 1, so sums of amounts are plain integer sums, exact, and
# the count keeps no object per answer.
_OWNERS = (1 << 32) - 1


def _share(amount: int) -> tally.Share:
    return tally.Share(Decimal(amount >> 32).scaleb(-2), amount & _OWNERS)


def _shown(amount: int) -> dict:
    """`Share.as_json` of an amount (the same text, without Decimals)."""
    cents = amount >> 32
    return {"area": f"{cents // 100}.{cents % 100:02d}", "owners": amount & _OWNERS}


# Each motion's answers are counted per building as {answer: amount}. A string answer ("yes",
# "no", "abstain", an election's "abstain") counts as itself; a list (approved candidates,
# chosen options) as "#a" and once per element as "=<key>" — except an election ballot
# approving more candidates than seats: "#v", void, its elements not counted; a free-text answer
# as "#t" when it says something and "#o" when empty.
_ELECTORATE = """
    SELECT e.building_id, CAST(ROUND(e.area * 100) AS {integer}), bl.channel,
           CAST(bl.choices AS text)
    FROM {elector} e LEFT JOIN {ballot} bl ON bl.elector_id = e.id
    WHERE e.vote_id = %s
"""


def _took_part(counts: dict) -> int:
    """Everyone who answered a motion: every answer but the per-element counts."""
    return sum(v for k, v in counts.items() if k[0] != "=")


def _yes_no(motion, totals, counts, order, *, silent: bool) -> tuple[dict, list]:
    """Per building total / yes / no / abstain; the whole is the sum of the buildings, judged by
    `tally.motion_result`."""
    rows = [
        (total, c.get("yes", 0), c.get("no", 0), c.get("abstain", 0))
        for total, c in zip(totals, counts, strict=True)
    ]
    total, yes, no, abstain = (sum(column) for column in zip(*rows, strict=True))
    result = tally.motion_result(
        kind=motion.kind,
        total=_share(total),
        yes=_share(yes),
        no=_share(no),
        abstain=_share(abstain),
        silent_with_majority=silent and motion.kind != MotionKind.CONSULTATION,
    ).as_json()
    breakdown = [
        {
            "building": number,
            "total": _shown(total),
            "participating": _shown(yes + no + abstain),
            "yes": _shown(yes),
            "no": _shown(no),
            "abstain": _shown(abstain),
        }
        for number, (total, yes, no, abstain) in zip(order, rows, strict=True)
        if total
    ]
    return result, breakdown


def _election(motion, totals, counts, order) -> tuple[dict, list]:
    """Per building total, participation and approving owners per candidate; a ballot approving
    more candidates than seats is void: it takes part and approves nobody."""
    keys = [c.key for c in motion.candidates.all()]
    participating = [_took_part(c) for c in counts]
    result = tally.election_result(
        total=_share(sum(totals)),
        participating=_share(sum(participating)),
        void=_share(sum(c.get("#v", 0) for c in counts)),
        approvals={key: _share(sum(c.get("=" + key, 0) for c in counts)) for key in keys},
        seats=motion.seats,
        alternates=motion.alternate_seats or 0,
    ).as_json()
    breakdown = [
        {
            "building": number,
            "total": _shown(total),
            "participating": _shown(took_part),
            "candidates": {key: c.get("=" + key, 0) & _OWNERS for key in keys},
        }
        for number, total, took_part, c in zip(order, totals, participating, counts, strict=True)
        if total
    ]
    return result, breakdown


def _question(motion, totals, counts, order) -> tuple[dict, list]:
    """A question's answer counts by owners and area, per building and whole."""
    text = motion.kind == MotionKind.TEXT
    options = list(motion.options.all())

    def shown(total: int, c: dict) -> dict:
        out = {"total": _shown(total), "participating": _shown(_took_part(c))}
        if text:
            out["answered"] = c.get("#t", 0) & _OWNERS
        else:
            out["options"] = [
                {"key": o.key, "label": o.label, **_shown(c.get("=" + o.key, 0))} for o in options
            ]
        return out

    whole: dict[str, int] = defaultdict(int)
    for c in counts:
        for k, amount in c.items():
            whole[k] += amount
    result = {"kind": motion.kind, **shown(sum(totals), whole)}
    breakdown = [
        {"building": number, **shown(total, c)}
        for number, total, c in zip(order, totals, counts, strict=True)
        if total
    ]
    return result, breakdown


@contextmanager
def _without_cycle_collection():
    """The tally builds tens of thousands of dicts that cannot form reference cycles; a full
    cyclic collection started by their number would scan the whole process (~60 ms, every few
    tallies) and find nothing. Reference counting still frees everything as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def compute_tally(vote: Vote) -> dict:
    """Every motion's result over the frozen electorate, with breakdowns by building and
    channel. One read of the electorate with its ballots; one pass adds up areas (integer
    hundredths of a m²) and owners per building and answer; the whole is judged by the same
    functions of `tally.py` that `mulin recount` runs on a ballot file."""
    with _without_cycle_collection():
        return _compute_tally(vote)


def _compute_tally(vote: Vote) -> dict:
    from mulin.places.models import Building

    silent = vote.compound.silent_owners_follow_majority
    motions = list(
        Motion.objects.filter(vote=vote)
        .order_by("position", "id")
        .prefetch_related("candidates", "options")
    )
    official = {m.pk for m in motions if m.result and m.result.get("source") == "official"}
    counted = [m for m in motions if m.pk not in official]
    numbers = dict(
        Building.objects.filter(pk__in=Elector.objects.filter(vote=vote).values("building_id"))
        .order_by()
        .values_list("pk", "number")
    )
    order = sorted({number or "" for number in numbers.values()} | {""}, key=_natural)
    position = {number: i for i, number in enumerate(order)}
    index = {b: position[number or ""] for b, number in numbers.items()}
    totals = [0] * len(order)
    by_channel: dict[str, int] = defaultdict(int)
    answers = {str(m.pk): [defaultdict(int) for _ in order] for m in counted}
    seats = {str(m.pk): m.seats for m in counted if m.kind == MotionKind.ELECTION}
    sql = _ELECTORATE.format(
        integer="bigint" if connection.vendor == "postgresql" else "integer",
        elector=Elector._meta.db_table,
        ballot=Ballot._meta.db_table,
    )
    decode = json.JSONDecoder().decode
    no_building = position[""]
    with connection.cursor() as cursor:
        cursor.execute(sql, [vote.pk])
        for b, cents, channel, text in cursor:
            amount = (cents << 32) + 1
            i = index.get(b, no_building)
            totals[i] += amount
            if text is None:
                continue
            by_channel[channel] += amount
            for key, answer in decode(text).items():
                per_building = answers.get(key)
                if per_building is None or answer is None:
                    continue
                counts = per_building[i]
                if answer.__class__ is str:
                    counts[answer] += amount
                elif answer.__class__ is dict:
                    counts["#t" if answer.get("text") else "#o"] += amount
                elif key in seats and len(answer) > seats[key]:
                    counts["#v"] += amount
                else:
                    counts["#a"] += amount
                    for element in answer:
                        counts["=" + element] += amount
    motions_out = []
    for motion in motions:
        if motion.pk in official:
            entry = _motion_entry(motion, motion.result["result"], [], official=True)
            entry["official_sha256"] = motion.result.get("sha256", "")
            motions_out.append(entry)
            continue
        per_building = answers[str(motion.pk)]
        if motion.kind in QUESTION_KINDS:
            result, breakdown = _question(motion, totals, per_building, order)
        elif motion.kind == MotionKind.ELECTION:
            result, breakdown = _election(motion, totals, per_building, order)
        else:
            result, breakdown = _yes_no(motion, totals, per_building, order, silent=silent)
        motions_out.append(_motion_entry(motion, result, breakdown))
    return {
        "vote": vote.pk,
        "title": vote.title,
        "compound": vote.compound.code,
        "secret": vote.secret,
        "silent_owners_follow_majority": silent,
        "total": _shown(sum(totals)),
        "participating": _shown(sum(by_channel.values())),
        "ballots": sum(by_channel.values()) & _OWNERS,
        "by_channel": {c: _shown(v) for c, v in sorted(by_channel.items())},
        "motions": motions_out,
    }


def _motion_entry(motion: Motion, result: dict, breakdown: list, *, official=False) -> dict:
    entry = {
        "id": motion.pk,
        "position": motion.position,
        "title": motion.title,
        "kind": motion.kind,
        "matter": motion.matter,
        "result": result,
        "by_building": breakdown,
        "source": "official" if official else "mulin",
    }
    if motion.kind == MotionKind.ELECTION:
        entry["candidates"] = {c.key: c.display_name for c in motion.candidates.all()}
    return entry


def _natural(number: str):
    digits = "".join(ch for ch in number if ch.isdigit())
    return (int(digits) if digits else 10**9, number)


@transaction.atomic
def vote_tally(*, actor, vote: Vote, now=None) -> Vote:
    """Count a closed vote and freeze the result: the canonical JSON and its SHA-256 are sealed
    in the vote's chain and never change again (a court may review it within a year)."""
    require_manage(actor, vote.compound)
    now = now or timezone.now()
    vote = _lock(vote)
    to = _move(vote, Move.TALLY)
    data = compute_tally(vote)
    data["frozen_at"] = now.isoformat()
    text = canonical(data)
    vote.tally, vote.tally_sha256 = data, hashlib.sha256(text.encode()).hexdigest()
    vote.status, vote.tallied_at = to, now
    vote.save()
    for entry in data["motions"]:
        Motion.objects.filter(pk=entry["id"]).update(result=entry["result"])
    _chained(vote, actor=actor, action="vote.tally", changes={"tally_sha256": vote.tally_sha256})
    return vote


@transaction.atomic
def vote_publish_result(*, actor, vote: Vote, now=None) -> Vote:
    """Publish the frozen result (Civil Code Art. 278 procedure: within 3 days, on show for at
    least 15). An election's elected members and alternates take their seats in the owners'
    committee for a new term, and the old term ends."""
    require_manage(actor, vote.compound)
    now = now or timezone.now()
    vote = _lock(vote)
    to = _move(vote, Move.PUBLISH_RESULT)
    vote.status, vote.result_published_at = to, now
    vote.save()
    seated = []
    for motion in vote.motions.filter(kind=MotionKind.ELECTION).prefetch_related("candidates"):
        seated += _seat_committee(
            actor=actor, vote=vote, motion=motion, today=timezone.localdate(now)
        )
    _chained(
        vote,
        actor=actor,
        action="vote.publish_result",
        changes={"tally_sha256": vote.tally_sha256, "seated": seated},
    )
    return vote


def publish_due_by(vote: Vote):
    """The last moment the result of a closed vote should be published."""
    if vote.closed_at is None:
        return None
    return vote.closed_at + timedelta(days=vote.assembly.result_publish_days)


def _seat_committee(*, actor, vote: Vote, motion: Motion, today: date) -> list[int]:
    from mulin.orgs.models import MemberRole, Membership, Organisation, OrgKind

    result = motion.result or {}
    if not result.get("quorum_met") or not (result.get("elected") or result.get("alternates")):
        return []
    committee = vote.assembly.owners_committee
    if committee is None:
        committee = (
            Organisation.objects.active()
            .filter(compound=vote.compound, kind=OrgKind.OWNERS_COMMITTEE)
            .first()
        )
    if committee is None:
        committee = Organisation.objects.create(
            compound=vote.compound,
            community=vote.compound.community,
            kind=OrgKind.OWNERS_COMMITTEE,
            name=gettext("Owners' committee of %(compound)s") % {"compound": vote.compound.name},
            founded_on=today,
        )
        audit.record(actor=actor, action="organisation.create", target=committee)
    if vote.assembly.owners_committee_id != committee.pk:
        vote.assembly.owners_committee = committee
        vote.assembly.save(update_fields=["owners_committee", "updated_at"])
    ending = Membership.objects.current(today).filter(organisation=committee)
    for membership in ending:
        # A term that began today (a re-run election) ends today rather than before it began.
        membership.term_end = max(today - timedelta(days=1), membership.term_start or today)
        membership.save(update_fields=["term_end", "updated_at"])
        audit.record(
            actor=actor,
            action="membership.end",
            target=membership,
            subject_person=membership.person,
            changes={"term_end": membership.term_end, "reason": f"vote {vote.pk}"},
        )
    people = {c.key: c.person for c in motion.candidates.all()}
    term_end = date(today.year + vote.assembly.term_years, today.month, min(today.day, 28))
    seated = []
    for keys, role in (
        (result.get("elected", []), MemberRole.COMMITTEE_MEMBER),
        (result.get("alternates", []), MemberRole.ALTERNATE),
    ):
        for key in keys:
            membership = Membership.objects.create(
                organisation=committee,
                person=people[key],
                role=role,
                term_start=today,
                term_end=term_end,
            )
            audit.record(
                actor=actor,
                action="membership.add",
                target=membership,
                subject_person=membership.person,
                changes={"role": role, "vote": vote.pk, "term_end": term_end},
            )
            seated.append(membership.pk)
    return seated


# The ballot file -----------------------------------------------------------------------------


def pseudonym(vote: Vote, kind: str, value: str) -> str:
    mac = hmac.new(vote.salt.encode(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
    return ("U-" if kind == "unit" else "O-") + mac[:10].upper()


def discloses_units(vote: Vote) -> bool:
    return vote.assembly.disclose_unit_detail and not vote.secret


def ballot_file_rows(vote: Vote, motion: Motion) -> Iterator[list[str]]:
    """The rows of a motion's ballot file, one per unit of the frozen electorate, header first."""
    if motion.kind not in RECOUNTABLE:
        raise ValueError("questions have no ballot file")
    yield ["unit_code", "area", "area_source", "owner_key", "choice"]
    plain = discloses_units(vote)
    answers = {
        elector_id: choices.get(str(motion.pk))
        for elector_id, choices in vote.ballots.values_list("elector_id", "choices")
    }
    keys = dict(vote.electors.values_list("id", "key"))
    units = (
        ElectorUnit.objects.filter(vote=vote)
        .order_by("elector_id", "id")
        .values_list("elector_id", "unit_code", "area", "area_source")
    )
    for elector_id, code, area, source in units.iterator(chunk_size=2000):
        answer = answers.get(elector_id)
        if answer is None:
            choice = ""
        elif motion.kind == MotionKind.ELECTION:
            choice = "abstain" if answer == "abstain" else ";".join(answer)
        else:
            choice = answer
        yield [
            code if plain else pseudonym(vote, "unit", code),
            f"{area:.2f}",
            source,
            keys[elector_id] if plain else pseudonym(vote, "owner", keys[elector_id]),
            choice,
        ]


def ballot_file_text(vote: Vote, motion: Motion) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in ballot_file_rows(vote, motion):
        writer.writerow(row)
    return out.getvalue()


def recount_command(vote: Vote, motion: Motion) -> str:
    """The `mulin recount` line that recomputes this motion from its ballot file."""
    name = f"vote-{vote.pk}-motion-{motion.position}.csv"
    if motion.kind == MotionKind.ELECTION:
        keys = ",".join(c.key for c in motion.candidates.all())
        return (
            f"mulin recount {name} --kind election --seats {motion.seats} "
            f"--alternates {motion.alternate_seats or 0} --candidates {keys}"
        )
    silent = (
        " --silent-with-majority"
        if vote.compound.silent_owners_follow_majority and motion.kind != MotionKind.CONSULTATION
        else ""
    )
    return f"mulin recount {name} --kind {motion.kind}{silent}"


def my_codes(vote: Vote, elector: Elector) -> dict[str, object]:
    """What an owner looks for in the ballot file to find their own rows."""
    plain = discloses_units(vote)
    units = list(elector.units.values_list("unit_code", flat=True))
    return {
        "owner_key": elector.key if plain else pseudonym(vote, "owner", elector.key),
        "units": [u if plain else pseudonym(vote, "unit", u) for u in units],
    }


# Results from the city's e-voting system -----------------------------------------------------


@transaction.atomic
def motion_import_official(*, actor, motion: Motion, upload) -> Motion:
    """Take a motion's result from the official city file (same format as the ballot file),
    for compounds whose online votes must go through the city's system. The file is kept with
    its SHA-256; the tally then uses its result for this motion."""
    vote = motion.vote
    require_manage(actor, vote.compound)
    vote = _lock(vote)
    if vote.status != VoteStatus.CLOSED:
        raise ValidationError(gettext("The official result is imported after voting closes."))
    if motion.kind not in RECOUNTABLE:
        raise ValidationError(gettext("Questions are not counted by the city's system."))
    if upload is None or not upload.size:
        raise ValidationError({"file": gettext("Choose the official result file.")})
    raw = upload.read()
    election = motion.kind == MotionKind.ELECTION
    try:
        electorate = read_ballot_file(
            io.BytesIO(raw),
            election=election,
            seats=motion.seats or 0,
            candidates=[c.key for c in motion.candidates.all()],
        )
    except BallotFileError as exc:
        shown = [str(p) for p in exc.problems[:20]]
        raise ValidationError(
            {
                "file": gettext("The file is not a valid ballot file: %(problems)s")
                % {"problems": "; ".join(shown)}
            }
        ) from exc
    if election:
        unknown = set(electorate.candidates) - {c.key for c in motion.candidates.all()}
        if unknown:
            raise ValidationError(
                {
                    "file": gettext("The file approves candidates not on this ballot: %(keys)s")
                    % {"keys": ", ".join(sorted(unknown))}
                }
            )
        result = tally.election_tally(
            electorate.owners,
            candidates=electorate.candidates,
            seats=motion.seats,
            alternates=motion.alternate_seats or 0,
        ).as_json()
    else:
        result = tally.motion_tally(
            electorate.owners,
            kind=motion.kind,
            silent_with_majority=vote.compound.silent_owners_follow_majority
            and motion.kind != MotionKind.CONSULTATION,
        ).as_json()
    digest = hashlib.sha256(raw).hexdigest()
    stored = ContentFile(raw, name=f"official-{motion.pk}.csv")
    from .models import VoteDocument

    document = VoteDocument(
        vote=vote,
        title=gettext("Official result: %(title)s") % {"title": motion.title},
        sha256=digest,
    )
    document.file.save(stored.name, stored, save=False)
    document.save()
    motion.result = {"source": "official", "sha256": digest, "result": result}
    motion.save(update_fields=["result", "updated_at"])
    vote.result_source = "official"
    vote.save(update_fields=["result_source", "updated_at"])
    _chained(
        vote,
        actor=actor,
        action="vote.import_official",
        changes={"motion": motion.pk, "sha256": digest, "units": electorate.units},
    )
    return motion


@audit.seal_check
def tallies_match_their_seals() -> list[str]:
    """A frozen tally must still hash to what its chained event sealed."""
    from mulin.core.models import AuditEvent

    sealed = {
        target_id: changes.get("tally_sha256", "")
        for target_id, changes in AuditEvent.objects.filter(
            target_type="decisions.vote", action="vote.tally"
        )
        .exclude(chain="")
        .values_list("target_id", "changes")
    }
    problems = []
    for vote_id, data, digest in Vote.objects.exclude(tally=None).values_list(
        "id", "tally", "tally_sha256"
    ):
        actual = hashlib.sha256(canonical(data).encode()).hexdigest()
        if sealed.get(str(vote_id)) != actual or digest != actual:
            problems.append(f"vote {vote_id}: the frozen tally was changed after it was sealed")
    return problems
