"""A leak from report to public board, in a real browser (Debian Chromium): the resident reports it
with a photo, the team leader accepts and assigns it, the handler resolves it with an after
photo, the resident rates it, and the public progress board shows it without unit or name."""

import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from mulin.core.models import Role
from mulin.orgs.models import OrgKind
from mulin.people.models import Residency
from mulin.testing import factories as f
from mulin.tickets import services
from mulin.tickets.models import Category, PhotoStage, Rating, Ticket, TicketPhoto
from mulin.tickets.states import Status

from .conftest import axe_violations, log_in

PASSWORD = "correct-horse-42"
GPS_TAG = 0x8825


def _jpeg_with_gps(path):
    """A phone photo: JPEG with a GPS position in its EXIF."""
    image = Image.new("RGB", (640, 480), (70, 110, 160))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(GPS_TAG).update({1: "N", 2: (24.0, 29.0, 1.0), 3: "E", 4: (118.0, 5.0, 1.0)})
    image.save(path, format="JPEG", exif=exif.tobytes())
    return path


@pytest.fixture
def leak_desk(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    compound = f.CompoundFactory(code="cangji-e2e", name="仓基新村")
    unit = f.UnitFactory(
        entrance__building__compound=compound,
        entrance__building__number="63",
        entrance__number="2",
        number="601",
        code="63-2-601",
    )
    elder = f.PersonFactory(compound=compound, name="林阿婆", phone="13900001111")
    f.ResidencyFactory(unit=unit, person=elder, relation=Residency.Relation.OWNER, is_head=True)
    resident = f.UserFactory(username="lin-apo", person=elder, phone="13900001111")
    f.grant(resident, Role.RESIDENT, compound)
    team = f.OrganisationFactory(
        compound=compound, kind=OrgKind.QUASI_PROPERTY, name="准物业工程小组"
    )
    leader = f.UserFactory(username="team-leader", first_name="周")
    f.grant(leader, Role.PROPERTY_MANAGER, team)
    handler = f.UserFactory(username="handler-wang", first_name="王师傅")
    f.grant(handler, Role.PROPERTY_STAFF, team)
    staff = f.UserFactory(username="office")
    f.grant(staff, Role.COMMUNITY_STAFF, compound.community)
    services.categories_ensure_defaults(actor=staff, compound=compound)
    Category.objects.filter(compound=compound).update(organisation=team)
    return {
        "compound": compound,
        "unit": unit,
        "leak": Category.objects.get(compound=compound, code="leak"),
        "handler": handler,
        "photo": _jpeg_with_gps(tmp_path / "ceiling.jpg"),
        "after": _jpeg_with_gps(tmp_path / "fixed.jpg"),
    }


def _as(page, chromium, username):
    """A fresh browser context signed in as `username` (each person on their own phone)."""
    context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    context.set_default_timeout(15_000)
    other = context.new_page()
    other.base_url = page.base_url
    log_in(other, username, PASSWORD)
    return other


def test_leak_reported_with_photo_assigned_resolved_rated_and_shown_publicly(
    page, chromium, leak_desk
):
    desk = leak_desk
    # 1. The resident reports the leak with a photo, from a phone.
    resident = _as(page, chromium, "lin-apo")
    resident.goto(resident.base_url + "/me/requests/new/")
    assert axe_violations(resident) == []
    resident.locator(f"label[for='category-{desk['leak'].pk}']").click()
    resident.fill("textarea[name=description]", "台风夜客厅和卧室天花板渗水")
    resident.set_input_files("input[name=photos]:not([capture])", str(desk["photo"]))
    resident.locator("form[action='/me/requests/new/'] button[type=submit]").click()
    expect(resident).to_have_url(re.compile(r"/requests/\d+/$"))
    ticket = Ticket.objects.get()
    assert (ticket.status, ticket.unit, ticket.category) == (
        Status.SUBMITTED,
        desk["unit"],
        desk["leak"],
    )
    reported = TicketPhoto.objects.get(ticket=ticket)
    with Image.open(reported.image.path) as stored:
        assert stored.format == "JPEG"
        assert not stored.getexif().get_ifd(GPS_TAG)
    expect(resident.locator("main")).to_contain_text("台风夜客厅和卧室天花板渗水")

    # 2. The team leader accepts it and gives it to the handler.
    leader = _as(page, chromium, "team-leader")
    leader.goto(leader.base_url + f"/compounds/{desk['compound'].code}/requests/?queue=unassigned")
    expect(leader.locator("main")).to_contain_text(f"#{ticket.pk}")
    assert axe_violations(leader) == []
    leader.goto(leader.base_url + f"/requests/{ticket.pk}/")
    assert axe_violations(leader) == []
    leader.locator(f"form[action='/requests/{ticket.pk}/do/accepted/'] button").click()
    assign = leader.locator(f"form[action='/requests/{ticket.pk}/do/assigned/']")
    expect(assign).to_be_visible()
    assign.locator("select").select_option(str(desk["handler"].pk))
    assign.locator("button[type=submit]").click()
    expect(leader.locator("#assign summary")).to_contain_text("改派给其他处理人")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.assignee) == (Status.ASSIGNED, desk["handler"])

    # 3. The handler starts, and resolves it with an after photo.
    handler = _as(page, chromium, "handler-wang")
    handler.goto(handler.base_url + f"/requests/{ticket.pk}/")
    handler.locator(f"form[action='/requests/{ticket.pk}/do/in_progress/'] button").click()
    resolve = handler.locator("#resolve")
    expect(resolve).to_be_visible()
    if resolve.get_attribute("open") is None:
        resolve.locator("summary").click()
    resolve.locator("textarea").first.fill("更换了屋面防水卷材，已不再渗水")
    resolve.locator("input[type=file]:not([capture])").set_input_files(str(desk["after"]))
    resolve.locator("button[type=submit]").click()
    expect(handler.locator("main")).to_contain_text("更换了屋面防水卷材")
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    assert TicketPhoto.objects.filter(ticket=ticket, stage=PhotoStage.AFTER).count() == 1

    # 4. The resident rates the work.
    resident.goto(resident.base_url + f"/requests/{ticket.pk}/")
    rate = resident.locator("#rate")
    for question in ("overall", "speed", "attitude"):
        rate.locator(f"label:has(input[name$='{question}'][value='5'])").click()
    rate.locator("textarea").fill("半夜就来修了，谢谢王师傅")
    rate.locator("button[type=submit]").click()
    expect(resident.locator("main")).to_contain_text("半夜就来修了")
    assert axe_violations(resident) == []
    rating = Rating.objects.get(ticket=ticket)
    assert (rating.overall, rating.speed, rating.attitude) == (5, 5, 5)

    # 5. Anyone sees it on the public progress board, without the unit, the name or the text.
    page.goto(page.base_url + f"/c/{desk['compound'].code}/progress/")
    board = page.locator("main")
    expect(board).to_contain_text(desk["leak"].name)
    expect(board).to_contain_text("63")
    html = page.content()
    for private in ("63-2-601", "601", "林阿婆", "13900001111", "天花板渗水", "王师傅"):
        assert private not in html, private
    assert axe_violations(page) == []

    for other in (resident, leader, handler):
        other.context.close()
