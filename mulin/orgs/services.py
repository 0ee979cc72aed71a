"""Writes to organisations: the tree, memberships with terms, party members, 包楼包户 areas, duty."""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from mulin.core import access, audit, privacy
from mulin.places.models import Building, Community, Compound, Entrance, Unit

from .models import (
    DutyShift,
    MemberRole,
    Membership,
    Organisation,
    OrgKind,
    PartyMembership,
    ResponsibilityArea,
)


def _require_org(actor, perm: str, organisation: Organisation) -> None:
    if not access.can(actor, perm, organisation):
        raise Http404


def _require_person_nearby(person, organisation: Organisation) -> None:
    """A member comes from the registry of the organisation's community: a compound's
    organisation may draw on any compound of the same community (a first secretary sent from
    next door), never on another community's registry."""
    nearby = Compound.objects.filter(pk=person.compound_id, community_id=organisation.community_id)
    if not nearby.exists():
        raise ValidationError(
            {"person": _("%(name)s is not in this community's registry.") % {"name": person.name}}
        )


def _phone_errors(phone: str, field: str = "phone") -> None:
    if phone and (message := privacy.phone_error(phone)):
        raise ValidationError({field: message})


def _parent_error(
    parent: Organisation | None, community: Community, compound: Compound | None
) -> str | None:
    if parent is None:
        return None
    if parent.community_id != community.id:
        return _("The parent organisation belongs to another community.")
    if parent.compound_id and parent.compound_id != (compound.id if compound else None):
        return _("The parent organisation belongs to another compound.")
    return None


@transaction.atomic
def organisation_create(
    *,
    actor,
    kind: str,
    name: str,
    community: Community,
    compound: Compound | None = None,
    parent: Organisation | None = None,
    description: str = "",
    phone: str = "",
    founded_on: date | None = None,
) -> Organisation:
    scope = access.scope_for(actor, access.ORGS_EDIT)
    allowed = (
        scope.everything
        or (compound and compound.id in scope.compound_ids)
        or (not compound and community.id in scope.community_ids)
    )
    if not allowed:
        raise Http404
    if kind not in OrgKind.values:
        raise ValidationError({"kind": _("Choose what kind of organisation this is.")})
    if not (name or "").strip():
        raise ValidationError({"name": _("Enter the organisation's name.")})
    if compound and compound.community_id != community.id:
        raise ValidationError({"compound": _("The compound is not in this community.")})
    if message := _parent_error(parent, community, compound):
        raise ValidationError({"parent": message})
    phone = (phone or "").strip()
    _phone_errors(phone)
    if founded_on and founded_on > timezone.localdate():
        raise ValidationError({"founded_on": _("The founding date cannot be in the future.")})
    organisation = Organisation.objects.create(
        kind=kind,
        name=name.strip(),
        community=community,
        compound=compound,
        parent=parent,
        description=(description or "").strip(),
        phone=phone,
        founded_on=founded_on,
    )
    audit.record(
        actor=actor,
        action="organisation.create",
        target=organisation,
        compound_id=compound.id if compound else None,
        changes=audit.snapshot(
            organisation, ["kind", "name", "community_id", "compound_id", "parent_id"]
        ),
    )
    return organisation


@transaction.atomic
def organisation_update(*, actor, organisation: Organisation, **fields) -> Organisation:
    _require_org(actor, access.ORGS_EDIT, organisation)
    allowed = {"name", "description", "phone", "founded_on", "dissolved_on", "parent"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"organisation_update cannot change {sorted(unknown)}")
    if "name" in fields:
        if not (fields["name"] or "").strip():
            raise ValidationError({"name": _("Enter the organisation's name.")})
        fields["name"] = fields["name"].strip()
    if "phone" in fields:
        fields["phone"] = (fields["phone"] or "").strip()
        _phone_errors(fields["phone"])
    if "parent" in fields:
        parent = fields["parent"]
        compound = organisation.compound if organisation.compound_id else None
        if message := _parent_error(parent, organisation.community, compound):
            raise ValidationError({"parent": message})
        # Walk up from the new parent: meeting this organisation would close a loop.
        while parent is not None:
            if parent.pk == organisation.pk:
                raise ValidationError(
                    {"parent": _("An organisation cannot sit under itself or its own branches.")}
                )
            parent = parent.parent
    founded_on = fields.get("founded_on", organisation.founded_on)
    dissolved_on = fields.get("dissolved_on", organisation.dissolved_on)
    if "founded_on" in fields and founded_on and founded_on > timezone.localdate():
        raise ValidationError({"founded_on": _("The founding date cannot be in the future.")})
    if founded_on and dissolved_on and dissolved_on < founded_on:
        raise ValidationError(
            {"dissolved_on": _("An organisation cannot be dissolved before it was founded.")}
        )
    names = ["name", "description", "phone", "founded_on", "dissolved_on", "parent_id"]
    before = audit.snapshot(organisation, names)
    for name, value in fields.items():
        setattr(organisation, name, value)
    organisation.save()
    changes = audit.diff(before, audit.snapshot(organisation, names))
    if changes:
        audit.record(
            actor=actor, action="organisation.update", target=organisation, changes=changes
        )
    return organisation


