"""Reads of the civic part: rules in force and their versions, notice boards, announcements that
reach a home, the praise wall, pioneers and evaluation figures. Every list runs a fixed number
of queries however many rows it shows."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mulin.core import access
from mulin.orgs.models import PARTY_KINDS, PROPERTY_KINDS, Membership, Organisation
from mulin.places.models import Unit

from .models import (
    Announcement,
    AnnouncementRead,
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

# ---------------------------------------------------------------- who is who


def home_units(user, compound) -> list[Unit]:
    """The homes `user` lives in or owns in `compound`, lowest id first."""
    ids = access.own_unit_ids(user)
    if not ids:
        return []
    return list(
        Unit.objects.filter(id__in=ids, compound=compound)
        .select_related("building", "compound")
        .order_by("id")
    )


def is_resident(user, compound) -> bool:
    return bool(access.own_unit_ids_in(user, compound))


def is_staff_viewer(user, compound) -> bool:
    return access.scope_for(user, access.DELIBERATION_VIEW).covers_compound(compound.id)


def is_manager(user, compound) -> bool:
    return access.scope_for(user, access.DELIBERATION_MANAGE).covers_compound(compound.id)


def may_see(user, compound) -> bool:
    """Residents of the compound and its staff: the API and residents' pages."""
    return is_staff_viewer(user, compound) or is_resident(user, compound)


def member_org_ids(user) -> set[int]:
    """Organisations where the user's registry record holds a current seat."""
    if not getattr(user, "is_authenticated", False) or not user.person_id:
        return set()
    cached = getattr(user, "_civic_member_orgs", None)
    if cached is None:
        cached = set(
            Membership.objects.current()
            .filter(person_id=user.person_id)
            .values_list("organisation_id", flat=True)
        )
        user._civic_member_orgs = cached
    return cached


def may_edit_board(user, organisation: Organisation) -> bool:
    """Members of the organisation (a current seat) and staff who manage deliberation there."""
    if not getattr(user, "is_authenticated", False):
        return False
    scope = access.scope_for(user, access.DELIBERATION_MANAGE)
    if scope.everything:
        return True
    if organisation.compound_id and organisation.compound_id in scope.compound_ids:
        return True
    if organisation.compound_id is None and organisation.community_id in scope.community_ids:
        return True
    return organisation.pk in member_org_ids(user)


# ---------------------------------------------------------------- rules


def in_force(versions: list[RuleVersion], today: date | None = None) -> RuleVersion | None:
    """The version in force on `today`: the latest whose effective date has come."""
    today = today or timezone.localdate()
    current = None
    for version in sorted(versions, key=lambda v: (v.effective_on, v.number)):
        if version.effective_on <= today:
            current = version
    return current


def _versions_prefetch() -> Prefetch:
    return Prefetch(
        "versions",
        queryset=RuleVersion.objects.select_related("resolution", "motion__vote").order_by(
            "number"
        ),
    )


def rules_of(compound, *, with_repealed: bool = False) -> list[Rule]:
    """The compound's rules with their versions (two queries); each gets `.current` and `.later`
    (a version adopted but not yet in force)."""
    rows = Rule.objects.filter(compound=compound)
    if not with_repealed:
        rows = rows.filter(repealed_on__isnull=True)
    rules = list(rows.order_by("kind", "id").prefetch_related(_versions_prefetch()))
    today = timezone.localdate()
    for rule in rules:
        versions = list(rule.versions.all())
        rule.current = in_force(versions, today)
        rule.later = [v for v in versions if v.effective_on > today]
        rule.version_count = len(versions)
    return rules


GROUP_HEADINGS = {
    RuleKind.REGULATION: _("Regulations adopted by the owners' assembly"),
    RuleKind.CONVENTION: _("Residents' conventions"),
    RuleKind.MANAGEMENT: _("Management rules"),
    RuleKind.OTHER: _("Other rules"),
}


def rules_by_kind(rules: list[Rule]) -> list[tuple[str, list[Rule]]]:
    labels = GROUP_HEADINGS
    groups: dict[str, list[Rule]] = defaultdict(list)
    for rule in rules:
        if rule.current or rule.later:
            groups[rule.kind].append(rule)
    return [(labels[kind], groups[kind]) for kind in RuleKind.values if groups.get(kind)]


