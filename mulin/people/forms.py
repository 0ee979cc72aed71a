"""Forms on the person page. They only collect input; the services validate and write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from mulin.places.forms import DateInput

from .models import CareKind, Consent, ConsentPurpose, Gender, Skill


class PersonForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    # The stored phone is never printed into the form (it would bypass the audited reveal):
    # an empty field keeps it, a new number replaces it, the box removes it.
    phone = forms.CharField(
        label=_("New phone number"),
        max_length=20,
        required=False,
        help_text=_("Leave empty to keep the stored number."),
    )
    remove_phone = forms.BooleanField(label=_("Remove the stored phone number"), required=False)
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices, required=False)
    birth_date = forms.DateField(label=_("Birth date"), required=False, widget=DateInput)
    birth_year = forms.IntegerField(
        label=_("Birth year (when the date is unknown)"),
        required=False,
        min_value=1900,
        max_value=2100,
    )
    id_number = forms.CharField(
        label=_("New ID number"),
        max_length=18,
        required=False,
        help_text=_("Leave empty to keep the stored number."),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class CareTagForm(forms.Form):
    kind = forms.ChoiceField(label=_("Care group"), choices=CareKind.choices)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class SkillsForm(forms.Form):
    skills = forms.MultipleChoiceField(
        label=_("Skills"),
        choices=Skill.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=ConsentPurpose.choices)
    method = forms.ChoiceField(
        label=_("How given"), choices=Consent.Method.choices, initial=Consent.Method.PAPER
    )


class RevealForm(forms.Form):
    field = forms.ChoiceField(choices=[("phone", _("Phone")), ("id_number", _("ID number"))])
