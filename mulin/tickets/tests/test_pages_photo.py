"""Photos of a request are served through `tickets:photo` after the request's own access check,
never straight from the media directory."""

import io

import pytest
from django.urls import reverse
from PIL import Image

from mulin.core.models import Role
from mulin.testing import factories as f


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def photo(submit):
    buf = io.BytesIO()
    Image.new("RGB", (50, 40), "teal").save(buf, format="JPEG")
    buf.seek(0)
    buf.name = "leak.jpg"
    ticket = submit(photos=[buf])
    return ticket.photos.get()


def url(photo, **query) -> str:
    path = reverse("tickets:photo", args=[photo.ticket_id, photo.pk])
    return f"{path}?size=thumb" if query.get("thumb") else path


def test_anonymous_is_sent_to_login(client, photo):
    response = client.get(url(photo))
    assert response.status_code == 302
    assert response.url.startswith(reverse("core:login"))


def test_outsider_gets_404(world, login, photo):
    assert login(world.outsider).get(url(photo)).status_code == 404


def test_neighbour_gets_404(world, login, photo):
    person = f.PersonFactory(compound=world.compound)
    f.ResidencyFactory(unit=world.neighbour_unit, person=person, relation="owner")
    neighbour = f.UserFactory(person=person)
    f.grant(neighbour, Role.RESIDENT, world.compound)
    assert login(neighbour).get(url(photo)).status_code == 404


@pytest.mark.parametrize("thumb", [False, True])
def test_requester_gets_the_jpeg_privately_cached(thumb, world, login, photo):
    response = login(world.resident).get(url(photo, thumb=thumb))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"].startswith("private")
    body = b"".join(response.streaming_content)
    assert Image.open(io.BytesIO(body)).size == (50, 40)


def test_handler_of_the_team_gets_it(desk, login, photo):
    assert login(desk.handler).get(url(photo)).status_code == 200


def test_photo_of_another_request_under_this_requests_url_is_404(world, login, photo, submit):
    other = submit()
    path = reverse("tickets:photo", args=[other.pk, photo.pk])
    assert login(world.resident).get(path).status_code == 404


def test_missing_photo_is_404(world, login, photo):
    path = reverse("tickets:photo", args=[photo.ticket_id, photo.pk + 100])
    assert login(world.resident).get(path).status_code == 404


def test_photos_are_not_stored_under_their_uploaded_name(photo):
    assert "leak" not in photo.image.name
    assert photo.image.name.startswith("tickets/")
