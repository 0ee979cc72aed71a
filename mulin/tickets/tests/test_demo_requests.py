"""`mulin demo` gives both compounds a year of residents' requests (issue 3, "Demo"): realistic
volume, channels, outcomes and ratings, the typhoon night in building 63 of 仓基新村 and the 20
major house repairs handled by the housing management station."""

from datetime import timedelta
from io import StringIO
from statistics import mean

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models, transaction
from django.db.models import Count, Q
from django.test import override_settings
from django.utils import timezone

from mulin.core.models import Notification
from mulin.demo.builder import local_tz
from mulin.demo.names import REAL_NAMES
from mulin.orgs.models import DutyShift, OrgKind
from mulin.places.models import Compound
from mulin.tickets import deadlines
from mulin.tickets.models import (
    Channel,
    DispatchMode,
    EventKind,
    FollowUp,
    FollowUpStatus,
    Priority,
    Rating,
    Ticket,
    TicketEvent,
)
from mulin.tickets.states import OPEN, Status

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
JINXIU, CANGJI = "jinxiu-jinshan", "cangji-xincun"


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo loaded once for this module, rolled back afterwards."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHER),
        transaction.atomic(),
    ):
        call_command("demo", stdout=StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture
def jinxiu(demo, db):
    return Compound.objects.get(code=JINXIU)


@pytest.fixture
def cangji(demo, db):
    return Compound.objects.get(code=CANGJI)


def requests_of(code: str):
    return Ticket.objects.filter(compound__code=code)


@pytest.mark.parametrize(("code", "low", "high"), [(JINXIU, 280, 340), (CANGJI, 380, 450)])
def test_each_compound_has_a_year_of_requests(demo, db, code, low, high):
    tickets = requests_of(code)
    assert low <= tickets.count() <= high
    now = timezone.now()
    first = tickets.order_by("created_at").first().created_at
    last = tickets.order_by("-created_at").first().created_at
    assert timedelta(days=330) < last - first < timedelta(days=366)
    assert last < now
    # Requests come in every month of the year.
    months = {t.astimezone(local_tz()).month for t in tickets.values_list("created_at", flat=True)}
    assert len(months) == 12


@pytest.mark.parametrize("code", [JINXIU, CANGJI])
def test_times_are_in_the_past_and_consistent(demo, db, code):
    now = timezone.now()
    for ticket in requests_of(code).select_related("category"):
        respond, resolve = deadlines.minutes_for(ticket.category, ticket.priority)
        assert ticket.respond_by == ticket.created_at + timedelta(minutes=respond)
        assert ticket.resolve_by >= ticket.created_at + timedelta(minutes=resolve)
        stamps = [ticket.created_at, ticket.responded_at, ticket.resolved_at, ticket.closed_at]
        if ticket.duplicate_of_id is None and ticket.status != Status.REJECTED:
            present = [s for s in stamps if s is not None]
            assert present == sorted(present), ticket.pk
        assert all(s is None or s <= now for s in stamps)
    events = TicketEvent.objects.filter(ticket__compound__code=code).select_related("ticket")
    for event in events:
        assert event.ticket.created_at <= event.created_at <= now, (event.ticket_id, event.kind)


@pytest.mark.parametrize("code", [JINXIU, CANGJI])
def test_every_channel_and_priority_appears(demo, db, code):
    tickets = requests_of(code)
    assert set(tickets.values_list("channel", flat=True)) == set(Channel.values)
    assert set(tickets.values_list("priority", flat=True)) == set(Priority.values)
    # Staff record requests for residents, who are then on the request (or it is anonymous).
    on_behalf = tickets.exclude(channel=Channel.SELF_SERVICE)
    assert on_behalf.filter(on_behalf_of__isnull=False).count() > on_behalf.count() / 2
    assert on_behalf.filter(on_behalf_of__isnull=True, requester__isnull=True).exists()
    assert not tickets.filter(channel=Channel.SELF_SERVICE, on_behalf_of__isnull=False).exists()


@pytest.mark.parametrize("code", [JINXIU, CANGJI])
def test_outcomes_cover_the_whole_life_of_a_request(demo, db, code):
    tickets = requests_of(code)
    statuses = dict(tickets.values_list("status").annotate(n=Count("id")))
    assert statuses[Status.CLOSED] > tickets.count() * 0.7
    assert statuses[Status.PAUSED] >= 2
    rejected = tickets.filter(status=Status.REJECTED)
    assert rejected.count() >= 5
    for ticket in rejected:
        reason = ticket.events.get(to_status=Status.REJECTED).note
        assert reason  # the resident is told why
    now = timezone.now()
    overdue = tickets.filter(status__in=OPEN).filter(
        Q(responded_at__isnull=True, respond_by__lt=now) | Q(resolve_by__lt=now)
    )
    assert overdue.exclude(status=Status.PAUSED).count() >= 4
    # The escalation job has raised them: to the team leader, then to community staff.
    assert not overdue.exclude(status=Status.PAUSED).filter(escalation_level=0).exists()
    assert tickets.filter(status__in=OPEN, resolve_by__gt=now, respond_by__gt=now).exists()
    assert tickets.filter(reopen_count__gt=0).count() >= 3
    merged = tickets.filter(duplicate_of__isnull=False)
    assert merged.count() >= 3
    for ticket in merged:
        assert ticket.duplicate_of.building_id == ticket.building_id
        assert ticket.duplicate_of.category_id == ticket.category_id
    assert tickets.filter(public_hidden=True).exists()
    excluded = tickets.exclude(excluded_reason="")
    assert 1 <= excluded.count() <= 5
    assert tickets.filter(events__action="transferred").exists()


@pytest.mark.parametrize("code", [JINXIU, CANGJI])
def test_ratings_are_mostly_good_but_real(demo, db, code):
    ratings = Rating.objects.filter(ticket__compound__code=code)
    finished = requests_of(code).filter(resolved_at__isnull=False).count()
    assert finished * 0.5 < ratings.count() < finished
    scores = list(ratings.values_list("overall", flat=True))
    assert 3.8 <= mean(scores) <= 4.7
    assert scores.count(5) > len(scores) * 0.4
    assert any(s <= 2 for s in scores)
    assert ratings.exclude(comment="").count() > ratings.count() / 3
    follow_ups = FollowUp.objects.filter(ticket__compound__code=code)
    assert follow_ups.filter(status=FollowUpStatus.DONE).count() >= 10
    assert follow_ups.filter(status=FollowUpStatus.UNREACHABLE).exists()
    assert follow_ups.filter(status=FollowUpStatus.PENDING).exists()  # recent ones, to call
    # Every low rating gets a follow-up call.
    low = ratings.filter(overall__lte=3).values("ticket_id")
    assert follow_ups.filter(ticket_id__in=low).count() == low.count()


def test_categories_go_to_the_demo_organisations(jinxiu, cangji):
    def route(compound, code):
        category = compound.ticket_categories.get(code=code)
        return category.organisation, category.dispatch_mode

    org, mode = route(jinxiu, "plumbing")
    assert (org.kind, mode) == (OrgKind.PROPERTY_COMPANY, DispatchMode.POOL)
    assert route(jinxiu, "neighbour_dispute")[0].kind == OrgKind.MEDIATION_COMMITTEE
    org, mode = route(cangji, "leak")
    assert (org.kind, mode) == (OrgKind.QUASI_PROPERTY, DispatchMode.ROUND_ROBIN)
    assert route(cangji, "neighbour_dispute")[0].kind == OrgKind.HOUSEHOLD_COMMITTEE
    assert route(cangji, "major_repair")[0].name == "拱墅区房管站"
    # Requests were handled by the organisation their category names.
    for compound in (jinxiu, cangji):
        untransferred = requests_of(compound.code).exclude(events__action="transferred")
        assert not untransferred.exclude(organisation=models.F("category__organisation")).exists()


def test_the_typhoon_night_call_from_building_63(cangji):
    ticket = Ticket.objects.get(
        compound=cangji,
        building__number="63",
        priority=Priority.EMERGENCY,
        description__contains="台风",
    )
    local = ticket.created_at.astimezone(local_tz())
    assert (local.month, local.day, local.hour) == (8, 10, 4)
    assert 10 <= local.minute < 20
    assert ticket.created_at < timezone.now()
    assert ticket.channel == Channel.PHONE
    assert ticket.submitted_by.username == "cangji-branch8"
    assert ticket.on_behalf_of is not None and ticket.on_behalf_of == ticket.requester
    assert timezone.localdate().year - ticket.on_behalf_of.birth_year >= 60
    assert "客厅" in ticket.description and "卧室" in ticket.description
    assert ticket.category.code == "leak"
    # Answered within minutes, fixed the same morning, rated 5 with thanks.
    assert ticket.responded_at - ticket.created_at <= timedelta(minutes=30)
    assert ticket.resolved_at - ticket.created_at <= timedelta(hours=4)
    assert ticket.resolved_at.astimezone(local_tz()).date() == local.date()
    assert ticket.status == Status.CLOSED
    assert ticket.rating.overall == 5 and "感谢" in ticket.rating.comment
    assert ticket.organisation.kind == OrgKind.QUASI_PROPERTY
    # The people on duty that night were paged, and one of them took it.
    page = ticket.events.get(kind=EventKind.PAGE)
    night = DutyShift.objects.filter(
        organisation__community=cangji.community,
        starts_at__lte=ticket.created_at,
        ends_at__gt=ticket.created_at,
    )
    assert night.exists()
    assert set(page.data["on_duty_person_ids"]) == set(night.values_list("person_id", flat=True))
    assert ticket.assignee.person_id in page.data["on_duty_person_ids"]
    assert ticket.events.filter(kind=EventKind.TRANSITION, action="in_progress").exists()


def test_twenty_major_repairs_this_year_by_the_housing_management_station(cangji):
    repairs = requests_of(CANGJI).filter(category__code="major_repair")
    assert repairs.count() == 20
    assert set(repairs.values_list("organisation__name", flat=True)) == {"拱墅区房管站"}
    this_year = timezone.localdate().year
    assert all(
        t.astimezone(local_tz()).year == this_year
        for t in repairs.values_list("created_at", flat=True)
    )
    done = repairs.filter(status__in=[Status.RESOLVED, Status.CLOSED])
    assert done.count() >= 14
    handlers = set(repairs.exclude(assignee=None).values_list("assignee__username", flat=True))
    assert handlers == {"cangji-partner"}
    assert not requests_of(JINXIU).filter(category__code="major_repair").exists()


def test_descriptions_read_like_real_requests(demo, db):
    texts = list(
        Ticket.objects.filter(compound__code__in=[JINXIU, CANGJI]).values_list(
            "description", flat=True
        )
    )
    assert len(set(texts)) > len(texts) * 0.6
    assert not any("lorem" in t.lower() or t.strip().isdigit() for t in texts)
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in t) for t in texts)