@transaction.atomic
def membership_add(
    *,
    actor,
    organisation: Organisation,
    person,
    role: str = MemberRole.MEMBER,
    portfolio: str = "",
    term_start: date | None = None,
    term_end: date | None = None,
    phone: str = "",
) -> Membership:
    _require_org(actor, access.ORGS_EDIT, organisation)
    if role not in MemberRole.values:
        raise ValidationError({"role": _("Choose a role.")})
    _require_person_nearby(person, organisation)
    if term_start and term_end and term_end < term_start:
        raise ValidationError({"term_end": _("The term cannot end before it starts.")})
    phone = (phone or "").strip()
    _phone_errors(phone)
    portfolio = (portfolio or "").strip()
    if (
        Membership.objects.current()
        .filter(organisation=organisation, person=person, role=role)
        .exists()
    ):
        raise ValidationError(
            {"person": _("%(name)s already holds this role.") % {"name": person.name}}
        )
    membership = Membership.objects.create(
        organisation=organisation,
        person=person,
        role=role,
        portfolio=portfolio,
        term_start=term_start,
        term_end=term_end,
        phone=phone,
    )
    audit.record(
        actor=actor,
        action="membership.add",
        target=membership,
        subject_person=person,
        changes=audit.snapshot(
            membership,
            ["organisation_id", "person_id", "role", "portfolio", "term_start", "term_end"],
        ),
    )
    return membership


@transaction.atomic
def membership_end(*, actor, membership: Membership, term_end: date | None = None) -> Membership:
    """End a term. The row stays as history."""
    _require_org(actor, access.ORGS_EDIT, membership.organisation)
    term_end = term_end or timezone.localdate()
    if membership.term_start and term_end < membership.term_start:
        raise ValidationError({"term_end": _("The term cannot end before it starts.")})
    if membership.term_end and membership.term_end < timezone.localdate():
        raise ValidationError({"term_end": _("This term has already ended.")})
    before = membership.term_end
    membership.term_end = term_end
    membership.save(update_fields=["term_end", "updated_at"])
    audit.record(
        actor=actor,
        action="membership.end",
        target=membership,
        subject_person=membership.person,
        changes={"term_end": [str(before) if before else None, str(term_end)]},
    )
    return membership


@transaction.atomic
def party_membership_add(
    *,
    actor,
    organisation: Organisation,
    person,
    status: str,
    home_organisation: str = "",
    joined_on: date | None = None,
) -> PartyMembership:
    _require_org(actor, access.ORGS_EDIT, organisation)
    if not organisation.is_party:
        raise ValidationError({"organisation": _("Party members belong to a party organisation.")})
    if status not in PartyMembership.Status.values:
        raise ValidationError({"status": _("Choose registered or reporting.")})
    home_organisation = (home_organisation or "").strip()
    if status == PartyMembership.Status.REPORTING and not home_organisation:
        raise ValidationError(
            {
                "home_organisation": _(
                    "A reporting member names the party organisation they are registered with."
                )
            }
        )
    if status == PartyMembership.Status.REGISTERED:
        # 在册: registered here, so there is no other home organisation to name.
        home_organisation = ""
    _require_person_nearby(person, organisation)
    if joined_on and joined_on > timezone.localdate():
        raise ValidationError({"joined_on": _("The date cannot be in the future.")})
    today = timezone.localdate()
    if (
        PartyMembership.objects.filter(organisation=organisation, person=person)
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=today))
        .exists()
    ):
        raise ValidationError(
            {
                "person": _("%(name)s is already a party member of this organisation.")
                % {"name": person.name}
            }
        )
    pm = PartyMembership.objects.create(
        organisation=organisation,
        person=person,
        status=status,
        home_organisation=home_organisation,
        joined_on=joined_on,
    )
    audit.record(
        actor=actor,
        action="party_membership.add",
        target=pm,
        subject_person=person,
        changes={"status": status, "organisation_id": organisation.id},
    )
    return pm


