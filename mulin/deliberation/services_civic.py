"""Writes of the civic part (定规矩 · 微阵地 · 公告 · 夸夸墙 · 先锋党员 · 评价). Each runs in one
transaction, checks who may do it (a refusal is a 404, like a missing object), validates its
input (a ValidationError naming the field, nothing written) and writes an audit event."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from mulin.core import audit
from mulin.orgs.models import Organisation

from . import selectors_civic as sel
from .models import (
    Announcement,
    AnnouncementRead,
    BoardEntry,
    Evaluation,
    EvaluationRating,
    PioneerNomination,
    PioneerSupport,
    Praise,
    PraiseStatus,
    Rule,
    RuleKind,
    RuleVersion,
)

BOARD_FIELDS = [
    "responsible",
    "responsible_phone",
    "commitments",
    "results",
    "area",
    "featured_service",
]


def _manage(actor, compound) -> None:
    if not sel.is_manager(actor, compound):
        raise Http404


def _required(errors: dict, name: str, value) -> None:
    if value is None or (isinstance(value, str) and not value.strip()):
        errors[name] = _("This field is required.")


def _max(errors: dict, name: str, value: str, limit: int) -> None:
    if value and len(value) > limit:
        errors[name] = _("At most %(limit)s characters.") % {"limit": limit}


# ---------------------------------------------------------------- rules


def rule_adopt(
    *,
    actor,
    compound,
    kind,
    title,
    text,
    effective_on,
    adopted_on,
    resolution=None,
    motion=None,
    rule=None,
    summary="",
) -> RuleVersion:
    """Adopt a rule's wording: a new rule (`rule=None`) or its next version. The version is
    adopted by a resolution of a meeting or a motion of the owners' vote (either may be given)
    and is in force from `effective_on` until the next version's date."""
    _manage(actor, compound)
    title, text, summary = (title or "").strip(), (text or "").strip(), (summary or "").strip()
    errors: dict[str, str] = {}
    if rule is None:
        if kind not in RuleKind.values:
            errors["kind"] = _("Choose a kind of rule.")
        _required(errors, "title", title)
        _max(errors, "title", title, 120)
    elif rule.compound_id != compound.pk:
        raise Http404
    _required(errors, "text", text)
    _max(errors, "summary", summary, 200)
    if not isinstance(effective_on, date):
        errors["effective_on"] = _("Enter the date the rule takes effect.")
    if not isinstance(adopted_on, date):
        errors["adopted_on"] = _("Enter the date the rule was adopted.")
    if (
        isinstance(effective_on, date)
        and isinstance(adopted_on, date)
        and effective_on < adopted_on
    ):
        errors["effective_on"] = _("A rule cannot take effect before it was adopted.")
    if resolution is not None and resolution.compound_id != compound.pk:
        errors["resolution"] = _("The resolution belongs to another compound.")
    if motion is not None and motion.vote.compound_id != compound.pk:
        errors["motion"] = _("The motion belongs to another compound.")
    if rule is not None and rule.repealed_on:
        errors["__all__"] = _("This rule was repealed; adopt a new one instead.")
    if rule is not None and not errors:
        last = rule.versions.order_by("-number").first()
        if last and effective_on <= last.effective_on:
            errors["effective_on"] = _(
                "A new version must take effect after the current one (%(day)s)."
            ) % {"day": last.effective_on.isoformat()}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        created = rule is None
        if created:
            rule = Rule.objects.create(compound=compound, kind=kind, title=title)
        else:
            rule = Rule.objects.select_for_update().get(pk=rule.pk)
        number = (
            rule.versions.order_by("-number").values_list("number", flat=True).first() or 0
        ) + 1
        version = RuleVersion.objects.create(
            rule=rule,
            number=number,
            text=text,
            summary=summary,
            effective_on=effective_on,
            adopted_on=adopted_on,
            resolution=resolution,
            motion=motion,
            created_by=actor,
        )
        audit.record(
            actor=actor,
            action="rule.adopt" if created else "rule.amend",
            target=rule,
            changes={
                "version": number,
                "effective_on": effective_on,
                "adopted_on": adopted_on,
                "resolution": resolution.pk if resolution else None,
                "motion": motion.pk if motion else None,
                "summary": summary,
            },
        )
    return version