def test_no_real_name_from_the_seed_articles_in_requests_or_messages(demo, db):
    for model in [*apps.get_app_config("tickets").get_models(), Notification]:
        fields = [
            f.name
            for f in model._meta.get_fields()
            if isinstance(f, models.CharField | models.TextField) and not f.is_relation
        ]
        if not fields:
            continue
        q = Q()
        for field in fields:
            for name in REAL_NAMES:
                q |= Q(**{f"{field}__contains": name})
        assert not model._default_manager.filter(q).exists(), model._meta.label


def test_inboxes_hold_recent_messages_only(demo, db):
    ids = [
        str(pk)
        for pk in Ticket.objects.filter(compound__code__in=[JINXIU, CANGJI]).values_list(
            "pk", flat=True
        )
    ]
    notes = Notification.objects.filter(target_type="tickets.ticket", target_id__in=ids)
    assert notes.exists()
    assert not notes.filter(created_at__lt=timezone.now() - timedelta(days=15)).exists()
    per_user = notes.values("recipient").annotate(n=Count("id"))
    assert max(row["n"] for row in per_user) < 60


def test_loading_again_does_not_double_the_requests(demo, db):
    before = Ticket.objects.count(), TicketEvent.objects.count()
    call_command("demo", stdout=StringIO())
    assert (Ticket.objects.count(), TicketEvent.objects.count()) == before


def test_reset_rebuilds_the_same_requests(demo, db):
    def figures():
        tickets = Ticket.objects.filter(compound__code__in=[JINXIU, CANGJI])
        return (
            dict(tickets.values_list("compound__code").annotate(n=Count("id"))),
            dict(tickets.values_list("status").annotate(n=Count("id"))),
            Rating.objects.count(),
            FollowUp.objects.count(),
        )

    before = figures()
    call_command("demo", "--reset", stdout=StringIO())
    assert figures() == before
