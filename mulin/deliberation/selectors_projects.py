"""Public projects, the reads: staff lists and pages, the public list and page, ratings' results.

Money: `with_budget(queryset)` and `budget_of(project)` are the one place that says what a
project was given and what it spent. Until the finance module keeps the ledger, spending lines
(`Spending`) are the record; when it lands, only these two functions change to read the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from mulin.core import access
from mulin.core.privacy import mask_name

from .models import (
    Funding,
    Inspection,
    Milestone,
    Project,
    ProjectPhoto,
    ProjectUpdate,
    Satisfaction,
    Spending,
    Supervisor,
)

ZERO = Decimal("0.00")
_MONEY = DecimalField(max_digits=14, decimal_places=2)


def _sum_of(model, by: str = "project") -> Subquery:
    rows = (
        model.objects.filter(**{by: OuterRef("pk")})
        .order_by()
        .values(by)
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(Subquery(rows, output_field=_MONEY), Value(ZERO), output_field=_MONEY)


def _late_milestones(today) -> Subquery:
    """Milestones past their date and not done yet (the page also shows those done late)."""
    rows = (
        Milestone.objects.filter(project=OuterRef("pk"))
        .filter(done_on__isnull=True, planned_on__lt=today)
        .order_by()
        .values("project")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def money(value) -> Decimal:
    """Yuan to the fen: SQLite hands sums back with more places than the column has."""
    return Decimal(value or 0).quantize(Decimal("0.01"))


def with_budget(queryset: QuerySet) -> QuerySet:
    """Projects with `funded` and `spent` (exact Decimal sums, 0.00 when none) — the ledger seam."""
    return queryset.annotate(funded=_sum_of(Funding), spent=_sum_of(Spending))


def with_list_figures(queryset: QuerySet) -> QuerySet:
    today = timezone.localdate()
    return with_budget(queryset).annotate(late_milestones=_late_milestones(today))


@dataclass
class Budget:
    funded: Decimal
    spent: Decimal
    by_source: list[tuple[str, str, Decimal]] = field(default_factory=list)  # (code, label, sum)

    @property
    def left(self) -> Decimal:
        return self.funded - self.spent

    @property
    def share_spent(self) -> int:
        if not self.funded:
            return 0
        return min(100, int(self.spent * 100 / self.funded))

    @property
    def over(self) -> bool:
        return self.spent > self.funded


def budget_of(project: Project, funding: list[Funding], spending: list[Spending]) -> Budget:
    """The project's budget against what it spent, from its loaded lines (the ledger seam)."""
    by: dict[str, Decimal] = {}
    labels: dict[str, str] = {}
    for line in funding:
        by[line.source] = by.get(line.source, ZERO) + line.amount
        labels[line.source] = line.get_source_display()
    return Budget(
        funded=sum((line.amount for line in funding), ZERO),
        spent=sum((line.amount for line in spending), ZERO),
        by_source=[(code, labels[code], total) for code, total in by.items()],
    )


# ---------------------------------------------------------------- who sees what


def staff_projects(user, compound) -> QuerySet:
    """Every project of the compound for staff with a deliberation permission there."""
    qs = Project.objects.filter(compound=compound)
    if access.can_in_compound(user, access.DELIBERATION_VIEW, compound):
        return access.visible(user, access.DELIBERATION_VIEW, qs)
    return access.visible(user, access.DELIBERATION_MANAGE, qs)


def is_staff_in(user, compound) -> bool:
    return access.can_in_compound(
        user, access.DELIBERATION_VIEW, compound
    ) or access.can_in_compound(user, access.DELIBERATION_MANAGE, compound)


def can_manage(user, compound) -> bool:
    return access.can_in_compound(user, access.DELIBERATION_MANAGE, compound)


def public_projects(compound) -> QuerySet:
    return Project.objects.filter(compound=compound, public=True)


def projects_for(user, compound) -> QuerySet:
    """The API's reading: staff see the compound's projects, residents and supervisors its public
    ones; anyone else gets 404."""
    if is_staff_in(user, compound):
        return staff_projects(user, compound)
    if lives_in(user, compound) or is_supervisor_in(user, compound):
        return public_projects(compound)
    raise Http404


def lives_in(user, compound) -> bool:
    return bool(access.own_unit_ids_in(user, compound))


def is_supervisor_in(user, compound) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.person_id:
        return False
    return Supervisor.objects.filter(
        person_id=user.person_id, project__compound_id=compound.id
    ).exists()


def list_rows(queryset: QuerySet) -> QuerySet:
    return with_list_figures(queryset).order_by("-created_at", "-id")


