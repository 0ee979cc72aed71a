"""Benchmarks of issue 4 (owners' decisions) against the database: the tally of a 10,000-unit
compound (≤ 200 ms) and concurrent ballots on PostgreSQL (exactly one ballot per owner, the hash
chain not forked).

- Tally: a compound of 10,000 homes (`mulin seed`'s generator, made once and kept), a vote with
  a motion of every kind (ordinary, special, an election of 7 + 2 among 11 candidates, a
  consultation, single- and multiple-choice and free-text questions) published and opened
  through the services, then about 80 % of the owners' ballots written in one go; then
  `results.compute_tally` (the work `vote_tally` freezes) is timed, p50 and p95 over repeats.
  All of it inside a transaction rolled back at the end: the database keeps only the compound.
- Concurrent ballots (PostgreSQL only): an open vote in a compound of 240 homes; 200 owners each
  submit twice at the same moment — online themselves and on another channel recorded by staff
  (at the meeting, or at the door with a signature) — then 200 submissions race for one and the
  same owner, online and recorded. Every submission runs `ballots.ballot_cast` in a thread with
  its own database connection, all released together. Checked: exactly one ballot per owner,
  every other submission refused with the "already voted" message, one chained audit event per
  ballot, and `verify_chains()` clean (the vote's chain not forked). Reported: throughput and
  the latency of accepted and refused submissions.
"""

from __future__ import annotations

import random
import tempfile
import threading
import time
from datetime import timedelta

from .common import Result, bench_user, grant_once, percentile, timed

TALLY_CODE, TALLY_UNITS = "bench-votes", 10_000
BALLOTS_CODE, BALLOTS_UNITS = "bench-ballots", 240
TALLY_MS = 200.0
OWNERS = 200
SAME_OWNER = 200
WORKERS = 60  # PostgreSQL's default max_connections is 100, shared with everyone else


def _compound(code: str, units: int):
    from mulin.demo.seed import seed_compound
    from mulin.places.models import Compound

    compound = Compound.objects.filter(code=code).first()
    if compound is None:
        print(f"Generating {code} with {units:,} homes …", flush=True)
        seed_compound(code=code, units=units, name=f"{code} 测试小区")
        compound = Compound.objects.get(code=code)
    return compound


def _staff(compound):
    from mulin.core.models import Role

    user = bench_user(f"bench-decisions-{compound.code}")
    grant_once(user, Role.COMMUNITY_STAFF, compound.community)
    return user


def _open_vote(staff, compound, *, every_kind: bool, owners: list) -> tuple:
    """A vote open now (opened a day ago), through the services; (vote, seconds to publish and
    open it — two electorate builds)."""
    from django.utils import timezone

    from mulin.decisions import services
    from mulin.decisions.models import MotionKind

    now = timezone.now().replace(microsecond=0)
    vote = services.vote_create(
        actor=staff,
        compound=compound,
        title=f"基准表决 {now:%Y-%m-%d %H:%M:%S}",
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=6),
    )
    services.motion_add(
        actor=staff,
        vote=vote,
        kind=MotionKind.ORDINARY,
        matter="management_code",
        title="修订管理规约",
    )
    if every_kind:
        services.motion_add(
            actor=staff,
            vote=vote,
            kind=MotionKind.SPECIAL,
            matter="fund_raise",
            title="续筹维修资金",
        )
        election = services.motion_add(
            actor=staff,
            vote=vote,
            kind=MotionKind.ELECTION,
            title="选举业委会",
            seats=7,
            alternate_seats=2,
        )
        for person in owners[:11]:
            services.candidate_add(actor=staff, motion=election, person=person)
        services.motion_add(actor=staff, vote=vote, kind=MotionKind.CONSULTATION, title="车辆管理")
        services.motion_add(
            actor=staff,
            vote=vote,
            kind=MotionKind.SINGLE,
            title="先修哪里",
            options=["屋面", "管网", "楼道"],
        )
        services.motion_add(
            actor=staff,
            vote=vote,
            kind=MotionKind.MULTIPLE,
            title="要加什么",
            options=["座椅", "车棚", "快递柜", "坡道"],
        )
        services.motion_add(actor=staff, vote=vote, kind=MotionKind.TEXT, title="其他意见")
    else:
        services.motion_add(actor=staff, vote=vote, kind=MotionKind.CONSULTATION, title="车辆管理")
    started = time.perf_counter()
    services.vote_publish(actor=staff, vote=vote, now=now - timedelta(days=17))
    vote = services.vote_open(actor=staff, vote=vote, now=vote.opens_at)
    return vote, time.perf_counter() - started


