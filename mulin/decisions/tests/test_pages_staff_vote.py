"""The vote's staff page while it is a draft: details, motions with their matter and article,
elections with their candidates, questions with their answers, documents. Every form succeeds
with good input, and with bad input says what is wrong and changes nothing."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from mulin.core.models import AuditEvent
from mulin.decisions import services
from mulin.decisions.models import Candidate, Motion, MotionKind, Option, VoteDocument
from mulin.decisions.states import VoteStatus
from mulin.testing import factories as f

from .conftest import START, draft_vote, first_motion, vote_at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def draft(world, hall):
    return draft_vote(world.staff, world.compound)


def page(world, vote) -> str:
    return reverse("decisions:staff_vote", args=[world.compound.code, vote.pk])


def act(client, world, vote, action, data=None, **extra):
    url = reverse("decisions:staff_vote_act", args=[world.compound.code, vote.pk, action])
    return client.post(url, data or {}, **extra)


def election(world, vote, seats=5, alternates=2) -> Motion:
    return services.motion_add(
        actor=world.staff,
        vote=vote,
        kind=MotionKind.ELECTION,
        title="选举业主委员会",
        seats=seats,
        alternate_seats=alternates,
    )


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


# ---------------------------------------------------------------- what the page shows


def test_page_shows_the_stepper_dates_and_the_rule_that_applies(world, draft, login):
    html = login(world.staff).get(page(world, draft)).content.decode()
    for step in ("Draft", "Notice", "Voting open", "Closed", "Tallied", "Result published"):
        assert step in html
    assert 'aria-current="step"' in html
    assert "Needs 15 days before voting opens." in html
    assert "A regular meeting: 15 days, this compound&#x27;s rule." in html
    assert "A window of 7 days; the assembly allows 5 to 60 days." in html
    assert timezone.localtime(draft.opens_at).strftime("%Y-%m-%d %H:%M") in html


def test_extraordinary_meeting_follows_the_assembly_and_elections_fifteen_days(world, hall, login):
    vote = draft_vote(world.staff, world.compound, meeting_kind="extraordinary")
    client = login(world.staff)
    assert "An extraordinary meeting: 7 days, the assembly&#x27;s rule." in (
        client.get(page(world, vote)).content.decode()
    )
    election(world, vote)
    html = client.get(page(world, vote)).content.decode()
    assert "Needs 15 days before voting opens." in html
    assert "The vote elects the owners&#x27; committee" in html


def test_draft_that_could_not_be_published_now_says_why(world, hall, login):
    vote = draft_vote(
        world.staff,
        world.compound,
        opens_at=START + timedelta(days=3),
        closes_at=START + timedelta(days=4),
    )
    html = login(world.staff).get(page(world, vote)).content.decode()
    assert "If you published now, the notice would be refused:" in html
    assert "Voting may open no earlier than 15 days after the notice is published." in html
    assert "The voting window must last between 5 and 60 days." in html


def test_motions_show_their_kind_matter_and_article(world, draft, login):
    services.motion_add(
        actor=world.staff, vote=draft, kind=MotionKind.SPECIAL, matter="fund_raise", title="续筹"
    )
    html = login(world.staff).get(page(world, draft)).content.decode()
    assert "Ordinary matter" in html and "Civil Code Art. 278 (2)" in html
    assert "Special matter" in html and "Raise the maintenance fund" in html
    assert "Civil Code Art. 278 (6)" in html
    assert "at least three quarters of the participating area" in html


def test_matter_select_says_each_matters_kind_and_article(world, draft, login):
    html = login(world.staff).get(page(world, draft)).content.decode()
    assert "Raise the maintenance fund — Special matter, Civil Code Art. 278 (6)" in html
    assert "Use the maintenance fund — Ordinary matter, Civil Code Art. 278 (5)" in html


def test_vote_page_query_count_does_not_grow_with_motions(
    world, draft, login, count_queries, django_assert_max_num_queries
):
    client = login(world.staff)
    motion = election(world, draft)
    services.candidate_add(actor=world.staff, motion=motion, person=world.resident_person)
    with count_queries() as small:
        client.get(page(world, draft))
    for i in range(3):
        more = election(world, draft)
        for owner in (world.resident_person, *f_owners(world)):
            services.candidate_add(actor=world.staff, motion=more, person=owner)
        services.motion_add(
            actor=world.staff,
            vote=draft,
            kind=MotionKind.SINGLE,
            title=f"问{i}",
            options=["甲", "乙"],
        )
        services.document_add(
            actor=world.staff,
            vote=draft,
            title=f"附件{i}",
            upload=SimpleUploadedFile(f"a{i}.pdf", b"%PDF-1.4 x"),
        )
    with django_assert_max_num_queries(30), count_queries() as large:
        response = client.get(page(world, draft))
    assert len(response.context["motions"]) == 8
    assert small.count == large.count, large.dump()


def f_owners(world):
    from mulin.people.models import Ownership

    return [
        o.person
        for o in Ownership.objects.filter(unit__compound=world.compound)
        .exclude(person=world.resident_person)
        .select_related("person")[:2]
    ]


def test_open_vote_page_query_count_does_not_grow_with_ballots(
    world, hall, login, count_queries, django_assert_max_num_queries
):
    vote = draft_vote(world.staff, world.compound)
    key = str(first_motion(vote).pk)
    vote = vote_at(
        VoteStatus.OPEN, world.staff, world.compound, vote, cast=[(hall.users[0], {key: "yes"})]
    )
    client = login(world.staff)
    with count_queries() as small:
        client.get(page(world, vote))
    from mulin.decisions import ballots

    for user in hall.users[1:4]:
        ballots.ballot_cast(
            actor=user,
            vote=vote,
            elector=vote.electors.get(people=user.person),
            choices={key: "no"},
            now=vote.opens_at + timedelta(hours=2),
        )
    with django_assert_max_num_queries(30), count_queries() as large:
        response = client.get(page(world, vote))
    assert response.context["turnout"].voted_owners == 4
    assert small.count == large.count, large.dump()


# ---------------------------------------------------------------- details


def test_edit_saves_the_details(world, draft, login):
    opens = timezone.localtime(START + timedelta(days=18)).replace(second=0)
    response = act(
        login(world.staff),
        world,
        draft,
        "edit",
        {
            "edit-title": "改过的标题",
            "edit-meeting_kind": "regular",
            "edit-opens_at": local(opens),
            "edit-closes_at": local(opens + timedelta(days=10)),
            "edit-meeting_place": "3号楼架空层",
        },
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.title == "改过的标题"
    assert draft.meeting_place == "3号楼架空层"
    assert draft.opens_at == opens
    assert draft.online is False  # an unticked box
    assert AuditEvent.objects.filter(action="vote.update").exists()


def test_edit_with_bad_dates_changes_nothing(world, draft, login):
    before = (draft.title, draft.opens_at, draft.closes_at)
    response = act(
        login(world.staff),
        world,
        draft,
        "edit",
        {
            "edit-title": "新标题",
            "edit-meeting_kind": "regular",
            "edit-opens_at": local(draft.opens_at),
            "edit-closes_at": local(draft.opens_at - timedelta(hours=1)),
        },
    )
    assert response.status_code == 400
    assert "Voting must close after it opens." in response.content.decode()
    draft.refresh_from_db()
    assert (draft.title, draft.opens_at, draft.closes_at) == before


# ---------------------------------------------------------------- motions


def motion_data(**fields):
    return {f"motion-{k}": v for k, v in fields.items()}


def test_add_an_ordinary_motion(world, draft, login):
    response = act(
        login(world.staff),
        world,
        draft,
        "motion_add",
        motion_data(
            kind="ordinary", matter="fund_use", title="使用维修资金修外墙", text="约12万元"
        ),
    )
    assert response.status_code == 302
    assert response.url.endswith("#motions")
    motion = draft.motions.get(title="使用维修资金修外墙")
    assert (motion.kind, motion.matter, motion.text) == ("ordinary", "fund_use", "约12万元")


def test_special_matter_put_as_ordinary_is_refused_with_the_article(world, draft, login):
    response = act(
        login(world.staff),
        world,
        draft,
        "motion_add",
        motion_data(kind="ordinary", matter="fund_raise", title="续筹维修资金"),
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Raise the maintenance fund is a special matter under Civil Code Art. 278 (6)." in html
    assert draft.motions.count() == 1


def test_motion_without_a_matter_is_refused(world, draft, login):
    response = act(
        login(world.staff), world, draft, "motion_add", motion_data(kind="special", title="改建")
    )
    assert response.status_code == 400
    assert "Choose the matter the owners decide." in response.content.decode()
    assert draft.motions.count() == 1


def test_add_an_election_with_seats_and_alternates(world, draft, login):
    act(
        login(world.staff),
        world,
        draft,
        "motion_add",
        motion_data(kind="election", title="选举业委会", seats="7", alternate_seats="2"),
    )
    motion = draft.motions.get(kind=MotionKind.ELECTION)
    assert (motion.seats, motion.alternate_seats, motion.matter) == (7, 2, "committee")


def test_election_with_an_even_number_of_seats_is_refused(world, draft, login):
    response = act(
        login(world.staff),
        world,
        draft,
        "motion_add",
        motion_data(kind="election", title="选举", seats="6", alternate_seats="2"),
    )
    assert response.status_code == 400
    assert "The committee needs an odd number of seats." in response.content.decode()
    assert not draft.motions.filter(kind=MotionKind.ELECTION).exists()


def test_question_answers_are_one_per_line(world, draft, login):
    act(
        login(world.staff),
        world,
        draft,
        "motion_add",
        motion_data(
            kind="single", title="充电桩装在哪里", options="北门\n\n 3号楼西侧 \n暂不安装\n"
        ),
    )
    motion = draft.motions.get(kind=MotionKind.SINGLE)
    assert list(motion.options.values_list("key", "label")) == [
        ("o1", "北门"),
        ("o2", "3号楼西侧"),
        ("o3", "暂不安装"),
    ]


def test_question_with_one_answer_is_refused(world, draft, login):
    response = act(
        login(world.staff),
        world,
        draft,
        "motion_add",
        motion_data(kind="multiple", title="选哪些", options="只有一个"),
    )
    assert response.status_code == 400
    assert "A question needs at least two answers." in response.content.decode()
    assert not Option.objects.exists()


def test_remove_a_motion(world, draft, login):
    motion = first_motion(draft)
    response = act(login(world.staff), world, draft, "motion_remove", {"id": motion.pk})
    assert response.status_code == 302
    assert not draft.motions.exists()


def test_remove_a_motion_of_another_vote_is_refused(world, hall, draft, login):
    other = draft_vote(world.staff, world.compound, title="另一次")
    response = act(
        login(world.staff), world, draft, "motion_remove", {"id": first_motion(other).pk}
    )
    assert response.status_code == 400
    assert "That motion is not part of this vote." in response.content.decode()
    assert other.motions.count() == 1


# ---------------------------------------------------------------- candidates


def test_owner_search_lists_current_owners_only(world, hall, draft, login):
    motion = election(world, draft)
    tenant = f.PersonFactory(compound=world.compound, name="业主甲的租户")
    f.ResidencyFactory(unit=hall.units[2], person=tenant, relation="tenant")
    sold = f.PersonFactory(compound=world.compound, name="业主前任")
    f.OwnershipFactory(
        unit=hall.units[3], person=sold, ended_on=timezone.localdate() - timedelta(days=1)
    )
    url = reverse("decisions:staff_candidate_search", args=[world.compound.code, draft.pk])
    client = login(world.staff)
    response = client.get(url, {"motion": motion.pk, "q": "业主"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "业主2" in html and "63-2-303" in html
    assert "业主甲的租户" not in html
    assert "业主前任" not in html
    assert f'name="c{motion.pk}-person"' in html
    by_unit = client.get(url, {"motion": motion.pk, "q": "64-1-2"}, HTTP_HX_REQUEST="true")
    assert "业主6" in by_unit.content.decode() and "业主5" not in by_unit.content.decode()


def test_owner_search_without_htmx_shows_the_results_on_the_vote_page(world, draft, login):
    motion = election(world, draft)
    url = reverse("decisions:staff_candidate_search", args=[world.compound.code, draft.pk])
    client = login(world.staff)
    response = client.get(url, {"motion": motion.pk, "q": "张三"})
    assert response.status_code == 302
    html = client.get(response.url).content.decode()
    assert f'name="c{motion.pk}-person" value="{world.resident_person.pk}"' in html


def test_nominate_an_owner(world, hall, draft, login):
    motion = election(world, draft)
    response = act(
        login(world.staff),
        world,
        draft,
        "candidate_add",
        {
            "motion": motion.pk,
            f"c{motion.pk}-person": hall.owners[2].pk,
            f"c{motion.pk}-nomination": Candidate.Nomination.PARTY,
            f"c{motion.pk}-statement": "愿为大家服务",
        },
    )
    assert response.status_code == 302, response.context["error"]
    assert response.url.endswith(f"#motion-{motion.pk}")
    candidate = motion.candidates.get()
    assert (candidate.key, candidate.person, candidate.display_name) == (
        "c1",
        hall.owners[2],
        "业主2",
    )
    assert candidate.nomination == Candidate.Nomination.PARTY
    assert candidate.statement == "愿为大家服务"


def test_a_tenant_cannot_be_nominated(world, hall, draft, login):
    motion = election(world, draft)
    tenant = f.PersonFactory(compound=world.compound, name="租户")
    f.ResidencyFactory(unit=hall.units[2], person=tenant, relation="tenant")
    response = act(
        login(world.staff),
        world,
        draft,
        "candidate_add",
        {
            "motion": motion.pk,
            f"c{motion.pk}-person": tenant.pk,
            f"c{motion.pk}-nomination": "self",
        },
    )
    assert response.status_code == 400
    assert "A candidate must be an owner in this compound." in response.content.decode()
    assert not motion.candidates.exists()


def test_nominating_without_choosing_an_owner_says_so(world, draft, login):
    motion = election(world, draft)
    response = act(
        login(world.staff),
        world,
        draft,
        "candidate_add",
        {"motion": motion.pk, f"c{motion.pk}-nomination": "self"},
    )
    assert response.status_code == 400
    assert "Search for the owner and choose them from the list." in response.content.decode()


def test_the_same_owner_twice_is_refused(world, hall, draft, login):
    motion = election(world, draft)
    services.candidate_add(actor=world.staff, motion=motion, person=hall.owners[1])
    response = act(
        login(world.staff),
        world,
        draft,
        "candidate_add",
        {
            "motion": motion.pk,
            f"c{motion.pk}-person": hall.owners[1].pk,
            f"c{motion.pk}-nomination": "self",
        },
    )
    assert response.status_code == 400
    assert "This owner is already a candidate." in response.content.decode()
    assert motion.candidates.count() == 1


def test_withdraw_a_candidate(world, hall, draft, login):
    motion = election(world, draft)
    candidate = services.candidate_add(actor=world.staff, motion=motion, person=hall.owners[1])
    response = act(login(world.staff), world, draft, "candidate_remove", {"id": candidate.pk})
    assert response.status_code == 302
    assert not motion.candidates.exists()


# ---------------------------------------------------------------- documents


def test_upload_a_document(world, draft, login):
    response = act(
        login(world.staff),
        world,
        draft,
        "document_add",
        {
            "document-title": "管理规约修订稿",
            "document-file": SimpleUploadedFile("rules.pdf", b"%PDF-1.4 rules"),
        },
    )
    assert response.status_code == 302
    document = VoteDocument.objects.get()
    assert document.title == "管理规约修订稿"
    assert len(document.sha256) == 64
    html = login(world.staff).get(page(world, draft)).content.decode()
    assert "管理规约修订稿" in html


def test_upload_without_a_file_is_refused(world, draft, login):
    response = act(login(world.staff), world, draft, "document_add", {"document-title": "附件"})
    assert response.status_code == 400
    assert "Choose a file." in response.content.decode()
    assert not VoteDocument.objects.exists()


# ---------------------------------------------------------------- after publication


def test_published_vote_offers_no_drafting_and_refuses_it(world, hall, login):
    vote = vote_at(VoteStatus.PUBLISHED, world.staff, world.compound)
    client = login(world.staff)
    html = client.get(page(world, vote)).content.decode()
    assert "Add a motion" not in html
    assert "Edit the details and dates" not in html
    response = act(
        client,
        world,
        vote,
        "motion_add",
        motion_data(kind="ordinary", matter="other", title="临时加一项"),
    )
    assert response.status_code == 400
    assert "This vote is published: nothing can be added to it or changed." in (
        response.content.decode()
    )
    assert vote.motions.count() == 1


def test_unknown_action_is_404(world, draft, login):
    assert act(login(world.staff), world, draft, "explode").status_code == 404


# ---------------------------------------------------------------- links to the other pages


def optional_url(name, *args) -> str | None:
    """The URL of another helper's page, or None while it does not exist."""
    from django.urls import NoReverseMatch

    try:
        return reverse(f"decisions:{name}", args=args)
    except NoReverseMatch:
        return None


