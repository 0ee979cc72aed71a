"""Printable paper ballots: one A4 page per owner party with its one-time token in letters and
as a QR code of the record page, the motions to tick, the signature line — and never a name."""

import random

import pytest
import qrcode
import qrcode.util
from django.urls import reverse

from mulin.decisions import ballots, recording, services
from mulin.decisions.states import VoteStatus
from mulin.testing import factories as f

from .conftest import first_motion, vote_at
from .record_helpers import during, full_vote, url


def record_url(vote, token: str) -> str:
    path = reverse("decisions:record_token", args=[vote.compound.code, vote.pk])
    return f"http://testserver{path}?token={token}"


def test_every_owner_gets_a_page_with_token_and_qr_and_no_name(world, hall, login):
    vote = vote_at(VoteStatus.PUBLISHED, world.staff, world.compound)
    response = login(hall.recorder).get(url("paper_ballots", vote))
    assert response.status_code == 200
    html = response.content.decode()
    electors = list(vote.electors.all())
    assert len(electors) == 7
    assert html.count('<article class="ballot"') == 7
    assert html.count('class="ballot-qr"') == 7
    qr = recording.QrMaker()
    for elector in electors:
        assert recording.token_groups(elector.token) in html
        # The QR code is the record page with this owner's token.
        assert qr.svg(record_url(vote, elector.token)) in html
        assert elector.label in html
    for person in {*hall.owners, world.resident_person}:
        assert person.name not in html
    assert "修订管理规约" in html
    assert "For" in html and "Against" in html and "Abstain" in html
    assert "Owner's signature:" in html and "Date:" in html
    assert world.compound.name in html and vote.title in html


def test_the_paper_is_print_styled_one_ballot_per_a4_page(world, hall, login):
    vote = vote_at(VoteStatus.PUBLISHED, world.staff, world.compound)
    html = login(hall.recorder).get(url("paper_ballots", vote)).content.decode()
    assert "@page { size: A4 portrait" in html
    assert "@media print" in html and "break-after: page" in html
    assert 'class="paper-toolbar d-print-none"' in html


def test_one_building_or_one_owner(world, hall, login):
    vote = vote_at(VoteStatus.PUBLISHED, world.staff, world.compound)
    client = login(hall.recorder)
    in_64 = list(vote.electors.filter(building__number="64"))
    in_63 = list(vote.electors.filter(building__number="63"))
    html = client.get(url("paper_ballots", vote), {"building": "64"}).content.decode()
    assert html.count('<article class="ballot"') == len(in_64) == 3
    assert all(recording.token_groups(e.token) in html for e in in_64)
    assert not any(recording.token_groups(e.token) in html for e in in_63)
    one = in_63[0]
    html = client.get(url("paper_ballots", vote), {"elector": one.pk}).content.decode()
    assert html.count('<article class="ballot"') == 1
    assert recording.token_groups(one.token) in html
    html = client.get(url("paper_ballots", vote), {"elector": "x"}).content.decode()
    assert html.count('<article class="ballot"') == 0 and "No ballot to print" in html


def test_a_home_of_several_units_lists_them_all(world, hall, login):
    vote = vote_at(VoteStatus.PUBLISHED, world.staff, world.compound)
    both = vote.electors.get(unit_count=2)
    html = login(hall.recorder).get(url("paper_ballots", vote), {"elector": both.pk}).content
    html = html.decode()
    assert "64-1-201, 64-1-202" in html and "160.00 m²" in html


def test_owners_who_voted_are_left_out(world, hall, login):
    vote = vote_at(VoteStatus.OPEN, world.staff, world.compound)
    elector = vote.electors.get(people=hall.owners[0])
    with during(vote):
        ballots.ballot_cast(
            actor=hall.users[0],
            vote=vote,
            elector=elector,
            choices={str(first_motion(vote).pk): "yes"},
        )
        html = login(hall.recorder).get(url("paper_ballots", vote)).content.decode()
    assert html.count('<article class="ballot"') == 6
    assert recording.token_groups(elector.token) not in html
    assert "1 owner who already voted is left out." in html


def test_election_and_question_are_printed_to_tick(world, hall, login):
    vote = full_vote(world, hall, VoteStatus.PUBLISHED)
    html = login(hall.recorder).get(url("paper_ballots", vote)).content.decode()
    for person in hall.owners[1:5]:  # the candidates, by their name on the ballot
        assert person.name in html
    assert "Approve up to 3 candidates: tick their boxes." in html
    assert "Ticking more than 3 candidates makes this item void." in html
    assert "方案一" in html and "方案二" in html and "Tick one answer." in html


def test_query_count_does_not_grow_with_owners(
    world, hall, login, count_queries, django_assert_max_num_queries
):
    vote = vote_at(VoteStatus.PUBLISHED, world.staff, world.compound)
    client = login(hall.recorder)
    client.get(url("paper_ballots", vote))
    with count_queries() as small:
        first = client.get(url("paper_ballots", vote))
    entrance = world.unit.entrance
    for number in range(401, 421):  # twenty more owner parties
        unit = f.UnitFactory(entrance=entrance, number=str(number), code=f"63-2-{number}")
        f.OwnershipFactory(unit=unit, person=f.PersonFactory(compound=world.compound))
    services.electorate_refresh(actor=world.staff, vote=vote)
    with django_assert_max_num_queries(20), count_queries() as large:
        response = client.get(url("paper_ballots", vote))
    assert first.content.decode().count('<article class="ballot"') == 7
    assert response.content.decode().count('<article class="ballot"') == 27
    assert small.count == large.count, large.dump()


def test_fast_qr_codes_are_exactly_qrcodes_own():
    """The print run's encoder against qrcode's, for URLs from version 3 to version 15."""
    maker = recording.QrMaker()
    rng = random.Random(278)
    alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
    for n in range(60):
        token = "".join(rng.choice(alphabet) for _ in range(10))
        data = f"https://x.cn/{'p' * rng.randint(0, 300)}/votes/{n}/record/?token={token}"
        reference = qrcode.QRCode(
            error_correction=qrcode.constants.ERROR_CORRECT_M,
            border=maker.border,
            mask_pattern=recording.QR_MASK,
        )
        reference.add_data(qrcode.util.QRData(data.encode(), mode=qrcode.util.MODE_8BIT_BYTE))
        reference.make(fit=True)
        assert maker.matrix(data) == reference.get_matrix(), data


def test_qr_svg_draws_exactly_the_dark_modules():
    maker = recording.QrMaker()
    data = "http://testserver/compounds/c/votes/1/record/?token=ABCDEFGHJK"
    matrix = maker.matrix(data)
    svg = maker.svg(data)
    drawn = set()
    for part in svg.split('<path d="')[1].split('"')[0].split("z")[:-1]:
        x, rest = part[1:].split(" ")
        y, width = rest.split("h")[0], rest.split("h")[1].split("v")[0]
        drawn |= {(int(y), int(x) + i) for i in range(int(width))}
    dark = {(y, x) for y, row in enumerate(matrix) for x, cell in enumerate(row) if cell}
    assert drawn == dark
    assert 'aria-hidden="true"' in svg and 'class="ballot-qr"' in svg


@pytest.mark.parametrize("raw", ["abcde fghjk", " ABCDE-FGHJK ", "ＡＢＣＤＥＦＧＨＪＫ"])
def test_tokens_are_read_case_insensitive_without_spaces(raw):
    from mulin.decisions.forms_ballots import normalise_token

    assert normalise_token(raw) == "ABCDEFGHJK"
