"""Projects' pages: who may see and do what, what the public page never shows, query counts
that do not grow with the data, and bad input that shows a message and changes nothing."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from mulin.deliberation import services_projects as services
from mulin.deliberation.models import Funding, Inspection, ProjectPhoto, Satisfaction

from . import test_projects_common as common
from .test_projects_common import accept, add_project, jpeg

works = common.works  # the fixture

pytestmark = pytest.mark.django_db


def staff_url(name, world, *args):
    return reverse(f"deliberation:{name}", args=[world.compound.code, *args])


# ---------------------------------------------------------------- access


@pytest.mark.parametrize("name", ["project_staff_list", "project_new"])
def test_staff_list_access(client, login, world, works, name):
    url = staff_url(name, world)
    assert client.get(url).status_code == 302  # anonymous: to the login page
    assert login(world.outsider).get(url).status_code == 404
    assert login(world.resident).get(url).status_code == 404
    assert login(works.supervisor_user).get(url).status_code == 404
    assert login(world.staff).get(url).status_code == 200
    assert login(works.secretary).get(url).status_code == 200


def test_staff_project_access(client, login, world, works):
    url = staff_url("project_staff", world, works.project.pk)
    assert client.get(url).status_code == 302
    for user in (world.outsider, world.resident, works.supervisor_user):
        assert login(user).get(url).status_code == 404
    page = login(world.staff).get(url)
    assert page.status_code == 200
    assert "王建国" in page.content.decode()  # staff see the supervisor's name
    foreign = reverse("deliberation:project_staff", args=[world.compound.code, works.foreign.pk])
    assert login(world.staff).get(foreign).status_code == 404


def test_staff_writes_refused_to_others(client, login, world, works):
    url = staff_url("project_section", world, works.project.pk, "funding")
    data = {"funding-source": "government", "funding-amount": "10"}
    before = Funding.objects.count()
    assert client.post(url, data).status_code == 302
    for user in (world.outsider, world.resident, works.supervisor_user):
        assert login(user).post(url, data).status_code == 404
    assert Funding.objects.count() == before
    assert login(world.staff).post(url, data).status_code == 302
    assert Funding.objects.count() == before + 1


def test_public_pages_without_login(client, world, works):
    listing = client.get(reverse("deliberation:project_public_list", args=[world.compound.code]))
    assert listing.status_code == 200
    html = listing.content.decode()
    assert works.project.title in html
    assert works.hidden.title not in html and works.foreign.title not in html
    page = client.get(
        reverse("deliberation:project_public", args=[world.compound.code, works.project.pk])
    )
    assert page.status_code == 200
    for pk in (works.hidden.pk, works.foreign.pk):
        url = reverse("deliberation:project_public", args=[world.compound.code, pk])
        assert client.get(url).status_code == 404


def test_public_page_shows_no_personal_data(client, login, world, works):
    services.inspection_post(
        actor=works.supervisor_user, project=works.project, verdict="issue", body="线槽松动"
    )
    url = reverse("deliberation:project_public", args=[world.compound.code, works.project.pk])
    for c in (client, login(world.resident)):
        html = c.get(url).content.decode()
        assert "王**" in html  # the supervisor, masked
        for secret in ("王建国", "13955556666", "139****6666", "张三", "302", "63-2-302", "301"):
            assert secret not in html, secret
        assert "线槽松动" in html


def test_photos_served_only_through_the_check(client, login, world, works, settings):
    update = services.update_post(
        actor=world.staff, project=works.project, body="照片", photos=_clean([jpeg()])
    )
    hidden_update = services.update_post(
        actor=world.staff, project=works.hidden, body="内部", photos=_clean([jpeg()])
    )
    photo = update.photos.get()
    hidden = hidden_update.photos.get()
    url = reverse(
        "deliberation:project_photo", args=[world.compound.code, works.project.pk, photo.pk]
    )
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    hidden_url = reverse(
        "deliberation:project_photo", args=[world.compound.code, works.hidden.pk, hidden.pk]
    )
    assert client.get(hidden_url).status_code == 404
    assert login(world.resident).get(hidden_url).status_code == 404
    assert login(world.outsider).get(hidden_url).status_code == 404
    assert login(world.staff).get(hidden_url).status_code == 200
    wrong = reverse(
        "deliberation:project_photo", args=[world.compound.code, works.project.pk, hidden.pk]
    )
    assert client.get(wrong).status_code == 404
    assert (
        "/media/"
        not in client.get(
            reverse("deliberation:project_public", args=[world.compound.code, works.project.pk])
        ).content.decode()
    )


def _clean(uploads):
    from mulin.tickets.photos import clean_photos

    return clean_photos(uploads)


def test_invoice_only_for_staff(client, login, world, works):
    services.spending_add(
        actor=world.staff,
        project=works.project,
        spent_on=timezone.localdate(),
        amount="12.00",
        payee="五金店",
        description="螺丝",
        invoice=jpeg("fapiao.jpg"),
    )
    line = works.project.spending.exclude(invoice="").get()
    url = staff_url("project_invoice", world, works.project.pk, line.pk)
    assert client.get(url).status_code == 302
    for user in (world.resident, world.outsider, works.supervisor_user):
        assert login(user).get(url).status_code == 404
    assert login(world.staff).get(url).status_code == 200


def test_supervisor_posts_inspection_on_public_page(client, login, world, works):
    url = reverse("deliberation:project_inspect", args=[world.compound.code, works.project.pk])
    data = {"inspection-verdict": "ok", "inspection-body": "施工规范"}
    assert client.post(url, data).status_code == 302 and not Inspection.objects.exists()
    assert login(world.resident).post(url, data).status_code == 404
    assert login(world.staff).post(url, data).status_code == 404
    page = login(works.supervisor_user).get(
        reverse("deliberation:project_public", args=[world.compound.code, works.project.pk])
    )
    assert "inspection-body" in page.content.decode()
    response = login(works.supervisor_user).post(url, {**data, "inspection-photos": [jpeg()]})
    assert response.status_code == 302
    inspection = Inspection.objects.get()
    assert inspection.photos.count() == 1


def test_resident_rates_once_and_6_is_refused(client, login, world, works):
    accept(world, works.project)
    url = reverse("deliberation:project_rate", args=[world.compound.code, works.project.pk])
    assert login(world.outsider).post(url, {"rating-score": "4"}).status_code == 404
    bad = login(world.resident).post(url, {"rating-score": "6"})
    assert bad.status_code == 400 and "Your rating" in bad.content.decode()
    assert not Satisfaction.objects.exists()
    assert login(world.resident).post(url, {"rating-score": "4"}).status_code == 302
    again = login(world.resident).post(url, {"rating-score": "5"})
    assert again.status_code == 400
    assert Satisfaction.objects.get().score == 4
    page = client.get(
        reverse("deliberation:project_public", args=[world.compound.code, works.project.pk])
    )
    assert "100% satisfied" in page.content.decode()


# ---------------------------------------------------------------- bad input on staff pages


def test_negative_amount_shows_message(login, world, works):
    url = staff_url("project_section", world, works.project.pk, "funding")
    before = Funding.objects.count()
    response = login(world.staff).post(
        url, {"funding-source": "government", "funding-amount": "-5"}
    )
    assert response.status_code == 400
    assert "Amount: enter an amount above zero." in response.content.decode()
    assert Funding.objects.count() == before


def test_progress_150_shows_message(login, world, works):
    url = staff_url("project_section", world, works.project.pk, "update")
    count = works.project.updates.count()
    response = login(world.staff).post(url, {"update-body": "完成", "update-progress": "150"})
    assert response.status_code == 400
    assert "Progress: enter a whole number from 0 to 100." in response.content.decode()
    works.project.refresh_from_db()
    assert works.project.progress == 20 and works.project.updates.count() == count


def test_staff_writes_every_section(login, world, works):
    c = login(world.staff)
    today = timezone.localdate()
    p = works.project

    def post(section, data):
        r = c.post(staff_url("project_section", world, p.pk, section), data)
        assert r.status_code == 302, r.content.decode()[:2000]

    post(
        "spending",
        {
            "spending-spent_on": today.isoformat(),
            "spending-amount": "99.99",
            "spending-payee": "公司",
            "spending-description": "尾款",
        },
    )
    post(
        "milestone",
        {
            "milestone-title": "验收",
            "milestone-planned_on": (today + timedelta(days=5)).isoformat(),
        },
    )
    post("update", {"update-body": "完工", "update-progress": "90", "update-photos": [jpeg()]})
    post("move", {"move-status": "in_progress"})
    post("move", {"move-status": "acceptance"})
    post(
        "acceptance",
        {
            "acceptance-accepted_on": today.isoformat(),
            "acceptance-survey_closes_on": (today + timedelta(days=7)).isoformat(),
        },
    )
    post(
        "edit",
        {
            "edit-title": "安装 60 个监控探头",
            "edit-summary": "扩大覆盖",
            "edit-kind": "safety",
            "edit-public": "on",
        },
    )
    p.refresh_from_db()
    assert p.title == "安装 60 个监控探头" and p.progress == 90 and p.status == "acceptance"
    assert ProjectPhoto.objects.filter(project=p).count() == 1
    assert hasattr(p, "acceptance")
    new = c.post(
        staff_url("project_new", world),
        {"title": "文化墙", "summary": "邻里故事", "kind": "recreation", "public": "on"},
    )
    assert new.status_code == 302


# ---------------------------------------------------------------- query counts


def _grow(world, n):
    for i in range(n):
        p = add_project(world, title=f"项目 {i}")
        services.funding_add(actor=world.staff, project=p, source="government", amount="10")
        services.spending_add(
            actor=world.staff,
            project=p,
            spent_on=timezone.localdate(),
            amount="1",
            payee="x",
            description="y",
        )
        services.milestone_add(
            actor=world.staff,
            project=p,
            title="m",
            planned_on=timezone.localdate() - timedelta(days=1),
        )


def _pin(client, url, world, count_queries, n=2):
    _grow(world, n)
    client.get(url)
    with count_queries() as small:
        assert client.get(url).status_code == 200
    _grow(world, 2 * n)
    with count_queries() as large:
        assert client.get(url).status_code == 200
    assert small.count == large.count, large.dump()
    return small.count


def test_public_list_queries_constant(client, world, works, count_queries):
    url = reverse("deliberation:project_public_list", args=[world.compound.code])
    assert _pin(client, url, world, count_queries) <= 6


def test_staff_list_queries_constant(login, world, works, count_queries):
    url = staff_url("project_staff_list", world)
    assert _pin(login(world.staff), url, world, count_queries) <= 15


def test_public_project_page_queries_constant(client, world, works, count_queries):
    url = reverse("deliberation:project_public", args=[world.compound.code, works.project.pk])

    def grow(n):
        today = timezone.localdate()
        for i in range(n):
            services.update_post(
                actor=world.staff, project=works.project, body=f"u{i}", photos=_clean([jpeg()])
            )
            services.milestone_add(
                actor=world.staff, project=works.project, title=f"m{i}", planned_on=today
            )
            services.funding_add(
                actor=world.staff, project=works.project, source="partner", amount="1"
            )
            services.spending_add(
                actor=world.staff,
                project=works.project,
                spent_on=today,
                amount="1",
                payee="p",
                description="d",
            )
            insp = services.inspection_post(
                actor=works.supervisor_user,
                project=works.project,
                verdict="ok",
                body=f"i{i}",
                photos=_clean([jpeg()]),
            )
            assert insp

    grow(2)
    client.get(url)
    with count_queries() as small:
        assert client.get(url).status_code == 200
    grow(4)
    with count_queries() as large:
        assert client.get(url).status_code == 200
    assert small.count == large.count <= 12, large.dump()