def test_open_vote_links_the_pages_that_run_it(world, hall, login):
    vote = vote_at(VoteStatus.OPEN, world.staff, world.compound)
    html = login(world.staff).get(page(world, vote)).content.decode()
    assert reverse("decisions:electorate", args=[world.compound.code, vote.pk]) in html
    for name in ("paper_ballots", "record_token", "canvass"):
        url = optional_url(name, world.compound.code, vote.pk)
        if url:
            assert url in html, name
    tally = optional_url("tally", world.compound.code, vote.pk)
    if tally:
        assert tally not in html  # nothing to count before the close


def test_published_result_links_the_count_and_the_public_page(world, hall, login):
    vote = vote_at(VoteStatus.RESULT_PUBLISHED, world.staff, world.compound)
    html = login(world.staff).get(page(world, vote)).content.decode()
    for name in ("tally", "public_result"):
        url = optional_url(name, world.compound.code, vote.pk)
        if url:
            assert url in html, name


def test_documents_link_to_their_download(world, draft, login):
    document = services.document_add(
        actor=world.staff,
        vote=draft,
        title="报价单",
        upload=SimpleUploadedFile("quote.pdf", b"%PDF-1.4 quote"),
    )
    html = login(world.staff).get(page(world, draft)).content.decode()
    url = optional_url("document", draft.pk, document.pk)
    assert "报价单" in html
    if url:
        assert url in html
