"""What a community worker and a resident do first, in a real browser (Debian Chromium)."""

import re

import pytest
from playwright.sync_api import expect

from mulin.core.models import BindingRequest, Role
from mulin.orgs.models import MemberRole, OrgKind
from mulin.people.models import Residency
from mulin.testing import factories as f

from .conftest import axe_violations, log_in

PASSWORD = "correct-horse-42"


@pytest.fixture
def compound_with_people(transactional_db):
    """锦绣 with 63-2-301, where 张三丰 lives, and the branch secretary answering for building 63."""
    compound = f.CompoundFactory(code="jinxiu-e2e", name="锦绣金山小区")
    unit = f.UnitFactory(
        entrance__building__compound=compound,
        entrance__building__number="63",
        entrance__number="2",
        number="301",
        code="63-2-301",
    )
    f.UnitFactory(entrance=unit.entrance, number="302", code="63-2-302")
    resident = f.PersonFactory(compound=compound, name="张三丰", phone="13812345678")
    f.ResidencyFactory(unit=unit, person=resident, relation=Residency.Relation.OWNER, is_head=True)
    branch = f.OrganisationFactory(compound=compound, kind=OrgKind.PARTY_BRANCH, name="第八党支部")
    secretary = f.MembershipFactory(
        organisation=branch,
        person=f.PersonFactory(compound=compound, name="周建国"),
        role=MemberRole.SECRETARY,
    )
    from mulin.orgs.models import ResponsibilityArea

    ResponsibilityArea.objects.create(membership=secretary, building=unit.building)
    staff = f.UserFactory(username="community-worker")
    f.grant(staff, Role.COMMUNITY_STAFF, compound.community)
    return {"compound": compound, "unit": unit, "staff": staff, "resident": resident}


def test_staff_finds_resident_by_pinyin_opens_unit_and_sees_responsible_member(
    page, compound_with_people
):
    unit = compound_with_people["unit"]
    log_in(page, "community-worker", PASSWORD)
    page.goto(page.base_url + "/search/")
    page.fill("#search-q", "zsf")
    results = page.locator("#search-results")
    expect(results).to_contain_text("张三丰")
    expect(results).to_contain_text("138****5678")
    expect(results).not_to_contain_text("13812345678")
    results.get_by_role("link", name="63-2-301").first.click()
    expect(page).to_have_url(re.compile(rf"/units/{unit.pk}/$"))
    expect(page.locator("h1")).to_contain_text("63-2-301")
    expect(page.locator("#responsible-title")).to_be_visible()
    responsible = page.locator("section[aria-labelledby=responsible-title]")
    expect(responsible).to_contain_text("周建国")
    expect(responsible).to_contain_text("第八党支部")

    # Switch to English: the page answers in English and remembers it.
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#responsible-title")).to_contain_text(
        "Who is responsible for this household"
    )

    # Large-text mode: the switch is on every page, the text grows to at least 18 px.
    page.locator(".mulin-elder-btn").click()
    expect(page.locator("html")).to_have_class(re.compile(r"\belder\b"))
    font_size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert font_size >= 18
    page.goto(page.base_url + "/search/")
    expect(page.locator("html")).to_have_class(re.compile(r"\belder\b"))
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_resident_registers_requests_binding_and_staff_approves(
    page, compound_with_people, chromium, live_server
):
    page.goto(page.base_url + "/register/")
    page.fill("input[name=phone]", "13900001111")
    page.fill("input[name=name]", "林小梅")
    page.fill("input[name=password]", "a-good-pass-2024")
    page.fill("input[name=password_again]", "a-good-pass-2024")
    page.locator("main form [type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/me/bind/"))

    # Find the compound by name, then give the unit code as residents write it.
    page.fill("#id_q", "锦绣")
    page.locator("#compound-results").get_by_role("link", name=re.compile("锦绣金山小区")).click()
    page.fill("input[name=unit_code]", "63幢2单元302")
    page.locator("input[name=relation][value=tenant]").check()
    page.fill("input[name=name]", "林小梅")
    page.locator("main form[method=post]").last.locator("[type=submit]").click()
    expect(page.locator("main")).to_contain_text("63-2-302")
    request = BindingRequest.objects.get(user__phone="13900001111")
    assert request.status == "pending" and request.unit.code == "63-2-302"

    # The community worker approves it in the queue.
    staff_context = chromium.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    staff_page = staff_context.new_page()
    staff_page.base_url = live_server.url
    log_in(staff_page, "community-worker", PASSWORD)
    staff_page.goto(live_server.url + "/staff/bindings/")
    row = staff_page.locator(f"#binding-{request.pk}")
    expect(row).to_contain_text("林小梅")
    row.locator("button[name=decision][value=approve]").click()
    expect(row).to_contain_text(re.compile("已通过|Approved|批准"))
    staff_context.close()

    request.refresh_from_db()
    assert request.status == "approved"
    assert (
        Residency.objects.current()
        .filter(unit__code="63-2-302", person__name="林小梅", relation="tenant")
        .exists()
    )
    # Back on the resident's side, the home now shows in their household.
    page.goto(page.base_url + "/")
    expect(page.locator("main")).to_contain_text("63-2-302")


@pytest.mark.parametrize("who", ["anonymous", "resident", "staff"])
def test_key_pages_have_no_serious_accessibility_violations(page, compound_with_people, who):
    compound, unit, resident = (
        compound_with_people["compound"],
        compound_with_people["unit"],
        compound_with_people["resident"],
    )
    if who == "anonymous":
        pages = ["/login/", f"/c/{compound.code}/"]
    elif who == "resident":
        user = f.UserFactory(username="resident-e2e", phone="13812345678", person=resident)
        f.grant(user, Role.RESIDENT, compound)
        log_in(page, "resident-e2e", PASSWORD)
        pages = ["/", f"/units/{unit.pk}/", f"/persons/{resident.pk}/"]
    else:
        log_in(page, "community-worker", PASSWORD)
        pages = [
            f"/compounds/{compound.code}/",
            f"/units/{unit.pk}/",
            f"/persons/{resident.pk}/",
            "/search/?q=zsf",
        ]
    problems = {}
    for path in pages:
        response = page.goto(page.base_url + path)
        assert response.status == 200, path
        for elder in (False, True):
            if elder:
                page.evaluate(
                    "document.documentElement.classList.add('elder'); document.body.classList.add('elder')"
                )
            found = axe_violations(page)
            if found:
                problems[f"{path} elder={elder}"] = found
    assert not problems, problems
