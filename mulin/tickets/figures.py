"""The figures requests are judged by (DESIGN §9), for the public progress board and the staff
figures pages of a compound, a community and a subdistrict.

Every figure of a month counts the requests *submitted* that month (local time, Asia/Shanghai),
so each request belongs to exactly one month and the rules fit in one sentence. Merged duplicates
never count (their original does), and neither do requests excluded from the figures
(`excluded_reason`), which are only counted, to be shown with their reasons.

- On-time response: responded by `respond_by`, among the requests responded to or past it.
- On-time resolution: resolved by `resolve_by`, among the requests resolved or open and past it
  (paused work is not counted against the team until it resumes; rejected requests are not
  resolutions).
- Satisfaction from ratings: the share rated 4 or 5 overall, and the average.
- Reopen rate: requests reopened at least once among those ever resolved.
- 接诉即办 (Beijing practice), over valid (done) follow-up calls: 响应率 (contacted in time),
  解决率 (solved), 满意率 (satisfied, 基本满意 counting as `MULIN_TICKETS_BASIC_SATISFIED`), and
  the monthly score: the three weighed by `MULIN_TICKETS_SCORE_WEIGHTS`, out of 100.

All counting happens in the database: one grouped query for the counts of every month (or every
compound), one for the volume by category, one per median. Medians use ROW_NUMBER and COUNT
window functions, which SQLite and PostgreSQL both have (`percentile_cont` is PostgreSQL only):
only the one or two middle rows of each group come back.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import (
    Avg,
    Count,
    DateField,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Min,
    Q,
    QuerySet,
    Window,
)
from django.db.models.functions import RowNumber, TruncMonth
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext

from .models import FollowUpStatus, Satisfaction, Ticket
from .states import OPEN, Status

MONTHS = 12  # how many months the charts show
TOP_CATEGORIES = 8  # categories drawn on their own; the rest are "Other"
WEIGHT_KEYS = ("response", "resolution", "satisfaction")

# --- settings -----------------------------------------------------------------------------


def basic_satisfied_weight() -> Fraction:
    """How much a 基本满意 (basically satisfied) answer counts, 0 to 1 (default 0.9)."""
    raw = getattr(settings, "MULIN_TICKETS_BASIC_SATISFIED", "0.9")
    try:
        value = Fraction(str(raw).strip())
    except (ValueError, ZeroDivisionError) as exc:
        raise ImproperlyConfigured(
            f"MULIN_TICKETS_BASIC_SATISFIED must be a number from 0 to 1, not {raw!r}"
        ) from exc
    if not 0 <= value <= 1:
        raise ImproperlyConfigured(
            f"MULIN_TICKETS_BASIC_SATISFIED must be a number from 0 to 1, not {raw!r}"
        )
    return value


def score_weights() -> dict[str, Fraction]:
    """The weights of 响应率, 解决率 and 满意率 in the monthly score, from
    `MULIN_TICKETS_SCORE_WEIGHTS` ("response=0.2,resolution=0.4,satisfaction=0.4"). A figure
    left out weighs nothing; the score divides by the sum, so it stays out of 100."""
    raw = getattr(
        settings, "MULIN_TICKETS_SCORE_WEIGHTS", "response=0.2,resolution=0.4,satisfaction=0.4"
    )
    weights = dict.fromkeys(WEIGHT_KEYS, Fraction(0))
    for part in str(raw).split(","):
        if not part.strip():
            continue
        key, _, number = part.partition("=")
        key = key.strip()
        if key not in weights:
            raise ImproperlyConfigured(
                f"MULIN_TICKETS_SCORE_WEIGHTS: unknown figure {key!r}; use "
                "response=…,resolution=…,satisfaction=…"
            )
        try:
            weights[key] = Fraction(number.strip())
        except (ValueError, ZeroDivisionError) as exc:
            raise ImproperlyConfigured(
                f"MULIN_TICKETS_SCORE_WEIGHTS: the weight of {key} must be a number, not "
                f"{number.strip()!r}"
            ) from exc
        if weights[key] < 0:
            raise ImproperlyConfigured(
                f"MULIN_TICKETS_SCORE_WEIGHTS: the weight of {key} must not be negative"
            )
    if sum(weights.values()) <= 0:
        raise ImproperlyConfigured("MULIN_TICKETS_SCORE_WEIGHTS: at least one weight must be > 0")
    return weights


# --- values shown -------------------------------------------------------------------------


def _one_decimal(value: Fraction) -> str:
    number = Decimal(value.numerator) / Decimal(value.denominator)
    text = str(number.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
    return text[:-2] if text.endswith(".0") else text


def percent_text(value: Fraction | None) -> str:
    """70%, 70.5%, or a dash for nothing to count."""
    return "—" if value is None else f"{_one_decimal(value * 100)}%"


@dataclass(frozen=True)
class Rate:
    """`count` out of `of`; no value when there is nothing to count."""

    count: int
    of: int

    @property
    def value(self) -> Fraction | None:
        return Fraction(self.count, self.of) if self.of else None

    @property
    def percent(self) -> float | None:
        """For charts: the percentage with one decimal."""
        return None if self.value is None else float(_one_decimal(self.value * 100))

    def __str__(self) -> str:
        return percent_text(self.value)


def duration_words(value: timedelta | None) -> str:
    """A duration in words, its two largest units: "2 小时 10 分", "3 天 4 小时", "不到 1 分钟"."""
    if value is None:
        return "—"
    minutes = int(value.total_seconds() // 60)
    if minutes < 1:
        return gettext("under a minute")
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = []
    if days:
        parts.append(ngettext("%(n)s day", "%(n)s days", days) % {"n": days})
    if hours and len(parts) < 2:
        parts.append(ngettext("%(n)s hour", "%(n)s hours", hours) % {"n": hours})
    if minutes and len(parts) < 2 and not days:
        parts.append(ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": minutes})
    return " ".join(parts)


def month_label(month: date) -> str:
    return date_format(month, "YEAR_MONTH_FORMAT")


# --- months -------------------------------------------------------------------------------


def month_of(moment: datetime | None = None) -> date:
    """The first day of the local month `moment` (default now) falls in."""
    return timezone.localdate(moment or timezone.now()).replace(day=1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def local_start(day: date) -> datetime:
    """Local midnight at the start of `day`, as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def _month_expr():
    return TruncMonth(
        "created_at", tzinfo=timezone.get_current_timezone(), output_field=DateField()
    )


