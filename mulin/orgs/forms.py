"""Forms for the organisation pages. They parse and check input; services do the writing."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mulin.core.privacy import mask_phone
from mulin.places.codes import UnitCodeError, parse_unit_code
from mulin.places.models import Building, Compound, Entrance, Unit

from .models import MemberRole, Membership, OrgKind, PartyMembership, ResponsibilityArea

FIELD_TEMPLATE = "includes/field.html"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class PageForm(forms.Form):
    """A form of the organisation pages. Every field renders through the layout's `includes/field.html` (label, Bootstrap
    control, help and errors linked for screen readers)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.template_name = FIELD_TEMPLATE

    def apply_service_errors(self, exc: ValidationError) -> None:
        """Show a service's ValidationError on the fields it names (or above the form)."""
        if hasattr(exc, "error_dict"):
            for name, errors in exc.error_dict.items():
                self.add_error(name if name in self.fields else None, errors)
        else:
            self.add_error(None, exc)


class OrganisationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name} ({obj.get_kind_display()})"


class PersonChoiceField(forms.ModelChoiceField):
    default_error_messages = {
        "required": _("Choose a person: search by name, then pick them from the list."),
        "invalid_choice": _(
            "That person cannot be chosen here; search again and pick from the list."
        ),
    }

    def label_from_instance(self, obj) -> str:
        phone = mask_phone(obj.phone)
        return f"{obj.name} · {phone}" if phone else obj.name


def _limit_person_options(field: PersonChoiceField, options) -> None:
    """Render only the matching people (a compound may hold thousands), while validation
    still accepts anyone in the field's full queryset."""
    field.widget.choices = [("", _("Choose a person"))] + [
        (p.pk, field.label_from_instance(p)) for p in options
    ]


class ScopeChoice:
    COMPOUND = "compound"
    COMMUNITY = "community"