# ---------------------------------------------------------------- one project


@dataclass
class Ratings:
    count: int
    average: float | None
    distribution: list[tuple[int, int, int]]  # (stars, count, percent)
    satisfied_percent: int | None  # 4 or 5 stars


def ratings_of(project: Project) -> Ratings:
    rows = dict(
        Satisfaction.objects.filter(project=project)
        .values_list("score")
        .annotate(n=Count("pk"))
        .order_by()
    )
    count = sum(rows.values())
    total = sum(score * n for score, n in rows.items())
    dist = [
        (stars, rows.get(stars, 0), round(rows.get(stars, 0) * 100 / count) if count else 0)
        for stars in range(5, 0, -1)
    ]
    satisfied = rows.get(4, 0) + rows.get(5, 0)
    return Ratings(
        count=count,
        average=round(total / count, 1) if count else None,
        distribution=dist,
        satisfied_percent=round(satisfied * 100 / count) if count else None,
    )


@dataclass
class ProjectPage:
    project: Project
    milestones: list[Milestone]
    funding: list[Funding]
    spending: list[Spending]
    budget: Budget
    updates: list[ProjectUpdate]
    supervisors: list[Supervisor]
    inspections: list[Inspection]
    ratings: Ratings
    today: object

    @property
    def late_milestones(self) -> list[Milestone]:
        return [m for m in self.milestones if is_late(m, self.today)]


def is_late(milestone: Milestone, today) -> bool:
    if milestone.done_on is None:
        return milestone.planned_on < today
    return milestone.done_on > milestone.planned_on


def project_page(project: Project, *, staff: bool) -> ProjectPage:
    """Everything a project's page shows, in a fixed number of queries."""
    photos = Prefetch("photos", queryset=ProjectPhoto.objects.order_by("id"))
    updates = list(
        ProjectUpdate.objects.filter(project=project)
        .select_related("milestone")
        .prefetch_related(photos)
        .order_by("-created_at", "-id")
    )
    inspections = list(
        Inspection.objects.filter(project=project)
        .select_related("supervisor__person")
        .prefetch_related(photos)
        .order_by("-created_at", "-id")
    )
    supervisors = list(
        Supervisor.objects.filter(project=project).select_related("person").order_by("id")
    )
    from mulin.people.models import Skill

    labels = dict(Skill.choices)
    for row in supervisors:
        row.masked_name = mask_name(row.person.name)
        row.skill_label = labels.get(row.skill, row.skill)
    for row in inspections:
        row.masked_name = mask_name(row.supervisor.person.name)
    funding = list(Funding.objects.filter(project=project).order_by("id"))
    spending = list(Spending.objects.filter(project=project).order_by("spent_on", "id"))
    today = timezone.localdate()
    milestones = list(Milestone.objects.filter(project=project))
    for m in milestones:
        m.late = is_late(m, today)
    return ProjectPage(
        project=project,
        milestones=milestones,
        funding=funding,
        spending=spending,
        budget=budget_of(project, funding, spending),
        updates=updates,
        supervisors=supervisors,
        inspections=inspections,
        ratings=ratings_of(project),
        today=today,
    )


def skilled_people(compound, skills: list[str] | None = None):
    """People of the compound with a skill a supervisor needs, for the appointment form."""
    from mulin.people.models import PersonSkill

    qs = PersonSkill.objects.filter(person__compound=compound).select_related("person")
    if skills:
        qs = qs.filter(skill__in=skills)
    return qs.order_by("skill", "person__name", "person_id")[:200]


def photo_for(user, project_id: int, photo_id: int) -> ProjectPhoto:
    """A photo the user may see: any photo of a public project (the public page shows them), any
    photo of a project the user is staff of; else 404."""
    row = (
        ProjectPhoto.objects.select_related("project__compound")
        .filter(pk=photo_id, project_id=project_id)
        .first()
    )
    if row is None:
        raise Http404
    if row.project.public:
        return row
    if getattr(user, "is_authenticated", False) and is_staff_in(user, row.project.compound):
        return row
    raise Http404


def invoice_for(user, spending_id: int, project_id: int) -> Spending:
    """An invoice only for staff of the project's compound."""
    row = (
        Spending.objects.select_related("project__compound")
        .filter(pk=spending_id, project_id=project_id)
        .first()
    )
    if row is None or not row.invoice or not getattr(user, "is_authenticated", False):
        raise Http404
    if not is_staff_in(user, row.project.compound):
        raise Http404
    return row
