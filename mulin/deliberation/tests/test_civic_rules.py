# ruff: noqa: F811  (fixtures imported from test_civic_common)
"""Rules (定规矩): versions in force by their dates, the differences between two, adoption by a
resolution or a motion, and the public and staff pages."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from mulin.deliberation import diff
from mulin.deliberation import services_civic as services
from mulin.deliberation.models import Rule, RuleVersion

from .test_civic_common import adopt, audited, civic, pin  # noqa: F401

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- the diff


def test_diff_by_line_then_character():
    result = diff.compare(
        "第一条 车辆停放\n第二条 不占通道\n第三条 旧", "第一条 车辆有序停放\n第二条 不占通道"
    )
    kinds = [row.kind for row in result.rows]
    assert kinds == ["changed", "same", "removed"]
    changed = result.rows[0]
    assert [(s.op, s.text) for s in changed.merged] == [
        ("same", "第一条 车辆"),
        ("added", "有序"),
        ("same", "停放"),
    ]
    assert result.added == 2
    assert result.removed == len("第三条 旧")


def test_diff_of_same_text_has_no_change():
    result = diff.compare("甲\n乙", "甲\n乙")
    assert not result.changed
    assert all(row.kind == "same" for row in result.rows)


def test_diff_added_lines_and_json():
    result = diff.compare("甲", "甲\n乙\n丙")
    assert [r.kind for r in result.rows] == ["same", "added", "added"]
    data = diff.as_json(result)
    assert data["added"] == 2
    assert data["rows"][1]["new"] == [{"op": "added", "text": "乙"}]


# ---------------------------------------------------------------- versions


def test_rule_versions_and_the_one_in_force(world):
    first = adopt(world)
    today = timezone.localdate()
    second = adopt(
        world,
        rule=first.rule,
        text="第一条 车辆有序停放\n第二条 不占消防通道",
        adopted_on=today - timedelta(days=5),
        effective_on=today - timedelta(days=1),
        summary="有序",
    )
    later = adopt(
        world,
        rule=first.rule,
        text="第一条 车辆有序停放",
        adopted_on=today,
        effective_on=today + timedelta(days=30),
    )
    assert (first.number, second.number, later.number) == (1, 2, 3)
    from mulin.deliberation import selectors_civic as sel

    (rule,) = sel.rules_of(world.compound)
    assert rule.current == second
    assert rule.later == [later]
    assert audited("rule.adopt") == 1
    assert audited("rule.amend") == 2


def test_new_version_must_follow_the_current(world):
    first = adopt(world)
    with pytest.raises(ValidationError) as exc:
        adopt(world, rule=first.rule, text="新", effective_on=date(2019, 12, 31))
    assert "effective_on" in exc.value.message_dict
    assert RuleVersion.objects.count() == 1


def test_bad_input_names_the_field_and_writes_nothing(world):
    with pytest.raises(ValidationError) as exc:
        adopt(world, title="", text=" ", effective_on=date(2019, 1, 1))
    assert {"title", "text", "effective_on"} <= set(exc.value.message_dict)
    assert Rule.objects.count() == 0


def test_adopted_by_a_motion_of_another_compound_is_refused(world):
    from mulin.decisions.models import Motion

    assert Motion.objects.count() == 0  # no vote in the fixtures: a resolution of elsewhere
    from mulin.deliberation.models import Resolution

    other = Resolution.objects.create(
        compound=world.other, text="别处的决议", created_by=world.staff
    )
    with pytest.raises(ValidationError) as exc:
        adopt(world, resolution=other)
    assert "resolution" in exc.value.message_dict


def test_adopted_by_a_resolution_shows_it(world, client):
    from mulin.deliberation.models import Resolution

    resolution = Resolution.objects.create(
        compound=world.compound, text="圆桌会决定：车辆有序停放", created_by=world.staff
    )
    version = adopt(world, resolution=resolution)
    page = client.get(f"/c/{world.compound.code}/rules/{version.rule_id}/")
    assert "圆桌会决定：车辆有序停放" in page.content.decode()


def test_only_managers_adopt(world):
    with pytest.raises(Http404):
        adopt(world, actor=world.resident)
    with pytest.raises(Http404):
        adopt(world, actor=world.outsider)


def test_repeal(world):
    version = adopt(world)
    services.rule_repeal(actor=world.staff, rule=version.rule, repealed_on=date(2024, 1, 1))
    from mulin.deliberation import selectors_civic as sel

    assert sel.rules_of(world.compound) == []
    assert audited("rule.repeal") == 1
    with pytest.raises(ValidationError):
        adopt(world, rule=version.rule, text="再改", effective_on=date(2025, 1, 1))


# ---------------------------------------------------------------- pages


def test_public_rules_page_groups_by_kind(world, client):
    adopt(world)
    adopt(world, title="邻里公约", kind="convention")
    page = client.get(f"/c/{world.compound.code}/rules/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "停车管理规定" in text and "邻里公约" in text
    assert "Residents&#x27; convention" in text or "Residents' convention" in text


def test_rule_page_shows_the_diff_inline_and_side_by_side(world, client):
    first = adopt(world)
    adopt(
        world,
        rule=first.rule,
        text="第一条 车辆有序停放\n第二条 不占消防通道",
        effective_on=date(2021, 1, 1),
    )
    url = f"/c/{world.compound.code}/rules/{first.rule_id}/"
    text = client.get(url).content.decode()
    assert "<ins>" in text and "有序</ins>" in text
    assert "added:" in text  # said in words, not only in colour
    side = client.get(url + "?view=side&from=1&to=2").content.decode()
    assert "civic-side" in side and "Version 1" in side and "Version 2" in side
    # nonsense parameters fall back to the latest change
    assert client.get(url + "?from=x&to=99").status_code == 200


def test_rule_of_another_compound_is_404(world, client):
    version = adopt(world)
    assert client.get(f"/c/{world.other.code}/rules/{version.rule_id}/").status_code == 404


@pytest.mark.parametrize("who", ["anonymous", "outsider", "resident", "viewer", "staff"])
def test_staff_rule_pages_access(world, civic, client, login, who):
    version = adopt(world)
    users = {
        "outsider": world.outsider,
        "resident": world.resident,
        "viewer": civic.viewer,
        "staff": world.staff,
    }
    if who != "anonymous":
        login(users[who])
    base = f"/compounds/{world.compound.code}/rules/"
    pages = [base, f"{base}{version.rule_id}/amend/"]
    for url in pages:
        response = client.get(url)
        if who == "anonymous":
            assert response.status_code == 302 and "login" in response["Location"]
        elif who == "staff":
            assert response.status_code == 200
        else:
            assert response.status_code == 404


def test_staff_adopts_and_amends_through_the_pages(world, login):
    client = login(world.staff)
    base = f"/compounds/{world.compound.code}/rules/"
    response = client.post(
        base,
        {
            "kind": "management",
            "title": "垃圾分类管理办法",
            "text": "第一条 分类投放",
            "adopted_on": "2024-01-01",
            "effective_on": "2024-02-01",
        },
    )
    rule = Rule.objects.get()
    assert response.status_code == 302
    response = client.post(
        f"{base}{rule.pk}/amend/",
        {
            "text": "第一条 分类投放，定时定点",
            "adopted_on": "2024-05-01",
            "effective_on": "2024-06-01",
        },
    )
    assert response.status_code == 302
    assert rule.versions.count() == 2
    response = client.post(f"{base}{rule.pk}/repeal/", {"repealed_on": "2025-01-01"})
    rule.refresh_from_db()
    assert rule.repealed_on == date(2025, 1, 1)


def test_bad_adoption_form_shows_a_message_and_changes_nothing(world, login):
    client = login(world.staff)
    response = client.post(
        f"/compounds/{world.compound.code}/rules/",
        {
            "kind": "regulation",
            "title": "规定",
            "text": "内容",
            "adopted_on": "2024-05-01",
            "effective_on": "2024-01-01",
        },
    )
    assert response.status_code == 422
    assert "cannot take effect before it was adopted" in response.content.decode()
    assert Rule.objects.count() == 0


def test_rules_list_queries_do_not_grow(world, client, pin):
    counter = iter(range(100))

    def grow():
        n = next(counter)
        v = adopt(world, title=f"规定{n}")
        adopt(world, rule=v.rule, text=f"改{n}", effective_on=date(2021, 1, 1))

    grow()
    pin(client, f"/c/{world.compound.code}/rules/", grow, 6)


def test_rule_detail_queries_do_not_grow(world, client, pin):
    first = adopt(world)
    days = iter(range(1, 100))

    def grow():
        adopt(
            world,
            rule=first.rule,
            text=f"第{next(days)}版",
            effective_on=date(2020, 1, 1) + timedelta(days=next(days)),
        )

    grow()
    pin(client, f"/c/{world.compound.code}/rules/{first.rule_id}/", grow, 6)


def test_staff_rules_list_queries_do_not_grow(world, login, pin):
    client = login(world.staff)
    counter = iter(range(100))
    adopt(world, title="起始")
    pin(
        client,
        f"/compounds/{world.compound.code}/rules/",
        lambda: adopt(world, title=f"规{next(counter)}"),
        20,
    )