def rule_repeal(*, actor, rule: Rule, repealed_on: date) -> Rule:
    _manage(actor, rule.compound)
    if not isinstance(repealed_on, date):
        raise ValidationError({"repealed_on": _("Enter the date the rule is repealed.")})
    if rule.repealed_on:
        raise ValidationError({"repealed_on": _("This rule was already repealed.")})
    with transaction.atomic():
        rule.repealed_on = repealed_on
        rule.save(update_fields=["repealed_on", "updated_at"])
        audit.record(
            actor=actor, action="rule.repeal", target=rule, changes={"repealed_on": repealed_on}
        )
    return rule


# ---------------------------------------------------------------- notice boards


def board_save(*, actor, organisation: Organisation, **values) -> BoardEntry:
    """Create or update the organisation's notice board: its members and deliberation managers
    only; every change is audited with what changed."""
    if not sel.may_edit_board(actor, organisation):
        raise Http404
    clean = {name: (values.get(name) or "").strip() for name in BOARD_FIELDS}
    errors: dict[str, str] = {}
    _required(errors, "responsible", clean["responsible"])
    _required(errors, "commitments", clean["commitments"])
    for name, limit in (
        ("responsible", 60),
        ("responsible_phone", 30),
        ("area", 200),
        ("featured_service", 200),
    ):
        _max(errors, name, clean[name], limit)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        board = BoardEntry.objects.select_for_update().filter(organisation=organisation).first()
        before = audit.snapshot(board, BOARD_FIELDS) if board else {}
        if board is None:
            board = BoardEntry(organisation=organisation)
        for name, value in clean.items():
            setattr(board, name, value)
        board.updated_by = actor
        board.save()
        after = audit.snapshot(board, BOARD_FIELDS)
        changes = audit.diff(before, after) if before else after
        audit.record(
            actor=actor,
            action="board.update" if before else "board.create",
            target=board,
            changes=changes,
            compound_id=organisation.compound_id,
        )
    return board


# ---------------------------------------------------------------- announcements


def announcement_publish(
    *,
    actor,
    compound,
    scope: str,
    title: str,
    body: str,
    building=None,
    publisher=None,
    expires_on=None,
    pinned: bool = False,
    now=None,
) -> Announcement:
    """Publish a notice to the compound's community (`scope="community"`), the compound, or one
    of its buildings; optionally in an organisation's name."""
    _manage(actor, compound)
    title, body = (title or "").strip(), (body or "").strip()
    now = now or timezone.now()
    errors: dict[str, str] = {}
    _required(errors, "title", title)
    _max(errors, "title", title, 120)
    _required(errors, "body", body)
    if scope not in ("community", "compound", "building"):
        errors["scope"] = _("Choose who the notice is for.")
    if scope == "building" and (building is None or building.compound_id != compound.pk):
        errors["building"] = _("Choose a building of this compound.")
    if publisher is not None and publisher.community_id != compound.community_id:
        errors["publisher"] = _("Choose an organisation of this community.")
    if expires_on is not None and expires_on < timezone.localtime(now).date():
        errors["expires_on"] = _("The date it is shown until cannot be in the past.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        announcement = Announcement.objects.create(
            community_id=compound.community_id,
            compound=None if scope == "community" else compound,
            building=building if scope == "building" else None,
            title=title,
            body=body,
            publisher=publisher,
            published_at=now,
            expires_on=expires_on,
            pinned=bool(pinned),
            author=actor,
        )
        audit.record(
            actor=actor,
            action="announcement.publish",
            target=announcement,
            changes={"scope": scope, "title": title, "pinned": bool(pinned)},
            compound_id=compound.pk,
        )
    return announcement


def announcement_read(*, user, announcement: Announcement) -> bool:
    """Record that `user` opened the notice (once per user). True when it is the first time."""
    if not getattr(user, "is_authenticated", False):
        return False
    if AnnouncementRead.objects.filter(announcement=announcement, user=user).exists():
        return False
    try:
        with transaction.atomic():
            AnnouncementRead.objects.create(announcement=announcement, user=user)
    except IntegrityError:  # a second tab at the same moment
        return False
    return True


# ---------------------------------------------------------------- praise


