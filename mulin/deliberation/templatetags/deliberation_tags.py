"""Template tags of deliberation for other pages: the resident home's card of notices and of
what the compound is working on."""

from __future__ import annotations

from django import template

from mulin.core import access
from mulin.places.models import Unit

from ..models import Project, ProjectStatus, Topic, TopicStatus
from ..selectors_civic import announcements_for_homes, read_ids

register = template.Library()

SHOWN = 4


@register.inclusion_tag("deliberation/home/card.html")
def home_notices_card(user) -> dict:
    """The newest notices that reach the resident's homes (unread ones marked), and the
    compound's topics under discussion and projects under way: four queries, none for someone
    without a home."""
    ids = access.own_unit_ids(user) if getattr(user, "is_authenticated", False) else set()
    if not ids:
        return {"announcements": [], "compound": None}
    units = list(Unit.objects.filter(id__in=ids).select_related("compound").order_by("id"))
    compound = units[0].compound
    notices = list(announcements_for_homes(units)[:SHOWN])
    unread = {a.pk for a in notices} - read_ids(user, notices)
    topics = Topic.objects.filter(
        compound=compound, hidden=False, status__in=[TopicStatus.SELECTED, TopicStatus.DISCUSSION]
    ).count()
    projects = Project.objects.filter(
        compound=compound, public=True, status=ProjectStatus.IN_PROGRESS
    ).count()
    return {
        "announcements": notices,
        "unread": unread,
        "compound": compound,
        "topics_in_discussion": topics,
        "projects_under_way": projects,
    }


@register.inclusion_tag("deliberation/home/evaluation_summary.html")
def evaluation_summary(compound) -> dict:
    """The latest evaluation's results (评价) for the compound's figures: three queries."""
    from ..selectors_civic import evaluation_figures

    return {"compound": compound, "figures": evaluation_figures(compound)}