def _owners(compound, count: int) -> list:
    from mulin.people.models import Ownership, Person

    ids = list(
        Ownership.objects.current()
        .filter(unit__compound=compound, person__isnull=False)
        .order_by("person_id")
        .values_list("person_id", flat=True)
        .distinct()[:count]
    )
    people = Person.objects.in_bulk(ids)
    return [people[i] for i in ids]


def _answer(rnd: random.Random, motion) -> object:
    from mulin.decisions.models import MotionKind

    if motion.kind == MotionKind.ELECTION:
        keys = [c.key for c in motion.candidates.all()]
        roll = rnd.random()
        if roll < 0.03:
            return "abstain"
        return sorted(rnd.sample(keys, 8 if roll < 0.05 else rnd.randint(3, 7)))  # 8: void
    if motion.kind == MotionKind.SINGLE:
        return [rnd.choice([o.key for o in motion.options.all()])]
    if motion.kind == MotionKind.MULTIPLE:
        keys = [o.key for o in motion.options.all()]
        return sorted(rnd.sample(keys, rnd.randint(1, len(keys))))
    if motion.kind == MotionKind.TEXT:
        return {"text": "多装路灯" if rnd.random() < 0.3 else ""}
    return rnd.choice(["yes"] * 6 + ["no"] * 2 + ["abstain"])


def tally(repeat: int) -> list[Result]:
    """compute_tally over 10,000 units with every kind of motion (rolled back afterwards)."""
    from django.db import transaction
    from django.utils import timezone

    from mulin.decisions import results
    from mulin.decisions.models import Ballot, Channel, Verification, new_token
    from mulin.decisions.selectors import with_contents

    compound = _compound(TALLY_CODE, TALLY_UNITS)
    staff = _staff(compound)
    out: list[Result] = []
    with transaction.atomic():
        vote, build_seconds = _open_vote(
            staff, compound, every_kind=True, owners=_owners(compound, 11)
        )
        vote = with_contents(type(vote).objects.filter(pk=vote.pk)).get()
        motions = list(vote.motions.all())
        rnd = random.Random("bench-tally")
        electors = list(vote.electors.values_list("id", flat=True))
        now = timezone.now()
        channels = [Channel.ONLINE] * 5 + [Channel.PAPER] * 3 + [Channel.CANVASS, Channel.ONSITE]
        rows = []
        for elector_id in electors:
            if rnd.random() >= 0.8:
                continue
            channel = rnd.choice(channels)
            rows.append(
                Ballot(
                    vote=vote,
                    elector_id=elector_id,
                    channel=channel,
                    verification=Verification.ACCOUNT
                    if channel == Channel.ONLINE
                    else Verification.TOKEN,
                    choices={str(m.pk): _answer(rnd, m) for m in motions},
                    cast_at=now,
                    receipt=new_token(),
                    content_sha256="bench",
                )
            )
        Ballot.objects.bulk_create(rows, batch_size=2000)
        wall, cpu = timed(lambda: results.compute_tally(vote), repeat=repeat, warmup=2)
        data = results.compute_tally(vote)
        transaction.set_rollback(True)
    p50, p95 = percentile(wall, 50), percentile(wall, 95)
    out.append(
        Result(
            f"tally ({data['total']['owners']:,} owners, {TALLY_UNITS:,} units, 7 motion kinds)",
            f"p50 {p50:.0f} ms, p95 {p95:.0f} ms (cpu p95 {percentile(cpu, 95):.0f} ms), "
            f"{len(rows):,} ballots",
            f"≤ {TALLY_MS:g} ms",
            p95 <= TALLY_MS,
            {
                "p50_ms": round(p50, 1),
                "p95_ms": round(p95, 1),
                "max_ms": round(max(wall), 1),
                "cpu_p95_ms": round(percentile(cpu, 95), 1),
                "repeat": repeat,
                "owners": data["total"]["owners"],
                "ballots": len(rows),
                "motions": [m["kind"] for m in data["motions"]],
            },
        )
    )
    out.append(
        Result(
            f"publish + open a vote of {TALLY_UNITS:,} units (two electorate builds)",
            f"{build_seconds:.1f} s",
            "",
            None,
            {"seconds": round(build_seconds, 2)},
        )
    )
    return out


# ---- concurrent ballots ------------------------------------------------------------------------


