"""Reads for the people pages: the person page and the one-box search."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from mulin.core import access
from mulin.orgs.models import Membership, PartyMembership
from mulin.places.codes import UnitCodeError, parse_unit_code
from mulin.places.models import Unit

from .models import CareTag, Consent, Ownership, Person, PersonSkill, Residency

SEARCH_LIMIT = 20
PICK_LIMIT = 8  # the person picker in a form: a short list, refined by typing more

_LATIN = re.compile(r"^[a-z]+$")
_DIGITS = re.compile(r"^\d+$")
_HAN = re.compile(r"[\u3400-\u9fff]")


@dataclass
class Home:
    """One unit in a person's life: they live there, own it, or both."""

    unit: Unit
    residency: Residency | None = None
    ownership: Ownership | None = None


def _homes(residencies, ownerships) -> list[Home]:
    homes: dict[int, Home] = {}
    for r in residencies:
        homes.setdefault(r.unit_id, Home(r.unit)).residency = r
    for o in ownerships:
        homes.setdefault(o.unit_id, Home(o.unit)).ownership = o
    return list(homes.values())


# ---------------------------------------------------------------- search


@dataclass
class SearchResults:
    query: str
    kind: str  # "name", "pinyin", "phone", "unit", "" (nothing to search for)
    persons: list[Person]
    units: list[Unit]
    more: bool  # more persons matched than are shown

    @property
    def empty(self) -> bool:
        return not (self.persons or self.units)


def _with_homes(persons: QuerySet, today) -> QuerySet:
    """Each person's current homes, in two extra queries for the whole page."""
    return persons.select_related("compound").prefetch_related(
        Prefetch(
            "residencies",
            queryset=Residency.objects.current(today).select_related("unit").order_by("id"),
            to_attr="current_residencies",
        ),
        Prefetch(
            "ownerships",
            queryset=Ownership.objects.current(today).select_related("unit").order_by("id"),
            to_attr="current_ownerships",
        ),
    )


def person_filter(text: str) -> tuple[str, Q | None]:
    """What a search box entry means, as a filter on Person.

    Everything here is an exact match or a prefix on an indexed column (phone_tail,
    name_initials, name_pinyin), so a district of 500,000 persons answers from the index; only a
    Chinese name is matched as a substring, and that is the short `name` column.
    """
    compact = re.sub(r"\s+", "", text).lower()
    if not compact:
        return "", None
    if _DIGITS.match(compact):
        if len(compact) == 4:
            return "phone", Q(phone_tail=compact)
        if len(compact) == 3:
            # The last three digits: ten exact tails, still an index lookup.
            return "phone", Q(phone_tail__in=[f"{d}{compact}" for d in range(10)])
        if len(compact) == 11:
            return "phone", Q(phone_tail=compact[-4:], phone=compact)
        return "", None
    if _LATIN.match(compact):
        return "pinyin", Q(name_initials__startswith=compact) | Q(name_pinyin__startswith=compact)
    if _HAN.search(compact):
        return "name", Q(name__contains=compact)
    return "", None


def unit_filter(text: str) -> Q | None:
    """A unit code in either form, as a prefix: while one types `63-2-30` the homes 63-2-301,
    63-2-302 … show up, and `63-2` lists the whole entrance."""
    try:
        code = parse_unit_code(text)
    except UnitCodeError:
        return None
    return Q(code__startswith=code.short)


def search(
    user, text: str, *, compound=None, limit: int = SEARCH_LIMIT, today=None
) -> SearchResults:
    """The one search box: persons by name, pinyin or phone tail, units by code — only what
    `user` may see. At most three queries for persons and one for units."""
    today = today or timezone.localdate()
    text = (text or "").strip()[:60]
    kind, q = person_filter(text)
    persons: list[Person] = []
    more = False
    if q is not None:
        rows = access.visible(user, access.REGISTRY_VIEW, Person.objects.filter(q))
        if compound is not None:
            rows = rows.filter(compound=compound)
        # Ordering by an expression, not the indexed column: otherwise PostgreSQL walks the whole
        # name_pinyin index hoping to meet the first matches early (1–2 s for `zj` district-wide).
        rows = list(_with_homes(rows, today).order_by(Lower("name_pinyin"), "id")[: limit + 1])
        more = len(rows) > limit
        persons = rows[:limit]
        for person in persons:
            person.homes = _homes(person.current_residencies, person.current_ownerships)
    units: list[Unit] = []
    unit_q = unit_filter(text) if compound is None else None
    if unit_q is not None:
        kind = kind or "unit"
        units = list(
            access.visible(user, access.REGISTRY_VIEW, Unit.objects.filter(unit_q))
            .select_related("compound", "building", "entrance")
            .order_by("compound__name", "code")[:limit]
        )
    return SearchResults(query=text, kind=kind, persons=persons, units=units, more=more)


# ---------------------------------------------------------------- person page


@dataclass
class PersonPage:
    person: Person
    homes: list[Home]
    past_residencies: list[Residency]
    past_ownerships: list[Ownership]
    memberships: list[Membership]
    past_memberships: list[Membership]
    party: list[PartyMembership]
    care_tags: list[CareTag]
    past_care_tags: list[CareTag]
    skills: list[PersonSkill]
    consents: list[Consent]


def person_page(user, person: Person, *, full: bool, today=None) -> PersonPage:
    """What the person page shows. Homes are limited to those `user` may see; with `full`
    false (a household member looking at a relative) only the homes are loaded."""
    today = today or timezone.localdate()
    # Only the homes the viewer may see: a person's home elsewhere stays out of this page.
    residencies = list(
        access.visible(user, access.HOUSEHOLD_VIEW, Residency.objects.filter(person=person))
        .select_related("unit__compound", "unit__building", "unit__entrance")
        .order_by("-moved_in_on", "-id")
    )
    ownerships = list(
        access.visible(user, access.HOUSEHOLD_VIEW, Ownership.objects.filter(person=person))
        .select_related("unit__compound", "unit__building", "unit__entrance")
        .order_by("-started_on", "-id")
    )
    page = PersonPage(
        person=person,
        homes=_homes(
            [r for r in residencies if not r.moved_out_on or r.moved_out_on > today],
            [o for o in ownerships if not o.ended_on or o.ended_on > today],
        ),
        past_residencies=[r for r in residencies if r.moved_out_on and r.moved_out_on <= today],
        past_ownerships=[o for o in ownerships if o.ended_on and o.ended_on <= today],
        memberships=[],
        past_memberships=[],
        party=[],
        care_tags=[],
        past_care_tags=[],
        skills=[],
        consents=[],
    )
    if not full:
        return page
    memberships = list(
        Membership.objects.filter(person=person)
        .select_related("organisation")
        .order_by("-term_start", "-id")
    )
    page.memberships = [m for m in memberships if not m.term_end or m.term_end >= today]
    page.past_memberships = [m for m in memberships if m.term_end and m.term_end < today]
    page.party = list(
        PartyMembership.objects.filter(person=person)
        .select_related("organisation")
        .order_by("left_on", "-joined_on", "-id")
    )
    tags = list(CareTag.objects.filter(person=person).order_by("-started_on", "-id"))
    page.care_tags = [t for t in tags if not t.ended_on or t.ended_on > today]
    page.past_care_tags = [t for t in tags if t.ended_on and t.ended_on <= today]
    page.skills = list(PersonSkill.objects.filter(person=person).order_by("skill"))
    page.consents = list(
        Consent.objects.filter(person=person)
        .select_related("recorded_by")
        .order_by("withdrawn_at", "purpose", "-granted_at")
    )
    return page