class OrganisationCreateForm(PageForm):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("", "—"), *OrgKind.choices],
        error_messages={"required": _("Choose what kind of organisation this is.")},
    )
    name = forms.CharField(
        label=_("Name"),
        max_length=120,
        error_messages={"required": _("Enter the organisation's name.")},
    )
    scope = forms.ChoiceField(
        label=_("Serves"),
        widget=forms.RadioSelect,
        initial=ScopeChoice.COMPOUND,
    )
    parent = OrganisationChoiceField(
        label=_("Parent organisation"),
        queryset=None,
        required=False,
        empty_label=_("None (top level)"),
    )
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    phone = forms.CharField(label=_("Public phone"), max_length=30, required=False)
    founded_on = forms.DateField(label=_("Founded"), required=False, widget=DateInput)

    def __init__(self, *args, compound: Compound, parents, allow_community: bool, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [
            (
                ScopeChoice.COMPOUND,
                _("This compound (%(name)s)") % {"name": compound.name},
            )
        ]
        if allow_community:
            choices.append(
                (
                    ScopeChoice.COMMUNITY,
                    _("The whole community (%(name)s), serving all its compounds")
                    % {"name": compound.community.name},
                )
            )
        self.fields["scope"].choices = choices
        self.fields["parent"].queryset = parents


class OrganisationUpdateForm(PageForm):
    name = forms.CharField(
        label=_("Name"),
        max_length=120,
        error_messages={"required": _("Enter the organisation's name.")},
    )
    parent = OrganisationChoiceField(
        label=_("Parent organisation"),
        queryset=None,
        required=False,
        empty_label=_("None (top level)"),
    )
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    phone = forms.CharField(label=_("Public phone"), max_length=30, required=False)
    founded_on = forms.DateField(label=_("Founded"), required=False, widget=DateInput)
    dissolved_on = forms.DateField(
        label=_("Dissolved"),
        required=False,
        widget=DateInput,
        help_text=_("Leave empty while the organisation is active."),
    )

    def __init__(self, *args, parents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = parents


class MembershipAddForm(PageForm):
    person = PersonChoiceField(label=_("Person"), queryset=None)
    role = forms.ChoiceField(label=_("Role"), choices=MemberRole.choices, initial=MemberRole.MEMBER)
    portfolio = forms.CharField(
        label=_("Portfolio (分管)"),
        max_length=100,
        required=False,
        help_text=_("What this member is in charge of, e.g. construction or resources."),
    )
    term_start = forms.DateField(label=_("Term starts"), required=False, widget=DateInput)
    term_end = forms.DateField(label=_("Term ends"), required=False, widget=DateInput)
    phone = forms.CharField(
        label=_("Work phone"),
        max_length=20,
        required=False,
        help_text=_("A work number for this role, if any; shown masked in lists."),
    )

    def __init__(self, *args, people, person_options, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
        _limit_person_options(self.fields["person"], person_options)


class MembershipEndForm(PageForm):
    membership = forms.ModelChoiceField(queryset=None, widget=forms.HiddenInput)
    term_end = forms.DateField(
        label=_("Term ended on"),
        widget=DateInput,
        error_messages={"required": _("Enter the date the term ended.")},
    )

    def __init__(self, *args, organisation, **kwargs):
        kwargs.setdefault("initial", {"term_end": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["membership"].queryset = Membership.objects.filter(
            organisation=organisation
        ).select_related("organisation", "person")


class PartyMemberAddForm(PageForm):
    person = PersonChoiceField(label=_("Person"), queryset=None)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=PartyMembership.Status.choices,
        widget=forms.RadioSelect,
        initial=PartyMembership.Status.REGISTERED,
    )
    home_organisation = forms.CharField(
        label=_("Home party organisation"),
        max_length=200,
        required=False,
        help_text=_(
            "For a reporting member: the party organisation at their workplace where they are "
            "registered."
        ),
    )
    joined_on = forms.DateField(
        label=_("Registered or reported on"), required=False, widget=DateInput
    )

    def __init__(self, *args, people, person_options, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
        _limit_person_options(self.fields["person"], person_options)


class PartyMemberEndForm(PageForm):
    party_membership = forms.ModelChoiceField(queryset=None, widget=forms.HiddenInput)
    left_on = forms.DateField(
        label=_("Left on"),
        widget=DateInput,
        error_messages={"required": _("Enter the date the member left.")},
    )

    def __init__(self, *args, organisation, **kwargs):
        kwargs.setdefault("initial", {"left_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["party_membership"].queryset = PartyMembership.objects.filter(
            organisation=organisation
        ).select_related("organisation", "person")


class MembershipChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.person.name} · {obj.get_role_display()}"


class BuildingChoiceField(forms.ModelChoiceField):
    def __init__(self, *args, with_compound: bool = False, **kwargs):
        self.with_compound = with_compound
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj) -> str:
        building = str(obj) if isinstance(obj, Building) else f"{obj.building} {obj}"
        compound = obj.compound if isinstance(obj, Building) else obj.building.compound
        return f"{compound.name} · {building}" if self.with_compound else building


class AreaAssignForm(PageForm):
    """包楼包户: one place per assignment — a whole building, one entrance, or one home."""

    membership = MembershipChoiceField(
        label=_("Member"),
        queryset=None,
        empty_label=_("Choose a member"),
        error_messages={
            "required": _("Choose the member who answers for the place."),
            "invalid_choice": _("Choose a current member of this organisation."),
        },
    )
    building = BuildingChoiceField(
        label=_("A whole building"), queryset=None, required=False, empty_label="—"
    )
    entrance = BuildingChoiceField(
        label=_("Or one entrance"), queryset=None, required=False, empty_label="—"
    )
    unit_compound = forms.ModelChoiceField(
        label=_("Compound of the home"), queryset=None, required=False, empty_label="—"
    )
    unit_code = forms.CharField(
        label=_("Or one home (unit code)"),
        max_length=60,
        required=False,
        help_text=_("Write it like 63-2-301 or 63幢2单元301."),
    )

    def __init__(self, *args, organisation, memberships, compounds, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        community_wide = organisation.compound_id is None
        self.fields["membership"].queryset = memberships
        buildings = Building.objects.filter(compound__in=compounds).select_related("compound")
        entrances = Entrance.objects.filter(building__compound__in=compounds).select_related(
            "building__compound"
        )
        self.fields["building"].queryset = buildings.order_by("compound__name", "sort_key")
        self.fields["building"].with_compound = community_wide
        self.fields["entrance"].queryset = entrances.order_by(
            "building__compound__name", "building__sort_key", "number"
        )
        self.fields["entrance"].with_compound = community_wide
        self.compounds = compounds
        if community_wide:
            self.fields["unit_compound"].queryset = compounds
        else:
            del self.fields["unit_compound"]

    def clean(self):
        data = super().clean()
        chosen = [name for name in ("building", "entrance", "unit_code") if data.get(name)]
        if len(chosen) != 1:
            raise ValidationError(
                _("Choose exactly one place: a building, an entrance or a home."),
                code="one_place",
            )
        if data.get("unit_code"):
            data["place"] = self._find_unit(data["unit_code"], data.get("unit_compound"))
        else:
            data["place"] = data.get("building") or data.get("entrance")
        return data

    def _find_unit(self, text: str, compound) -> Unit | None:
        try:
            code = parse_unit_code(text)
        except UnitCodeError as exc:
            self.add_error("unit_code", str(exc))
            return None
        if self.organisation.compound_id:
            compound_id = self.organisation.compound_id
        elif compound is not None:
            compound_id = compound.id
        else:
            self.add_error("unit_compound", _("Choose the compound the home is in."))
            return None
        unit = Unit.objects.filter(compound_id=compound_id, code=code.short).first()
        if unit is None:
            self.add_error(
                "unit_code",
                _("There is no home %(code)s in this compound.") % {"code": code.short},
            )
        return unit


class AreaRemoveForm(PageForm):
    area = forms.ModelChoiceField(queryset=None, widget=forms.HiddenInput)

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = ResponsibilityArea.objects.filter(
            membership__organisation=organisation
        ).select_related("membership__organisation", "membership__person")


class DutyShiftAddForm(PageForm):
    organisation = OrganisationChoiceField(
        label=_("Organisation"),
        queryset=None,
        empty_label=_("Choose an organisation"),
        error_messages={
            "required": _("Choose the organisation the shift is for."),
            "invalid_choice": _("You cannot add shifts for that organisation."),
        },
    )
    person = PersonChoiceField(label=_("Person on duty"), queryset=None)
    starts_at = forms.DateTimeField(
        label=_("Starts"),
        widget=DateTimeInput,
        error_messages={
            "required": _("Enter when the shift starts."),
            "invalid": _("Enter the start as a date and a time."),
        },
    )
    ends_at = forms.DateTimeField(
        label=_("Ends"),
        widget=DateTimeInput,
        error_messages={
            "required": _("Enter when the shift ends."),
            "invalid": _("Enter the end as a date and a time."),
        },
    )
    phone = forms.CharField(
        label=_("Duty phone"),
        max_length=20,
        error_messages={"required": _("Enter the phone number to call on duty.")},
        help_text=_("The number residents and staff call during this shift."),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, organisations, people, person_options, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["person"].queryset = people
        _limit_person_options(self.fields["person"], person_options)

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("A shift ends after it starts."))
        return data


class DutyShiftRemoveForm(PageForm):
    shift = forms.ModelChoiceField(queryset=None, widget=forms.HiddenInput)

    def __init__(self, *args, shifts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shift"].queryset = shifts
