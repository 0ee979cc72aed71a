"""Forms of the places pages. They only collect input; the services validate and write."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mulin.people.models import Gender, Ownership, Residency

from .models import AreaSource, ParkingKind, UnitStatus, UnitUse


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def apply_errors(form: forms.Form, error: ValidationError, aliases: dict | None = None) -> None:
    """Put a service's field errors on the form's fields (or on the form when it has no such
    field), so the page names the field the way the form does."""
    aliases = aliases or {}
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            form.add_error(None, message)
        return
    for name, messages in error.message_dict.items():
        target = aliases.get(name, name)
        for message in messages:
            form.add_error(target if target in form.fields else None, message)


class UnitForm(forms.Form):
    use = forms.ChoiceField(label=_("Use"), choices=UnitUse.choices)
    status = forms.ChoiceField(label=_("Status"), choices=UnitStatus.choices)
    area = forms.DecimalField(
        label=_("Exclusive area (m²)"),
        max_digits=10,
        decimal_places=2,
        required=False,
        localize=False,
    )
    area_source = forms.ChoiceField(
        label=_("Area source"),
        choices=[("", _("Not recorded")), *AreaSource.choices],
        required=False,
    )
    floor = forms.IntegerField(label=_("Floor"), required=False, min_value=-10, max_value=200)


class PersonPicker(forms.Form):
    """An existing person (picked from the search) or the details of a new one."""

    person = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("Name of a new person"), max_length=50, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices, required=False)
    birth_year = forms.IntegerField(
        label=_("Birth year"), required=False, min_value=1900, max_value=2100
    )

    def clean(self):
        data = super().clean()
        if not data.get("person") and not (data.get("name") or "").strip():
            raise ValidationError(
                _("Pick a person from the registry or enter the name of a new person."),
                code="no_person",
            )
        return data


class ResidentForm(PersonPicker):
    relation = forms.ChoiceField(label=_("Relation"), choices=Residency.Relation.choices)
    is_head = forms.BooleanField(label=_("Head of household"), required=False)
    moved_in_on = forms.DateField(label=_("Moved in"), required=False, widget=DateInput)


class OwnerForm(PersonPicker):
    company = forms.TypedChoiceField(
        label=_("Or a company"), required=False, coerce=int, empty_value=None
    )
    share = forms.DecimalField(
        label=_("Share (1 = whole unit)"),
        max_digits=5,
        decimal_places=4,
        initial=Decimal("1"),
        localize=False,
    )
    started_on = forms.DateField(label=_("Owner since"), required=False, widget=DateInput)
    date_kind = forms.ChoiceField(
        label=_("The date is"),
        choices=Ownership.DateKind.choices,
        initial=Ownership.DateKind.REGISTERED,
    )

    def __init__(self, *args, companies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"].choices = [("", "—")] + [(c.pk, c.name) for c in companies]

    def clean(self):
        if self.cleaned_data.get("company"):
            # A company owner needs no person.
            return self.cleaned_data
        return super().clean()


class EndForm(forms.Form):
    """Ending a residency or an ownership on a date (today unless given)."""

    on = forms.DateField(label=_("Date"), required=False, widget=DateInput)

    def clean_on(self):
        return self.cleaned_data.get("on") or timezone.localdate()


class VehicleForm(forms.Form):
    plate = forms.CharField(label=_("Plate"), max_length=12)
    brand = forms.CharField(label=_("Make and colour"), max_length=50, required=False)
    person = forms.TypedChoiceField(label=_("Driver"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, residents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", "—")] + [(p.pk, p.name) for p in residents]


class ParkingSpaceForm(forms.Form):
    number = forms.CharField(
        label=_("Number"),
        max_length=20,
        error_messages={"required": _("Enter the parking space number.")},
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=ParkingKind.choices)
    area = forms.DecimalField(
        label=_("Area (m²)"), max_digits=8, decimal_places=2, required=False, localize=False
    )
    counts_as_unit = forms.BooleanField(label=_("Counts as an exclusive unit"), required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
