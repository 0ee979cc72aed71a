"""Reads of the topic list: the public board (never a name, phone or unit), the staff list with
hidden items, a topic's page, a resident's own topics, and recurring requests (每月一题).

Each list is a fixed number of queries whatever its length: buildings, photos and the
household's own supports come in one grouped query each."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from mulin.places.models import Building

from .models import Topic, TopicChange, TopicComment, TopicPhoto, TopicStatus, TopicSupport

SORTS = {
    "support": ("-support_count", "-created_at", "-id"),
    "hardest": ("-difficulty", "-urgency", "-support_count", "-id"),
    "newest": ("-created_at", "-id"),
}
DEFAULT_SORT = "support"


def _buildings():
    return Prefetch("buildings", queryset=Building.objects.order_by("sort_key", "number"))


def topics_of(compound, *, staff: bool = False):
    rows = Topic.objects.filter(compound=compound)
    if not staff:
        rows = rows.filter(hidden=False)
    return rows


def board(compound, *, status: str = "", sort: str = DEFAULT_SORT, staff: bool = False):
    """The compound's topics for the board (public: hidden ones left out), sorted and filtered;
    a declined topic keeps its reason."""
    rows = topics_of(compound, staff=staff)
    if status in TopicStatus.values:
        rows = rows.filter(status=status)
    order = SORTS.get(sort, SORTS[DEFAULT_SORT])
    if sort == "hardest":
        from django.db.models import F

        rows = rows.order_by(
            F("difficulty").desc(nulls_last=True),
            F("urgency").desc(nulls_last=True),
            "-support_count",
            "-id",
        )
    else:
        rows = rows.order_by(*order)
    return rows.prefetch_related(_buildings())


def status_counts(compound, *, staff: bool = False) -> dict[str, int]:
    """How many topics in each status, and `all` — one query."""
    counts = dict(
        topics_of(compound, staff=staff)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    counts["all"] = sum(counts.values())
    return counts


def staff_list(compound, *, status: str = "", sort: str = "newest", hidden: str = "", q: str = ""):
    rows = board(compound, status=status, sort=sort, staff=True).select_related(
        "raised_by", "raised_by_organisation", "hidden_by"
    )
    if hidden == "yes":
        rows = rows.filter(hidden=True)
    elif hidden == "no":
        rows = rows.filter(hidden=False)
    q = (q or "").strip()[:60]
    if q:
        rows = rows.filter(Q(title__icontains=q) | Q(description__icontains=q))
    return rows


def supported_topic_ids(units, topic_ids) -> set[int]:
    """Which of `topic_ids` the household(s) `units` support — one query."""
    if not units or not topic_ids:
        return set()
    return set(
        TopicSupport.objects.filter(unit_id__in=units, topic_id__in=topic_ids).values_list(
            "topic_id", flat=True
        )
    )


def topic_page(compound, pk: int, *, staff: bool = False) -> Topic | None:
    """One topic with its buildings, photos, comments (staff: hidden ones too) and timeline."""
    comments = TopicComment.objects.select_related("author__person", "on_behalf_of")
    if not staff:
        comments = comments.filter(hidden=False)
    return (
        topics_of(compound, staff=staff)
        .filter(pk=pk)
        .select_related("compound", "raised_by", "raised_by_organisation", "hidden_by")
        .prefetch_related(
            _buildings(),
            Prefetch("photos", queryset=TopicPhoto.objects.order_by("created_at", "id")),
            Prefetch("comments", queryset=comments.order_by("created_at", "id")),
            Prefetch("changes", queryset=TopicChange.objects.order_by("at", "id")),
            "tickets",
        )
        .first()
    )


def my_topics(user, units):
    """Topics the user raised, and those their households support, newest first."""
    q = Q(submitted_by=user)
    if user.person_id:
        q |= Q(raised_by_id=user.person_id)
    if units:
        q |= Q(supports__unit_id__in=units)
    return (
        Topic.objects.filter(q, hidden=False)
        .distinct()
        .select_related("compound")
        .order_by("-created_at", "-id")
    )


def recurring_requests(compound, days: int, limit: int = 10):
    """The compound's most frequent request categories over the last `days` days (DESIGN §9
    每月一题): one row per category with how many requests and how many are already linked to a
    topic."""
    from mulin.tickets.models import Ticket

    since = timezone.now() - timedelta(days=days)
    return list(
        Ticket.objects.filter(compound=compound, created_at__gte=since)
        .order_by()
        .values("category_id", "category__name")
        .annotate(
            n=Count("id", distinct=True),
            linked=Count("id", filter=Q(topics__isnull=False), distinct=True),
        )
        .order_by("-n", "category__name")[:limit]
    )


def requests_in(compound, category_id: int, days: int, limit: int = 50):
    from mulin.tickets.models import Ticket

    since = timezone.now() - timedelta(days=days)
    return list(
        Ticket.objects.filter(compound=compound, category_id=category_id, created_at__gte=since)
        .select_related("category", "building")
        .order_by("-created_at", "-id")[:limit]
    )
