"""Writes to organisations: the tree, memberships with terms, party members, 包楼包户 areas, duty."""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from mulin.core import access, audit
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
    if parent and parent.community_id != community.id:
        raise ValidationError(
            {"parent": _("The parent organisation belongs to another community.")}
        )
    organisation = Organisation.objects.create(
        kind=kind,
        name=name.strip(),
        community=community,
        compound=compound,
        parent=parent,
        description=description,
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
    if "name" in fields and not (fields["name"] or "").strip():
        raise ValidationError({"name": _("Enter the organisation's name.")})
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
    if term_start and term_end and term_end < term_start:
        raise ValidationError({"term_end": _("The term cannot end before it starts.")})
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
    if status == PartyMembership.Status.REPORTING and not home_organisation.strip():
        raise ValidationError(
            {
                "home_organisation": _(
                    "A reporting member names the party organisation they are registered with."
                )
            }
        )
    pm = PartyMembership.objects.create(
        organisation=organisation,
        person=person,
        status=status,
        home_organisation=home_organisation.strip(),
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
    _require_org(actor, access.ORGS_EDIT, membership.organisation)
    field = {Building: "building", Entrance: "entrance", Unit: "unit"}.get(type(place))
    if field is None:
        raise ValidationError({"place": _("Choose a building, an entrance or a unit.")})
    compound_id = place.building.compound_id if field == "entrance" else place.compound_id
    org_compound = membership.organisation.compound_id
    if org_compound and org_compound != compound_id:
        raise ValidationError({"place": _("The place is not in the organisation's compound.")})
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
    shift = DutyShift.objects.create(
        organisation=organisation,
        person=person,
        starts_at=starts_at,
        ends_at=ends_at,
        phone=phone.strip(),
        note=note,
    )
    audit.record(
        actor=actor,
        action="duty.add",
        target=shift,
        subject_person=person,
        changes={"starts_at": str(starts_at), "ends_at": str(ends_at)},
    )
    return shift
