# ruff: noqa: F811  (fixtures imported from test_civic_common)
"""Evaluations (评价): staff open a period; each household rates each organisation once, 1–5;
the figures (average, distribution, households) show publicly and through
`evaluation_figures(compound)`."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from mulin.deliberation import selectors_civic as sel
from mulin.deliberation import services_civic as services
from mulin.deliberation.models import Evaluation, EvaluationRating
from mulin.testing import factories as f

from .test_civic_common import audited, civic, pin  # noqa: F401

pytestmark = pytest.mark.django_db


def open_evaluation(world, civic, **kw):
    today = timezone.localdate()
    values = {
        "actor": world.staff,
        "compound": world.compound,
        "title": "年度评价",
        "opens_on": today - timedelta(days=1),
        "closes_on": today + timedelta(days=10),
        "organisations": [civic.org, civic.property],
    }
    values.update(kw)
    return services.evaluation_open(**values)


def test_one_rating_per_household_and_organisation(world, civic):
    evaluation = open_evaluation(world, civic)
    services.evaluation_rate(
        actor=world.resident, evaluation=evaluation, organisation=civic.org, score=5
    )
    services.evaluation_rate(
        actor=world.resident, evaluation=evaluation, organisation=civic.property, score=3
    )
    with pytest.raises(ValidationError):
        services.evaluation_rate(
            actor=world.resident, evaluation=evaluation, organisation=civic.org, score=1
        )
    # a housemate is the same household
    housemate = f.PersonFactory(compound=world.compound, name="张小三")
    f.ResidencyFactory(unit=world.unit, person=housemate, relation="child", is_head=False)
    other = f.UserFactory(username="housemate", person=housemate)
    with pytest.raises(ValidationError):
        services.evaluation_rate(
            actor=other, evaluation=evaluation, organisation=civic.org, score=1
        )
    assert EvaluationRating.objects.count() == 2
    services.evaluation_rate(
        actor=civic.member, evaluation=evaluation, organisation=civic.org, score=4, comment="好"
    )
    figures = sel.evaluation_figures(world.compound)
    branch = figures.organisations[0]
    assert branch.organisation == civic.org
    assert branch.households == 2
    assert branch.average == Decimal("4.50")
    assert [(s, n) for s, n, _ in branch.distribution] == [(5, 1), (4, 1), (3, 0), (2, 0), (1, 0)]
    assert audited("evaluation.rate") == 3


def test_rating_outside_the_period_or_out_of_range_is_refused(world, civic):
    evaluation = open_evaluation(world, civic)
    with pytest.raises(ValidationError) as exc:
        services.evaluation_rate(
            actor=world.resident, evaluation=evaluation, organisation=civic.org, score=6
        )
    assert "score" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.evaluation_rate(
            actor=world.resident,
            evaluation=evaluation,
            organisation=civic.org,
            score=4,
            today=timezone.localdate() + timedelta(days=30),
        )
    with pytest.raises(Http404):
        services.evaluation_rate(
            actor=world.outsider, evaluation=evaluation, organisation=civic.org, score=4
        )
    assert not EvaluationRating.objects.exists()


def test_opening_checks_its_input(world, civic):
    with pytest.raises(ValidationError) as exc:
        open_evaluation(world, civic, title="", closes_on=date(2000, 1, 1), organisations=[])
    assert {"title", "closes_on", "organisations"} <= set(exc.value.message_dict)
    with pytest.raises(Http404):
        open_evaluation(world, civic, actor=world.resident)
    assert not Evaluation.objects.exists()


def test_resident_rates_through_the_page(world, civic, login):
    evaluation = open_evaluation(world, civic)
    client = login(world.resident)
    page = client.get(f"/c/{world.compound.code}/evaluations/").content.decode()
    assert "Send the rating" in page
    url = f"/c/{world.compound.code}/evaluations/{evaluation.pk}/rate/"
    assert client.post(url, {"organisation": civic.org.pk, "score": "4"}).status_code == 302
    response = client.post(url, {"organisation": civic.org.pk, "score": "5"}, follow=True)
    assert "already rated" in response.content.decode()
    response = client.post(url, {"organisation": civic.property.pk, "score": "9"}, follow=True)
    assert "choose from 1 to 5" in response.content.decode()
    assert EvaluationRating.objects.count() == 1
    public = login(world.outsider).get(f"/c/{world.compound.code}/evaluations/").content.decode()
    assert "4.00" in public
    assert (
        login(world.outsider)
        .post(url, {"organisation": civic.property.pk, "score": "4"})
        .status_code
        == 404
    )


@pytest.mark.parametrize("who", ["anonymous", "outsider", "resident", "staff"])
def test_manage_page_access(world, civic, client, login, who):
    users = {"outsider": world.outsider, "resident": world.resident, "staff": world.staff}
    if who != "anonymous":
        login(users[who])
    response = client.get(f"/compounds/{world.compound.code}/evaluations/")
    assert response.status_code == {"anonymous": 302, "staff": 200}.get(who, 404)


def test_staff_open_through_the_page_and_bad_input(world, civic, login):
    client = login(world.staff)
    url = f"/compounds/{world.compound.code}/evaluations/"
    response = client.post(
        url,
        {
            "title": "评价",
            "opens_on": "2025-05-01",
            "closes_on": "2025-04-01",
            "organisations": [civic.org.pk],
        },
    )
    assert response.status_code == 422
    assert "cannot close before it opens" in response.content.decode()
    assert not Evaluation.objects.exists()
    response = client.post(
        url,
        {
            "title": "评价",
            "opens_on": "2025-05-01",
            "closes_on": "2025-06-01",
            "organisations": [civic.org.pk],
        },
    )
    assert response.status_code == 302
    assert Evaluation.objects.get().organisations.get() == civic.org


def test_evaluation_pages_queries_do_not_grow(world, civic, client, login, pin):
    def grow():
        evaluation = open_evaluation(world, civic)
        services.evaluation_rate(
            actor=world.resident,
            evaluation=evaluation,
            organisation=civic.org,
            score=4,
            comment="好",
        )

    grow()
    pin(client, f"/c/{world.compound.code}/evaluations/", grow, 8)
    pin(login(world.resident), f"/c/{world.compound.code}/evaluations/", grow, 14)
    pin(login(world.staff), f"/compounds/{world.compound.code}/evaluations/", grow, 20)


def test_results_show_on_the_compounds_public_page_and_figures(world, civic, client, login):
    evaluation = open_evaluation(world, civic)
    services.evaluation_rate(
        actor=world.resident, evaluation=evaluation, organisation=civic.org, score=5
    )
    services.evaluation_rate(
        actor=civic.member, evaluation=evaluation, organisation=civic.org, score=4
    )
    public = client.get(f"/c/{world.compound.code}/").content.decode()
    assert 'id="evaluation-summary-title"' in public
    assert "年度评价" in public and "4.50" in public and "2 households rated" in public
    assert "No ratings yet." in public  # the property company has none
    figures = login(world.staff).get(f"/compounds/{world.compound.code}/requests/figures/")
    assert figures.status_code == 200
    assert "4.50" in figures.content.decode()


def test_no_evaluation_no_section(world, client):
    body = client.get(f"/c/{world.compound.code}/").content.decode()
    assert 'id="evaluation-summary-title"' not in body
