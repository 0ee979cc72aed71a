"""Forms of public projects: parsing only; the services say what is allowed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from mulin.tickets.forms import PhotosField

from .models import FundingSource, InspectionVerdict, ProjectKind, ProjectStatus

_DATE = forms.DateInput(attrs={"type": "date"})


class ProjectForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    summary = forms.CharField(label=_("What it will do"), widget=forms.Textarea(attrs={"rows": 3}))
    kind = forms.ChoiceField(label=_("Kind"), choices=ProjectKind.choices)
    contractor = forms.CharField(label=_("Contractor"), max_length=120, required=False)
    planned_start = forms.DateField(label=_("Planned start"), required=False, widget=_DATE)
    planned_end = forms.DateField(label=_("Planned end"), required=False, widget=_DATE)
    public = forms.BooleanField(label=_("On the public page"), required=False, initial=True)


class MoveForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ProjectStatus.choices)


class FundingForm(forms.Form):
    source = forms.ChoiceField(label=_("Source"), choices=FundingSource.choices)
    amount = forms.CharField(label=_("Amount (yuan)"), max_length=20)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class SpendingForm(forms.Form):
    spent_on = forms.DateField(label=_("Date"), widget=_DATE)
    amount = forms.CharField(label=_("Amount (yuan)"), max_length=20)
    payee = forms.CharField(label=_("Paid to"), max_length=120)
    description = forms.CharField(label=_("For"), max_length=200)
    invoice = forms.FileField(label=_("Invoice"), required=False)


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=120)
    planned_on = forms.DateField(label=_("Planned"), widget=_DATE)


class MilestoneDoneForm(forms.Form):
    done_on = forms.DateField(label=_("Done"), widget=_DATE, required=False)


class UpdateForm(forms.Form):
    body = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 3}))
    progress = forms.CharField(
        label=_("New progress (%)"),
        required=False,
        max_length=5,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    photos = PhotosField()


class SupervisorForm(forms.Form):
    person = forms.TypedChoiceField(label=_("Person"), coerce=int, choices=())
    skill = forms.CharField(label=_("Supervises"), max_length=32)

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", "—"), *people]


class InspectionForm(forms.Form):
    verdict = forms.ChoiceField(
        label=_("Verdict"), choices=InspectionVerdict.choices, widget=forms.RadioSelect
    )
    body = forms.CharField(label=_("Inspection note"), widget=forms.Textarea(attrs={"rows": 3}))
    photos = PhotosField()


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 2}))
    settle = forms.BooleanField(label=_("Settled"), required=False, initial=True)


class AcceptanceForm(forms.Form):
    accepted_on = forms.DateField(label=_("Accepted"), widget=_DATE)
    survey_closes_on = forms.DateField(label=_("Survey open until"), widget=_DATE)
    note = forms.CharField(
        label=_("Acceptance note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("Your rating"),
        coerce=int,
        choices=[(n, "★" * n) for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("Comment"), max_length=200, required=False)