def rule_detail(compound, pk: int) -> Rule:
    rule = Rule.objects.prefetch_related(_versions_prefetch()).get(compound=compound, pk=pk)
    rule.all_versions = list(rule.versions.all())
    rule.current = in_force(rule.all_versions)
    return rule


def motion_outcome(motion) -> dict | None:
    """The vote's published result for a linked motion: passed, and the shares."""
    if motion is None or not motion.result:
        return None
    result = motion.result
    if "result" in result and isinstance(result["result"], dict):
        result = result["result"]
    return {
        "passed": bool(result.get("passed")),
        "quorum_met": bool(result.get("quorum_met")),
        "yes": result.get("yes", {}),
        "no": result.get("no", {}),
        "abstain": result.get("abstain", {}),
        "participating": result.get("participating", {}),
        "total": result.get("total", {}),
    }


# ---------------------------------------------------------------- notice boards


def organisations_of(compound):
    return Organisation.objects.active().filter(compound=compound).order_by("order", "id")


def boards_of(compound) -> list[Organisation]:
    """Every active organisation of the compound with its board (or None): one query."""
    return list(organisations_of(compound).select_related("board"))


# ---------------------------------------------------------------- announcements


def _live(rows, today):
    return rows.filter(published_at__isnull=False).filter(
        Q(expires_on__isnull=True) | Q(expires_on__gte=today)
    )


def announcements_public(compound):
    """The compound's public notices: community-wide and compound-wide ones, still shown."""
    today = timezone.localdate()
    rows = Announcement.objects.filter(
        Q(community_id=compound.community_id, compound__isnull=True) | Q(compound=compound),
        building__isnull=True,
    )
    return _live(rows, today).select_related("publisher", "compound", "building")


def announcements_for_homes(units: list[Unit]):
    """Notices that reach these homes: their community's, their compound's, their building's."""
    if not units:
        return Announcement.objects.none()
    today = timezone.localdate()
    q = Q(pk__in=[])
    for unit in units:
        q |= (
            Q(community_id=unit.compound.community_id, compound__isnull=True)
            | Q(compound_id=unit.compound_id, building__isnull=True)
            | Q(building_id=unit.building_id)
        )
    return _live(Announcement.objects.filter(q), today).select_related(
        "publisher", "compound", "building"
    )


def announcements_staff(compound):
    """Everything staff of the compound published there (and community-wide), with read counts."""
    rows = Announcement.objects.filter(
        Q(community_id=compound.community_id, compound__isnull=True) | Q(compound=compound)
    )
    return rows.select_related("publisher", "compound", "building", "author").annotate(
        read_count=Count("reads")
    )


def announcement_reaches(announcement: Announcement, user) -> bool:
    """Does the announcement reach one of the user's homes?"""
    ids = access.own_unit_ids(user)
    if not ids:
        return False
    units = Unit.objects.filter(id__in=ids).select_related("compound")
    for unit in units:
        if announcement.building_id:
            if unit.building_id == announcement.building_id:
                return True
        elif announcement.compound_id:
            if unit.compound_id == announcement.compound_id:
                return True
        elif unit.compound.community_id == announcement.community_id:
            return True
    return False


def read_ids(user, announcements) -> set[int]:
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(
        AnnouncementRead.objects.filter(
            user=user, announcement_id__in=[a.pk for a in announcements]
        ).values_list("announcement_id", flat=True)
    )


def readers(announcement: Announcement) -> list[AnnouncementRead]:
    return list(announcement.reads.select_related("user__person").order_by("read_at", "id"))


# ---------------------------------------------------------------- praise and pioneers


def praise_wall(compound):
    return Praise.objects.filter(compound=compound, status=PraiseStatus.SHOWN).select_related(
        "to_organisation"
    )


def praise_queue(compound):
    return Praise.objects.filter(compound=compound).select_related(
        "to_organisation", "author", "moderated_by"
    )


def pioneers_chosen(compound):
    return (
        PioneerNomination.objects.filter(compound=compound, chosen_at__isnull=False)
        .select_related("person")
        .order_by("-year", "person__name", "id")
    )


def nominations_open(compound, year: int):
    return (
        PioneerNomination.objects.filter(compound=compound, year=year, chosen_at__isnull=True)
        .select_related("person")
        .order_by("-support_count", "id")
    )