def praise_submit(*, actor, compound, to_name: str, body: str, to_organisation=None) -> Praise:
    """A resident thanks someone; it waits for moderation before it shows."""
    if not sel.is_resident(actor, compound):
        raise Http404
    to_name, body = (to_name or "").strip(), (body or "").strip()
    errors: dict[str, str] = {}
    _required(errors, "to_name", to_name)
    _max(errors, "to_name", to_name, 60)
    _required(errors, "body", body)
    _max(errors, "body", body, 1000)
    if to_organisation is not None and to_organisation.compound_id != compound.pk:
        errors["to_organisation"] = _("Choose an organisation of this compound.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        praise = Praise.objects.create(
            compound=compound,
            author=actor,
            to_name=to_name,
            to_organisation=to_organisation,
            body=body,
        )
        audit.record(actor=actor, action="praise.submit", target=praise, changes={"to": to_name})
    return praise


def praise_moderate(*, actor, praise: Praise, show: bool, reason: str = "") -> Praise:
    """Show a thank-you on the wall, or hide it with a reason (audited either way)."""
    _manage(actor, praise.compound)
    reason = (reason or "").strip()
    if not show and not reason:
        raise ValidationError({"reason": _("Say why it is hidden.")})
    if len(reason) > 200:
        raise ValidationError({"reason": _("At most %(limit)s characters.") % {"limit": 200}})
    with transaction.atomic():
        before = praise.status
        praise.status = PraiseStatus.SHOWN if show else PraiseStatus.HIDDEN
        praise.moderation_reason = "" if show else reason
        praise.moderated_by = actor
        praise.moderated_at = timezone.now()
        praise.save(
            update_fields=[
                "status",
                "moderation_reason",
                "moderated_by",
                "moderated_at",
                "updated_at",
            ]
        )
        audit.record(
            actor=actor,
            action="praise.show" if show else "praise.hide",
            target=praise,
            changes={"status": [before, praise.status], "reason": reason},
        )
    return praise


# ---------------------------------------------------------------- pioneers


def pioneer_nominate(*, actor, compound, year: int, person, story: str) -> PioneerNomination:
    """The party organisation nominates a party member for the year, with their story."""
    _manage(actor, compound)
    story = (story or "").strip()
    errors: dict[str, str] = {}
    if not isinstance(year, int) or not 2000 <= year <= timezone.localdate().year + 1:
        errors["year"] = _("Enter a year between 2000 and next year.")
    if person is None or not sel.party_members_of(compound).filter(pk=person.pk).exists():
        errors["person"] = _("Choose a party member of this compound.")
    _required(errors, "story", story)
    if (
        not errors
        and PioneerNomination.objects.filter(compound=compound, year=year, person=person).exists()
    ):
        errors["person"] = _("This party member is already nominated for that year.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        nomination = PioneerNomination.objects.create(
            compound=compound, year=year, person=person, story=story, nominated_by=actor
        )
        audit.record(
            actor=actor,
            action="pioneer.nominate",
            target=nomination,
            changes={"year": year, "person": person.pk},
            subject_person=person,
        )
    return nomination


def pioneer_support(*, actor, nomination: PioneerNomination, unit=None) -> PioneerSupport:
    """A household supports a nomination, once."""
    units = sel.home_units(actor, nomination.compound)
    if not units:
        raise Http404
    if unit is None:
        unit = units[0]
    elif unit.pk not in {u.pk for u in units}:
        raise Http404
    if nomination.chosen_at is not None:
        raise ValidationError(_("The party organisation has already chosen this pioneer."))
    if nomination.year < timezone.localdate().year:
        raise ValidationError(_("Support for that year's nominations is closed."))
    with transaction.atomic():
        if PioneerSupport.objects.filter(nomination=nomination, unit=unit).exists():
            raise ValidationError(_("Your household already supports this nomination."))
        try:
            with transaction.atomic():
                support = PioneerSupport.objects.create(
                    nomination=nomination, unit=unit, user=actor
                )
        except IntegrityError as exc:
            raise ValidationError(_("Your household already supports this nomination.")) from exc
        PioneerNomination.objects.filter(pk=nomination.pk).update(
            support_count=F("support_count") + 1
        )
        audit.record(
            actor=actor,
            action="pioneer.support",
            target=nomination,
            changes={"unit": unit.pk},
        )
    nomination.refresh_from_db(fields=["support_count"])
    return support


