"""The import wizard page: upload → preview (dry run) → confirm → result, for import staff only."""

import pytest
from django.urls import reverse
from django.utils import translation

from mulin.core.models import AuditEvent
from mulin.people.data_views import SESSION_KEY
from mulin.people.models import Person
from mulin.people.tests.files.spreadsheets import registry_counts, registry_workbook, upload
from mulin.places.models import Unit


@pytest.fixture(autouse=True)
def english(settings):
    """Assertions read the English source messages, whatever catalogues are compiled."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def url(world):
    return reverse("people:import", args=[world.compound.code])


def good_file():
    return upload(
        "住户.xlsx",
        registry_workbook(
            units=[["63-2-303", "住宅", 66.6, "产权登记", "自住"]],
            residents=[["63-2-303", "孙八", "13900008888", None, "男", 1961, "业主", "是", None]],
        ),
    )


def bad_file():
    return upload(
        "住户.xlsx",
        registry_workbook(
            units=[["63-2-303", "住宅", 0, "产权登记", "自住"]],
            residents=[["63-2-303", "孙八", "1390000", None, "男", None, "业主", "是", None]],
        ),
    )


def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and reverse("core:login") in response["Location"]


@pytest.mark.parametrize("who", ["outsider", "resident"])
def test_outsider_and_resident_get_404(world, login, url, who):
    client = login(getattr(world, who))
    assert client.get(url).status_code == 404
    before = registry_counts()
    assert client.post(url, {"file": good_file()}).status_code == 404
    assert registry_counts() == before


def test_unknown_compound_is_404(world, login):
    client = login(world.staff)
    assert client.get(reverse("people:import", args=["no-such-place"])).status_code == 404


def test_staff_sees_the_upload_form_and_the_downloads(world, login, url):
    response = login(world.staff).get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'type="file"' in html and 'enctype="multipart/form-data"' in html
    assert reverse("people:import_template", args=["xlsx"]) in html
    assert reverse("people:registry_export", args=[world.compound.code, "xlsx"]) in html
    assert response.context["compound"] == world.compound


def test_a_file_with_errors_shows_every_error_and_saves_nothing(world, login, url):
    before = registry_counts()
    response = login(world.staff).post(url, {"file": bad_file()})
    assert response.status_code == 200
    assert response.context["step"] == "errors"
    html = response.content.decode()
    assert "2 problems" in html
    assert "专有面积" in html and "greater than 0" in html
    assert "居民 residents" in html and "1390000" in html
    assert '<td class="d-none d-md-table-cell text-end">2</td>' in html
    assert registry_counts() == before
    assert SESSION_KEY not in login(world.staff).session


def test_preview_then_confirm_imports_the_file(world, login, url):
    client = login(world.staff)
    before = registry_counts()
    preview = client.post(url, {"file": good_file()})
    assert preview.context["step"] == "preview"
    assert "To add" in preview.content.decode()
    assert registry_counts() == before, "the preview is a dry run"
    token = client.session[SESSION_KEY]["token"]
    assert preview.context["token"] == token

    done = client.post(url, {"action": "confirm", "token": token})
    assert done.status_code == 200 and done.context["step"] == "done"
    assert done.context["result"].counts["units"].created == 1
    assert Unit.objects.filter(compound=world.compound, code="63-2-303").exists()
    assert Person.objects.get(name="孙八").phone == "13900008888"
    assert AuditEvent.objects.filter(action="registry.import", actor=world.staff).count() == 1
    assert SESSION_KEY not in client.session

    again = client.post(url, {"action": "confirm", "token": token})
    assert again.context["expired"] is True
    assert AuditEvent.objects.filter(action="registry.import").count() == 1


def test_confirm_with_a_token_from_elsewhere_imports_nothing(world, login, url):
    client = login(world.staff)
    client.post(url, {"file": good_file()})
    before = registry_counts()
    response = client.post(url, {"action": "confirm", "token": "x" * 32})
    assert response.context["expired"] is True
    assert registry_counts() == before


def test_cancel_forgets_the_upload(world, login, url):
    client = login(world.staff)
    client.post(url, {"file": good_file()})
    token = client.session[SESSION_KEY]["token"]
    client.post(url, {"action": "cancel", "token": token})
    assert SESSION_KEY not in client.session
    response = client.post(url, {"action": "confirm", "token": token})
    assert response.context["expired"] is True
    assert not Unit.objects.filter(code="63-2-303").exists()


def test_htmx_gets_only_the_wizard(world, login, url):
    response = login(world.staff).post(url, {"file": bad_file()}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="import-wizard"')
    assert "<html" not in html


def test_a_missing_file_is_a_form_error(world, login, url):
    response = login(world.staff).post(url, {})
    assert response.context["step"] == "upload"
    assert response.context["form"].errors["file"]
    assert "is-invalid" in response.content.decode()


def test_page_query_count_is_fixed(world, login, url, django_assert_max_num_queries):
    client = login(world.staff)
    with django_assert_max_num_queries(12):
        client.get(url)
