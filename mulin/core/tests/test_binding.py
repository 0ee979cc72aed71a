"""A resident asks to bind a home; staff of that compound approve (linking the registry) or
reject with a reason."""

import pytest
from django.urls import reverse

from mulin.core import access
from mulin.core.models import AuditEvent, BindingRequest, BindingStatus, Role, RoleGrant
from mulin.people.models import Person, Residency
from mulin.testing import factories as f


@pytest.fixture
def newcomer(world):
    """A freshly registered resident with no home yet."""
    return f.UserFactory(username="13900000001", phone="13900000001", first_name="李梅")


def _request(client, compound, **data):
    payload = {"compound": compound.code, "relation": "tenant", "name": "李梅", **data}
    return client.post(reverse("core:bind"), payload)


def _pending(user, unit, relation="tenant", name="李梅"):
    return BindingRequest.objects.create(user=user, unit=unit, relation=relation, name=name)


# --- Asking ---------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login_from_bind(client, db):
    response = client.get(reverse("core:bind"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))


def test_compound_search_lists_matching_compounds(client, login, world, newcomer):
    login(newcomer)
    response = client.get(reverse("core:bind"), {"q": "锦绣"})
    assert world.compound.name in response.content.decode()
    assert world.other.name not in response.content.decode()


def test_compound_search_answers_htmx_with_the_results_only(client, login, world, newcomer):
    login(newcomer)
    response = client.get(reverse("core:bind"), {"q": "锦绣"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'id="compound-results"' in body and "<html" not in body


def test_unknown_unit_code_is_named_and_nothing_is_created(client, login, world, newcomer):
    login(newcomer)
    response = _request(client, world.compound, unit_code="99-9-999")
    assert response.status_code == 200
    message = response.context["form"].errors["unit_code"][0]
    assert "There is no home 99-9-999" in message
    assert not BindingRequest.objects.exists()


def test_unparseable_unit_code_is_named(client, login, world, newcomer):
    login(newcomer)
    response = _request(client, world.compound, unit_code="my flat")
    assert "is not a unit code" in response.context["form"].errors["unit_code"][0]
    assert not BindingRequest.objects.exists()


def test_unit_in_another_compound_is_not_found(client, login, world, newcomer):
    login(newcomer)
    response = _request(client, world.compound, unit_code=world.other_unit.code)
    assert "unit_code" in response.context["form"].errors
    assert not BindingRequest.objects.exists()


def test_request_with_a_chinese_unit_code_is_created_pending(client, login, world, newcomer):
    login(newcomer)
    response = _request(client, world.compound, unit_code="63幢2单元302")
    assert response.status_code == 302
    binding = BindingRequest.objects.get()
    assert binding.unit == world.neighbour_unit
    assert binding.status == BindingStatus.PENDING
    assert AuditEvent.objects.filter(action="binding.requested", target_id=binding.pk).exists()
    page = client.get(reverse("core:bind")).content.decode()
    assert "63-2-302" in page and "Waiting for the office" in page


def test_second_pending_request_for_the_same_home_is_refused(client, login, world, newcomer):
    login(newcomer)
    _request(client, world.compound, unit_code="63-2-302")
    response = _request(client, world.compound, unit_code="63-2-302")
    assert "already asked" in response.context["form"].errors["unit_code"][0]
    assert BindingRequest.objects.count() == 1


def test_resident_sees_the_rejection_reason(client, login, world, newcomer):
    binding = _pending(newcomer, world.neighbour_unit)
    binding.status, binding.reason = BindingStatus.REJECTED, "Nobody of that name lives there."
    binding.save()
    login(newcomer)
    page = client.get(reverse("core:home")).content.decode()
    assert "Not approved" in page and "Nobody of that name lives there." in page


# --- The staff queue ------------------------------------------------------------------------


def test_staff_queue_lists_pending_requests_of_their_compounds(client, login, world, newcomer):
    _pending(newcomer, world.neighbour_unit)
    other_user = f.UserFactory(phone="13900000002")
    _pending(other_user, world.other_unit, name="别人")
    login(world.staff)
    body = client.get(reverse("core:bindings")).content.decode()
    assert "李梅" in body and "别人" not in body
    assert "139****0001" in body and "13900000001" not in body


def test_outsider_staff_sees_an_empty_queue_and_gets_404_on_the_request(
    client, login, world, newcomer
):
    binding = _pending(newcomer, world.neighbour_unit)
    login(world.outsider)
    assert "李梅" not in client.get(reverse("core:bindings")).content.decode()
    response = client.post(
        reverse("core:binding_decide", args=[binding.pk]), {"decision": "approve"}
    )
    assert response.status_code == 404
    binding.refresh_from_db()
    assert binding.status == BindingStatus.PENDING


def test_resident_gets_404_on_the_staff_queue(client, login, world):
    login(world.resident)
    assert client.get(reverse("core:bindings")).status_code == 404


def test_anonymous_is_sent_to_login_from_the_queue(client, db):
    response = client.get(reverse("core:bindings"))
    assert response["Location"].startswith(reverse("core:login"))


def test_approve_creates_person_residency_grant_and_audit(client, login, world, newcomer):
    binding = _pending(newcomer, world.neighbour_unit, relation="tenant")
    login(world.staff)
    response = client.post(
        reverse("core:binding_decide", args=[binding.pk]), {"decision": "approve"}
    )
    assert response.status_code == 302
    binding.refresh_from_db()
    newcomer.refresh_from_db()
    assert binding.status == BindingStatus.APPROVED and binding.decided_by == world.staff
    person = newcomer.person
    assert person is not None and person.compound == world.compound and person.name == "李梅"
    assert person.phone == "13900000001"
    residency = Residency.objects.get(person=person)
    assert residency.unit == world.neighbour_unit and residency.relation == "tenant"
    assert (
        RoleGrant.objects.current()
        .filter(user=newcomer, role=Role.RESIDENT, scope="compound", compound=world.compound)
        .exists()
    )
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "binding.approved",
        "person.created",
        "residency.created",
        "account.linked_to_person",
        "role.granted",
    } <= actions
    approved = AuditEvent.objects.get(action="binding.approved")
    assert approved.changes["status"] == ["pending", "approved"]
    assert approved.actor == world.staff and approved.compound == world.compound
    # The resident now sees their household.
    access.clear_cache(newcomer)
    assert access.can(newcomer, access.HOUSEHOLD_VIEW, world.neighbour_unit)


def test_approve_links_the_registry_person_with_the_same_phone(client, login, world):
    existing = f.PersonFactory(compound=world.compound, name="王五", phone="13900000009")
    f.ResidencyFactory(unit=world.neighbour_unit, person=existing, relation="owner")
    user = f.UserFactory(phone="13900000009", first_name="王五")
    binding = _pending(user, world.neighbour_unit, relation="owner", name="王小五")
    persons_before = Person.objects.count()
    login(world.staff)
    client.post(reverse("core:binding_decide", args=[binding.pk]), {"decision": "approve"})
    user.refresh_from_db()
    assert user.person == existing
    assert Person.objects.count() == persons_before
    assert Residency.objects.filter(person=existing).count() == 1


def test_approve_links_by_name_when_no_phone_matches(client, login, world):
    owner = f.PersonFactory(compound=world.compound, name="赵六", phone="")
    f.OwnershipFactory(unit=world.neighbour_unit, person=owner)
    user = f.UserFactory(phone="13900000010")
    binding = _pending(user, world.neighbour_unit, relation="owner", name="赵六")
    login(world.staff)
    client.post(reverse("core:binding_decide", args=[binding.pk]), {"decision": "approve"})
    user.refresh_from_db()
    assert user.person == owner


def test_queue_shows_which_registry_record_approval_would_link(client, login, world):
    existing = f.PersonFactory(compound=world.compound, name="王五", phone="13900000009")
    f.ResidencyFactory(unit=world.neighbour_unit, person=existing, relation="owner")
    _pending(f.UserFactory(phone="13900000009"), world.neighbour_unit, name="王五")
    login(world.staff)
    assert "Matches 王五" in client.get(reverse("core:bindings")).content.decode()


def test_reject_needs_a_reason(client, login, world, newcomer):
    binding = _pending(newcomer, world.neighbour_unit)
    login(world.staff)
    response = client.post(
        reverse("core:binding_decide", args=[binding.pk]), {"decision": "reject", "reason": " "}
    )
    assert response.status_code == 302
    binding.refresh_from_db()
    assert binding.status == BindingStatus.PENDING
    assert not AuditEvent.objects.filter(action="binding.rejected").exists()
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("Give a reason" in m for m in messages)


def test_reject_with_a_reason_records_it(client, login, world, newcomer):
    binding = _pending(newcomer, world.neighbour_unit)
    login(world.staff)
    client.post(
        reverse("core:binding_decide", args=[binding.pk]),
        {"decision": "reject", "reason": "Not on the owners' register."},
    )
    binding.refresh_from_db()
    newcomer.refresh_from_db()
    assert binding.status == BindingStatus.REJECTED
    assert binding.reason == "Not on the owners' register."
    assert newcomer.person is None
    assert not RoleGrant.objects.filter(user=newcomer).exists()
    event = AuditEvent.objects.get(action="binding.rejected")
    assert event.changes["reason"] == ["", "Not on the owners' register."]


def test_a_decided_request_cannot_be_decided_again(client, login, world, newcomer):
    binding = _pending(newcomer, world.neighbour_unit)
    login(world.staff)
    url = reverse("core:binding_decide", args=[binding.pk])
    client.post(url, {"decision": "reject", "reason": "No."})
    client.post(url, {"decision": "approve"})
    binding.refresh_from_db()
    assert binding.status == BindingStatus.REJECTED
    assert (
        AuditEvent.objects.filter(action__startswith="binding.")
        .exclude(action="binding.requested")
        .count()
        == 1
    )


def test_htmx_decision_swaps_only_the_row(client, login, world, newcomer):
    binding = _pending(newcomer, world.neighbour_unit)
    login(world.staff)
    response = client.post(
        reverse("core:binding_decide", args=[binding.pk]),
        {"decision": "approve"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith(f'<tr id="binding-{binding.pk}"')
    assert "Approved" in body and "<html" not in body


def test_htmx_reject_without_reason_shows_the_error_in_the_row(client, login, world, newcomer):
    binding = _pending(newcomer, world.neighbour_unit)
    login(world.staff)
    response = client.post(
        reverse("core:binding_decide", args=[binding.pk]),
        {"decision": "reject"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert "Give a reason" in body and 'aria-invalid="true"' in body


def _make_requests(world, n, start=0):
    for i in range(start, start + n):
        unit = f.UnitFactory(entrance=world.unit.entrance, number=f"5{i:02d}")
        person = f.PersonFactory(compound=world.compound)
        f.ResidencyFactory(unit=unit, person=person)
        f.OwnershipFactory(unit=unit, person=person)
        _pending(f.UserFactory(phone=f"1370000{i:04d}"), unit, name=person.name)


def test_queue_query_count_does_not_grow_with_the_requests(
    client, login, world, count_queries, django_assert_max_num_queries
):
    login(world.staff)
    url = reverse("core:bindings")
    _make_requests(world, 3)
    client.get(url)  # warm up
    with count_queries() as small:
        assert client.get(url).status_code == 200
    _make_requests(world, 6, start=3)
    with count_queries() as large:
        client.get(url)
    assert small.count == large.count, large.dump()
    with django_assert_max_num_queries(14):
        client.get(url)
