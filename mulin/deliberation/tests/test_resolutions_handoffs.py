"""A resolution handed on: to a project, to a motion of a draft vote, to a rule."""

from datetime import timedelta

from django.utils import timezone

from mulin.deliberation import services_meetings as services
from mulin.deliberation.models import Project, Resolution, RuleVersion


def _resolution(world):
    return services.resolution_create(
        actor=world.staff, compound=world.compound, text="安装 50 个监控探头"
    )


def _url(world, resolution, to):
    return f"/compounds/{world.compound.code}/resolutions/{resolution.pk}/to/{to}/"


def test_resolution_becomes_a_project(login, world):
    resolution = _resolution(world)
    response = login(world.staff).post(
        _url(world, resolution, "project"),
        {"title": "安装监控", "summary": "覆盖大门和停车区域", "kind": "safety"},
    )
    assert response.status_code == 302
    project = Project.objects.get()
    assert project.resolution == resolution and project.compound == world.compound
    page = login(world.staff).get(f"/compounds/{world.compound.code}/resolutions/{resolution.pk}/")
    assert "安装监控" in page.content.decode()


def test_resolution_becomes_a_motion_of_a_draft_vote(login, world):
    from mulin.decisions import services as decisions

    now = timezone.now()
    vote = decisions.vote_create(
        actor=world.staff,
        compound=world.compound,
        title="征求意见：安装监控",
        opens_at=now + timedelta(days=30),
        closes_at=now + timedelta(days=40),
        meeting_kind="consultation",
    )
    resolution = _resolution(world)
    response = login(world.staff).post(
        _url(world, resolution, "motion"),
        {"vote": vote.pk, "kind": "consultation", "title": "是否同意安装监控", "text": "详见决议"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    resolution.refresh_from_db()
    assert resolution.motion.vote == vote
    assert resolution.motion.title == "是否同意安装监控"


def test_motion_needs_decisions_manage(login, world):
    from mulin.core.models import Role
    from mulin.testing import factories as f

    secretary = f.UserFactory(username="secretary")
    f.grant(secretary, Role.PARTY_SECRETARY, world.compound)  # deliberation.manage only
    resolution = _resolution(world)
    response = login(secretary).post(_url(world, resolution, "motion"), {"title": "x"})
    assert response.status_code == 404


def test_resolution_becomes_a_rule_and_bad_dates_change_nothing(login, world):
    resolution = _resolution(world)
    client = login(world.staff)
    bad = client.post(
        _url(world, resolution, "rule"),
        {
            "kind": "convention",
            "title": "邻里公约",
            "text": "邻里和，互相帮",
            "adopted_on": "2026-05-02",
            "effective_on": "2026-05-01",
        },
    )
    assert bad.status_code == 400
    assert not RuleVersion.objects.exists()
    good = client.post(
        _url(world, resolution, "rule"),
        {
            "kind": "convention",
            "title": "邻里公约",
            "text": "邻里和，互相帮",
            "adopted_on": "2026-05-01",
            "effective_on": "2026-05-01",
        },
    )
    assert good.status_code == 302
    assert RuleVersion.objects.get().resolution == resolution


def test_handoffs_are_404_for_outsiders_and_residents(login, world):
    resolution = _resolution(world)
    for user in (world.outsider, world.resident):
        for to in ("project", "motion", "rule"):
            assert login(user).post(_url(world, resolution, to), {}).status_code == 404
    assert Resolution.objects.get().motion is None