def pioneer_choose(*, actor, nomination: PioneerNomination, now=None) -> PioneerNomination:
    _manage(actor, nomination.compound)
    if nomination.chosen_at is not None:
        raise ValidationError(_("This pioneer was already chosen."))
    with transaction.atomic():
        nomination.chosen_at = now or timezone.now()
        nomination.save(update_fields=["chosen_at", "updated_at"])
        audit.record(
            actor=actor,
            action="pioneer.choose",
            target=nomination,
            changes={"year": nomination.year, "supports": nomination.support_count},
            subject_person=nomination.person,
        )
    return nomination


# ---------------------------------------------------------------- evaluations


def evaluation_open(
    *, actor, compound, title: str, opens_on, closes_on, organisations
) -> Evaluation:
    """Open a period in which residents rate the compound's party organisation and property."""
    _manage(actor, compound)
    title = (title or "").strip()
    organisations = list(organisations or [])
    errors: dict[str, str] = {}
    _required(errors, "title", title)
    _max(errors, "title", title, 120)
    if not isinstance(opens_on, date):
        errors["opens_on"] = _("Enter the first day of the evaluation.")
    if not isinstance(closes_on, date):
        errors["closes_on"] = _("Enter the last day of the evaluation.")
    if isinstance(opens_on, date) and isinstance(closes_on, date) and closes_on < opens_on:
        errors["closes_on"] = _("The evaluation cannot close before it opens.")
    allowed = set(sel.rated_organisations(compound).values_list("pk", flat=True))
    if not organisations:
        errors["organisations"] = _("Choose at least one organisation to rate.")
    elif any(o.pk not in allowed for o in organisations):
        errors["organisations"] = _(
            "Only the compound's party organisations and property services can be rated."
        )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        evaluation = Evaluation.objects.create(
            compound=compound,
            title=title,
            opens_on=opens_on,
            closes_on=closes_on,
            created_by=actor,
        )
        evaluation.organisations.set(organisations)
        audit.record(
            actor=actor,
            action="evaluation.open",
            target=evaluation,
            changes={
                "opens_on": opens_on,
                "closes_on": closes_on,
                "organisations": [o.pk for o in organisations],
            },
        )
    return evaluation


def evaluation_rate(
    *, actor, evaluation: Evaluation, organisation, score, comment: str = "", unit=None, today=None
) -> EvaluationRating:
    """A household rates one organisation 1–5, once per evaluation."""
    units = sel.home_units(actor, evaluation.compound)
    if not units:
        raise Http404
    if unit is None:
        unit = units[0]
    elif unit.pk not in {u.pk for u in units}:
        raise Http404
    today = today or timezone.localdate()
    comment = (comment or "").strip()
    errors: dict[str, str] = {}
    if organisation is None or not evaluation.organisations.filter(pk=organisation.pk).exists():
        errors["organisation"] = _("Choose one of the organisations being rated.")
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        errors["score"] = _("Give a rating from 1 to 5.")
    _max(errors, "comment", comment, 200)
    if not evaluation.opens_on <= today <= evaluation.closes_on:
        errors["__all__"] = _("This evaluation is not open.")
    if (
        not errors
        and EvaluationRating.objects.filter(
            evaluation=evaluation, organisation=organisation, unit=unit
        ).exists()
    ):
        errors["__all__"] = _("Your household has already rated this organisation.")
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            rating = EvaluationRating.objects.create(
                evaluation=evaluation,
                organisation=organisation,
                unit=unit,
                user=actor,
                score=score,
                comment=comment,
            )
            audit.record(
                actor=actor,
                action="evaluation.rate",
                target=evaluation,
                changes={"organisation": organisation.pk, "unit": unit.pk},
            )
    except IntegrityError as exc:
        raise ValidationError(
            {"__all__": _("Your household has already rated this organisation.")}
        ) from exc
    return rating


__all__ = [
    "announcement_publish",
    "announcement_read",
    "board_save",
    "evaluation_open",
    "evaluation_rate",
    "pioneer_choose",
    "pioneer_nominate",
    "pioneer_support",
    "praise_moderate",
    "praise_submit",
    "rule_adopt",
    "rule_repeal",
]