class Submission:
    """One ballot submission: who submits, for which owner, on which channel."""

    def __init__(self, elector, channel: str, actor, voter, choices: dict):
        self.elector, self.channel, self.actor, self.voter = elector, channel, actor, voter
        self.choices = choices
        self.outcome = ""  # "accepted", "refused" (already voted) or the error
        self.seconds = 0.0


def _submit(vote, item: Submission, signature: bytes) -> None:
    from django.core.exceptions import ValidationError
    from django.core.files.base import ContentFile
    from django.utils import translation

    from mulin.decisions import ballots
    from mulin.decisions.models import Channel

    extra: dict = {}
    if item.channel != Channel.ONLINE:
        extra["voter"] = item.voter
    if item.channel == Channel.CANVASS:
        extra["signature"] = ContentFile(signature, name="signature.png")
    started = time.perf_counter()
    try:
        with translation.override("en"):
            ballots.ballot_cast(
                actor=item.actor,
                vote=vote,
                elector=item.elector,
                choices=item.choices,
                channel=item.channel,
                **extra,
            )
        item.outcome = "accepted"
    except ValidationError as exc:
        item.outcome = "refused" if "already voted" in " ".join(exc.messages) else str(exc)
    except Exception as exc:  # reported, and fails the benchmark
        item.outcome = f"{type(exc).__name__}: {exc}"
    item.seconds = time.perf_counter() - started


def _race(vote, items: list[Submission], workers: int, signature: bytes) -> float:
    """Run `items` on `workers` threads (each its own connection), all released at once; the
    wall-clock seconds from release to the last answer."""
    from django.db import connection

    queue = list(reversed(items))
    lock = threading.Lock()
    gate = threading.Barrier(workers + 1)

    def work():
        try:
            connection.ensure_connection()
            gate.wait()
            while True:
                with lock:
                    if not queue:
                        return
                    item = queue.pop()
                _submit(vote, item, signature)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    gate.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def _latency(items: list[Submission], outcome: str) -> dict:
    samples = [i.seconds * 1000 for i in items if i.outcome == outcome]
    if not samples:
        return {}
    return {
        "n": len(samples),
        "p50_ms": round(percentile(samples, 50), 1),
        "p95_ms": round(percentile(samples, 95), 1),
        "max_ms": round(max(samples), 1),
    }