# --- one group's figures ------------------------------------------------------------------


@dataclass
class Period:
    """The figures of one month, or of one compound or community in a month."""

    key: object  # the month (a date) or the group's id
    total: int = 0  # requests counted (not excluded, not merged)
    excluded: int = 0
    open: int = 0
    resolved: int = 0
    rejected: int = 0
    response_due: int = 0
    response_on_time: int = 0
    resolution_due: int = 0
    resolution_on_time: int = 0
    ever_resolved: int = 0
    reopened: int = 0
    rated: int = 0
    rated_good: int = 0
    rating_average: float | None = None
    valid_follow_ups: int = 0
    contacted_in_time: int = 0
    solved: int = 0
    satisfied: int = 0
    basic: int = 0
    median_response: timedelta | None = None
    median_resolution: timedelta | None = None
    basic_weight: Fraction = Fraction(9, 10)
    weights: dict[str, Fraction] = field(default_factory=dict)

    # ---- on time, ratings, reopening
    @property
    def on_time_response(self) -> Rate:
        return Rate(self.response_on_time, self.response_due)

    @property
    def on_time_resolution(self) -> Rate:
        return Rate(self.resolution_on_time, self.resolution_due)

    @property
    def rated_well(self) -> Rate:
        return Rate(self.rated_good, self.rated)

    @property
    def reopen_rate(self) -> Rate:
        return Rate(self.reopened, self.ever_resolved)

    @property
    def rating_average_text(self) -> str:
        if self.rating_average is None:
            return "—"
        return _one_decimal(Fraction(str(self.rating_average)))

    @property
    def median_response_text(self) -> str:
        return duration_words(self.median_response)

    @property
    def median_resolution_text(self) -> str:
        return duration_words(self.median_resolution)

    # ---- 接诉即办, over valid follow-ups
    @property
    def response_rate(self) -> Rate:
        return Rate(self.contacted_in_time, self.valid_follow_ups)

    @property
    def resolution_rate(self) -> Rate:
        return Rate(self.solved, self.valid_follow_ups)

    @property
    def satisfaction_value(self) -> Fraction | None:
        if not self.valid_follow_ups:
            return None
        return (self.satisfied + self.basic * self.basic_weight) / self.valid_follow_ups

    @property
    def satisfaction_rate_text(self) -> str:
        return percent_text(self.satisfaction_value)

    @property
    def satisfaction_percent(self) -> float | None:
        value = self.satisfaction_value
        return None if value is None else float(_one_decimal(value * 100))

    @property
    def score(self) -> Fraction | None:
        """The monthly score out of 100: the weighed mean of 响应率, 解决率 and 满意率."""
        if not self.valid_follow_ups:
            return None
        rates = {
            "response": self.response_rate.value,
            "resolution": self.resolution_rate.value,
            "satisfaction": self.satisfaction_value,
        }
        total = sum(self.weights.values())
        return sum(self.weights[k] * rates[k] for k in WEIGHT_KEYS) * 100 / total

    @property
    def score_text(self) -> str:
        return "—" if self.score is None else _one_decimal(self.score)

    @property
    def score_number(self) -> float | None:
        return None if self.score is None else float(_one_decimal(self.score))


