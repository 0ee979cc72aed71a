"""A vote's documents (`decisions:document`) are served only through the view: to owners of
the compound once the vote is published, to its staff who view or record votes in any state."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mulin.core.models import Role
from mulin.decisions import services
from mulin.decisions.states import VoteStatus
from mulin.testing import factories as f

from .conftest import draft_vote, vote_at

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% a draft management code\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def with_document(world, *, published: bool):
    vote = draft_vote(world.staff, world.compound)
    doc = services.document_add(
        actor=world.staff,
        vote=vote,
        title="管理规约修订稿",
        upload=SimpleUploadedFile("draft.pdf", PDF, content_type="application/pdf"),
    )
    if published:
        vote = vote_at(VoteStatus.PUBLISHED, world.staff, world.compound, vote)
    return vote, doc


def url(vote, doc) -> str:
    return reverse("decisions:document", args=[vote.pk, doc.pk])


def test_anonymous_is_sent_to_login(client, world, hall):
    vote, doc = with_document(world, published=True)
    response = client.get(url(vote, doc))
    assert response.status_code == 302
    assert response.url.startswith(reverse("core:login"))


def test_owner_downloads_it_with_its_title_and_nosniff(world, hall, login):
    vote, doc = with_document(world, published=True)
    response = login(world.resident).get(url(vote, doc))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert "draft" not in disposition
    assert "filename*=utf-8''%E7%AE%A1%E7%90%86" in disposition  # 管理规约修订稿.pdf
    assert disposition.endswith(".pdf")


def test_the_vote_page_links_the_document(world, hall, login):
    vote, doc = with_document(world, published=True)
    html = (
        login(world.resident).get(reverse("decisions:owner_vote", args=[vote.pk])).content.decode()
    )
    assert url(vote, doc) in html and "管理规约修订稿" in html


def test_outsider_gets_404(world, hall, login):
    vote, doc = with_document(world, published=True)
    assert login(world.outsider).get(url(vote, doc)).status_code == 404


def test_tenant_gets_404(world, hall, login):
    vote, doc = with_document(world, published=True)
    person = f.PersonFactory(compound=world.compound)
    f.ResidencyFactory(unit=world.unit, person=person, relation="tenant", is_head=False)
    tenant = f.UserFactory(person=person)
    f.grant(tenant, Role.RESIDENT, world.compound)
    assert login(tenant).get(url(vote, doc)).status_code == 404


def test_owner_gets_404_while_the_vote_is_a_draft(world, hall, login):
    vote, doc = with_document(world, published=False)
    assert login(world.resident).get(url(vote, doc)).status_code == 404


def test_staff_who_view_votes_get_a_drafts_document(world, hall, login):
    vote, doc = with_document(world, published=False)
    assert login(hall.committee).get(url(vote, doc)).status_code == 200


def test_recorders_get_the_document(world, hall, login):
    vote, doc = with_document(world, published=True)
    assert login(hall.recorder).get(url(vote, doc)).status_code == 200


def test_a_document_of_another_vote_is_404(world, hall, login):
    _vote, doc = with_document(world, published=True)
    other = vote_at(VoteStatus.PUBLISHED, world.staff, world.compound)
    assert login(world.resident).get(url(other, doc)).status_code == 404


def test_an_html_upload_is_a_download_not_a_page(world, hall, login):
    vote = draft_vote(world.staff, world.compound)
    doc = services.document_add(
        actor=world.staff,
        vote=vote,
        title="说明",
        upload=SimpleUploadedFile(
            "note.html", b"<script>alert(1)</script>", content_type="text/html"
        ),
    )
    vote = vote_at(VoteStatus.PUBLISHED, world.staff, world.compound, vote)
    response = login(world.resident).get(url(vote, doc))
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