def concurrency(workers: int) -> list[Result]:
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count

    from mulin.core.audit import verify_chains
    from mulin.core.models import AuditEvent, Role, RoleGrant, ScopeKind, User
    from mulin.decisions.models import Ballot, Channel
    from mulin.decisions.services import chain_of
    from mulin.demo.decisions import _signature_png

    if connection.vendor != "postgresql":
        return [Result("concurrent ballots", "needs PostgreSQL (DATABASE_URL)", "", None)]
    compound = _compound(BALLOTS_CODE, BALLOTS_UNITS)
    staff = _staff(compound)
    vote, _seconds = _open_vote(staff, compound, every_kind=False, owners=[])
    motions = list(vote.motions.all())
    electors = [
        e for e in vote.electors.prefetch_related("people").order_by("id") if e.people.all()
    ][: OWNERS + 1]
    if len(electors) < OWNERS + 1:
        raise SystemExit(f"{BALLOTS_CODE} has fewer than {OWNERS + 1} owners with a person")
    # Each owner's own account (online), made once.
    firsts = {e.pk: min(e.people.all(), key=lambda p: p.pk) for e in electors}
    have = set(
        User.objects.filter(person_id__in=[p.pk for p in firsts.values()]).values_list(
            "person_id", flat=True
        )
    )
    made = User.objects.bulk_create(
        [
            User(username=f"bench-owner-{p.pk}", person_id=p.pk, password="!")
            for p in firsts.values()
            if p.pk not in have
        ]
    )
    RoleGrant.objects.bulk_create(
        [
            RoleGrant(user=u, role=Role.RESIDENT, scope=ScopeKind.COMPOUND, compound=compound)
            for u in made
        ]
    )
    users = {
        u.person_id: u
        for u in User.objects.filter(person_id__in=[p.pk for p in firsts.values()]).select_related(
            "person"
        )
    }
    recorders = [User.objects.get(pk=staff.pk) for _ in range(workers)]
    rnd = random.Random("bench-concurrency")

    def choices() -> dict:
        return {str(m.pk): rnd.choice(["yes", "no", "abstain"]) for m in motions}

    pairs: list[Submission] = []
    for n, elector in enumerate(electors[:OWNERS]):
        person = firsts[elector.pk]
        other = Channel.ONSITE if n % 2 else Channel.CANVASS
        pairs.append(Submission(elector, Channel.ONLINE, users[person.pk], person, choices()))
        pairs.append(Submission(elector, other, recorders[n % workers], person, choices()))
    target = electors[OWNERS]
    person = firsts[target.pk]
    burst = [
        Submission(
            target,
            Channel.ONLINE if n % 2 else (Channel.ONSITE, Channel.CANVASS)[n % 4 // 2],
            users[person.pk] if n % 2 else recorders[n % workers],
            person,
            choices(),
        )
        for n in range(SAME_OWNER)
    ]
    signature = _signature_png()
    media = tempfile.TemporaryDirectory(prefix="mulin-bench-media-")
    settings.MEDIA_ROOT = media.name
    try:
        pairs_seconds = _race(vote, pairs, workers, signature)
        burst_seconds = _race(vote, burst, workers, signature)
    finally:
        media.cleanup()
    results: list[Result] = []
    per_owner = dict(
        Ballot.objects.filter(vote=vote).values_list("elector_id").annotate(n=Count("id"))
    )
    accepted = [i for i in pairs if i.outcome == "accepted"]
    refused = [i for i in pairs if i.outcome == "refused"]
    errors = sorted({i.outcome for i in pairs + burst if i.outcome not in ("accepted", "refused")})
    one_each = all(per_owner.get(e.pk) == 1 for e in electors) and len(per_owner) == OWNERS + 1
    chained = AuditEvent.objects.filter(chain=chain_of(vote), action="ballot.cast").count()
    problems = verify_chains()
    ok = (
        one_each
        and len(accepted) == OWNERS
        and len(refused) == OWNERS
        and sum(i.outcome == "accepted" for i in burst) == 1
        and sum(i.outcome == "refused" for i in burst) == SAME_OWNER - 1
        and chained == OWNERS + 1
        and not problems
        and not errors
    )
    results.append(
        Result(
            f"{OWNERS} owners × 2 concurrent ballots ({workers} connections)",
            f"{len(pairs) / pairs_seconds:.0f} submissions/s; accepted p50 "
            f"{_latency(pairs, 'accepted').get('p50_ms', 0):.0f} ms p95 "
            f"{_latency(pairs, 'accepted').get('p95_ms', 0):.0f} ms; refused p95 "
            f"{_latency(pairs, 'refused').get('p95_ms', 0):.0f} ms; "
            f"{len(accepted)} ballots, {len(refused)} refused",
            "one ballot per owner, chain intact",
            ok,
            {
                "seconds": round(pairs_seconds, 2),
                "throughput_per_s": round(len(pairs) / pairs_seconds, 1),
                "accepted": _latency(pairs, "accepted"),
                "refused": _latency(pairs, "refused"),
                "workers": workers,
                "vote": vote.pk,
            },
        )
    )
    results.append(
        Result(
            f"{SAME_OWNER} submissions racing for one owner",
            f"{sum(i.outcome == 'accepted' for i in burst)} accepted, "
            f"{sum(i.outcome == 'refused' for i in burst)} refused in {burst_seconds:.2f} s "
            f"(refused p95 {_latency(burst, 'refused').get('p95_ms', 0):.0f} ms)",
            "exactly 1 accepted",
            ok,
            {
                "seconds": round(burst_seconds, 2),
                "accepted": _latency(burst, "accepted"),
                "refused": _latency(burst, "refused"),
            },
        )
    )
    results.append(
        Result(
            "audit chains after the races",
            f"{chained} ballots sealed in vote:{vote.pk}; verify: "
            + ("clean" if not problems else f"{len(problems)} problems")
            + (f"; errors: {errors[:3]}" if errors else ""),
            "clean",
            not problems and not errors,
            {"problems": problems[:20], "errors": errors[:20]},
        )
    )
    return results


def run(*, repeat: int = 30, workers: int = WORKERS) -> list[Result]:
    try:
        from mulin.decisions import results  # noqa: F401
    except ImportError:
        return [Result("owners' decisions", "decisions not available yet", "", None)]
    return tally(repeat) + concurrency(workers)


if __name__ == "__main__":
    from .common import ensure_database, setup_django
    from .run import print_table

    ensure_database()
    setup_django()
    from django.core.management import call_command

    call_command("migrate", "--noinput", verbosity=0)
    print_table(run())