def counted(tickets: QuerySet) -> QuerySet:
    """The requests figures are made of: merged duplicates never count (their original does)."""
    return tickets.filter(duplicate_of__isnull=True)


def _aggregates(now: datetime, *, follow_ups: bool = True) -> dict:
    """Every count of a Period. Without `follow_ups` the query does not join the follow-up calls
    (the public board shows none of their figures)."""
    ok = Q(excluded_reason="")
    done = Q(follow_ups__status=FollowUpStatus.DONE)
    late_open = Q(status__in=OPEN - {Status.PAUSED}, resolve_by__lt=now)

    def n(condition: Q | None = None) -> Count:
        return Count("pk", filter=ok & condition if condition is not None else ok)

    # A ticket has at most one rating and one follow-up, so the joins never repeat a ticket.
    counts = {
        "total": n(),
        "excluded": Count("pk", filter=~ok),
        "open": n(Q(status__in=OPEN)),
        "resolved": n(Q(resolved_at__isnull=False)),
        "rejected": n(Q(status=Status.REJECTED)),
        "response_due": n(Q(responded_at__isnull=False) | Q(respond_by__lt=now)),
        "response_on_time": n(Q(responded_at__lte=F("respond_by"))),
        "resolution_due": n(Q(resolved_at__isnull=False) | late_open),
        "resolution_on_time": n(Q(resolved_at__lte=F("resolve_by"))),
        "ever_resolved": n(Q(resolved_at__isnull=False) | Q(reopen_count__gt=0)),
        "reopened": n(Q(reopen_count__gt=0)),
        "rated": n(Q(rating__isnull=False)),
        "rated_good": n(Q(rating__overall__gte=4)),
        "rating_average": Avg("rating__overall", filter=ok),
    }
    if not follow_ups:
        return counts
    return {
        **counts,
        "valid_follow_ups": n(done),
        "contacted_in_time": n(done & Q(follow_ups__contacted_in_time=True)),
        "solved": n(done & Q(follow_ups__solved=True)),
        "satisfied": n(done & Q(follow_ups__satisfaction=Satisfaction.SATISFIED)),
        "basic": n(done & Q(follow_ups__satisfaction=Satisfaction.BASIC)),
    }


def _grouped(tickets: QuerySet, group, now: datetime, *, follow_ups: bool = True) -> dict:
    """{group key: {figure: count}} in one query."""
    aggregates = _aggregates(now, follow_ups=follow_ups)
    rows = tickets.annotate(g=group).values("g").annotate(**aggregates).order_by("g")
    return {row.pop("g"): row for row in rows}


def _medians(tickets: QuerySet, group, start: str, end: str) -> dict:
    """{group key: median of `end - start`} over the rows where `end` is set, in one query: each
    group's rows are numbered in order of the duration and only the middle one (odd count) or
    two (even count) come back."""
    duration = ExpressionWrapper(F(end) - F(start), output_field=DurationField())
    rows = (
        tickets.filter(**{f"{end}__isnull": False}, excluded_reason="")
        .annotate(g=group, d=duration)
        .annotate(
            position=Window(
                RowNumber(), partition_by=[F("g")], order_by=[F("d").asc(), F("pk").asc()]
            ),
            size=Window(Count("pk"), partition_by=[F("g")]),
        )
        .annotate(twice=ExpressionWrapper(F("position") * 2, output_field=IntegerField()))
        .filter(twice__gte=F("size"), twice__lte=F("size") + 2)
        .order_by()
        .values_list("g", "d")
    )
    middles: dict = defaultdict(list)
    for key, value in rows:
        middles[key].append(value)
    return {key: sum(values, timedelta()) / len(values) for key, values in middles.items()}


