"""The figures of requests (DESIGN §9) on hand-built sets whose answers are known, and the staff
figures pages of a compound, a community and a subdistrict."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from mulin.core import access
from mulin.core.models import Role
from mulin.orgs.models import OrgKind
from mulin.testing import factories as f
from mulin.tickets import figures, services
from mulin.tickets.figures import Rate, duration_words
from mulin.tickets.models import (
    FollowUp,
    FollowUpReason,
    FollowUpStatus,
    Rating,
    Satisfaction,
    Ticket,
)
from mulin.tickets.states import Status

# 2030-07-15 12:00 in Shanghai; the fixtures' grants start before it.
NOW = datetime(2030, 7, 15, 4, 0, tzinfo=UTC)
JULY, JUNE = date(2030, 7, 1), date(2030, 6, 1)
H = timedelta(hours=1)


@pytest.fixture(autouse=True)
def _at_now():
    """Every test runs at NOW, so sessions, grants and "this month" agree."""
    with time_machine.travel(NOW, tick=False):
        yield


def local(day: int, hour: int = 10, minute: int = 0, month: int = 7) -> datetime:
    """A Shanghai wall-clock time in 2030 as an aware datetime."""
    return figures.local_start(date(2030, month, day)) + timedelta(hours=hour, minutes=minute)


@dataclass
class Maker:
    submit: object
    desk: object

    def __call__(
        self,
        created: datetime,
        *,
        respond_in: timedelta = 24 * H,
        responded: timedelta | None = None,
        resolve_in: timedelta = 7 * 24 * H,
        resolved: timedelta | None = None,
        status: str | None = None,
        rating: int | None = None,
        follow_up: tuple | None = None,
        excluded: str = "",
        reopened: int = 0,
        category: str = "leak",
        **kw,
    ) -> Ticket:
        """A request submitted at `created`, responded to / resolved that long after, with a
        rating and a follow-up call (contacted in time, solved, satisfaction) when given."""
        ticket = self.submit(category=self.desk.cats[category], **kw)
        if status is None:
            status = (
                Status.CLOSED
                if resolved is not None
                else (Status.ACCEPTED if responded is not None else Status.SUBMITTED)
            )
        Ticket.objects.filter(pk=ticket.pk).update(
            created_at=created,
            respond_by=created + respond_in,
            resolve_by=created + resolve_in,
            responded_at=created + responded if responded is not None else None,
            resolved_at=created + resolved if resolved is not None else None,
            status=status,
            excluded_reason=excluded,
            reopen_count=reopened,
        )
        if rating is not None:
            Rating.objects.create(ticket=ticket, overall=rating, speed=rating, attitude=rating)
        if follow_up is not None:
            contacted, solved, satisfaction = follow_up
            FollowUp.objects.create(
                ticket=ticket,
                reason=FollowUpReason.SAMPLE,
                status=FollowUpStatus.DONE,
                contacted_in_time=contacted,
                solved=solved,
                satisfaction=satisfaction,
            )
        ticket.refresh_from_db()
        return ticket


@pytest.fixture
def make(submit, desk) -> Maker:
    return Maker(submit, desk)


def compound_figures(world, month=JULY):
    return figures.place_figures(
        Ticket.objects.filter(compound=world.compound), month=month, now=NOW
    )


# --- on time --------------------------------------------------------------------------------


def test_seven_of_ten_responded_in_time_is_70_percent(world, make):
    for hours in (1, 2, 3, 5, 8, 13, 24):
        make(local(3), responded=hours * H)  # within the 24 h
    make(local(3), responded=25 * H)
    make(local(3), responded=48 * H)
    make(local(3))  # never answered, and its 24 h are long past
    make(local(15, 11), respond_in=24 * H)  # an hour old: not due yet, not counted
    july = compound_figures(world).current
    assert july.total == 11
    assert (july.response_on_time, july.response_due) == (7, 10)
    assert str(july.on_time_response) == "70%"
    assert july.on_time_response.percent == 70.0


def test_on_time_resolution_counts_late_open_work_but_not_paused_or_rejected(world, make):
    make(local(1), responded=H, resolved=3 * 24 * H)  # on time
    make(local(1), responded=H, resolved=8 * 24 * H)  # late
    make(local(1), responded=H, status=Status.IN_PROGRESS)  # open and past its 7 days: late
    make(local(1), responded=H, status=Status.PAUSED)  # paused: not held against the team
    make(local(1), responded=H, status=Status.REJECTED)  # not a resolution
    make(local(14), responded=H, status=Status.IN_PROGRESS)  # still within its 7 days
    july = compound_figures(world).current
    assert (july.resolution_on_time, july.resolution_due) == (1, 3)
    assert str(july.on_time_resolution) == "33.3%"
    assert (july.open, july.resolved, july.rejected) == (3, 2, 1)


# --- medians --------------------------------------------------------------------------------


def test_median_of_an_odd_count_is_the_middle_one(world, make):
    for hours in (10, 1, 2):
        make(local(2), responded=hours * H)
    assert compound_figures(world).current.median_response == 2 * H


def test_median_of_an_even_count_is_the_mean_of_the_two_middle_ones(world, make):
    for hours in (10, 1, 2, 4):
        make(local(2), responded=hours * H)
    assert compound_figures(world).current.median_response == 3 * H


def test_medians_are_per_month_and_leave_out_the_unfinished(world, make):
    # June: 1, 2, 3 days to resolve (median 2 days); July: 1 h, 5 h (median 3 h) and one open.
    for days in (3, 1, 2):
        make(local(10, month=6), responded=H, resolved=days * 24 * H, resolve_in=30 * 24 * H)
    make(local(2), responded=H, resolved=H)
    make(local(2), responded=2 * H, resolved=5 * H)
    make(local(2), responded=30 * H)
    data = compound_figures(world)
    assert data.previous.median_resolution == 2 * 24 * H
    assert data.current.median_resolution == 3 * H
    assert data.current.median_response == 2 * H  # 1 h, 2 h, 30 h
    assert data.current.median_resolution_text == "3 hours"
    assert data.months[0].median_resolution is None  # August 2029: nothing


# --- ratings and reopening ----------------------------------------------------------------


def test_satisfaction_from_ratings_is_the_share_rated_four_or_five_and_the_average(world, make):
    for stars in (5, 5, 4, 3, 1):
        make(local(4), responded=H, resolved=5 * H, rating=stars)
    make(local(4), responded=H, resolved=5 * H)  # not rated
    july = compound_figures(world).current
    assert (july.rated_good, july.rated) == (3, 5)
    assert str(july.rated_well) == "60%"
    assert july.rating_average == pytest.approx(3.6)
    assert july.rating_average_text == "3.6"


def test_reopen_rate_is_among_the_requests_ever_resolved(world, make):
    make(local(5), responded=H, resolved=5 * H, reopened=1)
    make(local(5), responded=H, status=Status.ASSIGNED, reopened=2)  # reopened, not yet again
    make(local(5), responded=H, resolved=5 * H)
    make(local(5), responded=H, resolved=5 * H)
    make(local(5), responded=H)  # never resolved: not counted
    july = compound_figures(world).current
    assert (july.reopened, july.ever_resolved) == (2, 4)
    assert str(july.reopen_rate) == "50%"


# --- 接诉即办: follow-ups, 基本满意 and the score -------------------------------------------------


S, B, U = Satisfaction.SATISFIED, Satisfaction.BASIC, Satisfaction.UNSATISFIED


def ten_follow_ups(make):
    """8 contacted in time, 6 solved; 5 satisfied, 3 basically, 2 not."""
    answers = [
        (True, True, S),
        (True, True, S),
        (True, True, S),
        (True, True, S),
        (True, True, B),
        (True, False, B),
        (True, False, S),
        (True, False, U),
        (False, True, B),
        (False, False, U),
    ]
    for answer in answers:
        make(local(6), responded=H, resolved=9 * H, follow_up=answer)


def test_follow_up_rates_count_basically_satisfied_at_nine_tenths(world, make):
    ten_follow_ups(make)
    ticket = make(local(6), responded=H, resolved=9 * H)
    FollowUp.objects.create(ticket=ticket, reason=FollowUpReason.SAMPLE)  # still to call
    unreachable = make(local(6), responded=H, resolved=9 * H)
    FollowUp.objects.create(
        ticket=unreachable, reason=FollowUpReason.SAMPLE, status=FollowUpStatus.UNREACHABLE
    )
    july = compound_figures(world).current
    assert july.valid_follow_ups == 10
    assert str(july.response_rate) == "80%"
    assert str(july.resolution_rate) == "60%"
    assert july.satisfaction_value == Fraction(77, 100)  # (5 + 3 × 0.9) / 10
    assert july.satisfaction_rate_text == "77%"
    # 0.2 × 80 + 0.4 × 60 + 0.4 × 77
    assert july.score == Fraction(708, 10)
    assert july.score_text == "70.8"


def test_basic_satisfied_weight_and_score_weights_come_from_settings(world, make, settings):
    ten_follow_ups(make)
    settings.MULIN_TICKETS_BASIC_SATISFIED = "0.5"
    settings.MULIN_TICKETS_SCORE_WEIGHTS = "response=1, satisfaction=1"
    july = compound_figures(world).current
    assert july.satisfaction_rate_text == "65%"  # (5 + 1.5) / 10
    assert july.score == Fraction(145, 2)  # (80 + 65) / 2: the unnamed weight is 0


def test_no_valid_follow_up_means_no_rates_and_no_score(world, make):
    make(local(6), responded=H, resolved=9 * H, rating=5)
    july = compound_figures(world).current
    assert july.response_rate.value is None and str(july.response_rate) == "—"
    assert july.score is None and july.score_text == "—"


@pytest.mark.parametrize(
    "name,value",
    [
        ("MULIN_TICKETS_BASIC_SATISFIED", "1.5"),
        ("MULIN_TICKETS_BASIC_SATISFIED", "most"),
        ("MULIN_TICKETS_SCORE_WEIGHTS", "speed=1"),
        ("MULIN_TICKETS_SCORE_WEIGHTS", "response=a lot"),
        ("MULIN_TICKETS_SCORE_WEIGHTS", "response=-1,resolution=2"),
        ("MULIN_TICKETS_SCORE_WEIGHTS", "response=0"),
    ],
)
def test_bad_settings_are_refused_with_their_name(settings, name, value):
    setattr(settings, name, value)
    with pytest.raises(ImproperlyConfigured, match=name):
        figures.basic_satisfied_weight()
        figures.score_weights()


# --- what leaves the figures --------------------------------------------------------------


def test_an_excluded_request_changes_no_figure_and_is_listed_with_its_reason(world, make):
    ten_follow_ups(make)
    make(local(7), responded=2 * H, resolved=30 * H, rating=4)
    before = compound_figures(world)
    bad = make(
        local(7),
        responded=99 * H,
        resolved=999 * H,
        rating=1,
        reopened=3,
        follow_up=(False, False, U),
        excluded="同一人一天内重复投诉 40 次",
        category="noise",
    )
    after = compound_figures(world)
    fields = [
        "total",
        "open",
        "resolved",
        "response_due",
        "response_on_time",
        "resolution_due",
        "resolution_on_time",
        "reopened",
        "ever_resolved",
        "rated",
        "rated_good",
        "rating_average",
        "valid_follow_ups",
        "median_response",
        "median_resolution",
        "score",
    ]
    for name in fields:
        assert getattr(after.current, name) == getattr(before.current, name), name
    assert [c.counts for c in after.categories] == [c.counts for c in before.categories]
    assert (before.current.excluded, after.current.excluded) == (0, 1)
    assert [(t.pk, t.excluded_reason) for t in after.excluded] == [
        (bad.pk, "同一人一天内重复投诉 40 次")
    ]


def test_merged_duplicates_do_not_count(world, make, desk):
    original = make(local(8), responded=H)
    duplicate = make(local(8), responded=H)
    services.ticket_merge(actor=desk.leader, ticket=duplicate, into=original)
    assert compound_figures(world).current.total == 1


# --- months -------------------------------------------------------------------------------


def test_a_request_at_half_past_midnight_local_on_the_first_is_in_the_new_month(world, make):
    # 00:30 on 1 July in Shanghai is still 30 June in UTC; 23:30 on 30 June is 15:30 UTC.
    early = make(local(1, 0, 30))
    late = make(local(30, 23, 30, month=6))
    assert early.created_at.astimezone(UTC).date() == date(2030, 6, 30)
    data = compound_figures(world)
    assert (data.previous.total, data.current.total) == (1, 1)
    assert data.previous.key == JUNE and data.current.key == JULY
    assert late.created_at < early.created_at


def test_twelve_months_end_with_the_chosen_month(world, make):
    make(local(20, month=6))
    make(local(1, month=7))
    old = make(local(1, month=7) - timedelta(days=400))
    data = figures.place_figures(
        Ticket.objects.filter(compound=world.compound), month=JUNE, now=NOW
    )
    assert data.months[0].key == date(2029, 7, 1)
    assert data.month == JUNE and data.current.key == JUNE
    assert sum(p.total for p in data.months) == 1  # July is after, the old one before
    assert old.created_at < figures.local_start(date(2029, 7, 1))


# --- volume by category -------------------------------------------------------------------


def test_volume_by_category_keeps_the_biggest_and_adds_the_rest_as_other(world, make):
    plan = {
        "leak": 9,
        "lift": 8,
        "noise": 7,
        "parking": 6,
        "greening": 5,
        "sanitation": 4,
        "security": 3,
        "plumbing": 1,
        "electrical": 1,
    }
    for code, count in plan.items():
        for _ in range(count):
            make(local(9), category=code)
    make(local(9, month=6), category="leak")
    data = compound_figures(world)
    names = [c.name for c in data.categories]
    assert names == [
        "Leak",
        "Lift",
        "Noise",
        "Parking",
        "Greening",
        "Sanitation",
        "Security",
        "Other",
    ]
    assert [c.counts[-1] for c in data.categories] == [9, 8, 7, 6, 5, 4, 3, 2]
    assert data.categories[0].counts[-2] == 1  # June
    label, total, counts = data.volume_rows[0]
    assert (label, total, counts) == ("July 2030", 44, [9, 8, 7, 6, 5, 4, 3, 2])
    chart = data.chart_data()
    assert chart["months"][-1] == "July 2030" and len(chart["months"]) == 12
    assert chart["volume"]["series"][0] == {"name": "Leak", "data": [0] * 10 + [1, 9]}
    assert chart["axis"][0] == "August 2029" and chart["axis"][-1] == "Jul"


# --- ranking ------------------------------------------------------------------------------


def test_ranking_orders_by_score_ties_share_a_rank_and_no_score_comes_last(world, make):
    community = world.compound.community
    second = f.CompoundFactory(community=community, name="二号小区")
    third = f.CompoundFactory(community=community, name="三号小区")
    fourth = f.CompoundFactory(community=community, name="四号小区")
    access.clear_cache(world.staff)  # the staff's reach was resolved before these were built
    for compound in (second, third, fourth):
        services.categories_ensure_defaults(actor=world.staff, compound=compound)

    def on(compound, answer, **kw):
        category = compound.ticket_categories.get(code="leak")
        building = f.BuildingFactory(compound=compound)
        ticket = services.ticket_submit(
            actor=world.staff,
            compound=compound,
            category=category,
            description="漏水",
            idempotency_key=f"r-{Ticket.objects.count()}",
            location_kind="building",
            building=building,
            channel="phone",
        )
        Ticket.objects.filter(pk=ticket.pk).update(
            created_at=local(3),
            responded_at=local(3, 11),
            resolved_at=local(3, 15 + kw.get("h", 0)),
        )
        FollowUp.objects.create(
            ticket=ticket,
            reason=FollowUpReason.SAMPLE,
            status=FollowUpStatus.DONE,
            contacted_in_time=answer[0],
            solved=answer[1],
            satisfaction=answer[2],
        )

    on(second, (True, True, S))  # 100
    on(world.compound, (True, True, S), h=2)  # 100 as well: tied first
    on(third, (True, False, B))  # 20 + 0 + 36 = 56
    make(local(3), category="leak")  # world.compound: no follow-up, no change to its score
    rows = figures.ranking(
        Ticket.objects.filter(compound__community=community),
        list(community.compounds.order_by("name")),
        group="compound_id",
        month=JULY,
        now=NOW,
    )
    assert [(r.place.name, r.rank, r.tied) for r in rows] == [
        ("二号小区", 1, True),
        (world.compound.name, 1, True),
        ("三号小区", 3, False),
        ("四号小区", None, False),
    ]
    assert rows[2].figures.score == 56
    assert rows[1].figures.total == 2
    assert rows[1].figures.median_resolution == 7 * H  # 10:00 → 17:00
    assert rows[3].figures.total == 0 and fourth.pk == rows[3].place.pk


# --- words --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,words",
    [
        (timedelta(seconds=20), "under a minute"),
        (timedelta(minutes=1), "1 minute"),
        (timedelta(minutes=35), "35 minutes"),
        (timedelta(hours=2, minutes=10), "2 hours 10 minutes"),
        (timedelta(hours=1), "1 hour"),
        (timedelta(days=3, hours=4, minutes=5), "3 days 4 hours"),
        (timedelta(days=1, minutes=5), "1 day"),
        (None, "—"),
    ],
)
def test_durations_read_in_words(value, words):
    assert duration_words(value) == words


def test_rates_show_one_decimal_and_a_dash_for_nothing():
    assert str(Rate(1, 3)) == "33.3%"
    assert str(Rate(2, 3)) == "66.7%"
    assert str(Rate(0, 0)) == "—" and Rate(0, 0).percent is None


# --- queries ------------------------------------------------------------------------------


def test_place_figures_take_the_same_queries_for_n_and_3n_requests(world, make, count_queries):
    def grow(n):
        for i in range(n):
            make(
                local(1 + i % 14, month=6 + i % 2),
                responded=(i + 1) * H,
                resolved=(i + 3) * H,
                rating=1 + i % 5,
                follow_up=(i % 2 == 0, i % 3 == 0, [S, B, U][i % 3]),
                category=["leak", "lift", "noise"][i % 3],
            )

    grow(4)
    with count_queries() as small:
        compound_figures(world)
    grow(8)
    with count_queries() as large:
        data = compound_figures(world)
    assert data.current.total + data.previous.total == 12
    assert small.count == large.count == 5, large.dump()


# --- the figures pages: access ------------------------------------------------------------


def page_urls(world) -> dict[str, str]:
    community = world.compound.community
    return {
        "compound": reverse("tickets:figures", args=[world.compound.code]),
        "community": reverse("tickets:community_figures", args=[community.code]),
        "subdistrict": reverse("tickets:subdistrict_figures", args=[community.subdistrict.code]),
    }


@pytest.mark.parametrize("page", ["compound", "community", "subdistrict"])
def test_anonymous_is_sent_to_sign_in(client, world, page):
    response = client.get(page_urls(world)[page])
    assert response.status_code == 302
    assert response.url.startswith(reverse("core:login"))


@pytest.mark.parametrize("page", ["compound", "community", "subdistrict"])
@pytest.mark.parametrize("who", ["outsider", "resident"])
def test_outsiders_and_residents_get_404(world, login, page, who):
    assert login(getattr(world, who)).get(page_urls(world)[page]).status_code == 404


@pytest.mark.parametrize(
    "page,status", [("compound", 200), ("community", 404), ("subdistrict", 404)]
)
def test_compound_staff_see_their_compound_but_not_the_community(world, desk, login, page, status):
    assert login(desk.leader).get(page_urls(world)[page]).status_code == status


@pytest.mark.parametrize(
    "page,status", [("compound", 200), ("community", 200), ("subdistrict", 404)]
)
def test_community_staff_see_the_community_but_not_the_subdistrict(world, login, page, status):
    assert login(world.staff).get(page_urls(world)[page]).status_code == status


@pytest.mark.parametrize("page", ["compound", "community", "subdistrict"])
def test_subdistrict_staff_and_the_admin_see_every_level(world, login, page):
    official = f.UserFactory(username="subdistrict")
    f.grant(official, Role.SUBDISTRICT_STAFF, world.compound.community.subdistrict)
    assert login(official).get(page_urls(world)[page]).status_code == 200
    assert login(world.admin).get(page_urls(world)[page]).status_code == 200


def test_staff_of_a_community_wide_organisation_see_the_community(world, login):
    community = world.compound.community
    service = f.OrganisationFactory(
        kind=OrgKind.QUASI_PROPERTY, compound=None, community=community, name="准物业服务中心"
    )
    manager = f.UserFactory(username="quasi-manager")
    f.grant(manager, Role.PROPERTY_MANAGER, service)
    client = login(manager)
    assert client.get(page_urls(world)["community"]).status_code == 200
    assert client.get(page_urls(world)["subdistrict"]).status_code == 404


def test_staff_of_one_building_do_not_see_the_compound_figures(world, login):
    member = f.UserFactory(username="building-member")
    f.grant(member, Role.PARTY_MEMBER, world.unit.building)
    assert login(member).get(page_urls(world)["compound"]).status_code == 404


def test_unknown_places_are_404(world, login):
    client = login(world.admin)
    for name in ("figures", "community_figures", "subdistrict_figures"):
        assert client.get(reverse(f"tickets:{name}", args=["nowhere"])).status_code == 404


# --- the figures pages: what they show ----------------------------------------------------


def test_compound_page_shows_the_months_figures_score_and_weights(world, login, make):
    ten_follow_ups(make)
    make(local(7), responded=2 * H, excluded="重复投诉，经核实为恶意重复", category="noise")
    make(local(20, month=6), responded=H)
    response = login(world.staff).get(page_urls(world)["compound"])
    assert response.status_code == 200
    data = response.context["figures"]
    assert data.current.total == 10 and data.current.score_text == "70.8"
    html = response.content.decode()
    assert "July 2030 at a glance" in html
    assert "Response rate × 20%" in html and "Satisfaction rate × 40%" in html
    assert "counts as 90% of “satisfied”" in html
    assert "1 request of this month is left out of the figures" in html
    assert 'href="#excluded"' in html and "重复投诉，经核实为恶意重复" in html
    assert 'id="figures-data"' in html and "echarts-5.6.0/echarts.min.js" in html
    # every chart has its table: the months are rows, newest first
    assert html.count('<th scope="row">July 2030</th>') == 5
    assert html.index("July 2030</th>") < html.index("June 2030</th>")


def test_the_month_picker_moves_the_twelve_months(world, login, make):
    make(local(20, month=6), responded=H)
    response = login(world.staff).get(page_urls(world)["compound"], data={"month": "2030-06"})
    assert response.status_code == 200
    assert response.context["month"] == JUNE
    assert response.context["figures"].current.total == 1
    assert '<option value="2030-06" selected>' in response.content.decode()


@pytest.mark.parametrize("month", ["2030-13", "June", "2031-01", "1990-01"])
def test_a_bad_month_is_named_and_this_month_is_shown(world, login, month):
    response = login(world.staff).get(page_urls(world)["compound"], data={"month": month})
    assert response.status_code == 400
    assert response.context["month"] == JULY
    assert "Month: choose one of the months in the list." in response.content.decode()


def test_community_page_ranks_its_compounds(world, login, make):
    neighbour = f.CompoundFactory(community=world.compound.community, name="邻居小区")
    ten_follow_ups(make)
    response = login(world.staff).get(page_urls(world)["community"])
    assert response.status_code == 200
    ranked = response.context["ranked"]
    assert [(r.place.name, r.rank) for r in ranked] == [
        (world.compound.name, 1),
        (neighbour.name, None),
    ]
    html = response.content.decode()
    assert "Compounds ranked by monthly score, July 2030" in html
    assert reverse("tickets:figures", args=[world.compound.code]) + "?month=2030-07" in html
    assert "not ranked" in html
    assert response.context["figures"].current.valid_follow_ups == 10


def test_subdistrict_page_ranks_its_communities(world, login, make):
    official = f.UserFactory(username="subdistrict")
    f.grant(official, Role.SUBDISTRICT_STAFF, world.compound.community.subdistrict)
    other = f.CommunityFactory(subdistrict=world.compound.community.subdistrict, name="邻社区")
    ten_follow_ups(make)
    response = login(official).get(page_urls(world)["subdistrict"])
    ranked = response.context["ranked"]
    assert [(r.place.pk, r.rank, r.figures.score_text) for r in ranked] == [
        (world.compound.community.pk, 1, "70.8"),
        (other.pk, None, "—"),
    ]
    assert "Communities ranked by monthly score" in response.content.decode()


# --- the figures pages: queries -----------------------------------------------------------


@pytest.mark.parametrize("page", ["compound", "community"])
def test_figures_pages_take_the_same_queries_for_n_and_3n_requests(
    world, login, make, count_queries, page
):
    client = login(world.staff)

    def grow(n):
        for i in range(n):
            make(
                local(1 + i % 14, month=6 + i % 2),
                responded=(i + 1) * H,
                resolved=(i + 3) * H,
                rating=1 + i % 5,
                follow_up=(i % 2 == 0, i % 3 == 0, [S, B, U][i % 3]),
                excluded="重复" if i % 4 == 3 else "",
                category=["leak", "lift", "noise"][i % 3],
            )

    grow(4)
    with count_queries() as small:
        client.get(page_urls(world)[page])
    grow(8)
    with count_queries() as large:
        response = client.get(page_urls(world)[page])
    assert response.context["figures"].current.total > 0
    assert small.count == large.count, large.dump()
