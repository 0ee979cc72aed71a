"""Door to door (扫楼): the board of participation per building, never how anyone voted; one
owner party's phone page with the signature drawn on screen, proxy ballots within the per-person
limit, ballots handed in at the meeting, and visits that brought no ballot."""

import pytest

from mulin.decisions import ballots
from mulin.decisions.models import Ballot, CanvassStatus, Channel, Verification
from mulin.decisions.states import VoteStatus
from mulin.testing import factories as f

from .conftest import first_motion, vote_at
from .record_helpers import (
    after_close,
    answers_for,
    ballot_of,
    during,
    media,  # noqa: F401
    pdf,
    photo,
    signature_data_url,
    url,
)

pytestmark = pytest.mark.usefixtures("media")


@pytest.fixture
def vote(world, hall):
    return vote_at(VoteStatus.OPEN, world.staff, world.compound)


def elector_of(vote, hall, i=0):
    return vote.electors.get(people=hall.owners[i])


def cast_online(vote, hall, i, answer="no"):
    with during(vote, hours=1):
        ballots.ballot_cast(
            actor=hall.users[i],
            vote=vote,
            elector=elector_of(vote, hall, i),
            choices={str(first_motion(vote).pk): answer},
        )


def messages_of(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


# ---------------------------------------------------------------- the board


def test_board_shows_progress_per_building_and_never_choices(world, hall, login, vote):
    cast_online(vote, hall, 0, "no")
    cast_online(vote, hall, 4, "abstain")
    with during(vote):
        ballots.canvass_mark(
            actor=hall.recorder,
            elector=elector_of(vote, hall, 1),
            status=CanvassStatus.UNREACHABLE,
            note="晚上再来",
        )
        response = login(hall.recorder).get(url("canvass", vote))
    assert response.status_code == 200
    html = response.content.decode()
    # Whole compound: 2 of 7 owners, 160 of 720 m².
    assert "2 / 7" in html and "22.22 %" in html
    # Building 63: 4 owners, 1 voted, 1 unreachable; building 64: 3 owners, 1 voted.
    assert "1 / 4 voted" in html and "1 / 3 voted" in html
    assert "owners 25.00 %" in html and "area 25.00 %" in html
    assert "owners 33.33 %" in html and "area 18.75 %" in html
    assert "1 unreachable" in html and "2 not visited" in html
    assert "Voted" in html and "Unreachable" in html and "晚上再来" in html
    assert "Against" not in html and "Abstain" not in html and "For</" not in html
    for person in {*hall.owners, world.resident_person}:
        assert person.name not in html


def test_board_filters_by_building_and_status(world, hall, login, vote):
    cast_online(vote, hall, 0)
    with during(vote):
        client = login(hall.recorder)
        in_64 = client.get(url("canvass", vote), {"building": "64"}).content.decode()
        voted = client.get(url("canvass", vote), {"status": "voted"}).content.decode()
        junk = client.get(url("canvass", vote), {"building": "99", "status": "x"})
    assert "64-1-101" in in_64 and "63-2-301" not in in_64.split('id="owners-title"')[1]
    listed = voted.split('id="owners-title"')[1]
    assert "63-2-301" in listed and "63-2-302" not in listed
    assert junk.status_code == 200  # a bad filter is ignored
    for elector in vote.electors.all():
        assert url("canvass_elector", vote, elector.pk) in in_64 or elector.building.number == "63"


def test_board_query_count_does_not_grow_with_owners(
    world, hall, login, vote, count_queries, django_assert_max_num_queries
):
    with during(vote):
        client = login(hall.recorder)
        client.get(url("canvass", vote))
        with count_queries() as small:
            client.get(url("canvass", vote))
    cast_online(vote, hall, 0)
    cast_online(vote, hall, 2)
    with during(vote):
        for elector in vote.electors.filter(ballot__isnull=True)[:3]:
            ballots.canvass_mark(
                actor=hall.recorder, elector=elector, status=CanvassStatus.CONTACTED
            )
        with django_assert_max_num_queries(25), count_queries() as large:
            response = client.get(url("canvass", vote))
    assert response.status_code == 200
    assert small.count == large.count, large.dump()


# ---------------------------------------------------------------- the owner's page


def canvass_post(client, vote, elector, *, signature=None, **extra):
    data = {"action": "ballot", "channel": "canvass", **answers_for(vote), **extra}
    data["signature"] = signature_data_url() if signature is None else signature
    return client.post(url("canvass_elector", vote, elector.pk), data)


def test_the_phone_page_has_the_signature_pad(world, hall, login, vote):
    elector = elector_of(vote, hall, 1)
    with during(vote):
        html = login(hall.recorder).get(url("canvass_elector", vote, elector.pk)).content
    html = html.decode()
    assert "data-mulin-signature" in html and "<canvas" in html
    assert "mulin/js/signature-pad" in html
    assert "cannot be typed with the keyboard" in html
    assert "63-2-302" in html and hall.owners[1].name not in html


def test_a_ballot_signed_on_screen(world, hall, login, vote):
    elector = elector_of(vote, hall, 1)
    with during(vote):
        response = canvass_post(login(hall.recorder), vote, elector)
    assert response.status_code == 302
    assert response.url.endswith("?building=63")
    ballot = ballot_of(elector)
    assert ballot.channel == Channel.CANVASS and ballot.verification == Verification.SIGNATURE
    assert ballot.signature.read().startswith(b"\x89PNG")
    assert ballot.voter == hall.owners[1] and ballot.recorded_by == hall.recorder
    assert messages_of(response) == ["Ballot of 63-2-302 recorded (Door-to-door)."]


@pytest.mark.parametrize("signature", ["", "data:image/png;base64,AAAA", "data:text/html,<b>"])
def test_no_ballot_without_a_drawn_signature(world, hall, login, vote, signature):
    elector = elector_of(vote, hall, 1)
    with during(vote):
        response = canvass_post(login(hall.recorder), vote, elector, signature=signature)
    assert response.status_code == 400
    assert "The owner must sign on the screen" in response.content.decode()
    assert not Ballot.objects.exists()


def test_marking_a_visit_without_a_ballot(world, hall, login, vote):
    elector = elector_of(vote, hall, 3)
    with during(vote):
        client = login(hall.recorder)
        response = client.post(
            url("canvass_elector", vote, elector.pk),
            {"action": "mark", "status": "contacted", "note": "周末回来"},
        )
        missing = client.post(url("canvass_elector", vote, elector.pk), {"action": "mark"})
    assert response.status_code == 302
    elector.refresh_from_db()
    assert elector.canvass_status == CanvassStatus.CONTACTED
    assert elector.canvass_note == "周末回来" and elector.canvassed_by == hall.recorder
    assert missing.status_code == 400 and "Choose how the visit went." in missing.content.decode()
    assert not Ballot.objects.exists()


def test_an_owner_who_voted_shows_how_and_takes_no_second_ballot(world, hall, login, vote):
    cast_online(vote, hall, 1)
    elector = elector_of(vote, hall, 1)
    with during(vote, hours=3):
        client = login(hall.recorder)
        page = client.get(url("canvass_elector", vote, elector.pk))
        response = canvass_post(client, vote, elector)
    assert "This owner has already voted: Online, on" in page.content.decode()
    assert "<canvas" not in page.content.decode()
    assert response.status_code == 409
    assert ballot_of(elector).channel == Channel.ONLINE


def test_after_closing_the_phone_page_takes_nothing(world, hall, login, vote):
    elector = elector_of(vote, hall, 1)
    with after_close(vote):
        client = login(hall.recorder)
        response = canvass_post(client, vote, elector)
    assert response.status_code == 400
    assert "no more ballots can be taken" in response.content.decode()
    assert not Ballot.objects.exists()


# ---------------------------------------------------------------- proxy and on-site


def proxy_post(client, vote, elector, proxy, *, authorisation=True):
    data = {"action": "ballot", "channel": "proxy", "proxy": proxy.pk, **answers_for(vote)}
    if authorisation:
        data["authorisation"] = pdf()
    return client.post(url("canvass_elector", vote, elector.pk) + "?channel=proxy", data)


def test_finding_the_proxy_holder_by_name(world, hall, login, vote):
    holder = f.PersonFactory(compound=world.compound, name="代理人甲")
    f.PersonFactory(compound=world.other, name="代理人乙")  # another compound: never found
    elector = elector_of(vote, hall, 1)
    with during(vote):
        response = login(hall.recorder).get(
            url("canvass_elector", vote, elector.pk),
            {"channel": "proxy", "q": "代理人", "picker": "1"},
            headers={"HX-Request": "true"},
        )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="proxies"')
    assert "代理人甲" in html and "代理人乙" not in html
    assert f'value="{holder.pk}"' in html


def test_a_proxy_ballot_with_the_written_authorisation(world, hall, login, vote):
    holder = f.PersonFactory(compound=world.compound, name="代理人甲")
    elector = elector_of(vote, hall, 1)
    with during(vote):
        response = proxy_post(login(hall.recorder), vote, elector, holder)
    assert response.status_code == 302
    ballot = ballot_of(elector)
    assert ballot.channel == Channel.PROXY and ballot.verification == Verification.AUTHORISATION
    assert ballot.proxy == holder and ballot.voter == holder
    assert ballot.authorisation.read().startswith(b"%PDF-")


def test_a_proxy_needs_the_authorisation_and_a_holder(world, hall, login, vote):
    holder = f.PersonFactory(compound=world.compound, name="代理人甲")
    elector = elector_of(vote, hall, 1)
    with during(vote):
        client = login(hall.recorder)
        no_paper = proxy_post(client, vote, elector, holder, authorisation=False)
        data = {"action": "ballot", "channel": "proxy", "authorisation": pdf(), **answers_for(vote)}
        no_holder = client.post(url("canvass_elector", vote, elector.pk), data)
    assert no_paper.status_code == 400
    assert "Attach the owner&#x27;s written authorisation." in no_paper.content.decode()
    assert "代理人甲" in no_paper.content.decode()  # the chosen holder stays chosen
    assert no_holder.status_code == 400
    assert "Find and choose who holds the proxy." in no_holder.content.decode()
    assert not Ballot.objects.exists()


def test_the_proxy_limit_per_person_is_enforced(world, hall, login, vote):
    world.compound.max_proxies_per_person = 2
    world.compound.save()
    holder = f.PersonFactory(compound=world.compound, name="代理人甲")
    with during(vote):
        client = login(hall.recorder)
        for i in (1, 2):
            assert proxy_post(client, vote, elector_of(vote, hall, i), holder).status_code == 302
        third = elector_of(vote, hall, 3)
        refused = proxy_post(client, vote, third, holder)
        picker = client.get(
            url("canvass_elector", vote, third.pk), {"channel": "proxy", "q": "代理人"}
        )
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "代理人甲 already holds 2 proxies; the rules allow 2 per person." in html
    assert ballot_of(third) is None
    assert Ballot.objects.filter(proxy=holder).count() == 2
    assert "already holds 2 proxies: the limit" in picker.content.decode()


def test_a_ballot_handed_in_at_the_meeting(world, hall, login, vote):
    elector = elector_of(vote, hall, 1)
    with during(vote):
        client = login(hall.recorder)
        data = {"action": "ballot", "channel": "onsite", **answers_for(vote)}
        response = client.post(url("canvass_elector", vote, elector.pk), data)
        other = elector_of(vote, hall, 2)
        with_scan = client.post(url("canvass_elector", vote, other.pk), {**data, "scan": photo()})
    assert response.status_code == 302 and with_scan.status_code == 302
    ballot = ballot_of(elector)
    assert ballot.channel == Channel.ONSITE and ballot.verification == Verification.IN_PERSON
    assert not ballot.scan
    assert ballot_of(other).scan


def test_a_stairwell_recorder_reaches_their_building_only(world, hall, login, vote):
    from mulin.core.models import Role
    from mulin.places.models import Building

    member = f.UserFactory()
    f.grant(member, Role.PARTY_MEMBER, Building.objects.get(compound=world.compound, number="64"))
    mine, theirs = elector_of(vote, hall, 4), elector_of(vote, hall, 0)
    with during(vote):
        client = login(member)
        board = client.get(url("canvass", vote), {"status": "pending"}).content.decode()
        assert client.get(url("canvass_elector", vote, mine.pk)).status_code == 200
        assert client.get(url("canvass_elector", vote, theirs.pk)).status_code == 404
        by_token = client.get(url("record_token", vote), {"token": theirs.token})
    listed = board.split('id="owners-title"')[1]
    assert "64-1-101" in listed and "63-2-301" not in listed
    assert by_token.status_code == 400 and "No ballot of this vote has the token" in (
        by_token.content.decode()
    )