def _period(key, counts: dict | None, medians: tuple[dict, dict], basic, weights) -> Period:
    period = Period(key=key, basic_weight=basic, weights=weights, **(counts or {}))
    period.median_response = medians[0].get(key)
    period.median_resolution = medians[1].get(key)
    return period


# --- a place's figures over twelve months -------------------------------------------------


@dataclass
class CategorySeries:
    code: str
    name: str
    counts: list[int]

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass
class Figures:
    month: date  # the chosen month, the last of `months`
    months: list[Period]  # oldest first; `key` is the month
    categories: list[CategorySeries]  # the biggest categories, then "Other"
    excluded: list[Ticket]  # the chosen month's excluded requests, with their reasons
    basic_weight: Fraction
    weights: dict[str, Fraction]

    @property
    def current(self) -> Period:
        return self.months[-1]

    @property
    def previous(self) -> Period:
        return self.months[-2]

    @property
    def rows(self) -> list[tuple[str, Period]]:
        """(label, figures) of each month, newest first: the tables under the charts."""
        return [(month_label(p.key), p) for p in reversed(self.months)]

    @property
    def volume_rows(self) -> list[tuple[str, int, list[int]]]:
        """(month, total, count per category) newest first."""
        count = len(self.months)
        return [
            (
                month_label(self.months[i].key),
                self.months[i].total,
                [c.counts[i] for c in self.categories],
            )
            for i in reversed(range(count))
        ]

    def chart_data(self) -> dict:
        """What the chart script draws: one entry per chart, each a list of named series over
        the months. The tables on the page carry the same numbers in words."""
        months = self.months

        def series(name: str, values: list, **extra) -> dict:
            return {"name": name, "data": values, **extra}

        return {
            "months": [month_label(p.key) for p in months],
            "axis": [
                month_label(p.key) if i == 0 or p.key.month == 1 else date_format(p.key, "M")
                for i, p in enumerate(months)
            ],
            "volume": {
                "kind": "bar",
                "stack": True,
                "unit": "",
                "series": [
                    series(c.name, c.counts, **({"muted": True} if not c.code else {}))
                    for c in self.categories
                ],
            },
            "times": {
                "kind": "line",
                "unit": gettext("h"),
                "series": [
                    series(gettext("Time to respond"), [_hours(p.median_response) for p in months]),
                    series(
                        gettext("Time to resolve"), [_hours(p.median_resolution) for p in months]
                    ),
                ],
            },
            "on_time": {
                "kind": "line",
                "unit": "%",
                "max": 100,
                "series": [
                    series(
                        gettext("Responded on time"), [p.on_time_response.percent for p in months]
                    ),
                    series(
                        gettext("Resolved on time"),
                        [p.on_time_resolution.percent for p in months],
                    ),
                ],
            },
            "ratings": {
                "kind": "line",
                "unit": "%",
                "max": 100,
                "series": [
                    series(gettext("Rated 4 or 5 stars"), [p.rated_well.percent for p in months]),
                    series(gettext("Reopen rate"), [p.reopen_rate.percent for p in months]),
                ],
            },
            "follow_ups": {
                "kind": "line",
                "unit": "",
                "max": 100,
                "series": [
                    series(gettext("Response rate"), [p.response_rate.percent for p in months]),
                    series(gettext("Resolution rate"), [p.resolution_rate.percent for p in months]),
                    series(gettext("Satisfaction rate"), [p.satisfaction_percent for p in months]),
                    series(gettext("Monthly score"), [p.score_number for p in months], bold=True),
                ],
            },
        }


def _hours(value: timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds() / 3600, 1)


