"""Shared set-up of the projects tests (imported by the other test_projects_* modules): a public
project of `world.compound` with money, milestones, a supervisor and an update, a project kept
off the public page, and a project of the other compound."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from mulin.core.models import Role, User
from mulin.deliberation import services_projects as services
from mulin.deliberation.models import Project, Supervisor
from mulin.people.models import PersonSkill
from mulin.testing import factories as f


def jpeg(name: str = "p.jpg") -> SimpleUploadedFile:
    buffer = BytesIO()
    Image.new("RGB", (64, 48), (90, 140, 200)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@dataclass
class Works:
    project: Project
    hidden: Project
    foreign: Project
    supervisor: Supervisor
    supervisor_user: User
    secretary: User  # party secretary of the compound: may manage projects


def add_project(world, title="安装 50 个监控探头", public=True, compound=None, actor=None):
    compound = compound or world.compound
    actor = actor or (world.staff if compound == world.compound else world.outsider)
    return services.project_create(
        actor=actor,
        compound=compound,
        title=title,
        summary="覆盖大门、楼道口和停车区域",
        kind="safety",
        public=public,
    )


@pytest.fixture
def works(world, settings, tmp_path) -> Works:
    settings.MEDIA_ROOT = tmp_path
    project = add_project(world)
    services.funding_add(
        actor=world.staff, project=project, source="government", amount="100000.10"
    )
    services.funding_add(
        actor=world.staff, project=project, source="maintenance_fund", amount="20000.20"
    )
    today = timezone.localdate()
    services.spending_add(
        actor=world.staff,
        project=project,
        spent_on=today,
        amount="0.10",
        payee="厦门安防公司",
        description="首付款",
    )
    services.spending_add(
        actor=world.staff,
        project=project,
        spent_on=today,
        amount="0.20",
        payee="厦门安防公司",
        description="材料",
    )
    services.milestone_add(
        actor=world.staff, project=project, title="布线", planned_on=today - timedelta(days=3)
    )
    person = f.PersonFactory(compound=world.compound, name="王建国", phone="13955556666")
    f.ResidencyFactory(unit=world.neighbour_unit, person=person, relation="owner")
    PersonSkill.objects.create(person=person, skill="construction")
    supervisor = services.supervisor_appoint(
        actor=world.staff, project=project, person=person, skill="construction"
    )
    supervisor_user = f.UserFactory(username="supervisor", person=person)
    f.grant(supervisor_user, Role.RESIDENT, world.compound)
    services.update_post(
        actor=world.staff, project=project, body="开始布线", progress=20, photos=[]
    )
    hidden = add_project(world, title="内部测试项目", public=False)
    foreign = add_project(world, title="别处的项目", compound=world.other)
    secretary = f.UserFactory(username="secretary")
    f.grant(secretary, Role.PARTY_SECRETARY, world.compound)
    return Works(project, hidden, foreign, supervisor, supervisor_user, secretary)


def accept(world, project):
    today = timezone.localdate()
    services.project_move(actor=world.staff, project=project, status="in_progress")
    services.project_move(actor=world.staff, project=project, status="acceptance")
    return services.acceptance_record(
        actor=world.staff,
        project=project,
        accepted_on=today,
        survey_closes_on=today + timedelta(days=30),
        note="验收合格",
    )


MONEY = Decimal("0.01")
