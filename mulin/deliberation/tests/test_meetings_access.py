# ruff: noqa: F811  (fixtures imported from test_meetings_common)
"""Who may open each page and endpoint: anonymous, outsider (404), resident, staff roles; and
the query counts of the lists."""

import pytest

from mulin.deliberation import services_meetings as services

from .test_meetings_common import add_meeting, committee, member  # noqa: F401


@pytest.fixture
def setup(world):
    meeting = add_meeting(world, days=-1)
    resolution = services.resolution_create(
        actor=world.staff, compound=world.compound, meeting=meeting, text="安装监控"
    )
    return meeting, resolution


STAFF_PAGES = [
    "meetings/",
    "meetings/{m}/",
    "meetings/{m}/sheet/",
    "resolutions/",
    "resolutions/{r}/",
    "tasks/",
]
MANAGE_PAGES = ["meetings/new/", "meetings/{m}/edit/", "meetings/{m}/minutes/", "resolutions/new/"]


def _url(world, tail, setup):
    meeting, resolution = setup
    return f"/compounds/{world.compound.code}/" + tail.format(m=meeting.pk, r=resolution.pk)


@pytest.mark.parametrize("tail", STAFF_PAGES + MANAGE_PAGES)
def test_staff_pages_access(client, login, world, setup, member, tail):
    url = _url(world, tail, setup)
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
    assert login(world.outsider).get(url).status_code == 404
    assert login(world.resident).get(url).status_code == 404
    assert login(world.staff).get(url).status_code == 200
    assert login(member).get(url).status_code == (200 if tail in STAFF_PAGES else 404)


@pytest.mark.parametrize(
    "tail,data",
    [
        ("meetings/{m}/cancel/", {}),
        ("meetings/{m}/attendance/", {"name": "访客"}),
        ("meetings/{m}/minutes/", {"minutes": "x"}),
        ("resolutions/{r}/tasks/", {"title": "t", "due_on": "2026-12-31"}),
        ("resolutions/{r}/", {"status": "done"}),
    ],
)
def test_writes_are_404_without_manage(login, world, setup, member, tail, data):
    url = _url(world, tail, setup)
    for user in (world.outsider, world.resident, member):
        assert login(user).post(url, data).status_code == 404


def test_public_pages_open_to_anyone_internal_ones_are_404(client, login, world, setup):
    meeting, _ = setup
    internal = add_meeting(world, public=False, title="内部")
    base = f"/c/{world.compound.code}/meetings/"
    for user in (None, world.outsider, world.resident):
        c = login(user) if user else client
        assert c.get(base).status_code == 200
        assert c.get(f"{base}{meeting.pk}/").status_code == 200
        assert c.get(f"{base}{internal.pk}/").status_code == 404
    page = client.get(base).content.decode()
    assert meeting.title in page and "内部" not in page
    assert client.get(f"/c/{world.other.code}/meetings/{meeting.pk}/").status_code == 404


def test_public_attachment_only_when_published(client, login, world, setup):
    from django.core.files.uploadedfile import SimpleUploadedFile

    meeting, _ = setup
    hidden = services.attachment_add(
        actor=world.staff,
        meeting=meeting,
        upload=SimpleUploadedFile("a.pdf", b"%PDF-1"),
        public=False,
    )
    shown = services.attachment_add(
        actor=world.staff,
        meeting=meeting,
        upload=SimpleUploadedFile("b.pdf", b"%PDF-2"),
        public=True,
    )
    url = f"/c/{world.compound.code}/meetings/{meeting.pk}/files/"
    assert client.get(f"{url}{shown.pk}/").status_code == 404  # minutes not published yet
    services.minutes_save(actor=world.staff, meeting=meeting, minutes="纪要", publish=True)
    assert client.get(f"{url}{shown.pk}/").status_code == 200
    assert client.get(f"{url}{hidden.pk}/").status_code == 404
    assert login(world.staff).get(f"{url}{hidden.pk}/").status_code == 200


