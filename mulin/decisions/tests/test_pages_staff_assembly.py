"""The assembly's rules page: explained with the law, read-only for viewers, saved through
`services.assembly_update` for those who run votes; bad input names the field and changes
nothing."""

import pytest
from django.urls import reverse

from mulin.decisions.models import Assembly
from mulin.orgs.models import OrgKind
from mulin.testing import factories as f

pytestmark = pytest.mark.django_db


def url(world) -> str:
    return reverse("decisions:assembly", args=[world.compound.code])


def rules(**changes) -> dict:
    data = {
        "established_on": "2017-11-23",
        "extraordinary_notice_days": "7",
        "min_window_days": "5",
        "max_window_days": "60",
        "committee_min_seats": "5",
        "committee_max_seats": "11",
        "small_compound_seats": "3",
        "term_years": "5",
        "result_publish_days": "3",
        "result_shown_days": "15",
        "owners_committee": "",
        "city_rule_set": "national",
        "assembly_notice_days": "15",
        "max_proxies_per_person": "3",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_page_explains_the_law(world, hall, login):
    html = login(world.staff).get(url(world)).content.decode()
    assert "What the law says" in html
    assert "at least two thirds of the area and at least two thirds of the owners" in html
    assert "at least three quarters" in html
    assert "SPC interpretation Art. 8: parking spaces count as units only where" in html


def test_viewing_creates_no_assembly(world, hall, login):
    login(world.staff).get(url(world))
    assert not Assembly.objects.exists()


def test_save_the_rules(world, hall, login):
    committee = f.OrganisationFactory(
        compound=world.compound, kind=OrgKind.OWNERS_COMMITTEE, name="第三届业委会"
    )
    response = login(hall.committee).post(
        url(world),
        rules(
            owners_committee=str(committee.pk),
            extraordinary_notice_days="10",
            assembly_notice_days="20",
            city_rule_set="hangzhou",
            silent_owners_follow_majority="on",
            parking_counts_as_units="on",
        ),
    )
    assert response.status_code == 302
    assembly = Assembly.objects.get(compound=world.compound)
    assert assembly.extraordinary_notice_days == 10
    assert assembly.owners_committee == committee
    assert str(assembly.established_on) == "2017-11-23"
    world.compound.refresh_from_db()
    assert world.compound.assembly_notice_days == 20
    assert world.compound.city_rule_set == "hangzhou"
    assert world.compound.silent_owners_follow_majority is True
    assert world.compound.parking_counts_as_units is True


def test_window_shorter_than_its_minimum_is_refused_and_nothing_changes(world, hall, login):
    response = login(world.staff).post(
        url(world), rules(min_window_days="10", max_window_days="7", assembly_notice_days="30")
    )
    assert response.status_code == 400
    assert "The longest window cannot be shorter than the shortest." in response.content.decode()
    assert not Assembly.objects.exists()
    world.compound.refresh_from_db()
    assert world.compound.assembly_notice_days == 15


def test_another_compounds_committee_cannot_be_chosen(world, hall, login):
    elsewhere = f.OrganisationFactory(compound=world.other, kind=OrgKind.OWNERS_COMMITTEE)
    branch = f.OrganisationFactory(compound=world.compound, kind=OrgKind.PARTY_BRANCH)
    client = login(world.staff)
    html = client.get(url(world)).content.decode()
    assert elsewhere.name not in html and branch.name not in html
    response = client.post(url(world), rules(owners_committee=str(elsewhere.pk)))
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    assert not Assembly.objects.exists()


def test_missing_numbers_are_named(world, hall, login):
    response = login(world.staff).post(url(world), rules(term_years=""))
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not Assembly.objects.exists()
