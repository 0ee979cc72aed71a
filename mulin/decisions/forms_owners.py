"""Forms of the owners' pages: the ballot, an objection to one's electorate entry, and a request
for an extraordinary meeting.

The ballot form only shapes what the owner ticked into the `choices` dict `ballots.ballot_cast`
takes; the rules (every motion answered, no more candidates than seats online) are
`ballots.clean_choices`, run here too so the review step refuses what the cast would.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from mulin.places.forms import apply_errors

from . import ballots
from .models import YES_NO_KINDS, MotionKind, Vote

RADIO = {"class": "form-check-input"}


def yes_no_choices(kind: str) -> list[tuple[str, str]]:
    """The three answers in plain words; a consultation asks for support, not a decision."""
    if kind == MotionKind.CONSULTATION:
        return [("yes", _("Support")), ("no", _("Do not support")), ("abstain", _("Abstain"))]
    return [("yes", _("Yes, I agree")), ("no", _("No, I disagree")), ("abstain", _("Abstain"))]


class BallotForm(forms.Form):
    """One field per motion of the vote, named `motion_<id>` like the errors of
    `ballots.clean_choices`. After `is_valid()`, `choices` is what `ballot_cast` takes."""

    def __init__(self, *args, vote: Vote, **kwargs):
        super().__init__(*args, **kwargs)
        self.vote = vote
        self.motions = list(vote.motions.all())
        self.choices: dict[str, object] = {}
        for motion in self.motions:
            self.fields[self.name_of(motion)] = self._field(motion)

    @staticmethod
    def name_of(motion) -> str:
        return f"motion_{motion.pk}"

    def _field(self, motion) -> forms.Field:
        if motion.kind in YES_NO_KINDS:
            return forms.ChoiceField(
                label=motion.title,
                choices=yes_no_choices(motion.kind),
                widget=forms.RadioSelect(attrs=RADIO),
                error_messages={
                    "required": _("Choose an answer: yes, no or abstain."),
                    "invalid_choice": _("Choose an answer: yes, no or abstain."),
                },
            )
        if motion.kind == MotionKind.ELECTION:
            return forms.MultipleChoiceField(
                label=motion.title,
                choices=[(c.key, c.display_name) for c in motion.candidates.all()],
                widget=forms.CheckboxSelectMultiple(attrs=RADIO),
                required=False,  # nobody ticked: the owner abstains (the review step says so)
                error_messages={"invalid_choice": _("Tick candidates from the list.")},
            )
        options = [(o.key, o.label) for o in motion.options.all()]
        if motion.kind == MotionKind.SINGLE:
            return forms.ChoiceField(
                label=motion.title,
                choices=options,
                widget=forms.RadioSelect(attrs=RADIO),
                error_messages={
                    "required": _("Choose one answer."),
                    "invalid_choice": _("Choose one of the answers shown."),
                },
            )
        if motion.kind == MotionKind.MULTIPLE:
            return forms.MultipleChoiceField(
                label=motion.title,
                choices=options,
                widget=forms.CheckboxSelectMultiple(attrs=RADIO),
                error_messages={
                    "required": _("Choose at least one answer."),
                    "invalid_choice": _("Choose answers from those shown."),
                },
            )
        return forms.CharField(
            label=motion.title,
            required=False,
            max_length=ballots.MAX_TEXT,
            widget=forms.Textarea(attrs={"rows": 4, "maxlength": ballots.MAX_TEXT}),
        )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        raw: dict[str, object] = {}
        for motion in self.motions:
            value = data.get(self.name_of(motion))
            if motion.kind == MotionKind.TEXT:
                value = {"text": value or ""}
            raw[str(motion.pk)] = value
        try:
            self.choices = ballots.clean_choices(self.vote, raw, strict=True)
        except ValidationError as exc:
            apply_errors(self, exc)
        return data

    def hidden_values(self) -> list[tuple[str, str]]:
        """The submitted answers as (name, value) pairs, carried through the review step."""
        pairs: list[tuple[str, str]] = []
        for motion in self.motions:
            name = self.name_of(motion)
            value = self.cleaned_data.get(name)
            if isinstance(value, list):
                pairs += [(name, v) for v in value]
            elif value:
                pairs.append((name, value))
        return pairs


class ObjectionForm(forms.Form):
    text = forms.CharField(
        label=_("What is wrong with your entry?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "For example: the area is wrong, a co-owner is missing, or a home of yours is not "
            "listed. The owners' committee answers before voting opens."
        ),
        error_messages={"required": _("Say what is wrong with the entry.")},
    )


class MeetingRequestForm(forms.Form):
    compound = forms.ModelChoiceField(
        label=_("Compound"),
        queryset=None,
        empty_label=None,
        widget=forms.RadioSelect(attrs=RADIO),
        error_messages={
            "required": _("Choose the compound."),
            "invalid_choice": _("Choose one of your compounds."),
        },
    )
    title = forms.CharField(
        label=_("What should the meeting decide?"),
        max_length=200,
        help_text=_("One line, for example: replace the property company."),
        error_messages={"required": _("Say what the meeting should decide.")},
    )
    reason = forms.CharField(
        label=_("Why is a meeting needed?"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=4000,
        help_text=_("Your neighbours read this before they add their support."),
        error_messages={"required": _("Say why a meeting is needed.")},
    )

    def __init__(self, *args, compounds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["compound"].queryset = compounds
        self.only = compounds[0] if len(compounds) == 1 else None
        if self.only is not None:  # an owner of one compound is not asked which
            self.fields["compound"].required = False
            self.fields["compound"].widget = forms.HiddenInput()

    def clean_compound(self):
        return self.cleaned_data.get("compound") or self.only
