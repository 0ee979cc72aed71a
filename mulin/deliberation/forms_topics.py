"""Forms of the topic pages. They only collect input; `services_topics` validates and writes,
and its errors go back on the fields that caused them (`apply_errors`)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from mulin.tickets.forms import PhotosField

from .models import Level, TopicCategory, TopicSource, TopicStatus

CATEGORY_ICONS = {
    TopicCategory.ENVIRONMENT: "tree",
    TopicCategory.PARKING: "car-front",
    TopicCategory.SAFETY: "shield-check",
    TopicCategory.FACILITIES: "tools",
    TopicCategory.RENOVATION: "bricks",
    TopicCategory.PROPERTY: "building-gear",
    TopicCategory.NEIGHBOURS: "people",
    TopicCategory.SERVICES: "heart",
    TopicCategory.OTHER: "three-dots",
}

LEVEL_CHOICES = [("", pgettext_lazy("level", "Not marked")), *Level.choices]


class RaiseForm(forms.Form):
    """A resident raises a topic: what, what is wrong, which kind, where, photos."""

    title = forms.CharField(
        label=_("Title"),
        max_length=120,
        help_text=_("In a few words, for example: “The gate is blocked by the parcel lockers”."),
        error_messages={"required": _("Please fill in the title.")},
    )
    description = forms.CharField(
        label=_("What is the problem?"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=4000,
        help_text=_("Where it happens, since when, who it affects. Please do not name people."),
        error_messages={"required": _("Please fill in what the problem is.")},
    )
    category = forms.ChoiceField(
        label=_("What is it about?"),
        choices=TopicCategory.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a category.")},
    )
    buildings = forms.ModelMultipleChoiceField(
        label=_("Buildings affected"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty when it concerns the whole compound."),
    )
    photos = PhotosField()

    def __init__(self, *args, buildings=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["buildings"].queryset = buildings
        self.fields["buildings"].label_from_instance = lambda b: b.number


STAFF_SOURCE_CHOICES = [
    (value, label)
    for value, label in TopicSource.choices
    if value not in (TopicSource.ONLINE, TopicSource.REQUESTS)
]


class StaffRaiseForm(RaiseForm):
    """Staff type in a topic raised at a meeting, in the suggestion box, a WeChat group or on
    a visit — for a resident, or raised by an organisation."""

    source = forms.ChoiceField(label=_("Where was it raised?"), choices=STAFF_SOURCE_CHOICES)
    raised_by = forms.ModelChoiceField(
        label=_("On behalf of a resident"),
        queryset=None,
        required=False,
        empty_label=_("Nobody in particular"),
    )
    organisation = forms.ModelChoiceField(
        label=_("Raised by an organisation"),
        queryset=None,
        required=False,
        empty_label=_("No organisation"),
    )

    def __init__(self, *args, people=None, organisations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["raised_by"].queryset = people
        self.fields["organisation"].queryset = organisations
        self.fields["category"].widget = forms.Select()
        self.fields["category"].choices = [("", "—"), *TopicCategory.choices]


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Your comment"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": _("Please write the comment first.")},
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        error_messages={"required": _("Give the reason.")},
    )


class AssessForm(forms.Form):
    difficulty = forms.TypedChoiceField(
        label=_("Difficulty"), choices=LEVEL_CHOICES, required=False, coerce=int, empty_value=None
    )
    urgency = forms.TypedChoiceField(
        label=_("Urgency"), choices=LEVEL_CHOICES, required=False, coerce=int, empty_value=None
    )


class MoveForm(forms.Form):
    to = forms.ChoiceField(label=_("Move to"), choices=TopicStatus.choices)
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=4000,
        help_text=_("Required to decline: it is published with the topic."),
    )


class PromoteForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    description = forms.CharField(
        label=_("What is the problem?"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )
    category = forms.ChoiceField(label=_("Category"), choices=TopicCategory.choices)
    tickets = forms.ModelMultipleChoiceField(
        label=_("Requests to link"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one request.")},
    )

    def __init__(self, *args, tickets=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tickets"].queryset = tickets
        self.fields["tickets"].label_from_instance = lambda t: f"#{t.pk} {t.description[:60]}"


class SupportForStaffForm(forms.Form):
    """Staff record the support of a resident who came by or phoned."""

    unit = forms.CharField(
        label=_("Home (unit code)"),
        max_length=40,
        help_text=_("For example 63-2-301."),
        error_messages={"required": _("Give the home's unit code.")},
    )
