"""The API's common ground: authentication, `/me`, error shapes, CSRF, idempotency."""

from datetime import timedelta

import pytest
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext

from mulin.api import api as ninja_api
from mulin.core.models import ApiToken, AuditEvent, IdempotencyKey, Role
from mulin.people.models import Ownership, Person, Residency
from mulin.testing.api import token_for

# ---------------------------------------------------------------- authentication


def _operations():
    document = ninja_api.get_openapi_schema(path_prefix="")
    for path, methods in document["paths"].items():
        for method in methods:
            filled = path.replace("{code}", "x").replace("{id}", "1")
            yield method.upper(), filled.replace("{purpose}", "registry")


@pytest.mark.parametrize(("method", "path"), list(_operations()))
def test_anonymous_gets_401_on_every_operation(db, client, method, path):
    response = client.generic(method, "/api/v1" + path, "{}", content_type="application/json")
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}


def test_bearer_token_signs_in_and_records_last_use(world, client):
    raw = token_for(world.staff)
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    assert response.json()["username"] == "staff"
    assert ApiToken.objects.get(user=world.staff).last_used_at is not None


def test_revoked_token_gets_401(world, client):
    raw = token_for(world.staff)
    ApiToken.objects.filter(user=world.staff).update(revoked_at=timezone.now())
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 401


def test_unknown_token_and_inactive_user_get_401(world, client):
    assert (
        client.get("/api/v1/me", headers={"Authorization": "Bearer mulin_nope"}).status_code == 401
    )
    raw = token_for(world.staff)
    world.staff.is_active = False
    world.staff.save()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


def test_session_reads_without_csrf_but_writes_need_it(world):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.staff)
    assert browser.get("/api/v1/me").status_code == 200
    body = {"compound": world.compound.code, "name": "赵六"}
    refused = browser.post("/api/v1/persons", body, content_type="application/json")
    assert refused.status_code == 403
    assert not Person.objects.filter(name="赵六").exists()
    token = _get_new_csrf_string()
    browser.cookies["csrftoken"] = token
    accepted = browser.post(
        "/api/v1/persons", body, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert accepted.status_code == 201, accepted.content
    assert Person.objects.filter(name="赵六").count() == 1


def test_bearer_writes_need_no_csrf(world, api):
    response = api(world.staff).post("/persons", {"compound": world.compound.code, "name": "赵六"})
    assert response.status_code == 201


# ---------------------------------------------------------------- /me


def test_me_for_staff_lists_roles_and_compounds(world, api):
    data = api(world.staff).get("/me").json()
    assert data["is_staff"] is True
    assert [r["role"] for r in data["roles"]] == [Role.COMMUNITY_STAFF]
    assert data["roles"][0]["scope"] == "community"
    assert [c["code"] for c in data["compounds"]] == [world.compound.code]
    assert data["units"] == []


def test_me_for_resident_lists_their_home_with_masked_phone(world, api):
    data = api(world.resident).get("/me").json()
    assert data["is_staff"] is False
    assert data["phone"] == "138****5678"
    assert data["person"] == {"id": world.resident_person.id, "name": "张三"}
    assert data["compounds"] == []
    assert data["units"] == [
        {
            "id": world.unit.id,
            "code": world.unit.code,
            "compound": {
                "id": world.compound.id,
                "code": world.compound.code,
                "name": world.compound.name,
            },
            "relations": ["owner", "resident"],
        }
    ]
    assert "13812345678" not in api(world.resident).get("/me").content.decode()


def test_me_for_platform_admin_without_grants(world, api):
    data = api(world.admin).get("/me").json()
    assert data["roles"][0]["role"] == Role.PLATFORM_ADMIN
    assert {c["code"] for c in data["compounds"]} == {world.compound.code, world.other.code}


# ---------------------------------------------------------------- error shapes


def test_missing_object_answers_404_not_found(world, api):
    response = api(world.staff).get("/units/999999")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found"}


@pytest.mark.parametrize(
    ("language", "message"),
    [("en", "This field is required."), ("zh-hans", "这个字段是必填项。")],
)
def test_missing_field_is_422_naming_it_in_the_requested_language(world, api, language, message):
    response = api(world.staff, language=language).post(
        "/persons", {"compound": world.compound.code}
    )
    assert response.status_code == 422
    assert response.json() == {"detail": [{"field": "name", "message": message}]}


def test_chinese_is_the_default_language(world, client, settings):
    settings.LANGUAGE_CODE = "zh-hans"  # the product default; other tests run in English
    raw = token_for(world.staff)
    response = client.post(
        "/api/v1/persons",
        {"compound": world.compound.code},
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.json()["detail"][0]["message"] == "这个字段是必填项。"


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_service_refusal_is_422_with_the_translated_message(world, api, language):
    response = api(world.staff, language=language).post(
        "/persons", {"compound": world.compound.code, "name": "赵六", "phone": "12345"}
    )
    assert response.status_code == 422
    with translation.override(language):
        expected = gettext(
            "“%(value)s” is not a valid phone number (11-digit mobile or landline with area code)."
        ) % {"value": "12345"}
    assert response.json() == {"detail": [{"field": "phone", "message": expected}]}
    chinese = any("\u4e00" <= char <= "\u9fff" for char in expected)
    assert chinese == (language == "zh-hans")  # really translated, not the English source
    assert not Person.objects.filter(name="赵六").exists()


def test_reference_to_another_compounds_person_is_422_in_chinese_by_default(
    world, neighbourhood, client, settings
):
    settings.LANGUAGE_CODE = "zh-hans"  # the product default; other tests run in English
    response = client.post(
        f"/api/v1/units/{world.unit.id}/residencies",
        {"person": neighbourhood.other_person.id, "relation": "family"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token_for(world.staff)}"},
    )
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["field"] == "person"
    with translation.override("zh-hans"):
        assert error["message"] == gettext("Choose a person from this compound's registry.")
    assert error["message"] != "Choose a person from this compound's registry."


def test_bad_query_parameter_is_422(world, api):
    response = api(world.staff).get("/units", limit=0)
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"field": "limit", "message": "Ensure this value is greater than or equal to 1."}
    ]


