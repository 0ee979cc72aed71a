from mulin.deliberation.models import Attendance, AttendanceMethod

from .test_meetings_common import add_meeting


def test_resident_signs_in_once_with_one_tap(login, world):
    meeting = add_meeting(world, days=0)
    client = login(world.resident)
    url = f"/m/{meeting.signin_token}/"
    assert "sign me in" in client.get(url).content.decode()
    assert client.post(url, {"action": "me"}).status_code == 302
    assert client.post(url, {"action": "me"}).status_code == 302
    rows = Attendance.objects.filter(meeting=meeting)
    assert rows.count() == 1
    assert rows.get().person == world.resident_person
    assert rows.get().method == AttendanceMethod.QR
    assert "You signed in at" in client.get(url).content.decode()


def test_guest_gives_a_name(client, world):
    meeting = add_meeting(world, days=0)
    url = f"/m/{meeting.signin_token}/"
    assert client.post(url, {"name": ""}).status_code == 400
    assert not Attendance.objects.exists()
    assert client.post(url, {"name": "社区规划师王老师"}).status_code == 302
    assert Attendance.objects.get().name == "社区规划师王老师"


def test_resident_of_another_compound_cannot_tap_in(login, world):
    from mulin.testing import factories as f

    meeting = add_meeting(world, days=0)
    stranger_person = f.PersonFactory(compound=world.other, name="外人")
    f.ResidencyFactory(unit=world.other_unit, person=stranger_person)
    stranger = f.UserFactory(username="stranger", person=stranger_person)
    response = login(stranger).post(f"/m/{meeting.signin_token}/", {"action": "me"})
    assert response.status_code == 400
    assert not Attendance.objects.exists()


def test_unknown_token_is_404(client, world):
    assert client.get("/m/nope/").status_code == 404


def test_api_sign_in_is_once(api, world):
    meeting = add_meeting(world, days=0)
    client = api(world.resident)
    first = client.post(f"/meetings/signin/{meeting.signin_token}")
    second = client.post(f"/meetings/signin/{meeting.signin_token}")
    assert first.status_code == second.status_code == 200
    assert first.json()["created"] is True and second.json()["created"] is False
    assert Attendance.objects.count() == 1
    assert api(world.outsider).post(f"/meetings/signin/{meeting.signin_token}").status_code == 400
    assert api().post(f"/meetings/signin/{meeting.signin_token}").status_code == 401


def test_sheet_has_a_qr_code_of_the_sign_in_link(login, world):
    meeting = add_meeting(world, days=0)
    html = (
        login(world.staff)
        .get(f"/compounds/{world.compound.code}/meetings/{meeting.pk}/sheet/")
        .content.decode()
    )
    assert "<svg" in html and f"/m/{meeting.signin_token}/" in html


def test_staff_record_a_registered_person_once_and_a_guest(login, world):
    meeting = add_meeting(world, days=0)
    client = login(world.staff)
    url = f"/compounds/{world.compound.code}/meetings/{meeting.pk}/attendance/"
    assert client.post(url, {"person": world.resident_person.pk}).status_code == 302
    assert client.post(url, {"person": world.resident_person.pk}).status_code == 400
    assert client.post(url, {"name": ""}).status_code == 400
    assert client.post(url, {"name": "物业王经理"}).status_code == 302
    assert Attendance.objects.filter(meeting=meeting).count() == 2
    page = client.get(f"/compounds/{world.compound.code}/meetings/{meeting.pk}/?q=张")
    assert "张三" in page.content.decode()
