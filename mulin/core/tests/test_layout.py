"""The base layout: navigation by role, the compound switcher, the skip link, HTMX CSRF."""

from django.urls import reverse

from mulin.testing import factories as f


def test_every_page_has_skip_link_language_and_large_text_switch(client, db):
    body = client.get(reverse("core:login")).content.decode()
    assert 'href="#main"' in body and 'id="main"' in body
    assert 'name="elder_mode"' in body
    assert 'name="language"' in body
    assert '<html lang="en"' in body  # the test default; Chinese is checked in test_language.py


def test_htmx_requests_carry_the_csrf_token(client, login, world):
    login(world.resident)
    body = client.get(reverse("core:me")).content.decode()
    assert 'hx-headers=\'{"X-CSRFToken": "' in body


def test_staff_get_the_module_navigation_and_residents_do_not(client, login, world):
    login(world.staff)
    staff_page = client.get(reverse("core:bindings")).content.decode()
    assert reverse("core:bindings") in staff_page
    assert "My household" not in staff_page
    client.logout()
    login(world.resident)
    resident_page = client.get(reverse("core:me")).content.decode()
    assert f'href="{reverse("core:bindings")}"' not in resident_page
    assert reverse("core:household") in resident_page and reverse("core:bind") in resident_page


def test_current_page_is_marked_in_the_navigation(client, login, world):
    login(world.resident)
    body = client.get(reverse("core:household")).content.decode()
    assert f'href="{reverse("core:household")}" aria-current="page"' in body


def test_compound_switcher_lists_the_staff_members_compounds(client, login, world):
    login(world.admin)
    body = client.get(reverse("core:bindings")).content.decode()
    assert "mulin-switcher" in body
    assert world.compound.name in body and world.other.name in body


def test_single_compound_staff_get_no_switcher(client, login, world):
    login(world.staff)
    body = client.get(reverse("core:bindings")).content.decode()
    assert "mulin-switcher-btn" not in body
    assert world.compound.name in body  # shown as their context


def test_switcher_marks_the_compound_of_the_page(rf, world):
    from django.template.loader import render_to_string

    from mulin.core.context_processors import mulin as processor

    request = rf.get("/")
    request.user = world.admin
    request.elder_mode = False
    html = render_to_string(
        "includes/compound_switcher.html",
        {"compound": world.other, **processor(request), "request": request},
    )
    assert "aria-current" in html
    current = html.split('aria-current="true"')[1].split("</a>")[0]
    assert world.other.name in current


def test_layout_costs_at_most_one_query_for_the_switcher(rf, world, count_queries):
    from mulin.core import access
    from mulin.core.context_processors import mulin as processor

    request = rf.get("/")
    request.user = world.admin
    access.is_staff_user(world.admin)
    context = processor(request)
    with count_queries() as q:
        assert context["staff_nav"].several
        list(context["staff_nav"].compounds)
        assert context["staff_nav"].bindings
    assert q.count <= 1


def test_messages_are_rendered(client, world):
    response = client.post(
        reverse("core:register"),
        {
            "phone": "13900000001",
            "name": "李梅",
            "password": "jinxiu-garden-2024",
            "password_again": "jinxiu-garden-2024",
        },
        follow=True,
    )
    assert "Your account is ready" in response.content.decode()
    assert 'role="status"' in response.content.decode()


def test_elder_mode_class_appears_for_a_user_who_chose_it(client, login, world):
    world.staff.elder_mode = True
    world.staff.save()
    login(world.staff)
    assert '<html lang="en" class="elder">' in client.get(reverse("core:bindings")).content.decode()


# --- Home -----------------------------------------------------------------------------------


def test_staff_with_one_compound_go_to_its_overview(client, login, world):
    login(world.staff)
    response = client.get(reverse("core:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("places:compound", kwargs={"code": world.compound.code})


def test_staff_with_several_compounds_go_to_the_compound_list(client, login, world):
    login(world.admin)
    response = client.get(reverse("core:home"))
    assert response["Location"] == reverse("places:compound_list")


def test_resident_home_shows_household_requests_and_notices(client, login, world):
    org = f.OrganisationFactory(compound=world.compound, name="第一党支部")
    member = f.PersonFactory(compound=world.compound, name="林美华")
    membership = f.MembershipFactory(organisation=org, person=member, phone="13500000000")
    from mulin.orgs.models import ResponsibilityArea

    ResponsibilityArea.objects.create(membership=membership, building=world.unit.building)
    lodger = f.PersonFactory(compound=world.compound, name="陈晓明")
    f.ResidencyFactory(unit=world.unit, person=lodger, relation="tenant", is_head=False)
    stranger = f.PersonFactory(compound=world.compound, name="赵六")
    f.ResidencyFactory(unit=world.neighbour_unit, person=stranger)
    login(world.resident)
    body = client.get(reverse("core:home")).content.decode()
    assert "63-2-301" in body
    assert "张三" in body and "陈晓明" in body
    assert "赵六" not in body  # the neighbours are not my household
    assert "林美华" in body and "第一党支部" in body and "tel:13500000000" in body
    assert "There are no notices yet." in body


def test_resident_without_a_home_is_invited_to_bind_one(client, login, world):
    user = f.UserFactory(phone="13900000001")
    login(user)
    body = client.get(reverse("core:home")).content.decode()
    assert "Link your account to your home" in body
    assert reverse("core:bind") in body


def test_household_page_lists_members(client, login, world):
    login(world.resident)
    response = client.get(reverse("core:household"))
    assert response.status_code == 200
    assert "张三" in response.content.decode()


def test_resident_home_query_count_does_not_grow_with_household_size(
    client, login, world, count_queries
):
    login(world.resident)
    url = reverse("core:me")
    for _ in range(2):
        f.ResidencyFactory(unit=world.unit, is_head=False)
    client.get(url)
    with count_queries() as small:
        client.get(url)
    for _ in range(6):
        f.ResidencyFactory(unit=world.unit, is_head=False)
    with count_queries() as large:
        client.get(url)
    assert small.count == large.count, large.dump()


def test_anonymous_is_sent_to_login_from_resident_pages(client, db):
    for name in ("core:me", "core:household", "core:password_change"):
        response = client.get(reverse(name))
        assert response["Location"].startswith(reverse("core:login")), name
