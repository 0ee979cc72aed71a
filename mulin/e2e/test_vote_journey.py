"""An owners' vote from notice to recount, in a real browser (Debian Chromium): staff publish the
notice, voting opens when it said, an owner votes online, staff record a paper ballot by its
token, voting closes, the tally is frozen and published, an owner downloads the ballot file and
the public recount page gives the very result Mulin published."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from mulin.core.models import Role
from mulin.decisions import services
from mulin.decisions.models import Ballot, MotionKind, Vote
from mulin.decisions.states import VoteStatus
from mulin.testing import factories as f

from .conftest import axe_violations, log_in

PASSWORD = "correct-horse-42"


@pytest.fixture
def assembly_hall(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    compound = f.CompoundFactory(code="jinxiu-e2e", name="锦绣金山")
    entrance = f.EntranceFactory(building__compound=compound, building__number="5", number="1")
    owners, users = [], []
    for i, area in enumerate(["90.00", "110.00", "100.00", "80.00"]):
        unit = f.UnitFactory(
            entrance=entrance, number=f"{i + 1}01", code=f"5-1-{i + 1}01", area=Decimal(area)
        )
        person = f.PersonFactory(compound=compound, name=f"业主{i + 1}")
        f.OwnershipFactory(unit=unit, person=person)
        f.ResidencyFactory(unit=unit, person=person, relation="owner", is_head=True)
        user = f.UserFactory(username=f"owner{i + 1}", person=person, password=PASSWORD)
        f.grant(user, Role.RESIDENT, compound)
        owners.append(person)
        users.append(user)
    committee = f.UserFactory(username="committee-chair", password=PASSWORD)
    f.grant(committee, Role.COMMITTEE_MEMBER, compound)
    start = timezone.now().replace(microsecond=0)
    vote = services.vote_create(
        actor=committee,
        compound=compound,
        title="关于修订《管理规约》的表决",
        opens_at=start + timedelta(days=16),
        closes_at=start + timedelta(days=23),
    )
    services.motion_add(
        actor=committee,
        vote=vote,
        kind=MotionKind.ORDINARY,
        matter="management_code",
        title="修订《管理规约》",
    )
    return compound, vote, owners, users, committee


def _move(page, compound, vote, move):
    page.goto(f"{page.base_url}/compounds/{compound.code}/votes/{vote.pk}/")
    form = page.locator(f"form[action$='/do/{move}/']")
    form.locator("xpath=ancestor::details").locator("summary").click()
    form.locator("[type=submit]").click()
    page.wait_for_load_state()


def test_vote_from_notice_to_recount(chromium, live_server, assembly_hall, tmp_path):
    compound, vote, owners, users, committee = assembly_hall

    def new_page(who):
        context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.base_url = live_server.url
        log_in(page, who.username, PASSWORD)
        return page

    # 1. The committee publishes the notice.
    staff = new_page(committee)
    _move(staff, compound, vote, "publish")
    vote.refresh_from_db()
    assert vote.status == VoteStatus.PUBLISHED
    assert vote.total_owners == 4 and vote.total_area == Decimal("380.00")
    staff.context.close()

    # 2. The notice period is over: the committee opens voting and an owner votes online.
    with time_machine.travel(vote.opens_at + timedelta(minutes=5), tick=True):
        staff = new_page(committee)
        _move(staff, compound, vote, "open")
        vote.refresh_from_db()
        assert vote.status == VoteStatus.OPEN

        owner = new_page(users[0])
        owner.goto(f"{owner.base_url}/votes/{vote.pk}/")
        motion = vote.motions.get()
        owner.locator(f"input[name=motion_{motion.pk}][value=yes]").check(force=True)
        owner.locator("button[name=action][value=review]").click()
        owner.locator("button[name=action][value=confirm]").click()
        owner.wait_for_load_state()
        ballot = Ballot.objects.get(elector__people=owners[0])
        expect(owner.locator("body")).to_contain_text(ballot.receipt)
        assert not axe_violations(owner), axe_violations(owner)

        # 3. A paper ballot comes back signed; the committee records it by its token.
        paper = vote.electors.get(people=owners[1])
        scan = tmp_path / "ballot.jpg"
        from PIL import Image

        Image.new("RGB", (800, 1100), "white").save(scan, format="JPEG")
        staff.goto(f"{staff.base_url}/compounds/{compound.code}/votes/{vote.pk}/record/")
        staff.fill("input[name=token]", paper.token.lower())
        staff.locator("input[name=token]").press("Enter")
        staff.wait_for_load_state()
        staff.locator(f"input[name=motion_{motion.pk}][value=no]").check(force=True)
        staff.set_input_files("input[name=scan]", str(scan))
        staff.locator("input[name=signed]").check(force=True)
        staff.locator("form[method=post] [type=submit]").last.click()
        staff.wait_for_load_state()
        assert Ballot.objects.filter(elector=paper, channel="paper").exists()

        # The same owner cannot vote again online.
        second = new_page(users[1])
        second.goto(f"{second.base_url}/votes/{vote.pk}/")
        expect(second.locator("body")).to_contain_text(paper.ballot.receipt)
        assert not second.locator("button[name=action][value=review]").count()
        for page in (staff, owner, second):
            page.context.close()

    # 4. Voting closes; the tally is frozen and published.
    with time_machine.travel(vote.closes_at + timedelta(minutes=5), tick=True):
        staff = new_page(committee)
        for move in ("close", "tally", "publish_result"):
            _move(staff, compound, vote, move)
        vote = Vote.objects.get(pk=vote.pk)
        assert vote.status == VoteStatus.RESULT_PUBLISHED
        published = vote.tally["motions"][0]["result"]
        # 200 of 380 m² and 2 of 4 owners took part: no quorum, the motion fails.
        assert published["participating"] == {"area": "200.00", "owners": 2}
        assert published["passed"] is False

        # The public result page, without logging in, shows the frozen tally's hash.
        anonymous = chromium.new_context(locale="zh-CN").new_page()
        anonymous.goto(f"{live_server.url}/c/{compound.code}/votes/{vote.pk}/")
        expect(anonymous.locator("body")).to_contain_text(vote.tally_sha256)
        assert "5-1-101" not in anonymous.content()

        # 5. An owner downloads the ballot file …
        owner = new_page(users[2])
        with owner.expect_download() as download:
            owner.evaluate(
                "url => { const a = document.createElement('a'); a.href = url; a.download = '';"
                " document.body.appendChild(a); a.click(); }",
                f"/votes/{vote.pk}/motions/{vote.motions.get().pk}/ballot-file.csv",
            )
        path = tmp_path / "ballots.csv"
        download.value.save_as(path)
        assert path.read_text().startswith("unit_code,area,area_source,owner_key,choice")

        # … and the recount page (no login) gives the same result.
        anonymous.goto(f"{live_server.url}/recount/")
        anonymous.set_input_files("input[name=file]", str(path))
        anonymous.locator("input[name=kind][value=ordinary]").check(force=True)
        anonymous.locator("form[method=post] [type=submit]").last.click()
        anonymous.wait_for_load_state()
        shown = json.loads(anonymous.locator("#recount-json").inner_text())
        assert shown == published
        for page in (staff, owner, anonymous):
            page.context.close()