@transaction.atomic
def responsibility_assign(
    *, actor, membership: Membership, place: Building | Entrance | Unit
) -> ResponsibilityArea:
    """包楼包户: make a membership answer for a building, an entrance or a unit."""
    organisation = membership.organisation
    _require_org(actor, access.ORGS_EDIT, organisation)
    field = {Building: "building", Entrance: "entrance", Unit: "unit"}.get(type(place))
    if field is None:
        raise ValidationError({"place": _("Choose a building, an entrance or a unit.")})
    if membership.term_end and membership.term_end < timezone.localdate():
        raise ValidationError({"membership": _("This term has ended; choose a current member.")})
    compound_id = place.building.compound_id if field == "entrance" else place.compound_id
    if organisation.compound_id:
        if organisation.compound_id != compound_id:
            raise ValidationError({"place": _("The place is not in the organisation's compound.")})
    elif not Compound.objects.filter(
        pk=compound_id, community_id=organisation.community_id
    ).exists():
        raise ValidationError({"place": _("The place is not in the organisation's community.")})
    area, created = ResponsibilityArea.objects.get_or_create(
        membership=membership, **{field: place}
    )
    if created:
        audit.record(
            actor=actor,
            action="responsibility.assign",
            target=area,
            subject_person=membership.person,
            compound_id=compound_id,
            changes={field: place.pk},
        )
    return area


@transaction.atomic
def duty_shift_add(
    *,
    actor,
    organisation: Organisation,
    person,
    starts_at: datetime,
    ends_at: datetime,
    phone: str,
    note: str = "",
) -> DutyShift:
    _require_org(actor, access.DUTY_EDIT, organisation)
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("A shift ends after it starts.")})
    if not (phone or "").strip():
        raise ValidationError({"phone": _("Enter the phone number to call on duty.")})
    _phone_errors(phone.strip())
    _require_person_nearby(person, organisation)
    shift = DutyShift.objects.create(
        organisation=organisation,
        person=person,
        starts_at=starts_at,
        ends_at=ends_at,
        phone=phone.strip(),
        note=(note or "").strip(),
    )
    audit.record(
        actor=actor,
        action="duty.add",
        target=shift,
        subject_person=person,
        changes={"starts_at": str(starts_at), "ends_at": str(ends_at)},
    )
    return shift


@transaction.atomic
def duty_shift_remove(*, actor, shift: DutyShift) -> None:
    """Take a shift off the roster before it ends; a finished shift stays on the record."""
    _require_org(actor, access.DUTY_EDIT, shift.organisation)
    if shift.ends_at <= timezone.now():
        raise ValidationError({"shift": _("A shift that has ended stays on the record.")})
    audit.record(
        actor=actor,
        action="duty.remove",
        target=shift,
        subject_person=shift.person,
        changes=audit.snapshot(
            shift, ["organisation_id", "person_id", "starts_at", "ends_at", "phone", "note"]
        ),
    )
    shift.delete()


@transaction.atomic
def responsibility_remove(*, actor, area: ResponsibilityArea) -> None:
    """Release a membership from a building, entrance or unit it answered for."""
    membership = area.membership
    _require_org(actor, access.ORGS_EDIT, membership.organisation)
    field = "unit" if area.unit_id else "entrance" if area.entrance_id else "building"
    audit.record(
        actor=actor,
        action="responsibility.remove",
        target=area,
        subject_person=membership.person,
        compound_id=membership.organisation.compound_id,
        changes={field: getattr(area, f"{field}_id"), "membership_id": membership.pk},
    )
    area.delete()


@transaction.atomic
def party_membership_end(
    *, actor, party_membership: PartyMembership, left_on: date | None = None
) -> PartyMembership:
    """Record that a party member left (moved, transferred, ended reporting); the row stays."""
    _require_org(actor, access.ORGS_EDIT, party_membership.organisation)
    left_on = left_on or timezone.localdate()
    if party_membership.left_on and party_membership.left_on <= timezone.localdate():
        raise ValidationError({"left_on": _("This party member has already left.")})
    if party_membership.joined_on and left_on < party_membership.joined_on:
        raise ValidationError({"left_on": _("The leaving date cannot be before the joining date.")})
    before = party_membership.left_on
    party_membership.left_on = left_on
    party_membership.save(update_fields=["left_on", "updated_at"])
    audit.record(
        actor=actor,
        action="party_membership.end",
        target=party_membership,
        subject_person=party_membership.person,
        changes={"left_on": [str(before) if before else None, str(left_on)]},
    )
    return party_membership
