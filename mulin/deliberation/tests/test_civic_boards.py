# ruff: noqa: F811  (fixtures imported from test_civic_common)
"""Notice boards (微阵地 · 四亮一服务): kept by the organisation's members and the compound's
deliberation managers, refused (404) to everyone else, every change audited."""

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from mulin.core.models import AuditEvent
from mulin.deliberation import services_civic as services
from mulin.deliberation.models import BoardEntry
from mulin.testing import factories as f

from .test_civic_common import civic, pin  # noqa: F401

pytestmark = pytest.mark.django_db

FORM = {
    "responsible": "李四",
    "responsible_phone": "0592-5550000",
    "commitments": "居民诉求三日内回应",
    "results": "走访全部住户",
    "area": "63幢",
    "featured_service": "义诊",
}


def _url(world, org, edit=False):
    return f"/c/{world.compound.code}/boards/{org.pk}/" + ("edit/" if edit else "")


def test_member_edits_the_board_and_it_is_audited(world, civic, login):
    client = login(civic.member)
    assert client.get(_url(world, civic.org, edit=True)).status_code == 200
    response = client.post(_url(world, civic.org, edit=True), FORM)
    assert response.status_code == 302
    board = BoardEntry.objects.get(organisation=civic.org)
    assert board.commitments == "居民诉求三日内回应"
    assert board.updated_by == civic.member
    client.post(_url(world, civic.org, edit=True), FORM | {"results": "走访全部住户，办实事12件"})
    events = list(AuditEvent.objects.filter(action__startswith="board.").order_by("id"))
    assert [e.action for e in events] == ["board.create", "board.update"]
    assert set(events[1].changes) == {"results"}
    assert events[1].compound_id == world.compound.pk


@pytest.mark.parametrize("who", ["resident", "other_member", "outsider"])
def test_others_cannot_edit_the_board(world, civic, login, who):
    user = {
        "resident": world.resident,
        "other_member": civic.property_member,
        "outsider": world.outsider,
    }[who]
    client = login(user)
    assert client.get(_url(world, civic.org, edit=True)).status_code == 404
    assert client.post(_url(world, civic.org, edit=True), FORM).status_code == 404
    assert not BoardEntry.objects.exists()
    with pytest.raises(Http404):
        services.board_save(actor=user, organisation=civic.org, **FORM)


def test_anonymous_is_sent_to_log_in(world, civic, client):
    response = client.get(_url(world, civic.org, edit=True))
    assert response.status_code == 302 and "login" in response["Location"]


def test_staff_with_manage_edits_any_board(world, civic, login):
    client = login(world.staff)
    assert client.post(_url(world, civic.property, edit=True), FORM).status_code == 302
    assert BoardEntry.objects.get().organisation == civic.property


def test_member_of_another_org_edits_only_their_own(world, civic, login):
    client = login(civic.property_member)
    assert client.post(_url(world, civic.property, edit=True), FORM).status_code == 302
    assert client.post(_url(world, civic.org, edit=True), FORM).status_code == 404


def test_an_ended_membership_no_longer_edits(world, civic, login, neighbourhood):
    from datetime import date

    neighbourhood.membership.term_start = date(2015, 1, 1)
    neighbourhood.membership.term_end = date(2020, 1, 1)
    neighbourhood.membership.save()
    client = login(civic.member)
    assert client.get(_url(world, civic.org, edit=True)).status_code == 404


def test_bad_input_shows_a_message_and_changes_nothing(world, civic, login):
    client = login(civic.member)
    response = client.post(_url(world, civic.org, edit=True), FORM | {"commitments": " "})
    assert response.status_code == 422
    assert "This field is required" in response.content.decode()
    assert not BoardEntry.objects.exists()
    with pytest.raises(ValidationError) as exc:
        services.board_save(
            actor=civic.member, organisation=civic.org, **(FORM | {"responsible": ""})
        )
    assert "responsible" in exc.value.message_dict


def test_public_boards_show_every_organisation(world, civic, client):
    services.board_save(actor=world.staff, organisation=civic.org, **FORM)
    page = client.get(f"/c/{world.compound.code}/boards/")
    text = page.content.decode()
    assert page.status_code == 200
    assert civic.org.name in text and civic.property.name in text
    assert "居民诉求三日内回应" in text
    assert "Edit the board" not in text  # anonymous
    one = client.get(_url(world, civic.org))
    assert one.status_code == 200 and "义诊" in one.content.decode()


def test_board_of_another_compound_is_404(world, civic, neighbourhood, client):
    assert (
        client.get(f"/c/{world.compound.code}/boards/{neighbourhood.other_org.pk}/").status_code
        == 404
    )


def test_boards_queries_do_not_grow(world, civic, client, pin):
    def grow():
        org = f.OrganisationFactory(compound=world.compound)
        services.board_save(actor=world.staff, organisation=org, **FORM)

    pin(client, f"/c/{world.compound.code}/boards/", grow, 6)


def test_boards_queries_do_not_grow_for_a_member(world, civic, login, pin):
    client = login(civic.member)

    def grow():
        org = f.OrganisationFactory(compound=world.compound)
        services.board_save(actor=world.staff, organisation=org, **FORM)

    pin(client, f"/c/{world.compound.code}/boards/", grow, 14)