def supported_ids(units: list[Unit], nominations) -> set[int]:
    if not units:
        return set()
    return set(
        PioneerSupport.objects.filter(
            unit__in=units, nomination_id__in=[n.pk for n in nominations]
        ).values_list("nomination_id", flat=True)
    )


def party_members_of(compound):
    """People with a current party membership in an organisation of the compound (or its
    community's), for nominations."""
    from mulin.orgs.models import PartyMembership
    from mulin.people.models import Person

    orgs = Organisation.objects.filter(
        Q(compound=compound) | Q(compound__isnull=True, community_id=compound.community_id)
    )
    person_ids = PartyMembership.objects.filter(organisation__in=orgs, left_on__isnull=True).values(
        "person_id"
    )
    return Person.objects.filter(id__in=person_ids).order_by("name", "id")


# ---------------------------------------------------------------- evaluations


def rated_organisations(compound):
    """What residents rate: the compound's party organisations and property services."""
    return organisations_of(compound).filter(kind__in=[*PARTY_KINDS, *PROPERTY_KINDS])


@dataclass
class OrgFigures:
    organisation: Organisation
    households: int = 0
    average: Decimal | None = None
    distribution: list[tuple[int, int, int]] = field(default_factory=list)  # score, n, percent
    comments: list[str] = field(default_factory=list)


@dataclass
class EvaluationFigures:
    evaluation: Evaluation
    organisations: list[OrgFigures]

    @property
    def open(self) -> bool:
        today = timezone.localdate()
        return self.evaluation.opens_on <= today <= self.evaluation.closes_on


def _figures(evaluations: list[Evaluation], with_comments: bool = False) -> list[EvaluationFigures]:
    if not evaluations:
        return []
    counts = defaultdict(int)
    for ev, org, score, n in (
        EvaluationRating.objects.filter(evaluation__in=evaluations)
        .values_list("evaluation_id", "organisation_id", "score")
        .annotate(n=Count("id"))
    ):
        counts[(ev, org, score)] = n
    comments = defaultdict(list)
    if with_comments:
        for ev, org, text in (
            EvaluationRating.objects.filter(evaluation__in=evaluations)
            .exclude(comment="")
            .order_by("-created_at", "-id")
            .values_list("evaluation_id", "organisation_id", "comment")
        ):
            comments[(ev, org)].append(text)
    out = []
    for evaluation in evaluations:
        rows = []
        for org in evaluation.organisations.all():
            figures = OrgFigures(org)
            total = weighted = 0
            for score in range(5, 0, -1):
                n = counts.get((evaluation.pk, org.pk, score), 0)
                total += n
                weighted += n * score
                figures.distribution.append((score, n, 0))
            figures.households = total
            if total:
                figures.average = (Decimal(weighted) / Decimal(total)).quantize(
                    Decimal("0.01"), rounding=ROUND_HALF_UP
                )
                figures.distribution = [
                    (score, n, round(100 * n / total)) for score, n, _ in figures.distribution
                ]
            figures.comments = comments.get((evaluation.pk, org.pk), [])[:20]
            rows.append(figures)
        out.append(EvaluationFigures(evaluation, rows))
    return out


def evaluations_of(compound, *, with_comments: bool = False) -> list[EvaluationFigures]:
    """Every evaluation of the compound, newest first, with its figures: three queries."""
    evaluations = list(
        Evaluation.objects.filter(compound=compound).prefetch_related(
            Prefetch("organisations", queryset=Organisation.objects.order_by("order", "id"))
        )
    )
    return _figures(evaluations, with_comments)


def evaluation_figures(compound) -> EvaluationFigures | None:
    """The latest evaluation that has opened, with average, distribution and households per
    organisation — for the compound's figures."""
    today = timezone.localdate()
    latest = (
        Evaluation.objects.filter(compound=compound, opens_on__lte=today)
        .prefetch_related(
            Prefetch("organisations", queryset=Organisation.objects.order_by("order", "id"))
        )
        .first()
    )
    found = _figures([latest]) if latest else []
    return found[0] if found else None


def my_ratings(units: list[Unit], evaluations) -> set[tuple[int, int]]:
    """(evaluation id, organisation id) pairs already rated for these homes."""
    if not units:
        return set()
    return set(
        EvaluationRating.objects.filter(
            unit__in=units, evaluation_id__in=[e.pk for e in evaluations]
        ).values_list("evaluation_id", "organisation_id")
    )
