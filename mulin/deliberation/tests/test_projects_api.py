"""Projects over the API: who reads what, public fields only, staff writes, bad input (422,
nothing changed), a constant query count on the list."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from mulin.deliberation import services_projects as services
from mulin.deliberation.models import Funding, Inspection, Project, Satisfaction

from . import test_projects_common as common
from .test_projects_common import accept, add_project

works = common.works  # the fixture

pytestmark = pytest.mark.django_db


def test_list_access(api, world, works):
    path = f"/compounds/{world.compound.code}/projects"
    assert api().get(path).status_code == 401
    assert api(world.outsider).get(path).status_code == 404
    resident = api(world.resident).get(path)
    assert resident.status_code == 200
    titles = {row["title"] for row in resident.json()["items"]}
    assert titles == {works.project.title}  # public ones only
    supervisor = api(works.supervisor_user).get(path).json()
    assert supervisor["count"] == 1
    staff = api(world.staff).get(path).json()
    assert {row["title"] for row in staff["items"]} == {works.project.title, works.hidden.title}
    row = next(r for r in staff["items"] if r["id"] == works.project.pk)
    assert Decimal(row["funded"]) == Decimal("120000.30") and Decimal(row["spent"]) == Decimal(
        "0.30"
    )
    assert row["late_milestones"] == 1


def test_detail_public_fields_only(api, world, works):
    services.inspection_post(
        actor=works.supervisor_user, project=works.project, verdict="ok", body="好"
    )
    for user in (world.resident, world.staff):
        body = api(user).get(f"/projects/{works.project.pk}")
        assert body.status_code == 200
        text = body.content.decode()
        assert "王建国" not in text and "13955556666" not in text and "63-2-302" not in text
        assert body.json()["supervisors"][0]["name"] == "王**"
    assert api(world.outsider).get(f"/projects/{works.project.pk}").status_code == 404
    assert api(world.resident).get(f"/projects/{works.hidden.pk}").status_code == 404
    assert api(world.staff).get(f"/projects/{works.hidden.pk}").status_code == 200
    assert api(world.staff).get(f"/projects/{works.foreign.pk}").status_code == 404
    inspections = api(world.resident).get(f"/projects/{works.project.pk}/inspections").json()
    assert inspections["items"][0]["supervisor"] == "王**"
    updates = api(world.resident).get(f"/projects/{works.project.pk}/updates").json()
    assert updates["count"] == 1
    assert api(world.outsider).get(f"/projects/{works.project.pk}/updates").status_code == 404


def test_staff_writes(api, world, works):
    staff = api(world.staff)
    created = staff.post(
        f"/compounds/{world.compound.code}/projects",
        {"title": "新建小区文化墙", "summary": "展示邻里故事", "kind": "recreation"},
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert (
        staff.post(
            f"/projects/{pk}/funding", {"source": "partner", "amount": "5000.50"}
        ).status_code
        == 201
    )
    assert staff.post(f"/projects/{pk}/status", {"status": "in_progress"}).status_code == 200
    r = staff.post(f"/projects/{pk}/updates", {"body": "动工", "progress": 30})
    assert r.status_code == 201 and r.json()["progress"] == 30
    r = staff.patch(f"/projects/{pk}", {"contractor": "某公司"})
    assert r.status_code == 200 and r.json()["contractor"] == "某公司"
    for user in (world.resident, world.outsider, works.supervisor_user):
        r = api(user).post(f"/projects/{pk}/funding", {"source": "partner", "amount": "1"})
        assert r.status_code == 404
    assert Funding.objects.filter(project_id=pk).count() == 1


def test_bad_input_422_nothing_changed(api, world, works):
    staff = api(world.staff)
    pk = works.project.pk
    before = Funding.objects.count()
    r = staff.post(f"/projects/{pk}/funding", {"source": "government", "amount": "-5"})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "amount"
    assert Funding.objects.count() == before
    r = staff.post(f"/projects/{pk}/updates", {"body": "x", "progress": 150})
    assert r.status_code == 422
    assert Project.objects.get(pk=pk).progress == 20
    accept(world, works.project)
    r = api(world.resident).post(f"/projects/{pk}/ratings", {"score": 6})
    assert r.status_code == 422 and not Satisfaction.objects.exists()


def test_inspections_and_ratings(api, world, works):
    pk = works.project.pk
    assert (
        api(world.resident)
        .post(f"/projects/{pk}/inspections", {"verdict": "ok", "body": "x"})
        .status_code
        == 404
    )
    assert (
        api(world.staff)
        .post(f"/projects/{pk}/inspections", {"verdict": "ok", "body": "x"})
        .status_code
        == 404
    )
    r = api(works.supervisor_user).post(
        f"/projects/{pk}/inspections", {"verdict": "issue", "body": "漏水"}
    )
    assert r.status_code == 201
    iid = r.json()["id"]
    assert (
        api(world.resident)
        .post(f"/projects/{pk}/inspections/{iid}/answer", {"answer": "x"})
        .status_code
        == 404
    )
    r = api(world.staff).post(f"/projects/{pk}/inspections/{iid}/answer", {"answer": "已修"})
    assert r.status_code == 200 and r.json()["settled"]
    assert Inspection.objects.get().settled_at
    accept(world, works.project)
    assert api(world.resident).post(f"/projects/{pk}/ratings", {"score": 5}).status_code == 201
    assert api(world.resident).post(f"/projects/{pk}/ratings", {"score": 4}).status_code == 422
    assert api(world.outsider).post(f"/projects/{pk}/ratings", {"score": 4}).status_code == 404
    results = api(world.resident).get(f"/projects/{pk}/ratings").json()
    assert results["count"] == 1 and results["average"] == 5.0


def test_list_queries_constant(api, world, works, constant_queries):
    def grow():
        for i in range(6):
            p = add_project(world, title=f"项目 {i}")
            services.funding_add(actor=world.staff, project=p, source="government", amount="1")
            services.milestone_add(
                actor=world.staff,
                project=p,
                title="m",
                planned_on=timezone.localdate() - timedelta(days=1),
            )

    add_project(world, title="项目 a")
    add_project(world, title="项目 b")
    constant_queries(api(world.staff), f"/compounds/{world.compound.code}/projects", grow, pin=10)
