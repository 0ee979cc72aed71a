import pytest
from django.core.exceptions import ValidationError

from mulin.core.models import AuditEvent, Notification
from mulin.deliberation import minutes
from mulin.deliberation import services_meetings as services
from mulin.deliberation.models import AccessRequestStatus, MinutesRequest

from .test_meetings_common import add_meeting, committee  # noqa: F401

TEXT = """# 会议纪要
张三（电话 13812345678，住 63-2-301）提出快递柜问题。
- 李四同意，住 3号楼2单元302室
- **物业**答复：一周内移位
1. 下次会议再议
<script>alert(1)</script>"""


def test_render_keeps_the_small_format_and_escapes_the_rest():
    html = minutes.render(TEXT)
    assert "<h3>会议纪要</h3>" in html
    assert "<ul><li>李四同意" in html
    assert "<strong>物业</strong>" in html
    assert "<ol><li>下次会议再议</li></ol>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_mask_keeps_dates_and_hides_phones_units_and_names():
    out = minutes.mask("2026-12-01 张三 13812345678 63-2-301 302室 7栋201", ["张三"])
    assert out.startswith("2026-12-01 张* 138****5678 *** *** ***")


@pytest.fixture
def held(world, neighbourhood):
    meeting = add_meeting(world, days=-1)
    services.attendance_record(actor=world.staff, meeting=meeting, person=world.resident_person)
    services.attendance_record(actor=world.staff, meeting=meeting, person=neighbourhood.neighbour)
    services.minutes_save(actor=world.staff, meeting=meeting, minutes=TEXT, publish=True)
    return meeting


SECRETS = ["张三", "李四", "13812345678", "63-2-301", "3号楼2单元302室"]


def test_public_page_masks_personal_data(client, world, held):
    html = client.get(f"/c/{world.compound.code}/meetings/{held.pk}/").content.decode()
    assert "快递柜问题" in html
    for secret in SECRETS:
        assert secret not in html
    assert "张*" in html and "138****5678" in html


def test_staff_see_the_full_minutes(login, world, held):
    html = login(world.staff).get(f"/c/{world.compound.code}/meetings/{held.pk}/").content.decode()
    for secret in SECRETS:
        assert secret in html
    staff_page = login(world.staff).get(f"/compounds/{world.compound.code}/meetings/{held.pk}/")
    assert "13812345678" in staff_page.content.decode()


def test_api_gives_residents_the_masked_minutes(api, world, held):
    body = api(world.resident).get(f"/compounds/{world.compound.code}/meetings/{held.pk}").json()
    assert "13812345678" not in body["minutes"] and "138****5678" in body["minutes"]
    staff = api(world.staff).get(f"/compounds/{world.compound.code}/meetings/{held.pk}").json()
    assert "13812345678" in staff["minutes"]


def test_unpublished_minutes_are_not_public(client, world):
    meeting = add_meeting(world, days=-1)
    services.minutes_save(actor=world.staff, meeting=meeting, minutes="草稿 张三", publish=False)
    html = client.get(f"/c/{world.compound.code}/meetings/{meeting.pk}/").content.decode()
    assert "草稿" not in html


def test_owner_requests_and_is_granted_the_full_minutes(login, world, held):
    url = f"/c/{world.compound.code}/meetings/{held.pk}/"
    resident = login(world.resident)
    response = resident.post(url + "request/", {"reason": "核实我的发言记录"})
    assert response.status_code == 302
    asked = MinutesRequest.objects.get(meeting=held)
    assert asked.status == AccessRequestStatus.PENDING
    assert "13812345678" not in resident.get(url).content.decode()
    assert resident.post(url + "request/", {"reason": "again"}).status_code == 400
    assert MinutesRequest.objects.count() == 1

    staff = login(world.staff)
    decide = f"/compounds/{world.compound.code}/meetings/{held.pk}/requests/{asked.pk}/"
    assert staff.post(decide, {"decision": "grant", "answer": "同意"}).status_code == 302
    asked.refresh_from_db()
    assert asked.status == AccessRequestStatus.GRANTED and asked.decided_by == world.staff
    assert AuditEvent.objects.filter(action="minutes_request.grant").exists()
    assert Notification.objects.filter(recipient=world.resident).exists()
    page = login(world.resident).get(url).content.decode()
    assert "13812345678" in page and "63-2-301" in page


def test_refusal_needs_an_answer_and_keeps_the_masking(login, world, held):
    asked = services.minutes_request_create(actor=world.resident, meeting=held, reason="想看")
    with pytest.raises(ValidationError):
        services.minutes_request_decide(actor=world.staff, request=asked, grant=False)
    asked.refresh_from_db()
    assert asked.status == AccessRequestStatus.PENDING
    services.minutes_request_decide(
        actor=world.staff, request=asked, grant=False, answer="涉及隐私"
    )
    page = login(world.resident).get(f"/c/{world.compound.code}/meetings/{held.pk}/")
    assert "13812345678" not in page.content.decode()
    assert "涉及隐私" in page.content.decode()


def test_non_owner_cannot_request(login, world, held, neighbourhood):
    from mulin.testing import factories as f

    tenant = f.UserFactory(username="tenant", person=neighbourhood.neighbour)
    response = login(tenant).post(
        f"/c/{world.compound.code}/meetings/{held.pk}/request/", {"reason": "看看"}
    )
    assert response.status_code == 400
    assert not MinutesRequest.objects.exists()


def test_minutes_editor_previews_the_masked_version(login, world, held):
    response = login(world.staff).get(
        f"/compounds/{world.compound.code}/meetings/{held.pk}/minutes/"
    )
    assert response.status_code == 200
    assert "138****5678" in response.content.decode()


def test_publishing_empty_minutes_is_refused(login, world):
    meeting = add_meeting(world, days=-1)
    response = login(world.staff).post(
        f"/compounds/{world.compound.code}/meetings/{meeting.pk}/minutes/",
        {"minutes": "  ", "action": "publish"},
    )
    assert response.status_code == 400
    assert "Write the minutes before publishing them." in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.minutes_published_at is None


def test_notes_before_the_meeting_do_not_make_it_held_nor_public(login, world):
    meeting = add_meeting(world, days=2)
    services.minutes_save(actor=world.staff, meeting=meeting, minutes="议程草稿")
    meeting.refresh_from_db()
    assert meeting.status == "planned" and meeting.minutes == "议程草稿"
    response = login(world.staff).post(
        f"/compounds/{world.compound.code}/meetings/{meeting.pk}/minutes/",
        {"minutes": "议程草稿", "action": "publish"},
    )
    assert response.status_code == 400
    assert "Minutes can be published once the meeting has started." in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.minutes_published_at is None and meeting.status == "planned"