def test_nul_character_is_refused_not_a_server_error(world, api):
    response = api(world.staff).get("/persons", q="张\x00")
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "q"


# ---------------------------------------------------------------- idempotency


def test_retry_with_the_same_key_returns_the_first_answer_and_writes_once(world, api):
    client = api(world.staff)
    body = {"compound": world.compound.code, "name": "赵六", "phone": "13611112222"}
    first = client.post("/persons", body, **{"Idempotency-Key": "abc-1"})
    again = client.post("/persons", body, **{"Idempotency-Key": "abc-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Person.objects.filter(name="赵六").count() == 1
    assert AuditEvent.objects.filter(action="person.create").count() == 1


def test_without_a_key_each_request_writes(world, api):
    client = api(world.staff)
    body = {"compound": world.compound.code, "name": "赵六"}
    client.post("/persons", body)
    client.post("/persons", body)
    assert Person.objects.filter(name="赵六").count() == 2


def test_keys_belong_to_one_user(world, api, neighbourhood):
    body = {"compound": world.compound.code, "name": "赵六"}
    api(world.staff).post("/persons", body, **{"Idempotency-Key": "same"})
    api(world.admin).post("/persons", body, **{"Idempotency-Key": "same"})
    assert Person.objects.filter(name="赵六").count() == 2


def test_a_key_reused_for_another_request_is_refused(world, api):
    client = api(world.staff)
    client.post(
        "/persons", {"compound": world.compound.code, "name": "赵六"}, **{"Idempotency-Key": "k"}
    )
    response = client.patch(
        f"/units/{world.unit.id}", {"status": "vacant"}, **{"Idempotency-Key": "k"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "Idempotency-Key"
    world.unit.refresh_from_db()
    assert world.unit.status == "occupied"


def test_a_refused_request_stores_no_key_so_a_corrected_retry_writes(world, api):
    client = api(world.staff)
    bad = client.post(
        "/persons", {"compound": world.compound.code, "name": " "}, **{"Idempotency-Key": "k2"}
    )
    assert bad.status_code == 422
    assert not IdempotencyKey.objects.exists()
    good = client.post(
        "/persons", {"compound": world.compound.code, "name": "赵六"}, **{"Idempotency-Key": "k2"}
    )
    assert good.status_code == 201


def test_keys_expire_after_a_day(world, api):
    client = api(world.staff)
    body = {"compound": world.compound.code, "name": "赵六"}
    client.post("/persons", body, **{"Idempotency-Key": "old"})
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=25))
    client.post("/persons", body, **{"Idempotency-Key": "old"})
    assert Person.objects.filter(name="赵六").count() == 2
    assert IdempotencyKey.objects.count() == 1


# ---------------------------------------------------------------- writes refused alike


def _writes(world, neighbourhood) -> list[tuple[str, str, dict]]:
    code = world.compound.code
    residency = Residency.objects.get(person=neighbourhood.neighbour)
    ownership = Ownership.objects.get(person=world.resident_person)
    neighbour = neighbourhood.neighbour.id
    return [
        ("post", "/buildings", {"compound": code, "number": "70"}),
        ("post", "/units", {"compound": code, "building": "63", "number": "701"}),
        ("patch", f"/units/{world.unit.id}", {"status": "vacant"}),
        ("post", "/persons", {"compound": code, "name": "周九"}),
        ("patch", f"/persons/{neighbour}", {"note": "x"}),
        ("post", f"/persons/{neighbour}/reveal", {"field": "phone"}),
        ("post", f"/persons/{neighbour}/consents/registry/withdraw", {}),
        (
            "post",
            f"/units/{world.unit.id}/residencies",
            {"person": neighbour, "relation": "family"},
        ),
        ("post", f"/residencies/{residency.id}/end", {}),
        ("post", f"/units/{world.neighbour_unit.id}/ownerships", {"person": neighbour}),
        ("post", f"/ownerships/{ownership.id}/end", {}),
        ("post", "/vehicles", {"compound": code, "plate": "闽D99999"}),
        ("post", "/organisations", {"kind": "partner", "name": "银行", "compound": code}),
        ("patch", f"/organisations/{neighbourhood.org.id}", {"phone": "0592-1234567"}),
        ("post", f"/organisations/{neighbourhood.org.id}/memberships", {"person": neighbour}),
        ("post", f"/memberships/{neighbourhood.membership.id}/end", {}),
        ("post", f"/memberships/{neighbourhood.membership.id}/areas", {"unit": world.unit.id}),
        (
            "post",
            "/duty/shifts",
            {
                "organisation": neighbourhood.org.id,
                "person": neighbour,
                "starts_at": "2030-01-01T08:00:00",
                "ends_at": "2030-01-01T20:00:00",
                "phone": "0592-1234567",
            },
        ),
    ]


@pytest.mark.parametrize("who", ["outsider", "resident"])
def test_writes_on_someone_elses_compound_or_household_answer_404_and_change_nothing(
    world, neighbourhood, api, who
):
    client = api(getattr(world, who))
    writes = _writes(world, neighbourhood)
    events = AuditEvent.objects.count()
    answers = {
        path: getattr(client, method)(path, body).status_code for method, path, body in writes
    }
    assert answers == {path: 404 for _method, path, _body in writes}
    assert AuditEvent.objects.count() == events


def test_staff_may_make_every_write(world, neighbourhood, api):
    client = api(world.staff)
    for method, path, body in _writes(world, neighbourhood):
        response = getattr(client, method)(path, body)
        assert response.status_code in {200, 201}, (path, response.content)
