"""Projects: budget sums, status moves, ratings once per household, supervisors only."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from mulin.core.models import AuditEvent
from mulin.deliberation import selectors_projects as selectors
from mulin.deliberation import services_projects as services
from mulin.deliberation.models import Funding, Inspection, Project, Satisfaction, Spending
from mulin.testing import factories as f

from . import test_projects_common as common
from .test_projects_common import accept, add_project

works = common.works  # the fixture

pytestmark = pytest.mark.django_db


def test_budget_sums_are_exact(world, works):
    row = selectors.with_budget(Project.objects.filter(pk=works.project.pk)).get()
    assert row.funded == Decimal("120000.30")
    assert row.spent == Decimal("0.30")  # 0.1 + 0.2, not 0.30000000000000004
    page = selectors.project_page(works.project, staff=True)
    assert page.budget.funded == Decimal("120000.30")
    assert page.budget.spent == Decimal("0.30")
    assert page.budget.left == Decimal("120000.00")
    assert [(c, t) for c, _label, t in page.budget.by_source] == [
        ("government", Decimal("100000.10")),
        ("maintenance_fund", Decimal("20000.20")),
    ]
    empty = selectors.with_budget(Project.objects.filter(pk=works.hidden.pk)).get()
    assert empty.funded == empty.spent == Decimal("0.00")


@pytest.mark.parametrize("amount", ["-5", "0", "1.234", "abc", "NaN"])
def test_bad_amounts_change_nothing(world, works, amount):
    before = Funding.objects.count(), Spending.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.funding_add(
            actor=world.staff, project=works.project, source="government", amount=amount
        )
    assert "amount" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.spending_add(
            actor=world.staff,
            project=works.project,
            spent_on=timezone.localdate(),
            amount=amount,
            payee="x",
            description="y",
        )
    assert (Funding.objects.count(), Spending.objects.count()) == before


def test_status_moves_and_audit(world, works):
    p = works.project
    with pytest.raises(ValidationError):
        services.project_move(actor=world.staff, project=p, status="done")
    services.project_move(actor=world.staff, project=p, status="in_progress")
    services.project_move(actor=world.staff, project=p, status="suspended")
    services.project_move(actor=world.staff, project=p, status="in_progress")
    services.project_move(actor=world.staff, project=p, status="acceptance")
    services.project_move(actor=world.staff, project=p, status="done")
    p.refresh_from_db()
    assert p.status == "done" and p.progress == 100 and p.started_on and p.finished_on
    assert AuditEvent.objects.filter(action="project.move", target_id=str(p.pk)).count() == 5


def test_progress_update_sets_progress_and_refuses_150(world, works):
    services.update_post(actor=world.staff, project=works.project, body="过半", progress=55)
    works.project.refresh_from_db()
    assert works.project.progress == 55
    count = works.project.updates.count()
    with pytest.raises(ValidationError) as exc:
        services.update_post(actor=world.staff, project=works.project, body="x", progress=150)
    assert "progress" in exc.value.message_dict
    works.project.refresh_from_db()
    assert works.project.progress == 55 and works.project.updates.count() == count


def test_late_milestones_flagged(world, works):
    row = selectors.list_rows(Project.objects.filter(pk=works.project.pk)).get()
    assert row.late_milestones == 1
    milestone = works.project.milestones.get()
    services.milestone_done(actor=world.staff, milestone=milestone)
    row = selectors.list_rows(Project.objects.filter(pk=works.project.pk)).get()
    assert row.late_milestones == 0  # done (after its date: the page says "finished late")
    page = selectors.project_page(works.project, staff=False)
    assert [m.late for m in page.milestones] == [True]
    services.milestone_add(
        actor=world.staff,
        project=works.project,
        title="验收",
        planned_on=timezone.localdate() + timedelta(days=9),
    )
    row = selectors.list_rows(Project.objects.filter(pk=works.project.pk)).get()
    assert row.late_milestones == 0


def test_one_rating_per_household(world, works):
    accept(world, works.project)
    services.rating_add(actor=world.resident, project=works.project, score=5)
    # another member of the same household
    housemate = f.PersonFactory(compound=world.compound, name="张小三")
    f.ResidencyFactory(unit=world.unit, person=housemate, relation="child")
    user = f.UserFactory(username="housemate", person=housemate)
    with pytest.raises(ValidationError):
        services.rating_add(actor=user, project=works.project, score=1)
    with pytest.raises(ValidationError):
        services.rating_add(actor=world.resident, project=works.project, score=3)
    assert Satisfaction.objects.filter(project=works.project).count() == 1
    # the neighbour household rates too
    services.rating_add(actor=works.supervisor_user, project=works.project, score=3)
    r = selectors.ratings_of(works.project)
    assert (r.count, r.average, r.satisfied_percent) == (2, 4.0, 50)


def test_rating_6_refused_and_outsider_404(world, works):
    accept(world, works.project)
    with pytest.raises(ValidationError) as exc:
        services.rating_add(actor=world.resident, project=works.project, score=6)
    assert "score" in exc.value.message_dict
    with pytest.raises(Http404):
        services.rating_add(actor=world.outsider, project=works.project, score=4)
    assert not Satisfaction.objects.exists()


def test_rating_before_acceptance_refused(world, works):
    with pytest.raises(ValidationError):
        services.rating_add(actor=world.resident, project=works.project, score=4)


def test_only_supervisors_post_inspections(world, works):
    for user in (world.resident, world.staff, world.outsider):
        with pytest.raises(Http404):
            services.inspection_post(actor=user, project=works.project, verdict="ok", body="看过")
    inspection = services.inspection_post(
        actor=works.supervisor_user, project=works.project, verdict="issue", body="线槽没固定"
    )
    assert inspection.supervisor == works.supervisor
    with pytest.raises(Http404):
        services.inspection_answer(actor=world.resident, inspection=inspection, answer="x")
    services.inspection_answer(actor=world.staff, inspection=inspection, answer="已整改")
    inspection.refresh_from_db()
    assert inspection.settled_at and inspection.answer == "已整改"
    assert Inspection.objects.count() == 1


def test_supervisor_must_be_of_the_compound(world, works):
    stranger = f.PersonFactory(compound=world.other, name="外人")
    with pytest.raises(ValidationError):
        services.supervisor_appoint(
            actor=world.staff, project=works.project, person=stranger, skill="construction"
        )


def test_project_create_signature_and_staff_only(world):
    with pytest.raises(Http404):
        services.project_create(
            actor=world.resident, compound=world.compound, title="x", summary="y", kind="other"
        )
    with pytest.raises(Http404):
        add_project(world, compound=world.compound, actor=world.outsider)
    p = services.project_create(
        actor=world.staff,
        compound=world.compound,
        title="重修儿童游乐设施",
        summary="铺设安全地垫",
        kind="recreation",
        resolution=None,
        topic=None,
        contractor="某公司",
    )
    assert p.status == "planned" and p.contractor == "某公司"
    assert AuditEvent.objects.filter(action="project.create", target_id=str(p.pk)).exists()
