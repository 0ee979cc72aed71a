"""Writes of the topic list (议题清单 · 列清单、挑难点): raising a topic (a resident online, staff
for a resident or an organisation, or from requests that keep coming back), one household's
support, comments, moderation, difficulty and urgency, and the one table of status moves.

Every function runs in one transaction, checks who may do it, writes an audit event, and raises
a `ValidationError` with a translated message (naming the field) when the input is wrong — then
nothing has changed. The counters on `Topic` are kept here with `F()` updates.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from mulin.core import access, audit
from mulin.tickets.photos import clean_photos

from .models import (
    Level,
    Topic,
    TopicCategory,
    TopicChange,
    TopicComment,
    TopicPhoto,
    TopicSource,
    TopicStatus,
    TopicSupport,
)

TITLE_MAX = 120
DESCRIPTION_MAX = 4000
COMMENT_MAX = 2000
REASON_MAX = 200

# The one table of moves (from → allowed targets). A topic can go straight onto a roundtable's
# agenda from the list (open → discussion); declining always needs a published reason.
MOVES: dict[str, tuple[str, ...]] = {
    TopicStatus.OPEN: (TopicStatus.SELECTED, TopicStatus.DISCUSSION, TopicStatus.DECLINED),
    TopicStatus.SELECTED: (TopicStatus.DISCUSSION, TopicStatus.DECLINED, TopicStatus.OPEN),
    TopicStatus.DISCUSSION: (TopicStatus.RESOLVED, TopicStatus.DECLINED),
    TopicStatus.RESOLVED: (TopicStatus.DONE,),
    TopicStatus.DECLINED: (),
    TopicStatus.DONE: (),
}
# Households may support (and comment) while the topic is still being decided.
SUPPORTABLE = (TopicStatus.OPEN, TopicStatus.SELECTED, TopicStatus.DISCUSSION)

STAFF_SOURCES = (
    TopicSource.MEETING,
    TopicSource.SUGGESTION_BOX,
    TopicSource.WECHAT,
    TopicSource.VISIT,
    TopicSource.ORGANISATION,
)


def allowed_moves(topic: Topic) -> tuple[str, ...]:
    return MOVES.get(topic.status, ())


def homes_in(user, compound) -> list[int]:
    """The units of `compound` the user lives in or owns now (sorted, the first is the default
    household), as `access.own_unit_ids_in` keeps them for the request."""
    return access.own_unit_ids_in(user, compound)


def _require(user, perm: str, compound) -> None:
    if not access.can_in_compound(user, perm, compound):
        raise Http404


def _text(value: str, field: str, label: str, limit: int, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: _("Please fill in %(field)s.") % {"field": label}})
    if len(value) > limit:
        raise ValidationError(
            {
                field: _("%(field)s is too long: at most %(limit)s characters.")
                % {"field": label, "limit": limit}
            }
        )
    return value


# --------------------------------------------------------------------------- raising a topic


@transaction.atomic
def topic_raise(
    *,
    actor,
    compound,
    title: str,
    description: str,
    category: str,
    buildings=(),
    photos=(),
    source: str = TopicSource.ONLINE,
    raised_by=None,
    organisation=None,
    tickets=(),
) -> Topic:
    """Put a problem on the compound's list. Online: the actor must live in or own a home here.
    Any other source: staff who see the compound's deliberation type it in, for a resident
    (`raised_by`, audited as on_behalf_of) or an organisation."""
    if source not in TopicSource.values:
        raise ValidationError({"source": _("Choose where the topic was raised.")})
    if source == TopicSource.ONLINE:
        if not homes_in(actor, compound):
            raise Http404
        raised_by = actor.person
        organisation = None
    elif source == TopicSource.REQUESTS:
        _require(actor, access.DELIBERATION_MANAGE, compound)
    else:
        _require(actor, access.DELIBERATION_VIEW, compound)
    title = _text(title, "title", _("the title"), TITLE_MAX)
    description = _text(description, "description", _("what the problem is"), DESCRIPTION_MAX)
    if category not in TopicCategory.values:
        raise ValidationError({"category": _("Choose a category.")})
    buildings = list(buildings or [])
    if any(b.compound_id != compound.id for b in buildings):
        raise ValidationError({"buildings": _("Choose buildings of this compound.")})
    if raised_by is not None and raised_by.compound_id != compound.id:
        raise ValidationError({"raised_by": _("Choose a resident of this compound.")})
    if organisation is not None and organisation.compound_id not in (None, compound.id):
        raise ValidationError({"organisation": _("Choose an organisation of this compound.")})
    if source == TopicSource.ORGANISATION and organisation is None:
        raise ValidationError({"organisation": _("Choose the organisation that raised it.")})
    tickets = list(tickets or [])
    if any(t.compound_id != compound.id for t in tickets):
        raise ValidationError({"tickets": _("Choose requests of this compound.")})
    cleaned = clean_photos(list(photos or []))
    topic = Topic.objects.create(
        compound=compound,
        title=title,
        description=description,
        category=category,
        source=source,
        raised_by=raised_by,
        raised_by_organisation=organisation,
        submitted_by=actor,
    )
    if buildings:
        topic.buildings.set(buildings)
    if tickets:
        topic.tickets.set(tickets)
    for photo in cleaned:
        TopicPhoto.objects.create(
            topic=topic, image=photo.content, size_bytes=photo.size, uploaded_by=actor
        )
    audit.record(
        actor=actor,
        action="topic.create",
        target=topic,
        changes={
            "title": title,
            "category": category,
            "source": source,
            "buildings": [b.number for b in buildings],
            "photos": len(cleaned),
            "tickets": [t.pk for t in tickets],
            "organisation": organisation.pk if organisation else None,
        },
        on_behalf_of=raised_by if source != TopicSource.ONLINE else None,
        compound_id=compound.id,
    )
    return topic


def topic_promote(*, actor, compound, tickets, title: str, description: str, category: str):
    """每月一题: requests that keep coming back become one topic, linked to them."""
    if not tickets:
        raise ValidationError({"tickets": _("Choose at least one request.")})
    return topic_raise(
        actor=actor,
        compound=compound,
        title=title,
        description=description,
        category=category,
        source=TopicSource.REQUESTS,
        tickets=tickets,
        buildings=sorted({t.building for t in tickets if t.building_id}, key=lambda b: b.pk),
    )


# ------------------------------------------------------------------------------------- support


def _open_for_households(topic: Topic) -> None:
    if topic.hidden:
        raise Http404
    if topic.status not in SUPPORTABLE:
        raise ValidationError(
            {"topic": _("This topic has been decided; it no longer takes support.")}
        )


@transaction.atomic
def topic_support(*, actor, topic: Topic, unit=None, person=None) -> tuple[TopicSupport, bool]:
    """One household's support. A resident supports for their home here (the first one, or
    `unit`); staff record it for a resident offline (`unit` required, `recorded_by`). Returns
    the support and whether it is new — a second member of a home changes nothing."""
    topic = Topic.objects.select_for_update().get(pk=topic.pk)
    compound = topic.compound
    recorded_by = None
    homes = homes_in(actor, compound)
    if unit is not None and unit.pk in homes:
        person = actor.person
    elif unit is None and homes:
        unit_id = homes[0]
        person = actor.person
        from mulin.places.models import Unit

        unit = Unit.objects.get(pk=unit_id)
    else:
        _require(actor, access.DELIBERATION_VIEW, compound)
        if unit is None:
            raise ValidationError({"unit": _("Choose the home that supports the topic.")})
        if unit.compound_id != compound.id:
            raise ValidationError({"unit": _("Choose a home of this compound.")})
        recorded_by = actor
    _open_for_households(topic)
    existing = TopicSupport.objects.filter(topic=topic, unit=unit).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            support = TopicSupport.objects.create(
                topic=topic,
                unit=unit,
                person=person,
                user=actor if recorded_by is None else None,
                recorded_by=recorded_by,
            )
    except IntegrityError:  # the same home at the same instant
        return TopicSupport.objects.get(topic=topic, unit=unit), False
    Topic.objects.filter(pk=topic.pk).update(support_count=F("support_count") + 1)
    audit.record(
        actor=actor,
        action="topic.support",
        target=topic,
        changes={"unit": unit.pk, "recorded": recorded_by is not None},
        on_behalf_of=person if recorded_by is not None else None,
        compound_id=compound.id,
    )
    return support, True


@transaction.atomic
def topic_unsupport(*, actor, topic: Topic, unit=None) -> bool:
    """Withdraw a household's support (a resident: their homes' here; staff: `unit`)."""
    topic = Topic.objects.select_for_update().get(pk=topic.pk)
    homes = homes_in(actor, topic.compound)
    if unit is not None and unit.pk not in homes:
        _require(actor, access.DELIBERATION_VIEW, topic.compound)
        units = [unit.pk]
    elif unit is not None:
        units = [unit.pk]
    else:
        if not homes:
            raise Http404
        units = homes
    _open_for_households(topic)
    deleted, _rows = TopicSupport.objects.filter(topic=topic, unit_id__in=units).delete()
    if not deleted:
        return False
    Topic.objects.filter(pk=topic.pk).update(support_count=F("support_count") - deleted)
    audit.record(
        actor=actor,
        action="topic.unsupport",
        target=topic,
        changes={"units": units},
        compound_id=topic.compound_id,
    )
    return True


# ------------------------------------------------------------------------------------ comments


def may_take_part(user, compound) -> bool:
    """Residents of the compound and its deliberation staff may support and comment."""
    return bool(homes_in(user, compound)) or access.can_in_compound(
        user, access.DELIBERATION_VIEW, compound
    )


@transaction.atomic
def topic_comment(*, actor, topic: Topic, body: str, on_behalf_of=None) -> TopicComment:
    if not may_take_part(actor, topic.compound):
        raise Http404
    if topic.hidden:
        raise Http404
    if on_behalf_of is not None:
        _require(actor, access.DELIBERATION_VIEW, topic.compound)
        if on_behalf_of.compound_id != topic.compound_id:
            raise ValidationError({"on_behalf_of": _("Choose a resident of this compound.")})
    body = _text(body, "body", _("the comment"), COMMENT_MAX)
    comment = TopicComment.objects.create(
        topic=topic, author=actor, body=body, on_behalf_of=on_behalf_of
    )
    Topic.objects.filter(pk=topic.pk).update(comment_count=F("comment_count") + 1)
    audit.record(
        actor=actor,
        action="topic.comment",
        target=topic,
        changes={"comment": comment.pk},
        on_behalf_of=on_behalf_of,
        compound_id=topic.compound_id,
    )
    return comment


# ---------------------------------------------------------------------------------- moderation


def _hide_fields(obj, actor, reason: str) -> None:
    obj.hidden = True
    obj.hidden_reason = reason
    obj.hidden_by = actor
    obj.hidden_at = timezone.now()


@transaction.atomic
def topic_hide(*, actor, topic: Topic, reason: str) -> Topic:
    _require(actor, access.DELIBERATION_MANAGE, topic.compound)
    reason = _text(reason, "reason", _("the reason"), REASON_MAX)
    if topic.hidden:
        raise ValidationError({"topic": _("This topic is hidden already.")})
    _hide_fields(topic, actor, reason)
    topic.save(update_fields=["hidden", "hidden_reason", "hidden_by", "hidden_at", "updated_at"])
    audit.record(
        actor=actor,
        action="topic.hide",
        target=topic,
        changes={"reason": reason},
        compound_id=topic.compound_id,
    )
    return topic


@transaction.atomic
def topic_unhide(*, actor, topic: Topic) -> Topic:
    _require(actor, access.DELIBERATION_MANAGE, topic.compound)
    if not topic.hidden:
        raise ValidationError({"topic": _("This topic is not hidden.")})
    reason = topic.hidden_reason
    topic.hidden, topic.hidden_reason, topic.hidden_by, topic.hidden_at = False, "", None, None
    topic.save(update_fields=["hidden", "hidden_reason", "hidden_by", "hidden_at", "updated_at"])
    audit.record(
        actor=actor,
        action="topic.unhide",
        target=topic,
        changes={"was": reason},
        compound_id=topic.compound_id,
    )
    return topic


@transaction.atomic
def comment_hide(*, actor, comment: TopicComment, reason: str) -> TopicComment:
    topic = comment.topic
    _require(actor, access.DELIBERATION_MANAGE, topic.compound)
    reason = _text(reason, "reason", _("the reason"), REASON_MAX)
    if comment.hidden:
        raise ValidationError({"comment": _("This comment is hidden already.")})
    _hide_fields(comment, actor, reason)
    comment.save(update_fields=["hidden", "hidden_reason", "hidden_by", "hidden_at"])
    Topic.objects.filter(pk=topic.pk).update(comment_count=F("comment_count") - 1)
    audit.record(
        actor=actor,
        action="topic.comment_hide",
        target=topic,
        changes={"comment": comment.pk, "reason": reason},
        compound_id=topic.compound_id,
    )
    return comment


@transaction.atomic
def comment_unhide(*, actor, comment: TopicComment) -> TopicComment:
    topic = comment.topic
    _require(actor, access.DELIBERATION_MANAGE, topic.compound)
    if not comment.hidden:
        raise ValidationError({"comment": _("This comment is not hidden.")})
    reason = comment.hidden_reason
    comment.hidden, comment.hidden_reason, comment.hidden_by, comment.hidden_at = (
        False,
        "",
        None,
        None,
    )
    comment.save(update_fields=["hidden", "hidden_reason", "hidden_by", "hidden_at"])
    Topic.objects.filter(pk=topic.pk).update(comment_count=F("comment_count") + 1)
    audit.record(
        actor=actor,
        action="topic.comment_unhide",
        target=topic,
        changes={"comment": comment.pk, "was": reason},
        compound_id=topic.compound_id,
    )
    return comment


# --------------------------------------------------------------- difficulty, urgency, status


def _level(value, field: str):
    if value in (None, ""):
        return None
    try:
        value = int(value)
    except (TypeError, ValueError):
        value = 0
    if value not in Level.values:
        raise ValidationError({field: _("Choose low, medium or high.")})
    return value


@transaction.atomic
def topic_assess(*, actor, topic: Topic, difficulty=None, urgency=None) -> Topic:
    """Staff mark how hard (挑难点) and how urgent a topic is; empty clears the mark."""
    _require(actor, access.DELIBERATION_MANAGE, topic.compound)
    difficulty = _level(difficulty, "difficulty")
    urgency = _level(urgency, "urgency")
    before = {"difficulty": topic.difficulty, "urgency": topic.urgency}
    topic.difficulty, topic.urgency = difficulty, urgency
    topic.save(update_fields=["difficulty", "urgency", "updated_at"])
    audit.record(
        actor=actor,
        action="topic.assess",
        target=topic,
        changes={"before": before, "difficulty": difficulty, "urgency": urgency},
        compound_id=topic.compound_id,
    )
    return topic


@transaction.atomic
def topic_move(*, actor, topic: Topic, to: str, reason: str = "") -> Topic:
    """Move a topic along `MOVES`, writing its public timeline (`TopicChange`) and an audit
    event. Declining needs a reason, which is published with the topic."""
    _require(actor, access.DELIBERATION_MANAGE, topic.compound)
    topic = Topic.objects.select_for_update().get(pk=topic.pk)
    if to not in allowed_moves(topic):
        labels = dict(TopicStatus.choices)
        raise ValidationError(
            {
                "to": _("A topic that is “%(from)s” cannot become “%(to)s”.")
                % {"from": labels.get(topic.status, topic.status), "to": labels.get(to, to)}
            }
        )
    reason = (reason or "").strip()
    if to == TopicStatus.DECLINED and not reason:
        raise ValidationError(
            {"reason": _("Give the reason for declining: residents will read it.")}
        )
    if len(reason) > DESCRIPTION_MAX:
        raise ValidationError({"reason": _("The reason is too long.")})
    now = timezone.now()
    before = topic.status
    TopicChange.objects.create(
        topic=topic, from_status=before, to_status=to, reason=reason, actor=actor, at=now
    )
    topic.status = to
    topic.status_changed_at = now
    if to == TopicStatus.DECLINED or reason:
        topic.status_reason = reason
    topic.save(update_fields=["status", "status_changed_at", "status_reason", "updated_at"])
    audit.record(
        actor=actor,
        action="topic.move",
        target=topic,
        changes={"from": before, "to": to, "reason": reason},
        compound_id=topic.compound_id,
    )
    return topic