def place_figures(
    tickets: QuerySet,
    *,
    month: date,
    months: int = MONTHS,
    now: datetime | None = None,
    excluded_limit: int = 100,
) -> Figures:
    """The figures of `tickets` (a compound's, a community's …) for the `months` months ending
    with `month`. Five queries, however many requests there are."""
    now = now or timezone.now()
    first = add_months(month, -(months - 1))
    keys = [add_months(first, i) for i in range(months)]
    in_range = counted(tickets).filter(
        created_at__gte=local_start(first), created_at__lt=local_start(add_months(month, 1))
    )
    basic, weights = basic_satisfied_weight(), score_weights()
    counts = _grouped(in_range, _month_expr(), now)
    medians = (
        _medians(in_range, _month_expr(), "created_at", "responded_at"),
        _medians(in_range, _month_expr(), "created_at", "resolved_at"),
    )
    periods = [_period(k, counts.get(k), medians, basic, weights) for k in keys]
    categories = _category_series(in_range, keys)
    excluded = list(
        counted(tickets)
        .filter(
            created_at__gte=local_start(month), created_at__lt=local_start(add_months(month, 1))
        )
        .exclude(excluded_reason="")
        .select_related("category", "compound")
        .order_by("-created_at", "-id")[:excluded_limit]
    )
    return Figures(month, periods, categories, excluded, basic, weights)


def _category_series(tickets: QuerySet, keys: list[date]) -> list[CategorySeries]:
    """Volume per category per month (categories by code, so a community adds up its
    compounds' same categories), the biggest on their own and the rest as "Other"."""
    rows = (
        tickets.filter(excluded_reason="")
        .annotate(month=_month_expr())
        .values("month", "category__code")
        .annotate(n=Count("pk"), name=Min("category__name"))
        .order_by()
    )
    index = {k: i for i, k in enumerate(keys)}
    series: dict[str, CategorySeries] = {}
    for row in rows:
        code = row["category__code"]
        if code not in series:
            series[code] = CategorySeries(code, row["name"], [0] * len(keys))
        series[code].counts[index[row["month"]]] += row["n"]
    ordered = sorted(series.values(), key=lambda s: (-s.total, s.name))
    if len(ordered) <= TOP_CATEGORIES:
        return ordered
    top, rest = ordered[: TOP_CATEGORIES - 1], ordered[TOP_CATEGORIES - 1 :]
    other = CategorySeries(
        "", gettext("Other"), [sum(c) for c in zip(*(s.counts for s in rest), strict=True)]
    )
    return [*top, other]


# --- the public progress board ------------------------------------------------------------


def board_figures(tickets: QuerySet, now: datetime | None = None) -> tuple[Period, Period]:
    """This month's and last month's figures of the public board, in one query."""
    now = now or timezone.now()
    month = month_of(now)
    last = add_months(month, -1)
    in_range = counted(tickets).filter(
        created_at__gte=local_start(last), created_at__lt=local_start(add_months(month, 1))
    )
    counts = _grouped(in_range, _month_expr(), now, follow_ups=False)
    basic, weights = basic_satisfied_weight(), score_weights()
    empty: tuple[dict, dict] = ({}, {})
    return (
        _period(month, counts.get(month), empty, basic, weights),
        _period(last, counts.get(last), empty, basic, weights),
    )


# --- ranking ------------------------------------------------------------------------------


@dataclass
class Ranked:
    place: object  # a Compound or a Community
    figures: Period
    rank: int | None = None  # None: no valid follow-ups this month, so no score
    tied: bool = False


def ranking(
    tickets: QuerySet,
    places: list,
    *,
    group: str,
    month: date,
    now: datetime | None = None,
) -> list[Ranked]:
    """The month's figures of each place (`group` is the ticket field naming it: "compound_id"
    or "compound__community_id"), ranked by score; equal scores share a rank, places without a
    score come last. Three queries."""
    now = now or timezone.now()
    in_month = counted(tickets).filter(
        created_at__gte=local_start(month), created_at__lt=local_start(add_months(month, 1))
    )
    basic, weights = basic_satisfied_weight(), score_weights()
    key = F(group)
    counts = _grouped(in_month, key, now)
    medians = (
        _medians(in_month, key, "created_at", "responded_at"),
        _medians(in_month, key, "created_at", "resolved_at"),
    )
    rows = [
        Ranked(place, _period(place.pk, counts.get(place.pk), medians, basic, weights))
        for place in places
    ]
    rows.sort(key=lambda r: (r.figures.score is None, -(r.figures.score or 0), r.place.name))
    previous, rank = None, 0
    for position, row in enumerate(rows, start=1):
        score = row.figures.score
        if score is None:
            break
        if score != previous:
            rank, previous = position, score
        row.rank = rank
    ranks = [r.rank for r in rows if r.rank is not None]
    for row in rows:
        row.tied = row.rank is not None and ranks.count(row.rank) > 1
    return rows