@pytest.mark.parametrize("path", ["meetings", "meetings/{m}", "calendar"])
def test_api_meetings_for_residents_and_staff(api, world, setup, path):
    meeting, _ = setup
    url = f"/compounds/{world.compound.code}/" + path.format(m=meeting.pk)
    assert api().get(url).status_code == 401
    assert api(world.outsider).get(url).status_code == 404
    assert api(world.resident).get(url).status_code == 200
    assert api(world.staff).get(url).status_code == 200


def test_api_internal_meeting_hidden_from_residents(api, world, setup):
    internal = add_meeting(world, public=False)
    url = f"/compounds/{world.compound.code}/meetings"
    resident_ids = {m["id"] for m in api(world.resident).get(url).json()["items"]}
    staff_ids = {m["id"] for m in api(world.staff).get(url).json()["items"]}
    assert internal.pk not in resident_ids and internal.pk in staff_ids
    assert api(world.resident).get(f"{url}/{internal.pk}").status_code == 404


@pytest.mark.parametrize("path", ["resolutions", "tasks"])
def test_api_staff_lists(api, world, setup, member, path):
    url = f"/compounds/{world.compound.code}/{path}"
    assert api().get(url).status_code == 401
    assert api(world.outsider).get(url).status_code == 404
    assert api(world.resident).get(url).status_code == 404
    assert api(member).get(url).status_code == 200


def test_api_meeting_list_queries_are_constant(api, world, constant_queries):
    add_meeting(world)
    constant_queries(
        api(world.staff),
        f"/compounds/{world.compound.code}/meetings",
        lambda: [add_meeting(world, title=f"会{i}") for i in range(3)],
        pin=12,
    )


def test_api_resolution_and_task_lists_queries_are_constant(
    api, world, committee, constant_queries
):
    from datetime import date

    def grow():
        r = services.resolution_create(actor=world.staff, compound=world.compound, text="决议")
        for i in range(3):
            services.task_create(
                actor=world.staff,
                resolution=r,
                title=f"任务{i}",
                due_on=date(2026, 1, 1),
                owner=committee,
            )

    grow()
    client = api(world.staff)
    constant_queries(client, f"/compounds/{world.compound.code}/resolutions", grow, pin=12)
    constant_queries(client, f"/compounds/{world.compound.code}/tasks", grow, pin=12, show="all")


@pytest.mark.parametrize("public", [True, False])
def test_meeting_lists_queries_are_constant(client, login, world, count_queries, public):
    url = (
        f"/c/{world.compound.code}/meetings/"
        if public
        else f"/compounds/{world.compound.code}/meetings/"
    )
    c = client if public else login(world.staff)
    add_meeting(world)
    c.get(url)
    with count_queries() as before:
        c.get(url)
    for i in range(4):
        m = add_meeting(world, title=f"会{i}", days=i - 2)
        services.attendance_guest(meeting=m, name="访客")
    with count_queries() as after:
        response = c.get(url)
    assert response.status_code == 200
    assert before.count == after.count, after.dump()
    assert before.count <= 15


def test_staff_meeting_page_queries_are_constant(login, world, count_queries):
    meeting = add_meeting(world, days=-1)
    services.attendance_guest(meeting=meeting, name="访客")
    services.resolution_create(
        actor=world.staff, compound=world.compound, meeting=meeting, text="决议"
    )
    c = login(world.staff)
    url = f"/compounds/{world.compound.code}/meetings/{meeting.pk}/"
    c.get(url)
    with count_queries() as before:
        c.get(url)
    for i in range(4):
        services.attendance_guest(meeting=meeting, name=f"访客{i}")
        services.resolution_create(
            actor=world.staff, compound=world.compound, meeting=meeting, text=f"决议{i}"
        )
    with count_queries() as after:
        c.get(url)
    assert before.count == after.count, after.dump()
