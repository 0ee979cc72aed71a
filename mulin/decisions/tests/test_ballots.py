"""Ballots through the services: one owner one ballot on every channel, the proxy limit, paper
and door-to-door requirements, corrections, and the race the database constraint decides."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import Http404

from mulin.core.models import AuditEvent
from mulin.decisions import ballots
from mulin.decisions.models import Ballot, CanvassStatus, Channel
from mulin.decisions.states import VoteStatus

from .conftest import first_motion, vote_at

pytestmark = pytest.mark.django_db


def _scan():
    return SimpleUploadedFile("scan.jpg", b"\xff\xd8\xff" + b"0" * 500, content_type="image/jpeg")


def _letter():
    return SimpleUploadedFile("authorisation.pdf", b"%PDF-1.4 " + b"0" * 500)


def _signature():
    import base64
    import io

    from PIL import Image, ImageDraw

    out = io.BytesIO()
    image = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(10, 60), (120, 20), (200, 100), (290, 40)], fill="black", width=4)
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


@pytest.fixture
def open_vote(world, hall):
    vote = vote_at(VoteStatus.OPEN, world.staff, world.compound)
    vote.key = str(first_motion(vote).pk)
    vote.at = vote.opens_at + timedelta(hours=1)
    return vote


def _elector(vote, person):
    return vote.electors.get(people=person)


def test_online_ballot_by_someone_not_an_owner_of_the_home_is_404(world, hall, open_vote):
    elector = _elector(open_vote, hall.owners[2])
    with pytest.raises(Http404):
        ballots.ballot_cast(
            actor=world.resident,
            vote=open_vote,
            elector=elector,
            choices={open_vote.key: "yes"},
            now=open_vote.at,
        )
    assert not Ballot.objects.exists()


def test_residents_cannot_record_paper_ballots(world, hall, open_vote):
    with pytest.raises(Http404):
        ballots.ballot_cast(
            actor=world.resident,
            vote=open_vote,
            elector=_elector(open_vote, hall.owners[2]),
            choices={open_vote.key: "yes"},
            channel=Channel.PAPER,
            scan=_scan(),
            signed=True,
            now=open_vote.at,
        )


def test_paper_ballot_needs_the_signature_and_the_scan(world, hall, open_vote):
    elector = _elector(open_vote, hall.owners[2])
    common = {
        "actor": hall.recorder,
        "vote": open_vote,
        "elector": elector,
        "choices": {open_vote.key: "yes"},
        "channel": Channel.PAPER,
        "now": open_vote.at,
    }
    with pytest.raises(ValidationError) as exc:
        ballots.ballot_cast(**common, scan=_scan(), signed=False)
    assert "signed" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        ballots.ballot_cast(**common, signed=True)
    assert "scan" in exc.value.message_dict
    assert not Ballot.objects.exists()
    ballot = ballots.ballot_cast(**common, scan=_scan(), signed=True)
    assert ballot.verification == "token" and ballot.recorded_by == hall.recorder
    elector.refresh_from_db()
    assert elector.canvass_status == CanvassStatus.COMPLETED


def test_door_to_door_needs_a_drawn_signature(world, hall, open_vote):
    elector = _elector(open_vote, hall.owners[3])
    common = {
        "actor": hall.recorder,
        "vote": open_vote,
        "elector": elector,
        "choices": {open_vote.key: "no"},
        "channel": Channel.CANVASS,
        "now": open_vote.at,
    }
    with pytest.raises(ValidationError) as exc:
        ballots.ballot_cast(**common, signature=ballots.signature_from_data_url("data:,"))
    assert "signature" in exc.value.message_dict
    ballot = ballots.ballot_cast(**common, signature=ballots.signature_from_data_url(_signature()))
    assert ballot.signature.name.endswith(".png")


def test_an_empty_pad_or_not_a_png_is_not_a_signature():
    import base64
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGBA", (300, 120), (0, 0, 0, 0)).save(out, format="PNG")
    empty = "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()
    assert ballots.signature_from_data_url(empty) is None
    assert ballots.signature_from_data_url("data:image/png;base64,aGVsbG8=") is None
    assert ballots.signature_from_data_url("javascript:alert(1)") is None


def test_proxy_limit_per_person_is_enforced(world, hall, open_vote):
    world.compound.max_proxies_per_person = 2
    world.compound.save()
    holder = hall.owners[0]
    for person in hall.owners[1:3]:
        ballots.ballot_cast(
            actor=hall.recorder,
            vote=open_vote,
            elector=_elector(open_vote, person),
            choices={open_vote.key: "yes"},
            channel=Channel.PROXY,
            proxy=holder,
            authorisation=_letter(),
            now=open_vote.at,
        )
    with pytest.raises(ValidationError) as exc:
        ballots.ballot_cast(
            actor=hall.recorder,
            vote=open_vote,
            elector=_elector(open_vote, hall.owners[3]),
            choices={open_vote.key: "yes"},
            channel=Channel.PROXY,
            proxy=holder,
            authorisation=_letter(),
            now=open_vote.at,
        )
    assert "2" in exc.value.message_dict["proxy"][0]
    assert Ballot.objects.filter(proxy=holder).count() == 2


def test_proxy_needs_the_written_authorisation(world, hall, open_vote):
    with pytest.raises(ValidationError) as exc:
        ballots.ballot_cast(
            actor=hall.recorder,
            vote=open_vote,
            elector=_elector(open_vote, hall.owners[1]),
            choices={open_vote.key: "yes"},
            channel=Channel.PROXY,
            proxy=hall.owners[0],
            now=open_vote.at,
        )
    assert "authorisation" in exc.value.message_dict


def test_every_motion_needs_an_answer(world, hall, open_vote):
    with pytest.raises(ValidationError) as exc:
        ballots.ballot_cast(
            actor=world.resident,
            vote=open_vote,
            elector=_elector(open_vote, world.resident_person),
            choices={},
            now=open_vote.at,
        )
    assert f"motion_{open_vote.key}" in exc.value.message_dict


def test_ballot_before_opening_is_refused(world, hall):
    vote = vote_at(VoteStatus.PUBLISHED, world.staff, world.compound)
    key = str(first_motion(vote).pk)
    with pytest.raises(ValidationError) as exc:
        ballots.ballot_cast(
            actor=world.resident,
            vote=vote,
            elector=_elector(vote, world.resident_person),
            choices={key: "yes"},
            now=vote.opens_at + timedelta(hours=1),
        )
    assert "not opened" in str(exc.value)


def test_a_racing_second_ballot_is_stopped_by_the_constraint(world, hall, open_vote, monkeypatch):
    elector = _elector(open_vote, world.resident_person)
    ballots.ballot_cast(
        actor=world.resident,
        vote=open_vote,
        elector=elector,
        choices={open_vote.key: "yes"},
        now=open_vote.at,
    )
    # The second submission passed the early check before the first committed.
    monkeypatch.setattr(ballots, "first_ballot", lambda elector: None)
    with pytest.raises(ValidationError) as exc:
        ballots.ballot_cast(
            actor=hall.recorder,
            vote=open_vote,
            elector=elector,
            choices={open_vote.key: "no"},
            channel=Channel.ONSITE,
            now=open_vote.at,
        )
    assert "Online" in str(exc.value)
    assert Ballot.objects.filter(elector=elector).get().choices == {open_vote.key: "yes"}


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_make_one_ballot_and_one_unforked_chain(world, hall):
    """Real threads on real connections (PostgreSQL; SQLite serialises writers, so there the
    threads simply queue)."""
    from mulin.core.audit import verify_chains

    vote = vote_at(VoteStatus.OPEN, world.staff, world.compound)
    key = str(first_motion(vote).pk)
    elector = _elector(vote, world.resident_person)
    outcomes, barrier = [], threading.Barrier(6)

    def submit(i):
        try:
            barrier.wait()
            actor = world.resident if i % 2 else hall.recorder
            channel = Channel.ONLINE if i % 2 else Channel.ONSITE
            ballots.ballot_cast(
                actor=actor,
                vote=vote,
                elector=elector,
                choices={key: "yes"},
                channel=channel,
                now=vote.opens_at + timedelta(hours=1),
            )
            outcomes.append("cast")
        except ValidationError:
            outcomes.append("refused")
        except Exception as exc:  # SQLite: "database is locked" is also a refusal here
            outcomes.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("cast") == 1
    assert Ballot.objects.filter(elector=elector).count() == 1
    assert verify_chains() == []


def test_correction_needs_a_manager_and_a_reason_and_is_chained(world, hall, open_vote):
    ballot = ballots.ballot_cast(
        actor=hall.recorder,
        vote=open_vote,
        elector=_elector(open_vote, hall.owners[2]),
        choices={open_vote.key: "yes"},
        channel=Channel.ONSITE,
        now=open_vote.at,
    )
    with pytest.raises(Http404):
        ballots.ballot_correct(
            actor=hall.recorder, ballot=ballot, choices={open_vote.key: "no"}, reason="看错了"
        )
    with pytest.raises(ValidationError):
        ballots.ballot_correct(
            actor=hall.committee, ballot=ballot, choices={open_vote.key: "no"}, reason=" "
        )
    ballot = ballots.ballot_correct(
        actor=hall.committee, ballot=ballot, choices={open_vote.key: "no"}, reason="唱票时看错"
    )
    assert ballot.choices == {open_vote.key: "no"} and ballot.corrections == 1
    event = AuditEvent.objects.filter(action="ballot.correct").get()
    assert event.chain == f"vote:{open_vote.pk}" and event.changes["reason"] == "唱票时看错"
    from mulin.core.audit import verify_chains

    assert verify_chains() == []


def test_secret_vote_corrections_keep_no_answers_in_the_audit(world, hall):
    from .conftest import draft_vote

    vote = vote_at(
        VoteStatus.OPEN,
        world.staff,
        world.compound,
        draft_vote(world.staff, world.compound, secret=True),
    )
    key = str(first_motion(vote).pk)
    ballot = ballots.ballot_cast(
        actor=hall.recorder,
        vote=vote,
        elector=_elector(vote, hall.owners[2]),
        choices={key: "yes"},
        channel=Channel.ONSITE,
        now=vote.opens_at + timedelta(hours=1),
    )
    ballots.ballot_correct(actor=hall.committee, ballot=ballot, choices={key: "no"}, reason="误录")
    event = AuditEvent.objects.filter(action="ballot.correct").get()
    assert "choices" not in event.changes


def test_canvass_mark_records_the_visit(world, hall, open_vote):
    elector = _elector(open_vote, hall.owners[4])
    ballots.canvass_mark(actor=hall.recorder, elector=elector, status="unreachable", note="出差")
    elector.refresh_from_db()
    assert elector.canvass_status == "unreachable" and elector.canvass_note == "出差"
    with pytest.raises(ValidationError):
        ballots.canvass_mark(actor=hall.recorder, elector=elector, status="completed")


def test_uploaded_signature_is_not_taken_for_a_drawn_one(world, hall, open_vote):
    with pytest.raises(ValidationError):
        ballots.ballot_cast(
            actor=hall.recorder,
            vote=open_vote,
            elector=_elector(open_vote, hall.owners[3]),
            choices={open_vote.key: "no"},
            channel=Channel.CANVASS,
            signature=_scan(),
            now=open_vote.at,
        )
    assert isinstance(ballots.signature_from_data_url(_signature()), ContentFile)
