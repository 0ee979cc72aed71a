"""Forms of the civic pages. They collect input; the services validate and write, and their
errors are put back on the fields (`mulin.places.forms.apply_errors`)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mulin.decisions.models import Motion
from mulin.orgs.models import Organisation
from mulin.places.forms import DateInput
from mulin.places.models import Building

from . import selectors_civic as sel
from .models import Resolution, RuleKind


def _text(label, *, rows=4, required=True, help_text=""):
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class _Adoption(forms.Form):
    text = _text(
        _("Text"), rows=12, help_text=_("One clause per line: the differences are shown by line.")
    )
    summary = forms.CharField(label=_("What changed"), max_length=200, required=False)
    adopted_on = forms.DateField(label=_("Adopted on"), widget=DateInput())
    effective_on = forms.DateField(label=_("In force from"), widget=DateInput())
    resolution = forms.ModelChoiceField(
        label=_("Adopted by the resolution"), queryset=Resolution.objects.none(), required=False
    )
    motion = forms.ModelChoiceField(
        label=_("Adopted by the motion of the owners' vote"),
        queryset=Motion.objects.none(),
        required=False,
    )

    def __init__(self, *args, compound, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resolution"].queryset = Resolution.objects.filter(compound=compound).order_by(
            "-id"
        )
        self.fields["resolution"].label_from_instance = lambda r: r.text[:60]
        self.fields["motion"].queryset = (
            Motion.objects.filter(vote__compound=compound).select_related("vote").order_by("-id")
        )
        self.fields["motion"].label_from_instance = lambda m: (
            f"{m.vote.title[:30]} · {m.title[:40]}"
        )
        if not self.is_bound:
            self.initial.setdefault("adopted_on", timezone.localdate())
            self.initial.setdefault("effective_on", timezone.localdate())


class RuleAdoptForm(_Adoption):
    kind = forms.ChoiceField(label=_("Kind"), choices=RuleKind.choices)
    title = forms.CharField(label=_("Title"), max_length=120)
    field_order = ["kind", "title", "text", "adopted_on", "effective_on", "resolution", "motion"]


class RuleAmendForm(_Adoption):
    field_order = ["text", "summary", "adopted_on", "effective_on", "resolution", "motion"]


class RuleRepealForm(forms.Form):
    repealed_on = forms.DateField(label=_("Repealed on"), widget=DateInput())


class BoardForm(forms.Form):
    responsible = forms.CharField(label=_("Responsible person"), max_length=60)
    responsible_phone = forms.CharField(label=_("Public phone"), max_length=30, required=False)
    commitments = _text(_("Commitments"), help_text=_("What the organisation promises (亮承诺)."))
    results = _text(_("Results"), required=False, help_text=_("What it achieved (亮实绩)."))
    area = forms.CharField(label=_("Responsibility area"), max_length=200, required=False)
    featured_service = forms.CharField(label=_("Featured service"), max_length=200, required=False)


SCOPES = [
    ("compound", _("The whole compound")),
    ("building", _("One building")),
    ("community", _("The whole community")),
]


class AnnouncementForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    body = _text(_("Text"), rows=8)
    scope = forms.ChoiceField(
        label=_("Who it is for"), choices=SCOPES, initial="compound", widget=forms.RadioSelect
    )
    building = forms.ModelChoiceField(
        label=_("Building"),
        queryset=Building.objects.none(),
        required=False,
        empty_label=_("— choose when the notice is for one building —"),
    )
    publisher = forms.ModelChoiceField(
        label=_("In the name of"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("— the community office —"),
    )
    expires_on = forms.DateField(label=_("Shown until"), widget=DateInput(), required=False)
    pinned = forms.BooleanField(label=_("Pin to the top"), required=False)

    def __init__(self, *args, compound, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["building"].queryset = Building.objects.filter(compound=compound)
        self.fields["building"].label_from_instance = lambda b: (
            _("Building %(number)s") % {"number": b.number}
        )
        self.fields["publisher"].queryset = sel.organisations_of(compound)


class PraiseForm(forms.Form):
    to_name = forms.CharField(
        label=_("Who do you thank?"),
        max_length=60,
        help_text=_("A person, a team or an organisation, as it should show on the wall."),
    )
    to_organisation = forms.ModelChoiceField(
        label=_("Their organisation"), queryset=Organisation.objects.none(), required=False
    )
    body = _text(_("Your thank-you"), rows=4)

    def __init__(self, *args, compound, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_organisation"].queryset = sel.organisations_of(compound)


class ModerateForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("show", _("Show on the wall")), ("hide", _("Hide"))], widget=forms.HiddenInput
    )
    reason = forms.CharField(label=_("Reason for hiding"), max_length=200, required=False)


class NominationForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    person = forms.ModelChoiceField(label=_("Party member"), queryset=None)
    story = _text(_("Their story"), rows=6)

    def __init__(self, *args, compound, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = sel.party_members_of(compound)
        self.fields["person"].label_from_instance = lambda p: p.name
        if not self.is_bound:
            self.initial.setdefault("year", timezone.localdate().year)


class EvaluationForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    opens_on = forms.DateField(label=_("Opens"), widget=DateInput())
    closes_on = forms.DateField(label=_("Closes"), widget=DateInput())
    organisations = forms.ModelMultipleChoiceField(
        label=_("Organisations rated"),
        queryset=Organisation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, compound, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisations"].queryset = sel.rated_organisations(compound)


SCORES = [(5, "5"), (4, "4"), (3, "3"), (2, "2"), (1, "1")]


class RatingForm(forms.Form):
    organisation = forms.IntegerField(widget=forms.HiddenInput)
    score = forms.TypedChoiceField(
        label=_("Rating"), choices=SCORES, coerce=int, widget=forms.RadioSelect
    )
    comment = forms.CharField(label=_("Comment"), max_length=200, required=False)
